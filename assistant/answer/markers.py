"""The [n] markers that tie an answer's sentences to their citations, written and read in one
place (answers write them; streaming, the page and evaluation read them)."""

from __future__ import annotations

import re

# An answer cites at most a few dozen passages; three digits bound what a reader matches.
MARKER = re.compile(r"\[(\d{1,3})\]")


def mark(number: int) -> str:
    """The marker for citation ``number``: "[2]"."""
    return f"[{number}]"


def numbers(text: str) -> list[int]:
    """The citation numbers a text's markers give, in order."""
    return [int(n) for n in MARKER.findall(text)]
