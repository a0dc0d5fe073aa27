"""Cold start: process start to first answer (`assistant ask`) and to page-ready (`serve`)."""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import CORPUS, free_port

QUESTION = "Which country will host the next World Local Production Forum?"


def _cli() -> list[str]:
    return [sys.executable, "-m", "assistant.interfaces.cli"]


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}


def _ask(index: Path, extra: list[str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [*(extra or []), *_cli(), "ask", QUESTION, "--index", str(index), "--corpus", str(CORPUS)],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"assistant ask failed: {done.stderr.strip()[-300:]}")
    return time.perf_counter() - start, done.stderr


def import_profile(index: Path, top: int = 10) -> list[dict[str, Any]]:
    """The top-level imports of an `assistant ask` run that take longest (python -X importtime)."""
    stderr = _ask_importtime(index)
    if "import time:" not in stderr:
        raise RuntimeError(f"assistant ask failed: {stderr.strip()[-300:]}")
    rows: list[dict[str, Any]] = []
    for line in stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m and len(m.group(3)) <= 1:  # top-level imports only (nested ones are inside them)
            rows.append({"module": m.group(4), "cumulative_ms": round(int(m.group(2)) / 1000, 1)})
    rows.sort(key=lambda r: -r["cumulative_ms"])
    return rows[:top]


def _ask_importtime(index: Path) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "assistant.interfaces.cli",
            "ask",
            QUESTION,
            "--index",
            str(index),
            "--corpus",
            str(CORPUS),
        ],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=600,
        check=False,
    )
    return done.stderr


def serve_ready(index: Path, timeout: float = 300) -> float:
    """Seconds from `assistant serve` start until its page answers HTTP 200 on loopback."""
    port = free_port()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [*_cli(), "serve", "--port", str(port), "--index", str(index), "--corpus", str(CORPUS)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_env(),
    )
    try:
        while time.perf_counter() - start < timeout:
            if proc.poll() is not None:
                raise RuntimeError(f"assistant serve exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    if r.status == 200 and b"gradio" in r.read().lower():
                        return time.perf_counter() - start
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("assistant serve did not answer in time")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _build(index: Path) -> None:
    from assistant.api import Assistant
    from bench.common import embedder

    Assistant.open(index_dir=index, corpus_dir=CORPUS, embedder=embedder())


def run(runs: int, serve: bool) -> dict[str, Any]:
    """Median seconds to first answer and to page-ready over runs (index already built), and
    the slowest imports; runs=0 times only the -X importtime run (a little slower)."""
    out: dict[str, Any] = {"runs": runs}
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        _build(index)
        start = time.perf_counter()
        out["slowest_imports_during_ask"] = import_profile(index)
        out["ask_under_importtime_s"] = round(time.perf_counter() - start, 2)
        if runs:
            out["ask_s"] = round(statistics.median(_ask(index)[0] for _ in range(runs)), 2)
        if serve:
            out["serve_page_ready_s"] = round(
                statistics.median(serve_ready(index) for _ in range(max(1, runs))), 2
            )
    return out
