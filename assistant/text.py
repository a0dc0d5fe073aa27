"""Term analysis shared by BM25, sentence scoring and answer checks: lower-case, stopwords, stems."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

_TOKEN = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def terms(text: str) -> list[str]:
    """Stemmed content terms of a text, in order (stopwords and one-letter tokens dropped)."""
    stop = _stopwords()
    words = [w for w in _TOKEN.findall(text.lower()) if len(w) > 1 and w not in stop]
    return list(_stemmer().stemWords(words)) if words else []


def words(text: str) -> list[str]:
    """Lower-case word tokens, stopwords kept (for overlap and duplicate checks)."""
    return _TOKEN.findall(text.lower())


class TermStats:
    """Document frequencies over a set of passages, for inverse-document-frequency weights."""

    def __init__(self, passages: Iterable[Iterable[str]]) -> None:
        self.df: Counter[str] = Counter()
        self.n = 0
        for passage_terms in passages:
            self.df.update(set(passage_terms))
            self.n += 1

    def idf(self, term: str) -> float:
        """BM25-style idf; a term no passage has gets the highest weight."""
        df = self.df.get(term, 0)
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def coverage(self, question_terms: Iterable[str], passage_terms: Iterable[str]) -> float:
        """Share of the question's idf mass that the passage contains (0-1)."""
        wanted = set(question_terms)
        if not wanted:
            return 0.0
        have = set(passage_terms)
        total = sum(self.idf(t) for t in wanted)
        return sum(self.idf(t) for t in wanted & have) / total if total else 0.0
