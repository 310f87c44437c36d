"""Exercise 4: the backward of reductions: sum over a dim, mean, and max with ties.

A reduction maps many inputs to one output, so its backward spreads one upstream gradient
back over the inputs that were reduced: reshape it so that it broadcasts against the input
(``keepdim``), then ``expand`` it to the input's shape.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.function import Context, Function
from tinygrad_edu.tensor import Tensor


class SumDim(Function):
    """out = Σ a over axis ``dim`` (the axis disappears).   dout/da = 1 for each summed element.

    Example:
        >>> a = Tensor(np.ones((2, 3)), requires_grad=True)
        >>> SumDim.apply(a, dim=1).sum().backward()
        >>> a.grad.shape
        Size([2, 3])
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, dim: int) -> np.ndarray:
        ctx.input_shape = a.shape
        ctx.dim = dim
        return a.sum(axis=dim)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        kept_shape = list(ctx.input_shape)
        kept_shape[ctx.dim] = 1  # the summed axis comes back with size 1 ...
        return grad_output.reshape(tuple(kept_shape)).expand(ctx.input_shape)  # ... and is copied


class Mean(Function):
    """out = (1/n) Σ a over all n elements.   dout/da = 1/n for every element.

    Example:
        >>> a = Tensor(np.ones(4), requires_grad=True)
        >>> Mean.apply(a).backward()
        >>> a.grad.numpy()
        array([0.25, 0.25, 0.25, 0.25])
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.input_shape = a.shape
        ctx.count = a.size
        return np.asarray(a.mean())

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        ones_shape = (1,) * len(ctx.input_shape)
        return (grad_output / ctx.count).reshape(ones_shape).expand(ctx.input_shape)


class Max(Function):
    """out = max of all elements of a.   dout/da = 1/k at each of the k tied maxima, else 0.

    Example:
        >>> a = Tensor(np.array([1.0, 3.0, 3.0]), requires_grad=True)
        >>> Max.apply(a).backward()
        >>> a.grad.numpy()
        array([0. , 0.5, 0.5])
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        output = a.max()
        is_max = a == output
        ctx.input_shape = a.shape
        ctx.save_for_backward((is_max / is_max.sum()).astype(a.dtype))  # ties share equally
        return np.asarray(output)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (share,) = ctx.saved_tensors
        ones_shape = (1,) * len(ctx.input_shape)
        return grad_output.reshape(ones_shape).expand(ctx.input_shape) * share
