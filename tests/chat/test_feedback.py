"""The feedback log: one JSON line per rating, whole and valid however many write at once."""

from __future__ import annotations

import json
import multiprocessing
import threading
from pathlib import Path

import pytest

from assistant.chat.feedback import Feedback, FeedbackLog
from assistant.errors import AssistantError

WRITERS = 20
PER_WRITER = 25


def record(writer: int, n: int, comment: str = "") -> Feedback:
    # Long enough (several KB) that a write split in two would show as a broken line.
    return Feedback(
        feedback_id=f"{writer}-{n}",
        rating="up" if n % 2 else "down",
        question=f"Question {n} from writer {writer}?",
        answer="An answer with a citation [1]. " * 40,
        citations=[{"number": 1, "passage": "ü – “quoted” " * 200}],
        index_version="v-test",
        comment=comment,
    )


def write_many(path: str, writer: int) -> None:
    log = FeedbackLog(path)
    for n in range(PER_WRITER):
        log.append(record(writer, n))


def check_complete(path: Path, writers: int) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]  # every line is valid JSON
    ids = sorted(r["feedback_id"] for r in records)
    expected = sorted(f"{w}-{n}" for w in range(writers) for n in range(PER_WRITER))
    assert ids == expected  # none lost, none doubled


def test_twenty_threads_write_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "feedback" / "log.jsonl"
    threads = [threading.Thread(target=write_many, args=(str(path), w)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check_complete(path, WRITERS)


def test_processes_write_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=write_many, args=(str(path), w)) for w in range(4)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=120)
        assert p.exitcode == 0
    check_complete(path, 4)


def test_a_line_torn_by_a_crash_is_dropped_before_the_next(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "log.jsonl")
    log.append(record(0, 0))
    with log.path.open("ab") as f:
        f.write(b'{"feedback_id": "torn", "rating": "u')  # the process died here
    log.append(record(0, 1, comment="after the crash"))
    records = log.read()
    assert [r["feedback_id"] for r in records] == ["0-0", "0-1"]
    assert records[1]["comment"] == "after the crash"
    assert records[1]["time"].endswith("+00:00")


def test_a_torn_only_line_leaves_an_empty_log(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "log.jsonl")
    log.path.write_bytes(b'{"half": ')
    log.append(record(1, 1))
    assert [r["feedback_id"] for r in log.read()] == ["1-1"]


def test_bad_rating_and_unwritable_place_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(AssistantError, match="rating must be one of"):
        Feedback("x", "meh", "q", "a", [], "v")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file", encoding="utf-8")
    with pytest.raises(AssistantError, match="Could not save feedback"):
        FeedbackLog(blocker / "log.jsonl").append(record(0, 0))
