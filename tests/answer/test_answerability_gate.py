"""The answerability model in answering, when a setting turns it on: its fitted gate refuses what
the passages do not answer, in any language, it decides how many sentences an answer quotes, and
the default (no model) gives the answers without it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.answer.extractive import ExtractiveAnswerer, evidence_strength, on_scale
from assistant.answer.gate import FEATURES, Gate, features, load_gate
from assistant.api import Assistant
from assistant.errors import SettingsError
from assistant.settings import AnswerSettings, settings_with
from tests.store.test_multilingual import OFF_TOPIC

GOLD = Path(__file__).resolve().parents[2] / "evals" / "gold.jsonl"
# A near-miss of the held-out set: the press release speaks of the hub, never of a yearly output.
NEAR_MISS = (
    "How many COVID-19 vaccine doses a year is Korea expected to produce as a global vaccine hub?"
)
LEADS = "Who leads Korea's vaccine hub task force?"
# Its Spanish translation (evals/languages/es.jsonl), and translated answerable questions.
NEAR_MISS_ES = (
    "¿Cuántas dosis anuales de vacuna contra la COVID-19 se prevé que produzca Corea como centro "
    "mundial de vacunas?"
)
TRANSLATED = [
    NEAR_MISS_ES,
    "¿Cuáles son los objetivos de la Alianza Mundial de Vacunas KORUS?",
    "¿Cuántos expertos designarán Corea y EE. UU. cada uno por categoría?",
]


def _with(assistant: Assistant, **retrieval: object) -> Assistant:
    settings = settings_with(assistant.settings, retrieval=retrieval)
    return Assistant(assistant.index, assistant.embedder, settings)


@pytest.fixture(scope="module")
def with_model(assistant: Assistant) -> Assistant:
    return _with(assistant, answerability_model="bundled")


@pytest.fixture(scope="module")
def without_model(assistant: Assistant) -> Assistant:
    return assistant  # the default


def _gold_questions(n: int) -> list[str]:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]
    return [r["question"] for r in rows[:n] if r["answerable"]]


def test_the_gate_is_fitted_and_the_model_off_by_default(assistant):
    assert assistant.settings.retrieval.answerability_model == "none"
    assert assistant.retriever.reranker is None
    gate = load_gate("bundled")
    assert gate is not None and 0.0 < gate.threshold < 1.0
    assert load_gate("none") is None
    assert Gate.from_config(gate.to_config()) == gate
    assert 0.0 < gate.across_floor < assistant.settings.answer.no_match_threshold
    # A gate fitted before the floor existed loads, with none.
    older = {k: v for k, v in gate.to_config().items() if k != "across_floor"}
    assert Gate.from_config(older).across_floor == 0.0
    with pytest.raises(SettingsError, match="across_floor"):
        Gate.from_config(gate.to_config() | {"across_floor": 1.5})


def test_the_gate_s_operating_point_lands_on_the_refusal_threshold():
    for point in (0.2, 0.5, 0.8):
        mapped = [on_scale(p, point, 0.45) for p in (0.0, point / 2, point, (1 + point) / 2, 1.0)]
        assert mapped[0] == 0.0 and mapped[2] == pytest.approx(0.45) and mapped[-1] == 1.0
        assert mapped == sorted(mapped)


def test_the_gate_trusts_the_model_more_the_surer_it_is():
    gate = load_gate("bundled")
    assert gate is not None
    for across in (False, True):
        said = [gate.probability(features([p, 0.1, 0.1], 0.5, across)) for p in (0.2, 0.5, 0.95)]
        assert said == sorted(said) and said[0] < said[-1]
    assert len(features([0.5], 0.5, False)) == len(FEATURES)


def test_a_near_miss_in_another_language_is_refused_by_the_gate(with_model, without_model):
    assistant = with_model
    judged = assistant.ask(NEAR_MISS_ES)
    unjudged = without_model.ask(NEAR_MISS_ES)
    assert not unjudged.refused  # the multilingual similarities alone find the hub convincing
    assert judged.refused and judged.confidence < assistant.settings.answer.refusal_threshold
    # The refusal is the gate's doing: the same hits with the model's scores removed pass.
    q, hits = assistant.prepare(NEAR_MISS_ES)
    assert all(h.answer_scores for h in hits[:5])
    unread = [replace(h, answer_scores=()) for h in hits]
    plain = ExtractiveAnswerer(assistant.settings.answer, gate=load_gate("bundled"))
    assert not plain.answer(q, unread, assistant.sources).refused


@pytest.mark.parametrize("language", sorted(OFF_TOPIC))
def test_a_question_about_nothing_in_the_documents_is_refused_in_any_language(with_model, language):
    answer = with_model.ask(OFF_TOPIC[language])
    assert answer.refused and not answer.citations


def test_across_languages_the_gate_leaves_weak_evidence_to_the_rules(with_model):
    # One passage stands out of the others even for a recipe: without the floor the gate
    # answers this one with the WLPF report's title.
    q, hits = with_model.prepare(OFF_TOPIC["es"])
    gate = load_gate("bundled")
    assert gate is not None and all(h.answer_scores for h in hits[:5])
    assert gate.leaves_to_rules(evidence_strength(q, hits[:5]), hits[0].across)
    unfloored = replace(gate, across_floor=0.0)
    settings = with_model.settings.answer
    assert (
        not ExtractiveAnswerer(settings, gate=unfloored).answer(q, hits, with_model.sources).refused
    )
    assert ExtractiveAnswerer(settings, gate=gate).answer(q, hits, with_model.sources).refused


def test_the_scope_can_leave_the_documents_language_to_the_rules(assistant):
    foreign_only = _with(
        assistant, answerability_model="bundled", answerability_scope="other-languages"
    )
    q, hits = foreign_only.prepare(NEAR_MISS)
    assert not q.foreign and all(h.answer_scores == () for h in hits)
    assert foreign_only.ask(NEAR_MISS).text == assistant.ask(NEAR_MISS).text
    q, hits = foreign_only.prepare(NEAR_MISS_ES)
    assert q.foreign and all(h.answer_scores for h in hits[:5])


def test_a_further_sentence_is_quoted_only_when_the_model_judges_it_answers(with_model):
    assistant = with_model
    q, hits = assistant.prepare(LEADS)
    settings = AnswerSettings()
    judged = ExtractiveAnswerer(settings, gate=load_gate("bundled")).answer(
        q, hits, assistant.sources
    )
    assert not judged.refused and "led by" in judged.text
    read = {(h.chunk.chunk_id, h.chunk.sentences[i]): p for h in hits for i, p in h.answer_scores}
    # Beside the best sentence, every sentence quoted is one the model read and judged answering.
    doubted = [
        span
        for c in judged.citations
        for span in c.spans
        if read.get((c.chunk_id, span), 0.0) < settings.answerability_floor
    ]
    assert len(doubted) <= 1


def test_switching_the_model_off_restores_the_answers_without_it(with_model, without_model):
    assistant = with_model
    assert without_model.retriever.reranker is None
    questions = [*_gold_questions(6), NEAR_MISS, LEADS, *TRANSLATED]
    off = [without_model.ask(q) for q in questions]
    assert all(h.answer_scores == () for a in off for h in a.hits)
    # A model that reads but has no say (no reranking weight, floor 0) answers the same.
    silent = Assistant(
        assistant.index,
        assistant.embedder,
        settings_with(
            assistant.settings,
            retrieval={"rerank_weight": 0.0},
            answer={"answerability_floor": 0.0},
        ),
    )
    assert [(a.text, a.refused) for a in off] == [
        (a.text, a.refused) for a in map(silent.ask, questions)
    ]
    # With its say it changes some: the comparison above is not between equal settings.
    assert [(a.text, a.refused) for a in off] != [
        (a.text, a.refused) for a in map(assistant.ask, questions)
    ]
