"""The lexical side of an index: BM25, term statistics, the corpus's abbreviations and words.

Built from the passages' terms when a Retriever first opens an index build, then kept inside
the build (index/build-…/lexical-<analysis>/, outside its checksummed files, and removed with
it) so that the next open loads it instead of re-analysing every passage (at a million passages
that took minutes). <analysis> is a hash of the code that turns text into terms, so changing
that code rebuilds it; anything unreadable is rebuilt too, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.ingest.chunking import Chunk
from assistant.language.abbreviations import Abbreviations
from assistant.language.text import LETTERS, TermStats
from assistant.store.index import Index

log = logging.getLogger(__name__)
PREFIX = "lexical-"
_ANALYSIS = ("language/text.py", "language/abbreviations.py", "store/lexical.py")


@dataclass
class Lexical:
    """BM25 over the passages' terms, their document frequencies, the abbreviations, and how
    often each word is written, as written (what a typo in a question is matched against)."""

    bm25: Any  # bm25s.BM25, or None when no passage has a term
    stats: TermStats
    abbreviations: Abbreviations
    words: Counter[str]

    def passage_terms(self, chunk: Chunk) -> list[str]:
        """The terms a passage is searched by: its section heading and text, both abbreviation
        forms."""
        return self.abbreviations.terms(search_text(chunk))


def search_text(chunk: Chunk) -> str:
    """What BM25 reads of a passage: its section heading says what it is about even when its
    sentences don't."""
    return f"{chunk.section}\n{chunk.text}" if chunk.section else chunk.text


def open_lexical(index: Index) -> Lexical:
    """The lexical index for this build: loaded from inside it, else built and saved there."""
    folder = index.path / f"{PREFIX}{analysis_version()}"
    if folder.is_dir():
        try:
            return _load(folder, len(index.chunks))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("Rebuilding the lexical index %s: %s", folder.name, exc)
    lexical = build_lexical(index.chunks)
    try:
        _save(lexical, folder)
    except OSError as exc:  # a read-only index folder still answers questions
        log.warning("Could not save the lexical index in %s: %s", index.path, exc)
    return lexical


def build_lexical(chunks: list[Chunk]) -> Lexical:
    """Analyse every passage: abbreviations first, then BM25 and document frequencies."""
    import bm25s

    abbreviations = Abbreviations.find(c.text for c in chunks)
    chunk_terms = [abbreviations.terms(search_text(c)) for c in chunks]
    bm25 = None
    if any(chunk_terms):
        bm25 = bm25s.BM25()
        bm25.index(chunk_terms, show_progress=False)
    written = Counter(w for c in chunks for w in LETTERS.findall(c.text))
    return Lexical(bm25, TermStats(chunk_terms), abbreviations, written)


@lru_cache(maxsize=1)
def analysis_version() -> str:
    """Short hash of the code that makes terms, and of the bm25s version."""
    import bm25s

    digest = hashlib.sha256(bm25s.__version__.encode())
    here = Path(__file__).parents[1]  # the package folder
    for name in _ANALYSIS:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:12]


def _save(lexical: Lexical, folder: Path) -> None:
    # Written whole into a temporary folder and renamed into place: a reader sees all or none.
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{PREFIX}", dir=folder.parent))
    try:
        if lexical.bm25 is not None:
            lexical.bm25.save(str(tmp / "bm25"))
        stats = {"n": lexical.stats.n, "df": dict(lexical.stats.df)}
        (tmp / "stats.json").write_text(json.dumps(stats), encoding="utf-8")
        abbreviations = {k: sorted(v) for k, v in lexical.abbreviations.expansions.items()}
        (tmp / "abbreviations.json").write_text(json.dumps(abbreviations), encoding="utf-8")
        (tmp / "words.json").write_text(json.dumps(dict(lexical.words)), encoding="utf-8")
        try:
            os.rename(tmp, folder)
        except OSError:
            if not folder.is_dir():  # not another process that saved it first
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    # Caches of older analysis code, and temporary folders a killed process left.
    for old in [*folder.parent.glob(f"{PREFIX}*"), *folder.parent.glob(f".tmp-{PREFIX}*")]:
        if old != folder and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


def _load(folder: Path, passages: int) -> Lexical:
    import bm25s

    stats_data = json.loads((folder / "stats.json").read_text(encoding="utf-8"))
    stats = TermStats([])
    stats.n, stats.df = int(stats_data["n"]), Counter(stats_data["df"])
    if stats.n != passages:
        raise ValueError(f"it covers {stats.n} passages, the index has {passages}")
    raw = json.loads((folder / "abbreviations.json").read_text(encoding="utf-8"))
    abbreviations = Abbreviations.of({k: frozenset(v) for k, v in raw.items()})
    written = Counter(json.loads((folder / "words.json").read_text(encoding="utf-8")))
    bm25 = None
    if (folder / "bm25").is_dir():
        bm25 = bm25s.BM25.load(str(folder / "bm25"), mmap=True)
    elif stats.df:
        raise ValueError("BM25 files are missing")
    return Lexical(bm25, stats, abbreviations, written)
