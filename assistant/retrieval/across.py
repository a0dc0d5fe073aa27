"""How well each sentence of a passage answers a question asked in another language.

MiniLM and the term rules read English. For a question in another language the multilingual
model's sentence vectors are what is left to judge by: their cosine with the question, mapped to
0-1 so that the refusal threshold and the sentence picking read it as they read English scores.
"""

from __future__ import annotations

import numpy as np

from assistant.store.index import Index

# multilingual-e5's cosines are crowded into a narrow band: below UNRELATED a sentence is about
# something else, at ANSWERING it answers as clearly as this model can tell.
UNRELATED = 0.80
ANSWERING = 0.90


# A passage's score across languages: its own cosine and its best sentence's, equally, and a
# small share for its BM25 rank: BM25's terms are the question's names, numbers and acronyms as
# written and its other words as the documents' nearest words (retrieval/gloss.py), too rough
# to rank by, good enough to break near-ties between passages the model reads alike.
PASSAGE_SHARE = 0.5
TERMS_SHARE = 0.2
TERMS_RANK_OFFSET = 10


def read_across(index: Index, row: int, question: np.ndarray) -> tuple[float, list[float]]:
    """A passage read against a question in another language: its rank score (cosine scale)
    and each sentence's 0-1 similarity to the question."""
    assert index.multilingual is not None
    passage = float(np.asarray(index.multilingual[row], dtype=np.float32) @ question)
    cosines = np.asarray(index.chunk_multilingual_sentences(row), dtype=np.float32) @ question
    best = float(cosines.max()) if len(cosines) else passage
    score = PASSAGE_SHARE * passage + (1 - PASSAGE_SHARE) * best
    return score, [float(x) for x in calibrated(cosines)]


def with_terms(score: float, bm25_rank: int | None) -> float:
    """A passage's score across languages, raised by its BM25 rank for the question's terms."""
    return score + (TERMS_SHARE / (TERMS_RANK_OFFSET + bm25_rank) if bm25_rank else 0.0)


def calibrated(cosines: np.ndarray) -> np.ndarray:
    """Cosines mapped to 0-1 between UNRELATED and ANSWERING."""
    return np.clip((cosines - UNRELATED) / (ANSWERING - UNRELATED), 0.0, 1.0)
