"""Kill `assistant index` (and the feedback writer) at random moments, then check what is left.

Starting Python with torch takes seconds, so a helper process imports the assistant once
and forks a child per run (`python -m tests._crash_fixtures`). Each child runs the real
`assistant.interfaces.cli.main(["index", ...])` (or appends feedback) in its own process, and is
killed with SIGKILL by the caller. Shared by tests/test_crash.py and bench/kill_index.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.api import Assistant
from assistant.errors import IndexStateError
from assistant.store.index import POINTER, Index, read_index

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "Who hosts the next forum?",
    "Where are vaccines filled and finished?",
    "What does the regulator inspect?",
]
SMALL_DOCS = {
    "fill_finish.txt": (
        "Fill-finish plants\n\nBravo vaccines are filled and finished in Dakar for the whole "
        "region. The plant has two sterile lines. It ships to fourteen countries.\n\n"
        "Licensing\n\nThe national regulator inspects the site before licensing. "
        "Inspections repeat every two years."
    ),
    "insulin.md": (
        "# Insulin pens\n\nInsulin pens are assembled in Nairobi under licence. "
        "The licence covers three strengths.\n\n## Supply\n\nPens reach clinics within a week."
    ),
}
# What changes between the two corpus states of an update: one new file, one edited file.
ADDED_DOC = ("syringes.txt", "Syringes ship from Accra to neighbouring countries every month.")
EDIT = ("insulin.md", "\n\n## Prices\n\nThe regional price fell by a third in 2024.\n")


def write_corpus(folder: Path, after: bool) -> Path:
    """The small corpus before (after=False) or after (after=True) an edit and an addition."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "corpus" / "001_5829bbf4eab410c7.txt", folder)
    for name, text in SMALL_DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    if after:
        (folder / ADDED_DOC[0]).write_text(ADDED_DOC[1], encoding="utf-8")
        with (folder / EDIT[0]).open("a", encoding="utf-8") as fh:
            fh.write(EDIT[1])
    return folder


# ---------------------------------------------------------------- the forking helper


def _serve() -> None:  # pragma: no cover - runs in the helper process
    """Read one JSON job per line; fork a child for it; report its pid, then its exit status."""
    # Import once, before any fork, whatever `assistant index` would import on its way.
    import bm25s  # noqa: F401
    import faiss  # noqa: F401

    out = sys.stdout
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(job)
        print(json.dumps({"pid": pid}), file=out, flush=True)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        print(json.dumps({"pid": pid, "code": code}), file=out, flush=True)


def _child(job: dict[str, Any]) -> None:  # pragma: no cover - runs in a forked child
    code = 70
    try:
        with open(job["log"], "ab") as log:
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
        if "cli" in job:
            from assistant.interfaces.cli import main

            code = main(job["cli"])
        else:
            _append_feedback(Path(job["feedback"]), job["start"], job["count"])
            code = 0
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _append_feedback(path: Path, start: int, count: int) -> None:  # pragma: no cover - child
    from assistant.chat.feedback import Feedback, FeedbackLog

    log = FeedbackLog(path)
    for i in range(start, start + count):
        log.append(
            Feedback(
                feedback_id=f"fb-{i}",
                rating="up" if i % 2 else "down",
                question=f"question {i}: " + "é✓ " * (i % 40),
                answer="An answer quoting [1]. " * (1 + i % 30),
                citations=[{"number": 1, "doc_id": "a.txt", "sentence": "x" * (i % 500)}],
                index_version="build-test",
            )
        )


class Forker:
    """The helper process: run(job) forks a child and returns its pid; wait() its exit code."""

    def __init__(self, cwd: Path) -> None:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
        env["TOKENIZERS_PARALLELISM"] = "false"  # the tokenizers pool must not cross fork()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests._crash_fixtures"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=cwd,  # no assistant.toml here: the children use default settings
            env=env,
        )

    def run(self, job: dict[str, Any]) -> int:
        """Start a job in a fresh child; returns the child's pid."""
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        return int(json.loads(self.proc.stdout.readline())["pid"])

    def wait(self) -> int:
        """Exit code of the last child (negative: killed by that signal)."""
        assert self.proc.stdout
        return int(json.loads(self.proc.stdout.readline())["code"])

    def exited(self, timeout: float) -> bool:
        """True once the last child has exited (wait() then returns at once)."""
        assert self.proc.stdout
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        return bool(ready)

    def close(self) -> None:
        """Stop the helper process."""
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ---------------------------------------------------------------- checking what a kill left


@dataclass(frozen=True)
class Reference:
    """A clean build's content: chunks, vectors, and the passages and answers for some questions."""

    chunks: tuple[tuple[str, str, str], ...]
    vectors: np.ndarray
    top: tuple[tuple[str, ...], ...]
    answers: tuple[tuple[str, tuple[str, ...]], ...]

    @classmethod
    def of(cls, bot: Assistant) -> Reference:
        """What an assistant over this index gives."""
        index = bot.index
        chunks = tuple((c.chunk_id, c.doc_id, c.text) for c in index.chunks)
        top = tuple(tuple(h.chunk.chunk_id for h in bot.search(q, k=3)) for q in QUESTIONS)
        answers = tuple(
            (a.text, tuple(c.chunk_id for c in a.citations)) for a in map(bot.ask, QUESTIONS)
        )
        return cls(chunks, index.vectors(), top, answers)

    def same(self, other: Reference) -> bool:
        """Identical chunks and passages found; vectors equal up to float rounding."""
        return (
            self.chunks == other.chunks
            and self.top == other.top
            and self.answers == other.answers
            and self.vectors.shape == other.vectors.shape
            and bool(np.allclose(self.vectors, other.vectors, atol=1e-4))
        )


def reference(index: Index, bot: Assistant) -> Reference:
    """The Reference of an index read from disk, searched with the same model and settings."""
    return Reference.of(Assistant(index, bot.embedder, bot.settings))


def kill_stage(index_dir: Path, finished: bool, previous_build: str | None) -> str:
    """Where in its work the killed process was, judged from what it left on disk."""
    if finished:
        return "finished before the kill"
    if not index_dir.exists():
        return "before writing"
    names = [p.name for p in index_dir.iterdir()]
    words = (index_dir / POINTER).read_text().split() if POINTER in names else []
    current = words[0] if words else None  # the build's name comes first
    if any(n.startswith(".tmp-") for n in names):
        return "writing the new build"
    if any(n.startswith(f".{POINTER}.") for n in names):
        return "switching the pointer"
    others = [n for n in names if n.startswith("build-") and n != current]
    if current != previous_build:
        return "removing the old build" if others else "done, not yet exited"
    return "build written, pointer not switched" if others else "before writing"


@dataclass
class Outcome:
    """What one killed run left, and whether the next open recovered it exactly."""

    scenario: str
    plan: KillPlan
    killed: bool  # False: it finished before the kill came
    stage: str
    found: str  # "previous", "new", "no index", or "BROKEN: ..." (a partial index was read)
    recovered: bool  # the next open gave exactly the clean build, with nothing left over
    answers_same: bool  # ... and the same answers to the check questions
    leftovers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing partial was read, and the next open recovered exactly."""
        allowed = {"first build": {"no index", "new"}}.get(self.scenario, {"previous", "new"})
        return self.found in allowed and self.recovered and self.answers_same


SCENARIOS = ("first build", "update", "rebuild")


@dataclass(frozen=True)
class States:
    """The corpus before and after an update, and clean in-process builds of both."""

    before: Path
    after: Path
    index_before: Path
    ref_before: Reference
    ref_after: Reference
    bot: Assistant  # the model and settings the checks search with

    @classmethod
    def build(cls, root: Path, embedder: Any) -> States:
        """Write both corpora under root and index them cleanly."""
        before = write_corpus(root / "before", after=False)
        after = write_corpus(root / "after", after=True)
        bot_before = Assistant.open(
            index_dir=root / "ref-before", corpus_dir=before, embedder=embedder
        )
        bot_after = Assistant.open(
            index_dir=root / "ref-after", corpus_dir=after, embedder=embedder
        )
        return cls(
            before,
            after,
            root / "ref-before",
            Reference.of(bot_before),
            Reference.of(bot_after),
            bot_after,
        )

    def prepare(self, scenario: str, where: Path) -> tuple[dict[str, Any], Path, Path, str | None]:
        """A CLI job for a scenario, its index folder and corpus, and the build in use before."""
        where.mkdir(parents=True, exist_ok=True)
        index_dir = where / "index"
        previous = None
        args: list[str] = []
        corpus = self.after
        if scenario != "first build":
            shutil.copytree(self.index_before, index_dir)
            previous = read_index(index_dir).version
            if scenario == "rebuild":
                corpus, args = self.before, ["--rebuild"]
        job = {
            "cli": ["index", "--corpus", str(corpus), "--index", str(index_dir), *args],
            "log": str(where / "cli.log"),
        }
        return job, index_dir, corpus, previous

    def trial(
        self, runner: Runner, scenario: str, where: Path, plan: KillPlan, embedder: Any
    ) -> Outcome:
        """Run a scenario, kill it as planned, inspect the folder, then open it again."""
        job, index_dir, corpus, previous_build = self.prepare(scenario, where)
        finished, code = run_and_kill(runner, job, index_dir, plan)
        if not finished and code != -signal.SIGKILL:
            raise AssertionError(f"exit {code}: {Path(job['log']).read_text()[-2000:]}")
        stage = kill_stage(index_dir, finished, previous_build)
        new = self.ref_after if corpus == self.after else self.ref_before
        previous = None if scenario == "first build" else self.ref_before
        found = inspect_after_kill(index_dir, self.bot, previous, new)
        leftovers = index_entries(index_dir) if index_dir.exists() else []
        # The next open repairs what the kill left and must give exactly the clean result.
        bot = Assistant.open(index_dir=index_dir, corpus_dir=corpus, embedder=embedder)
        got = Reference.of(bot)
        recovered = (
            got.chunks == new.chunks
            and got.top == new.top
            and bool(np.allclose(got.vectors, new.vectors, atol=1e-4))
            and index_entries(index_dir) == sorted([POINTER, ".lock", bot.index.version])
            and "corrupt" not in (bot.report.rebuilt_because or "")
        )
        return Outcome(
            scenario,
            plan,
            not finished,
            stage,
            found,
            recovered,
            got.answers == new.answers,
            leftovers,
        )


def index_entries(index_dir: Path) -> list[str]:
    """Names in the index folder, sorted."""
    return sorted(p.name for p in index_dir.iterdir())


def inspect_after_kill(
    index_dir: Path, bot: Assistant, previous: Reference | None, new: Reference
) -> str:
    """Open the index as a reader would: it must be the previous or the new complete build."""
    try:
        index = read_index(index_dir)
    except IndexStateError as exc:
        return "no index" if str(exc).startswith("no index") else f"BROKEN: {exc}"
    got = reference(index, bot)
    if previous is not None and got.same(previous):
        return "previous"
    if got.same(new):
        return "new"
    return "BROKEN: an index that matches no clean build"


@dataclass(frozen=True)
class Timing:
    """A clean run: how long it took, when its temporary build appeared, when CURRENT moved."""

    duration: float
    write_start: float
    switched: float

    @property
    def write_window(self) -> float:
        """From the first written file to the pointer switch, and as long again after it."""
        return max(0.01, 2 * (self.switched - self.write_start))


@dataclass(frozen=True)
class KillPlan:
    """When to kill: `delay` seconds after the start, or after writing began (`on_write`)."""

    delay: float
    on_write: bool

    def describe(self) -> str:
        """For reports: "1.234 s after start" or "0.012 s after writing began"."""
        return f"{self.delay:.3f} s after {'writing began' if self.on_write else 'start'}"


def random_plan(rng: random.Random, timing: Timing) -> KillPlan:
    """A third of kills anywhere in the run; the rest at a random moment while writing."""
    if rng.random() < 1 / 3:
        return KillPlan(rng.uniform(0, timing.duration), on_write=False)
    return KillPlan(rng.uniform(0, timing.write_window), on_write=True)


class ProcessRunner:
    """Runs `python -m assistant.interfaces.cli ...` as a brand-new process (Forker's interface)."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        self.proc: subprocess.Popen[bytes] | None = None

    def run(self, job: dict[str, Any]) -> int:
        """Start the command of a CLI job; returns its pid."""
        with open(job["log"], "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "assistant.interfaces.cli", *job["cli"]],
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                cwd=self.cwd,
                env=self.env,
            )
        return self.proc.pid

    def exited(self, timeout: float) -> bool:
        """True once the process has exited."""
        assert self.proc is not None
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def wait(self) -> int:
        """Exit code (negative: killed by that signal)."""
        assert self.proc is not None
        return self.proc.wait()

    def close(self) -> None:
        """Nothing to stop between runs."""


Runner = Forker | ProcessRunner


def _writing(index_dir: Path) -> bool:
    return index_dir.exists() and any(p.name.startswith(".tmp-") for p in index_dir.iterdir())


def timed_run(forker: Runner, job: dict[str, Any], index_dir: Path) -> tuple[Timing, int]:
    """Run a job to the end, watching its index folder; its Timing and exit code."""
    pointer = index_dir / POINTER
    before = pointer.read_text() if pointer.exists() else None
    start = time.monotonic()
    forker.run(job)
    write_start = switched = None
    while not forker.exited(0.001):
        if write_start is None and _writing(index_dir):
            write_start = time.monotonic() - start
        if switched is None and pointer.exists() and pointer.read_text() != before:
            switched = time.monotonic() - start
    code = forker.wait()
    duration = time.monotonic() - start
    write_start = duration if write_start is None else write_start
    return Timing(duration, write_start, duration if switched is None else switched), code


def run_and_kill(
    forker: Runner, job: dict[str, Any], index_dir: Path | None, plan: KillPlan
) -> tuple[bool, int]:
    """Start a job and SIGKILL it as planned; (finished on its own first, exit code)."""
    pid = forker.run(job)
    if plan.on_write:
        assert index_dir is not None
        while not _writing(index_dir):
            if forker.exited(0.0005):
                return forker.wait() == 0, 0
    if not forker.exited(plan.delay):
        with contextlib.suppress(ProcessLookupError):  # it exited and was reaped meanwhile
            os.kill(pid, signal.SIGKILL)
    code = forker.wait()
    return code == 0, code


if __name__ == "__main__":
    _serve()
