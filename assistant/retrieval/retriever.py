"""Hybrid search: dense (FAISS) and BM25 candidates, fused with sentence-level term coverage."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.errors import QuestionError
from assistant.language.questions import Question
from assistant.retrieval.across import read_across, with_terms
from assistant.retrieval.fusion import fused_score, without_near_duplicates
from assistant.retrieval.gloss import Glosser
from assistant.retrieval.hits import Hit
from assistant.retrieval.reading import QuestionReader
from assistant.retrieval.rerank import Reranker
from assistant.retrieval.scoring import PassageTerms, SentenceScorer, spelled_out
from assistant.settings import RetrievalSettings, RuleSettings
from assistant.store.embeddings import Embedder
from assistant.store.index import Index
from assistant.store.lexical import Lexical
from assistant.store.multilingual import MultilingualEmbedder, ranked

__all__ = ["Hit", "Retriever"]


class Retriever:
    """Searches one index; cheap to query from many threads (read-only after construction)."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        settings: RetrievalSettings,
        lexical: Lexical | None = None,
        reranker: Reranker | None = None,
        rules: RuleSettings | None = None,
        multilingual: MultilingualEmbedder | None = None,
    ) -> None:
        self.index = index
        # Matches questions in other languages against the index's multilingual vectors.
        self.multilingual = multilingual
        self.embedder = embedder
        self.settings = settings
        self.lexical = lexical or index.lexical  # read with the index, never built here
        self.stats = self.lexical.stats
        self._bm25 = self.lexical.bm25
        terms = PassageTerms(index, self.lexical)
        words = index.multilingual_words
        glosser = None
        if multilingual and words is not None and (rules or RuleSettings()).foreign_words:
            glosser = Glosser(words, multilingual)
        self.reader = QuestionReader(
            index, self.lexical, settings.correct_typos, rules, terms, glosser
        )
        self.scorer = SentenceScorer(index, self.lexical, settings, terms)
        self.reranker = reranker

    def read(self, question: str, documents: Sequence[str] | None = None) -> Question:
        """The complete analysis of a question against this index (see QuestionReader)."""
        return self.reader.read(question, documents)

    def search(
        self,
        question: str | Question,
        k: int = 5,
        documents: Sequence[str] | None = None,
    ) -> list[Hit]:
        """The k best passages for a question, optionally only from the named documents."""
        if k < 1:
            raise QuestionError(f"k must be at least 1; got {k}")
        q = question if isinstance(question, Question) else self.read(question, documents)
        rows = self._rows_for(documents or q.documents)
        if not q.text.strip() or not self.index.chunks or rows == []:
            return []
        s = self.settings
        # MiniLM reads English: a question in another language is matched across languages,
        # by the multilingual model's passage and sentence vectors, and needs no MiniLM vector.
        across = self._across(q)
        vector = self.embedder.embed_query(q.ask or q.text) if across is None else None
        dense_ranked = self._dense(vector, across, s.candidates, rows) if s.dense_weight > 0 else []
        bm25_ranked = (
            self._bm25_search(list(q.search_terms), s.candidates, rows) if s.bm25_weight else []
        )
        dense_pos = {row: (i + 1, score) for i, (row, score) in enumerate(dense_ranked)}
        bm25_pos = {row: (i + 1, score) for i, (row, score) in enumerate(bm25_ranked)}
        cover = self.stats.coverage_of(q.terms)
        # "the WLPF report" is said by every passage of the WLPF report, by being in it.
        naming = dict(zip(q.documents, q.naming_terms, strict=True))
        hits = []
        for row in dict.fromkeys([r for r, _ in dense_ranked] + [r for r, _ in bm25_ranked]):
            d_rank, d_score = dense_pos.get(row, (None, None))
            b_rank, b_score = bm25_pos.get(row, (None, None))
            named = naming.get(self.index.chunks[row].doc_id, frozenset())
            if vector is not None:
                coverage, scores = self.scorer.sentences(row, q, vector, cover, named)
                score = fused_score(d_rank, b_rank, max(scores, default=0.0), s)
            else:
                assert across is not None
                coverage, (score, scores) = 0.0, read_across(self.index, row, across)
                score = with_terms(score, b_rank)
            best = int(np.argmax(scores)) if len(scores) else None
            hits.append(
                Hit(
                    chunk=self.index.chunks[row],
                    score=score,
                    dense_rank=d_rank,
                    bm25_rank=b_rank,
                    dense_score=d_score,
                    bm25_score=b_score,
                    coverage=coverage,
                    passage_coverage=cover(spelled_out(q, self.scorer.passage_terms(row)) | named),
                    best_sentence=best,
                    sentence_scores=tuple(scores),
                    across=across is not None,
                )
            )
        hits.sort(key=lambda h: h.score, reverse=True)
        if self.reranker is not None:
            hits = self.reranker.rerank(q, hits)
        return without_near_duplicates(hits, k, s.duplicate_threshold)

    def _rows_for(self, documents: Sequence[str] | None) -> list[int] | None:
        if not documents:
            return None
        return sorted(r for d in documents for r in self.index.rows_by_doc.get(d, []))

    def _dense(
        self,
        vector: np.ndarray | None,
        across: np.ndarray | None,
        n: int,
        rows: list[int] | None,
    ) -> list[tuple[int, float]]:
        if across is not None:
            assert self.index.multilingual is not None
            return ranked(self.index.multilingual, across, n, rows)
        assert vector is not None
        ids, scores = self.index.search(vector, n, rows)
        return list(zip(ids, scores, strict=True))

    def _across(self, q: Question) -> np.ndarray | None:
        """The question's multilingual vector when it is searched across languages, else None."""
        if q.foreign and self.multilingual is not None and self.index.multilingual is not None:
            return self.multilingual.query(q.ask or q.text)
        return None

    def _bm25_search(
        self, q_terms: list[str], n: int, rows: list[int] | None
    ) -> list[tuple[int, float]]:
        known = [t for t in q_terms if t in self._bm25.vocab_dict] if self._bm25 else []
        if not known:
            return []
        scores = self._bm25.get_scores(known)
        if rows is not None:
            mask = np.zeros(len(scores), dtype=bool)
            mask[rows] = True
            scores = np.where(mask, scores, 0.0)
        n = min(n, len(scores))
        # One partial sort of the scores as they are (no negated copy, no count of non-zeros):
        # at a million passages that is most of BM25's time.
        top = np.argpartition(scores, len(scores) - n)[len(scores) - n :]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(r), float(scores[r])) for r in top if scores[r] > 0]
