"""The app in a real browser: Debian's Chromium driven by Playwright, against a real server.

Screenshots land in tests/artifacts/ (one per test).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from assistant.answer.extractive import REFUSAL_TEXT
from assistant.interfaces.web.choices import EXAMPLES
from assistant.interfaces.web.i18n import LANGUAGES, TEXTS
from assistant.interfaces.web.texts import said

if TYPE_CHECKING:
    from tests._app_fixtures import Server

pytest_plugins = ["tests._app_fixtures"]

pytestmark = pytest.mark.slow

FORUM = "When was the first World Local Production Forum held?"
TASK_FORCE = "What is the Global Vaccine Production Hub Task Force?"
UNANSWERABLE = "How many mRNA vaccine factories are being built in Africa?"
ARTIFACTS = Path(__file__).parents[2] / "artifacts"  # as tests/_app_fixtures.py's
TIMEOUT = 30_000  # ms; generous because the machine is shared


def open_app(page: Any, server: Server) -> None:
    page.goto(server.url)
    page.wait_for_selector("#question textarea", timeout=TIMEOUT)


def ask(page: Any, question: str) -> None:
    """Type a question and press Enter; wait until the answer is finished."""
    box = page.locator("#question textarea")
    box.fill(question)
    before = page.locator("#chat .answer, #chat .passages").count()
    box.press("Enter")
    page.wait_for_function(
        """([before]) => {
            const done = document.querySelectorAll(
              '#chat .answer .copy-answer, #chat .passages, #chat .notice');
            const rows = document.querySelectorAll('#chat .answer, #chat .passages');
            return rows.length > before && done.length > 0
              && !document.querySelector('#chat .answer:not(:has(.copy-answer)) .notice');
        }""",
        arg=[before],
        timeout=TIMEOUT,
    )


def test_question_streams_an_answer_with_markers_and_the_source_opens(
    page: Any, app_server: Server
) -> None:
    open_app(page, app_server)
    # Example questions from the corpus are offered on the empty page.
    page.wait_for_selector("#chat .examples button, #chat button.example", timeout=TIMEOUT)
    box = page.locator("#question textarea")
    box.fill(FORUM)
    started = time.monotonic()
    box.press("Enter")
    page.wait_for_selector("#chat .answer-text", timeout=TIMEOUT)
    first_text = time.monotonic() - started
    page.wait_for_selector("#chat .answer-text a.cite", timeout=TIMEOUT)
    answer = page.locator("#chat .answer-text").last.inner_text()
    assert "[1]" in answer
    assert "2021" in answer
    print(f"first answer text after {first_text:.2f} s")

    page.locator("#chat a.cite").first.click()
    source = page.locator("#src-1-1")
    source.wait_for(state="visible")
    page.wait_for_function("document.querySelector('#src-1-1').classList.contains('flash')")
    assert source.locator("mark").inner_text().strip() in source.inner_text()
    assert "2021" in source.locator("mark").inner_text()
    assert "World Health Organization" in source.inner_text()
    assert "Some rights reserved" in source.inner_text()  # the WHO licence, with its text
    assert _in_viewport(page, "#src-1-1")
    assert page.requested_hosts <= {app_server.url.split("/")[2]}  # nothing from the internet


def test_refusal_lists_the_closest_passages(page: Any, app_server: Server) -> None:
    open_app(page, app_server)
    ask(page, UNANSWERABLE)
    text = page.locator("#chat .answer-text").last.inner_text()
    assert text.strip() == f"{REFUSAL_TEXT} No document mentions “Africa”."
    suggestions = page.locator("#chat .suggestions")
    assert "You may be looking for" in suggestions.inner_text()
    assert suggestions.locator(".source").count() >= 1


def test_follow_up_is_rewritten_and_shown(page: Any, app_server: Server) -> None:
    open_app(page, app_server)
    ask(page, TASK_FORCE)
    ask(page, "and who leads it?")
    note = page.locator("#chat .rewrite").last.inner_text()
    assert "Who leads the Global Vaccine Production Hub Task Force?" in note
    answer = page.locator("#chat .answer-text").last.inner_text()
    assert "Minister" in answer and "Health and Welfare" in answer

    # The chat's bin icon starts over: the next follow-up has nothing to refer to.
    page.get_by_role("button", name="Clear").click()
    page.wait_for_function("document.querySelectorAll('#chat .answer').length === 0")
    box = page.locator("#question textarea")
    box.fill("and who leads it?")
    box.press("Enter")
    page.wait_for_selector("#chat .notice", timeout=TIMEOUT)
    # No subject is guessed: the page asks for it, and the reply completes the question.
    assert "What does “it” refer to?" in page.locator("#chat .notice").last.inner_text()
    assert page.locator("#chat .rewrite").count() == 0
    ask(page, "the Global Vaccine Production Hub Task Force")
    note = page.locator("#chat .rewrite").last.inner_text()
    assert "Who leads the Global Vaccine Production Hub Task Force?" in note
    assert "Minister" in page.locator("#chat .answer-text").last.inner_text()


def test_a_typo_is_answered_and_the_reading_shown(page: Any, app_server: Server) -> None:
    open_app(page, app_server)
    ask(page, "Which country will host the next World Local Prodcution Forum?")
    note = page.locator("#chat .rewrite").last.inner_text()
    assert note.strip() == "Read “Prodcution” as “Production”."
    assert "Netherlands" in page.locator("#chat .answer-text").last.inner_text()


def test_find_passages_mode_lists_ranked_passages(page: Any, app_server: Server) -> None:
    open_app(page, app_server)
    page.get_by_label("Find passages").check()
    ask(page, "vaccine production hub task force")
    hits = page.locator("#chat .passages .passage-hit")
    assert hits.count() >= 3
    assert hits.first.locator("mark").count() == 1
    assert page.locator("#chat .answer-text").count() == 0  # no composed answer


def test_document_filter_limits_the_sources(page: Any, app_server: Server) -> None:
    korean = next(
        meta["title"]
        for meta in app_server.assistant.index.documents.values()
        if "Korea" in meta.get("title", "")
    )
    open_app(page, app_server)
    dropdown = page.locator("#document input")
    dropdown.click()
    page.get_by_role("option", name=korean).click()
    page.wait_for_function(
        "([t]) => document.querySelector('#document input').value === t", arg=[korean]
    )
    page.get_by_label("Find passages").check()
    ask(page, "World Local Production Forum")
    titles = page.locator("#chat .passages .source-head").all_inner_texts()
    assert titles
    assert all(korean in t for t in titles)


def test_feedback_with_comment_is_saved_as_json_lines(page: Any, app_server: Server) -> None:
    open_app(page, app_server)
    ask(page, FORUM)
    before = len(app_server.feedback.read())
    page.get_by_role("button", name="Like").last.click()
    page.wait_for_selector("#feedback-comment textarea", timeout=TIMEOUT)
    # The note is a page text, translated by the page: shown as words, never as its key.
    page.wait_for_selector("#feedback-note >> text=Add a comment below", timeout=TIMEOUT)
    _wait(lambda: len(app_server.feedback.read()) > before)
    rating = app_server.feedback.read()[-1]
    assert rating["rating"] == "up"
    assert rating["question"] == FORUM
    assert "[1]" in rating["answer"]
    assert rating["citations"] and rating["citations"][0]["title"]
    assert rating["index_version"] == app_server.assistant.index.version
    assert rating["comment"] == ""

    page.locator("#feedback-comment textarea").fill("Clear, and the date is right.")
    page.get_by_role("button", name="Send comment").click()
    _wait(lambda: len(app_server.feedback.read()) > before + 1)
    page.wait_for_selector("#feedback-note >> text=Your comment was saved", timeout=TIMEOUT)
    comment = app_server.feedback.read()[-1]
    assert comment["comment"] == "Clear, and the date is right."
    assert comment["feedback_id"] == rating["feedback_id"]
    for line in app_server.feedback.path.read_text("utf-8").splitlines():
        json.loads(line)


def test_copy_and_download_carry_the_sources(page: Any, app_server: Server) -> None:
    open_app(page, app_server)
    ask(page, FORUM)
    # Gradio's own per-message copy icon would copy the message's HTML: there is none.
    assert (
        page.locator("#chat button[aria-label*='opy' i], #chat button[title*='opy' i]").count() == 0
    )
    page.locator("#chat button.copy-answer").last.click()
    page.wait_for_function(
        "document.querySelector('#chat button.copy-answer').textContent === 'Copied'"
    )
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f"Question: {FORUM}")
    assert "Sources:\n[1] World Local Production Forum" in copied
    # The button's own label comes back (page.js keeps it; the Python sets it).
    page.wait_for_function(
        "([label]) => document.querySelector('#chat button.copy-answer').textContent === label",
        arg=[said("copy_answer", "en")],
    )

    download_button = page.locator("#download")
    page.wait_for_function(
        "!document.querySelector('#download').hasAttribute('disabled')"
        " && !document.querySelector('#download button, #download')?.disabled"
    )
    with page.expect_download(timeout=TIMEOUT) as info:
        download_button.click()
    markdown = Path(info.value.path()).read_text(encoding="utf-8")
    assert f"## 1. {FORUM}" in markdown
    assert "## References" in markdown
    assert "CC BY-NC-SA 3.0 IGO" in markdown


def test_phone_width_is_readable(browser: Any, app_server: Server) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    try:
        tab = context.new_page()
        open_app(tab, app_server)
        ask(tab, FORUM)
        assert tab.locator("#send").is_visible()
        overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1
        box = tab.locator("#chat .answer-text").last.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        # A second answer is read from its start: its question is on screen, not scrolled
        # past by the sources below it.
        ask(tab, "Who leads Korea's vaccine hub task force?")
        asked = tab.locator("#chat .question").last.bounding_box()
        assert asked is not None and 0 <= asked["y"] < 844 - asked["height"]
        artifacts = Path(__file__).parent / "artifacts"
        artifacts.mkdir(exist_ok=True)
        tab.screenshot(path=str(artifacts / "phone_width.png"), full_page=True)
    finally:
        context.close()


def test_hostile_document_and_question_show_as_text(page: Any, hostile_server: Server) -> None:
    open_app(page, hostile_server)
    ask(page, "How many freezers does the zebra vaccine depot in Quillborough keep?")
    assert "twelve" in page.locator("#chat .answer-text").last.inner_text()
    page.locator("#chat a.cite").first.click()
    shown = page.locator("#chat").inner_text()
    assert "<img src=x onerror=" in shown
    assert "<script>window.__xss='script'</script>" in shown
    page.locator("#chat .source").first.hover()
    ask(page, "<script>window.__xss='question'</script> Who is the depot manager?")
    question = page.locator("#chat .question").last.inner_text()
    assert "<script>window.__xss='question'</script>" in question
    assert page.evaluate("window.__xss") is None  # nothing ran
    assert page.locator("#chat img[src='x'], #chat script, #chat b[onmouseover]").count() == 0


def test_login_is_required_when_configured(page: Any, login_server: Server) -> None:
    page.goto(login_server.url)
    page.wait_for_selector("input[type=password]", timeout=TIMEOUT)
    assert page.locator("#question").count() == 0
    assert login_server.login is not None
    user, password = login_server.login
    page.locator("input[type=text]").first.fill(user)
    page.locator("input[type=password]").fill("wrong password")
    page.locator("input[type=password]").press("Enter")
    page.wait_for_selector("text=Incorrect", timeout=TIMEOUT)
    assert page.locator("#question").count() == 0
    page.locator("input[type=text]").first.fill(user)  # the failed attempt cleared it
    page.locator("input[type=password]").fill(password)
    page.locator("input[type=password]").press("Enter")
    page.wait_for_selector("#question textarea", timeout=TIMEOUT)
    ask(page, FORUM)
    assert "[1]" in page.locator("#chat .answer-text").last.inner_text()


def _in_viewport(page: Any, selector: str) -> bool:
    return bool(
        page.evaluate(
            """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                return r.top < window.innerHeight && r.bottom > 0; }""",
            selector,
        )
    )


def _wait(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("locale", "send", "direction"),
    [("ar", "إرسال", "rtl"), ("fr-FR", "Envoyer", "ltr"), ("zh-CN", "发送", "ltr")],
)
def test_the_page_speaks_the_browsers_language(
    browser: Any, app_server: Server, locale: str, send: str, direction: str
) -> None:
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        open_app(page, app_server)
        page.wait_for_function(f"document.documentElement.dir === '{direction}'")
        assert page.locator("#send").inner_text().strip() == send
        language = LANGUAGES.index(locale[:2])
        placeholder = page.locator("#question textarea").get_attribute("placeholder")
        assert placeholder == TEXTS["question_placeholder"][language]
        assert page.locator("#download").inner_text().strip() == TEXTS["download"][language]
        # Gradio's Settings (in the footer) is the switch to another language.
        assert page.locator("footer").get_by_role("button").count() >= 1
        ask(page, FORUM)
        answer = page.locator("#chat .answer-text").last
        assert "2021" in answer.inner_text()  # quoted from the English document as it is
        send_box = page.locator("#send").bounding_box()
        question_box = page.locator("#question").bounding_box()
        assert send_box is not None and question_box is not None
        # Right to left: Send sits left of the question box; the English quote still reads
        # left to right, starting at the left.
        assert (send_box["x"] < question_box["x"]) == (direction == "rtl")
        assert answer.evaluate("e => getComputedStyle(e).unicodeBidi") == "plaintext"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"page-{locale}.png"), full_page=True)
    finally:
        context.close()


def test_examples_and_the_copy_note_speak_the_browsers_language(
    browser: Any, multilingual_server: Server
) -> None:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        open_app(page, multilingual_server)
        examples = "#chat .examples button, #chat button.example"
        page.wait_for_selector(examples, timeout=TIMEOUT)
        offered = page.locator(examples).all_inner_texts()
        french = EXAMPLES["fr"]
        assert offered and all(any(f in text for f in french) for text in offered), offered
        before = page.locator("#chat .answer").count()
        page.locator(examples).first.click()
        page.wait_for_function(
            "([n]) => document.querySelectorAll('#chat .answer .copy-answer').length > n",
            arg=[before],
            timeout=TIMEOUT,
        )
        assert page.locator("#chat .answer-text a.cite").count() >= 1
        page.locator("#chat button.copy-answer").last.click()
        page.wait_for_function(
            "([copied]) => document.querySelector('#chat button.copy-answer').textContent"
            " === copied",
            arg=[said("copied", "fr")],
        )
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "examples-fr.png"), full_page=True)
    finally:
        context.close()
