"""Fuzz targets and hypothesis strategies for the loaders and the chunker.

Shared by the short run in tests/test_fuzz.py and the long run in bench/fuzz_loaders.py.
A target returns normally or raises DocumentError; any other exception is a bug.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from functools import lru_cache
from pathlib import Path

from hypothesis import strategies as st

from assistant.errors import DocumentError
from assistant.ingest.chunking import SPECIAL_TOKENS, ChunkingSettings, TokenCounter, split
from assistant.ingest.documents import Document, Source, assemble, load_document
from assistant.ingest.readers import SUPPORTED_SUFFIXES, Block

# ---------------------------------------------------------------- valid seed files


def _pdf_seed() -> bytes:
    from fpdf import FPDF

    class Report(FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", size=9)
            self.cell(0, 8, "Regional Manufacturing Review 2024", align="C")
            self.ln(14)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", size=9)
            self.cell(0, 8, f"Page {self.page_no()}", align="C")

    pdf = Report()
    # Uncompressed, so that mutations hit text operators rather than only the deflate stream.
    pdf.set_compression(False)
    pdf.set_title("Fuzz seed")
    for body in (
        "Alpha tablets are pressed in Nairobi. Hit : 42",
        "Bravo vaccines are filled in Dakar.\n\nSecond para-\ngraph on fill-finish.",
        "Charlie syringes ship from Accra. e.g. to Lomé.",
    ):
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 8, body)
    return bytes(pdf.output())


def _docx_seed() -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = "Fuzz seed"
    document.add_heading("Vaccine Plant Guide", level=1)
    document.add_paragraph("Fill-finish lines need sterile rooms. Dr. Ama leads the plan.")
    document.add_paragraph("Cold chain", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Site"
    table.cell(0, 1).text = "Dakar"
    table.cell(1, 0).text = "Doses"
    table.cell(1, 1).text = "300 million"
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


_HTML_SEED = b"""<!doctype html><html><head><title>Fuzz seed</title>
<script>alert('x')</script><style>p{color:red}</style></head><body>
<nav>Home | About</nav><h1>Local production</h1>
<p onclick="alert(1)">Vaccines are made in <b>Dakar</b> and <a href="#">Kigali</a>.</p>
<div>Loose text <span>inline</span> here.<img src=x onerror="alert(2)"></div>
<ul><li>One</li><li>Two &lt;script&gt;</li></ul><table><tr><td>A</td><th>B</th></tr></table>
<footer>Copyright</footer></body></html>"""

_MD_SEED = b"""# Local production

Vaccines are made in Dakar.
## Sub heading ##
- a list item
- Hit : 3214

Attachments
report.pdf (247 KB / Download : 265)
https://example.org/page
"""

_TXT_SEED = """LOCAL PRODUCTION OF HEALTH PRODUCTS

Introduction

Regional manufacturing helps supply. It began in 2021, e.g. in Dakar.

WHO: World Health Organization

\u5c0e\u5165\u90e8
""".encode()


@lru_cache(maxsize=1)
def seeds() -> dict[str, bytes]:
    """One valid file per supported suffix, to mutate."""
    pdf, docx = _pdf_seed(), _docx_seed()
    return {
        ".txt": _TXT_SEED,
        ".md": _MD_SEED,
        ".markdown": _MD_SEED,
        ".html": _HTML_SEED,
        ".htm": _HTML_SEED,
        ".pdf": pdf,
        ".docx": docx,
    }


# ---------------------------------------------------------------- strategies

# Characters that drive the readers' and chunker's rules: breaks, headings, bullets,
# sentence ends, abbreviations, digits, markup, other scripts, controls and surrogate-free
# astral characters (emoji).
_ALPHABET = st.one_of(
    st.sampled_from(list("\n\n\n\r\t .......!?:;,-#*•○□◈<>/&\"'“”()[]0123456789")),
    st.sampled_from(["e.g.", "Dr.", "Page ", "Hit : ", "File", "http://x.y", " KB)", ".pdf ("]),
    # Long runs without spaces: Chinese text, a URL, a base64 blob.
    st.sampled_from(["疫苗在非洲的本地生产能力正在提高。" * 25, "https://x.org/" + "a1/" * 90]),
    st.sampled_from(["QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo" * 8]),
    st.characters(codec="utf-8"),
)
TEXT = st.lists(_ALPHABET, max_size=400).map("".join)
SUFFIX = st.sampled_from(SUPPORTED_SUFFIXES)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    """A valid seed file with random byte flips, insertions, deletions or a truncation."""
    suffix = draw(SUFFIX)
    data = bytearray(seeds()[suffix])
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "overwrite"]))
        if op == "flip":
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 64))]
        elif op == "truncate":
            del data[pos:]
        else:
            chunk = draw(st.binary(min_size=1, max_size=32))
            data[pos : pos + len(chunk)] = chunk
    return suffix, bytes(data)


@st.composite
def mutated_docx(draw: st.DrawFn) -> tuple[str, bytes]:
    """The seed .docx re-zipped with one of its XML parts mutated (the zip itself stays valid)."""
    with zipfile.ZipFile(io.BytesIO(seeds()[".docx"])) as zin:
        parts = {info.filename: zin.read(info) for info in zin.infolist()}
    xml_names = sorted(n for n in parts if n.endswith((".xml", ".rels")))
    name = draw(st.sampled_from(xml_names))
    data = bytearray(parts[name])
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        op = draw(st.sampled_from(["flip", "insert", "delete", "drop"]))
        if op == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[pos:pos] = draw(st.sampled_from([b"<", b">", b"/", b'"', b"w:", b"&", b"\x00"]))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 32))]
        elif op == "drop":
            data = bytearray()
    parts[name] = bytes(data)
    if not data and draw(st.booleans()):
        del parts[name]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zout:
        for part, body in parts.items():
            zout.writestr(part, body)
    return ".docx", buf.getvalue()


@st.composite
def text_file(draw: st.DrawFn) -> tuple[str, bytes]:
    """Generated text saved as .txt/.md/.html in UTF-8, UTF-16 or Latin-1 (when it fits)."""
    suffix = draw(st.sampled_from([".txt", ".md", ".html"]))
    text = draw(TEXT)
    if suffix == ".html":
        tags = draw(st.lists(st.sampled_from(["p", "h2", "li", "div", "script", "b", "td"])))
        for tag in tags:
            text = f"<{tag} onclick='x()'>{text}</{tag}>"
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogatepass")
    return suffix, data


RAW_FILE = st.tuples(SUFFIX, st.binary(max_size=2048))
ANY_FILE = st.one_of(RAW_FILE, mutated(), mutated_docx(), text_file())

BLOCKS = st.lists(
    st.builds(
        Block,
        text=TEXT,
        heading=st.booleans(),
        page=st.one_of(st.none(), st.integers(1, 6)),
    ),
    max_size=12,
).map(lambda blocks: sorted(blocks, key=lambda b: b.page or 0))

CHUNKING = st.integers(16, 300).flatmap(
    lambda target: st.tuples(st.just(target), st.integers(0, target - 1))
)


# ---------------------------------------------------------------- targets


def check_file(suffix: str, data: bytes, folder: Path | None = None) -> Document | None:
    """Load bytes saved under a suffix; DocumentError is allowed, and what loads is consistent."""
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            doc = load_document(path, path.name)
        except DocumentError as exc:
            message = str(exc)
            assert message.startswith("fuzz"), message
            assert "\n" not in message and len(message) < 400, message
            return None
    check_document(doc)
    return doc


def check_document(doc: Document) -> None:
    """Offsets of pages, sections and paragraphs lie inside the text and are in order."""
    assert doc.text.strip()
    assert list(doc.page_starts) == sorted(doc.page_starts)
    assert all(0 <= s.start <= len(doc.text) for s in doc.sections)
    assert list(doc.paragraph_starts) == sorted(doc.paragraph_starts)
    assert all(0 <= p <= len(doc.text) for p in doc.paragraph_starts)
    assert doc.source.title.strip()


def document_from_blocks(blocks: list[Block]) -> Document | None:
    """A Document assembled from generated blocks, as the loader would build it."""
    text, pages, sections, paragraphs = assemble(blocks)
    if not text.strip():
        return None
    return Document(
        doc_id="fuzz.txt",
        text=text,
        source=Source(file="fuzz.txt", title="Fuzz"),
        content_hash="0" * 64,
        page_starts=tuple(pages),
        sections=tuple(sections),
        paragraph_starts=tuple(paragraphs),
    )


def check_split(doc: Document, counter: TokenCounter, target: int, overlap: int) -> int:
    """Split a document; every passage is a verbatim span that fits the model. Returns count."""
    settings = ChunkingSettings(target, overlap, counter.max_tokens)
    chunks = split(doc, counter, settings)
    if any(ch.strip() for ch in doc.text):
        assert chunks, "a document with text gave no passages"
    ids = [c.chunk_id for c in chunks]
    assert len(ids) == len(set(ids))
    real = counter.count_tokens([c.text for c in chunks])
    covered = bytearray(len(doc.text))
    for chunk, tokens in zip(chunks, real, strict=True):
        covered[chunk.start : chunk.end] = b"\x01" * (chunk.end - chunk.start)
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert chunk.text.strip()
        assert tokens + SPECIAL_TOKENS <= counter.max_tokens, (tokens, chunk.text)
        for a, b in chunk.sentences:
            assert 0 <= a < b <= len(chunk.text)
    # No text is dropped: every non-space character is in some passage.
    lost = [i for i, ch in enumerate(doc.text) if not covered[i] and not ch.isspace()]
    assert not lost, f"{len(lost)} characters in no passage, from {doc.text[lost[0] :][:40]!r}"
    return len(chunks)
