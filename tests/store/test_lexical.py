"""The lexical index (BM25, term statistics, abbreviations, words) is saved inside the build and
loaded on the next open; a damaged or outdated copy is rebuilt, never trusted."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import numpy as np

from assistant.retrieval.retriever import Retriever
from assistant.store.lexical import PREFIX, analysis_version, build_lexical, open_lexical


def _copy(assistant, tmp_path):
    """The test index's build folder, copied so that damaging it harms no other test."""
    build = tmp_path / assistant.index.path.name
    shutil.copytree(assistant.index.path, build)
    for old in build.glob(f"{PREFIX}*"):
        shutil.rmtree(old)
    return SimpleNamespace(path=build, chunks=assistant.index.chunks)


def _same(a, b) -> None:
    assert a.stats.n == b.stats.n and a.stats.df == b.stats.df
    assert a.abbreviations.expansions == b.abbreviations.expansions
    assert a.words == b.words and a.words["vaccine"] > 0
    query = ["vaccin", "hub", "nra", "nation"]
    known = [t for t in query if t in a.bm25.vocab_dict]
    assert known and np.allclose(a.bm25.get_scores(known), b.bm25.get_scores(known))


def test_the_second_open_loads_what_the_first_saved(assistant, tmp_path):
    index = _copy(assistant, tmp_path)
    first = open_lexical(index)
    saved = index.path / f"{PREFIX}{analysis_version()}"
    assert (saved / "stats.json").is_file() and (saved / "bm25").is_dir()
    assert not list(index.path.glob(".tmp-*"))
    loaded = open_lexical(index)
    _same(first, loaded)
    _same(loaded, build_lexical(index.chunks))
    assert "nra" in loaded.abbreviations.expansions


def test_a_damaged_or_outdated_copy_is_rebuilt(assistant, tmp_path, caplog):
    index = _copy(assistant, tmp_path)
    open_lexical(index)
    saved = index.path / f"{PREFIX}{analysis_version()}"
    (saved / "stats.json").write_text('{"n": 3, "df": {}}', encoding="utf-8")
    outdated = index.path / f"{PREFIX}000000000000"
    outdated.mkdir()
    rebuilt = open_lexical(index)
    assert "Rebuilding the lexical index" in caplog.text
    _same(rebuilt, build_lexical(index.chunks))
    shutil.rmtree(saved)  # as if never saved: built again, and the outdated copy goes
    open_lexical(index)
    assert saved.is_dir() and not outdated.exists()


def test_retrievers_on_one_build_share_the_saved_copy(assistant):
    retriever = Retriever(assistant.index, assistant.embedder, assistant.retriever.settings)
    hits = retriever.search("What does NRA stand for?", k=3)
    assert [h.chunk.chunk_id for h in hits] == [
        h.chunk.chunk_id for h in assistant.search("What does NRA stand for?", k=3)
    ]
