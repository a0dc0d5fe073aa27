"""The stock LangChain recipe a user would otherwise pick: loader, splitter, embeddings, FAISS."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any


def available() -> str | None:
    """None when langchain-community and langchain-text-splitters import, else the reason."""
    try:
        import langchain_community.vectorstores  # noqa: F401
        import langchain_text_splitters  # noqa: F401
    except ImportError as exc:
        return f"LangChain baseline skipped: {exc.name} is not installed (pip install -e .[bench])"
    return None


@cache
def embeddings(batch_size: int = 32) -> Any:
    """HuggingFaceEmbeddings over the bundled MiniLM, normalised, as the LangChain docs show it
    (one per process: loading is not part of what is timed)."""
    import warnings

    from langchain_community.embeddings import HuggingFaceEmbeddings

    from assistant.store.embeddings import resolve_model_path
    from bench.common import MODEL

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "moved to langchain-huggingface": same class
        return HuggingFaceEmbeddings(
            model_name=resolve_model_path(MODEL),
            model_kwargs={"device": "cpu", "local_files_only": True},
            encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size},
        )


def ingest(corpus_dir: Path, embedder: Any) -> tuple[Any, int]:
    """DirectoryLoader → RecursiveCharacterTextSplitter(1000, 200) → FAISS.from_documents."""
    from langchain_community.document_loaders import DirectoryLoader, TextLoader
    from langchain_community.vectorstores import FAISS
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    loader = DirectoryLoader(
        str(corpus_dir),
        glob="**/*.txt",
        loader_cls=TextLoader,
        loader_kwargs={"encoding": "utf-8"},
        show_progress=False,
    )
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    chunks = splitter.split_documents(loader.load())
    return FAISS.from_documents(chunks, embedder), len(chunks)
