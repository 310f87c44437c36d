"""Exercise 9: a Function of your own, from scratch: Swish (also called SiLU).

    swish(x) = x * sigmoid(x),   sigmoid(x) = 1 / (1 + exp(-x))

Product rule, with sigmoid' = sigmoid (1 - sigmoid):
    d swish / dx = sigmoid(x) + x sigmoid(x) (1 - sigmoid(x)).

Write ``backward`` with Tensor operations on the saved tensors, as the library's ops do: then
the backward pass is itself recorded and second derivatives work (the check runs
``gradgradcheck`` too).
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.function import Context, Function
from tinygrad_edu.tensor import Tensor


class Swish(Function):
    """out = x * sigmoid(x).   dout/dx = s + x s (1 - s), with s = sigmoid(x).

    Example:
        >>> x = Tensor(np.array([0.0]), requires_grad=True)
        >>> Swish.apply(x).sum().backward()
        >>> x.grad.numpy()
        array([0.5])
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return x / (1 + np.exp(-x))

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        s = x.sigmoid()  # a Tensor op on the saved input: differentiable again
        return grad_output * (s + x * s * (1 - s))
