"""The library entry point: open (or build) an index and ask it questions."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answer import registry
from assistant.answer.types import Answer, Answerer
from assistant.errors import QuestionError, SettingsError
from assistant.ingest.chunking import ChunkingSettings
from assistant.ingest.documents import Source
from assistant.language.questions import Question
from assistant.retrieval.answerability import answerability_reranker
from assistant.retrieval.hits import Hit
from assistant.retrieval.rerank import Reranker
from assistant.retrieval.retriever import Retriever
from assistant.settings import Settings, load_settings, settings_with
from assistant.store.embeddings import Embedder, SentenceTransformerEmbedder
from assistant.store.index import Index, read_index
from assistant.store.multilingual import MultilingualEmbedder, load_multilingual
from assistant.store.report import Progress, SyncReport
from assistant.store.sync import sync_index

if TYPE_CHECKING:
    from assistant.retrieval.langchain import AssistantRetriever


class Assistant:
    """Answers questions from an indexed corpus, citing the passages it quotes."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        settings: Settings,
        answerer: Answerer | None = None,
        report: SyncReport | None = None,
        reranker: Reranker | None = None,
        multilingual: MultilingualEmbedder | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.report = report or SyncReport()
        self.retriever = Retriever(
            index,
            embedder,
            settings.retrieval,
            reranker=reranker or answerability_reranker(settings.retrieval),
            rules=settings.rules,
            # Only an index with multilingual vectors can be searched across languages.
            multilingual=(
                (multilingual or load_multilingual(settings.index.multilingual_model))
                if index.multilingual is not None
                else None
            ),
        )
        self.answerer: Answerer = answerer or registry.build(settings, embedder)
        self.sources = {
            doc_id: Source(**{k: meta.get(k, "") for k in Source.__dataclass_fields__})
            for doc_id, meta in index.documents.items()
        }

    @classmethod
    def open(
        cls,
        index_dir: str | Path | None = None,
        corpus_dir: str | Path | None = None,
        *,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        answerer: Answerer | str | None = None,
        reranker: Reranker | None = None,
        rebuild: bool = False,
        progress: Progress | None = None,
        **overrides: Any,
    ) -> Assistant:
        """Open the index, building or updating it first if the corpus or settings changed.
        ``answerer`` is an Answerer, or the name of a built-in one ("extractive", "local",
        "openai")."""
        if isinstance(answerer, str):
            overrides["answerer"] = answerer
            answerer = None
        if settings is None:
            settings = load_settings(index_dir=index_dir, corpus_dir=corpus_dir, **overrides)
        elif index_dir is not None or corpus_dir is not None or overrides:
            # Validated like settings built from scratch (model_copy would take anything), and
            # a falsy override (refusal_threshold=0.0) is still an override.
            settings = settings_with(
                settings, index_dir=index_dir, corpus_dir=corpus_dir, **overrides
            )
        # Named models are checked before minutes of indexing, not after.
        if answerer is None:
            registry.check(settings.answer.answerer)
        reranker = reranker or answerability_reranker(settings.retrieval)
        embedder = embedder or _embedder(settings)
        chunking = ChunkingSettings(
            settings.index.chunk_tokens, settings.index.chunk_overlap_tokens, embedder.max_tokens
        )
        kwargs: dict[str, Any] = {"progress": progress} if progress else {}
        # One model for the build and the searches.
        multilingual = load_multilingual(settings.index.multilingual_model)
        index, report = sync_index(
            Path(settings.corpus_dir),
            Path(settings.index_dir),
            _indexing_embedder(embedder, settings),
            chunking,
            rebuild=rebuild,
            ann=settings.index.ann,
            max_document_bytes=settings.index.max_document_mb * 1024 * 1024,
            multilingual=multilingual,
            **kwargs,
        )
        return cls(index, embedder, settings, answerer, report, reranker, multilingual)

    @classmethod
    def load(cls, settings: Settings, embedder: Embedder | None = None) -> Assistant:
        """Open the index as it was last built, without checking the corpus or writing: for
        processes that share an index another one keeps up to date (serving replicas)."""
        embedder = embedder or _embedder(settings)
        return cls(read_index(Path(settings.index_dir), settings.index.ann), embedder, settings)

    def search(
        self, question: str, k: int | None = None, documents: Sequence[str] | None = None
    ) -> list[Hit]:
        """The k best passages for a question, optionally only from the named documents."""
        question = self._check(question)
        documents = self._check_documents(documents)
        return self.retriever.search(question, self._k(k, self.settings.retrieval.top_k), documents)

    def ask(self, question: str, documents: Sequence[str] | None = None) -> Answer:
        """Answer a question with [n] citations, or refuse when the documents don't say."""
        q, hits = self.prepare(question, documents)
        return self.answerer.answer(q, hits, self.sources)

    def prepare(
        self, question: str, documents: Sequence[str] | None = None, k: int | None = None
    ) -> tuple[Question, list[Hit]]:
        """The checked, analysed question (with the typos it was read with) and its k best
        passages: by default the ones an answer is composed from."""
        text = self._check(question)
        documents = self._check_documents(documents)
        q = self.retriever.read(text, documents)
        return q, self.retriever.search(
            q, self._k(k, max(5, self.settings.retrieval.top_k)), documents
        )

    def as_retriever(
        self, k: int = 4, documents: Sequence[str] | None = None
    ) -> AssistantRetriever:
        """A LangChain BaseRetriever over this assistant's hybrid search."""
        from assistant.retrieval.langchain import AssistantRetriever

        documents = self._check_documents(documents)
        return AssistantRetriever(assistant=self, k=self._k(k, 4), documents=documents or [])

    def _check(self, question: str) -> str:
        if not isinstance(question, str):
            raise QuestionError("The question must be text.")
        # Other spaces (no-break, ideographic) separate words too: keep them as plain spaces.
        cleaned = "".join(
            ch if ch.isprintable() or ch in "\n\t" else " " if ch.isspace() else ""
            for ch in question
        ).strip()
        if not cleaned:
            raise QuestionError("Please type a question.")
        if not self.index.chunks:
            raise QuestionError(
                f"No documents are indexed: add PDF, Word, HTML, Markdown or text files to "
                f"{self.settings.corpus_dir} and index them (`assistant index`)."
            )
        limit = self.settings.answer.max_question_chars
        if len(cleaned) > limit:
            raise QuestionError(
                f"The question is too long ({len(cleaned):,} characters; the limit is {limit:,}). "
                "Please shorten it."
            )
        return cleaned

    def _check_documents(self, documents: Sequence[str] | None) -> list[str] | None:
        """The documents to search as a list (one name may be given alone), all known."""
        # One name alone, a generator (read once, here), repeats: a plain list of names.
        names = [documents] if isinstance(documents, str) else list(documents or [])
        names = list(dict.fromkeys(names))
        unknown = [d for d in names if d not in self.index.documents]
        if unknown:
            known = ", ".join(self.index.documents) or "(none)"
            raise QuestionError(f"Unknown document(s): {', '.join(unknown)}. Known: {known}")
        return names or None

    @staticmethod
    def _k(k: int | None, default: int) -> int:
        if k is None:
            return default
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
            raise QuestionError(f"k must be a whole number of passages, at least 1; got {k!r}")
        return int(k)


def _indexing_embedder(embedder: Embedder, settings: Settings) -> Embedder:
    """The embedder new passages go through: this one, or a Ray cluster's actors running the
    same model when index.ray_address names one."""
    ix = settings.index
    if not ix.ray_address:
        return embedder
    if not isinstance(embedder, SentenceTransformerEmbedder):
        raise SettingsError("Indexing on Ray needs the built-in embedder (index.embedding_model)")
    from assistant.store.ray_embedding import ModelSpec, ray_embedder

    spec = ModelSpec(
        ix.embedding_model, ix.embedding_device, ix.embedding_batch_size, ix.embedding_backend
    )
    return ray_embedder(embedder, spec, ix.ray_address, ix.ray_actors)


def _embedder(settings: Settings) -> SentenceTransformerEmbedder:
    ix = settings.index
    return SentenceTransformerEmbedder(
        ix.embedding_model,
        ix.embedding_device,
        ix.embedding_batch_size,
        backend=ix.embedding_backend,
    )
