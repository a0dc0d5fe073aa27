"""Damage each index file in turn: detected on open with a clear message, then rebuilt.

Also: nothing that can run code (pickle) is ever loaded from the index folder.
"""

from __future__ import annotations

import ast
import hashlib
import json
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.api import Assistant
from assistant.errors import IndexStateError
from assistant.store.index import read_index
from assistant.store.manifest import CHUNKS, LEXICAL, MANIFEST, POINTER, SENTENCES, VECTORS
from tests._crash_fixtures import Reference, index_entries, write_corpus

PACKAGE = Path(__file__).resolve().parents[2] / "assistant"
FILES = [MANIFEST, CHUNKS, VECTORS, SENTENCES]
BM25 = f"{LEXICAL}/bm25/data.csc.index.npy"
LEXICAL_FILES = [BM25, f"{LEXICAL}/stats.json", f"{LEXICAL}/abbreviations.json"]


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory, embedder) -> dict[str, object]:
    """A clean index of a small corpus, to copy and damage."""
    root = tmp_path_factory.mktemp("corruption")
    corpus = write_corpus(root / "corpus", after=True)
    bot = Assistant.open(index_dir=root / "index", corpus_dir=corpus, embedder=embedder)
    return {"corpus": corpus, "index": root / "index", "ref": Reference.of(bot), "bot": bot}


def _copy(clean: dict, tmp_path: Path) -> tuple[Path, Path]:
    index_dir = tmp_path / "index"
    shutil.copytree(clean["index"], index_dir)
    build = read_index(index_dir).path
    return index_dir, build


def _damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "flip":
        for at in (len(data) // 3, len(data) // 2, 2 * len(data) // 3):
            data[at] ^= 0x5A
        path.write_bytes(bytes(data))
    elif how == "truncate":
        path.write_bytes(bytes(data[: len(data) // 2]))
    elif how == "empty":
        path.write_bytes(b"")
    else:
        path.unlink()


def _rewrite_manifest(build: Path, manifest: dict) -> None:
    """Write a manifest and the matching checksum in CURRENT, so only its content is tested."""
    data = json.dumps(manifest).encode("utf-8")
    (build / MANIFEST).write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    (build.parent / POINTER).write_text(f"{build.name} {digest}\n", encoding="utf-8")


def _recovers(clean: dict, index_dir: Path, embedder) -> None:
    """The next open says why it rebuilt, and ends with exactly the clean result."""
    bot = Assistant.open(index_dir=index_dir, corpus_dir=clean["corpus"], embedder=embedder)
    assert bot.report.rebuilt_because and bot.report.wrote
    assert f"Rebuilt the index: {bot.report.rebuilt_because}." in bot.report.summary()
    assert Reference.of(bot).same(clean["ref"])
    assert index_entries(index_dir) == sorted([POINTER, ".lock", bot.index.version])


@pytest.mark.parametrize("how", ["flip", "truncate", "empty", "delete"])
@pytest.mark.parametrize("name", FILES)
def test_damaged_index_file_is_detected_and_rebuilt(clean, tmp_path, embedder, name, how) -> None:
    index_dir, build = _copy(clean, tmp_path)
    _damage(build / name, how)
    with pytest.raises(IndexStateError) as info:
        read_index(index_dir)
    message = str(info.value)
    assert "\n" not in message and (name in message or "manifest" in message), message
    _recovers(clean, index_dir, embedder)


@pytest.mark.parametrize("how", ["flip", "truncate", "empty", "delete"])
@pytest.mark.parametrize("name", LEXICAL_FILES)
def test_damaged_lexical_file_is_detected_and_renewed(clean, tmp_path, embedder, name, how) -> None:
    index_dir, build = _copy(clean, tmp_path)
    _damage(build / name, how)
    with pytest.raises(
        IndexStateError, match=rf"^{name} is (corrupt \(checksum mismatch\)|missing)$"
    ):
        read_index(index_dir)
    # Only the lexical part is made anew: the passages are not embedded again.
    bot = Assistant.open(index_dir=index_dir, corpus_dir=clean["corpus"], embedder=embedder)
    assert name in (bot.report.lexical_because or "") and bot.report.wrote
    assert not bot.report.rebuilt_because and not bot.report.chunks_embedded
    assert Reference.of(bot).same(clean["ref"])
    assert index_entries(index_dir) == sorted([POINTER, ".lock", bot.index.version])


@pytest.mark.parametrize(
    "content",
    [b"", b"\xff\xfe\x00garbage\n", b"build-../../etc\n", b"../outside\n", b"build-gone\n"],
)
def test_damaged_pointer_is_detected_and_rebuilt(clean, tmp_path, embedder, content) -> None:
    index_dir, _ = _copy(clean, tmp_path)
    (index_dir / POINTER).write_bytes(content)
    with pytest.raises(IndexStateError, match=POINTER):
        read_index(index_dir)
    _recovers(clean, index_dir, embedder)


def test_deleted_pointer_means_no_index_and_a_fresh_build(clean, tmp_path, embedder) -> None:
    index_dir, _ = _copy(clean, tmp_path)
    (index_dir / POINTER).unlink()
    with pytest.raises(IndexStateError, match=r"^no index in "):
        read_index(index_dir)
    bot = Assistant.open(index_dir=index_dir, corpus_dir=clean["corpus"], embedder=embedder)
    assert Reference.of(bot).same(clean["ref"])
    # The orphaned build is cleaned away: one build remains.
    assert index_entries(index_dir) == sorted([POINTER, ".lock", bot.index.version])


@pytest.mark.parametrize(
    "edit",
    [
        lambda m: m["files"][CHUNKS].pop("sha256"),
        lambda m: m["files"].update({CHUNKS: "not a table"}),
        lambda m: m.update(files=["a list"]),
        lambda m: m.update(chunk_count="many"),
        lambda m: m.pop("documents"),
        lambda m: m["files"].pop(VECTORS),
        lambda m: m["files"].update({"../outside": m["files"][CHUNKS]}),
    ],
    ids=[
        "no checksum",
        "entry not a table",
        "files not a table",
        "count not a number",
        "no documents",
        "vectors not listed",
        "a file outside the build",
    ],
)
def test_malformed_manifest_is_an_index_error(clean, tmp_path, embedder, edit) -> None:
    # Valid JSON, wrong shape: still a clear IndexStateError, never a KeyError or TypeError.
    index_dir, build = _copy(clean, tmp_path)
    manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
    edit(manifest)
    _rewrite_manifest(build, manifest)
    with pytest.raises(IndexStateError, match=r"manifest|disagree"):
        read_index(index_dir)
    _recovers(clean, index_dir, embedder)


def test_flipped_title_in_manifest_is_detected(clean, tmp_path) -> None:
    # Valid JSON, right shape, checksums of the other files intact: only CURRENT's copy of
    # the manifest's SHA-256 tells.
    index_dir, build = _copy(clean, tmp_path)
    text = (build / MANIFEST).read_text(encoding="utf-8")
    title = next(iter(json.loads(text)["documents"].values()))["title"]
    (build / MANIFEST).write_text(text.replace(title, title.swapcase()), encoding="utf-8")
    with pytest.raises(IndexStateError, match=r"^manifest.json is corrupt \(checksum mismatch\)$"):
        read_index(index_dir)


# ---------------------------------------------------------------- nothing executes code


class _Payload:
    """Unpickling this writes a marker file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "code ran"))


def _forge(build: Path, name: str, data: bytes) -> None:
    """Replace a file and fix every checksum, as an attacker with write access could."""
    (build / name).write_bytes(data)
    manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"][name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    _rewrite_manifest(build, manifest)


@pytest.mark.parametrize("name", [SENTENCES, VECTORS, CHUNKS, BM25])
def test_pickles_in_the_index_folder_are_never_loaded(clean, tmp_path, name) -> None:
    index_dir, build = _copy(clean, tmp_path)
    marker = tmp_path / "pwned"
    if name in (SENTENCES, BM25):
        # An object array in .npy format: np.load runs the pickle only if allow_pickle=True.
        path = tmp_path / "evil.npy"
        np.save(path, np.array([_Payload(marker)], dtype=object), allow_pickle=True)
        data = path.read_bytes()
    else:
        data = pickle.dumps(_Payload(marker))
    _forge(build, name, data)
    with pytest.raises(IndexStateError):
        read_index(index_dir)
    assert not marker.exists()


def test_no_module_loads_pickle_or_other_code_formats() -> None:
    # Modules that can run code while loading data; np.load must always refuse pickles.
    banned = {"pickle", "cPickle", "dill", "joblib", "shelve", "marshal", "cloudpickle"}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names]
                module = node.module if isinstance(node, ast.ImportFrom) else None
                for name in [*names, module or ""]:
                    assert name.split(".")[0] not in banned, f"{path.name} imports {name}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                call = node.func.attr
                if call == "load" and getattr(node.func.value, "id", "") in {"np", "numpy"}:
                    kwargs = {k.arg: k.value for k in node.keywords}
                    flag = kwargs.get("allow_pickle")
                    assert isinstance(flag, ast.Constant) and flag.value is False, path.name
                assert call not in {"torch_load", "read_pickle"}, f"{path.name}: {call}"
