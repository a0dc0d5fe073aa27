"""How well each sentence of a passage answers a question: similarity, term coverage, and
whether it holds the kind of answer asked for."""

from __future__ import annotations

from collections.abc import Callable, Set

import numpy as np

from assistant.language.questions import Question
from assistant.settings import RetrievalSettings
from assistant.store.index import Index
from assistant.store.lexical import Lexical

# A sentence may borrow the terms of the one before it, at this discount.
CONTEXT_DISCOUNT = 0.9
# An answer says something the question doesn't: at least this many terms of its own.
NOVEL_TERMS = 1

Coverage = Callable[[Set[str]], float]


class PassageTerms:
    """The terms each passage is searched by, made for the passages a question touches and
    kept: analysing every passage up front is what the stored lexical part saves. One is
    shared by a retriever's reader and scorer."""

    def __init__(self, index: Index, lexical: Lexical) -> None:
        self.index = index
        self.lexical = lexical
        self._made: dict[int, frozenset[str]] = {}

    def __call__(self, row: int) -> frozenset[str]:
        """The terms of the passage at this row of the index."""
        found = self._made.get(row)
        if found is None:
            found = frozenset(self.lexical.passage_terms(self.index.chunks[row]))
            self._made[row] = found
        return found


class SentenceScorer:
    """Scores passages' sentences against a question; keeps the term sets it makes."""

    def __init__(
        self,
        index: Index,
        lexical: Lexical,
        settings: RetrievalSettings,
        passage_terms: PassageTerms | None = None,
    ) -> None:
        self.index = index
        self.lexical = lexical
        self.settings = settings
        self.passage_terms = passage_terms or PassageTerms(index, lexical)
        self._sentence_terms: dict[int, list[frozenset[str]]] = {}

    def sentences(
        self,
        row: int,
        q: Question,
        vector: np.ndarray,
        cover: Coverage,
        named: frozenset[str] = frozenset(),
    ) -> tuple[float, list[float]]:
        """Best term coverage, and per sentence: similarity and coverage mixed, type-checked."""
        chunk = self.index.chunks[row]
        texts = chunk.sentence_texts()
        cached = self._sentence_terms.get(row)
        if cached is None:
            cached = [frozenset(self.lexical.abbreviations.terms(t)) for t in texts]
            self._sentence_terms[row] = cached
        if not cached:
            return 0.0, []
        # A sentence often names its subject in the one before ("It ... ten departments"),
        # so it may borrow that sentence's terms, at a small discount.
        said = [spelled_out(q, t) | named for t in cached]
        coverage = np.array(
            [
                max(cover(t), CONTEXT_DISCOUNT * cover(said[i - 1] | t) if i else 0.0)
                for i, t in enumerate(said)
            ]
        )
        similarity = np.clip(self.index.chunk_sentence_vectors(row) @ vector, 0.0, 1.0)
        share = self.settings.sentence_dense_share
        scores = share * similarity + (1 - share) * coverage
        fits = np.array([answers_kind(q, text, t) for text, t in zip(texts, cached, strict=True)])
        scores = np.where(fits, scores, scores * self.settings.type_penalty)
        return float(coverage.max()), [float(x) for x in scores]


def answers_kind(q: Question, sentence: str, sentence_terms: Set[str]) -> bool:
    """False for a sentence that only restates the question (a heading, a question of its own)
    or lacks the kind of answer asked for (a number, a date)."""
    if sentence.rstrip(" <>*").endswith("?"):
        return False
    # Against the question's own terms: "NRA: National Regulatory Authority" answers "What does
    # NRA stand for?" with exactly the terms the abbreviation brings.
    if len(sentence_terms - set(q.terms)) < NOVEL_TERMS:
        return False
    return q.satisfied_by(sentence)


def spelled_out(q: Question, said: frozenset[str]) -> frozenset[str]:
    """What a text says, with the question's names whose initials it writes ("HRC")."""
    return said.union(*(name for short, name in q.initialisms if short in said))
