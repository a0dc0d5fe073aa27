"""Which FAISS index to build for how many passages, and how well an approximate one recalls.

Below ``exact_below`` passages an exact inner-product scan (IndexFlatIP) is both fast and
perfect. Above it, a scan grows linearly (measured here: 200 ms a question at 1M passages of
384 floats, about 10 ms at 20k), so an approximate index is built:

- ``ivf`` (default): IndexIVFFlat with ``ivf_lists`` k-means cells (default 2·√n, trained on
  at most 64 vectors per cell for 10 rounds), ``ivf_probe`` of them scanned per question.
  Measured at 1M passages: recall@10 0.99 against exact, 2 ms a question, built in under
  3 minutes on 2 cores; the vectors are stored in full (read back for incremental updates).
- ``hnsw``: IndexHNSWFlat, graph of ``hnsw_m`` links per vector, built with a
  search width of ``hnsw_ef_construction``, searched with ``hnsw_ef_search``. No training,
  vectors stored in full (so they can be read back for incremental updates); memory is the
  flat index plus about 8·M bytes per vector. Recall is as good, but building takes about
  7x as long as IVF (103 s vs 14 s at 100k passages here), which every re-index pays.

Searches run on ``search_threads`` OpenMP threads (default 1): one question at a time gains
nothing from more, and on a busy machine OpenMP's spinning threads cost up to 10x (measured:
exact search over 37k passages, 150 ms on 2 threads vs 14 ms on 1, with other work running).
Builds use every core, then restore the search setting.

Figures for both at 10k/100k/1M passages are in bench/README.md.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from assistant.settings import AnnSettings

KINDS = ("flat", "hnsw", "ivf")


def choose_kind(n: int, settings: AnnSettings) -> str:
    """'flat' for fewer than settings.exact_below passages, else the configured ANN kind."""
    return "flat" if n < settings.exact_below else settings.kind


def ivf_lists(n: int, settings: AnnSettings) -> int:
    """Number of IVF cells: the setting, or 2·√n, never more than n/39 (k-means needs points)."""
    wanted = settings.ivf_lists or int(2 * math.sqrt(max(n, 1)))
    return max(1, min(wanted, n // 39 or 1))


def build_index(vectors: np.ndarray, settings: AnnSettings, kind: str | None = None) -> Any:
    """A FAISS inner-product index of the vectors, of the kind chosen for their number."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    kind = kind or choose_kind(len(vectors), settings)
    previous_threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    try:
        return _build(vectors, settings, kind)
    finally:
        faiss.omp_set_num_threads(previous_threads)


def _build(vectors: np.ndarray, settings: AnnSettings, kind: str) -> Any:
    import faiss

    n, dim = vectors.shape
    index: Any
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = settings.hnsw_ef_construction
        index.hnsw.efSearch = settings.hnsw_ef_search
    elif kind == "ivf":
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(
            quantizer, dim, ivf_lists(n, settings), faiss.METRIC_INNER_PRODUCT
        )
        # k-means needs a few dozen points per cell, not all of them, nor 25 rounds.
        index.cp.max_points_per_centroid = 64
        index.cp.niter = 10
        index.cp.seed = 0
        index.train(vectors)
        index.nprobe = settings.ivf_probe
        index.make_direct_map()  # so vectors can be read back (incremental updates)
    else:
        raise ValueError(f"unknown index kind {kind!r}")
    if n:
        index.add(vectors)
    return index


def index_kind(index: Any) -> str:
    """'flat', 'hnsw' or 'ivf' for a FAISS index built by build_index."""
    import faiss

    if isinstance(index, faiss.IndexHNSW):
        return "hnsw"
    if isinstance(index, faiss.IndexIVF):
        return "ivf"
    return "flat"


def tune(index: Any, settings: AnnSettings) -> None:
    """Apply the search-time settings to an index read from disk (threads: process-wide)."""
    import faiss

    faiss.omp_set_num_threads(settings.search_threads)
    kind = index_kind(index)
    if kind == "hnsw":
        index.hnsw.efSearch = settings.hnsw_ef_search
    elif kind == "ivf":
        index.nprobe = settings.ivf_probe


def exact_top_k(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Row ids of the k highest inner products for each query, by brute force (n, k)."""
    import faiss

    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
    _, ids = flat.search(np.ascontiguousarray(queries, dtype=np.float32), k)
    return np.asarray(ids)


def recall_at_k(approx: np.ndarray, exact: np.ndarray, k: int) -> float:
    """Mean share of each query's exact top k found in its approximate top k.

    Both are (queries, >=k) arrays of row ids; -1 (FAISS's "no result") never counts as found.
    """
    approx = np.asarray(approx)[:, :k]
    exact = np.asarray(exact)[:, :k]
    if approx.shape[0] != exact.shape[0]:
        raise ValueError("approximate and exact results need the same queries")
    if exact.size == 0:
        return 1.0
    found = [
        len(set(a[a >= 0].tolist()) & set(e[e >= 0].tolist())) / max(1, int((e >= 0).sum()))
        for a, e in zip(approx, exact, strict=True)
    ]
    return float(np.mean(found))
