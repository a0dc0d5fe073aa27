"""What a reader makes of a file: blocks of text (headings and paragraphs, with pages)."""

from __future__ import annotations

from dataclasses import dataclass

_MAX_REASON_CHARS = 160


@dataclass(frozen=True)
class Block:
    """A heading or a paragraph of a document, with the page it starts on when known."""

    text: str
    heading: bool = False
    page: int | None = None


@dataclass(frozen=True)
class RawDocument:
    """What a reader found in a file: its blocks and a title if the file names one."""

    blocks: list[Block]
    title: str | None = None


def reason(exc: BaseException) -> str:
    """An exception as a short one-line reason, for DocumentError messages."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= _MAX_REASON_CHARS else text[: _MAX_REASON_CHARS - 1] + "…"
