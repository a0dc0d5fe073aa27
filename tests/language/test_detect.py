"""The question's language, from the lingua detector: the six UN languages and others told
apart, and keywords, names and acronyms kept English."""

from __future__ import annotations

import pytest

from assistant.language.detect import ENGLISH, question_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("When was the first World Local Production Forum held?", "en"),
        ("Qui dirige le groupe de travail sur le hub vaccinal ?", "fr"),
        ("¿Cuándo se celebró el primer foro?", "es"),
        ("متى عقد المنتدى الأول؟", "ar"),
        ("谁领导疫苗中心工作组？", "zh"),
        ("Когда состоялся первый форум?", "ru"),
        ("Quem lidera a força-tarefa?", "pt"),
        ("Wer leitet die Task Force?", "de"),
    ],
)
def test_each_language_is_told(text, language):
    assert question_language(text) == language


@pytest.mark.parametrize(
    "text",
    ["Kenya Uganda vaccine plants", "Africa CDC PAVM", "KORUS GMP", "mRNA technology transfer hub"],
)
def test_keywords_names_and_acronyms_stay_english(text):
    assert question_language(text) == ENGLISH


def test_empty_or_symbol_only_text_is_english():
    assert question_language("") == question_language("?? 2021 !!") == ENGLISH
