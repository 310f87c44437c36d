"""Exercise 10: a bug hunt. Five ops, written as the library writes them; each backward has
exactly one bug.

Your task: run the check, read what gradcheck says about each op (which op, which input, the
worst element, and the kind of mistake it looks like), and fix the backward. Each docstring's
first line states the right local derivatives.

Check it:  python -m tinygrad_edu.exercises check 10 --dir <this folder>
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.function import Context, Function
from tinygrad_edu.tensor import Tensor


class Mul(Function):
    """out = a * b.   Local derivatives: dout/da = b, dout/db = a."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad_output * b, grad_output * b


class Tanh(Function):
    """out = tanh(a).   Local derivative: dout/da = 1 - out ** 2."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        output = np.tanh(a)
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (output,) = ctx.saved_tensors
        return grad_output * (output * output - 1)


class Pow(Function):
    """out = a ** b (a > 0).   dout/da = b * a ** (b - 1),  dout/db = out * log(a)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        output = np.power(a, b)
        ctx.save_for_backward(a, b, output)
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b, output = ctx.saved_tensors
        return grad_output * a ** (b - 1), grad_output * output * a.log()


class MatMul(Function):
    """out = a @ b (2-D).   dL/da = g @ bᵀ,  dL/db = aᵀ @ g,  with g = dL/dout."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad_output @ b.T, grad_output.T @ a


class AddBias(Function):
    """out = x + bias (n,) added to each row of x (m, n).   dL/dx = g,  dL/dbias = Σ_rows g."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, bias: np.ndarray) -> np.ndarray:
        return x + bias

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        return grad_output, grad_output[0]
