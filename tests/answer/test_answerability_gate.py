"""The answerability model in answering: it takes part in the refusal gate and in how many
sentences an answer quotes, and the setting that switches it off restores the answers without
it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.answer.extractive import ExtractiveAnswerer, evidence_strength
from assistant.api import Assistant
from assistant.settings import AnswerSettings, settings_with

GOLD = Path(__file__).resolve().parents[2] / "evals" / "gold.jsonl"
# A near-miss of the held-out set: the press release speaks of the hub, never of a yearly output.
NEAR_MISS = (
    "How many COVID-19 vaccine doses a year is Korea expected to produce as a global vaccine hub?"
)
LEADS = "Who leads Korea's vaccine hub task force?"


@pytest.fixture(scope="module")
def with_model(assistant: Assistant) -> Assistant:
    settings = settings_with(assistant.settings, retrieval={"answerability_model": "bundled"})
    return Assistant(assistant.index, assistant.embedder, settings)


def _gold_questions(n: int) -> list[str]:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]
    return [r["question"] for r in rows[:n]]


def test_the_refusal_gate_uses_the_model(assistant, with_model):
    without = assistant.ask(NEAR_MISS)
    judged = with_model.ask(NEAR_MISS)
    assert not without.refused  # term coverage alone finds the hub's sentences convincing
    assert judged.refused and judged.confidence < without.confidence
    # The drop is the model's doing: the same hits, their model scores removed, are answered.
    q, hits = with_model.prepare(NEAR_MISS)
    floor = with_model.settings.answer.answerability_floor
    assert max(h.answerability or 0.0 for h in hits[:5]) < floor
    unread = [replace(h, answer_scores=()) for h in hits]
    assert evidence_strength(q, unread[:5], floor) > evidence_strength(q, hits[:5], floor)


def test_a_further_sentence_is_quoted_only_when_the_model_judges_it_answers(with_model):
    q, hits = with_model.prepare(LEADS)
    settings = AnswerSettings()
    answerer = ExtractiveAnswerer(settings)
    judged = answerer.answer(q, hits, with_model.sources)
    unjudged = answerer.answer(q, [replace(h, answer_scores=()) for h in hits], with_model.sources)
    assert not judged.refused and not unjudged.refused
    assert "Kwon Deok-cheol" in judged.text
    quoted = [span for c in judged.citations for span in c.spans]
    assert len(quoted) < len([s for c in unjudged.citations for s in c.spans])
    read = {(h.chunk.chunk_id, h.chunk.sentences[i]): p for h in hits for i, p in h.answer_scores}
    # Beside the best sentence, every sentence quoted is one the model read and judged answering.
    doubted = [
        span
        for c in judged.citations
        for span in c.spans
        if read.get((c.chunk_id, span), 0.0) < settings.answerability_floor
    ]
    assert len(doubted) <= 1


def test_switching_the_model_off_restores_the_answers_without_it(assistant, with_model):
    assert assistant.settings.retrieval.answerability_model == "none"  # the default
    silent = Assistant(
        assistant.index,
        assistant.embedder,
        settings_with(
            with_model.settings,
            retrieval={"rerank_weight": 0.0},
            answer={"answerability_floor": 0.0},
        ),
    )
    questions = [*_gold_questions(12), NEAR_MISS, LEADS]
    off = [assistant.ask(q) for q in questions]
    # The model read the passages but has no say: every answer is the one without a model.
    assert [(a.text, a.refused) for a in off] == [
        (a.text, a.refused) for a in map(silent.ask, questions)
    ]
    # With its say, it changes some: the comparison above is not between equal settings.
    assert [(a.text, a.refused) for a in off] != [
        (a.text, a.refused) for a in map(with_model.ask, questions)
    ]
