"""One conversation's state machine: a message in, plain results out for a page to show.

No HTML and no Gradio here: the browser app renders what ``ChatSession.respond`` yields, and
the same session can be driven (and tested) from plain Python.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from assistant.answer.types import Answer
from assistant.api import Assistant
from assistant.chat.conversation import (
    ANSWER,
    PASSAGES,
    Rewrite,
    Turn,
    standalone_question,
    supply_subject,
)
from assistant.chat.streaming import stream_answer
from assistant.errors import AssistantError

COURTESY_REPLY = "Ask another question about the documents whenever you like."


@dataclass(frozen=True)
class Unchanged:
    """Nothing was asked (Send clicked again on an emptied box): show the conversation as is."""


@dataclass(frozen=True)
class Thanks:
    """A message that asks nothing ("ok thanks"): shown as said, with a short reply."""

    said: str
    reply: str = COURTESY_REPLY


@dataclass(frozen=True)
class NeedsSubject:
    """A question whose pronoun points to nothing ("and who leads it?" first): its subject is
    asked for, and the next message completes it."""

    question: str
    pronoun: str

    @property
    def prompt(self) -> str:
        """What the user is asked: 'What does “it” refer to? ...'."""
        return (
            f"What does “{self.pronoun}” refer to? Type it (“the task force”), "
            "or ask the whole question."
        )


@dataclass(frozen=True)
class Problem:
    """A message that could not be asked; it is not part of the conversation."""

    reason: str


@dataclass(frozen=True)
class Pending:
    """An answer being written: the turn (its question as understood) and the text so far,
    '' while the documents are searched."""

    turn: Turn
    text: str = ""


@dataclass(frozen=True)
class Done:
    """A turn now in the conversation: an answer (turn.answer) or passages (turn.hits)."""

    turn: Turn


Event = Unchanged | Thanks | NeedsSubject | Problem | Pending | Done


@dataclass(eq=False)  # a conversation is itself, not equal to another with the same turns
class ChatSession:
    """One conversation: its turns and a question waiting for its subject."""

    assistant: Assistant = field(repr=False)
    turns: list[Turn] = field(default_factory=list)
    # "and who leads it?" asked first: kept until a reply says what "it" is.
    awaiting: str | None = None

    @property
    def previous(self) -> str | None:
        """The last standalone question, which a follow-up is rewritten from."""
        return self.turns[-1].standalone if self.turns else None

    def respond(
        self, message: str, documents: Sequence[str] | None = None, mode: str = ANSWER
    ) -> Iterator[Event]:
        """The results of one message, in order; the last one is final.

        documents limits the search to those doc ids (None: all); mode is ANSWER or PASSAGES.
        A problem the user can fix (an empty or too long question) is a Problem, never raised.
        """
        if not (message or "").strip() and self.turns:
            # A second click on Send after the box was emptied: nothing to do.
            yield Unchanged()
            return
        # Whatever this message turns out to be, it is not the subject a question waited for
        # unless it completes it now.
        awaiting, self.awaiting = self.awaiting, None
        try:
            if not (message or "").strip():
                raise AssistantError("Please type a question.")
            rewrite = self._rewrite(message, awaiting)
            if rewrite.courtesy:
                yield Thanks(message.strip())
                return
            if rewrite.unresolved:
                self.awaiting = message.strip()
                yield NeedsSubject(message.strip(), rewrite.unresolved)
                return
            turn = Turn(message.strip(), rewrite.standalone, mode if mode == PASSAGES else ANSWER)
            if turn.mode == PASSAGES:
                yield self._found(turn, documents)
                return
            yield from self._answer(turn, documents)
        except AssistantError as exc:
            yield Problem(str(exc))

    def problem(self, reason: str) -> Problem:
        """A message that could not be asked at all (an unknown document chosen): as with any
        new message, a question waiting for its subject stops waiting."""
        self.awaiting = None
        return Problem(reason)

    def _rewrite(self, message: str, awaiting: str | None) -> Rewrite:
        """The message as the standalone question retrieval reads: completing the question that
        waited for its subject, rewritten from the previous turn, or (rules.follow_ups off) as
        typed."""
        completed = supply_subject(awaiting, message) if awaiting else None
        if completed:
            return Rewrite(message, completed)
        if not self.assistant.settings.rules.follow_ups:
            return Rewrite(message, message.strip())
        return standalone_question(message, self.previous)

    def clear(self) -> None:
        """Start over: no turns, and no question waiting for its subject (a reply typed after
        "New conversation" is a new question, not the subject of one the page no longer shows)."""
        self.turns = []
        self.awaiting = None

    def _found(self, turn: Turn, documents: Sequence[str] | None) -> Done:
        q, turn.hits = self.assistant.prepare(
            turn.standalone, documents, self.assistant.settings.retrieval.top_k
        )
        turn.read_as = q.corrections
        self.turns = [*self.turns, turn]
        return Done(turn)

    def _answer(self, turn: Turn, documents: Sequence[str] | None) -> Iterator[Event]:
        yield Pending(turn)
        text = ""
        for item in stream_answer(self.assistant, turn.standalone, documents):
            if isinstance(item, Answer):
                turn.answer = item
            else:
                text += item
                yield Pending(turn, text)
        # Only a finished answer joins the conversation: one that failed leaves no turn.
        self.turns = [*self.turns, turn]
        yield Done(turn)
