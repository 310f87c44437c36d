"""Normalisation layers (BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm) and Dropout2d.

Three oracles, as everywhere: torch (float64, 1e-10) for the layers' outputs, gradients of
first and second order, running statistics over several train and eval steps and every option;
hand-derived facts (a batch-normalised channel has mean 0 and variance σ²/(σ² + eps), its input
gradient sums to 0, the article's closed formula for dx, the running averages by hand); and
central differences through the public test kit (``check_function``). The functional forms
(``F.batch_norm``, ``F.layer_norm``, ``F.group_norm``) are also in the shared op table
(``tests/op_cases.py``, ``NORMALIZATION_CASES``), which runs them through test_ops_vs_torch.py
and test_finite_differences.py. Then state dicts (torch's keys and dtypes, both directions),
dtype conversion, errors (torch's types; messages that name the layer, the shapes and the fix)
and Dropout2d's channel masks, scaling, warnings and seeding.
"""

from __future__ import annotations

import io
import math
import warnings
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tge
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F
from tinygrad_edu.testing import check_function

torch = pytest.importorskip("torch")

RTOL = 1e-10
ATOL = 1e-10


def assert_close(ours: Any, theirs: Any, rtol: float = RTOL, atol: float = ATOL) -> None:
    """Our Tensor equals torch's tensor (values, shape, dtype)."""
    actual = ours._data if isinstance(ours, tge.Tensor) else np.asarray(ours)
    expected = theirs.detach().numpy()
    assert actual.shape == expected.shape
    assert actual.dtype == expected.dtype
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


def grad_of(tensor: tge.Tensor) -> np.ndarray:
    """The array of ``tensor.grad``, which the test expects to exist."""
    assert tensor.grad is not None
    return tensor.grad.numpy()


def random_array(*shape: int, seed: int = 0, scale: float = 1.0,
                 shift: float = 0.0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape) * scale + shift


def give_random_parameters(ours: nn.Module, theirs: Any, seed: int = 5) -> None:
    """The same random parameter values in both modules (not torch's 1 and 0: an identity
    affine map would hide a mistake in γ's or β's gradient)."""
    for index, ((name, ours_parameter), (their_name, theirs_parameter)) in enumerate(zip(
            ours.named_parameters(), theirs.named_parameters())):
        assert name == their_name
        values = random_array(*ours_parameter.shape, seed=seed + index)
        with tge.no_grad():
            ours_parameter.copy_(tge.tensor(values, dtype=ours_parameter.dtype))
        with torch.no_grad():
            theirs_parameter.copy_(torch.from_numpy(values))


def assert_step_matches(ours: nn.Module, theirs: Any, array: np.ndarray,
                        upstream: np.ndarray) -> None:
    """One forward and backward of both modules on ``array``: outputs, input and parameter
    gradients, and every buffer (running statistics, num_batches_tracked) agree."""
    x, torch_x = tge.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)
    output, torch_output = ours(x), theirs(torch_x)
    assert_close(output, torch_output)
    output.backward(tge.tensor(upstream))
    torch_output.backward(torch.tensor(upstream))
    assert_close(x.grad, torch_x.grad)
    for (name, parameter), (_, torch_parameter) in zip(ours.named_parameters(),
                                                       theirs.named_parameters()):
        assert_close(parameter.grad, torch_parameter.grad)
    ours_buffers, theirs_buffers = dict(ours.named_buffers()), dict(theirs.named_buffers())
    assert list(ours_buffers) == list(theirs_buffers)
    for name, buffer in ours_buffers.items():
        assert_close(buffer, theirs_buffers[name])
        assert not buffer.requires_grad


# ----------------------------------------------------------------------- batch norm vs torch
BATCH_NORM_SETUPS = [
    ("1d_rows", "BatchNorm1d", (6, 3), {}),
    ("1d_sequences", "BatchNorm1d", (4, 3, 5), {}),
    ("2d", "BatchNorm2d", (4, 3, 2, 3), {}),
    ("2d_momentum_none", "BatchNorm2d", (3, 2, 2, 2), {"momentum": None}),
    ("2d_momentum_half", "BatchNorm2d", (3, 2, 2, 2), {"momentum": 0.5}),
    ("2d_momentum_zero", "BatchNorm2d", (3, 2, 2, 2), {"momentum": 0.0}),
    ("2d_eps", "BatchNorm2d", (2, 3, 2, 2), {"eps": 0.3}),
    ("2d_affine_false", "BatchNorm2d", (4, 3, 2, 2), {"affine": False}),
    ("1d_bias_false", "BatchNorm1d", (5, 4), {"bias": False}),
    ("2d_no_running_stats", "BatchNorm2d", (4, 3, 2, 2), {"track_running_stats": False}),
    ("1d_no_running_stats_no_affine", "BatchNorm1d", (5, 2, 3),
     {"track_running_stats": False, "affine": False}),
    ("1d_batch_of_one_sequence", "BatchNorm1d", (1, 3, 4), {}),
]


@pytest.mark.parametrize("name, layer, shape, options", BATCH_NORM_SETUPS,
                         ids=[setup[0] for setup in BATCH_NORM_SETUPS])
def test_batch_norm_train_and_eval_steps_match_torch(name: str, layer: str,
                                                     shape: tuple[int, ...],
                                                     options: dict[str, Any]) -> None:
    """Four training steps, two eval steps, one more training step: outputs, gradients and
    buffers after each equal torch's (batches of different means and scales, so the running
    statistics move)."""
    channels = shape[1]
    ours = getattr(nn, layer)(channels, dtype=tge.float64, **options)
    theirs = getattr(torch.nn, layer)(channels, dtype=torch.float64, **options)
    give_random_parameters(ours, theirs)
    modes = ["train"] * 4 + ["eval"] * 2 + ["train"]
    for step, mode in enumerate(modes):
        ours.train(mode == "train")
        theirs.train(mode == "train")
        array = random_array(*shape, seed=10 + step, scale=1.0 + step, shift=step - 2.0)
        assert_step_matches(ours, theirs, array, random_array(*shape, seed=50 + step))
        ours.zero_grad()
        theirs.zero_grad()
    if ours.num_batches_tracked is not None:
        assert ours.num_batches_tracked.item() == 5
        assert ours.num_batches_tracked.dtype == np.int64


def test_batch_norm_float32_matches_torch() -> None:
    """float32 stays float32 (output, gradients, buffers) and agrees with torch's float32."""
    ours, theirs = nn.BatchNorm2d(4), torch.nn.BatchNorm2d(4)
    array = random_array(8, 4, 3, 3, seed=1, scale=2.0, shift=1.0).astype(np.float32)
    for _ in range(2):
        x = tge.tensor(array, requires_grad=True)
        torch_x = torch.tensor(array, requires_grad=True)
        output, torch_output = ours(x), theirs(torch_x)
        output.sum().backward()
        (torch_output * 1.0).sum().backward()
        assert output.dtype == np.float32 and grad_of(x).dtype == np.float32
        assert_close(output, torch_output, rtol=1e-5, atol=1e-5)
        assert_close(x.grad, torch_x.grad, rtol=1e-5, atol=1e-5)
        assert_close(ours.running_var, theirs.running_var, rtol=1e-6, atol=1e-6)
        assert_close(ours.weight.grad, theirs.weight.grad, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("eps", [1e-5, 0.5])
def test_batch_norm_near_constant_channel_matches_torch(eps: float) -> None:
    """A channel whose values differ by 1e-4 (σ² well below eps) and a constant one: eps
    dominates, and values and gradients of both orders still agree with torch."""
    array = np.stack([np.full((4, 3), 2.0), 2.0 + 1e-4 * random_array(4, 3, seed=3)], axis=1)
    upstream = random_array(4, 2, 3, seed=4)
    x, torch_x = tge.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)
    output = F.batch_norm(x, None, None, training=True, eps=eps)
    torch_output = torch.nn.functional.batch_norm(torch_x, None, None, training=True, eps=eps)
    assert_close(output, torch_output)
    (gradient,) = tge.autograd.grad(output, [x], tge.tensor(upstream), create_graph=True)
    (torch_gradient,) = torch.autograd.grad(torch_output, [torch_x], torch.tensor(upstream),
                                            create_graph=True)
    assert_close(gradient, torch_gradient)
    direction = random_array(4, 2, 3, seed=6)
    (second,) = tge.autograd.grad((gradient * tge.tensor(direction)).sum(), [x])
    (torch_second,) = torch.autograd.grad((torch_gradient * torch.tensor(direction)).sum(),
                                          [torch_x])
    # Second derivatives here are of the order of 1/σ³ ≈ 3e7: 1e-10 relative to that.
    assert_close(second, torch_second, rtol=1e-9, atol=1e-9)


def test_functional_batch_norm_updates_the_given_buffers_in_place() -> None:
    """F.batch_norm writes into the very tensors it is given (same objects, new version), like
    torch; eval leaves them alone."""
    array = random_array(5, 3, 2, seed=2, scale=3.0, shift=1.0)
    running_mean = tge.zeros(3, dtype=tge.float64)
    running_var = tge.ones(3, dtype=tge.float64)
    mean_view = running_mean[1:]  # a view sees the update as well
    version = running_mean._version.value
    torch_mean = torch.zeros(3, dtype=torch.float64)
    torch_var = torch.ones(3, dtype=torch.float64)
    for _ in range(3):
        F.batch_norm(tge.tensor(array), running_mean, running_var, training=True, momentum=0.2)
        torch.nn.functional.batch_norm(torch.tensor(array), torch_mean, torch_var,
                                       training=True, momentum=0.2)
    assert_close(running_mean, torch_mean)
    assert_close(running_var, torch_var)
    assert running_mean._version.value > version
    np.testing.assert_array_equal(mean_view.numpy(), running_mean.numpy()[1:])
    before = running_mean.numpy().copy()
    F.batch_norm(tge.tensor(array), running_mean, running_var, training=False)
    np.testing.assert_array_equal(running_mean.numpy(), before)


def test_empty_batch_leaves_running_statistics_like_torch() -> None:
    ours, theirs = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    output = ours(tge.zeros(0, 3))
    torch_output = theirs(torch.zeros(0, 3))
    assert tuple(output.shape) == tuple(torch_output.shape) == (0, 3)
    assert ours.running_mean.tolist() == theirs.running_mean.tolist() == [0.0, 0.0, 0.0]
    assert ours.running_var.tolist() == theirs.running_var.tolist() == [1.0, 1.0, 1.0]
    assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 1


# ------------------------------------------------------------- hypothesis: gradients vs torch
def gradients_to_second_order(output: Any, inputs: list[Any], upstream: Any, direction: Any,
                              grad: Callable[..., Any]) -> list[Any]:
    """First-order gradients vᵀJ (with create_graph) and the gradients of <vᵀJ, u> with
    respect to every input and to v (a leaf that requires grad): what a second-order test
    compares."""
    first = list(grad(output, inputs, upstream, create_graph=True, allow_unused=True))
    inner = sum((gradient * part).sum() for gradient, part in zip(first, direction)
                if gradient is not None)
    second = list(grad(inner, [*inputs, upstream], allow_unused=True))
    return first + second


def assert_gradients_match(ours: list[Any], theirs: list[Any]) -> None:
    for index, (mine, torchs) in enumerate(zip(ours, theirs)):
        if torchs is None:  # torch knows the gradient is 0 (β does not reach the gradient)
            assert mine is None or np.allclose(mine._data, 0.0, atol=ATOL), index
        else:
            assert mine is not None, index
            assert_close(mine, torchs)


@st.composite
def normalization_problems(draw: st.DrawFn) -> dict[str, Any]:
    """A layer (with options), an input shape for it, and whether to evaluate after one
    training step."""
    kind = draw(st.sampled_from(["BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm"]))
    channels = draw(st.integers(1, 3))
    batch = draw(st.integers(2, 4))
    spatial = {"BatchNorm1d": draw(st.lists(st.integers(1, 3), max_size=1)),
               "BatchNorm2d": draw(st.lists(st.integers(1, 3), min_size=2, max_size=2))}.get(
        kind, draw(st.lists(st.integers(1, 3), max_size=2)))
    shape = (batch, channels, *spatial)
    options: dict[str, Any]
    if kind == "LayerNorm":
        count = draw(st.integers(1, len(shape) - 1))
        arguments: tuple[Any, ...] = (shape[len(shape) - count:],)
        options = {"elementwise_affine": draw(st.booleans()), "bias": draw(st.booleans())}
    elif kind == "GroupNorm":
        groups = draw(st.sampled_from([size for size in (1, 2, 3) if channels % size == 0]))
        arguments = (groups, channels)
        options = {"affine": draw(st.booleans())}
    else:
        arguments = (channels,)
        options = {"affine": draw(st.booleans()),
                   "track_running_stats": draw(st.booleans()),
                   "momentum": draw(st.sampled_from([0.1, 0.7, None]))}
    seed = draw(st.integers(0, 2**16))
    return {"kind": kind, "arguments": arguments, "options": options, "shape": shape,
            "evaluate": draw(st.booleans()), "seed": seed}


@given(problem=normalization_problems())
def test_layer_gradients_of_both_orders_match_torch(problem: dict[str, Any]) -> None:
    """Any of the four layers, any options, train or eval (after a training step): the output,
    vᵀJ for the input and every parameter, and the gradients of <vᵀJ, u>, all as torch's."""
    kind, shape, seed = problem["kind"], problem["shape"], problem["seed"]
    ours = getattr(nn, kind)(*problem["arguments"], dtype=tge.float64, **problem["options"])
    theirs = getattr(torch.nn, kind)(*problem["arguments"], dtype=torch.float64,
                                     **problem["options"])
    give_random_parameters(ours, theirs, seed)
    if problem["evaluate"]:
        warm_up = random_array(*shape, seed=seed + 1, scale=2.0, shift=0.5)
        with tge.no_grad():
            ours(tge.tensor(warm_up))
        with torch.no_grad():
            theirs(torch.tensor(warm_up))
        ours.eval()
        theirs.eval()
    array = random_array(*shape, seed=seed + 2)
    x, torch_x = tge.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)
    output, torch_output = ours(x), theirs(torch_x)
    assert_close(output, torch_output)
    inputs = [x, *ours.parameters()]
    torch_inputs = [torch_x, *theirs.parameters()]
    upstream = random_array(*shape, seed=seed + 3)
    direction = [random_array(*tensor.shape, seed=seed + 4 + index)
                 for index, tensor in enumerate(inputs)]
    ours_gradients = gradients_to_second_order(
        output, inputs, tge.tensor(upstream, requires_grad=True),
        [tge.tensor(part) for part in direction], tge.autograd.grad)
    theirs_gradients = gradients_to_second_order(
        torch_output, torch_inputs, torch.tensor(upstream, requires_grad=True),
        [torch.tensor(part) for part in direction], torch.autograd.grad)
    assert_gradients_match(ours_gradients, theirs_gradients)


# ------------------------------------------------------------------------- hand-derived facts
def test_batch_norm_output_has_mean_zero_and_unit_biased_variance_per_channel() -> None:
    """x̂ = (x - μ)/sqrt(σ² + eps): each channel's mean is 0 and its biased variance
    σ²/(σ² + eps), 1 up to eps; γ and β then set them to β and γ² σ²/(σ² + eps)."""
    array = random_array(6, 3, 4, 4, seed=7, scale=5.0, shift=3.0)
    layer = nn.BatchNorm2d(3, dtype=tge.float64, eps=1e-5)
    output = layer(tge.tensor(array)).detach().numpy()
    variance = array.var(axis=(0, 2, 3))
    np.testing.assert_allclose(output.mean(axis=(0, 2, 3)), 0.0, atol=1e-12)
    np.testing.assert_allclose(output.var(axis=(0, 2, 3)), variance / (variance + 1e-5),
                               rtol=1e-12)
    with tge.no_grad():
        layer.weight.copy_(tge.tensor([2.0, -1.0, 0.5], dtype=tge.float64))
        layer.bias.copy_(tge.tensor([1.0, 0.0, -3.0], dtype=tge.float64))
    output = layer(tge.tensor(array)).detach().numpy()
    np.testing.assert_allclose(output.mean(axis=(0, 2, 3)), [1.0, 0.0, -3.0], atol=1e-12)
    np.testing.assert_allclose(output.var(axis=(0, 2, 3)),
                               np.array([4.0, 1.0, 0.25]) * variance / (variance + 1e-5),
                               rtol=1e-12)


def article_batch_norm_gradients(x: np.ndarray, gamma: np.ndarray, dy: np.ndarray,
                                 eps: float) -> tuple[np.ndarray, ...]:
    """The closed formulas, per channel over axes (0, 2, ...) with m values:
    dx = (1/m)·γ/σ·(m·dy − Σdy − x̂·Σ(dy·x̂)), dγ = Σ dy·x̂, dβ = Σ dy."""
    axes = (0, *range(2, x.ndim))
    m = x.size // x.shape[1]
    kept = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    sigma = np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    x_hat = (x - x.mean(axis=axes, keepdims=True)) / sigma
    sum_dy = dy.sum(axis=axes, keepdims=True)
    sum_dy_x_hat = (dy * x_hat).sum(axis=axes, keepdims=True)
    dx = gamma.reshape(kept) / sigma / m * (m * dy - sum_dy - x_hat * sum_dy_x_hat)
    return dx, sum_dy_x_hat.reshape(-1), sum_dy.reshape(-1)


def test_batch_norm_gradients_are_the_article_formulas() -> None:
    array = random_array(5, 3, 2, 2, seed=8, scale=2.0)
    gamma = np.array([1.5, -0.5, 2.0])
    upstream = random_array(5, 3, 2, 2, seed=9)
    layer = nn.BatchNorm2d(3, dtype=tge.float64, eps=1e-3)
    with tge.no_grad():
        layer.weight.copy_(tge.tensor(gamma))
    x = tge.tensor(array, requires_grad=True)
    layer(x).backward(tge.tensor(upstream))
    dx, dgamma, dbeta = article_batch_norm_gradients(array, gamma, upstream, 1e-3)
    np.testing.assert_allclose(grad_of(x), dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad.numpy(), dgamma, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.bias.grad.numpy(), dbeta, rtol=1e-12, atol=1e-12)
    # Per channel Σ dx = 0: shifting a channel by a constant does not change x̂, so it cannot
    # change the loss. Along x̂ only eps is left: with s² = σ² + eps and Σ x̂² = m σ²/s²,
    # Σ dx·x̂ = (γ/(s m))·Σ(dy·x̂)·(m − Σ x̂²) = (γ/s)·Σ(dy·x̂)·eps/s² (0 for eps = 0: scaling a
    # channel about its mean would not change x̂ either).
    variance = array.var(axis=(0, 2, 3), keepdims=True)
    x_hat = (array - array.mean(axis=(0, 2, 3), keepdims=True)) / np.sqrt(variance + 1e-3)
    np.testing.assert_allclose(grad_of(x).sum(axis=(0, 2, 3)), 0.0, atol=1e-12)
    s_squared = variance.reshape(-1) + 1e-3
    np.testing.assert_allclose((grad_of(x) * x_hat).sum(axis=(0, 2, 3)),
                               gamma / np.sqrt(s_squared) * dgamma * 1e-3 / s_squared,
                               rtol=1e-10)


def test_batch_norm_of_two_values_is_plus_minus_one_and_nearly_constant() -> None:
    """Two values a < b: μ = (a+b)/2, σ² = ((b-a)/2)², so x̂ = ∓1/sqrt(1 + eps/σ²) whatever a
    and b are; the gradient is therefore only eps's doing. By hand for x = (1, 3), dy = (1, 0):
    s = sqrt(1 + eps), x̂ = (-1/s, 1/s), Σdy = 1, Σ dy·x̂ = -1/s, and
    dx = (1/(2s))·((2, 0) - (1, 1) - (-1/s)(-1/s, 1/s)) = (eps/(1 + eps))/(2s)·(1, -1)."""
    eps = 1e-2
    x = tge.tensor([[1.0], [3.0]], dtype=tge.float64, requires_grad=True)
    output = F.batch_norm(x, None, None, training=True, eps=eps)
    s = math.sqrt(1 + eps)
    np.testing.assert_allclose(output.detach().numpy().ravel(), [-1 / s, 1 / s], rtol=1e-14)
    output.backward(tge.tensor([[1.0], [0.0]], dtype=tge.float64))
    expected = eps / (1 + eps) / (2 * s) * np.array([1.0, -1.0])
    np.testing.assert_allclose(grad_of(x).ravel(), expected, rtol=1e-12)


def test_running_statistics_by_hand() -> None:
    """momentum 0.1: running = 0.9 running + 0.1 batch, with the unbiased variance
    (np.var(ddof=1)); momentum None: the plain average of the batch statistics so far."""
    batches = [random_array(4, 2, 3, seed=seed, scale=seed + 1.0, shift=seed)
               for seed in range(3)]
    exponential = nn.BatchNorm1d(2, dtype=tge.float64)
    cumulative = nn.BatchNorm1d(2, momentum=None, dtype=tge.float64)
    expected_mean, expected_var = np.zeros(2), np.ones(2)
    for batch in batches:
        exponential(tge.tensor(batch))
        cumulative(tge.tensor(batch))
        expected_mean = 0.9 * expected_mean + 0.1 * batch.mean(axis=(0, 2))
        expected_var = 0.9 * expected_var + 0.1 * batch.var(axis=(0, 2), ddof=1)
    np.testing.assert_allclose(exponential.running_mean.numpy(), expected_mean, rtol=1e-12)
    np.testing.assert_allclose(exponential.running_var.numpy(), expected_var, rtol=1e-12)
    np.testing.assert_allclose(cumulative.running_mean.numpy(),
                               np.mean([b.mean(axis=(0, 2)) for b in batches], axis=0),
                               rtol=1e-12)
    np.testing.assert_allclose(cumulative.running_var.numpy(),
                               np.mean([b.var(axis=(0, 2), ddof=1) for b in batches], axis=0),
                               rtol=1e-12)
    assert cumulative.num_batches_tracked.item() == 3
    # eval: (x - running_mean) / sqrt(running_var + eps), nothing updated
    cumulative.eval()
    probe = random_array(2, 2, 3, seed=11)
    expected = ((probe - cumulative.running_mean.numpy()[:, None])
                / np.sqrt(cumulative.running_var.numpy()[:, None] + 1e-5))
    np.testing.assert_allclose(cumulative(tge.tensor(probe)).detach().numpy(), expected,
                               rtol=1e-12)
    assert cumulative.num_batches_tracked.item() == 3


def test_layer_and_group_norm_by_hand() -> None:
    """LayerNorm: each sample's last dimensions have mean 0, biased variance ~1. GroupNorm(1, C)
    is LayerNorm over (C, ...) without affine; GroupNorm(C, C) normalises each channel of each
    sample alone (instance norm)."""
    array = random_array(3, 4, 5, seed=12, scale=3.0, shift=2.0)
    layer_output = nn.LayerNorm((4, 5), dtype=tge.float64)(tge.tensor(array)).detach().numpy()
    np.testing.assert_allclose(layer_output.mean(axis=(1, 2)), 0.0, atol=1e-12)
    variance = array.var(axis=(1, 2))
    np.testing.assert_allclose(layer_output.var(axis=(1, 2)), variance / (variance + 1e-5),
                               rtol=1e-12)
    whole = nn.GroupNorm(1, 4, affine=False, dtype=tge.float64)(tge.tensor(array))
    np.testing.assert_allclose(whole.numpy(), layer_output, rtol=1e-12, atol=1e-12)
    each = nn.GroupNorm(4, 4, dtype=tge.float64)(tge.tensor(array)).detach().numpy()
    expected = (array - array.mean(axis=2, keepdims=True)) / np.sqrt(
        array.var(axis=2, keepdims=True) + 1e-5)
    np.testing.assert_allclose(each, expected, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------- finite differences, the kit
def spread_channels(draw: st.DrawFn, shape: tuple[int, ...]) -> np.ndarray:
    """Values whose every channel is spread out (a ramp plus drawn noise; see op_cases.py)."""
    noise = draw(st.lists(st.floats(-0.5, 0.5), min_size=math.prod(shape),
                          max_size=math.prod(shape)))
    ramp_shape = [1 if axis == 1 else size for axis, size in enumerate(shape)]
    ramp = np.linspace(-2.0, 2.0, math.prod(ramp_shape)).reshape(ramp_shape)
    return np.asarray(noise, dtype=np.float64).reshape(shape) + ramp


@st.composite
def input_and_bias(draw: st.DrawFn) -> list[np.ndarray]:
    shape = (draw(st.integers(2, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    bias = np.asarray(draw(st.lists(st.floats(-2, 2), min_size=shape[1], max_size=shape[1])))
    return [spread_channels(draw, shape), bias]


def test_batch_norm_with_bias_only_passes_finite_differences() -> None:
    """F.batch_norm(bias=β) without a weight (torch's own double backward fails there, so the
    oracle is central differences, both orders, through the public kit)."""
    check_function(lambda x, b: F.batch_norm(x, None, None, bias=b, training=True),
                   inputs=input_and_bias(), max_examples=5, name="batch_norm_bias_only")


def test_batch_norm_module_in_training_passes_finite_differences() -> None:
    """The module as the kit sees it: a function of the input, γ and β (the running buffers are
    updated on every call, which the gradient must not depend on)."""
    layer = nn.BatchNorm1d(2, momentum=0.5, dtype=tge.float64)

    def call(x: tge.Tensor, gamma: tge.Tensor, beta: tge.Tensor) -> tge.Tensor:
        return F.batch_norm(x, layer.running_mean, layer.running_var, gamma, beta,
                            training=True, momentum=0.5)

    @st.composite
    def inputs(draw: st.DrawFn) -> list[np.ndarray]:
        return [spread_channels(draw, (3, 2, 2)), np.array([1.5, -0.5]), np.array([0.2, 0.1])]

    check_function(call, inputs=inputs(), max_examples=3, name="batch_norm_running")


# --------------------------------------------------------------------------- state dicts
STATE_LAYERS = [
    ("bn1d", lambda lib: lib.nn.BatchNorm1d(3)),
    ("bn2d_no_affine", lambda lib: lib.nn.BatchNorm2d(4, affine=False)),
    ("bn2d_no_running", lambda lib: lib.nn.BatchNorm2d(4, track_running_stats=False)),
    ("bn1d_no_bias", lambda lib: lib.nn.BatchNorm1d(2, bias=False)),
    ("layer_norm", lambda lib: lib.nn.LayerNorm((2, 3))),
    ("layer_norm_no_bias", lambda lib: lib.nn.LayerNorm(5, bias=False)),
    ("layer_norm_no_affine", lambda lib: lib.nn.LayerNorm(5, elementwise_affine=False)),
    ("group_norm", lambda lib: lib.nn.GroupNorm(2, 4)),
    ("group_norm_no_affine", lambda lib: lib.nn.GroupNorm(3, 6, affine=False)),
    ("dropout2d", lambda lib: lib.nn.Dropout2d(0.3)),
]


@pytest.mark.parametrize("make", [layer[1] for layer in STATE_LAYERS],
                         ids=[layer[0] for layer in STATE_LAYERS])
def test_state_dict_keys_shapes_dtypes_and_repr_are_torchs(make: Callable[[Any], Any]) -> None:
    ours, theirs = make(tge), make(torch)
    assert repr(ours) == repr(theirs)
    assert [(key, tuple(value.shape), str(value.dtype)) for key, value in
            ours.state_dict().items()] == [
        (key, tuple(value.shape), str(value.dtype).replace("torch.", "")) for key, value in
        theirs.state_dict().items()]
    assert [name for name, _ in ours.named_parameters()] == [
        name for name, _ in theirs.named_parameters()]
    assert [name for name, _ in ours.named_buffers()] == [
        name for name, _ in theirs.named_buffers()]


def trained_torch_model() -> Any:
    """A small torch CNN-style model with BatchNorm2d, trained three steps (so its running
    statistics and num_batches_tracked are not the initial ones)."""
    model = torch.nn.Sequential(torch.nn.BatchNorm2d(3), torch.nn.ReLU(),
                                torch.nn.BatchNorm2d(3, momentum=None)).double()
    for seed in range(3):
        model(torch.tensor(random_array(4, 3, 2, 2, seed=seed, scale=2.0, shift=seed)))
    return model.eval()


def our_model() -> Any:
    return nn.Sequential(nn.BatchNorm2d(3), nn.ReLU(),
                         nn.BatchNorm2d(3, momentum=None)).double().eval()


def test_loading_torchs_state_dict_gives_torchs_eval_outputs() -> None:
    theirs = trained_torch_model()
    probe = random_array(2, 3, 2, 2, seed=20)
    expected = theirs(torch.tensor(probe))
    for state in (theirs.state_dict(), tge.from_torch_state_dict(theirs.state_dict())):
        ours = our_model()
        assert repr(ours.load_state_dict(state)) == "<All keys matched successfully>"
        assert_close(ours(tge.tensor(probe)), expected)
        assert ours[2].num_batches_tracked.item() == 3
        assert ours[2].num_batches_tracked.dtype == np.int64


def test_state_dict_round_trip_and_back_to_torch() -> None:
    ours = our_model().train()
    for seed in range(2):
        ours(tge.tensor(random_array(4, 3, 2, 2, seed=seed, shift=seed)))
    state = ours.state_dict()
    # a copy: more training does not change it
    saved_mean = state["0.running_mean"].numpy().copy()
    ours(tge.tensor(random_array(4, 3, 2, 2, seed=9, shift=5.0)))
    np.testing.assert_array_equal(state["0.running_mean"].numpy(), saved_mean)
    buffer = io.BytesIO()
    tge.save(state, buffer)
    buffer.seek(0)
    fresh = our_model()
    fresh.load_state_dict(tge.load(buffer))
    np.testing.assert_array_equal(fresh[0].running_mean.numpy(), saved_mean)
    assert fresh[2].num_batches_tracked.item() == 2
    theirs = trained_torch_model()
    theirs.load_state_dict(tge.to_torch_state_dict(state, torch))
    probe = random_array(2, 3, 2, 2, seed=21)
    assert_close(fresh(tge.tensor(probe)), theirs(torch.tensor(probe)))


def test_to_double_and_float_convert_buffers_but_not_the_counter() -> None:
    layer = nn.BatchNorm2d(3)
    buffers = dict(layer.named_buffers())
    assert layer.running_mean.dtype == np.float32
    assert layer.double() is layer
    assert layer.running_mean.dtype == layer.running_var.dtype == np.float64
    assert layer.num_batches_tracked.dtype == np.int64
    assert all(buffer is buffers[name] for name, buffer in layer.named_buffers())
    layer(tge.randn(4, 3, 2, 2, dtype=tge.float64))
    layer.to(tge.float32)
    assert layer.running_var.dtype == layer.weight.dtype == np.float32
    assert layer.num_batches_tracked.dtype == np.int64 and layer.num_batches_tracked.item() == 1
    assert nn.LayerNorm(3, dtype=tge.float64).weight.dtype == np.float64


def test_reset_running_stats_and_parameters() -> None:
    layer = nn.BatchNorm1d(2)
    layer(tge.tensor([[1.0, 5.0], [3.0, 9.0]]))
    with tge.no_grad():
        layer.weight.mul_(3.0)
    layer.reset_parameters()
    assert layer.running_mean.tolist() == [0.0, 0.0]
    assert layer.running_var.tolist() == [1.0, 1.0]
    assert layer.num_batches_tracked.item() == 0
    assert layer.weight.tolist() == [1.0, 1.0] and layer.bias.tolist() == [0.0, 0.0]


# -------------------------------------------------------------------------------- errors
def both(call: Callable[[Any], Any]) -> tuple[BaseException | None, BaseException | None]:
    """Run ``call`` with torch and with tinygrad_edu; the exception each raised (or None)."""
    caught: list[BaseException | None] = []
    for lib in (torch, tge):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                call(lib)
        except Exception as error:  # noqa: BLE001 - the point is to compare any error
            caught.append(error)
        else:
            caught.append(None)
    return caught[0], caught[1]


def randn(lib: Any, *shape: int) -> Any:
    return lib.tensor(random_array(*shape, seed=30), dtype=lib.float32)


# (case, call with lib, words our message must contain: who, the shapes, the fix)
ERROR_CASES: list[tuple[str, Callable[[Any], Any], list[str]]] = [
    ("bn1d_wrong_channels", lambda lib: lib.nn.BatchNorm1d(3)(randn(lib, 4, 5)),
     ["BatchNorm1d", "(4, 5)", "5 channels", "built for 3", "(3,)", "BatchNorm1d(5"]),
    ("bn2d_wrong_channels_eval",
     lambda lib: lib.nn.BatchNorm2d(3).eval()(randn(lib, 4, 2, 5, 5)),
     ["BatchNorm2d", "(4, 2, 5, 5)", "2 channels", "(3,)", "BatchNorm2d(2"]),
    ("bn1d_wrong_channels_weight_only",
     lambda lib: lib.nn.BatchNorm1d(3, track_running_stats=False)(randn(lib, 4, 5)),
     ["BatchNorm1d", "weight", "(4, 5)", "(3,)"]),
    ("bn2d_three_dims", lambda lib: lib.nn.BatchNorm2d(3)(randn(lib, 3, 4, 4)),
     ["BatchNorm2d", "4D", "(3, 4, 4)", "unsqueeze(0)"]),
    ("bn1d_four_dims", lambda lib: lib.nn.BatchNorm1d(3)(randn(lib, 2, 3, 4, 4)),
     ["BatchNorm1d", "(2, 3, 4, 4)", "BatchNorm2d"]),
    ("bn1d_one_dim", lambda lib: lib.nn.BatchNorm1d(3)(randn(lib, 3)),
     ["BatchNorm1d", "(3,)"]),
    ("bn1d_batch_of_one", lambda lib: lib.nn.BatchNorm1d(3)(randn(lib, 1, 3)),
     ["BatchNorm1d", "Expected more than 1 value per channel when training, got input size",
      "[1, 3]", ".eval()"]),
    ("bn2d_one_pixel_batch_of_one", lambda lib: lib.nn.BatchNorm2d(3)(randn(lib, 1, 3, 1, 1)),
     ["BatchNorm2d", "[1, 3, 1, 1]"]),
    ("f_bn_eval_without_running", lambda lib: lib.nn.functional.batch_norm(
        randn(lib, 4, 3), None, None), ["batch_norm", "running_mean", "evaluation"]),
    ("f_bn_one_running_buffer", lambda lib: lib.nn.functional.batch_norm(
        randn(lib, 4, 3), lib.zeros(3), None, training=True), ["both be None"]),
    ("f_bn_wrong_weight", lambda lib: lib.nn.functional.batch_norm(
        randn(lib, 4, 3), lib.zeros(3), lib.ones(3), weight=lib.ones(2), training=True),
     ["batch_norm", "weight", "(4, 3)", "(2,)", "shape (3,)"]),
    ("f_bn_wrong_running_var", lambda lib: lib.nn.functional.batch_norm(
        randn(lib, 4, 3), lib.zeros(3), lib.ones(2)), ["running_var", "(2,)"]),
    ("f_bn_mixed_dtype", lambda lib: lib.nn.functional.batch_norm(
        randn(lib, 4, 3).double(), lib.zeros(3), lib.ones(3)),
     ["batch_norm", "float64", "float32", ".to(input.dtype)"]),
    ("bn_layer_mixed_dtype", lambda lib: lib.nn.BatchNorm1d(3)(randn(lib, 4, 3).double()),
     ["BatchNorm1d", "float64", "float32", "layer.double()"]),
    ("f_bn_eps_zero_training", lambda lib: lib.nn.functional.batch_norm(
        randn(lib, 4, 3), None, None, training=True, eps=0.0), ["positive"]),
    ("f_bn_eps_negative", lambda lib: lib.nn.functional.batch_norm(
        randn(lib, 4, 3), lib.zeros(3), lib.ones(3), eps=-1.0), ["non-negative"]),
    ("f_bn_integer_input", lambda lib: lib.nn.functional.batch_norm(
        lib.ones(4, 3, dtype=lib.int64), lib.zeros(3), lib.ones(3), training=True),
     ["batch_norm", ".float()"]),
    ("f_bn_momentum_none", lambda lib: lib.nn.functional.batch_norm(
        randn(lib, 4, 3), lib.zeros(3), lib.ones(3), training=True, momentum=None),
     ["momentum"]),
    ("layer_norm_wrong_last_dim", lambda lib: lib.nn.LayerNorm(4)(randn(lib, 2, 5)),
     ["LayerNorm", "[*, 4]", "[2, 5]", "LayerNorm((5,))"]),
    ("layer_norm_too_few_dims", lambda lib: lib.nn.LayerNorm((2, 4))(randn(lib, 4)),
     ["LayerNorm", "[*, 2, 4]", "[4]"]),
    ("f_layer_norm_wrong_weight", lambda lib: lib.nn.functional.layer_norm(
        randn(lib, 2, 4), (4,), weight=lib.ones(3)), ["layer_norm", "weight", "[3]", "[4]"]),
    ("f_layer_norm_int_shape", lambda lib: lib.nn.functional.layer_norm(randn(lib, 2, 4), 4),
     ["layer_norm", "(4,)"]),
    ("f_layer_norm_empty_shape", lambda lib: lib.nn.functional.layer_norm(
        randn(lib, 2, 4), []), ["at least 1-dimensional"]),
    ("f_layer_norm_mixed_dtype", lambda lib: lib.nn.functional.layer_norm(
        randn(lib, 2, 4).double(), (4,), weight=lib.ones(4)), ["float64", "float32"]),
    ("group_norm_not_divisible", lambda lib: lib.nn.GroupNorm(2, 5),
     ["GroupNorm", "num_channels (5)", "num_groups (2)", "divides 5"]),
    ("group_norm_wrong_channels", lambda lib: lib.nn.GroupNorm(2, 4)(randn(lib, 3, 6, 2)),
     ["GroupNorm", "[4]", "[3, 6, 2]", "GroupNorm(2, 6)"]),
    ("f_group_norm_channels_not_divisible", lambda lib: lib.nn.functional.group_norm(
        randn(lib, 3, 5, 2), 2), ["group_norm", "[3, 5, 2]", "num_groups=2", "divides 5"]),
    ("f_group_norm_one_dim", lambda lib: lib.nn.functional.group_norm(randn(lib, 3), 1),
     ["group_norm", "(3,)", "unsqueeze(0)"]),
    ("group_norm_one_value_per_group", lambda lib: lib.nn.GroupNorm(4, 4)(randn(lib, 1, 4)),
     ["GroupNorm", "Expected more than 1 value per channel", "[1, 4]"]),
    ("f_group_norm_zero_groups", lambda lib: lib.nn.functional.group_norm(
        randn(lib, 2, 4, 3), 0), ["group_norm", "0"]),
    ("f_group_norm_negative_groups", lambda lib: lib.nn.functional.group_norm(
        randn(lib, 2, 4, 3), -2), ["group_norm", "-2"]),
    ("dropout2d_bad_p", lambda lib: lib.nn.Dropout2d(1.5), ["between 0 and 1", "1.5"]),
    ("f_dropout2d_one_dim", lambda lib: lib.nn.functional.dropout2d(randn(lib, 3)),
     ["dropout2d", "(3,)", "dropout"]),
]


@pytest.mark.parametrize("name, call, words", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_errors_have_torchs_types_and_say_what_and_how(name: str, call: Callable[[Any], Any],
                                                       words: list[str]) -> None:
    theirs, ours = both(call)
    assert theirs is not None, "torch accepts this call: the case is wrong"
    assert type(ours) is type(theirs), f"ours: {ours!r}, torch's: {theirs!r}"
    for word in words:
        assert word in str(ours), f"{word!r} not in {str(ours)!r}"


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.BatchNorm1d(3).eval()(randn(lib, 1, 3)),
    lambda lib: lib.nn.BatchNorm1d(3)(randn(lib, 1, 3, 2)),
    lambda lib: lib.nn.GroupNorm(2, 4)(randn(lib, 1, 4)),
    lambda lib: lib.nn.functional.batch_norm(randn(lib, 4, 3, 2, 2, 2), None, None,
                                             training=True),
    lambda lib: lib.nn.functional.batch_norm(randn(lib, 4, 3), lib.zeros(3), lib.ones(3),
                                             eps=0.0),
])
def test_edge_calls_torch_accepts_are_accepted(call: Callable[[Any], Any]) -> None:
    """A batch of one in eval, one sample with several positions, groups of two values in a
    batch of one, 5-D input to the function, eps=0 outside training: accepted by both."""
    theirs, ours = both(call)
    assert theirs is None and ours is None, (theirs, ours)


# ------------------------------------------------------------------------------ Dropout2d
@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout2d_zeroes_whole_channels_and_scales_the_rest(p: float) -> None:
    x = tge.ones(64, 32, 3, 3, dtype=tge.float64, requires_grad=True)
    output = F.dropout2d(x, p, generator=np.random.default_rng(1))
    values = output.detach().numpy()
    per_channel = values.reshape(64, 32, 9)
    # every channel is all zeros or all 1 / (1 - p)
    assert np.all(per_channel.min(axis=2) == per_channel.max(axis=2))
    assert set(np.unique(values)) <= {0.0, 1 / (1 - p)}
    # 2,048 channel draws: the standard error of the dropped fraction is below 0.012
    assert abs((per_channel[:, :, 0] == 0).mean() - p) < 0.05
    output.sum().backward()
    np.testing.assert_array_equal(grad_of(x), values)


def test_dropout2d_eval_zero_and_one() -> None:
    x = tge.tensor(random_array(2, 3, 2, 2), requires_grad=True)
    assert F.dropout2d(x, 0.7, training=False) is x
    assert F.dropout2d(x, 0.0) is x
    assert nn.Dropout2d(0.5).eval()(x) is x
    zeros = F.dropout2d(x, 1.0)
    assert np.array_equal(zeros.detach().numpy(), np.zeros((2, 3, 2, 2)))
    zeros.sum().backward()
    assert np.array_equal(grad_of(x), np.zeros((2, 3, 2, 2)))


def warnings_of(call: Callable[[], Any]) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [str(warning.message) for warning in caught]


@pytest.mark.parametrize("shape", [(2, 3, 4), (2, 3), (2, 3, 2, 2, 2), (2, 3, 2, 2)])
def test_dropout2d_warns_as_torch_for_inputs_that_are_not_4d(shape: tuple[int, ...]) -> None:
    ours = warnings_of(lambda: F.dropout2d(tge.ones(*shape), 0.5))
    theirs = warnings_of(lambda: torch.nn.functional.dropout2d(torch.ones(*shape), 0.5))
    assert ours == theirs
    assert bool(ours) == (len(shape) != 4)


def test_dropout2d_masks_of_3d_and_2d_input_follow_torch_layout() -> None:
    """3-D input is (N, C, L): whole rows are dropped; 2-D input (N, C): single elements."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = F.dropout2d(tge.ones(50, 20, 6), 0.5).numpy()
        elements = F.dropout2d(tge.ones(200, 50), 0.5).numpy()
    assert np.all(rows.min(axis=2) == rows.max(axis=2))
    assert 0.4 < (rows[:, :, 0] == 0).mean() < 0.6
    assert 0.45 < (elements == 0).mean() < 0.55


def test_dropout2d_is_seeded_by_manual_seed_and_by_a_generator() -> None:
    tge.manual_seed(3)
    first = nn.Dropout2d()(tge.ones(4, 8, 2, 2))
    tge.manual_seed(3)
    second = nn.Dropout2d()(tge.ones(4, 8, 2, 2))
    assert np.array_equal(first.numpy(), second.numpy())
    one = nn.Dropout2d(generator=np.random.default_rng(7))(tge.ones(4, 8, 2, 2))
    two = F.dropout2d(tge.ones(4, 8, 2, 2), generator=np.random.default_rng(7))
    assert np.array_equal(one.numpy(), two.numpy())


def test_dropout2d_inplace_changes_its_input_like_torch() -> None:
    x = tge.ones(2, 4, 2, 2, requires_grad=True)
    hidden = x * 1.0
    output = nn.Dropout2d(0.5, inplace=True, generator=np.random.default_rng(0))(hidden)
    assert output is hidden
    output.sum().backward()
    np.testing.assert_array_equal(grad_of(x), hidden.detach().numpy())
    theirs, ours = both(lambda lib: lib.nn.functional.dropout2d(
        lib.ones(2, 3, 2, 2, requires_grad=True), 0.5, inplace=True))
    assert theirs is not None and type(ours) is type(theirs)


# ------------------------------------------------------- the documented differences (README)
def test_one_dimensional_input_to_batch_norm_is_a_runtime_error_here() -> None:
    """torch: RuntimeError with running buffers, IndexError without; here RuntimeError."""
    theirs, ours = both(lambda lib: lib.nn.functional.batch_norm(randn(lib, 4), None, None,
                                                                 training=True))
    assert type(theirs) is IndexError and type(ours) is RuntimeError
    assert "(4,)" in str(ours) and "unsqueeze(0)" in str(ours)
    theirs, ours = both(lambda lib: lib.nn.functional.batch_norm(randn(lib, 4), lib.zeros(4),
                                                                 lib.ones(4)))
    assert type(theirs) is type(ours) is RuntimeError


def test_state_dict_without_the_batch_counter_needs_strict_false_here() -> None:
    """torch treats a plain dict without num_batches_tracked as a pre-0.4.1 checkpoint and
    fills the counter in; here that key is reported missing unless strict=False."""
    values = {"weight": [1.0, 2.0], "bias": [0.0, 0.5], "running_mean": [0.1, 0.2],
              "running_var": [1.5, 2.5]}
    theirs = torch.nn.BatchNorm1d(2)
    theirs.load_state_dict({key: torch.tensor(value) for key, value in values.items()})
    ours = nn.BatchNorm1d(2)
    with pytest.raises(RuntimeError, match='Missing key.*"num_batches_tracked"'):
        ours.load_state_dict({key: tge.tensor(value) for key, value in values.items()})
    result = ours.load_state_dict({key: tge.tensor(value) for key, value in values.items()},
                                  strict=False)
    assert result.missing_keys == ["num_batches_tracked"]
    assert ours.running_var.tolist() == theirs.running_var.tolist()


def test_bias_without_weight_is_differentiable_twice_here_not_in_torch() -> None:
    """torch's double backward of batch_norm with a bias but no weight raises; here it gives
    what torch gives with a weight of ones (which does not require grad)."""
    array, bias_values = random_array(3, 2, seed=40), np.array([0.5, -0.5])
    upstream = random_array(3, 2, seed=41)
    direction = [random_array(3, 2, seed=42), np.array([2.0, -3.0])]

    def second_order(lib: Any, weight: Any) -> list[Any]:
        x = lib.tensor(array, requires_grad=True)
        bias = lib.tensor(bias_values, requires_grad=True)
        output = lib.nn.functional.batch_norm(x, None, None, weight, bias, training=True)
        return gradients_to_second_order(
            output, [x, bias], lib.tensor(upstream, requires_grad=True),
            [lib.tensor(part) for part in direction], lib.autograd.grad)

    with pytest.raises(RuntimeError, match="Expected a proper Tensor but got None"):
        second_order(torch, None)
    assert_gradients_match(second_order(tge, None),
                           second_order(torch, torch.ones(2, dtype=torch.float64)))
