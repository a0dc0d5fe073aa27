"""Fitting the refusal gate: its operating point keeps the asked share of answerable questions
answered, and it learns which way the model's probability points."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from training.answerability.gate import Row, across_floor, answers, figures, fit, veto_point


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


def test_the_floor_refuses_the_asked_share_of_questions_about_nothing_indexed():
    rng = random.Random(3)
    off = [Row("drcd", "off-topic", (0.9, 0.1), rng.random() * 0.4, True) for _ in range(1000)]
    floor = across_floor(off, refused=0.9)
    assert 0.34 < floor < 0.38  # the 90th percentile of uniform evidence in [0, 0.4]
    gate = fit(_rows(2000, 1))
    floored = type(gate)(gate.weights, gate.bias, gate.threshold, floor)
    said = figures(floored, off)["drcd"]
    assert abs(said["off-topic refused"] - 0.9) < 0.01
    # Only questions matched across languages are floored; the gate decides the others.
    same = Row("squad", "answerable", (0.99, 0.01), 0.01, False)
    assert answers(floored, same) == answers(gate, same)
    assert across_floor([r for r in off if not r.across]) == 0.0


def test_the_veto_lets_the_asked_share_of_answerable_questions_stand():
    rows = _rows(2000, 4)
    veto = veto_point(rows, kept=0.95)
    fitted = fit(rows)
    vetoed = replace(fitted, veto=veto)
    in_language = [r for r in rows if r.label and not r.across]
    stood = sum(not vetoed.vetoes(r.scores) for r in in_language) / len(in_language)
    assert abs(stood - 0.95) < 0.01
    said = figures(vetoed, rows)["squad"]
    assert said["answerable kept by the veto"] == pytest.approx(stood, abs=1e-3)
    assert said["unanswerable vetoed by the veto"] > 0.05  # unanswerable ones score lower
    # Questions matched across languages are not what it is fitted on; with none, no veto.
    assert veto_point([r for r in rows if r.across]) == 0.0
