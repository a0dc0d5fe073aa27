"""Read one file of a supported format into blocks of text (headings and paragraphs, with pages)."""

from __future__ import annotations

import io
import logging
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.errors import DocumentError
from assistant.ingest.blocks import Block, RawDocument, reason
from assistant.ingest.pdf import read_pdf
from assistant.ingest.plaintext import read_markdown, read_text

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
# A 20 MB text file is about five million words: hours of embedding on a laptop, and more
# than any policy document. Bigger files are refused before they are read into memory.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


def read_file(path: Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> RawDocument:
    """Read a file by its suffix; raise DocumentError with the reason when it cannot be read."""
    name = safe_name(path.name)
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise DocumentError(
            f"{name}: unsupported file type '{safe_name(suffix) or '(none)'}' "
            f"(supported: {', '.join(SUPPORTED_SUFFIXES)})"
        )
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(f"{name}: {_too_large(size, max_bytes)}")
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise DocumentError(f"{name}: the file is empty")
    try:
        with _quiet_parsers():
            raw = reader(data, name)
    except RecursionError:  # deeply nested markup
        raise DocumentError(f"{name}: nested too deeply to read") from None
    except MemoryError:
        raise DocumentError(f"{name}: too large to read in memory") from None
    text_chars = sum(len(b.text) for b in raw.blocks)
    if text_chars > max_bytes:
        raise DocumentError(f"{name}: its text is {_too_large(text_chars, max_bytes)}")
    if not any(b.text.strip() for b in raw.blocks):
        raise DocumentError(f"{name}: no text could be extracted")
    return raw


def safe_name(name: str) -> str:
    """A file name fit for a one-line message: control characters shown as '?'."""
    return "".join(c if c.isprintable() else "?" for c in name)


def _too_large(size: int, limit: int) -> str:
    mb = 1024 * 1024
    return (
        f"too large ({size / mb:.1f} MB; the limit is {limit / mb:.0f} MB per document, "
        "setting max_document_mb)"
    )


@contextmanager
def _quiet_parsers() -> Iterator[None]:
    """Silence parser warnings and pypdf's log lines while one file is read.

    They say "EOF marker not found" or "looks like a URL" on odd input; the one-line
    DocumentError is the report a person needs.
    """
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


# ---------------------------------------------------------------- HTML

_BLOCK_TAGS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote", "td", "th"]
_BLOCK_TAGS += ["dt", "dd", "caption", "figcaption"]
_INLINE_TAGS = {"a", "b", "strong", "i", "em", "span", "small", "sub", "sup", "abbr", "code"}
_DROP_TAGS = ["script", "style", "noscript", "template", "nav", "header", "footer", "aside"]
_DROP_TAGS += ["form", "button", "iframe", "svg", "canvas", "object", "embed"]


def read_html(data: bytes, name: str) -> RawDocument:
    """HTML: text of block elements in order; scripts, navigation and footers dropped."""
    from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, Tag

    try:
        soup = BeautifulSoup(data, "lxml")
    except Exception as exc:  # lxml raises several types on garbage
        raise DocumentError(f"{name}: not valid HTML ({reason(exc)})") from None
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    title_tag = soup.find("title")
    title = title_tag.get_text(" ", strip=True) if title_tag else None
    root = soup.body or soup
    blocks: list[Block] = []
    h1s: list[str] = []
    loose: list[str] = []  # text sitting directly in a <div>, <section>, ... between blocks

    def flush() -> None:
        if loose:
            blocks.append(Block(" ".join(loose)))
            loose.clear()

    for node in root.descendants:
        if isinstance(node, Tag):
            if node.name not in _BLOCK_TAGS or node.find_parent(_BLOCK_TAGS) is not None:
                continue
            flush()
            text = node.get_text(" ", strip=True)
            if not text:
                continue
            is_heading = node.name in {"h1", "h2", "h3", "h4", "h5", "h6"}
            blocks.append(Block("- " + text if node.name == "li" else text, heading=is_heading))
            if node.name == "h1":
                h1s.append(text)
        elif (
            isinstance(node, NavigableString)
            and not isinstance(node, Comment | Doctype)
            and node.find_parent(_BLOCK_TAGS) is None
            and node.strip()
        ):
            # Inline text continues the loose paragraph; other loose text starts a new one.
            if not (node.parent is not None and node.parent.name in _INLINE_TAGS and loose):
                flush()
            loose.append(node.strip())
    flush()
    return RawDocument(blocks, _page_title(title, h1s) or None)


_TITLE_PARTS = re.compile(r"\s+(?:[|–—·:]|::|-)\s+")


def _page_title(title: str | None, h1s: list[str]) -> str | None:
    """The page's title without the site's name: "Kenya opens insulin plant | Health News" is
    "Kenya opens insulin plant" when that is one of the page's main headings (the longest such
    part: a logo's "Health News" may be a main heading too). No <title>: the first one."""
    if not title:
        return h1s[0] if h1s else None
    parts = _TITLE_PARTS.split(title)
    named = [p for p in parts if p in h1s] if len(parts) > 1 else []
    return max(named, key=len) if named else title


# ---------------------------------------------------------------- Word


def read_docx(data: bytes, name: str) -> RawDocument:
    """Word .docx: paragraphs and tables in order; Heading and Title styles are headings."""
    _check_zip(data, name)
    try:
        return _docx_blocks(data)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(f"{name}: not a valid Word document ({reason(exc)})") from None
    except Exception as exc:  # python-docx raises PackageNotFoundError, lxml and lookup errors
        raise DocumentError(f"{name}: not a valid Word document ({type(exc).__name__})") from None


def _check_zip(data: bytes, name: str, max_bytes: int = 4 * MAX_DOCUMENT_BYTES) -> None:
    """Refuse a .docx that is not a zip, is not Word inside, or would inflate beyond reason."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except Exception as exc:  # BadZipFile, NotImplementedError (zip version), struct.error ...
        raise DocumentError(f"{name}: not a valid Word document ({reason(exc)})") from None
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
        found = ", ".join(sorted(names)[:3]) or "nothing"
        raise DocumentError(f"{name}: a zip archive but not a Word document (it holds {found})")
    if sum(info.file_size for info in infos) > max_bytes:
        raise DocumentError(f"{name}: unpacks to more than {max_bytes // 2**20} MB; refused")


def _docx_blocks(data: bytes) -> RawDocument:
    import docx
    from docx.table import Table

    document = docx.Document(io.BytesIO(data))
    blocks: list[Block] = []
    title = document.core_properties.title or None
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                cells = [c.text.strip() for c in row.cells if c.text.strip()]
                if cells:
                    blocks.append(Block(" | ".join(dict.fromkeys(cells))))
            continue
        text = item.text.strip()
        if not text:
            continue
        style = (item.style.name if item.style is not None else "") or ""
        is_heading = style.startswith(("Heading", "Title"))
        if is_heading and not title:
            title = text
        if style.startswith("List"):
            text = "- " + text
        blocks.append(Block(text, heading=is_heading))
    return RawDocument(blocks, title)


_READERS: dict[str, Callable[[bytes, str], RawDocument]] = {
    ".txt": read_text,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
}
