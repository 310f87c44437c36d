"""Autograd against gradients derived by hand.

Three families:

1. The seed article's two-layer MLP (784-64-10 and smaller random shapes): the gradients of the
   mean cross-entropy with respect to W1, b1, W2, b2 are written out in closed form (the
   derivation is in the comments of ``hand_derived_gradients``) and compared with autograd.
2. Small scalar expressions in the style of micrograd, each with its gradient derived line by
   line in the comments and checked exactly (all intermediate values are dyadic rationals, so
   float64 represents every one of them without rounding); the same for the pieces of split
   and unbind (each piece's gradient goes back to its own place, an unused piece sends 0).
3. gather and scatter: the article's cross-entropy written with gather (its gradient is
   (A2 - Y) / m, Y one-hot rows made with scatter_), and small exact examples of gather's
   gradient (a scatter-add of the upstream gradient) and scatter's (the written places get 0,
   src gets the upstream gradient gathered at them).

Layout used throughout (PyTorch's): one example per ROW.
    X  : (m, n_in)         Y  : (m, n_out), one-hot rows
    W1 : (n_hidden, n_in)  b1 : (n_hidden,)
    W2 : (n_out, n_hidden) b2 : (n_out,)
    Z1 = X W1ᵀ + b1        (m, n_hidden)
    A1 = relu(Z1)
    Z2 = A1 W2ᵀ + b2       (m, n_out)
    A2 = softmax(Z2)       (row-wise)
    L  = -(1/m) Σ_i Σ_k Y_ik log A2_ik
The article writes examples as COLUMNS (X is n_in x m, dW2 = dZ2 A1ᵀ / m); transposing every
matrix of its formulas gives the row-layout versions used here.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hypothesis_numpy

import tinygrad_edu
from tinygrad_edu import Tensor, tensor

# Float64 comparisons of the same math in a different order of operations.
TOLERANCE = 1e-10


def leaf(values: np.ndarray) -> Tensor:
    """A float64 leaf tensor that requires grad."""
    return tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def constant(values: np.ndarray) -> Tensor:
    """A float64 tensor that does not require grad."""
    return tensor(np.asarray(values, dtype=np.float64))


def scalar(value: float) -> Tensor:
    """A 0-d float64 leaf tensor that requires grad."""
    return tensor(value, dtype=tinygrad_edu.float64, requires_grad=True)


def one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    """Rows of the identity matrix picked by ``labels``: Y_ik = 1 if labels_i == k else 0."""
    return np.eye(classes, dtype=np.float64)[labels]


def stable_softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum so exp never overflows."""
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def hand_derived_gradients(
    x: np.ndarray,
    y: np.ndarray,
    w1: np.ndarray,
    b1: np.ndarray,
    w2: np.ndarray,
    b2: np.ndarray,
) -> dict[str, np.ndarray]:
    """The article's gradients of the mean cross-entropy, in row layout, with NumPy only.

    Derivation (per example i, then averaged over the m rows):

    Softmax + cross-entropy. With A2_k = exp(Z2_k) / Σ_j exp(Z2_j),
        log A2_k = Z2_k - log Σ_j exp(Z2_j),
        ∂ log A2_k / ∂ Z2_c = δ_kc - A2_c.
    The per-example loss is ℓ = -Σ_k Y_k log A2_k, so
        ∂ℓ/∂Z2_c = -Σ_k Y_k (δ_kc - A2_c) = -Y_c + A2_c Σ_k Y_k = A2_c - Y_c,
    because a one-hot row sums to 1. Stacking the rows: dZ2 = A2 - Y (m x n_out), and the mean
    over m examples contributes the factor 1/m to every gradient below.

    Second affine map. Z2_ik = Σ_h A1_ih W2_kh + b2_k, so
        ∂Z2_ik / ∂W2_kh = A1_ih  and  ∂Z2_ik / ∂b2_k = 1.
    Chain rule, summing over examples: dW2_kh = (1/m) Σ_i dZ2_ik A1_ih, i.e.
        dW2 = dZ2ᵀ A1 / m                 (n_out x n_hidden, the shape of W2)
        db2 = Σ_i dZ2_i / m               (column sums)

    Back into the hidden layer. ∂Z2_ik / ∂A1_ih = W2_kh, so dA1 = dZ2 W2 (m x n_hidden).
    relu has derivative 1 where Z1 > 0 and 0 elsewhere (0 at Z1 = 0, as in torch), so
        dZ1 = dZ2 W2 ⊙ 1[Z1 > 0].

    First affine map, exactly like the second one:
        dW1 = dZ1ᵀ X / m                  (n_hidden x n_in, the shape of W1)
        db1 = Σ_i dZ1_i / m
    """
    m = x.shape[0]
    z1 = x @ w1.T + b1
    a1 = np.maximum(z1, 0.0)
    z2 = a1 @ w2.T + b2
    a2 = stable_softmax(z2)
    d_z2 = a2 - y
    d_z1 = (d_z2 @ w2) * (z1 > 0)
    return {
        "loss": np.asarray(-(y * np.log(a2)).sum() / m),
        "dZ2": d_z2,
        "dZ1": d_z1,
        "dW2": d_z2.T @ a1 / m,
        "db2": d_z2.sum(axis=0) / m,
        "dW1": d_z1.T @ x / m,
        "db1": d_z1.sum(axis=0) / m,
    }


def check_mlp_gradients(
    x: np.ndarray,
    labels: np.ndarray,
    w1: np.ndarray,
    b1: np.ndarray,
    w2: np.ndarray,
    b2: np.ndarray,
) -> None:
    """Run the MLP forward and backward with tinygrad_edu and compare with the formulas.

    The loss is computed through log_softmax (the stable route), exactly as a user would.
    Z1 and Z2 keep their gradients (retain_grad) so dL/dZ2 = dZ2 / m and dL/dZ1 = dZ1 / m
    are checked too, not only the parameter gradients.
    """
    m = x.shape[0]
    classes = w2.shape[0]
    y = one_hot(labels, classes)
    expected = hand_derived_gradients(x, y, w1, b1, w2, b2)

    weight1, bias1, weight2, bias2 = leaf(w1), leaf(b1), leaf(w2), leaf(b2)
    z1 = constant(x) @ weight1.T + bias1
    z1.retain_grad()
    a1 = z1.relu()
    z2 = a1 @ weight2.T + bias2
    z2.retain_grad()
    log_a2 = z2.log_softmax(dim=1)
    loss = -(constant(y) * log_a2).sum() / m
    loss.backward()

    def assert_matches(actual: Tensor | None, reference: np.ndarray) -> None:
        assert actual is not None
        assert actual.dtype == np.float64
        assert actual.shape == reference.shape
        np.testing.assert_allclose(actual._data, reference, rtol=TOLERANCE, atol=TOLERANCE)

    assert_matches(loss, expected["loss"])
    assert_matches(z2.grad, expected["dZ2"] / m)
    assert_matches(z1.grad, expected["dZ1"] / m)
    assert_matches(weight2.grad, expected["dW2"])
    assert_matches(bias2.grad, expected["db2"])
    assert_matches(weight1.grad, expected["dW1"])
    assert_matches(bias1.grad, expected["db1"])


@st.composite
def small_mlp_problems(
    draw: st.DrawFn,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Random small shapes, every array element drawn by hypothesis (zeros included).

    Elements are bounded so the softmax stays well inside float64 range; zeros are welcome
    because they produce Z1 == 0 exactly, where relu's derivative must be 0.
    """
    m = draw(st.integers(1, 6))
    n_in = draw(st.integers(1, 6))
    n_hidden = draw(st.integers(1, 6))
    classes = draw(st.integers(2, 5))
    elements = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False, width=64)

    def array(shape: tuple[int, ...]) -> np.ndarray:
        return draw(hypothesis_numpy.arrays(np.float64, shape, elements=elements))

    x = array((m, n_in))
    w1 = array((n_hidden, n_in))
    b1 = array((n_hidden,))
    w2 = array((classes, n_hidden))
    b2 = array((classes,))
    labels = np.asarray(draw(st.lists(st.integers(0, classes - 1), min_size=m, max_size=m)))
    return x, labels, w1, b1, w2, b2


@given(problem=small_mlp_problems())
def test_mlp_gradients_small_random_shapes(
    problem: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """Autograd equals the hand-derived formulas for small random shapes and values."""
    check_mlp_gradients(*problem)


@settings(max_examples=3)
@given(
    seed=st.integers(0, 2**32 - 1),
    batch_size=st.integers(1, 32),
)
def test_mlp_gradients_article_shapes(seed: int, batch_size: int) -> None:
    """The article's 784-64-10 network: pixels in [0, 1), U(-0.5, 0.5) init, random labels.

    Hypothesis draws the seed and the batch size; NumPy fills the 784-wide arrays from the seed
    (drawing ~50,000 floats one by one through hypothesis would be needlessly slow).
    """
    generator = np.random.default_rng(seed)
    x = generator.random((batch_size, 784))
    w1 = generator.uniform(-0.5, 0.5, (64, 784))
    b1 = generator.uniform(-0.5, 0.5, 64)
    w2 = generator.uniform(-0.5, 0.5, (10, 64))
    b2 = generator.uniform(-0.5, 0.5, 10)
    labels = generator.integers(0, 10, batch_size)
    check_mlp_gradients(x, labels, w1, b1, w2, b2)


def test_mlp_gradients_with_relu_exactly_at_zero() -> None:
    """Zero inputs and zero hidden biases make every Z1 exactly 0: dW1 = db1 = 0.

    relu'(0) = 0 (torch's rule), matching the strict mask 1[Z1 > 0] in the formulas.
    """
    x = np.zeros((3, 5))
    w1 = np.arange(20.0).reshape(4, 5) / 10.0
    b1 = np.zeros(4)
    w2 = np.arange(12.0).reshape(3, 4) / 7.0
    b2 = np.array([0.5, -0.25, 1.0])
    check_mlp_gradients(x, np.array([0, 2, 1]), w1, b1, w2, b2)


def test_linear_parameter_gradients_op_on_its_own() -> None:
    """``LinearParameterGradients``, the op Linear's backward calls: its outputs are the
    article's dW = dZ Aᵀ and db = Σ dZ (row layout: gᵀ x and the column sums of g), exactly for
    these dyadic values; its own backward (d/dg = x U_wᵀ + U_b, d/dx = g U_w) equals those
    formulas and torch.autograd's, and passes gradcheck and gradgradcheck (central differences).
    """
    from tinygrad_edu.autograd import grad as autograd_grad
    from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
    from tinygrad_edu.ops import LinearParameterGradients

    g_values = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])  # (rows, out)
    x_values = np.array([[1.0, -2.0], [0.5, 4.0]])  # (rows, in)
    g, x = leaf(g_values), leaf(x_values)
    grad_weight, grad_bias = LinearParameterGradients.apply(g, x)
    assert (grad_weight.detach().numpy() == g_values.T @ x_values).all()
    assert (grad_bias.detach().numpy() == g_values.sum(axis=0)).all()

    u_weight = np.array([[1.0, 0.5], [-2.0, 0.25], [0.75, -1.5]])  # (out, in), like dW
    u_bias = np.array([0.5, -0.25, 2.0])
    d_g, d_x = autograd_grad([grad_weight, grad_bias], [g, x],
                             [constant(u_weight), constant(u_bias)])
    assert (d_g.numpy() == x_values @ u_weight.T + u_bias).all()
    assert (d_x.numpy() == g_values @ u_weight).all()

    torch = pytest.importorskip("torch")
    torch_g = torch.tensor(g_values, requires_grad=True)
    torch_x = torch.tensor(x_values, requires_grad=True)
    torch_d_g, torch_d_x = torch.autograd.grad(
        [torch_g.T @ torch_x, torch_g.sum(dim=0)], [torch_g, torch_x],
        [torch.tensor(u_weight), torch.tensor(u_bias)])
    np.testing.assert_allclose(d_g.numpy(), torch_d_g.numpy(), rtol=TOLERANCE, atol=TOLERANCE)
    np.testing.assert_allclose(d_x.numpy(), torch_d_x.numpy(), rtol=TOLERANCE, atol=TOLERANCE)

    def both_outputs(g: Tensor, x: Tensor) -> Tensor:
        """The two outputs in one Tensor (gradcheck checks one output)."""
        weight_part, bias_part = LinearParameterGradients.apply(g, x)
        return tinygrad_edu.cat([weight_part.reshape(-1), bias_part])

    rng = np.random.default_rng(3)
    inputs = [leaf(rng.standard_normal((4, 3))), leaf(rng.standard_normal((4, 5)))]
    assert gradcheck(both_outputs, inputs)
    assert gradgradcheck(both_outputs, inputs)


# --------------------------------------------------------------------------------------------
# Scalar expressions derived by hand. Every value below is a dyadic rational (an integer over
# a power of two), so float64 holds all of them exactly and the checks use ==.
# --------------------------------------------------------------------------------------------


def test_scalar_expression_with_relu_branches() -> None:
    """a = -4, b = 2 through sums, products, powers, two relus and a division.

    Forward:
        c = a + b            = -2
        d = a*b + b**3       = -8 + 8 = 0
        e = c*c + d          = 4
        f = relu(b - a)      = relu(6)  = 6   (active: passes gradient)
        g = relu(a - b)      = relu(-6) = 0   (inactive: blocks gradient)
        h = e*f + g          = 24
        out = h/8 - c**2     = 3 - 4 = -1
    Backward (adjoints written x̄ = ∂out/∂x):
        h̄ = 1/8
        ē = h̄ f = 6/8 = 0.75       f̄ = h̄ e = 4/8 = 0.5       ḡ = h̄ = 0.125
        c̄ = -2c (direct) + ē 2c     = 4 + 0.75 (-4) = 1
        d̄ = ē                       = 0.75
        ā = c̄ ∂c/∂a + d̄ ∂d/∂a + f̄ ∂f/∂a + ḡ ∂g/∂a
          = 1*1 + 0.75*b + 0.5*(-1) + 0.125*0   = 1 + 1.5 - 0.5 = 2
        b̄ = c̄ ∂c/∂b + d̄ ∂d/∂b + f̄ ∂f/∂b + ḡ ∂g/∂b
          = 1*1 + 0.75*(a + 3b²) + 0.5*1 + 0   = 1 + 0.75*8 + 0.5 = 7.5
    """
    a = scalar(-4.0)
    b = scalar(2.0)
    c = a + b
    d = a * b + b**3
    e = c * c + d
    f = (b - a).relu()
    g = (a - b).relu()
    h = e * f + g
    out = h / 8 - c**2
    assert (c.item(), d.item(), e.item(), f.item(), g.item(), h.item()) == (
        -2.0,
        0.0,
        4.0,
        6.0,
        0.0,
        24.0,
    )
    assert out.item() == -1.0
    out.backward()
    assert a.grad is not None and b.grad is not None
    assert a.grad.item() == 2.0
    assert b.grad.item() == 7.5


def test_scalar_expression_with_division_and_negative_power() -> None:
    """x = 2, y = 0.5 through a quotient and a reciprocal.

    Forward:
        p = x**2 * y       = 2          ∂p/∂x = 2xy = 2,      ∂p/∂y = x² = 4
        q = x / y          = 4          ∂q/∂x = 1/y = 2,      ∂q/∂y = -x/y² = -8
        r = p*q - q**-1    = 8 - 0.25 = 7.75
                                        ∂r/∂p = q = 4,        ∂r/∂q = p + q⁻² = 2 + 1/16
    Backward:
        x̄ = 4*2 + (33/16)*2   = 8 + 4.125  = 12.125
        ȳ = 4*4 + (33/16)*(-8) = 16 - 16.5 = -0.5
    """
    x = scalar(2.0)
    y = scalar(0.5)
    p = x**2 * y
    q = x / y
    r = p * q - q**-1
    assert (p.item(), q.item(), r.item()) == (2.0, 4.0, 7.75)
    r.backward()
    assert x.grad is not None and y.grad is not None
    assert x.grad.item() == 12.125
    assert y.grad.item() == -0.5


def test_scalar_expression_reusing_one_node() -> None:
    """a = 3 used on several edges; each edge must add its contribution.

    Forward:
        b = a + a        = 6      (both edges: ∂b/∂a = 2)
        c = b * a        = 18     (c = 2a², ∂c/∂a = 4a = 12)
        d = c - b / 4    = 16.5
    Backward: ∂d/∂a = 12 - 2/4 = 11.5.
    """
    a = scalar(3.0)
    b = a + a
    c = b * a
    d = c - b / 4
    assert d.item() == 16.5
    d.backward()
    assert a.grad is not None
    assert a.grad.item() == 11.5


def test_scalar_expression_accumulates_over_two_backwards() -> None:
    """Two independent expressions of the same leaf add into a.grad.

    s = a**2 (∂s/∂a = 2a = 5 at a = 2.5), t = -3a + 1 (∂t/∂a = -3): a.grad = 5 - 3 = 2.
    """
    a = scalar(2.5)
    (a**2).backward()
    (-3 * a + 1).backward()
    assert a.grad is not None
    assert a.grad.item() == 2.0


def test_tanh_neuron() -> None:
    """o = tanh(x1 w1 + x2 w2 + bias), a single neuron.

    With n = x1 w1 + x2 w2 + bias and do/dn = 1 - tanh(n)² = 1 - o²:
        ∂o/∂w1 = x1 (1 - o²)   ∂o/∂x1 = w1 (1 - o²)
        ∂o/∂w2 = x2 (1 - o²)   ∂o/∂x2 = w2 (1 - o²)
        ∂o/∂bias = 1 - o²
    n = 1.5*(-0.5) + (-1)*0.25 + 0.3 = -0.7 is exact up to the rounding of 0.3; tanh is not
    rational, so these values are compared at the float64 tolerance instead of with ==.
    """
    x1, w1, x2, w2, bias = scalar(1.5), scalar(-0.5), scalar(-1.0), scalar(0.25), scalar(0.3)
    output = (x1 * w1 + x2 * w2 + bias).tanh()
    o = np.tanh(1.5 * -0.5 + -1.0 * 0.25 + 0.3)
    local = 1.0 - o**2
    output.backward()
    expected = {
        "output": (output, o),
        "x1": (x1.grad, -0.5 * local),
        "w1": (w1.grad, 1.5 * local),
        "x2": (x2.grad, 0.25 * local),
        "w2": (w2.grad, -1.0 * local),
        "bias": (bias.grad, local),
    }
    for name, (actual, reference) in expected.items():
        assert actual is not None, name
        np.testing.assert_allclose(
            actual.item(), reference, rtol=TOLERANCE, atol=TOLERANCE, err_msg=name
        )


def test_split_pieces_gradients_by_hand() -> None:
    """x = [0.5, 1, 1.5, 2, 2.5] cut by x.split([2, 2, 1]) into a = (x0, x1), b = (x2, x3),
    c = (x4); b is not used.

    Forward:  L = a0² + a1² + 3 c0 = 0.25 + 1 + 7.5 = 8.75
    Backward: each piece's gradient goes back to its own place, an unused piece sends 0:
        ∂L/∂a = (2 a0, 2 a1) = (1, 2)   ∂L/∂b = (0, 0)   ∂L/∂c = 3
        ∂L/∂x = [1, 2, 0, 0, 3]
    Second order: G = Σ ∂L/∂x = 2 x0 + 2 x1 + 3, so ∂G/∂x = [2, 2, 0, 0, 0].
    """
    x = leaf(np.array([0.5, 1.0, 1.5, 2.0, 2.5]))
    a, b, c = x.split([2, 2, 1])
    loss = (a * a).sum() + 3 * c.sum()
    assert loss.item() == 8.75
    (first,) = tinygrad_edu.autograd.grad(loss, x, create_graph=True)
    assert first.tolist() == [1.0, 2.0, 0.0, 0.0, 3.0]
    (second,) = tinygrad_edu.autograd.grad(first.sum(), x)
    assert second.tolist() == [2.0, 2.0, 0.0, 0.0, 0.0]


def test_unbind_rows_gradients_by_hand() -> None:
    """X = [[1, 2], [3, 4]], (r0, r1) = X.unbind(0), L = Σ r0 · r1 = 1·3 + 2·4 = 11.

    ∂L/∂r0 = r1 = (3, 4), ∂L/∂r1 = r0 = (1, 2): ∂L/∂X = [[3, 4], [1, 2]] (the rows swapped).
    """
    matrix = leaf(np.array([[1.0, 2.0], [3.0, 4.0]]))
    first_row, second_row = matrix.unbind(0)
    loss = (first_row * second_row).sum()
    assert loss.item() == 11.0
    loss.backward()
    assert matrix.grad is not None
    assert matrix.grad.tolist() == [[3.0, 4.0], [1.0, 2.0]]


# --------------------------------------------------------------------------------------------
# Softplus and the regression / probability losses, derived by hand.
# --------------------------------------------------------------------------------------------


def gradients(output: Tensor, inputs: list[Tensor], create_graph: bool = False) -> list[Tensor]:
    """``autograd.grad`` of ``output``, every gradient present (None would be a failure)."""
    found = tinygrad_edu.autograd.grad(output, inputs, create_graph=create_graph)
    assert all(gradient is not None for gradient in found)
    return [gradient for gradient in found if gradient is not None]


def test_softplus_derivatives_by_hand() -> None:
    """s(x) = log(1 + exp(βx)) / β.

        s'(x)  = (1/β) · β exp(βx) / (1 + exp(βx)) = σ(βx)       (chain rule)
        s''(x) = β σ(βx) (1 - σ(βx))            (σ' = σ (1 - σ), times the inner β)
    At x = 0: σ(0) = 1/2, so s'(0) = 1/2 and s''(0) = β/4, for any β; s(0) = log(2) / β.
    Above the threshold (βx > 20 by default) torch takes s(x) = x: s' = 1, s'' = 0.
    """
    for beta in (1.0, 2.0, 0.5):
        x = scalar(0.0)
        output = tinygrad_edu.nn.functional.softplus(x, beta=beta)
        np.testing.assert_allclose(output.item(), np.log(2.0) / beta, rtol=TOLERANCE)
        (first,) = gradients(output, [x], create_graph=True)
        (second,) = gradients(first, [x])
        assert first.item() == 0.5
        assert second.item() == beta / 4
    x = scalar(30.0)
    output = tinygrad_edu.nn.functional.softplus(x)
    (first,) = gradients(output, [x], create_graph=True)
    (second,) = gradients(first, [x])
    assert (output.item(), first.item(), second.item()) == (30.0, 1.0, 0.0)


def test_clamp_op_by_hand() -> None:
    """out = min(max(a, low), high);  dout/da = 1 where low <= a <= high (the bounds included,
    as torch), 0 outside and at NaN (which clamp leaves NaN). Upstream g = (1, 2, ..., 7)
    picks each element's derivative out of the gradient."""
    values = [-2.0, -1.0, -0.0, 0.5, 1.0, 3.0, float("nan")]
    a = tensor(values, dtype=tinygrad_edu.float64, requires_grad=True)
    output = tinygrad_edu.ops.Clamp.apply(a, low=-1.0, high=1.0)
    expected = [-1.0, -1.0, -0.0, 0.5, 1.0, 1.0, float("nan")]
    np.testing.assert_array_equal(output.detach().numpy(), expected)
    assert np.signbit(output.detach().numpy()[2])  # -0.0 is inside, and kept
    upstream = tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], dtype=tinygrad_edu.float64)
    (grad,) = tinygrad_edu.autograd.grad(output, [a], upstream, create_graph=True)
    assert grad.tolist() == [0.0, 2.0, 3.0, 4.0, 5.0, 0.0, 0.0]
    assert not grad.requires_grad  # a selection of the constant upstream: no graph, as torch
    only_low = tinygrad_edu.ops.Clamp.apply(a, low=0.0, high=None)
    assert only_low.detach().numpy()[:6].tolist() == [0.0, 0.0, -0.0, 0.5, 1.0, 3.0]


def test_binary_cross_entropy_gradients_by_hand() -> None:
    """L = -[y log x + (1 - y) log(1 - x)] per element, mean over the n elements.

        ∂L/∂x = -y / x + (1 - y) / (1 - x) = (x - y) / (x (1 - x))     (one denominator)
        ∂L/∂y = -log x + log(1 - x) = -logit(x)
        ∂²L/∂x² = y / x² + (1 - y) / (1 - x)² = (x² - 2xy + y) / (x (1 - x))²
    x = (1/2, 1/2, 1/4), y = (1/4, 1, 1/2), n = 3:
        ∂L/∂x = (1/4 / 1/4, -1/2 / 1/4, -1/4 / 3/16) / 3 = (1, -2, -4/3) / 3
        ∂L/∂y = (0, 0, log 3) / 3
        ∂²L/∂x² = (4, 4, 80/9) / 3     [(1/4)/(1/16), (1/4)/(1/16), (5/16)/(9/256)]
    torch adds 1e-12 to x and 1 - x in the second derivative's denominator, which stays
    inside the float64 tolerance here.
    """
    x = leaf(np.array([0.5, 0.5, 0.25]))
    y = leaf(np.array([0.25, 1.0, 0.5]))
    loss = tinygrad_edu.nn.functional.binary_cross_entropy(x, y)
    expected_loss = -np.mean([0.25 * np.log(0.5) + 0.75 * np.log(0.5), np.log(0.5),
                              0.5 * np.log(0.25) + 0.5 * np.log(0.75)])
    np.testing.assert_allclose(loss.item(), expected_loss, rtol=TOLERANCE)
    grad_x, grad_y = gradients(loss, [x, y], create_graph=True)
    np.testing.assert_allclose(grad_x.detach().numpy(), [1 / 3, -2 / 3, -4 / 9],
                               rtol=TOLERANCE)
    np.testing.assert_allclose(grad_y.detach().numpy(), [0.0, 0.0, np.log(3.0) / 3],
                               rtol=TOLERANCE, atol=TOLERANCE)
    (second,) = gradients(grad_x.sum(), [x])
    np.testing.assert_allclose(second.numpy(), [4 / 3, 4 / 3, 80 / 27], rtol=TOLERANCE)


def test_binary_cross_entropy_at_zero_by_hand() -> None:
    """x = 0 with y = 1 (a confident wrong answer): log 0 = -inf is clamped at -100, so
    L = 100; ∂L/∂x = (0 - 1) / max(0 · 1, ε) = -1/ε with torch's ε = float32(1e-12). With
    y = 0 (right): L = -(1 - 0) log(1) = 0 and ∂L/∂x = 0 / ε = 0."""
    x = leaf(np.array([0.0, 0.0]))
    loss = tinygrad_edu.nn.functional.binary_cross_entropy(x, constant(np.array([1.0, 0.0])),
                                                           reduction="none")
    assert loss.tolist() == [100.0, 0.0]
    loss.sum().backward()
    assert x.grad is not None
    assert x.grad.tolist() == [-1 / float(np.float32(1e-12)), 0.0]


def test_l1_smooth_l1_and_huber_by_hand() -> None:
    """d = input - target = (1/2, -3, 0).

    l1: |d| = (1/2, 3, 0); ∂/∂input = sign(d) = (1, -1, 0) (0 at d = 0, as torch).
    smooth_l1, β = 1: 0.5 d²/β where |d| < β, else |d| - β/2: (1/8, 5/2, 0);
        ∂/∂input = d/β inside, sign(d) outside: (1/2, -1, 0); ∂²/∂input² = (1/β, 0, 1/β).
    huber, δ = 2: 0.5 d² where |d| < δ, else δ (|d| - δ/2): (1/8, 4, 0);
        ∂/∂input = d inside, δ sign(d) outside: (1/2, -2, 0).
    Every value is dyadic: the comparisons are exact.
    """
    target = constant(np.zeros(3))
    functional = tinygrad_edu.nn.functional
    cases = [
        (lambda x: functional.l1_loss(x, target, reduction="none"), [0.5, 3.0, 0.0],
         [1.0, -1.0, 0.0], [0.0, 0.0, 0.0]),
        (lambda x: functional.smooth_l1_loss(x, target, reduction="none"), [0.125, 2.5, 0.0],
         [0.5, -1.0, 0.0], [1.0, 0.0, 1.0]),
        (lambda x: functional.huber_loss(x, target, reduction="none", delta=2.0),
         [0.125, 4.0, 0.0], [0.5, -2.0, 0.0], [1.0, 0.0, 1.0]),
    ]
    for loss_function, values, slopes, curvatures in cases:
        x = leaf(np.array([0.5, -3.0, 0.0]))
        losses = loss_function(x)
        assert losses.tolist() == values
        (first,) = gradients(losses.sum(), [x], create_graph=True)
        assert first.tolist() == slopes
        if first.requires_grad:
            (second,) = gradients(first.sum(), [x])
            assert second.tolist() == curvatures


def test_cross_entropy_by_gather_has_the_article_gradient() -> None:
    """The article's loss written with gather, its one-hot Y made with scatter_.

    With A = softmax(Z) row-wise and labels y, L = -(1/m) Σ_i log A_{i, y_i}
    = -(1/m) Σ_i (log_softmax(Z).gather(1, y[:, None]))_i. gather picks entry y_i of row i, so
    ∂L/∂log_softmax(Z) is -1/m at (i, y_i) and 0 elsewhere: -Y/m, Y the one-hot rows
    (zeros(m, C).scatter_(1, y[:, None], 1)). Through log-softmax (∂ log A_k / ∂ Z_c = δ_kc - A_c,
    each row of -Y summing to -1): ∂L/∂Z = (A - Y) / m, the article's dZ2 = A2 - Y over m.
    """
    rng = np.random.default_rng(7)
    logits = rng.normal(size=(6, 4))
    labels = np.array([3, 0, 2, 2, 1, 0])
    z = leaf(logits)
    label_tensor = tensor(labels)
    one_hot_y = tinygrad_edu.zeros(6, 4, dtype=tinygrad_edu.float64).scatter_(
        1, label_tensor.unsqueeze(1), 1.0)
    np.testing.assert_array_equal(one_hot_y.numpy(), one_hot(labels, 4))
    loss = -(z.log_softmax(1).gather(1, label_tensor.unsqueeze(1))).mean()
    loss.backward()
    assert z.grad is not None
    expected = (stable_softmax(logits) - one_hot(labels, 4)) / 6
    np.testing.assert_allclose(z.grad.numpy(), expected, rtol=TOLERANCE, atol=TOLERANCE)


def test_gather_gradient_by_hand() -> None:
    """out = X.gather(1, I) with I = [[0, 0, 2], [1, 1, 1]]: out_ij = X_{i, I_ij}.

    ∂out_ij/∂X_ik = 1 when k = I_ij, so ∂L/∂X_ik = Σ_{j: I_ij = k} G_ij for the upstream G =
    [[1, 2, 4], [8, 16, 32]]: row 0 gets G_00 + G_01 = 3 at column 0 and G_02 = 4 at column 2;
    row 1 gets 8 + 16 + 32 = 56 at column 1. That is zeros(X).scatter_add(1, I, G).
    Second order: ∂L/∂X is linear in G, so the gradient of Σ ∂L/∂X with respect to G is ones.
    """
    x = leaf(np.array([[0.5, 1.5, 2.5], [3.5, 4.5, 5.5]]))
    index = tensor([[0, 0, 2], [1, 1, 1]])
    upstream = leaf(np.array([[1.0, 2.0, 4.0], [8.0, 16.0, 32.0]]))
    out = x.gather(1, index)
    assert out.tolist() == [[0.5, 0.5, 2.5], [4.5, 4.5, 4.5]]
    (first,) = tinygrad_edu.autograd.grad(out, x, upstream, create_graph=True)
    assert first is not None and first.tolist() == [[3.0, 0.0, 4.0], [0.0, 56.0, 0.0]]
    (second,) = tinygrad_edu.autograd.grad(first.sum(), upstream)
    assert second is not None and second.tolist() == [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]


def test_scatter_and_scatter_add_gradients_by_hand() -> None:
    """S = [[10, 20], [30, 40]] written into X (2x3) along dim 1 at I = [[2, 0], [1, 2]].

    scatter:     out = X, then out_{0,2} = 10, out_{0,0} = 20, out_{1,1} = 30, out_{1,2} = 40.
      ∂out/∂X is 1 where X survives and 0 at the written places: ∂L/∂X = G with those set to 0,
      G.scatter(1, I, 0). ∂out_{i, I_ij}/∂S_ij = 1: ∂L/∂S_ij = G_{i, I_ij} = G.gather(1, I).
    scatter_add: out = X + (S added at the same places): ∂L/∂X = G, ∂L/∂S = G.gather(1, I).
    With G = [[1, 2, 3], [4, 5, 6]]: G.gather(1, I) = [[3, 1], [5, 6]].
    """
    index = tensor([[2, 0], [1, 2]])
    upstream = constant(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    for method, expected_x_grad, expected_out in (
        ("scatter", [[0.0, 2.0, 0.0], [4.0, 0.0, 0.0]], [[20.0, 1.0, 10.0], [1.0, 30.0, 40.0]]),
        ("scatter_add", [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
         [[21.0, 1.0, 11.0], [1.0, 31.0, 41.0]]),
    ):
        x = leaf(np.ones((2, 3)))
        src = leaf(np.array([[10.0, 20.0], [30.0, 40.0]]))
        out = getattr(x, method)(1, index, src)
        assert out.tolist() == expected_out, method
        out.backward(upstream)
        assert x.grad is not None and src.grad is not None
        assert x.grad.tolist() == expected_x_grad, method
        assert src.grad.tolist() == [[3.0, 1.0], [5.0, 6.0]], method


def test_scatter_from_a_larger_src_sends_zero_to_the_unread_part() -> None:
    """src (2x3) is larger than the index I = [[1], [0]] (2x1): only its first column is read,
    out_{0,1} = src_00, out_{1,0} = src_10. So ∂L/∂src = G.gather(1, I) in the first column and
    0 in the columns no index reads. (torch computes the same value but its backward then
    refuses the gathered (2, 1) gradient for the (2, 3) src; here it is padded with zeros.)
    """
    src = leaf(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    out = tinygrad_edu.zeros(2, 2, dtype=tinygrad_edu.float64).scatter(
        1, tensor([[1], [0]]), src)
    assert out.tolist() == [[0.0, 1.0], [4.0, 0.0]]
    out.backward(constant(np.array([[1.0, 2.0], [4.0, 8.0]])))
    assert src.grad is not None
    assert src.grad.tolist() == [[2.0, 0.0, 0.0], [4.0, 0.0, 0.0]]
