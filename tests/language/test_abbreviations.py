"""Abbreviations the corpus defines bring a question and a passage in the other form together."""

from __future__ import annotations

from assistant.language.abbreviations import Abbreviations
from assistant.language.text import terms

GLOSSARY = """Abbreviations

LMICs: low- and middle-income countries

NRA: National Regulatory Authority

Date : 2021-07-06

Session 3: Unlocking manufacturing potential
"""
PROSE = (
    "This translation was not created by the World Health Organization (WHO). "
    "The work of the Forum (not a summary) goes on."
)


def test_glossary_lines_and_definitions_in_passing_are_found():
    found = Abbreviations.find([GLOSSARY, PROSE]).expansions
    assert found["lmic"] == frozenset(terms("low- and middle-income countries"))
    assert found["nra"] == frozenset(terms("national regulatory authority"))
    assert found["who"] == frozenset(terms("World Health Organization"))
    # Lines whose label is not an abbreviation, and brackets that spell nothing, are not.
    assert set(found) == {"lmic", "nra", "who"}


def test_each_form_brings_the_other():
    abbreviations = Abbreviations.find([GLOSSARY])
    assert "nra" in abbreviations.expand(terms("a national regulatory authority approves"))
    assert {"nation", "regulatori", "author"} <= set(abbreviations.expand(terms("the NRA")))
    assert abbreviations.expand(terms("regulatory affairs")) == terms("regulatory affairs")


def test_a_question_in_full_words_finds_the_passage_that_abbreviates(assistant):
    question = "Which session of the forum dealt with artificial intelligence?"
    assert "ai" in assistant.retriever.read(question).extra_terms
    hits = assistant.search(question, k=3)
    assert any("Session 6: Leveraging innovation, AI" in h.chunk.text for h in hits)


def test_what_an_abbreviation_stands_for_is_answered_from_the_glossary(assistant):
    answer = assistant.ask("What does NRA stand for?")
    assert not answer.refused and "National Regulatory Authority" in answer.text


def test_loose_or_ambiguous_definitions_are_not_taken():
    found = Abbreviations.find(
        [
            # "ACT" is also the word "Act" here: joining them would give every Act a therapy.
            "An artemisinin-based combination therapy (ACT) is used. The Act requires it.",
            # Letters found among too many words, or a one-word "expansion".
            "Medicines Patent Pool and the Ministry of Health (MPP) met.",
            "The Forum (TF) met.",
            # Long runs without brackets or glossary lines.
            "-" * 5000 + "a" * 5000,
        ]
    ).expansions
    assert found == {}
