"""Faithfulness of generated answers on the gold set: unsupported sentences, citation precision,
fallback rate, for an answerer (default `local`) next to the extractive answerer.

Judged with assistant.evaluation.metrics, independently of the checker: a sentence is unsupported
when none of the passages it cites holds (most of) its words; citation precision is the share of
cited passages that hold the gold evidence quote. Fallback: the generated answer had no checked
sentence left (or the model failed) and the extractive answer stood in.

    .venv/bin/python -m bench.llm_quality [--answerer local] [--limit N] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from assistant.answer.generation import build_answerer
from assistant.api import Assistant
from assistant.evaluation.gold import load_gold
from assistant.evaluation.metrics import citation_precision, claims, unsupported_claims
from assistant.settings import settings_with
from bench.common import corpus_arguments


def score(bot: Assistant, answerer: Any, gold: list[Any]) -> dict[str, Any]:
    """Answer every gold question with answerer and compute the figures."""
    sentences = unsupported = 0
    precisions: list[float] = []
    kinds: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    dropped = 0
    latencies: list[float] = []
    examples: list[dict[str, Any]] = []
    for item in gold:
        q = bot.retriever.read(item.question)
        start = time.perf_counter()
        hits = bot.search(item.question, max(5, bot.settings.retrieval.top_k))
        answer = answerer.answer(q, hits, bot.sources)
        latencies.append(time.perf_counter() - start)
        kind = "refused" if answer.refused else "fallback" if answer.fallback else "generated"
        kinds[kind] += 1
        if answer.fallback:
            reasons[answer.fallback.split(";")[0]] += 1
        print(f"{item.id} {kind} {latencies[-1]:.1f}s", file=sys.stderr, flush=True)
        dropped += len(answer.dropped)
        if not answer.refused:
            passages = {c.number: c.passage for c in answer.citations}
            sentences += len(claims(answer.text))
            unsupported += len(unsupported_claims(answer.text, passages))
            if item.answerable:
                cited = list({c.chunk_id: c.passage for c in answer.citations}.values())
                value = citation_precision(cited, item.evidence_items)
                if value is not None:
                    precisions.append(value)
        if kind == "generated" and len(examples) < 5:
            examples.append({"id": item.id, "answer": answer.text, "dropped": answer.dropped})
    answered = kinds["generated"] + kinds["fallback"]
    return {
        "questions": len(gold),
        "generated": kinds["generated"],
        "fallback": kinds["fallback"],
        "refused": kinds["refused"],
        "fallback_rate": kinds["fallback"] / answered if answered else None,
        "fallback_reasons": dict(reasons),
        "sentences": sentences,
        "unsupported_sentences": unsupported / sentences if sentences else None,
        "citation_precision": statistics.mean(precisions) if precisions else None,
        "sentences_dropped_by_checker": dropped,
        "latency_median_s": statistics.median(latencies),
        "examples": examples,
    }


def main() -> None:
    """Score the generated and the extractive answers and print both."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    corpus_arguments(parser)
    parser.add_argument("--answerer", default="local", choices=["local", "openai"])
    parser.add_argument("--limit", type=int, default=None, help="first N questions only")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    index = args.index or Path(tempfile.mkdtemp(prefix="llm-quality-"))
    bot = Assistant.open(index_dir=index, corpus_dir=args.corpus)
    gold = load_gold(args.gold)[: args.limit]
    generated = build_answerer(settings_with(bot.settings, answerer=args.answerer), bot.embedder)
    report = {
        args.answerer: score(bot, generated, gold),
        "extractive": score(bot, bot.answerer, gold),
    }
    if args.json:
        print(json.dumps(report, indent=2, default=list))
        return
    for name, figures in report.items():
        print(f"== {name}")
        for key, value in figures.items():
            if key == "examples":
                for ex in value:
                    print(f"   {ex['id']}: {ex['answer']}  (dropped: {list(ex['dropped'])})")
            elif isinstance(value, float):
                print(f"{key:>30}: {value:.3f}")
            else:
                print(f"{key:>30}: {value}")


if __name__ == "__main__":
    main()
