"""Loading a corpus folder: the real corpus, problem files, the manifest and content hashes."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from assistant.errors import DocumentError
from assistant.ingest.documents import (
    MANIFEST_NAME,
    assemble,
    corpus_files,
    load_corpus,
    load_document,
    load_manifest,
    metadata_dict,
)
from assistant.ingest.furniture import is_furniture_line
from assistant.ingest.readers import Block

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
WHO = "000_ac5a66cb2e178209.txt"
KOREA = "002_b2edcc82120f056b.txt"


# ---------------------------------------------------------------- the real corpus


@pytest.fixture(scope="module")
def real_corpus():
    return load_corpus(CORPUS)


def test_real_corpus_loads_every_file(real_corpus) -> None:
    assert real_corpus.problems == []
    files = sorted(p.name for p in CORPUS.iterdir() if p.suffix == ".txt")
    assert len(files) == 3
    assert [d.doc_id for d in real_corpus.documents] == files


def test_real_corpus_titles_and_metadata_come_from_manifest(real_corpus) -> None:
    manifest = tomllib.loads((CORPUS / MANIFEST_NAME).read_text(encoding="utf-8"))
    for doc in real_corpus.documents:
        entry = manifest[doc.doc_id]
        assert doc.source.title == entry["title"].strip()
        assert doc.source.publisher == entry.get("publisher", "").strip()
        assert doc.source.date == entry.get("date", "").strip()
        assert doc.source.file == doc.doc_id
        assert metadata_dict(doc)["title"] == entry["title"].strip()


def test_who_report_loses_the_trailing_site_notice(real_corpus) -> None:
    raw = (CORPUS / WHO).read_text(encoding="utf-8")
    assert "yunbaogao" in raw and "预览" in raw  # the file itself has the notice
    doc = next(d for d in real_corpus.documents if d.doc_id == WHO)
    assert "yunbaogao" not in doc.text
    assert "预览" not in doc.text
    assert "https://" not in doc.text.rstrip().splitlines()[-1]
    assert doc.text.rstrip().endswith("finance institutions and industrial development.")
    assert "WORLD LOCAL PRODUCTION FORUM" in doc.text


def test_korean_press_release_loses_counters_and_attachments(real_corpus) -> None:
    raw = (CORPUS / KOREA).read_text(encoding="utf-8")
    assert "Hit : 3214" in raw and ".hwp" in raw  # the file itself has the furniture
    doc = next(d for d in real_corpus.documents if d.doc_id == KOREA)
    assert "Hit : 3214" not in doc.text
    assert ".hwp" not in doc.text
    assert "Download :" not in doc.text
    assert "- File" not in doc.text.splitlines()
    assert not any(line.strip() == "-" for line in doc.text.splitlines())
    assert "Date : 2021-07-06" in doc.text
    assert "Minister Kwon Deok-cheol" in doc.text
    assert "Korea and the US will each appoint 15 experts" in doc.text


def test_real_corpus_offsets_are_consistent(real_corpus) -> None:
    for doc in real_corpus.documents:
        assert doc.page_starts == ()  # plain text has no pages
        assert doc.page_at(0) is None
        starts = [s.start for s in doc.sections]
        assert starts == sorted(starts)
        for section in doc.sections:
            assert doc.text.startswith(section.heading, section.start)
            assert doc.section_at(section.start) == section.heading
        for start in doc.paragraph_starts:
            assert 0 <= start < len(doc.text)
            assert start == 0 or doc.text[start - 1] == "\n"


# ---------------------------------------------------------------- problem files


def test_bad_files_are_reported_and_good_ones_load(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(
        "Fill and finish\n\nVials are filled in a clean room.\n", encoding="utf-8"
    )
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\x03\xff\xfe\x00" * 64)
    (tmp_path / "data.xyz").write_text("some data", encoding="utf-8")

    corpus = load_corpus(tmp_path)

    assert [d.doc_id for d in corpus.documents] == ["good.txt"]
    assert "Vials are filled in a clean room." in corpus.documents[0].text
    reasons = {p.file: p.reason for p in corpus.problems}
    assert set(reasons) == {"empty.txt", "binary.txt", "data.xyz"}
    for name, reason in reasons.items():
        assert name in reason
        assert len(reason) > len(name) + 5  # a reason, not just the name
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "unsupported" in reasons["data.xyz"]


def test_file_of_only_furniture_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "counter.txt").write_text("- Hit : 3214\n\n- File\n\n-\n", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert corpus.documents == []
    assert [p.file for p in corpus.problems] == ["counter.txt"]
    assert "counter.txt" in corpus.problems[0].reason


def test_missing_corpus_folder_is_a_document_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="not found"):
        load_corpus(tmp_path / "nowhere")


def test_hidden_files_and_manifest_are_not_documents(tmp_path: Path) -> None:
    (tmp_path / "visible.txt").write_text("Visible document text.", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("Hidden document text.", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "notes.txt").write_text("Inside a hidden folder.", encoding="utf-8")
    (tmp_path / "~$lock.docx").write_bytes(b"owner lock file")
    (tmp_path / MANIFEST_NAME).write_text('["visible.txt"]\ntitle = "Seen"\n', encoding="utf-8")
    sub = tmp_path / "reports"
    sub.mkdir()
    (sub / "nested.md").write_text("# Nested Report\n\nNested body.\n", encoding="utf-8")

    assert [p.relative_to(tmp_path).as_posix() for p in corpus_files(tmp_path)] == [
        "reports/nested.md",
        "visible.txt",
    ]
    corpus = load_corpus(tmp_path)
    assert corpus.problems == []
    assert [d.doc_id for d in corpus.documents] == ["reports/nested.md", "visible.txt"]
    titles = {d.doc_id: d.source.title for d in corpus.documents}
    assert titles == {"reports/nested.md": "Nested Report", "visible.txt": "Seen"}


# ---------------------------------------------------------------- titles and manifest


def test_title_from_first_line_without_manifest_entry(tmp_path: Path) -> None:
    (tmp_path / "brief.txt").write_text(
        "Vaccine Plants in West Africa\n\nThree plants opened in 2023.\n", encoding="utf-8"
    )
    doc = load_corpus(tmp_path).documents[0]
    assert doc.source.title == "Vaccine Plants in West Africa"
    assert doc.source.publisher == ""


def test_title_from_file_name_when_first_line_is_no_title(tmp_path: Path) -> None:
    long_first = " ".join(["word"] * 30) + "."
    (tmp_path / "regional_supply-notes.txt").write_text(
        long_first + "\n\nSecond paragraph.\n", encoding="utf-8"
    )
    doc = load_corpus(tmp_path).documents[0]
    assert doc.source.title == "regional supply notes"


def test_title_is_not_page_furniture(tmp_path: Path) -> None:
    (tmp_path / "counted.txt").write_text(
        "Views: 1,024\n\nVaccine Plants in Africa\n\nThree plants opened in 2023.\n",
        encoding="utf-8",
    )
    doc = load_corpus(tmp_path).documents[0]
    assert "Views" not in doc.text
    # The counter is stripped from the text, so it must not become the citation title either.
    assert not is_furniture_line(doc.source.title)
    assert doc.source.title in {"Vaccine Plants in Africa", "counted"}


def test_manifest_fields_reach_the_source(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Some text about plants.", encoding="utf-8")
    (tmp_path / MANIFEST_NAME).write_text(
        '["a.txt"]\n'
        'title = "  Plant Report  "\n'
        'publisher = "Health Ministry"\n'
        "date = 2021-07-06\n"
        'licence = "CC BY 4.0"\n',
        encoding="utf-8",
    )
    doc = load_corpus(tmp_path).documents[0]
    assert doc.source.title == "Plant Report"
    assert doc.source.publisher == "Health Ministry"
    assert doc.source.date == "2021-07-06"
    assert doc.source.licence == "CC BY 4.0"
    assert doc.source.notes == ""


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        ('["a.txt"\ntitle = "unclosed', "not valid TOML"),
        ('title = "top-level string"\n', "must be a table"),
        ('["a.txt"]\ntitel = "Typo"\n', "unknown fields"),
    ],
)
def test_malformed_manifest_is_a_clear_error(tmp_path: Path, manifest: str, expected: str) -> None:
    (tmp_path / "a.txt").write_text("Some text about plants.", encoding="utf-8")
    (tmp_path / MANIFEST_NAME).write_text(manifest, encoding="utf-8")
    with pytest.raises(DocumentError, match=expected) as info:
        load_corpus(tmp_path)
    assert MANIFEST_NAME in str(info.value)


def test_manifest_that_is_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / MANIFEST_NAME).write_bytes('["a.txt"]\ntitle = "Café"\n'.encode("latin-1"))
    with pytest.raises(DocumentError, match=MANIFEST_NAME):
        load_manifest(tmp_path)


def test_no_manifest_is_an_empty_manifest(tmp_path: Path) -> None:
    assert load_manifest(tmp_path) == {}


# ---------------------------------------------------------------- content hash


def test_content_hash_is_stable_and_follows_changes(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Original text about vaccine plants.", encoding="utf-8")
    first = load_document(path, "a.txt").content_hash
    assert load_document(path, "a.txt").content_hash == first
    assert load_corpus(tmp_path).documents[0].content_hash == first

    path.write_text("Changed text about vaccine plants.", encoding="utf-8")
    changed = load_document(path, "a.txt").content_hash
    assert changed != first

    path.write_text("Original text about vaccine plants.", encoding="utf-8")
    assert load_document(path, "a.txt").content_hash == first


def test_content_hash_follows_metadata(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Text about vaccine plants.", encoding="utf-8")
    plain = load_document(path, "a.txt").content_hash
    titled = load_document(path, "a.txt", {"title": "Plant Report"}).content_hash
    assert titled != plain
    assert load_document(path, "a.txt", {"title": "Plant Report"}).content_hash == titled


# ---------------------------------------------------------------- assembling blocks


def test_assemble_records_pages_sections_and_furniture() -> None:
    blocks = [
        Block("Introduction", heading=True, page=1),
        Block("Plants open.\n- Hit : 12", page=1),
        Block("Methods", heading=True, page=3),
        Block("We counted plants.", page=3),
    ]
    text, page_starts, sections, paragraph_starts = assemble(blocks)
    assert text == "Introduction\n\nPlants open.\n\nMethods\n\nWe counted plants."
    methods = text.find("Methods")
    assert page_starts == [0, methods, methods]
    assert [(s.start, s.heading) for s in sections] == [(0, "Introduction"), (methods, "Methods")]
    assert [text[i:].split("\n")[0] for i in paragraph_starts] == [
        "Introduction",
        "Plants open.",
        "Methods",
        "We counted plants.",
    ]
