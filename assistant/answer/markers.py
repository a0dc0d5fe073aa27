"""The [n] markers that tie an answer's sentences to their citations, written and read in one
place (answers write them; streaming, the page and evaluation read them)."""

from __future__ import annotations

import re

# An answer cites at most a few dozen passages; three digits bound what a reader matches.
MARKER = re.compile(r"\[(\d{1,3})\]")


# A document's own reference marks ("as reported [39].", "[4, 5]", "[7–9]"): quoted in an answer
# they would read as its citations (and link to sources that do not exist), so a quotation
# leaves them out; the passage shown beside the answer keeps them.
_REFERENCE = r"\[\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*\]"
# The space some sources leave before the punctuation that follows ("studies [11, 12] , we")
# goes with the marks, so the quotation reads "studies, we".
SOURCE_REFERENCE = re.compile(rf"\s*{_REFERENCE}(?:\s*,\s*{_REFERENCE})*(?:\s+(?=[,.;:!?]))?")


def without_references(text: str) -> str:
    """The text without the document's own bracketed reference numbers."""
    return SOURCE_REFERENCE.sub("", text)


def mark(number: int) -> str:
    """The marker for citation ``number``: "[2]"."""
    return f"[{number}]"


def numbers(text: str) -> list[int]:
    """The citation numbers a text's markers give, in order."""
    return [int(n) for n in MARKER.findall(text)]
