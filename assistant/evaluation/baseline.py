"""The stock LangChain recipe as a baseline row: RecursiveCharacterTextSplitter(1000, 200), the
same MiniLM model, LangChain's FAISS vector store, k=4, on the documents our readers load.

The recipe hands its 4 passages to an LLM; with no LLM in the recipe to compare, its "answer" is
its top passage cited as [1] (what a reader sees first) and it never refuses. Ranking metrics
(hit@5, hit@10, MRR, nDCG) read further down the same FAISS ranking than the 4 it keeps."""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.answer.types import Answer, Citation
from assistant.evaluation.systems import Retrieved
from assistant.ingest.documents import Source, load_corpus
from assistant.store.embeddings import Embedder
from assistant.store.report import Progress

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
K = 4
NAME = "langchain"
DESCRIPTION = "stock LangChain: RecursiveCharacterTextSplitter 1000/200, MiniLM, FAISS, k=4"


BATCH = 256  # passages per progress step


def embeddings_adapter(embedder: Embedder, progress: Progress | None = None) -> Any:
    """Our embedder as a LangChain Embeddings object (same model, loaded once, offline);
    `progress` hears ("langchain embedding", done, total) while passages are embedded."""
    from langchain_core.embeddings import Embeddings

    last: dict[str, Any] = {}
    tell = progress or (lambda stage, done, total: None)

    class _Adapter(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            rows: list[list[float]] = []
            for start in range(0, len(texts), BATCH):
                tell("langchain embedding", start, len(texts))
                vectors = embedder.embed_documents(texts[start : start + BATCH])
                rows += [[float(x) for x in row] for row in vectors]
            tell("langchain embedding", len(texts), len(texts))
            return rows

        def embed_query(self, text: str) -> list[float]:
            # One fresh embedding per question, kept for the search that follows its answer.
            if last.get("text") != text:
                last["text"], last["vector"] = text, embedder.embed_query(text)
            return [float(x) for x in last["vector"]]

    return _Adapter()


@dataclass
class LangChainBaseline:
    """The recipe's vector store over the corpus, queried like the other systems."""

    store: Any
    sources: dict[str, Source]
    passages: int
    name: str = NAME
    description: str = DESCRIPTION
    is_baseline: bool = True
    overrides: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls, corpus_dir: Path, embedder: Embedder, progress: Progress | None = None
    ) -> LangChainBaseline:
        """Split and embed the corpus the stock way."""
        with warnings.catch_warnings():
            # langchain-community announces its own sunset on import; the recipe still uses it.
            warnings.simplefilter("ignore", DeprecationWarning)
            from langchain_community.vectorstores import FAISS
        from langchain_core.documents import Document as LCDocument
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        corpus = load_corpus(corpus_dir)
        docs = [
            LCDocument(page_content=d.text, metadata={"source": d.doc_id}) for d in corpus.documents
        ]
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP
        )
        chunks = splitter.split_documents(docs)
        store = FAISS.from_documents(chunks, embeddings_adapter(embedder, progress))
        sources = {d.doc_id: d.source for d in corpus.documents}
        return cls(store, sources, len(chunks))

    def search(self, question: str, k: int) -> list[Retrieved]:
        """FAISS similarity search, best first."""
        docs = self.store.similarity_search(question, k=k)
        return [
            Retrieved(d.metadata["source"], _chunk_id(d.page_content), d.page_content) for d in docs
        ]

    def ask(self, question: str) -> Answer:
        """The recipe's retrieval (k=4); its top passage stands in for the LLM's answer."""
        docs = self.store.similarity_search(question, k=K)
        if not docs:
            return Answer(question, "", [], True, [], 0.0, "top-passage")
        top = docs[0]
        doc_id = top.metadata["source"]
        citation = Citation(
            number=1,
            chunk_id=_chunk_id(top.page_content),
            doc_id=doc_id,
            passage=top.page_content,
            sentence_start=0,
            sentence_end=len(top.page_content),
            source=self.sources.get(doc_id) or Source(doc_id, doc_id),
        )
        answer = Answer(
            question, f"{top.page_content} [1]", [citation], False, [], 1.0, "top-passage"
        )
        self._contexts[question] = [d.page_content for d in docs]
        return answer

    def contexts(self, answer: Answer) -> list[str]:
        """The 4 passages the recipe would hand to its LLM."""
        return self._contexts.get(answer.question, [])

    def __post_init__(self) -> None:
        self._contexts: dict[str, list[str]] = {}


def _chunk_id(text: str) -> str:
    return "lc-" + hashlib.sha256(text.encode()).hexdigest()[:16]
