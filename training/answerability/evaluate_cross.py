"""The cross-encoder on the articles held apart from its training (never the benchmarks):
answerable against unanswerable (AUC of the best window's score, and unanswerable refused at
80% of answerable answered), and the answer's window ranked first among its paragraph's.

    python -m training.answerability.evaluate_cross [--weights PATH]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import torch

from training.answerability.cross import base_model, batch_tensors, encode_pairs, second_segment
from training.answerability.data import Article
from training.answerability.train_cross import WORK, articles, parse_args

Scorer = Callable[[list[str], list[str]], list[float]]


def auc(pos: list[float], neg: list[float]) -> float:
    """ROC AUC of positives against negatives."""
    from sklearn.metrics import roc_auc_score

    if not pos or not neg:
        return float("nan")
    return float(roc_auc_score([1] * len(pos) + [0] * len(neg), pos + neg))


def scorer(weights: Path | None, layers: int, threads: int = 2) -> Scorer:
    """A function scoring (question, passage) pairs with the trained (or untrained) model."""
    torch.set_num_threads(threads)
    model, tokenizer, special = base_model(layers)
    if weights is not None:
        state = torch.load(weights, weights_only=False)
        model.load_state_dict(state.get("model", state), strict=False)
    model.eval()

    def score(questions: list[str], passages: list[str]) -> list[float]:
        rows = encode_pairs(tokenizer, special, questions, passages)
        out: list[float] = []
        with torch.inference_mode():
            for start in range(0, len(rows), 64):
                ids, mask = batch_tensors(rows[start : start + 64])
                out += torch.sigmoid(model(ids, mask)).tolist()
        return out

    return score


def held_apart(score: Scorer, held: list[Article]) -> dict[str, dict[str, float]]:
    """Per source: AUC and refusal of the best window, and evidence first, on held articles."""
    results: dict[str, dict[str, float]] = {}
    by_origin: dict[str, list[Article]] = {}
    for a in held:
        by_origin.setdefault(a.origin, []).append(a)
    for origin, group in by_origin.items():
        best_pos, best_neg, first = [], [], []
        for article in group:
            for p in article.paragraphs:
                if not p.questions or not p.sentences:
                    continue
                windows = [second_segment(article.title, s) for s in p.sentences]
                # SQuAD 2.0 lists a paragraph's answerable questions first: taking the first
                # few would leave the unanswerable ones out. At most 4 of each.
                answerable = [q for q in p.questions if q.evidence is not None][:4]
                for q in answerable + [q for q in p.questions if q.evidence is None][:4]:
                    scores = score([q.text] * len(windows), windows)
                    if q.evidence is None:
                        best_neg.append(max(scores))
                        continue
                    best_pos.append(max(scores))
                    first.append(int(max(range(len(scores)), key=scores.__getitem__) == q.evidence))
        row = {"questions": float(len(best_pos) + len(best_neg))}
        if first:
            row["evidence_first"] = sum(first) / len(first)
        if best_neg and best_pos:
            row["auc"] = auc(best_pos, best_neg)
            cut = sorted(best_pos)[int(0.2 * len(best_pos))]
            row["refused_at_80_answered"] = sum(s < cut for s in best_neg) / len(best_neg)
        results[origin] = row
    return results


def main(argv: list[str] | None = None) -> int:
    """Score the held-apart articles and print (and save) the figures."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--weights", type=Path, default=WORK / "run" / "final.pt")
    p.add_argument("--untrained", action="store_true", help="the base model, for comparison")
    p.add_argument("--sources", nargs="*", help="only these sources' held articles")
    args = p.parse_args(argv)
    recipe = parse_args([])
    _, held = articles(recipe.seed, Counter())
    held = [a for a in held if not args.sources or a.origin in args.sources]
    score = scorer(None if args.untrained else args.weights, recipe.layers)
    results = held_apart(score, held)
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
