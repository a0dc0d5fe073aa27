"""Scale runs: FAISS index kinds and BM25 over 10k-1M synthetic passages.

The vectors are NOT embeddings of the synthetic passages (embedding 1M passages takes hours on
two cores): they are real MiniLM embeddings of a smaller set of synthetic passages, mixed and
perturbed with Gaussian noise (bench.corpus_gen.noisy_vectors). Questions are the gold set's
real question embeddings plus noisy mixtures drawn like the data. BM25 runs on real synthetic
text at full size.
"""

from __future__ import annotations

import gc
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import gold_questions, peak_rss_mb, rss_mb, summary_ms

NOISE = 0.6  # norm of the Gaussian part relative to a unit vector (cos ~0.85 to the mixture)


def base_vectors(path: Path, count: int, backend: str = "onnx") -> dict[str, Any]:
    """Embed count synthetic passages and the gold questions for real; save both to path."""
    from bench.common import embedder
    from bench.corpus_gen import passages

    # ONNX fp32 gives the torch model's vectors to 1e-6, twice as fast (see the backends run).
    model = embedder(backend)
    texts = passages(count, seed=1)
    start = time.perf_counter()
    vectors = model.embed_documents(texts)
    seconds = time.perf_counter() - start
    questions = model.embed_documents(gold_questions())
    np.savez(path, passages=vectors, questions=questions)
    return {
        "base_passages": count,
        "backend": backend,
        "embed_s": round(seconds, 2),
        "path": str(path),
    }


def _queries(base: dict[str, np.ndarray], extra: int) -> np.ndarray:
    from bench.corpus_gen import noisy_vectors

    real = base["questions"].astype(np.float32)
    drawn = noisy_vectors(base["passages"], extra, NOISE, seed=99)
    return np.ascontiguousarray(np.concatenate([real, drawn]), dtype=np.float32)


def vectors_run(
    base_path: Path, n: int, kinds: list[str], queries: int = 200, k: int = 10
) -> dict[str, Any]:
    """Build each index kind over n noisy vectors; time, size, memory and recall@k vs exact."""
    import faiss

    from assistant.store.ann import AnnSettings, build_index, exact_top_k, recall_at_k, tune
    from bench.corpus_gen import noisy_vectors

    base = dict(np.load(base_path))
    threads = faiss.omp_get_max_threads()
    start = time.perf_counter()
    vectors = noisy_vectors(base["passages"].astype(np.float32), n, NOISE, seed=n)
    gen_s = time.perf_counter() - start
    q = _queries(base, max(0, queries - len(base["questions"])))
    start = time.perf_counter()
    exact = exact_top_k(vectors, q, k)
    exact_batch_s = time.perf_counter() - start
    settings = AnnSettings()
    out: dict[str, Any] = {
        "passages": n,
        "dimension": int(vectors.shape[1]),
        "queries": len(q),
        "vectors_generated_s": round(gen_s, 2),
        "exact_batch_search_s": round(exact_batch_s, 2),
        "kinds": {},
        "ann_settings": settings.model_dump(),
    }
    for kind in kinds:
        gc.collect()
        before = rss_mb()
        start = time.perf_counter()
        index = build_index(vectors, settings, kind)
        build_s = time.perf_counter() - start
        mem = rss_mb() - before
        with tempfile.TemporaryDirectory() as tmp:
            file = Path(tmp) / "vectors.faiss"
            faiss.write_index(index, str(file))
            disk = file.stat().st_size
        # One question at a time on one thread, as the assistant searches (assistant.store.ann);
        # flat at 1M is slow: fewer questions.
        limit = len(q) if kind != "flat" or n <= 100_000 else min(len(q), 40)
        tune(index, settings)
        times = []
        found = []
        for row in q[:limit]:
            t0 = time.perf_counter()
            _, ids = index.search(row.reshape(1, -1), k)
            times.append(time.perf_counter() - t0)
            found.append(ids[0])
        approx_all = np.asarray(index.search(q, k)[1])  # batch, for recall over all queries
        faiss.omp_set_num_threads(threads)
        out["kinds"][kind] = {
            "build_s": round(build_s, 2),
            "disk_mb": round(disk / 2**20, 1),
            "memory_mb": round(max(mem, 0.0), 1),
            "bytes_per_passage": round(disk / n, 1),
            "search": summary_ms(times),
            f"recall@{k}": round(recall_at_k(approx_all, exact, k), 4),
            "recall_single_vs_batch_equal": bool(
                np.array_equal(np.asarray(found), approx_all[:limit])
            ),
        }
        del index
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return out


def bm25_run(n: int, questions: int = 60) -> dict[str, Any]:
    """Index n synthetic passages with bm25s as the retriever does; time queries (top 50)."""
    import bm25s

    from assistant.language.text import terms
    from bench.corpus_gen import passages

    start = time.perf_counter()
    texts = passages(n, seed=n)
    gen_s = time.perf_counter() - start
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    tokenized = [terms(t) for t in texts]
    tokenize_s = time.perf_counter() - start
    del texts
    start = time.perf_counter()
    model = bm25s.BM25()
    model.index(tokenized, show_progress=False)
    index_s = time.perf_counter() - start
    del tokenized
    gc.collect()
    mem = rss_mb() - before
    with tempfile.TemporaryDirectory() as tmp:
        model.save(tmp)
        disk = sum(f.stat().st_size for f in Path(tmp).iterdir())
    times = []
    for question in gold_questions()[:questions]:
        t0 = time.perf_counter()
        known = [t for t in terms(question) if t in model.vocab_dict]
        if known:
            scores = model.get_scores(known)
            top = np.argpartition(-scores, 49)[:50]
            top[np.argsort(-scores[top], kind="stable")]
        times.append(time.perf_counter() - t0)
    return {
        "passages": n,
        "text_generated_s": round(gen_s, 2),
        "tokenize_s": round(tokenize_s, 2),
        "index_s": round(index_s, 2),
        "disk_mb": round(disk / 2**20, 1),
        "memory_mb": round(max(mem, 0.0), 1),
        "bytes_per_passage": round(disk / n, 1),
        "search": summary_ms(times),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
