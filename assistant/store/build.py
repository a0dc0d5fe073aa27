"""Writing a build: its files in a temporary folder, listed with checksums, then switched to.

A build folder becomes visible only when CURRENT is replaced to name it, after every file in
it (the lexical part's too) is written, listed in the manifest and synced; a crash at any
moment leaves the previous build in use.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import IndexStateError
from assistant.ingest.chunking import Chunk
from assistant.store.ann import AnnSettings, build_index, index_kind
from assistant.store.lexical import analysis_version, build_lexical, save_lexical
from assistant.store.manifest import (
    CHUNKS,
    CORE_FILES,
    LEXICAL,
    LEXICAL_ANALYSIS,
    MANIFEST,
    POINTER,
    SENTENCES,
    VECTORS,
    checksums,
    sha256,
)
from assistant.store.multilingual import (
    MULTILINGUAL,
    MULTILINGUAL_FILES,
    MULTILINGUAL_SENTENCES,
    MULTILINGUAL_VOCABULARY,
    MULTILINGUAL_WORDS,
    WordVectors,
)


def write_build(index_dir: Path, manifest: dict[str, Any], fill: Callable[[Path], None]) -> Path:
    """Make a new build current: fill(folder) writes its files, then every one is listed in the
    manifest with its checksum and synced before CURRENT names the build."""
    name = f"build-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
    tmp = index_dir / f".tmp-{name}"
    try:
        tmp.mkdir()
        fill(tmp)
        manifest["files"] = checksums(tmp)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), "utf-8")
        _fsync_tree(tmp)
        build = index_dir / name
        tmp.rename(build)
        _fsync_dir(index_dir)
        _replace_pointer(index_dir, f"{name} {sha256(build / MANIFEST)}")
        return build
    except OSError as exc:  # a full disk, a read-only folder: one line, the old build stays
        shutil.rmtree(tmp, ignore_errors=True)
        reason = exc.strerror or type(exc).__name__
        raise IndexStateError(f"cannot write the index in {index_dir}: {reason}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_core(
    folder: Path,
    manifest: dict[str, Any],
    chunks: list[Chunk],
    vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    ann: AnnSettings,
    multilingual: tuple[np.ndarray, np.ndarray, WordVectors] | None = None,
) -> None:
    """The vector index, sentence vectors, chunk table and (if any) multilingual passage,
    sentence and word vectors of a build."""
    import faiss

    vector_index = build_index(vectors.reshape(-1, manifest["dimension"]), ann)
    manifest["vector_index"] = index_kind(vector_index)
    faiss.write_index(vector_index, str(folder / VECTORS))
    np.save(folder / SENTENCES, sentence_vectors.astype(np.float16), allow_pickle=False)
    if multilingual is not None:
        passages, sentences, words = multilingual
        arrays = (MULTILINGUAL, passages), (MULTILINGUAL_SENTENCES, sentences)
        for name, array in (*arrays, (MULTILINGUAL_WORDS, words.vectors)):
            np.save(folder / name, array.astype(np.float16), allow_pickle=False)
        text = "".join(f"{w}\n" for w in words.words)
        (folder / MULTILINGUAL_VOCABULARY).write_text(text, encoding="utf-8")
    with (folder / CHUNKS).open("w", encoding="utf-8") as fh:
        for chunk in chunks:
            fh.write(json.dumps(asdict(chunk), ensure_ascii=False) + "\n")


def link_core(folder: Path, previous: Path) -> None:
    """A previous build's vector index, sentence vectors and chunk table, byte for byte."""
    for name in (*CORE_FILES, *MULTILINGUAL_FILES):
        if not (previous / name).exists():  # no multilingual vectors in that build
            continue
        try:  # builds are never changed in place, so sharing the files is safe
            os.link(previous / name, folder / name)
        except OSError:
            shutil.copyfile(previous / name, folder / name)


def write_lexical(folder: Path, manifest: dict[str, Any], chunks: list[Chunk]) -> None:
    """Analyse the passages and save BM25, term statistics, abbreviations and words."""
    save_lexical(build_lexical(chunks), folder / LEXICAL)
    manifest[LEXICAL_ANALYSIS] = analysis_version()


def _replace_pointer(index_dir: Path, content: str) -> None:
    tmp = index_dir / f".{POINTER}.{secrets.token_hex(4)}"
    tmp.write_text(content + "\n", encoding="utf-8")
    _fsync(tmp)
    os.replace(tmp, index_dir / POINTER)
    _fsync_dir(index_dir)


def _fsync_tree(folder: Path) -> None:
    # Files first, then the folders that name them, deepest first.
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir():
            _fsync_dir(path)
        else:
            _fsync(path)
    _fsync_dir(folder)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_builds(index_dir: Path, keep: str) -> None:
    """Remove every build but `keep`, and temporary files a killed writer left."""
    # Only called under the build lock, so no other writer's temp folder is removed.
    for entry in index_dir.iterdir():
        stale_build = entry.name.startswith("build-") and entry.name != keep
        if entry.is_dir() and (stale_build or entry.name.startswith(".tmp-")):
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.is_file() and entry.name.startswith(f".{POINTER}."):
            entry.unlink(missing_ok=True)


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index folder's write lock: one writer at a time."""
    with (index_dir / ".lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
