"""Exercise 2: the backward of elementwise ops: multiply, exp and log.

Each ``backward`` receives ``grad_output`` (dL/dout, a Tensor of the output's shape) and returns
dL/dinput = grad_output * (local derivative dout/dinput) for every input: the chain rule,
applied to every element at once.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.function import Context, Function
from tinygrad_edu.tensor import Tensor


class Mul(Function):
    """out = a * b.   Local derivatives: dout/da = b, dout/db = a.

    Example:
        >>> a = Tensor(np.array([2.0, 3.0]), requires_grad=True)
        >>> Mul.apply(a, Tensor(np.array([5.0, 7.0]))).sum().backward()
        >>> a.grad.numpy()
        array([5., 7.])
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad_output * b, grad_output * a


class Exp(Function):
    """out = exp(a).   Local derivative: dout/da = exp(a), which is the output itself.

    Example:
        >>> a = Tensor(np.array([0.0]), requires_grad=True)
        >>> Exp.apply(a).sum().backward()
        >>> a.grad.numpy()
        array([1.])
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        output = np.exp(a)
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (output,) = ctx.saved_tensors
        return grad_output * output


class Log(Function):
    """out = log(a).   Local derivative: dout/da = 1 / a.

    Example:
        >>> a = Tensor(np.array([4.0]), requires_grad=True)
        >>> Log.apply(a).sum().backward()
        >>> a.grad.numpy()
        array([0.25])
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad_output / a
