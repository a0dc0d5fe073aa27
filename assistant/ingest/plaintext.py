"""Plain text and Markdown: decoding, paragraphs, and which lines are headings."""

from __future__ import annotations

import re

from assistant.errors import DocumentError
from assistant.ingest.blocks import Block, RawDocument


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
    for para in paragraphs(text):
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
    paras = paragraphs(text)
    candidate = [looks_like_heading(p) for p in paras] + [False, False]
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


def paragraphs(text: str) -> list[str]:
    """Text split at blank lines, each paragraph stripped of surrounding line breaks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [p.strip("\n") for p in re.split(r"\n\s*\n", text) if p.strip()]


_DEFINITION = re.compile(r"^[A-Z0-9&\-]{1,12}s?\s*:\s")


def last_mark(line: str) -> str:
    """The line's last character before closing quotes and brackets: 'He called it "a matter
    of equity."' ends a sentence inside its closing quote."""
    return line.rstrip("\"'”’)]»")[-1:]


def looks_like_heading(para: str) -> bool:
    """A short stand-alone line that does not end a sentence, a list item or a definition."""
    line = para.strip()
    if "\n" in line or not line or len(line) > 120 or len(line.split()) > 16:
        return False
    if last_mark(line) in ".,;:!" or line.startswith(("-", "*", "•", "○", "□", "◈")):
        return False
    if _DEFINITION.match(line):
        return False
    # Mostly digits is a reference or a date ("ISBN 978-92-4-...", "21-25 June 2021"), not a title.
    alnum = [c for c in line if c.isalnum()]
    if sum(c.isdigit() for c in alnum) > 0.3 * len(alnum):
        return False
    return line[0].isupper() or line[0].isdigit()
