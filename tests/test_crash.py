"""SIGKILL `assistant index` at random moments: the next open never sees a partial index.

Each run is the real CLI (`assistant.cli.main(["index", ...])`) in its own process,
forked from a helper that imported the assistant once (tests/_crash_fixtures.py). The
long run with more kills is `python -m bench.kill_index`.
"""

from __future__ import annotations

import json
import random
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.feedback import Feedback, FeedbackLog
from assistant.index import POINTER

from ._crash_fixtures import (
    Forker,
    KillPlan,
    Outcome,
    Reference,
    index_entries,
    inspect_after_kill,
    kill_stage,
    random_plan,
    run_and_kill,
    timed_run,
    write_corpus,
)

pytestmark = pytest.mark.slow
TRIALS_PER_SCENARIO = 7  # three scenarios: 21 kills


@pytest.fixture(scope="module")
def forker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Forker]:
    helper = Forker(tmp_path_factory.mktemp("forker_cwd"))
    yield helper
    helper.close()


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory, embedder) -> dict[str, object]:
    """The corpus before and after an update, with clean in-process builds of both."""
    root = tmp_path_factory.mktemp("crash")
    before = write_corpus(root / "before", after=False)
    after = write_corpus(root / "after", after=True)
    bot_before = Assistant.open(index_dir=root / "ref-before", corpus_dir=before, embedder=embedder)
    bot_after = Assistant.open(index_dir=root / "ref-after", corpus_dir=after, embedder=embedder)
    return {
        "root": root,
        "before": before,
        "after": after,
        "index_before": root / "ref-before",
        "ref_before": Reference.of(bot_before),
        "ref_after": Reference.of(bot_after),
        "bot": bot_after,
    }


def _prepare(states: dict, scenario: str, where: Path) -> tuple[dict, Path, Path, str | None]:
    """A job for one scenario, its index folder and corpus, and the build in use before it."""
    where.mkdir(parents=True, exist_ok=True)
    index_dir = where / "index"
    previous = None
    if scenario == "first build":
        corpus = states["after"]
        args: list[str] = []
    else:
        shutil.copytree(states["index_before"], index_dir)
        previous = (index_dir / POINTER).read_text().strip()
        corpus = states["after"] if scenario == "update" else states["before"]
        args = [] if scenario == "update" else ["--rebuild"]
    job = {
        "cli": ["index", "--corpus", str(corpus), "--index", str(index_dir), *args],
        "log": str(where / "cli.log"),
    }
    return job, index_dir, corpus, previous


def test_a_clean_cli_build_equals_the_in_process_build(forker, states, tmp_path) -> None:
    job, index_dir, _, _ = _prepare(states, "first build", tmp_path)
    _, code = timed_run(forker, job, index_dir)
    log = Path(job["log"]).read_text()
    assert code == 0, log
    assert inspect_after_kill(index_dir, states["bot"], None, states["ref_after"]) == "new"


def test_sigkill_at_random_moments_never_leaves_a_partial_index(
    forker, states, embedder, tmp_path
) -> None:
    rng = random.Random()
    outcomes: list[Outcome] = []
    for scenario in ("first build", "update", "rebuild"):
        # One timed run shows how long this scenario takes and when writing starts.
        job, index_dir, _, _ = _prepare(states, scenario, tmp_path / f"{scenario}-timing")
        timing, code = timed_run(forker, job, index_dir)
        assert code == 0, Path(job["log"]).read_text()
        for trial in range(TRIALS_PER_SCENARIO):
            where = tmp_path / f"{scenario}-{trial}"
            job, index_dir, corpus, previous_build = _prepare(states, scenario, where)
            plan = random_plan(rng, timing)
            finished, code = run_and_kill(forker, job, index_dir, plan)
            assert finished or code == -9, Path(job["log"]).read_text()
            stage = kill_stage(index_dir, finished, previous_build)
            new = states["ref_after"] if corpus == states["after"] else states["ref_before"]
            previous = None if scenario == "first build" else states["ref_before"]
            found = inspect_after_kill(index_dir, states["bot"], previous, new)
            leftovers = index_entries(index_dir) if index_dir.exists() else []
            # The next open: repairs what the kill left, and gives exactly the clean result.
            bot = Assistant.open(index_dir=index_dir, corpus_dir=corpus, embedder=embedder)
            recovered = (
                Reference.of(bot).same(new)
                and index_entries(index_dir) == sorted([POINTER, ".lock", bot.index.version])
                and "corrupt" not in (bot.report.rebuilt_because or "")
            )
            outcomes.append(Outcome(scenario, plan, stage, found, recovered, leftovers))

    summary = Counter((o.scenario, o.stage, o.found) for o in outcomes)
    print("\n".join(f"{n} × {key}" for key, n in sorted(summary.items())))
    assert len(outcomes) >= 20
    broken = [o for o in outcomes if o.found.startswith("BROKEN") or not o.recovered]
    assert not broken, broken
    for o in outcomes:
        allowed = {"first build": {"no index", "new"}, "update": {"previous", "new"}}
        assert o.found in allowed.get(o.scenario, {"previous", "new"}), o
    # At least some kills landed while the process was working, not after it finished.
    assert sum(o.stage != "finished before the kill" for o in outcomes) >= 10


def test_feedback_log_stays_valid_json_lines_across_kills(forker, tmp_path) -> None:
    path = tmp_path / "feedback.jsonl"
    rng = random.Random()
    count = 0
    for _ in range(6):
        job = {
            "feedback": str(path),
            "start": count,
            "count": 100_000,
            "log": str(tmp_path / "log"),
        }
        finished, code = run_and_kill(forker, job, None, KillPlan(rng.uniform(0.2, 1.0), False))
        assert not finished and code == -9
        lines = path.read_bytes().split(b"\n")
        complete = [json.loads(line) for line in lines[:-1]]  # every whole line is JSON
        ids = [int(r["feedback_id"].removeprefix("fb-")) for r in complete]
        # Records are on disk whole and in order: none lost in between, none doubled.
        assert ids == list(range(len(ids))) and len(ids) > count
        # The next writer (a restarted server) appends; a torn last line would be cut first.
        FeedbackLog(path).append(
            Feedback(f"fb-{len(ids)}", "up", "After the crash?", "Yes [1].", [], "build-x")
        )
        records = FeedbackLog(path).read()
        assert [r["feedback_id"] for r in records] == [f"fb-{i}" for i in range(len(ids) + 1)]
        count = len(records)
