"""The lexical part (BM25, term statistics, abbreviations, words) is written with the build and
listed in its manifest; opening an index only reads it. An index without it, or with one made by
other analysis code, gets a new one from the sync step, around its unchanged vectors."""

from __future__ import annotations

import errno
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.api import Assistant
from assistant.errors import IndexStateError
from assistant.retrieval.retriever import Retriever
from assistant.store import build as build_module
from assistant.store.index import read_index
from assistant.store.lexical import analysis_version, build_lexical
from assistant.store.manifest import LEXICAL, LEXICAL_ANALYSIS, MANIFEST, POINTER, is_lexical

QUESTION = "What does NRA stand for?"


def _same(a, b) -> None:
    assert a.stats.n == b.stats.n and a.stats.df == b.stats.df
    assert a.abbreviations.expansions == b.abbreviations.expansions
    assert a.words == b.words and a.words["vaccine"] > 0
    query = ["vaccin", "hub", "nra", "nation"]
    known = [t for t in query if t in a.bm25.vocab_dict]
    assert known and np.array_equal(a.bm25.get_scores(known), b.bm25.get_scores(known))


def _snapshot(folder: Path, itself: bool = True) -> dict[str, tuple[int, int]]:
    """Every entry under a folder (and the folder itself) with its size and modification time."""
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in [*([folder] if itself else []), *folder.rglob("*")]
    }


def _ids(bot: Assistant) -> list[str]:
    return [h.chunk.chunk_id for h in bot.search(QUESTION, k=5)]


@pytest.fixture
def index_dir(assistant, tmp_path) -> Path:
    """A copy of the test index, so that changing it harms no other test."""
    target = tmp_path / "index"
    shutil.copytree(assistant.settings.index_dir, target)
    return target


def _reopen(assistant, index_dir: Path, embedder) -> Assistant:
    """The sync step and an Assistant on the copy, as `assistant index` or the app would."""
    return Assistant.open(
        index_dir=index_dir, corpus_dir=assistant.settings.corpus_dir, embedder=embedder
    )


def _rewrite_manifest(build: Path, edit) -> None:
    """Edit a build's manifest and record its new checksum in CURRENT, as a real build would."""
    manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
    edit(manifest)
    data = json.dumps(manifest).encode("utf-8")
    (build / MANIFEST).write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    (build.parent / POINTER).write_text(f"{build.name} {digest}\n", encoding="utf-8")


def test_the_lexical_part_is_in_the_build_and_its_manifest(assistant):
    index = assistant.index
    listed = sorted(n for n in index.manifest["files"] if is_lexical(n))
    on_disk = sorted(
        p.relative_to(index.path).as_posix()
        for p in (index.path / LEXICAL).rglob("*")
        if p.is_file()
    )
    assert listed == on_disk and f"{LEXICAL}/stats.json" in listed
    assert any(n.startswith(f"{LEXICAL}/bm25/") for n in listed)
    assert index.manifest[LEXICAL_ANALYSIS] == analysis_version()
    _same(index.lexical, build_lexical(index.chunks))
    assert "nra" in index.lexical.abbreviations.expansions


def test_opening_an_index_writes_nothing(assistant, index_dir, embedder):
    before = _snapshot(index_dir)
    index = read_index(index_dir)
    reranker = assistant.retriever.reranker
    retriever = Retriever(index, embedder, assistant.settings.retrieval, reranker=reranker)
    hits = retriever.search(QUESTION, k=5)
    assert [h.chunk.chunk_id for h in hits] == _ids(assistant)
    assert _snapshot(index_dir) == before
    # The sync step on an index in line with the corpus reads too, and writes nothing.
    bot = _reopen(assistant, index_dir, embedder)
    assert not bot.report.wrote and not bot.report.lexical_because
    assert _snapshot(index_dir) == before


def test_retrievers_on_one_index_share_its_lexical_part(assistant):
    retriever = Retriever(
        assistant.index,
        assistant.embedder,
        assistant.retriever.settings,
        reranker=assistant.retriever.reranker,
    )
    assert retriever.lexical is assistant.retriever.lexical is assistant.index.lexical
    assert [h.chunk.chunk_id for h in retriever.search(QUESTION, k=3)] == _ids(assistant)[:3]


@pytest.mark.parametrize("how", ["flip", "delete"])
@pytest.mark.parametrize("name", ["bm25/data.csc.index.npy", "bm25/vocab.index.json"])
def test_a_damaged_bm25_file_is_detected_and_the_sync_renews_it(
    assistant, index_dir, embedder, name, how
):
    build = read_index(index_dir).path
    path = build / LEXICAL / name
    if how == "flip":
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x5A
        path.write_bytes(bytes(data))
    else:
        path.unlink()
    with pytest.raises(IndexStateError, match=f"^{LEXICAL}/{name} is (corrupt|missing)"):
        read_index(index_dir)
    bot = _reopen(assistant, index_dir, embedder)
    assert f"{LEXICAL}/{name}" in (bot.report.lexical_because or "")
    assert bot.report.wrote and not bot.report.rebuilt_because and not bot.report.chunks_embedded
    assert "Rebuilt the lexical index" in bot.report.summary()
    assert _ids(bot) == _ids(assistant)
    assert read_index(index_dir).version == bot.index.version != build.name
    assert not build.exists()  # the damaged build is gone once the new one is current


def test_an_old_format_index_gets_its_lexical_part_on_the_next_sync(assistant, index_dir, embedder):
    build = read_index(index_dir).path
    shutil.rmtree(build / LEXICAL)

    def old_format(manifest: dict) -> None:
        del manifest[LEXICAL_ANALYSIS]
        manifest["files"] = {n: m for n, m in manifest["files"].items() if not is_lexical(n)}

    _rewrite_manifest(build, old_format)
    (build / "lexical-8a1f20ff0e16").mkdir()  # where the first open used to save it
    with pytest.raises(IndexStateError, match="no lexical part"):
        read_index(index_dir)
    assert read_index(index_dir, lexical=False).chunks == assistant.index.chunks

    bot = _reopen(assistant, index_dir, embedder)
    assert "older version" in (bot.report.lexical_because or "")
    assert bot.report.wrote and not bot.report.rebuilt_because and not bot.report.chunks_embedded
    new = bot.index.path
    assert (new / LEXICAL / "stats.json").is_file() and not list(new.glob("lexical-*"))
    # The vectors are the previous build's, byte for byte.
    for name in ("vectors.faiss", "sentences.npy", "chunks.jsonl"):
        assert (new / name).read_bytes() == (assistant.index.path / name).read_bytes()
    assert _ids(bot) == _ids(assistant)
    assert not _reopen(assistant, index_dir, embedder).report.wrote  # once only


def test_lexical_part_of_other_analysis_code_is_renewed(assistant, index_dir, embedder):
    build = read_index(index_dir).path
    _rewrite_manifest(build, lambda m: m.update({LEXICAL_ANALYSIS: "000000000000"}))
    with pytest.raises(IndexStateError, match="other analysis code"):
        read_index(index_dir)
    bot = _reopen(assistant, index_dir, embedder)
    assert "other analysis code" in (bot.report.lexical_because or "")
    assert bot.index.manifest[LEXICAL_ANALYSIS] == analysis_version()
    assert _ids(bot) == _ids(assistant)


@pytest.mark.parametrize(
    ("failure", "seen"),
    [
        (RuntimeError("power cut"), RuntimeError),
        # A full disk is said in one line, as an index error the CLI prints.
        (OSError(errno.ENOSPC, "No space left on device"), IndexStateError),
    ],
    ids=["crash", "disk full"],
)
def test_a_failed_lexical_write_leaves_the_previous_index(
    assistant, index_dir, embedder, monkeypatch, failure, seen
):
    build = read_index(index_dir).path
    _rewrite_manifest(build, lambda m: m.update({LEXICAL_ANALYSIS: "000000000000"}))
    before = _snapshot(index_dir, itself=False)  # the temporary build came and went

    def fail(lexical, folder: Path) -> None:
        folder.mkdir()
        (folder / "stats.json").write_text("{", encoding="utf-8")  # half written
        raise failure

    monkeypatch.setattr(build_module, "save_lexical", fail)
    with pytest.raises(seen) as info:
        _reopen(assistant, index_dir, embedder)
    if seen is IndexStateError:
        assert str(info.value) == f"cannot write the index in {index_dir}: No space left on device"
    assert _snapshot(index_dir, itself=False) == before  # nothing left over, CURRENT unchanged
    monkeypatch.undo()
    assert _ids(_reopen(assistant, index_dir, embedder)) == _ids(assistant)
