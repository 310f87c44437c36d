"""Tests of the autograd engine: graph traversal, gradient accumulation, grad mode, hooks,
version counters, higher-order gradients and the engine's own checks on what a backward returns.

Most graphs here are built from small toy ``Function`` subclasses defined in this module, so a
failure points at the engine rather than at one primitive op. Tensor ops are used where the
behaviour under test is the Tensor API itself (in-place methods, error texts). Comparisons with
PyTorch live in the tests that call ``pytest.importorskip("torch")`` themselves, so the rest of
the module runs without torch.
"""

from __future__ import annotations

import gc
import re
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import numpy as np
import pytest

import tinygrad_edu
from tinygrad_edu import (
    Tensor,
    autograd,
    enable_grad,
    graph_gc,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
    tensor,
)
from tinygrad_edu.function import Context, Function

# Python's own default recursion limit: the 150,000-op chain must run backward under it.
PYTHON_DEFAULT_RECURSION_LIMIT = 1000


def float64_tensor(values: Any, requires_grad: bool = True) -> Tensor:
    """Build a float64 tensor (NumPy arrays keep their dtype) that requires grad by default."""
    return tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def assert_same(actual: Tensor | np.ndarray | None, expected: Any) -> None:
    """Assert that a tensor or array equals ``expected`` exactly, with the same shape."""
    assert actual is not None, "expected a gradient, got None"
    actual_array = actual._data if isinstance(actual, Tensor) else np.asarray(actual)
    expected_array = np.asarray(expected, dtype=np.float64)
    assert actual_array.shape == expected_array.shape
    np.testing.assert_array_equal(actual_array, expected_array)


def assert_close(actual: Tensor | np.ndarray | None, expected: Any) -> None:
    """Assert float64 closeness at the project's tolerance for the same math (1e-10)."""
    assert actual is not None, "expected a gradient, got None"
    actual_array = actual._data if isinstance(actual, Tensor) else np.asarray(actual)
    expected_array = np.asarray(expected, dtype=np.float64)
    assert actual_array.shape == expected_array.shape
    np.testing.assert_allclose(actual_array, expected_array, rtol=1e-10, atol=1e-10)


def shape_spellings(shape: tuple[int, ...]) -> list[str]:
    """Spellings of a shape in a message, spaces removed: (4,5) [4,5] 4x5; (3,) [3]."""
    inside = ",".join(str(size) for size in shape)
    if len(shape) == 1:
        return [f"[{inside}]", f"({inside},)"]
    return [f"[{inside}]", f"({inside})", "x".join(str(size) for size in shape)]


def message_names_shape(message: str, shape: tuple[int, ...]) -> bool:
    """True when ``message`` mentions ``shape`` in one of the usual spellings."""
    compact = message.replace(" ", "")
    return any(spelling in compact for spelling in shape_spellings(shape))


# --------------------------------------------------------------------------------------------
# Toy functions. Each forward works on NumPy arrays; each backward uses Tensor operations.
# --------------------------------------------------------------------------------------------


class ToyMul(Function):
    """out = a * b.  Local derivatives: dout/da = b, dout/db = a."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad_output * b, grad_output * a


class ToyAdd(Function):
    """out = a + b (broadcasting).  Local derivatives: dout/da = dout/db = 1.

    The backward returns ``grad_output`` unchanged for both inputs, so when ``b`` was broadcast
    the engine must sum the broadcast dimensions itself.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        return grad_output, grad_output


class ToyExp(Function):
    """out = exp(a).  Local derivative: dout/da = exp(a) = out (so the output is saved)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad_output * out


class Cube(Function):
    """out = a ** 3.  Local derivative: dout/da = 3 a ** 2."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        return a**3

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad_output * 3 * a**2


class CountingScale(Function):
    """out = factor * a.  Local derivative: dout/da = factor.

    ``backward_calls`` counts how often the engine calls ``backward``; a correct engine calls it
    exactly once per node, whatever the number of paths from the output to that node.
    """

    backward_calls: ClassVar[int] = 0

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, factor: float = 1.0) -> np.ndarray:
        ctx.factor = factor
        return a * factor

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        CountingScale.backward_calls += 1
        return grad_output * ctx.factor


class FirstOnly(Function):
    """out = a * b, with a backward that only differentiates with respect to ``a``.

    It returns ``None`` for ``b`` when ``ctx.needs_input_grad`` says nobody needs it, and it
    records every ``needs_input_grad`` tuple it sees in ``seen_needs_input_grad``.
    """

    seen_needs_input_grad: ClassVar[list[tuple[bool, ...]]] = []

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        FirstOnly.seen_needs_input_grad.append(tuple(ctx.needs_input_grad))
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        grad_a = grad_output * b if ctx.needs_input_grad[0] else None
        grad_b = grad_output * a if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class BadShape(Function):
    """out = a + b, whose backward returns a gradient of shape (4, 5) for ``b``.

    (4, 5) cannot be summed down to ``b``'s shape (3,), so the engine must refuse it.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        wrong = tensor(np.ones((4, 5), dtype=np.float64))
        return grad_output, wrong


class WrongCount(Function):
    """out = a + b, whose backward returns one gradient although there are two inputs."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return grad_output


class WrongDtype(Function):
    """out = 2 a, whose backward returns a float32 gradient for a float64 input."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        return 2.0 * a

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return (grad_output * 2.0).to(tinygrad_edu.float32)


@contextmanager
def default_recursion_limit() -> Iterator[None]:
    """Run the body under Python's default recursion limit, restoring the old one afterwards."""
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(PYTHON_DEFAULT_RECURSION_LIMIT)
    try:
        yield
    finally:
        sys.setrecursionlimit(old_limit)


# --------------------------------------------------------------------------------------------
# Graph shapes: fan-out, diamonds, reused intermediates, unused inputs.
# --------------------------------------------------------------------------------------------


def test_toy_function_forward_backward_and_node_name() -> None:
    """Cube.apply gives a ** 3 forward, 3 a ** 2 backward, and a node named CubeBackward."""
    x = float64_tensor([1.0, -2.0, 0.5])
    y = Cube.apply(x)
    assert_same(y, [1.0, -8.0, 0.125])
    assert y.requires_grad and not y.is_leaf
    assert x.is_leaf and x.grad_fn is None
    assert y.grad_fn is not None and y.grad_fn.name() == "CubeBackward"
    y.sum().backward()
    assert_same(x.grad, [3.0, 12.0, 0.75])


def test_tensor_op_node_name() -> None:
    """Tensor ops record nodes named after their primitive, e.g. MulBackward."""
    x = float64_tensor([1.0, 2.0])
    product_node = (x * x).grad_fn
    exp_node = x.exp().grad_fn
    assert product_node is not None and product_node.name() == "MulBackward"
    assert exp_node is not None and exp_node.name() == "ExpBackward"


def test_no_node_recorded_without_inputs_requiring_grad() -> None:
    """With no input requiring grad, apply records nothing."""
    a = float64_tensor([1.0, 2.0], requires_grad=False)
    b = float64_tensor([3.0, 4.0], requires_grad=False)
    out = ToyMul.apply(a, b)
    assert_same(out, [3.0, 8.0])
    assert not out.requires_grad
    assert out.grad_fn is None


def test_fan_out_same_tensor_twice() -> None:
    """x * x uses x along two edges: d(x*x)/dx = x + x = 2x (both edges accumulate)."""
    x = float64_tensor([1.5, -3.0, 0.25])
    ToyMul.apply(x, x).sum().backward()
    assert_same(x.grad, [3.0, -6.0, 0.5])

    z = float64_tensor([1.5, -3.0, 0.25])
    (z * z).sum().backward()
    assert_same(z.grad, [3.0, -6.0, 0.5])


def test_fan_out_sum_of_two_functions() -> None:
    """f(x) + g(x) with f = exp, g = cube: d/dx = exp(x) + 3 x ** 2."""
    values = np.array([0.5, -1.0, 2.0])
    x = float64_tensor(values)
    ToyAdd.apply(ToyExp.apply(x), Cube.apply(x)).sum().backward()
    assert_close(x.grad, np.exp(values) + 3.0 * values**2)


def test_diamond_graph() -> None:
    """a = 2x feeds both exp(a) and a ** 3, which meet again in a sum.

    d/dx [exp(a) + a ** 3] = (exp(a) + 3 a ** 2) * da/dx = 2 (exp(2x) + 3 (2x) ** 2).
    """
    values = np.array([0.25, -0.5, 1.0])
    x = float64_tensor(values)
    a = CountingScale.apply(x, factor=2.0)
    ToyAdd.apply(ToyExp.apply(a), Cube.apply(a)).sum().backward()
    assert_close(x.grad, 2.0 * (np.exp(2.0 * values) + 3.0 * (2.0 * values) ** 2))


def test_reused_intermediate() -> None:
    """h = exp(x) is reused three times: y = h * h + h, so dy/dx = (2h + 1) * h."""
    values = np.array([0.0, 0.75, -1.25])
    x = float64_tensor(values)
    h = ToyExp.apply(x)
    ToyAdd.apply(ToyMul.apply(h, h), h).sum().backward()
    h_values = np.exp(values)
    assert_close(x.grad, (2.0 * h_values + 1.0) * h_values)


def test_engine_unbroadcasts_returned_gradients() -> None:
    """ToyAdd returns the full (2, 3) gradient for every input; the engine sums it down.

    For b of shape (3,) the leading dimension was broadcast: grad_b = column sums.
    For c of shape (2, 1) the last dimension was broadcast: grad_c = row sums, kept as (2, 1).
    """
    a = float64_tensor(np.arange(6.0).reshape(2, 3))
    b = float64_tensor([1.0, 2.0, 3.0])
    c = float64_tensor([[1.0], [2.0]])
    weights = float64_tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=False)
    ToyMul.apply(ToyAdd.apply(ToyAdd.apply(a, b), c), weights).sum().backward()
    assert_same(a.grad, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert_same(b.grad, [5.0, 7.0, 9.0])
    assert_same(c.grad, [[6.0], [15.0]])


def test_gradients_do_not_alias_each_other_or_the_seed() -> None:
    """ToyAdd hands back the same Tensor for both inputs; the leaves must still own their
    gradients, and a gradient passed to backward must not become a leaf's .grad by reference.
    """
    a = float64_tensor([1.0, 2.0])
    b = float64_tensor([3.0, 4.0])
    ToyAdd.apply(a, b).sum().backward()
    assert a.grad is not None and b.grad is not None
    assert not np.shares_memory(a.grad._data, b.grad._data)
    a.grad._data[0] = 100.0
    assert_same(b.grad, [1.0, 1.0])

    seed = float64_tensor([1.0, 1.0], requires_grad=False)
    x = float64_tensor([5.0, 6.0])
    ToyAdd.apply(x, x * 0.0).backward(seed)
    assert x.grad is not None
    assert not np.shares_memory(x.grad._data, seed._data)


def test_detach_stops_the_gradient() -> None:
    """y = sum(detach(x) * x): the detached factor is a constant, so dy/dx = x (not 2x)."""
    x = float64_tensor([1.0, 2.0])
    (x.detach() * x).sum().backward()
    assert_same(x.grad, [1.0, 2.0])


def test_needs_input_grad_and_none_gradient() -> None:
    """needs_input_grad follows requires_grad; a None gradient leaves the input's grad None."""
    FirstOnly.seen_needs_input_grad.clear()
    a = float64_tensor([1.0, 2.0])
    b = float64_tensor([3.0, 4.0], requires_grad=False)
    FirstOnly.apply(a, b).sum().backward()
    assert FirstOnly.seen_needs_input_grad == [(True, False)]
    assert_same(a.grad, [3.0, 4.0])
    assert b.grad is None


def test_grad_with_allow_unused_returns_none() -> None:
    """autograd.grad gives None for an input the output does not depend on."""
    x = float64_tensor([1.0, 2.0])
    unused = float64_tensor([5.0])
    y = ToyMul.apply(x, x).sum()
    grad_x, grad_unused = autograd.grad(y, [x, unused], allow_unused=True)
    assert_same(grad_x, [2.0, 4.0])
    assert grad_unused is None


def test_grad_without_allow_unused_raises() -> None:
    """Without allow_unused, an input that is not part of the graph is an error (like torch)."""
    x = float64_tensor([1.0, 2.0])
    unused = float64_tensor([5.0])
    y = (x * 3.0).sum()
    with pytest.raises(RuntimeError, match="allow_unused"):
        autograd.grad(y, [x, unused])


def test_grad_does_not_touch_leaf_grad_and_accepts_grad_outputs() -> None:
    """autograd.grad returns gradients instead of accumulating into .grad.

    y = 3x (non-scalar); with grad_outputs v the result is the vector-Jacobian product 3v.
    """
    x = float64_tensor([1.0, 2.0, 3.0])
    y = x * 3.0
    (grad_x,) = autograd.grad(y, x, grad_outputs=float64_tensor([1.0, -1.0, 0.5], False))
    assert_same(grad_x, [3.0, -3.0, 1.5])
    assert x.grad is None


# --------------------------------------------------------------------------------------------
# Long graphs and the number of backward calls.
# --------------------------------------------------------------------------------------------


def test_150k_op_chain_backward_under_default_recursion_limit() -> None:
    """y = x * c repeated 150,000 times; dy/dx = c ** 150000, computed by repeated products.

    Backward multiplies the incoming gradient (1.0) by c once per node, in the same order as a
    Python loop that starts from 1.0, so the result is bit-for-bit the loop's value. The
    traversal must be iterative: the chain is 150x deeper than Python's recursion limit.
    """
    chain_length = 150_000
    factor = 1.0000001
    expected = 1.0
    for _ in range(chain_length):
        expected = expected * factor

    x = float64_tensor([1.0, -2.0, 0.5])
    with default_recursion_limit():
        y = x
        for _ in range(chain_length):
            y = y * factor
        y.sum().backward()
    assert x.grad is not None
    assert x.grad.dtype == np.float64
    assert_same(x.grad, [expected, expected, expected])


def test_backward_calls_exactly_once_per_node_in_a_long_chain() -> None:
    """A 20,000-node chain of CountingScale: exactly 20,000 backward calls, gradient 1."""
    chain_length = 20_000
    CountingScale.backward_calls = 0
    x = float64_tensor([2.0])
    with default_recursion_limit():
        y = x
        for _ in range(chain_length):
            y = CountingScale.apply(y, factor=1.0)
        y.sum().backward()
    assert CountingScale.backward_calls == chain_length
    assert_same(x.grad, [1.0])


def test_backward_calls_once_per_node_in_a_ladder_of_diamonds() -> None:
    """Each level is a = s(y); y = a + a. There are 2 ** 60 paths from the output to x.

    An engine that walks paths instead of nodes would call each CountingScale backward once per
    path and never finish; a correct one sums both edges first and calls it once per node.
    The gradient doubles at every level: dy/dx = 2 ** 60 (exact in float64).
    """
    levels = 60
    CountingScale.backward_calls = 0
    x = float64_tensor([1.0])
    y = x
    for _ in range(levels):
        a = CountingScale.apply(y, factor=1.0)
        y = ToyAdd.apply(a, a)
    y.sum().backward()
    assert CountingScale.backward_calls == levels
    assert_same(x.grad, [2.0**levels])


def test_backward_calls_once_per_node_with_wide_fan_out() -> None:
    """100 CountingScale nodes all read x: 100 calls, and x.grad = sum of the 100 factors."""
    CountingScale.backward_calls = 0
    x = float64_tensor([1.0, 1.0])
    total = CountingScale.apply(x, factor=1.0)
    for index in range(1, 100):
        total = ToyAdd.apply(total, CountingScale.apply(x, factor=float(index + 1)))
    total.sum().backward()
    assert CountingScale.backward_calls == 100
    assert_same(x.grad, [5050.0, 5050.0])


# --------------------------------------------------------------------------------------------
# retain_graph, accumulation into .grad, intermediates.
# --------------------------------------------------------------------------------------------


def test_retain_graph_allows_second_backward_and_gradients_accumulate() -> None:
    """Two backwards through y = sum(x * x) with retain_graph: x.grad = 2 * 2x."""
    x = float64_tensor([1.0, -2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    assert_same(x.grad, [2.0, -4.0])
    y.backward()
    assert_same(x.grad, [4.0, -8.0])


def test_second_backward_without_retain_graph_raises() -> None:
    """The graph is freed after the first backward; the second one raises torch's message."""
    x = float64_tensor([1.0, -2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_second_backward_through_a_toy_function_raises() -> None:
    """The same rule holds for graphs made of user-defined Functions."""
    x = float64_tensor([1.0, -2.0])
    y = Cube.apply(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_grad_twice_without_retain_graph_raises() -> None:
    """autograd.grad also frees the graph unless retain_graph=True."""
    x = float64_tensor([1.0, -2.0])
    y = (x * x).sum()
    (first,) = autograd.grad(y, x, retain_graph=True)
    (second,) = autograd.grad(y, x)
    assert_same(first, [2.0, -4.0])
    assert_same(second, [2.0, -4.0])
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        autograd.grad(y, x)


def test_gradients_accumulate_across_separate_backward_calls() -> None:
    """Leaf .grad accumulates over independent graphs until reset (here by assigning None)."""
    x = float64_tensor([1.0, 2.0])
    (x * 3.0).sum().backward()
    (x * x).sum().backward()
    assert_same(x.grad, [3.0 + 2.0, 3.0 + 4.0])
    x.grad = None
    (x * 3.0).sum().backward()
    assert_same(x.grad, [3.0, 3.0])


def test_intermediate_grad_is_none_unless_retained() -> None:
    """Only leaves get .grad; retain_grad() opts an intermediate in.

    z = sum(y * y) with y = 2x: dz/dy = 2y = 4x, dz/dx = 2y * 2 = 8x.
    """
    x = float64_tensor([1.0, -0.5])
    y = x * 2.0
    (y * y).sum().backward()
    assert y.grad is None
    assert_same(x.grad, [8.0, -4.0])

    x = float64_tensor([1.0, -0.5])
    y = x * 2.0
    y.retain_grad()
    (y * y).sum().backward()
    assert_same(y.grad, [4.0, -2.0])
    assert_same(x.grad, [8.0, -4.0])


def test_retained_grad_accumulates_over_backward_calls() -> None:
    """Like a leaf's .grad, a retained intermediate .grad accumulates (torch semantics).

    y = 3x, z = sum(y * y): dz/dy = 2y = 6x. Two backwards (retain_graph) give 12x.
    """
    x = float64_tensor([1.0, 2.0])
    y = x * 3.0
    y.retain_grad()
    z = (y * y).sum()
    z.backward(retain_graph=True)
    assert_same(y.grad, [6.0, 12.0])
    z.backward()
    assert_same(y.grad, [12.0, 24.0])
    assert_same(x.grad, [36.0, 72.0])


def test_grad_with_respect_to_an_intermediate_and_a_leaf() -> None:
    """y = 3x, z = sum(y * y): dz/dy = 2y = 6x and dz/dx = 18x, from one autograd.grad call."""
    x = float64_tensor([1.0, 2.0])
    y = x * 3.0
    grad_y, grad_x = autograd.grad((y * y).sum(), [y, x])
    assert_same(grad_y, [6.0, 12.0])
    assert_same(grad_x, [18.0, 36.0])


def test_grad_of_several_outputs_adds_their_gradients() -> None:
    """grad([sum(x * x), sum(3x)], x) = 2x + 3."""
    x = float64_tensor([1.0, 2.0])
    (grad_x,) = autograd.grad([(x * x).sum(), (x * 3.0).sum()], x)
    assert_same(grad_x, [5.0, 7.0])


def test_backward_with_explicit_gradient_for_non_scalar_output() -> None:
    """y = 2x is not scalar: y.backward(v) computes the vector-Jacobian product 2v."""
    x = float64_tensor([1.0, 2.0, 3.0])
    y = x * 2.0
    y.backward(float64_tensor([1.0, 0.5, -1.0], requires_grad=False))
    assert_same(x.grad, [2.0, 1.0, -2.0])


def test_backward_on_one_element_tensor_needs_no_gradient() -> None:
    """Like torch, a one-element (not only 0-d) output can start backward implicitly."""
    x = float64_tensor([1.0, 2.0, 3.0])
    y = x[0:1] * 4.0
    assert y.shape == (1,)
    y.backward()
    assert_same(x.grad, [4.0, 0.0, 0.0])


# --------------------------------------------------------------------------------------------
# Grad mode.
# --------------------------------------------------------------------------------------------


def test_no_grad_records_nothing() -> None:
    """Inside no_grad results do not require grad and have no node."""
    x = float64_tensor([1.0, 2.0])
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        y = x * 2.0
        z = Cube.apply(x)
    assert is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert not z.requires_grad and z.grad_fn is None


def test_grad_mode_nesting() -> None:
    """enable_grad inside no_grad turns recording back on; leaving restores the outer mode."""
    x = float64_tensor([1.0, 2.0])
    with no_grad():
        with enable_grad():
            assert is_grad_enabled()
            inner = x * 2.0
            with set_grad_enabled(False):
                assert not is_grad_enabled()
                innermost = x * 2.0
            assert is_grad_enabled()
        assert not is_grad_enabled()
        outer = x * 2.0
        with set_grad_enabled(True):
            assert is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert inner.requires_grad and inner.grad_fn is not None
    assert not innermost.requires_grad
    assert not outer.requires_grad


def test_set_grad_enabled_as_a_plain_call() -> None:
    """Like torch, calling set_grad_enabled(False) switches the mode immediately."""
    try:
        set_grad_enabled(False)
        assert not is_grad_enabled()
        set_grad_enabled(True)
        assert is_grad_enabled()
    finally:
        set_grad_enabled(True)


def test_grad_mode_decorators() -> None:
    """no_grad(), enable_grad() and set_grad_enabled(...) also work as decorators."""

    @no_grad()
    def doubled_without_grad(value: Tensor) -> Tensor:
        assert not is_grad_enabled()
        return value * 2.0

    @enable_grad()
    def doubled_with_grad(value: Tensor) -> Tensor:
        assert is_grad_enabled()
        return value * 2.0

    @set_grad_enabled(False)
    def doubled_with_mode_false(value: Tensor) -> Tensor:
        assert not is_grad_enabled()
        return value * 2.0

    x = float64_tensor([1.0])
    assert not doubled_without_grad(x).requires_grad
    assert is_grad_enabled()
    assert not doubled_with_mode_false(x).requires_grad
    assert is_grad_enabled()
    with no_grad():
        result = doubled_with_grad(x)
        assert not is_grad_enabled()
    assert result.requires_grad and result.grad_fn is not None
    assert doubled_without_grad.__name__ == "doubled_without_grad"


def test_grad_mode_restored_after_exception() -> None:
    """An exception inside a grad-mode block or decorated function restores the mode."""
    with pytest.raises(ValueError), no_grad():
        raise ValueError("inside no_grad")
    assert is_grad_enabled()

    with no_grad():
        with pytest.raises(ValueError), enable_grad():
            raise ValueError("inside enable_grad")
        assert not is_grad_enabled()
    assert is_grad_enabled()

    @no_grad()
    def failing() -> None:
        raise KeyError("inside a decorated function")

    with pytest.raises(KeyError):
        failing()
    assert is_grad_enabled()


def test_backward_without_create_graph_records_nothing() -> None:
    """Backward runs under no_grad: the gradient it produces has no node of its own."""
    x = float64_tensor([1.0, 2.0])
    Cube.apply(x).sum().backward()
    assert x.grad is not None
    assert x.grad.grad_fn is None
    assert not x.grad.requires_grad
    assert is_grad_enabled()


class ContextSpy(Function):
    """out = 2a, remembering what its forward was given: the context and needs_input_grad."""

    seen: ClassVar[list[tuple[type, tuple[bool, ...]]]] = []

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ContextSpy.seen.append((type(ctx), ctx.needs_input_grad))
        ctx.save_for_backward(a)
        ctx.note = "an attribute, as ops store their parameters"
        return 2 * a

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return grad_output * 2


def test_unrecorded_op_gets_a_context_that_keeps_nothing() -> None:
    """With nothing to record (no_grad, or no input requiring grad) forward still gets a
    context it can write to, with needs_input_grad all False, and the output has no node."""
    ContextSpy.seen.clear()
    x = float64_tensor([1.0, 2.0])
    with no_grad():
        under_no_grad = ContextSpy.apply(x)
    without_grad = ContextSpy.apply(float64_tensor([1.0], requires_grad=False))
    recorded = ContextSpy.apply(x)
    for output in (under_no_grad, without_grad):
        assert output.grad_fn is None and not output.requires_grad
    assert_same(under_no_grad, [2.0, 4.0])
    (unrecorded_type, flags), (_, other_flags), (recorded_type, recorded_flags) = ContextSpy.seen
    assert unrecorded_type is not Context and issubclass(unrecorded_type, Context)
    assert flags == other_flags == (False,)
    assert recorded_type is Context and recorded_flags == (True,)
    assert isinstance(recorded.grad_fn, Context)


def test_unrecorded_multi_output_op_marks_nothing() -> None:
    """max(dim) under no_grad: both outputs are plain tensors (its forward marks the indices
    non-differentiable; with nothing recorded there is nothing to mark)."""
    x = float64_tensor([[1.0, 3.0], [4.0, 2.0]])
    with no_grad():
        values, indices = x.max(dim=1)
    assert_same(values, [3.0, 4.0])
    assert_same(indices, [1, 0])
    assert values.grad_fn is None and not values.requires_grad and not indices.requires_grad


def test_ordinary_backward_makes_no_graph_node(monkeypatch: pytest.MonkeyPatch) -> None:
    """An ordinary backward runs each op's backward (Tensor ops) without recording: not one
    graph node is made. With create_graph=True the same ops do record."""
    made: list[Context] = []
    original_init = Context.__init__

    def counting_init(self: Context, function: type[Function], inputs: tuple[Tensor, ...]) -> None:
        made.append(self)
        original_init(self, function, inputs)

    x = float64_tensor([[0.5, -1.0], [2.0, 0.25]])
    weight = float64_tensor([[1.0, 2.0], [-0.5, 0.5], [0.0, 1.5]])
    bias = float64_tensor([0.1, 0.2, 0.3])
    labels = tinygrad_edu.tensor([2, 0])
    cross_entropy = tinygrad_edu.nn.functional.cross_entropy
    loss = cross_entropy(tinygrad_edu.functional.linear(x, weight, bias).relu(), labels)
    monkeypatch.setattr(Context, "__init__", counting_init)
    loss.backward()
    assert made == []
    assert x.grad is not None and weight.grad is not None and bias.grad is not None
    loss = cross_entropy(tinygrad_edu.functional.linear(x, weight, bias).relu(), labels)
    made.clear()
    loss.backward(create_graph=True)
    assert made != []


# --------------------------------------------------------------------------------------------
# Hooks.
# --------------------------------------------------------------------------------------------


def test_leaf_hook_sees_total_gradient_once_and_can_replace_it() -> None:
    """A leaf used twice (x * x) calls its hook once, with the summed gradient 2x.

    The hook returns 10 * grad, which replaces what is stored in x.grad.
    """
    seen: list[np.ndarray] = []

    def hook(grad: Tensor) -> Tensor:
        seen.append(grad._data.copy())
        return grad * 10.0

    x = float64_tensor([1.0, -3.0])
    x.register_hook(hook)
    (x * x).sum().backward()
    assert len(seen) == 1
    assert_same(seen[0], [2.0, -6.0])
    assert_same(x.grad, [20.0, -60.0])


def test_hook_returning_none_keeps_gradient() -> None:
    """A hook that only observes (returns None) leaves the gradient unchanged."""
    seen: list[np.ndarray] = []

    def observe(grad: Tensor) -> None:
        seen.append(grad._data.copy())

    x = float64_tensor([1.0, 2.0])
    x.register_hook(observe)
    (x * 5.0).sum().backward()
    assert len(seen) == 1
    assert_same(seen[0], [5.0, 5.0])
    assert_same(x.grad, [5.0, 5.0])


def test_non_leaf_hook_replaces_gradient_flowing_further() -> None:
    """y = 3x; z = sum(y * y). dz/dy = 2y; the hook makes it 2y * 10, so dz/dx = 60 y."""
    seen: list[np.ndarray] = []

    def hook(grad: Tensor) -> Tensor:
        seen.append(grad._data.copy())
        return grad * 10.0

    x = float64_tensor([1.0, 2.0])
    y = x * 3.0
    y.register_hook(hook)
    (y * y).sum().backward()
    assert len(seen) == 1
    assert_same(seen[0], [6.0, 12.0])
    assert_same(x.grad, [180.0, 360.0])
    assert y.grad is None


def test_hook_handle_remove() -> None:
    """After handle.remove() the hook is no longer called."""
    calls: list[int] = []

    def hook(grad: Tensor) -> Tensor:
        calls.append(1)
        return grad * 0.0

    x = float64_tensor([1.0, 2.0])
    handle = x.register_hook(hook)
    handle.remove()
    (x * 2.0).sum().backward()
    assert calls == []
    assert_same(x.grad, [2.0, 2.0])

    y_source = float64_tensor([1.0, 2.0])
    y = y_source * 2.0
    y_handle = y.register_hook(hook)
    y_handle.remove()
    (y * 3.0).sum().backward()
    assert calls == []
    assert_same(y_source.grad, [6.0, 6.0])


def test_hook_on_tensor_without_grad_raises() -> None:
    """Torch's rule: a tensor that does not require grad cannot take a hook."""
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        float64_tensor([1.0], requires_grad=False).register_hook(lambda grad: grad)


def test_two_hooks_run_in_registration_order() -> None:
    """Hooks chain: each receives the previous hook's result (grad + 1, then * 2)."""
    x = float64_tensor([1.0])

    def add_one(grad: Tensor) -> Tensor:
        return grad + 1.0

    def times_two(grad: Tensor) -> Tensor:
        return grad * 2.0

    x.register_hook(add_one)
    x.register_hook(times_two)
    (x * 3.0).sum().backward()
    assert_same(x.grad, [8.0])


# --------------------------------------------------------------------------------------------
# In-place operations and version counters.
# --------------------------------------------------------------------------------------------


def test_modifying_a_saved_output_makes_backward_raise() -> None:
    """exp saves its output; changing that output in place invalidates the saved value."""
    x = float64_tensor([0.0, 1.0])
    y = x.exp()
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_modifying_a_saved_input_makes_backward_raise() -> None:
    """Mul saves its inputs; a.mul_ afterwards bumps a's version, so backward must refuse."""
    x = float64_tensor([1.0, 2.0])
    a = x * 1.0
    b = a * a
    a.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()


def test_setitem_on_a_saved_tensor_makes_backward_raise() -> None:
    """__setitem__ is an in-place write too."""
    x = float64_tensor([1.0, 2.0])
    a = x * 1.0
    b = Cube.apply(a)
    a[0] = 5.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()


def test_leaf_updated_under_no_grad_after_being_saved_makes_backward_raise() -> None:
    """An optimiser-style update of a saved leaf between forward and backward is caught too."""
    x = float64_tensor([1.0, 2.0])
    y = (x * x).sum()
    with no_grad():
        x.sub_(0.5)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_in_place_on_leaf_requiring_grad_raises() -> None:
    """Torch's rule and message for a leaf that requires grad."""
    x = float64_tensor([1.0, 2.0])
    message = "a leaf Variable that requires grad is being used in an in-place operation."
    with pytest.raises(RuntimeError, match=re.escape(message)):
        x.add_(1.0)
    with pytest.raises(RuntimeError, match=re.escape(message)):
        x.mul_(2.0)
    with pytest.raises(RuntimeError, match=re.escape(message)):
        x[0] = 3.0
    assert_same(x, [1.0, 2.0])


def test_in_place_on_leaf_allowed_under_no_grad() -> None:
    """Under no_grad a leaf may be updated in place (this is how optimisers step)."""
    x = float64_tensor([1.0, 2.0])
    with no_grad():
        result = x.add_(1.0)
        x.mul_(2.0)
        x.sub_(1.0)
    assert result is x
    assert_same(x, [3.0, 5.0])
    assert x.is_leaf and x.requires_grad and x.grad_fn is None
    (x * x).sum().backward()
    assert_same(x.grad, [6.0, 10.0])


def test_in_place_ops_return_self_and_keep_gradients_flowing() -> None:
    """y = x + 1 (Add saves nothing) may be changed in place: y.mul_(2) gives dy/dx = 2."""
    x = float64_tensor([1.0, 2.0])
    y = x + 1.0
    returned = y.mul_(2.0)
    assert returned is y
    assert_same(y, [4.0, 6.0])
    y.sum().backward()
    assert_same(x.grad, [2.0, 2.0])


def test_zero_fill_and_copy_cut_the_old_history() -> None:
    """zero_ / fill_ / copy_ overwrite every element, so gradient stops flowing to the old value.

    a = 2x; a.zero_(); loss = sum(a + x) gives dloss/dx = 1.
    b = 2x; b.fill_(7); loss = sum(b * x) = 7 sum(x) gives 7.
    c = 2x; c.copy_(3w); loss = sum(c) gives dx = 0 and dw = 3.
    """
    x = float64_tensor([1.0, 2.0])
    a = x * 2.0
    a.zero_()
    (a + x).sum().backward()
    assert_same(x.grad, [1.0, 1.0])

    x = float64_tensor([1.0, 2.0])
    b = x * 2.0
    b.fill_(7.0)
    (b * x).sum().backward()
    assert_same(x.grad, [7.0, 7.0])

    x = float64_tensor([1.0, 2.0])
    w = float64_tensor([4.0, 5.0])
    c = x * 2.0
    c.copy_(w * 3.0)
    (c + x * 0.0).sum().backward()
    assert_same(x.grad, [0.0, 0.0])
    assert_same(w.grad, [3.0, 3.0])


def test_in_place_chain_on_non_leaf_matches_torch() -> None:
    """A mix of add_, mul_, __setitem__ and sub_ on a non-leaf, compared with torch."""
    torch = pytest.importorskip("torch")
    x_values = np.array([1.0, 2.0, 3.0])
    w_values = np.array([0.5, -1.0, 2.0])

    def run(make_leaf: Callable[[np.ndarray], Any]) -> tuple[Any, Any, Any]:
        x = make_leaf(x_values)
        w = make_leaf(w_values)
        a = x * 2.0
        a.add_(w)
        a.mul_(w)
        a[0] = x[1] * 5.0
        a.sub_(x)
        (a * a).sum().backward()
        return x, w, a

    ours_x, ours_w, ours_a = run(float64_tensor)
    torch_x, torch_w, torch_a = run(
        lambda values: torch.tensor(values, dtype=torch.float64, requires_grad=True)
    )
    assert_close(ours_a.detach()._data, torch_a.detach().numpy())
    assert_close(ours_x.grad, torch_x.grad.numpy())
    assert_close(ours_w.grad, torch_w.grad.numpy())


# --------------------------------------------------------------------------------------------
# Higher-order gradients.
# --------------------------------------------------------------------------------------------


def test_second_and_third_derivative_of_cube() -> None:
    """y = x ** 3: dy/dx = 3 x ** 2, d2y/dx2 = 6x, d3y/dx3 = 6."""
    values = np.array([-1.5, 0.5, 2.0])
    x = float64_tensor(values)
    (first,) = autograd.grad((x**3).sum(), x, create_graph=True)
    assert first is not None and first.requires_grad
    assert_close(first, 3.0 * values**2)
    (second,) = autograd.grad(first.sum(), x, create_graph=True)
    assert second is not None
    assert_close(second, 6.0 * values)
    (third,) = autograd.grad(second.sum(), x)
    assert_close(third, [6.0, 6.0, 6.0])


def test_higher_order_through_a_toy_function() -> None:
    """Cube's backward is written with Tensor ops, so it is itself differentiable."""
    values = np.array([-1.5, 0.5, 2.0])
    x = float64_tensor(values)
    (first,) = autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    assert first is not None
    assert_close(first, 3.0 * values**2)
    (second,) = autograd.grad(first.sum(), x, create_graph=True)
    assert second is not None
    assert_close(second, 6.0 * values)
    (third,) = autograd.grad(second.sum(), x)
    assert_close(third, [6.0, 6.0, 6.0])


def test_backward_with_create_graph_gives_differentiable_grad() -> None:
    """backward(create_graph=True) leaves x.grad = 3x ** 2 with a graph; its backward is 6x."""
    values = np.array([1.0, -2.0])
    x = float64_tensor(values)
    (x**3).sum().backward(create_graph=True)
    first = x.grad
    assert first is not None and first.requires_grad
    assert_close(first, 3.0 * values**2)
    x.grad = None
    first.sum().backward()
    assert_close(x.grad, 6.0 * values)


def test_create_graph_keeps_the_graph_by_default() -> None:
    """As in torch, retain_graph defaults to create_graph: a later backward still works."""
    x = float64_tensor([1.0, 2.0])
    y = (x**3).sum()
    (first,) = autograd.grad(y, x, create_graph=True)
    y.backward()
    assert_close(first, [3.0, 12.0])
    assert_close(x.grad, [3.0, 12.0])


def test_hessian_vector_product_of_small_mlp_matches_torch() -> None:
    """H v for loss(W1, b1, W2) = mean((tanh(X W1^T + b1) W2^T) ** 2) + sum(sigmoid(hidden)).

    H v is computed as grad of <grad(loss), v> (double backward), in both libraries.
    """
    torch = pytest.importorskip("torch")
    generator = np.random.default_rng(7)
    inputs = generator.normal(size=(5, 4))
    parameter_values = [
        generator.normal(size=(3, 4)),
        generator.normal(size=(3,)),
        generator.normal(size=(2, 3)),
    ]
    direction_values = [generator.normal(size=value.shape) for value in parameter_values]

    def loss_of(x: Any, w1: Any, b1: Any, w2: Any) -> Any:
        hidden = (x @ w1.T + b1).tanh()
        out = hidden @ w2.T
        return (out**2).mean() + hidden.sigmoid().sum()

    ours_parameters = [float64_tensor(value) for value in parameter_values]
    ours_directions = [float64_tensor(value, False) for value in direction_values]
    ours_loss = loss_of(float64_tensor(inputs, False), *ours_parameters)
    ours_grads = autograd.grad(ours_loss, ours_parameters, create_graph=True)
    # <grad, v>: a scalar whose gradient with respect to the parameters is H v.
    ours_dot = tensor(np.zeros((), dtype=np.float64))
    for grad, direction in zip(ours_grads, ours_directions):
        assert grad is not None
        ours_dot = ours_dot + (grad * direction).sum()
    ours_hvp = autograd.grad(ours_dot, ours_parameters)

    def torch_leaf(value: np.ndarray, requires_grad: bool = True) -> Any:
        return torch.tensor(value, dtype=torch.float64, requires_grad=requires_grad)

    torch_parameters = [torch_leaf(value) for value in parameter_values]
    torch_directions = [torch_leaf(value, False) for value in direction_values]
    torch_loss = loss_of(torch_leaf(inputs, False), *torch_parameters)
    torch_grads = torch.autograd.grad(torch_loss, torch_parameters, create_graph=True)
    torch_dot = sum(
        (grad * direction).sum() for grad, direction in zip(torch_grads, torch_directions)
    )
    torch_hvp = torch.autograd.grad(torch_dot, torch_parameters)

    assert_close(ours_loss.detach()._data, torch_loss.detach().numpy())
    for ours_grad, torch_grad in zip(ours_grads, torch_grads):
        assert ours_grad is not None
        assert_close(ours_grad.detach()._data, torch_grad.detach().numpy())
    for ours_product, torch_product in zip(ours_hvp, torch_hvp):
        assert_close(ours_product, torch_product.numpy())


# --------------------------------------------------------------------------------------------
# Error texts and the engine's checks on returned gradients.
# --------------------------------------------------------------------------------------------


def torch_error_message(action: Callable[[], Any]) -> str:
    """Run a torch action that must fail and return its RuntimeError message."""
    with pytest.raises(RuntimeError) as caught:
        action()
    return str(caught.value)


def test_non_scalar_backward_without_gradient_message_matches_torch() -> None:
    """Backward from a non-scalar output needs gradient=..., with torch's wording."""
    torch = pytest.importorskip("torch")
    torch_message = torch_error_message(
        lambda: (torch.ones(3, dtype=torch.float64, requires_grad=True) * 2).backward()
    )
    x = float64_tensor([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError) as caught:
        (x * 2.0).backward()
    assert torch_message in str(caught.value)


def test_backward_on_tensor_without_grad_message_matches_torch() -> None:
    """Backward from a tensor that does not require grad, with torch's wording."""
    torch = pytest.importorskip("torch")
    torch_message = torch_error_message(lambda: torch.ones(3, dtype=torch.float64).sum().backward())
    x = float64_tensor([1.0, 2.0, 3.0], requires_grad=False)
    with pytest.raises(RuntimeError) as caught:
        x.sum().backward()
    assert torch_message in str(caught.value)


def test_integer_tensor_cannot_require_grad_message_matches_torch() -> None:
    """Integer tensors cannot require grad (torch: 'only Tensors of floating point dtype ...')."""
    torch = pytest.importorskip("torch")
    torch_message = torch_error_message(lambda: torch.tensor([1, 2]).requires_grad_())
    with pytest.raises(RuntimeError) as caught:
        tensor([1, 2]).requires_grad_()
    assert torch_message in str(caught.value)
    with pytest.raises(RuntimeError, match="(?i)floating point.*require gradients"):
        tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="(?i)floating point.*require gradients"):
        tensor(np.array([True, False]), requires_grad=True)


def test_second_backward_message_matches_torch() -> None:
    """The freed-graph message starts like torch's."""
    torch = pytest.importorskip("torch")
    leaf = torch.ones(2, dtype=torch.float64, requires_grad=True)
    torch_loss = (leaf * leaf).sum()
    torch_loss.backward()
    torch_message = torch_error_message(torch_loss.backward)
    torch_first_sentence = torch_message.split(" (")[0]

    x = float64_tensor([1.0, 1.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError) as caught:
        y.backward()
    assert str(caught.value).startswith(torch_first_sentence)


def test_wrongly_shaped_gradient_names_op_index_and_shapes() -> None:
    """A (4, 5) gradient for input 1 of shape (3,) cannot be un-broadcast: RuntimeError.

    The message must name the op (BadShape), the input index (1) and both shapes.
    """
    a = float64_tensor(np.zeros((2, 3)))
    b = float64_tensor(np.zeros(3))
    out = BadShape.apply(a, b)
    with pytest.raises(RuntimeError) as caught:
        out.sum().backward()
    message = str(caught.value)
    assert "BadShape" in message
    assert re.search(r"\b1\b", message), message
    assert message_names_shape(message, (4, 5)), message
    assert message_names_shape(message, (3,)), message


def test_gradient_with_wrong_dtype_raises() -> None:
    """A float32 gradient for a float64 input is refused, naming the op and both dtypes."""
    x = float64_tensor([1.0, 2.0])
    out = WrongDtype.apply(x)
    with pytest.raises((RuntimeError, TypeError)) as caught:
        out.sum().backward()
    message = str(caught.value)
    assert "WrongDtype" in message
    assert "float32" in message and "float64" in message


def test_wrong_number_of_gradients_raises() -> None:
    """Like torch, a backward must return one gradient (or None) per input.

    torch: "function WrongCountBackward returned an incorrect number of gradients (expected 2,
    got 1)". Silently treating the missing gradient as None would hide a bug in the op.
    """
    a = float64_tensor([1.0])
    b = float64_tensor([2.0])
    with pytest.raises(RuntimeError) as caught:
        WrongCount.apply(a, b).sum().backward()
    message = str(caught.value)
    assert "WrongCount" in message
    assert "2" in message and "1" in message


# ------------------------------------------------------------------- grad mode is per thread
def run_in_thread(target: Callable[[], Any]) -> Any:
    """Run ``target`` in a new thread; return its result or raise its exception here."""
    outcome: dict[str, Any] = {}

    def body() -> None:
        try:
            outcome["result"] = target()
        except BaseException as error:  # handed to the calling thread
            outcome["error"] = error

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")


def test_a_new_thread_starts_recording_even_inside_no_grad() -> None:
    x = tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        recorded = run_in_thread(lambda: ((x * 2).requires_grad, is_grad_enabled()))
        assert not is_grad_enabled()
    assert recorded == (True, True)


def test_no_grad_in_one_thread_leaves_another_thread_training() -> None:
    """A thread that sits in no_grad (evaluating, say) while another trains: 400 of 400
    training steps must record their graph."""
    entered, release = threading.Event(), threading.Event()

    def evaluate() -> None:
        with no_grad():
            entered.set()
            release.wait(timeout=60)

    evaluator = threading.Thread(target=evaluate)
    evaluator.start()
    assert entered.wait(timeout=60)
    try:
        weight = tensor([0.5, -0.5], requires_grad=True)
        recorded_steps = 0
        for _ in range(400):
            loss = (weight * weight).sum()
            recorded_steps += loss.requires_grad
            loss.backward()
            with no_grad():
                weight.sub_(0.01 * weight.grad)
            weight.grad = None
    finally:
        release.set()
        evaluator.join()
    assert recorded_steps == 400
    assert is_grad_enabled()


def test_interleaved_no_grad_blocks_in_threads_restore_each_threads_mode() -> None:
    shared_switch = no_grad()  # one object entered by both threads
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def first() -> None:
        with shared_switch:
            first_in.set()
            second_in.wait(timeout=60)
        seen["first after"] = is_grad_enabled()
        first_out.set()

    def second() -> None:
        first_in.wait(timeout=60)
        with shared_switch:
            second_in.set()
            first_out.wait(timeout=60)  # the first thread leaves its block first
            seen["second inside"] = is_grad_enabled()
        seen["second after"] = is_grad_enabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"first after": True, "second inside": False, "second after": True}
    assert is_grad_enabled()


# ------------------------------------------------ edges recorded when the op runs (vs torch)
def run_both(program: Callable[[Any], tuple[Any, ...]]) -> None:
    """Run ``program(library)`` with tinygrad_edu and with torch (float64, x = [1., 2.] that
    requires grad) and compare every tensor it returns (None must match None)."""
    torch = pytest.importorskip("torch")
    ours = program(tinygrad_edu)
    theirs = program(torch)
    assert len(ours) == len(theirs)
    for index, (mine, reference) in enumerate(zip(ours, theirs)):
        if reference is None:
            assert mine is None, f"result {index}: torch gives None, we give {mine}"
            continue
        assert mine is not None, f"result {index}: torch gives {reference}, we give None"
        np.testing.assert_allclose(np.asarray(mine.detach().numpy()),
                                   reference.detach().numpy(), rtol=1e-12, atol=1e-12,
                                   err_msg=f"result {index}")


def leaf(library: Any) -> Any:
    return library.tensor([1.0, 2.0], dtype=library.float64, requires_grad=True)


def test_in_place_op_after_use_keeps_the_recorded_history() -> None:
    """Reproduction 1: exp recorded y's producer before y.mul_(3) gave y a new one."""
    def program(library: Any) -> tuple[Any, ...]:
        x = leaf(library)
        y = x * 2
        z = y.exp()
        y.mul_(3)
        z.sum().backward()
        return (x.grad,)
    run_both(program)


def test_in_place_with_itself_as_operand() -> None:
    """Reproduction 2: y.add_(y), y[0] = y[1] and y.add_(y * 1) reach x (no cycle)."""
    def add_itself(library: Any) -> tuple[Any, ...]:
        x = leaf(library)
        y = x * 2
        y.add_(y)
        y.sum().backward()
        return (x.grad,)

    def assign_own_element(library: Any) -> tuple[Any, ...]:
        x = leaf(library)
        y = x * 2
        y[0] = y[1]
        y.sum().backward()
        return (x.grad,)

    def add_own_product(library: Any) -> tuple[Any, ...]:
        x = leaf(library)
        y = x * 2
        y.add_(y * 1)
        y.sum().backward()
        return (x.grad,)

    for program in (add_itself, assign_own_element, add_own_product):
        run_both(program)


def test_the_same_output_twice_sums_its_gradients() -> None:
    """Reproduction 3: backward([s, s]) and grad([s, s], [x]) count s twice."""
    def with_backward(library: Any) -> tuple[Any, ...]:
        x = leaf(library)
        s = (x * x).sum()
        library.autograd.backward([s, s])
        return (x.grad,)

    def with_grad(library: Any) -> tuple[Any, ...]:
        x = leaf(library)
        s = (x * x).sum()
        return library.autograd.grad([s, s], [x])

    run_both(with_backward)
    run_both(with_grad)


def test_retained_grad_belongs_to_the_newest_version() -> None:
    """Reproduction 12: y.retain_grad(); y.mul_(3) -> y.grad is d loss / d (new y) = 1."""
    def program(library: Any) -> tuple[Any, ...]:
        x = leaf(library)
        y = x * 2
        y.retain_grad()
        y.mul_(3)
        y.sum().backward()
        return (y.grad, x.grad)
    run_both(program)


def test_retained_grad_follows_a_write_through_a_view_and_a_remade_view() -> None:
    """retain_grad also moves when the history changes because of a view: the base written
    through its view, and a view whose base changed in place."""
    def program(library: Any) -> tuple[Any, ...]:
        x = leaf(library)
        base = x.sum()
        view = base.view(-1)
        base.retain_grad()
        view[0] = x[1] * 3
        base.backward()
        other = x * 1
        piece = other[0:1]
        piece.retain_grad()
        other.mul_(3)
        (piece * 2).sum().backward()
        return (base.grad, piece.grad, x.grad)
    run_both(program)


def test_next_functions_are_taken_when_the_op_runs() -> None:
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y.exp()
    producer = y.grad_fn
    y.mul_(3)
    assert y.grad_fn is not producer
    assert z.grad_fn.next_functions == ((producer, 0),)
    assert y.grad_fn.next_functions[0] == (producer, 0)
    assert producer.next_functions[0] == (x, 0) and producer.next_functions[1] is None
    order = autograd.topological_order([z.grad_fn])
    assert [node.name() for node in order] == ["ExpBackward", "MulBackward"]


# -------------------------------------------------------------- views like torch (vs torch)
def test_an_element_is_a_view() -> None:
    """Reproduction 5: z[1] shares memory with z, before and after an in-place change."""
    def fill_element(library: Any) -> tuple[Any, ...]:
        z = library.zeros(3, dtype=library.float64)
        z[1].fill_(5.0)
        return (z,)

    def stale_element(library: Any) -> tuple[Any, ...]:
        a = library.tensor([1.0, 2.0], dtype=library.float64)
        element = a[0]
        a.mul_(2)
        return (element,)

    run_both(fill_element)
    run_both(stale_element)


def test_in_place_through_a_view_of_a_tensor_without_grad_records_history() -> None:
    """Reproduction 6: out[0].add_(w) makes out require grad and reach w."""
    def program(library: Any) -> tuple[Any, ...]:
        w = leaf(library)
        out = library.zeros(2, 2, dtype=library.float64)
        out[0].add_(w)
        assert out.requires_grad and not out.is_leaf
        (out * out).sum().backward()
        return (out, w.grad)
    run_both(program)


def test_in_place_on_a_squeezed_matmul_result() -> None:
    """Reproduction 7: (x3 @ w3).add_(1) with 1-D operands is allowed and differentiable."""
    def program(library: Any) -> tuple[Any, ...]:
        x3 = library.tensor([1.0, 2.0, 3.0], dtype=library.float64, requires_grad=True)
        w3 = library.tensor([1.0, 1.0, 2.0], dtype=library.float64, requires_grad=True)
        y = (x3 @ w3).add_(1)
        (y * y).backward()
        return (y, x3.grad, w3.grad)
    run_both(program)


def test_in_place_through_views_of_computed_tensors() -> None:
    """Transposed, reshaped-and-sliced and column views written in place, as torch does."""
    def through_transpose(library: Any) -> tuple[Any, ...]:
        x = library.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=library.float64, requires_grad=True)
        y = x * 2
        y.T.mul_(3)
        (y * y).sum().backward()
        return (y, x.grad)

    def through_reshaped_slice(library: Any) -> tuple[Any, ...]:
        x = library.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=library.float64, requires_grad=True)
        y = x * 1
        y.reshape(4)[1:3].mul_(10)
        (y * y).sum().backward()
        return (y, x.grad)

    def column_assignment(library: Any) -> tuple[Any, ...]:
        x = library.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=library.float64, requires_grad=True)
        y = x * 1
        y[:, 1] = y[:, 0] * 3
        y.sum().backward()
        return (y, x.grad)

    for program in (through_transpose, through_reshaped_slice, column_assignment):
        run_both(program)


def test_backward_from_a_view_whose_base_changed_follows_the_change() -> None:
    """A view used directly as an output of backward or grad, after an in-place change of its
    base, has its history made again first (torch's rule), as when an op reads it."""
    def backward_of_view(library: Any) -> tuple[Any, ...]:
        x = leaf(library)
        y = x * 1
        view = y[:1]
        y.mul_(2)
        library.autograd.backward([view], [library.ones(1, dtype=library.float64)])
        return (x.grad,)

    def grad_of_view(library: Any) -> tuple[Any, ...]:
        x = leaf(library)
        y = x * 1
        view = y[1:]
        y.mul_(3)
        return library.autograd.grad([view.sum()], [x])

    run_both(backward_of_view)
    run_both(grad_of_view)


def test_in_place_on_a_view_of_a_leaf_is_refused_like_torch() -> None:
    torch = pytest.importorskip("torch")
    for library, error in ((tinygrad_edu, RuntimeError), (torch, RuntimeError)):
        x = leaf(library)
        with pytest.raises(error, match="view of a leaf Variable that requires grad"):
            x[0].add_(1)


def test_reshape_to_the_same_shape_is_a_new_view() -> None:
    x = tensor([1.0, 2.0], requires_grad=True)
    same = x.reshape(x.shape)
    assert same is not x and not same.is_leaf and same._base is x
    same.retain_grad()
    (same * 3).sum().backward()
    assert same.grad.tolist() == [3.0, 3.0] and x.grad.tolist() == [3.0, 3.0]


# ------------------------------------------------------------------- multi-output Functions
class SplitInTwo(Function):
    """(first, second) = (a[:1] * 2, a[1:] * 3), and the argmax as a non-differentiable third."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        indices = np.asarray(a.argmax())
        ctx.mark_non_differentiable(indices)
        return a[:1] * 2, a[1:] * 3, indices

    @staticmethod
    def backward(ctx: Context, grad_first: Tensor, grad_second: Tensor,
                 grad_indices: Tensor) -> Tensor:
        ctx.seen = (grad_first.tolist(), grad_second.tolist(), grad_indices.tolist())
        return tinygrad_edu.cat([grad_first * 2, grad_second * 3])


def test_multi_output_function_sends_each_outputs_gradient() -> None:
    x = tensor([1.0, 4.0, 2.0], requires_grad=True)
    first, second, indices = SplitInTwo.apply(x)
    assert first.grad_fn is second.grad_fn and first.requires_grad and second.requires_grad
    assert not indices.requires_grad and indices.grad_fn is None and indices.item() == 1
    second.retain_grad()
    (second * tensor([1.0, 10.0])).sum().backward()
    # first got no gradient: backward receives zeros for it (materialised), as in torch.
    assert second.grad_fn.seen == ([0.0], [1.0, 10.0], 0)
    assert second.grad.tolist() == [1.0, 10.0]
    assert x.grad.tolist() == [0.0, 3.0, 30.0]


def test_multi_output_gradients_through_grad_and_hooks() -> None:
    x = tensor([1.0, 4.0, 2.0], requires_grad=True)
    first, second, _ = SplitInTwo.apply(x)
    doubled: list[list[float]] = []
    second.register_hook(lambda grad: doubled.append(grad.tolist()) or grad * 2)
    loss = first.sum() + second.sum()
    (grad_second,) = autograd.grad(loss, [second], retain_graph=True)
    assert grad_second.tolist() == [2.0, 2.0] and doubled == [[1.0, 1.0]]
    (grad_x,) = autograd.grad(loss, [x])
    assert grad_x.tolist() == [2.0, 6.0, 6.0]


def test_set_materialize_grads_false_passes_none() -> None:
    class Pair(Function):
        @staticmethod
        def forward(ctx: Context, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            ctx.set_materialize_grads(False)
            return a * 1, a * 1

        @staticmethod
        def backward(ctx: Context, grad_first: Tensor | None,
                     grad_second: Tensor | None) -> Tensor:
            assert grad_first is None
            assert grad_second is not None
            return grad_second

    x = tensor([1.0, 2.0], requires_grad=True)
    _, second = Pair.apply(x)
    second.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_power_of_a_constant_exponent_saves_no_output() -> None:
    """Reproduction 8: y = x**2; y[y > 3] = 0 changes y after Pow, which must not need y."""
    def program(library: Any) -> tuple[Any, ...]:
        x = leaf(library)
        y = x ** 2
        y[y > 3] = 0
        y.sum().backward()
        return (y, x.grad)
    run_both(program)


def test_max_over_a_dim_is_one_node_with_two_outputs() -> None:
    x = tensor([[1.0, 5.0, 5.0], [7.0, 2.0, 3.0]], requires_grad=True)
    values, indices = x.max(dim=1)
    assert values.grad_fn.name() == "MaxDimBackward" and values.grad_fn.output_count == 2
    assert indices.tolist() == [1, 0] and indices.dtype == np.int64
    assert not indices.requires_grad and indices.grad_fn is None
    (values * tensor([1.0, 10.0])).sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [10.0, 0.0, 0.0]]  # the returned (first) index


# ------------------------------------------- user-defined autograd.Function, as in torch
def clamped_cube(library: Any) -> Any:
    """The same torch-style Function for tinygrad_edu or torch: forward on Tensors, a
    non-Tensor argument, two outputs (one marked non-differentiable), needs_input_grad."""

    class ClampedCube(library.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any, low: float, w: Any) -> Any:
            clamped = x.clamp(min=low)  # a Tensor method: forward receives Tensors
            ctx.save_for_backward(clamped, w)
            ctx.low = low
            ctx.flags = tuple(ctx.needs_input_grad)
            positive = (clamped > 0).sum()
            ctx.mark_non_differentiable(positive)
            return clamped ** 3 * w, positive

        @staticmethod
        def backward(ctx: Any, grad_output: Any, grad_positive: Any) -> Any:
            clamped, w = ctx.saved_tensors
            passes = (clamped > ctx.low).to(grad_output.dtype)
            grad_x = grad_output * 3 * clamped ** 2 * w * passes
            grad_w = grad_output * clamped ** 3 if ctx.needs_input_grad[2] else None
            return grad_x, None, grad_w

    return ClampedCube


def test_user_function_works_as_in_torch() -> None:
    def program(library: Any) -> tuple[Any, ...]:
        x = library.tensor([-1.0, 0.5, 2.0], dtype=library.float64, requires_grad=True)
        w = library.tensor([1.0, 2.0, 3.0], dtype=library.float64, requires_grad=True)
        function = clamped_cube(library)
        out, positive = function.apply(x, 0.0, w)
        assert not positive.requires_grad and out.requires_grad
        (grad_x,) = library.autograd.grad(out.sum(), [x], create_graph=True)
        grad_x.sum().backward()  # differentiate the user's backward again
        flags = library.tensor([float(flag) for flag in out.grad_fn.flags])
        return (out, positive.to(library.float64), grad_x, w.grad, flags)
    run_both(program)


def test_user_function_needs_input_grad_and_no_grad() -> None:
    def program(library: Any) -> tuple[Any, ...]:
        x = library.tensor([0.5, 2.0], dtype=library.float64, requires_grad=True)
        w = library.tensor([1.0, 2.0], dtype=library.float64)  # needs no gradient
        out, _ = clamped_cube(library).apply(x, 0.0, w)
        out.sum().backward()
        flags = library.tensor([float(flag) for flag in out.grad_fn.flags])
        with library.no_grad():
            untracked, _ = clamped_cube(library).apply(x, 0.0, w)
        return (x.grad, flags, library.tensor(float(untracked.requires_grad)))
    run_both(program)


def test_user_function_saved_tensor_changed_in_place_raises() -> None:
    torch = pytest.importorskip("torch")
    for library in (tinygrad_edu, torch):
        x = library.tensor([0.5, 2.0], dtype=library.float64, requires_grad=True)
        w = library.tensor([1.0, 2.0], dtype=library.float64, requires_grad=True)
        out, _ = clamped_cube(library).apply(x, 0.0, w * 1)
        saved_w = out.grad_fn.saved_tensors[1]
        with library.no_grad():
            saved_w.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.sum().backward()


def test_user_function_must_return_one_gradient_per_argument() -> None:
    class TwoArguments(autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Tensor, scale: float) -> Tensor:
            return x * scale

        @staticmethod
        def backward(ctx: Any, grad_output: Tensor) -> Tensor:
            return grad_output  # forgot the None for ``scale``

    x = tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients .expected 2, got 1"):
        TwoArguments.apply(x, 2.0).sum().backward()


def test_retained_softmax_output_in_a_double_backward() -> None:
    """softmax is one op whose backward uses its output, as in torch: differentiating its
    gradient again sends torch's gradient to the (retained) output."""
    def program(library: Any) -> tuple[Any, ...]:
        x = library.zeros(2, 3, dtype=library.float64, requires_grad=True)
        probabilities = x.softmax(dim=0)
        probabilities.retain_grad()
        upstream = library.tensor([[0.0, 0.0, 0.0], [0.0, 0.0, 0.25]], dtype=library.float64)
        (gradient,) = library.autograd.grad([probabilities], [x], [upstream], create_graph=True)
        gradient.sum().backward()
        return (probabilities.grad, x.grad)
    run_both(program)


def test_grad_runs_no_hook_of_a_node_off_the_paths_to_its_inputs() -> None:
    """autograd.grad runs only the nodes that lead to its inputs: a retained tensor elsewhere in
    the graph keeps no gradient, one on the path does (as in torch)."""
    def program(library: Any) -> tuple[Any, ...]:
        x = library.zeros(2, 3, dtype=library.float64, requires_grad=True)
        total = x.sum()
        total.retain_grad()
        powers = 2.0 ** x
        on_path = powers * 1
        on_path.retain_grad()
        (gradient,) = library.autograd.grad([on_path ** total], [powers],
                                            [library.ones(2, 3, dtype=library.float64)])
        return (total.grad, on_path.grad, gradient)
    run_both(program)


def test_grad_runs_the_hooks_of_its_outputs_even_when_no_input_is_reached() -> None:
    """The outputs' nodes receive the seed gradient: their retain_grad keeps it (torch)."""
    def program(library: Any) -> tuple[Any, ...]:
        x = library.tensor(0.0, dtype=library.float64, requires_grad=True)
        unrelated = library.tensor(0.0, dtype=library.float64, requires_grad=True)
        output = unrelated + 2.0
        output.retain_grad()
        seed = library.tensor(0.5, dtype=library.float64)
        (gradient,) = library.autograd.grad([output], [x], [seed], allow_unused=True)
        return (output.grad, gradient)
    run_both(program)


def test_grad_of_a_hooked_intermediate_is_taken_before_its_hooks_when_its_node_runs_on() -> None:
    """autograd.grad with respect to y, which has a hook that doubles its gradient: torch
    returns y's gradient before the hook when y's node runs on towards another input (x here),
    after the hook when y's node is not needed beyond y. x gets the doubled gradient either
    way. (Found by the differential fuzzer.)"""
    def program(library: Any) -> tuple[Any, ...]:
        x = library.ones(2, dtype=library.float64, requires_grad=True)
        seed = library.ones(2, dtype=library.float64)
        results = []
        for inputs in ("y and x", "y"):
            y = x * 1
            y.register_hook(lambda gradient: gradient * 2)
            z = y * 3
            wanted = [y, x] if inputs == "y and x" else [y]
            results += library.autograd.grad([z], wanted, [seed], retain_graph=True)
            results += library.autograd.grad([y], wanted, [seed])
        return tuple(results)
    run_both(program)


def test_a_hook_on_a_view_does_not_see_the_gradient_of_the_value_a_write_replaced() -> None:
    """A hook registered on a view before an in-place write through the view stays on the
    view's old node: it doubles the gradient that reaches the old value through a use made
    before the write (w), and not the gradient that the write sends back through the base, as
    in torch. (Found by the long fuzz run with seed 5150: the write's gradient went through
    the hooked node and was doubled.)"""
    def program(library: Any) -> tuple[Any, ...]:
        x = library.tensor([[1.0, 2.0]], dtype=library.float64, requires_grad=True)
        product = x * 3
        view = product[:, 0]
        used_before = view * 5
        view.register_hook(lambda gradient: gradient * 2)
        view.mul_(x[:, 1])
        (product.sum() + used_before.sum()).backward()
        return (x.grad,)
    run_both(program)


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2))])
def test_a_product_s_gradient_depends_on_an_operand_set_to_require_grad_after_it(
        shapes: tuple[tuple[int, ...], tuple[int, ...]]) -> None:
    """a @ b, then b.requires_grad_(), then a's gradient with create_graph=True: it depends on
    b, as in torch, for 1-D operands too (the product saves b itself, not a matrix view of it
    made while b did not require grad; found by the differential fuzzer)."""
    torch = pytest.importorskip("torch")
    results = []
    for library in (tinygrad_edu, torch):
        a = library.ones(shapes[0], dtype=library.float64, requires_grad=True)
        b = library.full(shapes[1], 2.0, dtype=library.float64)
        product = (a @ b).sum()
        b.requires_grad_()
        (gradient,) = library.autograd.grad([product], [a], create_graph=True)
        assert gradient.requires_grad
        (gradient * gradient).sum().backward()
        results.append(b.grad.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


def test_a_hook_on_a_piece_that_got_no_gradient_is_called_with_none() -> None:
    """As in torch: when backward runs a split's node, the hooks of the pieces that got no
    gradient are called with None, and a hook may not replace that None with a tensor."""
    torch = pytest.importorskip("torch")
    for library in (tinygrad_edu, torch):
        x = library.zeros(3, dtype=library.float64, requires_grad=True)
        first, second, _ = x.split(1)
        seen: list[Any] = []
        second.register_hook(seen.append)
        first.sum().backward(retain_graph=True)
        assert seen == [None]
        second.register_hook(lambda gradient: library.ones(1, dtype=library.float64))
        with pytest.raises(RuntimeError, match="can't replace a None gradient"):
            first.sum().backward()

# --------------------------------------------------------------------------------------------
# The graph and Python's cyclic garbage collector (graph_gc.py).
# --------------------------------------------------------------------------------------------


class CollectionCounter:
    """Counts the collector's passes over generation ``generation`` (2: full, 1: middle) while
    registered in gc.callbacks."""

    def __init__(self, generation: int = 2) -> None:
        self.generation = generation
        self.count = 0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == self.generation:
            self.count += 1


@contextmanager
def counting_collections(generation: int = 2) -> Iterator[CollectionCounter]:
    counter = CollectionCounter(generation)
    gc.collect()  # start from a clean heap: no full pass is already due
    gc.callbacks.append(counter)
    try:
        yield counter
    finally:
        gc.callbacks.remove(counter)


def chain(length: int) -> tuple[Tensor, Tensor]:
    """A leaf and y = leaf * 1.0 applied ``length`` times."""
    x = float64_tensor([1.0, 2.0])
    y = x
    for _ in range(length):
        y = y * 1.0
    return x, y


def test_a_graph_is_freed_by_reference_counting_alone() -> None:
    """No reference cycles in a graph (node -> outputs is weak): with the cyclic collector
    off, dropping the output frees every node, also after backward and with saved outputs,
    several outputs, views, in-place ops and retain_grad."""
    gc.disable()
    try:
        x = tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
        weights = tensor(np.ones((4, 2)), requires_grad=True)
        hidden = (x @ weights).exp()
        hidden.retain_grad()
        first, second = hidden.split(1, dim=1)
        copy = x.clone()
        copy[0] = 5.0
        total = (first * second).sum() + x[1:, :2].t().sum() + x.max(dim=1).values.sum()
        total = total + copy.sum()
        nodes = [weakref.ref(node) for node in autograd.topological_order([total.grad_fn])]
        total.backward()
        del total, hidden, first, second, copy
        assert [node() for node in nodes] == [None] * len(nodes)
    finally:
        gc.enable()


def test_building_a_large_graph_runs_no_full_collection() -> None:
    """Past graph_gc.LARGE_GRAPH nodes, full collections wait: none while 30,000 ops are
    recorded, none during backward, and the collector's threshold is restored after it."""
    threshold = gc.get_threshold()
    with counting_collections() as full_collections:
        x, y = chain(30_000)
        assert graph_gc.full_collections_paused()
        y.sum().backward()
        assert full_collections.count == 0
    assert not graph_gc.full_collections_paused()
    assert gc.get_threshold() == threshold
    assert_same(x.grad, [1.0, 1.0])


def test_building_a_large_graph_runs_no_middle_collection() -> None:
    """The middle generation's collections wait too: each node survives, so each one would
    only be visited a second time for nothing."""
    x, y = chain(graph_gc.LARGE_GRAPH + 10)
    assert graph_gc.full_collections_paused()
    with counting_collections(generation=1) as middle_collections:
        for _ in range(30_000):
            y = y * 1.0
        assert middle_collections.count == 0
    y.sum().backward()
    assert_same(x.grad, [1.0, 1.0])


def test_small_graphs_never_pause_full_collections() -> None:
    """A training loop whose steps record a few nodes each leaves the collector alone."""
    weights = float64_tensor(np.ones((3, 2)))
    for _ in range(2 * graph_gc.LARGE_GRAPH):
        loss = (float64_tensor(np.ones((4, 3)), requires_grad=False) @ weights).relu().sum()
        assert not graph_gc.full_collections_paused()
        loss.backward()


def test_the_pause_ends_when_the_large_graph_is_dropped() -> None:
    x, y = chain(graph_gc.LARGE_GRAPH + 10)
    assert graph_gc.full_collections_paused()
    del y
    assert not graph_gc.full_collections_paused()


def test_the_pause_ends_when_the_engine_is_idle() -> None:
    """With a large graph kept alive and no backward, young collections that see no node
    recorded end the pause: other work gets full collections as usual."""
    x, y = chain(graph_gc.LARGE_GRAPH + 10)
    assert graph_gc.full_collections_paused()
    other_work = [[index] for index in range(100_000)]  # enough objects for young collections
    assert not graph_gc.full_collections_paused()
    assert len(other_work) == 100_000 and y.shape == (2,)


def test_the_pause_keeps_a_threshold_the_program_set_meanwhile() -> None:
    threshold = gc.get_threshold()
    try:
        x, y = chain(graph_gc.LARGE_GRAPH + 10)
        assert graph_gc.full_collections_paused()
        gc.set_threshold(800, 11, 12)
        y.sum().backward()
        assert gc.get_threshold() == (800, 11, 12)
    finally:
        gc.set_threshold(*threshold)


def test_an_input_named_twice_in_autograd_grad_gets_the_same_gradient_tensor_like_torch() -> None:
    """torch returns one tensor for both places (so ``g1.requires_grad_()`` shows in g2);
    found by the long fuzz run, where each place got a detached copy of its own."""
    torch = pytest.importorskip("torch")
    for create_graph in (False, True):
        results = []
        for library in (tinygrad_edu, torch):
            x = library.tensor([1.0, 2.0], dtype=library.float64, requires_grad=True)
            first, second = library.autograd.grad((x * x).sum(), [x, x],
                                                  create_graph=create_graph)
            results.append((first is second, first.tolist()))
        assert results[0] == results[1] == (True, [2.0, 4.0])
