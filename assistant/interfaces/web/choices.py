"""What the page offers to pick from: the documents to search in, the modes, and example
questions the documents answer (checked while the server starts)."""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

from assistant.api import Assistant
from assistant.chat.conversation import ANSWER, PASSAGES
from assistant.errors import AssistantError

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


class Background:
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
