"""The delegates' browser app: ask a question, read the answer and the passages it quotes.

Gradio is imported here only, so the rest of the library loads without it. The app runs
offline: no analytics, no web fonts, bound to 127.0.0.1 unless told otherwise.
"""

import html
import logging
import os
from collections.abc import Sequence
from typing import Any

# Gradio reads this when it is imported; no usage reports or version checks leave the machine.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from assistant.answering import Answer, Citation
from assistant.api import Assistant
from assistant.errors import AssistantError
from assistant.retrieval import Hit

log = logging.getLogger(__name__)

ALL_DOCUMENTS = "All documents"
EXAMPLES = [
    "Who leads Korea's Global Vaccine Production Hub Task Force?",
    "When was the first World Local Production Forum held?",
    "What does local and regional manufacturing refer to?",
    "Why enhance local and regional manufacturing?",
]
# Retrieval only reads the index (the embedder serialises its own model calls), so several
# questions can be answered at once; 8 keeps a laptop responsive while a room of delegates
# asks. Gradio's default is 1, which would queue every visitor behind the slowest question.
CONCURRENCY_LIMIT = 8
CONCURRENCY_ID = "assistant"
UNEXPECTED_ERROR = (
    "Sorry, something went wrong while answering. Please try again; "
    "if it keeps happening, the details are in the server log."
)
CSS = """
.passage mark { background: #fde68a; color: inherit; padding: 0 0.1em; }
.dark .passage mark { background: #854d0e; }
.passage { margin: 0.25em 0 0.75em; padding-left: 0.75em; border-left: 3px solid #d4d4d8; }
"""


def launch_options() -> dict[str, Any]:
    """Keyword arguments for Blocks.launch() that keep the page offline: system fonts only."""
    theme = gr.themes.Default(
        # Plain names are CSS font-family fallbacks: no @font-face, nothing is downloaded.
        font=["ui-sans-serif", "system-ui", "sans-serif"],
        font_mono=["ui-monospace", "Consolas", "monospace"],
    )
    return {"theme": theme, "css": CSS}


def build_app(assistant: Assistant) -> gr.Blocks:
    """The chat page plus the /ask JSON endpoint; launch it with launch_options()."""
    choices = document_choices(assistant)

    def chat(
        message: str, history: list[dict[str, Any]], document: str
    ) -> tuple[str, list[dict[str, Any]]]:
        # The history comes from this browser session's Chatbot, so sessions never mix.
        history = list(history or [])
        try:
            answer = assistant.ask(message, resolve_documents(assistant, document))
        except AssistantError as exc:
            history.append({"role": "assistant", "content": _block("notice", f"⚠️ {exc}")})
            return message, history  # keep the text so it can be corrected
        except Exception:
            log.exception("Answering %r failed", message)
            history.append({"role": "assistant", "content": _block("notice", UNEXPECTED_ERROR)})
            return message, history
        history.append({"role": "user", "content": _block("question", message.strip())})
        history.extend(answer_messages(answer))
        return "", history

    def ask(question: str, document: str = ALL_DOCUMENTS) -> dict[str, Any]:
        """Answer a question as JSON (Answer.to_dict()), or {"error": message} if it can't be asked.

        document is "All documents", a document title or a document id.
        """
        try:
            return assistant.ask(question, resolve_documents(assistant, document)).to_dict()
        except AssistantError as exc:
            return {"error": str(exc), "question": question}
        except Exception:
            log.exception("Answering %r failed", question)
            return {"error": UNEXPECTED_ERROR, "question": question}

    with gr.Blocks(title="Local production assistant", analytics_enabled=False) as app:
        gr.Markdown(
            "# Local production of medicines: cited answers\n"
            "Answers are quoted from the documents in this collection, each sentence with "
            "its source; when the documents don't say, the assistant says so."
        )
        chatbot = gr.Chatbot(
            label="Conversation",
            height=520,
            buttons=["copy", "copy_all"],  # no "share": it posts to Hugging Face
            feedback_options=None,
            latex_delimiters=[],  # "$" in documents is money, not maths
            placeholder="Ask a question below, or pick an example.",
        )
        with gr.Row():
            question = gr.Textbox(
                label="Question",
                placeholder="Type a question and press Enter",
                show_label=False,
                lines=1,
                scale=5,
                autofocus=True,
            )
            send = gr.Button("Send", variant="primary", scale=1, min_width=80)
        document = gr.Dropdown(
            choices=choices,
            value=ALL_DOCUMENTS,
            label="Search in",
            interactive=True,
        )
        gr.Examples(examples=[[q] for q in EXAMPLES], inputs=[question], label="Examples")

        gr.on(
            triggers=[question.submit, send.click],
            fn=chat,
            inputs=[question, chatbot, document],
            outputs=[question, chatbot],
            api_name="chat",
            concurrency_limit=CONCURRENCY_LIMIT,
            concurrency_id=CONCURRENCY_ID,  # shared with /ask: one budget for all questions
        )
        gr.api(
            ask,
            api_name="ask",
            concurrency_limit=CONCURRENCY_LIMIT,
            concurrency_id=CONCURRENCY_ID,
        )
    return app


def serve(
    assistant: Assistant,
    host: str = "127.0.0.1",
    port: int = 7860,
    share: bool = False,
    **launch_kwargs: Any,
) -> gr.Blocks:
    """Build the app and serve it; blocks until stopped unless prevent_thread_lock=True."""
    app = build_app(assistant)
    options = {**launch_options(), **launch_kwargs}
    app.launch(server_name=host, server_port=port, share=share, **options)
    return app


def document_choices(assistant: Assistant) -> list[tuple[str, str]]:
    """Dropdown choices as (label, value): all documents, then each document by title."""
    docs = sorted(
        assistant.index.documents.items(), key=lambda item: item[1].get("title") or item[0]
    )
    return [(ALL_DOCUMENTS, ALL_DOCUMENTS)] + [
        (meta.get("title") or doc_id, doc_id) for doc_id, meta in docs
    ]


def resolve_documents(assistant: Assistant, document: str | None) -> list[str] | None:
    """The doc ids a choice means: None for all, else the id or every document with that title."""
    choice = (document or "").strip()
    if not choice or choice == ALL_DOCUMENTS:
        return None
    documents = assistant.index.documents
    if choice in documents:
        return [choice]
    by_title = [d for d, meta in documents.items() if meta.get("title") == choice]
    if by_title:
        return by_title
    raise AssistantError(
        f"Unknown document: {choice}. Choose {ALL_DOCUMENTS!r} or one of the listed titles."
    )


def answer_messages(answer: Answer) -> list[dict[str, Any]]:
    """Chat messages for an answer: the text, then its sources (or the closest passages)."""
    messages: list[dict[str, Any]] = [
        {"role": "assistant", "content": _block("answer", answer.text)}
    ]
    if answer.refused:
        if answer.hits:
            messages.append(
                {
                    "role": "assistant",
                    "content": suggestions_html(answer.hits[:3]),
                    "metadata": {"title": "You may be looking for"},
                }
            )
    elif answer.citations:
        messages.append(
            {
                "role": "assistant",
                "content": sources_html(answer.citations),
                "metadata": {"title": "Sources"},
            }
        )
    return messages


def sources_html(citations: Sequence[Citation]) -> str:
    """Each citation: [n] title — publisher, location, licence; the passage, sentence marked."""
    parts = []
    for c in citations:
        details = [c.source.publisher, c.location]
        if c.source.licence:
            details.append(f"Licence: {c.source.licence}")
        heading = f"<strong>[{c.number}]</strong> " + _escape(c.source.title or c.doc_id)
        if any(details):
            heading += " — " + ", ".join(_escape(d) for d in details if d)
        passage = highlight(c.passage, c.sentence_start, c.sentence_end)
        parts.append(f'<p class="source">{heading}</p><div class="passage">{passage}</div>')
    return _one_line(f'<div class="sources">{"".join(parts)}</div>')


def suggestions_html(hits: Sequence[Hit]) -> str:
    """The closest passages for a refused question: title, location and text, all escaped."""
    parts = []
    for hit in hits:
        chunk = hit.chunk
        where = chunk.location
        heading = _escape(chunk.title or chunk.doc_id)
        if where:
            heading += " — " + _escape(where)
        parts.append(
            f'<p class="source">{heading}</p><div class="passage">{_escape(chunk.text)}</div>'
        )
    return _one_line(f'<div class="sources">{"".join(parts)}</div>')


def highlight(passage: str, start: int, end: int) -> str:
    """The passage as safe HTML with passage[start:end] wrapped in <mark>."""
    if not 0 <= start < end <= len(passage):
        return _escape(passage)
    return (
        _escape(passage[:start])
        + "<mark>"
        + _escape(passage[start:end])
        + "</mark>"
        + _escape(passage[end:])
    )


def _escape(text: str) -> str:
    # Text only ever goes between tags, never into attributes, so quotes can stay as typed.
    # Line breaks become <br> so the HTML stays on one line (see _one_line).
    escaped = html.escape(text, quote=False).replace("\r\n", "\n").replace("\r", "\n")
    return escaped.replace("\n", "<br>")


def _block(kind: str, text: str) -> str:
    return _one_line(f'<div class="{kind}">{_escape(text.strip())}</div>')


def _one_line(markup: str) -> str:
    # The Chatbot renders Markdown. A <div> block on a single line is raw HTML to Markdown, so
    # document text ("*", "#", "1.", "[x](y)") is shown as written, never reinterpreted.
    return markup.replace("\n", " ")
