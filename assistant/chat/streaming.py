"""Answers as a stream of text pieces, so the page shows words before the answer is finished.

An answerer that can stream has a ``stream(question, hits, sources)`` generator: it yields
text pieces and returns (or yields, last) the finished Answer. Any other answerer is asked
for its whole answer, which is then given out sentence by sentence.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator, Sequence
from typing import Any

from assistant.answer.markers import MARKER
from assistant.answer.types import Answer, StreamingAnswerer
from assistant.api import Assistant

# One piece per cited sentence: "... text [1]" (an extractive answer is built that way).
_PIECE = re.compile(rf".*?(?:{MARKER.pattern}[.,;:]?\s*|$)", re.S)


def stream_answer(
    assistant: Assistant, question: str, documents: Sequence[str] | None = None
) -> Iterator[str | Answer]:
    """Text pieces of the answer as they are ready, then the finished Answer, last."""
    q, hits = assistant.prepare(question, documents)  # QuestionError on bad input
    answerer = assistant.answerer
    if not isinstance(answerer, StreamingAnswerer):
        answer = assistant.answerer.answer(q, hits, assistant.sources)
        yield from pieces(answer.text)
        yield answer
        return
    final = yield from _relay(answerer.stream(q, hits, assistant.sources))
    if final is None:  # a stream that gave no Answer: ask for the checked one
        final = assistant.answerer.answer(q, hits, assistant.sources)
    yield final


def pieces(text: str) -> list[str]:
    """An answer's text cut after each [n] marker; joined back they give the text."""
    return [m.group(0) for m in _PIECE.finditer(text) if m.group(0)]


def _relay(stream: Generator[Any, None, Any]) -> Generator[str, None, Answer | None]:
    final: Answer | None = None
    try:
        while True:
            item = next(stream)
            if isinstance(item, Answer):
                final = item
            elif isinstance(item, str) and item:
                yield item
    except StopIteration as done:
        if isinstance(done.value, Answer):
            final = done.value
    return final
