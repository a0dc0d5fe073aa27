"""The browser app, served for real on localhost and called through gradio_client."""

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio_client
import pytest

from assistant import app as web
from assistant.answering import Answer, Citation
from assistant.api import Assistant
from assistant.documents import Source

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).parents[1] / "corpus"
KOREA_QUESTION = "How many experts will Korea and the US each appoint per category?"
UNANSWERABLE = "How many mRNA vaccine factories are being built in Africa?"
INJECTION = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def url(assistant: Assistant) -> Iterator[str]:
    demo = web.build_app(assistant)
    _, local_url, _ = demo.launch(
        prevent_thread_lock=True,
        server_name="127.0.0.1",
        server_port=free_port(),
        quiet=True,
        **web.launch_options(),
    )
    try:
        yield local_url
    finally:
        demo.close()


@pytest.fixture(scope="module")
def client(url: str) -> Any:
    return gradio_client.Client(url, verbose=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def korean_doc(assistant: Assistant) -> tuple[str, str]:
    """(doc_id, title) of the Korean press release."""
    for doc_id, meta in assistant.index.documents.items():
        if "Korea" in meta.get("title", ""):
            return doc_id, meta["title"]
    raise AssertionError("the corpus has no Korean press release")


def test_ask_answers_with_citations(client: Any) -> None:
    result = client.predict(KOREA_QUESTION, web.ALL_DOCUMENTS, api_name="/ask")
    assert result["refused"] is False
    assert "[1]" in result["answer"]
    assert any("15 experts" in c["passage"] for c in result["citations"])
    assert all(c["title"] for c in result["citations"])


def test_ask_refuses_what_the_documents_dont_say(client: Any) -> None:
    result = client.predict(UNANSWERABLE, web.ALL_DOCUMENTS, api_name="/ask")
    assert result["refused"] is True
    assert result["citations"] == []
    assert result["suggestions"]


def test_ask_filters_by_document_title(client: Any, assistant: Assistant) -> None:
    doc_id, title = korean_doc(assistant)
    question = "When was the first World Local Production Forum held?"
    result = client.predict(question, title, api_name="/ask")
    assert "error" not in result
    if result["refused"]:
        assert {s["doc_id"] for s in result["suggestions"]} <= {doc_id}
    else:
        assert {c["doc_id"] for c in result["citations"]} == {doc_id}


def test_ask_accepts_a_document_id(client: Any, assistant: Assistant) -> None:
    doc_id, _ = korean_doc(assistant)
    result = client.predict(KOREA_QUESTION, doc_id, api_name="/ask")
    assert result["refused"] is False
    assert {c["doc_id"] for c in result["citations"]} == {doc_id}


@pytest.mark.parametrize("question", ["", "   \n"])
def test_ask_reports_an_empty_question(client: Any, question: str) -> None:
    result = client.predict(question, web.ALL_DOCUMENTS, api_name="/ask")
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
    jobs = [client.submit(q, web.ALL_DOCUMENTS, api_name="/ask") for q in questions * 2]
    results = [job.result(timeout=60) for job in jobs]
    assert [r["question"] for r in results] == questions * 2
    assert [r["refused"] for r in results] == [False, True, False] * 2


def test_chat_shows_answer_then_sources(client: Any) -> None:
    cleared, history = client.predict(KOREA_QUESTION, [], web.ALL_DOCUMENTS, api_name="/chat")
    assert cleared == ""
    roles = [m["role"] for m in history]
    assert roles == ["user", "assistant", "assistant"]
    answer, sources = (text_of(m) for m in history[1:])
    assert "[1]" in answer
    assert history[2]["metadata"]["title"] == "Sources"
    assert "<mark>" in sources and "15 experts" in sources


def test_chat_keeps_the_conversation_and_escapes_the_question(client: Any) -> None:
    _, first = client.predict(KOREA_QUESTION, [], web.ALL_DOCUMENTS, api_name="/chat")
    _, second = client.predict(
        f"{INJECTION} {UNANSWERABLE}", first, web.ALL_DOCUMENTS, api_name="/chat"
    )
    assert len(second) == len(first) + 3
    question, refusal, suggestions = (text_of(m) for m in second[len(first) :])
    assert "<img" not in question and "&lt;img" in question
    assert "documents don't say" in refusal
    assert second[-1]["metadata"]["title"] == "You may be looking for"
    assert "<div class=" in suggestions


def test_chat_shows_errors_as_messages(client: Any) -> None:
    text, history = client.predict("  ", [], web.ALL_DOCUMENTS, api_name="/chat")
    assert text == "  "
    assert [m["role"] for m in history] == ["assistant"]
    assert "Please type a question." in text_of(history[0])
    assert "Traceback" not in text_of(history[0])


def test_chat_and_ask_are_named_endpoints(client: Any) -> None:
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(endpoints) == {"/chat", "/ask"}


def text_of(message: dict[str, Any]) -> str:
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content)


# Pure Python: the HTML the chat shows.


def citation(passage: str, sentence: str) -> Citation:
    start = passage.index(sentence)
    return Citation(
        number=1,
        chunk_id="c1",
        doc_id="d1",
        passage=passage,
        sentence_start=start,
        sentence_end=start + len(sentence),
        source=Source("d1.txt", "A <b>report</b>", "WHO & partners", licence="CC BY 3.0"),
        page=3,
    )


def test_sources_html_escapes_documents_and_marks_the_sentence() -> None:
    sentence = f"The hub {INJECTION} is led by the Minister."
    passage = f"Intro line.\n\n{sentence} After *that*."
    markup = web.sources_html([citation(passage, sentence)])
    assert "<img" not in markup and "<b>" not in markup
    assert f"<mark>The hub {INJECTION.replace('<', '&lt;').replace('>', '&gt;')}" in markup
    assert markup.count("<mark>") == 1
    assert "is led by the Minister.</mark> After *that*." in markup
    assert "[1]</strong> A &lt;b&gt;report&lt;/b&gt; — WHO &amp; partners, p. 3" in markup
    assert "Licence: CC BY 3.0" in markup
    assert "\n" not in markup  # one line: Markdown leaves it as raw HTML


def test_highlight_ignores_a_span_outside_the_passage() -> None:
    assert web.highlight("a < b", 3, 99) == "a &lt; b"
    assert web.highlight("a < b", 0, 1) == "<mark>a</mark> &lt; b"


def test_refusal_messages_list_the_closest_passages(assistant: Assistant) -> None:
    answer = assistant.ask(UNANSWERABLE)
    assert answer.refused
    messages = web.answer_messages(answer)
    assert [m.get("metadata", {}).get("title") for m in messages] == [
        None,
        "You may be looking for",
    ]
    assert "<mark>" not in messages[1]["content"]


def test_answer_text_is_escaped() -> None:
    answer = Answer("q", f"{INJECTION} [1]", [], refused=False)
    (message,) = web.answer_messages(answer)
    assert "<img" not in message["content"]
    assert "&lt;img src=x onerror=alert(1)&gt; [1]" in message["content"]


def test_document_choices_start_with_all(assistant: Assistant) -> None:
    choices = web.document_choices(assistant)
    assert choices[0] == (web.ALL_DOCUMENTS, web.ALL_DOCUMENTS)
    assert {value for _, value in choices[1:]} == set(assistant.index.documents)


def test_launch_options_fetch_no_web_fonts() -> None:
    theme = web.launch_options()["theme"]
    assert not theme._stylesheets  # no Google Fonts (or any other) stylesheet URLs
    assert "system-ui" in theme.font
