"""Chunking: token limits in the model's own word-pieces, natural boundaries, stable ids."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from assistant.ingest.chunking import SPECIAL_TOKENS, ChunkingSettings, split
from assistant.ingest.documents import load_corpus, load_document
from assistant.language.sentences import sentence_spans
from assistant.store.embeddings import SentenceTransformerEmbedder
from tests.conftest import CORPUS


@pytest.fixture(scope="module")
def documents():
    return load_corpus(CORPUS).documents


@pytest.mark.parametrize("target", [32, 96, 160, 254, 400])
def test_no_chunk_exceeds_the_model_window(documents, embedder, target):
    settings = ChunkingSettings(target, min(16, target // 2), embedder.max_tokens)
    for doc in documents:
        for chunk in split(doc, embedder, settings):
            # Count with the model's tokenizer, special tokens included, as the model reads it.
            real = len(embedder.model.tokenizer(chunk.text)["input_ids"])
            assert real <= embedder.max_tokens
            assert chunk.token_count <= settings.budget
            assert real - SPECIAL_TOKENS == chunk.token_count


def test_chunks_are_verbatim_spans_with_metadata(documents, embedder):
    settings = ChunkingSettings(160, 32, embedder.max_tokens)
    for doc in documents:
        chunks = split(doc, embedder, settings)
        assert chunks
        for chunk in chunks:
            assert doc.text[chunk.start : chunk.end] == chunk.text
            assert chunk.doc_id == doc.doc_id and chunk.title == doc.source.title
            for a, b in chunk.sentences:
                assert 0 <= a < b <= len(chunk.text)
        # Together the chunks cover every sentence of the document.
        covered = "".join(c.text for c in chunks)
        for word in set(doc.text.split()):
            assert word in covered


def test_chunks_break_at_sentence_boundaries_and_overlap(documents, embedder):
    settings = ChunkingSettings(96, 32, embedder.max_tokens)
    doc = next(d for d in documents if d.doc_id.startswith("002"))
    chunks = split(doc, embedder, settings)
    starts = {a for a, _ in sentence_spans(doc.text)}
    for chunk in chunks:
        # Every chunk starts at a sentence or line start and ends at a sentence end.
        assert chunk.start == 0 or doc.text[chunk.start - 1] in " \n" or chunk.start in starts
        assert chunk.text.rstrip()[-1] in '.”")>:?!' or doc.text[chunk.end : chunk.end + 1] in (
            "\n",
            "",
        )
    overlapping = sum(1 for a, b in itertools.pairwise(chunks) if b.start < a.end)
    assert overlapping >= 1


def test_sections_do_not_run_into_each_other(documents, embedder):
    settings = ChunkingSettings(254, 32, embedder.max_tokens)
    doc = next(d for d in documents if d.doc_id.startswith("000"))
    chunks = split(doc, embedder, settings)
    intro = [c for c in chunks if c.section == "Introduction"]
    assert intro and intro[0].text.startswith("Introduction")
    assert all("Abbreviations" not in c.text for c in intro)


def test_ids_are_stable_and_change_with_content(tmp_path: Path, embedder):
    settings = ChunkingSettings(64, 16, embedder.max_tokens)
    path = tmp_path / "a.txt"
    path.write_text(
        "Title line\n\nFirst paragraph about vaccines. It has two sentences.\n\n"
        "Second paragraph about regulators.\n",
        encoding="utf-8",
    )
    first = [c.chunk_id for c in split(load_document(path, "a.txt"), embedder, settings)]
    again = [c.chunk_id for c in split(load_document(path, "a.txt"), embedder, settings)]
    assert first == again and len(set(first)) == len(first)
    path.write_text(path.read_text(encoding="utf-8") + "\nA new closing paragraph.\n", "utf-8")
    changed = [c.chunk_id for c in split(load_document(path, "a.txt"), embedder, settings)]
    assert changed != first


def test_an_overlong_sentence_is_cut_into_windows(tmp_path: Path, embedder):
    path = tmp_path / "long.txt"
    path.write_text(" ".join(f"word{i}" for i in range(2000)) + ".", encoding="utf-8")
    settings = ChunkingSettings(254, 32, embedder.max_tokens)
    chunks = split(load_document(path, "long.txt"), embedder, settings)
    assert len(chunks) > 1
    assert all(c.token_count <= settings.budget for c in chunks)
    assert "word1999" in chunks[-1].text


def test_sentence_spans_keep_abbreviations():
    text = "Regional approaches (e.g. regional hubs) matter. Dr. Kim spoke. Then 15 experts met."
    sentences = [text[a:b] for a, b in sentence_spans(text)]
    assert sentences == [
        "Regional approaches (e.g. regional hubs) matter.",
        "Dr. Kim spoke.",
        "Then 15 experts met.",
    ]


def test_settings_reject_overlap_not_smaller_than_target():
    from assistant.errors import SettingsError
    from assistant.settings import load_settings

    with pytest.raises(SettingsError, match="chunk_overlap_tokens"):
        load_settings(chunk_tokens=32, chunk_overlap_tokens=32)


def test_embedder_counts_tokens_like_the_model(embedder: SentenceTransformerEmbedder):
    counts = embedder.count_tokens(["ISBN 978-92-4-003242-2", "vaccines"])
    assert counts[0] > 5 and counts[1] >= 1
    assert embedder.max_tokens == 256 and embedder.dimension == 384
