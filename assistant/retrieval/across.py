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


# A passage's score across languages: its own cosine and its best sentence's, equally. The
# model's reading ranks better than rank fusion here: BM25 sees only the names and numbers of
# a foreign question, and what it finds joins the candidates to be read.
PASSAGE_SHARE = 0.5


def sentence_similarity(index: Index, row: int, question: np.ndarray) -> list[float]:
    """0-1 per sentence of the passage: its cross-lingual similarity to the question."""
    return [float(x) for x in calibrated(_sentence_cosines(index, row, question))]


def passage_score(index: Index, row: int, question: np.ndarray) -> float:
    """The passage's rank score for a question in another language (cosine scale)."""
    assert index.multilingual is not None
    passage = float(np.asarray(index.multilingual[row], dtype=np.float32) @ question)
    sentences = _sentence_cosines(index, row, question)
    best = float(sentences.max()) if len(sentences) else passage
    return PASSAGE_SHARE * passage + (1 - PASSAGE_SHARE) * best


def calibrated(cosines: np.ndarray) -> np.ndarray:
    """Cosines mapped to 0-1 between UNRELATED and ANSWERING."""
    return np.clip((cosines - UNRELATED) / (ANSWERING - UNRELATED), 0.0, 1.0)


def _sentence_cosines(index: Index, row: int, question: np.ndarray) -> np.ndarray:
    return np.asarray(index.chunk_multilingual_sentences(row), dtype=np.float32) @ question
