"""Op semantics at the edges, each pinned to torch's answer (float64, ``torch.autograd.grad``).

The shared op table (``op_cases.py``) draws inputs away from kinks, ties, NaN and empty shapes,
because central differences cannot check those points. This module checks exactly those points,
one named behaviour per test, always against torch itself rather than a remembered answer:

* pow at a zero base, a zero exponent and a negative base, first and second order; division
  by zero;
* masks select, they do not multiply: a masked-out position gets exactly 0, even when the
  upstream gradient there is inf or NaN (relu, max/min, maximum/minimum, clamp, where, the
  ignored samples of cross_entropy);
* NaN and ties in max/min, maximum/minimum, clamp, abs and relu;
* reductions of 0-d and empty tensors, variance without degrees of freedom;
* the dtypes of integer and bool tensors through reductions, min/max, clamp and relu.

``compare_with_torch(function, *arrays)`` runs ``function(module, *leaves)`` once with
``tinygrad_edu`` and once with ``torch`` as ``module``, then compares the forward value (shape,
dtype, values with NaN in the same places), the first-order gradients for a given upstream
gradient, and the second-order gradients of ``s = Σ <gradient, direction>`` with respect to the
inputs and to the upstream gradient (as in ``test_ops_vs_torch.py``).
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import tinygrad_edu  # noqa: E402
from tinygrad_edu import Tensor  # noqa: E402
from tinygrad_edu.autograd import grad as autograd_grad  # noqa: E402

NAN = float("nan")
INF = float("inf")
# Same math in the same precision: only rounding differences are allowed.
RTOL = 1e-10
ATOL = 1e-10


def direction_like(shape: tuple[int, ...]) -> np.ndarray:
    """A fixed, non-constant direction for the second-order product (values in [0.5, 1.5])."""
    count = int(np.prod(shape))
    return np.linspace(0.5, 1.5, count).reshape(shape) if count else np.zeros(shape)


def dtype_name(dtype: Any) -> str:
    """'float64', 'int64', 'bool'... for a NumPy or a torch dtype."""
    return str(dtype).replace("torch.", "")


def assert_same_values(ours: Tensor, theirs: Any, label: str = "value") -> None:
    """Same shape, same dtype, same values (NaN and inf in the same places)."""
    assert isinstance(ours, Tensor), f"{label}: got {type(ours).__name__}, not a Tensor"
    assert ours.shape == tuple(theirs.shape), f"{label}: shape {ours.shape} vs {theirs.shape}"
    assert dtype_name(ours.dtype) == dtype_name(theirs.dtype), (
        f"{label}: dtype {ours.dtype} vs {theirs.dtype}")
    np.testing.assert_allclose(
        ours._data, theirs.detach().numpy(force=True), rtol=RTOL, atol=ATOL, equal_nan=True,
        err_msg=label)


def as_arrays(gradients: tuple[Any, ...], shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """Gradients (ours or torch's) as float64 arrays; None (unused, or no graph) means zeros."""
    arrays = []
    for gradient, shape in zip(gradients, shapes):
        if gradient is None:
            arrays.append(np.zeros(shape))
        elif isinstance(gradient, Tensor):
            arrays.append(np.asarray(gradient._data, dtype=np.float64))
        else:
            arrays.append(gradient.detach().numpy(force=True).astype(np.float64))
    return arrays


def gradients_in(
    module: Any, function: Callable[..., Any], arrays: list[np.ndarray], upstream: Any,
    second_order: bool,
) -> tuple[Any, list[np.ndarray], list[np.ndarray] | None]:
    """Forward value, first-order and (optionally) second-order gradients in one framework."""
    shapes = [np.shape(array) for array in arrays]
    if module is torch:
        leaves = [torch.tensor(array, requires_grad=True) for array in arrays]
        output = function(torch, *leaves)
        upstream_array = np.ones(tuple(output.shape)) if upstream is None else upstream
        upstream_leaf = torch.tensor(np.broadcast_to(upstream_array, tuple(output.shape)).copy(),
                                     requires_grad=True)
        differentiate: Callable[..., Any] = torch.autograd.grad
        wrap: Callable[[np.ndarray], Any] = torch.tensor
    else:
        leaves = [Tensor(array, requires_grad=True) for array in arrays]
        output = function(tinygrad_edu, *leaves)
        upstream_array = np.ones(output.shape) if upstream is None else upstream
        upstream_leaf = Tensor(np.broadcast_to(upstream_array, output.shape).copy(),
                               requires_grad=True)
        differentiate = autograd_grad
        wrap = Tensor
    first = differentiate([output], leaves, [upstream_leaf], create_graph=second_order,
                          allow_unused=True)
    first_arrays = as_arrays(first, shapes)
    if not second_order:
        return output, first_arrays, None
    inner_product = None
    for gradient, shape in zip(first, shapes):
        if gradient is not None and gradient.requires_grad:
            term = (gradient * wrap(direction_like(shape))).sum()
            inner_product = term if inner_product is None else inner_product + term
    targets = [*leaves, upstream_leaf]
    target_shapes = [*shapes, tuple(upstream_leaf.shape)]
    if inner_product is None:
        return output, first_arrays, [np.zeros(shape) for shape in target_shapes]
    second = differentiate([inner_product], targets, allow_unused=True)
    return output, first_arrays, as_arrays(second, target_shapes)


def compare_with_torch(function: Callable[..., Any], *values: Any, upstream: Any = None,
                       second_order: bool = True) -> None:
    """``function(module, *leaves)`` in tinygrad_edu and torch: value, gradients, second order.

    ``values`` become float64 leaves that require grad; ``upstream`` (broadcast to the output's
    shape, default ones) is the gradient fed to the output.
    """
    arrays = [np.array(value, dtype=np.float64) for value in values]
    upstream_array = None if upstream is None else np.array(upstream, dtype=np.float64)
    with warnings.catch_warnings():
        # At these singular points NumPy warns where torch silently computes the same NaN
        # (0 * inf inside a backward); the values are what is compared.
        warnings.simplefilter("ignore", RuntimeWarning)
        ours, our_first, our_second = gradients_in(
            tinygrad_edu, function, arrays, upstream_array, second_order)
    theirs, their_first, their_second = gradients_in(
        torch, function, arrays, upstream_array, second_order)
    assert_same_values(ours.detach(), theirs)
    for index, (mine, reference) in enumerate(zip(our_first, their_first)):
        np.testing.assert_allclose(mine, reference, rtol=RTOL, atol=ATOL, equal_nan=True,
                                   err_msg=f"first-order gradient of input {index}")
    if our_second is None or their_second is None:
        return
    for index, (mine, reference) in enumerate(zip(our_second, their_second)):
        label = "upstream gradient" if index == len(arrays) else f"input {index}"
        np.testing.assert_allclose(mine, reference, rtol=RTOL, atol=ATOL, equal_nan=True,
                                   err_msg=f"second-order gradient of {label}")


def compare_values(function: Callable[[Any], Any]) -> None:
    """``function(module)`` in both frameworks: same value(s), shape and dtype.

    A tuple result (``max(dim)``'s values and indices) is compared element by element. NumPy's
    RuntimeWarnings (divide by zero, invalid value) are errors: torch computes IEEE results
    (inf, NaN) silently.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        ours = function(tinygrad_edu)
    theirs = function(torch)
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for index, (mine, reference) in enumerate(zip(ours, theirs)):
            assert_same_values(mine, reference, f"result {index}")
    else:
        assert_same_values(ours, theirs)


def raises_like_torch(function: Callable[[Any], Any], error: type[Exception],
                      match: str) -> None:
    """torch raises ``error`` for ``function(torch)``, and so does tinygrad_edu, matching."""
    with pytest.raises(error):
        function(torch)
    with pytest.raises(error, match=match):
        function(tinygrad_edu)


def f64(module: Any, values: Any) -> Any:
    """A float64 tensor of ``values`` in ``module`` (tinygrad_edu or torch)."""
    return module.tensor(values, dtype=module.float64)


def typed(module: Any, values: Any, dtype: str) -> Any:
    """A tensor of ``values`` with the dtype named ``dtype`` ('uint8', 'bool'...) in module."""
    return module.tensor(values).to(getattr(module, dtype))


# ---------------------------------------------------------------------------------------------
# pow and division
# ---------------------------------------------------------------------------------------------


def test_pow_zero_exponent_has_zero_gradient_even_at_zero_base() -> None:
    """x ** 0: torch's gradient is 0 everywhere, also at x = 0, NaN and inf (not 0 * 0**-1)."""
    compare_with_torch(lambda T, x: x**0, [0.0, 2.0, -1.0, NAN, INF])


def test_pow_one_has_zero_second_derivative_at_zero() -> None:
    """x ** 1: first derivative 1, second derivative 0 at x = 0 (not 1 * 0 * 0**-1 = NaN)."""
    compare_with_torch(lambda T, x: x**1, [0.0, 2.0, -1.0])


def test_pow_small_integer_exponents_at_zero_and_negative_base() -> None:
    """x ** 2, x ** 3, x ** -1, x ** -2 at 0 and at negative bases: torch's values."""
    values = [0.0, 2.0, -1.0, -3.0]
    for exponent in (2, 3, -1, -2, 0.5, 1.5):
        compare_with_torch(lambda T, x: x**exponent, values)


def test_pow_tensor_exponent_at_zero_base() -> None:
    """a ** b with both inputs differentiable, a = 0 or negative: torch's d/da and d/db.

    torch defines d(a**b)/db = 0 at a = 0, b >= 0 and -inf at a = 0, b < 0; its second-order
    gradients there are NaN (log(0) enters them) and are matched too.
    """
    bases = [0.0, 0.0, 0.0, 0.0, -2.0, -2.0, 2.0, 0.0, 0.0]
    exponents = [0.0, 1.0, 2.0, -1.0, 2.0, 0.5, 0.0, 0.5, -0.5]
    compare_with_torch(lambda T, a, b: a**b, bases, exponents)
    compare_with_torch(lambda T, a, b: a**b, [0.0, 0.0, 0.0, 2.0], [0.0, 1.0, 2.0, 0.0],
                       upstream=[INF, INF, INF, INF])


def test_pow_scalar_base_zero_or_negative() -> None:
    """0 ** x and (-2) ** x: d/dx = 0 at 0 ** (x >= 0), -inf at 0 ** (x < 0), NaN for -2."""
    compare_with_torch(lambda T, x: 0.0**x, [0.0, 1.0, -1.0])
    compare_with_torch(lambda T, x: (-2.0)**x, [0.0, 1.0, 2.0, 0.5])
    compare_with_torch(lambda T, x: 1.0**x, [NAN, 2.0])


def test_integer_powers_with_negative_exponents_follow_torch() -> None:
    """A tensor of negative integer exponents gives torch's integer answer (1 / a rounded toward
    zero: 1 for a = 1, ±1 for a = -1, 0 otherwise, 0 included), where NumPy refuses it; a
    negative number as the exponent of integers is refused, as torch refuses it."""
    bases, exponents = [2, 3, -1, -1, 1, 0, 5], [-1, 2, -3, -2, -7, -2, 0]
    compare_values(lambda T: T.tensor(bases) ** T.tensor(exponents))
    compare_values(lambda T: T.tensor(bases).pow_(T.tensor(exponents)))
    compare_values(lambda T: 2 ** T.tensor([-1, 3]))
    compare_values(lambda T: (-1) ** T.tensor([-1, -2, 5]))
    compare_values(lambda T: T.tensor([2, 1], dtype=T.uint8) ** T.tensor([-1, -3]))
    for library in (tinygrad_edu, torch):
        with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
            library.tensor([2]) ** -1
        with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
            library.tensor([2]).pow_(-2)


def test_division_by_zero_like_torch_without_numpy_warnings() -> None:
    """1/0 = inf, -1/0 = -inf, 0/0 = NaN (ints divide as float32); no RuntimeWarning."""
    compare_values(lambda T: 1 / f64(T, [0.0, -0.0, 2.0]))
    compare_values(lambda T: f64(T, [0.0, -1.0, 1.0]) / 0)
    compare_values(lambda T: T.tensor([0, -1, 1]) / T.tensor([0, 0, 0]))
    compare_values(lambda T: f64(T, [0.0, 4.0]).sqrt())
    compare_values(lambda T: f64(T, [0.0, -1.0]).log())
    compare_with_torch(lambda T, a, b: a / b, [0.0, -1.0, 2.0], [0.0, 0.0, -0.0])


# ---------------------------------------------------------------------------------------------
# Masks select: inf/NaN upstream gradients never leak into masked-out positions
# ---------------------------------------------------------------------------------------------


def test_relu_then_sqrt_gives_zero_gradient_where_relu_is_off() -> None:
    """relu(x).sqrt(): sqrt's gradient is inf at 0, relu's mask must drop it, not multiply it.

    torch: x = [-1, 0, 4] gives [0, 0, 0.25] (a 0 * inf product would give NaN).
    """
    compare_with_torch(lambda T, x: x.relu().sqrt().sum(), [-1.0, 0.0, 4.0])


def test_relu_masks_infinite_and_nan_upstream() -> None:
    """Upstream [inf, nan, 1] at x = [-1, 0, 1]: torch's gradient is [0, 0, 1]."""
    compare_with_torch(lambda T, x: x.relu(), [-1.0, 0.0, 1.0], upstream=[INF, NAN, 1.0])


def test_relu_of_nan_passes_the_gradient() -> None:
    """relu(NaN) = NaN, and torch passes the gradient there (its mask is "not x <= 0")."""
    compare_with_torch(lambda T, x: x.relu(), [NAN, -1.0, 0.0, 2.0])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_gradient_is_torchs_bit_for_bit(dtype: str) -> None:
    """relu's gradient selects with an AND of bits (``ops.piecewise.zero_where``): +0 where
    x <= 0 whatever the upstream gradient is there (inf, -inf, NaN, -0), the upstream
    gradient's own bits elsewhere (a -0 stays -0, a NaN stays NaN), and at x = NaN the gradient
    passes; exactly torch's threshold_backward, compared as bits, in float32 and float64."""
    special = [INF, -INF, NAN, -0.0, 0.0, -2.5, 3.0]
    inputs = np.array([[x for x in (-1.0, 0.0, -0.0, NAN, 2.0) for _ in special]], dtype=dtype)
    upstream = np.array([special * 5], dtype=dtype)
    rng = np.random.default_rng(0)  # and a random mask, as in a network, over random values
    inputs = np.concatenate([inputs, rng.standard_normal((1, 35)).astype(dtype)])
    upstream = np.concatenate([upstream, rng.standard_normal((1, 35)).astype(dtype)])
    x = Tensor(inputs, requires_grad=True)
    x.relu().backward(Tensor(upstream))
    torch_x = torch.tensor(inputs, requires_grad=True)
    torch_x.relu().backward(torch.tensor(upstream))
    bits = f"u{np.dtype(dtype).itemsize}"
    expected = torch_x.grad.numpy()
    assert x.grad.dtype == expected.dtype
    np.testing.assert_array_equal(x.grad._data.view(bits), expected.view(bits))


def test_max_all_infinite_upstream_reaches_only_the_maximum() -> None:
    """x.max() with an inf upstream gradient: torch gives [inf, 0, 0], not [inf, nan, nan]."""
    compare_with_torch(lambda T, x: x.max(), [3.0, 1.0, 2.0], upstream=INF)


def test_min_all_infinite_upstream_reaches_only_the_tied_minima() -> None:
    """x.min() with ties and an inf upstream gradient: torch gives [inf, inf, 0]."""
    compare_with_torch(lambda T, x: x.min(), [1.0, 1.0, 3.0], upstream=INF)


def test_max_dim_infinite_upstream_reaches_only_the_returned_index() -> None:
    """x.max(dim)'s gradient goes to the returned index only; the others get exactly 0."""
    compare_with_torch(lambda T, x: x.max(1)[0], [[3.0, 1.0, 3.0], [0.0, 2.0, 1.0]],
                       upstream=[INF, NAN])


def test_min_dim_infinite_upstream_reaches_only_the_returned_index() -> None:
    """x.min(0) with inf and NaN upstream: torch gives 0 everywhere but the returned index."""
    compare_with_torch(lambda T, x: x.min(0)[0], [[3.0, 1.0, 3.0], [1.0, 1.0, 4.0]],
                       upstream=[INF, 1.0, NAN])


def test_maximum_minimum_infinite_upstream_is_masked() -> None:
    """maximum/minimum: the losing input gets 0 under an inf upstream; a tie gets inf / 2."""
    compare_with_torch(lambda T, a, b: T.maximum(a, b), [1.0, 2.0, 2.0], [2.0, 1.0, 2.0],
                       upstream=[INF, INF, INF])
    compare_with_torch(lambda T, a, b: T.minimum(a, b), [1.0, 2.0, 2.0], [2.0, 1.0, 2.0],
                       upstream=[INF, NAN, INF])


def test_clamp_and_where_mask_infinite_upstream() -> None:
    """clamp and where already select: clipped / unselected positions get 0 under inf."""
    compare_with_torch(lambda T, x: x.clamp(-1.0, 1.0), [-2.0, -1.0, 0.0, 1.0, 2.0],
                       upstream=[INF, INF, INF, INF, NAN])
    compare_with_torch(lambda T, a, b: T.where(a > 0, a, b), [1.0, -1.0], [2.0, 3.0],
                       upstream=[INF, NAN])


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_ignored_sample_gets_zero_under_infinite_upstream(
        label_smoothing: float) -> None:
    """A sample whose target is ignore_index gets exactly 0, even for an inf upstream gradient
    (reduction="none"; torch skips ignored samples instead of multiplying them by 0)."""
    targets = np.array([1, -100, 0])

    def loss(T: Any, logits: Any) -> Any:
        return T.nn.functional.cross_entropy(logits, T.tensor(targets), reduction="none",
                                             label_smoothing=label_smoothing)

    logits = [[1.0, 2.0], [3.0, 4.0], [0.0, 1.0]]
    compare_with_torch(loss, logits, upstream=[1.0, INF, 2.0])
    compare_with_torch(loss, logits, upstream=[1.0, NAN, NAN])


def test_abs_follows_torch_sign_at_zero_and_nan() -> None:
    """abs' derivative is torch's sgn(x): sgn(NaN) = 0, so abs(NaN) gets gradient 0.

    At exactly x = 0 torch multiplies the upstream gradient by sgn(0) = 0, so an inf upstream
    gradient gives NaN there; tinygrad_edu does the same (abs' derivative is a sign, -1/0/+1,
    not a selection mask).
    """
    compare_with_torch(lambda T, x: x.abs(), [NAN, -1.0, 0.0, 1.0])
    compare_with_torch(lambda T, x: x.abs(), [NAN, -1.0, 0.0, 1.0], upstream=[1.0, INF, INF, 1.0])


@pytest.mark.parametrize("name", ["relu", "abs", "sign"])
def test_gradients_of_piecewise_ops_made_with_create_graph_follow_torch(name: str) -> None:
    """relu, abs and sign have a second derivative of zero. torch's create_graph gradient of
    relu depends on relu's output, and that of abs on sgn(x), so both require grad and can be
    differentiated again, also when every input is on the flat side; sign's is a constant 0."""
    for values in ([-2.5, 2.25, 0.0], [-2.5, -2.25]):
        results = {}
        for module in (torch, tinygrad_edu):
            x = f64(module, values).requires_grad_()
            output = getattr(x, name)()
            (gradient,) = module.autograd.grad(output.sum(), x, create_graph=True)
            second = None
            if gradient.requires_grad:
                gradient.sum().backward()
                if x.grad is not None:
                    second = (x.grad.numpy(force=True) if module is torch else x.grad.numpy())
            first = gradient.detach().numpy().tolist()
            results[module.__name__] = (first, gradient.requires_grad,
                                        None if second is None else second.tolist())
        assert results["tinygrad_edu"] == results["torch"], f"{name}{values}"


def test_relu_saves_its_output_so_changing_it_in_place_breaks_backward_like_torch() -> None:
    """torch's relu saves its output: changing the output in place makes backward refuse."""
    for module in (torch, tinygrad_edu):
        x = f64(module, [-1.0, 2.0]).requires_grad_()
        y = x.relu()
        y.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()

# ---------------------------------------------------------------------------------------------
# NaN and ties in max/min, maximum/minimum, clamp, argmax/argmin
# ---------------------------------------------------------------------------------------------


def test_max_all_nan_is_the_maximum_and_takes_the_gradient() -> None:
    """torch: tensor([1, nan, 3]).max() is NaN and its gradient is [0, 1, 0]."""
    compare_with_torch(lambda T, x: x.max(), [1.0, NAN, 3.0])
    compare_with_torch(lambda T, x: x.min(), [1.0, NAN, -3.0])


def test_max_all_several_nans_share_the_gradient() -> None:
    """Two NaNs tie for the maximum: torch splits the gradient [0.5, 0.5, 0]."""
    compare_with_torch(lambda T, x: x.max(), [NAN, NAN, 3.0])


def test_max_all_ties_share_the_gradient() -> None:
    """x.max() spreads the gradient equally over tied maxima."""
    compare_with_torch(lambda T, x: x.max(), [[3.0, 1.0], [3.0, 3.0]])


def test_max_dim_nan_returns_the_first_nan_and_its_gradient() -> None:
    """max(dim)/min(dim) over a row with NaN: value NaN, index of the first NaN, gradient there."""
    rows = [[1.0, NAN, 3.0, NAN], [1.0, 3.0, 3.0, 2.0]]
    compare_with_torch(lambda T, x: x.max(1)[0], rows)
    compare_with_torch(lambda T, x: x.min(1)[0], rows)
    compare_values(lambda T: tuple(f64(T, rows).max(1)))
    compare_values(lambda T: tuple(f64(T, rows).min(1)))


def test_max_dim_ties_give_the_gradient_to_the_returned_index() -> None:
    """max(dim) with tied maxima: the first index is returned and takes the whole gradient."""
    compare_with_torch(lambda T, x: x.max(0)[0], [[3.0, 1.0], [3.0, 1.0], [2.0, 1.0]])
    compare_values(lambda T: tuple(f64(T, [[3.0, 1.0], [3.0, 1.0]]).min(0)))


def test_argmax_argmin_return_the_first_nan() -> None:
    """torch's argmax/argmin treat NaN as the extreme and return its first index."""
    values = [1.0, NAN, -3.0, NAN]
    compare_values(lambda T: f64(T, values).argmax())
    compare_values(lambda T: f64(T, values).argmin())
    compare_values(lambda T: f64(T, [[1.0, NAN], [2.0, 1.0]]).argmin(1))


def test_maximum_minimum_nan_gives_the_gradient_to_both_inputs() -> None:
    """torch.maximum(nan, 1) = NaN; torch's masks (a < b, a > b) are both false at a NaN, so
    both inputs get the full gradient. Ties split it half/half."""
    first = [NAN, 1.0, NAN, 2.0, 2.0]
    second = [1.0, NAN, NAN, 2.0, 3.0]
    compare_with_torch(lambda T, a, b: T.maximum(a, b), first, second)
    compare_with_torch(lambda T, a, b: T.minimum(a, b), first, second)


def test_clamp_passes_the_gradient_at_the_bounds_and_not_at_nan() -> None:
    """clamp: gradient where min <= x <= max (the bounds included), 0 at NaN, NaN stays NaN."""
    values = [-2.0, -1.0, 0.0, 1.0, 2.0, NAN]
    compare_with_torch(lambda T, x: x.clamp(-1.0, 1.0), values)
    compare_with_torch(lambda T, x: x.clamp(min=-1.0), values)
    compare_with_torch(lambda T, x: x.clamp(max=1.0), values)
    compare_with_torch(lambda T, x: x.clamp(1.0, -1.0), values)


# ---------------------------------------------------------------------------------------------
# Reductions of 0-d and empty tensors
# ---------------------------------------------------------------------------------------------


def test_max_min_dim_of_a_0d_tensor_return_values_and_indices() -> None:
    """A 0-d tensor reduces over dim 0 or -1 to itself and index 0, with gradient 1."""
    for dim in (0, -1):
        compare_values(lambda T: tuple(f64(T, 3.0).max(dim)))
        compare_values(lambda T: tuple(f64(T, 3.0).min(dim, keepdim=True)))
        compare_with_torch(lambda T, x: x.max(dim)[0], 3.0)
        compare_with_torch(lambda T, x: x.min(dim)[0], 3.0)
    raises_like_torch(lambda T: f64(T, 3.0).max(1), IndexError, "Dimension out of range")


def test_max_min_dim_of_an_empty_tensor_over_a_nonempty_dim() -> None:
    """zeros(0, 2).max(dim=1) is a pair of empty tensors (float64 and int64), like torch."""
    compare_values(lambda T: tuple(T.zeros(0, 2, dtype=T.float64).max(dim=1)))
    compare_values(lambda T: tuple(T.zeros(0, 2, dtype=T.float64).min(dim=-1, keepdim=True)))
    compare_values(lambda T: T.zeros(0, 2, dtype=T.float64).argmax(1))
    compare_with_torch(lambda T, x: x.max(dim=1)[0], np.zeros((0, 2)))


def test_max_min_argmax_over_an_empty_dim_raise_index_error() -> None:
    """Reducing over a dimension of size 0 has no answer: torch raises IndexError."""
    empty = [lambda T: T.zeros(0, 2).max(dim=0), lambda T: T.zeros(0, 2).min(dim=0),
             lambda T: T.zeros(0, 2).argmax(dim=0), lambda T: T.zeros(0, 2).argmin(dim=0)]
    for function in empty:
        raises_like_torch(function, IndexError, "to have non-zero size")
    raises_like_torch(lambda T: T.zeros(0, 2).argmax(), IndexError, "numel\\(\\) == 0")


def test_max_min_of_all_elements_of_an_empty_tensor_raise_runtime_error() -> None:
    """torch: max() of an empty tensor is a RuntimeError asking for a dim."""
    raises_like_torch(lambda T: T.zeros(0).max(), RuntimeError, "Specify the reduction dim")
    raises_like_torch(lambda T: T.zeros(2, 0).min(), RuntimeError, "Specify the reduction dim")


def test_sum_mean_of_0d_and_empty_tensors() -> None:
    """sum of nothing is 0, mean of nothing is NaN; 0-d tensors reduce to themselves."""
    compare_with_torch(lambda T, x: x.sum(0), 3.0)
    compare_with_torch(lambda T, x: x.mean(-1), 3.0)
    compare_with_torch(lambda T, x: x.sum(), np.zeros((0, 2)))
    compare_with_torch(lambda T, x: x.sum(0), np.zeros((0, 2)))
    compare_with_torch(lambda T, x: x.mean(), np.zeros((0, 2)))
    compare_with_torch(lambda T, x: x.mean(0), np.zeros((0, 2)))
    compare_with_torch(lambda T, x: x.mean(1), np.zeros((0, 2)))


def test_var_over_an_empty_dim_is_nan() -> None:
    """var of an empty slice is NaN (torch warns: no degrees of freedom)."""
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        compare_with_torch(lambda T, x: x.var(0), np.zeros((0, 2)))


def test_var_without_degrees_of_freedom_warns_like_torch() -> None:
    """N - correction <= 0: torch returns NaN (0/0) or inf (x/0) and warns once per call."""
    cases = [
        lambda T: f64(T, 2.0).var(),
        lambda T: f64(T, [2.0]).var(),
        lambda T: f64(T, [[2.0], [3.0]]).var(1),
        lambda T: f64(T, [2.0, 3.0]).var(correction=2),
        lambda T: f64(T, [2.0, 3.0]).var(correction=3),
    ]
    for function in cases:
        for module in (torch, tinygrad_edu):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                function(module)
            messages = [f"{warning.category.__name__}: {warning.message}" for warning in caught]
            assert len(messages) == 1, f"{module.__name__}: {messages}"
            assert messages[0].startswith("UserWarning: var(): degrees of freedom is <= 0"), (
                f"{module.__name__}: {messages}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            compare_values(function)
    with pytest.warns(UserWarning, match="degrees of freedom"):
        compare_with_torch(lambda T, x: x.var(), [2.0], second_order=False)


def test_var_of_all_elements_without_degrees_of_freedom_differs_in_its_gradient() -> None:
    """A difference README.md lists: with N - correction <= 0 over all elements, torch's gradient
    is its own special case, g·inf·|x - mean| (inf or NaN), which does not require grad. Ours
    follows the formula through the mean: ±inf - mean(±inf) is NaN everywhere."""
    values = [1.0, 2.0, 4.0]
    gradients = {}
    for module in (torch, tinygrad_edu):
        x = f64(module, values).requires_grad_()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            variance = x.var(correction=3)
        assert variance.item() == INF
        # (NumPy warns of the NaN from inf - inf here, a difference README.md lists.)
        with np.errstate(invalid="ignore"):
            (gradient,) = module.autograd.grad(variance, x, create_graph=True)
        gradients[module.__name__] = (gradient.detach().numpy().tolist(), gradient.requires_grad)
    assert gradients["torch"] == ([INF, INF, INF], False)
    assert np.isnan(gradients["tinygrad_edu"][0]).all() and gradients["tinygrad_edu"][1]


def test_softmax_log_softmax_over_an_empty_dim() -> None:
    """softmax over a dimension of size 0 is an empty tensor of the same shape."""
    compare_with_torch(lambda T, x: x.softmax(0), np.zeros((0, 2)))
    compare_with_torch(lambda T, x: x.log_softmax(0), np.zeros((0, 2)))
    compare_with_torch(lambda T, x: x.softmax(1), np.zeros((0, 2)))


def test_softmax_log_softmax_of_0d_tensors() -> None:
    """A 0-d tensor is its own only class: softmax 1, log_softmax 0."""
    compare_with_torch(lambda T, x: x.softmax(0), 2.0)
    compare_with_torch(lambda T, x: x.log_softmax(-1), 2.0)
    compare_with_torch(lambda T, x: x.logsumexp(0), 2.0)


def test_softmax_with_an_infinite_logit_is_nan_like_torch() -> None:
    """softmax([inf, 1]) is [nan, nan] in torch (inf - inf); an all -inf row is NaN too."""
    compare_with_torch(lambda T, x: x.softmax(0), [INF, 1.0])
    compare_with_torch(lambda T, x: x.log_softmax(0), [INF, 1.0])
    compare_with_torch(lambda T, x: x.softmax(0), [-INF, -INF])
    compare_with_torch(lambda T, x: x.log_softmax(0), [-INF, 1.0])


def batch_of_extreme_logits(classes: int, dtype: str) -> np.ndarray:
    """Rows of ordinary, ±1000, all -inf, +inf-holding, NaN-holding and -0 logits."""
    rng = np.random.default_rng(classes)
    logits = rng.standard_normal((7, classes))
    logits[1] *= 1000
    logits[2] = -INF
    logits[3, 1] = INF
    logits[4, 0] = NAN
    logits[5, ::2] = -INF
    logits[6] = -0.0
    return logits.astype(dtype)


@pytest.mark.parametrize("classes", [10, 40])  # up to 32 classes, the maximum of a transpose
def test_log_softmax_and_cross_entropy_of_extreme_rows(classes: int) -> None:
    """A batch holding every edge of the stable log-softmax at once, on both ways of taking
    the row maximum (``ops.fused.row_maximum``): torch's values (NaN in the all -inf, +inf
    and NaN rows), and no RuntimeWarning from NumPy; in float32 the same NaN rows."""
    logits = batch_of_extreme_logits(classes, "float64")
    labels = np.arange(7) % classes
    compare_values(lambda module: module.tensor(logits).log_softmax(1))
    compare_values(lambda module: module.tensor(logits).softmax(-1))
    for reduction in ("none", "sum", "mean"):
        compare_values(lambda module: module.nn.functional.cross_entropy(
            module.tensor(logits), module.tensor(labels), reduction=reduction))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        single = tinygrad_edu.tensor(batch_of_extreme_logits(classes, "float32")).log_softmax(1)
    double = tinygrad_edu.tensor(logits).log_softmax(1)
    np.testing.assert_array_equal(np.isnan(single.numpy()), np.isnan(double.numpy()))


@pytest.mark.parametrize("classes", [10, 40])
def test_row_maximum_is_numpys_bit_for_bit(classes: int) -> None:
    """The transposed maximum gives the bits of NumPy's own (the -inf rows get ``initial``)."""
    from tinygrad_edu.ops.fused import row_maximum

    logits = batch_of_extreme_logits(classes, "float32")
    for axis in (1, -1, 0):
        expected = np.maximum.reduce(logits, axis=axis, keepdims=True, initial=-3.0)
        result = row_maximum(logits, axis, initial=-3.0)
        assert result.shape == expected.shape
        np.testing.assert_array_equal(result.view("u4"), expected.view("u4"))


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "uint8"])
def test_cross_entropy_op_refuses_labels_outside_the_classes(dtype: str) -> None:
    """The op's own check (a replayed step runs without ``nn.functional``) reads labels as
    unsigned integers: a negative label, as large as any, is refused like one past the end."""
    from tinygrad_edu.ops.loss import check_class_targets

    check_class_targets(np.array([0, 2, 1], dtype=dtype), 3)
    check_class_targets(np.array([], dtype=dtype), 3)
    bad_labels = [[0, 3, 1], [[2], [3]]] + ([] if dtype == "uint8" else [[0, -1], -1])
    for bad in bad_labels:
        with pytest.raises(IndexError, match="class target is out of bounds"):
            check_class_targets(np.array(bad, dtype=dtype), 3)


def test_logsumexp_of_empty_and_infinite_values() -> None:
    """logsumexp of nothing is -inf; of [inf, 1] inf; of [-inf, -inf] -inf."""
    compare_with_torch(lambda T, x: x.logsumexp(0), np.zeros((0, 2)), second_order=False)
    compare_with_torch(lambda T, x: x.logsumexp(0), [INF, 1.0])
    compare_with_torch(lambda T, x: x.logsumexp(0), [-INF, -INF])


# ---------------------------------------------------------------------------------------------
# dtypes of integer and bool tensors
# ---------------------------------------------------------------------------------------------

INTEGER_DTYPES = ["uint8", "int32", "int64", "bool"]
MATRIX = [[1, 0, 3], [4, 5, 0]]


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_sum_of_integers_and_bools_is_int64(dtype: str) -> None:
    """torch sums every integer and bool tensor in int64 (uint8 does not overflow at 255)."""
    compare_values(lambda T: typed(T, MATRIX, dtype).sum())
    compare_values(lambda T: typed(T, MATRIX, dtype).sum(0))
    compare_values(lambda T: typed(T, MATRIX, dtype).sum(1, keepdim=True))
    compare_values(lambda T: typed(T, [200, 100], "uint8").sum())


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_mean_and_var_of_integers_raise(dtype: str) -> None:
    """torch has no integer mean or var: both are RuntimeErrors asking for a float dtype."""
    raises_like_torch(lambda T: typed(T, MATRIX, dtype).mean(), RuntimeError, "floating point")
    raises_like_torch(lambda T: typed(T, MATRIX, dtype).var(), RuntimeError, "floating point")


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_max_min_keep_the_integer_dtype(dtype: str) -> None:
    """max/min (all, dim, elementwise) keep the dtype and are exact for unsigned and bool."""
    compare_values(lambda T: typed(T, MATRIX, dtype).max())
    compare_values(lambda T: typed(T, MATRIX, dtype).min())
    compare_values(lambda T: tuple(typed(T, MATRIX, dtype).max(0)))
    compare_values(lambda T: tuple(typed(T, MATRIX, dtype).min(1)))
    compare_values(lambda T: T.maximum(typed(T, MATRIX, dtype), typed(T, MATRIX[::-1], dtype)))
    compare_values(lambda T: T.minimum(typed(T, MATRIX, dtype), typed(T, MATRIX[::-1], dtype)))


@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64"])
def test_argmin_argmax_of_integers(dtype: str) -> None:
    """argmin of unsigned integers is exact (no wrap-around of a negation)."""
    compare_values(lambda T: typed(T, MATRIX, dtype).argmin(1))
    compare_values(lambda T: typed(T, MATRIX, dtype).argmin())
    compare_values(lambda T: typed(T, MATRIX, dtype).argmax(0))


def test_argmax_argmin_of_bool_raise_like_torch() -> None:
    """torch: argmax()/argmin() do not support bool input (max/min do)."""
    raises_like_torch(lambda T: typed(T, MATRIX, "bool").argmax(), RuntimeError, "bool")
    raises_like_torch(lambda T: typed(T, MATRIX, "bool").argmin(1), RuntimeError, "bool")


def test_relu_of_bool_raises_like_torch() -> None:
    """torch: "Boolean inputs not supported for relu"."""
    raises_like_torch(lambda T: typed(T, [True, False], "bool").relu(), RuntimeError, "Boolean")


def test_clamp_of_integers_promotes_like_torch() -> None:
    """Integer tensors with float bounds clamp in float32; bool with int bounds in int64."""
    compare_values(lambda T: typed(T, [1, 0, 3], "int32").clamp(0.5, 2.5))
    compare_values(lambda T: typed(T, [1, 0, 3], "uint8").clamp(min=0.5))
    compare_values(lambda T: typed(T, [1, 0, 3], "int64").clamp(1, 2))
    compare_values(lambda T: typed(T, [True, False], "bool").clamp(1, 3))


def test_view_refuses_a_shape_that_needs_a_copy_like_torch() -> None:
    """view shares memory or raises (torch's rule); reshape copies instead."""
    cases = [
        lambda x: x.T.view(-1), lambda x: x.T.view(3, 2), lambda x: x[:, ::2].view(-1),
        lambda x: x.expand(2, 2, 3).view(-1), lambda x: x.expand(2, 2, 3).view(2, 6),
        lambda x: x[:, None].expand(2, 4, 3).view(2, 4, 3, 1), lambda x: x.T.view(3, 1, 2),
        lambda x: x[:0].T.view(-1), lambda x: x[:, 1:].view(4), lambda x: x[:, 1:].view(2, 2, 1),
        lambda x: x[:, [0, 0]].view(-1), lambda x: x.T[[1, 0]].view(-1),
    ]
    for number, case in enumerate(cases):
        outcomes = []
        for module in (torch, tinygrad_edu):
            x = module.arange(6.0).reshape(2, 3)
            try:
                outcomes.append(tuple(case(x).shape))
            except RuntimeError as error:
                assert "view size is not compatible" in str(error)
                outcomes.append("refused")
        assert outcomes[0] == outcomes[1], f"case {number}: torch {outcomes[0]}, ours {outcomes[1]}"


# ---------------------------------------------------------------------------------------------
# Differences README.md lists: each pinned, with torch's side asserted too
# ---------------------------------------------------------------------------------------------


def test_writes_into_an_expanded_view_are_refused_where_torch_allows_fill_and_masks() -> None:
    """torch refuses add_ into an expanded view but lets fill_ and masked assignment through
    (every alias gets the same value); tinygrad_edu refuses all three with torch's error. An
    empty expanded view has nothing to write: both allow it."""
    writes = {
        "fill_": lambda e: e.fill_(5.0),
        "mask": lambda e: e.__setitem__(e > 1.5, 0.0),
        "add_": lambda e: e.add_(1.0),
    }
    expected = {"torch": {"fill_": True, "mask": True, "add_": False},
                "tinygrad_edu": {"fill_": False, "mask": False, "add_": False}}
    for module in (torch, tinygrad_edu):
        for name, write in writes.items():
            expanded = f64(module, [1.0, 2.0]).expand(3, 2)
            try:
                with warnings.catch_warnings():
                    # torch allows these writes, with a warning that they are deprecated
                    warnings.simplefilter("ignore", UserWarning)
                    write(expanded)
                allowed = True
            except RuntimeError as error:
                assert str(error).startswith("unsupported operation: more than one element of "
                                             "the written-to tensor refers to a single memory")
                allowed = False
            assert allowed == expected[module.__name__][name], f"{module.__name__} {name}"
        empty = module.zeros(0, dtype=module.float64).expand(2, 0)
        assert empty.mul_(2.0).shape == (2, 0)


def test_returned_gradients_never_share_memory_where_torch_may() -> None:
    """The gradient of x through the alias v = x[()] is, in torch, the very gradient given for
    v: changing one in place changes the other. tinygrad_edu returns separate tensors."""
    results = {}
    for module in (torch, tinygrad_edu):
        x = f64(module, [1.0, 2.0]).requires_grad_()
        alias = x[()]
        grad_x, grad_alias = module.autograd.grad([alias], [x, alias], [f64(module, [1.0, 1.0])])
        grad_x.mul_(3)
        results[module.__name__] = grad_alias.tolist()
    assert results == {"torch": [3.0, 3.0], "tinygrad_edu": [1.0, 1.0]}


def test_second_backward_is_refused_where_an_op_here_saves_what_torch_does_not() -> None:
    """mean is one op in torch and saves nothing, so a second backward works there; here it is a
    sum times 1/n, whose graph is freed by the first backward."""
    outcomes = {}
    for module in (torch, tinygrad_edu):
        x = f64(module, [1.0, 2.0]).requires_grad_()
        y = x.mean()
        y.backward()
        try:
            y.backward()
            outcomes[module.__name__] = "ran"
        except RuntimeError as error:
            assert "Trying to backward through the graph a second time" in str(error)
            outcomes[module.__name__] = "refused"
    assert outcomes == {"torch": "ran", "tinygrad_edu": "refused"}


def test_a_write_into_memory_the_value_overlaps_is_refused_where_torch_allows_it() -> None:
    """``x[None] = x[1]`` writes one element of x into all of x: torch allows it (its overlap
    rule depends on memory layout), tinygrad_edu refuses it with torch's error. Both refuse a
    shifted copy such as ``x[1:3].copy_(x[0:2])``."""
    outcomes = {}
    for module in (torch, tinygrad_edu):
        results = []
        for write in (lambda x: x.__setitem__(None, x[1]), lambda x: x[1:3].copy_(x[0:2])):
            x = f64(module, [1.0, 2.0, 3.0, 4.0])
            try:
                write(x)
                results.append("ran")
            except RuntimeError as error:
                assert "refer to a single memory location" in str(error)
                results.append("refused")
        outcomes[module.__name__] = results
    assert outcomes == {"torch": ["ran", "refused"], "tinygrad_edu": ["refused", "refused"]}


def test_a_single_row_times_a_batch_is_a_view_only_in_torch() -> None:
    """torch computes (1, n) @ (b, n, m) through a transposed product and returns a view of it;
    made under no_grad, that view may not be changed in place with grad mode on. Here the
    product is an ordinary tensor, so the change is recorded."""
    outcomes = {}
    for module in (torch, tinygrad_edu):
        with module.no_grad():
            product = module.ones(1, 4, requires_grad=True) @ module.ones(2, 4, 5)
        try:
            product.add_(module.tensor(1.0, requires_grad=True))
            outcomes[module.__name__] = "recorded"
        except RuntimeError as error:
            assert "A view was created in no_grad mode" in str(error)
            outcomes[module.__name__] = "refused"
    assert outcomes == {"torch": "refused", "tinygrad_edu": "recorded"}


def test_sqrt_derivative_is_written_with_the_output_like_torch() -> None:
    """torch's sqrt derivative is 1 / (2 sqrt(x)): -inf at x = -0.0 (where x ** 0.5's is +inf),
    NaN for x < 0; the second derivative agrees too."""
    compare_with_torch(lambda T, x: x.sqrt(), [-0.0, 0.0, 4.0, -1.0])
    compare_with_torch(lambda T, x: x ** 0.5, [-0.0, 0.0, 4.0])


def test_adding_into_a_zero_gradient_of_sign_works_where_torch_refuses() -> None:
    """After differentiating abs' gradient, torch's x.grad is an immutable ZeroTensor and the
    next backward cannot add into it; tinygrad_edu adds."""
    outcomes = {}
    for module in (torch, tinygrad_edu):
        x = f64(module, [0.5, -2.0]).requires_grad_()
        (gradient,) = module.autograd.grad(x.abs().sum(), x, create_graph=True)
        gradient.sum().backward()
        try:
            x.sum().backward()
            outcomes[module.__name__] = x.grad.tolist()
        except RuntimeError as error:
            assert "ZeroTensors are immutable" in str(error)
            outcomes[module.__name__] = "refused"
    assert outcomes == {"torch": "refused", "tinygrad_edu": [1.0, 1.0]}


def test_writes_at_array_indices_need_the_same_dtype_like_torch() -> None:
    """torch's index_put does not convert a tensor value (a masked fill of one value does);
    writes at slices convert it."""
    indices = {"mask": lambda T, v: v == 0, "row_mask": lambda T, v: T.tensor([True, False]),
               "integers": lambda T, v: T.tensor([0]), "slice": lambda T, v: slice(0, 1)}
    values = {"0-d float32": lambda T: T.tensor(1.0, dtype=T.float32),
              "row float32": lambda T: T.ones(4, dtype=T.float32),
              "one float32": lambda T: T.ones(1, dtype=T.float32),
              "python float": lambda T: 2.0}
    for index_name, index in indices.items():
        for value_name, value in values.items():
            outcomes = []
            for module in (torch, tinygrad_edu):
                target = module.zeros(2, 4, dtype=module.float64)
                try:
                    target[index(module, target)] = value(module)
                    outcomes.append(target.tolist())
                except RuntimeError:
                    outcomes.append("raises")
            assert outcomes[0] == outcomes[1], f"{index_name}, {value_name}: {outcomes}"


@pytest.mark.parametrize("operation", ["mul_", "add_", "sub_", "div_", "copy_", "setitem"])
def test_in_place_ops_with_a_float32_operand_on_float64_give_float32_gradients(
        operation: str) -> None:
    """The in-place op computes in the promoted dtype; the operand's gradient keeps its dtype."""
    results = {}
    for module in (torch, tinygrad_edu):
        target = module.tensor([[0, 1]], dtype=module.int64).double()
        operand = module.tensor([[2.0]], dtype=module.float32, requires_grad=True)
        if operation == "setitem":
            target[0] = operand[0]
        elif operation == "copy_":
            target.copy_(operand.expand(1, 2))
        else:
            getattr(target, operation)(operand)
        target.backward(module.ones(1, 2, dtype=module.float64))
        results[module.__name__] = (dtype_name(operand.grad.dtype), operand.grad.tolist(),
                                    target.tolist())
    assert results["tinygrad_edu"] == results["torch"]


def test_zero_power_gradient_is_constant_only_for_a_number_exponent() -> None:
    """x ** 0 (a number) has a constant zero gradient; x ** tensor(0.) a selected one that
    requires grad under create_graph (torch's two formulas)."""
    for exponent in ("number", "tensor"):
        results = []
        for module in (torch, tinygrad_edu):
            x = f64(module, 0.0).requires_grad_()
            power = 0 if exponent == "number" else f64(module, 0.0)
            (gradient,) = module.autograd.grad(x ** power, x, create_graph=True)
            results.append((gradient.item(), gradient.requires_grad))
        assert results[0] == results[1], f"{exponent}: torch {results[0]}, ours {results[1]}"


# A comparison with a Python number or a tensor of another dtype is made in the promoted dtype.
COMPARED_DTYPES = ["float16", "float32", "float64", "int32", "int64", "uint8", "bool"]
COMPARED_VALUES = [0.0, 0.1, 1.0, 16777217.0, 0.0999755859375, 1.5, -1.0, 255.0, 200.0]


@pytest.mark.parametrize("dtype", COMPARED_DTYPES)
@pytest.mark.parametrize("operator", ["__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"])
def test_comparisons_promote_as_torch_does(dtype: str, operator: str) -> None:
    """``tensor([0.1]) == 0.1`` is True in torch (0.1 becomes float32 first); comparing in
    float64, as NumPy alone would, gives False. Numbers and 0-d and 1-d tensors of every dtype."""
    with np.errstate(all="ignore"):
        values = np.array(COMPARED_VALUES).astype(dtype)
    ours, theirs = tinygrad_edu.tensor(values), torch.tensor(values)
    numbers = [0, 1, -1, 255, 256, 0.1, 0.5, 1e5, 16777216.0, 2 ** 40, True, False,
               float("inf"), float("nan"), -0.0, 3.3e38]
    with np.errstate(all="ignore"):  # NumPy's overflow warnings of casts (torch is silent)
        for number in numbers:
            assert (getattr(ours, operator)(number).tolist()
                    == getattr(theirs, operator)(number).tolist()), number
        for other_dtype in COMPARED_DTYPES:
            for other in (np.array(1.0).astype(other_dtype), np.ones(len(values), other_dtype)):
                assert (getattr(ours, operator)(tinygrad_edu.tensor(other)).tolist()
                        == getattr(theirs, operator)(torch.tensor(other)).tolist()), other.dtype


def test_abs_of_bools_raises_and_sign_of_bools_is_themselves_like_torch() -> None:
    """torch has no abs of bools (NotImplementedError); the sign of a bool is the bool."""
    for library in (tinygrad_edu, torch):
        with pytest.raises(NotImplementedError):
            library.tensor([True, False]).abs()
    ours, theirs = tinygrad_edu.tensor([True, False]).sign(), torch.tensor([True, False]).sign()
    assert ours.tolist() == theirs.tolist() == [True, False]
    assert str(ours.dtype) == "bool" and theirs.dtype == torch.bool


def test_any_and_all_of_uint8_are_uint8_like_torch() -> None:
    """torch answers any()/all() of a uint8 tensor with a uint8 0 or 1 (bool for the rest)."""
    for values in ([0, 7, 255], [0, 0], [3, 4]):
        for name in ("any", "all"):
            ours = getattr(tinygrad_edu.tensor(values, dtype=tinygrad_edu.uint8), name)()
            theirs = getattr(torch.tensor(values, dtype=torch.uint8), name)()
            assert ours.item() == theirs.item() and str(ours.dtype) == "uint8", (values, name)
    assert str(tinygrad_edu.tensor([1, 0]).any().dtype) == "bool"


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_of_integers_raises_like_torch(name: str) -> None:
    """torch has no softmax of integer or bool tensors; converting them silently to float32
    (as this library did) answered where torch raises."""
    for values in ([1, 2, 3], [True, False]):
        with pytest.raises(NotImplementedError, match=name):
            getattr(tinygrad_edu.tensor(values), name)(0)
        with pytest.raises(NotImplementedError):
            getattr(torch.tensor(values), name)(0)


def test_float16_var_std_and_norm_are_computed_in_float32_like_torch() -> None:
    """A float16 square overflows from 256 on: torch computes these reductions in float32 and
    rounds once (here they were inf). Values equal torch's; gradients to float16's last bit
    (the five outputs' contributions are added in float16, in another order than torch's)."""
    values = [[1.5, 2.25, 300.0], [7.0, -3.0, 0.5]]
    results = []
    for library in (tinygrad_edu, torch):
        x = library.tensor(values, dtype=library.float16, requires_grad=True)
        outputs = [x.std(1), x.var(0, False), x.norm(), x.norm(dim=0), x.std()]
        sum(output.sum() for output in outputs).backward()
        results.append(([output.tolist() for output in outputs], x.grad.tolist()))
    assert results[0][0] == results[1][0]
    assert np.allclose(results[0][1], results[1][1], rtol=2e-3, atol=0)
    assert np.isfinite(results[0][1]).all()


def test_std_of_float32_beyond_the_range_of_squares_is_inf_where_torch_is_finite() -> None:
    """Known difference (README): float32 deviations above about 1.8e19 square to inf, so std
    is inf here; torch computes in float64 and rounds the root to float32 (var is inf in
    both)."""
    values = [-2.5, 0.0, 1e30]
    with np.errstate(over="ignore"):  # NumPy's overflow warning (torch is silent)
        ours = tinygrad_edu.tensor(values).std()
        our_variance = tinygrad_edu.tensor(values).var()
    theirs = torch.tensor(values).std()
    assert ours.item() == INF and theirs.item() == pytest.approx(5.7735e29, rel=1e-4)
    assert our_variance.item() == torch.tensor(values).var().item() == INF


def test_a_write_at_array_indices_of_a_value_in_the_same_memory_is_refused() -> None:
    """``x[[1, 0]] = x`` would read x while overwriting it: torch refuses it, and so does
    tinygrad_edu (which wrote a copy of the old x). With the value an expanded view of all of
    x (the fuzzer's program below), torch's layout rule lets the write through and its answer
    depends on the order of the writes (the zeros below); tinygrad_edu refuses that too."""
    for module in (torch, tinygrad_edu):
        x = f64(module, [1.0, 2.0])
        with pytest.raises(RuntimeError, match="refer to a single memory location"):
            x[[1, 0]] = x
    outcomes = {}
    for module in (torch, tinygrad_edu):
        target = module.maximum(f64(module, [[[0.0, 0.0]], [[0.0, 0.0]]]),
                                f64(module, [[[0.0, 0.25]]]))
        try:
            target[:, module.tensor([[0, 0], [0, 0]]), 1:] = target[..., None]
            outcomes[module.__name__] = target.tolist()
        except RuntimeError as error:
            assert "refer to a single memory location" in str(error)
            outcomes[module.__name__] = "refused"
    assert outcomes == {"torch": [[[0.0, 0.0]], [[0.0, 0.0]]], "tinygrad_edu": "refused"}
