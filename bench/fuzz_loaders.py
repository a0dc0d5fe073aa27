"""Long fuzz run of the loaders and the chunker: python -m bench.fuzz_loaders [--files N].

Feeds generated inputs (random bytes under every suffix, mutated valid PDF/Word/HTML/
Markdown/text files, Word files with mutated XML, generated text in several encodings)
to the loaders, and generated documents to the chunker with the real model's tokenizer.
Counts every input; any exception other than DocumentError, or a broken invariant, is a
failure. Prints a summary and writes bench/reports/fuzz_loaders.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings

from assistant.settings import load_settings
from assistant.store.embeddings import SentenceTransformerEmbedder
from tests._fuzz_fixtures import (
    ANY_FILE,
    BLOCKS,
    CHUNKING,
    check_file,
    check_split,
    document_from_blocks,
)

REPORTS = Path(__file__).resolve().parent / "reports"


class Tally:
    """Inputs tried and their outcomes; the first traceback of each distinct failure."""

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.examples: dict[str, dict[str, str]] = {}
        self.passages = 0

    def failure(self, exc: BaseException, data: Any) -> None:
        """Record an unexpected exception or a broken invariant."""
        key = f"{type(exc).__name__}: {str(exc)[:160]}"
        self.failures[key] += 1
        self.examples.setdefault(
            key, {"input": repr(data)[:600], "traceback": traceback.format_exc()[-2000:]}
        )

    @property
    def inputs(self) -> int:
        """How many inputs were tried."""
        return sum(self.outcomes.values())


def run(target: Any, strategies: tuple[Any, ...], examples: int, seed: int | None) -> None:
    """Run hypothesis generation only (no shrinking): every example is counted, none stops it."""
    configured = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    test = configured(given(*strategies)(target))
    if seed is not None:
        from hypothesis import seed as fix_seed

        test = fix_seed(seed)(test)
    test()


def fuzz_files(examples: int, seed: int | None) -> Tally:
    """Loaders: DocumentError or a consistent Document for every input."""
    tally = Tally()

    def target(file: tuple[str, bytes]) -> None:
        suffix, data = file
        try:
            doc = check_file(suffix, data)
        except Exception as exc:
            tally.outcomes[f"{suffix} failure"] += 1
            tally.failure(exc, file)
            return
        tally.outcomes[f"{suffix} {'loaded' if doc else 'refused'}"] += 1

    run(target, (ANY_FILE,), examples, seed)
    return tally


def fuzz_chunker(embedder: Any, examples: int, seed: int | None) -> Tally:
    """Chunker: every passage a verbatim span that fits the model, for any document."""
    tally = Tally()

    def target(blocks: Any, chunking: tuple[int, int]) -> None:
        try:
            doc = document_from_blocks(blocks)
            if doc is None:
                tally.outcomes["empty document"] += 1
                return
            n = check_split(doc, embedder, *chunking)
        except Exception as exc:
            tally.outcomes["failure"] += 1
            tally.failure(exc, (blocks, chunking))
            return
        tally.outcomes["split"] += 1
        tally.passages += n

    run(target, (BLOCKS, CHUNKING), examples, seed)
    return tally


def main(argv: list[str] | None = None) -> int:
    """Run both fuzzers, print the figures, write the JSON report; exit 1 on any failure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000, help="loader inputs (10,000)")
    parser.add_argument("--chunks", type=int, default=3_000, help="chunker inputs (3,000)")
    parser.add_argument("--seed", type=int, default=None, help="fix hypothesis's random seed")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)

    start = time.perf_counter()
    files = fuzz_files(args.files, args.seed)
    files_seconds = time.perf_counter() - start
    embedder = SentenceTransformerEmbedder(load_settings().index.embedding_model)
    start = time.perf_counter()
    chunks = fuzz_chunker(embedder, args.chunks, args.seed)
    chunk_seconds = time.perf_counter() - start

    report: dict[str, Any] = {
        "command": " ".join(
            ["python -m bench.fuzz_loaders", *(sys.argv[1:] if argv is None else argv)]
        ),
        "loader_inputs": files.inputs,
        "loader_outcomes": dict(sorted(files.outcomes.items())),
        "loader_seconds": round(files_seconds, 1),
        "chunker_inputs": chunks.inputs,
        "chunker_outcomes": dict(sorted(chunks.outcomes.items())),
        "chunker_passages": chunks.passages,
        "chunker_seconds": round(chunk_seconds, 1),
        "unhandled_exceptions": sum(files.failures.values()) + sum(chunks.failures.values()),
        "failures": {**files.examples, **chunks.examples},
    }
    REPORTS.mkdir(exist_ok=True)
    out = REPORTS / "fuzz_loaders.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    print(f"loader inputs tried: {report['loader_inputs']:,} in {files_seconds:.0f} s")
    for outcome, n in report["loader_outcomes"].items():
        print(f"    {outcome:>20}: {n:,}")
    print(
        f"chunker documents tried: {report['chunker_inputs']:,} "
        f"({report['chunker_passages']:,} passages) in {chunk_seconds:.0f} s"
    )
    print(f"unhandled exceptions or broken invariants: {report['unhandled_exceptions']}")
    for key, n in (files.failures + chunks.failures).most_common():
        print(f"    {n} × {key}")
    print(f"report: {out}")
    return 1 if report["unhandled_exceptions"] else 0


if __name__ == "__main__":
    sys.exit(main())
