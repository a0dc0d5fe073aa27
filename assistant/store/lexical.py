"""The lexical side of an index: BM25, term statistics, the corpus's abbreviations and words.

Built from the passages' terms when a build is written, and saved inside it (build-…/lexical/)
with its files in the manifest, so opening an index only loads it (at a million passages the
analysis takes minutes). analysis_version() is a hash of the code that turns text into terms:
the manifest records it, and an index made by other code gets a new lexical part on its next
sync.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.ingest.chunking import Chunk
from assistant.language.abbreviations import Abbreviations
from assistant.language.text import LETTERS, TermStats

_ANALYSIS = (
    "language/lexicon.py",
    "language/text.py",
    "language/abbreviations.py",
    "store/lexical.py",
)


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


def save_lexical(lexical: Lexical, folder: Path) -> None:
    """Write the lexical index into a new folder (the build writer syncs and lists its files)."""
    folder.mkdir()
    if lexical.bm25 is not None:
        lexical.bm25.save(str(folder / "bm25"), show_progress=False)
    stats = {"n": lexical.stats.n, "df": dict(lexical.stats.df)}
    (folder / "stats.json").write_text(json.dumps(stats), encoding="utf-8")
    abbreviations = {k: sorted(v) for k, v in lexical.abbreviations.expansions.items()}
    (folder / "abbreviations.json").write_text(json.dumps(abbreviations), encoding="utf-8")
    (folder / "words.json").write_text(json.dumps(dict(lexical.words)), encoding="utf-8")


def load_lexical(folder: Path, passages: int) -> Lexical:
    """Read a saved lexical index; ValueError (and OSError, KeyError) when it does not fit."""
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
