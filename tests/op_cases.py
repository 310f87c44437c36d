"""The shared table of differentiable op cases.

Every entry of ``OP_CASES`` pairs one tinygrad_edu call (``ours``) with the same call written
against torch (``theirs``) and a hypothesis input domain (``inputs``). The forward, first-order,
second-order, invariant, float32 and finite-difference tests are all driven by this one table.

The shape, array and value strategies come from the public test kit
(``tinygrad_edu.testing.strategies``), so a learner testing a new op draws inputs exactly as the
project does. Rules the domains follow:

* Inputs are float64 arrays. Shapes are small (every side at most ``MAX_SIDE`` elements, at most
  ``MAX_DIMS`` dimensions) and include 0-d arrays wherever the op accepts them; binary
  elementwise ops draw broadcast-compatible shape pairs. A few reduction cases draw empty
  arrays (a leading dimension of size 0) to pin torch's results for reductions of nothing.
* Values stay away from the points where an op is not differentiable or not defined: relu and
  abs at 0, clamp at its bounds, ties in max/min/maximum/minimum, log/sqrt of values <= 0,
  division by values near 0. A central difference with a step of 1e-6 therefore never crosses a
  kink.
* Boolean conditions and masks are comparisons on drawn inputs whose values are kept away from
  the threshold, so the mask is random (drawn by hypothesis) yet constant under small
  perturbations, and no gradient flows through the comparison itself.

This module does not import torch: ``theirs`` receives the torch module as its first argument.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

import tinygrad_edu
from tinygrad_edu import Tensor
from tinygrad_edu.nn import functional as nn_functional
from tinygrad_edu.testing.strategies import (
    MAX_DIMS,
    MAX_SIDE,
    arrays,
    away_from_zero,
    broadcastable_shapes,
    distinct_values,
    positive_values,
    real_values,
    shapes,
)

InputsFunction = Callable[[st.DrawFn], list[np.ndarray]]
ElementStrategy = st.SearchStrategy[float]


@dataclass(frozen=True)
class OpCase:
    """One differentiable op, called the same way in tinygrad_edu and in torch.

    Attributes:
        name: Unique case name, e.g. ``"mul"`` or ``"getitem_int_array_duplicates"``.
        ours: ``ours(*tinygrad_edu_tensors) -> Tensor``.
        theirs: ``theirs(torch_module, *torch_tensors) -> torch.Tensor``.
        inputs: Hypothesis drawing function returning the float64 input arrays.
        second_order: False only for piecewise-linear selection ops (relu, abs, clamp, max, min,
            maximum, minimum) whose second derivative is zero wherever it is defined.
    """

    name: str
    ours: Callable[..., Tensor]
    theirs: Callable[..., Any]
    inputs: InputsFunction
    second_order: bool = True


# ---------------------------------------------------------------------------------------------
# Value domains of this table (real_values, positive_values, away_from_zero and distinct_values
# are the kit's)
# ---------------------------------------------------------------------------------------------

# clamp bounds used by the clamp cases; the values below keep a gap of 0.1 from each bound.
CLAMP_LOW = -0.5
CLAMP_HIGH = 0.5


def away_from_clamp_bounds() -> ElementStrategy:
    """Floats in [-2, 2] at least 0.1 away from ``CLAMP_LOW`` and ``CLAMP_HIGH``."""
    return st.one_of(
        real_values(-2.0, CLAMP_LOW - 0.1),
        real_values(CLAMP_LOW + 0.1, CLAMP_HIGH - 0.1),
        real_values(CLAMP_HIGH + 0.1, 2.0),
    )


# Two interleaved grids for maximum/minimum: values of the first input are multiples of 2**-8,
# those of the second are offset by half a step, so the two inputs never tie.
TIE_FREE_OFFSET = 2.0**-9

# softplus(x, beta=2, threshold=3) switches to its linear branch at x = threshold / beta = 1.5,
# where the two branches differ by ~0.02: the values keep a gap of 0.1 from it.
SOFTPLUS_BETA = 2.0
SOFTPLUS_THRESHOLD = 3.0


def away_from_softplus_switch() -> ElementStrategy:
    """Floats in [-3, 3] at least 0.1 away from ``SOFTPLUS_THRESHOLD / SOFTPLUS_BETA``."""
    switch = SOFTPLUS_THRESHOLD / SOFTPLUS_BETA
    return st.one_of(real_values(-3.0, switch - 0.1), real_values(switch + 0.1, 3.0))


def differences_away_from(*kinks: float) -> ElementStrategy:
    """Floats d in [-3, 3] with |d| at least 0.1 away from 0 and from every kink in ``kinks``:
    input - target for the losses that switch formula where |input - target| = beta (or delta),
    or (l1) whose derivative jumps at 0."""
    points = sorted({0.0, *kinks})
    segments = [(low + 0.1, high - 0.1) for low, high in zip(points, points[1:])]
    segments.append((points[-1] + 0.1, 3.0))
    positive = [real_values(low, high) for low, high in segments]
    negative = [real_values(-high, -low) for low, high in segments]
    return st.one_of(*positive, *negative)


# The remainder a % b jumps where a / b crosses an integer. Dividends k/4 + u (k odd, |u| at
# most 0.05) with divisors ±0.5, ±1, ±2 (and the number 1.5 of the scalar case) keep
# a / b at least 0.1 from an integer, so central differences never straddle a jump.
REMAINDER_DIVISORS = (-2.0, -1.0, -0.5, 0.5, 1.0, 2.0)


def remainder_dividends() -> ElementStrategy:
    """Floats k/4 + u with k odd in [-11, 11] and |u| <= 0.05 (see ``REMAINDER_DIVISORS``)."""
    return st.builds(lambda k, u: k / 4 + u, st.sampled_from(range(-11, 12, 2)),
                     real_values(-0.05, 0.05))


def remainder_divisors() -> ElementStrategy:
    """One of ``REMAINDER_DIVISORS``."""
    return st.sampled_from(REMAINDER_DIVISORS)


# ---------------------------------------------------------------------------------------------
# Shapes and arrays
# ---------------------------------------------------------------------------------------------


def draw_array(
    draw: st.DrawFn, shape: tuple[int, ...], elements: ElementStrategy | None = None
) -> np.ndarray:
    """Draw one float64 array of ``shape`` with values from ``elements`` (default [-3, 3])."""
    if elements is None:
        elements = real_values()
    return draw(arrays(shape, elements))


def draw_distinct_array(draw: st.DrawFn, shape: tuple[int, ...]) -> np.ndarray:
    """Draw a float64 array of pairwise distinct grid values (no ties, see distinct_values)."""
    return draw(arrays(shape, distinct_values(), unique=True))


def draw_shape_with_leading(
    draw: st.DrawFn, min_leading: int, min_dims: int = 1, max_dims: int = MAX_DIMS
) -> tuple[int, ...]:
    """Draw a shape whose first dimension has at least ``min_leading`` elements."""
    leading = draw(st.integers(min_leading, MAX_SIDE))
    rest = draw(shapes(min_dims=max(min_dims - 1, 0), max_dims=max_dims - 1))
    return (leading, *rest)


# ---------------------------------------------------------------------------------------------
# Input-drawing functions (the ``inputs`` field)
# ---------------------------------------------------------------------------------------------


def unary_inputs(
    elements: ElementStrategy | None = None,
    min_dims: int = 0,
    max_dims: int = MAX_DIMS,
    min_side: int = 1,
) -> InputsFunction:
    """One array of any shape in the given range (0-d included by default)."""

    def draw_inputs(draw: st.DrawFn) -> list[np.ndarray]:
        shape = draw(shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side))
        return [draw_array(draw, shape, elements)]

    return draw_inputs


def binary_inputs(
    first_elements: ElementStrategy | None = None,
    second_elements: ElementStrategy | None = None,
) -> InputsFunction:
    """Two arrays with mutually broadcastable shapes (0-d shapes included)."""

    def draw_inputs(draw: st.DrawFn) -> list[np.ndarray]:
        first_shape, second_shape = draw(broadcastable_shapes(num_shapes=2))
        return [
            draw_array(draw, first_shape, first_elements),
            draw_array(draw, second_shape, second_elements),
        ]

    return draw_inputs


def distinct_inputs(min_dims: int = 0, max_dims: int = MAX_DIMS) -> InputsFunction:
    """One array with pairwise distinct values (for max/min without ties)."""

    def draw_inputs(draw: st.DrawFn) -> list[np.ndarray]:
        shape = draw(shapes(min_dims=min_dims, max_dims=max_dims))
        return [draw_distinct_array(draw, shape)]

    return draw_inputs


def empty_leading_inputs(min_dims: int = 2) -> InputsFunction:
    """One empty array: shape (0, *rest) with every other side at least 1."""

    def draw_inputs(draw: st.DrawFn) -> list[np.ndarray]:
        rest = draw(shapes(min_dims=min_dims - 1, max_dims=MAX_DIMS - 1))
        return [np.zeros((0, *rest))]

    return draw_inputs


def leading_inputs(
    min_leading: int, min_dims: int = 1, elements: ElementStrategy | None = None
) -> InputsFunction:
    """One array whose first dimension has at least ``min_leading`` elements (for indexing)."""

    def draw_inputs(draw: st.DrawFn) -> list[np.ndarray]:
        shape = draw_shape_with_leading(draw, min_leading, min_dims)
        return [draw_array(draw, shape, elements)]

    return draw_inputs


def squeezable_inputs(leading_one: bool) -> InputsFunction:
    """One array with many size-1 dimensions; the first one is 1 when ``leading_one``."""

    def draw_inputs(draw: st.DrawFn) -> list[np.ndarray]:
        rest = draw(shapes(min_dims=0, max_dims=MAX_DIMS - 1, max_side=2))
        leading = 1 if leading_one else draw(st.integers(2, MAX_SIDE))
        return [draw_array(draw, (leading, *rest))]

    return draw_inputs


def concatenation_inputs(count: int, dim: int) -> InputsFunction:
    """``count`` arrays of equal shape except along ``dim`` (inputs of ``cat``)."""

    def draw_inputs(draw: st.DrawFn) -> list[np.ndarray]:
        base_shape = list(draw(shapes(min_dims=1, max_dims=3)))
        arrays = []
        for _ in range(count):
            shape = list(base_shape)
            shape[dim] = draw(st.integers(1, MAX_SIDE))
            arrays.append(draw_array(draw, tuple(shape)))
        return arrays

    return draw_inputs


def same_shape_inputs(count: int, min_dims: int = 0, max_dims: int = 3) -> InputsFunction:
    """``count`` arrays of one common shape (inputs of ``stack``)."""

    def draw_inputs(draw: st.DrawFn) -> list[np.ndarray]:
        shape = draw(shapes(min_dims=min_dims, max_dims=max_dims))
        return [draw_array(draw, shape) for _ in range(count)]

    return draw_inputs


def draw_side(draw: st.DrawFn) -> int:
    """Draw one matrix side length in [1, MAX_SIDE]."""
    return draw(st.integers(1, MAX_SIDE))


def matmul_vector_vector(draw: st.DrawFn) -> list[np.ndarray]:
    """(n,) @ (n,): a dot product."""
    inner = draw_side(draw)
    return [draw_array(draw, (inner,)), draw_array(draw, (inner,))]


def matmul_vector_matrix(draw: st.DrawFn) -> list[np.ndarray]:
    """(m,) @ (m, k): the vector is treated as a row and the row dimension removed."""
    inner, columns = draw_side(draw), draw_side(draw)
    return [draw_array(draw, (inner,)), draw_array(draw, (inner, columns))]


def matmul_matrix_vector(draw: st.DrawFn) -> list[np.ndarray]:
    """(n, m) @ (m,): the vector is treated as a column and the column dimension removed."""
    rows, inner = draw_side(draw), draw_side(draw)
    return [draw_array(draw, (rows, inner)), draw_array(draw, (inner,))]


def matmul_matrix_matrix(draw: st.DrawFn) -> list[np.ndarray]:
    """(n, m) @ (m, k)."""
    rows, inner, columns = draw_side(draw), draw_side(draw), draw_side(draw)
    return [draw_array(draw, (rows, inner)), draw_array(draw, (inner, columns))]


def matmul_batched(draw: st.DrawFn) -> list[np.ndarray]:
    """(*batch_a, n, m) @ (*batch_b, m, k) with broadcast-compatible batch shapes."""
    rows, inner, columns = draw_side(draw), draw_side(draw), draw_side(draw)
    first_batch, second_batch = draw(broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3))
    return [
        draw_array(draw, (*first_batch, rows, inner)),
        draw_array(draw, (*second_batch, inner, columns)),
    ]


def matmul_batched_vector(draw: st.DrawFn) -> list[np.ndarray]:
    """(*batch, n, m) @ (m,)."""
    batch = draw(shapes(min_dims=1, max_dims=2, max_side=3))
    rows, inner = draw_side(draw), draw_side(draw)
    return [draw_array(draw, (*batch, rows, inner)), draw_array(draw, (inner,))]


def matmul_vector_batched(draw: st.DrawFn) -> list[np.ndarray]:
    """(m,) @ (*batch, m, k)."""
    batch = draw(shapes(min_dims=1, max_dims=2, max_side=3))
    inner, columns = draw_side(draw), draw_side(draw)
    return [draw_array(draw, (inner,)), draw_array(draw, (*batch, inner, columns))]


def linear_inputs(draw: st.DrawFn) -> list[np.ndarray]:
    """x (*leading, in), weight (out, in), bias (out,) for the fused linear op."""
    leading = draw(shapes(min_dims=0, max_dims=2, max_side=3))
    inputs, outputs = draw_side(draw), draw_side(draw)
    return [
        draw_array(draw, (*leading, inputs)),
        draw_array(draw, (outputs, inputs)),
        draw_array(draw, (outputs,)),
    ]


# ---------------------------------------------------------------------------------------------
# Sizes and indices used inside ``ours``/``theirs`` calls
# ---------------------------------------------------------------------------------------------


def reversed_dims(ndim: int) -> tuple[int, ...]:
    """The permutation that reverses ``ndim`` dimensions, e.g. (2, 1, 0)."""
    return tuple(range(ndim - 1, -1, -1))


def expand_sizes(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Target sizes for the expand cases: a new leading dim of 2, size-1 dims grown to 3.

    Dimensions that are not 1 are passed as -1, which keeps their size.
    """
    return (2, *[3 if size == 1 else -1 for size in shape])


# A fixed index list with a repeated index: the gradient of the repeated rows must accumulate.
DUPLICATE_INDICES = [0, 2, 0, 1, 2, 2]
DUPLICATE_INDEX_MATRIX = [[1, 0], [1, 1]]
ROW_INDICES = [0, 1, 1]
COLUMN_INDICES = [1, 0, 1]


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------

ELEMENTWISE_CASES = [
    OpCase("add", lambda a, b: a + b, lambda torch, a, b: a + b, binary_inputs()),
    OpCase("sub", lambda a, b: a - b, lambda torch, a, b: a - b, binary_inputs()),
    OpCase("mul", lambda a, b: a * b, lambda torch, a, b: a * b, binary_inputs()),
    OpCase(
        "div",
        lambda a, b: a / b,
        lambda torch, a, b: a / b,
        binary_inputs(second_elements=away_from_zero(0.3)),
    ),
    OpCase("mul_self", lambda a: a * a, lambda torch, a: a * a, unary_inputs()),
    OpCase("add_scalar", lambda a: a + 1.5, lambda torch, a: a + 1.5, unary_inputs()),
    OpCase("radd_scalar", lambda a: 1.5 + a, lambda torch, a: 1.5 + a, unary_inputs()),
    OpCase("rsub_scalar", lambda a: 1.5 - a, lambda torch, a: 1.5 - a, unary_inputs()),
    OpCase("rmul_scalar", lambda a: 2.5 * a, lambda torch, a: 2.5 * a, unary_inputs()),
    OpCase(
        "rdiv_scalar",
        lambda a: 2.0 / a,
        lambda torch, a: 2.0 / a,
        unary_inputs(away_from_zero(0.3)),
    ),
    # x ** 0 and x ** 1 over all reals, 0 included: the gradient of x ** 0 and the second
    # derivative of x ** 1 are exactly 0 there too (torch), not 0 * 0 ** -1 = NaN.
    OpCase("pow_0", lambda a: a**0, lambda torch, a: a**0, unary_inputs()),
    OpCase("pow_1", lambda a: a**1, lambda torch, a: a**1, unary_inputs()),
    OpCase("pow_2", lambda a: a**2, lambda torch, a: a**2, unary_inputs()),
    OpCase("pow_3", lambda a: a**3, lambda torch, a: a**3, unary_inputs()),
    OpCase(
        "pow_half",
        lambda a: a**0.5,
        lambda torch, a: a**0.5,
        unary_inputs(positive_values()),
    ),
    OpCase(
        "pow_minus_one",
        lambda a: a**-1,
        lambda torch, a: a**-1,
        unary_inputs(away_from_zero(0.3)),
    ),
    OpCase(
        "pow_minus_two",
        lambda a: a**-2,
        lambda torch, a: a**-2,
        unary_inputs(away_from_zero(0.3)),
    ),
    # Exponents stay off 0: torch masks the base gradient where the exponent is exactly 0
    # (to avoid 0 * inf at base 0), which zeroes its mixed second derivative d2/(da db) there
    # although the true value is a**(b - 1) = 1/a.
    OpCase(
        "pow_tensor",
        lambda a, b: a**b,
        lambda torch, a, b: a**b,
        binary_inputs(positive_values(0.2, 3.0), away_from_zero(0.1, 2.0)),
    ),
    OpCase(
        "rpow_scalar",
        lambda a: 2.0**a,
        lambda torch, a: 2.0**a,
        unary_inputs(real_values(-2.0, 2.0)),
    ),
    OpCase("neg", lambda a: -a, lambda torch, a: -a, unary_inputs()),
    OpCase(
        "remainder",
        lambda a, b: a % b,
        lambda torch, a, b: a % b,
        binary_inputs(remainder_dividends(), remainder_divisors()),
    ),
    OpCase(
        "remainder_scalar",
        lambda a: a % 1.5,
        lambda torch, a: a % 1.5,
        unary_inputs(remainder_dividends()),
    ),
    OpCase(
        "abs",
        lambda a: a.abs(),
        lambda torch, a: a.abs(),
        unary_inputs(away_from_zero()),
        second_order=False,
    ),
    OpCase("exp", lambda a: a.exp(), lambda torch, a: a.exp(), unary_inputs()),
    OpCase("log", lambda a: a.log(), lambda torch, a: a.log(), unary_inputs(positive_values())),
    OpCase(
        "log1p",
        lambda a: a.log1p(),
        lambda torch, a: a.log1p(),
        unary_inputs(real_values(-0.8, 3.0)),
    ),
    OpCase("sin", lambda a: a.sin(), lambda torch, a: a.sin(), unary_inputs()),
    OpCase("cos", lambda a: a.cos(), lambda torch, a: a.cos(), unary_inputs()),
    OpCase(
        "sqrt",
        lambda a: a.sqrt(),
        lambda torch, a: a.sqrt(),
        unary_inputs(positive_values()),
    ),
    OpCase("tanh", lambda a: a.tanh(), lambda torch, a: a.tanh(), unary_inputs()),
    OpCase("sigmoid", lambda a: a.sigmoid(), lambda torch, a: a.sigmoid(), unary_inputs()),
    OpCase("softplus", lambda a: nn_functional.softplus(a),
           lambda torch, a: torch.nn.functional.softplus(a), unary_inputs()),
    OpCase("softplus_beta_half", lambda a: nn_functional.softplus(a, beta=0.5),
           lambda torch, a: torch.nn.functional.softplus(a, beta=0.5), unary_inputs()),
    OpCase(
        "softplus_linear_above_threshold",
        lambda a: nn_functional.softplus(a, beta=SOFTPLUS_BETA, threshold=SOFTPLUS_THRESHOLD),
        lambda torch, a: torch.nn.functional.softplus(
            a, beta=SOFTPLUS_BETA, threshold=SOFTPLUS_THRESHOLD),
        unary_inputs(away_from_softplus_switch()),
    ),
    OpCase(
        "relu",
        lambda a: a.relu(),
        lambda torch, a: a.relu(),
        unary_inputs(away_from_zero()),
        second_order=False,
    ),
    OpCase(
        "sign",
        lambda a: a.sign(),
        lambda torch, a: a.sign(),
        unary_inputs(away_from_zero()),
        second_order=False,
    ),
    OpCase(
        "clamp_min",
        lambda a: a.clamp(min=CLAMP_LOW),
        lambda torch, a: a.clamp(min=CLAMP_LOW),
        unary_inputs(away_from_clamp_bounds()),
        second_order=False,
    ),
    OpCase(
        "clamp_max",
        lambda a: a.clamp(max=CLAMP_HIGH),
        lambda torch, a: a.clamp(max=CLAMP_HIGH),
        unary_inputs(away_from_clamp_bounds()),
        second_order=False,
    ),
    OpCase(
        "clamp_both",
        lambda a: a.clamp(CLAMP_LOW, CLAMP_HIGH),
        lambda torch, a: a.clamp(CLAMP_LOW, CLAMP_HIGH),
        unary_inputs(away_from_clamp_bounds()),
        second_order=False,
    ),
    OpCase(
        "maximum",
        lambda a, b: tinygrad_edu.maximum(a, b),
        lambda torch, a, b: torch.maximum(a, b),
        binary_inputs(distinct_values(), distinct_values(offset=TIE_FREE_OFFSET)),
        second_order=False,
    ),
    OpCase(
        "minimum",
        lambda a, b: tinygrad_edu.minimum(a, b),
        lambda torch, a, b: torch.minimum(a, b),
        binary_inputs(distinct_values(), distinct_values(offset=TIE_FREE_OFFSET)),
        second_order=False,
    ),
    OpCase(
        "maximum_method",
        lambda a, b: a.maximum(b),
        lambda torch, a, b: a.maximum(b),
        binary_inputs(distinct_values(offset=TIE_FREE_OFFSET), distinct_values()),
        second_order=False,
    ),
    # where: the condition is a comparison on one drawn input (values away from the threshold
    # 0), so it is a random bool mask that broadcasts against the other branch.
    OpCase(
        "where_condition_from_first",
        lambda a, b: tinygrad_edu.where(a > 0, a, b),
        lambda torch, a, b: torch.where(a > 0, a, b),
        binary_inputs(away_from_zero(), real_values()),
    ),
    OpCase(
        "where_condition_from_second",
        lambda a, b: tinygrad_edu.where(b < 0, a * 2.0, b.exp()),
        lambda torch, a, b: torch.where(b < 0, a * 2.0, b.exp()),
        binary_inputs(real_values(), away_from_zero()),
    ),
    OpCase(
        "where_method",
        lambda a, b: a.where(b > 0, b),
        lambda torch, a, b: a.where(b > 0, b),
        binary_inputs(real_values(), away_from_zero()),
    ),
]

REDUCTION_CASES = [
    OpCase("sum_all", lambda a: a.sum(), lambda torch, a: a.sum(), unary_inputs()),
    OpCase(
        "sum_dim",
        lambda a: a.sum(dim=-1),
        lambda torch, a: a.sum(dim=-1),
        unary_inputs(min_dims=1),
    ),
    OpCase(
        "sum_dim_positional",
        lambda a: a.sum(0),
        lambda torch, a: a.sum(0),
        unary_inputs(min_dims=1),
    ),
    OpCase(
        "sum_tuple_dims",
        lambda a: a.sum(dim=(0, -1)),
        lambda torch, a: a.sum(dim=(0, -1)),
        unary_inputs(min_dims=2),
    ),
    OpCase(
        "sum_keepdim",
        lambda a: a.sum(dim=1, keepdim=True),
        lambda torch, a: a.sum(dim=1, keepdim=True),
        unary_inputs(min_dims=2),
    ),
    OpCase(
        "sum_tuple_keepdim",
        lambda a: a.sum(dim=(0, 1), keepdim=True),
        lambda torch, a: a.sum(dim=(0, 1), keepdim=True),
        unary_inputs(min_dims=2),
    ),
    OpCase("mean_all", lambda a: a.mean(), lambda torch, a: a.mean(), unary_inputs()),
    OpCase(
        "mean_dim",
        lambda a: a.mean(dim=-1),
        lambda torch, a: a.mean(dim=-1),
        unary_inputs(min_dims=1),
    ),
    OpCase(
        "mean_tuple_dims",
        lambda a: a.mean(dim=(0, -1)),
        lambda torch, a: a.mean(dim=(0, -1)),
        unary_inputs(min_dims=2),
    ),
    OpCase(
        "mean_keepdim",
        lambda a: a.mean(dim=0, keepdim=True),
        lambda torch, a: a.mean(dim=0, keepdim=True),
        unary_inputs(min_dims=1),
    ),
    # var needs more elements than the correction in every reduced slice: sides >= 2.
    OpCase(
        "var_dim_correction_1",
        lambda a: a.var(dim=-1),
        lambda torch, a: a.var(dim=-1),
        unary_inputs(min_dims=1, min_side=2),
    ),
    OpCase(
        "var_dim_correction_0",
        lambda a: a.var(dim=0, correction=0),
        lambda torch, a: a.var(dim=0, correction=0),
        unary_inputs(min_dims=1),
    ),
    OpCase(
        "var_all",
        lambda a: a.var(),
        lambda torch, a: a.var(),
        unary_inputs(min_dims=1, min_side=2),
    ),
    OpCase(
        "var_tuple_keepdim",
        lambda a: a.var(dim=(0, 1), keepdim=True, correction=1),
        lambda torch, a: a.var(dim=(0, 1), keepdim=True, correction=1),
        unary_inputs(min_dims=2, min_side=2),
    ),
    OpCase(
        "max_all",
        lambda a: a.max(),
        lambda torch, a: a.max(),
        distinct_inputs(),
        second_order=False,
    ),
    OpCase(
        "max_dim",
        lambda a: a.max(dim=-1)[0],
        lambda torch, a: a.max(dim=-1)[0],
        distinct_inputs(min_dims=1),
        second_order=False,
    ),
    # dim 0 of a 0-d tensor is the tensor itself (value, index 0, gradient 1), as in torch.
    OpCase(
        "max_dim_keepdim",
        lambda a: a.max(dim=0, keepdim=True)[0],
        lambda torch, a: a.max(dim=0, keepdim=True)[0],
        distinct_inputs(min_dims=0),
        second_order=False,
    ),
    OpCase(
        "min_all",
        lambda a: a.min(),
        lambda torch, a: a.min(),
        distinct_inputs(),
        second_order=False,
    ),
    OpCase(
        "min_dim",
        lambda a: a.min(dim=1)[0],
        lambda torch, a: a.min(dim=1)[0],
        distinct_inputs(min_dims=2),
        second_order=False,
    ),
    OpCase(
        "min_dim_last_keepdim",
        lambda a: a.min(dim=-1, keepdim=True)[0],
        lambda torch, a: a.min(dim=-1, keepdim=True)[0],
        distinct_inputs(min_dims=0),
        second_order=False,
    ),
    # Reductions of empty arrays: max over a non-empty dim of no rows is empty, a sum over an
    # empty dim 0, a mean NaN, a softmax over an empty dim empty (torch's answers).
    OpCase(
        "max_dim_of_no_rows",
        lambda a: a.max(dim=-1)[0],
        lambda torch, a: a.max(dim=-1)[0],
        empty_leading_inputs(),
        second_order=False,
    ),
    OpCase(
        "sum_over_empty_dim",
        lambda a: a.sum(dim=0),
        lambda torch, a: a.sum(dim=0),
        empty_leading_inputs(min_dims=1),
    ),
    OpCase(
        "mean_over_empty_dim",
        lambda a: a.mean(dim=0),
        lambda torch, a: a.mean(dim=0),
        empty_leading_inputs(min_dims=1),
    ),
    OpCase(
        "softmax_over_empty_dim",
        lambda a: a.softmax(dim=0),
        lambda torch, a: a.softmax(dim=0),
        empty_leading_inputs(min_dims=1),
    ),
    OpCase(
        "log_softmax_over_empty_dim",
        lambda a: a.log_softmax(dim=0),
        lambda torch, a: a.log_softmax(dim=0),
        empty_leading_inputs(min_dims=1),
    ),
    OpCase(
        "logsumexp_dim",
        lambda a: a.logsumexp(dim=-1),
        lambda torch, a: a.logsumexp(dim=-1),
        unary_inputs(min_dims=1),
    ),
    OpCase(
        "logsumexp_tuple_keepdim",
        lambda a: a.logsumexp(dim=(0, 1), keepdim=True),
        lambda torch, a: a.logsumexp(dim=(0, 1), keepdim=True),
        unary_inputs(min_dims=2),
    ),
    OpCase(
        "softmax_last",
        lambda a: a.softmax(dim=-1),
        lambda torch, a: a.softmax(dim=-1),
        unary_inputs(min_dims=1),
    ),
    OpCase(
        "softmax_first",
        lambda a: a.softmax(dim=0),
        lambda torch, a: a.softmax(dim=0),
        unary_inputs(min_dims=1),
    ),
    OpCase(
        "softmax_middle",
        lambda a: a.softmax(dim=1),
        lambda torch, a: a.softmax(dim=1),
        unary_inputs(min_dims=3),
    ),
    OpCase(
        "log_softmax_last",
        lambda a: a.log_softmax(dim=-1),
        lambda torch, a: a.log_softmax(dim=-1),
        unary_inputs(min_dims=1),
    ),
    OpCase(
        "log_softmax_first",
        lambda a: a.log_softmax(dim=0),
        lambda torch, a: a.log_softmax(dim=0),
        unary_inputs(min_dims=1),
    ),
    OpCase(
        "log_softmax_middle",
        lambda a: a.log_softmax(dim=1),
        lambda torch, a: a.log_softmax(dim=1),
        unary_inputs(min_dims=3),
    ),
]

SHAPE_CASES = [
    OpCase(
        "reshape_flat",
        lambda a: a.reshape(-1),
        lambda torch, a: a.reshape(-1),
        unary_inputs(),
    ),
    OpCase(
        "reshape_reversed_shape",
        lambda a: a.reshape(tuple(reversed(a.shape))),
        lambda torch, a: a.reshape(tuple(reversed(a.shape))),
        unary_inputs(),
    ),
    OpCase(
        "view_trailing_one",
        lambda a: a.view(*a.shape, 1),
        lambda torch, a: a.view(*a.shape, 1),
        unary_inputs(),
    ),
    OpCase("flatten_all", lambda a: a.flatten(), lambda torch, a: a.flatten(), unary_inputs()),
    OpCase(
        "flatten_from_1",
        lambda a: a.flatten(1),
        lambda torch, a: a.flatten(1),
        unary_inputs(min_dims=2),
    ),
    OpCase(
        "flatten_0_to_1",
        lambda a: a.flatten(0, 1),
        lambda torch, a: a.flatten(0, 1),
        unary_inputs(min_dims=2),
    ),
    OpCase(
        "transpose_first_two",
        lambda a: a.transpose(0, 1),
        lambda torch, a: a.transpose(0, 1),
        unary_inputs(min_dims=2),
    ),
    OpCase(
        "transpose_last_two",
        lambda a: a.transpose(-1, -2),
        lambda torch, a: a.transpose(-1, -2),
        unary_inputs(min_dims=2),
    ),
    OpCase(
        "permute_3d",
        lambda a: a.permute(2, 0, 1),
        lambda torch, a: a.permute(2, 0, 1),
        unary_inputs(min_dims=3, max_dims=3),
    ),
    OpCase(
        "permute_4d",
        lambda a: a.permute(1, 3, 0, 2),
        lambda torch, a: a.permute(1, 3, 0, 2),
        unary_inputs(min_dims=4, max_dims=4),
    ),
    # T reverses all dimensions; torch deprecates .T outside 2-D, so the torch side permutes.
    OpCase(
        "T",
        lambda a: a.T,
        lambda torch, a: a.permute(reversed_dims(a.dim())),
        unary_inputs(),
    ),
    OpCase(
        "unsqueeze_first",
        lambda a: a.unsqueeze(0),
        lambda torch, a: a.unsqueeze(0),
        unary_inputs(),
    ),
    OpCase(
        "unsqueeze_last",
        lambda a: a.unsqueeze(-1),
        lambda torch, a: a.unsqueeze(-1),
        unary_inputs(),
    ),
    OpCase(
        "squeeze_all",
        lambda a: a.squeeze(),
        lambda torch, a: a.squeeze(),
        squeezable_inputs(leading_one=True),
    ),
    OpCase(
        "squeeze_dim",
        lambda a: a.squeeze(0),
        lambda torch, a: a.squeeze(0),
        squeezable_inputs(leading_one=True),
    ),
    OpCase(
        "squeeze_dim_not_one",
        lambda a: a.squeeze(0),
        lambda torch, a: a.squeeze(0),
        squeezable_inputs(leading_one=False),
    ),
    OpCase(
        "expand",
        lambda a: a.expand(*expand_sizes(a.shape)),
        lambda torch, a: a.expand(*expand_sizes(tuple(a.shape))),
        unary_inputs(max_dims=3, min_side=1),
    ),
    OpCase("clone", lambda a: a.clone(), lambda torch, a: a.clone(), unary_inputs()),
]

INDEXING_CASES = [
    OpCase("getitem_int", lambda a: a[1], lambda torch, a: a[1], leading_inputs(2)),
    OpCase("getitem_negative_int", lambda a: a[-1], lambda torch, a: a[-1], leading_inputs(1)),
    OpCase(
        "getitem_slice_step",
        lambda a: a[::2],
        lambda torch, a: a[::2],
        leading_inputs(1),
    ),
    OpCase(
        "getitem_slices_with_step",
        lambda a: a[1:, 0:3:2],
        lambda torch, a: a[1:, 0:3:2],
        leading_inputs(2, min_dims=2),
    ),
    OpCase(
        "getitem_none",
        lambda a: a[None, :, None],
        lambda torch, a: a[None, :, None],
        leading_inputs(1),
    ),
    OpCase(
        "getitem_ellipsis",
        lambda a: a[..., 0],
        lambda torch, a: a[..., 0],
        unary_inputs(min_dims=1),
    ),
    OpCase(
        "getitem_int_ellipsis_slice",
        lambda a: a[-2, ..., 1:],
        lambda torch, a: a[-2, ..., 1:],
        leading_inputs(2, min_dims=2),
    ),
    OpCase(
        "getitem_bool_mask",
        lambda a: a[a > 0],
        lambda torch, a: a[a > 0],
        unary_inputs(away_from_zero(), min_dims=1),
    ),
    OpCase(
        "getitem_bool_leading_dims_mask",
        lambda a: a[a[..., 0] < 0],
        lambda torch, a: a[a[..., 0] < 0],
        unary_inputs(away_from_zero(), min_dims=2),
    ),
    OpCase(
        "getitem_int_array_duplicates",
        lambda a: a[np.array(DUPLICATE_INDICES)],
        lambda torch, a: a[torch.tensor(DUPLICATE_INDICES)],
        leading_inputs(3),
    ),
    OpCase(
        "getitem_int_list_duplicates",
        lambda a: a[DUPLICATE_INDICES],
        lambda torch, a: a[DUPLICATE_INDICES],
        leading_inputs(3),
    ),
    OpCase(
        "getitem_int_tensor_duplicates",
        lambda a: a[tinygrad_edu.tensor(DUPLICATE_INDICES)],
        lambda torch, a: a[torch.tensor(DUPLICATE_INDICES)],
        leading_inputs(3),
    ),
    OpCase(
        "getitem_int_matrix_duplicates",
        lambda a: a[np.array(DUPLICATE_INDEX_MATRIX)],
        lambda torch, a: a[torch.tensor(DUPLICATE_INDEX_MATRIX)],
        leading_inputs(2),
    ),
    OpCase(
        "getitem_two_int_arrays",
        lambda a: a[ROW_INDICES, COLUMN_INDICES],
        lambda torch, a: a[ROW_INDICES, COLUMN_INDICES],
        unary_inputs(min_dims=2, min_side=2),
    ),
    OpCase(
        "getitem_slice_then_int_array",
        lambda a: a[:, COLUMN_INDICES],
        lambda torch, a: a[:, COLUMN_INDICES],
        unary_inputs(min_dims=2, min_side=2),
    ),
]


def index_shape(shape: tuple[int, ...], dim: int, extra: int) -> tuple[int, ...]:
    """The shape of the gather/scatter index the table uses along ``dim`` of a ``shape`` tensor:
    ``extra`` positions more than ``shape`` along ``dim`` and one fewer in every other dimension
    (at least 1 each), since torch allows an index smaller than the tensor there."""
    dim %= len(shape)
    return tuple(max(size + extra, 1) if axis == dim else max(size - 1, 1)
                 for axis, size in enumerate(shape))


def index_positions(shape: tuple[int, ...], dim: int, extra: int) -> np.ndarray:
    """The table's int64 index (of ``index_shape``): each element names position (the sum of
    its coordinates) mod shape[dim]. Along one line of ``dim`` the positions are consecutive,
    so they are distinct when extra <= 0 (scatter's defined case) and repeat when extra > 0
    (gradients that must accumulate)."""
    grid = np.indices(index_shape(shape, dim, extra), dtype=np.int64)
    return grid.sum(axis=0) % shape[dim % len(shape)]


def scatter_inputs(dim: int, extra: int) -> InputsFunction:
    """The tensor written into (any shape of 1 to MAX_DIMS dimensions) and a src of the index's
    shape (``index_shape``)."""

    def draw_inputs(draw: st.DrawFn) -> list[np.ndarray]:
        shape = draw(shapes(min_dims=1))
        return [draw_array(draw, shape), draw_array(draw, index_shape(shape, dim, extra))]

    return draw_inputs


def our_index(a: Tensor, dim: int, extra: int) -> Tensor:
    """``index_positions`` for ``a`` as a tinygrad_edu int64 tensor."""
    return tinygrad_edu.tensor(index_positions(tuple(a.shape), dim, extra))


def their_index(torch: Any, a: Any, dim: int, extra: int) -> Any:
    """``index_positions`` for ``a`` as a torch int64 tensor."""
    return torch.tensor(index_positions(tuple(a.shape), dim, extra))


# gather and scatter_add with repeated positions (extra = 1); scatter with distinct ones
# (extra = -1, so some positions of the first input are not written and keep their gradient).
GATHER_SCATTER_CASES = [
    OpCase(
        "gather_last_dim_repeats",
        lambda a: a.gather(-1, our_index(a, -1, 1)),
        lambda torch, a: a.gather(-1, their_index(torch, a, -1, 1)),
        unary_inputs(min_dims=1),
    ),
    OpCase(
        "gather_first_dim_function",
        lambda a: tinygrad_edu.gather(a, 0, our_index(a, 0, -1)),
        lambda torch, a: torch.gather(a, 0, their_index(torch, a, 0, -1)),
        unary_inputs(min_dims=1),
    ),
    OpCase(
        "scatter_last_dim",
        lambda a, src: a.scatter(-1, our_index(a, -1, -1), src),
        lambda torch, a, src: a.scatter(-1, their_index(torch, a, -1, -1), src),
        scatter_inputs(-1, -1),
    ),
    OpCase(
        "scatter_first_dim_function",
        lambda a, src: tinygrad_edu.scatter(a, 0, our_index(a, 0, -1), src),
        lambda torch, a, src: torch.scatter(a, 0, their_index(torch, a, 0, -1), src),
        scatter_inputs(0, -1),
    ),
    OpCase(
        "scatter_value",
        lambda a: a.scatter(0, our_index(a, 0, -1), value=1.5),
        lambda torch, a: a.scatter(0, their_index(torch, a, 0, -1), value=1.5),
        unary_inputs(min_dims=1),
    ),
    OpCase(
        "scatter_in_place_on_a_copy",
        lambda a, src: (a * 1).scatter_(-1, our_index(a, -1, -1), src),
        lambda torch, a, src: (a * 1).scatter_(-1, their_index(torch, a, -1, -1), src),
        scatter_inputs(-1, -1),
    ),
    OpCase(
        "scatter_add_first_dim_repeats",
        lambda a, src: a.scatter_add(0, our_index(a, 0, 1), src),
        lambda torch, a, src: a.scatter_add(0, their_index(torch, a, 0, 1), src),
        scatter_inputs(0, 1),
    ),
    OpCase(
        "scatter_add_last_dim_function",
        lambda a, src: tinygrad_edu.scatter_add(a, -1, our_index(a, -1, 1), src),
        lambda torch, a, src: torch.scatter_add(a, -1, their_index(torch, a, -1, 1), src),
        scatter_inputs(-1, 1),
    ),
    OpCase(
        "scatter_add_in_place_on_a_copy",
        lambda a, src: (a * 1).scatter_add_(0, our_index(a, 0, 1), src),
        lambda torch, a, src: (a * 1).scatter_add_(0, their_index(torch, a, 0, 1), src),
        scatter_inputs(0, 1),
    ),
]

JOIN_CASES = [
    OpCase(
        "cat_two_first_dim",
        lambda a, b: tinygrad_edu.cat([a, b], dim=0),
        lambda torch, a, b: torch.cat([a, b], dim=0),
        concatenation_inputs(2, 0),
    ),
    OpCase(
        "cat_three_last_dim",
        lambda a, b, c: tinygrad_edu.cat([a, b, c], dim=-1),
        lambda torch, a, b, c: torch.cat([a, b, c], dim=-1),
        concatenation_inputs(3, -1),
    ),
    OpCase(
        "stack_two_first_dim",
        lambda a, b: tinygrad_edu.stack([a, b], dim=0),
        lambda torch, a, b: torch.stack([a, b], dim=0),
        same_shape_inputs(2),
    ),
    OpCase(
        "stack_three_last_dim",
        lambda a, b, c: tinygrad_edu.stack([a, b, c], dim=-1),
        lambda torch, a, b, c: torch.stack([a, b, c], dim=-1),
        same_shape_inputs(3),
    ),
    OpCase(
        "pad_last_dim",
        lambda a: tinygrad_edu.pad(a, (1, 2)),
        lambda torch, a: torch.nn.functional.pad(a, (1, 2)),
        unary_inputs(min_dims=1),
    ),
    OpCase(
        "pad_last_two_dims_value",
        lambda a: tinygrad_edu.pad(a, (0, 1, 2, 0), value=1.5),
        lambda torch, a: torch.nn.functional.pad(a, (0, 1, 2, 0), value=1.5),
        unary_inputs(min_dims=2),
    ),
]


def reversed_pairs(lib: Any, a: Any) -> Any:
    """``a`` split into pieces of 2 along the last dim (the last one smaller when the size is
    odd), joined again in reverse order: every piece's gradient goes back to its own place."""
    return lib.cat(a.split(2, dim=-1)[::-1], dim=-1)


def last_and_first_chunks(lib: Any, a: Any) -> Any:
    """The last and first of ``a.chunk(3)`` joined: a middle chunk, when there is one, is
    unused and its gradient must be 0."""
    pieces = a.chunk(3, dim=0)
    return lib.cat([pieces[-1], pieces[0]], dim=0)


def first_section_scaled(lib: Any, a: Any) -> Any:
    """The first of two sections along dim 1 (the second is unused), times 2."""
    return a.split([1, a.shape[1] - 1], dim=1)[0] * 2


def first_times_last_row(lib: Any, a: Any) -> Any:
    """unbind's first and last slices multiplied (the same slice when there is one row): the
    product makes the second derivative through the split nonzero."""
    rows = lib.unbind(a, 0)
    return rows[0] * rows[-1]


SPLIT_CASES = [
    OpCase(
        "split_pieces_rejoined_in_reverse",
        lambda a: reversed_pairs(tinygrad_edu, a),
        reversed_pairs,
        unary_inputs(min_dims=1),
    ),
    OpCase(
        "chunk_last_and_first",
        lambda a: last_and_first_chunks(tinygrad_edu, a),
        last_and_first_chunks,
        unary_inputs(min_dims=1),
    ),
    OpCase(
        "split_sections_first_used",
        lambda a: first_section_scaled(tinygrad_edu, a),
        first_section_scaled,
        unary_inputs(min_dims=2),
    ),
    OpCase(
        "unbind_first_times_last",
        lambda a: first_times_last_row(tinygrad_edu, a),
        first_times_last_row,
        unary_inputs(min_dims=1),
    ),
]

MATMUL_CASES = [
    OpCase(
        "matmul_vector_vector",
        lambda a, b: a @ b,
        lambda torch, a, b: a @ b,
        matmul_vector_vector,
    ),
    OpCase(
        "matmul_vector_matrix",
        lambda a, b: a @ b,
        lambda torch, a, b: a @ b,
        matmul_vector_matrix,
    ),
    OpCase(
        "matmul_matrix_vector",
        lambda a, b: a @ b,
        lambda torch, a, b: a @ b,
        matmul_matrix_vector,
    ),
    OpCase(
        "matmul_matrix_matrix",
        lambda a, b: a.matmul(b),
        lambda torch, a, b: a.matmul(b),
        matmul_matrix_matrix,
    ),
    OpCase(
        "matmul_batched_broadcast",
        lambda a, b: a @ b,
        lambda torch, a, b: a @ b,
        matmul_batched,
    ),
    OpCase(
        "matmul_batched_vector",
        lambda a, b: a @ b,
        lambda torch, a, b: a @ b,
        matmul_batched_vector,
    ),
    OpCase(
        "matmul_vector_batched",
        lambda a, b: a @ b,
        lambda torch, a, b: a @ b,
        matmul_vector_batched,
    ),
    OpCase(
        "linear",
        lambda x, weight, bias: tinygrad_edu.functional.linear(x, weight, bias),
        lambda torch, x, weight, bias: torch.nn.functional.linear(x, weight, bias),
        linear_inputs,
    ),
]

OP_CASES: list[OpCase] = (
    ELEMENTWISE_CASES + REDUCTION_CASES + SHAPE_CASES + INDEXING_CASES + GATHER_SCATTER_CASES
    + JOIN_CASES + SPLIT_CASES + MATMUL_CASES
)


# ---------------------------------------------------------------------------------------------
# Losses (tinygrad_edu.nn.functional). Class targets are not drawn: they are a fixed function of
# the logits' shape (sample n gets class n mod C), so every input stays a float64 leaf.
# ---------------------------------------------------------------------------------------------


def logits_inputs(extra_dims: int = 0, probabilities: bool = False) -> InputsFunction:
    """Logits of shape (N, C, *extra) (N, C in [1, 4]); with ``probabilities`` also a second
    array of the same shape, turned into target probabilities inside the case."""

    def draw_inputs(draw: st.DrawFn) -> list[np.ndarray]:
        shape = (draw_side(draw), draw_side(draw), *[draw_side(draw) for _ in range(extra_dims)])
        arrays = [draw_array(draw, shape)]
        if probabilities:
            arrays.append(draw_array(draw, shape))
        return arrays

    return draw_inputs


def single_logits_inputs(draw: st.DrawFn) -> list[np.ndarray]:
    """Logits of one sample, shape (C,)."""
    return [draw_array(draw, (draw_side(draw),))]


def class_targets(shape: tuple[int, ...], ignore_first: bool = False) -> np.ndarray:
    """Targets for logits of ``shape``: class (flat position mod C), int64, class dim 1 (or 0).

    With ``ignore_first`` the first target is -100 (torch's default ignore_index), unless it is
    the only one (a loss with every target ignored is nan).
    """
    class_dim = 0 if len(shape) == 1 else 1
    classes = shape[class_dim]
    target_shape = shape[:class_dim] + shape[class_dim + 1:]
    targets = np.asarray(np.arange(math.prod(target_shape), dtype=np.int64) % classes)
    targets = targets.reshape(target_shape)
    if ignore_first and targets.size > 1:
        targets.reshape(-1)[0] = -100
    return targets


def class_weights(shape: tuple[int, ...]) -> np.ndarray:
    """Distinct positive per-class weights for logits of ``shape`` (class dim 1, or 0 for 1-D)."""
    classes = shape[0 if len(shape) == 1 else 1]
    return np.linspace(0.5, 2.0, classes)


def ours_loss(function_name: str, **options: Any) -> Callable[..., Tensor]:
    """A case calling ``tinygrad_edu.nn.functional.<function_name>(logits, targets, **options)``
    with class targets from ``class_targets`` (``ignore_first`` and ``weighted`` are ours)."""
    ignore_first = options.pop("ignore_first", False)
    weighted = options.pop("weighted", False)
    loss_function = getattr(nn_functional, function_name)

    def call(logits: Tensor) -> Tensor:
        targets = tinygrad_edu.tensor(class_targets(logits.shape, ignore_first))
        weight = tinygrad_edu.tensor(class_weights(logits.shape)) if weighted else None
        return loss_function(logits, targets, weight=weight, **options)

    return call


def theirs_loss(function_name: str, **options: Any) -> Callable[..., Any]:
    """The torch counterpart of ``ours_loss``."""
    ignore_first = options.pop("ignore_first", False)
    weighted = options.pop("weighted", False)

    def call(torch: Any, logits: Any) -> Any:
        shape = tuple(logits.shape)
        targets = torch.from_numpy(class_targets(shape, ignore_first))
        weight = None
        if weighted:
            weight = torch.from_numpy(class_weights(shape)).to(logits.dtype)
        loss_function = getattr(torch.nn.functional, function_name)
        return loss_function(logits, targets, weight=weight, **options)

    return call


def loss_case(name: str, function_name: str, inputs: InputsFunction, **options: Any) -> OpCase:
    """An OpCase for a class-target loss called with ``options`` in both frameworks."""
    return OpCase(name, ours_loss(function_name, **dict(options)),
                  theirs_loss(function_name, **dict(options)), inputs)


def ours_probability_cross_entropy(**options: Any) -> Callable[..., Tensor]:
    """cross_entropy(logits, softmax(raw, dim=1), **options): the target is differentiable
    (``weighted`` is ours: class weights from ``class_weights``)."""
    weighted = options.pop("weighted", False)

    def call(logits: Tensor, raw: Tensor) -> Tensor:
        weight = tinygrad_edu.tensor(class_weights(logits.shape)) if weighted else None
        return nn_functional.cross_entropy(logits, raw.softmax(1), weight=weight, **options)

    return call


def theirs_probability_cross_entropy(**options: Any) -> Callable[..., Any]:
    """The torch counterpart of ``ours_probability_cross_entropy``."""
    weighted = options.pop("weighted", False)

    def call(torch: Any, logits: Any, raw: Any) -> Any:
        weight = None
        if weighted:
            weight = torch.from_numpy(class_weights(tuple(logits.shape))).to(logits.dtype)
        return torch.nn.functional.cross_entropy(logits, raw.softmax(1), weight=weight,
                                                 **options)

    return call


def same_shape_pair(draw: st.DrawFn) -> list[np.ndarray]:
    """Two arrays of one shape (0-d included)."""
    shape = draw(shapes())
    return [draw_array(draw, shape), draw_array(draw, shape)]


def bce_weights(shape: tuple[int, ...]) -> np.ndarray:
    """Distinct positive weights along the last dimension of ``shape`` (0-d for a 0-d input)."""
    return np.linspace(0.5, 2.0, shape[-1]) if shape else np.asarray(1.5)


def our_bce(reduction: str = "mean", weights: tuple[str, ...] = ()) -> Callable[..., Tensor]:
    """binary_cross_entropy_with_logits(x, sigmoid(raw)); ``weights`` names the options
    (``"weight"``, ``"pos_weight"``) given ``bce_weights`` along the last dimension."""
    def call(x: Tensor, raw: Tensor) -> Tensor:
        extra = {key: tinygrad_edu.tensor(bce_weights(x.shape)) for key in weights}
        return nn_functional.binary_cross_entropy_with_logits(
            x, raw.sigmoid(), reduction=reduction, **extra)

    return call


def theirs_bce(reduction: str = "mean", weights: tuple[str, ...] = ()) -> Callable[..., Any]:
    """The torch counterpart of ``our_bce``."""

    def call(torch: Any, x: Any, raw: Any) -> Any:
        extra = {key: torch.from_numpy(bce_weights(tuple(x.shape))).to(x.dtype)
                 for key in weights}
        return torch.nn.functional.binary_cross_entropy_with_logits(
            x, raw.sigmoid(), reduction=reduction, **extra)

    return call


def offset_pair(*kinks: float) -> InputsFunction:
    """Two arrays of one shape, input and target, whose difference keeps away from 0 and from
    ``kinks`` (see ``differences_away_from``): target = input - d."""

    def draw_inputs(draw: st.DrawFn) -> list[np.ndarray]:
        shape = draw(shapes())
        first = draw_array(draw, shape)
        return [first, np.asarray(first - draw_array(draw, shape, differences_away_from(*kinks)))]

    return draw_inputs


def regression_case(name: str, function_name: str, kinks: tuple[float, ...] = (),
                    **options: Any) -> OpCase:
    """An OpCase for ``nn.functional.<function_name>(input, target, **options)`` (l1, smooth l1,
    huber): both arguments are leaves, their difference off the loss's kinks."""

    def ours(a: Tensor, b: Tensor) -> Tensor:
        return getattr(nn_functional, function_name)(a, b, **options)

    def theirs(torch: Any, a: Any, b: Any) -> Any:
        return getattr(torch.nn.functional, function_name)(a, b, **options)

    return OpCase(name, ours, theirs, offset_pair(*kinks))


def our_probability_bce(reduction: str = "mean", weighted: bool = False) -> Callable[..., Tensor]:
    """binary_cross_entropy(sigmoid(x), sigmoid(raw)): probabilities inside (0, 1), both
    differentiable; ``weighted`` gives ``bce_weights`` along the last dimension."""
    def call(x: Tensor, raw: Tensor) -> Tensor:
        weight = tinygrad_edu.tensor(bce_weights(x.shape)) if weighted else None
        return nn_functional.binary_cross_entropy(x.sigmoid(), raw.sigmoid(), weight=weight,
                                                  reduction=reduction)

    return call


def theirs_probability_bce(reduction: str = "mean", weighted: bool = False) -> Callable[..., Any]:
    """The torch counterpart of ``our_probability_bce``."""

    def call(torch: Any, x: Any, raw: Any) -> Any:
        weight = torch.from_numpy(bce_weights(tuple(x.shape))).to(x.dtype) if weighted else None
        return torch.nn.functional.binary_cross_entropy(x.sigmoid(), raw.sigmoid(),
                                                        weight=weight, reduction=reduction)

    return call


LOSS_CASES = [
    loss_case("cross_entropy_mean", "cross_entropy", logits_inputs()),
    loss_case("cross_entropy_sum", "cross_entropy", logits_inputs(), reduction="sum"),
    loss_case("cross_entropy_none", "cross_entropy", logits_inputs(), reduction="none"),
    loss_case("cross_entropy_single_sample", "cross_entropy", single_logits_inputs),
    loss_case("cross_entropy_spatial_none", "cross_entropy", logits_inputs(extra_dims=1),
              reduction="none"),
    loss_case("cross_entropy_weight_ignore_mean", "cross_entropy", logits_inputs(extra_dims=1),
              weighted=True, ignore_first=True),
    loss_case("cross_entropy_label_smoothing_mean", "cross_entropy", logits_inputs(),
              label_smoothing=0.2),
    loss_case("cross_entropy_smoothing_weight_ignore_mean", "cross_entropy", logits_inputs(),
              label_smoothing=0.3, weighted=True, ignore_first=True),
    loss_case("cross_entropy_smoothing_weight_none", "cross_entropy", logits_inputs(),
              label_smoothing=0.1, weighted=True, reduction="none"),
    loss_case("cross_entropy_ignore_spatial_none", "cross_entropy", logits_inputs(extra_dims=1),
              ignore_first=True, reduction="none"),
    loss_case("cross_entropy_weight_sum", "cross_entropy", logits_inputs(), weighted=True,
              reduction="sum"),
    loss_case("cross_entropy_smoothing_ignore_spatial_sum", "cross_entropy",
              logits_inputs(extra_dims=1), label_smoothing=0.2, ignore_first=True,
              reduction="sum"),
    loss_case("cross_entropy_full_smoothing_weight_mean", "cross_entropy", logits_inputs(),
              label_smoothing=1.0, weighted=True),
    OpCase("cross_entropy_probabilities_mean", ours_probability_cross_entropy(),
           theirs_probability_cross_entropy(), logits_inputs(probabilities=True)),
    OpCase("cross_entropy_probabilities_weight_smoothing_mean",
           ours_probability_cross_entropy(weighted=True, label_smoothing=0.1),
           theirs_probability_cross_entropy(weighted=True, label_smoothing=0.1),
           logits_inputs(probabilities=True)),
    OpCase("cross_entropy_probabilities_smoothing_sum",
           ours_probability_cross_entropy(label_smoothing=0.25, reduction="sum"),
           theirs_probability_cross_entropy(label_smoothing=0.25, reduction="sum"),
           logits_inputs(probabilities=True)),
    OpCase("cross_entropy_probabilities_spatial_none",
           ours_probability_cross_entropy(reduction="none"),
           theirs_probability_cross_entropy(reduction="none"),
           logits_inputs(extra_dims=1, probabilities=True)),
    loss_case("nll_loss_mean", "nll_loss", logits_inputs()),
    loss_case("nll_loss_sum", "nll_loss", logits_inputs(), reduction="sum"),
    loss_case("nll_loss_spatial_none", "nll_loss", logits_inputs(extra_dims=1),
              reduction="none"),
    loss_case("nll_loss_weight_ignore_mean", "nll_loss", logits_inputs(extra_dims=1),
              weighted=True, ignore_first=True),
    OpCase("mse_loss_mean", lambda a, b: nn_functional.mse_loss(a, b),
           lambda torch, a, b: torch.nn.functional.mse_loss(a, b), same_shape_pair),
    OpCase("mse_loss_sum", lambda a, b: nn_functional.mse_loss(a, b, reduction="sum"),
           lambda torch, a, b: torch.nn.functional.mse_loss(a, b, reduction="sum"),
           same_shape_pair),
    OpCase("mse_loss_none", lambda a, b: nn_functional.mse_loss(a, b, reduction="none"),
           lambda torch, a, b: torch.nn.functional.mse_loss(a, b, reduction="none"),
           same_shape_pair),
    OpCase("bce_with_logits_mean", our_bce(), theirs_bce(), same_shape_pair),
    OpCase("bce_with_logits_none", our_bce("none"), theirs_bce("none"), same_shape_pair),
    OpCase("bce_with_logits_weight_sum", our_bce("sum", ("weight",)),
           theirs_bce("sum", ("weight",)), same_shape_pair),
    OpCase("bce_with_logits_pos_weight_mean", our_bce("mean", ("pos_weight",)),
           theirs_bce("mean", ("pos_weight",)), same_shape_pair),
    OpCase("bce_with_logits_both_weights_none", our_bce("none", ("weight", "pos_weight")),
           theirs_bce("none", ("weight", "pos_weight")), same_shape_pair),
    regression_case("l1_loss_mean", "l1_loss"),
    regression_case("l1_loss_sum", "l1_loss", reduction="sum"),
    regression_case("l1_loss_none", "l1_loss", reduction="none"),
    regression_case("smooth_l1_loss_mean", "smooth_l1_loss", (1.0,)),
    regression_case("smooth_l1_loss_beta_sum", "smooth_l1_loss", (0.5,), beta=0.5,
                    reduction="sum"),
    regression_case("smooth_l1_loss_beta_zero_none", "smooth_l1_loss", beta=0.0,
                    reduction="none"),
    regression_case("huber_loss_mean", "huber_loss", (1.0,)),
    regression_case("huber_loss_delta_none", "huber_loss", (2.0,), delta=2.0,
                    reduction="none"),
    OpCase("bce_mean", our_probability_bce(), theirs_probability_bce(), same_shape_pair),
    OpCase("bce_sum", our_probability_bce("sum"), theirs_probability_bce("sum"),
           same_shape_pair),
    OpCase("bce_weight_none", our_probability_bce("none", weighted=True),
           theirs_probability_bce("none", weighted=True), same_shape_pair),
]


OP_CASES += LOSS_CASES


# ---------------------------------------------------------------------------------------------
# Convolutions (tinygrad_edu.nn.functional.conv1d/conv2d). Each case fixes the options; the
# batch, channels, kernel and image sizes are drawn, large enough for at least one window.
# tests/test_conv.py draws the options too.
# ---------------------------------------------------------------------------------------------


def convolution_inputs(spatial_dims: int, bias: bool, **options: Any) -> InputsFunction:
    """Input (N, C, *sizes), weight (O, C / groups, *kernel) and, with ``bias``, bias (O,) for
    a convolution called with ``options``: N in [1, 2], 1-2 channels and 1-2 kernels per group,
    kernel sides in [1, 3], image sides from the smallest that fits one window to 3 more."""
    groups = options.get("groups", 1)
    padding = options.get("padding", 0)
    dilation = options.get("dilation", 1)

    def per_dim(value: Any) -> tuple[Any, ...]:
        return tuple(value) if isinstance(value, tuple) else (value,) * spatial_dims

    def draw_inputs(draw: st.DrawFn) -> list[np.ndarray]:
        kernel = tuple(draw(st.integers(1, 3)) for _ in range(spatial_dims))
        sides = []
        for size, step, pad in zip(kernel, per_dim(dilation), per_dim(padding)):
            span = step * (size - 1) + 1
            added = {"same": span - 1, "valid": 0}[pad] if isinstance(pad, str) else 2 * pad
            smallest = max(1, span - added)
            sides.append(draw(st.integers(smallest, smallest + 3)))
        channels = draw(st.integers(1, 2))
        kernels = groups * draw(st.integers(1, 2))
        arrays = [draw_array(draw, (draw(st.integers(1, 2)), groups * channels, *sides)),
                  draw_array(draw, (kernels, channels, *kernel))]
        if bias:
            arrays.append(draw_array(draw, (kernels,)))
        return arrays

    return draw_inputs


def convolution_case(name: str, function_name: str, bias: bool = True,
                     **options: Any) -> OpCase:
    """An OpCase for ``nn.functional.<function_name>(input, weight, bias, **options)``."""

    def ours(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
        return getattr(nn_functional, function_name)(x, weight, bias, **options)

    def theirs(torch: Any, x: Any, weight: Any, bias: Any = None) -> Any:
        return getattr(torch.nn.functional, function_name)(x, weight, bias, **options)

    spatial_dims = 2 if function_name == "conv2d" else 1
    return OpCase(name, ours, theirs, convolution_inputs(spatial_dims, bias, **options))


CONVOLUTION_CASES = [
    convolution_case("conv2d", "conv2d"),
    convolution_case("conv2d_stride_padding_pair_no_bias", "conv2d", bias=False,
                     stride=(2, 1), padding=(1, 2)),
    convolution_case("conv2d_dilation_groups", "conv2d", stride=(1, 2), padding=1,
                     dilation=(2, 1), groups=2),
    convolution_case("conv2d_same_padding_dilated", "conv2d", padding="same", dilation=(1, 2)),
    convolution_case("conv2d_valid_padding_strided", "conv2d", padding="valid", stride=2),
    convolution_case("conv1d_strided_dilated_groups", "conv1d", stride=2, padding=1,
                     dilation=2, groups=2),
]

OP_CASES += CONVOLUTION_CASES


# ---------------------------------------------------------------------------------------------
# Normalisation (batch_norm, layer_norm, group_norm of tinygrad_edu.nn.functional). Each
# normalised slice gets the same ramp, evenly spaced values from -2 to 2, plus drawn noise in
# [-0.5, 0.5]: the standard deviation of a slice of two or more values is then at least about
# 0.6 while |x| <= 2.5, so 1/σ (which each derivative brings in once more) stays small and
# float32 rounding in x - μ stays far below the tolerances. Near-constant slices, where eps
# matters, are tested in tests/test_normalization.py. Weights and biases are plain drawn values.
# ---------------------------------------------------------------------------------------------


def spread_over(noise: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """``noise`` plus a ramp from -2 to 2 laid over the positions of ``axes`` (the same ramp in
    every slice that a normalisation over ``axes`` standardises)."""
    ramp_shape = [size if axis in axes else 1 for axis, size in enumerate(noise.shape)]
    ramp = np.linspace(-2.0, 2.0, math.prod(ramp_shape)).reshape(ramp_shape)
    return noise + ramp


def draw_noise(draw: st.DrawFn, shape: tuple[int, ...]) -> np.ndarray:
    """Small drawn values in [-0.5, 0.5], to be spread by ``spread_over``."""
    return draw_array(draw, shape, real_values(-0.5, 0.5))


def channel_inputs(parameters: int, min_values: int = 2) -> InputsFunction:
    """(N, C, *spatial) input (up to two spatial sides of at most 2) with at least
    ``min_values`` values per channel, spread over each channel, plus ``parameters`` arrays of
    shape (C,)."""

    def draw_inputs(draw: st.DrawFn) -> list[np.ndarray]:
        spatial = tuple(draw(st.lists(st.integers(1, 2), max_size=2)))
        batch = draw(st.integers(max(1, -(-min_values // math.prod(spatial))), MAX_SIDE))
        channels = draw(st.integers(1, 3))
        shape = (batch, channels, *spatial)
        axes = (0, *range(2, len(shape)))
        return [spread_over(draw_noise(draw, shape), axes),
                *[draw_array(draw, (channels,)) for _ in range(parameters)]]

    return draw_inputs


def last_dims_inputs(normalized_dims: int, affine: bool) -> InputsFunction:
    """Input of up to four dimensions whose last ``normalized_dims`` (at least two values) are
    normalised (spread over them), plus weight and bias of their shape when ``affine``. (A
    single value has x̂ = 0 exactly; torch's float32 rounding leaves it about 1e-7 · 1/sqrt(eps)
    off, which float32 comparisons would trip over.)"""

    def draw_inputs(draw: st.DrawFn) -> list[np.ndarray]:
        shape = draw(shapes(min_dims=normalized_dims, max_dims=4, max_side=3).filter(
            lambda drawn: math.prod(drawn[len(drawn) - normalized_dims:]) >= 2))
        normalized = shape[len(shape) - normalized_dims:]
        axes = tuple(range(len(shape) - normalized_dims, len(shape)))
        extra = [draw_array(draw, normalized) for _ in range(2 if affine else 0)]
        return [spread_over(draw_noise(draw, shape), axes), *extra]

    return draw_inputs


def group_inputs(draw: st.DrawFn) -> list[np.ndarray]:
    """(N, C, *spatial) input with C = 2 or 4 (groups of two channels), spread over each group,
    and weight and bias of shape (C,)."""
    spatial = tuple(draw(st.lists(st.integers(1, 2), max_size=1)))
    shape = (draw(st.integers(2, 3)), draw(st.sampled_from([2, 4])), *spatial)
    groups = shape[1] // 2
    per_group = math.prod(shape) // (shape[0] * groups)
    grouped = spread_over(draw_noise(draw, (shape[0], groups, per_group)), (2,))
    return [grouped.reshape(shape), draw_array(draw, (shape[1],)),
            draw_array(draw, (shape[1],))]


def running_statistics(channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Fixed running mean and (positive) variance for ``channels`` channels."""
    return np.linspace(-0.5, 0.5, channels), np.linspace(0.5, 2.0, channels)


def ours_batch_norm_eval(x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """batch_norm in evaluation, with fixed running statistics."""
    mean, variance = running_statistics(x.shape[1])
    return nn_functional.batch_norm(
        x, tinygrad_edu.tensor(mean, dtype=x.dtype), tinygrad_edu.tensor(variance, dtype=x.dtype),
        weight, bias, training=False, eps=0.1)


def theirs_batch_norm_eval(torch: Any, x: Any, weight: Any, bias: Any) -> Any:
    """The torch counterpart of ``ours_batch_norm_eval``."""
    mean, variance = running_statistics(x.shape[1])
    return torch.nn.functional.batch_norm(
        x, torch.from_numpy(mean).to(x.dtype), torch.from_numpy(variance).to(x.dtype), weight,
        bias, training=False, eps=0.1)


def group_count(x: Any) -> int:
    """Groups of two channels."""
    return int(x.shape[1]) // 2


NORMALIZATION_CASES = [
    OpCase("batch_norm_train",
           lambda x: nn_functional.batch_norm(x, None, None, training=True),
           lambda torch, x: torch.nn.functional.batch_norm(x, None, None, training=True),
           channel_inputs(0)),
    OpCase("batch_norm_train_affine",
           lambda x, w, b: nn_functional.batch_norm(x, None, None, w, b, training=True),
           lambda torch, x, w, b: torch.nn.functional.batch_norm(x, None, None, w, b,
                                                                 training=True),
           channel_inputs(2)),
    OpCase("batch_norm_train_weight_eps",
           lambda x, w: nn_functional.batch_norm(x, None, None, w, training=True, eps=0.5),
           lambda torch, x, w: torch.nn.functional.batch_norm(x, None, None, w, training=True,
                                                              eps=0.5),
           channel_inputs(1)),
    OpCase("batch_norm_eval_affine", ours_batch_norm_eval, theirs_batch_norm_eval,
           channel_inputs(2, min_values=1)),
    OpCase("layer_norm_last",
           lambda x: nn_functional.layer_norm(x, x.shape[-1:]),
           lambda torch, x: torch.nn.functional.layer_norm(x, x.shape[-1:]),
           last_dims_inputs(1, affine=False)),
    OpCase("layer_norm_last_two_affine",
           lambda x, w, b: nn_functional.layer_norm(x, x.shape[-2:], w, b),
           lambda torch, x, w, b: torch.nn.functional.layer_norm(x, x.shape[-2:], w, b),
           last_dims_inputs(2, affine=True)),
    OpCase("group_norm_affine",
           lambda x, w, b: nn_functional.group_norm(x, group_count(x), w, b),
           lambda torch, x, w, b: torch.nn.functional.group_norm(x, group_count(x), w, b),
           group_inputs),
]

OP_CASES += NORMALIZATION_CASES


# ---------------------------------------------------------------------------------------------
# Pooling (nn.functional; drawn parameters and ties/NaN in tests/test_pooling.py)
# ---------------------------------------------------------------------------------------------


def image_inputs(min_side: int, distinct: bool, max_side: int = 6) -> InputsFunction:
    """One (C, H, W) or (N, C, H, W) array with H, W in [min_side, max_side]; pairwise distinct
    grid values when ``distinct`` (max pooling: no ties, so no window's maximum is a kink)."""

    def draw_inputs(draw: st.DrawFn) -> list[np.ndarray]:
        leading = draw(shapes(min_dims=1, max_dims=2, max_side=2))
        sides = tuple(draw(st.integers(min_side, max_side)) for _ in range(2))
        shape = (*leading, *sides)
        if distinct:
            return [draw_distinct_array(draw, shape)]
        return [draw_array(draw, shape)]

    return draw_inputs


def signal_inputs(min_length: int) -> InputsFunction:
    """One (C, L) or (N, C, L) array of pairwise distinct values, L >= ``min_length``."""

    def draw_inputs(draw: st.DrawFn) -> list[np.ndarray]:
        leading = draw(shapes(min_dims=1, max_dims=2, max_side=2))
        length = draw(st.integers(min_length, 8))
        return [draw_distinct_array(draw, (*leading, length))]

    return draw_inputs


def pooling_case(name: str, function_name: str, inputs: InputsFunction, second_order: bool,
                 *args: Any, **options: Any) -> OpCase:
    """An OpCase for ``nn.functional.<function_name>(input, *args, **options)``; for the max
    pools the values (the indices are compared in tests/test_pooling.py)."""

    def ours(a: Tensor) -> Tensor:
        return getattr(nn_functional, function_name)(a, *args, **options)

    def theirs(torch: Any, a: Any) -> Any:
        return getattr(torch.nn.functional, function_name)(a, *args, **options)

    return OpCase(name, ours, theirs, inputs, second_order=second_order)


# Max pooling selects (piecewise linear: second_order=False); its windows here always hold a
# position inside the input (a window of padding only has a constant -inf, and torch's backward
# of it is wrong, see tests/test_pooling.py). Average pooling is linear.
POOLING_CASES = [
    pooling_case("max_pool2d_kernel_2", "max_pool2d", image_inputs(2, True), False, 2),
    pooling_case("max_pool2d_overlapping_padding_ceil", "max_pool2d", image_inputs(2, True),
                 False, 3, stride=2, padding=1, ceil_mode=True),
    pooling_case("max_pool2d_rectangular_dilation", "max_pool2d", image_inputs(3, True), False,
                 (2, 3), stride=(1, 2), dilation=(2, 1)),
    pooling_case("max_pool1d_padding_stride_1", "max_pool1d", signal_inputs(2), False, 3,
                 stride=1, padding=1),
    pooling_case("avg_pool2d_kernel_2", "avg_pool2d", image_inputs(2, False), True, 2),
    pooling_case("avg_pool2d_overlapping_padding_ceil", "avg_pool2d", image_inputs(2, False),
                 True, 3, stride=2, padding=1, ceil_mode=True),
    pooling_case("avg_pool2d_without_padding_in_count", "avg_pool2d", image_inputs(2, False),
                 True, (3, 2), stride=(2, 1), padding=(1, 1), ceil_mode=True,
                 count_include_pad=False),
    pooling_case("avg_pool2d_divisor_override", "avg_pool2d", image_inputs(2, False), True, 2,
                 stride=1, divisor_override=3),
    pooling_case("adaptive_avg_pool2d_overlapping_bins", "adaptive_avg_pool2d",
                 image_inputs(1, False), True, (3, 4)),
    pooling_case("adaptive_avg_pool2d_keep_width", "adaptive_avg_pool2d",
                 image_inputs(1, False), True, (2, None)),
    pooling_case("adaptive_max_pool2d", "adaptive_max_pool2d", image_inputs(1, True), False,
                 (2, 3)),
]

OP_CASES += POOLING_CASES
