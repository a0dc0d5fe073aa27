"""Delegates' thumbs up / down on answers, appended to a JSON-lines file.

Many browser sessions (and possibly several server processes) write at once, so every
record is one write() of one line under an exclusive lock on the file itself: lines never
interleave and none is lost. A line torn by a crash mid-write is cut off before the next
append, so the file always stays valid JSON lines.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError

try:  # POSIX; on Windows the in-process lock below still keeps one server's lines whole
    import fcntl
except ImportError:  # pragma: no cover - not on the CI platform
    fcntl = None  # type: ignore[assignment]

RATINGS = ("up", "down")


@dataclass(frozen=True)
class Feedback:
    """One rating of one answer. A later line with the same feedback_id adds its comment."""

    feedback_id: str
    rating: str  # "up" or "down"
    question: str
    answer: str
    citations: list[dict[str, Any]]
    index_version: str
    comment: str = ""
    standalone_question: str = ""
    refused: bool = False
    mode: str = "answer"
    time: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def __post_init__(self) -> None:
        if self.rating not in RATINGS:
            raise AssistantError(f"Feedback rating must be one of {RATINGS}; got {self.rating!r}")


class FeedbackLog:
    """Appends Feedback records to one JSON-lines file, safely from many threads and processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._thread_lock = threading.Lock()

    def append(self, feedback: Feedback) -> None:
        """Write one record as one line; raises AssistantError if the file can't be written."""
        line = (json.dumps(asdict(feedback), ensure_ascii=False) + "\n").encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._thread_lock, self._locked() as fd:
                _drop_torn_tail(fd)
                os.write(fd, line)
                os.fsync(fd)
        except OSError as exc:
            raise AssistantError(f"Could not save feedback to {self.path}: {exc}") from None

    def read(self) -> list[dict[str, Any]]:
        """All records, oldest first (for reports and tests)."""
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    @contextmanager
    def _locked(self) -> Iterator[int]:
        # O_APPEND: every write lands at the current end, even from another process.
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)  # closing releases the flock


def _drop_torn_tail(fd: int) -> None:
    """Cut a last line left without its newline by a crash, so the file stays valid."""
    size = os.fstat(fd).st_size
    if size == 0:
        return
    os.lseek(fd, size - 1, os.SEEK_SET)
    if os.read(fd, 1) == b"\n":
        return
    # Find the last complete line; reading backwards in blocks keeps this cheap on big logs.
    end = size
    block = 4096
    while end > 0:
        start = max(0, end - block)
        os.lseek(fd, start, os.SEEK_SET)
        data = os.read(fd, end - start)
        newline = data.rfind(b"\n")
        if newline >= 0:
            os.ftruncate(fd, start + newline + 1)
            return
        end = start
    os.ftruncate(fd, 0)
