"""Abbreviations the documents define ("AI: artificial intelligence", "World Health
Organization (WHO)"), so that a question in one form meets a passage in the other."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from assistant.text import term_of, terms

_ACRONYM = r"[A-Z][A-Za-z&-]{1,9}"
# A glossary line: "LMICs: low- and middle-income countries".
_GLOSSARY = re.compile(rf"^[ \t*\-•]*({_ACRONYM})\s*:\s+([^\n:]{{3,100}}?)\s*$", re.M)
# A definition in passing: "... World Health Organization (WHO) ...".
_IN_PASSING = re.compile(rf"((?:[\w-]+[ \t]+){{1,8}})\(({_ACRONYM})\)")
_MOST_WORDS = 8


@dataclass(frozen=True)
class Abbreviations:
    """Acronym term -> the terms of its expansion, as the corpus defines them."""

    expansions: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def find(cls, texts: Iterable[str]) -> Abbreviations:
        """Every abbreviation defined in the texts whose letters fit its expansion."""
        found: dict[str, frozenset[str]] = {}
        for text in texts:
            for m in _GLOSSARY.finditer(text):
                _add(found, m.group(1), m.group(2).split())
            for m in _IN_PASSING.finditer(text):
                words = m.group(1).split()
                # The expansion is the shortest run of words before "(WHO)" that spells it.
                for start in range(len(words) - 1, -1, -1):
                    if _spells(m.group(2), words[start:]):
                        _add(found, m.group(2), words[start:])
                        break
        return cls(found)

    def expand(self, text_terms: Iterable[str]) -> list[str]:
        """The terms plus, for each defined abbreviation, the other form: an acronym brings its
        expansion's terms, a full expansion brings the acronym."""
        out = list(text_terms)
        if not self.expansions:
            return out
        present = set(out)
        for acronym, expansion in self.expansions.items():
            if acronym in present:
                out.extend(t for t in expansion if t not in present)
            elif expansion <= present:
                out.append(acronym)
        return out


def _add(found: dict[str, frozenset[str]], acronym: str, words: list[str]) -> None:
    tokens = re.findall(r"\w+", acronym)
    acronym_terms = [term_of(t) for t in tokens if len(t) > 1]
    expansion = frozenset(terms(" ".join(words)))
    if (
        len(tokens) == 1
        and len(acronym_terms) == 1
        and sum(c.isupper() for c in acronym) >= 2
        and 0 < len(words) <= _MOST_WORDS
        and expansion
        and acronym_terms[0] not in expansion
        and _spells(acronym, words)
    ):
        found.setdefault(acronym_terms[0], expansion)


def _spells(acronym: str, words: list[str]) -> bool:
    """True when the capital letters of the acronym are, in order, initials of the words (or
    of their hyphenated parts), the first letter matching the first word."""
    letters = [c.lower() for c in acronym if c.isupper()]
    initials = [p[0].lower() for w in words for p in re.split(r"[-/]", w) if p and p[0].isalnum()]
    if not letters or not initials or letters[0] != initials[0]:
        return False
    i = 0
    for initial in initials:
        if i < len(letters) and initial == letters[i]:
            i += 1
    return i == len(letters)
