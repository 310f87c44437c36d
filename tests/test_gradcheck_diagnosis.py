"""Tests of the gradient checker's explanations and of ``check_graph``.

Each kind of mistake that ``gradcheck`` claims to recognise is planted in a small Function, and
the error message must name it; correct Functions must pass. ``check_graph`` must find a
planted wrong backward in the middle of a small model, name its op and input, and pass correct
models. Everything is float64.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_edu as tge
from tinygrad_edu import nn
from tinygrad_edu.function import Context, Function
from tinygrad_edu.gradcheck import GradcheckError, GraphCheckReport, check_graph, gradcheck
from tinygrad_edu.gradcheck_diagnosis import count_uses, diagnose
from tinygrad_edu.tensor import Tensor


def random_leaf(seed: int, shape: tuple[int, ...], low: float = 0.5, high: float = 2.0) -> Tensor:
    """A float64 leaf with values in [low, high] that requires grad."""
    return Tensor(np.random.default_rng(seed).uniform(low, high, size=shape), requires_grad=True)


def failure_message(fn: object, inputs: list[Tensor]) -> str:
    """The GradcheckError message of a check that must fail."""
    with pytest.raises(GradcheckError) as caught:
        gradcheck(fn, inputs)  # type: ignore[arg-type]
    return str(caught.value)


# ----------------------------------------------------------------------------------------------
# Toy Functions: correct ones, and one per kind of mistake.
# ----------------------------------------------------------------------------------------------


class Square(Function):
    """out = a²   (dout/da = 2a)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        return a * a

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad_output * 2.0 * a


class TwiceSquare(Square):
    """out = a² whose backward counts the 2 twice: g * 4a."""

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad_output * 4.0 * a


class HalfSquare(Square):
    """out = a² whose backward forgets the 2: g * a."""

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad_output * a


class NegatedSquare(Square):
    """out = a² whose backward has a stray minus sign: -g * 2a."""

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return -(grad_output * 2.0 * a)


class NaNSquare(Square):
    """out = a² whose backward divides by zero: g * 2a / (a - a)."""

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad_output * 2.0 * a / (a - a)


class ZeroSquare(Square):
    """out = a² whose backward returns zeros."""

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return grad_output * 0.0


class CubeRuleSquare(Square):
    """out = a² whose backward uses the rule of a cube, g * 3a² (no simple pattern)."""

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad_output * 3.0 * a * a


class SlightlyOffSquare(Square):
    """out = a² whose backward multiplies by 2.0002 instead of 2."""

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad_output * 2.0002 * a


class ColumnMean(Function):
    """out = a.mean(0) for a 2-D a   (dout[j]/da[i, j] = 1/m, m = rows)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.rows = a.shape[0]
        return a.mean(axis=0)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return grad_output.reshape(1, -1).expand(ctx.rows, -1) / ctx.rows


class ColumnMeanWithoutDivision(ColumnMean):
    """out = a.mean(0) whose backward forgets the 1/m of the mean."""

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return grad_output.reshape(1, -1).expand(ctx.rows, -1) * 1.0


class MatMul(Function):
    """out = a @ b   (dL/da = g bᵀ, dL/db = aᵀ g)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad_output @ b.transpose(0, 1), a.transpose(0, 1) @ grad_output


class TransposedWeightGradMatMul(MatMul):
    """out = a @ b whose gradient of b is gᵀ @ a (the transpose of aᵀ g; square b only)."""

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad_output @ b.transpose(0, 1), grad_output.transpose(0, 1) @ a


class TransposedUpstreamMatMul(MatMul):
    """out = a @ b whose gradient of a uses grad_output transposed: gᵀ bᵀ (square only)."""

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad_output.transpose(0, 1) @ b.transpose(0, 1), a.transpose(0, 1) @ grad_output


class RowBroadcastMul(Function):
    """out = a * b, a of shape (m, n), b of shape (1, n) broadcast over the rows."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad_output * b, (grad_output * a).sum(0, keepdim=True)


class MeanOverRowsMul(RowBroadcastMul):
    """out = a * b whose gradient of b averages over the broadcast rows instead of summing."""

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad_output * b, (grad_output * a).sum(0, keepdim=True) / a.shape[0]


class LastRowOnlyMul(RowBroadcastMul):
    """out = a * b whose gradient of b keeps only the last broadcast row."""

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad_output * b, (grad_output * a)[-1:]


class Mul(Function):
    """out = a * b   (dout/da = b, dout/db = a; the engine sums broadcast axes)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor | None]:
        a, b = ctx.saved_tensors
        return grad_output * b, grad_output * a


class SwappedMul(Mul):
    """out = a * b whose backward returns the two gradients in the wrong order."""

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad_output * a, grad_output * b


class FirstSlotOnlyMul(Mul):
    """out = a * b whose backward treats b as a constant (None): wrong when b is a too."""

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor | None]:
        a, b = ctx.saved_tensors
        return grad_output * b, None


# ----------------------------------------------------------------------------------------------
# gradcheck names the mistake.
# ----------------------------------------------------------------------------------------------


def test_correct_toy_functions_pass() -> None:
    """The correct versions of every planted mistake pass."""
    square = random_leaf(0, (2, 3))
    assert gradcheck(Square.apply, [square])
    assert gradcheck(ColumnMean.apply, [random_leaf(1, (4, 3))])
    assert gradcheck(MatMul.apply, [random_leaf(2, (3, 3)), random_leaf(3, (3, 3))])
    assert gradcheck(RowBroadcastMul.apply, [random_leaf(4, (4, 3)), random_leaf(5, (1, 3))])
    x = random_leaf(6, (3, 3))
    assert gradcheck(lambda t: Mul.apply(t, t), [x])


def test_factor_two_too_large() -> None:
    """g * 4a for d(a²)/da: the message says so with the values at the worst index."""
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    message = failure_message(TwiceSquare.apply, [x])
    assert "TwiceSquare" in message and "input 0" in message
    assert "input index (1,)" in message
    assert "numerical 4" in message and "analytical 8" in message
    assert ("Likely mistake: analytical = 2.000 × numerical: a factor of 2 too large (forgot a "
            "1/2, or counted a term twice?)") in message


def test_factor_two_too_small() -> None:
    """g * a for d(a²)/da."""
    message = failure_message(HalfSquare.apply, [random_leaf(7, (3,))])
    assert "analytical = 0.500 × numerical: a factor of 2 too small" in message


def test_factor_equal_to_an_axis_size_is_named() -> None:
    """A mean's backward without its 1/m: the factor is the number of rows, and it is named."""
    message = failure_message(ColumnMeanWithoutDivision.apply, [random_leaf(8, (4, 3))])
    assert "a factor of 4 too large" in message
    assert "4 is the size of axis 0 of input 0" in message


def test_small_constant_error() -> None:
    """A factor 1.0001 is reported as a relative error, not rounded to 1."""
    message = failure_message(SlightlyOffSquare.apply, [random_leaf(9, (3,))])
    assert "analytical = 1.0001 × numerical everywhere" in message
    assert "constant relative error of +1.0e-04" in message


def test_wrong_sign() -> None:
    """-g * 2a for d(a²)/da."""
    message = failure_message(NegatedSquare.apply, [random_leaf(10, (2, 2))])
    assert "analytical = -1.000 × numerical: wrong sign" in message


def test_transposed_weight_gradient() -> None:
    """gᵀ @ a instead of aᵀ @ g for the gradient of b in a @ b."""
    a, b = random_leaf(11, (3, 3)), random_leaf(12, (3, 3))
    message = failure_message(TransposedWeightGradMatMul.apply, [a, b])
    assert "input 1" in message
    assert ("transposed: the analytical gradient equals the numerical one with the input's axes "
            "0 and 1 swapped") in message


def test_transposed_upstream_gradient() -> None:
    """gᵀ used in place of g: the output's axes are the swapped ones."""
    a, b = random_leaf(13, (3, 3)), random_leaf(14, (3, 3))
    message = failure_message(TransposedUpstreamMatMul.apply, [a, b])
    assert "input 0" in message
    assert "with the output's axes 0 and 1 swapped" in message


def test_mean_instead_of_sum_over_broadcast_axis() -> None:
    """The gradient of b divided by the number of broadcast rows."""
    a, b = random_leaf(15, (4, 3)), random_leaf(16, (1, 3))
    message = failure_message(MeanOverRowsMul.apply, [a, b])
    assert "input 1" in message
    assert ("missing sum over broadcast axis 0: analytical = numerical / 4, the mean over the 4 "
            "broadcast copies instead of their sum") in message


def test_one_slice_instead_of_sum_over_broadcast_axis() -> None:
    """The gradient of b taken from the last broadcast row only."""
    a, b = random_leaf(17, (4, 3)), random_leaf(18, (1, 3))
    message = failure_message(LastRowOnlyMul.apply, [a, b])
    assert ("missing sum over broadcast axis 0: the gradient keeps only the slice at index 3 "
            "instead of summing all 4 broadcast copies") in message


def test_broadcast_over_a_new_leading_axis() -> None:
    """b of shape (3,) against a of shape (2, 4, 3): broadcast over the two leading axes."""

    def product(x: Tensor, y: Tensor) -> Tensor:
        return MeanOverRowsMul.apply(x.reshape(8, 3), y.reshape(1, 3)).reshape(2, 4, 3)

    message = failure_message(product, [random_leaf(19, (2, 4, 3)), random_leaf(20, (3,))])
    assert "missing sum over broadcast axes (0, 1): analytical = numerical / 8" in message


def test_gradient_of_the_wrong_input() -> None:
    """a * b whose backward swaps the two gradients."""
    a, b = random_leaf(21, (3, 3)), random_leaf(22, (3, 3))
    message = failure_message(SwappedMul.apply, [a, b])
    assert ("gradient of the wrong input: the analytical gradient of input 0 equals the "
            "numerical gradient of input 1") in message


def test_lost_contribution_of_an_input_used_twice() -> None:
    """x * x through a Function that drops the second slot's gradient: x gets half of it."""
    x = random_leaf(23, (2, 3))
    message = failure_message(lambda t: FirstSlotOnlyMul.apply(t, t), [x])
    assert "input 0 is used 2 times in the graph and analytical = 0.500 × numerical" in message
    assert "holds only 1 of its 2 (here equal) contributions" in message
    assert "overwritten instead of accumulated (+=)" in message


def test_input_used_once_with_half_the_gradient_is_a_factor() -> None:
    """The same ratio without a second use is reported as a factor, not a lost contribution."""
    message = failure_message(HalfSquare.apply, [random_leaf(24, (2,))])
    assert "contributions" not in message and "factor of 2 too small" in message


def test_zero_gradient() -> None:
    """A backward returning zeros."""
    message = failure_message(ZeroSquare.apply, [random_leaf(25, (3,))])
    assert "the analytical gradient of input 0 is zero everywhere" in message


def test_nan_gradient() -> None:
    """A backward dividing by zero."""
    with np.errstate(divide="ignore", invalid="ignore"):
        message = failure_message(NaNSquare.apply, [random_leaf(26, (3,))])
    assert "contains NaN or inf" in message


def test_generic_fallback() -> None:
    """A wrong rule with no simple pattern still gets a hint."""
    message = failure_message(CubeRuleSquare.apply, [random_leaf(27, (3,))])
    assert "Likely mistake: no simple pattern" in message
    assert "compare backward with the op's local derivative at the worst index" in message


def test_diagnose_without_shapes_and_with_leaking_entries() -> None:
    """diagnose works on bare Jacobians; nonzero entries where numerical is zero are counted."""
    numerical = np.diag([1.0, 2.0, 3.0])
    leaking = numerical + np.triu(np.ones((3, 3)), 1)
    text = diagnose(numerical, leaking)
    assert "nonzero at 3 entries where numerical is zero" in text
    assert diagnose(numerical, -3.0 * numerical).startswith(
        "analytical = -3.000 × numerical: wrong sign and a factor of 3 too large")


def test_count_uses() -> None:
    """Each edge from an input to an op counts once."""
    x, y = random_leaf(28, (2,)), random_leaf(29, (2,))
    assert count_uses(x * x + y, [x, y]) == [2, 1]
    assert count_uses((x * 2.0).exp() * x, [x, y]) == [2, 0]


# ----------------------------------------------------------------------------------------------
# check_graph.
# ----------------------------------------------------------------------------------------------


class Tanh(Function):
    """out = tanh(a).   Local derivative: dout/da = 1 - out²."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        output = np.tanh(a)
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (output,) = ctx.saved_tensors
        return grad_output * (1.0 - output * output)


class DoubledTanh(Tanh):
    """out = tanh(a).   Local derivative: dout/da = 1 - out².

    (Planted: the backward is twice too large.)
    """

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (output,) = ctx.saved_tensors
        return grad_output * (1.0 - output * output) * 2.0


class Affine(Function):
    """out = x @ w + b.   dL/dx = g wᵀ, dL/dw = xᵀ g, dL/db = g summed over rows."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x, w)
        return x @ w + b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        x, w = ctx.saved_tensors
        return grad_output @ w.transpose(0, 1), x.transpose(0, 1) @ grad_output, grad_output


class TransposedAffine(Affine):
    """out = x @ w + b.   dL/dx = g wᵀ, dL/dw = xᵀ g, dL/db = g summed over rows.

    (Planted: the weight gradient is gᵀ @ x, the transpose of xᵀ g; w is square.)
    """

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        x, w = ctx.saved_tensors
        return grad_output @ w.transpose(0, 1), grad_output.transpose(0, 1) @ x, grad_output


class Scale(Function):
    """out = factor * a for a keyword parameter factor.   dout/da = factor."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, factor: float) -> np.ndarray:
        ctx.factor = factor
        return factor * a

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return grad_output * (2.0 * ctx.factor)  # planted: twice the factor


class TinyMLP:
    """x -> Affine(4, 4) -> activation -> Linear(4, 3) -> cross-entropy, all float64."""

    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.x = Tensor(rng.standard_normal((6, 4)))
        self.labels = Tensor(np.array([0, 2, 1, 1, 0, 2]))
        self.w1 = Tensor(rng.standard_normal((4, 4)) * 0.7, requires_grad=True)
        self.b1 = Tensor(rng.standard_normal(4) * 0.1, requires_grad=True)
        self.head = nn.Linear(4, 3, dtype=tge.float64, generator=rng)

    def loss(self, affine: type[Affine] = Affine, activation: type[Tanh] = Tanh) -> Tensor:
        hidden = activation.apply(affine.apply(self.x, self.w1, self.b1))
        return nn.functional.cross_entropy(self.head(hidden), self.labels)


def test_check_graph_passes_correct_models() -> None:
    """A model of library layers and one with correct custom Functions both pass."""
    rng = np.random.default_rng(30)
    x = Tensor(rng.standard_normal((5, 4)))
    labels = Tensor(np.array([0, 2, 1, 1, 0]))
    model = nn.Sequential(nn.Linear(4, 6, dtype=tge.float64, generator=rng), nn.ReLU(),
                          nn.Linear(6, 3, dtype=tge.float64, generator=rng))
    report = check_graph(lambda: nn.functional.cross_entropy(model(x), labels))
    assert isinstance(report, GraphCheckReport)
    assert report.ok and report.first is None and report.failures == ()
    assert (report.nodes_checked, report.leaves) == (4, 4)
    assert str(report).startswith("check_graph: OK")
    mlp = TinyMLP(31)
    assert check_graph(mlp.loss).ok
    assert check_graph(lambda: ((mlp.loss() * mlp.w1.sum()).exp() - mlp.b1.max()).tanh()).ok


def test_check_graph_locates_a_wrong_activation_in_the_middle() -> None:
    """The planted factor 2 in the hidden activation is found, named, and nothing else is."""
    mlp = TinyMLP(32)
    report = check_graph(lambda: mlp.loss(activation=DoubledTanh))
    assert not report.ok and len(report.failures) == 1
    first = report.first
    assert first is not None
    assert first.op == "DoubledTanhBackward" and first.input_index == 0
    assert first.input_shapes == ((6, 4),) and first.output_shape == (6, 4)
    assert first.backward == pytest.approx(2.0 * first.finite_difference, rel=1e-6)
    text = str(report)
    assert "DoubledTanhBackward" in text and "input 0 of shape (6, 4)" in text
    assert "'out = tanh(a).   Local derivative: dout/da = 1 - out².'" in text
    assert "a factor of 2 too large" in text


def test_check_graph_locates_a_transposed_weight_gradient() -> None:
    """The first layer's weight gradient is transposed: op Affine, input 1, 'transposed'."""
    mlp = TinyMLP(33)
    report = check_graph(lambda: mlp.loss(affine=TransposedAffine))
    assert len(report.failures) == 1 and report.first is not None
    assert report.first.op == "TransposedAffineBackward" and report.first.input_index == 1
    assert "input 1 of shape (4, 4)" in str(report)
    assert ("transposed: the analytical gradient equals the numerical one with the input's axes "
            "0 and 1 swapped") in str(report)


def test_check_graph_reports_the_bug_nearest_the_loss_first() -> None:
    """Two planted bugs: the one nearer the loss comes first, the other is listed after it."""
    mlp = TinyMLP(34)
    report = check_graph(lambda: mlp.loss(affine=TransposedAffine, activation=DoubledTanh))
    assert [failure.op for failure in report.failures] == [
        "DoubledTanhBackward", "TransposedAffineBackward"]
    assert "Also wrong: TransposedAffineBackward" in str(report)


def test_check_graph_with_a_keyword_parameter_compares_projections() -> None:
    """An op whose forward needs a parameter cannot be re-run alone; the ratio still shows."""
    mlp = TinyMLP(35)

    def loss() -> Tensor:
        return mlp.loss() * Scale.apply(mlp.b1, factor=1.5).sum()

    report = check_graph(loss)
    assert len(report.failures) == 1 and report.first is not None
    assert report.first.op == "ScaleBackward" and report.first.input_index == 0
    assert "only projections <v, J dx> were compared" in str(report)
    assert "a factor of 2 too large" in str(report)


def test_check_graph_blames_the_slot_that_gets_no_gradient() -> None:
    """h * h through a Function that gives the second slot None: that slot is named."""
    mlp = TinyMLP(36)
    report = check_graph(lambda: FirstSlotOnlyMul.apply(mlp.w1, mlp.w1).sum())
    assert report.first is not None and report.first.op == "FirstSlotOnlyMulBackward"
    assert report.first.inputs == (1,)
    assert "the analytical gradient of input 1 is zero everywhere" in str(report)


def test_check_graph_needs_a_deterministic_forward_with_fixed_leaves() -> None:
    """Random forwards and leaves created anew on each call are refused."""
    rng = np.random.default_rng(37)
    w = random_leaf(38, (3,))
    with pytest.raises(ValueError, match="deterministic"):
        check_graph(lambda: (w * Tensor(rng.standard_normal(3))).sum())
    with pytest.raises(ValueError, match="same leaf tensors"):
        check_graph(lambda: (random_leaf(39, (3,)) * 2.0).sum())
    with pytest.raises(ValueError, match="recorded graph"):
        check_graph(lambda: Tensor(np.ones(2)).sum())


def test_check_graph_restores_the_leaves() -> None:
    """After the check the parameters hold exactly their old values and no gradient."""
    mlp = TinyMLP(40)
    before = mlp.w1._data.copy()
    check_graph(mlp.loss)
    np.testing.assert_array_equal(mlp.w1._data, before)
    assert mlp.w1.grad is None


def test_check_graph_warns_about_float32_leaves() -> None:
    """Finite differences in float32 are unreliable: a warning says so."""
    w = Tensor(np.array([0.5, 1.5], dtype=np.float32), requires_grad=True)
    with pytest.warns(UserWarning, match="float64"):
        check_graph(lambda: (w * w).sum(), rtol=1e-1)
    w64 = random_leaf(41, (2,))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_graph(lambda: (w64 * w64).sum()).ok


def test_a_single_entry_claims_only_a_small_factor() -> None:
    # One Jacobian entry fits any ratio, so an odd one such as -27/14 must not be sold as a
    # "constant factor"; a small one such as 2 is still worth naming, with a caution.
    odd = diagnose(np.array([[1.4]]), np.array([[-2.7]]))
    assert odd.startswith("no simple pattern")
    doubled = diagnose(np.array([[1.5]]), np.array([[3.0]]))
    assert "a factor of 2 too large" in doubled
    assert "seen at a single entry" in doubled
