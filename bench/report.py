"""Turns the benchmark figures into report.md: the targets first, then each section's tables."""

from __future__ import annotations

import os
import platform
import secrets
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = (
    "torch",
    "sentence-transformers",
    "faiss-cpu",
    "bm25s",
    "onnxruntime",
    "langchain-community",
)


def machine() -> dict[str, Any]:
    """CPU model, cores, memory, OS, Python and library versions."""
    cpu = platform.processor() or ""
    memory_gib = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gib = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
    }


def write_atomically(path: Path, text: str) -> None:
    """Write text to path via a temporary file, so a reader never sees half a report."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    def cell(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:,.3g}" if abs(v) < 100 else f"{v:,.0f}"
        return "" if v is None else str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def _result(report: dict[str, Any], name: str) -> dict[str, Any] | None:
    step = report["steps"].get(name)
    if not step or "result" not in step:
        return None
    result: dict[str, Any] = step["result"]
    return result


def targets(report: dict[str, Any]) -> list[list[Any]]:
    """Rows of (target, measured, goal, met) for what the run measured."""
    rows: list[list[Any]] = []
    ing = _result(report, "ingestion")
    if ing:
        ours = ing["rows"].get("assistant index (torch)", {})
        rows.append(
            [
                "ingestion end to end ÷ raw encode",
                ours.get("x_raw_encode"),
                "≤ 1.15",
                _met(ours.get("x_raw_encode"), 1.15, below=True),
            ]
        )
    inc = _result(report, "incremental")
    if inc:
        identical = inc["same_chunk_table"] and inc["questions_with_different_top10"] == 0
        rows.append(
            [
                "incremental (1 of N changed) speed-up vs rebuild",
                inc["speed_up"],
                "≥ 20×",
                _met(inc["speed_up"], 20, below=False),
            ]
        )
        rows.append(
            [
                "identical search results after incremental update",
                identical,
                "yes",
                "yes" if identical else "no",
            ]
        )
    lat = _result(report, "latency")
    if lat and "langchain_similarity_search_k4" in lat:
        ours_ms = lat["ask_new_question"]["median_ms"]
        theirs = lat["langchain_similarity_search_k4"]["median_ms"]
        rows.append(
            [
                f"ask median (ms) vs LangChain similarity_search median ({theirs:.1f} ms)",
                ours_ms,
                f"≤ {theirs:.1f}",
                _met(ours_ms, theirs, below=True),
            ]
        )
        for key, label in (
            (
                "ask_with_answerability_model",
                "ask median (ms) with the answerability model as a gate",
            ),
            (
                "ask_other_language_with_answerability_model",
                "ask median (ms), Spanish questions, with the model as a gate",
            ),
        ):
            judged = lat.get(key)
            if judged:
                ratio = judged["median_ms"] / theirs if theirs else None
                rows.append(
                    [
                        label + (f" (× {ratio:.1f} LangChain's)" if ratio else ""),
                        judged["median_ms"],
                        "≤ 120",
                        _met(judged["median_ms"], 120, below=True),
                    ]
                )
    sizes = sorted(
        int(n.rsplit("_", 1)[1]) for n in report["steps"] if n.startswith("scale_vectors_")
    )
    if sizes:
        n = sizes[-1]
        vec = _result(report, f"scale_vectors_{n}")
        if vec:
            kind = "hnsw" if "hnsw" in vec["kinds"] else next(iter(vec["kinds"]), None)
            for k, figures in vec["kinds"].items():
                if k == "flat":
                    continue
                rows.append(
                    [
                        f"{k} recall@10 vs exact at {n:,} passages",
                        figures["recall@10"],
                        "≥ 0.95",
                        _met(figures["recall@10"], 0.95, below=False),
                    ]
                )
                rows.append(
                    [
                        f"{k} search median (ms) at {n:,}",
                        figures["search"]["median_ms"],
                        "≤ 20",
                        _met(figures["search"]["median_ms"], 20, below=True),
                    ]
                )
            del kind
        bm = _result(report, f"scale_bm25_{n}")
        if bm:
            rows.append(
                [
                    f"BM25 median (ms) at {n:,} passages",
                    bm["search"]["median_ms"],
                    "≤ 50",
                    _met(bm["search"]["median_ms"], 50, below=True),
                ]
            )
    return rows


def _met(value: Any, goal: float, below: bool) -> str:
    if not isinstance(value, int | float):
        return "n/a"
    return "yes" if (value <= goal if below else value >= goal) else "no"


def render(report: dict[str, Any]) -> str:
    """The Markdown report."""
    m = report["machine"]
    lines = [
        f"# Benchmark report ({report['mode']})",
        "",
        f"- date: {report['date']}",
        f"- command: `{report['command']}`",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']}, "
        f"Python {m['python']}",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v),
        "- timings are medians on a shared machine; compare the ratios within this run.",
        "",
        "## Targets",
        "",
        *_table(["target", "measured", "goal", "met"], targets(report)),
        "## Runs",
        "",
        *_table(
            ["step", "wall s", "peak RSS MiB", "status"],
            [
                [name, s.get("wall_s"), s.get("peak_rss_mb"), s.get("error", "ok")]
                for name, s in report["steps"].items()
            ],
        ),
    ]
    for section in (_quality, _ingestion, _incremental, _latency, _coldstart, _scale):
        lines += section(report)
    return "\n".join(lines) + "\n"


def _quality(report: dict[str, Any]) -> list[str]:
    r = _result(report, "quality")
    if not r:
        return []
    names = [
        "hit@1",
        "hit@1_delta",
        "hit@5",
        "mrr@10",
        "answer_f1",
        "answered_rate",
        "refusal_accuracy",
        "index_build_s",
        "acceptable",
    ]
    rows = [[v, *[f.get(n) for n in names]] for v, f in r["variants"].items()]
    return [
        "## Retrieval quality per embedding variant (gold set)",
        "",
        *_table(["variant", *names], rows),
    ]


def _ingestion(report: dict[str, Any]) -> list[str]:
    r = _result(report, "ingestion")
    if not r:
        return []
    rows = [
        [name, f["seconds"], f["chunks"], f["chunks_per_s"], f["x_raw_encode"]]
        for name, f in r["rows"].items()
    ]
    head = (
        f"{r['documents']} synthetic documents ({r['corpus_kb']} KB), {r['chunks']} passages, "
        f"batch size {r['batch_size']}."
    )
    extra = [r["langchain_skipped"], ""] if "langchain_skipped" in r else []
    return [
        "## Ingestion",
        "",
        head,
        "",
        *_table(["pipeline", "seconds", "chunks", "chunks/s", "× raw encode"], rows),
        *extra,
    ]


def _incremental(report: dict[str, Any]) -> list[str]:
    r = _result(report, "incremental")
    if not r:
        return []
    return [
        "## Incremental update",
        "",
        *_table(["figure", "value"], [[k, v] for k, v in r.items()]),
    ]


def _latency(report: dict[str, Any]) -> list[str]:
    r = _result(report, "latency")
    if not r:
        return []
    rows = [[f"stage: {k}", v["median_ms"], v["p95_ms"]] for k, v in r["stages"].items()]
    rows.append(
        [
            "ask, new question (end to end)",
            r["ask_new_question"]["median_ms"],
            r["ask_new_question"]["p95_ms"],
        ]
    )
    rows.append(
        [
            "ask, repeated question (cached embedding)",
            r["ask_repeated_question"]["median_ms"],
            r["ask_repeated_question"]["p95_ms"],
        ]
    )
    lc = r.get("langchain_similarity_search_k4")
    if lc:
        rows.append(["stock LangChain FAISS similarity_search k=4", lc["median_ms"], lc["p95_ms"]])
    head = f"{r['questions']} gold questions over {r['passages']} passages, warm."
    return ["## Query latency", "", head, "", *_table(["what", "median ms", "p95 ms"], rows)]


def _coldstart(report: dict[str, Any]) -> list[str]:
    r = _result(report, "coldstart")
    if not r:
        return []
    rows = [[k, v] for k, v in r.items() if not isinstance(v, list)]
    imports = [[i["module"], i["cumulative_ms"]] for i in r.get("slowest_imports_during_ask", [])]
    return [
        "## Cold start",
        "",
        *_table(["figure", "seconds"], rows),
        "Slowest top-level imports during `assistant ask` (python -X importtime):",
        "",
        *_table(["module", "cumulative ms"], imports),
    ]


def _scale(report: dict[str, Any]) -> list[str]:
    rows = []
    bm_rows = []
    for name in report["steps"]:
        r = _result(report, name)
        if not r:
            continue
        if name.startswith("scale_vectors_"):
            for kind, f in r["kinds"].items():
                rows.append(
                    [
                        f"{r['passages']:,}",
                        kind,
                        f["build_s"],
                        f["disk_mb"],
                        f["memory_mb"],
                        f["bytes_per_passage"],
                        f["search"]["median_ms"],
                        f["search"]["p95_ms"],
                        f["recall@10"],
                        report["steps"][name].get("peak_rss_mb"),
                    ]
                )
        elif name.startswith("scale_bm25_"):
            bm_rows.append(
                [
                    f"{r['passages']:,}",
                    r["tokenize_s"],
                    r["index_s"],
                    r["disk_mb"],
                    r["memory_mb"],
                    r["bytes_per_passage"],
                    r["search"]["median_ms"],
                    r["search"]["p95_ms"],
                    report["steps"][name].get("peak_rss_mb"),
                ]
            )
    if not rows and not bm_rows:
        return []
    base = _result(report, "scale_base") or {}
    note = (
        f"Vectors: real MiniLM embeddings of {base.get('base_passages', '?')} synthetic passages, "
        "mixed in pairs and perturbed with Gaussian noise (not embeddings of the passages "
        "themselves); questions: the gold questions plus noisy mixtures. BM25: real synthetic "
        "text (real sentences recombined, 5% of words swapped)."
    )
    return [
        "## Scale",
        "",
        note,
        "",
        *_table(
            [
                "passages",
                "index",
                "build s",
                "disk MB",
                "memory MB",
                "bytes/passage",
                "search median ms",
                "p95 ms",
                "recall@10",
                "peak RSS MiB",
            ],
            rows,
        ),
        *_table(
            [
                "passages",
                "tokenize s",
                "index s",
                "disk MB",
                "memory MB",
                "bytes/passage",
                "BM25 median ms",
                "p95 ms",
                "peak RSS MiB",
            ],
            bm_rows,
        ),
    ]
