"""Serve to page ready, and first answer text in the browser: python -m bench.serve_ready.

Builds the index first (not timed), then starts the real `assistant serve` command, times it
until Chromium shows the question box, and times Enter -> first answer text on a warm server.
Targets (issue 3): page ready <= 15 s with an existing index; first answer text <= 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from bench.common import free_port, indexed_corpus, serving, wait_for_port

CHROMIUM = "/usr/bin/chromium"
QUESTIONS = [
    "When was the first World Local Production Forum held?",
    "Who leads Korea's Global Vaccine Production Hub Task Force?",
    "What does local and regional manufacturing refer to?",
    "How many experts will Korea and the US each appoint per category?",
    "How many mRNA vaccine factories are being built in Africa?",
]


def main() -> int:
    """Print the figures as JSON (and a readable line each on stderr)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="serve start-ups to time")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with indexed_corpus() as (where, env):
        ready: list[float] = []
        cpu: list[float] = []  # the server's own CPU time: what an idle laptop would wait
        first_text: list[float] = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
            )
            for run in range(args.runs):
                port = free_port()
                started = time.perf_counter()
                with serving(where, env, port) as server:
                    page = browser.new_page()
                    wait_for_port(port, started + 120)
                    page.goto(f"http://127.0.0.1:{port}/")
                    page.wait_for_selector("#question textarea", timeout=60_000)
                    ready.append(time.perf_counter() - started)
                    cpu.append(_cpu_seconds(server.pid))
                    if run == 0:
                        first_text = _first_text_times(page)
                    page.close()
            browser.close()
    figures = {
        "serve_to_page_ready_s": [round(x, 2) for x in ready],
        "serve_to_page_ready_median_s": round(statistics.median(ready), 2),
        "serve_cpu_to_page_ready_s": [round(x, 2) for x in cpu],
        "load_average_1min": round(os.getloadavg()[0], 2),
        "first_answer_text_s": [round(x, 3) for x in first_text],
        "first_answer_text_median_s": round(statistics.median(first_text), 3),
        "first_answer_text_max_s": round(max(first_text), 3),
    }
    print(
        f"serve -> page ready: median {figures['serve_to_page_ready_median_s']} s "
        f"(runs: {figures['serve_to_page_ready_s']}; server CPU "
        f"{figures['serve_cpu_to_page_ready_s']} s; load {figures['load_average_1min']}); "
        "Enter -> first answer text: median "
        f"{figures['first_answer_text_median_s']} s, max {figures['first_answer_text_max_s']} s",
        file=sys.stderr,
    )
    print(json.dumps(figures, indent=2))
    return 0


def _first_text_times(page: object) -> list[float]:
    """Enter -> first answer text (or refusal) visible, per question, on the warm server."""
    times = []
    for n, question in enumerate(QUESTIONS, start=1):
        box = page.locator("#question textarea")  # type: ignore[attr-defined]
        box.fill(question)
        start = time.perf_counter()
        box.press("Enter")
        page.wait_for_selector(  # type: ignore[attr-defined]
            f"#answer-{n} .answer-text", timeout=60_000
        )
        times.append(time.perf_counter() - start)
        page.wait_for_selector(f"#copy-{n}", timeout=60_000)  # type: ignore[attr-defined]
    return times


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    sys.exit(main())
