"""Gold question sets and the metrics that say how well retrieval and answers do on them."""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError

GOLD_FIELDS = {
    "id": str,
    "question": str,
    "answer": str,
    "source": str,
    "evidence": str,
    "answerable": bool,
}


@dataclass(frozen=True)
class GoldItem:
    """One gold question: its answer, source file and a verbatim evidence quote."""

    id: str
    question: str
    answer: str
    source: str
    evidence: str
    answerable: bool


def load_gold(path: Path) -> list[GoldItem]:
    """Read a gold JSONL file; a malformed line raises an error naming its line number."""
    items: list[GoldItem] = []
    seen: set[str] = set()
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise AssistantError(f"cannot read gold file {path}: {exc}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AssistantError(f"{where}: not valid JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise AssistantError(f"{where}: expected a JSON object")
        for name, kind in GOLD_FIELDS.items():
            if name not in data:
                raise AssistantError(f"{where}: missing field '{name}'")
            if not isinstance(data[name], kind):
                raise AssistantError(f"{where}: '{name}' must be {kind.__name__}")
        extra = set(data) - set(GOLD_FIELDS)
        if extra:
            raise AssistantError(f"{where}: unknown fields {sorted(extra)}")
        if data["id"] in seen:
            raise AssistantError(f"{where}: duplicate id '{data['id']}'")
        if data["answerable"] and not (data["evidence"].strip() and data["source"].strip()):
            raise AssistantError(f"{where}: an answerable question needs source and evidence")
        seen.add(data["id"])
        items.append(GoldItem(**data))
    if not items:
        raise AssistantError(f"{path}: no questions")
    return items


def normalise(text: str) -> str:
    """Lower-case words only, so quotes match across whitespace and punctuation differences."""
    return " ".join(re.findall(r"\w+", text.lower()))


def contains_evidence(passage: str, evidence: str) -> bool:
    """True when the passage holds the evidence quote (whitespace and punctuation ignored)."""
    wanted = normalise(evidence)
    return bool(wanted) and wanted in normalise(passage)


def first_relevant_rank(passages: Sequence[str], evidence: str) -> int | None:
    """1-based rank of the first passage holding the evidence, or None."""
    for rank, passage in enumerate(passages, start=1):
        if contains_evidence(passage, evidence):
            return rank
    return None


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
    answerable = [g for g in gold if g.answerable]
    ranks = []
    misses = []
    for item in answerable:
        rank = first_relevant_rank(search(item.question)[:10], item.evidence)
        ranks.append(rank)
        if rank != 1:
            misses.append(f"{item.id} (rank {rank})")
    n = max(1, len(answerable))
    return RetrievalScores(
        hit1=sum(1 for r in ranks if r == 1) / n,
        hit5=sum(1 for r in ranks if r is not None and r <= 5) / n,
        hit10=sum(1 for r in ranks if r is not None and r <= 10) / n,
        mrr10=sum(1 / r for r in ranks if r is not None) / n,
        misses=misses,
    )


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Run fn, returning its result and the seconds it took."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of values, by linear interpolation."""
    if not values:
        return 0.0
    if len(values) == 1:
        return float(values[0])
    return float(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1])


def evaluate(assistant: Any, gold: Sequence[GoldItem]) -> dict[str, Any]:
    """Retrieval, answer and refusal figures of an Assistant on a gold set."""
    latencies: list[float] = []
    answered = cited_ok = refused_ok = 0
    wrong: list[str] = []
    for item in gold:
        answer, seconds = timed(partial(assistant.ask, item.question))
        latencies.append(seconds)
        if item.answerable:
            if not answer.refused:
                answered += 1
                if any(contains_evidence(c.passage, item.evidence) for c in answer.citations):
                    cited_ok += 1
                else:
                    wrong.append(f"{item.id} (cites other passages)")
            else:
                wrong.append(f"{item.id} (refused)")
        elif answer.refused:
            refused_ok += 1
        else:
            wrong.append(f"{item.id} (answered an unanswerable question)")
    # After the answers, so their timings include embedding each question (the cache is cold).
    retrieval = retrieval_scores(gold, lambda q: [h.chunk.text for h in assistant.search(q, 10)])
    n_ans = max(1, sum(1 for g in gold if g.answerable))
    n_un = max(1, sum(1 for g in gold if not g.answerable))
    return {
        "questions": len(gold),
        "hit@1": retrieval.hit1,
        "hit@5": retrieval.hit5,
        "hit@10": retrieval.hit10,
        "mrr@10": retrieval.mrr10,
        "answered_rate": answered / n_ans,
        "answers_citing_evidence": cited_ok / n_ans,
        "refusal_accuracy": refused_ok / n_un,
        "ask_latency_median_ms": 1000 * statistics.median(latencies),
        "ask_latency_p95_ms": 1000 * percentile(latencies, 95),
        "retrieval_misses": retrieval.misses,
        "wrong_answers": wrong,
    }
