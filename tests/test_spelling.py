"""Typos in questions: read as the word the corpus (or English) writes; real words left alone."""

from __future__ import annotations

from assistant.spelling import Speller
from assistant.text import terms

WRITTEN = {"vaccine": 12, "vaccines": 5, "netherlands": 2, "secretariat": 3, "hub": 4}


def _speller() -> Speller:
    known = {t: 1 for w in WRITTEN for t in terms(w)}
    return Speller(WRITTEN, known)


def test_a_typo_is_read_as_the_nearest_corpus_word():
    speller = _speller()
    assert speller.corrections("Where is the vacine hub?") == {"vacine": "vaccine"}
    # A swap of two letters is one edit; long words may be two edits away.
    assert speller.corrections("the Netherlnads") == {"netherlnads": "netherlands"}
    assert speller.corrections("the secertariat") == {"secertariat": "secretariat"}


def test_words_the_corpus_or_english_knows_are_left_alone():
    speller = _speller()
    # "export" and "Kenya" are real words the corpus lacks: a question it may not answer.
    assert speller.corrections("Did Kenya export vaccines to the hub?") == {}
    assert speller.corrections("the hbu") == {}  # too short to guess


def test_a_typo_of_an_english_word_is_read_as_that_word():
    assert _speller().corrections("Who sreves as the secretariat?") == {"sreves": "serves"}


def test_correct_keeps_capitals():
    text, fixes = _speller().correct("Is the VACINE hub in the Netherlnds?")
    assert text == "Is the VACCINE hub in the Netherlands?"
    assert fixes == {"vacine": "vaccine", "netherlnds": "netherlands"}


def test_a_question_with_a_typo_finds_the_same_passage(assistant):
    plain = assistant.ask("Which country will host the next World Local Production Forum?")
    typed = assistant.ask("Which country will host the next World Local Prodcution Forum?")
    assert not typed.refused
    assert typed.citations[0].chunk_id == plain.citations[0].chunk_id
    q = assistant.retriever.analyse(
        "Which country will host the next World Local Prodcution Forum?"
    )
    assert q.corrections == (("prodcution", "production"),)
    assert "Prodcution" in q.text  # shown as typed


def test_the_answer_says_how_a_typo_was_read(assistant):
    from assistant import app as web
    from assistant.cli import format_answer
    from assistant.conversation import Turn
    from assistant.export import answer_text

    asked = "Which country will host the next World Local Prodcution Forum?"
    answer = assistant.ask(asked)
    assert answer.read_as == (("prodcution", "production"),)
    assert answer.read_as_note == "Read “prodcution” as “production”."
    assert answer.to_dict()["read_as"] == [["prodcution", "production"]]
    assert format_answer(answer).startswith("(Read “prodcution” as “production”.)")
    turn = Turn(asked, asked, answer=answer)
    assert "Read “prodcution” as “production”." in web._rewrite_note(turn)
    assert "Read “prodcution” as “production”." in answer_text(turn)
    assert assistant.ask(asked.replace("Prodcution", "Production")).read_as == ()
