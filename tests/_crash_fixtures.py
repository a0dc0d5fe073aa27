"""Kill `assistant index` (and the feedback writer) at random moments, then check what is left.

Starting Python with torch takes seconds, so a helper process imports the assistant once
and forks a child per run (`python -m tests._crash_fixtures`). Each child runs the real
`assistant.cli.main(["index", ...])` (or appends feedback) in its own process, and is
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
from assistant.index import POINTER, Index, read_index

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

    import assistant.api
    import assistant.cli
    import assistant.embeddings
    import assistant.feedback
    import assistant.index
    import assistant.retrieval  # noqa: F401

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
            from assistant.cli import main

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
    from assistant.feedback import Feedback, FeedbackLog

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
    """A clean build's content: chunk table, vectors, and the top passages of some questions."""

    chunks: tuple[tuple[str, str, str], ...]
    vectors: np.ndarray
    top: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, bot: Assistant) -> Reference:
        """What an assistant over this index gives."""
        index = bot.index
        chunks = tuple((c.chunk_id, c.doc_id, c.text) for c in index.chunks)
        top = tuple(tuple(h.chunk.chunk_id for h in bot.search(q, k=3)) for q in QUESTIONS)
        return cls(chunks, index.vectors(), top)

    def same(self, other: Reference) -> bool:
        """Identical chunks and passages found; vectors equal up to float rounding."""
        return (
            self.chunks == other.chunks
            and self.top == other.top
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
    current = (index_dir / POINTER).read_text().strip() if POINTER in names else None
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
    stage: str
    found: str  # "previous", "new", "no index", or the problem
    recovered: bool
    leftovers: list[str] = field(default_factory=list)


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


def _exited(forker: Forker, timeout: float) -> bool:
    assert forker.proc.stdout
    ready, _, _ = select.select([forker.proc.stdout], [], [], timeout)
    return bool(ready)


def _writing(index_dir: Path) -> bool:
    return index_dir.exists() and any(p.name.startswith(".tmp-") for p in index_dir.iterdir())


def timed_run(forker: Forker, job: dict[str, Any], index_dir: Path) -> tuple[Timing, int]:
    """Run a job to the end, watching its index folder; its Timing and exit code."""
    pointer = index_dir / POINTER
    before = pointer.read_text() if pointer.exists() else None
    start = time.monotonic()
    forker.run(job)
    write_start = switched = None
    while not _exited(forker, 0.001):
        if write_start is None and _writing(index_dir):
            write_start = time.monotonic() - start
        if switched is None and pointer.exists() and pointer.read_text() != before:
            switched = time.monotonic() - start
    code = forker.wait()
    duration = time.monotonic() - start
    write_start = duration if write_start is None else write_start
    return Timing(duration, write_start, duration if switched is None else switched), code


def run_and_kill(
    forker: Forker, job: dict[str, Any], index_dir: Path | None, plan: KillPlan
) -> tuple[bool, int]:
    """Start a job and SIGKILL it as planned; (finished on its own first, exit code)."""
    pid = forker.run(job)
    if plan.on_write:
        assert index_dir is not None
        while not _writing(index_dir):
            if _exited(forker, 0.0005):
                return forker.wait() == 0, 0
    if not _exited(forker, plan.delay):
        with contextlib.suppress(ProcessLookupError):  # it exited and was reaped meanwhile
            os.kill(pid, signal.SIGKILL)
    code = forker.wait()
    return code == 0, code


if __name__ == "__main__":
    _serve()
