"""SIGKILL `assistant index` at random moments: the next open never sees a partial index.

Each run is the real CLI (`assistant.interfaces.cli.main(["index", ...])`) in its own process,
forked from a helper that imported the assistant once (tests/_crash_fixtures.py). The
long run, with more kills and brand-new `python -m assistant.interfaces.cli` processes too, is
`python -m bench.kill_index`.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.chat.feedback import Feedback, FeedbackLog
from tests._crash_fixtures import (
    SCENARIOS,
    Forker,
    KillPlan,
    States,
    inspect_after_kill,
    random_plan,
    run_and_kill,
    timed_run,
)

pytestmark = pytest.mark.slow
TRIALS_PER_SCENARIO = 7  # three scenarios: 21 kills


@pytest.fixture(scope="module")
def forker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Forker]:
    helper = Forker(tmp_path_factory.mktemp("forker_cwd"))
    yield helper
    helper.close()


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory, embedder) -> States:
    return States.build(tmp_path_factory.mktemp("crash"), embedder)


def test_a_clean_cli_build_equals_the_in_process_build(forker, states, tmp_path) -> None:
    job, index_dir, _, _ = states.prepare("first build", tmp_path)
    _, code = timed_run(forker, job, index_dir)
    assert code == 0, Path(job["log"]).read_text()
    assert inspect_after_kill(index_dir, states.bot, None, states.ref_after) == "new"


def test_sigkill_at_random_moments_never_leaves_a_partial_index(
    forker, states, embedder, tmp_path
) -> None:
    rng = random.Random()
    outcomes = []
    for scenario in SCENARIOS:
        # A clean run shows how long this scenario takes and when it writes.
        job, index_dir, _, _ = states.prepare(scenario, tmp_path / f"{scenario}-timing")
        timing, code = timed_run(forker, job, index_dir)
        assert code == 0, Path(job["log"]).read_text()
        for trial in range(TRIALS_PER_SCENARIO):
            plan = random_plan(rng, timing)
            where = tmp_path / f"{scenario}-{trial}"
            outcomes.append(states.trial(forker, scenario, where, plan, embedder))

    summary = Counter((o.scenario, o.stage, o.found) for o in outcomes)
    print("\n" + "\n".join(f"{n} × {key}" for key, n in sorted(summary.items())))
    assert len(outcomes) >= 20
    assert not [o for o in outcomes if not o.ok]
    # Most kills landed while the process was working, not after it had finished.
    assert sum(o.killed for o in outcomes) >= 10


def test_feedback_log_stays_valid_json_lines_across_kills(forker, tmp_path) -> None:
    path = tmp_path / "feedback.jsonl"
    rng = random.Random()
    count = 0
    for _ in range(6):
        log = str(tmp_path / "log")
        job = {"feedback": str(path), "start": count, "count": 100_000, "log": log}
        finished, code = run_and_kill(forker, job, None, KillPlan(rng.uniform(0.2, 1.0), False))
        assert not finished and code == -9
        lines = path.read_bytes().split(b"\n")
        complete = [json.loads(line) for line in lines[:-1]]  # every whole line is JSON
        ids = [int(r["feedback_id"].removeprefix("fb-")) for r in complete]
        # Records are on disk whole and in order: none lost in between, none doubled.
        assert ids == list(range(len(ids))) and len(ids) >= count
        # The next writer (a restarted server) appends; a torn last line would be cut first.
        FeedbackLog(path).append(
            Feedback(f"fb-{len(ids)}", "up", "After the crash?", "Yes [1].", [], "build-x")
        )
        records = FeedbackLog(path).read()
        assert [r["feedback_id"] for r in records] == [f"fb-{i}" for i in range(len(ids) + 1)]
        count = len(records)
    assert count > 6  # the killed writers did write (fsync'd) records between the kills
