"""Bringing the index in line with the corpus: embed new or changed documents only, then write.

Every write makes a whole new build (store.build): the kept passages' vectors, the new ones,
and the lexical part analysed anew over all passages (it is corpus-wide). An index whose
lexical part is absent (an older version made it), made by other analysis code or damaged
gets a new one around its unchanged vectors, with a message; readers never write.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from assistant._version import __version__
from assistant.errors import IndexStateError
from assistant.ingest.chunking import Chunk, ChunkingSettings, split
from assistant.ingest.documents import Corpus, Document, load_corpus
from assistant.ingest.readers import MAX_DOCUMENT_BYTES
from assistant.store.ann import AnnSettings
from assistant.store.build import (
    build_lock,
    link_core,
    remove_stale_builds,
    write_build,
    write_core,
    write_lexical,
)
from assistant.store.embeddings import Embedder, supports_passages
from assistant.store.index import Index, read_index
from assistant.store.manifest import POINTER, expected_settings, settings_mismatch
from assistant.store.multilingual import (
    MultilingualEmbedder,
    MultilingualVectors,
    corpus_words,
    embed_chunks,
    embed_words,
)
from assistant.store.report import Progress, SyncReport, no_progress

EMBED_BATCH = 256


def sync_index(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    chunking: ChunkingSettings,
    *,
    rebuild: bool = False,
    progress: Progress = no_progress,
    ann: Any = None,
    max_document_bytes: int = MAX_DOCUMENT_BYTES,
    multilingual: MultilingualEmbedder | None = None,
) -> tuple[Index, SyncReport]:
    """Bring the index in line with the corpus: embed only new or changed documents, and give
    an index whose lexical part is absent, outdated or damaged a new one.

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
    with build_lock(index_dir):
        report = SyncReport(problems=[p.reason for p in corpus.problems], warnings=corpus.warnings)
        previous: Index | None = None
        if rebuild:
            report.rebuilt_because = "a rebuild was requested"
        else:
            try:
                previous = read_index(index_dir, ann, lexical=False)
            except IndexStateError as exc:
                if (index_dir / POINTER).exists():
                    report.rebuilt_because = str(exc)
            if previous is not None:
                mismatch = settings_mismatch(
                    previous.manifest, embedder, chunking, _name(multilingual)
                )
                if mismatch:
                    report.rebuilt_because = mismatch
                    previous = None
        index = _update(
            index_dir, corpus, previous, embedder, chunking, report, progress, ann, multilingual
        )
        remove_stale_builds(index_dir, keep=index.path.name)
    return index, report


def _update(
    index_dir: Path,
    corpus: Corpus,
    previous: Index | None,
    embedder: Embedder,
    chunking: ChunkingSettings,
    report: SyncReport,
    progress: Progress,
    ann: AnnSettings,
    multilingual: MultilingualEmbedder | None = None,
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
        try:
            previous.read_lexical()
            return previous
        except IndexStateError as exc:
            report.lexical_because = str(exc)
            return _renew_lexical(index_dir, previous, report, progress, ann)

    kept_ids = list(report.unchanged)
    old_vectors = previous.vectors() if previous and kept_ids else None
    # One entry per passage: (chunk, its vector, its sentences' vectors, its multilingual
    # vectors or None).
    rows: list[tuple[Chunk, np.ndarray, np.ndarray, MultilingualVectors | None]] = []
    doc_meta: dict[str, dict[str, Any]] = {}
    old_multilingual = previous.multilingual if previous is not None else None
    for doc_id in kept_ids:
        assert previous is not None and old_vectors is not None
        for r in old_rows.get(doc_id, []):
            kept = previous.chunk_multilingual(r) if old_multilingual is not None else None
            rows.append(
                (previous.chunks[r], old_vectors[r], previous.chunk_sentence_vectors(r), kept)
            )
        doc_meta[doc_id] = old_docs[doc_id]

    fresh: list[Chunk] = []
    fresh_multilingual: list[MultilingualVectors | None] = []
    on_cluster = getattr(embedder, "chunk_and_embed", None)
    if on_cluster is not None:
        # A cluster embedder splits and embeds each new document on its workers, with the
        # multilingual model too when one is set.
        done = on_cluster(new_docs, chunking, progress, _name(multilingual))
        for doc, (doc_chunks, _, _, across) in zip(new_docs, done, strict=True):
            fresh.extend(doc_chunks)
            fresh_multilingual.extend(across or [None] * len(doc_chunks))
            doc_meta[doc.doc_id] = _doc_meta(doc, len(doc_chunks))
        dim = embedder.dimension
        fresh_vectors = np.concatenate(
            [np.zeros((0, dim), np.float32), *(v for _, v, _, _ in done)]
        )
        fresh_sentences = [s for _, _, sentences, _ in done for s in sentences]
    else:
        for i, doc in enumerate(new_docs):
            progress("chunking", i, len(new_docs))
            doc_chunks = split(doc, embedder, chunking)
            fresh.extend(doc_chunks)
            doc_meta[doc.doc_id] = _doc_meta(doc, len(doc_chunks))
        progress("chunking", len(new_docs), len(new_docs))
        fresh_vectors, fresh_sentences = _embed_fresh(embedder, fresh, progress)
        fresh_multilingual = [None] * len(fresh)
        if multilingual is not None and fresh:
            progress("multilingual", 0, len(fresh))
            fresh_multilingual = list(embed_chunks(multilingual, fresh))
            progress("multilingual", len(fresh), len(fresh))
    rows.extend(zip(fresh, fresh_vectors, fresh_sentences, fresh_multilingual, strict=True))
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
    across = [row[3] for row in rows if row[3] is not None]
    multilingual_vectors = None
    if multilingual is not None and rows:
        old_words = previous.multilingual_words if previous is not None else None
        words = corpus_words(c.text for c in chunks)
        progress("multilingual words", 0, len(words))
        word_vectors = embed_words(multilingual, words, old_words.known() if old_words else {})
        progress("multilingual words", len(words), len(words))
        multilingual_vectors = (
            np.stack([m.passage for m in across]),
            np.concatenate(
                [np.zeros((0, multilingual.dimension), np.float32)] + [m.sentences for m in across]
            ),
            word_vectors,
        )

    manifest: dict[str, Any] = {
        **expected_settings(embedder, chunking, _name(multilingual)),
        "package_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "max_tokens": embedder.max_tokens,
        "chunk_count": len(chunks),
        "documents": dict(sorted(doc_meta.items())),
    }

    def fill(folder: Path) -> None:
        write_core(folder, manifest, chunks, vectors, sentence_vectors, ann, multilingual_vectors)
        progress("indexing terms", 0, len(chunks))
        write_lexical(folder, manifest, chunks)
        progress("indexing terms", len(chunks), len(chunks))

    write_build(index_dir, manifest, fill)
    report.wrote = True
    return read_index(index_dir, ann)


def _renew_lexical(
    index_dir: Path, previous: Index, report: SyncReport, progress: Progress, ann: AnnSettings
) -> Index:
    """A new build with the previous one's vectors and chunks as they are, and a new lexical
    part."""
    manifest = {k: v for k, v in previous.manifest.items() if k != "files"}
    manifest["package_version"] = __version__
    passages = len(previous.chunks)

    def fill(folder: Path) -> None:
        link_core(folder, previous.path)
        progress("indexing terms", 0, passages)
        write_lexical(folder, manifest, previous.chunks)
        progress("indexing terms", passages, passages)

    write_build(index_dir, manifest, fill)
    report.wrote = True
    return read_index(index_dir, ann)


def _name(multilingual: MultilingualEmbedder | None) -> str:
    return multilingual.name if multilingual is not None else "none"


def _doc_meta(doc: Document, chunks: int) -> dict[str, Any]:
    return {"content_hash": doc.content_hash, "chunks": chunks, **doc.source.to_dict()}


def _embed_fresh(
    embedder: Embedder, fresh: list[Chunk], progress: Progress
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Vectors of new passages and of their sentences."""
    if supports_passages(embedder):
        return _embed_passages(embedder, fresh, progress)
    vectors = _embed(embedder, [c.text for c in fresh], progress)
    # Overlapping chunks repeat sentences: embed each distinct sentence once.
    distinct = list(dict.fromkeys(s for c in fresh for s in c.sentence_texts()))
    by_text = dict(zip(distinct, _embed(embedder, distinct, progress, "sentences"), strict=True))
    sentences = [
        np.stack([by_text[s] for s in c.sentence_texts()])
        if c.sentences
        else np.zeros((0, embedder.dimension), np.float32)
        for c in fresh
    ]
    return vectors, sentences


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
