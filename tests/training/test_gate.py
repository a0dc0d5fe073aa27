"""Fitting the refusal gate: its operating point keeps the asked share of answerable questions
answered, and it learns which way the model's probability points."""

from __future__ import annotations

import random

import pytest

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


def test_a_gate_cannot_be_fitted_on_one_kind_of_question_alone():
    rows = [r for r in _rows(200, 2) if r.label]
    with pytest.raises(ValueError, match="answerable and unanswerable"):
        fit(rows)
    with pytest.raises(ValueError, match="answered"):
        fit(_rows(200, 2), answered=0.0)
    assert fit(_rows(200, 2), answered=1.0).threshold <= min(
        fit(_rows(200, 2), answered=1.0).probability(r.values) for r in _rows(200, 2) if r.label
    )
