"""The external benchmark sets under evals/benchmarks/: where each one's files and index live."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

BENCHMARK_ROOT = Path("evals/benchmarks")
INDEX_ROOT = Path("index/benchmarks")
REPORTS_ROOT = Path("evals/reports/benchmarks")
# Ours against plain BM25; the LangChain baseline row is added by default.
BENCHMARK_CONFIGS = "hybrid,bm25"


@dataclass(frozen=True)
class Benchmark:
    """One external question set with its own corpus, index folder and reports folder."""

    name: str
    gold: Path
    corpus: Path
    index: Path
    reports: Path


# XQuAD's questions in four languages ask about one English corpus: one set per language,
# one index for the four.
XQUAD_LANGUAGES = ("es", "ar", "zh", "ru")
BENCHMARK_NAMES = ("squad2", "covid-qa", *(f"xquad-{lang}" for lang in XQUAD_LANGUAGES))


def benchmark(name: str) -> Benchmark:
    """The paths of a named benchmark (relative to the project folder, like every default)."""
    if name not in BENCHMARK_NAMES:
        raise ValueError(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARK_NAMES)}")
    corpus_name, _, language = name.partition("-") if name.startswith("xquad") else (name, "", "")
    folder = BENCHMARK_ROOT / corpus_name
    gold = folder / (f"dev-{language}.jsonl" if language else "dev.jsonl")
    return Benchmark(name, gold, folder / "corpus", INDEX_ROOT / corpus_name, REPORTS_ROOT / name)
