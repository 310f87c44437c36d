"""Matrix product, the heart of a Linear layer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_edu.function import Context, Function

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor


class MatMul(Function):
    """out = a @ b (NumPy's and torch's rules: leading batch dims broadcast; a 1-D a is a row
    vector and a 1-D b a column vector, whose added dim the result does not have).

    With out[i, j] = Σ_k a[i, k] b[k, j]:  dL/da = dL/dout @ bᵀ,  dL/db = aᵀ @ dL/dout.
    These are the article's ``dW2 = dZ2 A1ᵀ`` and ``dA1 = W2ᵀ dZ2``. The engine sums broadcast
    batch dims. For a 1-D operand backward uses the same formulas on the matrix it stands for,
    then drops the added dim again; the op saves the operands themselves, as torch does, so a
    gradient made with ``create_graph=True`` depends on them even if one of them was set to
    require grad only after the product.

    Example:
        >>> import tinygrad_edu as tge
        >>> a = tge.tensor([1.0, 2.0], requires_grad=True)
        >>> b = tge.tensor([[3.0, 4.0], [5.0, 6.0]])
        >>> out = MatMul.apply(a, b)
        >>> out.tolist()
        [13.0, 16.0]
        >>> out.sum().backward()
        >>> a.grad.tolist()
        [7.0, 11.0]
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        a_is_vector, b_is_vector = a.ndim == 1, b.ndim == 1
        # The matrices the vectors stand for, and the gradient with the dims the product removed.
        a_matrix = a.unsqueeze(0) if a_is_vector else a
        b_matrix = b.unsqueeze(-1) if b_is_vector else b
        grad = grad_output.unsqueeze(-1) if b_is_vector else grad_output
        grad = grad.unsqueeze(-2) if a_is_vector else grad
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = grad @ b_matrix.transpose(-1, -2)
            grad_a = grad_a.squeeze(-2) if a_is_vector else grad_a
        if ctx.needs_input_grad[1]:
            grad_b = a_matrix.transpose(-1, -2) @ grad
            grad_b = grad_b.squeeze(-1) if b_is_vector else grad_b
        return grad_a, grad_b
