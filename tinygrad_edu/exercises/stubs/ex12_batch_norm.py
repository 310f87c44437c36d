"""Exercise 12: batch normalisation's backward, through the batch statistics.

Training mode, on an (N, C) input: N examples (the batch, m = N) and C channels (features).
Each channel c is normalised with its own statistics over the batch:

    μ = (1/m) Σ_i x_i        σ² = (1/m) Σ_i (x_i - μ)²        σ = sqrt(σ² + eps)
    x̂_i = (x_i - μ) / σ      y_i = γ·x̂_i + β                 (i = 1 .. m, one channel)

The forward is written and saves x̂, γ and σ. Your task: ``backward``, returning dL/dx,
dL/dγ and dL/dβ from dy = dL/dy (grad_output), with Tensor operations. The catch: μ and σ² are
computed from x, so each x_i reaches every y_j of its channel, not only y_i.

Check it:  python -m tinygrad_edu.exercises check 12 --dir <this folder>
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.function import Context, Function
from tinygrad_edu.tensor import Tensor


class BatchNorm(Function):
    """y = γ·(x - μ)/σ + β per channel; μ, σ² the mean and (biased) variance over the batch."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, *,
                eps: float = 1e-5) -> np.ndarray:
        mean = x.mean(axis=0)                 # (C,): one mean per channel
        variance = x.var(axis=0)              # (C,): divided by m, as torch does in training
        std = np.sqrt(variance + eps)
        x_hat = (x - mean) / std              # (N, C)
        ctx.save_for_backward(x_hat, gamma, std)
        return gamma * x_hat + beta

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        x_hat, gamma, std = ctx.saved_tensors
        m = x_hat.shape[0]
        raise NotImplementedError(
            f"BatchNorm.backward: return (dL/dx, dL/dgamma, dL/dbeta) for a batch of m = {m} "
            f"examples and {x_hat.shape[1]} channels"
        )
