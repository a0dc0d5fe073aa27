"""Weighted reciprocal-rank fusion of the dense and BM25 rankings with the best sentence's score,
and the removal of near-duplicate passages from the fused ranking."""

from __future__ import annotations

from assistant.language.text import words
from assistant.retrieval.hits import Hit
from assistant.settings import RetrievalSettings


def fused_score(
    dense_rank: int | None, bm25_rank: int | None, sentence: float, s: RetrievalSettings
) -> float:
    """One passage's score: a weighted rank vote from each retriever that found it, and its
    best sentence's score counted as a vote of that weight at rank 1."""
    return (
        (s.dense_weight / (s.rrf_k + dense_rank) if dense_rank else 0.0)
        + (s.bm25_weight / (s.rrf_k + bm25_rank) if bm25_rank else 0.0)
        + s.sentence_weight * sentence / (s.rrf_k + 1)
    )


def without_near_duplicates(hits: list[Hit], k: int, threshold: float) -> list[Hit]:
    """The first k hits, keeping the best of passages whose word sets overlap above the
    threshold."""
    kept: list[Hit] = []
    kept_words: list[set[str]] = []
    for hit in hits:
        w = set(words(hit.chunk.text))
        if any(len(w & o) / max(1, len(w | o)) > threshold for o in kept_words):
            continue
        kept.append(hit)
        kept_words.append(w)
        if len(kept) == k:
            break
    return kept
