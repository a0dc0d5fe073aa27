"""SIGKILL `assistant index` at random moments: the next open never sees a partial index.

Each run is the real CLI (`assistant.interfaces.cli.main(["index", ...])`) in its own process,
forked from a helper that imported the assistant once (tests/_crash_fixtures.py). The
long run, with more kills and brand-new `python -m assistant.interfaces.cli` processes too, is
`python -m bench.kill_index`.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.chat.feedback import Feedback, FeedbackLog
from assistant.errors import IndexStateError
from assistant.store.index import read_index
from assistant.store.manifest import LEXICAL, LEXICAL_ANALYSIS, MANIFEST, POINTER, is_lexical
from tests._crash_fixtures import (
    SCENARIOS,
    Forker,
    KillPlan,
    Reference,
    States,
    index_entries,
    inspect_after_kill,
    random_plan,
    reference,
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


def _old_format_copy(states: States, where: Path) -> tuple[Path, str]:
    """The clean 'before' index as an older version wrote it: no lexical part in its build."""
    index_dir = where / "index"
    shutil.copytree(states.index_before, index_dir)
    build = read_index(index_dir).path
    shutil.rmtree(build / LEXICAL)
    manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
    del manifest[LEXICAL_ANALYSIS]
    manifest["files"] = {n: m for n, m in manifest["files"].items() if not is_lexical(n)}
    data = json.dumps(manifest).encode("utf-8")
    (build / MANIFEST).write_bytes(data)
    (index_dir / POINTER).write_text(f"{build.name} {hashlib.sha256(data).hexdigest()}\n")
    return index_dir, build.name


def test_sigkill_while_the_lexical_part_is_renewed_leaves_a_whole_index(
    forker, states, embedder, tmp_path
) -> None:
    rng = random.Random()
    found = []
    timing = None
    for trial in range(6):
        where = tmp_path / f"renew-{trial}"
        index_dir, previous = _old_format_copy(states, where)
        job = {
            "cli": ["index", "--corpus", str(states.before), "--index", str(index_dir)],
            "log": str(where / "cli.log"),
        }
        if timing is None:  # a clean run first: how long renewing takes, when it writes
            timing, code = timed_run(forker, job, index_dir)
            assert code == 0, Path(job["log"]).read_text()
            assert "Rebuilt the lexical index" in Path(job["log"]).read_text()
            continue
        finished, code = run_and_kill(forker, job, index_dir, random_plan(rng, timing))
        assert finished or code == -9, Path(job["log"]).read_text()
        try:
            index = read_index(index_dir)
        except IndexStateError as exc:
            # Not switched yet: the old-format build is still current, whole.
            assert "no lexical part" in str(exc)
            assert read_index(index_dir, lexical=False).version == previous
            found.append("previous")
        else:
            assert index.version != previous
            assert reference(index, states.bot).same(states.ref_before)
            found.append("new")
        bot = Assistant.open(index_dir=index_dir, corpus_dir=states.before, embedder=embedder)
        assert not bot.report.rebuilt_because and not bot.report.chunks_embedded
        assert Reference.of(bot).same(states.ref_before)
        assert index_entries(index_dir) == sorted([POINTER, ".lock", bot.index.version])
    print(f"\nafter a kill while renewing the lexical part: {Counter(found)}")


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
