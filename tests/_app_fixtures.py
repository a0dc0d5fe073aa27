"""Fixtures for the app tests: real Gradio servers on free localhost ports, a real Chromium.

Import the fixtures you use into a test module (pytest finds them there); conftest.py stays
shared and untouched.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from assistant.api import Assistant
from assistant.chat.feedback import FeedbackLog
from assistant.interfaces import access
from assistant.interfaces.web import app as web
from assistant.settings import load_settings
from assistant.store.embeddings import SentenceTransformerEmbedder

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
LOGIN = ("delegate", "correct horse battery")
# A document that tries to run code in the page: every form must show up as text.
HOSTILE_TEXT = """Zebra depot bulletin

The zebra vaccine depot in Quillborough keeps <img src=x onerror="window.__xss='img'"> twelve
freezers for regional vaccine stock. The depot manager is <script>window.__xss='script'</script>
Dr Ada Quill, who reports to the <b onmouseover="window.__xss='hover'">regional board</b>.
"""


@dataclass
class Server:
    """A running app: its URL, its feedback file, and the Blocks to close."""

    url: str
    feedback: FeedbackLog
    app: Any
    assistant: Assistant
    login: tuple[str, str] | None = None


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(assistant: Assistant, feedback_path: Path, **launch_kwargs: Any) -> Server:
    """Build and launch the app for real, on 127.0.0.1, without blocking."""
    feedback = FeedbackLog(feedback_path)
    demo = web.build_app(assistant, feedback=feedback)
    options = {**web.launch_options(), **launch_kwargs}
    _, local_url, _ = demo.launch(
        prevent_thread_lock=True,
        server_name="127.0.0.1",
        server_port=free_port(),
        quiet=True,
        **options,
    )
    return Server(local_url, feedback, demo, assistant)


@pytest.fixture(scope="session")
def app_server(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app over the shared corpus index, with its own feedback file."""
    server = start(assistant, tmp_path_factory.mktemp("feedback") / "feedback.jsonl")
    try:
        yield server
    finally:
        server.app.close()


@pytest.fixture(scope="session")
def hostile_server(
    embedder: SentenceTransformerEmbedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The app over a one-document corpus full of HTML that tries to run code."""
    corpus = tmp_path_factory.mktemp("hostile-corpus")
    (corpus / "zebra-depot.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    assistant = Assistant.open(
        index_dir=tmp_path_factory.mktemp("hostile-index"), corpus_dir=corpus, embedder=embedder
    )
    server = start(assistant, tmp_path_factory.mktemp("hostile-feedback") / "f.jsonl")
    try:
        yield server
    finally:
        server.app.close()


@pytest.fixture(scope="session")
def login_server(
    assistant: Assistant, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The app behind a login read from a file named by ASSISTANT_AUTH_FILE."""
    auth_file = tmp_path_factory.mktemp("auth") / "logins.txt"
    auth_file.write_text(f"# who may log in\n{LOGIN[0]}:{LOGIN[1]}\n", encoding="utf-8")
    old = os.environ.get("ASSISTANT_AUTH_FILE")
    os.environ["ASSISTANT_AUTH_FILE"] = str(auth_file)
    try:
        auth = access.load_auth(load_settings())
    finally:
        if old is None:
            os.environ.pop("ASSISTANT_AUTH_FILE", None)
        else:
            os.environ["ASSISTANT_AUTH_FILE"] = old
    server = start(assistant, tmp_path_factory.mktemp("login-feedback") / "f.jsonl", auth=auth)
    server.login = LOGIN
    try:
        yield server
    finally:
        server.app.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    # Module scope: Playwright's sync API keeps an event loop running in this thread while
    # it is open, which would stop later asyncio tests (LangChain's ainvoke) from running.
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (as .ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser session (its own cookies, so its own conversation); screenshot after."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    tab = context.new_page()
    tab.requested_hosts = set()
    tab.on("request", lambda r: tab.requested_hosts.add(host_of(r.url)))
    try:
        yield tab
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        try:
            tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        finally:
            context.close()


def host_of(url: str) -> str:
    """The host:port of a URL ('' for data: and blob: URLs)."""
    match = re.match(r"^[a-z]+://([^/]+)", url)
    return match.group(1) if match else ""


@pytest.fixture(scope="session")
def multilingual_server(
    multilingual: Assistant, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The app over the corpus index with multilingual vectors: examples in six languages."""
    server = start(multilingual, tmp_path_factory.mktemp("multilingual-feedback") / "f.jsonl")
    try:
        yield server
    finally:
        server.app.close()
