"""Matrix product, the heart of a Linear layer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_edu.function import Context, Function

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor


class MatMul(Function):
    """out = a @ b for a, b with at least 2 dims (leading batch dims broadcast).

    With out[i, j] = Σ_k a[i, k] b[k, j]:  dL/da = dL/dout @ bᵀ,  dL/db = aᵀ @ dL/dout.
    These are the article's ``dW2 = dZ2 A1ᵀ`` and ``dA1 = W2ᵀ dZ2``. The engine sums broadcast
    batch dims. ``Tensor.matmul`` turns 1-D operands into matrices before calling this op.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        grad_a = grad_output @ b.transpose(-1, -2) if ctx.needs_input_grad[0] else None
        grad_b = a.transpose(-1, -2) @ grad_output if ctx.needs_input_grad[1] else None
        return grad_a, grad_b
