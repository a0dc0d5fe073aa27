"""Fitting the refusal gate: its operating point keeps the asked share of answerable questions
answered, and it learns which way the model's probability points."""

from __future__ import annotations

import random

from training.answerability.gate import Row, figures, fit


def _rows(n: int, seed: int) -> list[Row]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        answerable = i % 2 == 0
        p = min(max(rng.gauss(0.7 if answerable else 0.35, 0.2), 0.0), 1.0)
        evidence = min(max(rng.gauss(0.6 if answerable else 0.5, 0.15), 0.0), 1.0)
        kind = "answerable" if answerable else "unanswerable"
        rows.append(Row("squad", kind, (p, 0.1, 0.2), evidence, i % 3 == 0))
    return rows


def test_the_operating_point_keeps_the_asked_share_answered():
    rows = _rows(2000, 1)
    gate = fit(rows, answered=0.8)
    said = figures(gate, rows)["squad"]
    assert abs(said["answerable answered"] - 0.8) < 0.01
    assert said["unanswerable refused"] > 0.5 and said["auc"] > 0.7
    assert gate.weights[0] > 0  # a surer model means more likely answerable
