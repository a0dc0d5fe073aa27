"""The on-disk index: round trip, incremental updates, atomic writes, corruption recovery."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import IndexStateError
from assistant.ingest.chunking import ChunkingSettings
from assistant.store.index import read_index
from assistant.store.lexical import build_lexical
from assistant.store.manifest import CHUNKS, LEXICAL, MANIFEST, POINTER, SENTENCES, VECTORS
from assistant.store.sync import sync_index
from tests.conftest import CORPUS


class CountingEmbedder:
    """The real embedder, counting how many passages it is asked to embed (not a stand-in)."""

    def __init__(self, inner):
        self.inner = inner
        self.embedded = 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    @property
    def name(self):
        return self.inner.name

    @property
    def dimension(self):
        return self.inner.dimension

    @property
    def max_tokens(self):
        return self.inner.max_tokens

    def embed_documents(self, texts):
        self.embedded += len(texts)
        return self.inner.embed_documents(texts)

    def embed_passages(self, texts, spans):
        self.embedded += len(texts)
        return self.inner.embed_passages(texts, spans)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture
def chunking(embedder) -> ChunkingSettings:
    return ChunkingSettings(160, 32, embedder.max_tokens)


def test_round_trip(tmp_path, corpus, embedder, chunking):
    index, report = sync_index(corpus, tmp_path / "index", embedder, chunking)
    assert report.wrote and len(report.added) == 3 and report.chunks_embedded == len(index.chunks)
    reopened = read_index(tmp_path / "index")
    assert [c.chunk_id for c in reopened.chunks] == [c.chunk_id for c in index.chunks]
    assert reopened.chunks[5] == index.chunks[5]
    np.testing.assert_allclose(reopened.vectors(), index.vectors(), atol=1e-6)
    manifest = reopened.manifest
    assert manifest["model"] == embedder.name and manifest["chunking"]["target_tokens"] == 160
    assert set(manifest["documents"]) == {p.name for p in CORPUS.glob("0*.txt")}
    assert all(len(d["content_hash"]) == 64 for d in manifest["documents"].values())
    # The vector of a stored chunk is the model's embedding of its text.
    fresh = embedder.embed_documents([index.chunks[3].text])[0]
    np.testing.assert_allclose(index.vectors()[3], fresh, atol=1e-5)


def test_unchanged_corpus_is_not_rewritten(tmp_path, corpus, embedder, chunking):
    first, _ = sync_index(corpus, tmp_path / "index", embedder, chunking)
    counting = CountingEmbedder(embedder)
    second, report = sync_index(corpus, tmp_path / "index", counting, chunking)
    assert not report.wrote and counting.embedded == 0
    assert second.version == first.version


def test_only_changed_documents_are_re_embedded(tmp_path, corpus, embedder, chunking):
    index, _ = sync_index(corpus, tmp_path / "index", embedder, chunking)
    before = {c.chunk_id for c in index.chunks}
    changed = corpus / "001_5829bbf4eab410c7.txt"
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\n\nA new paragraph on fill-finish capacity.\n",
        encoding="utf-8",
    )
    (corpus / "002_b2edcc82120f056b.txt").unlink()
    (corpus / "new.md").write_text("# Biosimilars\n\nA note on biosimilar approval pathways.\n")
    counting = CountingEmbedder(embedder)
    updated, report = sync_index(corpus, tmp_path / "index", counting, chunking)
    assert report.changed == ["001_5829bbf4eab410c7.txt"]
    assert report.removed == ["002_b2edcc82120f056b.txt"]
    assert report.added == ["new.md"]
    fresh = [c for c in updated.chunks if c.doc_id in {"001_5829bbf4eab410c7.txt", "new.md"}]
    assert report.chunks_embedded == len(fresh)
    # Only those passages went through the model, once each: sentence vectors are pooled
    # from the same forward pass.
    assert counting.embedded == len(fresh)
    assert not any(c.doc_id.startswith("002") for c in updated.chunks)
    # The untouched WHO document keeps its chunks and vectors.
    who = [c.chunk_id for c in updated.chunks if c.doc_id.startswith("000")]
    assert who and set(who) <= before
    for row, chunk in enumerate(updated.chunks):
        if chunk.doc_id.startswith("000"):
            old_row = [c.chunk_id for c in index.chunks].index(chunk.chunk_id)
            np.testing.assert_allclose(updated.vectors()[row], index.vectors()[old_row], atol=1e-6)
            np.testing.assert_array_equal(
                updated.chunk_sentence_vectors(row), index.chunk_sentence_vectors(old_row)
            )
    # The lexical part is made anew over all passages: the new document's words are in it.
    assert updated.lexical.stats.n == len(updated.chunks)
    assert updated.lexical.stats.df == build_lexical(updated.chunks).stats.df
    assert "biosimilar" in updated.lexical.words and "biosimilar" not in index.lexical.words
    # Old builds are cleaned up; exactly one build remains.
    builds = [p for p in (tmp_path / "index").iterdir() if p.name.startswith("build-")]
    assert [b.name for b in builds] == [updated.version]


def test_unreadable_document_keeps_its_previous_version(tmp_path, corpus, embedder, chunking):
    sync_index(corpus, tmp_path / "index", embedder, chunking)
    (corpus / "001_5829bbf4eab410c7.txt").write_bytes(b"")
    updated, report = sync_index(corpus, tmp_path / "index", embedder, chunking)
    assert report.kept_previous == ["001_5829bbf4eab410c7.txt"]
    assert any("empty" in p for p in report.problems)
    assert any(c.doc_id.startswith("001") for c in updated.chunks)


@pytest.mark.parametrize(
    "damage",
    ["flip_vectors", "truncate_chunks", "delete_manifest", "delete_vectors", "bad_pointer"],
)
def test_corrupt_index_is_detected_and_rebuilt(tmp_path, corpus, embedder, chunking, damage):
    index, _ = sync_index(corpus, tmp_path / "index", embedder, chunking)
    build = index.path
    if damage == "flip_vectors":
        data = bytearray((build / VECTORS).read_bytes())
        data[len(data) // 2] ^= 0xFF
        (build / VECTORS).write_bytes(bytes(data))
    elif damage == "truncate_chunks":
        data = (build / CHUNKS).read_bytes()
        (build / CHUNKS).write_bytes(data[: len(data) // 2])
    elif damage == "delete_manifest":
        (build / MANIFEST).unlink()
    elif damage == "delete_vectors":
        (build / VECTORS).unlink()
    else:
        (tmp_path / "index" / POINTER).write_text("build-does-not-exist\n")
    with pytest.raises(IndexStateError):
        read_index(tmp_path / "index")
    rebuilt, report = sync_index(corpus, tmp_path / "index", embedder, chunking)
    assert report.rebuilt_because and report.wrote
    assert len(rebuilt.chunks) == len(index.chunks)
    assert read_index(tmp_path / "index").version == rebuilt.version


def test_other_settings_force_a_rebuild(tmp_path, corpus, embedder, chunking):
    sync_index(corpus, tmp_path / "index", embedder, chunking)
    other = ChunkingSettings(96, 16, embedder.max_tokens)
    index, report = sync_index(corpus, tmp_path / "index", embedder, other)
    assert "chunking" in (report.rebuilt_because or "")
    assert index.manifest["chunking"]["target_tokens"] == 96


def test_nothing_is_unpickled(tmp_path, corpus, embedder, chunking):
    index, _ = sync_index(corpus, tmp_path / "index", embedder, chunking)
    names = sorted(p.name for p in index.path.iterdir())
    assert names == sorted([CHUNKS, LEXICAL, MANIFEST, SENTENCES, VECTORS])
    manifest = json.loads((index.path / MANIFEST).read_text())
    files = {p.relative_to(index.path).as_posix() for p in index.path.rglob("*") if p.is_file()}
    assert set(manifest["files"]) == files - {MANIFEST}
    assert {CHUNKS, SENTENCES, VECTORS, f"{LEXICAL}/stats.json"} <= set(manifest["files"])
    # The lexical part holds JSON and .npy arrays only (bm25s loads them without pickle).
    assert {p.rsplit(".", 1)[-1] for p in manifest["files"]} == {"jsonl", "faiss", "npy", "json"}


def test_a_failed_write_leaves_the_previous_index(tmp_path, corpus, embedder, chunking):
    index, _ = sync_index(corpus, tmp_path / "index", embedder, chunking)
    (corpus / "extra.txt").write_text("Extra document about sterile fill-finish lines.")

    class Exploding(CountingEmbedder):
        def embed_documents(self, texts):
            raise RuntimeError("power cut")

        def embed_passages(self, texts, spans):
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        sync_index(corpus, tmp_path / "index", Exploding(embedder), chunking)
    still = read_index(tmp_path / "index")
    assert still.version == index.version and len(still.chunks) == len(index.chunks)
    assert not [p for p in (tmp_path / "index").iterdir() if p.name.startswith(".tmp-")]


def test_sentence_vectors_are_pooled_from_the_passage_pass(tmp_path, corpus, embedder, chunking):
    index, _ = sync_index(corpus, tmp_path / "index", embedder, chunking)
    assert index.manifest["sentence_vectors"] == "in-passage"
    row = next(r for r, c in enumerate(index.chunks) if len(c.sentences) >= 3)
    chunk = index.chunks[row]
    # Independently: sentence-transformers' own token embeddings of the passage, averaged over
    # the tokens whose characters fall inside each sentence.
    tokens = embedder.model.encode([chunk.text], output_value="token_embeddings")[0]
    tokens = np.asarray(tokens, dtype=np.float32)
    offsets = embedder.model.tokenizer(chunk.text, return_offsets_mapping=True)["offset_mapping"]
    assert len(offsets) == len(tokens)
    for i, (a, b) in enumerate(chunk.sentences):
        inside = [t for t, (s, e) in enumerate(offsets) if e > s and s >= a and e <= b]
        expected = tokens[inside].mean(axis=0)
        expected /= np.linalg.norm(expected)
        np.testing.assert_allclose(index.chunk_sentence_vectors(row)[i], expected, atol=2e-3)
    # The passage vector is still the model's ordinary sentence embedding of the whole text.
    np.testing.assert_allclose(
        index.vectors()[row], embedder.embed_documents([chunk.text])[0], atol=1e-5
    )


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_large_corpora_get_an_approximate_index(tmp_path, corpus, embedder, chunking, kind):
    from assistant.store.ann import AnnSettings

    exact, _ = sync_index(corpus, tmp_path / "exact", embedder, chunking)
    approx, _ = sync_index(
        corpus, tmp_path / "approx", embedder, chunking, ann=AnnSettings(exact_below=10, kind=kind)
    )
    assert exact.kind == "flat" and exact.manifest["vector_index"] == "flat"
    assert approx.kind == kind and read_index(tmp_path / "approx").kind == kind
    assert len(approx.chunks) > 10
    question = embedder.embed_query("Who leads the vaccine hub task force?")
    assert approx.search(question, 5)[0] == exact.search(question, 5)[0]
    # A document filter scores that document's rows exactly.
    rows = approx.rows_by_doc["001_5829bbf4eab410c7.txt"]
    ids, scores = approx.search(question, 3, rows)
    assert ids == exact.search(question, 3, rows)[0]
    assert set(ids) <= set(rows) and scores == sorted(scores, reverse=True)


def test_changing_the_ann_settings_only_reshapes_the_index(tmp_path, corpus, embedder, chunking):
    from assistant.store.ann import AnnSettings

    sync_index(corpus, tmp_path / "index", embedder, chunking)
    counting = CountingEmbedder(embedder)
    (corpus / "extra.txt").write_text("A note on sterile fill-finish lines in regional hubs.")
    second, report = sync_index(
        corpus, tmp_path / "index", counting, chunking, ann=AnnSettings(exact_below=10, kind="hnsw")
    )
    assert report.added == ["extra.txt"] and counting.embedded == report.chunks_embedded
    assert second.kind == "hnsw"
    with pytest.raises(TypeError):
        sync_index(corpus, tmp_path / "index", embedder, chunking, ann={"kind": "hnsw"})


def test_the_backend_is_recorded_and_a_change_rebuilds(tmp_path, corpus, embedder, chunking):
    from assistant.errors import SettingsError
    from assistant.store.embeddings import SentenceTransformerEmbedder

    index, _ = sync_index(corpus, tmp_path / "index", embedder, chunking)
    assert index.manifest["backend"] == embedder.backend
    other = "torch" if embedder.backend != "torch" else "onnx"
    switched = SentenceTransformerEmbedder(embedder.name, backend=other)
    rebuilt, report = sync_index(corpus, tmp_path / "index", switched, chunking)
    assert "backend" in (report.rebuilt_because or "") and report.wrote
    # The ONNX model is an export of the same weights: the same vectors, to float precision.
    np.testing.assert_allclose(rebuilt.vectors(), index.vectors(), atol=1e-5)
    np.testing.assert_allclose(
        rebuilt.sentence_vectors.astype(np.float32),
        index.sentence_vectors.astype(np.float32),
        atol=2e-3,  # stored as float16
    )
    with pytest.raises(SettingsError, match="backend"):
        SentenceTransformerEmbedder(embedder.name, backend="tensorrt")


def test_question_embeddings_are_cached_in_a_bounded_lru(embedder):
    from assistant.store.embeddings import SentenceTransformerEmbedder

    small = SentenceTransformerEmbedder(embedder.name, cache_size=2)
    first = small.embed_query("Who hosts the forum?")
    assert small.embed_query("Who hosts the forum?") is first  # served from the cache
    assert not first.flags.writeable  # shared between callers: nobody may change it
    small.embed_query("What is a vaccine hub?")
    small.embed_query("Who hosts the forum?")  # refreshed: now the most recent
    small.embed_query("How many departments?")  # evicts the least recent one
    assert small.cache_info() == (2, 2)
    assert small.embed_query("Who hosts the forum?") is first
    np.testing.assert_allclose(
        first, embedder.embed_documents(["Who hosts the forum?"])[0], atol=1e-6
    )
