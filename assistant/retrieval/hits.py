"""A retrieved passage with its scores: what retrieval hands to answering and to callers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.ingest.chunking import Chunk


@dataclass(frozen=True)
class Hit:
    """A retrieved passage with its fused score and each component's rank (1-based)."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    bm25_rank: int | None = None
    dense_score: float | None = None
    bm25_score: float | None = None
    coverage: float = 0.0  # best sentence's share of the question's terms
    passage_coverage: float = 0.0  # the whole passage's (with its section heading) share
    best_sentence: int | None = None  # index into chunk.sentences
    sentence_scores: tuple[float, ...] = field(default=(), repr=False)
    # The answerability model's probability for the sentences it read: (sentence, score).
    answer_scores: tuple[tuple[int, float], ...] = field(default=(), repr=False)
    # The sentence scores are cross-lingual similarities (the question is in another language
    # than the documents), not term coverage and MiniLM's.
    across: bool = False

    @property
    def answerability(self) -> float | None:
        """The model's best probability that a sentence of this passage answers; None when the
        model did not read it."""
        return max((p for _, p in self.answer_scores), default=None)

    def answer_score(self, sentence: int) -> float | None:
        """The model's probability that this sentence answers; None when it did not read it."""
        return next((p for i, p in self.answer_scores if i == sentence), None)

    @property
    def sentence_score(self) -> float:
        """Score (0-1) of the passage's best sentence as an answer to the question."""
        return max(self.sentence_scores, default=0.0)

    @property
    def best_span(self) -> tuple[int, int]:
        """Character span of the best sentence in the passage ((0, 0) when there is none)."""
        i = self.best_sentence
        return (
            self.chunk.sentences[i] if i is not None and i < len(self.chunk.sentences) else (0, 0)
        )

    @property
    def best_text(self) -> str:
        """The passage's best sentence, or its text when it has no sentences."""
        start, end = self.best_span
        return self.chunk.text[start:end].strip() if end else self.chunk.text.strip()

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: the passage, where it is, and how it was found."""
        chunk = self.chunk
        return {
            "chunk_id": chunk.chunk_id,
            "doc_id": chunk.doc_id,
            "title": chunk.title,
            "section": chunk.section,
            "page": chunk.page,
            "last_page": chunk.last_page,
            "start": chunk.start,
            "end": chunk.end,
            "passage": chunk.text,
            "score": round(self.score, 6),
            "dense_rank": self.dense_rank,
            "bm25_rank": self.bm25_rank,
        }
