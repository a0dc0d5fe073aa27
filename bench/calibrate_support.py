"""Calibrate the checker's support threshold on the gold set.

Positives: a gold answer, its evidence quote, and the question restated with its answer, each
scored against the retrieved passage that holds the evidence. Negatives: another question's
answer against that passage, and this answer against a top-5 passage without the evidence.
Prints score distributions and, per threshold, the share of positives kept and negatives let
through. The chosen threshold is the lowest whose false-accept rate is at most --max-false.

    .venv/bin/python -m bench.calibrate_support [--index /tmp/calib-index] [--max-false 0.02]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from assistant.answer.checking import SupportChecker
from assistant.api import Assistant
from assistant.evaluation.gold import load_gold
from assistant.evaluation.metrics import contains_evidence
from bench.common import corpus_arguments


def main() -> None:
    """Score positive and negative (claim, passage) pairs and print the threshold table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    corpus_arguments(parser)
    parser.add_argument("--max-false", type=float, default=0.02)
    parser.add_argument("--lexical-weight", type=float, default=None)
    args = parser.parse_args()
    index = args.index or Path(tempfile.mkdtemp(prefix="calib-index-"))
    bot = Assistant.open(index_dir=index, corpus_dir=args.corpus)
    checker = SupportChecker(bot.embedder)
    if args.lexical_weight is not None:
        checker.lexical_weight = args.lexical_weight
    gold = [g for g in load_gold(args.gold) if g.answerable]

    evidence_passage: dict[str, str] = {}
    other_passage: dict[str, str] = {}
    for item in gold:
        hits = bot.search(item.question, 5)
        evidence = item.evidence_items[0]
        holding = [h.chunk.text for h in hits if contains_evidence(h.chunk.text, evidence)]
        others = [h.chunk.text for h in hits if not contains_evidence(h.chunk.text, evidence)]
        if holding:
            evidence_passage[item.id] = holding[0]
        if others:
            other_passage[item.id] = others[0]

    pos: dict[str, list[float]] = {"answer": [], "evidence": [], "restated": []}
    neg: dict[str, list[float]] = {"other answer": [], "other passage": []}
    items = [g for g in gold if g.id in evidence_passage]
    for i, item in enumerate(items):
        passage = evidence_passage[item.id]
        restated = f"{item.question.rstrip('?')}: {item.answer}"
        pos["answer"].append(checker.support(item.answer, passage))
        pos["evidence"].append(checker.support(item.evidence, passage))
        pos["restated"].append(checker.support(restated, passage))
        other = items[(i + 7) % len(items)]
        if other.source != item.source:
            neg["other answer"].append(checker.support(other.answer, passage))
        if item.id in other_passage:
            neg["other passage"].append(checker.support(item.answer, other_passage[item.id]))

    for name, values in {**pos, **neg}.items():
        print(
            f"{name:>14}: n={len(values):3d} median={statistics.median(values):.3f} "
            f"min={min(values):.3f} max={max(values):.3f}"
        )
    positives = [v for vs in pos.values() for v in vs]
    negatives = [v for vs in neg.values() for v in vs]
    rows = []
    for step in range(30, 91, 2):
        t = step / 100
        kept = sum(v >= t for v in positives) / len(positives)
        let = sum(v >= t for v in negatives) / len(negatives)
        rows.append({"threshold": t, "positives_kept": kept, "negatives_accepted": let})
        print(f"threshold {t:.2f}: positives kept {kept:.3f}, negatives accepted {let:.3f}")
    chosen = next((r for r in rows if r["negatives_accepted"] <= args.max_false), rows[-1])
    print(json.dumps({"chosen": chosen, "lexical_weight": checker.lexical_weight}))


if __name__ == "__main__":
    main()
