"""Hybrid search: dense (FAISS) and BM25 candidates, fused with sentence-level term coverage."""

from __future__ import annotations

from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass, field, replace

import numpy as np

from assistant.errors import QuestionError
from assistant.ingest.chunking import Chunk
from assistant.language.questions import Question, analyse, clean
from assistant.language.spelling import Speller
from assistant.language.text import terms, words
from assistant.settings import RetrievalSettings
from assistant.store.embeddings import Embedder
from assistant.store.index import Index
from assistant.store.lexical import Lexical

CONTEXT_DISCOUNT = 0.9
# An answer says something the question doesn't: at least this many terms of its own.
NOVEL_TERMS = 1


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


MIN_INITIALS = 3  # two-letter initials collide with too much ("AI", "NC")


class Retriever:
    """Searches one index; cheap to query from many threads (read-only after construction)."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        settings: RetrievalSettings,
        lexical: Lexical | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.lexical = lexical or index.lexical  # read with the index, never built here
        self.abbreviations = self.lexical.abbreviations
        self.stats = self.lexical.stats
        self._bm25 = self.lexical.bm25
        self.speller = Speller(self.lexical.words, self.stats.df)
        # Passage and sentence term sets are made for the few dozen candidates a question
        # touches, then kept: analysing every passage at open is what the stored lexical part saves.
        self._passage_terms: dict[int, frozenset[str]] = {}
        self._sentence_terms: dict[int, list[frozenset[str]]] = {}
        self._document_terms: dict[str, frozenset[str]] = {}
        # What a document is (its title, publisher, kind), for questions that name it.
        self._described = {
            doc_id: frozenset(terms(" ".join(str(meta.get(k) or "") for k in _DESCRIBING)))
            for doc_id, meta in index.documents.items()
        }

    def analyse(self, question: str) -> Question:
        """Analyse a question, noting the names in it that no passage mentions and the
        documents it names ("according to the explainer")."""
        # A typo is read as the word it stands for; the question is still shown as typed.
        corrected, fixes = (
            self.speller.correct(question) if self.settings.correct_typos else (question, {})
        )
        q = replace(analyse(corrected), foreign=self.speller.foreign(question))
        if fixes:
            q = replace(q, text=clean(question), corrections=tuple(sorted(fixes.items())))
        unknown = tuple(
            n for n in q.names if terms(n) and all(self.stats.df.get(t, 0) == 0 for t in terms(n))
        )
        named: dict[str, frozenset[str]] = {}
        for ref in q.source_refs:
            for doc in self._documents_named(ref):
                named[doc] = named.get(doc, frozenset()) | frozenset(terms(ref))
        # Words that name a document ("the WLPF report") are not expanded: they say where to
        # look, and every passage of that document already counts as saying them.
        naming = frozenset().union(*named.values())
        if named:
            # "What ISBN does the press release carry?": the WLPF report has one, but the
            # named document never says the word, so it cannot answer.
            said = frozenset().union(*(self._said_in(doc) for doc in named)) | naming
            unknown += tuple(
                n
                for n in (*q.names, *q.abbreviations)
                if n not in unknown and terms(n) and not said.intersection(terms(n))
            )
        asked = [t for t in q.terms if t not in naming]
        initialisms = self._initialisms(q)
        extra = tuple(
            t
            for t in dict.fromkeys(
                [*self.abbreviations.expand(asked), *(a for a, _ in initialisms)]
            )
            if t not in q.terms
        )
        return replace(
            q,
            extra_terms=extra,
            initialisms=initialisms,
            unknown_names=unknown,
            documents=tuple(named),
            naming_terms=tuple(named.values()),
        )

    def _initialisms(self, q: Question) -> tuple[tuple[str, frozenset[str]], ...]:
        """Names in the question whose initials the corpus writes as a word, though it may never
        define them ("HRC Resolution on access to medicines" for "Human Rights Council"). Three
        letters at least ("NC" is in "CC BY-NC-SA"), written in capitals, and not defined as
        something else ("AI: artificial intelligence" is not Amnesty International)."""
        found = []
        for name in q.names:
            parts = name.replace("-", " ").split()
            initials = "".join(p[0] for p in parts).upper()
            term = terms(initials)
            name_terms = frozenset(terms(name))
            defined = self.abbreviations.expansions.get(initials.lower())
            if (
                len(parts) >= MIN_INITIALS
                and len(term) == 1
                and self.lexical.words.get(initials, 0)
                and term[0] not in q.terms
                and (defined is None or defined <= name_terms)
            ):
                found.append((term[0], name_terms))
        return tuple(found)

    def _documents_named(self, ref: str) -> list[str]:
        """The documents whose manifest description has every word of "the WLPF report";
        "the annual report" names none of them when no description says "annual"."""
        ref_terms = set(terms(ref))
        if not ref_terms:
            return []
        return sorted(doc for doc, described in self._described.items() if ref_terms <= described)

    def search(
        self,
        question: str | Question,
        k: int = 5,
        documents: Sequence[str] | None = None,
    ) -> list[Hit]:
        """The k best passages for a question, optionally only from the named documents."""
        if k < 1:
            raise QuestionError(f"k must be at least 1; got {k}")
        q = question if isinstance(question, Question) else self.analyse(question)
        rows = self._rows_for(documents or q.documents)
        if not q.text.strip() or not self.index.chunks or rows == []:
            return []
        s = self.settings
        vector = self.embedder.embed_query(q.ask or q.text)
        dense_ranked = self._dense(vector, s.candidates, rows) if s.dense_weight > 0 else []
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
            coverage, scores = self._sentence_scores(row, q, vector, cover, named)
            best = int(np.argmax(scores)) if len(scores) else None
            score = (
                (s.dense_weight / (s.rrf_k + d_rank) if d_rank else 0.0)
                + (s.bm25_weight / (s.rrf_k + b_rank) if b_rank else 0.0)
                + s.sentence_weight * (max(scores) if len(scores) else 0.0) / (s.rrf_k + 1)
            )
            hits.append(
                Hit(
                    chunk=self.index.chunks[row],
                    score=score,
                    dense_rank=d_rank,
                    bm25_rank=b_rank,
                    dense_score=d_score,
                    bm25_score=b_score,
                    coverage=coverage,
                    passage_coverage=cover(_spelled_out(q, self._terms_of(row)) | named),
                    best_sentence=best,
                    sentence_scores=tuple(scores),
                )
            )
        hits.sort(key=lambda h: h.score, reverse=True)
        return _without_near_duplicates(hits, k, s.duplicate_threshold)

    def _sentence_scores(
        self,
        row: int,
        q: Question,
        vector: np.ndarray,
        cover: Callable[[Set[str]], float],
        named: frozenset[str] = frozenset(),
    ) -> tuple[float, list[float]]:
        """Best term coverage, and per sentence: similarity and coverage mixed, type-checked."""
        chunk = self.index.chunks[row]
        texts = chunk.sentence_texts()
        cached = self._sentence_terms.get(row)
        if cached is None:
            cached = [frozenset(self.abbreviations.terms(t)) for t in texts]
            self._sentence_terms[row] = cached
        if not cached:
            return 0.0, []
        # A sentence often names its subject in the one before ("It ... ten departments"),
        # so it may borrow that sentence's terms, at a small discount.
        said = [_spelled_out(q, t) | named for t in cached]
        coverage = np.array(
            [
                max(cover(t), CONTEXT_DISCOUNT * cover(said[i - 1] | t) if i else 0.0)
                for i, t in enumerate(said)
            ]
        )
        similarity = np.clip(self.index.chunk_sentence_vectors(row) @ vector, 0.0, 1.0)
        share = self.settings.sentence_dense_share
        scores = share * similarity + (1 - share) * coverage
        fits = np.array([_can_answer(q, text, t) for text, t in zip(texts, cached, strict=True)])
        scores = np.where(fits, scores, scores * self.settings.type_penalty)
        return float(coverage.max()), [float(x) for x in scores]

    def _terms_of(self, row: int) -> frozenset[str]:
        found = self._passage_terms.get(row)
        if found is None:
            found = frozenset(self.lexical.passage_terms(self.index.chunks[row]))
            self._passage_terms[row] = found
        return found

    def _said_in(self, doc_id: str) -> frozenset[str]:
        """Every term a document uses (kept: made once per document a question names)."""
        found = self._document_terms.get(doc_id)
        if found is None:
            rows = self.index.rows_by_doc.get(doc_id, [])
            found = frozenset().union(*(self._terms_of(r) for r in rows))
            self._document_terms[doc_id] = found
        return found

    def _rows_for(self, documents: Sequence[str] | None) -> list[int] | None:
        if not documents:
            return None
        return sorted(r for d in documents for r in self.index.rows_by_doc.get(d, []))

    def _dense(self, vector: np.ndarray, n: int, rows: list[int] | None) -> list[tuple[int, float]]:
        ids, scores = self.index.search(vector, n, rows)
        return list(zip(ids, scores, strict=True))

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


_DESCRIBING = ("title", "publisher", "licence", "notes")


def _can_answer(q: Question, sentence: str, sentence_terms: Set[str]) -> bool:
    """False for a sentence that only restates the question (a heading, a question of its own)
    or lacks the kind of answer asked for (a number, a date)."""
    if sentence.rstrip(" <>*").endswith("?"):
        return False
    # Against the question's own terms: "NRA: National Regulatory Authority" answers "What does
    # NRA stand for?" with exactly the terms the abbreviation brings.
    if len(sentence_terms - set(q.terms)) < NOVEL_TERMS:
        return False
    return q.satisfied_by(sentence)


def _spelled_out(q: Question, said: frozenset[str]) -> frozenset[str]:
    """What a text says, with the question's names whose initials it writes ("HRC")."""
    return said.union(*(name for short, name in q.initialisms if short in said))


def _without_near_duplicates(hits: list[Hit], k: int, threshold: float) -> list[Hit]:
    """Keep the best of passages whose word sets overlap above the threshold."""
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
