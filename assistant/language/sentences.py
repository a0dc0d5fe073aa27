"""Where sentences end: one splitter for documents (what passages and quotes are cut from) and for
questions as people type them."""

from __future__ import annotations

import re

from assistant.language.lexicon import ABBREVIATIONS, ASKING_WORDS, STARTS_ASKING, one_of

# Edited text: a sentence ends at a full stop, question or exclamation mark (and any closing
# quotes or brackets) and the next opens with a capital, a digit, a quote or a list bullet.
_EDITED_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9•○□◈*\-–])")
# Typed text: people type questions in lower case ("hello. when was it held?").
_TYPED_END = re.compile(r"(?<=[.!?])\s+(?=[\"“(]?[A-Za-z])")
_ABBREVIATED = rf"(\b[A-Za-z]\.)+$|\b{one_of(ABBREVIATIONS)}\.$"
_EDITED_ABBREVIATION = re.compile(_ABBREVIATED)
_TYPED_ABBREVIATION = re.compile(_ABBREVIATED, re.I)
# Edited text opens a question with a capital: "e.g. Who leads it?" ends, "e.g. WHO and" goes on.
_ASKS = re.compile(rf"\W*{one_of(w.capitalize() for w in ASKING_WORDS)}\b")


def sentence_spans(text: str, offset: int = 0, *, typed: bool = False) -> list[tuple[int, int]]:
    """Character spans of the sentences of one paragraph, trimmed of surrounding space; typed
    text (a question) may open a sentence in lower case and write an abbreviation in any case."""
    end, abbreviation, asks = (
        (_TYPED_END, _TYPED_ABBREVIATION, STARTS_ASKING)
        if typed
        else (_EDITED_END, _EDITED_ABBREVIATION, _ASKS)
    )
    spans = []
    start = 0
    for match in end.finditer(text):
        # A full stop after an abbreviation ("the U.S.", "e.g.", "Dr.") ends no sentence,
        # unless a question opens after it ("in the U.S. When was ...").
        if abbreviation.search(text, start, match.start()) and not asks.match(text, match.end()):
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
