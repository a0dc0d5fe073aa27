"""End to end through the public API: index the corpus, ask the gold questions, check citations."""

from __future__ import annotations

import pytest

from assistant import Answer, Assistant
from assistant.errors import QuestionError
from assistant.evaluation.evaluate import evaluate, load_gold, relevant

from .conftest import GOLD


def test_gold_answers_cite_their_evidence(assistant: Assistant):
    gold = load_gold(GOLD)
    answerable = [g for g in gold if g.answerable]
    cited = answered = 0
    for item in answerable:
        answer = assistant.ask(item.question)
        assert isinstance(answer, Answer)
        if not answer.refused:
            answered += 1
            # A two-passage question is cited when a cited passage holds one of its quotes.
            cited += any(relevant(c.passage, item.quotes) for c in answer.citations)
    # Targets from issue 2: at least 90% answered, and answers citing the evidence passage.
    assert answered / len(answerable) >= 0.9
    assert cited / answered >= 0.85


def test_unanswerable_gold_questions_are_refused(assistant: Assistant):
    gold = [g for g in load_gold(GOLD) if not g.answerable]
    refused = sum(assistant.ask(g.question).refused for g in gold)
    # Guards the level reached (0.5 at threshold 0.31); issue 2's target is 0.8 and is not met:
    # near-miss questions share nearly all their words with real passages.
    assert refused / len(gold) >= 0.5


def test_evaluate_reports_consistent_figures(assistant: Assistant):
    gold = load_gold(GOLD)[:6] + [g for g in load_gold(GOLD) if not g.answerable][:2]
    figures = evaluate(assistant, gold)
    assert figures["questions"] == 8
    assert 0 <= figures["hit@1"] <= figures["hit@5"] <= figures["hit@10"] <= 1
    assert figures["ask_latency_median_ms"] <= figures["ask_latency_p95_ms"]


def test_open_reuses_the_index(assistant: Assistant, embedder):
    again = Assistant.open(
        index_dir=assistant.settings.index_dir,
        corpus_dir=assistant.settings.corpus_dir,
        embedder=embedder,
    )
    assert not again.report.wrote and again.index.version == assistant.index.version


def test_library_imports_without_gradio():
    import subprocess
    import sys

    code = "import sys, assistant; assert 'gradio' not in sys.modules; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_settings_given_with_overrides_are_validated(assistant: Assistant):
    import pytest

    from assistant.errors import SettingsError

    with pytest.raises(SettingsError, match="answerer"):
        Assistant.open(settings=assistant.settings, answerer="bogus")
    strict = Assistant.open(settings=assistant.settings, refusal_threshold=0.0)
    assert strict.settings.answer.refusal_threshold == 0.0 == strict.answerer.refusal_threshold


def test_one_document_may_be_named_alone(assistant: Assistant):
    doc = next(iter(assistant.index.documents))
    hits = assistant.search("vaccine production", 3, documents=doc)
    assert hits and {h.chunk.doc_id for h in hits} == {doc}
    retriever = assistant.as_retriever(k=2, documents=doc)
    assert {d.metadata["doc_id"] for d in retriever.invoke("vaccine production")} == {doc}


@pytest.mark.parametrize("k", [0, -1, "3", True, 2.5])
def test_k_must_be_a_positive_whole_number(assistant: Assistant, k):
    for call in (lambda: assistant.search("forum", k), lambda: assistant.as_retriever(k)):
        with pytest.raises(QuestionError, match="k must be a whole number of passages"):
            call()


def test_documents_may_come_as_any_iterable_and_repeat(assistant: Assistant):
    import numpy as np

    doc = next(iter(assistant.index.documents))
    hits = assistant.search("vaccine production", np.int64(3), (d for d in [doc]))
    assert hits and {h.chunk.doc_id for h in hits} == {doc}
    refusal = assistant.ask("What is the annual budget of the Secretariat?", [doc, doc])
    assert "Only 2 documents" not in refusal.text
