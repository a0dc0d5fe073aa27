"""The reranking step: a model that reorders the fused candidates before the top k are kept."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from assistant.language.questions import Question
from assistant.retrieval.hits import Hit


@runtime_checkable
class Reranker(Protocol):
    """Reorders (and may rescore) the fused candidates for a question."""

    def rerank(self, question: Question, hits: Sequence[Hit]) -> list[Hit]:
        """The hits, best first; the retriever then removes near-duplicates and keeps k."""
        ...
