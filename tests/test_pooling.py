"""Pooling (max_pool1d/2d, avg_pool2d, adaptive_avg_pool2d, adaptive_max_pool2d and their
modules) against torch, with drawn parameters.

The op table (``tests/op_cases.py``) runs a few fixed configurations through every oracle.
Here hypothesis draws the configuration too: the input's rank ((C, H, W) or (N, C, H, W);
(C, L) or (N, C, L) for 1-d) and sides, kernel, stride (or its default), padding (up to torch's
limits), dilation, ceil_mode, count_include_pad, divisor_override and adaptive output sizes
(ints, pairs, None entries), with three kinds of values: pairwise distinct, small integers with
many ties, and integers with NaN and ±inf. In float64:

* values, indices, first-order gradients (vᵀJ for a random v), second-order gradients (the
  gradients of <vᵀJ, u> with respect to the input and to v) and whether the first-order
  gradient requires grad all equal torch's: ties and NaN choose torch's index and the gradient
  goes there;
* drawn problems without ties pass ``gradcheck`` and ``gradgradcheck`` (central differences);
* float32, integer and float16 inputs give torch's values (and float32 torch's gradients);
* the modules print, store and compute as torch's; every malformed argument raises the
  exception type torch raises (the messages are ours: they name the function, the shapes and
  the fix);
* small cases derived by hand, and the two places where we differ from torch on purpose.

torch's max-pool backward writes at the index it reports for a window that lies entirely in
the padding (possible with dilation), which is outside that window and can be outside the
input: it corrupts memory. No test here runs torch's backward on such a window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

torch = pytest.importorskip("torch")

import tinygrad_edu as tge  # noqa: E402
from tinygrad_edu import Tensor  # noqa: E402
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck  # noqa: E402
from tinygrad_edu.nn import functional as F  # noqa: E402
from tinygrad_edu.testing.strategies import distinct_values, real_values  # noqa: E402

RTOL = ATOL = 1e-10  # float64, same math as torch
WINDOWED = ("max_pool2d", "max_pool1d", "avg_pool2d")
WITH_INDICES = ("max_pool2d", "max_pool1d", "adaptive_max_pool2d")
FUNCTIONS = (*WINDOWED, "adaptive_avg_pool2d", "adaptive_max_pool2d")
VALUE_KINDS = ("distinct", "ties", "special")


@dataclass(frozen=True)
class Problem:
    """One drawn pooling call: ``nn.functional.<function>(values, **options)``."""

    function: str
    values: np.ndarray
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Axis:
    """One axis of a window: kernel, stride, padding, dilation, and the input's side."""

    kernel: int
    stride: int
    padding: int
    dilation: int
    size: int


@st.composite
def axes(draw: st.DrawFn, dilated: bool) -> Axis:
    """An axis torch accepts: padding at most half the kernel (and half its span), and a side
    large enough for one window (size + 2 padding >= span)."""
    kernel = draw(st.integers(1, 4))
    dilation = draw(st.integers(1, 3)) if dilated else 1
    span = dilation * (kernel - 1) + 1
    padding = draw(st.integers(0, min(kernel // 2, span // 2)))
    smallest = max(1, span - 2 * padding)
    return Axis(kernel, draw(st.integers(1, 4)), padding, dilation,
                draw(st.integers(smallest, smallest + 4)))


def as_argument(draw: st.DrawFn, values: list[int]) -> Any:
    """An int when all axes agree (sometimes), else a tuple; torch accepts both."""
    if len(set(values)) == 1 and draw(st.booleans()):
        return values[0]
    return tuple(values) if len(values) > 1 else values[0]


def draw_values(draw: st.DrawFn, shape: tuple[int, ...], kind: str) -> np.ndarray:
    """float64 values: pairwise distinct (no ties), small integers (ties), or small integers
    with NaN, inf and -inf."""
    if kind == "distinct":
        return draw(hnp.arrays(np.float64, shape, elements=distinct_values(), unique=True))
    integers = draw(hnp.arrays(np.float64, shape, elements=st.integers(-2, 2).map(float)))
    if kind == "special":
        specials = draw(hnp.arrays(np.int8, shape, elements=st.integers(0, 5)))
        integers = np.where(specials == 3, np.nan, integers)
        integers = np.where(specials == 4, np.inf, integers)
        integers = np.where(specials == 5, -np.inf, integers)
    return integers


@st.composite
def problems(draw: st.DrawFn, function: str, kind: str) -> Problem:
    """A pooling call torch accepts, with values of ``kind``."""
    spatial = 1 if function == "max_pool1d" else 2
    leading = draw(st.lists(st.integers(1, 2), min_size=1, max_size=2))
    options: dict[str, Any] = {}
    if function in WINDOWED:
        drawn = [draw(axes(dilated=function != "avg_pool2d")) for _ in range(spatial)]
        sides = [axis.size for axis in drawn]
        kernel = [axis.kernel for axis in drawn]
        options["kernel_size"] = as_argument(draw, kernel)
        if draw(st.booleans()):
            options["stride"] = as_argument(draw, [axis.stride for axis in drawn])
        options["padding"] = as_argument(draw, [axis.padding for axis in drawn])
        options["ceil_mode"] = draw(st.booleans())
        if function == "avg_pool2d":
            options["count_include_pad"] = draw(st.booleans())
            options["divisor_override"] = draw(st.sampled_from([None, None, -3, 1, 2, 5]))
        else:
            options["dilation"] = as_argument(draw, [axis.dilation for axis in drawn])
    else:
        sides = [draw(st.integers(1, 7)) for _ in range(2)]
        sizes = [draw(st.one_of(st.integers(1, 8), st.none())) for _ in range(2)]
        options["output_size"] = (sizes[0] if sizes[0] == sizes[1] and sizes[0] is not None
                                  and draw(st.booleans()) else tuple(sizes))
    if function in WITH_INDICES:
        options["return_indices"] = True
    return Problem(function, draw_values(draw, (*leading, *sides), kind), options)


def call(lib: Any, problem: Problem, x: Any) -> tuple[Any, Any]:
    """(values, indices or None) of the problem's function in ``lib`` (tinygrad_edu or torch)."""
    functional = F if lib is tge else torch.nn.functional
    result = getattr(functional, problem.function)(x, **problem.options)
    return result if isinstance(result, tuple) else (result, None)


def padding_only_window(problem: Problem, output_shape: tuple[int, ...]) -> bool:
    """Whether some window of a windowed problem lies entirely in the padding (every position
    o * stride - padding + t * dilation outside [0, size) along one axis)."""
    if problem.function not in WINDOWED or problem.function == "avg_pool2d":
        return False
    spatial = 1 if problem.function == "max_pool1d" else 2
    options = problem.options

    def per_axis(name: str, default: Any) -> list[int]:
        value = options.get(name, default)
        value = default if value is None else value
        return list(value) if isinstance(value, tuple) else [value] * spatial

    kernels = per_axis("kernel_size", 1)
    strides = per_axis("stride", options["kernel_size"])
    paddings, dilations = per_axis("padding", 0), per_axis("dilation", 1)
    sizes = problem.values.shape[-spatial:]
    counts = output_shape[-spatial:]
    for kernel, stride, padding, dilation, size, count in zip(kernels, strides, paddings,
                                                              dilations, sizes, counts):
        for window in range(count):
            start = window * stride - padding
            if not any(0 <= start + t * dilation < size for t in range(kernel)):
                return True
    return False


def as_array(value: Any) -> np.ndarray:
    """A tensor of either library (or None: zeros later) as a NumPy array."""
    if isinstance(value, Tensor):
        return value.detach().numpy()
    return value.detach().numpy(force=True)


@dataclass
class Results:
    """What one library computed for a problem."""

    values: np.ndarray
    indices: np.ndarray | None
    first: np.ndarray | None = None
    second: list[np.ndarray] = field(default_factory=list)
    first_requires_grad: bool = False


def results(lib: Any, problem: Problem, upstream: np.ndarray | None,
            direction: np.ndarray | None) -> Results:
    """Values and indices; with an ``upstream`` gradient v also vᵀJ (with create_graph) and the
    gradients of <vᵀJ, direction> with respect to the input and to v."""
    x = lib.tensor(problem.values, requires_grad=upstream is not None)
    values, indices = call(lib, problem, x)
    found = Results(as_array(values), None if indices is None else as_array(indices))
    if upstream is None or direction is None:
        return found
    v = lib.tensor(upstream, requires_grad=True)
    (first,) = lib.autograd.grad([values], [x], [v], create_graph=True)
    found.first, found.first_requires_grad = as_array(first), bool(first.requires_grad)
    inner = (first * lib.tensor(direction)).sum()
    second = lib.autograd.grad([inner], [x, v], allow_unused=True)
    found.second = [np.zeros(shape) if gradient is None else as_array(gradient)
                    for gradient, shape in zip(second, (x.shape, v.shape))]
    return found


def close(mine: np.ndarray, torchs: np.ndarray, label: str) -> None:
    assert mine.shape == torchs.shape, label
    np.testing.assert_allclose(mine, torchs, rtol=RTOL, atol=ATOL, equal_nan=True, err_msg=label)


@pytest.mark.parametrize("kind", VALUE_KINDS)
@pytest.mark.parametrize("function", FUNCTIONS)
@given(data=st.data())
def test_values_indices_and_gradients_match_torch(function: str, kind: str,
                                                  data: st.DataObject) -> None:
    """Values, indices, vᵀJ, second-order gradients and requires_grad equal torch's."""
    problem = data.draw(problems(function, kind))
    theirs = results(torch, problem, None, None)
    shape = theirs.values.shape
    if padding_only_window(problem, shape) or theirs.values.size == 0:
        # Values and indices only: torch's backward is wrong there (see the module docstring
        # and the tests of the differences below).
        ours = results(tge, problem, None, None)
    else:
        upstream = data.draw(hnp.arrays(np.float64, shape, elements=real_values(-2.0, 2.0)))
        direction = data.draw(hnp.arrays(np.float64, problem.values.shape,
                                         elements=real_values(-2.0, 2.0)))
        ours = results(tge, problem, upstream, direction)
        theirs = results(torch, problem, upstream, direction)
        assert ours.first is not None and theirs.first is not None
        close(ours.first, theirs.first, "first-order gradient")
        close(ours.second[0], theirs.second[0], "second-order gradient of the input")
        close(ours.second[1], theirs.second[1], "second-order gradient of the upstream")
        assert ours.first_requires_grad == theirs.first_requires_grad
    close(ours.values, theirs.values, "values")
    if theirs.indices is not None:
        assert ours.indices is not None and ours.indices.dtype == np.int64
        np.testing.assert_array_equal(ours.indices, theirs.indices)


@pytest.mark.parametrize("function", FUNCTIONS)
@settings(max_examples=10)
@given(data=st.data())
def test_drawn_problems_pass_gradcheck_and_gradgradcheck(function: str,
                                                         data: st.DataObject) -> None:
    """Central differences (the public gradcheck) agree with backward and with the backward of
    backward, away from ties (distinct values) and off windows of padding only."""
    problem = data.draw(problems(function, "distinct"))
    x = tge.tensor(problem.values, requires_grad=True)
    output = call(tge, problem, x)[0]
    assume(output.numel() > 0 and not np.isneginf(output.detach().numpy()).any())

    def pooled(t: Tensor) -> Tensor:
        return call(tge, problem, t)[0]

    assert gradcheck(pooled, [x])
    assert gradgradcheck(pooled, [x])


@pytest.mark.parametrize("function", FUNCTIONS)
@settings(max_examples=15)
@given(data=st.data())
def test_float32_values_and_gradients_match_torch(function: str, data: st.DataObject) -> None:
    """float32 in, float32 out and gradient, equal to torch's float32 (to rounding)."""
    problem = data.draw(problems(function, "distinct"))
    ours = tge.tensor(problem.values, dtype=tge.float32, requires_grad=True)
    theirs = torch.tensor(problem.values, dtype=torch.float32, requires_grad=True)
    our_values, our_indices = call(tge, problem, ours)
    their_values, their_indices = call(torch, problem, theirs)
    assert our_values.dtype == tge.float32
    np.testing.assert_allclose(our_values.detach().numpy(), their_values.detach().numpy(),
                               rtol=1e-6, atol=1e-6)
    if their_indices is not None:
        np.testing.assert_array_equal(our_indices.numpy(), their_indices.numpy())
    assume(their_values.numel() > 0
           and not padding_only_window(problem, tuple(their_values.shape)))
    our_values.sum().backward()
    their_values.sum().backward()
    assert ours.grad is not None and ours.grad.dtype == tge.float32
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6, atol=1e-6)


# ----------------------------------------------------------------- dtypes, ties, NaN, layouts
INTEGERS = [[[[-3, -4, 1, 1], [-5, -6, 2, 9], [7, 7, -1, 0]]]]


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8"])
def test_max_pool_of_integers_gives_torch_values_and_indices(dtype: str) -> None:
    """Integer max pooling (with padding, where the padding is below every integer) as torch."""
    values = np.abs(INTEGERS) if dtype == "uint8" else np.array(INTEGERS)
    for options in ({"kernel_size": 2}, {"kernel_size": 3, "stride": 1, "padding": 1},
                    {"kernel_size": (2, 3), "stride": 1, "dilation": (2, 1), "ceil_mode": True}):
        ours = F.max_pool2d(tge.tensor(values, dtype=getattr(tge, dtype)), return_indices=True,
                            **options)
        theirs = torch.nn.functional.max_pool2d(
            torch.tensor(values, dtype=getattr(torch, dtype)), return_indices=True, **options)
        assert str(ours[0].dtype) == dtype
        assert ours[0].tolist() == theirs[0].tolist()
        assert ours[1].tolist() == theirs[1].tolist()
    ours_1d = F.max_pool1d(tge.tensor(values[0, 0], dtype=getattr(tge, dtype)), 2,
                           return_indices=True)
    theirs_1d = torch.nn.functional.max_pool1d(
        torch.tensor(values[0, 0], dtype=getattr(torch, dtype)), 2, return_indices=True)
    assert [t.tolist() for t in ours_1d] == [t.tolist() for t in theirs_1d]


def test_integer_average_rounds_toward_zero_as_torch() -> None:
    """int64 avg_pool2d: torch's C++ integer division (toward 0), negative divisors too."""
    values = [[[[-3, -4, 5, 6], [0, 0, 1, 0], [7, -9, 2, 2]]]]
    configurations: list[dict[str, Any]] = [
        {"kernel_size": 2}, {"kernel_size": 2, "divisor_override": -3},
        {"kernel_size": 3, "stride": 1, "padding": 1, "count_include_pad": False},
        {"kernel_size": 2, "ceil_mode": True}]
    for options in configurations:
        ours = F.avg_pool2d(tge.tensor(values), **options)
        theirs = torch.nn.functional.avg_pool2d(torch.tensor(values), **options)
        assert ours.dtype == tge.int64
        assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("function, options", [
    ("max_pool2d", {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("avg_pool2d", {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("adaptive_avg_pool2d", {"output_size": 3}),
    ("adaptive_max_pool2d", {"output_size": (2, 3)}),
])
def test_float16_values_match_torch(function: str, options: dict[str, Any]) -> None:
    """float16 stays float16; sums run in float32 as torch's (its accumulation type)."""
    values = np.random.default_rng(0).standard_normal((2, 3, 7, 6))
    ours = getattr(F, function)(tge.tensor(values, dtype=tge.float16), **options)
    theirs = getattr(torch.nn.functional, function)(torch.tensor(values, dtype=torch.float16),
                                                    **options)
    assert ours.dtype == tge.float16
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-3, atol=1e-3)


NAN = float("nan")


def test_ties_nan_and_minus_infinity_choose_torchs_index() -> None:
    """The first of equal maxima; the last NaN (torch's loop takes a value when it is larger or
    NaN); a window of -inf reports its first position inside the input. The gradient goes to
    the chosen index."""
    cases: list[tuple[Any, dict[str, Any], int]] = [
        ([[[1.0, NAN, 3.0, NAN], [3.0, 2.0, 3.0, 1.0]]], {"kernel_size": (2, 4)}, 3),
        ([[[3.0, 1.0, 3.0, 2.0], [3.0, 2.0, 3.0, 1.0]]], {"kernel_size": (2, 4)}, 0),
        ([[[1.0, 2.0, 3.0, 3.0], [3.0, 2.0, 1.0, 3.0]]], {"kernel_size": (2, 4)}, 2),
        ([[[-np.inf, -np.inf], [-np.inf, -np.inf]]],
         {"kernel_size": 2, "stride": 1, "padding": 1}, 0),
    ]
    for values, options, first_index in cases:
        results_ = []
        for lib, functional in ((tge, F), (torch, torch.nn.functional)):
            x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
            pooled, indices = functional.max_pool2d(x, return_indices=True, **options)
            pooled.backward(lib.ones_like(pooled))
            results_.append((np.asarray(pooled.tolist()), indices.tolist(), x.grad.tolist()))
        (our_values, our_indices, our_grad), (their_values, their_indices, their_grad) = results_
        np.testing.assert_array_equal(our_values, their_values)
        assert our_indices == their_indices and our_grad == their_grad
        assert np.ravel(our_indices)[0] == first_index


def test_adaptive_pools_keep_nan_and_inf_inside_their_bins() -> None:
    """A NaN or inf reaches only the bins that hold it (positions outside a bin are selected
    away, never multiplied by 0), as in torch."""
    values = [[[1.0, NAN, 2.0, 3.0, 4.0], [np.inf, 0.0, 1.0, 2.0, -1.0]]]
    for function in ("adaptive_avg_pool2d", "adaptive_max_pool2d"):
        ours = getattr(F, function)(tge.tensor(values), (2, 3))
        theirs = getattr(torch.nn.functional, function)(torch.tensor(values), (2, 3))
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert not np.isnan(ours.numpy()[0, 1, 2])


def test_non_contiguous_input_and_empty_batch_as_torch() -> None:
    """A transposed (strided) input pools as its values; an empty batch gives empty outputs
    and zero gradients of torch's shapes."""
    values = np.arange(48.0).reshape(2, 4, 6) % 7
    for function, args in (("max_pool2d", (2,)), ("avg_pool2d", (3, 1, 1)),
                           ("adaptive_avg_pool2d", (2,)), ("adaptive_max_pool2d", (3,))):
        ours = getattr(F, function)(tge.tensor(values).transpose(1, 2), *args)
        theirs = getattr(torch.nn.functional, function)(torch.tensor(values).transpose(1, 2),
                                                        *args)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        empty = tge.zeros(0, 2, 5, 5, requires_grad=True)
        pooled = getattr(F, function)(empty, *args)
        with torch.no_grad():
            their_shape = getattr(torch.nn.functional, function)(torch.zeros(0, 2, 5, 5), *args)
        assert pooled.shape == tuple(their_shape.shape)
        pooled.sum().backward()
        assert empty.grad is not None and empty.grad.shape == (0, 2, 5, 5)


@pytest.mark.parametrize("function, args", [
    ("max_pool2d", (2,)), ("max_pool1d", (2,)), ("avg_pool2d", (2,)),
    ("adaptive_avg_pool2d", (2,)), ("adaptive_max_pool2d", (2,)),
])
def test_the_gradient_depends_on_the_input_and_checks_its_version_as_torch(
        function: str, args: tuple[Any, ...]) -> None:
    """torch's pooling backward takes the input (``max_pool2d_with_indices_backward(grad,
    self, ...)``): a gradient made with create_graph requires grad, and changing the input in
    place before backward is refused. Both as torch."""
    shape = (1, 4, 4) if function != "max_pool1d" else (2, 8)
    for lib in (tge, torch):
        functional = F if lib is tge else torch.nn.functional
        x = lib.arange(16.0, dtype=lib.float64).reshape(shape).requires_grad_()
        y = x * 1
        (gradient,) = lib.autograd.grad(getattr(functional, function)(y, *args).sum(), [x],
                                        create_graph=True)
        assert gradient.requires_grad
        y = x * 1
        pooled = getattr(functional, function)(y, *args)
        with lib.no_grad():
            y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            pooled.sum().backward()


# -------------------------------------------------------------------- derived by hand
def test_max_pool_hand_derived() -> None:
    """kernel 2 over a 4x4 plane: each output is its block's maximum, the index row * 4 +
    column of it, and d sum / dx is 1 exactly at the four maxima."""
    x = tge.tensor([[[1.0, 5.0, 2.0, 0.0],
                     [3.0, 4.0, 7.0, 8.0],
                     [0.5, 0.0, 6.0, 1.0],
                     [2.5, 1.5, 9.0, 3.0]]], requires_grad=True)
    pooled, indices = F.max_pool2d(x, 2, return_indices=True)
    assert pooled.tolist() == [[[5.0, 8.0], [2.5, 9.0]]]
    assert indices.tolist() == [[[1, 7], [12, 14]]]
    pooled.sum().backward()
    assert x.grad is not None
    expected = np.zeros((1, 4, 4))
    expected[0, [0, 1, 3, 3], [1, 3, 0, 2]] = 1.0
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_overlapping_max_windows_add_their_gradients() -> None:
    """kernel 3, stride 1 over [0, 9, 1, 2, 3]: the 9 is the maximum of the windows starting at
    0 and 1, the 3 of the window starting at 2, so d sum / dx = [0, 2, 0, 0, 1]."""
    x = tge.tensor([[0.0, 9.0, 1.0, 2.0, 3.0]], requires_grad=True)
    F.max_pool1d(x, 3, stride=1).sum().backward()
    assert x.grad is not None and x.grad.tolist() == [[0.0, 2.0, 0.0, 0.0, 1.0]]


def test_average_pool_hand_derived() -> None:
    """kernel 3, stride 2, padding 1 over 5x5 ones. Windows start at rows -1, 1, 3: the first
    and last hold 2 input rows, the middle 3, so with count_include_pad each output is
    (rows · columns inside) / 9: 4/9 at the corners, 6/9 on the edges, 1 in the middle;
    without it every output is 1. The gradient of the sum at (i, j) is the sum over the windows
    holding it of 1 / divisor: with count_include_pad, (1/3)(number of row windows holding i)
    times the same for j, e.g. 4/9 at (1, 1), which two windows hold in each direction."""
    x = tge.ones(1, 5, 5, dtype=tge.float64, requires_grad=True)
    counted = F.avg_pool2d(x, 3, stride=2, padding=1)
    edge = [4 / 9, 6 / 9, 4 / 9]
    middle = [6 / 9, 1.0, 6 / 9]
    np.testing.assert_allclose(counted.detach().numpy()[0], [edge, middle, edge], rtol=1e-15)
    uncounted = F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)
    np.testing.assert_allclose(uncounted.detach().numpy(), np.ones((1, 3, 3)), rtol=1e-15)
    counted.sum().backward()
    windows_per_row = np.array([1, 2, 1, 2, 1])  # rows 1 and 3 lie in two windows
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.numpy()[0], np.outer(windows_per_row, windows_per_row) / 9,
                               rtol=1e-15)


def test_ceil_mode_drops_a_window_that_would_start_in_the_right_padding() -> None:
    """Side 5, kernel 2, stride 2, padding 1: ceil((5 + 2 - 2) / 2) + 1 = 4 windows would
    start at -1, 1, 3, 5, and the last one starts in the right padding, so torch keeps 3. The
    divisor of a window clipped by ceil mode: kernel 3, stride 2 over 4 (ceil mode) gives
    windows [0, 3) and [2, 5) with [2, 4) inside: divided by 2, not 3."""
    x = tge.arange(5.0).reshape(1, 1, 5)
    assert F.max_pool2d(x, (1, 2), stride=(1, 2), padding=(0, 1), ceil_mode=True).shape == (
        1, 1, 3)
    ones = tge.ones(1, 1, 4, dtype=tge.float64)
    assert F.avg_pool2d(ones, (1, 3), stride=(1, 2), ceil_mode=True).tolist() == [[[1.0, 1.0]]]
    assert F.avg_pool2d(ones, (1, 3), stride=(1, 2), ceil_mode=True,
                        divisor_override=3).tolist() == [[[1.0, 2 / 3]]]


def test_adaptive_average_hand_derived() -> None:
    """3 rows to 2: bins [0, 2) and [1, 3) overlap at row 1. The output is the bins' means, and
    d sum / dx adds 1/2 from each bin holding a row: [1/2, 1, 1/2] per axis."""
    x = tge.tensor([[[0.0, 2.0, 4.0], [6.0, 8.0, 10.0], [12.0, 14.0, 16.0]]],
                   dtype=tge.float64, requires_grad=True)
    pooled = F.adaptive_avg_pool2d(x, 2)
    assert pooled.tolist() == [[[4.0, 6.0], [10.0, 12.0]]]
    pooled.sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.numpy()[0], np.outer([0.5, 1, 0.5], [0.5, 1, 0.5]))


# ------------------------------------------------------------------------------- modules
MODULES: dict[str, Callable[[Any], Any]] = {
    "MaxPool2d(2)": lambda lib: lib.nn.MaxPool2d(2),
    "MaxPool2d all": lambda lib: lib.nn.MaxPool2d((3, 2), stride=(2, 1), padding=1,
                                                  dilation=(1, 2), ceil_mode=True),
    "MaxPool2d indices": lambda lib: lib.nn.MaxPool2d(2, 1, 0, 1, True),
    "MaxPool1d": lambda lib: lib.nn.MaxPool1d(3, stride=2, padding=1, return_indices=True),
    "AvgPool2d(2)": lambda lib: lib.nn.AvgPool2d(2),
    "AvgPool2d all": lambda lib: lib.nn.AvgPool2d(3, 2, 1, True, False, 4),
    "AdaptiveAvgPool2d": lambda lib: lib.nn.AdaptiveAvgPool2d((None, 3)),
    "AdaptiveAvgPool2d(1)": lambda lib: lib.nn.AdaptiveAvgPool2d(1),
    "AdaptiveMaxPool2d": lambda lib: lib.nn.AdaptiveMaxPool2d((2, 3), return_indices=True),
}
ATTRIBUTES = ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode",
              "count_include_pad", "divisor_override", "output_size")


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_print_store_and_compute_as_torch(name: str) -> None:
    ours, theirs = MODULES[name](tge), MODULES[name](torch)
    assert repr(ours) == repr(theirs)
    for attribute in ATTRIBUTES:
        assert getattr(ours, attribute, None) == getattr(theirs, attribute, None), attribute
    assert list(ours.parameters()) == [] and dict(ours.state_dict()) == {}
    values = np.random.default_rng(1).standard_normal((2, 3, 6, 7))
    if name.startswith("MaxPool1d"):
        values = values[0]
    our_output = ours(tge.tensor(values))
    their_output = theirs(torch.tensor(values))
    our_tuple = our_output if isinstance(our_output, tuple) else (our_output,)
    their_tuple = their_output if isinstance(their_output, tuple) else (their_output,)
    assert len(our_tuple) == len(their_tuple)
    for mine, torchs in zip(our_tuple, their_tuple):
        np.testing.assert_allclose(mine.numpy(), torchs.numpy(), rtol=RTOL, atol=ATOL)


def test_a_small_cnn_head_trains_as_torch() -> None:
    """Pooling inside a Sequential (pool, flatten, linear): the same loss and gradients."""
    losses, gradients = [], []
    for lib in (tge, torch):
        model = lib.nn.Sequential(lib.nn.MaxPool2d(2), lib.nn.AvgPool2d(3, 1, 1),
                                  lib.nn.AdaptiveAvgPool2d((2, 2)), lib.nn.Flatten(),
                                  lib.nn.Linear(8, 3)).double()
        with lib.no_grad():
            model[4].weight.copy_(lib.linspace(-1, 1, 24, dtype=lib.float64).reshape(3, 8))
            model[4].bias.copy_(lib.tensor([0.1, 0.0, -0.1], dtype=lib.float64))
        images = lib.tensor(np.random.default_rng(2).standard_normal((4, 2, 9, 8)),
                            requires_grad=True)
        loss = lib.nn.functional.cross_entropy(model(images), lib.tensor([0, 2, 1, 1]))
        loss.backward()
        losses.append(loss.item())
        gradients.append((images.grad.numpy(), model[4].weight.grad.numpy()))
    np.testing.assert_allclose(losses[0], losses[1], rtol=RTOL)
    for mine, torchs in zip(*gradients):
        np.testing.assert_allclose(mine, torchs, rtol=RTOL, atol=ATOL)


# ------------------------------------------------------------------- malformed arguments
def image(lib: Any, *shape: int, dtype: Any = None) -> Any:
    return lib.ones(*shape, dtype=dtype or lib.float32)


ERROR_CASES: dict[str, Callable[[Any], Any]] = {
    "max 2-d input": lambda lib: lib.nn.functional.max_pool2d(image(lib, 5, 5), 2),
    "max 5-d input": lambda lib: lib.nn.functional.max_pool2d(image(lib, 1, 1, 1, 5, 5), 2),
    "max kernel larger than input": lambda lib: lib.nn.functional.max_pool2d(
        image(lib, 1, 1, 2, 2), 3),
    "max dilation too large": lambda lib: lib.nn.functional.max_pool2d(
        image(lib, 1, 1, 4, 4), 2, dilation=4),
    "max padding above half": lambda lib: lib.nn.functional.max_pool2d(
        image(lib, 1, 1, 5, 5), 2, padding=2),
    "max padding above half with dilation": lambda lib: lib.nn.functional.max_pool2d(
        image(lib, 1, 1, 5, 5), 2, padding=2, dilation=3),
    "max padding above half of one axis": lambda lib: lib.nn.functional.max_pool2d(
        image(lib, 1, 1, 5, 5), (4, 2), padding=(1, 2)),
    "max negative padding": lambda lib: lib.nn.functional.max_pool2d(
        image(lib, 1, 1, 5, 5), 2, padding=-1),
    "max kernel 0": lambda lib: lib.nn.functional.max_pool2d(image(lib, 1, 1, 5, 5), 0),
    "max kernel 0 stride 1": lambda lib: lib.nn.functional.max_pool2d(
        image(lib, 1, 1, 5, 5), 0, stride=1),
    "max negative stride": lambda lib: lib.nn.functional.max_pool2d(
        image(lib, 1, 1, 5, 5), 2, stride=-1),
    "max dilation 0": lambda lib: lib.nn.functional.max_pool2d(
        image(lib, 1, 1, 5, 5), 2, dilation=0),
    "max kernel of three": lambda lib: lib.nn.functional.max_pool2d(
        image(lib, 1, 1, 5, 5), (2, 2, 2)),
    "max stride of three": lambda lib: lib.nn.functional.max_pool2d(
        image(lib, 1, 1, 5, 5), 2, stride=(1, 1, 1)),
    "max padding of three": lambda lib: lib.nn.functional.max_pool2d(
        image(lib, 1, 1, 5, 5), 2, padding=(1, 1, 1)),
    "max float kernel": lambda lib: lib.nn.functional.max_pool2d(image(lib, 1, 1, 5, 5), 2.0),
    "max bool kernel": lambda lib: lib.nn.functional.max_pool2d(image(lib, 1, 1, 5, 5), True),
    "max None in kernel": lambda lib: lib.nn.functional.max_pool2d(
        image(lib, 1, 1, 5, 5), (2, None)),
    "max None padding": lambda lib: lib.nn.functional.max_pool2d(
        image(lib, 1, 1, 5, 5), 2, padding=None),
    "max empty channels": lambda lib: lib.nn.functional.max_pool2d(image(lib, 1, 0, 5, 5), 2),
    "max empty channels, 3-d": lambda lib: lib.nn.functional.max_pool2d(image(lib, 0, 5, 5), 2),
    "max empty height": lambda lib: lib.nn.functional.max_pool2d(image(lib, 1, 1, 0, 5), 2),
    "max bool input": lambda lib: lib.nn.functional.max_pool2d(
        image(lib, 1, 1, 4, 4, dtype=lib.bool), 2),
    "max list input": lambda lib: lib.nn.functional.max_pool2d([[1.0]], 2),
    "max1d 1-d input": lambda lib: lib.nn.functional.max_pool1d(image(lib, 5), 2),
    "max1d 4-d input": lambda lib: lib.nn.functional.max_pool1d(image(lib, 1, 1, 3, 5), 2),
    "max1d kernel pair": lambda lib: lib.nn.functional.max_pool1d(image(lib, 1, 1, 6), (2, 2)),
    "max1d kernel larger than input": lambda lib: lib.nn.functional.max_pool1d(
        image(lib, 1, 1, 2), 3),
    "max1d padding above half": lambda lib: lib.nn.functional.max_pool1d(
        image(lib, 1, 1, 6), 2, padding=2),
    "max1d kernel 0": lambda lib: lib.nn.functional.max_pool1d(image(lib, 1, 1, 5), 0),
    "max1d negative stride": lambda lib: lib.nn.functional.max_pool1d(
        image(lib, 1, 1, 5), 2, stride=-1),
    "max1d dilation 0": lambda lib: lib.nn.functional.max_pool1d(
        image(lib, 1, 1, 5), 2, dilation=0),
    "max1d float kernel": lambda lib: lib.nn.functional.max_pool1d(image(lib, 1, 1, 5), 2.0),
    "max1d empty length": lambda lib: lib.nn.functional.max_pool1d(image(lib, 1, 2, 0), 2),
    "max1d empty channels, 2-d": lambda lib: lib.nn.functional.max_pool1d(image(lib, 0, 4), 2),
    "max1d integers without indices": lambda lib: lib.nn.functional.max_pool1d(
        image(lib, 1, 1, 4, dtype=lib.long), 2),
    "max1d bool with indices": lambda lib: lib.nn.functional.max_pool1d(
        image(lib, 1, 1, 4, dtype=lib.bool), 2, return_indices=True),
    "avg 2-d input": lambda lib: lib.nn.functional.avg_pool2d(image(lib, 5, 5), 2),
    "avg 1-d input": lambda lib: lib.nn.functional.avg_pool2d(image(lib, 3), 2),
    "avg 5-d input": lambda lib: lib.nn.functional.avg_pool2d(image(lib, 1, 1, 1, 5, 5), 2),
    "avg kernel larger than input": lambda lib: lib.nn.functional.avg_pool2d(
        image(lib, 1, 1, 2, 2), 3),
    "avg padding above half": lambda lib: lib.nn.functional.avg_pool2d(
        image(lib, 1, 1, 5, 5), 2, padding=2),
    "avg kernel 0 stride 1": lambda lib: lib.nn.functional.avg_pool2d(
        image(lib, 1, 1, 5, 5), 0, stride=1),
    "avg kernel of three": lambda lib: lib.nn.functional.avg_pool2d(
        image(lib, 1, 1, 5, 5), (2, 2, 2)),
    "avg divisor 0": lambda lib: lib.nn.functional.avg_pool2d(
        image(lib, 1, 1, 5, 5), 2, divisor_override=0),
    "avg float divisor": lambda lib: lib.nn.functional.avg_pool2d(
        image(lib, 1, 1, 5, 5), 2, divisor_override=2.5),
    "avg bool divisor": lambda lib: lib.nn.functional.avg_pool2d(
        image(lib, 1, 1, 5, 5), 2, divisor_override=True),
    "avg dilation": lambda lib: lib.nn.functional.avg_pool2d(
        image(lib, 1, 1, 4, 4), 2, dilation=2),
    "avg empty channels": lambda lib: lib.nn.functional.avg_pool2d(image(lib, 1, 0, 5, 5), 2),
    "avg int32 input": lambda lib: lib.nn.functional.avg_pool2d(
        image(lib, 1, 1, 4, 4, dtype=lib.int32), 2),
    "avg uint8 input": lambda lib: lib.nn.functional.avg_pool2d(
        image(lib, 1, 1, 4, 4, dtype=lib.uint8), 2),
    "adaptive avg 2-d input": lambda lib: lib.nn.functional.adaptive_avg_pool2d(
        image(lib, 5, 5), 2),
    "adaptive avg 5-d input": lambda lib: lib.nn.functional.adaptive_avg_pool2d(
        image(lib, 1, 1, 1, 5, 5), 2),
    "adaptive avg 2-d input, pair": lambda lib: lib.nn.functional.adaptive_avg_pool2d(
        image(lib, 5, 5), (None, 1)),
    "adaptive avg three sizes": lambda lib: lib.nn.functional.adaptive_avg_pool2d(
        image(lib, 1, 1, 5, 5), (2, 2, 2)),
    "adaptive avg one size": lambda lib: lib.nn.functional.adaptive_avg_pool2d(
        image(lib, 1, 1, 5, 5), (3,)),
    "adaptive avg negative size": lambda lib: lib.nn.functional.adaptive_avg_pool2d(
        image(lib, 1, 1, 5, 5), (2, -1)),
    "adaptive avg None": lambda lib: lib.nn.functional.adaptive_avg_pool2d(
        image(lib, 1, 1, 5, 5), None),
    "adaptive avg float size": lambda lib: lib.nn.functional.adaptive_avg_pool2d(
        image(lib, 1, 1, 5, 5), 2.0),
    "adaptive avg float in pair": lambda lib: lib.nn.functional.adaptive_avg_pool2d(
        image(lib, 1, 1, 5, 5), (2.0, 2)),
    "adaptive avg empty height": lambda lib: lib.nn.functional.adaptive_avg_pool2d(
        image(lib, 1, 1, 0, 5), 2),
    "adaptive avg int64 input": lambda lib: lib.nn.functional.adaptive_avg_pool2d(
        image(lib, 1, 1, 4, 4, dtype=lib.long), 2),
    "adaptive max 2-d input": lambda lib: lib.nn.functional.adaptive_max_pool2d(
        image(lib, 5, 5), 2),
    "adaptive max three sizes": lambda lib: lib.nn.functional.adaptive_max_pool2d(
        image(lib, 1, 1, 5, 5), (2, 2, 2)),
    "adaptive max negative size": lambda lib: lib.nn.functional.adaptive_max_pool2d(
        image(lib, 1, 1, 5, 5), -1),
    "adaptive max empty channels": lambda lib: lib.nn.functional.adaptive_max_pool2d(
        image(lib, 1, 0, 5, 5), 2),
    "adaptive max int32 input": lambda lib: lib.nn.functional.adaptive_max_pool2d(
        image(lib, 1, 1, 4, 4, dtype=lib.int32), 2),
}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_malformed_arguments_raise_what_torch_raises(name: str) -> None:
    case = ERROR_CASES[name]
    with pytest.raises(Exception) as theirs:
        case(torch)
    with pytest.raises(Exception) as ours:
        case(tge)
    assert type(ours.value) is type(theirs.value), (
        f"torch raises {type(theirs.value).__name__}: {theirs.value}; ours "
        f"{type(ours.value).__name__}: {ours.value}")


SHAPES_TORCH_ACCEPTS: dict[str, Callable[[Any], Any]] = {
    "stride () means the kernel": lambda lib: lib.nn.functional.max_pool2d(
        lib.arange(25.0).reshape(1, 5, 5), 2, stride=()),
    "one-element kernel tuple": lambda lib: lib.nn.functional.avg_pool2d(
        lib.arange(25.0).reshape(1, 5, 5), (2,)),
    "kernel as a list": lambda lib: lib.nn.functional.max_pool2d(
        lib.arange(25.0).reshape(1, 5, 5), [2, 3]),
    "a window of padding only": lambda lib: lib.nn.functional.max_pool2d(
        lib.ones(1, 1, 1), 2, stride=1, padding=1, dilation=2, return_indices=True),
    "negative divisor_override": lambda lib: lib.nn.functional.avg_pool2d(
        lib.arange(16.0).reshape(1, 4, 4), 2, divisor_override=-2),
    "adaptive output 0": lambda lib: (
        lib.nn.functional.adaptive_avg_pool2d(lib.ones(1, 5, 5), 0),
        lib.nn.functional.adaptive_max_pool2d(lib.ones(1, 5, 5), (2, 0), True)),
    "adaptive larger than the input": lambda lib: (
        lib.nn.functional.adaptive_avg_pool2d(lib.arange(10.0).reshape(1, 2, 5), (3, 7)),
        lib.nn.functional.adaptive_max_pool2d(lib.arange(10.0).reshape(1, 2, 5), (3, 7), True)),
    "adaptive avg with empty channels": lambda lib: lib.nn.functional.adaptive_avg_pool2d(
        lib.ones(1, 0, 5, 5), 2),
    "adaptive max, 3-d, empty channels": lambda lib: lib.nn.functional.adaptive_max_pool2d(
        lib.ones(0, 4, 4), 2),
    "max1d integers with indices": lambda lib: lib.nn.functional.max_pool1d(
        lib.tensor([[[3, -1, 4, 1]]]), 2, return_indices=True),
    "max1d empty batch": lambda lib: lib.nn.functional.max_pool1d(lib.ones(0, 2, 4), 2),
}


def flat(result: Any) -> list[Any]:
    """The tensors of a result that may nest tuples (values, indices), in order."""
    if isinstance(result, tuple):
        return [tensor for part in result for tensor in flat(part)]
    return [result]


@pytest.mark.parametrize("name", sorted(SHAPES_TORCH_ACCEPTS))
def test_arguments_torch_accepts_give_torch_results(name: str) -> None:
    ours, theirs = flat(SHAPES_TORCH_ACCEPTS[name](tge)), flat(SHAPES_TORCH_ACCEPTS[name](torch))
    assert len(ours) == len(theirs)
    for mine, torchs in zip(ours, theirs):
        assert tuple(mine.shape) == tuple(torchs.shape)
        assert str(mine.dtype) == str(torchs.dtype).replace("torch.", "")
        assert mine.tolist() == torchs.tolist()


@pytest.mark.parametrize("call_, expected", [
    (lambda: F.max_pool2d(tge.ones(5, 5), 2),
     r"max_pool2d: non-empty 3D or 4D .* got shape \(5, 5\); pass \(C, H, W\) or \(N, C, H, W\) "
     r"\(x\.unsqueeze\(0\)"),
    (lambda: F.max_pool2d(tge.ones(1, 1, 2, 2), 3),
     r"max_pool2d: Output size is too small: an input of shape \(1, 1, 2, 2\) with kernel_size "
     r"\(3, 3\), stride \(3, 3\), padding \(0, 0\), dilation \(1, 1\) gives an output of 0x0; "
     r"use a smaller kernel_size"),
    (lambda: F.avg_pool2d(tge.ones(1, 1, 5, 5), 2, padding=2),
     r"avg_pool2d: pad should be at most half of effective kernel size, but got padding "
     r"\(2, 2\) for kernel_size \(2, 2\) and dilation \(1, 1\); use padding <= .* = 1 here"),
    (lambda: F.max_pool2d(tge.ones(1, 1, 5, 5), 2, padding=2, dilation=3),
     r"max_pool2d: pad should be smaller than or equal to half of kernel size, but got padding "
     r"\(2, 2\) for kernel_size \(2, 2\); use padding <= kernel_size // 2 = \(1, 1\)"),
    (lambda: F.max_pool1d(tge.ones(1, 1, 2), 3),
     r"max_pool1d: Invalid computed output size: 0, for an input of length 2 with kernel_size "
     r"3"),
    (lambda: F.adaptive_avg_pool2d(tge.ones(5, 5), 2),
     r"adaptive_avg_pool2d: Expected 3D or 4D tensor, but got shape \(5, 5\); pass \(C, H, W\)"),
])
def test_errors_name_the_function_the_shapes_and_the_fix(call_: Callable[[], Any],
                                                         expected: str) -> None:
    with pytest.raises(RuntimeError, match=expected):
        call_()


# ------------------------------------------------------------- differences from torch
def test_a_window_of_padding_only_has_no_gradient() -> None:
    """With dilation a window can lie entirely in the padding: its value is -inf (a constant)
    and its index is torch's, but its gradient is 0 here. torch adds the gradient at that
    index, which names an element outside the window ((0, 1) here; for other shapes a position
    past the input, where torch writes out of bounds), so torch's backward is not run."""
    x = tge.tensor([[[1.0], [2.0]]], requires_grad=True)
    options: dict[str, Any] = {"kernel_size": (1, 2), "stride": 1, "padding": (0, 1),
                               "dilation": (1, 2)}
    pooled, indices = F.max_pool2d(x, return_indices=True, **options)
    with torch.no_grad():
        theirs = torch.nn.functional.max_pool2d(torch.tensor([[[1.0], [2.0]]]),
                                                return_indices=True, **options)
    assert pooled.tolist() == theirs[0].tolist() == [[[-np.inf], [-np.inf]]]
    assert indices.tolist() == theirs[1].tolist() == [[[1], [2]]]
    pooled.backward(tge.ones_like(pooled))
    assert x.grad is not None and x.grad.tolist() == [[[0.0], [0.0]]]


@pytest.mark.parametrize("function", ["adaptive_avg_pool2d", "adaptive_max_pool2d"])
def test_an_empty_adaptive_output_has_a_zero_gradient(function: str) -> None:
    """output_size 0: torch's forward gives an empty tensor and its backward raises; here the
    gradient is zeros (nothing depends on the input)."""
    with pytest.raises(RuntimeError):
        x = torch.ones(1, 3, 3, requires_grad=True)
        getattr(torch.nn.functional, function)(x, (0, 2)).sum().backward()
    ours = tge.ones(1, 3, 3, requires_grad=True)
    getattr(F, function)(ours, (0, 2)).sum().backward()
    assert ours.grad is not None and ours.grad.tolist() == np.zeros((1, 3, 3)).tolist()
