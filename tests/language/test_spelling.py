"""Typos in questions: read as the word the corpus (or English) writes; real words, names and
abbreviations left alone."""

from __future__ import annotations

import pytest

from assistant.language.detect import ENGLISH
from assistant.language.spelling import Speller
from assistant.language.text import terms

WRITTEN = {
    "vaccine": 12,
    "vaccines": 5,
    "Netherlands": 2,
    "secretariat": 3,
    "Secretariat": 1,
    "hub": 4,
    "modern": 3,
}


def _speller() -> Speller:
    known = {t: 1 for w in WRITTEN for t in terms(w)}
    return Speller(WRITTEN, known)


def test_a_typo_is_read_as_the_nearest_corpus_word():
    speller = _speller()
    assert speller.corrections("Where is the vacine hub?") == {"vacine": "vaccine"}
    # A swap of two letters is one edit; long words may be two edits away.
    assert speller.corrections("the Netherlnads") == {"Netherlnads": "Netherlands"}
    assert speller.corrections("the secertariat") == {"secertariat": "secretariat"}


def test_words_the_corpus_or_english_knows_are_left_alone():
    speller = _speller()
    # "export" and "Kenya" are real words the corpus lacks: a question it may not answer.
    assert speller.corrections("Did Kenya export vaccines to the hub?") == {}
    assert speller.corrections("the hbu") == {}  # too short to guess


def test_names_abbreviations_and_accented_words_are_left_alone():
    speller = _speller()
    # "Moderna" is one letter off "modern", which the corpus never writes with a capital.
    assert speller.corrections("Did the hub work with Moderna?") == {}
    assert speller.corrections("What did COVAX, CEPI and the mRNA makers say?") == {}
    assert speller.corrections("What are NRAs?") == {}
    assert speller.corrections("Is the hub in Bogotá or São Paulo?") == {}


def test_a_typo_of_an_english_word_is_read_as_that_word():
    assert _speller().corrections("Who sreves as the secretariat?") == {"sreves": "serves"}


def test_correct_keeps_what_was_typed_around_the_fix():
    text, fixes = _speller().correct("Is the vacine hub in the Netherlnds?")
    assert text == "Is the vaccine hub in the Netherlands?"
    assert fixes == {"vacine": "vaccine", "Netherlnds": "Netherlands"}
    # A capitalised word is read only as one the corpus writes with a capital.
    assert _speller().corrections("Vacine hubs") == {}


def test_a_question_with_a_typo_finds_the_same_passage(assistant):
    asked = "Which country will host the next World Local Prodcution Forum?"
    plain = assistant.ask(asked.replace("Prodcution", "Production"))
    typed = assistant.ask(asked)
    assert not typed.refused
    assert typed.citations[0].chunk_id == plain.citations[0].chunk_id
    q = assistant.retriever.read(asked)
    assert q.corrections == (("Prodcution", "Production"),)
    assert "Prodcution" in q.text  # shown as typed


def test_the_answer_says_how_a_typo_was_read(assistant):
    from assistant.chat.conversation import Turn
    from assistant.chat.export import answer_text
    from assistant.interfaces.cli import format_answer
    from assistant.interfaces.web import render as web

    asked = "Which country will host the next World Local Prodcution Forum?"
    note = "Read “Prodcution” as “Production”."
    answer = assistant.ask(asked)
    assert answer.read_as == (("Prodcution", "Production"),) and answer.read_as_note == note
    assert answer.to_dict()["read_as"] == [["Prodcution", "Production"]]
    assert format_answer(answer).startswith(f"({note})\nOn the closing day")
    turn = Turn(asked, asked, answer=answer)
    assert note in web._rewrite_note(turn) and note in answer_text(turn)
    assert assistant.ask(asked.replace("Prodcution", "Production")).read_as == ()


def test_a_name_no_document_mentions_is_not_corrected_into_one(assistant):
    answer = assistant.ask("Did the Korean vaccine hub work with Moderna?")
    assert answer.read_as == () and "Moderna" in answer.text


def test_find_passages_mode_says_how_a_typo_was_read(assistant):
    from assistant.chat.conversation import PASSAGES, Turn
    from assistant.interfaces.web import render as web

    asked = "World Local Prodcution Forum host"
    q, hits = assistant.prepare(asked, k=3)
    turn = Turn(asked, asked, PASSAGES, hits=hits, read_as=q.corrections)
    assert turn.read_as_note == "Read “Prodcution” as “Production”."
    assert turn.read_as_note in web._rewrite_note(turn)


@pytest.mark.parametrize(
    ("text", "foreign"),
    [
        ("Qui dirige le groupe de travail ?", True),
        ("Wer leitet die Task Force?", True),
        ("Кто руководит рабочей группой?", True),
        ("谁领导疫苗中心工作组？", True),
        ("Kenya Uganda vaccine plants", False),  # names and keywords, no function word
        ("vacine hubb Korea", False),  # keywords with typos: corrected, not foreign
        ("Africa CDC PAVM", False),
        ("Jeong Eun-kyeong KDCA", False),
        ("Wen was the frist forum", False),
        ("whats GMP", False),
        ("Combien de doses ?", True),
        ("¿Dónde se celebró el foro?", True),
        ("متى عقد المنتدى الأول؟", True),
        ("Was ist die Aufgabe der Task Force?", True),  # "was" is English too
        ("KORUS GMP", False),
        ("WLPF 2021 Geneva", False),
    ],
)
def test_a_question_in_another_language_is_told_apart(assistant, text, foreign):
    q = assistant.retriever.read(text)
    assert q.foreign is foreign and (q.language != ENGLISH) is foreign
    if foreign:  # and it is not read for typos
        assert q.corrections == ()


def test_question_words_typed_in_a_hurry_are_read_as_meant(assistant):
    assert assistant.ask("wich ministry leads the vaccine hub task force?").read_as == (
        ("wich", "which"),
    )
    answer = assistant.ask("whats GMP")
    assert answer.read_as == (("whats", "what is"),)
    assert not answer.refused and "good manufacturing practice" in answer.text
    answer = assistant.ask("Wen was the frist forum")
    assert answer.read_as == (("Wen", "When"), ("frist", "first"))
    assert not answer.refused and "21-25 June 2021" in answer.text


def test_keywords_with_typos_are_still_corrected(assistant):
    answer = assistant.ask("vacine hubb Korea")
    assert dict(answer.read_as) == {"vacine": "vaccine", "hubb": "hub"}
