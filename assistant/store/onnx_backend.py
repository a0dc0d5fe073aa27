"""ONNX Runtime for the embedding model: exported locally from the bundled weights, never fetched.

sentence-transformers' own ``backend="onnx"`` needs optimum-onnx, whose only release pins
transformers<4.58 while sentence-transformers 6 needs transformers 5; so the encoder (a BertModel)
is exported here with ``torch.onnx.export`` and, for ``onnx-int8``, quantized with ONNX Runtime's
dynamic int8 quantization. Exports are cached in a folder keyed by the model's weights.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import SettingsError

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17


def default_cache_dir() -> Path:
    """Where exported models live: $ASSISTANT_ONNX_CACHE, else the user's cache folder."""
    env = os.environ.get("ASSISTANT_ONNX_CACHE")
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "local-production-assistant" / "onnx"


def _weights_key(model_path: str) -> str:
    """A short hash of the model folder's weight files, so a changed model is re-exported."""
    digest = hashlib.sha256(model_path.encode())
    folder = Path(model_path)
    for f in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")):
        stat = f.stat()
        digest.update(f"{f.name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
    return digest.hexdigest()[:16]


def exported_model(auto_model: Any, model_path: str, quantize: bool, cache_dir: Path) -> Path:
    """The .onnx file of the encoder (int8 if quantize), exporting it once if it is missing."""
    folder = cache_dir / _weights_key(model_path)
    fp32 = folder / "model.onnx"
    int8 = folder / "model-int8.onnx"
    if not fp32.exists():
        export_encoder(auto_model, fp32)
    if quantize and not int8.exists():
        quantize_model(fp32, int8)
    return int8 if quantize else fp32


def export_encoder(auto_model: Any, target: Path, output: str = "last_hidden_state") -> None:
    """Write a transformers encoder as an ONNX file: token ids in, last hidden states out (or,
    for a model whose forward returns one tensor, that tensor under the name ``output``)."""
    import torch

    class _Encoder(torch.nn.Module):
        # transformers 5 takes keyword arguments only; ONNX export passes positionals.
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            out = self.model(input_ids=ids, attention_mask=mask, token_type_ids=types)
            return out if isinstance(out, torch.Tensor) else out[0]

    sample = torch.ones((1, 8), dtype=torch.long)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}")
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, output)}
    if output != "last_hidden_state":
        axes[output] = {0: "batch"}
    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Encoder(auto_model).eval(),
                (sample, sample, torch.zeros_like(sample)),
                str(tmp),
                dynamo=False,  # the TorchScript exporter needs no onnxscript
                input_names=list(INPUTS),
                output_names=[output],
                dynamic_axes=axes,
                opset_version=OPSET,
            )
        os.replace(tmp, target)  # a crash never leaves a half-written model in the cache
    except Exception as exc:
        tmp.unlink(missing_ok=True)
        raise SettingsError(f"Could not export the embedding model to ONNX: {exc}") from None


def quantize_model(source: Path, target: Path, per_channel: bool = False) -> None:
    """Write an ONNX model with int8 weights (dynamic quantization)."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}")
    logging.getLogger().setLevel(logging.ERROR)  # "consider pre-processing" advice on stderr
    try:
        quantize_dynamic(
            str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=per_channel
        )
        os.replace(tmp, target)
    except Exception as exc:
        tmp.unlink(missing_ok=True)
        raise SettingsError(f"Could not quantize the ONNX embedding model: {exc}") from None


def onnx_session(model_file: Path, threads: int | None = None) -> Any:
    """An ONNX Runtime session on the CPU for a model file (threads: None, one per core)."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise SettingsError("ONNX models need onnxruntime: pip install onnxruntime onnx") from None
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or 0  # 0: one per core
    # Spinning worker threads wait for work by burning CPU: on a busy machine one short
    # question then took 27 ms instead of 16 ms (and batches gain nothing from it).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    try:
        return ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own types for unreadable models
        raise SettingsError(f"Cannot load the ONNX model {model_file}: {exc}") from None


class OnnxEncoder:
    """Runs the exported encoder: token ids in, last hidden states out (numpy)."""

    def __init__(self, model_file: Path, threads: int | None = None) -> None:
        self.session = onnx_session(model_file, threads)

    def hidden_states(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> np.ndarray:
        """Token vectors, shape (batch, tokens, dimension), float32."""
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        out: np.ndarray = self.session.run(["last_hidden_state"], feeds)[0]
        return out


def clear_cache(cache_dir: Path) -> None:
    """Remove every exported model (they are re-exported on next use)."""
    shutil.rmtree(cache_dir, ignore_errors=True)


@dataclass(frozen=True)
class ModelFiles:
    """What the ONNX path needs from a sentence-transformers folder, read without torch."""

    tokenizer_file: Path
    max_seq_length: int
    dimension: int


def read_model_folder(model_path: str) -> ModelFiles | None:
    """The folder's tokenizer, input limit and dimension, if it is a Transformer → mean Pooling
    (→ Normalize) model with a fast-tokenizer file; None when only sentence-transformers can
    tell (then the model is loaded with torch)."""
    folder = Path(model_path)
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        if kinds[:2] != ["Transformer", "Pooling"] or set(kinds[2:]) - {"Normalize"}:
            return None
        pooling_dir = folder / next(m["path"] for m in modules if m["type"].endswith("Pooling"))
        pooling = json.loads((pooling_dir / "config.json").read_text(encoding="utf-8"))
        modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
        config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        tokenizer_file = folder / "tokenizer.json"
        if modes != ["pooling_mode_mean_tokens"] or not tokenizer_file.is_file():
            return None
        return ModelFiles(
            tokenizer_file, int(config["max_seq_length"]), int(pooling["word_embedding_dimension"])
        )
    except (OSError, ValueError, KeyError, TypeError, StopIteration):
        return None


def cached_export(model_path: str, quantize: bool, cache_dir: Path) -> Path | None:
    """The exported .onnx file if it is in the cache already, else None."""
    folder = cache_dir / _weights_key(model_path)
    path = folder / ("model-int8.onnx" if quantize else "model.onnx")
    return path if path.is_file() else None
