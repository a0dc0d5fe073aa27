"""What the multilingual vectors cost: index build time with and without them, their size per
passage, and warm `ask` of questions in other languages, all in one run; with `--stock`, the
stock LangChain recipe's retrieval on xquad, with MiniLM and with multilingual-e5-small.

    .venv/bin/python -m bench.multilingual --corpus evals/benchmarks/xquad/corpus \\
        --questions evals/benchmarks/xquad/dev-es.jsonl --out bench/reports/multilingual
    .venv/bin/python -m bench.multilingual --stock      # the recipe's rows only

Each build runs in its own process (its own peak RSS), the two alternating `--rounds` times, so
that a busy moment on the machine does not fall on one side only; the figures are medians.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, percentile

MODELS = ("none", "e5-small")


def build(corpus: Path, index: Path, model: str) -> dict[str, Any]:
    """Build an index from scratch in a fresh process: seconds, peak RSS, sizes on disk."""
    code = (
        "import json, resource, sys, time\n"
        "from assistant.api import Assistant\n"
        "t = time.perf_counter()\n"
        "bot = Assistant.open(index_dir=sys.argv[1], corpus_dir=sys.argv[2], rebuild=True,\n"
        "                     index={'multilingual_model': sys.argv[3]})\n"
        "s = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps({'seconds': s, 'peak_rss_mb': rss, 'passages': len(bot.index.chunks),\n"
        "                  'path': str(bot.index.path)}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(index), str(corpus), model],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    folder = Path(result.pop("path"))
    sizes = {f.name: f.stat().st_size for f in folder.iterdir() if f.is_file()}
    result["multilingual_bytes"] = sum(v for k, v in sizes.items() if k.startswith("multilingual"))
    result["total_bytes"] = sum(sizes.values())
    return result


def warm_asks(index: Path, corpus: Path, questions: list[str]) -> dict[str, float]:
    """Median and 95th percentile of warm `ask`, each question asked once after a warm-up."""
    from assistant.api import Assistant

    bot = Assistant.open(index_dir=index, corpus_dir=corpus)
    for q in questions[:3]:
        bot.ask(q)
    times = []
    for q in questions:
        start = time.perf_counter()
        bot.ask(q)
        times.append((time.perf_counter() - start) * 1000)
    return {"median_ms": statistics.median(times), "p95_ms": percentile(times, 95)}


class _E5ForLangChain:
    """multilingual-e5-small behind the embedder methods the LangChain adapter calls, with
    e5's "query: " and "passage: " prefixes, as its model card asks."""

    def __init__(self) -> None:
        from assistant.store.multilingual import load_multilingual

        model = load_multilingual("e5-small")
        assert model is not None
        self.model = model

    def embed_documents(self, texts: list[str]) -> Any:
        return self.model.passages(texts)

    def embed_query(self, text: str) -> Any:
        return self.model.query(text)


def stock_rows(corpus: Path, sets: list[Path]) -> dict[str, dict[str, dict[str, float]]]:
    """The stock LangChain recipe (1000/200 splitter, FAISS, k=4; its top passage as the
    answer) on each question set, with MiniLM and with multilingual-e5-small: evidence first,
    evidence in the top 5, top passage holds a gold answer."""
    from assistant.evaluation.baseline import LangChainBaseline
    from assistant.evaluation.metrics import SentenceQuote, contains_evidence, holds_gold_answer
    from assistant.store.embeddings import SentenceTransformerEmbedder

    rows: dict[str, dict[str, dict[str, float]]] = {}
    models: dict[str, Any] = {
        "MiniLM": lambda: SentenceTransformerEmbedder("sentence-transformers/all-MiniLM-L6-v2"),
        "e5-small": _E5ForLangChain,
    }
    for name, make in models.items():
        recipe = LangChainBaseline.build(corpus, make())
        rows[name] = {}
        for path in sets:
            items = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
            first = top5 = holds = 0
            for item in items:
                found = [r.text for r in recipe.search(item["question"], 5)]
                evidence = SentenceQuote(item["evidence"])
                first += bool(found) and contains_evidence(found[0], evidence)
                top5 += any(contains_evidence(t, evidence) for t in found)
                holds += bool(found) and holds_gold_answer(found[0], item["answers"])
            n = len(items)
            rows[name][path.stem] = {"first": first / n, "top5": top5 / n, "holds": holds / n}
            print(name, path.stem, rows[name][path.stem], flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and write report.json and report.md."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", type=Path, default=ROOT / "evals/benchmarks/xquad/corpus")
    p.add_argument("--questions", type=Path, default=ROOT / "evals/benchmarks/xquad/dev-es.jsonl")
    p.add_argument("--asks", type=int, default=100, help="questions asked warm")
    p.add_argument("--rounds", type=int, default=1, help="builds of each kind, alternating")
    p.add_argument("--out", type=Path, default=ROOT / "bench/reports/multilingual")
    p.add_argument("--stock", action="store_true", help="the stock LangChain rows on xquad only")
    args = p.parse_args(argv)
    if args.stock:
        sets = sorted((ROOT / "evals/benchmarks/xquad").glob("dev-*.jsonl"))
        rows = stock_rows(ROOT / "evals/benchmarks/xquad/corpus", sets)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "stock.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
        return 0
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in MODELS}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for model in MODELS:
                runs[model].append(build(args.corpus, Path(tmp) / model, model))
                print(model, runs[model][-1], flush=True)
        lines = [json.loads(x) for x in args.questions.read_text(encoding="utf-8").splitlines()]
        asks = warm_asks(
            Path(tmp) / "e5-small", args.corpus, [x["question"] for x in lines][: args.asks]
        )
    seconds = {m: statistics.median(r["seconds"] for r in runs[m]) for m in MODELS}
    with_vectors = runs["e5-small"][0]
    report = {
        "date": time.strftime("%Y-%m-%d"),
        "commit": _commit(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "corpus": str(args.corpus),
        "passages": with_vectors["passages"],
        "build_seconds": seconds,
        "build_ratio": seconds["e5-small"] / seconds["none"],
        "peak_rss_mb": {m: max(r["peak_rss_mb"] for r in runs[m]) for m in MODELS},
        "multilingual_bytes_per_passage": with_vectors["multilingual_bytes"]
        / max(with_vectors["passages"], 1),
        "index_bytes_per_passage": {
            m: runs[m][0]["total_bytes"] / max(runs[m][0]["passages"], 1) for m in MODELS
        },
        "warm_ask": {"questions": str(args.questions), **asks},
        "runs": runs,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    (args.out / "report.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    return 0


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def markdown(r: dict[str, Any]) -> str:
    """The report as a table."""
    s, rss, per = r["build_seconds"], r["peak_rss_mb"], r["index_bytes_per_passage"]
    return "\n".join(
        [
            f"Multilingual vectors, {r['date']}: {r['corpus']} ({r['passages']:,} passages)",
            "",
            "| | build s | peak RSS MB | index KB per passage |",
            "|---|---:|---:|---:|",
            *(f"| {m} | {s[m]:.1f} | {rss[m]:.0f} | {per[m] / 1024:.2f} |" for m in MODELS),
            "",
            f"Build with ÷ without: {r['build_ratio']:.2f}. Multilingual files: "
            f"{r['multilingual_bytes_per_passage'] / 1024:.2f} KB per passage.",
            f"Warm ask ({r['warm_ask']['questions']}): median {r['warm_ask']['median_ms']:.0f} ms,"
            f" p95 {r['warm_ask']['p95_ms']:.0f} ms.",
            "",
        ]
    )


if __name__ == "__main__":
    raise SystemExit(main())
