"""Indexing on Ray against a local build: throughput with 1 and 2 embedding actors, and Ray's
overhead, on a corpus of copies of the seed documents.

    python -m bench.ray_indexing [--copies 20] [--out bench/reports/ray_indexing.json]

Starts its own one-node Ray cluster (``ray start --head``, 2 CPUs) in a temporary folder and
stops it after: a benchmark may; the assistant itself never starts a cluster. On a 2-core
machine the two actors compete with each other and with the head for the same cores, so the
2-actor figure shows Ray's overhead and the machine's limit, not what a second node gives.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import corpus_gen
from bench.common import CORPUS, ROOT


def _build(corpus: Path, folder: Path, **overrides: Any) -> dict[str, float]:
    from assistant.api import Assistant

    started = time.perf_counter()
    bot = Assistant.open(index_dir=folder, corpus_dir=corpus, **overrides)
    seconds = time.perf_counter() - started
    passages = bot.report.chunks_embedded
    return {
        "seconds": round(seconds, 2),
        "passages": passages,
        "per_s": round(passages / seconds, 1),
    }


def run(copies: int) -> dict[str, Any]:
    """Local build, then Ray builds with 1 and 2 actors, each from scratch, in one process."""
    import ray

    ray_bin = Path(sys.executable).parent / "ray"
    work = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"127.0.0.1:{port}"
    try:
        corpus = work / "corpus"
        corpus_gen.copies(CORPUS, corpus, copies)
        out: dict[str, Any] = {"documents": copies * len(list(CORPUS.glob("*.txt")))}
        # The model is loaded once before timing, so no build pays for the first load alone.
        _build(CORPUS, work / "warm")
        out["local"] = _build(corpus, work / "local")
        started = time.perf_counter()
        subprocess.run(
            [
                *(str(ray_bin), "start", "--head", f"--port={port}", "--num-cpus=2"),
                *("--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={temp}"),
            ],
            check=True,
            capture_output=True,
        )
        out["ray_start_s"] = round(time.perf_counter() - started, 2)
        for actors in (1, 2):
            ray_settings = {"ray_address": address, "ray_actors": actors}
            out[f"ray_{actors}_actor"] = _build(corpus, work / f"ray{actors}", index=ray_settings)
        local = out["local"]["per_s"]
        for actors in (1, 2):
            row = out[f"ray_{actors}_actor"]
            row["over_local"] = round(row["per_s"] / local, 3)
        return out
    finally:
        ray.shutdown()
        subprocess.run([str(ray_bin), "stop", "--force"], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(temp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Run and print the figures; write them as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20, help="copies of the seed corpus")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "reports" / "ray_indexing.json"
    )
    args = parser.parse_args(argv)
    figures = run(args.copies)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
