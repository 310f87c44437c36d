"""Exercise 10: a bug hunt. Five ops, as the library writes them; each backward had one bug.

This is the fixed version. Each docstring's first line states the local derivatives, and
each backward now follows it.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.function import Context, Function
from tinygrad_edu.tensor import Tensor


class Mul(Function):
    """out = a * b.   Local derivatives: dout/da = b, dout/db = a.

    Example:
        >>> b = Tensor(np.array([2.0]), requires_grad=True)
        >>> Mul.apply(Tensor(np.array([5.0])), b).sum().backward()
        >>> b.grad.numpy()
        array([5.])
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad_output * b, grad_output * a


class Tanh(Function):
    """out = tanh(a).   Local derivative: dout/da = 1 - out ** 2.

    Example:
        >>> a = Tensor(np.array([0.0]), requires_grad=True)
        >>> Tanh.apply(a).sum().backward()
        >>> a.grad.numpy()
        array([1.])
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        output = np.tanh(a)
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (output,) = ctx.saved_tensors
        return grad_output * (1 - output * output)


class Pow(Function):
    """out = a ** b (a > 0).   dout/da = b * a ** (b - 1),  dout/db = out * log(a).

    Example:
        >>> a = Tensor(np.array([3.0]), requires_grad=True)
        >>> Pow.apply(a, Tensor(np.array([2.0]))).sum().backward()
        >>> a.grad.numpy()
        array([6.])
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        output = np.power(a, b)
        ctx.save_for_backward(a, b, output)
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b, output = ctx.saved_tensors
        return grad_output * b * a ** (b - 1), grad_output * output * a.log()


class MatMul(Function):
    """out = a @ b (2-D).   dL/da = g @ bᵀ,  dL/db = aᵀ @ g,  with g = dL/dout.

    Example:
        >>> b = Tensor(np.ones((2, 1)), requires_grad=True)
        >>> MatMul.apply(Tensor(np.array([[1.0, 2.0]])), b).sum().backward()
        >>> b.grad.numpy()
        array([[1.],
               [2.]])
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad_output @ b.T, a.T @ grad_output


class AddBias(Function):
    """out = x + bias (n,) added to each row of x (m, n).   dL/dx = g,  dL/dbias = Σ_rows g.

    Example:
        >>> bias = Tensor(np.zeros(2), requires_grad=True)
        >>> AddBias.apply(Tensor(np.ones((3, 2))), bias).sum().backward()
        >>> bias.grad.numpy()
        array([3., 3.])
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, bias: np.ndarray) -> np.ndarray:
        return x + bias

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        return grad_output, grad_output.sum(dim=0)
