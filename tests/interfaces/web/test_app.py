"""The browser app, served for real on localhost and called through gradio_client."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import gradio_client
import httpx
import pytest

from assistant.answer.types import Answer, Citation
from assistant.api import Assistant
from assistant.chat.conversation import PASSAGES, Turn
from assistant.chat.session import COURTESY_REPLY
from assistant.errors import AssistantError
from assistant.ingest.documents import Source
from assistant.interfaces import access
from assistant.interfaces.web import app as web
from assistant.interfaces.web import handlers, render
from assistant.interfaces.web.choices import (
    ALL_DOCUMENTS,
    document_choices,
    example_questions,
    examples_for,
)
from assistant.interfaces.web.texts import LANGUAGES, said
from assistant.settings import load_settings
from bench.load import text_of

if TYPE_CHECKING:
    from tests._app_fixtures import Server

pytest_plugins = ["tests._app_fixtures"]

pytestmark = pytest.mark.slow

KOREA_QUESTION = "How many experts will Korea and the US each appoint per category?"
TASK_FORCE = "What is the Global Vaccine Production Hub Task Force?"
UNANSWERABLE = "How many mRNA vaccine factories are being built in Africa?"
INJECTION = "<img src=x onerror=alert(1)>"


@pytest.fixture
def client(app_server: Server) -> Any:
    """A new gradio_client session: its own conversation state on the server."""
    return gradio_client.Client(app_server.url, verbose=False)


def korean_doc(assistant: Assistant) -> tuple[str, str]:
    """(doc_id, title) of the Korean press release."""
    for doc_id, meta in assistant.index.documents.items():
        if "Korea" in meta.get("title", ""):
            return doc_id, meta["title"]
    raise AssertionError("the corpus has no Korean press release")


def chat(client: Any, question: str, document: str = ALL_DOCUMENTS, mode: str = "Answer"):
    """One /chat call: (text left in the box, the whole conversation as messages)."""
    return client.predict(question, document, mode, api_name="/chat")


# /ask: the JSON endpoint.


def test_ask_answers_with_citations(client: Any) -> None:
    result = client.predict(KOREA_QUESTION, ALL_DOCUMENTS, api_name="/ask")
    assert result["refused"] is False
    assert "[1]" in result["answer"]
    assert any("15 experts" in c["passage"] for c in result["citations"])
    assert all(c["title"] for c in result["citations"])


def test_ask_refuses_what_the_documents_dont_say(client: Any) -> None:
    result = client.predict(UNANSWERABLE, ALL_DOCUMENTS, api_name="/ask")
    assert result["refused"] is True
    assert result["citations"] == []
    assert result["suggestions"]


def test_ask_filters_by_document_title_and_id(client: Any, app_server: Server) -> None:
    doc_id, title = korean_doc(app_server.assistant)
    question = "When was the first World Local Production Forum held?"
    result = client.predict(question, title, api_name="/ask")
    assert "error" not in result
    if result["refused"]:
        assert {s["doc_id"] for s in result["suggestions"]} <= {doc_id}
    else:
        assert {c["doc_id"] for c in result["citations"]} == {doc_id}
    by_id = client.predict(KOREA_QUESTION, doc_id, api_name="/ask")
    assert by_id["refused"] is False
    assert {c["doc_id"] for c in by_id["citations"]} == {doc_id}


@pytest.mark.parametrize("question", ["", "   \n"])
def test_ask_reports_an_empty_question(client: Any, question: str) -> None:
    result = client.predict(question, ALL_DOCUMENTS, api_name="/ask")
    assert result["error"] == "Please type a question."


def test_ask_reports_an_unknown_document(client: Any) -> None:
    result = client.predict(KOREA_QUESTION, "No such report", api_name="/ask")
    assert "Unknown document" in result["error"]


def test_ask_answers_several_questions_at_once(client: Any) -> None:
    questions = [
        KOREA_QUESTION,
        UNANSWERABLE,
        "When was the first World Local Production Forum held?",
    ]
    jobs = [client.submit(q, ALL_DOCUMENTS, api_name="/ask") for q in questions * 2]
    results = [job.result(timeout=60) for job in jobs]
    assert [r["question"] for r in results] == questions * 2
    assert [r["refused"] for r in results] == [False, True, False] * 2


def test_search_endpoint_ranks_passages(client: Any, app_server: Server) -> None:
    doc_id, title = korean_doc(app_server.assistant)
    result = client.predict("vaccine hub task force", title, 3, api_name="/search")
    assert 1 <= len(result["passages"]) <= 3
    assert {p["doc_id"] for p in result["passages"]} == {doc_id}


def test_named_endpoints_are_pinned(client: Any) -> None:
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(endpoints) == {"/chat", "/ask", "/search"}


# /chat: what the page shows, one conversation per session.


def test_chat_streams_the_answer_then_shows_sources(client: Any) -> None:
    job = client.submit(KOREA_QUESTION, ALL_DOCUMENTS, "Answer", api_name="/chat")
    cleared, history = job.result(timeout=60)
    steps = [out[1] for out in job.outputs()]
    assert len(steps) >= 3  # "searching", then the text in pieces, then with its sources
    assert said("searching", "en") in text_of(steps[0][-1])
    assert cleared == ""
    assert [m["role"] for m in history] == ["user", "assistant", "assistant"]
    answer, sources = (text_of(m) for m in history[1:])
    assert '<a class="cite" href="#src-1-1"' in answer
    assert 'id="src-1-1"' in sources
    assert "<mark>" in sources and "15 experts" in sources


def test_follow_up_uses_the_previous_question(client: Any) -> None:
    chat(client, TASK_FORCE)
    _, history = chat(client, "and who leads it?")
    answer = text_of(history[-2])
    assert "Understood as: “Who leads the Global Vaccine Production Hub Task Force?”" in answer
    # The leader: "the Minister of Health and Welfare" or "Minister Kwon ... of the Ministry ...".
    assert "Minister" in answer and "Health and Welfare" in answer


def test_thanks_and_a_second_empty_send_ask_nothing(client: Any) -> None:
    _, first = chat(client, TASK_FORCE)
    text, history = chat(client, "ok thanks!")
    assert text == "" and COURTESY_REPLY in text_of(history[-1])
    assert "ok thanks!" in text_of(history[-2])  # shown as said, then the short reply
    assert history[:-2] == first  # nothing asked again
    _, before = chat(client, "and who leads it?")
    _, after = chat(client, "")  # Send clicked again after the box was emptied
    assert [text_of(m) for m in after] == [text_of(m) for m in before]


def test_sessions_do_not_share_a_conversation(app_server: Server) -> None:
    first = gradio_client.Client(app_server.url, verbose=False)
    second = gradio_client.Client(app_server.url, verbose=False)
    chat(first, TASK_FORCE)
    _, history = chat(second, "and who leads it?")
    # The second session has nothing "it" could be: it is asked, not guessed.
    assert "What does “it” refer to?" in text_of(history[-1])
    assert "Understood as" not in "".join(text_of(m) for m in history)
    _, mine = chat(first, "When was it launched?")
    assert len(mine) >= 4  # the first session still has its own first turn


def test_refusal_in_chat_lists_closest_passages_and_escapes_the_question(client: Any) -> None:
    _, history = chat(client, f"{INJECTION} {UNANSWERABLE}")
    question, refusal, suggestions = (text_of(m) for m in history[-3:])
    assert "<img" not in question and "&lt;img" in question
    assert "documents don't say" in refusal
    assert "You may be looking for" in suggestions
    # Each passage listed marks the sentence closest to the question.
    assert suggestions.count("<mark>") == suggestions.count('<div class="source">') >= 1


def test_find_passages_mode_and_filter(client: Any, app_server: Server) -> None:
    doc_id, title = korean_doc(app_server.assistant)
    _, history = chat(client, "task force", doc_id, "Find passages")
    passages = text_of(history[-1])
    assert passages.count('class="source passage-hit"') >= 1
    assert title.split(":")[0] in passages
    assert "World Local Production Forum:" not in passages


def test_chat_shows_errors_as_messages(client: Any) -> None:
    text, history = chat(client, "  ")
    assert text == "  "
    assert [m["role"] for m in history] == ["assistant"]
    assert "Please type a question." in text_of(history[0])
    assert "Traceback" not in text_of(history[0])


def test_files_outside_the_app_are_not_served(app_server: Server) -> None:
    base = app_server.url.rstrip("/")
    for path in (
        "/gradio_api/file=../../../../etc/passwd",
        "/gradio_api/file=/etc/passwd",
        "/gradio_api/file=%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/file=/etc/passwd",
        "/file=../../../../etc/passwd",
        f"/gradio_api/file={app_server.assistant.settings.corpus_dir.resolve()}/sources.toml",
    ):
        response = httpx.get(base + path, timeout=10)
        assert response.status_code in {403, 404, 405}, path
        assert "root:" not in response.text


# Pure Python: the HTML the chat shows, logins, warnings.


def citation(passage: str, sentence: str) -> Citation:
    start = passage.index(sentence)
    return Citation(
        number=1,
        chunk_id="c1",
        doc_id="d1",
        passage=passage,
        sentence_start=start,
        sentence_end=start + len(sentence),
        source=Source(
            "d1.txt",
            "A <b>report</b>",
            "WHO & partners",
            licence="CC BY 3.0",
            licence_text="© WHO. <i>Some</i> rights reserved.",
        ),
        page=3,
    )


def test_sources_html_escapes_documents_and_marks_the_sentence() -> None:
    sentence = f"The hub {INJECTION} is led by the Minister."
    passage = f"Intro line.\n\n{sentence} After *that*."
    markup = render.sources_html([citation(passage, sentence)], number=4)
    assert "<img" not in markup and "<b>" not in markup and "<i>" not in markup
    assert f"<mark>The hub {INJECTION.replace('<', '&lt;').replace('>', '&gt;')}" in markup
    assert markup.count("<mark>") == 1
    assert "is led by the Minister.</mark> After *that*." in markup
    assert "[1]</strong> A &lt;b&gt;report&lt;/b&gt; — WHO &amp; partners, p. 3" in markup
    assert "Licence: CC BY 3.0. © WHO. &lt;i&gt;Some&lt;/i&gt; rights reserved." in markup
    assert 'id="src-4-1"' in markup
    assert "\n" not in markup  # one line: Markdown leaves it as raw HTML


def test_markers_link_only_to_known_sources() -> None:
    linked = render.link_markers(f"{INJECTION} First [1]. Second [2]. Not a source [7].", 3, {1, 2})
    assert '<a class="cite" href="#src-3-1" title="Show source 1">[1]</a>' in linked
    assert 'href="#src-3-2"' in linked
    assert "[7]" in linked and "src-3-7" not in linked
    assert "<img" not in linked


def test_highlight_ignores_a_span_outside_the_passage() -> None:
    assert render.highlight("a < b", (3, 99)) == "a &lt; b"
    assert render.highlight("a < b", (0, 1)) == "<mark>a</mark> &lt; b"
    assert render.highlight("a < b", (4, 5), (0, 1)) == "<mark>a</mark> &lt; <mark>b</mark>"


def test_turns_render_and_ratings_find_their_turn(assistant: Assistant) -> None:
    answered = Turn("Q1", "Q1", answer=assistant.ask(KOREA_QUESTION))
    refused = Turn("Q2", "Q2", answer=assistant.ask(UNANSWERABLE))
    found = Turn("Q3", "Q3", mode=PASSAGES, hits=assistant.search("task force", 2))
    turns = [answered, refused, found]
    messages = render.render(turns)
    assert len(messages) == 3 + 3 + 2
    assert "You may be looking for" in messages[5]["content"]
    assert [render.owner_of(turns, i) for i in range(len(messages))] == [0] * 3 + [1] * 3 + [2] * 2
    assert render.owner_of(turns, len(messages)) is None
    record = handlers.feedback_record(assistant, refused, "down", "no answer")
    assert record.refused is True and record.comment == "no answer"
    assert record.index_version == assistant.index.version


def test_the_labels_around_an_answer_speak_its_questions_language(assistant: Assistant) -> None:
    asked = assistant.ask(KOREA_QUESTION)
    assert asked.language == "en" and asked.to_dict()["language"] == "en"
    english = render.turn_messages(Turn("Q", "Q", answer=asked), 1)
    french = render.turn_messages(Turn("Q", "Q", answer=replace(asked, language="fr")), 1)
    assert "Copy answer with sources" in english[1]["content"]
    assert ">Sources<" in english[2]["content"]
    assert said("copy_answer", "fr") in french[1]["content"]
    assert "Copy answer with sources" not in french[1]["content"]
    # What the button says once it has copied (page.js shows it), in the same language.
    assert f'<span class="copied-note">{said("copied", "fr")}</span>' in french[1]["content"]
    # The quoted text and the sources' passages are the documents', in every language.
    assert english[2]["content"].split("</p>", 1)[1] == french[2]["content"].split("</p>", 1)[1]
    # A question the documents cannot answer, asked in French: the refusal and its label too.
    refused = assistant.ask("Quelle est la recette de la tarte Tatin ?")
    assert refused.refused and refused.language == "fr"
    if refused.suggestions:
        shown = render.turn_messages(Turn("Q", "Q", answer=refused), 1)
        assert said("suggested", "fr") in shown[2]["content"]
    assert said("suggested", "ar") == "ربما تبحث عن" and said("suggested", "xx") == said(
        "suggested", "en"
    )


def test_answer_text_is_escaped() -> None:
    turn = Turn("q", "q", answer=Answer("q", f"{INJECTION} [1]", [], refused=False))
    message = render.turn_messages(turn, 1)[1]
    assert "<img" not in message["content"]
    assert "&lt;img src=x onerror=alert(1)&gt; [1]" in message["content"]


def test_example_questions_are_answered_by_the_documents(
    assistant: Assistant, english_only: Assistant
) -> None:
    examples = example_questions(assistant)
    assert 1 <= len(examples["en"]) <= 4
    assert not any(assistant.ask(q).refused for q in examples["en"])
    # Without multilingual vectors, examples in other languages would only be told to ask in
    # English: English ones alone are offered, to every reader.
    examples = example_questions(english_only)
    assert list(examples) == ["en"]
    assert not any(english_only.ask(q).refused for q in examples["en"])
    assert examples_for(examples, "fr") == examples["en"]


@pytest.mark.slow
def test_example_questions_are_offered_in_the_readers_language(multilingual: Assistant) -> None:
    examples = example_questions(multilingual)
    assert set(examples) == set(LANGUAGES)
    for language in LANGUAGES:
        assert examples[language], language
        assert examples_for(examples, language) == examples[language]
        for question in examples[language]:
            answer = multilingual.ask(question)
            assert answer.language == language and not answer.refused, question


def test_document_choices_start_with_all(assistant: Assistant) -> None:
    choices = document_choices(assistant)
    assert choices[0] == (ALL_DOCUMENTS, ALL_DOCUMENTS)
    assert {value for _, value in choices[1:]} == set(assistant.index.documents)


def test_launch_options_fetch_no_web_fonts() -> None:
    options = web.launch_options()
    assert not options["theme"]._stylesheets  # no Google Fonts (or any other) stylesheet URLs
    assert "system-ui" in options["theme"].font
    assert "gradio" not in options["footer_links"]


def test_public_host_without_login_warns() -> None:
    assert access.exposure_warning("127.0.0.1", None) is None
    assert access.exposure_warning("0.0.0.0", [("a", "b")]) is None
    warning = access.exposure_warning("0.0.0.0", None)
    assert warning is not None and "without a login" in warning


def test_logins_come_from_env_or_file(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_APP_USERNAME", "chair")
    monkeypatch.setenv("ASSISTANT_APP_PASSWORD", "s3cret: with colon")
    logins = tmp_path / "logins.txt"
    logins.write_text("# delegates\n\nada:pw1\n", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_AUTH_FILE", str(logins))
    assert access.load_auth(load_settings()) == [("chair", "s3cret: with colon"), ("ada", "pw1")]

    monkeypatch.delenv("ASSISTANT_APP_PASSWORD")
    with pytest.raises(AssistantError, match="both"):
        access.load_auth(load_settings())
    monkeypatch.delenv("ASSISTANT_APP_USERNAME")
    logins.write_text("no separator here\n", encoding="utf-8")
    with pytest.raises(AssistantError, match="line 1: expected username:password"):
        access.load_auth(load_settings())
    monkeypatch.setenv("ASSISTANT_AUTH_FILE", str(tmp_path / "missing.txt"))
    with pytest.raises(AssistantError, match="Could not read the login file"):
        access.load_auth(load_settings())
    monkeypatch.delenv("ASSISTANT_AUTH_FILE")
    assert access.load_auth(load_settings()) is None


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("x" * 100_000, "The question is too long (100,000 characters"),
        ("\x00\x07\x1b", "Please type a question."),
    ],
)
def test_chat_explains_unusable_questions(client: Any, question: str, expected: str) -> None:
    text, history = chat(client, question)
    assert text == question  # left in the box to be corrected
    assert expected in text_of(history[-1])


def test_chat_takes_emoji_and_other_languages(client: Any) -> None:
    _, history = chat(client, "¿Quién dirige el grupo de trabajo? 💉 ワクチン")
    assert [m["role"] for m in history][:1] == ["user"]
    assert "💉 ワクチン" in text_of(history[0])
    assert "Traceback" not in "".join(text_of(m) for m in history)
