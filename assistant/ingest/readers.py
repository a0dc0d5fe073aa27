"""Read one file of a supported format into blocks of text (headings and paragraphs, with pages)."""

from __future__ import annotations

import io
import logging
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import DocumentError
from assistant.ingest.furniture import page_line_key, repeated_page_lines

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
# A 20 MB text file is about five million words: hours of embedding on a laptop, and more
# than any policy document. Bigger files are refused before they are read into memory.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
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


def _reason(exc: BaseException) -> str:
    """An exception as a short one-line reason, for DocumentError messages."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= _MAX_REASON_CHARS else text[: _MAX_REASON_CHARS - 1] + "…"


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


# ---------------------------------------------------------------- plain text and Markdown


def decode_text(data: bytes, name: str) -> str:
    """Decode bytes as text: UTF-8, UTF-16 with a BOM, else the best detected encoding."""
    text = _decode(data, name)
    if _control_share(text) > 0.01:
        raise DocumentError(f"{name}: binary data, not text")
    return text


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise DocumentError(f"{name}: invalid UTF-16 text") from None
    if b"\x00" in data[:4096]:
        utf16 = _bomless_utf16(data)
        if utf16 is None:
            raise DocumentError(f"{name}: binary data, not text")
        return utf16
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.chaos > 0.2:
        raise DocumentError(f"{name}: unknown text encoding (save it as UTF-8)")
    return _western(data, best.chaos) or str(best)


def _western(data: bytes, chaos: float) -> str | None:
    """Windows-1252 text when it reads as cleanly as the detector's pick, else None.

    Short Latin-1 files look equally clean in a dozen code pages and the detector often
    picks a Baltic or Central European one ("mķdicament"); Western European is by far the
    likeliest for these documents, so it wins a tie.
    """
    from charset_normalizer.md import mess_ratio

    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    return text if mess_ratio(text[:65536]) <= chaos + 0.01 else None


def _bomless_utf16(data: bytes) -> str | None:
    """Text saved as UTF-16 without a byte-order mark: NULs fill one side of ASCII pairs."""
    head = data[:4096]
    even, odd = head[0::2], head[1::2]
    for zeros, other, codec in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros.count(0) >= 0.3 * len(zeros) and other.count(0) <= 0.01 * len(other):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                return None
            return text if _control_share(text) <= 0.01 else None
    return None


def _control_share(text: str) -> float:
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t\f")
    return controls / max(1, len(text))


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


_MD_SCRIPT = re.compile(
    r"<(script|style|iframe|object|embed)\b[^>]*>.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL
)


def read_markdown(data: bytes, name: str) -> RawDocument:
    """Markdown: '#' lines are headings (blank line after them optional), paragraphs otherwise."""
    # Raw HTML is legal Markdown; a script in it is code, never text to quote.
    text = _MD_SCRIPT.sub("", decode_text(data, name))
    blocks: list[Block] = []
    title = None
    for para in _paragraphs(text):
        body: list[str] = []
        for line in para.split("\n"):
            match = _MD_HEADING.match(line)
            if not match:
                body.append(line)
                continue
            if body:
                blocks.append(Block("\n".join(body)))
                body = []
            heading = match.group(2).strip()
            title = title or heading
            blocks.append(Block(heading, heading=True))
        if body:
            blocks.append(Block("\n".join(body)))
    return RawDocument(blocks, title)


def read_text(data: bytes, name: str) -> RawDocument:
    """Plain text: a short stand-alone line that does not end a sentence is a heading."""
    text = decode_text(data, name)
    paras = _paragraphs(text)
    candidate = [_looks_like_heading(p) for p in paras] + [False, False]
    # A heading introduces body text, directly or through one sub-heading; a run of short
    # lines with no body after them is a list (a cover page, abbreviations, resolutions).
    blocks = [
        Block(
            p,
            heading=candidate[i]
            and i + 1 < len(paras)
            and (not candidate[i + 1] or (i + 2 < len(paras) and not candidate[i + 2])),
        )
        for i, p in enumerate(paras)
    ]
    # No title here: the first line may be furniture; the loader titles from the cleaned text.
    return RawDocument(blocks, None)


def _paragraphs(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [p.strip("\n") for p in re.split(r"\n\s*\n", text) if p.strip()]


_DEFINITION = re.compile(r"^[A-Z0-9&\-]{1,12}s?\s*:\s")


def _last_mark(line: str) -> str:
    """The line's last character before closing quotes and brackets: 'He called it "a matter
    of equity."' ends a sentence inside its closing quote."""
    return line.rstrip("\"'”’)]»")[-1:]


def _looks_like_heading(para: str) -> bool:
    line = para.strip()
    if "\n" in line or not line or len(line) > 120 or len(line.split()) > 16:
        return False
    if _last_mark(line) in ".,;:!" or line.startswith(("-", "*", "•", "○", "□", "◈")):
        return False
    if _DEFINITION.match(line):
        return False
    # Mostly digits is a reference or a date ("ISBN 978-92-4-...", "21-25 June 2021"), not a title.
    alnum = [c for c in line if c.isalnum()]
    if sum(c.isdigit() for c in alnum) > 0.3 * len(alnum):
        return False
    return line[0].isupper() or line[0].isdigit()


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
        raise DocumentError(f"{name}: not valid HTML ({_reason(exc)})") from None
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


# ---------------------------------------------------------------- PDF


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
        raise DocumentError(f"{name}: damaged PDF, cannot be read ({_reason(exc)})") from None
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
        return _looks_like_heading(text) and len(text) < SHORT_LINE * typical

    return (
        short(line)
        and len(line.split()) <= HEADING_WORDS
        and (not before or _last_mark(before) in ".!?:")
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
        raise DocumentError(f"{name}: not a valid Word document ({_reason(exc)})") from None
    except Exception as exc:  # python-docx raises PackageNotFoundError, lxml and lookup errors
        raise DocumentError(f"{name}: not a valid Word document ({type(exc).__name__})") from None


def _check_zip(data: bytes, name: str, max_bytes: int = 4 * MAX_DOCUMENT_BYTES) -> None:
    """Refuse a .docx that is not a zip, is not Word inside, or would inflate beyond reason."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except Exception as exc:  # BadZipFile, NotImplementedError (zip version), struct.error ...
        raise DocumentError(f"{name}: not a valid Word document ({_reason(exc)})") from None
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
