"""The public test kit (``tinygrad_edu.testing``): its strategies and ``check_function``.

``check_function`` is tested both ways: it passes correct ops (a learner's ``Function``, a
composite of Tensor ops, a broadcasting binary op, selection ops on their tie-free domains) and
fails, naming the function and what went wrong, for a wrong forward, a wrong backward, a backward
that cannot be differentiated again, an op that modifies its input and a backward that ignores
broadcasting.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu.function import Context, Function
from tinygrad_edu.gradcheck import GradcheckError
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.testing import (
    MAX_DIMS,
    MAX_SIDE,
    arrays,
    away_from_zero,
    broadcastable_shapes,
    check_function,
    distinct_values,
    positive_values,
    real_values,
    shapes,
    tensors,
)

# Enough examples to meet every kind of shape (0-d, broadcast pairs) yet keep the module fast.
EXAMPLES = 10


def numpy_swish(x: np.ndarray) -> np.ndarray:
    """x * sigmoid(x)."""
    return x / (1.0 + np.exp(-x))


class Swish(Function):
    """out = x * sigmoid(x).   Local derivative: s * (1 + x * (1 - s)) with s = sigmoid(x)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return numpy_swish(x)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        s = x.sigmoid()
        return grad_output * s * (1.0 + x * (1.0 - s))


class SwishWithoutProductRule(Swish):
    """Swish whose backward forgets the derivative of the factor x: returns sigmoid(x) only."""

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad_output * x.sigmoid()


class SwishWithWrongForward(Swish):
    """Swish whose forward adds a stray constant 0.1.

    Every output is off, so the reference check fails on every example; the derivative is
    unchanged, so gradcheck alone could never notice this bug.
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return x / (1.0 + np.exp(-x)) + 0.1


class SwishBackwardInNumPy(Swish):
    """Correct first derivative, computed on NumPy arrays: right values, but the gradient is a
    constant to autograd, so differentiating it again gives zero instead of the second
    derivative."""

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        s = 1.0 / (1.0 + np.exp(-x.detach().numpy()))
        return Tensor(grad_output.detach().numpy() * s * (1.0 + x.detach().numpy() * (1.0 - s)))


class DoubleInPlace(Function):
    """out = 2 x, computed by doubling the input array in place (a bug: it changes x)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        x *= 2.0
        return x.copy()

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return grad_output * 2.0


class Multiply(Function):
    """out = a * b (broadcasting).   Local derivatives: dout/da = b, dout/db = a."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad_output * b, grad_output * a


class MultiplyKeepingOneCopy(Multiply):
    """a * b whose backward treats a broadcast input as used once: where broadcasting added
    leading dimensions it keeps the gradient of the first copy instead of summing all copies."""

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        gradients = []
        for own, other in ((a, b), (b, a)):
            gradient = grad_output * other
            while gradient.ndim > own.ndim:
                gradient = gradient[0]
            gradients.append(gradient)
        return gradients[0], gradients[1]


def softplus(x: Tensor) -> Tensor:
    """log(1 + exp(x)), a composite of Tensor ops (no backward of its own)."""
    return (x.exp() + 1.0).log()


# ---------------------------------------------------------------------------------------------
# check_function passes correct ops
# ---------------------------------------------------------------------------------------------


def test_a_custom_function_passes_against_numpy() -> None:
    check_function(Swish, reference=numpy_swish, max_examples=EXAMPLES)


def test_a_composite_passes_against_numpy() -> None:
    check_function(softplus, reference=lambda x: np.log1p(np.exp(x)), max_examples=EXAMPLES)


def test_a_broadcasting_binary_function_passes_on_broadcast_shapes() -> None:
    seen: list[tuple[tuple[int, ...], ...]] = []

    def multiply(a: Tensor, b: Tensor) -> Tensor:
        seen.append((a.shape, b.shape))
        return Multiply.apply(a, b)

    check_function(multiply, reference=np.multiply, max_examples=EXAMPLES)
    assert any(first != second for first, second in seen), "no broadcast pair was drawn"


def test_per_input_domains() -> None:
    check_function(lambda a, b: a / b, reference=np.divide,
                   domains=[real_values(), away_from_zero(0.3)], max_examples=EXAMPLES)


def test_kinked_and_selecting_ops_pass_on_their_domains() -> None:
    check_function(lambda x: x.relu(), reference=lambda x: np.maximum(x, 0.0),
                   domains=away_from_zero(), second_order=False, max_examples=EXAMPLES)
    check_function(lambda x: x.max(), reference=np.max, domains=distinct_values(), unique=True,
                   shapes=shapes(min_dims=1), second_order=False, max_examples=EXAMPLES)
    check_function(lambda x: x.log(), reference=np.log, domains=positive_values(),
                   max_examples=EXAMPLES)


def test_fixed_and_per_input_shapes() -> None:
    seen: list[tuple[tuple[int, ...], ...]] = []

    def matmul(a: Tensor, b: Tensor) -> Tensor:
        seen.append((a.shape, b.shape))
        return a @ b

    check_function(matmul, reference=np.matmul, shapes=[(2, 3), (3, 4)], max_examples=3)
    assert set(seen) == {((2, 3), (3, 4))}
    check_function(lambda a, b: a * b, shapes=(2, 2), max_examples=3)


def test_a_strategy_of_whole_input_lists() -> None:
    pairs = st.integers(1, 3).flatmap(
        lambda inner: st.tuples(arrays((2, inner)), arrays((inner, 2))).map(list)
    )
    check_function(lambda a, b: a @ b, reference=np.matmul, inputs=pairs, max_examples=EXAMPLES)


def test_a_torch_reference() -> None:
    torch = pytest.importorskip("torch")
    check_function(lambda x: x.sigmoid(), reference=torch.sigmoid, to_reference=torch.from_numpy,
                   max_examples=EXAMPLES)


def test_max_examples_and_the_active_profile_decide_the_number_of_examples() -> None:
    calls: list[int] = []

    def reference(x: np.ndarray) -> np.ndarray:
        calls.append(1)
        return np.tanh(x)

    # Every valid example calls the reference once; hypothesis may also start examples that it
    # discards (too much data drawn), so the count is a lower bound on the examples run.
    profile_examples = settings().max_examples
    check_function(lambda x: x.tanh(), reference=reference, second_order=False, max_examples=3)
    assert 3 <= len(calls) < profile_examples
    calls.clear()
    check_function(lambda x: x.tanh(), reference=reference, second_order=False)
    assert len(calls) >= profile_examples


# ---------------------------------------------------------------------------------------------
# check_function fails wrong ops, with a message naming the function and the failed check
# ---------------------------------------------------------------------------------------------


def test_a_wrong_forward_fails_the_reference_check() -> None:
    with pytest.raises(AssertionError) as failure:
        check_function(SwishWithWrongForward, reference=numpy_swish, max_examples=EXAMPLES)
    message = str(failure.value)
    assert "check_function(SwishWithWrongForward) failed the reference check" in message
    assert "differ from the reference" in message


def test_a_wrong_backward_fails_gradcheck() -> None:
    with pytest.raises(GradcheckError) as failure:
        check_function(SwishWithoutProductRule, reference=numpy_swish, max_examples=EXAMPLES)
    message = str(failure.value)
    assert "check_function(SwishWithoutProductRule) failed the first-derivative check" in message
    assert "SwishWithoutProductRule" in message.splitlines()[1]  # gradcheck's own diagnosis


def test_a_backward_in_numpy_passes_first_order_but_fails_gradgradcheck() -> None:
    check_function(SwishBackwardInNumPy, reference=numpy_swish, second_order=False,
                   max_examples=EXAMPLES)
    with pytest.raises(GradcheckError) as failure:
        check_function(SwishBackwardInNumPy, reference=numpy_swish, max_examples=EXAMPLES)
    message = str(failure.value)
    assert "check_function(SwishBackwardInNumPy) failed the second-derivative check" in message
    assert "(gradgradcheck)" in message


def test_an_op_that_modifies_its_input_fails() -> None:
    with pytest.raises(AssertionError, match=r"check_function\(DoubleInPlace\) failed the "
                       r"forward check .*input 0 was modified in place"):
        check_function(DoubleInPlace, reference=lambda x: 2.0 * x, max_examples=EXAMPLES)


def test_a_backward_that_ignores_broadcasting_fails_on_broadcast_shapes() -> None:
    check_function(MultiplyKeepingOneCopy, reference=np.multiply, broadcast=False,
                   max_examples=EXAMPLES)
    with pytest.raises(GradcheckError) as failure:
        check_function(MultiplyKeepingOneCopy, reference=np.multiply, max_examples=EXAMPLES)
    message = str(failure.value)
    assert "check_function(MultiplyKeepingOneCopy) failed the first-derivative check" in message
    assert "inputs of shapes" in message


def test_an_output_cut_from_the_graph_fails() -> None:
    with pytest.raises(AssertionError, match="does not require grad"):
        check_function(lambda x: Tensor(np.sin(x.detach().numpy())), name="sin_in_numpy",
                       max_examples=3)


def test_a_function_returning_an_array_fails() -> None:
    with pytest.raises(AssertionError, match=r"check_function\(as_array\) .* not a Tensor"):
        check_function(lambda x: x.detach().numpy() * 2.0, name="as_array", max_examples=3)


def test_a_function_that_does_not_broadcast_gets_a_hint() -> None:
    with pytest.raises(AssertionError, match="pass broadcast=False"):
        check_function(lambda a, b: a @ b, name="matmul", max_examples=EXAMPLES)


def test_contradictory_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="inputs replaces"):
        check_function(softplus, inputs=st.just([np.zeros(2)]), domains=real_values())
    with pytest.raises(ValueError, match="pass shapes or broadcast"):
        check_function(lambda a, b: a + b, shapes=(2,), broadcast=True)
    with pytest.raises(ValueError, match="2 domains but 1 shapes"):
        check_function(lambda a, b: a + b, domains=[real_values()] * 2, shapes=[(2,)])
    with pytest.raises(TypeError, match="not a Function subclass"):
        check_function(int)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="pass domains as a list"):
        check_function(lambda *tensors: tensors[0])


# ---------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------


@settings(max_examples=EXAMPLES)
@given(tensors(shape=(2, 3)), tensors(shape=shapes(), dtype=np.float32, requires_grad=False))
def test_tensors_have_the_requested_shape_dtype_and_flag(first: Tensor, second: Tensor) -> None:
    assert isinstance(first, Tensor) and first.shape == (2, 3)
    assert first.dtype == np.float64 and first.requires_grad and first.grad_fn is None
    assert second.dtype == np.float32 and not second.requires_grad
    assert second.ndim <= MAX_DIMS and all(1 <= side <= MAX_SIDE for side in second.shape)


def test_integer_tensors_cannot_require_grad() -> None:
    with pytest.raises(ValueError, match="floating point"):
        tensors(dtype=np.int64)


@given(broadcastable_shapes(num_shapes=3))
def test_broadcastable_shapes_broadcast(triple: tuple[tuple[int, ...], ...]) -> None:
    assert len(triple) == 3
    np.broadcast_shapes(*triple)


def test_broadcastable_shapes_include_0d_and_differing_shapes() -> None:
    seen: list[tuple[tuple[int, ...], ...]] = []

    @settings(max_examples=50)
    @given(broadcastable_shapes())
    def record(pair: tuple[tuple[int, ...], ...]) -> None:
        seen.append(pair)

    record()
    assert any(() in pair for pair in seen)
    assert any(first != second for first, second in seen)


@given(positive_values(), away_from_zero(0.3, 2.0), real_values(-1.0, 1.0))
def test_value_domains(positive: float, nonzero: float, real: float) -> None:
    assert 0.1 <= positive <= 5.0
    assert 0.3 <= abs(nonzero) <= 2.0
    assert -1.0 <= real <= 1.0 and np.isfinite(real)


@settings(max_examples=EXAMPLES)
@given(arrays((4, 4), distinct_values(), unique=True),
       arrays((4, 4), distinct_values(offset=2.0**-9)))
def test_distinct_values_never_tie(unique: np.ndarray, offset: np.ndarray) -> None:
    ordered = np.sort(unique.ravel())
    assert np.diff(ordered).min() >= 2.0**-8
    assert np.abs(unique - offset).min() >= 2.0**-9
    assert np.all((unique >= -3.0) & (unique <= 3.0))


@pytest.mark.parametrize("bad", [lambda: positive_values(0.0), lambda: away_from_zero(-1.0),
                                 lambda: distinct_values(spacing=0.0)])
def test_domains_refuse_empty_or_kinked_ranges(bad: Any) -> None:
    with pytest.raises(ValueError):
        bad()


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)


def test_the_library_does_not_import_the_kit_or_hypothesis() -> None:
    result = run_python(
        "import sys, tinygrad_edu\n"
        "assert 'hypothesis' not in sys.modules, 'hypothesis imported'\n"
        "assert 'tinygrad_edu.testing' not in sys.modules, 'kit imported'\n"
    )
    assert result.returncode == 0, result.stderr


def test_without_hypothesis_the_kit_says_how_to_install_it() -> None:
    result = run_python(
        "import sys\n"
        "sys.modules['hypothesis'] = None\n"
        "import tinygrad_edu.testing\n"
    )
    assert result.returncode != 0
    assert "ImportError" in result.stderr and "pip install hypothesis" in result.stderr
