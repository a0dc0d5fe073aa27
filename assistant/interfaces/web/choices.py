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
# documents answer are offered, topped up (in English) with questions made from section
# headings. The translations are those of evals/languages/ (how they were made: its README).
EXAMPLES: dict[str, list[str]] = {
    "en": [
        "Who leads Korea's Global Vaccine Production Hub Task Force?",
        "When was the first World Local Production Forum held?",
        "What does local and regional manufacturing refer to?",
        "Which country will host the next World Local Production Forum?",
    ],
    "fr": [
        "Qui dirige le groupe de travail coréen sur le pôle mondial de production de vaccins ?",
        "Quand s'est tenu le premier Forum mondial sur la production locale ?",
        "Que signifie la fabrication locale et régionale ?",
        "Quel pays accueillera le prochain Forum mondial sur la production locale ?",
    ],
    "es": [
        "¿Quién dirige el Grupo de Trabajo del Centro Mundial de Producción de Vacunas de Corea?",
        "¿Cuándo se celebró el primer Foro Mundial de Producción Local?",
        "¿Qué significa la fabricación local y regional?",
        "¿Qué país acogerá el próximo Foro Mundial de Producción Local?",
    ],
    "ar": [
        "من يرأس فرقة العمل الكورية المعنية بالمركز العالمي لإنتاج اللقاحات؟",
        "متى عُقد أول منتدى عالمي للإنتاج المحلي؟",
        "ما المقصود بالتصنيع المحلي والإقليمي؟",
        "ما الدولة التي ستستضيف الدورة القادمة من المنتدى العالمي للإنتاج المحلي؟",
    ],
    "zh": [
        "韩国全球疫苗生产中心工作组由谁牵头？",
        "首届世界本地生产论坛是什么时候举办的？",
        "本地和区域生产是什么意思？",
        "下一届世界本地生产论坛将由哪个国家主办？",
    ],
    "ru": [
        "Кто возглавляет корейскую рабочую группу по глобальному хабу по производству вакцин?",
        "Когда прошёл первый Всемирный форум по местному производству?",
        "Что означает местное и региональное производство?",
        "Какая страна примет следующий Всемирный форум по местному производству?",
    ],
}


def example_questions(assistant: Assistant, limit: int = 4) -> dict[str, list[str]]:
    """Per language, example questions the documents answer (English topped up from headings)."""
    examples = {"en": _answered(assistant, list(EXAMPLES["en"]) + _from_headings(assistant), limit)}
    # Without the multilingual vectors a question in another language is only told to ask in
    # English: no example in it is offered.
    if assistant.index.multilingual is not None:
        for language, questions in EXAMPLES.items():
            if language != "en":
                examples[language] = _answered(assistant, questions, limit)
    return examples


def examples_for(examples: dict[str, list[str]], language: str) -> list[str]:
    """The examples to show a reader of this language: theirs, else the English ones."""
    return examples.get(language) or examples.get("en", [])


def _from_headings(assistant: Assistant) -> list[str]:
    candidates = []
    seen: set[str] = set()
    for chunk in assistant.index.chunks:
        heading = (chunk.section or "").strip()
        if heading and heading.lower() not in seen and 2 <= len(heading.split()) <= 8:
            seen.add(heading.lower())
            if not re.search(r"[\d:;()]", heading):
                candidates.append(
                    f"What do the documents say about {heading[0].lower()}{heading[1:]}?"
                )
    return candidates


def _answered(assistant: Assistant, candidates: list[str], limit: int) -> list[str]:
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
    """A function's result computed once on a thread; result() waits for it (or gives
    ``empty``)."""

    def __init__(self, fn: Any, *args: Any, empty: Any = None) -> None:
        self._empty = empty
        self._result: Any = empty
        self._thread = threading.Thread(target=self._run, args=(fn, *args), daemon=True)
        self._thread.start()

    def _run(self, fn: Any, *args: Any) -> None:
        try:
            self._result = fn(*args)
        except Exception:
            log.exception("Background task %s failed", getattr(fn, "__name__", fn))

    def result(self, timeout: float) -> Any:
        """The result, or ``empty`` if it isn't ready within timeout seconds or failed."""
        self._thread.join(timeout)
        return self._empty if self._thread.is_alive() else self._result


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
