"""The refusal gate: answer, or say the documents don't say.

A small logistic model over what is known when answering: the answerability model's best
probability among the passages it read, the term-and-similarity evidence of
``extractive.evidence_strength``, and whether the question was matched across languages (the
two signals mean different things there). It is fitted on articles held apart from the model's
training, never on a benchmark or a seed set (``python -m training.answerability.gate``), and
ships in the model's config.json with its one operating point.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.retrieval.answerability import model_folder
from assistant.retrieval.cross_encoder import read_config

FEATURES = ("model", "evidence", "across", "across_model", "across_evidence")
_EDGE = 1e-4  # probabilities are clipped so that their log-odds stay finite


def features(model: float, evidence: float, across: bool) -> list[float]:
    """The gate's inputs: the model's log-odds, the evidence, and both again across languages."""
    p = min(max(model, _EDGE), 1 - _EDGE)
    x = math.log(p / (1 - p))
    a = float(across)
    return [x, evidence, a, a * x, a * evidence]


@dataclass(frozen=True)
class Gate:
    """Logistic weights over FEATURES and the probability at which the assistant answers."""

    weights: tuple[float, ...]
    bias: float
    threshold: float

    def probability(self, values: Sequence[float]) -> float:
        """0-1: how likely the passages answer the question."""
        z = self.bias + sum(w * v for w, v in zip(self.weights, values, strict=True))
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Gate:
        """The gate stored under a model config's "gate" key."""
        weights = config["weights"]
        return cls(
            tuple(float(weights[name]) for name in FEATURES),
            float(config["bias"]),
            float(config["threshold"]),
        )

    def to_config(self) -> dict[str, Any]:
        """The gate as plain data for config.json."""
        return {
            "features": list(FEATURES),
            "weights": dict(zip(FEATURES, self.weights, strict=True)),
            "bias": self.bias,
            "threshold": self.threshold,
        }


def load_gate(answerability_model: str) -> Gate | None:
    """The gate fitted for the model a setting names; None when it has none."""
    folder = model_folder(answerability_model)
    if folder is None or not (folder / "config.json").is_file():
        return None
    config = read_config(folder).get("gate")
    return Gate.from_config(config) if config else None
