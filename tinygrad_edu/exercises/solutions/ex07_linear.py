"""Exercise 7: a Linear layer, forward and backward.

    out = x @ Wᵀ + b      x: (m, in),  W: (out, in),  b: (out,),  out: (m, out)

With g = dL/dout: dL/dx = g @ W,  dL/dW = gᵀ @ x,  dL/db = Σ_rows g (b was added to every row).
"""

from __future__ import annotations

import math

import numpy as np

from tinygrad_edu import nn
from tinygrad_edu.function import Context, Function
from tinygrad_edu.tensor import Tensor


class LinearFunction(Function):
    """out = x @ Wᵀ + b.   dL/dx = g @ W,  dL/dW = gᵀ @ x,  dL/db = Σ_rows g.

    Example:
        >>> x = Tensor(np.ones((4, 3)))
        >>> b = Tensor(np.zeros(2), requires_grad=True)
        >>> LinearFunction.apply(x, Tensor(np.ones((2, 3))), b).sum().backward()
        >>> b.grad.numpy()
        array([4., 4.])
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x, weight)
        return x @ weight.T + bias

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        x, weight = ctx.saved_tensors
        grad_x = grad_output @ weight  # (m, out) @ (out, in) = (m, in)
        grad_weight = grad_output.T @ x  # (out, m) @ (m, in) = (out, in)
        grad_bias = grad_output.sum(dim=0)  # b was broadcast over the m rows
        return grad_x, grad_weight, grad_bias


class Linear(nn.Module):
    """A layer holding W (out, in) and b (out,), drawn from U(-1/sqrt(in), 1/sqrt(in)).

    Example:
        >>> import tinygrad_edu as tge
        >>> layer = Linear(3, 2, np.random.default_rng(0))
        >>> layer(tge.ones(5, 3)).shape
        Size([5, 2])
    """

    def __init__(self, in_features: int, out_features: int,
                 generator: np.random.Generator | None = None) -> None:
        super().__init__()
        generator = np.random.default_rng() if generator is None else generator
        bound = 1 / math.sqrt(in_features)
        weight = generator.uniform(-bound, bound, (out_features, in_features))
        self.weight = nn.Parameter(Tensor(weight.astype(np.float32)))
        self.bias = nn.Parameter(Tensor(generator.uniform(-bound, bound, out_features)
                                        .astype(np.float32)))

    def forward(self, x: Tensor) -> Tensor:
        """x @ Wᵀ + b, through ``LinearFunction``."""
        return LinearFunction.apply(x, self.weight, self.bias)
