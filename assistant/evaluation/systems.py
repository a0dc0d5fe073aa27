"""The systems an evaluation compares: anything that ranks passages and answers questions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.answer.types import Answer
from assistant.api import Assistant
from assistant.evaluation.configs import EvalConfig, make_answerer
from assistant.settings import Settings
from assistant.store.embeddings import Embedder, WrappedEmbedder
from assistant.store.report import Progress


@dataclass(frozen=True)
class Retrieved:
    """One ranked passage as the evaluation sees it."""

    doc_id: str
    chunk_id: str
    text: str


class System(Protocol):
    """Something to evaluate: ranks passages for a question and answers it."""

    name: str
    description: str
    is_baseline: bool

    def ask(self, question: str) -> Answer:
        """The system's answer (with citations, or a refusal)."""
        ...

    def search(self, question: str, k: int) -> list[Retrieved]:
        """The k best passages, best first."""
        ...

    def contexts(self, answer: Answer) -> list[str]:
        """The passages the answer was composed from (for a RAGAS export)."""
        ...


@dataclass
class AssistantSystem:
    """An Assistant under one configuration."""

    name: str
    assistant: Assistant
    description: str = ""
    overrides: dict[str, Any] = field(default_factory=dict)
    is_baseline: bool = False

    def ask(self, question: str) -> Answer:
        """The assistant's answer."""
        return self.assistant.ask(question)

    def search(self, question: str, k: int) -> list[Retrieved]:
        """The assistant's hybrid (or configured) search."""
        return [
            Retrieved(h.chunk.doc_id, h.chunk.chunk_id, h.chunk.text)
            for h in self.assistant.search(question, k)
        ]

    def contexts(self, answer: Answer) -> list[str]:
        """The passages handed to the answerer."""
        return [h.chunk.text for h in answer.hits]


class FreshQueries(WrappedEmbedder):
    """An Embedder that embeds each new question afresh, so every configuration's latency
    includes embedding it (a shared cache would make later configurations look faster);
    the last question is kept for the search that follows its answer."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__(inner)
        self._last: tuple[str, np.ndarray] | None = None

    def embed_query(self, text: str) -> np.ndarray:
        """The question's vector, computed afresh unless it is the previous question."""
        if self._last is not None and self._last[0] == text:
            return self._last[1]
        vector = self.inner.embed_documents([text])[0]
        self._last = (text, vector)
        return vector


def open_config(
    config: EvalConfig,
    base: Settings,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
    opened: dict[Path, Assistant] | None = None,
    rebuild: bool = False,
) -> AssistantSystem:
    """An Assistant for the configuration, building its own index when chunking differs;
    `opened` shares one index between configurations that only change retrieval or answers.
    Without an embedder, Assistant.open builds the one the settings choose (so the index it
    finds is the one `assistant index` built, not rebuilt for a different embedder)."""
    settings = config.settings(base)
    index_dir = config.index_dir(base)
    settings = settings.model_copy(update={"index_dir": index_dir})
    opened = {} if opened is None else opened
    if index_dir not in opened:
        opened[index_dir] = Assistant.open(
            settings=settings, embedder=embedder, rebuild=rebuild, progress=progress
        )
    shared = opened[index_dir]
    inner = embedder or shared.embedder
    fresh = FreshQueries(inner.inner if isinstance(inner, FreshQueries) else inner)
    answerer = make_answerer(config.answerer, settings, fresh)
    if answerer is None and shared.settings == settings:
        answerer = shared.answerer  # already built for exactly these settings
    bot = Assistant(shared.index, fresh, settings, answerer, shared.report)
    return AssistantSystem(config.name, bot, config.description, dict(config.overrides))
