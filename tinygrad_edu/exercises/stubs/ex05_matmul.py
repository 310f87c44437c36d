"""Exercise 5: the backward of a matrix product.

With out = a @ b, out[i, j] = Σ_k a[i, k] b[k, j]. Work out dL/da and dL/db from
dL/dout = grad_output, and let the shapes guide you: a (n, k), b (k, m), grad_output (n, m).

Check it:  python -m tinygrad_edu.exercises check 5 --dir <this folder>
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.function import Context, Function
from tinygrad_edu.tensor import Tensor


class MatMul(Function):
    """out = a @ b for 2-D a (n, k) and b (k, m)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        raise NotImplementedError(
            f"MatMul.backward: return (dL/da of shape {a.shape}, dL/db of shape {b.shape})"
        )
