"""Piecewise ops, whose derivative is a mask or a sign: relu (and its gradient as an op of its
own), abs, sign, maximum, where and clamp, with the helpers every backward uses to select.

Where the derivative is a mask, the backward *selects* with ``Where`` instead of multiplying by
0/1: an inf or NaN upstream gradient times a 0 mask would be NaN, and torch gives exactly 0 at
masked-out positions. The smooth elementwise ops are in ``elementwise.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_edu.function import Context, Function, constant

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor


def zero_like(tensor: Tensor) -> Tensor:
    """A 0-d zero of ``tensor``'s dtype: the "nothing flows here" branch of a ``Where``."""
    return constant(np.zeros((), dtype=tensor.dtype))


# The unsigned integer dtype of each floating point width, looked up once (``zero_where``
# runs in every ReLU's backward; building the dtype from its name costs a fifth of a µs).
UNSIGNED_OF_WIDTH: dict[int, np.dtype] = {
    2: np.dtype(np.uint16), 4: np.dtype(np.uint32), 8: np.dtype(np.uint64)}


def zero_where(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.where(mask, 0, values)`` bit for bit (``values`` floating point, of mask's shape).

    A selection, not a product: +0 where ``mask`` is set even if the value there is inf or NaN,
    and every other value's own bits (-0 and NaN included). It is computed as an AND of the
    values' bits with all zeros (masked) or all ones (kept), which runs without a branch per
    element: ``np.where`` branches, and on a mask as random as a ReLU's it takes about six
    times as long as the article's ``g * (Z1 > 0)``; the AND takes as long as that product.

    Example:
        >>> zero_where(np.array([True, True, False]), np.array([np.inf, 2.0, -0.0]))
        array([ 0.,  0., -0.])
        >>> zero_where(np.float64(1.0) <= 0, np.array(np.nan))
        array(nan)
    """
    bits = UNSIGNED_OF_WIDTH[values.dtype.itemsize]  # an unsigned integer as wide as a value
    # mask - 1 in those integers (one pass): 0 where masked, all ones where kept (0 - 1 wraps
    # around). np.asarray: a 0-d comparison gives a NumPy scalar, and the AND writes in place.
    keep = np.asarray(np.subtract(mask, 1, dtype=bits))
    return np.bitwise_and(values.view(bits), keep, out=keep).view(values.dtype)


class Relu(Function):
    """out = max(a, 0).   Local derivative: dout/da = 1[out > 0] (0 at a = 0, like torch).

    The gradient is selected, not multiplied by the mask (see ``ReluGradient``); like torch it
    passes at a = NaN (relu(NaN) = NaN), where "out <= 0" is false.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        output = np.maximum(a, 0)
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (output,) = ctx.saved_tensors
        return ReluGradient.apply(grad_output, output)


class ReluGradient(Function):
    """out = g where relu_output > 0 else 0: the gradient of relu as an op of its own.

    It takes the relu's output as a second input, as torch does, so that a gradient made with
    ``create_graph=True`` depends on it and requires grad (its derivative with respect to the
    output is zero: the mask is piecewise constant). dout/dg = 1[relu_output > 0].
    """

    @staticmethod
    def forward(ctx: Context, grad: np.ndarray, relu_output: np.ndarray) -> np.ndarray:
        off = relu_output <= 0
        ctx.off = off
        return zero_where(off, grad)  # np.where(off, 0, grad), without a branch per element

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        grad_of_grad = Where.apply(zero_like(grad_output), grad_output, condition=ctx.off)
        return grad_of_grad, constant(np.zeros(grad_output.shape, grad_output.dtype))


class Abs(Function):
    """out = |a|.   Local derivative: dout/da = sgn(a), which is 0 at a = 0 and at a = NaN.

    This is torch's derivative, and torch multiplies by it: sgn(a) is a value (-1, 0 or +1), not
    a selection, so an inf upstream gradient at exactly a = 0 gives 0 * inf = NaN in both.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad_output * Sign.apply(a)


class Sign(Function):
    """out = sgn(a): -1, 0 or +1 (0 at a = 0 and at NaN, like torch).   dout/da = 0.

    The derivative is zero wherever it exists, and zero is what torch uses everywhere. The op
    still records its input, so ``abs``'s gradient g * sgn(a) made with ``create_graph=True``
    requires grad and can be differentiated again (to zero), as in torch.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        return (a > 0).astype(a.dtype) - (a < 0).astype(a.dtype)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return constant(np.zeros(grad_output.shape, grad_output.dtype))


class Maximum(Function):
    """out = max(a, b) elementwise.   dout/da = 1[not a < b], dout/db = 1[not a > b], ½ at ties.

    torch's rule: the gradient is halved where a == b, then a gets nothing where a < b and b
    nothing where a > b. NaN compares false both ways, so where either input is NaN (and the
    output is NaN) both inputs receive the full gradient. The masks select, never multiply.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        output = np.maximum(a, b)
        if True in ctx.needs_input_grad:
            ctx.save_for_backward(a < b, a > b, a == b)
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a_smaller, a_larger, tied = (saved._data for saved in ctx.saved_tensors)
        zero = zero_like(grad_output)
        # (Selected even where nothing is tied, not behind a Python test of the values: a step
        # compiled with tinygrad_edu.jit replays the ops, and the next batch may have ties.)
        shared = Where.apply(grad_output * 0.5, grad_output, condition=tied)
        grad_a = Where.apply(zero, shared, condition=a_smaller) if ctx.needs_input_grad[0] else None
        grad_b = Where.apply(zero, shared, condition=a_larger) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Where(Function):
    """out = a where condition else b.   dout/da = 1[condition], dout/db = 1[not condition]."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray, *, condition: np.ndarray) -> np.ndarray:
        ctx.condition = condition
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        zero = zero_like(grad_output)
        grad_a = Where.apply(grad_output, zero, condition=ctx.condition)
        grad_b = Where.apply(zero, grad_output, condition=ctx.condition)
        return grad_a, grad_b


class Clamp(Function):
    """out = a limited to [low, high] (either bound may be None).   dout/da = 1[low <= a <= high].

    The bounds themselves pass the gradient; NaN stays NaN with gradient 0 (NaN is not inside),
    as in torch. Where a is inside, out is a itself (-0.0 stays -0.0).
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, low: float | None,
                high: float | None) -> np.ndarray:
        inside = np.ones(a.shape, dtype=bool)
        if low is not None:
            inside &= a >= low
        if high is not None:
            inside &= a <= high
        ctx.inside = inside
        return np.where(inside, a, np.clip(a, low, high).astype(a.dtype))

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return Where.apply(grad_output, zero_like(grad_output), condition=ctx.inside)
