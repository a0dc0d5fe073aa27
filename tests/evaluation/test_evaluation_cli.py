"""A real `assistant eval` run on a 6-question gold file: reports, consistency, exit codes."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.evaluation.gold import load_gold
from assistant.evaluation.report import HEADLINE, fmt
from assistant.evaluation.run import METRICS
from assistant.interfaces.cli import main
from tests.conftest import GOLD

SIX = ("q004", "q033", "q049", "q053", "u001", "u007")  # incl. two two-passage questions


@pytest.fixture(scope="module")
def six_gold(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A gold file of six questions taken from the real set."""
    items = {g.id: g for g in load_gold(GOLD)}
    path = tmp_path_factory.mktemp("gold") / "six.jsonl"
    path.write_text("".join(json.dumps(items[i].to_dict()) + "\n" for i in SIX), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def first_run(
    six_gold: Path, assistant: Assistant, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str, str]:
    """One real run (hybrid and BM25 over the test index, plus the LangChain baseline)."""
    out = tmp_path_factory.mktemp("reports")
    code = main(
        [
            "eval",
            "--gold",
            str(six_gold),
            "--config",
            "hybrid,bm25",
            "--corpus",
            str(assistant.settings.corpus_dir),
            "--index",
            str(assistant.settings.index_dir),
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    (folder,) = out.iterdir()
    return folder, str(assistant.settings.index_dir), str(assistant.settings.corpus_dir)


def test_run_writes_all_reports_with_consistent_numbers(first_run: tuple[Path, str, str]):
    folder = first_run[0]
    names = {p.name for p in folder.iterdir()}
    assert {"report.md", "results.json", "chart.png"} <= names
    assert {"ragas-hybrid.jsonl", "ragas-bm25.jsonl", "ragas-langchain.jsonl"} <= names

    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    assert results["questions"] == 6
    assert [c["name"] for c in results["configs"]] == ["hybrid", "bm25", "langchain"]
    report = (folder / "report.md").read_text(encoding="utf-8")
    for config in results["configs"]:
        records, m = config["records"], config["metrics"]
        assert [r["id"] for r in records] == list(SIX)
        answerable = [r for r in records if r["answerable"]]
        unanswerable = [r for r in records if not r["answerable"]]
        # The summary is recomputed from the per-question records.
        ranks = [r["first_relevant_rank"] for r in answerable]
        assert m["hit@1"] == pytest.approx(sum(k == 1 for k in ranks) / 4)
        assert m["hit@5"] == pytest.approx(sum(k is not None and k <= 5 for k in ranks) / 4)
        assert m["mrr@10"] == pytest.approx(sum(1 / k for k in ranks if k) / 4)
        assert m["refusal_accuracy"] == pytest.approx(sum(r["refused"] for r in unanswerable) / 2)
        assert m["false_refusal_rate"] == pytest.approx(sum(r["refused"] for r in answerable) / 4)
        assert m["answer_f1"] == pytest.approx(sum(r["f1"] for r in answerable) / 4)
        assert m["failed"] == sum(bool(r["failures"]) for r in records)
        assert 0 <= m["hit@1"] <= m["hit@5"] <= m["hit@10"] <= 1
        assert m["latency_median_ms"] <= m["latency_p95_ms"]
        for r in records:
            relevant_ranks = [h["rank"] for h in r["retrieved"] if h["relevant"]]
            assert r["first_relevant_rank"] == (min(relevant_ranks) if relevant_ranks else None)
        # The report's full table row shows the same figures (after the headline table), and
        # lists each failed question.
        label = config["name"] + (" (baseline)" if config["baseline"] else "")
        rows = [line for line in report.splitlines() if line.startswith(f"| {label} |")]
        assert rows[0] == f"| {label} | " + " | ".join(fmt(m[k], k) for k in HEADLINE) + " |"
        assert rows[1] == f"| {label} | " + " | ".join(fmt(m[k], k) for k in METRICS) + (
            f" | {m['failed']} |"
        )
        for r in records:
            if r["failures"]:
                assert f"### {r['id']}" in report

    # Extractive answers quote their cited passages, so the support check finds none unsupported.
    assert results["configs"][0]["metrics"]["unsupported_sentences"] in (0.0, None)
    # The LangChain row answers with its top passage and never refuses.
    baseline = results["configs"][2]
    assert baseline["baseline"] and baseline["metrics"]["refusal_accuracy"] == 0.0
    # A real PNG image.
    png = (folder / "chart.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 600 and height > 300
    # The RAGAS export: one row per question, with SingleTurnSample's fields.
    rows = [
        json.loads(line)
        for line in (folder / "ragas-hybrid.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [r["id"] for r in rows] == list(SIX)
    for row, rec in zip(rows, results["configs"][0]["records"], strict=True):
        assert row["user_input"] == row["question"] == rec["question"]
        assert row["response"] == rec["answer"]
        assert isinstance(row["retrieved_contexts"], list) and row["retrieved_contexts"]
        assert row["reference"] == (rec["gold_answer"] or row["reference"])


def test_compare_and_fail_under(
    first_run: tuple[Path, str, str], six_gold: Path, tmp_path: Path, capsys: pytest.CaptureFixture
):
    folder, index_dir, corpus_dir = first_run
    common = ["eval", "--gold", str(six_gold), "--index", index_dir, "--corpus", corpus_dir]
    common += ["--out", str(tmp_path), "--no-baseline", "--quiet"]
    capsys.readouterr()
    code = main(
        [
            *common,
            "--config",
            "dense,bm25",
            "--compare",
            str(folder / "results.json"),
            "--fail-under",
            "bm25:hit@10=0",
            "--fail-under",
            "hit@1=1.01",  # the first configuration (dense) can never reach it
        ]
    )
    out, err = capsys.readouterr()
    assert code == 3
    assert "FAILED: dense hit@1 = " in err and "< 1.01" in err
    assert "ok: bm25 hit@10" in err
    assert "dense: not in the previous run" in out
    assert "Note: the runs asked different questions" not in out
    # bm25 ran in both: same questions, so a count line such as "6 same".
    bm25_block = out.split("bm25:", 1)[1]
    assert "same" in bm25_block or "better" in bm25_block or "worse" in bm25_block


def test_bad_arguments_fail_fast_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a"}\n', encoding="utf-8")
    assert main(["eval", "--gold", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "line 1: missing field 'question'" in err
    assert "\n" not in err
    assert main(["eval", "--gold", str(GOLD), "--config", "nope"]) == 1
    assert "unknown configuration 'nope'" in capsys.readouterr().err
    assert main(["eval", "--gold", str(GOLD), "--fail-under", "speed=1"]) == 1
    assert "unknown metric" in capsys.readouterr().err
    # A limit on a row the run will not have is a usage error, found before anything runs.
    args = ["eval", "--gold", str(GOLD), "--config", "hybrid", "--fail-under", "dense:hit@1=0.5"]
    assert main(args) == 1
    assert "no configuration named 'dense' in this run (hybrid, langchain)" in (
        capsys.readouterr().err
    )


def test_gold_quotes_no_document_holds_are_reported(
    first_run: tuple[Path, str, str], tmp_path: Path, capsys: pytest.CaptureFixture
):
    _, index_dir, corpus_dir = first_run
    items = {g.id: g.to_dict() for g in load_gold(GOLD)}
    typo = {**items["q004"], "evidence": "a sentence no document has"}
    elsewhere = {**items["q033"], "source": "nope.html"}
    gold = tmp_path / "mistakes.jsonl"
    gold.write_text(json.dumps(typo) + "\n" + json.dumps(elsewhere) + "\n", encoding="utf-8")
    common = ["eval", "--gold", str(gold), "--index", index_dir, "--corpus", corpus_dir]
    assert main([*common, "--out", str(tmp_path / "r"), "--config", "bm25", "--no-baseline"]) == 0
    err = capsys.readouterr().err
    assert "warning: gold file: q004: evidence not found in" in err
    assert "warning: gold file: q033: source 'nope.html' is not a corpus document" in err
    (folder,) = (tmp_path / "r").iterdir()
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert "**The gold file has 2 problem(s)**" in report
    assert len(json.loads((folder / "results.json").read_text())["gold_problems"]) == 2


def test_compare_says_when_the_runs_asked_different_questions():
    from assistant.evaluation.compare import compare

    def run(*ids: str) -> dict:
        records = [{"id": i} for i in ids]
        return {"configs": [{"name": "hybrid", "metrics": {}, "records": records}]}

    lines = compare(run("a", "b"), run("b", "c", "d"))
    assert lines[0].startswith("Note: the runs asked different questions (2 only in this run, 1")
    assert not compare(run("a"), run("a"))[0].startswith("Note")
