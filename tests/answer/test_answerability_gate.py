"""The answerability model in answering. By default it vetoes: the rules answer, and it refuses
a question in the documents' language that no window it reads answers. In the gate role its
fitted gate refuses what the passages do not answer, in any language, and it decides how many
sentences an answer quotes. With no model the answers are the rules' alone."""

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
    return _with(assistant, answerability_model="bundled", answerability_role="gate")


@pytest.fixture(scope="module")
def without_model(assistant: Assistant) -> Assistant:
    return _with(assistant, answerability_model="none")


# A near-miss of the gold set that the rules answer (Korea's exports of 2021 are in no document)
# and the veto refuses.
VETOED = "How many COVID-19 vaccine doses did Korea export in 2021?"


def _gold_questions(n: int) -> list[str]:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]
    return [r["question"] for r in rows[:n] if r["answerable"]]


def test_the_model_vetoes_by_default_and_its_gate_and_veto_are_fitted(assistant):
    retrieval = assistant.settings.retrieval
    assert retrieval.answerability_model == "bundled" and retrieval.answerability_role == "veto"
    assert assistant.retriever.reranker is not None
    gate = load_gate("bundled")
    assert gate is not None and 0.0 < gate.threshold < 1.0 and 0.0 < gate.veto < 0.5
    assert load_gate("none") is None
    assert Gate.from_config(gate.to_config()) == gate
    assert 0.0 < gate.across_floor < assistant.settings.answer.no_match_threshold
    # A gate fitted before the floor or the veto existed loads, with neither.
    older = {k: v for k, v in gate.to_config().items() if k not in ("across_floor", "veto")}
    assert Gate.from_config(older) == replace(gate, across_floor=0.0, veto=0.0)
    for key in ("across_floor", "veto"):
        with pytest.raises(SettingsError, match=key):
            Gate.from_config(gate.to_config() | {key: 1.5})


def test_the_veto_refuses_a_near_miss_the_rules_answer(assistant, without_model):
    assert not without_model.ask(VETOED).refused
    answer = assistant.ask(VETOED)
    assert answer.refused and not answer.citations
    q, hits = assistant.prepare(VETOED)
    gate = load_gate("bundled")
    assert gate is not None and gate.vetoes([p for h in hits[:5] for _, p in h.answer_scores])
    # Without its veto point the same hits are answered: the refusal is the model's.
    settings = assistant.settings.answer
    unvetoed = ExtractiveAnswerer(settings, gate=replace(gate, veto=0.0), veto_only=True)
    assert not unvetoed.answer(q, hits, assistant.sources).refused


def test_as_a_veto_it_changes_nothing_else(assistant, without_model):
    questions = [*_gold_questions(8), NEAR_MISS, LEADS, *TRANSLATED]
    for question in questions:
        vetoed, plain = assistant.ask(question), without_model.ask(question)
        # Same passages in the same order; an answer it lets stand is the rules' answer.
        assert [h.chunk.chunk_id for h in vetoed.hits] == [h.chunk.chunk_id for h in plain.hits]
        if not vetoed.refused:
            assert (vetoed.text, vetoed.confidence) == (plain.text, plain.confidence)
    # Questions in other languages are left to the rules, unread.
    q, hits = assistant.prepare(NEAR_MISS_ES)
    assert q.foreign and all(h.answer_scores == () for h in hits)
    q, hits = assistant.prepare(NEAR_MISS)
    assert not q.foreign and all(h.answer_scores for h in hits[:5])


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


def test_the_scope_can_leave_the_documents_language_to_the_rules(assistant, without_model):
    foreign_only = _with(
        assistant,
        answerability_model="bundled",
        answerability_role="gate",
        answerability_scope="other-languages",
    )
    q, hits = foreign_only.prepare(NEAR_MISS)
    assert not q.foreign and all(h.answer_scores == () for h in hits)
    assert foreign_only.ask(NEAR_MISS).text == without_model.ask(NEAR_MISS).text
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
