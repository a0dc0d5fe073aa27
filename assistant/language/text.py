"""Term analysis shared by BM25 and sentence scoring: lower-case, stopwords, stems."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Set
from functools import lru_cache
from typing import Any

from assistant.language.lexicon import FUNCTION_WORDS, MONTH_NAMES, MONTHS

_TOKEN = re.compile(r"\w+", re.UNICODE)
# Words as written, letters only: what the corpus's word counts hold and a typo is read from.
LETTERS = re.compile(r"[^\W\d_]+")
# "Korean"/"African"/"Indian" ask about Korea, Africa, India: fold the adjective into the place.
_DEMONYM = re.compile(r"^(\w{3,}[eic])an$")
# British and American spellings of one word ("licence"/"license", "organisation"/"organization",
# "programme"/"program") are one term: documents and the people asking rarely agree on which.
_SPELLING = (
    (re.compile(r"^(\w{3,})is(e|ed|es|ing|ation|ations)$"), r"\1iz\2"),
    (re.compile(r"^(\w{2,})ys(e|ed|es|ing)$"), r"\1yz\2"),
    (re.compile(r"^(licen|defen|offen)c(e|es|ed|ing)$"), r"\1s\2"),
    (re.compile(r"^(program)me(s?)$"), r"\1\2"),
    (re.compile(r"^(\w{3,})our(s?|ed|ing)$"), r"\1or\2"),
    (re.compile(r"^(\w{2,})tre(s?)$"), r"\1ter\2"),
)
_MONTH_NUMBER = {m[:3]: i + 1 for i, m in enumerate(MONTH_NAMES)}
_MONTH_RE = rf"({MONTHS})\.?"
_DAY_RE = r"([0-3]?\d)(?:st|nd|rd|th)?"
# "3 June", "3rd of June", "June 3rd": one day written three ways. Each gets the same extra
# term ("date0603") so that a question's date matches the document's however either writes it.
_DAY_MONTH = re.compile(
    rf"(?<![\w.,-]){_DAY_RE}(?:\s+of)?\s+{_MONTH_RE}(?!\w)|\b{_MONTH_RE}\s+{_DAY_RE}\b"
)

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


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | FUNCTION_WORDS


@lru_cache(maxsize=200_000)
def _fold(word: str) -> str:
    # Cached: six regular expressions a word, for every word of every passage, were most of
    # the time spent analysing a corpus; its vocabulary is far smaller than its words.
    for pattern, american in _SPELLING:
        word = pattern.sub(american, word)
    return _IRREGULAR.get(word, word)


def _dates(text: str) -> list[str]:
    found = []
    for m in _DAY_MONTH.finditer(text):
        day, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        name = month.rstrip(".").lower()
        if 1 <= int(day) <= 31:
            found.append(f"date{_MONTH_NUMBER[name[:3]]:02d}{int(day):02d}")
    return found


def terms(text: str) -> list[str]:
    """Stemmed content terms of a text, in order (stopwords and one-letter tokens dropped),
    then one term per day-and-month date it mentions."""
    stop = _stopwords()
    tokens = _TOKEN.findall(text)
    # An acronym is a name even when it spells a stopword ("WHO", "US"), unless the whole
    # text is in capitals (a heading such as "REPORT OF THE FORUM").
    shouting = sum(t.isupper() for t in tokens) > len(tokens) / 2
    # Inside a text, a capitalised "May" is the month, not the modal verb.
    words = [
        _fold(w.lower())
        for i, w in enumerate(tokens)
        if len(w) > 1
        and (w.lower() not in stop or (w.isupper() and not shouting) or (w == "May" and i > 0))
    ]
    stems = [_DEMONYM.sub(r"\1a", t) for t in _stemmer().stemWords(words)] if words else []
    return stems + _dates(text)


def is_stopword(word: str) -> bool:
    """True for a lower-case word that is never a term ("the", "and", "what")."""
    return word in _stopwords()


def term_of(word: str) -> str:
    """The term one word becomes in running text, stopword or not ("WHO" -> "who")."""
    return _DEMONYM.sub(r"\1a", _stemmer().stemWord(_fold(word.lower())))


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


def plural(n: int, noun: str) -> str:
    """'1 passage', '2 passages'."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
