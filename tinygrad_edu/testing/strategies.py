"""Hypothesis strategies for testing differentiable ops: shapes, arrays, tensors and domains.

A gradient check compares a backward pass with central differences
``(f(x + eps) - f(x - eps)) / (2 eps)``. That comparison is only meaningful where ``f`` is smooth
on the whole interval ``[x - eps, x + eps]``, so every input must be drawn from a *domain* that
keeps it well away from the points where the op is undefined (log of a value <= 0), has a kink
(relu and abs at 0) or switches branches (max of two equal values). The domain functions below
return hypothesis strategies of floats; ``arrays`` and ``tensors`` fill whole arrays with them.

Shapes are small on purpose (at most ``MAX_DIMS`` dimensions of at most ``MAX_SIDE`` elements):
a numerical Jacobian costs two forward passes per input element. 0-d shapes are included, since
scalars are where many broadcasting bugs hide.

Example:
    >>> from hypothesis import given
    >>> @given(tensors(shape=(2, 3), elements=positive_values()))
    ... def test_log_is_finite(x):
    ...     assert np.isfinite(x.log()._data).all()
    >>> test_log_is_finite()
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_edu.tensor import Tensor

try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "tinygrad_edu.testing needs the hypothesis package: pip install hypothesis"
    ) from error

__all__ = [
    "MAX_DIMS", "MAX_SIDE", "arrays", "away_from_zero", "broadcastable_shapes", "distinct_values",
    "input_arrays", "positive_values", "real_values", "same_shape", "shapes", "tensors",
]

MAX_SIDE = 4
MAX_DIMS = 4

Shape = tuple[int, ...]
ShapeArgument = Shape | st.SearchStrategy[Shape]


def real_values(low: float = -3.0, high: float = 3.0) -> st.SearchStrategy[float]:
    """Finite, normal floats in ``[low, high]``: the domain of smooth ops (exp, tanh, mul, ...).

    NaN and infinity are left out because a gradient check of them says nothing, and subnormal
    numbers because they lose precision; the bounds keep ``exp`` and powers well conditioned.

    Example:
        >>> from hypothesis import given
        >>> @given(real_values(-1.0, 1.0))
        ... def test_tanh_is_odd(value):
        ...     assert np.tanh(-value) == -np.tanh(value)
        >>> test_tanh_is_odd()
    """
    return st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def positive_values(low: float = 0.1, high: float = 5.0) -> st.SearchStrategy[float]:
    """Floats in ``[low, high]`` with ``low > 0``: the domain of log, sqrt and fractional powers.

    These ops are undefined below 0 and their derivatives (``1/x``, ``1/(2 sqrt(x))``) blow up
    at 0, so a central difference near 0 is inaccurate; ``low`` keeps the inputs off that region.

    Example:
        >>> from hypothesis import given
        >>> @given(positive_values())
        ... def test_exp_undoes_log(value):
        ...     assert abs(np.exp(np.log(value)) - value) <= 1e-12 * value
        >>> test_exp_undoes_log()
    """
    if low <= 0:
        raise ValueError(f"positive_values needs low > 0, got {low}")
    return real_values(low, high)


def away_from_zero(low: float = 0.1, high: float = 3.0) -> st.SearchStrategy[float]:
    """Floats with ``low <= |value| <= high``, of either sign.

    The domain of ops with a kink at 0 (relu, abs: their derivative jumps there, so a central
    difference straddling 0 gives the average of the two slopes) and of divisors (``1/x`` and
    its derivative ``-1/x**2`` blow up near 0).

    Example:
        >>> from hypothesis import given
        >>> @given(away_from_zero())
        ... def test_central_difference_of_abs_is_its_slope(value):
        ...     slope = (abs(value + 1e-6) - abs(value - 1e-6)) / 2e-6
        ...     assert abs(slope - np.sign(value)) < 1e-6
        >>> test_central_difference_of_abs_is_its_slope()
    """
    if low <= 0:
        raise ValueError(f"away_from_zero needs low > 0, got {low}")
    return st.one_of(real_values(-high, -low), real_values(low, high))


def distinct_values(
    low: float = -3.0, high: float = 3.0, spacing: float = 2.0**-8, offset: float = 0.0
) -> st.SearchStrategy[float]:
    """Grid points ``offset + k * spacing`` in ``[low, high]``, for ops that select (max, min).

    The gradient of ``max`` flows to the largest element only; when two elements tie, a central
    difference moves the maximum from one to the other and sees half the slope. Values on a
    grid are either equal or at least ``spacing`` apart, so:

    * an array drawn with ``unique=True`` (see ``arrays``) has no ties at all (max/min over a
      tensor);
    * two arrays drawn with offsets differing by ``spacing / 2`` never tie with each other
      (elementwise ``maximum(a, b)``).

    The default spacing ``2**-8`` is exact in float32 and float64 and far wider than the step
    ``eps = 1e-6`` of a gradient check.

    Example:
        >>> from hypothesis import given
        >>> @given(arrays((2, 3), distinct_values(), unique=True))
        ... def test_no_ties(array):
        ...     assert len(set(array.ravel())) == array.size
        >>> test_no_ties()
    """
    if spacing <= 0:
        raise ValueError(f"distinct_values needs spacing > 0, got {spacing}")
    first = int(np.ceil((low - offset) / spacing))
    last = int(np.floor((high - offset) / spacing))
    return st.integers(first, last).map(lambda step: offset + step * spacing)


def shapes(
    min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 1, max_side: int = MAX_SIDE
) -> st.SearchStrategy[Shape]:
    """Array shapes with ``min_dims..max_dims`` dimensions of ``min_side..max_side`` each.

    ``min_dims=0`` (the default) includes the 0-d shape ``()`` of a scalar tensor.

    Example:
        >>> from hypothesis import find
        >>> find(shapes(min_dims=2, max_dims=2), lambda shape: True)
        (1, 1)
    """
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def broadcastable_shapes(
    num_shapes: int = 2, min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 1,
    max_side: int = MAX_SIDE,
) -> st.SearchStrategy[tuple[Shape, ...]]:
    """Tuples of ``num_shapes`` shapes that broadcast together, 0-d shapes included.

    Drawn by ``hypothesis.extra.numpy.mutually_broadcastable_shapes``: dimensions are added on
    the left and sizes set to 1 at random, e.g. ``((3, 1), (2, 1, 4))``. A backward pass must
    sum its gradient over every such added or stretched dimension.

    Example:
        >>> from hypothesis import given
        >>> @given(broadcastable_shapes())
        ... def test_a_sum_has_the_broadcast_shape(pair):
        ...     first, second = np.ones(pair[0]), np.ones(pair[1])
        ...     assert (first + second).shape == np.broadcast_shapes(*pair)
        >>> test_a_sum_has_the_broadcast_shape()
    """
    drawn = hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side,
        max_side=max_side,
    )
    return drawn.map(lambda result: tuple(result.input_shapes))


def _shape_strategy(shape: ShapeArgument | None) -> st.SearchStrategy[Shape]:
    """A strategy for ``shape``: the default shapes, a fixed tuple, or the given strategy."""
    if shape is None:
        return shapes()
    if isinstance(shape, st.SearchStrategy):
        return shape
    return st.just(tuple(int(size) for size in shape))


def arrays(
    shape: ShapeArgument | None = None, elements: st.SearchStrategy[Any] | None = None,
    dtype: Any = np.float64, unique: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """NumPy arrays of ``dtype`` whose values come from ``elements``.

    Values are drawn in float64 and then cast, so one domain serves every float dtype.

    Args:
        shape: A shape tuple, a strategy of shapes, or None for ``shapes()``.
        elements: A strategy of values; ``real_values()`` by default.
        dtype: The array's dtype (float64 by default, what gradient checks need).
        unique: Draw pairwise distinct values (use with ``distinct_values`` for max/min).

    Example:
        >>> from hypothesis import find
        >>> find(arrays((2, 2), positive_values()), lambda array: True)
        array([[1., 1.],
               [1., 1.]])
    """
    if elements is None:
        elements = real_values()
    target = np.dtype(dtype)

    def build(drawn_shape: Shape) -> st.SearchStrategy[np.ndarray]:
        drawn = hnp.arrays(np.float64, drawn_shape, elements=elements, unique=unique)
        # np.asarray: astype of a 0-d array is an array, but keep the type explicit.
        return drawn.map(lambda array: np.asarray(array.astype(target)))

    return _shape_strategy(shape).flatmap(build)


def tensors(
    shape: ShapeArgument | None = None, dtype: Any = np.float64,
    elements: st.SearchStrategy[Any] | None = None, requires_grad: bool = True,
    unique: bool = False,
) -> st.SearchStrategy[Tensor]:
    """Leaf Tensors filled by ``arrays(shape, elements, dtype, unique)``.

    Args:
        shape: A shape tuple, a strategy of shapes, or None for ``shapes()``.
        dtype: The tensor's dtype; float64 by default (gradient checks need it).
        elements: A strategy of values; ``real_values()`` by default.
        requires_grad: Whether the tensors require grad (needs a floating dtype).
        unique: Draw pairwise distinct values.

    Example:
        >>> from hypothesis import find
        >>> find(tensors(shape=(3,), elements=positive_values()), lambda x: True)
        tensor([1., 1., 1.], dtype=float64, requires_grad=True)
    """
    if requires_grad and not np.issubdtype(np.dtype(dtype), np.floating):
        raise ValueError(f"only floating point tensors can require grad, not {np.dtype(dtype)}")
    return arrays(shape, elements, dtype, unique).map(
        lambda array: Tensor(array, requires_grad=requires_grad)
    )


def same_shape(
    count: int, shape: ShapeArgument | None = None
) -> st.SearchStrategy[tuple[Shape, ...]]:
    """Tuples of ``count`` copies of one drawn shape (inputs of a non-broadcasting op).

    Example:
        >>> from hypothesis import find
        >>> find(same_shape(2), lambda pair: len(pair[0]) == 1)
        ((1,), (1,))
    """
    return _shape_strategy(shape).map(lambda drawn: tuple(drawn for _ in range(count)))


def input_arrays(
    shape_tuples: st.SearchStrategy[Sequence[Shape]],
    domains: Sequence[st.SearchStrategy[Any]], unique: bool = False,
) -> st.SearchStrategy[list[np.ndarray]]:
    """Lists of float64 arrays, one per domain, with the shapes of one drawn tuple.

    Example:
        >>> from hypothesis import find
        >>> pairs = input_arrays(broadcastable_shapes(), [real_values(), positive_values()])
        >>> find(pairs, lambda pair: pair[1].ndim == 1)
        [array(0.), array([1.])]
    """

    def build(drawn: Sequence[Shape]) -> st.SearchStrategy[list[np.ndarray]]:
        if len(drawn) != len(domains):
            raise ValueError(f"got {len(drawn)} shapes for {len(domains)} inputs")
        return st.tuples(*[
            arrays(shape, domain, np.float64, unique) for shape, domain in zip(drawn, domains)
        ]).map(list)

    return shape_tuples.flatmap(build)
