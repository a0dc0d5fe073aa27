"""The trainers' optimiser step: it learns, clips, and leaves no gradient behind."""

from __future__ import annotations

import torch

from training.answerability.steps import apply_gradients


def test_one_step_lowers_the_loss_and_clears_the_gradients():
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    params = list(model.parameters())
    optimiser = torch.optim.SGD(params, lr=0.1)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: 1.0)
    x, y = torch.randn(8, 4), torch.ones(8)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    before = apply_gradients(loss_fn(model(x).squeeze(-1), y), params, optimiser, schedule)
    after = float(loss_fn(model(x).squeeze(-1), y))
    assert isinstance(before, float) and after < before
    assert all(p.grad is None or not p.grad.any() for p in params)
