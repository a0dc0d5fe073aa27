"""Each evaluation metric on small cases computed by hand, and the gold loader's errors."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from assistant.evaluation.compare import CompareError, check_thresholds, compare, parse_threshold
from assistant.evaluation.gold import GoldError, load_gold
from assistant.evaluation.metrics import (
    citation_precision,
    citation_recall,
    claims,
    containment,
    contains_evidence,
    first_relevant_rank,
    hit_at,
    ndcg_at,
    percentile,
    reciprocal_rank,
    supports,
    token_f1,
    unsupported_claims,
)
from assistant.evaluation.run import QuestionRecord, failures, summarise
from tests.conftest import GOLD

Q1 = "The Netherlands would be the hosting country"
Q2 = "over 70 speakers and panellists"
P_Q1 = "On the closing day, it was announced that The Netherlands would be the hosting country."
P_Q2 = "The Forum brought together over 70 speakers and panellists."
P_NONE = "Korea will appoint 15 experts per category."


# ---------------------------------------------------------------- retrieval


def test_evidence_matches_across_case_space_and_punctuation():
    assert contains_evidence("…the NETHERLANDS   would be, the hosting-country!", Q1)
    assert not contains_evidence("The Netherlandish would be the hosting country", Q1)
    assert not contains_evidence(P_Q1, "")  # an empty quote is never found


def test_ranks_hits_and_reciprocal_rank():
    passages = [P_NONE, P_Q1, P_Q1]  # a tie: two relevant passages, the first one counts
    rank = first_relevant_rank(passages, [Q1])
    assert rank == 2
    assert (hit_at(rank, 1), hit_at(rank, 5)) == (0.0, 1.0)
    assert reciprocal_rank(rank) == 0.5
    assert reciprocal_rank(11, k=10) == 0.0  # beyond the cut-off counts as a miss


def test_empty_retrieval_scores_zero():
    assert first_relevant_rank([], [Q1]) is None
    assert hit_at(None, 10) == 0.0 and reciprocal_rank(None) == 0.0
    assert ndcg_at([], [Q1]) == 0.0


def test_ndcg_single_quote_and_repeated_passage():
    # One quote at rank 2: 1/log2(3). Its repeat at rank 3 earns nothing more.
    assert ndcg_at([P_NONE, P_Q1, P_Q1], [Q1]) == pytest.approx(1 / math.log2(3))
    assert ndcg_at([P_Q1, P_NONE], [Q1]) == 1.0


def test_ndcg_two_quotes():
    # Quotes at ranks 1 and 3: (1 + 1/log2(4)) / (1 + 1/log2(3)) = 1.5 / 1.6309.
    expected = 1.5 / (1 + 1 / math.log2(3))
    assert ndcg_at([P_Q1, P_NONE, P_Q2], [Q1, Q2]) == pytest.approx(expected)
    assert ndcg_at([P_Q1 + " " + P_Q2], [Q1, Q2]) == 1.0  # both in one passage: capped at 1


def test_a_fact_stated_twice_is_found_in_either_place():
    # Q1 and its restatement are one piece of evidence: either passage is relevant, and the
    # second one found earns nothing more.
    same = (Q1, "Netherlands named as next host")
    restated = "The Netherlands named as next host of the Forum."
    assert contains_evidence(restated, same) and contains_evidence(P_Q1, same)
    assert not contains_evidence(P_NONE, same)
    assert first_relevant_rank([P_NONE, restated], [same]) == 2
    assert ndcg_at([restated, P_Q1], [same]) == 1.0
    assert citation_recall([restated], [same, Q2]) == 0.5
    assert citation_precision([restated, P_NONE], [same]) == 0.5


# ---------------------------------------------------------------- answers


def test_token_f1_and_containment():
    assert token_f1("The Netherlands. [1]", "The Netherlands.") == 1.0  # markers, articles ignored
    # answer 3 tokens, gold 5 tokens, 3 shared: P=1, R=0.6, F1=0.75
    assert token_f1("over 70 speakers", "Over 70 speakers and panellists") == pytest.approx(0.75)
    assert containment("over 70 speakers", "Over 70 speakers and panellists") == pytest.approx(0.6)
    # repeated words count at most as often as in the gold answer: 2 of 4 answer tokens
    assert token_f1("ten ten ten departments", "ten departments") == pytest.approx(2 / 3)
    assert token_f1("", "ten departments") == 0.0 and containment("anything", "") == 0.0


def test_claims_take_the_next_marker():
    text = "A is b. [1] C is d. E is f. [2]"
    assert [(c.text, c.markers) for c in claims(text)] == [
        ("A is b.", (1,)),
        ("C is d.", (2,)),
        ("E is f.", (2,)),
    ]
    generated = "Korea makes vaccines [1][2]. The US supplies materials [2]."
    assert [c.markers for c in claims(generated)] == [(1, 2), (2,)]
    assert [c.markers for c in claims("No marker at all.")] == [()]


def test_support_by_containment_cut_or_word_overlap():
    passage = "Korea brings the production capability, and the US supplies technological capacity."
    assert supports(passage, "Korea brings the production capability …")  # a cut quote
    assert supports(passage, "The US supplies capacity and Korea brings capability")  # overlap
    assert not supports(passage, "Japan brings money and land")


def test_unsupported_claims():
    answer = "The Netherlands would be the hosting country. [1] Korea will host it. [2] Extra."
    passages = {1: P_Q1, 2: P_NONE}
    bad = [c.text for c in unsupported_claims(answer, passages)]
    assert bad == ["Korea will host it.", "Extra."]  # wrong passage; and no marker at all
    assert [c.text for c in unsupported_claims("Korea will host it. [3]", passages)] == [
        "Korea will host it."
    ]  # [3] names no passage


def test_citation_precision_and_recall():
    assert citation_precision([P_Q1, P_NONE], [Q1]) == 0.5
    assert citation_precision([], [Q1]) is None
    assert citation_recall([P_Q1], [Q1, Q2]) == 0.5
    assert citation_recall([P_Q1, P_Q2], [Q1, Q2]) == 1.0
    assert citation_recall([], [Q1]) == 0.0


def test_percentile_interpolates_and_handles_ties():
    assert percentile([10, 20, 30, 40], 50) == 25
    assert percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)
    assert percentile([5, 5, 5, 100], 50) == 5
    assert percentile([], 95) == 0.0 and percentile([7], 95) == 7


# ---------------------------------------------------------------- summary and refusals


def _record(**over) -> QuestionRecord:
    base = dict(
        id="x",
        question="?",
        answerable=True,
        kind=[],
        gold_answer="The Netherlands",
        quotes=[Q1],
        retrieved=[],
        first_relevant_rank=1,
        ndcg=1.0,
        answer="The Netherlands would be the hosting country. [1]",
        answerer="extractive",
        refused=False,
        citations=[],
        contexts=[],
        f1=1.0,
        containment=1.0,
        citation_precision=1.0,
        citation_recall=1.0,
        sentences=1,
        unsupported=[],
        latency_ms=10.0,
    )
    base.update(over)
    record = QuestionRecord(**base)
    record.failures = failures(record)
    return record


def test_summary_counts_refusals_both_ways():
    records = [
        _record(id="a1"),
        # an answerable question refused: a false refusal, F1 and recall 0, precision undefined
        _record(
            id="a2",
            refused=True,
            first_relevant_rank=3,
            ndcg=0.5,
            f1=0.0,
            containment=0.0,
            citation_precision=None,
            citation_recall=0.0,
            sentences=0,
            latency_ms=30.0,
        ),
        _record(id="u1", answerable=False, quotes=[], refused=True, f1=None, latency_ms=20.0),
        _record(
            id="u2",
            answerable=False,
            quotes=[],
            refused=False,
            f1=None,
            sentences=2,
            unsupported=["made up"],
            latency_ms=40.0,
        ),
    ]
    s = summarise(records)
    assert (s["hit@1"], s["hit@5"], s["mrr@10"]) == (0.5, 1.0, pytest.approx((1 + 1 / 3) / 2))
    assert s["false_refusal_rate"] == 0.5 and s["refusal_accuracy"] == 0.5
    assert s["answer_f1"] == 0.5 and s["citation_recall"] == 0.5
    assert s["citation_precision"] == 1.0  # only the answered question has citations
    assert s["unsupported_sentences"] == pytest.approx(1 / 3)  # 1 of 3 answered sentences
    assert s["latency_median_ms"] == 25.0
    assert s["failed"] == 2
    assert records[1].failures == ["refused an answerable question"]
    assert records[3].failures[0].startswith("answered a question")


# ---------------------------------------------------------------- thresholds and compare


def test_thresholds():
    run = {"configs": [{"name": "hybrid", "metrics": {"hit@1": 0.8, "false_refusal_rate": 0.1}}]}
    problems, passes = check_thresholds([parse_threshold("hit@1=0.9")], run)
    assert problems == ["hybrid hit@1 = 0.800 < 0.9"] and not passes
    problems, passes = check_thresholds(
        [parse_threshold("hybrid:hit@1=0.5"), parse_threshold("false_refusal_rate=0.05", True)],
        run,
    )
    assert passes == ["hybrid hit@1 = 0.800 (limit 0.5)"]
    assert problems == ["hybrid false_refusal_rate = 0.100 > 0.05"]
    for bad in ("hit@1", "recall=1", "hit@1=high"):
        with pytest.raises(CompareError):
            parse_threshold(bad)


def test_compare_names_better_and_worse_questions():
    def run(rank: int | None, refused: bool, hit1: float) -> dict:
        rec = _record(id="q1", first_relevant_rank=rank, refused=refused).to_dict()
        unrec = _record(id="u1", answerable=False, quotes=[], refused=not refused).to_dict()
        return {
            "configs": [{"name": "hybrid", "metrics": {"hit@1": hit1}, "records": [rec, unrec]}]
        }

    lines = compare(run(3, False, 0.5), run(1, False, 1.0))
    assert "  hit@1: 0.500 → 1.000 (better)" in lines
    assert any(line.strip().startswith("better q1: + evidence rank 3 → 1") for line in lines)
    lines = compare(run(1, False, 1.0), run(1, True, 1.0))
    assert any("worse q1: - answered → refused" in line for line in lines)
    assert any("worse u1: - refused → answered" in line for line in lines)


# ---------------------------------------------------------------- gold files


def test_the_gold_set_loads_and_covers_what_the_issue_asks():
    gold = load_gold(GOLD)
    answerable = [g for g in gold if g.answerable]
    assert len(gold) >= 60 and len(gold) - len(answerable) >= 12
    assert len({g.source for g in answerable}) == 3  # every document of the corpus
    kinds = {k for g in gold for k in g.kind}
    assert {"number", "date", "name", "list", "verbatim", "paraphrase", "multi-passage"} <= kinds
    assert any(len(g.quotes) == 2 for g in answerable)


@pytest.mark.parametrize("name", ["gold", "heldout", "test", "conversational", "fresh"])
def test_every_question_file_quotes_its_sources_verbatim(name):
    # The held-out and blind test files are read by `assistant eval --gold`; a quote that drifted
    # from the corpus would silently count every answer as wrong.
    from assistant.ingest.documents import load_corpus

    items = load_gold(GOLD.parent / f"{name}.jsonl")
    docs = {d.doc_id: d.text for d in load_corpus(GOLD.parent.parent / "corpus").documents}
    assert len({g.id for g in items}) == len(items)
    for g in (g for g in items if g.answerable):
        assert contains_evidence(docs[g.source], g.evidence), g.id
        assert all(any(contains_evidence(t, q) for t in docs.values()) for q in g.more_evidence)
        for _, alternatives in g.alternatives:
            assert all(any(contains_evidence(t, a) for t in docs.values()) for a in alternatives)


VALID = (
    '{"id": "a", "question": "Q?", "answer": "A", "source": "f.txt", "evidence": "e", '
    '"answerable": true}'
)


@pytest.mark.parametrize(
    ("bad_line", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (VALID.replace('"id": "a", ', ""), "missing field 'id'"),
        (VALID.replace("true", '"yes"'), "'answerable' must be true or false"),
        (VALID.replace('"answer": "A"', '"answer": 3'), "'answer' must be a string"),
        (VALID.replace("}", ', "extra": 1}'), "unknown fields ['extra']"),
        (
            VALID.replace('"evidence": "e"', '"evidence": ""'),
            "an answerable question needs 'source' and 'evidence'",
        ),
        (VALID.replace("true", "false"), "an unanswerable question must have empty evidence"),
        (VALID.replace("}", ', "kind": "date"}'), "'kind' must be a list of strings"),
        (
            VALID.replace("}", ', "alternatives": {"x": ["y"]}}'),
            "'alternatives' key 'x' is not the evidence or one of 'more_evidence'",
        ),
        (VALID.replace("}", ', "alternatives": ["y"]}'), "'alternatives' must be an object"),
        (VALID.replace("}", ', "alternatives": {"e": [" . "]}}'), "an alternative to 'e' is blank"),
        (
            VALID.replace("}", ', "more_evidence": ["m"], "alternatives": {"e": ["M"]}}'),
            "an alternative to 'e' is one of the quotes",
        ),
        (
            VALID.replace("true", "false")
            .replace('"e"', '""')
            .replace("}", ', "alternatives": {"": ["y"]}}'),
            "'alternatives' key '' is not the evidence",
        ),
        (VALID, "duplicate id 'a'"),
    ],
)
def test_malformed_gold_lines_name_the_line(tmp_path: Path, bad_line: str, problem: str):
    path = tmp_path / "gold.jsonl"
    other = VALID.replace('"id": "a"', '"id": "z"')
    path.write_text(f"{VALID}\n\n{bad_line}\n{other}\n", encoding="utf-8")
    with pytest.raises(GoldError) as err:
        load_gold(path)
    assert f"line 3: {problem}" in str(err.value)


def test_gold_file_without_optional_fields_loads(tmp_path: Path):
    path = tmp_path / "gold.jsonl"
    path.write_text(VALID + "\n", encoding="utf-8")
    (item,) = load_gold(path)
    assert item.kind == () and item.quotes == ("e",) and item.evidence_items == (("e",),)
    path.write_text(VALID.replace("}", ', "alternatives": {"e": ["f"]}}') + "\n", encoding="utf-8")
    (item,) = load_gold(path)
    assert item.evidence_items == (("e", "f"),) and item.to_dict()["alternatives"] == {"e": ["f"]}
    assert len({item, item}) == 1  # items stay hashable
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(GoldError, match="no questions"):
        load_gold(path)
