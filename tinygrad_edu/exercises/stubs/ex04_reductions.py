"""Exercise 4: the backward of reductions: sum over a dim, mean, and max with ties.

A reduction maps many inputs to one output, so its backward spreads one upstream gradient
back over the inputs that were reduced. The forwards are written; complete the backwards.
Tensor methods that help: ``reshape(shape)``, ``expand(shape)``, ``*`` and ``/``.

Check it:  python -m tinygrad_edu.exercises check 4 --dir <this folder>
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.function import Context, Function
from tinygrad_edu.tensor import Tensor


class SumDim(Function):
    """out = Σ a over axis ``dim`` (the axis disappears).   dout/da = 1 for each summed element."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, dim: int) -> np.ndarray:
        ctx.input_shape = a.shape
        ctx.dim = dim
        return a.sum(axis=dim)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        raise NotImplementedError(
            f"SumDim.backward: spread a gradient of shape {grad_output.shape} over the input's "
            f"shape {ctx.input_shape} (dim={ctx.dim} was summed)"
        )


class Mean(Function):
    """out = (1/n) Σ a over all n elements.   dout/da = 1/n for every element."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.input_shape = a.shape
        ctx.count = a.size
        return np.asarray(a.mean())

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        raise NotImplementedError("Mean.backward: return dL/da (ctx.count holds n)")


class Max(Function):
    """out = max of all elements of a.   dout/da = 1/k at each of the k tied maxima, else 0."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        output = a.max()
        ctx.input_shape = a.shape
        # Your code (optional): save what backward needs with ctx.save_for_backward(...).
        return np.asarray(output)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        raise NotImplementedError("Max.backward: return dL/da (ties share the gradient)")
