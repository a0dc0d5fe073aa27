"""Extractive answers: quoted sentences with [n] markers that point at the right passages."""

from __future__ import annotations

import re

import pytest

from assistant.answer.extractive import REFUSAL_TEXT, UNSURE_TEXT, ExtractiveAnswerer
from assistant.evaluation.gold import load_gold
from tests.conftest import GOLD


def test_answer_quotes_sentences_with_markers(assistant):
    answer = assistant.ask("How many experts will Korea and the US each appoint per category?")
    assert not answer.refused
    assert "15 experts" in answer.text
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert markers == {c.number for c in answer.citations}
    for c in answer.citations:
        assert c.sentence and c.sentence in c.passage
        assert c.source.title and c.source.publisher
    # Every sentence of the answer is quoted from its cited passage.
    for sentence, number in re.findall(r"(.+?) \[(\d+)\]", answer.text):
        cited = answer.citations[int(number) - 1]
        words = sentence.strip().rstrip(".…").split()
        assert " ".join(words[:6]) in " ".join(cited.passage.split())
    assert len(answer.text.split()) <= 80 + 2 * len(answer.citations)


def test_refusal_lists_closest_passages(assistant):
    answer = assistant.ask("How many mRNA vaccine factories are being built in Africa?")
    # Africa is named nowhere in the corpus: the refusal says so.
    assert answer.refused and answer.text == f"{REFUSAL_TEXT} No document mentions “Africa”."
    assert answer.citations == [] and answer.hits
    data = answer.to_dict()
    assert data["refused"] is True and data["suggestions"]


def test_no_hits_refuses(assistant):
    answer = ExtractiveAnswerer().answer(
        assistant.retriever.read("anything"), [], assistant.sources
    )
    assert answer.refused and answer.confidence == 0


def test_answerers_take_a_question_read_against_the_index(assistant):
    # Plain text would be analysed without the index: typos, unknown names and scope lost.
    with pytest.raises(TypeError, match=r"Assistant\.prepare"):
        ExtractiveAnswerer().answer("anything", [], assistant.sources)
    q, hits = assistant.prepare("Who leads Korea's vacine hub task force?")
    assert q.corrections == (("vacine", "vaccine"),)
    assert ExtractiveAnswerer().answer(q, hits, assistant.sources).read_as == q.corrections


def test_licence_travels_with_the_citation(assistant):
    answer = assistant.ask("Under what licence is the forum report published?")
    cited = [c for c in answer.citations if c.doc_id.startswith("000")]
    assert not answer.refused and cited
    assert cited[0].source.licence == "CC BY-NC-SA 3.0 IGO"
    assert "Creative Commons" in cited[0].source.licence_text


def test_answer_serialises(assistant):
    data = assistant.ask("Which country will host the next World Local Production Forum?").to_dict()
    assert "Netherlands" in data["answer"]
    c = data["citations"][0]
    assert c["passage"][c["sentence_span"][0] : c["sentence_span"][1]] == c["sentence"]


def test_a_one_part_question_cites_one_passage(assistant):
    # A sentence from another passage that only repeats the question's wording ("in the forum
    # report") would be a citation that does not support the answer.
    answer = assistant.ask("What does the abbreviation GMP mean in the forum report?")
    assert "good manufacturing practices" in answer.text
    assert len(answer.citations) == 1


def test_a_two_part_question_may_cite_a_passage_for_each_part(assistant):
    answer = assistant.ask("What happened on 3 June and on 4 June in Korea's vaccine hub effort?")
    assert not answer.refused and len(answer.citations) == 2


def test_a_passage_on_the_topic_without_the_kind_of_answer_asked_for_is_no_answer(assistant):
    # The dialogue is described, but nowhere is it said where it took place.
    assert assistant.ask("Where was the official dialogue with businesses held?").refused
    answer = assistant.ask("Where did the task force hold its first meeting?")
    assert not answer.refused and "Government Complex Seoul" in answer.text


def test_weak_evidence_refuses_without_claiming_the_documents_are_silent(assistant):
    # Nothing close: "the documents don't say". Passages on the topic but no clear answer: say
    # only that, and list them (on reworded questions the answer is often the first).
    refusals = [a for a in (assistant.ask(g.question) for g in load_gold(GOLD)) if a.refused]
    floor = assistant.settings.answer.no_match_threshold
    # A question naming a document ("... does the press release carry?") searches only that
    # one, and its refusal speaks only for it.
    scoped = REFUSAL_TEXT.replace("documents don't", "document searched doesn't")
    openings = {a.text.split(". ")[0] for a in refusals}
    assert openings == {
        "The documents don't say",
        "The document searched doesn't say",
        "No passage clearly answers this",
    }
    for a in refusals:
        assert a.text.startswith((REFUSAL_TEXT, scoped)) == (a.confidence < floor)
        assert a.text.startswith((REFUSAL_TEXT, scoped, UNSURE_TEXT))
        assert a.hits and not a.citations
        if a.text.startswith(scoped):
            assert "was searched." in a.text


def test_a_refusal_under_a_document_filter_speaks_for_that_document(assistant):
    explainer = next(d for d, s in assistant.sources.items() if s.title.startswith("Local and"))
    host = "Which country will host the next World Local Production Forum?"
    answer = assistant.ask(host, documents=[explainer])
    assert answer.refused
    assert answer.text.startswith("The document searched doesn't say.")
    assert answer.text.endswith("Only “Local and regional manufacturing” was searched.")
    assert not assistant.ask(host).refused


def test_context_around_a_question_does_not_weaken_its_answer(assistant):
    # Who is asking and why is not what the passages must say: the same passage answers.
    plain = assistant.ask("When was the first World Local Production Forum held?")
    typed = assistant.ask(
        "I'm with the Ministry of Health in Uganda and I'm preparing a background note on WHO's "
        "work on local production. When was the first World Local Production Forum held?"
    )
    assert not plain.refused and not typed.refused
    assert typed.citations[0].chunk_id == plain.citations[0].chunk_id
    assert typed.question.startswith("I'm with the Ministry")  # the answer keeps what was typed
