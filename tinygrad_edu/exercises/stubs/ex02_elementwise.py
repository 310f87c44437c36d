"""Exercise 2: the backward of elementwise ops: multiply, exp and log.

Each ``backward`` receives ``grad_output`` (dL/dout, a Tensor of the output's shape) and returns
dL/dinput = grad_output * (local derivative dout/dinput), one gradient per input.
The forwards are written; complete the three backwards.

Check it:  python -m tinygrad_edu.exercises check 2 --dir <this folder>
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
        raise NotImplementedError("Mul.backward: return (dL/da, dL/db)")


class Exp(Function):
    """out = exp(a).   Local derivative: dout/da = exp(a), which is the output itself."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        output = np.exp(a)
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (output,) = ctx.saved_tensors
        raise NotImplementedError("Exp.backward: return dL/da")


class Log(Function):
    """out = log(a).   Local derivative: dout/da = 1 / a."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        raise NotImplementedError("Log.backward: return dL/da")
