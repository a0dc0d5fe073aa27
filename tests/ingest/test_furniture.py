"""Page-furniture rules, checked on synthetic lines of each kind and on ordinary sentences."""

from __future__ import annotations

import pytest

from assistant.ingest.furniture import (
    is_furniture_line,
    latin_share,
    page_line_key,
    repeated_page_lines,
    strip_trailing_notices,
)

# ---------------------------------------------------------------- single lines


@pytest.mark.parametrize(
    "line",
    [
        "- Hit : 3214",
        "Hit: 7",
        "Hits 12",
        "Views: 1,024",
        "views 1.024",
        "Viewed : 88",
        "Visitors: 10,200",
        "Read count : 41",
        "  - Views：512  ",
    ],
)
def test_counters_are_furniture(line: str) -> None:
    assert is_furniture_line(line)


@pytest.mark.parametrize(
    "line",
    ["- File", "File", "Files :", "Attachments", "Attached files", "- Download", "Print", "Top"],
)
def test_lone_widget_labels_are_furniture(line: str) -> None:
    assert is_furniture_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "report.pdf (247 KB / Download : 265)",
        "Korea_as_a_Global_Vaccine_Hub_Details.hwp (489 KB / Download : 211)",
        "annex-2.xlsx (1.2 MB)",
        "photo.JPG (830kb)",
        "slides.pptx ( 3,400 KB )",
    ],
)
def test_attachment_lines_are_furniture(line: str) -> None:
    assert is_furniture_line(line)


@pytest.mark.parametrize("line", ["-", "  -  ", "—", "–", "•", "***", "--"])
def test_lone_dashes_and_bullets_are_furniture(line: str) -> None:
    assert is_furniture_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "Korea and the US will each appoint 15 experts per category",
        "The plant produced 3,214 batches in 2021.",
        "Views on the matter differ: 3 options were proposed.",
        "Visits: 12 sites were inspected by the regulator.",
        "Hit hard by the pandemic, 40 countries lacked vaccines.",
        "File the dossier with the national regulator by 30 June.",
        "Attachments to the agreement list 5 products.",
        "The annex.pdf (247 KB) was circulated to all Member States before the meeting.",
        "- Date : 2021-07-06",
        "- Global Vaccine Production Hub Task Force launched today",
        "Top 10 producers of active ingredients",
        "2021",
        "Download the full report from the WHO website.",
    ],
)
def test_ordinary_lines_are_not_furniture(line: str) -> None:
    assert not is_furniture_line(line)


# ---------------------------------------------------------------- trailing notices

ENGLISH = [
    "Local production of vaccines grew in Africa during the pandemic years.",
    "Manufacturers signed technology transfer agreements with regional partners.",
    "Numerous speakers recognized that the forum came at a timely moment for industry.",
]


def test_trailing_chinese_notice_and_url_are_dropped() -> None:
    blocks = [
        *ENGLISH,
        "预览已结束，完整报告链接和二维码如下：",
        "https://www.yunbaogao.cn/report/index/report?reportId=5_23686",
    ]
    assert strip_trailing_notices(blocks) == ENGLISH


@pytest.mark.parametrize(
    "url", ["https://example.org/report", "www.example.org", "<https://example.org/x?y=1>"]
)
def test_trailing_bare_url_is_dropped(url: str) -> None:
    assert strip_trailing_notices([*ENGLISH, url]) == ENGLISH


def test_normal_final_paragraph_is_kept() -> None:
    blocks = [*ENGLISH, "Thank you."]
    assert strip_trailing_notices(blocks) == blocks
    with_link = [*ENGLISH, "See https://www.who.int for the full report."]
    assert strip_trailing_notices(with_link) == with_link
    french = [*ENGLISH, "Médicaments essentiels."]
    assert strip_trailing_notices(french) == french


def test_long_final_section_in_another_script_is_content() -> None:
    long_chinese = "本地生产药品和疫苗可以提高卫生系统的韧性。" * 20
    assert len(long_chinese) > 300
    blocks = [*ENGLISH, long_chinese]
    assert strip_trailing_notices(blocks) == blocks


@pytest.mark.parametrize(
    "blocks",
    [
        ["한국 정부는 백신 생산 허브를 추진한다.", "장관은 국제 협력을 강조했다."],
        ["本地生产可以提高药品的可及性。", "各国政府应当支持区域合作。", "预览"],
        ["预览已结束，完整报告链接和二维码如下："],
    ],
)
def test_non_latin_document_keeps_its_own_text(blocks: list[str]) -> None:
    assert strip_trailing_notices(blocks) == blocks


def test_only_a_few_trailing_blocks_are_dropped() -> None:
    urls = [f"https://example.org/{i}" for i in range(6)]
    kept = strip_trailing_notices([*ENGLISH, *urls])
    # At most three trailing blocks go: the rest of the document is never eaten.
    assert kept[: len(ENGLISH)] == ENGLISH
    assert len(kept) == len(ENGLISH) + len(urls) - 3


def test_strip_trailing_notices_handles_empty_input() -> None:
    assert strip_trailing_notices([]) == []


def test_latin_share() -> None:
    assert latin_share("Hello") == 1.0
    assert latin_share("预览") == 0.0
    assert latin_share("12 - 34") is None
    assert latin_share("ab预览") == 0.5


# ---------------------------------------------------------------- running headers


def _pages(n: int, header: str | None = None, footer: str | None = None) -> list[list[str]]:
    pages = []
    for i in range(1, n + 1):
        lines = [
            f"Body line {chr(64 + i)} opens page {i} on plant capacity.",
            f"Body line {chr(64 + i)} closes the page on regional supply.",
        ]
        if header:
            lines.insert(0, header)
        if footer:
            lines.append(footer.format(i=i, n=n))
        pages.append(lines)
    return pages


def _body_keys(pages: list[list[str]], skip: set[str]) -> set[str]:
    return {page_line_key(ln) for lines in pages for ln in lines if ln not in skip}


def test_repeated_header_on_most_pages_is_found() -> None:
    header = "WLPF Report 2021"
    pages = _pages(5, header=header)
    pages[2] = pages[2][1:]  # one page without the header
    found = repeated_page_lines(pages)
    assert found == {page_line_key(header)}


def test_page_number_footers_with_changing_digits_are_found() -> None:
    pages = _pages(4, footer="Page {i} of {n}")
    found = repeated_page_lines(pages)
    assert page_line_key("Page 1 of 4") in found
    assert page_line_key("Page 3 of 4") == page_line_key("Page 1 of 4")
    assert not found & _body_keys(pages, skip={f"Page {i} of 4" for i in range(1, 5)})


def test_body_lines_are_not_running_headers() -> None:
    header = "Running Head"
    pages = _pages(6, header=header, footer="- {i} -")
    found = repeated_page_lines(pages)
    assert found == {page_line_key(header), page_line_key("- 1 -")}
    assert not found & _body_keys(pages, skip={header, *(f"- {i} -" for i in range(1, 7))})


def test_rare_header_is_not_running() -> None:
    pages = _pages(10, header=None)
    for lines in pages[:3]:
        lines.insert(0, "Chapter One")
    assert page_line_key("Chapter One") not in repeated_page_lines(pages)


def test_too_few_pages_have_no_running_lines() -> None:
    assert repeated_page_lines(_pages(2, header="Same Header")) == set()
    assert repeated_page_lines([]) == set()


def test_page_line_key_ignores_case_space_and_digits() -> None:
    assert page_line_key("  Page 12 of 40 ") == page_line_key("page 3 of 40")
    assert page_line_key("Annual Report") != page_line_key("Annual Review")
