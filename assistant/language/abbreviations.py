"""Abbreviations the documents define ("AI: artificial intelligence", "World Health
Organization (WHO)"), so that a question in one form meets a passage in the other."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from assistant.language.text import is_stopword, term_of, terms

_ACRONYM = r"[A-Z][A-Za-z&-]{1,9}"
# A glossary line: "LMICs: low- and middle-income countries".
_GLOSSARY = re.compile(rf"^[ \t*\-•]*({_ACRONYM})\s*:\s+([^\n:]{{3,100}}?)\s*$", re.M)
# A definition in passing: "... World Health Organization (WHO) ...". Found by its brackets
# first, then the words before them are read: a pattern that starts with the words would try
# every position of every passage.
_IN_BRACKETS = re.compile(rf"\(({_ACRONYM})\)")
_WORD = re.compile(r"[\w-]+")
_LOOK_BACK = 120  # characters before "(WHO)" that may hold its expansion
_MOST_WORDS = 8


@dataclass(frozen=True)
class Abbreviations:
    """Acronym term -> the terms of its expansion, as the corpus defines them."""

    expansions: dict[str, frozenset[str]] = field(default_factory=dict)
    # expansion term -> the acronyms whose expansion holds it, so expand() only looks at
    # acronyms a text could complete.
    _by_term: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    @classmethod
    def find(cls, texts: Iterable[str]) -> Abbreviations:
        """Every abbreviation defined in the texts whose letters fit its expansion, except one
        that is also an ordinary word there ("ACT" beside "the Act")."""
        found: dict[str, frozenset[str]] = {}
        seen: set[str] = set()
        for text in texts:
            seen.update(_WORD.findall(text))
            for m in _GLOSSARY.finditer(text):
                _add(found, m.group(1), m.group(2).split())
            for m in _IN_BRACKETS.finditer(text):
                words = _WORD.findall(text[max(0, m.start() - _LOOK_BACK) : m.start()])
                words = words[-_MOST_WORDS:]
                # The expansion is the shortest run of words before "(WHO)" that spells it.
                for start in range(len(words) - 1, -1, -1):
                    if _spells(m.group(1), words[start:]):
                        _add(found, m.group(1), words[start:])
                        break
        # Words not in capitals: "act", "Act", never "ACT" or "LMICs".
        written = (w for w in seen if sum(c.isupper() for c in w) < 2)
        ordinary = {term_of(w) for w in written if not is_stopword(w.lower())}
        return cls.of({a: e for a, e in found.items() if a not in ordinary})

    @classmethod
    def of(cls, expansions: dict[str, frozenset[str]]) -> Abbreviations:
        """Abbreviations from acronym term -> expansion terms (as found() before)."""
        by_term: dict[str, list[str]] = defaultdict(list)
        for acronym, expansion in expansions.items():
            for t in expansion:
                by_term[t].append(acronym)
        return cls(dict(expansions), {t: tuple(a) for t, a in by_term.items()})

    def terms(self, text: str) -> list[str]:
        """The terms of a text, with the other form of each abbreviation in it."""
        return self.expand(terms(text))

    def expand(self, text_terms: Iterable[str]) -> list[str]:
        """The terms plus, for each defined abbreviation, the other form: an acronym brings its
        expansion's terms, a full expansion brings the acronym."""
        out = list(text_terms)
        if not self.expansions:
            return out
        present = set(out)
        for t in present:
            expansion = self.expansions.get(t)
            if expansion:
                out.extend(e for e in expansion if e not in present)
        candidates = {a for t in present for a in self._by_term.get(t, ())}
        out.extend(a for a in candidates if a not in present and self.expansions[a] <= present)
        return out


def _add(found: dict[str, frozenset[str]], acronym: str, words: list[str]) -> None:
    tokens = re.findall(r"\w+", acronym)
    expansion = frozenset(terms(" ".join(words)))
    if (
        len(tokens) == 1
        and len(tokens[0]) > 1
        and sum(c.isupper() for c in acronym) >= 2
        and 0 < len(words) <= _MOST_WORDS
        and len(expansion) >= 2
        and term_of(tokens[0]) not in expansion
        and _spells(acronym, words)
    ):
        found.setdefault(term_of(tokens[0]), expansion)


def _spells(acronym: str, words: list[str]) -> bool:
    """True when the acronym's capitals are, in order, the initials of the content words (or
    of their hyphenated parts), starting with the first and leaving at most one over."""
    letters = [c.lower() for c in acronym if c.isupper()]
    initials = [
        p[0].lower()
        for w in words
        for p in re.split(r"[-/]", w)
        if p and p[0].isalnum() and not is_stopword(p.lower())
    ]
    if not letters or not initials or letters[0] != initials[0]:
        return False
    if len(initials) > len(letters) + 1:
        return False
    i = 0
    for initial in initials:
        if i < len(letters) and initial == letters[i]:
            i += 1
    return i == len(letters)
