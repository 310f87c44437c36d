"""Exercise 9: a Function of your own, from scratch: Swish (also called SiLU).

    swish(x) = x * sigmoid(x),   sigmoid(x) = 1 / (1 + exp(-x))

Your task: write both ``forward`` (NumPy arrays in, a NumPy array out; save what backward
needs) and ``backward`` (Tensor operations on ``ctx.saved_tensors``, so that the backward pass
can itself be differentiated: the check runs ``gradgradcheck`` too).

Check it:  python -m tinygrad_edu.exercises check 9 --dir <this folder>
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.function import Context, Function
from tinygrad_edu.tensor import Tensor


class Swish(Function):
    """out = x * sigmoid(x).   dout/dx = ?"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError("Swish.forward: return x * sigmoid(x) as a NumPy array")

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        raise NotImplementedError("Swish.backward: return dL/dx")
