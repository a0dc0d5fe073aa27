"""Long crash run: python -m bench.kill_index [--forked N] [--processes M] [--feedback K].

SIGKILLs `assistant index` at random moments, in three scenarios (first build, update
with one added and one edited file, --rebuild): N runs forked from a warm helper (the
real CLI code in its own process), and M brand-new `python -m assistant.interfaces.cli index`
processes (startup included). A third of kills fall anywhere in the run, the rest at a
random moment after the new build's first file appears. After each kill the index folder
is opened as a reader would (must be the previous or the new complete build, never a
partial one), then opened again to update (must equal a clean build, with the same
answers, and nothing left over). K more kills hit a process appending feedback.
Prints a summary and writes bench/reports/kill_index.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from assistant.chat.feedback import Feedback, FeedbackLog
from assistant.settings import load_settings
from assistant.store.embeddings import SentenceTransformerEmbedder
from tests._crash_fixtures import (
    SCENARIOS,
    Forker,
    KillPlan,
    Outcome,
    ProcessRunner,
    Runner,
    States,
    random_plan,
    run_and_kill,
    timed_run,
)

REPORTS = Path(__file__).resolve().parent / "reports"


def kill_runs(
    runner: Runner, states: States, trials: int, root: Path, embedder: Any, rng: random.Random
) -> list[Outcome]:
    """`trials` killed index runs, cycling through the scenarios."""
    timings = {}
    for scenario in SCENARIOS:
        job, index_dir, _, _ = states.prepare(scenario, root / f"timing-{scenario}")
        timings[scenario], code = timed_run(runner, job, index_dir)
        if code != 0:
            raise SystemExit(f"clean {scenario} run failed: {Path(job['log']).read_text()}")
    outcomes = []
    for i in range(trials):
        scenario = SCENARIOS[i % len(SCENARIOS)]
        plan = random_plan(rng, timings[scenario])
        outcomes.append(states.trial(runner, scenario, root / f"trial-{i}", plan, embedder))
        if (i + 1) % 25 == 0:
            bad = sum(not o.ok for o in outcomes)
            print(f"    {i + 1}/{trials} kills, {bad} not recovered", file=sys.stderr)
    return outcomes


def feedback_runs(forker: Forker, trials: int, root: Path, rng: random.Random) -> dict[str, int]:
    """Kill a process appending feedback; count records kept, lost and torn lines."""
    path = root / "feedback.jsonl"
    counts = Counter[str]()
    total = 0
    for _ in range(trials):
        job = {"feedback": str(path), "start": total, "count": 10**6, "log": str(root / "fb.log")}
        finished, _ = run_and_kill(forker, job, None, KillPlan(rng.uniform(0.05, 1.5), False))
        counts["killed"] += not finished
        lines = path.read_bytes().split(b"\n")
        counts["torn_lines"] += bool(lines[-1])
        try:
            ids = [int(json.loads(line)["feedback_id"][3:]) for line in lines[:-1]]
        except ValueError:
            counts["invalid_lines"] += 1
            break
        counts["lost_or_doubled"] += ids != list(range(len(ids)))
        FeedbackLog(path).append(Feedback(f"fb-{len(ids)}", "up", "q", "a", [], "build-x"))
        total = len(FeedbackLog(path).read())
    counts["records"] = total
    return dict(counts)


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    """Figures for one kind of run."""
    return {
        "runs": len(outcomes),
        "killed_mid_run": sum(o.killed for o in outcomes),
        "finished_before_kill": sum(not o.killed for o in outcomes),
        "partial_index_read": sum(o.found.startswith("BROKEN") for o in outcomes),
        "not_recovered": sum(not o.recovered for o in outcomes),
        "answers_lost": sum(not o.answers_same for o in outcomes),
        "failures": sum(not o.ok for o in outcomes),
        "by_stage": dict(Counter(o.stage for o in outcomes).most_common()),
        "found_after_kill": dict(Counter(o.found for o in outcomes).most_common()),
        "problems": [
            {
                "scenario": o.scenario,
                "kill": o.plan.describe(),
                "stage": o.stage,
                "found": o.found,
                "leftovers": o.leftovers,
            }
            for o in outcomes
            if not o.ok
        ],
    }


def main(argv: list[str] | None = None) -> int:
    """Run the kills, print the figures, write the JSON report; exit 1 if anything was lost."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forked", type=int, default=150, help="forked CLI runs to kill (150)")
    parser.add_argument("--processes", type=int, default=30, help="new CLI processes (30)")
    parser.add_argument("--feedback", type=int, default=30, help="feedback writers (30)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the kill moments")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    embedder = SentenceTransformerEmbedder(load_settings().index.embedding_model)
    given = sys.argv[1:] if argv is None else argv
    report: dict[str, Any] = {"command": " ".join(["python -m bench.kill_index", *given])}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kill_index-") as tmp:
        root = Path(tmp)
        states = States.build(root / "states", embedder)
        forker = Forker(root)
        try:
            if args.forked:
                outcomes = kill_runs(forker, states, args.forked, root / "forked", embedder, rng)
                report["forked"] = summarise(outcomes)
            if args.processes:
                runner = ProcessRunner(root)
                outcomes = kill_runs(runner, states, args.processes, root / "new", embedder, rng)
                report["processes"] = summarise(outcomes)
            if args.feedback:
                report["feedback"] = feedback_runs(forker, args.feedback, root, rng)
        finally:
            forker.close()
    report["seconds"] = round(time.perf_counter() - started)
    runs = [report[k] for k in ("forked", "processes") if k in report]
    lost = sum(r["failures"] for r in runs)
    fb = report.get("feedback", {})
    lost += fb.get("invalid_lines", 0) + fb.get("lost_or_doubled", 0)
    report["total_kills"] = sum(r["killed_mid_run"] for r in runs) + fb.get("killed", 0)
    report["indexes_or_answers_lost"] = lost

    REPORTS.mkdir(exist_ok=True)
    out = REPORTS / "kill_index.json"
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    for kind in ("forked", "processes"):
        if kind in report:
            r = report[kind]
            print(
                f"{kind}: {r['runs']} runs, {r['killed_mid_run']} killed mid-run "
                f"({r['finished_before_kill']} finished first); partial index read: "
                f"{r['partial_index_read']}; not recovered: {r['not_recovered']}; "
                f"answers lost: {r['answers_lost']}"
            )
            print("    killed while: " + ", ".join(f"{k} {n}" for k, n in r["by_stage"].items()))
    if fb:
        print(
            f"feedback: {fb.get('killed', 0)} writers killed, {fb['records']} records, "
            f"torn lines repaired {fb.get('torn_lines', 0)}, invalid lines "
            f"{fb.get('invalid_lines', 0)}, lost or doubled {fb.get('lost_or_doubled', 0)}"
        )
    print(f"total kills survived: {report['total_kills']}; lost: {lost}; {report['seconds']} s")
    print(f"report: {out}")
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
