"""The delegates' browser app: ask a question, read the answer and the passages it quotes.

Gradio is imported here only, so the rest of the library loads without it. The app runs
offline: no analytics, no web fonts, bound to 127.0.0.1 unless told otherwise. Everything a
question or a document contains is HTML-escaped before it reaches the page.
"""

from __future__ import annotations

import html
import logging
import os
import re
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

# Gradio reads this when it is imported; no usage reports or version checks leave the machine.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from assistant.answer.types import Answer, Citation
from assistant.api import Assistant
from assistant.chat.conversation import (
    ANSWER,
    PASSAGES,
    Rewrite,
    Turn,
    standalone_question,
    supply_subject,
)
from assistant.chat.export import answer_text, conversation_markdown
from assistant.chat.feedback import Feedback, FeedbackLog
from assistant.chat.streaming import stream_answer
from assistant.errors import AssistantError
from assistant.retrieval.hits import Hit

log = logging.getLogger(__name__)

ALL_DOCUMENTS = "All documents"
MODE_ANSWER = "Answer"
MODE_PASSAGES = "Find passages"
MODES = {MODE_ANSWER: ANSWER, MODE_PASSAGES: PASSAGES}
# Written for this corpus and checked against the index at start-up: only those the
# documents answer are offered, topped up with questions made from section headings.
EXAMPLES = [
    "Who leads Korea's Global Vaccine Production Hub Task Force?",
    "When was the first World Local Production Forum held?",
    "What does local and regional manufacturing refer to?",
    "Which country will host the next World Local Production Forum?",
]
# Retrieval only reads the index and each question costs ~0.2-0.4 s of CPU, so questions can
# run side by side: 8 lets a room of delegates ask without queueing behind one another while
# a 2-core laptop stays responsive. Gradio's default of 1 would queue every visitor behind the
# slowest question. The setting concurrency_limit (default 8) changes it; lower it for a
# local LLM, which uses both cores for one answer.
CONCURRENCY_ID = "questions"
COURTESY_REPLY = "Ask another question about the documents whenever you like."
UNEXPECTED_ERROR = (
    "Sorry, something went wrong while answering. Please try again; "
    "if it keeps happening, the details are in the server log."
)
SEARCHING = "Searching the documents…"
COPY_LABEL = "Copy answer with sources"
_MARKER = re.compile(r"\[(\d{1,3})\]")

CSS = """
.answer-text a.cite { font-weight: 600; text-decoration: none; padding: 0 0.1em;
  color: var(--link-text-color, #2563eb); cursor: pointer; }
.sources { font-size: 0.92em; }
.sources-title { font-weight: 600; margin: 0 0 0.4em; }
.answer-text a.cite:hover, .answer-text a.cite:focus { text-decoration: underline; }
.passage mark { background: #fde68a; color: inherit; padding: 0 0.1em; }
.dark .passage mark { background: #854d0e; }
.passage { margin: 0.25em 0 0.5em; padding-left: 0.75em; border-left: 3px solid #d4d4d8; }
.source { margin-bottom: 0.9em; border-radius: 4px; transition: background-color 0.4s; }
.source.flash { background: #dbeafe; }
.dark .source.flash { background: #1e3a8a; }
.licence { font-size: 0.85em; opacity: 0.85; margin: 0.2em 0 0; }
.rewrite { font-size: 0.9em; font-style: italic; margin-bottom: 0.4em; opacity: 0.85; }
.copytext { display: none; }
button.copy-answer { margin-top: 0.6em; font-size: 0.85em; padding: 0.15em 0.6em;
  border: 1px solid #a1a1aa; border-radius: 4px; background: transparent; cursor: pointer; }
.notice { font-style: italic; }
@media (max-width: 640px) {
  .gradio-container { padding-left: 4px !important; padding-right: 4px !important; }
  .source, .passage { overflow-wrap: anywhere; }
}
"""

# Markers jump to their source; the copy button copies a hidden plain-text version. One
# delegated listener, because the chat's HTML is sanitised (no inline handlers survive).
JS = (
    """
() => {
  if (window.__assistantWired) { return; }
  window.__assistantWired = true;
  // A new question scrolls to the top of the view, so its answer is read from the start
  // (the chat's own autoscroll would show the end of the sources instead).
  let asked = 0;
  new MutationObserver(() => {
    const questions = document.querySelectorAll('#chat .question');
    if (questions.length > asked) {
      questions[questions.length - 1].scrollIntoView({block: 'start'});
    }
    asked = questions.length;
  }).observe(document.body, {childList: true, subtree: true});
  const flash = (el) => {
    el.classList.remove('flash');
    void el.offsetWidth;
    el.classList.add('flash');
    setTimeout(() => el.classList.remove('flash'), 2500);
  };
  const fallbackCopy = (text) => {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  };
  document.addEventListener('click', (event) => {
    const el = event.target instanceof Element ? event.target : null;
    const cite = el && el.closest('a.cite');
    if (cite) {
      event.preventDefault();
      event.stopPropagation();
      const target = document.getElementById((cite.getAttribute('href') || '').slice(1));
      if (!target) { return; }
      const group = target.closest('.thought-group');
      const closed = group && group.querySelector('.title:not(.expanded)');
      if (closed) { closed.click(); }
      setTimeout(() => {
        target.scrollIntoView({behavior: 'smooth', block: 'center'});
        flash(target);
      }, closed ? 200 : 0);
      return;
    }
    const copy = el && el.closest('button.copy-answer');
    if (copy) {
      event.preventDefault();
      const holder = document.getElementById('copytext-' + copy.id.replace('copy-', ''));
      if (!holder) { return; }
      const clone = holder.cloneNode(true);
      clone.querySelectorAll('br').forEach((br) => br.replaceWith('\\n'));
      const text = clone.textContent;
      const done = () => {
        copy.textContent = 'Copied';
        setTimeout(() => { copy.textContent = '"""
    + COPY_LABEL
    + """'; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, () => { fallbackCopy(text); done(); });
      } else {
        fallbackCopy(text);
        done();
      }
    }
  }, true);
}
"""
)


STATE_SESSIONS = 1000  # enough for a meeting's delegates; bounds memory to a few hundred MB


def launch_options() -> dict[str, Any]:
    """Keyword arguments for Blocks.launch() that keep the page offline: system fonts only."""
    theme = gr.themes.Default(
        # Plain names are CSS font-family fallbacks: no @font-face, nothing is downloaded.
        font=["ui-sans-serif", "system-ui", "sans-serif"],
        font_mono=["ui-monospace", "Consolas", "monospace"],
    )
    return {
        "theme": theme,
        "css": CSS,
        "js": JS,
        "footer_links": ["api", "settings"],
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
    choices = document_choices(assistant)
    # Checking the examples takes a few questions' time: do it while the server starts.
    background = None if examples is not None else _Background(example_questions, assistant)
    export_dir = Path(tempfile.mkdtemp(prefix="assistant-export-"))

    def respond(
        message: str, document: str, mode: str, turns: list[Turn], awaiting: str | None = None
    ) -> Iterator[tuple[str, list[dict[str, Any]], list[Turn], str | None]]:
        """The chat: each yield is (text left in the box, messages, turns, a question waiting
        for its subject: "and who leads it?" on an empty page, until "the task force")."""
        # turns is this browser session's own gr.State: sessions never see each other's.
        turns = list(turns or [])
        try:
            documents = resolve_documents(assistant, document)
            if not (message or "").strip():
                if turns:  # a second click on Send after the box was emptied: nothing to do
                    yield "", render(turns), turns, awaiting
                    return
                raise AssistantError("Please type a question.")
            previous = turns[-1].standalone if turns else None
            completed = supply_subject(awaiting, message) if awaiting else None
            rewrite = (
                Rewrite(message, completed) if completed else standalone_question(message, previous)
            )
            if rewrite.courtesy:
                said = _user(Turn(message.strip(), message.strip()))
                yield "", [*render(turns), said, _notice(COURTESY_REPLY)], turns, None
                return
            if rewrite.unresolved:
                ask = (
                    f"What does “{rewrite.unresolved}” refer to? Type it (“the task force”), "
                    "or ask the whole question."
                )
                yield "", [*render(turns), _notice(f"⚠️ {ask}")], turns, message.strip()
                return
            turn = Turn(message.strip(), rewrite.standalone, MODES.get(mode, ANSWER))
            if turn.mode == PASSAGES:
                q, turn.hits = assistant.prepare(
                    turn.standalone, documents, settings.retrieval.top_k
                )
                turn.read_as = q.corrections
                yield "", render([*turns, turn]), [*turns, turn], None
                return
            yield "", render(turns, pending=(turn, "")), turns, None
            text = ""
            for item in stream_answer(assistant, turn.standalone, documents):
                if isinstance(item, Answer):
                    turn.answer = item
                else:
                    text += item
                    yield "", render(turns, pending=(turn, text)), turns, None
        except AssistantError as exc:
            # Keep the text so it can be corrected; the notice is not part of the conversation.
            yield message, [*render(turns), _notice(f"⚠️ {exc}")], turns, None
            return
        except Exception:
            log.exception("Answering %r failed", message)
            yield message, [*render(turns), _notice(UNEXPECTED_ERROR)], turns, None
            return
        turns = [*turns, turn]
        yield "", render(turns), turns, None

    def export(turns: list[Turn], request: gr.Request) -> Any:
        if not turns:
            return gr.update(value=None, interactive=False)
        session = re.sub(r"\W", "", request.session_hash or "") or "session"
        path = export_dir / f"conversation-{session}.md"
        path.write_text(conversation_markdown(turns, "Local production assistant"), "utf-8")
        return gr.update(value=str(path), interactive=True)

    def rate(turns: list[Turn], data: gr.LikeData) -> tuple[Any, str, Any]:
        turn_index = owner_of(turns, data.index)
        if turn_index is None or data.liked not in (True, False):
            return gr.update(visible=False), "", None
        rating = "up" if data.liked is True else "down"
        turn = turns[turn_index]
        try:
            feedback.append(feedback_record(assistant, turn, rating))
        except AssistantError as exc:
            return gr.update(visible=True), f"⚠️ {exc}", None
        note = "Thank you. Add a comment below if you like (optional)."
        return gr.update(visible=True), note, (turn_index, rating)

    def comment_on(text: str, pending: Any, turns: list[Turn]) -> tuple[str, Any, str, Any]:
        if not pending or not (text or "").strip():
            return text, gr.update(), "Type a comment first, or just carry on.", pending
        turn_index, rating = pending
        if turn_index >= len(turns):  # the conversation was cleared meanwhile
            return "", gr.update(visible=False), "", None
        record = feedback_record(assistant, turns[turn_index], rating, text.strip()[:2000])
        try:
            feedback.append(record)
        except AssistantError as exc:
            return text, gr.update(), f"⚠️ {exc}", pending
        return "", gr.update(visible=False), "Your comment was saved. Thank you.", None

    def new_conversation() -> tuple[list[Any], list[Turn], Any]:
        # The question box is left alone: what someone has started typing is theirs.
        return [], [], gr.update(value=None, interactive=False)

    def pick_example(data: gr.SelectData) -> str:
        value = data.value
        return str(value.get("text", "")) if isinstance(value, dict) else str(value)

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

    def search(question: str, document: str = ALL_DOCUMENTS, k: int = 5) -> dict[str, Any]:
        """Ranked passages for a question as JSON, without composing an answer."""
        try:
            k = max(1, min(int(k), 50))
            hits = assistant.search(question, k, resolve_documents(assistant, document))
        except AssistantError as exc:
            return {"error": str(exc), "question": question}
        except Exception:
            log.exception("Searching %r failed", question)
            return {"error": UNEXPECTED_ERROR, "question": question}
        return {"question": question, "passages": [passage_dict(h) for h in hits]}

    with gr.Blocks(
        title="Local production assistant",
        analytics_enabled=False,
        delete_cache=(3600, 86400),  # exported conversations are kept a day
    ) as app:
        gr.Markdown(
            "# Local production of medicines: cited answers\n"
            "Answers are quoted from the documents in this collection, each sentence with its "
            "source `[n]` (click it to see the passage). When the documents don't say, the "
            "assistant says so."
        )
        with gr.Row(equal_height=True):
            mode = gr.Radio(
                choices=list(MODES),
                value=MODE_ANSWER,
                label="Mode",
                info="Find passages lists matching passages without composing an answer.",
                elem_id="mode",
                scale=1,
                min_width=200,
            )
            document = gr.Dropdown(
                choices=choices,
                value=ALL_DOCUMENTS,
                label="Search in",
                interactive=True,
                elem_id="document",
                scale=1,
                min_width=200,
            )
        chatbot = gr.Chatbot(
            label="Conversation",
            elem_id="chat",
            height="62vh",
            min_height=320,
            # No per-message copy icon: it copies a message's HTML. Each answer has its own
            # "Copy answer with sources" button (plain text); no "share": it posts to Hugging Face.
            buttons=[],
            autoscroll=False,  # the page scrolls to each new question instead (see JS)
            latex_delimiters=[],  # "$" in documents is money, not maths
            placeholder="Ask a question below, or pick an example.",
            examples=_example_messages(examples or []),
            feedback_options=("Like", "Dislike"),
        )
        with gr.Row(equal_height=True):
            question = gr.Textbox(
                label="Question",
                placeholder="Type a question and press Enter",
                show_label=False,
                lines=1,
                max_lines=4,
                scale=5,
                min_width=160,
                autofocus=True,
                elem_id="question",
            )
            send = gr.Button("Send", variant="primary", scale=1, min_width=72, elem_id="send")
        note = gr.Markdown(elem_id="feedback-note")
        with gr.Row(visible=False, elem_id="feedback") as feedback_row:
            comment = gr.Textbox(
                label="Comment (optional)",
                placeholder="What was good or wrong about this answer?",
                lines=1,
                scale=4,
                elem_id="feedback-comment",
            )
            send_comment = gr.Button("Send comment", scale=1, min_width=100)
        with gr.Row():
            clear = gr.Button("New conversation", size="sm", elem_id="new")
            download = gr.DownloadButton(
                "Download conversation (Markdown)",
                value=None,
                interactive=False,
                size="sm",
                elem_id="download",
            )
        gr.Markdown(
            "Rate an answer with the thumbs up or down under it; ratings and comments are "
            "saved on this computer to improve the collection.",
            elem_id="help",
        )
        turns = gr.State([])
        pending = gr.State(None)
        awaiting = gr.State(None)  # a question waiting for what its "it" means

        asked = gr.on(
            triggers=[question.submit, send.click],
            fn=respond,
            inputs=[question, document, mode, turns, awaiting],
            outputs=[question, chatbot, turns, awaiting],
            api_name="chat",
            concurrency_limit=limit,
            concurrency_id=CONCURRENCY_ID,  # shared with /ask and /search: one budget
        )
        asked.then(export, [turns], [download], api_visibility="private")
        picked = chatbot.example_select(pick_example, None, [question], api_visibility="private")
        picked.then(
            respond,
            [question, document, mode, turns, awaiting],
            [question, chatbot, turns, awaiting],
            api_visibility="private",
            concurrency_limit=limit,
            concurrency_id=CONCURRENCY_ID,
        ).then(export, [turns], [download], api_visibility="private")
        chatbot.like(rate, [turns], [feedback_row, note, pending], api_visibility="private")
        gr.on(
            triggers=[send_comment.click, comment.submit],
            fn=comment_on,
            inputs=[comment, pending, turns],
            outputs=[comment, feedback_row, note, pending],
            api_visibility="private",
        )
        # "New conversation" and the chat's own bin icon: the session's turns go with the view.
        gr.on(
            triggers=[clear.click, chatbot.clear],
            fn=new_conversation,
            outputs=[chatbot, turns, download],
            api_visibility="private",
        )
        gr.api(ask, api_name="ask", concurrency_limit=limit, concurrency_id=CONCURRENCY_ID)
        gr.api(search, api_name="search", concurrency_limit=limit, concurrency_id=CONCURRENCY_ID)
        if background is not None:
            app.load(
                lambda: gr.update(examples=_example_messages(background.result(timeout=30))),
                None,
                [chatbot],
                api_visibility="private",
            )
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


def example_questions(assistant: Assistant, limit: int = 4) -> list[str]:
    """Example questions the documents answer: the built-in ones first, then from headings."""
    candidates = list(EXAMPLES)
    seen: set[str] = set()
    for chunk in assistant.index.chunks:
        heading = (chunk.section or "").strip()
        if heading and heading.lower() not in seen and 2 <= len(heading.split()) <= 8:
            seen.add(heading.lower())
            if not re.search(r"[\d:;()]", heading):
                candidates.append(
                    f"What do the documents say about {heading[0].lower()}{heading[1:]}?"
                )
    chosen: list[str] = []
    for candidate in candidates[: limit + 4]:
        try:
            if not assistant.ask(candidate).refused:
                chosen.append(candidate)
        except AssistantError:
            continue
        if len(chosen) == limit:
            break
    return chosen


class _Background:
    """A function's result computed once on a thread; result() waits for it (or gives [])."""

    def __init__(self, fn: Any, *args: Any) -> None:
        self._result: Any = []
        self._thread = threading.Thread(target=self._run, args=(fn, *args), daemon=True)
        self._thread.start()

    def _run(self, fn: Any, *args: Any) -> None:
        try:
            self._result = fn(*args)
        except Exception:
            log.exception("Background task %s failed", getattr(fn, "__name__", fn))

    def result(self, timeout: float) -> Any:
        """The result, or [] if it isn't ready within timeout seconds or failed."""
        self._thread.join(timeout)
        return [] if self._thread.is_alive() else self._result


def _example_messages(questions: Sequence[str]) -> list[Any] | None:
    return [{"text": q} for q in questions] or None


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


def feedback_record(assistant: Assistant, turn: Turn, rating: str, comment: str = "") -> Feedback:
    """The feedback line for a rated turn."""
    answer = turn.answer
    if turn.mode == PASSAGES:
        shown = "\n\n".join(h.chunk.text for h in turn.hits)
        citations = [passage_dict(h) for h in turn.hits]
    else:
        shown = answer.text if answer else ""
        citations = [c.to_dict() for c in answer.citations] if answer else []
    return Feedback(
        feedback_id=turn.feedback_id,
        rating=rating,
        comment=comment,
        question=turn.question,
        standalone_question=turn.standalone,
        answer=shown,
        refused=bool(answer and answer.refused),
        citations=citations,
        index_version=assistant.index.version,
        mode=turn.mode,
    )


def passage_dict(hit: Hit) -> dict[str, Any]:
    """A retrieved passage as plain data."""
    chunk = hit.chunk
    return {
        "chunk_id": chunk.chunk_id,
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "page": chunk.page,
        "last_page": chunk.last_page,
        "section": chunk.section,
        "passage": chunk.text,
        "score": round(hit.score, 6),
    }


# Rendering: the conversation as Chatbot messages. All text is escaped here.


def render(turns: Sequence[Turn], pending: tuple[Turn, str] | None = None) -> list[dict[str, Any]]:
    """The Chatbot messages for a conversation; pending is a turn still being answered."""
    messages: list[dict[str, Any]] = []
    for number, turn in enumerate(turns, start=1):
        messages.extend(turn_messages(turn, number))
    if pending is not None:
        turn, text = pending
        number = len(turns) + 1
        messages.append(_user(turn))
        body = _rewrite_note(turn) + (
            f'<div class="answer-text">{link_markers(text, number)}</div>'
            if text
            else f'<div class="notice">{SEARCHING}</div>'
        )
        messages.append(_assistant(f'<div class="answer" id="answer-{number}">{body}</div>'))
    return messages


def turn_messages(turn: Turn, number: int) -> list[dict[str, Any]]:
    """A turn's messages: the question, the answer (or passages), then its sources."""
    messages = [_user(turn)]
    if turn.mode == PASSAGES:
        messages.append(_assistant(_rewrite_note(turn) + passages_html(turn.hits)))
        return messages
    answer = turn.answer
    if answer is None:
        return messages
    copy = (
        f'<button class="copy-answer" type="button" id="copy-{number}">{COPY_LABEL}</button>'
        f'<div class="copytext" id="copytext-{number}">{_escape(answer_text(turn))}</div>'
    )
    text = link_markers(answer.text, number, {c.number for c in answer.citations})
    messages.append(
        _assistant(
            f'<div class="answer" id="answer-{number}">{_rewrite_note(turn)}'
            f'<div class="answer-text">{text}</div>{_fallback_note(answer)}{copy}</div>'
        )
    )
    # Plain messages, not collapsible "thoughts": the evidence is always in view.
    if answer.suggestions:
        messages.append(_assistant(suggestions_html(answer.suggestions)))
    elif answer.citations:
        messages.append(_assistant(sources_html(answer.citations, number)))
    return messages


def owner_of(turns: Sequence[Turn], message_index: Any) -> int | None:
    """The turn a Chatbot message index belongs to (for ratings), or None."""
    if isinstance(message_index, (list, tuple)):
        message_index = message_index[0]
    if not isinstance(message_index, int):
        return None
    position = 0
    for i, turn in enumerate(turns):
        position += len(turn_messages(turn, i + 1))
        if message_index < position:
            return i
    return None


def link_markers(text: str, number: int, known: set[int] | None = None) -> str:
    """Escaped answer text with each [n] a link to source n of answer `number`."""

    def link(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if known is not None and n not in known:
            return match.group(0)
        return f'<a class="cite" href="#src-{number}-{n}" title="Show source {n}">[{n}]</a>'

    return _MARKER.sub(link, _escape(text))


def sources_html(citations: Sequence[Citation], number: int = 1) -> str:
    """Each citation: [n] title — publisher, location; the passage, sentence marked; licence."""
    parts = []
    for c in citations:
        details = [d for d in (c.source.publisher, c.location) if d]
        heading = f"<strong>[{c.number}]</strong> " + _escape(c.source.title or c.doc_id)
        if details:
            heading += " — " + ", ".join(_escape(d) for d in details)
        passage = highlight(c.passage, *c.sentence_spans)
        licence = ""
        if c.source.licence:
            licence = f"Licence: {_escape(c.source.licence)}"
            if c.source.licence_text:
                licence += f". {_escape(c.source.licence_text)}"
            licence = f'<p class="licence">{licence}</p>'
        parts.append(
            f'<div class="source" id="src-{number}-{c.number}"><p class="source-head">{heading}'
            f'</p><div class="passage">{passage}</div>{licence}</div>'
        )
    return _one_line(
        f'<div class="sources"><p class="sources-title">Sources</p>{"".join(parts)}</div>'
    )


def suggestions_html(hits: Sequence[Hit]) -> str:
    """The closest passages for a refused question: title, location and text, all escaped,
    the sentence closest to the question marked."""
    parts = []
    for hit in hits:
        chunk = hit.chunk
        heading = _escape(chunk.title or chunk.doc_id)
        if chunk.location:
            heading += " — " + _escape(chunk.location)
        parts.append(
            f'<div class="source"><p class="source-head">{heading}</p>'
            f'<div class="passage">{highlight(chunk.text, hit.best_span)}</div></div>'
        )
    return _one_line(
        '<div class="sources suggestions"><p class="sources-title">You may be looking for</p>'
        f"{''.join(parts)}</div>"
    )


def passages_html(hits: Sequence[Hit]) -> str:
    """Find-passages results: ranked passages, each best sentence marked."""
    if not hits:
        return _one_line('<div class="notice">No passages found.</div>')
    parts = []
    for rank, hit in enumerate(hits, start=1):
        chunk = hit.chunk
        heading = f"<strong>{rank}.</strong> " + _escape(chunk.title or chunk.doc_id)
        if chunk.location:
            heading += " — " + _escape(chunk.location)
        parts.append(
            f'<div class="source passage-hit"><p class="source-head">{heading}</p>'
            f'<div class="passage">{highlight(chunk.text, hit.best_span)}</div></div>'
        )
    return _one_line(f'<div class="sources passages">{"".join(parts)}</div>')


def highlight(passage: str, *spans: tuple[int, int]) -> str:
    """The passage as safe HTML with each passage[start:end] span wrapped in <mark>."""
    out = []
    done = 0
    for start, end in sorted(spans):
        if done <= start < end <= len(passage):
            out += [_escape(passage[done:start]), "<mark>", _escape(passage[start:end]), "</mark>"]
            done = end
    return "".join(out) + _escape(passage[done:])


def _user(turn: Turn) -> dict[str, Any]:
    prefix = "Find passages: " if turn.mode == PASSAGES else ""
    return {"role": "user", "content": _block("question", prefix + turn.question)}


def _assistant(content: str) -> dict[str, Any]:
    return {"role": "assistant", "content": _one_line(content)}


def _notice(text: str) -> dict[str, Any]:
    return _assistant(_block("notice", text))


def _fallback_note(answer: Answer) -> str:
    # A generated answer that failed its checks falls back to quotes: say why, plainly.
    if not answer.fallback:
        return ""
    return f'<div class="notice fallback">{_escape(answer.fallback)}</div>'


def _rewrite_note(turn: Turn) -> str:
    # How the question was read: a follow-up made standalone, typos read as other words.
    notes = [f"Understood as: “{turn.standalone}”"] if turn.rewritten else []
    if turn.read_as_note:
        notes.append(turn.read_as_note)
    return "".join(f'<div class="rewrite">{_escape(note)}</div>' for note in notes)


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
