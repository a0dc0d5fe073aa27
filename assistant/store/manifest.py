"""A build's manifest: file names, the settings an index must match, and per-file checksums.

CURRENT holds "<build name> <SHA-256 of its manifest>"; the manifest lists every file of the
build (the lexical part's too) with its size and SHA-256, so any damaged file is found on open.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path, PurePosixPath
from typing import Any

from assistant.errors import IndexStateError
from assistant.ingest.chunking import ChunkingSettings
from assistant.store.embeddings import Embedder, supports_passages

# Bump when loading, cleaning, chunking or embedding changes what a document turns into.
# 3: sentence vectors pooled from the passage's own forward pass (one model pass per passage).
# 4: runs without spaces (Chinese, Japanese) kept whole; ambiguous 8-bit text read as cp1252.
# 5: passages note where their page or section changes; short heading lines of a PDF are headings;
#    an HTML title drops the site name its main heading leaves out.
# 6: one sentence splitter for documents and questions (language/sentences.py): initials and a
#    few more abbreviations ("Prof.", "approx.", "Inc.") no longer end a sentence.
PIPELINE_VERSION = 6
POINTER = "CURRENT"
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
VECTORS = "vectors.faiss"
SENTENCES = "sentences.npy"
CORE_FILES = (CHUNKS, VECTORS, SENTENCES)
LEXICAL = "lexical"  # the folder of the lexical part inside a build
# The manifest key naming the analysis code its lexical part was made by (analysis_version()).
LEXICAL_ANALYSIS = "lexical_analysis"


def expected_settings(
    embedder: Embedder, chunking: ChunkingSettings, multilingual: str = "none"
) -> dict[str, Any]:
    """The manifest fields that must match for an index to be reused."""
    return {
        "multilingual_model": multilingual,
        "pipeline_version": PIPELINE_VERSION,
        "model": embedder.name,
        # int8 vectors must not be searched with float32 questions, nor the reverse.
        "backend": getattr(embedder, "backend", "torch"),
        "dimension": embedder.dimension,
        "chunking": asdict(chunking),
        "sentence_vectors": "in-passage" if supports_passages(embedder) else "separate",
    }


def settings_mismatch(
    manifest: dict[str, Any],
    embedder: Embedder,
    chunking: ChunkingSettings,
    multilingual: str = "none",
) -> str | None:
    """Why an index built under this manifest cannot be reused with these settings, if so."""
    for key, want in expected_settings(embedder, chunking, multilingual).items():
        # Indexes made before multilingual vectors existed have none: the same as "none".
        have = manifest.get(key, "none" if key == "multilingual_model" else None)
        if have != want:
            return f"it was built with {key}={have!r}, the settings say {want!r}"
    return None


def read_pointer(index_dir: Path) -> tuple[Path, str]:
    """The build CURRENT names and the manifest checksum it records ("" in older pointers)."""
    pointer = index_dir / POINTER
    if not pointer.exists():
        raise IndexStateError(f"no index in {index_dir}")
    try:
        name, _, manifest_sha = pointer.read_text(encoding="utf-8").strip().partition(" ")
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexStateError(f"{POINTER} unreadable ({exc})") from None
    build = index_dir / name
    if not name.startswith("build-") or "/" in name or not build.is_dir():
        raise IndexStateError(f"{POINTER} names a build that does not exist ({name!r})")
    return build, manifest_sha.strip()


def read_manifest(build: Path, manifest_sha: str) -> dict[str, Any]:
    """The build's manifest, checked against CURRENT's checksum and for its shape."""
    try:
        raw = (build / MANIFEST).read_bytes()
        if manifest_sha and hashlib.sha256(raw).hexdigest() != manifest_sha:
            raise IndexStateError(f"{MANIFEST} is corrupt (checksum mismatch)")
        manifest = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexStateError(f"manifest unreadable ({exc})") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    # Valid JSON of the wrong shape (hand edits, bit rot) is as broken as invalid JSON.
    if (
        not isinstance(files, dict)
        or not isinstance(manifest.get("documents"), dict)
        or set(CORE_FILES) - set(files)
        or not all(_plain_name(name) for name in files)
        or not all(
            isinstance(m, dict)
            and isinstance(m.get("bytes"), int)
            and isinstance(m.get("sha256"), str)
            for m in files.values()
        )
    ):
        raise IndexStateError("manifest is incomplete")
    return manifest


def _plain_name(name: str) -> bool:
    """A path inside the build: relative, with no '..' (a forged manifest names no other file)."""
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def is_lexical(name: str) -> bool:
    """Whether a manifest entry belongs to the lexical part."""
    return name.startswith(f"{LEXICAL}/")


def verify(build: Path, files: dict[str, dict[str, Any]]) -> None:
    """Raise IndexStateError naming the first listed file that is missing or not as recorded."""
    for name, meta in files.items():
        path = build / name
        if not path.is_file():
            raise IndexStateError(f"{name} is missing")
        if path.stat().st_size != meta["bytes"] or sha256(path) != meta["sha256"]:
            raise IndexStateError(f"{name} is corrupt (checksum mismatch)")


def checksums(build: Path) -> dict[str, dict[str, Any]]:
    """Size and SHA-256 of every file under the build folder (but the manifest), by path."""
    files = sorted(p for p in build.rglob("*") if p.is_file() and p != build / MANIFEST)
    return {
        p.relative_to(build).as_posix(): {"bytes": p.stat().st_size, "sha256": sha256(p)}
        for p in files
    }


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
