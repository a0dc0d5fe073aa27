"""Ingestion: end to end (load → chunk → embed → index) against raw encode of the same texts."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench import stock
from bench.common import best_of, clock, embedder


def _chunk_texts(corpus: Path, model: Any) -> list[str]:
    from assistant.chunking import ChunkingSettings, split
    from assistant.documents import load_corpus
    from assistant.settings import load_settings

    s = load_settings()
    chunking = ChunkingSettings(s.chunk_tokens, s.chunk_overlap_tokens, model.max_tokens)
    return [c.text for d in load_corpus(corpus).documents for c in split(d, model, chunking)]


def _build(corpus: Path, index_dir: Path, model: Any) -> int:
    from assistant.chunking import ChunkingSettings
    from assistant.index import sync_index
    from assistant.settings import load_settings

    s = load_settings()
    chunking = ChunkingSettings(s.chunk_tokens, s.chunk_overlap_tokens, model.max_tokens)
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
        timings: dict[str, list[float]] = {"raw": []}
        for _ in range(repeats):  # interleaved, so load changes hit every variant alike
            timings["raw"].append(clock(raw)[1])
            for name, model in variants:
                seconds = clock(lambda m=model: _build(corpus, Path(tmp) / "index", m))[1]
                timings.setdefault(name, []).append(seconds)
        raw_s = sorted(timings["raw"])[len(timings["raw"]) // 2]
        out["rows"]["raw SentenceTransformer.encode"] = _row(raw_s, len(texts), raw_s)
        for name, _ in variants:
            seconds = sorted(timings[name])[len(timings[name]) // 2]
            out["rows"][f"assistant index ({name})"] = _row(seconds, len(texts), raw_s)
        reason = stock.available()
        if reason:
            out["langchain_skipped"] = reason
        else:
            lc = stock.embeddings(batch_size)
            counts: list[int] = []
            seconds = best_of(lambda: counts.append(stock.ingest(corpus, lc)[1]), repeats)
            row = _row(seconds, counts[-1], raw_s)
            row["note"] = "its own chunks (1000 characters, 200 overlap)"
            out["rows"][
                "stock LangChain (DirectoryLoader, RecursiveCharacterTextSplitter, FAISS)"
            ] = row
    return out


def _row(seconds: float, chunks: int, raw_s: float) -> dict[str, Any]:
    return {
        "seconds": round(seconds, 3),
        "chunks": chunks,
        "chunks_per_s": round(chunks / seconds, 1) if seconds else 0.0,
        "x_raw_encode": round(seconds / raw_s, 3) if raw_s else 0.0,
    }
