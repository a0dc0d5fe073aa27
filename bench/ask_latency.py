"""Warm `ask` latency (extractive) on the gold questions: python -m bench.ask_latency."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from assistant import Assistant
from assistant.evaluation import load_gold, percentile

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    """Open (or build) an index of corpus/, then time each gold question once, warm model."""
    with tempfile.TemporaryDirectory() as tmp:
        bot = Assistant.open(index_dir=Path(tmp) / "index", corpus_dir=ROOT / "corpus")
        questions = [g.question for g in load_gold(ROOT / "evals" / "gold.jsonl")]
        bot.ask("warm-up question about vaccine production")  # first call loads torch kernels
        cold, warm = [], []
        for q in questions:
            start = time.perf_counter()
            bot.ask(q)  # question not seen before: includes embedding it
            cold.append(time.perf_counter() - start)
            start = time.perf_counter()
            bot.ask(q)  # repeated: the question embedding comes from the LRU cache
            warm.append(time.perf_counter() - start)
    for name, values in (("new question", cold), ("repeated question", warm)):
        print(
            f"ask ({name}): median {1000 * statistics.median(values):.1f} ms, "
            f"p95 {1000 * percentile(values, 95):.1f} ms over {len(values)} questions"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
