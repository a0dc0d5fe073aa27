"""Typos in questions: a word that is neither in the corpus nor in English is read as the nearest
word the corpus writes ("vacine" as "vaccine", "Netherlnds" as "Netherlands"), else as the
nearest English word ("sreves" as "serves")."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from assistant.language.text import LETTERS, term_of

MIN_LENGTH = 4  # shorter words are too often another word one letter away
LONG = 8  # from this length a word may be two edits away
# Question words as typed in a hurry: real words some of them ("wen"), never meant as such here.
_CHAT = {
    "whats": "what is",
    "wats": "what is",
    "wat": "what",
    "wht": "what",
    "wen": "when",
    "whn": "when",
    "wher": "where",
    "whr": "where",
    "wheres": "where is",
    "whos": "who is",
    "hows": "how is",
    "hw": "how",
    "wich": "which",
    "whcih": "which",
    "waht": "what",
    "whta": "what",
    "wehn": "when",
    "wehre": "where",
}
_REMEMBERED = 10_000  # words looked up, kept for the next question


class _Vocabulary:
    """Lower-case words and how often they are used, searched by edit distance within their
    first letter (a typo rarely hits the first letter, and it keeps each search small)."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        self.counts = counts
        by_initial: dict[str, list[str]] = defaultdict(list)
        for word in counts:
            if len(word) >= MIN_LENGTH - 1:
                by_initial[word[0]].append(word)
        self._by_initial = dict(by_initial)

    def nearest(self, word: str, allowed: frozenset[str] | None = None) -> str | None:
        """The commonest word one edit away (two for long words), among allowed ones."""
        pool = self._by_initial.get(word[0], [])
        if allowed is not None:
            pool = [w for w in pool if w in allowed]
        matches = process.extract(
            word,
            pool,
            scorer=OSA.distance,  # a swap of two letters is one edit
            score_cutoff=2 if len(word) >= LONG else 1,
            limit=None,
        )
        best = min(matches, key=lambda m: (m[1], -self.counts[m[0]]), default=None)
        return best[0] if best else None


def _cased(typed: str, word: str) -> str:
    """The word read for a typo, capitalised as the typo was ("Vacine": "Vaccine")."""
    return word[0].upper() + word[1:] if typed[0].isupper() else word


@lru_cache(maxsize=1)
def _english() -> _Vocabulary:
    # pyspellchecker ships its English word frequencies inside the package: no download.
    from spellchecker import SpellChecker

    return _Vocabulary(dict(SpellChecker().word_frequency.dictionary))


class Speller:
    """Corrects the words of a question that the corpus never writes and English does not know.
    Left alone: a real word the corpus lacks ("export", "Kenya": a question the documents may
    not answer, not a typo), abbreviations and words with inner capitals ("COVAX", "mRNA"),
    words with letters beyond a-z ("Bogotá"). A capitalised word is only read as a word the
    corpus writes capitalised ("Netherlnds", "World Local Prodcution Forum"): "Moderna" is not
    "modern", and "Gavi" opening a question is not "gave"."""

    def __init__(self, written: Mapping[str, int], known_terms: Mapping[str, int]) -> None:
        lower: Counter[str] = Counter()
        capitalised: Counter[str] = Counter()
        for word, n in written.items():
            lower[word.lower()] += n
            if word[:1].isupper():
                capitalised[word.lower()] += n
        self._corpus = _Vocabulary(lower)
        # Words the corpus writes with a capital: names, titles, sentence openings.
        self._capitalised = frozenset(capitalised)
        self._known_terms = known_terms
        self._nearest: dict[tuple[str, bool], str | None] = {}

    def corrections(self, text: str) -> dict[str, str]:
        """Each misspelt word of the text, as typed, and the word it stands for, cased alike."""
        found: dict[str, str] = {}
        for m in LETTERS.finditer(text):
            typed = m.group(0)
            chat = _CHAT.get(typed.lower())
            if chat and typed.lower() not in self._corpus.counts and typed not in found:
                found[typed] = _cased(typed, chat)
                continue
            if typed in found or not self._may_be_a_typo(typed):
                continue
            nearest = self._lookup(typed.lower(), typed[0].isupper())
            if nearest:
                found[typed] = _cased(typed, nearest)
        return found

    def correct(self, text: str) -> tuple[str, dict[str, str]]:
        """English text with its misspelt words replaced, and the fixes. (Text in another
        language has no typos to read: "prochain" is not "proclaim"; the reader asks only of
        English questions.)"""
        fixes = self.corrections(text)
        if not fixes:
            return text, fixes
        return LETTERS.sub(lambda m: fixes.get(m.group(0), m.group(0)), text), fixes

    def _may_be_a_typo(self, typed: str) -> bool:
        if len(typed) < MIN_LENGTH or not typed.isascii() or any(c.isupper() for c in typed[1:]):
            return False
        word = typed.lower()
        if word in self._corpus.counts or term_of(word) in self._known_terms:
            return False
        return word not in _english().counts

    def _lookup(self, word: str, capitalised: bool) -> str | None:
        key = (word, capitalised)
        if key not in self._nearest:
            if len(self._nearest) >= _REMEMBERED:
                self._nearest.clear()
            if capitalised:  # maybe a name: only ever a misspelt one the corpus writes
                found = self._corpus.nearest(word, self._capitalised)
            else:
                found = self._corpus.nearest(word) or _english().nearest(word)
            self._nearest[key] = found
        return self._nearest[key]
