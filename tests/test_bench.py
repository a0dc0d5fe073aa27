"""The benchmark entry point runs end to end in --quick mode and writes a well-formed report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_quick_bench_writes_markdown_and_json(tmp_path):
    out = tmp_path / "report"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == str(out / "report.md")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["mode"] == "quick" and report["machine"]["cores"]
    steps = report["steps"]
    expected = {"ingestion", "incremental", "latency", "coldstart", "scale_base"}
    assert expected <= set(steps)
    assert any(name.startswith("scale_vectors_") for name in steps)
    assert any(name.startswith("scale_bm25_") for name in steps)
    for name, step in steps.items():
        assert "error" not in step, f"{name}: {step.get('error')}"
        assert step["peak_rss_mb"] > 0 and step["wall_s"] >= 0
    # Figures are reported, not judged: check they are there and of the right kind.
    ingestion = steps["ingestion"]["result"]
    assert ingestion["chunks"] > 0
    assert all(row["seconds"] > 0 for row in ingestion["rows"].values())
    latency = steps["latency"]["result"]
    assert set(latency["stages"]) == {
        "analyse",
        "embed",
        "faiss",
        "bm25",
        "fusion and reading",
        "answer",
    }
    assert latency["embedding_cache"]["entries"] <= latency["embedding_cache"]["bound"]
    vectors = next(s for n, s in steps.items() if n.startswith("scale_vectors_"))["result"]
    assert set(vectors["kinds"]) == {"flat", "hnsw", "ivf"}
    assert vectors["kinds"]["flat"]["recall@10"] == 1.0
    assert all(0 <= k["recall@10"] <= 1 for k in vectors["kinds"].values())
    assert steps["incremental"]["result"]["same_chunk_table"] is True
    assert steps["coldstart"]["result"]["slowest_imports_during_ask"]
    markdown = (out / "report.md").read_text(encoding="utf-8")
    for heading in (
        "## Targets",
        "## Ingestion",
        "## Incremental update",
        "## Query latency",
        "## Cold start",
        "## Scale",
    ):
        assert heading in markdown
    assert not list(out.glob(".*"))  # no temporary files left beside the report


def test_bad_arguments_get_one_line_errors():
    for args in (["--sizes", "ten"], ["--sections", "nonsense"]):
        done = subprocess.run(
            [sys.executable, "-m", "bench", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode != 0
        assert len(done.stderr.strip().splitlines()) == 1 and "error" in done.stderr
        assert "Traceback" not in done.stderr


def test_refusal_calibration_rates_and_suggestion():
    from bench.calibrate_refusal import rates, suggest

    # Answerable at 0.5 and 0.3, unanswerable at 0.4 and 0.2.
    scored = [(0.5, True), (0.3, True), (0.4, False), (0.2, False)]
    assert rates(scored, 0.35) == (0.5, 0.5)
    assert rates(scored, 0.45) == (0.5, 1.0)
    assert rates(scored, 0.25) == (1.0, 0.5)
    best = suggest(scored, max_lost=0.0)
    # 0.75 both from 0.21 to 0.30 (both answered, one refused) and from 0.41 (one answered,
    # both refused): the lowest answers the most.
    assert best["best_mean"] == 0.75 and best["refusal_threshold"] == 0.21
    assert best["no_match_threshold_at_most"] == 0.3  # no answerable question falls below it


def test_refusal_calibration_scores_the_gold_questions(assistant):
    from assistant.evaluation.gold import load_gold
    from bench.calibrate_refusal import strengths

    from .conftest import GOLD

    scored = strengths(assistant, GOLD)
    assert len(scored) == len(load_gold(GOLD)) and {a for _, a in scored} == {True, False}
    assert all(0.0 <= s <= 1.0 for s, _ in scored)


def test_typo_bench_puts_one_typo_in_one_content_word():
    import random

    from bench.typos import with_typo

    question = "Which country will host the next World Local Production Forum?"
    typed = with_typo(question, random.Random(3))
    changed = [(a, b) for a, b in zip(question.split(), typed.split(), strict=True) if a != b]
    assert len(changed) == 1
    before, after = changed[0]
    assert len(before) >= 5 and abs(len(before) - len(after)) <= 1 and before[0] == after[0]
    assert with_typo("Is it new?", random.Random(3)) == "Is it new?"  # no word long enough


def test_typo_bench_measures_a_question_file(assistant, tmp_path):
    from bench.typos import measure

    from .conftest import GOLD

    lines = GOLD.read_text(encoding="utf-8").splitlines()
    small = tmp_path / "small.jsonl"
    small.write_text("\n".join(lines[:3] + [ln for ln in lines if '"u001"' in ln]), "utf-8")
    result = measure(assistant, small, seed=7)
    assert result["answerable"] == 3 and result["unanswerable"] == 1
    assert 0.0 <= result["hit@1"]["with a typo"] <= 1.0
    assert result["answerable refused"]["as written"] <= 1.0
