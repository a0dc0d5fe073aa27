"""Export the trained cross-encoder to ONNX (fp32, then int8 dynamic quantisation) and ship it.

Run: ``python -m training.answerability.export --model /tmp/answerability/run/final``. Writes
``model.onnx`` (int8), the tokenizer files and ``config.json`` to models/answerability/, and keeps
``model-fp32.onnx`` in the scratch folder for comparison.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SHIP = Path(__file__).resolve().parents[2] / "models" / "answerability"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
TOKENIZER_FILES = (
    "tokenizer.json",
    "vocab.txt",
    "tokenizer_config.json",
    "special_tokens_map.json",
)


def export_fp32(model_dir: Path, target: Path, opset: int = 17) -> None:
    """Write the PyTorch cross-encoder as an fp32 ONNX graph with dynamic batch and length."""
    import torch
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()

    class _Wrapped(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            return self.inner(input_ids=ids, attention_mask=mask, token_type_ids=types).logits

    sample = torch.ones((2, 12), dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS}
    axes["logits"] = {0: "batch"}
    target.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Wrapped(model),
            (sample, sample, torch.zeros_like(sample)),
            str(target),
            dynamo=False,  # the TorchScript exporter needs no onnxscript
            input_names=list(INPUTS),
            output_names=["logits"],
            dynamic_axes=axes,
            opset_version=opset,
        )


def quantize_int8(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation of the weights (activations stay float, scaled at run time)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)
    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)


def write_config(model_dir: Path, folder: Path, threshold: float | None) -> dict:
    """config.json: how inputs are joined, the score's meaning, a suggested refusal threshold."""
    meta = json.loads((model_dir / "answerability.json").read_text())
    config = {
        "model_file": "model.onnx",
        "architecture": "BertForSequenceClassification (6 layers, 384 wide), one logit",
        "max_length": meta["max_length"],
        "separator": meta["separator"],
        "input_format": (
            "[CLS] question [SEP] title + separator + sentence [SEP]; without a title the "
            "second segment is the sentence alone. Truncation longest_first to max_length."
        ),
        "inputs": list(INPUTS),
        "output": "logits, shape [batch, 1]",
        "score": (
            "sigmoid(logit): the probability that the sentence, read with its title, answers the "
            "question. Passage score = its best sentence's score."
        ),
        "suggested_refusal_threshold": threshold,
        "threshold_note": (
            "refuse when the best candidate sentence scores below this; chosen on held-apart "
            "articles to keep 85% of answerable questions answered"
        ),
    }
    (folder / "config.json").write_text(json.dumps(config, indent=1) + "\n")
    return config


def main(argv: list[str] | None = None) -> None:
    """Export, quantise and copy the tokenizer into the shipped folder."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default="/tmp/answerability/run/final")
    ap.add_argument("--scratch", default="/tmp/answerability/onnx")
    ap.add_argument("--ship", default=str(SHIP))
    ap.add_argument("--threshold", type=float, default=None)
    args = ap.parse_args(argv)
    model_dir, scratch, ship = Path(args.model), Path(args.scratch), Path(args.ship)
    scratch.mkdir(parents=True, exist_ok=True)
    ship.mkdir(parents=True, exist_ok=True)
    fp32 = scratch / "model-fp32.onnx"
    export_fp32(model_dir, fp32)
    quantize_int8(fp32, ship / "model.onnx")
    from training.answerability.train import base_model_path

    for name in TOKENIZER_FILES:  # the bundled model's own tokenizer files, unchanged
        source = Path(base_model_path()) / name
        if source.exists():
            shutil.copy(source, ship / name)
    write_config(model_dir, ship, args.threshold)
    shutil.copy(ship / "config.json", scratch / "config.json")
    shutil.copy(ship / "tokenizer.json", scratch / "tokenizer.json")
    for path in (fp32, ship / "model.onnx"):
        print(f"{path}: {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
