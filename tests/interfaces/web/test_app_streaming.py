"""Streamed answers: extractive ones sentence by sentence, a generating answerer as it writes."""

from __future__ import annotations

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.answer.generation import LLMAnswerer
from assistant.answer.types import Answer
from assistant.api import Assistant
from assistant.chat.streaming import pieces, stream_answer

FORUM = "When was the first World Local Production Forum held?"


def test_extractive_answer_streams_in_pieces_then_the_answer(assistant: Assistant) -> None:
    items = list(stream_answer(assistant, FORUM))
    final = items[-1]
    assert isinstance(final, Answer)
    text = [i for i in items[:-1] if isinstance(i, str)]
    assert "".join(text) == final.text
    assert final.to_dict() == assistant.ask(FORUM).to_dict()


def test_pieces_end_at_markers() -> None:
    text = "First claim [1]. Second claim [2] [3]. Tail"
    assert pieces(text) == ["First claim [1]. ", "Second claim [2] ", "[3]. ", "Tail"]
    assert "".join(pieces(text)) == text


def test_a_generating_answerer_is_relayed_as_it_writes(assistant: Assistant) -> None:
    # The real LLMAnswerer (prompt, checks, citations); only the chat model is scripted.
    hits = assistant.search(FORUM, 5)
    sentence = next(
        hit.chunk.text[s:e]
        for hit in hits
        for s, e in hit.chunk.sentences
        if "21-25 June" in hit.chunk.text[s:e]
    )
    model = GenericFakeChatModel(messages=iter([AIMessage(content=f"{sentence.strip()} [1]")]))
    generating = LLMAnswerer(model, assistant.embedder, name="scripted")
    original = assistant.answerer
    assistant.answerer = generating
    try:
        items = list(stream_answer(assistant, FORUM))
    finally:
        assistant.answerer = original
    final = items[-1]
    assert isinstance(final, Answer)
    streamed = [i for i in items[:-1] if isinstance(i, str)]
    assert len(streamed) > 3  # token by token, not one block
    assert "".join(streamed).startswith(sentence.strip()[:20])
    assert final.answerer == "scripted", final.fallback
    assert final.citations
