"""Shared helpers of the benchmarks: timing, percentiles, peak memory, the bundled model."""

from __future__ import annotations

import argparse
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
GOLD = ROOT / "evals" / "gold.jsonl"
MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024 if sys.platform != "darwin" else kib / 2**20


def rss_mb() -> float:
    """Current resident memory of this process, in MiB."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        return peak_rss_mb()


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (pos - low))


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """Median and 95th percentile in milliseconds, and the count."""
    return {
        "median_ms": round(1000 * statistics.median(seconds), 3) if seconds else 0.0,
        "p95_ms": round(1000 * percentile(seconds, 95), 3),
        "n": len(seconds),
    }


def clock(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Run fn once: its result and the seconds it took."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


_EMBEDDERS: dict[tuple[str, int], Any] = {}


def embedder(backend: str | None = None, batch_size: int = 32) -> Any:
    """The bundled all-MiniLM-L6-v2 through the project's embedder (one per process);
    backend None: the one the settings choose (embedding_backend)."""
    from assistant.settings import load_settings
    from assistant.store.embeddings import SentenceTransformerEmbedder

    backend = backend or load_settings().index.embedding_backend
    key = (backend, batch_size)
    if key not in _EMBEDDERS:
        _EMBEDDERS[key] = SentenceTransformerEmbedder(MODEL, batch_size=batch_size, backend=backend)
    return _EMBEDDERS[key]


def gold_questions() -> list[str]:
    """The gold set's questions, in file order."""
    from assistant.evaluation.evaluate import load_gold

    return [g.question for g in load_gold(GOLD)]


def translated_questions(language: str = "es") -> list[str]:
    """The gold and held-out questions translated into a language (evals/languages/)."""
    from assistant.evaluation.evaluate import load_gold

    return [g.question for g in load_gold(GOLD.parent / "languages" / f"{language}.jsonl")]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, deadline: float) -> None:
    """Return once something listens on 127.0.0.1:port; TimeoutError at perf_counter() deadline."""
    while time.perf_counter() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"assistant serve did not listen on port {port}")


# The question files the defaults were tuned on: what calibration benches read by default.
TUNED_ON = [GOLD, GOLD.with_name("heldout.jsonl")]


def corpus_arguments(
    parser: argparse.ArgumentParser, *, index: Path | None = None, golds: list[Path] | None = None
) -> None:
    """--gold, --corpus and --index, as every bench over the gold questions takes them (several
    gold files when golds gives the defaults)."""
    if golds:
        parser.add_argument("--gold", type=Path, nargs="+", default=golds)
    else:
        parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--index", type=Path, default=index)


ASSISTANT = str(Path(sys.executable).with_name("assistant"))


@contextmanager
def indexed_corpus() -> Iterator[tuple[list[str], dict[str, str]]]:
    """corpus/ indexed by `assistant index` into a temporary folder: the --corpus/--index
    arguments for the CLI, and the environment to run it in (feedback kept there too)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ASSISTANT_FEEDBACK_PATH": str(Path(tmp) / "feedback.jsonl")}
        where = ["--corpus", str(CORPUS), "--index", str(Path(tmp) / "index")]
        subprocess.run([ASSISTANT, "index", *where], check=True, env=env)
        yield where, env


@contextmanager
def serving(where: list[str], env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    """`assistant serve` on a port, in a process group of its own, stopped on leaving."""
    server = subprocess.Popen(
        [ASSISTANT, "serve", *where, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
