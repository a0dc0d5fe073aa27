"""PDF: text per page, running headers, footers and page numbers removed, heading lines found."""

from __future__ import annotations

import io

from assistant.errors import DocumentError
from assistant.ingest.blocks import Block, RawDocument, reason
from assistant.ingest.furniture import page_line_key, repeated_page_lines
from assistant.ingest.plaintext import last_mark, looks_like_heading


def read_pdf(data: bytes, name: str) -> RawDocument:
    """PDF: text per page; running headers, footers and page numbers removed."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if b"%PDF-" not in data[:1024]:
        raise DocumentError(f"{name}: not a PDF file (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(f"{name}: the PDF is encrypted with a password")
        pages = [(page.extract_text() or "") for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or None
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(f"{name}: damaged PDF, cannot be read ({reason(exc)})") from None
    except Exception as exc:  # pypdf has no single error type for broken files
        raise DocumentError(f"{name}: damaged PDF, cannot be read ({type(exc).__name__})") from None
    page_lines = [[ln.rstrip() for ln in text.splitlines()] for text in pages]
    running = repeated_page_lines(page_lines)
    kept_pages = [
        [
            ln.strip()
            for ln in lines
            if ln.strip() and page_line_key(ln) not in running and not ln.strip().isdigit()
        ]
        for lines in page_lines
    ]
    # Running text fills its lines: most long lines are about the column's width.
    lengths = sorted(len(ln) for lines in kept_pages for ln in lines)
    typical = lengths[len(lengths) * 3 // 4] if lengths else 0
    blocks: list[Block] = []
    last = ""  # the line before a page's first: a sentence may run on from the page before
    for number, lines in enumerate(kept_pages, start=1):
        blocks.extend(_pdf_blocks(lines, number, typical, last))
        last = lines[-1] if lines else last
    return RawDocument(blocks, str(meta_title).strip() if meta_title else None)


def _pdf_blocks(lines: list[str], page: int, typical: int, last: str = "") -> list[Block]:
    """A page's lines as paragraphs, with its heading lines as headings of their own."""
    blocks: list[Block] = []
    body: list[str] = []
    before = last
    for i, line in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else ""
        heading = _pdf_heading(line, before, following, typical)
        before = line
        if heading:
            if body:
                blocks.append(Block(_join_pdf_lines(body), page=page))
                body = []
            blocks.append(Block(line, heading=True, page=page))
        else:
            body.append(line)
    if body:
        blocks.append(Block(_join_pdf_lines(body), page=page))
    return blocks


def _pdf_heading(line: str, before: str, after: str, typical: int) -> bool:
    # A PDF has no headings, only lines. "Financing" above "A revolving fund of ..." is one:
    # short against the page's lines, after a finished sentence (or the page's top), before
    # a line of running text. A column of short lines is a list or a table, not headings.
    def short(text: str) -> bool:
        return looks_like_heading(text) and len(text) < SHORT_LINE * typical

    return (
        short(line)
        and len(line.split()) <= HEADING_WORDS
        and (not before or last_mark(before) in ".!?:")
        and bool(after)
        and (after[0].isupper() or after[0].isdigit())
        and not short(after)
    )


SHORT_LINE = 0.6  # of a full line of running text: a heading line is shorter
HEADING_WORDS = 10


def _join_pdf_lines(lines: list[str]) -> str:
    # PDF text arrives as visual lines: keep a break after a sentence end, join the rest.
    out = ""
    for line in lines:
        line = line.strip()
        if not out:
            out = line
        elif out.endswith("-") and line[:1].islower():
            out = out[:-1] + line
        elif out[-1] in ".!?:" and (line[:1].isupper() or line[:1] in "-•"):
            out += "\n" + line
        else:
            out += " " + line
    return out
