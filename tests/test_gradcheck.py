"""Tests of the gradient checker itself.

A checker that accepts everything is worse than none, so besides passing correct toy Functions
and composites, ``gradcheck`` must reject deliberately broken backward passes: a gradient off by
a factor ``1 + 1e-4``, a flipped sign, a wrong broadcast reduction, the gradient of the wrong
input, a nondeterministic or affine backward, and (for ``gradgradcheck`` only) a backward that is
right in value but not differentiable because it leaves the graph through NumPy.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np
import pytest

from tinygrad_edu.function import Context, Function
from tinygrad_edu.gradcheck import (
    GradcheckError,
    analytical_jacobian,
    gradcheck,
    gradgradcheck,
    numerical_jacobian,
)
from tinygrad_edu.tensor import Tensor


def leaf(values: Any) -> Tensor:
    """A float64 leaf tensor that requires grad."""
    return Tensor(np.array(values, dtype=np.float64), requires_grad=True)


def random_leaf(seed: int, shape: tuple[int, ...], low: float = 0.5, high: float = 2.0) -> Tensor:
    """A float64 leaf with values in [low, high] (away from zero so relative errors show)."""
    rng = np.random.default_rng(seed)
    return Tensor(rng.uniform(low, high, size=shape), requires_grad=True)


# ----------------------------------------------------------------------------------------------
# Correct toy Functions.
# ----------------------------------------------------------------------------------------------


class Cube(Function):
    """out = a ** 3.   Local derivative: dout/da = 3 a ** 2."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        return a**3

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad_output * 3.0 * a * a  # chain rule: g * 3 a^2


class BroadcastMul(Function):
    """out = a * b with broadcasting.   dout/da = b, dout/db = a (engine un-broadcasts)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad_output * b, grad_output * a


# ----------------------------------------------------------------------------------------------
# Deliberately broken toy Functions.
# ----------------------------------------------------------------------------------------------


class SlightlyScaledCube(Function):
    """out = a ** 3 with a backward that is too large by the factor 1 + 1e-4."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        return a**3

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad_output * 3.0 * a * a * (1.0 + 1e-4)


class SignFlippedCube(Function):
    """out = a ** 3 with the sign of the gradient flipped."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        return a**3

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return -(grad_output * 3.0 * a * a)


class MeanInsteadOfSumMul(Function):
    """out = a * b, b of shape (1, n) broadcast over rows; b's gradient averages the rows.

    The right reduction over the broadcast axis is a sum; dividing by the number of rows keeps
    the shape right (so the engine accepts it) but makes every value too small.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        rows = a.shape[0]
        return grad_output * b, (grad_output * a).sum(0, keepdim=True) / rows


class FirstSliceOnlyMul(Function):
    """out = a * b, b of shape (1, n) broadcast over rows; b's gradient keeps only row 0."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad_output * b, (grad_output * a)[0:1]


class WrongInputMul(Function):
    """out = a * b whose backward gives input a the gradient meant for b (g * a)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, _ = ctx.saved_tensors
        return grad_output * a, grad_output * a


class SignFlippedSecondInputMul(Function):
    """out = a * b with a correct gradient for a and a sign-flipped one for b."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad_output * b, -(grad_output * a)


class DetachedCube(Function):
    """out = a ** 3 whose backward computes 3 a^2 in NumPy, outside the graph.

    The first derivative is right, but the backward is constant in a as far as autograd can
    tell, so the second derivative comes out as zero instead of 6 a g.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        return a**3

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad_output * Tensor(3.0 * a.detach().numpy()**2)


class NoisyCube(Function):
    """out = a ** 3 whose backward adds a tiny, call-dependent error (nondeterministic)."""

    calls = 0

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        return a**3

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        NoisyCube.calls += 1
        # 1e-12 per call is far below atol, so only the reentrancy check can see it.
        return grad_output * 3.0 * a * a + 1e-12 * NoisyCube.calls


class AffineBackwardCube(Function):
    """out = a ** 3 whose backward adds a constant 1e-9: not linear in grad_output."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        return a**3

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad_output * 3.0 * a * a + 1e-9


class InputMutatingDouble(Function):
    """out = 2 a, but the forward also overwrites its input array."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        result = 2.0 * a
        a += 1.0
        return result

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return grad_output * 2.0


# ----------------------------------------------------------------------------------------------
# Jacobians.
# ----------------------------------------------------------------------------------------------


def test_jacobians_of_a_linear_map_equal_its_matrix() -> None:
    """For y = W x both Jacobians are W, with shape (output.numel, input.numel)."""
    weight = np.arange(6.0).reshape(3, 2) - 2.0
    x = leaf([0.3, -0.7])

    def linear(t: Tensor) -> Tensor:
        return Tensor(weight) @ t

    numerical = numerical_jacobian(linear, [x])
    analytical = analytical_jacobian(linear, [x])
    assert len(numerical) == len(analytical) == 1
    assert numerical[0].shape == analytical[0].shape == (3, 2)
    np.testing.assert_allclose(numerical[0], weight, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(analytical[0], weight)


def test_jacobian_shapes_follow_flattened_tensors() -> None:
    """Jacobian of a (2, 3) output w.r.t. a (2, 3) and a (3,) input: (6, 6) and (6, 3)."""
    a = random_leaf(0, (2, 3))
    b = random_leaf(1, (3,))
    numerical = numerical_jacobian(BroadcastMul.apply, [a, b])
    analytical = analytical_jacobian(BroadcastMul.apply, [a, b])
    assert [j.shape for j in numerical] == [(6, 6), (6, 3)]
    assert [j.shape for j in analytical] == [(6, 6), (6, 3)]
    # d out[i, j] / d a[k, l] = b[j] when (i, j) == (k, l): a diagonal matrix.
    np.testing.assert_array_equal(analytical[0], np.diag(np.tile(b._data, 2)))


def test_numerical_jacobian_leaves_inputs_untouched() -> None:
    """Perturbations happen on copies; the caller's arrays keep their values."""
    x = random_leaf(2, (4,))
    before = x._data.copy()
    numerical_jacobian(Cube.apply, [x])
    np.testing.assert_array_equal(x._data, before)


def test_analytical_jacobian_of_an_unused_input_is_zero() -> None:
    """allow_unused: an input the output does not depend on gets a zero Jacobian."""
    a = random_leaf(3, (3,))
    b = random_leaf(4, (2,))
    jacobians = analytical_jacobian(lambda x, y: x * 2.0, [a, b])
    np.testing.assert_array_equal(jacobians[0], 2.0 * np.eye(3))
    np.testing.assert_array_equal(jacobians[1], np.zeros((3, 2)))


# ----------------------------------------------------------------------------------------------
# gradcheck accepts correct gradients.
# ----------------------------------------------------------------------------------------------


def test_gradcheck_passes_correct_toy_functions() -> None:
    """A correct unary and a correct broadcasting binary Function pass."""
    assert gradcheck(Cube.apply, [random_leaf(5, (2, 3), -2.0, 2.0)])
    assert gradcheck(BroadcastMul.apply, [random_leaf(6, (4, 3)), random_leaf(7, (1, 3))])
    assert gradcheck(BroadcastMul.apply, [random_leaf(8, (2, 3)), leaf(1.7)])
    assert gradcheck(Cube.apply, [leaf(-1.3)])


def test_gradcheck_passes_composite_functions() -> None:
    """Compositions of library ops pass, including a scalar output and an unused input."""
    a = random_leaf(9, (3, 4), -1.0, 1.0)
    b = random_leaf(10, (4,), -1.0, 1.0)
    c = random_leaf(11, (4, 2), -1.0, 1.0)

    def smooth_layer(x: Tensor, y: Tensor, w: Tensor) -> Tensor:
        return ((x * y + x.exp()).tanh() @ w).sigmoid()

    def scalar_loss(x: Tensor, y: Tensor, w: Tensor) -> Tensor:
        return (smooth_layer(x, y, w) ** 2).sum()

    def ignores_last(x: Tensor, y: Tensor, w: Tensor) -> Tensor:
        return (x / (y * y + 1.0)).sum(1)

    assert gradcheck(smooth_layer, [a, b, c])
    assert gradcheck(scalar_loss, [a, b, c])
    assert gradcheck(ignores_last, [a, b, c])


def test_gradcheck_only_checks_inputs_that_require_grad() -> None:
    """A constant input is used but not differentiated."""
    x = random_leaf(12, (3,))
    constant = Tensor(np.array([1.0, -2.0, 3.0]))
    assert gradcheck(BroadcastMul.apply, [x, constant])


def test_gradcheck_needs_a_tensor_output() -> None:
    """A function returning something else than a Tensor is a usage error."""
    with pytest.raises(TypeError, match="return a Tensor"):
        gradcheck(lambda x: 3.0, [random_leaf(33, (2,))])  # type: ignore[arg-type, return-value]


def test_gradcheck_needs_an_input_that_requires_grad() -> None:
    """Nothing to check is an error, not a vacuous success."""
    with pytest.raises(ValueError, match="require grad"):
        gradcheck(Cube.apply, [Tensor(np.ones(2))])


# ----------------------------------------------------------------------------------------------
# gradcheck rejects broken gradients.
# ----------------------------------------------------------------------------------------------


def test_gradcheck_rejects_gradient_scaled_by_one_plus_1e_minus_4() -> None:
    """A relative error of 1e-4 is a hundred times rtol: caught."""
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(SlightlyScaledCube.apply, [random_leaf(13, (3,))])


def test_gradcheck_rejects_sign_flipped_gradient() -> None:
    """The flipped gradient is reported with both values of opposite sign."""
    x = leaf([1.0, 2.0])
    with pytest.raises(GradcheckError) as caught:
        gradcheck(SignFlippedCube.apply, [x])
    message = str(caught.value)
    # The worst element is x[1]: numerical 3 * 2^2 = 12, analytical -12.
    assert "input index (1,)" in message
    assert "numerical 12" in message and "analytical -12" in message


def test_gradcheck_rejects_mean_instead_of_sum_over_broadcast_axis() -> None:
    """Right shape, values divided by the number of broadcast rows: caught on input 1."""
    a = random_leaf(14, (4, 3))
    b = random_leaf(15, (1, 3))
    assert gradcheck(BroadcastMul.apply, [a, b])
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(MeanInsteadOfSumMul.apply, [a, b])


def test_gradcheck_rejects_first_slice_instead_of_sum_over_broadcast_axis() -> None:
    """Right shape, only the first broadcast row summed: caught on input 1."""
    a = random_leaf(16, (4, 3))
    b = random_leaf(17, (1, 3))
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(FirstSliceOnlyMul.apply, [a, b])


def test_gradcheck_rejects_gradient_of_the_wrong_input() -> None:
    """a * b whose backward hands a the gradient g * a (meant for b)."""
    a = random_leaf(18, (3,))
    b = random_leaf(19, (3,))
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(WrongInputMul.apply, [a, b])


def test_gradcheck_rejects_nondeterministic_backward() -> None:
    """Two backward passes over the same graph must agree exactly (reentrancy)."""
    with pytest.raises(GradcheckError, match="reentrant"):
        gradcheck(NoisyCube.apply, [random_leaf(20, (3,))])


def test_gradcheck_rejects_backward_not_linear_in_grad_output() -> None:
    """An offset of 1e-9 hides below atol in the Jacobian, but zero grad_output exposes it."""
    with pytest.raises(GradcheckError, match="zero grad_output"):
        gradcheck(AffineBackwardCube.apply, [random_leaf(21, (3,))])


def test_gradcheck_rejects_a_function_that_modifies_its_input() -> None:
    """The inputs must hold the same values after the checked forward and backward."""
    with pytest.raises(GradcheckError, match="modified"):
        gradcheck(InputMutatingDouble.apply, [random_leaf(22, (3,))])


def test_gradcheck_returns_false_instead_of_raising_when_asked() -> None:
    """raise_exception=False turns every failure into False."""
    x = random_leaf(23, (3,))
    assert gradcheck(SignFlippedCube.apply, [x], raise_exception=False) is False
    assert gradcheck(SlightlyScaledCube.apply, [x], raise_exception=False) is False
    assert gradcheck(Cube.apply, [x], raise_exception=False) is True


def test_error_message_names_the_op_and_the_input_index() -> None:
    """Only input 1 is wrong; the message says so and names the Function class."""
    a = random_leaf(24, (2, 2))
    b = random_leaf(25, (2, 2))
    with pytest.raises(GradcheckError) as caught:
        gradcheck(SignFlippedSecondInputMul.apply, [a, b])
    message = str(caught.value)
    assert "SignFlippedSecondInputMul" in message
    assert "input 1" in message
    assert "input 0" not in message


def test_error_message_names_a_plain_python_function() -> None:
    """For a plain function the message uses its __name__, also through functools.partial."""

    def flipped_cube(x: Tensor, scale: float) -> Tensor:
        return SignFlippedCube.apply(x) * scale

    with pytest.raises(GradcheckError, match="flipped_cube"):
        gradcheck(functools.partial(flipped_cube, scale=2.0), [random_leaf(26, (2,))])


def test_float32_input_warns() -> None:
    """Central differences with eps=1e-6 are meaningless in float32; the user is warned."""
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    with pytest.warns(UserWarning, match="float64"):
        gradcheck(Cube.apply, [x], raise_exception=False)


def test_float64_input_does_not_warn() -> None:
    """No warning for the recommended dtype."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(Cube.apply, [random_leaf(27, (2,))])


# ----------------------------------------------------------------------------------------------
# The message names the likely mistake (more kinds in test_gradcheck_diagnosis.py).
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "shapes", "input_index", "phrase"),
    [
        (SignFlippedCube, [(3,)], 0, "analytical = -1.000 × numerical: wrong sign"),
        (SlightlyScaledCube, [(3,)], 0, "a constant relative error of +1.0e-04"),
        (MeanInsteadOfSumMul, [(4, 3), (1, 3)], 1,
         "missing sum over broadcast axis 0: analytical = numerical / 4"),
        (FirstSliceOnlyMul, [(4, 3), (1, 3)], 1,
         "missing sum over broadcast axis 0: the gradient keeps only the slice at index 0"),
        (WrongInputMul, [(3,), (3,)], 0,
         "gradient of the wrong input: the analytical gradient of input 0 equals the numerical "
         "gradient of input 1"),
        (SignFlippedSecondInputMul, [(2, 2), (2, 2)], 1, "wrong sign"),
    ],
)
def test_jacobian_mismatch_names_the_likely_mistake(
    function: type[Function], shapes: list[tuple[int, ...]], input_index: int, phrase: str
) -> None:
    """Every broken toy Function above is rejected with the mistake it actually makes."""
    inputs = [random_leaf(40 + seed, shape) for seed, shape in enumerate(shapes)]
    with pytest.raises(GradcheckError) as caught:
        gradcheck(function.apply, inputs)
    message = str(caught.value)
    assert f"{function.__name__} (output grad_fn {function.__name__}Backward), input " \
        f"{input_index} (Jacobian mismatch)" in message
    assert "worst at output index" in message and "Likely mistake: " in message
    assert phrase in message.split("Likely mistake: ")[1]


def test_backward_that_leaves_the_graph_is_explained_by_gradgradcheck() -> None:
    """Second derivatives of a backward computed in NumPy are zero: the message says so."""
    with pytest.raises(GradcheckError) as caught:
        gradgradcheck(DetachedCube.apply, [random_leaf(50, (3,))])
    assert "the analytical gradient of input 0 is zero everywhere" in str(caught.value)
    assert "leaves the graph" in str(caught.value)


def test_only_jacobian_mismatches_get_a_likely_mistake() -> None:
    """Reentrancy and zero grad_output failures keep their own explanation only."""
    for function in (NoisyCube, AffineBackwardCube):
        with pytest.raises(GradcheckError) as caught:
            gradcheck(function.apply, [random_leaf(51, (3,))])
        assert "Likely mistake" not in str(caught.value)


# ----------------------------------------------------------------------------------------------
# gradgradcheck.
# ----------------------------------------------------------------------------------------------


def test_gradgradcheck_passes_correct_functions() -> None:
    """Differentiable backward passes give correct second derivatives."""
    x = random_leaf(28, (3,), -2.0, 2.0)
    y = random_leaf(29, (2, 3), -2.0, 2.0)
    assert gradgradcheck(Cube.apply, [x])
    assert gradgradcheck(BroadcastMul.apply, [y, x])
    assert gradgradcheck(lambda t, u: (t * u).tanh().sum(), [y, x])


def test_gradgradcheck_accepts_explicit_grad_outputs() -> None:
    """A given grad_output (requiring grad or not) is used as the output gradient."""
    x = random_leaf(30, (3,), -2.0, 2.0)
    seed = Tensor(np.array([0.3, -1.2, 2.0]), requires_grad=True)
    assert gradgradcheck(Cube.apply, [x], grad_outputs=[seed])
    assert gradgradcheck(Cube.apply, [x], grad_outputs=Tensor(np.array([1.0, 0.5, -0.5])))


def test_wrong_second_derivative_is_caught_by_gradgradcheck_only() -> None:
    """A backward computed in NumPy is right to first order and wrong to second order."""
    x = random_leaf(31, (3,))
    assert gradcheck(DetachedCube.apply, [x])
    with pytest.raises(GradcheckError, match="gradient of DetachedCube"):
        gradgradcheck(DetachedCube.apply, [x])
    assert gradgradcheck(DetachedCube.apply, [x], raise_exception=False) is False
