"""The checker keeps sentences their cited passages support, and drops the rest."""

from __future__ import annotations

import pytest

from assistant.answer.checking import SupportChecker, split_claims
from assistant.answer.prompting import build_prompt

QUESTION = "Which country will host the next World Local Production Forum?"


@pytest.fixture(scope="module")
def checker(embedder):
    """The checker with its calibrated threshold and the real MiniLM model."""
    return SupportChecker(embedder)


@pytest.fixture(scope="module")
def prompt(assistant):
    """A real prompt: the passages retrieved for a gold question."""
    return build_prompt(QUESTION, assistant.search(QUESTION, 5), budget=4000)


def _evidence(prompt):
    """(number, sentence) of the passage sentence naming the next host."""
    for p in prompt.passages:
        for sentence in p.hit.chunk.sentence_texts():
            if "Netherlands" in sentence:
                return p.number, sentence
    raise AssertionError("no retrieved passage names the next host")


def test_split_claims_reads_markers_in_every_position():
    text = "First claim [1]. Second claim. [2][3]\nThird claim [1, 4]. No marker here."
    assert split_claims(text) == [
        ("First claim.", [1]),
        ("Second claim.", [2, 3]),
        ("Third claim.", [1, 4]),
        ("No marker here.", []),
    ]


def test_supported_sentence_kept_invented_ones_dropped(checker, prompt):
    number, _sentence = _evidence(prompt)
    paraphrase = f"The Netherlands will host the next World Local Production Forum [{number}]."
    invented = f"The next Forum will be held on the Moon in 2087 with 9000 delegates [{number}]."
    result = checker.check(f"{paraphrase} {invented}", prompt)
    assert [c.text for c in result.kept] == [paraphrase.replace(f" [{number}]", "")]
    assert result.kept[0].cited == (number,)
    a, b = result.kept[0].spans[0]
    assert "Netherlands" in prompt.passages[number - 1].hit.chunk.text[a:b]
    assert [c.text for c in result.dropped] == [invented.replace(f" [{number}]", "")]
    assert "number" in result.dropped[0].reason


def test_sentence_citing_the_wrong_passage_is_dropped(checker, prompt):
    number, _ = _evidence(prompt)
    wrong = [
        p.number for p in prompt.passages if "Netherlands" not in p.text and p.number != number
    ]
    assert wrong, "the prompt has a passage that does not name the host"
    claim = f"The Netherlands will host the next World Local Production Forum [{wrong[0]}]."
    result = checker.check(claim, prompt)
    assert not result.kept and result.dropped
    assert result.dropped[0].reason == (
        "cited passage does not support it (a name is not in the passage)"
    )


def test_markers_pointing_at_no_passage_are_removed(checker, prompt):
    number, sentence = _evidence(prompt)
    result = checker.check(f"{sentence} [{number}][42]", prompt)
    assert result.removed_markers == 1
    assert result.kept and result.kept[0].cited == (number,)


def test_unmarked_sentence_is_attributed_only_when_a_passage_supports_it(checker, prompt):
    number, sentence = _evidence(prompt)
    result = checker.check(f"{sentence} The Forum also adopted a new flag for Mars.", prompt)
    assert len(result.kept) == 1 and result.kept[0].attributed
    assert result.kept[0].cited == (number,)
    assert [c.text for c in result.dropped] == ["The Forum also adopted a new flag for Mars."]
    strict = SupportChecker(checker.embedder, attribute_unmarked=False)
    assert not strict.check(sentence, prompt).kept


def test_model_refusal_is_recognised(checker, prompt):
    result = checker.check("The documents don't say.", prompt)
    assert not result.kept and result.model_refused


def test_a_quoted_passage_is_the_claim_and_keeps_its_marker():
    # SmolLM2 often answers 'The passage "..."': the quote is the claim.
    text = 'The passage "It was announced that The Netherlands would host the next Forum." [1]'
    assert split_claims(text) == [
        ("It was announced that The Netherlands would host the next Forum.", [1])
    ]
    # Talk about the quote stays talk about the passages.
    said = 'The passage "NRA: National Regulatory Authority" is a reference to WHO [1].'
    assert split_claims(said)[0][0].startswith("The passage")


def test_a_stray_closing_quote_is_dropped_and_its_marker_kept():
    text = 'The Forum brought together over 70 speakers and partners.". [1]'
    assert split_claims(text) == [
        ("The Forum brought together over 70 speakers and partners.", [1])
    ]
