"""Term analysis shared by BM25 and sentence scoring: lower-case, stopwords, stems."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Set
from functools import lru_cache
from typing import Any

_TOKEN = re.compile(r"\w+", re.UNICODE)
# "Korean"/"African"/"Indian" ask about Korea, Africa, India: fold the adjective into the place.
_DEMONYM = re.compile(r"^(\w{3,}[eic])an$")

# Snowball stems regular forms only; questions ask "who leads" where documents say "led by".
_IRREGULAR = {
    "led": "lead",
    "held": "hold",
    "made": "make",
    "took": "take",
    "taken": "take",
    "gave": "give",
    "given": "give",
    "began": "begin",
    "begun": "begin",
    "brought": "bring",
    "built": "build",
    "bought": "buy",
    "chose": "choose",
    "chosen": "choose",
    "drew": "draw",
    "drawn": "draw",
    "met": "meet",
    "paid": "pay",
    "said": "say",
    "sent": "send",
    "set": "set",
    "spent": "spend",
    "spoke": "speak",
    "spoken": "speak",
    "sought": "seek",
    "taught": "teach",
    "told": "tell",
    "thought": "think",
    "understood": "understand",
    "won": "win",
    "wrote": "write",
    "written": "write",
    "grew": "grow",
    "grown": "grow",
    "rose": "rise",
    "risen": "rise",
    "fell": "fall",
    "fallen": "fall",
    "found": "find",
    "kept": "keep",
    "left": "leave",
    "lent": "lend",
    "meant": "mean",
    "ran": "run",
    "saw": "see",
    "seen": "see",
    "stood": "stand",
    "struck": "strike",
    "went": "go",
    "gone": "go",
    "knew": "know",
    "known": "know",
    "got": "get",
    "forgot": "forget",
    "became": "become",
    "came": "come",
}


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


# bm25s's list is Lucene's 33 words; questions also carry interrogatives, auxiliaries and
# pronouns ("what", "does", "should") that would otherwise count as terms to be covered.
_FUNCTION_WORDS = """
about above after again against all am any because been before being below between both
can could did do does doing down during each few from further had has have having he her here
hers herself him himself his how i its itself just me more most my myself nor now off once only
other our ours ourselves out over own same she should so some than them themselves those through
too under until up very we were what when where which while who whom whose why would you your
yours yourself yourselves shall may might must ought also
"""


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | frozenset(_FUNCTION_WORDS.split())


def terms(text: str) -> list[str]:
    """Stemmed content terms of a text, in order (stopwords and one-letter tokens dropped)."""
    stop = _stopwords()
    tokens = _TOKEN.findall(text)
    # An acronym is a name even when it spells a stopword ("WHO", "US"), unless the whole
    # text is in capitals (a heading such as "REPORT OF THE FORUM").
    shouting = sum(t.isupper() for t in tokens) > len(tokens) / 2
    words = [
        _IRREGULAR.get(w.lower(), w.lower())
        for w in tokens
        if len(w) > 1 and (w.lower() not in stop or (w.isupper() and not shouting))
    ]
    return [_DEMONYM.sub(r"\1a", t) for t in _stemmer().stemWords(words)] if words else []


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
        return self.coverage_of(question_terms)(set(passage_terms))

    def coverage_of(self, question_terms: Iterable[str]) -> Callable[[Set[str]], float]:
        """coverage() for one question, its weights computed once (search scores hundreds of
        sentences against the same question)."""
        mass = {t: self.idf(t) for t in set(question_terms)}
        total = sum(mass.values())

        def cover(passage_terms: Set[str]) -> float:
            if not total:
                return 0.0
            return sum(m for t, m in mass.items() if t in passage_terms) / total

        return cover
