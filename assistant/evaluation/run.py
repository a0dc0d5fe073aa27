"""Run systems over a gold set: one record per question and configuration, then the summary."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.answer.types import Answer
from assistant.evaluation.gold import GoldItem
from assistant.evaluation.metrics import (
    citation_precision,
    citation_recall,
    claims,
    containment,
    first_relevant_rank,
    holds_gold_answer,
    mean,
    ndcg_at,
    percentile,
    rank_figures,
    relevant,
    token_f1,
    unsupported_claims,
    word_count,
)
from assistant.evaluation.systems import System

SEARCH_K = 10
TEXT_RANKS = 5  # retrieved passages whose text results.json keeps
# Order of the summary table, the chart and --fail-under names; True: higher is better.
METRICS: dict[str, bool] = {
    "hit@1": True,
    "hit@5": True,
    "hit@10": True,
    "mrr@10": True,
    "ndcg@10": True,
    "answer_f1": True,
    "answer_containment": True,
    "answer_holds_gold": True,
    "citation_precision": True,
    "citation_recall": True,
    "unsupported_sentences": False,
    "refusal_accuracy": True,
    "false_refusal_rate": False,
    "answerable_answered": True,
    "answered_citing_evidence": True,
    # Shorter reads faster; it is "better" only with answer_holds_gold kept.
    "answer_words_median": False,
    "latency_median_ms": False,
    "latency_p95_ms": False,
}


@dataclass
class QuestionRecord:
    """Everything measured for one question under one configuration."""

    id: str
    question: str
    answerable: bool
    kind: list[str]
    gold_answer: str
    quotes: list[str]
    retrieved: list[dict[str, Any]]
    first_relevant_rank: int | None
    ndcg: float | None
    answer: str
    answerer: str
    refused: bool
    citations: list[dict[str, Any]]
    contexts: list[str]
    f1: float | None
    containment: float | None
    citation_precision: float | None
    citation_recall: float | None
    sentences: int
    unsupported: list[str]
    latency_ms: float
    failures: list[str] = field(default_factory=list)
    gold_answers: list[str] = field(default_factory=list)  # every accepted form
    holds_answer: bool | None = None  # the answer contains a gold answer (answerable only)
    answer_words: int | None = None  # None when refused

    def to_dict(self) -> dict[str, Any]:
        """Plain data for results.json: passage text for the top few only, and no contexts
        (the RAGAS export has them), to keep the file readable."""
        data = asdict(self)
        del data["contexts"]
        for hit in data["retrieved"][TEXT_RANKS:]:
            del hit["text"]
        return data


@dataclass
class ConfigResult:
    """One configuration's summary figures and per-question records."""

    name: str
    description: str
    baseline: bool
    overrides: dict[str, Any]
    metrics: dict[str, Any]
    records: list[QuestionRecord]
    setup_seconds: float = 0.0
    run_seconds: float = 0.0

    def passed_by_kind(self) -> dict[str, dict[str, float]]:
        """Per question tag (gold `kind`): how many questions, and the share that passed."""
        kinds: dict[str, list[bool]] = {}
        for r in self.records:
            for kind in r.kind:
                kinds.setdefault(kind, []).append(not r.failures)
        return {
            k: {"questions": len(v), "passed": sum(v) / len(v)} for k, v in sorted(kinds.items())
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain data for results.json."""
        return {
            "name": self.name,
            "description": self.description,
            "baseline": self.baseline,
            "overrides": self.overrides,
            "metrics": self.metrics,
            "passed_by_kind": self.passed_by_kind(),
            "setup_seconds": round(self.setup_seconds, 3),
            "run_seconds": round(self.run_seconds, 3),
            "records": [r.to_dict() for r in self.records],
        }


def score_question(system: System, item: GoldItem) -> QuestionRecord:
    """Ask and search one question, and measure retrieval, answer, citations and support."""
    start = time.perf_counter()
    answer = system.ask(item.question)
    latency = 1000 * (time.perf_counter() - start)
    ranked = system.search(item.question, SEARCH_K)
    quotes = list(item.evidence_items)
    texts = [r.text for r in ranked]
    record = QuestionRecord(
        id=item.id,
        question=item.question,
        answerable=item.answerable,
        kind=list(item.kind),
        gold_answer=item.answer,
        gold_answers=list(item.accepted_answers),
        quotes=list(item.quotes),
        retrieved=[
            {
                "rank": i,
                "doc_id": r.doc_id,
                "chunk_id": r.chunk_id,
                "relevant": relevant(r.text, quotes),
                "text": r.text,
            }
            for i, r in enumerate(ranked, start=1)
        ],
        first_relevant_rank=first_relevant_rank(texts, quotes) if quotes else None,
        ndcg=ndcg_at(texts, quotes, SEARCH_K) if item.answerable else None,
        answer=answer.text,
        answerer=answer.answerer,
        refused=answer.refused,
        citations=[
            {
                "number": c.number,
                "doc_id": c.doc_id,
                "chunk_id": c.chunk_id,
                "relevant": relevant(c.passage, quotes),
                "sentence": c.sentence,
            }
            for c in answer.citations
        ],
        contexts=system.contexts(answer),
        f1=None,
        containment=None,
        citation_precision=None,
        citation_recall=None,
        sentences=0,
        unsupported=[],
        latency_ms=latency,
    )
    _score_answer(record, answer, item)
    return record


def _score_answer(record: QuestionRecord, answer: Answer, item: GoldItem) -> None:
    cited = list({c.chunk_id: c.passage for c in answer.citations}.values())
    quotes = item.evidence_items
    if not answer.refused:
        passages = {c.number: c.passage for c in answer.citations}
        record.answer_words = word_count(answer.text)
        record.sentences = len(claims(answer.text))
        record.unsupported = [c.text for c in unsupported_claims(answer.text, passages)]
    if item.answerable:
        text = "" if answer.refused else answer.text
        golds = item.accepted_answers or (item.answer,)
        # SQuAD's rule with several accepted forms: the best match counts.
        record.f1 = max(token_f1(text, g) for g in golds)
        record.containment = max(containment(text, g) for g in golds)
        record.holds_answer = bool(text) and holds_gold_answer(text, golds)
        record.citation_recall = 0.0 if answer.refused else citation_recall(cited, quotes)
        if not answer.refused:
            record.citation_precision = citation_precision(cited, quotes)
    record.failures = failures(record)


def failures(record: QuestionRecord) -> list[str]:
    """Why a question counts as failed (empty when it passed)."""
    out = []
    if not record.answerable:
        if not record.refused:
            out.append("answered a question the documents do not answer")
        return out
    rank = record.first_relevant_rank
    if rank is None:
        out.append(f"evidence not in the top {SEARCH_K} passages")
    if record.refused:
        out.append("refused an answerable question")
    else:
        recall = record.citation_recall or 0.0
        if recall == 0:
            out.append("no cited passage holds the evidence")
        elif recall < 1:
            out.append(f"cited passages hold {recall:.0%} of the evidence quotes")
    if record.unsupported:
        out.append(f"{len(record.unsupported)} unsupported sentence(s)")
    return out


def summarise(records: Sequence[QuestionRecord]) -> dict[str, Any]:
    """The configuration's figures (see evals/README.md for each definition)."""
    answerable = [r for r in records if r.answerable]
    unanswerable = [r for r in records if not r.answerable]
    answered = [r for r in records if not r.refused]
    ranks = [r.first_relevant_rank for r in answerable]
    sentences = sum(r.sentences for r in answered)
    latencies = [r.latency_ms for r in records]
    lengths = [r.answer_words for r in answered if r.answer_words is not None]
    refusals = share([r.refused for r in answerable])

    figures: dict[str, Any] = {
        **rank_figures(ranks),
        "ndcg@10": mean([r.ndcg for r in answerable]),
        "answer_f1": mean([r.f1 for r in answerable]),
        "answer_containment": mean([r.containment for r in answerable]),
        "answer_holds_gold": mean([float(bool(r.holds_answer)) for r in answerable]),
        "citation_precision": mean([r.citation_precision for r in answerable]),
        "citation_recall": mean([r.citation_recall for r in answerable]),
        "unsupported_sentences": sum(len(r.unsupported) for r in answered) / sentences
        if sentences
        else None,
        "refusal_accuracy": share([r.refused for r in unanswerable]),
        "false_refusal_rate": refusals,
        "answerable_answered": None if refusals is None else 1 - refusals,
        # Answered, and a cited passage holds the evidence: an answer a reader can check.
        "answered_citing_evidence": share(
            [not r.refused and bool(r.citation_recall) for r in answerable]
        ),
        "answer_words_median": statistics.median(lengths) if lengths else None,
        "latency_median_ms": percentile(latencies, 50) if latencies else None,
        "latency_p95_ms": percentile(latencies, 95) if latencies else None,
        "questions": len(records),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "failed": sum(bool(r.failures) for r in records),
    }
    return figures


def share(flags: Sequence[bool]) -> float | None:
    """Share of true flags; None when there are none."""
    return sum(flags) / len(flags) if flags else None


def run_system(
    system: System,
    gold: Sequence[GoldItem],
    tick: Callable[[], None] = lambda: None,
    setup_seconds: float = 0.0,
) -> ConfigResult:
    """Score every gold question with one system."""
    start = time.perf_counter()
    records = []
    for item in gold:
        records.append(score_question(system, item))
        tick()
    return ConfigResult(
        name=system.name,
        description=system.description,
        baseline=system.is_baseline,
        overrides=dict(getattr(system, "overrides", {})),
        metrics=summarise(records),
        records=records,
        setup_seconds=setup_seconds,
        run_seconds=time.perf_counter() - start,
    )
