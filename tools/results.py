"""Write the results pages (docs/results/*.md) from the latest reports on disk: `make report`.

It reads, and runs nothing: the `assistant eval` reports under evals/reports/ (git-ignored, so a
fresh clone may have none) and the benchmark reports under bench/reports/ and bench/results/.
Each page says, for every report it shows, when it was measured, on which commit and machine,
and the command that measures it again; when a report is missing, it says which command writes
it. Run an evaluation or a benchmark, then `make report`, and commit the pages.

    .venv/bin/python -m tools.results [--out docs/results]
"""

from __future__ import annotations

import argparse
import functools
import json
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "results"
EVAL_REPORTS = ROOT / "evals" / "reports"
BENCH_REPORTS = ROOT / "bench" / "reports"
BENCH_RESULTS = ROOT / "bench" / "results"

# The seed question sets, in the order the Evaluation page describes them.
SEED_SETS = ("gold", "heldout", "conversational", "test", "fresh")
# External benchmarks with their own page section here; xquad is on the languages page.
BENCHMARKS = ("squad2", "covid-qa")
XQUAD = {"es": "Spanish", "ar": "Arabic", "zh": "Chinese", "ru": "Russian"}
TRANSLATED = {"fr": "French", **XQUAD}
# `assistant eval` figures, in the order its reports give them, with the names tables show.
EVAL_METRICS = {
    "hit@1": "hit@1",
    "hit@5": "hit@5",
    "hit@10": "hit@10",
    "mrr@10": "MRR@10",
    "ndcg@10": "nDCG@10",
    "answer_f1": "answer F1",
    "answer_containment": "containment",
    "answer_holds_gold": "answer holds gold",
    "citation_precision": "citation precision",
    "citation_recall": "citation recall",
    "unsupported_sentences": "unsupported sentences",
    "refusal_accuracy": "unanswerable refused",
    "answerable_answered": "answerable answered",
    "answer_words_median": "median answer words",
    "latency_median_ms": "latency median ms",
    "latency_p95_ms": "latency p95 ms",
}
BENCH_SECTIONS = ("quality", "ingestion", "incremental", "latency", "coldstart", "scale")
HEADER = (
    "<!-- Written by `make report` (tools/results.py) from the reports named below. "
    "Do not edit: run the command each section names, then `make report`. -->"
)


@dataclass(frozen=True)
class Provenance:
    """Where a figure comes from: the report, when, on what code and machine, by what command."""

    report: str
    date: str
    commit: str
    machine: str
    command: str


def main(argv: list[str] | None = None) -> int:
    """Write every results page and print what was written."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder of the results pages")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, write in PAGES.items():
        text = "\n".join([HEADER, "", *write()]).rstrip() + "\n"
        (args.out / f"{name}.md").write_text(text, encoding="utf-8")
        print(f"wrote {(args.out / name).relative_to(ROOT) if args.out == OUT else name}.md")
    return 0


# ---------------------------------------------------------------------------------- the pages


def index_page() -> list[str]:
    """The list of results pages."""
    return [
        "# Results",
        "",
        "Figures measured by the evaluations and benchmarks, written by `make report` from the",
        "latest reports on disk: each section gives the date, commit and machine of its run and",
        "the command that measures it again. How each figure is defined and what it says:",
        "[Evaluation and benchmarks](../evaluation.md) and [Performance](../performance.md).",
        "",
        "| page | what | reports read |",
        "|---|---|---|",
        "| [Seed question sets](seed-sets.md) | `assistant eval` on the gold, held-out, "
        "conversational, test and fresh questions | `evals/reports/*/results.json` |",
        "| [External benchmarks](external-benchmarks.md) | SQuAD 2.0 and COVID-QA | "
        "`evals/reports/benchmarks/*/*/results.json` |",
        "| [Languages](languages.md) | XQuAD, the translated seed questions, and what the "
        "multilingual vectors cost | `evals/reports/benchmarks/xquad-*/`, "
        "`evals/reports/languages/`, `bench/reports/multilingual/` |",
        "| [Follow-ups on CoQA](followups.md) | follow-up rewriting on conversations nobody "
        "tuned on | `bench/reports/coqa_followups.json` |",
        "| [Performance](performance.md) | ingestion, updates, latency, cold start, scale | "
        "`bench/results/*/*/report.json`, `bench/reports/*/report.json` |",
        "| [Reliability and load](reliability.md) | fuzzed files, killed builds, many "
        "sessions at once | `bench/reports/{fuzz_loaders,kill_index,load}.json` |",
        "| [Cluster](cluster.md) | indexing on Ray | `bench/reports/ray_indexing.json` |",
        "",
        "Reports under `evals/reports/` and `bench/reports/<timestamp>/` are not in git: a",
        "page regenerated on a fresh clone says which command writes the missing ones.",
    ]


def seed_sets_page() -> list[str]:
    """`assistant eval` on each seed question set: its latest report."""
    lines = [
        "# Seed question sets",
        "",
        "The latest `assistant eval` report on each question set written against the seed",
        "documents ([what each set is](../evaluation.md#seed-question-sets), [what each figure",
        "means](../question-sets.md#what-assistant-eval-measures)).",
        "",
    ]
    for name in SEED_SETS:
        gold = f"evals/{name}.jsonl"
        lines += [f"## `{gold}`", ""]
        lines += _eval_or_missing(
            _latest_eval(EVAL_REPORTS.glob("*/results.json"), gold),
            f"assistant eval --gold {gold}",
            "figures recorded by hand on 2026-11-23 are on the "
            "[Evaluation](../evaluation.md#seed-question-sets) page",
        )
    return lines


def external_benchmarks_page() -> list[str]:
    """`assistant eval --benchmark NAME`: the latest report of each."""
    lines = [
        "# External benchmarks",
        "",
        "The latest `assistant eval --benchmark NAME` report of each external set",
        "([the sets](../benchmark-sets.md), [how they are scored](../evaluation.md#external-"
        "benchmarks)). XQuAD, asked in four languages, is on the [languages](languages.md#xquad)",
        "page.",
        "",
    ]
    for name in BENCHMARKS:
        lines += [f"## {name}", ""]
        lines += _eval_or_missing(
            _latest_eval((EVAL_REPORTS / "benchmarks" / name).glob("*/results.json")),
            f"make eval-{name}",
            "the runs of 3 December 2026 are on the "
            "[Evaluation](../evaluation.md#external-benchmarks) page",
        )
    return lines


def languages_page() -> list[str]:
    """XQuAD, the translated seed questions, and the cost of the multilingual vectors."""
    lines = [
        "# Languages",
        "",
        "Questions in other languages than the documents' ([how they are read and",
        "answered](../languages.md)).",
        "",
        "## XQuAD",
        "",
        "Professionally translated questions (the dev half: 386 per language, all answerable)",
        "against the 48 English articles. Ours is the default configuration; the stock recipe",
        "is LangChain's (`RecursiveCharacterTextSplitter(1000, 200)`, FAISS, its top passage",
        "as the answer), with MiniLM and with multilingual-e5-small.",
        "",
    ]
    ours = {
        code: _latest_eval((EVAL_REPORTS / "benchmarks" / f"xquad-{code}").glob("*/results.json"))
        for code in XQUAD
    }
    stock_path = _multilingual_reports("stock.json").get("multilingual")
    stock = _read_json(stock_path) if stock_path else None
    if not any(ours.values()) and stock is None:
        lines += _missing("make eval-xquad; python -m bench.multilingual --stock")
    else:
        head = [
            "language",
            "ours: evidence first",
            "ours: top 5",
            "ours: answered",
            "ours: answered citing the evidence",
            "ours: answer holds gold",
            "stock + MiniLM: first / top 5 / holds gold",
            "stock + e5-small: first / top 5 / holds gold",
        ]
        rows = []
        for code, language in XQUAD.items():
            report = ours[code]
            m = _config(report[1], baseline=False)["metrics"] if report else {}
            rows.append(
                [
                    language,
                    _num(m.get("hit@1")),
                    _num(m.get("hit@5")),
                    _num(m.get("answerable_answered")),
                    _num(m.get("answered_citing_evidence")),
                    _num(m.get("answer_holds_gold")),
                    _stock(stock, "MiniLM", code),
                    _stock(stock, "e5-small", code),
                ]
            )
        lines += _table(head, rows, align="l" + "r" * 5 + "ll")
        sources = [_eval_provenance(path, data) for path, data in filter(None, ours.values())]
        if stock is not None:
            assert stock_path is not None
            sources.append(
                _file_provenance(
                    stock_path,
                    command="python -m bench.multilingual --stock",
                )
            )
        lines += _provenance_table(sources)
        missing = [f"xquad-{c}" for c, r in ours.items() if r is None]
        if missing:
            lines += [f"No report yet for {', '.join(missing)}: `make eval-xquad`.", ""]

    lines += ["## Translated seed questions", ""]
    rows, sources = [], []
    for code, language in TRANSLATED.items():
        found = _latest_eval((EVAL_REPORTS / "languages" / code).glob("*/results.json"))
        if found is None:
            continue
        m = _config(found[1], baseline=False)["metrics"]
        rows.append(
            [
                language,
                _num(m.get("hit@1")),
                _num(m.get("hit@5")),
                _num(m.get("answerable_answered")),
                _num(m.get("citation_recall")),
                _num(m.get("refusal_accuracy")),
                _num(m.get("latency_median_ms"), ms=True),
            ]
        )
        sources.append(_eval_provenance(*found))
    if rows:
        lines += [
            "The gold and held-out questions translated by an AI model, unreviewed",
            "([how](../translated-questions.md)).",
            "",
            *_table(
                [
                    "language",
                    "evidence first",
                    "evidence in top 5",
                    "answerable answered",
                    "evidence quoted (citation recall)",
                    "unanswerable refused",
                    "`ask` median ms",
                ],
                rows,
                align="l" + "r" * 6,
            ),
            *_provenance_table(sources),
        ]
    else:
        lines += _missing(
            "make eval-languages",
            "the run of 3 December 2026 is on the "
            "[languages](../languages.md#the-translated-seed-questions) page",
        )

    lines += ["## What the vectors cost", ""]
    # One report per corpus measured (multilingual*/ by --out).
    costs = [(p, _read_json(p)) for p in _multilingual_reports("report.json").values()]
    if not costs:
        lines += _missing("python -m bench.multilingual")
    for cost_path, cost in costs:
        if cost is not None:
            lines += _guarded(functools.partial(_cost, cost, cost_path))
    return lines


def _multilingual_reports(filename: str) -> dict[str, Path]:
    """bench.multilingual's reports by folder name (one per corpus): a run kept in git
    (bench/results/<date>/, the latest date) unless a newer one is in bench/reports/."""
    found: dict[str, Path] = {}
    for path in [
        *sorted(BENCH_RESULTS.glob(f"*/multilingual*/{filename}")),
        *sorted(BENCH_REPORTS.glob(f"multilingual*/{filename}")),
    ]:
        found[path.parent.name] = path
    return dict(sorted(found.items()))


def followups_page() -> list[str]:
    """Follow-up rewriting on CoQA."""
    path = BENCH_REPORTS / "coqa_followups.json"
    lines = [
        "# Follow-ups on CoQA",
        "",
        "Each CoQA conversation's questions replayed through the chat's follow-up rewriting",
        "([the method](../evaluation.md#follow-up-rewriting-on-coqa)): is CoQA's rationale in",
        "the top passages when a follow-up is searched as typed, as rewritten (what the page",
        'shows as "Understood as"), or run together with the previous question?',
        "",
    ]
    data = _read_json(path)
    if data is None:
        return [*lines, *_missing("python -m bench.coqa_followups")]
    return [*lines, *_guarded(lambda: _followups(data, path))]


def performance_page() -> list[str]:
    """`python -m bench`: for each section, the reports of the latest day that measured it."""
    lines = [
        "# Performance",
        "",
        "`python -m bench` ([what each section measures](../bench.md), [how to read the",
        "figures](../performance.md)). For each section, the reports of the latest day that",
        "ran it; timings are medians on a shared machine, so compare the ratios within a run.",
        "",
    ]
    reports = []
    for path in sorted(BENCH_RESULTS.glob("*/*/report.json")) + sorted(
        BENCH_REPORTS.glob("*/report.json")
    ):
        data = _read_json(path)
        if data and isinstance(data.get("steps"), dict) and data.get("date"):
            reports.append((path, data))
    if not reports:
        return [*lines, *_missing("python -m bench")]
    keep: dict[Path, set[str]] = {}
    for section in BENCH_SECTIONS:
        having = [(p, d) for p, d in reports if section in _sections(d)]
        if having:
            day = max(d["date"][:10] for _, d in having)
            for p, d in having:
                if d["date"][:10] == day:
                    keep.setdefault(p, set()).add(section)
    from bench.report import render

    for path, data in sorted(reports, key=lambda r: r[1]["date"], reverse=True):
        if path not in keep:
            continue
        sections = [s for s in BENCH_SECTIONS if s in keep[path]]
        steps = {k: v for k, v in data["steps"].items() if k.split("_")[0] in sections}
        lines += [f"## {', '.join(sections)}: {data['date']}", ""]
        lines += _provenance_list(_bench_provenance(path, data))
        filtered = {**data, "steps": steps}
        lines += _guarded(lambda: _demoted(render(filtered)))  # noqa: B023 (called at once)
    return lines


def reliability_page() -> list[str]:
    """Fuzzed loaders, killed builds and many sessions at once."""
    lines = [
        "# Reliability and load",
        "",
        "The long runs behind the reliability tests ([what is protected](../reliability.md)).",
        "",
        "## Fuzzed documents",
        "",
    ]
    fuzz_path = BENCH_REPORTS / "fuzz_loaders.json"
    fuzz = _read_json(fuzz_path)
    lines += (
        _guarded(lambda: _fuzz(fuzz, fuzz_path))
        if fuzz
        else _missing("python -m bench.fuzz_loaders")
    )
    lines += ["## Killed builds", ""]
    kill_path = BENCH_REPORTS / "kill_index.json"
    kill = _read_json(kill_path)
    lines += (
        _guarded(lambda: _kill(kill, kill_path)) if kill else _missing("python -m bench.kill_index")
    )
    lines += ["## Many users at once", ""]
    load_path = BENCH_REPORTS / "load.json"
    load = _read_json(load_path)
    lines += (
        _guarded(lambda: _load(load, load_path))
        if load
        else _missing("python -m bench.load --rounds 3")
    )
    return lines


def cluster_page() -> list[str]:
    """Indexing on a Ray cluster against a local build."""
    path = BENCH_REPORTS / "ray_indexing.json"
    lines = [
        "# Cluster",
        "",
        "The same index built from scratch locally and on a one-node Ray cluster the bench",
        "starts itself, with one and with two embedding actors (one CPU each), in one process",
        "([what the cluster does](../cluster.md)).",
        "",
    ]
    data = _read_json(path)
    if data is None:
        return [*lines, *_missing("python -m bench.ray_indexing --copies 20")]
    return [*lines, *_guarded(lambda: _ray(data, path))]


PAGES: dict[str, Callable[[], list[str]]] = {
    "index": index_page,
    "seed-sets": seed_sets_page,
    "external-benchmarks": external_benchmarks_page,
    "languages": languages_page,
    "followups": followups_page,
    "performance": performance_page,
    "reliability": reliability_page,
    "cluster": cluster_page,
}


# ------------------------------------------------------------------------- report sections


def _eval_section(found: tuple[Path, dict[str, Any]]) -> list[str]:
    path, data = found
    configs = data.get("configs", [])
    present = [m for m in EVAL_METRICS if any(c["metrics"].get(m) is not None for c in configs)]
    rows = [
        [f"{c['name']} (baseline)" if c.get("baseline") else f"**{c['name']}**"]
        + [_num(c["metrics"].get(m), ms=m.endswith("_ms")) for m in present]
        for c in configs
    ]
    lines = _table(
        ["configuration", *(EVAL_METRICS[m] for m in present)],
        rows,
        align="l" + "r" * len(present),
    )
    questions = data.get("questions")
    if questions:
        counts = configs[0]["metrics"] if configs else {}
        lines += [
            f"{questions} questions ({counts.get('answerable', '?')} answerable, "
            f"{counts.get('unanswerable', '?')} not); the run took {data.get('seconds', 0):.0f} s.",
            "",
        ]
    if data.get("gold_problems"):
        lines += [f"Gold-file problems listed by the run: {len(data['gold_problems'])}.", ""]
    return [*lines, *_provenance_list(_eval_provenance(path, data))]


def _cost(r: dict[str, Any], path: Path) -> list[str]:
    seconds, rss, size = r["build_seconds"], r["peak_rss_mb"], r["index_bytes_per_passage"]
    ask = r.get("warm_ask", {})
    rows = [
        [
            "without (`none`)",
            f"{seconds['none']:.1f}",
            f"{rss['none']:,.0f}",
            f"{size['none'] / 1024:.1f}",
        ],
        [
            "with (`e5-small`)",
            f"{seconds['e5-small']:.1f}",
            f"{rss['e5-small']:,.0f}",
            f"{size['e5-small'] / 1024:.1f}",
        ],
    ]
    corpus = Path(r.get("corpus", "")).name or "the corpus"
    questions = Path(ask.get("questions", "")).name
    return [
        f"An index of `{Path(r.get('corpus', '')).parent.name}/{corpus}` "
        f"({r['passages']:,} passages) built from scratch without and with the multilingual",
        "vectors, each build in its own process.",
        "",
        *_table(["build", "seconds", "peak RSS MB", "index KB per passage"], rows, align="lrrr"),
        f"Build with ÷ without: **{r['build_ratio']:.2f}**. Warm `ask` with the vectors, "
        f"questions of `{questions}`: median {ask.get('median_ms', 0):.0f} ms, p95 "
        f"{ask.get('p95_ms', 0):.0f} ms.",
        "",
        *_provenance_list(_cost_provenance(r, path)),
    ]


def _cost_provenance(r: dict[str, Any], path: Path) -> Provenance:
    """The multilingual cost report's provenance, with the commit it records when it does."""
    corpus = Path(r.get("corpus", ""))
    command = "python -m bench.multilingual"
    if corpus.parent.name != "xquad":
        command += f" --corpus {_rel(corpus)} --out {_rel(path.parent)}"
    found = _file_provenance(path, command=command, date=r.get("date"), machine=r.get("machine"))
    if r.get("commit"):
        found = replace(found, commit=f"`{r['commit']}` (recorded by the run)")
    return found


def _followups(d: dict[str, Any], path: Path) -> list[str]:
    f, first = d["followup"], d["first_question"]
    names = {
        "typed": "typed",
        "rewrite": "**our rewrite**",
        "concatenated": "previous + current question",
    }
    rows = [
        [label, _num(f[k]["top1"]), _num(f[k]["top5"]), _num(f[k]["story1"])]
        for k, label in names.items()
        if k in f
    ]
    rows.append(
        [
            "(first questions, for scale)",
            _num(first["top1"]),
            _num(first["top5"]),
            _num(first["story1"]),
        ]
    )
    lines = [
        f"{d['stories']} stories, the first {d['turns']} questions of each: {d['followups']} "
        f"follow-ups, {d['rewritten']} of them rewritten.",
        "",
        *_table(
            [
                "follow-ups searched as",
                "rationale in top 1",
                "in top 5",
                "top passage from the right story",
            ],
            rows,
            align="lrrr",
        ),
    ]
    only = d.get("rewritten_only")
    if only:
        lines += [
            f"The {only['n']} follow-ups the rules rewrote: rationale in the top 5 for "
            f"{_num(only['typed_top5'])} as typed, {_num(only['rewrite_top5'])} rewritten.",
            "",
        ]
    seconds = d.get("seconds", {})
    if seconds:
        lines += [
            f"Index built in {seconds.get('index', 0):.0f} s; {seconds.get('total', 0):.0f} s "
            "in all. Data: " + d.get("data", "CoQA") + ".",
            "",
        ]
    return [*lines, *_provenance_list(_file_provenance(path, command=_coqa_command(d)))]


def _coqa_command(d: dict[str, Any]) -> str:
    return f"python -m bench.coqa_followups --stories {d['stories']} --turns {d['turns']}"


def _fuzz(d: dict[str, Any], path: Path) -> list[str]:
    outcomes: dict[str, dict[str, int]] = {}
    for key, count in d["loader_outcomes"].items():
        suffix, outcome = key.split(" ", 1)
        outcomes.setdefault(suffix, {})[outcome] = count
    rows = [
        [f"`{s}`", f"{o.get('loaded', 0):,}", f"{o.get('refused', 0):,}"]
        for s, o in sorted(outcomes.items())
    ]
    chunker = ", ".join(f"{k} {v:,}" for k, v in d["chunker_outcomes"].items())
    return [
        f"{d['loader_inputs']:,} generated files through the loaders "
        f"({d['loader_seconds']:.0f} s), {d['chunker_inputs']:,} generated documents through "
        f"the chunker ({d['chunker_seconds']:.0f} s, {d['chunker_passages']:,} passages: "
        f"{chunker}). **Unhandled exceptions: {d['unhandled_exceptions']}**; every refusal is "
        "a one-line `DocumentError`.",
        "",
        *_table(["suffix", "loaded", "refused with a reason"], rows, align="lrr"),
        *_provenance_list(_file_provenance(path, command=d.get("command", ""))),
    ]


def _kill(d: dict[str, Any], path: Path) -> list[str]:
    kinds = {"forked": "forked builds", "processes": "`assistant index` processes"}
    figures = [
        ("runs", "runs"),
        ("killed_mid_run", "killed mid-run"),
        ("partial_index_read", "partial index read"),
        ("not_recovered", "not recovered"),
        ("answers_lost", "answers lost"),
        ("failures", "failures"),
    ]
    rows = [[label] + [str(d[k].get(f, "–")) for k in kinds if k in d] for f, label in figures]
    stages = sorted({s for k in kinds if k in d for s in d[k].get("by_stage", {})})
    stage_rows = [[s] + [str(d[k]["by_stage"].get(s, 0)) for k in kinds if k in d] for s in stages]
    feedback = d.get("feedback", {})
    return [
        f"SIGKILL at random moments: {d['total_kills']} kills in {d['seconds']} s. "
        f"**Indexes or answers lost: {d['indexes_or_answers_lost']}.**",
        "",
        *_table(["", *(kinds[k] for k in kinds if k in d)], rows, align="l" + "r" * len(kinds)),
        "Where the kills landed:",
        "",
        *_table(["stage", *(kinds[k] for k in kinds if k in d)], stage_rows, align="lrr"),
        f"The feedback writer, killed {feedback.get('killed', 0)} times while writing "
        f"{feedback.get('records', 0):,} records: {feedback.get('torn_lines', 0)} torn lines, "
        f"{feedback.get('lost_or_doubled', 0)} lost or doubled.",
        "",
        *_provenance_list(_file_provenance(path, command=d.get("command", ""))),
    ]


def _load(d: dict[str, Any], path: Path) -> list[str]:
    rows = [
        [
            str(i),
            f"{r['questions_answered']:,}",
            str(r["errors"]),
            f"{r['latency_median_s']:.2f}",
            f"{r['latency_p95_s']:.2f}",
            f"{r['rss_start_mb']:.0f}",
            f"{r['rss_after_warmup_mb']:.0f}",
            f"{r['rss_end_mb']:.0f}",
        ]
        for i, r in enumerate(d.get("rounds", [d]), start=1)
    ]
    machine = (
        f"not recorded in the report; load average {d['load_average_1min']:.1f} at the end"
        if "load_average_1min" in d
        else ""
    )
    return [
        f"{d['sessions']} `gradio_client` sessions, {d['questions_per_session']} questions each, "
        f"all at once through `/chat` against `{d.get('server', 'assistant serve')}`. First "
        f"round: **{d['errors']} errors, {d['wrong_session_replies']} wrong-session replies, "
        f"{d['inconsistent_replies']} inconsistent replies**; {d['questions_per_s']:.1f} "
        f"questions/s, latency (queueing included) max {d['latency_max_s']:.2f} s.",
        "",
        *_table(
            [
                "round",
                "questions",
                "errors",
                "latency median s",
                "p95 s",
                "server RSS at start MiB",
                "after warm-up",
                "at end",
            ],
            rows,
            align="l" + "r" * 7,
        ),
        *_provenance_list(
            _file_provenance(path, command=d.get("command", ""), machine=machine or None)
        ),
    ]


def _ray(d: dict[str, Any], path: Path) -> list[str]:
    runs = {
        "local": "local (ONNX Runtime, 2 threads)",
        "ray_1_actor": "Ray, 1 actor (1 CPU, 1 thread)",
        "ray_2_actor": "Ray, 2 actors (1 CPU each)",
    }
    rows = [
        [
            label,
            f"{d[k]['seconds']:.1f}",
            f"{d[k]['passages']:,}",
            f"{d[k]['per_s']:.1f}",
            f"{d[k].get('over_local', 1):.2f}",
        ]
        for k, label in runs.items()
        if k in d
    ]
    return [
        f"{d['documents']} documents; `ray start` took {d.get('ray_start_s', 0):.1f} s.",
        "",
        *_table(["build", "seconds", "passages", "passages/s", "vs local"], rows, align="lrrrr"),
        *_provenance_list(
            _file_provenance(path, command="python -m bench.ray_indexing --copies 20")
        ),
    ]


# ------------------------------------------------------------------------- reading reports


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _latest_eval(
    paths: Iterable[Path], gold: str | None = None
) -> tuple[Path, dict[str, Any]] | None:
    """The newest results.json (by its start time), optionally only runs on that gold file."""
    best: tuple[str, Path, dict[str, Any]] | None = None
    for path in paths:
        data = _read_json(path)
        if not data or "configs" not in data or "started" not in data:
            continue
        if gold and Path(str(data.get("gold", ""))).as_posix() != gold:
            continue
        if best is None or data["started"] > best[0]:
            best = (data["started"], path, data)
    return (best[1], best[2]) if best else None


def _config(data: dict[str, Any], baseline: bool) -> dict[str, Any]:
    for config in data.get("configs", []):
        if bool(config.get("baseline")) == baseline:
            return dict(config)
    return {"metrics": {}}


def _stock(stock: dict[str, Any] | None, model: str, code: str) -> str:
    row = (stock or {}).get(model, {}).get(f"dev-{code}")
    if not row:
        return "–"
    return f"{_num(row['first'])} / {_num(row['top5'])} / {_num(row['holds'])}"


def _sections(report: dict[str, Any]) -> set[str]:
    return {name.split("_")[0] for name, step in report["steps"].items() if "result" in step}


def _demoted(markdown: str) -> list[str]:
    """bench.report's Markdown without its title and date lines, headings one level down."""
    lines = markdown.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("## ")), len(lines))
    return ["#" + line if line.startswith("## ") else line for line in lines[start:]] + [""]


def _guarded(write: Callable[[], list[str]]) -> list[str]:
    # A report of an older or newer shape must not stop the other pages from being written.
    try:
        return write()
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return [f"This report could not be read ({type(exc).__name__}: {exc}).", ""]


# ------------------------------------------------------------------------------ provenance


def _eval_provenance(path: Path, data: dict[str, Any]) -> Provenance:
    started = str(data.get("started", ""))
    return Provenance(
        report=_rel(path),
        date=_when(started),
        commit=_commit_for(path, started),
        machine=str(data.get("machine") or "not recorded in the report"),
        command=str(data.get("command") or "assistant eval"),
    )


def _bench_provenance(path: Path, data: dict[str, Any]) -> Provenance:
    m = data.get("machine", {})
    versions = ", ".join(f"{k} {v}" for k, v in m.get("versions", {}).items() if v)
    machine = (
        f"{m.get('cpu', '?')}, {m.get('cores', '?')} cores, {m.get('memory_gib', '?')} GiB, "
        f"{m.get('os', '?')}, Python {m.get('python', '?')}; {versions}"
    )
    command = str(data.get("command", "python -m bench"))
    # The runs wrote to a scratch folder; the figures are the same without --out.
    command = command.split(" --out ")[0]
    return Provenance(
        report=_rel(path),
        date=str(data["date"]),
        commit=_commit_for(path, str(data["date"])),
        machine=machine,
        command=command,
    )


def _file_provenance(
    path: Path, command: str, date: str | None = None, machine: str | None = None
) -> Provenance:
    """For reports that record less about their run: git says when they were stored."""
    tracked = _git("log", "-1", "--format=%h %cs", "--", _rel(path))
    written = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    if not date:
        if tracked:
            date = f"{tracked.split()[1]} (committed; the report records no date)"
        else:
            date = f"{written:%Y-%m-%d %H:%M} UTC (file written; the report records no date)"
    return Provenance(
        report=_rel(path),
        date=date,
        commit=_commit_for(path, written.isoformat(), "the report was written"),
        machine=machine or "not recorded in the report",
        command=command,
    )


def _commit_for(path: Path, date: str, event: str = "the run started") -> str:
    """The commit of a report: the one that stored it in git, else the last commit before it
    ran (reports do not record their commit, and the working tree may have held changes)."""
    stored = _git("log", "-1", "--format=%h", "--", _rel(path))
    if stored:
        return f"`{stored}` (the commit that stored this report)"
    when = _iso(date)
    head = _git("log", "-1", "--format=%h", f"--before={when}") if when else ""
    if head:
        return f"`{head}` (the last commit before {event}; the report does not record its own)"
    return "not recorded in the report"


def _iso(date: str) -> str:
    """An ISO date git understands, from the forms reports use ('2026-11-23 11:08:10 UTC')."""
    text = date.replace(" UTC", "+00:00").split(" (")[0].strip()
    try:
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        return ""


def _when(started: str) -> str:
    try:
        return f"{datetime.fromisoformat(started).astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    except ValueError:
        return started or "not recorded in the report"


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
        )
    except OSError:
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _rel(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


# ------------------------------------------------------------------------------- Markdown


def _provenance_list(p: Provenance) -> list[str]:
    return [
        f"- **Measured**: {p.date}",
        f"- **Commit**: {p.commit}",
        f"- **Machine**: {p.machine}",
        f"- **Command**: `{p.command}`",
        f"- **Report**: `{p.report}`",
        "",
    ]


def _provenance_table(sources: list[Provenance]) -> list[str]:
    """Where a table of several reports comes from: one line per report."""
    if not sources:
        return []
    return [
        "Measured by:",
        "",
        *(
            f"- `{p.report}`: {p.date}; commit {p.commit}; machine: {p.machine}; "
            f"command: `{p.command}`"
            for p in sources
        ),
        "",
    ]


def _eval_or_missing(
    found: tuple[Path, dict[str, Any]] | None, command: str, instead: str
) -> list[str]:
    """The latest eval report's section, or which command writes the missing one."""
    return _eval_section(found) if found is not None else _missing(command, instead)


def _missing(command: str, instead: str = "") -> list[str]:
    lines = [
        "No report was found when this page was written. "
        f"`{command}` writes one; then run `make report`.",
    ]
    if instead:
        lines.append(f"Until then, {instead}.")
    return [" ".join(lines), ""]


def _table(head: list[str], rows: list[list[str]], align: str = "") -> list[str]:
    rule = [("---:" if a == "r" else "---") for a in align.ljust(len(head), "l")]
    return [
        "| " + " | ".join(head) + " |",
        "|" + "|".join(rule) + "|",
        *("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows),
        "",
    ]


def _num(value: Any, ms: bool = False) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if ms:
        return f"{value:.0f}"
    return f"{value:.3f}" if isinstance(value, float) and value < 10 else f"{value:g}"


if __name__ == "__main__":
    sys.exit(main())
