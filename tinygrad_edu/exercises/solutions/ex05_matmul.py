"""Exercise 5: the backward of a matrix product.

With out = a @ b, out[i, j] = Σ_k a[i, k] b[k, j], so d out[i, j] / d a[i, k] = b[k, j] and
d out[i, j] / d b[k, j] = a[i, k]. Summing over the outputs each element touches gives
dL/da = dL/dout @ bᵀ and dL/db = aᵀ @ dL/dout: the article's ``dW2 = dZ2 A1ᵀ``.
Check the shapes: a (n, k), b (k, m), dL/dout (n, m): (n, m) @ (m, k) is (n, k), like a.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.function import Context, Function
from tinygrad_edu.tensor import Tensor


class MatMul(Function):
    """out = a @ b for 2-D a (n, k) and b (k, m).   dL/da = g @ bᵀ, dL/db = aᵀ @ g.

    Example:
        >>> a = Tensor(np.ones((2, 3)), requires_grad=True)
        >>> MatMul.apply(a, Tensor(np.ones((3, 4)))).sum().backward()
        >>> a.grad.numpy()
        array([[4., 4., 4.],
               [4., 4., 4.]])
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad_output @ b.T, a.T @ grad_output
