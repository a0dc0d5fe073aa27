"""`assistant serve` for real: a subprocess on a free port, over the shared test index."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assistant.api import Assistant

pytestmark = pytest.mark.slow


def test_serve_on_all_interfaces_warns_without_login_and_serves(
    assistant: Assistant, tmp_path: Path
) -> None:
    from tests._app_fixtures import free_port

    port = free_port()
    command = Path(sys.executable).with_name("assistant")
    env = {
        **os.environ,
        "ASSISTANT_FEEDBACK_PATH": str(tmp_path / "feedback.jsonl"),
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    for name in ("ASSISTANT_APP_USERNAME", "ASSISTANT_APP_PASSWORD", "ASSISTANT_AUTH_FILE"):
        env.pop(name, None)
    server = subprocess.Popen(
        [
            str(command),
            "serve",
            "--corpus",
            str(assistant.settings.corpus_dir),
            "--index",
            str(assistant.settings.index_dir),
            "--host",
            "0.0.0.0",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        page = _wait_for_page(f"http://127.0.0.1:{port}/", server, timeout=120)
        assert "Local production assistant" in page
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    assert "warning: serving on 0.0.0.0 without a login" in stderr
    assert f"feedback is saved to {tmp_path / 'feedback.jsonl'}" in stderr
    assert "Traceback" not in stderr


def test_serve_with_half_a_login_is_a_one_line_error(assistant: Assistant) -> None:
    env = {**os.environ, "ASSISTANT_APP_USERNAME": "chair"}
    env.pop("ASSISTANT_APP_PASSWORD", None)
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("assistant")),
            "serve",
            "--corpus",
            str(assistant.settings.corpus_dir),
            "--index",
            str(assistant.settings.index_dir),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 1
    assert result.stderr.strip().endswith(
        "error: Set both ASSISTANT_APP_USERNAME and ASSISTANT_APP_PASSWORD, or neither."
    )
    assert "Traceback" not in result.stderr


def _wait_for_page(url: str, server: subprocess.Popen[str], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"assistant serve exited with {server.returncode}")
        try:
            response = httpx.get(url, timeout=5)
            if response.status_code == 200:
                return response.text
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("assistant serve did not answer in time")
