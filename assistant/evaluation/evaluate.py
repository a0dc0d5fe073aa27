"""Evaluate configurations of the assistant (and the LangChain baseline) on a gold set.

The pieces: eval_gold (schema, loader), eval_metrics (per-question metric functions),
eval_configs (named configurations), eval_systems / eval_baseline (what is evaluated),
eval_run (records and summaries), eval_report (files), eval_compare (--compare, --fail-under)."""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.api import Assistant
from assistant.evaluation.configs import EvalConfig
from assistant.evaluation.gold import GoldError, GoldItem, load_gold, quotes_not_found
from assistant.evaluation.metrics import (
    contains_evidence,
    first_relevant_rank,
    percentile,
    rank_figures,
    relevant,
)
from assistant.evaluation.progress import progress_bars
from assistant.evaluation.run import ConfigResult, QuestionRecord, run_system
from assistant.evaluation.systems import AssistantSystem, FreshQueries, System, open_config
from assistant.settings import Settings
from assistant.store.embeddings import Embedder

__all__ = [
    "ConfigResult",
    "EvalRun",
    "GoldError",
    "GoldItem",
    "QuestionRecord",
    "RetrievalScores",
    "contains_evidence",
    "evaluate",
    "first_relevant_rank",
    "load_gold",
    "percentile",
    "relevant",
    "retrieval_scores",
    "run_evaluation",
]


@dataclass
class EvalRun:
    """A whole run: the gold set, each configuration's results, and how long it took."""

    gold_path: str
    questions: int
    results: list[ConfigResult]
    started: datetime
    seconds: float
    # Mistakes in the gold file (a quote no document holds): scored as failures all the same.
    gold_problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for results.json."""
        return {
            "started": self.started.isoformat(timespec="seconds"),
            "seconds": round(self.seconds, 2),
            "gold": self.gold_path,
            "questions": self.questions,
            "machine": f"{platform.machine()}, Python {platform.python_version()}",
            "command": " ".join(["assistant", *sys.argv[1:]]),
            "gold_problems": self.gold_problems,
            "configs": [r.to_dict() for r in self.results],
        }


def run_evaluation(
    gold: Sequence[GoldItem],
    configs: Sequence[EvalConfig],
    base: Settings,
    *,
    baseline: bool = True,
    embedder: Embedder | None = None,
    gold_path: str = "",
    progress: bool = True,
    rebuild: bool = False,
    note: Callable[[str], None] = lambda message: None,
) -> EvalRun:
    """Score every configuration (and the baseline) on the gold set, side by side."""
    started = datetime.now(UTC)
    clock = time.perf_counter()
    for config in configs:  # validate every configuration before any slow work
        config.settings(base)
    systems: list[tuple[System, float]] = []
    opened: dict[Path, Any] = {}
    # Building a large corpus's index takes minutes: show it, as `assistant index` does.
    bars = progress_bars(progress)
    for config in configs:
        t0 = time.perf_counter()
        if config.index_dir(base) not in opened and config.index_dir(base) != Path(base.index_dir):
            note(f"{config.name}: building or updating its index in {config.index_dir(base)}")
        row = open_config(config, base, embedder, progress=bars, opened=opened, rebuild=rebuild)
        systems.append((row, time.perf_counter() - t0))
        if embedder is None:  # every configuration shares the model the first one loaded
            used = row.assistant.embedder
            embedder = used.inner if isinstance(used, FreshQueries) else used
    if baseline:
        from assistant.evaluation.baseline import LangChainBaseline

        t0 = time.perf_counter()
        embedder = embedder or Assistant.open(settings=base, rebuild=rebuild).embedder
        note("langchain: splitting and embedding the corpus the stock way (not cached)")
        lc = LangChainBaseline.build(Path(base.corpus_dir), embedder, bars)
        systems.append((lc, time.perf_counter() - t0))
    results = []
    bar = _progress_bar(len(systems) * len(gold), progress)
    try:
        for system, setup in systems:
            bar.set_description(system.name)
            results.append(run_system(system, gold, lambda: bar.update(1), setup))
    finally:
        bar.close()
    indexed = next((s.assistant.index for s, _ in systems if isinstance(s, AssistantSystem)), None)
    problems = quotes_not_found(gold, indexed.texts()) if indexed is not None else []
    return EvalRun(gold_path, len(gold), results, started, time.perf_counter() - clock, problems)


def _progress_bar(total: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="q", file=sys.stderr, disable=not enabled, leave=False)


def evaluate(assistant: Any, gold: Sequence[GoldItem]) -> dict[str, Any]:
    """Figures of one open Assistant on a gold set (the summary of eval_run, plus lists of
    retrieval misses and wrong answers)."""
    system = AssistantSystem("assistant", assistant)
    result = run_system(system, gold)
    figures = dict(result.metrics)
    figures["ask_latency_median_ms"] = figures["latency_median_ms"]
    figures["ask_latency_p95_ms"] = figures["latency_p95_ms"]
    refusals = figures["false_refusal_rate"]
    figures["answered_rate"] = None if refusals is None else 1 - refusals
    figures["retrieval_misses"] = [
        f"{r.id} (rank {r.first_relevant_rank})"
        for r in result.records
        if r.answerable and r.first_relevant_rank != 1
    ]
    figures["wrong_answers"] = [
        f"{r.id} ({'; '.join(r.failures)})" for r in result.records if r.failures
    ]
    return figures


@dataclass
class RetrievalScores:
    """hit@1, hit@5, hit@10 and MRR@10 over answerable questions."""

    hit1: float
    hit5: float
    hit10: float
    mrr10: float
    misses: list[str]


def retrieval_scores(
    gold: Sequence[GoldItem], search: Callable[[str], Sequence[str]]
) -> RetrievalScores:
    """Score a search function that returns ranked passage texts for a question."""
    ranks = []
    misses = []
    for item in gold:
        if not item.answerable:
            continue
        rank = first_relevant_rank(list(search(item.question))[:10], item.evidence_items)
        ranks.append(rank)
        if rank != 1:
            misses.append(f"{item.id} (rank {rank})")
    figures = {name: value or 0.0 for name, value in rank_figures(ranks).items()}
    return RetrievalScores(
        hit1=figures["hit@1"],
        hit5=figures["hit@5"],
        hit10=figures["hit@10"],
        mrr10=figures["mrr@10"],
        misses=misses,
    )
