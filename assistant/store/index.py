"""The on-disk index: FAISS vectors, a chunk table and a manifest, written atomically.

Layout of the index folder::

    CURRENT                 name of the build in use, its manifest's SHA-256 (replaced atomically)
    build-<time>-<rand>/    manifest.json, chunks.jsonl, vectors.faiss, sentences.npy
    .lock                   held while a build is written

A build folder becomes visible only when CURRENT is replaced to name it, after every file
in it is written and synced; a crash at any moment leaves the previous build in use.
Nothing is unpickled: the chunk table is JSON lines and vectors use FAISS's own format.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant._version import __version__
from assistant.errors import IndexStateError
from assistant.ingest.chunking import Chunk, ChunkingSettings, split
from assistant.ingest.documents import Corpus, Document, load_corpus
from assistant.ingest.readers import MAX_DOCUMENT_BYTES
from assistant.language.text import plural
from assistant.store.ann import AnnSettings, build_index, index_kind, tune
from assistant.store.embeddings import Embedder, supports_passages

# Bump when loading, cleaning, chunking or embedding changes what a document turns into.
# 3: sentence vectors pooled from the passage's own forward pass (one model pass per passage).
# 4: runs without spaces (Chinese, Japanese) kept whole; ambiguous 8-bit text read as cp1252.
# 5: passages note where their page or section changes; short heading lines of a PDF are headings;
#    an HTML title drops the site name its main heading leaves out.
PIPELINE_VERSION = 5
POINTER = "CURRENT"
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
VECTORS = "vectors.faiss"
SENTENCES = "sentences.npy"
EMBED_BATCH = 256

Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


@dataclass
class SyncReport:
    """What opening the index did: documents embedded, kept, dropped, problems, and why."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_previous: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # mistakes in sources.toml
    rebuilt_because: str | None = None
    chunks_embedded: int = 0
    wrote: bool = False

    def summary(self) -> str:
        """One readable paragraph for the CLI and logs."""
        parts = []
        if self.rebuilt_because:
            parts.append(f"Rebuilt the index: {self.rebuilt_because}.")
        counts = [
            f"{len(self.added)} added",
            f"{len(self.changed)} changed",
            f"{len(self.removed)} removed",
            f"{len(self.unchanged)} unchanged",
        ]
        embedded = plural(self.chunks_embedded, "passage")
        parts.append(f"Documents: {', '.join(counts)}; {embedded} embedded.")
        if self.kept_previous:
            parts.append(
                "Could not re-read, kept the previous version: " + ", ".join(self.kept_previous)
            )
        parts.extend(f"Skipped {p}" for p in self.problems)
        parts.extend(self.warnings)
        return "\n".join(parts)


class Index:
    """Chunks and their vectors; row i of the FAISS index is chunks[i]."""

    def __init__(
        self,
        path: Path,
        manifest: dict[str, Any],
        chunks: list[Chunk],
        faiss_index: Any,
        sentence_vectors: np.ndarray,
    ) -> None:
        self.path = path
        self.manifest = manifest
        self.chunks = chunks
        self.faiss = faiss_index
        self.kind = index_kind(faiss_index)
        # Row i of sentence_vectors[sentence_offsets[c]:sentence_offsets[c + 1]] is sentence i
        # of chunk c: answers are scored sentence by sentence, where MiniLM is strongest.
        # Kept as stored (float16): half the memory, and products with a float32 question
        # vector are computed in float32 anyway.
        self.sentence_vectors = sentence_vectors
        self.sentence_offsets = np.concatenate(
            [[0], np.cumsum([len(c.sentences) for c in chunks], dtype=np.int64)]
        ).astype(np.int64)
        self.rows_by_doc: dict[str, list[int]] = {}
        for row, chunk in enumerate(chunks):
            self.rows_by_doc.setdefault(chunk.doc_id, []).append(row)

    @property
    def version(self) -> str:
        """Identifies this build (its folder name), for feedback and reports."""
        return self.path.name

    @property
    def documents(self) -> dict[str, dict[str, Any]]:
        """Per-document manifest entries: title, publisher, licence, hash, chunk count."""
        docs: dict[str, dict[str, Any]] = self.manifest["documents"]
        return docs

    def texts(self) -> dict[str, str]:
        """Each document's text, rebuilt from its passages (they are verbatim spans of it; what
        lies between two passages is space)."""
        out: dict[str, list[str]] = {}
        for chunk in self.chunks:
            text = out.setdefault(chunk.doc_id, [])
            length = len(text)
            if chunk.end > length:
                text.extend(" " * (chunk.end - length))
            text[chunk.start : chunk.end] = chunk.text
        return {doc: "".join(chars) for doc, chars in out.items()}

    def chunk_sentence_vectors(self, row: int) -> np.ndarray:
        """Vectors of one chunk's sentences, in order."""
        return self.sentence_vectors[self.sentence_offsets[row] : self.sentence_offsets[row + 1]]

    def vectors(self) -> np.ndarray:
        """All vectors, one row per chunk."""
        n = self.faiss.ntotal
        if n == 0:
            return np.zeros((0, self.manifest["dimension"]), dtype=np.float32)
        return np.asarray(self.faiss.reconstruct_n(0, n), dtype=np.float32)

    def vectors_of(self, rows: list[int]) -> np.ndarray:
        """The vectors of some rows, in the order given."""
        if not rows:
            return np.zeros((0, self.manifest["dimension"]), dtype=np.float32)
        return np.stack([self.faiss.reconstruct(int(r)) for r in rows]).astype(np.float32)

    def search(
        self, vector: np.ndarray, n: int, rows: list[int] | None = None
    ) -> tuple[list[int], list[float]]:
        """Rows and inner-product scores of the n nearest chunks, optionally among `rows` only."""
        import faiss

        if self.faiss.ntotal == 0 or n <= 0:
            return [], []
        query = np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32)
        params = None
        if rows is not None:
            if not rows:
                return [], []
            if self.kind != "flat":
                # A graph or cell walk restricted to a few documents misses most of them:
                # score those rows exactly instead (a filter names few rows).
                return _exact_among(self.vectors_of(rows), rows, query[0], n)
            selector = faiss.IDSelectorBatch(np.asarray(rows, dtype="int64"))
            params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        scores, ids = self.faiss.search(query, min(n, self.faiss.ntotal), params=params)
        keep = ids[0] >= 0
        return ids[0][keep].tolist(), scores[0][keep].tolist()


def _exact_among(
    vectors: np.ndarray, rows: list[int], query: np.ndarray, n: int
) -> tuple[list[int], list[float]]:
    scores = vectors @ query
    top = np.argsort(-scores, kind="stable")[:n]
    return [rows[i] for i in top], [float(scores[i]) for i in top]


# ---------------------------------------------------------------- opening and verifying


def expected_settings(embedder: Embedder, chunking: ChunkingSettings) -> dict[str, Any]:
    """The manifest fields that must match for an index to be reused."""
    return {
        "pipeline_version": PIPELINE_VERSION,
        "model": embedder.name,
        # int8 vectors must not be searched with float32 questions, nor the reverse.
        "backend": getattr(embedder, "backend", "torch"),
        "dimension": embedder.dimension,
        "chunking": asdict(chunking),
        "sentence_vectors": "in-passage" if supports_passages(embedder) else "separate",
    }


def read_index(index_dir: Path, ann: AnnSettings | None = None) -> Index:
    """Open the current build, verifying checksums; raise IndexStateError saying what is wrong."""
    import faiss

    pointer = index_dir / POINTER
    if not pointer.exists():
        raise IndexStateError(f"no index in {index_dir}")
    try:
        # "<build name> <sha256 of its manifest>"; older pointers hold the name only.
        name, _, manifest_sha = pointer.read_text(encoding="utf-8").strip().partition(" ")
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexStateError(f"{POINTER} unreadable ({exc})") from None
    build = index_dir / name
    if not name.startswith("build-") or "/" in name or not build.is_dir():
        raise IndexStateError(f"{POINTER} names a build that does not exist ({name!r})")
    try:
        raw = (build / MANIFEST).read_bytes()
        if manifest_sha and hashlib.sha256(raw).hexdigest() != manifest_sha.strip():
            raise IndexStateError(f"{MANIFEST} is corrupt (checksum mismatch)")
        manifest = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexStateError(f"manifest unreadable ({exc})") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    # Valid JSON of the wrong shape (hand edits, bit rot) is as broken as invalid JSON.
    if (
        not isinstance(files, dict)
        or not isinstance(manifest.get("documents"), dict)
        or {CHUNKS, VECTORS, SENTENCES} - set(files)
        or not all(
            isinstance(m, dict)
            and isinstance(m.get("bytes"), int)
            and isinstance(m.get("sha256"), str)
            for m in files.values()
        )
    ):
        raise IndexStateError("manifest is incomplete")
    for fname, meta in files.items():
        path = build / fname
        if not path.is_file():
            raise IndexStateError(f"{fname} is missing")
        if path.stat().st_size != meta["bytes"] or _sha256(path) != meta["sha256"]:
            raise IndexStateError(f"{fname} is corrupt (checksum mismatch)")
    try:
        chunks = [_chunk_from_json(line) for line in _lines(build / CHUNKS)]
        vectors = faiss.read_index(str(build / VECTORS))
        # Memory-mapped: at ~4 KB a passage they are the index's largest part, and a question
        # touches the rows of its few dozen candidates only.
        sentences = np.load(build / SENTENCES, allow_pickle=False, mmap_mode="r")
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise IndexStateError(f"index files unreadable ({exc})") from None
    if vectors.ntotal != len(chunks) or len(chunks) != manifest.get("chunk_count"):
        raise IndexStateError("vectors and chunk table disagree in size")
    if len(sentences) != sum(len(c.sentences) for c in chunks):
        raise IndexStateError("sentence vectors and chunk table disagree in size")
    tune(vectors, ann or AnnSettings())
    return Index(build, manifest, chunks, vectors, sentences)


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield line


def _chunk_from_json(line: str) -> Chunk:
    data = json.loads(line)
    data["sentences"] = tuple(tuple(s) for s in data["sentences"])
    data["places"] = tuple(tuple(p) for p in data.get("places", ()))
    return Chunk(**data)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------- building and updating


def sync_index(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    chunking: ChunkingSettings,
    *,
    rebuild: bool = False,
    progress: Progress = _no_progress,
    ann: Any = None,
    max_document_bytes: int = MAX_DOCUMENT_BYTES,
) -> tuple[Index, SyncReport]:
    """Bring the index in line with the corpus: embed only new or changed documents.

    ann is an AnnSettings (None: the defaults); typed loosely so that callers passing
    ``**{"progress": fn}`` still type-check.
    """
    ann = ann or AnnSettings()
    if not isinstance(ann, AnnSettings):
        raise TypeError(f"ann must be AnnSettings, not {type(ann).__name__}")
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexStateError(f"the index folder {index_dir} is a file; choose a folder")
    corpus = load_corpus(corpus_dir, max_document_bytes)
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a parent that is a file, no permission, a read-only disk
        reason = exc.strerror or type(exc).__name__
        raise IndexStateError(f"cannot create the index folder {index_dir}: {reason}") from None
    with _build_lock(index_dir):
        report = SyncReport(problems=[p.reason for p in corpus.problems], warnings=corpus.warnings)
        previous: Index | None = None
        if rebuild:
            report.rebuilt_because = "a rebuild was requested"
        else:
            try:
                previous = read_index(index_dir, ann)
            except IndexStateError as exc:
                if (index_dir / POINTER).exists():
                    report.rebuilt_because = str(exc)
            if previous is not None:
                mismatch = _settings_mismatch(previous.manifest, embedder, chunking)
                if mismatch:
                    report.rebuilt_because = mismatch
                    previous = None
        index = _update(index_dir, corpus, previous, embedder, chunking, report, progress, ann)
        _remove_stale_builds(index_dir, keep=index.path.name)
    return index, report


def _settings_mismatch(
    manifest: dict[str, Any], embedder: Embedder, chunking: ChunkingSettings
) -> str | None:
    for key, want in expected_settings(embedder, chunking).items():
        have = manifest.get(key)
        if have != want:
            return f"it was built with {key}={have!r}, the settings say {want!r}"
    return None


def _update(
    index_dir: Path,
    corpus: Corpus,
    previous: Index | None,
    embedder: Embedder,
    chunking: ChunkingSettings,
    report: SyncReport,
    progress: Progress,
    ann: AnnSettings,
) -> Index:
    old_docs = previous.documents if previous else {}
    old_rows = previous.rows_by_doc if previous else {}
    new_docs: list[Document] = []
    for doc in corpus.documents:
        old = old_docs.get(doc.doc_id)
        if old is None:
            report.added.append(doc.doc_id)
            new_docs.append(doc)
        elif old["content_hash"] != doc.content_hash:
            report.changed.append(doc.doc_id)
            new_docs.append(doc)
        else:
            report.unchanged.append(doc.doc_id)
    present = {d.doc_id for d in corpus.documents}
    failed = {p.file for p in corpus.problems}
    for doc_id in old_docs:
        if doc_id in present:
            continue
        if doc_id in failed:  # unreadable now: keep what we had rather than lose it
            report.kept_previous.append(doc_id)
            report.unchanged.append(doc_id)
        else:
            report.removed.append(doc_id)
    if previous is not None and not new_docs and not report.removed:
        return previous

    kept_ids = list(report.unchanged)
    old_vectors = previous.vectors() if previous and kept_ids else None
    # One entry per passage: (chunk, its vector, its sentences' vectors).
    rows: list[tuple[Chunk, np.ndarray, np.ndarray]] = []
    doc_meta: dict[str, dict[str, Any]] = {}
    for doc_id in kept_ids:
        assert previous is not None and old_vectors is not None
        for r in old_rows.get(doc_id, []):
            rows.append((previous.chunks[r], old_vectors[r], previous.chunk_sentence_vectors(r)))
        doc_meta[doc_id] = old_docs[doc_id]

    fresh: list[Chunk] = []
    for i, doc in enumerate(new_docs):
        progress("chunking", i, len(new_docs))
        doc_chunks = split(doc, embedder, chunking)
        fresh.extend(doc_chunks)
        doc_meta[doc.doc_id] = {
            "content_hash": doc.content_hash,
            "chunks": len(doc_chunks),
            **doc.source.to_dict(),
        }
    progress("chunking", len(new_docs), len(new_docs))
    if supports_passages(embedder):
        fresh_vectors, fresh_sentences = _embed_passages(embedder, fresh, progress)
    else:
        fresh_vectors = _embed(embedder, [c.text for c in fresh], progress)
        # Overlapping chunks repeat sentences: embed each distinct sentence once.
        distinct = list(dict.fromkeys(s for c in fresh for s in c.sentence_texts()))
        by_text = dict(
            zip(distinct, _embed(embedder, distinct, progress, "sentences"), strict=True)
        )
        fresh_sentences = [
            np.stack([by_text[s] for s in c.sentence_texts()])
            if c.sentences
            else np.zeros((0, embedder.dimension), np.float32)
            for c in fresh
        ]
    rows.extend(zip(fresh, fresh_vectors, fresh_sentences, strict=True))
    report.chunks_embedded = len(fresh)
    # Rows in corpus order, as a full rebuild lays them out: an update then gives the very
    # same index (ties between equal scores break the same way).
    position = {d.doc_id: i for i, d in enumerate(corpus.documents)}
    rows.sort(key=lambda row: (position.get(row[0].doc_id, len(position)), row[0].doc_id))
    chunks = [row[0] for row in rows]
    dim = embedder.dimension
    vectors = np.stack([row[1] for row in rows]) if rows else np.zeros((0, dim), np.float32)
    with_sentences = [row[2] for row in rows if len(row[2])]
    sentence_vectors = (
        np.concatenate(with_sentences) if with_sentences else np.zeros((0, dim), np.float32)
    )

    manifest: dict[str, Any] = {
        **expected_settings(embedder, chunking),
        "package_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "max_tokens": embedder.max_tokens,
        "chunk_count": len(chunks),
        "documents": dict(sorted(doc_meta.items())),
    }
    _write_build(index_dir, manifest, chunks, vectors, sentence_vectors, ann)
    report.wrote = True
    return read_index(index_dir, ann)


def _embed_passages(
    embedder: Embedder, chunks: list[Chunk], progress: Progress
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Passage vectors and in-passage sentence vectors, one model pass per passage."""
    vectors: list[np.ndarray] = []
    sentences: list[np.ndarray] = []
    embed = embedder.embed_passages  # type: ignore[attr-defined]
    for start in range(0, len(chunks), EMBED_BATCH):
        progress("embedding", start, len(chunks))
        batch = chunks[start : start + EMBED_BATCH]
        v, s = embed([c.text for c in batch], [c.sentences for c in batch])
        vectors.append(v)
        sentences.extend(s)
    progress("embedding", len(chunks), len(chunks))
    if not vectors:
        return np.zeros((0, embedder.dimension), dtype=np.float32), []
    return np.concatenate(vectors), sentences


def _embed(
    embedder: Embedder, texts: list[str], progress: Progress, stage: str = "embedding"
) -> np.ndarray:
    out = []
    for start in range(0, len(texts), EMBED_BATCH):
        progress(stage, start, len(texts))
        out.append(embedder.embed_documents(texts[start : start + EMBED_BATCH]))
    progress(stage, len(texts), len(texts))
    if not out:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    return np.concatenate(out)


def _write_build(
    index_dir: Path,
    manifest: dict[str, Any],
    chunks: list[Chunk],
    vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    ann: AnnSettings,
) -> Path:
    import faiss

    name = f"build-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
    tmp = index_dir / f".tmp-{name}"
    tmp.mkdir()
    try:
        vectors = vectors.reshape(-1, manifest["dimension"])
        vector_index = build_index(vectors, ann)
        manifest["vector_index"] = index_kind(vector_index)
        faiss.write_index(vector_index, str(tmp / VECTORS))
        np.save(tmp / SENTENCES, sentence_vectors.astype(np.float16), allow_pickle=False)
        with (tmp / CHUNKS).open("w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(json.dumps(asdict(chunk), ensure_ascii=False) + "\n")
        manifest["files"] = {
            fname: {"bytes": (tmp / fname).stat().st_size, "sha256": _sha256(tmp / fname)}
            for fname in (VECTORS, SENTENCES, CHUNKS)
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), "utf-8")
        for fname in (VECTORS, SENTENCES, CHUNKS, MANIFEST):
            _fsync(tmp / fname)
        build = index_dir / name
        tmp.rename(build)
        _fsync_dir(index_dir)
        _replace_pointer(index_dir, f"{name} {_sha256(build / MANIFEST)}")
        return build
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _replace_pointer(index_dir: Path, content: str) -> None:
    tmp = index_dir / f".{POINTER}.{secrets.token_hex(4)}"
    tmp.write_text(content + "\n", encoding="utf-8")
    _fsync(tmp)
    os.replace(tmp, index_dir / POINTER)
    _fsync_dir(index_dir)


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


def _remove_stale_builds(index_dir: Path, keep: str) -> None:
    # Only called under the build lock, so no other writer's temp folder is removed.
    for entry in index_dir.iterdir():
        stale_build = entry.name.startswith("build-") and entry.name != keep
        if entry.is_dir() and (stale_build or entry.name.startswith(".tmp-")):
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.is_file() and entry.name.startswith(f".{POINTER}."):
            entry.unlink(missing_ok=True)


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    with (index_dir / ".lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
