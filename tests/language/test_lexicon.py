"""The lexicon: each word list and pattern the language rules share, defined once."""

from __future__ import annotations

import re

import pytest

from assistant.language.lexicon import (
    AUXILIARIES,
    EVERY_QUESTION_WORD,
    FUNCTION_WORDS,
    MONTHS,
    NAME,
    POINTS_BACK,
    QUESTION_WORDS,
    STARTS_ASKING,
    WEEKDAYS,
    one_of,
)


def test_one_of_matches_whole_listed_words_only():
    pattern = re.compile(rf"\b{one_of(QUESTION_WORDS)}\b", re.I)
    assert pattern.fullmatch("Who")
    assert not pattern.search("whoever somehow")
    assert set(QUESTION_WORDS) < set(EVERY_QUESTION_WORD)
    assert {"whom", "whose"} == set(EVERY_QUESTION_WORD) - set(QUESTION_WORDS)


@pytest.mark.parametrize(
    "text",
    ["who leads it?", "Is it held yearly?", '"May I ask', "List the hosts.", "whose report?"],
)
def test_starts_asking(text):
    assert STARTS_ASKING.match(text)


@pytest.mark.parametrize("text", ["I work in Geneva.", "Whoever leads it.", "Thanks."])
def test_does_not_start_asking(text):
    assert not STARTS_ASKING.match(text)


def test_points_back_finds_pronouns_as_words():
    found = [m.group(1) for m in POINTS_BACK.finditer("Who leads It and where did they meet?")]
    assert found == ["It", "they"]
    assert not POINTS_BACK.search("Italy and the theme")


def test_a_name_is_a_run_of_capitalised_words():
    pattern = re.compile(rf"\b{NAME}\b")
    found = [
        m.group(0) for m in pattern.finditer("the World Local Production Forum in Asia-Pacific")
    ]
    assert found == ["World Local Production Forum", "Asia-Pacific"]
    assert not pattern.search("WHO and mRNA")


@pytest.mark.parametrize(
    ("text", "month"),
    [("3 June", True), ("3 JUNE", True), ("in May", True), ("may apply", False), ("30 mar", False)],
)
def test_months(text, month):
    assert bool(re.search(rf"\b{MONTHS}\b", text)) == month


def test_weekdays_in_any_case():
    assert re.fullmatch(WEEKDAYS, "Wednesday")
    assert re.fullmatch(WEEKDAYS, "SATURDAY")
    assert not re.fullmatch(WEEKDAYS, "someday")


def test_function_words_hold_question_words_and_auxiliaries():
    assert set(QUESTION_WORDS) <= FUNCTION_WORDS
    assert {"does", "should", "may", "whom", "whose"} <= FUNCTION_WORDS
    assert {"is", "has", "should"} <= set(AUXILIARIES)
