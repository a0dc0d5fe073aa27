"""Shared helpers of the benchmarks: timing, percentiles, peak memory, the bundled model."""

from __future__ import annotations

import resource
import socket
import statistics
import sys
import time
from collections.abc import Callable, Sequence
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
    from assistant.embeddings import SentenceTransformerEmbedder
    from assistant.settings import load_settings

    backend = backend or load_settings().embedding_backend
    key = (backend, batch_size)
    if key not in _EMBEDDERS:
        _EMBEDDERS[key] = SentenceTransformerEmbedder(MODEL, batch_size=batch_size, backend=backend)
    return _EMBEDDERS[key]


def gold_questions() -> list[str]:
    """The gold set's questions, in file order."""
    from assistant.evaluation import load_gold

    return [g.question for g in load_gold(GOLD)]


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
