"""Retrieval quality on the gold set for each way of embedding, side by side in one run.

Variants: sentence vectors embedded separately (the previous index) or pooled from the
passage's own forward pass; torch, ONNX and ONNX int8 backends. Adoption rule (issue 6):
hit@1 no more than 0.01 below the reference and answered/refusal figures no worse.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import CORPUS, GOLD, embedder

FIGURES = ("hit@1", "hit@5", "mrr@10", "answer_f1", "citation_recall", "refusal_accuracy")


class SeparateSentences:
    """The project's embedder without embed_passages: the index embeds sentences on their own."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.backend = inner.backend

    @property
    def name(self) -> str:
        """Model name, as the inner embedder says."""
        return str(self.inner.name)

    @property
    def dimension(self) -> int:
        """Vector length."""
        return int(self.inner.dimension)

    @property
    def max_tokens(self) -> int:
        """Longest input."""
        return int(self.inner.max_tokens)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens per text."""
        return list(self.inner.count_tokens(texts))

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of texts, each encoded on its own."""
        return np.asarray(self.inner.embed_documents(texts))

    def embed_query(self, text: str) -> np.ndarray:
        """Vector of a question."""
        return np.asarray(self.inner.embed_query(text))


def evaluate_variant(model: Any, tmp: Path) -> dict[str, Any]:
    """Build an index of the real corpus with this embedder; gold figures and build time."""
    from assistant.api import Assistant
    from assistant.evaluation.evaluate import evaluate, load_gold
    from assistant.ingest.chunking import ChunkingSettings
    from assistant.settings import load_settings
    from assistant.store.sync import sync_index

    settings = load_settings(corpus_dir=CORPUS, index_dir=tmp)
    chunking = ChunkingSettings(
        settings.index.chunk_tokens, settings.index.chunk_overlap_tokens, model.max_tokens
    )
    start = time.perf_counter()
    index, _ = sync_index(CORPUS, tmp, model, chunking, rebuild=True)
    build_s = time.perf_counter() - start
    bot = Assistant(index, model, settings)
    figures = evaluate(bot, load_gold(GOLD))
    row = {name: _round(figures.get(name)) for name in FIGURES}
    # Older evaluate() reported answered_rate; newer reports false_refusal_rate.
    false_refusals = figures.get("false_refusal_rate")
    row["answered_rate"] = _round(
        figures.get("answered_rate", None if false_refusals is None else 1 - false_refusals)
    )
    row["index_build_s"] = round(build_s, 2)
    row["ask_median_ms"] = _round(figures.get("ask_latency_median_ms"))
    return row


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 4)


def run(backends: Sequence[str] = ("torch", "onnx", "onnx-int8")) -> dict[str, Any]:
    """Gold figures of every variant; the first row (separate sentences, torch) is the reference."""
    rows: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            model = embedder(backend)
            if backend == "torch":
                rows["torch, separate sentences"] = evaluate_variant(
                    SeparateSentences(model), Path(tmp) / "separate"
                )
            rows[f"{backend}, in-passage sentences"] = evaluate_variant(model, Path(tmp) / backend)
    reference = next(iter(rows.values()))
    for row in rows.values():
        row["hit@1_delta"] = round(row["hit@1"] - reference["hit@1"], 4)
        row["acceptable"] = (
            row["hit@1_delta"] >= -0.01  # a gain is welcome; a loss may not exceed 0.01
            and (row["answered_rate"] or 0) >= (reference["answered_rate"] or 0)
            and (row["refusal_accuracy"] or 0) >= (reference["refusal_accuracy"] or 0)
        )
    return {"reference": next(iter(rows)), "variants": rows}
