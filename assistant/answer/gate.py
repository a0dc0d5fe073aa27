"""The refusal gate: answer, or say the documents don't say.

By default (``retrieval.answerability_role = "veto"``) the rules decide and the model can only
refuse: an answer the rules would give to a question in the documents' language stands only if
some window the model read scores at least the gate's ``veto`` probability.

In the "gate" role a small logistic model decides instead, over what is known when answering:
the model's probabilities for the windows it read in the top passages, the term-and-similarity
evidence of ``extractive.evidence_strength``, and whether the question was matched across
languages (the signals mean different things there; see ``features``).

Both are fitted on articles held apart from the model's training, never on a benchmark or a seed
set (``python -m training.answerability.gate``), and ship in the model's config.json, each with
its one operating point.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.errors import SettingsError
from assistant.retrieval.answerability import model_folder
from assistant.retrieval.cross_encoder import read_config

FEATURES = ("model", "margin", "evidence", "across", "across_margin")
_EDGE = 1e-4  # probabilities are clipped so that their log-odds stay finite


def features(scores: Sequence[float], evidence: float, across: bool) -> list[float]:
    """The gate's inputs from the model's probabilities for the windows it read, the evidence
    strength and whether the question was matched across languages.

    Asked in the documents' language: the best window's log-odds, its margin over the median
    window's, and the evidence. Across languages only the margin counts: the model learned
    answering from questions and passages in one language (English, Chinese, Arabic), so a
    Spanish question against English text scores lower throughout, and the multilingual
    similarities behind the evidence are lower too; how far the best window stands out of the
    others is what carries over."""
    logits = sorted(_log_odds(p) for p in scores)
    best = logits[-1] if logits else 0.0
    margin = best - float(np.median(logits)) if logits else 0.0
    a = float(across)
    return [(1 - a) * best, (1 - a) * margin, (1 - a) * evidence, a, a * margin]


def _log_odds(p: float) -> float:
    p = min(max(p, _EDGE), 1 - _EDGE)
    return math.log(p / (1 - p))


@dataclass(frozen=True)
class Gate:
    """Logistic weights over FEATURES, the probability at which the assistant answers, and the
    evidence below which a question matched across languages is left to the rules."""

    weights: tuple[float, ...]
    bias: float
    threshold: float
    # Across languages the model's margin cannot tell a question about nothing the documents
    # say (one window always stands out of the others); the multilingual similarity behind the
    # evidence can, so below this floor the rules' verdict stands.
    across_floor: float = 0.0
    # In the veto role (the default) the rules answer, and a question in the documents' language
    # is refused when no window the model read scores this probability; 0: no veto.
    veto: float = 0.0

    def vetoes(self, scores: Sequence[float]) -> bool:
        """Whether the model's best window probability is too low for an answer to stand."""
        return bool(scores) and max(scores) < self.veto

    def leaves_to_rules(self, evidence: float, across: bool) -> bool:
        """Whether this question's evidence is too weak for the model to overrule the rules."""
        return across and evidence < self.across_floor

    def probability(self, values: Sequence[float]) -> float:
        """0-1: how likely the passages answer the question."""
        z = self.bias + sum(w * v for w, v in zip(self.weights, values, strict=True))
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Gate:
        """The gate stored under a model config's "gate" key."""
        try:
            weights = config["weights"]
            gate = cls(
                tuple(float(weights[name]) for name in FEATURES),
                float(config["bias"]),
                float(config["threshold"]),
                float(config.get("across_floor", 0.0)),
                float(config.get("veto", 0.0)),
            )
            if not 0.0 < gate.threshold < 1.0:
                raise ValueError("threshold")
            if not 0.0 <= gate.across_floor < 1.0:
                raise ValueError("across_floor")
            if not 0.0 <= gate.veto < 1.0:
                raise ValueError("veto")
            return gate
        except (KeyError, TypeError, ValueError) as exc:
            raise SettingsError(
                f"The answerability model's gate does not fit this version ({exc!r} missing or "
                "wrong): fit it again with python -m training.answerability.gate"
            ) from None

    def to_config(self) -> dict[str, Any]:
        """The gate as plain data for config.json."""
        return {
            "features": list(FEATURES),
            "weights": dict(zip(FEATURES, self.weights, strict=True)),
            "bias": self.bias,
            "threshold": self.threshold,
            "across_floor": self.across_floor,
            "veto": self.veto,
        }


def load_gate(answerability_model: str) -> Gate | None:
    """The gate fitted for the model a setting names; None when it has none."""
    folder = model_folder(answerability_model)
    if folder is None or not (folder / "config.json").is_file():
        return None
    config = read_config(folder).get("gate")
    return Gate.from_config(config) if config else None
