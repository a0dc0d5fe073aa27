"""Hybrid retrieval: both retrievers contribute, fusion ranks, duplicates capped, filters hold."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.answer.extractive import evidence_strength
from assistant.api import Assistant
from assistant.errors import QuestionError
from assistant.evaluation.evaluate import contains_evidence, load_gold, retrieval_scores
from assistant.retrieval.retriever import Retriever
from tests.conftest import CORPUS, GOLD

DISTRACTORS = Path(__file__).resolve().parents[2] / "evals" / "distractors"


def test_hits_carry_component_ranks(assistant):
    hits = assistant.search("Who leads Korea's Global Vaccine Production Hub Task Force?", 5)
    assert len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert any(h.dense_rank for h in hits) and any(h.bm25_rank for h in hits)
    top = hits[0]
    assert top.chunk.doc_id.startswith("002")
    assert 0 < top.coverage <= 1 and top.best_sentence is not None


def test_document_filter(assistant):
    who = "000_ac5a66cb2e178209.txt"
    hits = assistant.search("vaccine production hub task force", 5, documents=[who])
    assert hits and all(h.chunk.doc_id == who for h in hits)
    with pytest.raises(QuestionError, match="Unknown document"):
        assistant.search("vaccines", 5, documents=["nope.txt"])


def test_fusion_beats_each_retriever_alone_on_the_gold_set(assistant):
    gold = load_gold(GOLD)
    base = assistant.retriever.settings

    def hit1(settings):
        retriever = Retriever(assistant.index, assistant.embedder, settings)
        return retrieval_scores(
            gold, lambda q: [h.chunk.text for h in retriever.search(q, 10)]
        ).hit1

    fused = hit1(base)
    dense_only = hit1(base.model_copy(update={"bm25_weight": 0, "sentence_weight": 0}))
    bm25_only = hit1(base.model_copy(update={"dense_weight": 0, "sentence_weight": 0}))
    assert fused >= bm25_only and fused > dense_only


def test_near_duplicates_are_capped(assistant):
    # The WHO report repeats its cover page; the copies never both appear.
    hits = assistant.search("World Local Production Forum report of the first WLPF", 10)
    texts = [set(h.chunk.text.lower().split()) for h in hits]
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            assert len(a & b) / len(a | b) <= assistant.retriever.settings.duplicate_threshold


def _found_in_top(bot: Assistant, k: int) -> float:
    gold = [g for g in load_gold(GOLD) if g.answerable]
    found = 0
    for item in gold:
        hits = bot.search(item.question, k)
        found += any(contains_evidence(h.chunk.text, item.evidence_items[0]) for h in hits)
    return found / len(gold)


def test_gold_questions_find_their_evidence(assistant):
    assert _found_in_top(assistant, 5) >= 0.9


@pytest.mark.slow
def test_similar_documents_added_to_the_corpus_do_not_push_out_the_evidence(
    assistant, embedder, tmp_path
):
    # Distractors on the same topics (a regional manufacturing dialogue with its own sessions,
    # another ministry's vaccine task force, a supply-chain note) compete for every question.
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    for path in DISTRACTORS.glob("*_*.*"):
        shutil.copy(path, corpus / path.name)
    crowded = Assistant.open(index_dir=tmp_path / "index", corpus_dir=corpus, embedder=embedder)
    assert len(crowded.index.documents) == len(assistant.index.documents) + 3
    alone, among = _found_in_top(assistant, 5), _found_in_top(crowded, 5)
    assert among >= 0.9 and among >= alone - 0.05


def test_bad_questions(assistant):
    with pytest.raises(QuestionError, match="type a question"):
        assistant.search("   \n\t ")
    with pytest.raises(QuestionError, match="too long"):
        assistant.search("vaccine " * 10_000)
    assert assistant.search("???", 3) == [] or len(assistant.search("???", 3)) <= 3
    assert isinstance(assistant.search("疫苗生产 🧪 <script>alert(1)</script>", 3), list)


def test_a_question_that_names_a_document_searches_that_document(assistant):
    # The explainer is described as one in the corpus manifest; the press release "explains"
    # things too, which without the reference would put it first.
    q = assistant.retriever.read("What can political will be aimed at, according to the explainer?")
    explainer = [
        d for d, meta in assistant.index.documents.items() if "Explainer" in meta["publisher"]
    ]
    assert q.documents == tuple(explainer)
    hits = assistant.search("What can political will be aimed at, according to the explainer?", k=5)
    assert hits and {h.chunk.doc_id for h in hits} == set(explainer)
    assert any("domestic investments" in h.chunk.text for h in hits)
    # A name that matches no document's description is not a filter.
    assert not assistant.retriever.read(
        "What does the annual report of the Secretariat say?"
    ).documents


def test_naming_the_document_does_not_weaken_the_evidence(assistant):
    # The words that name the document are said by every passage in it.
    asked = "What drives interventions such as technology sharing?"
    naming = "What drives interventions such as technology sharing, according to the explainer?"
    plain, named = assistant.ask(asked), assistant.ask(naming)
    assert not named.refused and named.citations[0].chunk_id == plain.citations[0].chunk_id
    # The evidence the terms give (the answerability model reads the two wordings apart).
    strength = [evidence_strength(*assistant.prepare(text)[:2]) for text in (asked, naming)]
    assert strength[1] >= strength[0]


def test_a_name_the_named_document_never_uses_is_unknown_there(assistant):
    # The WLPF report has an ISBN, the press release has none: asked of the press release, the
    # question names something its document never mentions, and the evidence is halved.
    asked = "What ISBN does the Korean press release on the vaccine hub carry?"
    q = assistant.retriever.read(asked)
    assert q.documents and q.unknown_names == ("ISBN",)
    answer = assistant.ask(asked)
    assert answer.refused and answer.text.endswith("The document you named never mentions “ISBN”.")
    # Asked of the whole corpus, the ISBN is known: no name is unknown.
    assert not assistant.retriever.read("What ISBN does the report carry?").unknown_names


def test_a_name_spelled_out_finds_the_initials_the_documents_write(assistant):
    # The explainer writes "2022 HRC Resolution ..." and never "Human Rights Council".
    asked = "Which 2022 Human Rights Council resolution is listed?"
    q = assistant.retriever.read(asked)
    assert q.initialisms == (("hrc", frozenset({"human", "right", "council"})),)
    assert q.judged == "Which 2022 HRC resolution is listed?"  # as the answerability model reads it
    answer = assistant.ask(asked)
    assert not answer.refused and "HRC Resolution on access to medicines" in answer.text
    # Initials the corpus never writes add nothing; nor do two letters ("NC" is in "CC BY-NC-SA")
    # or initials the corpus defines as something else ("AI: artificial intelligence").
    for asked in (
        "Who leads the Task Force?",
        "Does the report mention New Caledonia?",
        "What did Amnesty International say about local production?",
    ):
        assert not assistant.retriever.read(asked).initialisms, asked
