"""The chat's state machine, without a browser or Gradio: a real assistant over the real index."""

from __future__ import annotations

from itertools import pairwise

from assistant.api import Assistant
from assistant.chat.conversation import ANSWER, PASSAGES
from assistant.chat.session import (
    COURTESY_REPLY,
    ChatSession,
    Done,
    Event,
    NeedsSubject,
    Pending,
    Problem,
    Thanks,
    Unchanged,
)

KOREA_LEADER = "Who leads Korea's vaccine hub task force?"
TASK_FORCE = "What is the Global Vaccine Production Hub Task Force?"
NEXT_HOST = "Which country will host the next World Local Production Forum?"


def korean_doc(assistant: Assistant) -> tuple[str, str]:
    """(doc_id, title) of the Korean press release."""
    for doc_id, meta in assistant.index.documents.items():
        if "Korea" in meta.get("title", ""):
            return doc_id, meta["title"]
    raise AssertionError("the corpus has no Korean press release")


def finished(events: list[Event]) -> Done:
    """The last event, which must put a turn in the conversation."""
    assert events and isinstance(events[-1], Done), events
    return events[-1]


def test_an_answer_streams_then_joins_the_conversation(assistant: Assistant) -> None:
    session = ChatSession(assistant)
    events = list(session.respond(KOREA_LEADER))
    done = finished(events)
    pending = [e for e in events[:-1] if isinstance(e, Pending) and e.turn is done.turn]
    assert len(pending) == len(events) - 1 >= 2  # "searching", then the text as it is written
    texts = [e.text for e in pending]
    assert texts[0] == ""
    assert all(later.startswith(earlier) for earlier, later in pairwise(texts))
    answer = done.turn.answer
    assert answer is not None and not answer.refused
    assert texts[-1] == answer.text
    assert "Minister" in answer.text and "[1]" in answer.text
    assert session.turns == [done.turn]
    assert session.previous == KOREA_LEADER


def test_a_follow_up_is_read_with_the_previous_question(assistant: Assistant) -> None:
    session = ChatSession(assistant)
    first = finished(list(session.respond(KOREA_LEADER))).turn
    follow_up = finished(list(session.respond("and when did it first meet?"))).turn
    assert follow_up.question == "and when did it first meet?"
    assert follow_up.rewritten and "Korea" in follow_up.standalone
    answer = follow_up.answer
    assert answer is not None and not answer.refused
    assert "first meeting" in answer.text and "June 3rd" in answer.text
    assert session.turns == [first, follow_up]


def test_it_with_nothing_before_is_asked_about_then_completed(assistant: Assistant) -> None:
    session = ChatSession(assistant)
    events = list(session.respond("and who leads it?"))
    assert events == [NeedsSubject("and who leads it?", "it")]
    assert NeedsSubject("and who leads it?", "it").prompt.startswith("What does “it” refer to?")
    assert session.turns == [] and session.awaiting == "and who leads it?"

    turn = finished(list(session.respond("the Global Vaccine Production Hub Task Force"))).turn
    assert turn.question == "the Global Vaccine Production Hub Task Force"
    assert turn.standalone == "Who leads the Global Vaccine Production Hub Task Force?"
    assert turn.rewritten
    assert turn.answer is not None
    assert "Minister" in turn.answer.text and "Health and Welfare" in turn.answer.text
    assert session.awaiting is None and session.turns == [turn]


def test_a_reply_that_is_a_question_of_its_own_is_asked_as_is(assistant: Assistant) -> None:
    session = ChatSession(assistant)
    list(session.respond("and who leads it?"))
    turn = finished(list(session.respond("Who leads the task force?"))).turn
    assert turn.standalone == "Who leads the task force?" and not turn.rewritten
    assert session.awaiting is None


def test_thanks_and_an_empty_send_ask_nothing(assistant: Assistant) -> None:
    session = ChatSession(assistant)
    first = finished(list(session.respond(TASK_FORCE))).turn
    assert list(session.respond("ok thanks")) == [Thanks("ok thanks", COURTESY_REPLY)]
    assert list(session.respond("  ")) == [Unchanged()]
    assert session.turns == [first]
    # The thanks is no question: a follow-up still reads "it" as the task force.
    turn = finished(list(session.respond("and who leads it?"))).turn
    assert turn.standalone == "Who leads the Global Vaccine Production Hub Task Force?"


def test_find_passages_lists_hits_without_composing_an_answer(assistant: Assistant) -> None:
    session = ChatSession(assistant)
    events = list(session.respond("vaccine production hub task force", mode=PASSAGES))
    assert len(events) == 1  # nothing streams: the passages come at once
    turn = finished(events).turn
    assert turn.mode == PASSAGES and turn.answer is None
    assert 3 <= len(turn.hits) <= assistant.settings.retrieval.top_k
    assert "Task Force" in turn.hits[0].chunk.text
    assert session.turns == [turn]


def test_a_document_filter_limits_passages_and_scopes_a_refusal(assistant: Assistant) -> None:
    doc_id, title = korean_doc(assistant)
    session = ChatSession(assistant)
    found = finished(list(session.respond("World Local Production Forum", [doc_id], PASSAGES)))
    assert found.turn.hits and {h.chunk.doc_id for h in found.turn.hits} == {doc_id}

    # The Korean release doesn't name the next host; the whole collection does.
    scoped = finished(list(session.respond(NEXT_HOST, [doc_id], ANSWER))).turn.answer
    assert scoped is not None and scoped.refused
    assert scoped.text.startswith("The document searched doesn't say.")
    assert f"Only “{title}” was searched." in scoped.text
    assert {h.chunk.doc_id for h in scoped.suggestions} == {doc_id}
    unscoped = finished(list(ChatSession(assistant).respond(NEXT_HOST))).turn.answer
    assert unscoped is not None and not unscoped.refused and "Netherlands" in unscoped.text


def test_a_typo_is_read_as_the_corpus_word_and_said(assistant: Assistant) -> None:
    note = "Read “Prodcution” as “Production”."
    session = ChatSession(assistant)
    asked = "Which country will host the next World Local Prodcution Forum?"
    turn = finished(list(session.respond(asked))).turn
    assert turn.standalone == asked and not turn.rewritten  # shown as typed
    assert turn.read_as_note == note
    assert turn.answer is not None and "Netherlands" in turn.answer.text
    found = finished(list(session.respond("World Local Prodcution Forum host", mode=PASSAGES)))
    assert found.turn.read_as == (("Prodcution", "Production"),)
    assert found.turn.read_as_note == note


def test_problems_are_results_and_leave_the_conversation_as_it_was(
    assistant: Assistant,
) -> None:
    session = ChatSession(assistant)
    assert list(session.respond("   ")) == [Problem("Please type a question.")]
    list(session.respond("and who leads it?"))
    # Any other message, a problem included, means the waiting question was let go.
    assert list(session.respond("", [])) == [Problem("Please type a question.")]
    assert session.awaiting is None

    events = list(session.respond("x" * 100_000))
    assert isinstance(events[-1], Problem) and "too long" in events[-1].reason
    unknown = list(session.respond(TASK_FORCE, ["no-such-document.txt"]))
    assert isinstance(unknown[-1], Problem) and "Unknown document" in unknown[-1].reason
    assert session.turns == []

    list(session.respond("and who leads it?"))
    assert session.problem("Unknown document: X.") == Problem("Unknown document: X.")
    assert session.awaiting is None


def test_sessions_are_separate_and_clear_starts_over(assistant: Assistant) -> None:
    first, second = ChatSession(assistant), ChatSession(assistant)
    finished(list(first.respond(TASK_FORCE)))
    assert isinstance(list(second.respond("and who leads it?"))[-1], NeedsSubject)
    assert len(first.turns) == 1 and second.turns == []

    first.clear()
    assert first.turns == [] and first.previous is None
    assert isinstance(list(first.respond("and who leads it?"))[-1], NeedsSubject)
    # Starting over drops the waiting question too: "the task force" is now asked as it is.
    first.clear()
    assert first.awaiting is None
    reply = finished(list(first.respond("the task force")))
    assert reply.turn.standalone == "the task force"
