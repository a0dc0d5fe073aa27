"""Ingestion: end to end (load → chunk → embed → index) against raw encode of the same texts."""

from __future__ import annotations

import statistics
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

from bench import stock
from bench.common import clock, embedder

LANGCHAIN = "stock LangChain (DirectoryLoader, RecursiveCharacterTextSplitter, FAISS)"


def _chunk_texts(corpus: Path, model: Any) -> list[str]:
    from assistant.ingest.chunking import ChunkingSettings, split
    from assistant.ingest.documents import load_corpus
    from assistant.settings import load_settings

    s = load_settings()
    chunking = ChunkingSettings(
        s.index.chunk_tokens, s.index.chunk_overlap_tokens, model.max_tokens
    )
    return [c.text for d in load_corpus(corpus).documents for c in split(d, model, chunking)]


def _build(corpus: Path, index_dir: Path, model: Any) -> int:
    from assistant.ingest.chunking import ChunkingSettings
    from assistant.settings import load_settings
    from assistant.store.sync import sync_index

    s = load_settings()
    chunking = ChunkingSettings(
        s.index.chunk_tokens, s.index.chunk_overlap_tokens, model.max_tokens
    )
    index, _ = sync_index(corpus, index_dir, model, chunking, rebuild=True)
    return len(index.chunks)


def run(
    documents: int, paragraphs: int, repeats: int, backends: list[str], batch_size: int = 32
) -> dict[str, Any]:
    """Seconds and chunks/s for raw encode, our pipeline (each backend, and the previous
    separate-sentence pipeline), and the stock LangChain recipe, on one synthetic corpus."""
    from bench.corpus_gen import write_documents
    from bench.quality import SeparateSentences

    out: dict[str, Any] = {"documents": documents, "batch_size": batch_size, "rows": {}}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        write_documents(corpus, documents, paragraphs)
        torch_model = embedder("torch", batch_size)
        texts = _chunk_texts(corpus, torch_model)
        out["chunks"] = len(texts)
        out["corpus_kb"] = round(sum(p.stat().st_size for p in corpus.iterdir()) / 1024, 1)

        def raw() -> None:
            torch_model.model.encode(
                texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
            )

        raw()  # warm-up: first batches allocate
        variants: list[tuple[str, Any]] = [("torch", torch_model)]
        variants += [(b, embedder(b, batch_size)) for b in backends if b != "torch"]
        variants.append(("torch, separate sentences (previous)", SeparateSentences(torch_model)))
        reason = stock.available()
        lc = None if reason else stock.embeddings(batch_size)
        lc_chunks = 0
        timings: dict[str, list[float]] = {"raw": []}
        for _ in range(repeats):  # interleaved, so load changes hit every variant alike
            timings["raw"].append(clock(raw)[1])
            for name, model in variants:
                seconds = clock(partial(_build, corpus, Path(tmp) / "index", model))[1]
                timings.setdefault(name, []).append(seconds)
            if lc is not None:
                (_, lc_chunks), seconds = clock(lambda: stock.ingest(corpus, lc))
                timings.setdefault(LANGCHAIN, []).append(seconds)
        raw_runs = timings.pop("raw")
        raw_s = statistics.median(raw_runs)
        out["rows"]["raw SentenceTransformer.encode"] = _row(raw_runs, raw_runs, len(texts))
        for name, runs in timings.items():
            label = name if name == LANGCHAIN else f"assistant index ({name})"
            chunks = lc_chunks if name == LANGCHAIN else len(texts)
            out["rows"][label] = _row(runs, raw_runs, chunks)
        if reason:
            out["langchain_skipped"] = reason
        else:
            out["rows"][LANGCHAIN]["note"] = "its own chunks (1000 characters, 200 overlap)"
        out["raw_encode_s"] = round(raw_s, 3)
    return out


def _row(runs: list[float], raw_runs: list[float], chunks: int) -> dict[str, Any]:
    """Median seconds, and the median of each repeat's ratio to the raw encode just before it
    (robust to the load drifting between repeats)."""
    seconds = statistics.median(runs)
    ratios = [r / raw for r, raw in zip(runs, raw_runs, strict=True) if raw]
    return {
        "seconds": round(seconds, 3),
        "chunks": chunks,
        "chunks_per_s": round(chunks / seconds, 1) if seconds else 0.0,
        "x_raw_encode": round(statistics.median(ratios), 3) if ratios else 0.0,
    }
