"""Calibrate the refusal thresholds on question files, not on single questions.

For every question: the evidence strength the extractive answerer computes. Then, per
threshold, the share of answerable questions answered and of unanswerable ones refused, for
each file and for all together. refusal_threshold: the lowest of the thresholds with the best
mean of the two rates (all files together), since it answers the most; no_match_threshold: as
high as leaves at most --max-lost of the answerable questions below it.

    .venv/bin/python -m bench.calibrate_refusal [--gold evals/gold.jsonl evals/heldout.jsonl]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from assistant.answer.extractive import evidence_strength
from assistant.api import Assistant
from assistant.evaluation.gold import load_gold
from bench.common import ROOT, TUNED_ON, corpus_arguments

STEPS = [round(0.20 + 0.01 * i, 2) for i in range(41)]  # 0.20 .. 0.60


def strengths(bot: Assistant, gold: Path) -> list[tuple[float, bool]]:
    """(evidence strength, answerable) for every question of a gold file."""
    out = []
    for item in load_gold(gold):
        question = bot.retriever.read(item.question)
        hits = bot.retriever.search(question, k=5)
        out.append((evidence_strength(question, hits), item.answerable))
    return out


def rates(scored: list[tuple[float, bool]], threshold: float) -> tuple[float, float]:
    """(answered share of answerable, refused share of unanswerable) at a threshold."""
    answerable = [s for s, a in scored if a]
    unanswerable = [s for s, a in scored if not a]
    answered = sum(s >= threshold for s in answerable) / max(1, len(answerable))
    refused = sum(s < threshold for s in unanswerable) / max(1, len(unanswerable))
    return answered, refused


def suggest(scored: list[tuple[float, bool]], max_lost: float) -> dict[str, Any]:
    """The thresholds the module docstring describes, and every one with the best mean."""
    means = {t: sum(rates(scored, t)) / 2 for t in STEPS}
    best = max(means.values())
    best_at = [t for t, m in means.items() if m >= best - 1e-9]
    answerable = [s for s, a in scored if a]
    lost = [t for t in STEPS if sum(s < t for s in answerable) <= max_lost * len(answerable)]
    return {
        "best_mean": round(best, 3),
        "best_at": best_at,
        "refusal_threshold": min(best_at),
        "no_match_threshold_at_most": max(lost, default=STEPS[0]),
    }


def main() -> None:
    """Print the threshold table and the suggested thresholds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    corpus_arguments(parser, index=ROOT / "index", golds=TUNED_ON)
    parser.add_argument("--max-lost", type=float, default=0.035)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    bot = Assistant.open(index_dir=args.index, corpus_dir=args.corpus)
    per_file = {g.name: strengths(bot, g) for g in args.gold}
    together = [x for scored in per_file.values() for x in scored]
    table: list[dict[str, Any]] = [
        {
            "threshold": t,
            **{f"{name} answered/refused": rates(s, t) for name, s in per_file.items()},
            "all answered/refused": rates(together, t),
        }
        for t in STEPS
    ]
    result = {"table": table, "suggested": suggest(together, args.max_lost)}
    if args.json:
        print(json.dumps(result, indent=1))
        return
    names = [*per_file, "all"]
    print("threshold  " + "  ".join(f"{n:>22}" for n in names))
    for row in table:
        cells: list[tuple[float, float]] = [row[f"{n} answered/refused"] for n in names]
        line = "  ".join(f"{a:>10.2f} / {r:<9.2f}" for a, r in cells)
        print(f"{row['threshold']:>9.2f}  {line}")
    s = bot.settings
    print("suggested:", result["suggested"])
    print(
        f"settings now: refusal_threshold {s.answer.refusal_threshold}, "
        f"no_match {s.answer.no_match_threshold}"
    )


if __name__ == "__main__":
    main()
