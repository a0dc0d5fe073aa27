"""Vector index choice by corpus size, and recall of approximate search against exact search."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from assistant.store.ann import (
    AnnSettings,
    build_index,
    choose_kind,
    exact_top_k,
    index_kind,
    ivf_lists,
    recall_at_k,
    tune,
)


def unit_vectors(n: int, dim: int = 64, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_exact_below_the_threshold_approximate_from_it():
    settings = AnnSettings(exact_below=1000, kind="ivf")
    assert choose_kind(0, settings) == "flat"
    assert choose_kind(999, settings) == "flat"
    assert choose_kind(1000, settings) == "ivf"
    assert choose_kind(5_000_000, AnnSettings()) == AnnSettings().kind


@pytest.mark.parametrize(
    ("kind", "faiss_type"),
    [("flat", faiss.IndexFlatIP), ("hnsw", faiss.IndexHNSWFlat), ("ivf", faiss.IndexIVFFlat)],
)
def test_build_index_makes_the_chosen_kind(kind, faiss_type):
    vectors = unit_vectors(2000)
    index = build_index(vectors, AnnSettings(exact_below=1000, kind="ivf"), kind)
    assert isinstance(index, faiss_type) and index_kind(index) == kind
    assert index.ntotal == 2000
    assert index.metric_type == faiss.METRIC_INNER_PRODUCT
    # Vectors can be read back: incremental updates copy the unchanged documents' rows.
    np.testing.assert_allclose(index.reconstruct(17), vectors[17], atol=1e-6)


def test_size_decides_when_no_kind_is_given():
    settings = AnnSettings(exact_below=500, kind="hnsw")
    assert index_kind(build_index(unit_vectors(499), settings)) == "flat"
    assert index_kind(build_index(unit_vectors(500), settings)) == "hnsw"


def test_search_settings_are_applied_to_a_loaded_index():
    settings = AnnSettings(exact_below=10, hnsw_ef_search=77, ivf_probe=5)
    hnsw = build_index(unit_vectors(300), settings, "hnsw")
    ivf = build_index(unit_vectors(3000), settings, "ivf")
    hnsw.hnsw.efSearch = ivf.nprobe = 1
    tune(hnsw, settings)
    tune(ivf, settings)
    assert hnsw.hnsw.efSearch == 77 and ivf.nprobe == 5


def test_ivf_cells_follow_the_corpus_size():
    assert ivf_lists(1_000_000, AnnSettings()) == 2000
    assert ivf_lists(100, AnnSettings()) == 2  # never fewer than 39 training points a cell
    assert ivf_lists(10_000, AnnSettings(ivf_lists=50)) == 50


def test_invalid_settings_are_refused():
    with pytest.raises(ValueError, match="hnsw"):
        AnnSettings(kind="flat")
    with pytest.raises(ValueError):
        AnnSettings(search_threads=0)


def test_recall_counts_the_share_of_exact_neighbours_found():
    exact = np.array([[1, 2, 3, 4], [5, 6, 7, 8]])
    assert recall_at_k(exact, exact, 4) == 1.0
    approx = np.array([[4, 3, 9, 9], [8, 0, 0, 0]])  # order inside the top k does not matter
    assert recall_at_k(approx, exact, 4) == pytest.approx((2 / 4 + 1 / 4) / 2)
    assert recall_at_k(np.array([[1, 2, -1, -1]]), np.array([[1, 2, 3, 4]]), 4) == 0.5
    # Only the first k columns count, on both sides.
    assert recall_at_k(np.array([[1, 9, 2]]), np.array([[1, 2, 3]]), 2) == 0.5
    with pytest.raises(ValueError):
        recall_at_k(exact[:1], exact, 4)


def test_exact_top_k_is_brute_force_inner_product():
    vectors = unit_vectors(500, seed=1)
    queries = unit_vectors(7, seed=2)
    ids = exact_top_k(vectors, queries, 5)
    expected = np.argsort(-(queries @ vectors.T), axis=1)[:, :5]
    np.testing.assert_array_equal(ids, expected)


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_approximate_indexes_recall_the_exact_neighbours(kind):
    # Clustered data, like passage embeddings: 100 topics with variations around each.
    centres = unit_vectors(100, seed=3)
    rng = np.random.default_rng(4)
    vectors = centres[rng.integers(0, 100, 5000)] + 0.15 * unit_vectors(5000, seed=5)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = vectors[:50] + 0.05 * unit_vectors(50, seed=6)
    index = build_index(vectors, AnnSettings(exact_below=1000, kind=kind))
    approx = index.search(np.ascontiguousarray(queries, dtype=np.float32), 10)[1]
    assert recall_at_k(approx, exact_top_k(vectors, queries, 10), 10) >= 0.95
