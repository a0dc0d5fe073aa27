"""The on-disk index, read: FAISS vectors, a chunk table, sentence vectors and the lexical part.

Layout of the index folder::

    CURRENT                 name of the build in use, its manifest's SHA-256 (replaced atomically)
    build-<time>-<rand>/    manifest.json, chunks.jsonl, vectors.faiss, sentences.npy, lexical/
    .lock                   held while a build is written

Opening an index only reads: every file is checked against the manifest's checksums, and
anything missing, damaged or made by other code is an IndexStateError for the sync step
(store.sync) to repair. Nothing is unpickled: the chunk table is JSON lines, vectors use
FAISS's own format and arrays are loaded with allow_pickle=False.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import IndexStateError
from assistant.ingest.chunking import Chunk
from assistant.store.ann import AnnSettings, index_kind, tune
from assistant.store.lexical import Lexical, analysis_version, load_lexical
from assistant.store.manifest import (
    CHUNKS,
    LEXICAL,
    LEXICAL_ANALYSIS,
    MANIFEST,
    POINTER,
    SENTENCES,
    VECTORS,
    is_lexical,
    read_manifest,
    read_pointer,
    verify,
)
from assistant.store.multilingual import (
    MULTILINGUAL,
    MULTILINGUAL_FILES,
    MULTILINGUAL_SENTENCES,
    MULTILINGUAL_VOCABULARY,
    MULTILINGUAL_WORDS,
    MultilingualVectors,
    WordVectors,
)

# Imported from here by callers that predate store.manifest.
__all__ = [
    "CHUNKS",
    "MANIFEST",
    "POINTER",
    "SENTENCES",
    "VECTORS",
    "Index",
    "read_index",
]


class Index:
    """Chunks and their vectors; row i of the FAISS index is chunks[i]."""

    def __init__(
        self,
        path: Path,
        manifest: dict[str, Any],
        chunks: list[Chunk],
        faiss_index: Any,
        sentence_vectors: np.ndarray,
        multilingual: tuple[np.ndarray, np.ndarray, WordVectors] | None = None,
    ) -> None:
        self.path = path
        # Row i: chunk i's vector by the multilingual model (store/multilingual.py), if any;
        # its sentences' vectors lie at the same offsets as MiniLM's sentence vectors.
        self.multilingual: np.ndarray | None = multilingual[0] if multilingual else None
        self.multilingual_sentences: np.ndarray | None = multilingual[1] if multilingual else None
        self.multilingual_words: WordVectors | None = multilingual[2] if multilingual else None
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
        self._lexical: Lexical | None = None  # read by read_lexical()

    @property
    def lexical(self) -> Lexical:
        """BM25, term statistics, abbreviations and words, as stored in the build."""
        if self._lexical is None:
            raise IndexStateError(f"{self.version} was opened without its lexical part")
        return self._lexical

    def read_lexical(self) -> Lexical:
        """Read and keep the build's lexical part; IndexStateError when it is absent, made by
        other analysis code, or damaged."""
        made_by = self.manifest.get(LEXICAL_ANALYSIS)
        if made_by is None:
            raise IndexStateError("the index has no lexical part (it was made by an older version)")
        if made_by != analysis_version():
            raise IndexStateError("the index's lexical part was made by other analysis code")
        verify(self.path, {n: m for n, m in self.manifest["files"].items() if is_lexical(n)})
        try:
            self._lexical = load_lexical(self.path / LEXICAL, len(self.chunks))
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise IndexStateError(f"lexical part unreadable ({exc})") from None
        return self._lexical

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

    def chunk_multilingual_sentences(self, row: int) -> np.ndarray:
        """Multilingual vectors of one chunk's sentences, in order."""
        if self.multilingual_sentences is None:
            raise IndexStateError("this index has no multilingual vectors")
        a, b = self.sentence_offsets[row], self.sentence_offsets[row + 1]
        return self.multilingual_sentences[a:b]

    def chunk_multilingual(self, row: int) -> MultilingualVectors:
        """One chunk's multilingual passage and sentence vectors."""
        if self.multilingual is None:
            raise IndexStateError("this index has no multilingual vectors")
        return MultilingualVectors(self.multilingual[row], self.chunk_multilingual_sentences(row))

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


def read_index(index_dir: Path, ann: AnnSettings | None = None, *, lexical: bool = True) -> Index:
    """Open the current build, verifying checksums; raise IndexStateError saying what is wrong.

    lexical=False leaves the lexical part unread and unchecked: the sync step reads it apart.
    """
    import faiss

    build, manifest_sha = read_pointer(index_dir)
    manifest = read_manifest(build, manifest_sha)
    verify(build, {n: m for n, m in manifest["files"].items() if not is_lexical(n)})
    files = manifest["files"]
    if MULTILINGUAL in files and not set(MULTILINGUAL_FILES) <= set(files):
        raise IndexStateError("its multilingual part lacks sentence or word vectors (older)")
    try:
        chunks = [_chunk_from_json(line) for line in _lines(build / CHUNKS)]
        vectors = faiss.read_index(str(build / VECTORS))
        # Memory-mapped: at ~4 KB a passage they are the index's largest part, and a question
        # touches the rows of its few dozen candidates only.
        sentences = np.load(build / SENTENCES, allow_pickle=False, mmap_mode="r")
        multilingual = (
            (
                np.load(build / MULTILINGUAL, allow_pickle=False, mmap_mode="r"),
                np.load(build / MULTILINGUAL_SENTENCES, allow_pickle=False, mmap_mode="r"),
                _word_vectors(build),
            )
            if MULTILINGUAL in files
            else None
        )
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise IndexStateError(f"index files unreadable ({exc})") from None
    if vectors.ntotal != len(chunks) or len(chunks) != manifest.get("chunk_count"):
        raise IndexStateError("vectors and chunk table disagree in size")
    if len(sentences) != sum(len(c.sentences) for c in chunks):
        raise IndexStateError("sentence vectors and chunk table disagree in size")
    if multilingual is not None and (
        len(multilingual[0]) != len(chunks)
        or len(multilingual[1]) != len(sentences)
        or len(multilingual[2].words) != len(multilingual[2].vectors)
    ):
        raise IndexStateError("multilingual vectors and chunk table disagree in size")
    tune(vectors, ann or AnnSettings())
    index = Index(build, manifest, chunks, vectors, sentences, multilingual)
    if lexical:
        index.read_lexical()
    return index


def _word_vectors(build: Path) -> WordVectors:
    words = (build / MULTILINGUAL_VOCABULARY).read_text(encoding="utf-8").split()
    # Read whole and as float32: a question compares its words with every row.
    vectors = np.load(build / MULTILINGUAL_WORDS, allow_pickle=False).astype(np.float32)
    return WordVectors(tuple(words), vectors)


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
