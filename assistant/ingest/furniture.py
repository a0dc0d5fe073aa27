"""General rules that strip page furniture (counters, attachment lists, site notices) from text.

The rules describe kinds of furniture, not particular files: a view counter, a list of
attached files, a lone "File" label, a trailing notice in another script or a bare link.
"""

from __future__ import annotations

import re
from collections import Counter

_LINE_RULES = [
    # View / hit counters: "- Hit : 3214", "Views: 1,024".
    re.compile(
        r"^\W*(hits?|views?|viewed|visits?|visitors|reads?|read count|page views)"
        r"\s*[:：]?\s*[\d.,]+\s*$",
        re.IGNORECASE,
    ),
    # Labels of site widgets standing alone on a line: "- File", "Attachments", "Print".
    re.compile(
        r"^\W*(files?|attachments?|attached files?|downloads?|print|share|list|go to list"
        r"|back to top|top)\s*[:：]?\s*$",
        re.IGNORECASE,
    ),
    # A bullet or dash with nothing after it.
    re.compile(r"^\s*[-–—•*·]+\s*$"),
    # Attached files with a size: "report.pdf (247 KB / Download : 265)".
    re.compile(
        r"^.{0,300}\.(pdf|hwpx?|docx?|xlsx?|pptx?|zip|txt|jpe?g|png|gif)\s*"
        r"\(\s*[\d.,]+\s*[kmg]?b\b[^)]*\)\s*$",
        re.IGNORECASE,
    ),
]

_BARE_URL = re.compile(r"^\s*<?(https?://|www\.)\S+>?\s*$", re.IGNORECASE)
# Trailing notices are short; a long final section in another language is content.
_MAX_TAIL_CHARS = 300
_MAX_TAIL_BLOCKS = 3


def is_furniture_line(line: str) -> bool:
    """True when a whole line is page furniture by one of the general rules."""
    return any(rule.match(line) for rule in _LINE_RULES)


def latin_share(text: str) -> float | None:
    """Share of letters that are Latin script; None when the text has no letters."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return None
    latin = sum(1 for c in letters if c < "\u0250")
    return latin / len(letters)


def strip_trailing_notices(blocks: list[str]) -> list[str]:
    """Drop short trailing blocks that are bare links or in another script than the document."""
    doc_share = latin_share(" ".join(blocks))
    kept = list(blocks)
    dropped = 0
    while kept and dropped < _MAX_TAIL_BLOCKS:
        tail = kept[-1].strip()
        if len(tail) > _MAX_TAIL_CHARS:
            break
        share = latin_share(tail)
        foreign = (
            doc_share is not None
            and share is not None
            and abs(doc_share - share) > 0.5
            and len(blocks) > 1
        )
        if not (_BARE_URL.match(tail) or foreign or not tail):
            break
        kept.pop()
        dropped += 1
    return kept


def repeated_page_lines(pages: list[list[str]], min_pages: int = 3, share: float = 0.6) -> set[str]:
    """Lines at the top or bottom of most pages (running headers, footers, page numbers)."""
    if len(pages) < min_pages:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        edge = {page_line_key(line) for line in lines[:2] + lines[-2:] if line.strip()}
        counts.update(edge)
    threshold = max(min_pages, int(len(pages) * share))
    return {key for key, n in counts.items() if n >= threshold}


def page_line_key(line: str) -> str:
    """Key under which running headers compare equal across pages (digits ignored)."""
    return re.sub(r"\d+", "#", line.strip().lower())
