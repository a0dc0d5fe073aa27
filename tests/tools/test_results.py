"""The results pages' writer finds bench.multilingual's reports where they are kept."""

from __future__ import annotations

import json

from tools import results


def _report(folder, name, seconds):
    # The fields bench.multilingual writes that the page shows.
    both = ("none", "e5-small")
    report = {
        "corpus": "evals/benchmarks/xquad/corpus",
        "passages": 2037,
        "build_seconds": {"none": seconds, "e5-small": 1.5 * seconds},
        "build_ratio": 1.5,
        "peak_rss_mb": dict.fromkeys(both, 900.0),
        "index_bytes_per_passage": dict.fromkeys(both, 8000.0),
        "warm_ask": {"questions": "dev-es.jsonl", "median_ms": 40.0, "p95_ms": 50.0},
    }
    folder.mkdir(parents=True)
    (folder / name).write_text(json.dumps(report), encoding="utf-8")


def test_a_kept_run_is_read_unless_a_newer_one_is_on_disk(tmp_path, monkeypatch):
    kept, fresh = tmp_path / "results", tmp_path / "reports"
    monkeypatch.setattr(results, "BENCH_RESULTS", kept)
    monkeypatch.setattr(results, "BENCH_REPORTS", fresh)
    assert results._multilingual_reports("report.json") == {}
    _report(kept / "2026-11-01" / "multilingual", "report.json", 1)
    _report(kept / "2026-12-07" / "multilingual", "report.json", 2)
    _report(kept / "2026-12-07" / "multilingual-covid-qa", "report.json", 3)
    found = results._multilingual_reports("report.json")
    # The latest kept day, one report per corpus.
    assert found == {
        "multilingual": kept / "2026-12-07" / "multilingual" / "report.json",
        "multilingual-covid-qa": kept / "2026-12-07" / "multilingual-covid-qa" / "report.json",
    }
    _report(fresh / "multilingual", "report.json", 4)
    assert results._multilingual_reports("report.json")["multilingual"] == (
        fresh / "multilingual" / "report.json"
    )
    # The page's cost section reads them: a fresh clone keeps its figures.
    cost = "\n".join(results.languages_page()).split("## What the vectors cost")[1]
    assert "| without (`none`) | 4.0 |" in cost and "| with (`e5-small`) | 6.0 |" in cost
    assert "| without (`none`) | 2.0 |" not in cost  # the kept run the newer one replaces
