"""The benchmark steps the worker can run, each with JSON-able arguments and result."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def scale_base(path: str, count: int, backend: str = "onnx") -> dict[str, Any]:
    """Real embeddings of count synthetic passages and the gold questions (see bench.scale)."""
    from bench.scale import base_vectors

    return base_vectors(Path(path), count, backend)


def scale_vectors(base: str, n: int, kinds: list[str], queries: int = 200) -> dict[str, Any]:
    """FAISS kinds over n noisy vectors: build, size, memory, latency, recall@10."""
    from bench.scale import vectors_run

    return vectors_run(Path(base), n, kinds, queries)


def scale_bm25(n: int) -> dict[str, Any]:
    """bm25s over n synthetic passages: build, size, memory, latency."""
    from bench.scale import bm25_run

    return bm25_run(n)


def quality(backends: list[str]) -> dict[str, Any]:
    """Gold-set figures for each embedding variant (bench.quality)."""
    from bench.quality import run

    return run(backends)


def ingestion(documents: int, paragraphs: int, repeats: int, backends: list[str]) -> dict[str, Any]:
    """End-to-end ingestion vs raw encode vs LangChain (bench.ingestion)."""
    from bench.ingestion import run

    return run(documents, paragraphs, repeats, backends)


def incremental(documents: int, paragraphs: int) -> dict[str, Any]:
    """Change 1 of N documents: incremental vs full rebuild (bench.incremental)."""
    from bench.incremental import run

    return run(documents, paragraphs)


def latency(questions: int, rounds: int = 1) -> dict[str, Any]:
    """Per-stage and end-to-end query latency vs LangChain (bench.latency)."""
    from bench.latency import run

    return run(questions, rounds)


def coldstart(runs: int, serve: bool) -> dict[str, Any]:
    """Process start to first answer and to page-ready (bench.coldstart)."""
    from bench.coldstart import run

    return run(runs, serve)
