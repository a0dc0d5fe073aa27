"""What each benchmark mode runs: steps and their arguments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FULL_SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (2_000,)
HNSW_MAX = 100_000


@dataclass(frozen=True)
class Step:
    """One step: a function of bench.steps, its arguments, and its name in the report."""

    name: str
    function: str
    args: dict[str, Any] = field(default_factory=dict)


SECTIONS = ("quality", "ingestion", "incremental", "latency", "coldstart", "scale")


def steps(
    quick: bool, sizes: tuple[int, ...], base_path: str, sections: set[str], documents: int = 50
) -> list[Step]:
    """The steps of a run, in order; --quick keeps every section but at toy sizes."""
    plan: list[Step] = []
    if "quality" in sections and not quick:  # 4 index builds and 4x60 questions: full only
        plan.append(Step("quality", "quality", {"backends": ["torch", "onnx", "onnx-int8"]}))
    if "ingestion" in sections:
        args = (
            {"documents": 2, "paragraphs": 4, "repeats": 1, "backends": ["onnx"]}
            if quick
            else {
                "documents": documents,
                "paragraphs": 8,
                "repeats": 3,
                "backends": ["onnx", "onnx-int8"],
            }
        )
        plan.append(Step("ingestion", "ingestion", args))
    if "incremental" in sections:
        args = {"documents": 3, "paragraphs": 4} if quick else {"documents": 50, "paragraphs": 8}
        # Incremental always changes 1 of 50 documents (the figure), whatever --documents.
        plan.append(Step("incremental", "incremental", args))
    if "latency" in sections:
        args = {"questions": 5} if quick else {"questions": 60, "rounds": 2}
        plan.append(Step("latency", "latency", args))
    if "coldstart" in sections:
        args = {"runs": 0, "serve": False} if quick else {"runs": 3, "serve": True}
        plan.append(Step("coldstart", "coldstart", args))
    if "scale" in sections:
        plan.append(
            Step(
                "scale_base",
                "scale_base",
                # quick: the torch model is loaded already; an ONNX export would cost more.
                {"path": base_path, "count": 40 if quick else 1000}
                | ({"backend": "torch"} if quick else {}),
            )
        )
        for n in sizes:
            # HNSW builds took 103 s at 100k here and grow faster than linearly: above HNSW_MAX
            # only the default IVF (and exact search, for recall) are built.
            kinds = ["flat", "hnsw", "ivf"] if n <= HNSW_MAX else ["flat", "ivf"]
            queries = 60 if quick else 200
            plan.append(
                Step(
                    f"scale_vectors_{n}",
                    "scale_vectors",
                    {"base": base_path, "n": n, "kinds": kinds, "queries": queries},
                )
            )
            plan.append(Step(f"scale_bm25_{n}", "scale_bm25", {"n": n}))
    return plan
