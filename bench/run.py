"""python -m bench: run the benchmark steps and write report.md + report.json.

Every step runs in its own process (so each has its own peak RSS) unless --inline; --quick
runs every section at toy sizes in one process, for CI: its numbers are never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import ROOT, peak_rss_mb
from bench.plan import FULL_SIZES, QUICK_SIZES, SECTIONS, Step, steps
from bench.report import machine, render, write_atomically


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="toy sizes, one process (for CI)")
    p.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated subset of {','.join(SECTIONS)} (default: all)",
    )
    p.add_argument("--sizes", help="scale sizes, e.g. 10000,100000,1000000")
    p.add_argument(
        "--documents", type=int, default=50, help="synthetic documents for ingestion (default 50)"
    )
    p.add_argument("--out", type=Path, help="report folder (default bench/reports/<timestamp>)")
    p.add_argument("--inline", action="store_true", help="run steps in this process")
    p.add_argument("--step-timeout", type=float, default=1800, help="seconds per step")
    return p


def _sizes(raw: str | None, quick: bool) -> tuple[int, ...]:
    if not raw:
        return QUICK_SIZES if quick else FULL_SIZES
    try:
        sizes = tuple(int(x.replace("_", "")) for x in raw.split(",") if x.strip())
    except ValueError:
        raise SystemExit(f"error: --sizes must be whole numbers, got {raw!r}") from None
    if not sizes or min(sizes) < 100:
        raise SystemExit("error: --sizes must be at least 100")
    return sizes


def _run_inline(step: Step) -> dict[str, Any]:
    from bench.worker import run_step

    start = time.perf_counter()
    result = run_step(step.function, step.args)
    return {
        "result": result,
        "peak_rss_mb": round(peak_rss_mb(), 1),  # of the whole run so far
        "wall_s": round(time.perf_counter() - start, 2),
    }


def _run_subprocess(step: Step, timeout: float) -> dict[str, Any]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    done = subprocess.run(
        [sys.executable, "-m", "bench.worker", step.function, json.dumps(step.args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        raise RuntimeError(tail[0])
    out: dict[str, Any] = json.loads(lines[-1])
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print where the report is."""
    args = _parser().parse_args(argv)
    sections = {s.strip() for s in args.sections.split(",") if s.strip()}
    unknown = sections - set(SECTIONS)
    if unknown:
        print(f"error: unknown sections {sorted(unknown)}; use {SECTIONS}", file=sys.stderr)
        return 2
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out_dir = args.out or ROOT / "bench" / "reports" / (stamp + ("-quick" if args.quick else ""))
    out_dir.mkdir(parents=True, exist_ok=True)
    inline = args.inline or args.quick
    if args.documents < 1:
        print("error: --documents must be at least 1", file=sys.stderr)
        return 2
    sizes = _sizes(args.sizes, args.quick)
    plan = steps(args.quick, sizes, str(out_dir / "base.npz"), sections, args.documents)
    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "command": " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])]),
        "mode": "quick" if args.quick else "full",
        "machine": machine(),
        "steps": {},
    }
    started = time.perf_counter()
    for step in plan:
        print(f"[bench] {step.name} ...", file=sys.stderr, flush=True)
        try:
            entry = _run_inline(step) if inline else _run_subprocess(step, args.step_timeout)
        except subprocess.TimeoutExpired:
            entry = {"error": f"timed out after {args.step_timeout:.0f} s"}
        except Exception as exc:  # a failed step is reported, the others still run
            entry = {"error": f"{type(exc).__name__}: {exc}"}
        report["steps"][step.name] = {"args": step.args, **entry}
        # Written after every step: a long run stopped half-way still leaves a report.
        write_atomically(out_dir / "report.json", json.dumps(report, indent=1))
        write_atomically(out_dir / "report.md", render(report))
    report["total_s"] = round(time.perf_counter() - started, 1)
    write_atomically(out_dir / "report.json", json.dumps(report, indent=1))
    write_atomically(out_dir / "report.md", render(report))
    (out_dir / "base.npz").unlink(missing_ok=True)  # intermediate vectors, not part of a report
    print(out_dir / "report.md")
    failed = [n for n, s in report["steps"].items() if "error" in s]
    if failed:
        print(f"[bench] failed steps: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0
