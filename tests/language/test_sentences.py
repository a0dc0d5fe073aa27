"""The one sentence splitter: for documents (edited text) and for questions (typed text)."""

from __future__ import annotations

import pytest

from assistant.language.sentences import sentence_spans, sentences


@pytest.mark.parametrize("typed", [False, True])
@pytest.mark.parametrize(
    "text",
    [
        "The U.S. Government signed it.",
        "Hubs (e.g. Regional ones) matter.",
        "They met Dr. Kim in Seoul.",
        "Smith et al. Found the same.",
        "Prof. Lee, approx. Five experts and Acme Inc. Took part.",
        "See Fig. 3 and Art. 5 of the No. 2 decision.",
    ],
)
def test_an_abbreviation_keeps_its_sentence_whole(text, typed):
    assert sentences(text, typed=typed) == [text]


@pytest.mark.parametrize("typed", [False, True])
def test_a_question_word_after_an_abbreviation_starts_a_sentence(typed):
    text = "I work in the U.S. When was the forum held?"
    assert sentences(text, typed=typed) == ["I work in the U.S.", "When was the forum held?"]


def test_in_edited_text_an_acronym_is_no_question_word():
    text = "Partners, e.g. WHO and UNICEF, took part."
    assert sentences(text) == [text]


def test_typed_text_may_open_a_sentence_in_lower_case():
    text = "hello. when was it held?"
    assert sentences(text) == [text]
    assert sentences(text, typed=True) == ["hello.", "when was it held?"]


def test_typed_text_writes_abbreviations_in_any_case():
    text = "i saw dr. kim there. who is she?"
    assert sentences(text, typed=True) == ["i saw dr. kim there.", "who is she?"]
    assert sentences("Dr. Kim said NO. Then he left.") == ["Dr. Kim said NO.", "Then he left."]


def test_edited_text_ends_at_closing_quotes_and_before_digits_and_bullets():
    text = 'He said "It is done." 15 experts met. • A list item.'
    assert sentences(text) == ['He said "It is done.', "15 experts met.", "• A list item."]


def test_spans_are_trimmed_and_offset():
    text = "  First one.   Second one.  "
    spans = sentence_spans(text, offset=100)
    assert spans == [(102, 112), (115, 126)]
    assert [text[a - 100 : b - 100] for a, b in spans] == ["First one.", "Second one."]


def test_nothing_to_split():
    assert sentence_spans("") == []
    assert sentence_spans("   ") == []
    assert sentences("No full stop") == ["No full stop"]
