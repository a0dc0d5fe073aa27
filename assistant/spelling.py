"""Typos in questions: a word that is neither in the corpus nor in English is read as the nearest
word the corpus writes ("vacine" as "vaccine", "Netherlnds" as "Netherlands"), else as the
nearest English word ("sreves" as "serves")."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from assistant.text import term_of

MIN_LENGTH = 4  # shorter words are too often another word one letter away
LONG = 8  # from this length a word may be two edits away
_WORD = re.compile(r"[A-Za-z]+")


class _Vocabulary:
    """Words and how often they are used, searched by edit distance within their first letter
    (a typo rarely hits the first letter, and it keeps each search small)."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        self.counts = counts
        by_initial: dict[str, list[str]] = defaultdict(list)
        for word in counts:
            if len(word) >= MIN_LENGTH - 1:
                by_initial[word[0]].append(word)
        self._by_initial = dict(by_initial)

    def nearest(self, word: str) -> str | None:
        """The commonest word one edit away (two for long words), or None."""
        matches = process.extract(
            word,
            self._by_initial.get(word[0], []),
            scorer=OSA.distance,  # a swap of two letters is one edit
            score_cutoff=2 if len(word) >= LONG else 1,
            limit=None,
        )
        best = min(matches, key=lambda m: (m[1], -self.counts[m[0]]), default=None)
        return best[0] if best else None


@lru_cache(maxsize=1)
def _english() -> _Vocabulary:
    # pyspellchecker ships its English word frequencies inside the package: no download.
    from spellchecker import SpellChecker

    return _Vocabulary(dict(SpellChecker().word_frequency.dictionary))


class Speller:
    """Corrects the words of a question that the corpus never writes and English does not know.
    A real word the corpus lacks ("export", "Kenya") is left alone: that is a question the
    documents may not answer, not a typo."""

    def __init__(self, written: Mapping[str, int], known_terms: Mapping[str, int]) -> None:
        self._corpus = _Vocabulary(written)
        self._known_terms = known_terms
        self._nearest: dict[str, str | None] = {}

    def corrections(self, text: str) -> dict[str, str]:
        """Each misspelt word of the text (lower case) and the word it stands for."""
        found: dict[str, str] = {}
        for word in {w.lower() for w in _WORD.findall(text)}:
            if len(word) < MIN_LENGTH or word in self._corpus.counts:
                continue
            english = _english()
            if term_of(word) in self._known_terms or word in english.counts:
                continue
            if word not in self._nearest:
                self._nearest[word] = self._corpus.nearest(word) or english.nearest(word)
            if nearest := self._nearest[word]:
                found[word] = nearest
        return found

    def correct(self, text: str) -> tuple[str, dict[str, str]]:
        """The text with its misspelt words replaced (their capitals kept), and the fixes."""
        fixes = self.corrections(text)
        if not fixes:
            return text, fixes

        def fix(m: re.Match[str]) -> str:
            word = m.group(0)
            new = fixes.get(word.lower())
            if new is None:
                return word
            return (
                new.upper()
                if word.isupper()
                else new[0].upper() + new[1:]
                if word[0].isupper()
                else new
            )

        return _WORD.sub(fix, text), fixes
