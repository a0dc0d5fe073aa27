"""Incremental update: change 1 of N documents and re-index, against a full rebuild."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import clock, embedder, gold_questions


def run(documents: int, paragraphs: int) -> dict[str, Any]:
    """Seconds for the incremental update and for a full rebuild; are the results identical?"""
    from assistant.api import Assistant
    from assistant.ingest.chunking import ChunkingSettings
    from assistant.settings import load_settings
    from assistant.store.sync import sync_index
    from bench.corpus_gen import write_documents

    model = embedder()
    settings = load_settings()
    chunking = ChunkingSettings(
        settings.index.chunk_tokens, settings.index.chunk_overlap_tokens, model.max_tokens
    )
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        paths = write_documents(corpus, documents, paragraphs)
        sync_index(corpus, Path(tmp) / "inc", model, chunking)
        changed = paths[len(paths) // 2]
        changed.write_text(
            changed.read_text(encoding="utf-8")
            + "\nA new paragraph: the regional hub added a second fill-finish line in 2025.\n",
            encoding="utf-8",
        )
        (inc, report), inc_s = clock(lambda: sync_index(corpus, Path(tmp) / "inc", model, chunking))
        (full, _), full_s = clock(
            lambda: sync_index(corpus, Path(tmp) / "full", model, chunking, rebuild=True)
        )
        # Rows are in a different order (kept documents first): compare by chunk id.
        inc_rows = {c.chunk_id: i for i, c in enumerate(inc.chunks)}
        full_rows = {c.chunk_id: i for i, c in enumerate(full.chunks)}
        same_chunks = set(inc_rows) == set(full_rows) and all(
            inc.chunks[inc_rows[c]] == full.chunks[full_rows[c]] for c in inc_rows
        )
        vector_gap = sentence_gap = None
        if same_chunks:
            ids = sorted(inc_rows)
            iv, fv = inc.vectors(), full.vectors()
            vector_gap = float(
                np.abs(iv[[inc_rows[c] for c in ids]] - fv[[full_rows[c] for c in ids]]).max()
            )
            sentence_gap = max(
                float(
                    np.abs(
                        inc.chunk_sentence_vectors(inc_rows[c]).astype(np.float32)
                        - full.chunk_sentence_vectors(full_rows[c]).astype(np.float32)
                    ).max(initial=0.0)
                )
                for c in ids
            )
        a, b = Assistant(inc, model, settings), Assistant(full, model, settings)
        differing = [
            q
            for q in gold_questions()
            if [(h.chunk.chunk_id, round(h.score, 5)) for h in a.search(q, 10)]
            != [(h.chunk.chunk_id, round(h.score, 5)) for h in b.search(q, 10)]
        ]
    return {
        "documents": documents,
        "passages": len(full.chunks),
        "passages_re_embedded": report.chunks_embedded,
        "incremental_s": round(inc_s, 3),
        "full_rebuild_s": round(full_s, 3),
        "speed_up": round(full_s / inc_s, 1) if inc_s else 0.0,
        "same_chunk_table": same_chunks,
        "max_vector_difference": vector_gap,
        "max_sentence_vector_difference": sentence_gap,
        "questions_with_different_top10": len(differing),
        "questions_compared": len(gold_questions()),
    }
