"""Serving on a real local Ray cluster: replicas answer /ask and /search over HTTP like the
library does, and a replica killed while 20 gradio_client sessions ask loses no answer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.api import Assistant
from tests._app_fixtures import free_port, start

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
REPLICA = "ray::ServeReplica:assistant:AssistantReplica"
SESSIONS, QUESTIONS = 20, 5


@pytest.fixture(scope="module")
def replicated(ray_cluster: str, assistant: Assistant) -> Iterator[tuple[Any, str]]:
    """Two replicas over the shared test index, and the URL of Ray Serve's HTTP proxy."""
    replicas = pytest.importorskip("assistant.interfaces.replicas")
    port = free_port()
    bot = replicas.start_replicas(assistant, 2, ray_cluster, port=port)
    try:
        yield bot, f"http://127.0.0.1:{port}"
    finally:
        replicas.stop_replicas()


def _post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _replica_pids() -> list[int]:
    found = subprocess.run(["pgrep", "-f", REPLICA], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


def test_the_replicas_answer_over_http_as_the_library_does(replicated, assistant):
    _, api = replicated
    asked = "When was the first World Local Production Forum held?"
    status, answer = _post(f"{api}/ask", {"question": asked})
    assert status == 200
    assert answer["answer"] == assistant.ask(asked).text and answer["citations"]
    status, found = _post(f"{api}/search", {"question": asked, "k": 3})
    assert status == 200
    assert [p["chunk_id"] for p in found["passages"]] == [
        h.chunk.chunk_id for h in assistant.search(asked, 3)
    ]
    status, problem = _post(f"{api}/ask", {"question": "   "})
    assert status == 400 and problem["error"]


def test_the_page_retrieves_through_the_replicas(replicated, assistant):
    bot, _ = replicated
    asked = "Who leads the Global Vaccine Production Hub Task Force?"
    _, hits = bot.prepare(asked)
    assert [h.chunk.chunk_id for h in hits] == [
        h.chunk.chunk_id for h in assistant.prepare(asked)[1]
    ]
    assert bot.ask(asked).text == assistant.ask(asked).text


def test_a_replica_killed_under_twenty_sessions_loses_no_answer(replicated, tmp_path):
    bot, _ = replicated
    assert len(_replica_pids()) == 2
    server = start(bot, tmp_path / "feedback.jsonl")
    report = tmp_path / "load.json"
    try:
        clients = subprocess.Popen(
            [
                *(sys.executable, "-m", "bench.load", "--url", server.url),
                *("--server-pid", str(os.getpid())),
                *("--sessions", str(SESSIONS), "--questions", str(QUESTIONS)),
                *("--warmup", "1", "--out", str(report)),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(4)  # the sessions are asking
        victim = _replica_pids()[0]
        os.kill(victim, signal.SIGKILL)
        _, err = clients.communicate(timeout=600)
    finally:
        server.app.close()
    assert report.exists(), err[-3000:]
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert figures["errors"] == 0, figures["first_problems"]
    assert figures["questions_answered"] == SESSIONS * QUESTIONS
    assert figures["wrong_session_replies"] == 0, figures["first_problems"]
    assert figures["inconsistent_replies"] == 0
    print(f"\n{bot.resent} requests sent again after the replica {victim} was killed")
    # Ray Serve starts a replica in the killed one's place.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (victim in _replica_pids() or len(_replica_pids()) < 2):
        time.sleep(1)
    assert victim not in _replica_pids() and len(_replica_pids()) == 2
