"""What the page's events do: the chat, exports, ratings and comments, and the JSON endpoints.

The chat's state machine is ChatSession's (assistant.chat.session); here each browser
session's ChatSession comes in from its gr.State and goes back out with what to show.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.api import Assistant
from assistant.chat.conversation import ANSWER, PASSAGES, Turn
from assistant.chat.export import conversation_markdown
from assistant.chat.feedback import Feedback, FeedbackLog
from assistant.chat.session import ChatSession, Event, Problem
from assistant.errors import AssistantError
from assistant.interfaces.web.choices import ALL_DOCUMENTS, MODES, resolve_documents
from assistant.interfaces.web.i18n import t
from assistant.interfaces.web.render import event_messages, notice, owner_of, render

log = logging.getLogger(__name__)

TITLE = "Local production assistant"
UNEXPECTED_ERROR = (
    "Sorry, something went wrong while answering. Please try again; "
    "if it keeps happening, the details are in the server log."
)

Shown = tuple[str, list[dict[str, Any]], ChatSession]


class Handlers:
    """The app's event handlers over one assistant, feedback log and export folder."""

    def __init__(self, assistant: Assistant, feedback: FeedbackLog, export_dir: Path) -> None:
        self.assistant = assistant
        self.feedback = feedback
        self.export_dir = export_dir

    def respond(
        self, message: str, document: str, mode: str, session: ChatSession | None
    ) -> Iterator[Shown]:
        """The chat: each yield is (text left in the box, the messages, the session)."""
        # session is this browser session's own gr.State: sessions never see each other's.
        session = session or ChatSession(self.assistant)
        try:
            for event in self._events(session, message, document, mode):
                # A question that could not be asked stays in the box, to be corrected.
                kept = message if isinstance(event, Problem) else ""
                yield kept, event_messages(session.turns, event), session
        except Exception:
            log.exception("Answering %r failed", message)
            problem = session.problem(UNEXPECTED_ERROR)
            yield message, [*render(session.turns), notice(problem.reason)], session

    def export(self, session: ChatSession | None, request: gr.Request) -> Any:
        """The conversation as a Markdown file for the download button (none while empty)."""
        if session is None or not session.turns:
            return gr.update(value=None, interactive=False)
        name = re.sub(r"\W", "", request.session_hash or "") or "session"
        path = self.export_dir / f"conversation-{name}.md"
        path.write_text(conversation_markdown(session.turns, TITLE), "utf-8")
        return gr.update(value=str(path), interactive=True)

    def rate(self, session: ChatSession | None, data: gr.LikeData) -> tuple[Any, Any, Any]:
        """Save a thumbs up or down, then offer the comment box for it."""
        turns = session.turns if session else []
        turn_index = owner_of(turns, data.index)
        if turn_index is None or data.liked not in (True, False):
            return gr.update(visible=False), "", None
        rating = "up" if data.liked is True else "down"
        turn = turns[turn_index]
        try:
            self.feedback.append(feedback_record(self.assistant, turn, rating))
        except AssistantError as exc:
            return gr.update(visible=True), f"⚠️ {exc}", None
        return gr.update(visible=True), t("rated"), (turn_index, rating)

    def comment_on(
        self, text: str, pending: Any, session: ChatSession | None
    ) -> tuple[str, Any, Any, Any]:
        """Save a comment on the answer just rated (the note a page text, in its language)."""
        if not pending or not (text or "").strip():
            return text, gr.update(), t("comment_first"), pending
        turn_index, rating = pending
        turns = session.turns if session else []
        if turn_index >= len(turns):  # the conversation was cleared meanwhile
            return "", gr.update(visible=False), "", None
        record = feedback_record(self.assistant, turns[turn_index], rating, text.strip()[:2000])
        try:
            self.feedback.append(record)
        except AssistantError as exc:
            return text, gr.update(), f"⚠️ {exc}", pending
        return "", gr.update(visible=False), t("comment_saved"), None

    def new_conversation(self, session: ChatSession | None) -> tuple[list[Any], Any, Any]:
        """An empty chat: the session's turns go with the view."""
        # The question box is left alone: what someone has started typing is theirs.
        if session is not None:
            session.clear()
        return [], session, gr.update(value=None, interactive=False)

    def ask(self, question: str, document: str = ALL_DOCUMENTS) -> dict[str, Any]:
        """Answer a question as JSON (Answer.to_dict()), or {"error": message} if it can't be asked.

        document is "All documents", a document title or a document id.
        """
        try:
            documents = resolve_documents(self.assistant, document)
            return self.assistant.ask(question, documents).to_dict()
        except AssistantError as exc:
            return {"error": str(exc), "question": question}
        except Exception:
            log.exception("Answering %r failed", question)
            return {"error": UNEXPECTED_ERROR, "question": question}

    def search(self, question: str, document: str = ALL_DOCUMENTS, k: int = 5) -> dict[str, Any]:
        """Ranked passages for a question as JSON, without composing an answer."""
        try:
            k = max(1, min(int(k), 50))
            hits = self.assistant.search(question, k, resolve_documents(self.assistant, document))
        except AssistantError as exc:
            return {"error": str(exc), "question": question}
        except Exception:
            log.exception("Searching %r failed", question)
            return {"error": UNEXPECTED_ERROR, "question": question}
        return {"question": question, "passages": [h.to_dict() for h in hits]}

    def _events(
        self, session: ChatSession, message: str, document: str, mode: str
    ) -> Iterator[Event]:
        try:
            documents = resolve_documents(self.assistant, document)
        except AssistantError as exc:
            yield session.problem(str(exc))
            return
        yield from session.respond(message, documents, MODES.get(mode, ANSWER))


def pick_example(data: gr.SelectData) -> str:
    """The text of the example question clicked."""
    value = data.value
    return str(value.get("text", "")) if isinstance(value, dict) else str(value)


def feedback_record(assistant: Assistant, turn: Turn, rating: str, comment: str = "") -> Feedback:
    """The feedback line for a rated turn."""
    answer = turn.answer
    if turn.mode == PASSAGES:
        shown = "\n\n".join(h.chunk.text for h in turn.hits)
        citations = [h.to_dict() for h in turn.hits]
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
