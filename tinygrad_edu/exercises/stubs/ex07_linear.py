"""Exercise 7: a Linear layer, forward and backward.

    out = x @ Wᵀ + b      x: (m, in),  W: (out, in),  b: (out,),  out: (m, out)

Your task: write ``LinearFunction.forward`` (on NumPy arrays) and ``LinearFunction.backward``
(dL/dx, dL/dW, dL/db from g = dL/dout), then ``Linear.forward``, which calls it.

Check it:  python -m tinygrad_edu.exercises check 7 --dir <this folder>
"""

from __future__ import annotations

import math

import numpy as np

from tinygrad_edu import nn
from tinygrad_edu.function import Context, Function
from tinygrad_edu.tensor import Tensor


class LinearFunction(Function):
    """out = x @ Wᵀ + b."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
        raise NotImplementedError("LinearFunction.forward: save what backward needs, return "
                                  "x @ Wᵀ + b")

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        raise NotImplementedError("LinearFunction.backward: return (dL/dx, dL/dW, dL/db)")


class Linear(nn.Module):
    """A layer holding W (out, in) and b (out,), drawn from U(-1/sqrt(in), 1/sqrt(in))."""

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
        raise NotImplementedError("Linear.forward: call LinearFunction.apply")
