"""Ops whose results carry no gradient: comparisons, logical and bitwise combinations, bit
shifts, ``any`` and ``all``, and the positions of maxima and minima (``argmax``, ``argmin``).

Nothing flows back through them (a comparison is piecewise constant, an index is an integer),
so they are ``NoGradientFunction`` ops: run without recording a node, with outputs that never
require grad, and no ``backward``. They are ops all the same, rather than NumPy calls on
``tensor._data``, so that a step compiled with ``tinygrad_edu.jit`` records them and computes
them again from the new data at every replay (a mask computed outside the ops would be the
capture's mask for ever).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from tinygrad_edu.function import Context, NoGradientFunction


class Comparison(NoGradientFunction):
    """out = ufunc(a, b), elementwise: a comparison (``np.less``, ``np.equal``...: bools) or a
    logical or bitwise combination (``np.logical_and``, ``np.bitwise_or``...). No gradient.

    Example:
        >>> import numpy as np, tinygrad_edu as tge
        >>> Comparison.apply(tge.tensor([1.0, 3.0]), tge.tensor(2.0), ufunc=np.less)
        tensor([ True, False])
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray, *, ufunc: np.ufunc) -> np.ndarray:
        return np.asarray(ufunc(a, b))


class Invert(NoGradientFunction):
    """out = ~a: logical not for bools, bitwise not for integers. No gradient.

    Example:
        >>> import tinygrad_edu as tge
        >>> Invert.apply(tge.tensor([True, False]))
        tensor([False,  True])
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        return np.asarray(np.invert(a))


def shift_counts(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The shift counts of ``a << b`` / ``a >> b`` as a's dtype, and where they lie outside
    [0, bits of a's dtype): there C (and NumPy) leave the result undefined, torch defines it."""
    bits = a.dtype.itemsize * 8
    outside = (b < 0) | (b >= bits)
    return np.where(outside, 0, b).astype(a.dtype, copy=False), outside


class LeftShift(NoGradientFunction):
    """out = a << b = a · 2^b, elementwise, for integers (bits pushed past the top are lost).
    No gradient. A count that is negative or at least the number of bits gives 0, as in torch.

    Example:
        >>> import tinygrad_edu as tge
        >>> LeftShift.apply(tge.tensor([1, -3]), tge.tensor([4, 64]))
        tensor([16,  0])
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        counts, outside = shift_counts(a, b)
        return np.asarray(np.where(outside, 0, np.left_shift(a, counts)).astype(a.dtype))


class RightShift(NoGradientFunction):
    """out = a >> b = floor(a / 2^b), elementwise, for integers (the sign bit is copied in).
    No gradient. A count that is negative or at least the number of bits gives what all the
    bits shifted out would: 0, or -1 for a negative a, as in torch.

    Example:
        >>> import tinygrad_edu as tge
        >>> RightShift.apply(tge.tensor([100, -100]), tge.tensor([3, 70]))
        tensor([12, -1])
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        counts, outside = shift_counts(a, b)
        if a.dtype.kind == "i":
            all_out = np.right_shift(a, a.dtype.itemsize * 8 - 1)  # 0, or -1 where a < 0
        else:
            all_out = np.zeros_like(a)  # unsigned: no sign bit to copy in
        return np.asarray(np.where(outside, all_out, np.right_shift(a, counts)).astype(a.dtype))


class Truth(NoGradientFunction):
    """out = reduce(a != 0) over all elements, ``reduce`` being ``np.any`` or ``np.all``: a 0-d
    bool (uint8 for uint8 input, as in torch). No gradient.

    Example:
        >>> import numpy as np, tinygrad_edu as tge
        >>> values = tge.tensor([0.0, 2.0])
        >>> Truth.apply(values, reduce=np.any), Truth.apply(values, reduce=np.all)
        (tensor(True), tensor(False))
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, reduce: Callable[..., Any]) -> np.ndarray:
        # torch keeps uint8 for uint8 input (its answer from before it had bools); bool else.
        return np.asarray(reduce(a), dtype=np.uint8 if a.dtype == np.uint8 else np.bool_)


class IndexOfExtreme(NoGradientFunction):
    """out = find(a, axis) as int64, ``find`` being ``np.argmax`` or ``np.argmin``: the first
    position of the maximum (minimum) along ``axis``, or in the flattened array for None. A NaN
    counts as the extreme, as in torch. No gradient.

    Example:
        >>> import numpy as np, tinygrad_edu as tge
        >>> IndexOfExtreme.apply(tge.tensor([[1.0, 5.0], [7.0, 2.0]]), find=np.argmax, axis=1,
        ...                      keepdims=False)
        tensor([1, 0])
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, find: Callable[..., Any], axis: int | None,
                keepdims: bool) -> np.ndarray:
        if axis is None:
            return np.asarray(find(a, keepdims=keepdims), dtype=np.int64)
        return find(a, axis=axis, keepdims=keepdims).astype(np.int64)
