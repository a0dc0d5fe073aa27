"""Where sentences end: one splitter for documents (what passages and quotes are cut from) and for
questions as people type them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.language.lexicon import ASKING_WORDS, DOTTED_ABBREVIATIONS, STARTS_ASKING, one_of

_ABBREVIATED = rf"(\b[A-Za-z]\.)+$|\b{one_of(DOTTED_ABBREVIATIONS)}\.$"


@dataclass(frozen=True)
class _Writing:
    """How a kind of text marks its sentences."""

    end: re.Pattern[str]  # a sentence end, if no abbreviation comes before it
    abbreviated: re.Pattern[str]  # the text so far ends with an abbreviation's full stop
    asks: re.Pattern[str]  # a question opens here


# Edited text: a sentence ends at a full stop, question or exclamation mark (and any closing
# quotes or brackets) and the next opens with a capital, a digit, a quote or a list bullet; a
# question opens with a capital ("e.g. Who leads it?" ends a sentence, "e.g. WHO and" does not).
_EDITED = _Writing(
    end=re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9•○□◈*\-–])"),
    abbreviated=re.compile(_ABBREVIATED),
    asks=re.compile(rf"\W*{one_of(w.capitalize() for w in ASKING_WORDS)}\b"),
)
# Typed text: people type a question in lower case, abbreviations too ("hello. when was it?").
_TYPED = _Writing(
    end=re.compile(r"(?<=[.!?])\s+(?=[\"“(]?[A-Za-z])"),
    abbreviated=re.compile(_ABBREVIATED, re.I),
    asks=STARTS_ASKING,
)


def sentence_spans(text: str, offset: int = 0, *, typed: bool = False) -> list[tuple[int, int]]:
    """Character spans of the sentences of one paragraph, trimmed of surrounding space; typed
    text (a question) may open a sentence in lower case and write an abbreviation in any case."""
    writing = _TYPED if typed else _EDITED
    spans = []
    start = 0
    for match in writing.end.finditer(text):
        # A full stop after an abbreviation ("the U.S.", "e.g.", "Dr.") ends no sentence,
        # unless a question opens after it ("in the U.S. When was ...").
        abbreviated = writing.abbreviated.search(text, start, match.start())
        if abbreviated and not writing.asks.match(text, match.end()):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        piece = text[a:b]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if piece.strip():
            out.append((offset + a + lead, offset + b - trail))
    return out


def sentences(text: str, *, typed: bool = False) -> list[str]:
    """The sentences of one paragraph, trimmed of surrounding space."""
    return [text[a:b] for a, b in sentence_spans(text, typed=typed)]
