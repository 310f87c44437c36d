"""Exercise 12: batch normalisation's backward, through the batch statistics.

Training mode, on an (N, C) input: N examples (the batch, m = N) and C channels (features).
Per channel, over the batch:

    μ = (1/m) Σ_i x_i        σ² = (1/m) Σ_i (x_i - μ)²        σ = sqrt(σ² + eps)
    x̂_i = (x_i - μ) / σ      y_i = γ·x̂_i + β

γ and β are broadcast over the rows (exercise 3): dβ = Σ_i dy_i and dγ = Σ_i dy_i·x̂_i.
x reaches y along three paths: directly through x̂_i, through μ and through σ². With
dx̂ = γ·dy, the chain rule over the three paths gives

    dσ² = Σ_j dx̂_j·(x_j - μ)·(-1/2)·σ⁻³        dμ = -Σ_j dx̂_j / σ   (its σ² term is zero:
                                                                      Σ_j (x_j - μ) = 0)
    dx_i = dx̂_i / σ + dσ²·2(x_i - μ)/m + dμ/m

and, writing x_i - μ = σ·x̂_i and collecting terms,

    dx = (1/m)·(γ/σ)·(m·dy - Σ dy - x̂·Σ(dy·x̂)).

A check of the result: adding a constant to a whole channel moves μ by it and leaves x̂ (and the
loss) unchanged, so the true dx sums to zero over the batch in every channel. Treating μ and σ
as constants would give γ/σ·dy, which does not.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.function import Context, Function
from tinygrad_edu.tensor import Tensor


class BatchNorm(Function):
    """y = γ·(x - μ)/σ + β per channel; μ, σ² the mean and (biased) variance over the batch.

    Example:
        >>> x = Tensor(np.array([[1.0], [2.0], [6.0]]), requires_grad=True)
        >>> y = BatchNorm.apply(x, Tensor(np.ones(1)), Tensor(np.zeros(1)))
        >>> y[0].sum().backward()                      # the loss is y_0 alone ...
        >>> bool(x.grad.numpy()[0, 0] > 0), bool(x.grad.numpy()[1, 0] < 0)
        (True, True)
        >>> abs(float(x.grad.numpy().sum())) < 1e-12   # ... and still dx sums to zero
        True
    """

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
        grad_beta = grad_output.sum(dim=0)                 # β is added to every row: Σ dy
        grad_gamma = (grad_output * x_hat).sum(dim=0)      # γ scales every x̂: Σ dy·x̂
        # The direct path (m·dy) minus the paths through μ (Σ dy) and σ² (x̂·Σ dy·x̂).
        grad_x = gamma / std / m * (m * grad_output - grad_beta - x_hat * grad_gamma)
        return grad_x, grad_gamma, grad_beta
