"""The delegates' browser app: ask a question, read the answer and the passages it quotes.

Gradio is imported only under interfaces/, so the rest of the library loads without it. The
app runs offline: no analytics, no web fonts, bound to 127.0.0.1 unless told otherwise.
Everything a question or a document contains is HTML-escaped before it reaches the page
(render.py). This module builds the page and wires its events (handlers.py); the chat's state
machine is assistant.chat.session; the look and the page's script are static/style.css and
static/page.js.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Gradio reads this when it is imported; no usage reports or version checks leave the machine.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from assistant.api import Assistant
from assistant.chat.feedback import FeedbackLog
from assistant.interfaces.web.choices import (
    ALL_DOCUMENTS,
    MODE_ANSWER,
    MODE_PASSAGES,
    Background,
    document_choices,
    example_questions,
    examples_for,
)
from assistant.interfaces.web.handlers import TITLE, Handlers, pick_example
from assistant.interfaces.web.i18n import I18N, as_text, t
from assistant.interfaces.web.texts import reader_language

# Retrieval only reads the index and each question costs ~0.2-0.4 s of CPU, so questions can
# run side by side: 8 lets a room of delegates ask without queueing behind one another while
# a 2-core laptop stays responsive. Gradio's default of 1 would queue every visitor behind the
# slowest question. The setting concurrency_limit (default 8) changes it; lower it for a
# local LLM, which uses both cores for one answer.
CONCURRENCY_ID = "questions"
STATIC = Path(__file__).resolve().parent / "static"  # declared as package data in pyproject
STATE_SESSIONS = 1000  # enough for a meeting's delegates; bounds memory to a few hundred MB


def static_text(name: str) -> str:
    """A file of the page's static/ folder (style.css, page.js), read from the package."""
    return (STATIC / name).read_text(encoding="utf-8")


def launch_options() -> dict[str, Any]:
    """Keyword arguments for Blocks.launch() that keep the page offline: system fonts only."""
    theme = gr.themes.Default(
        # Plain names are CSS font-family fallbacks: no @font-face, nothing is downloaded.
        font=["ui-sans-serif", "system-ui", "sans-serif"],
        font_mono=["ui-monospace", "Consolas", "monospace"],
    )
    return {
        "theme": theme,
        "css": static_text("style.css"),
        "js": static_text("page.js"),
        "footer_links": ["api", "settings"],  # Settings holds the language switch
        "i18n": I18N,
        "show_error": False,  # a user sees a sentence, never a stack trace
        # Gradio keeps every session's state (~0.4 MB for 20 turns) until 10,000 sessions by
        # default; API clients never close theirs. Past this many, the oldest is forgotten.
        "state_session_capacity": STATE_SESSIONS,
    }


def build_app(
    assistant: Assistant,
    feedback: FeedbackLog | None = None,
    examples: Sequence[str] | None = None,
    concurrency_limit: int | None = None,
) -> gr.Blocks:
    """The chat page plus the /chat, /ask and /search endpoints; launch with launch_options()."""
    settings = assistant.settings
    feedback = feedback or FeedbackLog(settings.app.feedback_path)
    limit = concurrency_limit or settings.app.concurrency_limit
    # Checking the examples takes a few questions' time: do it while the server starts.
    background = (
        None if examples is not None else Background(example_questions, assistant, empty={})
    )
    export_dir = Path(tempfile.mkdtemp(prefix="assistant-export-"))
    handlers = Handlers(assistant, feedback, export_dir)
    # One budget for every question, whichever way it comes: the page, /chat, /ask, /search.
    questions: dict[str, Any] = {"concurrency_limit": limit, "concurrency_id": CONCURRENCY_ID}
    private: dict[str, Any] = {"api_visibility": "private"}

    with gr.Blocks(
        title=TITLE,
        analytics_enabled=False,
        delete_cache=(3600, 86400),  # exported conversations are kept a day
    ) as app:
        page = _layout(assistant, examples or [])
        # This browser session's ChatSession (its turns, a question waiting for its subject),
        # made on its first message.
        session = gr.State(None)
        pending = gr.State(None)  # the rating a comment would go with

        asked = gr.on(
            triggers=[page.question.submit, page.send.click],
            fn=handlers.respond,
            inputs=[page.question, page.document, page.mode, session],
            outputs=[page.question, page.chatbot, session],
            api_name="chat",
            **questions,
        )
        asked.then(handlers.export, [session], [page.download], **private)
        picked = page.chatbot.example_select(pick_example, None, [page.question], **private)
        picked.then(
            handlers.respond,
            [page.question, page.document, page.mode, session],
            [page.question, page.chatbot, session],
            **private,
            **questions,
        ).then(handlers.export, [session], [page.download], **private)
        page.chatbot.like(
            handlers.rate, [session], [page.feedback_row, page.note, pending], **private
        )
        gr.on(
            triggers=[page.send_comment.click, page.comment.submit],
            fn=handlers.comment_on,
            inputs=[page.comment, pending, session],
            outputs=[page.comment, page.feedback_row, page.note, pending],
            **private,
        )
        # "New conversation" and the chat's own bin icon: the session's turns go with the view.
        gr.on(
            triggers=[page.clear.click, page.chatbot.clear],
            fn=handlers.new_conversation,
            inputs=[session],
            outputs=[page.chatbot, session, page.download],
            **private,
        )
        gr.api(handlers.ask, api_name="ask", **questions)
        gr.api(handlers.search, api_name="search", **questions)
        if background is not None:

            def show_examples(request: gr.Request) -> Any:
                # In the browser's language when the documents answer them in it. The switch
                # under Settings changes the labels, not examples already shown.
                language = reader_language(request.headers.get("accept-language", ""))
                examples = examples_for(background.result(timeout=30), language)
                return gr.update(examples=example_messages(examples))

            app.load(show_examples, None, [page.chatbot], **private)
    # Short events (ratings, exports) get their own small budgets rather than Gradio's 1.
    app.queue(default_concurrency_limit=limit)
    return app


def serve(
    assistant: Assistant,
    host: str = "127.0.0.1",
    port: int = 7860,
    share: bool = False,
    auth: list[tuple[str, str]] | None = None,
    **launch_kwargs: Any,
) -> gr.Blocks:
    """Build the app and serve it; blocks until stopped unless prevent_thread_lock=True."""
    app = build_app(assistant)
    options = {**launch_options(), **launch_kwargs}
    if auth:
        options["auth"] = auth
        options.setdefault("auth_message", "Sign in with the account the organisers gave you.")
    app.launch(server_name=host, server_port=port, share=share, **options)
    return app


def example_messages(questions: Sequence[str]) -> list[Any] | None:
    """Example questions as the Chatbot's examples (None hides them)."""
    return [{"text": q} for q in questions] or None


@dataclass(frozen=True)
class _Page:
    """The components the events read and write."""

    mode: gr.Radio
    document: gr.Dropdown
    chatbot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    note: gr.Markdown
    feedback_row: gr.Row
    comment: gr.Textbox
    send_comment: gr.Button
    clear: gr.Button
    download: gr.DownloadButton


def _layout(assistant: Assistant, examples: Sequence[str]) -> _Page:
    """The page's components, top to bottom, inside the Blocks being built."""
    gr.Markdown(t("intro"))
    with gr.Row(equal_height=True):
        mode = gr.Radio(
            choices=[(t("mode_answer"), MODE_ANSWER), (t("mode_passages"), MODE_PASSAGES)],
            value=MODE_ANSWER,
            label=t("mode"),
            info=t("mode_info"),
            elem_id="mode",
            scale=1,
            min_width=200,
        )
        document = gr.Dropdown(
            choices=[(t("all_documents"), ALL_DOCUMENTS), *document_choices(assistant)[1:]],
            value=ALL_DOCUMENTS,
            label=t("search_in"),
            interactive=True,
            elem_id="document",
            scale=1,
            min_width=200,
        )
    chatbot = gr.Chatbot(
        label=t("conversation"),
        elem_id="chat",
        height="62vh",
        min_height=320,
        # No per-message copy icon: it copies a message's HTML. Each answer has its own
        # "Copy answer with sources" button (plain text); no "share": it posts to Hugging Face.
        buttons=[],
        autoscroll=False,  # the page scrolls to each new question instead (page.js)
        latex_delimiters=[],  # "$" in documents is money, not maths
        placeholder=as_text(t("empty_chat")),
        examples=example_messages(examples),
        feedback_options=("Like", "Dislike"),
    )
    with gr.Row(equal_height=True):
        question = gr.Textbox(
            label=t("question"),
            placeholder=t("question_placeholder"),
            show_label=False,
            lines=1,
            max_lines=4,
            scale=5,
            min_width=160,
            autofocus=True,
            elem_id="question",
        )
        send = gr.Button(t("send"), variant="primary", scale=1, min_width=72, elem_id="send")
    note = gr.Markdown(elem_id="feedback-note")
    with gr.Row(visible=False, elem_id="feedback") as feedback_row:
        comment = gr.Textbox(
            label=t("comment"),
            placeholder=t("comment_placeholder"),
            lines=1,
            scale=4,
            elem_id="feedback-comment",
        )
        send_comment = gr.Button(t("send_comment"), scale=1, min_width=100)
    with gr.Row():
        clear = gr.Button(t("new_conversation"), size="sm", elem_id="new")
        download = gr.DownloadButton(
            as_text(t("download")),
            value=None,
            interactive=False,
            size="sm",
            elem_id="download",
        )
    gr.Markdown(t("help"), elem_id="help")
    return _Page(
        mode=mode,
        document=document,
        chatbot=chatbot,
        question=question,
        send=send,
        note=note,
        feedback_row=feedback_row,
        comment=comment,
        send_comment=send_comment,
        clear=clear,
        download=download,
    )
