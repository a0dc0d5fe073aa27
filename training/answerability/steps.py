"""The optimiser step both answerability trainers take after each batch."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch


def apply_gradients(
    loss: torch.Tensor, params: Iterable[torch.nn.Parameter], optimiser: Any, schedule: Any
) -> float:
    """Backpropagate a batch's loss, clip the gradients to norm 1, step; the loss as a float."""
    loss.backward()
    torch.nn.utils.clip_grad_norm_(list(params), 1.0)
    optimiser.step()
    schedule.step()
    optimiser.zero_grad()
    return float(loss.item())
