"""Readers: real PDF, Word, HTML, Markdown and text files built in a temporary folder."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from assistant.errors import DocumentError
from assistant.ingest.documents import load_document
from assistant.ingest.readers import SUPPORTED_SUFFIXES, read_file

# ---------------------------------------------------------------- PDF helpers

RUNNING_HEADER = "Regional Manufacturing Review 2024"
PAGE_BODIES = [
    "Alpha tablets are pressed in Nairobi by a regional manufacturer.",
    "Bravo vaccines are filled and finished in Dakar for the whole region.",
    "Charlie syringes ship from Accra to neighbouring countries.",
    "Delta diagnostic test kits are assembled in Kigali.",
]


class _ReportPDF(FPDF):
    """A PDF with a running header and a 'Page N of M' footer on every page."""

    def header(self) -> None:
        self.set_font("Helvetica", size=9)
        self.cell(0, 8, RUNNING_HEADER, align="C")
        self.ln(14)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=9)
        self.cell(0, 8, f"Page {self.page_no()} of {{nb}}", align="C")


def _write_pdf(path: Path, bodies: list[str], title: str | None = None) -> Path:
    pdf = _ReportPDF()
    if title:
        pdf.set_title(title)
    for body in bodies:
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        if body:
            pdf.multi_cell(0, 8, body)
    path.write_bytes(bytes(pdf.output()))
    return path


def _write_plain_pdf(path: Path, page_texts: list[str], **encryption: str) -> Path:
    pdf = FPDF()
    if encryption:
        pdf.set_encryption(**encryption)
    for text in page_texts:
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 8, text)
    path.write_bytes(bytes(pdf.output()))
    return path


# ---------------------------------------------------------------- PDF


def test_pdf_pages_are_recorded_and_body_text_kept(tmp_path: Path) -> None:
    path = _write_pdf(tmp_path / "review.pdf", PAGE_BODIES)
    doc = load_document(path, "review.pdf")
    for number, body in enumerate(PAGE_BODIES, start=1):
        offset = doc.text.find(body)
        assert offset >= 0, f"page {number} body missing from {doc.text!r}"
        assert doc.page_at(offset) == number
        assert doc.page_at(offset + len(body) - 1) == number
    assert len(doc.page_starts) == len(PAGE_BODIES)


def test_pdf_running_header_and_page_numbers_are_stripped(tmp_path: Path) -> None:
    path = _write_pdf(tmp_path / "review.pdf", PAGE_BODIES)
    raw = read_file(path)
    assert [b.page for b in raw.blocks] == [1, 2, 3, 4]
    doc = load_document(path, "review.pdf")
    assert RUNNING_HEADER not in doc.text
    assert "Regional Manufacturing Review" not in doc.text
    assert "Page " not in doc.text
    assert " of 4" not in doc.text
    # Nothing but the bodies is left.
    assert doc.text == "\n\n".join(PAGE_BODIES)


def test_pdf_bare_page_numbers_are_stripped(tmp_path: Path) -> None:
    class NumberedPDF(FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", size=9)
            self.cell(0, 8, "Annual Vaccine Supply Bulletin")
            self.ln(14)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", size=9)
            self.cell(0, 8, str(self.page_no()), align="C")

    pdf = NumberedPDF()
    for body in PAGE_BODIES[:3]:
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 8, body)
    path = tmp_path / "bulletin.pdf"
    path.write_bytes(bytes(pdf.output()))

    doc = load_document(path, "bulletin.pdf")
    assert "Annual Vaccine Supply Bulletin" not in doc.text
    for number, body in enumerate(PAGE_BODIES[:3], start=1):
        assert body in doc.text
        assert doc.page_at(doc.text.find(body)) == number
    # No line of the text is a bare page number.
    assert not any(line.strip().isdigit() for line in doc.text.splitlines())


def test_pdf_heading_lines_become_headings_not_part_of_a_sentence(tmp_path: Path) -> None:
    body = (
        "A revolving fund of 45 million US dollars will provide low-interest loans to "
        "manufacturers that achieve WHO prequalification. The fund is managed by the bank."
    )
    listing = "Partners\n\nGhana\nKenya\nSenegal\n\nAll three sign the charter this year."
    path = _write_plain_pdf(tmp_path / "strategy.pdf", [f"Financing\n\n{body}", listing])
    doc = load_document(path, "strategy.pdf")
    assert [s.heading for s in doc.sections] == ["Financing"]
    assert "Financing A revolving" not in doc.text
    assert doc.section_at(doc.text.index("revolving")) == "Financing"
    # A column of short lines is a list, not a run of headings.
    assert "Ghana" in doc.text and doc.section_at(doc.text.index("Kenya")) == "Financing"


def test_pdf_sentences_ending_in_a_quote_or_running_on_are_not_headings(tmp_path: Path) -> None:
    first = (
        "The Director-General opened the forum with a long speech on access to medicines in "
        "every region of the world. He spoke about equity and the need for local production. "
        "He went on to describe the work of the regulators, noted in Annex 2 (Regulatory Reliance"
    )
    second = (
        "in Annex 2.)\nThe next speaker described the pooled procurement mechanism used by the "
        'African Union for several years now.\nHe called it "a matter of equity."\nThe '
        "closing session adopted the recommendations of the forum."
    )
    path = _write_plain_pdf(tmp_path / "speech.pdf", [first, second])
    doc = load_document(path, "speech.pdf")
    assert doc.sections == ()
    assert "He called it" in doc.text


def test_pdf_blank_page_still_counts(tmp_path: Path) -> None:
    bodies = [PAGE_BODIES[0], "", PAGE_BODIES[2], PAGE_BODIES[3]]
    path = _write_pdf(tmp_path / "gap.pdf", bodies)
    doc = load_document(path, "gap.pdf")
    assert doc.page_at(doc.text.find(PAGE_BODIES[0])) == 1
    assert doc.page_at(doc.text.find(PAGE_BODIES[2])) == 3
    assert doc.page_at(doc.text.find(PAGE_BODIES[3])) == 4


def test_pdf_title_from_metadata_else_file_name(tmp_path: Path) -> None:
    titled = _write_pdf(tmp_path / "titled.pdf", PAGE_BODIES, title="Supply Review")
    assert read_file(titled).title == "Supply Review"
    assert load_document(titled, "titled.pdf").source.title == "Supply Review"
    untitled = _write_pdf(tmp_path / "supply_review-2024.pdf", PAGE_BODIES)
    assert load_document(untitled, "x.pdf").source.title == "supply review 2024"


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    path = _write_plain_pdf(
        tmp_path / "locked.pdf",
        ["Confidential procurement prices."],
        owner_password="owner-secret",
        user_password="user-secret",
    )
    with pytest.raises(DocumentError, match="encrypted") as info:
        read_file(path)
    assert "locked.pdf" in str(info.value)


def test_truncated_pdf_is_refused_with_its_name(tmp_path: Path) -> None:
    good = _write_pdf(tmp_path / "good.pdf", PAGE_BODIES)
    data = good.read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(DocumentError) as info:
        read_file(cut)
    assert "cut.pdf" in str(info.value)
    assert "PDF" in str(info.value)


def test_random_bytes_named_pdf_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.pdf"
    path.write_bytes(bytes((i * 37 + 11) % 256 for i in range(4000)))
    with pytest.raises(DocumentError) as info:
        read_file(path)
    assert "junk.pdf" in str(info.value)


# ---------------------------------------------------------------- Word


def _write_docx(path: Path, core_title: str | None = None) -> Path:
    document = docx.Document()
    if core_title is not None:
        document.core_properties.title = core_title
    document.sections[0].header.paragraphs[0].text = "CONFIDENTIAL DRAFT HEADER"
    document.add_heading("Vaccine Plant Guide", level=0)
    document.add_paragraph("This guide explains how to plan a fill-finish plant.")
    document.add_heading("Regulatory steps", level=1)
    document.add_paragraph("The national regulator inspects the site before licensing.")
    document.add_paragraph("Prepare the licensing dossier", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Product"
    table.cell(0, 1).text = "Annual capacity"
    table.cell(1, 0).text = "Measles vaccine"
    table.cell(1, 1).text = "40 million doses"
    document.add_heading("Financing", level=1)
    document.add_paragraph("Development banks lend for equipment.")
    document.save(str(path))
    return path


def test_docx_headings_become_sections(tmp_path: Path) -> None:
    path = _write_docx(tmp_path / "guide.docx")
    doc = load_document(path, "guide.docx")
    assert [s.heading for s in doc.sections] == [
        "Vaccine Plant Guide",
        "Regulatory steps",
        "Financing",
    ]
    regulator = doc.text.find("The national regulator inspects")
    assert regulator > 0
    assert doc.section_at(regulator) == "Regulatory steps"
    assert doc.section_at(doc.text.find("Development banks")) == "Financing"
    assert doc.section_at(doc.text.find("fill-finish plant")) == "Vaccine Plant Guide"
    assert doc.page_at(regulator) is None


def test_docx_table_and_list_text_present(tmp_path: Path) -> None:
    path = _write_docx(tmp_path / "guide.docx")
    doc = load_document(path, "guide.docx")
    for cell in ("Product", "Annual capacity", "Measles vaccine", "40 million doses"):
        assert cell in doc.text
    assert "Prepare the licensing dossier" in doc.text
    # The table sits in the section where it appears.
    assert doc.section_at(doc.text.find("Measles vaccine")) == "Regulatory steps"
    # Page headers of the Word file are furniture, not body text.
    assert "CONFIDENTIAL DRAFT HEADER" not in doc.text


def test_docx_title_from_heading_or_core_properties(tmp_path: Path) -> None:
    from_heading = _write_docx(tmp_path / "a.docx")
    assert read_file(from_heading).title == "Vaccine Plant Guide"
    assert load_document(from_heading, "a.docx").source.title == "Vaccine Plant Guide"
    from_core = _write_docx(tmp_path / "b.docx", core_title="Plant Planning Handbook")
    assert read_file(from_core).title == "Plant Planning Handbook"


def test_zip_that_is_not_word_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fake.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "this archive is not a Word document")
    with pytest.raises(DocumentError, match="Word") as info:
        read_file(path)
    assert "fake.docx" in str(info.value)


def test_non_zip_docx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plain.docx"
    path.write_text("just some text saved with the wrong suffix", encoding="utf-8")
    with pytest.raises(DocumentError) as info:
        read_file(path)
    assert "plain.docx" in str(info.value)


# ---------------------------------------------------------------- HTML

HTML_PAGE = """<!doctype html>
<html>
<head>
  <title>Local Production Portal</title>
  <script>var tracker = "trackingSecretValue";</script>
  <style>.menu { color: red; }</style>
</head>
<body>
  <nav><a href="/">Home navigation link</a> <a href="/about">About us menu</a></nav>
  <script>alert(1)</script>
  <h1>Building Manufacturing Capacity</h1>
  <p>Countries invest in pharmaceutical plants.</p>
  <img src=x onerror=alert(1)>
  <h2>Technology transfer</h2>
  <p>Partners share process know-how.</p>
  <ul><li>Training of staff</li><li>Quality management systems</li></ul>
  <footer>Copyright footer notice 2024</footer>
</body>
</html>
"""


def test_html_drops_scripts_navigation_and_footer(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(HTML_PAGE, encoding="utf-8")
    doc = load_document(path, "page.html")
    for gone in (
        "alert",
        "tracker",
        "trackingSecretValue",
        "color: red",
        "Home navigation link",
        "About us menu",
        "Copyright footer notice",
        "onerror",
    ):
        assert gone not in doc.text
    assert "Countries invest in pharmaceutical plants." in doc.text
    assert "Partners share process know-how." in doc.text


def test_html_headings_sections_list_items_and_title(tmp_path: Path) -> None:
    path = tmp_path / "page.htm"
    path.write_text(HTML_PAGE, encoding="utf-8")
    doc = load_document(path, "page.htm")
    assert doc.source.title == "Local Production Portal"
    assert [s.heading for s in doc.sections] == [
        "Building Manufacturing Capacity",
        "Technology transfer",
    ]
    assert doc.section_at(doc.text.find("Countries invest")) == "Building Manufacturing Capacity"
    assert doc.section_at(doc.text.find("Partners share")) == "Technology transfer"
    assert "Training of staff" in doc.text
    assert "Quality management systems" in doc.text
    assert doc.section_at(doc.text.find("Quality management systems")) == "Technology transfer"


def test_html_title_falls_back_to_h1(tmp_path: Path) -> None:
    path = tmp_path / "notitle.html"
    path.write_text(
        "<html><body><h1>Fill and Finish Lines</h1><p>Vials are filled here.</p></body></html>",
        encoding="utf-8",
    )
    assert read_file(path).title == "Fill and Finish Lines"


@pytest.mark.parametrize(
    ("title", "h1", "expected"),
    [
        ("Kenya opens insulin plant | Health News", "Kenya opens insulin plant", None),
        ("Health News – Kenya opens insulin plant", "Kenya opens insulin plant", None),
        ("Insulin: a Kenyan plant opens", "Insulin", "Insulin: a Kenyan plant opens"),
        (
            "Kenya opens insulin plant | Health News",
            "Breaking",
            "Kenya opens insulin plant | Health News",
        ),
        # A logo's h1 before the article's: the longer part that is a main heading.
        (
            "Kenya opens insulin plant | Health News",
            "Health News</h1><h1>Kenya opens insulin plant",
            "Kenya opens insulin plant",
        ),
    ],
)
def test_html_title_drops_the_site_name(tmp_path: Path, title, h1, expected) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        f"<html><head><title>{title}</title></head><body><h1>{h1}</h1><p>Vials.</p></body></html>",
        encoding="utf-8",
    )
    assert read_file(path).title == (expected or h1)


def test_html_text_in_a_div_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "div.html"
    path.write_text(
        "<html><head><title>Plants</title></head><body>"
        "<h1>Plants</h1>"
        "<div>Body text placed directly in a div element.</div>"
        "<p>A regular paragraph.</p>"
        "</body></html>",
        encoding="utf-8",
    )
    doc = load_document(path, "div.html")
    assert "A regular paragraph." in doc.text
    assert "Body text placed directly in a div element." in doc.text


# ---------------------------------------------------------------- Markdown


def test_markdown_headings_become_sections_and_title(tmp_path: Path) -> None:
    path = tmp_path / "guide.md"
    path.write_text(
        "# Guide to Local Plants\n\n"
        "Intro text about the guide.\n\n"
        "## Staffing\n\n"
        "Hire chemists and engineers.\n\n"
        "## Equipment ##\n\n"
        "- isolators\n- lyophilisers\n",
        encoding="utf-8",
    )
    doc = load_document(path, "guide.md")
    assert doc.source.title == "Guide to Local Plants"
    assert [s.heading for s in doc.sections] == ["Guide to Local Plants", "Staffing", "Equipment"]
    assert "#" not in doc.text
    assert doc.section_at(doc.text.find("Intro text")) == "Guide to Local Plants"
    assert doc.section_at(doc.text.find("Hire chemists")) == "Staffing"
    assert doc.section_at(doc.text.find("lyophilisers")) == "Equipment"


def test_markdown_heading_directly_followed_by_text(tmp_path: Path) -> None:
    # An ATX heading needs no blank line after it (CommonMark).
    path = tmp_path / "tight.markdown"
    path.write_text(
        "# Guide\nIntro text right after the heading.\n\n## Part two\nMore text.\n",
        encoding="utf-8",
    )
    doc = load_document(path, "tight.markdown")
    assert doc.source.title == "Guide"
    assert [s.heading for s in doc.sections] == ["Guide", "Part two"]
    assert "#" not in doc.text
    assert doc.section_at(doc.text.find("More text.")) == "Part two"


# ---------------------------------------------------------------- plain text

FRENCH = "Café réglementaire\n\nLe médicament générique est fabriqué localement à Abidjan."


@pytest.mark.parametrize(
    "encoding",
    ["utf-8", "utf-8-sig", "utf-16", "utf-16-be-bom", "latin-1"],
)
def test_text_encodings_decode(tmp_path: Path, encoding: str) -> None:
    if encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + FRENCH.encode("utf-16-be")
    else:
        data = FRENCH.encode(encoding)
    path = tmp_path / "note.txt"
    path.write_bytes(data)
    raw = read_file(path)
    assert [b.text for b in raw.blocks] == FRENCH.split("\n\n")
    # Plain text names no title of its own; the loader titles it from the cleaned first line.
    assert load_document(path, "note.txt").source.title == "Café réglementaire"
    assert "\ufeff" not in raw.blocks[0].text


def test_short_latin1_text_decodes(tmp_path: Path) -> None:
    path = tmp_path / "short.txt"
    path.write_bytes("Café réglementaire".encode("latin-1"))
    assert read_file(path).blocks[0].text == "Café réglementaire"


def test_text_headings_and_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text(
        "Vaccine Production Overview\n\n"
        "Several countries build fill-finish plants.\n\n"
        "Financing\n\n"
        "Banks and donors fund the equipment.\n",
        encoding="utf-8",
    )
    doc = load_document(path, "plain.txt")
    assert [s.heading for s in doc.sections] == ["Vaccine Production Overview", "Financing"]
    assert doc.section_at(doc.text.find("Banks and donors")) == "Financing"
    assert doc.page_at(0) is None


def test_binary_junk_named_txt_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.txt"
    path.write_bytes(b"\x00\x01\x02PK\x03\x04\x00\xff\xfe\x00" * 100)
    with pytest.raises(DocumentError, match="binary") as info:
        read_file(path)
    assert "junk.txt" in str(info.value)


def test_binary_without_nul_bytes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes((i * 97 + 13) % 255 + 1 for i in range(5000)))
    with pytest.raises(DocumentError) as info:
        read_file(path)
    assert "noise.txt" in str(info.value)


@pytest.mark.parametrize("content", [b"", b"   \n\n\t  \r\n"])
def test_empty_file_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(DocumentError, match="empty") as info:
        read_file(path)
    assert "empty.txt" in str(info.value)


@pytest.mark.parametrize("name", ["data.xyz", "README"])
def test_unknown_suffix_is_unsupported(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("Readable text in an unknown kind of file.", encoding="utf-8")
    with pytest.raises(DocumentError, match="unsupported") as info:
        read_file(path)
    assert name in str(info.value)


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    path = tmp_path / "NOTES.TXT"
    path.write_text("Upper case suffixes are common on Windows.", encoding="utf-8")
    assert ".txt" in SUPPORTED_SUFFIXES
    assert read_file(path).blocks[0].text == "Upper case suffixes are common on Windows."


def test_missing_file_is_a_document_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError) as info:
        read_file(tmp_path / "absent.txt")
    assert "absent.txt" in str(info.value)
