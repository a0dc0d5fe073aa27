"""Write a run's reports: report.md, results.json, chart.png and RAGAS datasets."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.evaluation.run import METRICS, SEARCH_K, ConfigResult

CHART_METRICS = (
    "hit@1",
    "hit@5",
    "mrr@10",
    "ndcg@10",
    "answer_f1",
    "answer_containment",
    "citation_precision",
    "citation_recall",
    "refusal_accuracy",
)
# The figures a benchmark is read by, in plain words (the full table follows them).
HEADLINE = {
    "hit@1": "hit@1",
    "hit@5": "hit@5",
    "answer_holds_gold": "answer holds a gold answer",
    "answerable_answered": "answerable answered",
    "answered_citing_evidence": "answered citing the evidence",
    "refusal_accuracy": "unanswerable refused",
    "answer_words_median": "median answer words",
    "latency_median_ms": "median ms",
}
# Stands in for the gold answer of an unanswerable question in the RAGAS export.
NO_ANSWER_REFERENCE = "The documents do not answer this question."


class ReportError(AssistantError):
    """The reports folder cannot be written."""


def write_reports(run: Any, out_root: Path) -> Path:
    """Write every report file into out_root/<timestamp>/ and return that folder. Files are
    written to a hidden temporary folder first, so a failure never leaves a half report."""
    try:
        return _write_reports(run, out_root)
    except OSError as exc:
        raise ReportError(f"cannot write reports to {out_root}: {exc.strerror or exc}") from None


def _write_reports(run: Any, out_root: Path) -> Path:
    out_root.mkdir(parents=True, exist_ok=True)
    stamp = run.started.strftime("%Y%m%d-%H%M%S")
    final = out_root / stamp
    n = 1
    while final.exists():
        n += 1
        final = out_root / f"{stamp}-{n}"
    tmp = out_root / f".{final.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        data = run.to_dict()
        (tmp / "results.json").write_text(
            json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        (tmp / "report.md").write_text(markdown_report(run), encoding="utf-8")
        write_chart(run.results, tmp / "chart.png")
        for result in run.results:
            write_ragas(result, tmp / f"ragas-{result.name}.jsonl")
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def fmt(value: Any, metric: str = "") -> str:
    """A figure as shown in tables: 3 decimals, whole milliseconds, '–' when not applicable."""
    if value is None:
        return "–"
    if metric.endswith("_ms"):
        return f"{value:.0f}"
    if metric == "answer_words_median":
        return f"{value:g}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def summary_table(results: list[ConfigResult]) -> str:
    """The side-by-side Markdown table of every configuration's figures."""
    names = list(METRICS)
    head = "| configuration | " + " | ".join(names) + " | failed |"
    rule = "|---|" + "---:|" * (len(names) + 1)
    rows = [head, rule]
    for r in results:
        label = f"{r.name} (baseline)" if r.baseline else r.name
        cells = [fmt(r.metrics.get(m), m) for m in names]
        rows.append(f"| {label} | " + " | ".join(cells) + f" | {r.metrics['failed']} |")
    return "\n".join(rows)


def headline_table(results: list[ConfigResult]) -> str:
    """The few figures a benchmark is read by, one row per configuration."""
    rows = [
        "| configuration | " + " | ".join(HEADLINE.values()) + " |",
        "|---|" + "---:|" * len(HEADLINE),
    ]
    for r in results:
        label = f"{r.name} (baseline)" if r.baseline else r.name
        cells = [fmt(r.metrics.get(m), m) for m in HEADLINE]
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def kind_table(results: list[ConfigResult]) -> list[str]:
    """Lines of a table: share of questions passed, per question kind and configuration."""
    by_kind = [r.passed_by_kind() for r in results]
    kinds = sorted({k for table in by_kind for k in table})
    if not kinds:
        return []
    lines = [
        "## Questions passed, by kind",
        "",
        "| kind | questions | " + " | ".join(r.name for r in results) + " |",
        "|---|---:|" + "---:|" * len(results),
    ]
    for kind in kinds:
        count = next(int(t[kind]["questions"]) for t in by_kind if kind in t)
        cells = [fmt(t[kind]["passed"]) if kind in t else "–" for t in by_kind]
        lines.append(f"| {kind} | {count} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def gold_problem_lines(problems: list[str]) -> list[str]:
    """The gold file's mistakes, said before anyone reads its figures as the assistant's."""
    if not problems:
        return []
    return [
        f"**The gold file has {len(problems)} problem(s)**; those questions count as failures:",
        "",
        *(f"- {p}" for p in problems),
        "",
    ]


def markdown_report(run: Any) -> str:
    """report.md: the summary table, what each row is, then every failed question."""
    lines = [
        "# Evaluation report",
        "",
        f"{run.started:%Y-%m-%d %H:%M} UTC · gold set `{run.gold_path}` · {run.questions} "
        f"questions · {len(run.results)} configurations · {run.seconds:.1f} s",
        "",
        headline_table(run.results),
        "",
        "All figures:",
        "",
        summary_table(run.results),
        "",
        *gold_problem_lines(run.gold_problems),
        "Retrieval figures are over answerable questions (a passage is relevant when it holds an "
        "evidence quote, ignoring case, spaces and punctuation); `unsupported_sentences` is a "
        "share of all answer sentences; `answer_holds_gold` is the share of answerable questions "
        "whose answer, SQuAD-normalised and without its [n] markers, contains a gold answer; "
        "`answer_words_median` is over the answers given (refusals left out); latency is per "
        "question, answering only. "
        "Definitions: `evals/README.md`.",
        "",
        *kind_table(run.results),
        "## Configurations",
        "",
    ]
    for r in run.results:
        overrides = ", ".join(f"{k}={v}" for k, v in r.overrides.items())
        what = "; ".join(x for x in (r.description, overrides) if x) or "default settings"
        lines.append(
            f"- **{r.name}**: {what} (set-up {r.setup_seconds:.1f} s, "
            f"questions {r.run_seconds:.1f} s)"
        )
    for r in run.results:
        failed = [rec for rec in r.records if rec.failures]
        lines += ["", f"## Failed questions: {r.name} ({len(failed)} of {len(r.records)})", ""]
        if not failed:
            lines.append("None.")
        for rec in failed:
            lines += _failed_question(rec)
    return "\n".join(lines) + "\n"


def _failed_question(rec: Any) -> list[str]:
    def short(text: str, width: int = 220) -> str:
        return textwrap.shorten(" ".join(text.split()), width, placeholder=" …")

    kind = f" ({', '.join(rec.kind)})" if rec.kind else ""
    out = [
        f"### {rec.id}{kind}: {rec.question}",
        "",
        f"- **why**: {'; '.join(rec.failures)}",
        f"- **gold**: {' / '.join(rec.gold_answers) or '(the documents do not answer it)'}",
        f"- **answered** ({rec.answerer}): {'(refused) ' if rec.refused else ''}"
        f"{short(rec.answer, 400)}",
        f"- **first relevant passage**: rank {rec.first_relevant_rank or f'> {SEARCH_K}'}"
        if rec.answerable
        else "- **retrieved** (top 3):",
    ]
    if rec.unsupported:
        out.append(f"- **unsupported**: {' / '.join(short(s, 160) for s in rec.unsupported)}")
    for hit in rec.retrieved[:3]:
        mark = "✓" if hit["relevant"] else "·"
        out.append(f"  {hit['rank']}. {mark} `{hit['doc_id']}` {short(hit['text'], 200)}")
    out.append("")
    return out


def write_chart(results: list[ConfigResult], path: Path) -> None:
    """A PNG with grouped bars of the quality figures and the latency of each configuration."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (quality, speed) = plt.subplots(
        1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [4, 1]}
    )
    width = 0.8 / max(1, len(results))
    for i, r in enumerate(results):
        values = [r.metrics.get(m) or 0.0 for m in CHART_METRICS]
        xs = [j + i * width for j in range(len(CHART_METRICS))]
        quality.bar(xs, values, width, label=r.name + (" (baseline)" if r.baseline else ""))
        speed.bar(
            [i], [r.metrics.get("latency_median_ms") or 0.0], 0.6, label=r.name, color=f"C{i}"
        )
        speed.errorbar(
            [i],
            [r.metrics.get("latency_median_ms") or 0.0],
            yerr=[
                [0],
                [
                    max(
                        0.0,
                        (r.metrics.get("latency_p95_ms") or 0)
                        - (r.metrics.get("latency_median_ms") or 0),
                    )
                ],
            ],
            color="black",
            capsize=3,
        )
    quality.set_xticks([j + 0.4 - width / 2 for j in range(len(CHART_METRICS))])
    quality.set_xticklabels(CHART_METRICS, rotation=30, ha="right")
    quality.set_ylim(0, 1.3)  # headroom for the legend above the bars
    quality.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    quality.set_title("Quality (higher is better)")
    quality.legend(fontsize=8, loc="upper center", ncol=min(len(results), 4))
    speed.set_xticks(range(len(results)))
    speed.set_xticklabels([r.name for r in results], rotation=30, ha="right")
    speed.set_title("Latency ms (median, bar to p95)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def ragas_rows(result: ConfigResult) -> list[dict[str, Any]]:
    """One row per question with RAGAS's SingleTurnSample fields (user_input, response,
    retrieved_contexts, reference, reference_contexts) and the older column names (question,
    answer, contexts, ground_truth), so both EvaluationDataset.from_list/from_jsonl and
    ragas 0.1's Dataset columns read it."""
    rows = []
    for rec in result.records:
        reference = rec.gold_answer if rec.answerable else NO_ANSWER_REFERENCE
        rows.append(
            {
                "user_input": rec.question,
                "response": rec.answer,
                "retrieved_contexts": rec.contexts,
                "reference": reference,
                "reference_contexts": rec.quotes,
                "question": rec.question,
                "answer": rec.answer,
                "contexts": rec.contexts,
                "ground_truth": reference,
                "id": rec.id,
                "config": result.name,
            }
        )
    return rows


def write_ragas(result: ConfigResult, path: Path) -> None:
    """The RAGAS dataset of one configuration as JSON lines."""
    with path.open("w", encoding="utf-8") as fh:
        for row in ragas_rows(result):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
