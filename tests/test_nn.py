"""tinygrad_edu.nn against torch.nn: layers, losses, init, dropout, the Module API, state dicts.

Layers and losses are compared in float64 (forward values and gradients to 1e-10, every
reduction and option); initialisers and dropout by their statistics over large tensors; the
Module API (names, order, repr, state_dict keys) by equality with torch's for the same
architecture. The first-order, second-order and finite-difference checks of the loss functions
live in the shared op table (``tests/op_cases.py``, ``LOSS_CASES``).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tge
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn import init

torch = pytest.importorskip("torch")

RTOL = 1e-10
ATOL = 1e-10


def assert_close(ours: Any, theirs: Any) -> None:
    """Our Tensor/array equals torch's tensor to 1e-10 (same math in float64)."""
    actual = ours._data if isinstance(ours, tge.Tensor) else np.asarray(ours)
    expected = theirs.detach().numpy()
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)


def random_array(*shape: int, seed: int = 0, scale: float = 1.0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape) * scale


def copy_weights(ours: nn.Module, theirs: Any) -> None:
    """Give ``theirs`` (a torch module) the weights of ``ours``."""
    theirs.load_state_dict({key: torch.from_numpy(value.numpy())
                            for key, value in ours.state_dict().items()})


# ------------------------------------------------------------------------------------- layers
LAYERS: list[tuple[str, Callable[[], nn.Module], Callable[[], Any], tuple[int, ...]]] = [
    ("linear", lambda: nn.Linear(5, 3, dtype=tge.float64),
     lambda: torch.nn.Linear(5, 3, dtype=torch.float64), (4, 5)),
    ("linear_no_bias", lambda: nn.Linear(5, 3, bias=False, dtype=tge.float64),
     lambda: torch.nn.Linear(5, 3, bias=False, dtype=torch.float64), (2, 4, 5)),
    ("relu", nn.ReLU, torch.nn.ReLU, (4, 6)),
    ("sigmoid", nn.Sigmoid, torch.nn.Sigmoid, (4, 6)),
    ("tanh", nn.Tanh, torch.nn.Tanh, (4, 6)),
    ("softplus", nn.Softplus, torch.nn.Softplus, (4, 6)),
    ("softplus_beta_threshold", lambda: nn.Softplus(beta=2.0, threshold=1.0),
     lambda: torch.nn.Softplus(beta=2.0, threshold=1.0), (4, 6)),
    ("softmax_dim1", lambda: nn.Softmax(dim=1), lambda: torch.nn.Softmax(dim=1), (3, 5)),
    ("softmax_dim0", lambda: nn.Softmax(dim=0), lambda: torch.nn.Softmax(dim=0), (3, 5)),
    ("log_softmax", lambda: nn.LogSoftmax(dim=-1), lambda: torch.nn.LogSoftmax(dim=-1), (3, 5)),
    ("flatten", nn.Flatten, torch.nn.Flatten, (2, 3, 4, 5)),
    ("flatten_range", lambda: nn.Flatten(0, 1), lambda: torch.nn.Flatten(0, 1), (2, 3, 4)),
    ("identity", nn.Identity, torch.nn.Identity, (3, 2)),
    ("dropout_eval", lambda: nn.Dropout(0.3).eval(), lambda: torch.nn.Dropout(0.3).eval(),
     (3, 4)),
    ("mlp", lambda: nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 3)).double(),
     lambda: torch.nn.Sequential(torch.nn.Linear(6, 4), torch.nn.ReLU(),
                                 torch.nn.Linear(4, 3)).double(), (5, 6)),
]


@pytest.mark.parametrize("name, ours_factory, theirs_factory, shape", LAYERS,
                         ids=[layer[0] for layer in LAYERS])
def test_layer_forward_and_gradients_match_torch(
    name: str, ours_factory: Callable[[], nn.Module], theirs_factory: Callable[[], Any],
    shape: tuple[int, ...],
) -> None:
    ours, theirs = ours_factory(), theirs_factory()
    copy_weights(ours, theirs)
    array = random_array(*shape, seed=1)
    x, torch_x = tge.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)
    output, torch_output = ours(x), theirs(torch_x)
    assert_close(output, torch_output)
    upstream = random_array(*output.shape, seed=2)
    output.backward(tge.tensor(upstream))
    torch_output.backward(torch.tensor(upstream))
    assert_close(x.grad, torch_x.grad)
    for (our_name, parameter), (their_name, their_parameter) in zip(
            ours.named_parameters(), theirs.named_parameters()):
        assert our_name == their_name
        assert_close(parameter.grad, their_parameter.grad)


def test_linear_default_init_matches_torch_bounds() -> None:
    _ = tge.manual_seed(0)
    layer = nn.Linear(784, 64)
    bound = 1 / math.sqrt(784)
    weight, bias = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert weight.dtype == np.float32 and weight.shape == (64, 784) and bias.shape == (64,)
    assert np.abs(weight).max() <= bound and np.abs(bias).max() <= bound
    # U(-b, b): std b/sqrt(3), mean 0; 50,176 draws pin the std to well under 2 %.
    assert abs(weight.std() / (bound / math.sqrt(3)) - 1) < 0.02
    assert abs(weight.mean()) < 0.02 * bound
    assert np.abs(weight).max() > 0.99 * bound
    torch_layer = torch.nn.Linear(784, 64)
    torch_bound = float(torch_layer.weight.detach().abs().max())
    assert torch_bound <= bound and abs(torch_bound - np.abs(weight).max()) < 0.01 * bound


def test_linear_init_uses_generator_and_manual_seed() -> None:
    first = nn.Linear(3, 2, generator=np.random.default_rng(5))
    second = nn.Linear(3, 2, generator=np.random.default_rng(5))
    assert np.array_equal(first.weight.detach().numpy(), second.weight.detach().numpy())
    _ = tge.manual_seed(7)
    third = nn.Linear(3, 2)
    _ = tge.manual_seed(7)
    fourth = nn.Linear(3, 2)
    assert np.array_equal(third.bias.detach().numpy(), fourth.bias.detach().numpy())


# ------------------------------------------------------------------------------------- losses
LOGITS = random_array(6, 4, seed=3, scale=2.0)
CLASS_TARGETS = np.array([0, 3, 1, 2, 3, -100])
PROBABILITIES = np.random.default_rng(4).dirichlet(np.ones(4), size=6)
CLASS_WEIGHT = np.array([0.5, 1.0, 2.0, 1.5])

LOSS_OPTIONS = [
    {"reduction": reduction, **extra}
    for reduction in ("mean", "sum", "none")
    for extra in ({}, {"label_smoothing": 0.15}, {"weight": CLASS_WEIGHT},
                  {"weight": CLASS_WEIGHT, "label_smoothing": 0.3})
]


def torch_options(options: dict[str, Any]) -> dict[str, Any]:
    return {key: torch.tensor(value) if isinstance(value, np.ndarray) else value
            for key, value in options.items()}


def compare_loss(ours_module: nn.Module, theirs_module: Any, logits: np.ndarray,
                 target: np.ndarray, target_requires_grad: bool = False) -> None:
    """Loss values and the gradients of logits (and of a float target) equal torch's."""
    x, torch_x = tge.tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    y = tge.tensor(target, requires_grad=target_requires_grad)
    torch_y = torch.tensor(target, requires_grad=target_requires_grad)
    loss, torch_loss = ours_module(x, y), theirs_module(torch_x, torch_y)
    assert_close(loss, torch_loss)
    assert np.all(np.isfinite(loss._data))
    upstream = random_array(*loss.shape, seed=5)
    loss.backward(tge.tensor(upstream))
    torch_loss.backward(torch.tensor(upstream))
    assert_close(x.grad, torch_x.grad)
    assert np.all(np.isfinite(x.grad._data))
    if target_requires_grad:
        assert_close(y.grad, torch_y.grad)


@pytest.mark.parametrize("options", LOSS_OPTIONS, ids=str)
@pytest.mark.parametrize("scale", [1.0, 1000.0], ids=["normal", "extreme"])
def test_cross_entropy_class_targets_match_torch(options: dict[str, Any], scale: float) -> None:
    compare_loss(nn.CrossEntropyLoss(**options), torch.nn.CrossEntropyLoss(**torch_options(
        options)), LOGITS * scale, CLASS_TARGETS)


@pytest.mark.parametrize("options", LOSS_OPTIONS, ids=str)
@pytest.mark.parametrize("scale", [1.0, 1000.0], ids=["normal", "extreme"])
def test_cross_entropy_probability_targets_match_torch(
    options: dict[str, Any], scale: float
) -> None:
    compare_loss(nn.CrossEntropyLoss(**options), torch.nn.CrossEntropyLoss(**torch_options(
        options)), LOGITS * scale, PROBABILITIES, target_requires_grad=True)


def test_cross_entropy_extreme_logits_are_finite() -> None:
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]])
    for target in (np.array([1, 0]), np.array([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]])):
        for smoothing in (0.0, 0.1):
            compare_loss(nn.CrossEntropyLoss(label_smoothing=smoothing),
                         torch.nn.CrossEntropyLoss(label_smoothing=smoothing), logits, target)


def test_cross_entropy_spatial_and_single_sample_match_torch() -> None:
    logits = random_array(2, 3, 4, seed=6)
    target = np.array([[0, 1, 2, 1], [2, 2, 0, -100]])
    for reduction in ("mean", "sum", "none"):
        compare_loss(nn.CrossEntropyLoss(reduction=reduction),
                     torch.nn.CrossEntropyLoss(reduction=reduction), logits, target)
    compare_loss(nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), LOGITS[0], np.array(2))


def test_cross_entropy_gradient_is_softmax_minus_one_hot() -> None:
    """The article's dZ2 = A2 - Y, divided by the batch size for the mean."""
    logits = tge.tensor(LOGITS, requires_grad=True)
    targets = np.array([0, 3, 1, 2, 3, 1])
    F.cross_entropy(logits, tge.tensor(targets)).backward()
    softmax = np.exp(LOGITS) / np.exp(LOGITS).sum(axis=1, keepdims=True)
    expected = (softmax - np.eye(4)[targets]) / len(targets)
    np.testing.assert_allclose(logits.grad._data, expected, rtol=RTOL, atol=ATOL)


def test_cross_entropy_every_target_ignored_like_torch() -> None:
    logits, torch_logits = tge.tensor(LOGITS, requires_grad=True), torch.tensor(
        LOGITS, requires_grad=True)
    targets = np.full(6, -100)
    loss = F.cross_entropy(logits, tge.tensor(targets))
    torch_loss = torch.nn.functional.cross_entropy(torch_logits, torch.tensor(targets))
    assert math.isnan(loss.item()) and math.isnan(torch_loss.item())
    loss.backward()
    torch_loss.backward()
    assert_close(logits.grad, torch_logits.grad)


def test_cross_entropy_double_backward_matches_torch() -> None:
    """create_graph=True: the gradient of a function of the gradient equals torch's."""
    x, torch_x = tge.tensor(LOGITS, requires_grad=True), torch.tensor(LOGITS, requires_grad=True)
    for smoothing in (0.0, 0.2):
        (grad,) = tge.autograd.grad(F.cross_entropy(x, tge.tensor(CLASS_TARGETS),
                                                    label_smoothing=smoothing), x,
                                    create_graph=True)
        (torch_grad,) = torch.autograd.grad(torch.nn.functional.cross_entropy(
            torch_x, torch.tensor(CLASS_TARGETS), label_smoothing=smoothing), torch_x,
            create_graph=True)
        (second,) = tge.autograd.grad((grad * grad).sum(), x)
        (torch_second,) = torch.autograd.grad((torch_grad * torch_grad).sum(), torch_x)
        assert_close(grad, torch_grad)
        assert_close(second, torch_second)


def test_plain_labels_run_the_fused_op_and_every_option_composes() -> None:
    """Integer labels with no weight, no smoothing and nothing ignored are one CrossEntropy
    node; weights, smoothing, an ignored label and probability targets are composed."""
    logits = tge.tensor(LOGITS, requires_grad=True)
    labels = tge.tensor([0, 3, 1, 2, 3, 1])
    assert F.cross_entropy(logits, labels).grad_fn.name() == "CrossEntropyBackward"
    composed = [F.cross_entropy(logits, labels, weight=CLASS_WEIGHT),
                F.cross_entropy(logits, labels, label_smoothing=0.1),
                F.cross_entropy(logits, labels, ignore_index=3),
                F.cross_entropy(logits, tge.tensor(PROBABILITIES))]
    for loss in composed:
        assert loss.grad_fn.name() != "CrossEntropyBackward"


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_fused_cross_entropy_gradient_is_softmax_minus_one_hot_times_scale(
        reduction: str) -> None:
    """(N, C, d) logits: dL/dZ = (softmax(Z) - Y) · scale, the upstream gradient per sample for
    "none", and divided by the number of samples (N · d) for "mean"."""
    array = random_array(3, 4, 2, seed=7)
    labels = np.array([[0, 3], [2, 2], [1, 0]])
    logits = tge.tensor(array, requires_grad=True)
    loss = F.cross_entropy(logits, tge.tensor(labels), reduction=reduction)
    upstream = random_array(*loss.shape, seed=8)
    loss.backward(tge.tensor(upstream))
    softmax = np.exp(array) / np.exp(array).sum(axis=1, keepdims=True)
    one_hot = np.moveaxis(np.eye(4)[labels], -1, 1)
    if reduction == "none":
        scale = upstream[:, None]  # one upstream gradient per sample, along the class axis
    else:
        scale = upstream / labels.size if reduction == "mean" else upstream
    expected = (softmax - one_hot) * scale
    np.testing.assert_allclose(logits.grad._data, expected, rtol=RTOL, atol=ATOL)


@st.composite
def cross_entropy_problems(draw: st.DrawFn) -> dict[str, Any]:
    """Logits of shape (C,), (N, C) or (N, C, d), targets (class labels, some possibly equal
    to ignore_index, or probabilities) and a combination of the options."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.integers(1, 4)) for _ in range(ndim))
    class_dim = 0 if ndim == 1 else 1
    classes = shape[class_dim]
    options: dict[str, Any] = {
        "reduction": draw(st.sampled_from(["mean", "sum", "none"])),
        "label_smoothing": draw(st.sampled_from([0.0, 0.0, 0.25, 1.0]) | st.floats(0.0, 1.0)),
    }
    if draw(st.booleans()):
        options["weight"] = rng.uniform(0.0, 2.0, classes)
    if draw(st.booleans()):
        target = rng.dirichlet(np.ones(classes), size=shape[:class_dim] + shape[class_dim + 1:])
        target = np.moveaxis(target, -1, class_dim)
    else:
        target = rng.integers(0, classes, shape[:class_dim] + shape[class_dim + 1:])
        if draw(st.booleans()):
            options["ignore_index"] = draw(st.sampled_from([-100, 0]))
            target = np.where(rng.random(target.shape) < 0.4, options["ignore_index"], target)
    return {"logits": rng.standard_normal(shape) * 3, "target": target, "options": options}


@given(problem=cross_entropy_problems())
def test_cross_entropy_option_combinations_match_torch_to_second_order(
        problem: dict[str, Any]) -> None:
    """Any mix of weight, ignore_index, label_smoothing, probability targets and reduction:
    loss, first-order gradients (logits and probability target) and second-order gradients
    (the gradient of <first-order gradients, u>, built with create_graph=True) equal torch's."""
    options, target_array = problem["options"], problem["target"]
    probability_target = target_array.dtype.kind == "f"
    x = tge.tensor(problem["logits"], requires_grad=True)
    torch_x = torch.tensor(problem["logits"], requires_grad=True)
    y = tge.tensor(target_array, requires_grad=probability_target)
    torch_y = torch.tensor(target_array, requires_grad=probability_target)
    # The inputs to differentiate: the logits, and a probability target.
    ours = [x, y] if probability_target else [x]
    theirs = [torch_x, torch_y] if probability_target else [torch_x]
    loss = F.cross_entropy(x, y, **options)
    torch_loss = torch.nn.functional.cross_entropy(torch_x, torch_y, **torch_options(options))
    assert_close(loss, torch_loss)
    upstream = random_array(*loss.shape, seed=9)
    firsts = tge.autograd.grad(loss, ours, tge.tensor(upstream), create_graph=True)
    torch_firsts = torch.autograd.grad(torch_loss, theirs, torch.tensor(upstream),
                                       create_graph=True)
    directions = [random_array(*tensor.shape, seed=10 + index)
                  for index, tensor in enumerate(ours)]
    for first, torch_first in zip(firsts, torch_firsts):
        assert_close(first, torch_first)
    inner = sum((first * tge.tensor(u)).sum() for first, u in zip(firsts, directions))
    torch_inner = sum((first * torch.tensor(u)).sum() for first, u in zip(torch_firsts, directions))
    seconds = tge.autograd.grad(inner, ours, allow_unused=True)
    torch_seconds = torch.autograd.grad(torch_inner, theirs, allow_unused=True)
    for tensor, second, torch_second in zip(ours, seconds, torch_seconds):
        expected = torch.zeros(tensor.shape, dtype=torch.float64) if torch_second is None else (
            torch_second)
        assert_close(tge.zeros(*tensor.shape, dtype=tge.float64) if second is None else second,
                     expected)


def test_cross_entropy_minus_infinity_logit_with_zero_coefficient_is_not_nan() -> None:
    """A masked-out class (logit -inf, so p = 0) whose coefficient is 0 adds nothing to the loss:
    0 · log 0 counts as 0, not NaN (torch gives NaN in these cases). The reference is torch
    with -1e300 in place of -inf (p is 0 there too, log p finite), to which loss and gradients
    are equal; so is torch's own gradient with -inf, which is finite."""
    minus_inf = np.array([[0.5, -np.inf, 1.0, -0.25], [2.0, 0.0, -np.inf, 1.0]])
    finite = np.where(np.isinf(minus_inf), -1e300, minus_inf)
    labels = np.array([2, 3])
    zero_on_masked = np.array([1.0, 0.0, 0.0, 2.0])  # the masked classes weigh 0
    cases = [
        (labels, {"weight": zero_on_masked}),
        (labels, {"weight": zero_on_masked, "label_smoothing": 0.2}),
        (np.array([1, 3]), {"weight": zero_on_masked, "reduction": "none"}),  # label weighs 0
        (np.array([[0.5, 0.0, 0.5, 0.0], [0.25, 0.25, 0.0, 0.5]]), {}),
        (np.array([[0.5, 0.0, 0.5, 0.0], [0.25, 0.25, 0.0, 0.5]]), {"reduction": "sum"}),
    ]
    for target, options in cases:
        x = tge.tensor(minus_inf, requires_grad=True)
        loss = F.cross_entropy(x, tge.tensor(target), **options)
        torch_x = torch.tensor(finite, requires_grad=True)
        torch_loss = torch.nn.functional.cross_entropy(torch_x, torch.tensor(target),
                                                       **torch_options(options))
        assert np.all(np.isfinite(loss._data))
        assert_close(loss, torch_loss)
        upstream = random_array(*loss.shape, seed=11)
        loss.backward(tge.tensor(upstream))
        torch_loss.backward(torch.tensor(upstream))
        assert_close(x.grad, torch_x.grad)
        masked_x = torch.tensor(minus_inf, requires_grad=True)
        torch.nn.functional.cross_entropy(masked_x, torch.tensor(target), **torch_options(
            options)).backward(torch.tensor(upstream))
        assert_close(x.grad, masked_x.grad)


@pytest.mark.parametrize("options", [{}, {"weight": CLASS_WEIGHT}, {"label_smoothing": 0.3},
                                     {"weight": CLASS_WEIGHT, "label_smoothing": 0.3}], ids=str)
def test_cross_entropy_every_target_ignored_with_options_like_torch(
        options: dict[str, Any]) -> None:
    """All samples ignored: the mean is NaN and the gradient 0 (torch's answer), also with
    weights and smoothing; "sum" and "none" give 0."""
    targets = np.full(6, 2)
    for reduction in ("mean", "sum", "none"):
        every = {**options, "ignore_index": 2, "reduction": reduction}
        x = tge.tensor(LOGITS, requires_grad=True)
        torch_x = torch.tensor(LOGITS, requires_grad=True)
        loss = F.cross_entropy(x, tge.tensor(targets), **every)
        torch_loss = torch.nn.functional.cross_entropy(torch_x, torch.tensor(targets),
                                                       **torch_options(every))
        assert_close(loss, torch_loss)
        loss.sum().backward()
        torch_loss.sum().backward()
        assert_close(x.grad, torch_x.grad)
        assert np.all(x.grad._data == 0)


@pytest.mark.parametrize("options", [
    {"reduction": reduction, **extra} for reduction in ("mean", "sum", "none")
    for extra in ({}, {"weight": CLASS_WEIGHT}, {"ignore_index": 3})], ids=str)
def test_nll_loss_matches_torch(options: dict[str, Any]) -> None:
    log_probabilities = LOGITS - np.log(np.exp(LOGITS).sum(axis=1, keepdims=True))
    targets = CLASS_TARGETS
    if "ignore_index" in options:
        targets = np.where(CLASS_TARGETS == -100, options["ignore_index"], CLASS_TARGETS)
    compare_loss(nn.NLLLoss(**options), torch.nn.NLLLoss(**torch_options(options)),
                 log_probabilities, targets)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_matches_torch(reduction: str) -> None:
    compare_loss(nn.MSELoss(reduction=reduction), torch.nn.MSELoss(reduction=reduction),
                 LOGITS, PROBABILITIES, target_requires_grad=True)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weights", [{}, {"weight": CLASS_WEIGHT},
                                     {"pos_weight": CLASS_WEIGHT[::-1].copy()},
                                     {"weight": CLASS_WEIGHT, "pos_weight": CLASS_WEIGHT}],
                         ids=["plain", "weight", "pos_weight", "both"])
@pytest.mark.parametrize("scale", [1.0, 1000.0], ids=["normal", "extreme"])
def test_bce_with_logits_matches_torch(reduction: str, weights: dict[str, Any],
                                       scale: float) -> None:
    compare_loss(nn.BCEWithLogitsLoss(reduction=reduction, **weights),
                 torch.nn.BCEWithLogitsLoss(reduction=reduction, **torch_options(weights)),
                 LOGITS * scale, PROBABILITIES, target_requires_grad=True)


def test_bce_with_logits_extreme_values_by_hand() -> None:
    x = tge.tensor([1000.0, -1000.0, 1000.0, -1000.0], dtype=tge.float64, requires_grad=True)
    y = tge.tensor([1.0, 0.0, 0.0, 1.0], dtype=tge.float64)
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="sum")
    assert loss.item() == 2000.0
    loss.backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0, -1.0]


def arrays_of(tensor: Any) -> np.ndarray:
    """A tinygrad_edu or torch tensor's values as a NumPy array."""
    return np.asarray(tensor.detach().numpy())


def gradients(output: tge.Tensor, inputs: list[tge.Tensor], upstream: Any = None,
              create_graph: bool = False) -> list[tge.Tensor]:
    """``tge.autograd.grad``, every gradient present (a None would be a failure here)."""
    found = tge.autograd.grad(output, inputs, upstream, create_graph=create_graph)
    assert all(grad is not None for grad in found)
    return [grad for grad in found if grad is not None]


def assert_same_values(ours: Any, theirs: Any) -> None:
    """Equal to torch's to 1e-10, infinities and NaNs in the same places."""
    actual, expected = arrays_of(ours), arrays_of(theirs)
    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)


BCE_INPUTS = 1.0 / (1.0 + np.exp(-LOGITS))  # probabilities in (0, 1)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("ours_factory, theirs_factory", [
    (nn.L1Loss, torch.nn.L1Loss),
    (nn.SmoothL1Loss, torch.nn.SmoothL1Loss),
    (lambda reduction: nn.SmoothL1Loss(reduction=reduction, beta=0.3),
     lambda reduction: torch.nn.SmoothL1Loss(reduction=reduction, beta=0.3)),
    (lambda reduction: nn.SmoothL1Loss(reduction=reduction, beta=0.0),
     lambda reduction: torch.nn.SmoothL1Loss(reduction=reduction, beta=0.0)),
    (nn.HuberLoss, torch.nn.HuberLoss),
    (lambda reduction: nn.HuberLoss(reduction=reduction, delta=0.4),
     lambda reduction: torch.nn.HuberLoss(reduction=reduction, delta=0.4)),
], ids=["l1", "smooth_l1", "smooth_l1_beta", "smooth_l1_beta_zero", "huber", "huber_delta"])
def test_regression_losses_match_torch(ours_factory: Callable[..., nn.Module],
                                       theirs_factory: Callable[..., Any],
                                       reduction: str) -> None:
    """Values and the gradients of input and target, both branches of smooth L1 and Huber
    (|input - target| runs from 0.03 to 5.5 here)."""
    compare_loss(ours_factory(reduction=reduction), theirs_factory(reduction=reduction),
                 LOGITS, PROBABILITIES, target_requires_grad=True)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weight", [None, CLASS_WEIGHT, np.full((6, 4), 0.5)],
                         ids=["plain", "per_class", "per_element"])
def test_bce_loss_matches_torch(reduction: str, weight: np.ndarray | None) -> None:
    options: dict[str, Any] = {} if weight is None else {"weight": weight}
    compare_loss(nn.BCELoss(reduction=reduction, **options),
                 torch.nn.BCELoss(reduction=reduction, **torch_options(options)),
                 BCE_INPUTS, PROBABILITIES, target_requires_grad=True)


def test_bce_at_probabilities_zero_and_one_matches_torch() -> None:
    """torch's guards: log clamped at -100 (finite loss), the denominator of the input's
    gradient at 1e-12 (gradient ±1e12 for a confident wrong answer, 0 for a right one); the
    target's gradient -logit(x) is ±inf there, as in torch."""
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1e-300, 0.5])
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.25, 0.75, 1.0, 0.5])
    ours_x, ours_y = tge.tensor(x, requires_grad=True), tge.tensor(y, requires_grad=True)
    theirs_x = torch.tensor(x, requires_grad=True)
    theirs_y = torch.tensor(y, requires_grad=True)
    for reduction in ("none", "sum", "mean"):
        loss = F.binary_cross_entropy(ours_x, ours_y, reduction=reduction)
        torch_loss = torch.nn.functional.binary_cross_entropy(theirs_x, theirs_y,
                                                              reduction=reduction)
        assert_same_values(loss, torch_loss)
        assert np.all(np.isfinite(arrays_of(loss)))
    losses = F.binary_cross_entropy(ours_x, ours_y, reduction="none")
    assert losses.tolist()[:4] == [0.0, 0.0, 100.0, 100.0]
    upstream = np.linspace(0.5, 2.0, len(x))
    grads = gradients(losses, [ours_x, ours_y], tge.tensor(upstream))
    torch_grads = torch.autograd.grad(
        torch.nn.functional.binary_cross_entropy(theirs_x, theirs_y, reduction="none"),
        [theirs_x, theirs_y], torch.tensor(upstream))
    for grad, torch_grad in zip(grads, torch_grads):
        assert_same_values(grad, torch_grad)
    assert np.all(np.isfinite(arrays_of(grads[0])))
    np.testing.assert_allclose(arrays_of(grads[0])[2], -upstream[2] / np.float32(1e-12),
                               rtol=1e-15)  # torch's float32 1e-12
    assert np.isinf(arrays_of(grads[1])[:4]).all()


def test_bce_second_derivative_inside_zero_one_matches_torch() -> None:
    """create_graph=True: the second derivative agrees with torch's inside (0, 1)."""
    x = tge.tensor(BCE_INPUTS, requires_grad=True)
    torch_x = torch.tensor(BCE_INPUTS, requires_grad=True)
    (grad,) = gradients(F.binary_cross_entropy(x, tge.tensor(PROBABILITIES)), [x],
                        create_graph=True)
    (torch_grad,) = torch.autograd.grad(torch.nn.functional.binary_cross_entropy(
        torch_x, torch.tensor(PROBABILITIES)), torch_x, create_graph=True)
    (second,) = gradients((grad * grad).sum(), [x])
    (torch_second,) = torch.autograd.grad((torch_grad * torch_grad).sum(), torch_x)
    assert_same_values(grad, torch_grad)
    assert_same_values(second, torch_second)


def test_bce_second_derivatives_at_zero_and_one_match_torch() -> None:
    """Differentiating the gradient again, inputs and target at p = 0, 1 and inside: torch's
    values (1e24-sized curvatures at a confident wrong answer), with a weight."""
    x = np.array([0.0, 1.0, 0.0, 1.0, 1e-3, 0.3, 0.999])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.2, 0.7, 0.5])
    weight = np.linspace(0.5, 2.0, len(x))
    for reduction in ("none", "mean"):
        leaves = [tge.tensor(x, requires_grad=True), tge.tensor(y, requires_grad=True)]
        torch_leaves = [torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)]
        loss = F.binary_cross_entropy(leaves[0], leaves[1], weight=weight, reduction=reduction)
        torch_loss = torch.nn.functional.binary_cross_entropy(
            torch_leaves[0], torch_leaves[1], weight=torch.tensor(weight), reduction=reduction)
        upstream = tge.tensor(np.ones(loss.shape), requires_grad=True)
        torch_upstream = torch.tensor(np.ones(tuple(torch_loss.shape)), requires_grad=True)
        (grad_x, _) = gradients(loss, leaves, upstream, create_graph=True)
        (torch_grad_x, _) = torch.autograd.grad(torch_loss, torch_leaves, torch_upstream,
                                                create_graph=True)
        assert_same_values(grad_x, torch_grad_x)
        second = gradients((grad_x * tge.tensor(weight)).sum(), [*leaves, upstream])
        torch_second = torch.autograd.grad((torch_grad_x * torch.tensor(weight)).sum(),
                                           [*torch_leaves, torch_upstream])
        for ours, theirs in zip(second, torch_second):
            assert_same_values(ours, theirs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softplus_extreme_inputs_match_torch(dtype: type) -> None:
    """Finite values and gradients for any input: 0 far left, the input itself far right."""
    values: np.ndarray = np.array([-1e30, -1000.0, -100.0, -30.0, -1e-8, 0.0, 1e-8, 19.9, 20.0,
                                   20.1, 100.0, 1000.0, 1e30], dtype=dtype)
    rtol, atol = (1e-6, 1e-30) if dtype == np.float32 else (RTOL, ATOL)
    for beta, threshold in ((1.0, 20.0), (2.0, 20.0), (0.5, 5.0), (-1.0, 20.0)):
        x = tge.tensor(values, requires_grad=True)
        torch_x = torch.tensor(values, requires_grad=True)
        output = F.softplus(x, beta, threshold)
        torch_output = torch.nn.functional.softplus(torch_x, beta, threshold)
        np.testing.assert_allclose(arrays_of(output), arrays_of(torch_output), rtol=rtol,
                                   atol=atol)
        assert output.dtype == dtype and np.all(np.isfinite(arrays_of(output)))
        upstream: np.ndarray = np.linspace(0.5, 1.5, len(values)).astype(dtype)
        (grad,) = gradients(output, [x], tge.tensor(upstream))
        (torch_grad,) = torch.autograd.grad(torch_output, torch_x, torch.tensor(upstream))
        np.testing.assert_allclose(arrays_of(grad), arrays_of(torch_grad), rtol=rtol, atol=atol)
        assert grad.dtype == dtype and np.all(np.isfinite(arrays_of(grad)))
    assert F.softplus(tge.tensor([1e30, -1e30], dtype=tge.float64)).tolist() == [1e30, 0.0]


def test_softplus_beyond_exp_range_is_finite_where_torch_overflows() -> None:
    """A listed difference: with a threshold above ~709 (float64's exp range) torch computes
    log(1 + exp(800)) = inf; the stable form here gives 800."""
    x = np.array([800.0, -800.0])
    ours = F.softplus(tge.tensor(x), threshold=1000.0)
    theirs = torch.nn.functional.softplus(torch.tensor(x), threshold=1000.0)
    assert ours.tolist() == [800.0, 0.0]
    assert arrays_of(theirs).tolist() == [float("inf"), 0.0]


def test_softplus_beta_zero_is_infinite_like_torch() -> None:
    x = tge.tensor([1.0, -2.0], requires_grad=True)
    torch_x = torch.tensor([1.0, -2.0], requires_grad=True)
    output = F.softplus(x, beta=0.0)
    torch_output = torch.nn.functional.softplus(torch_x, beta=0.0)
    assert output.tolist() == arrays_of(torch_output).tolist() == [float("inf")] * 2
    output.sum().backward()
    torch_output.sum().backward()
    assert x.grad is not None and torch_x.grad is not None
    assert x.grad.tolist() == torch_x.grad.tolist() == [0.5, 0.5]


def test_softplus_second_derivative_matches_torch() -> None:
    values = np.array([-25.0, -3.0, -0.5, 0.0, 0.5, 3.0, 25.0])
    x, torch_x = tge.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    (grad,) = gradients(F.softplus(x, 1.5).sum(), [x], create_graph=True)
    (torch_grad,) = torch.autograd.grad(torch.nn.functional.softplus(torch_x, 1.5).sum(),
                                        torch_x, create_graph=True)
    (second,) = gradients(grad.sum(), [x])
    (torch_second,) = torch.autograd.grad(torch_grad.sum(), torch_x)
    assert_same_values(grad, torch_grad)
    assert_same_values(second, torch_second)
    assert second.tolist()[-1] == 0.0  # the linear region


@pytest.mark.parametrize("name", ["l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_elementwise_weight_of_l1_and_huber_matches_torch(name: str, reduction: str) -> None:
    """torch's weight= (the input's shape): the weighted L1 mean divides by Σ weight, the
    weighted Huber mean by the number of elements. The weight gets its gradient too."""
    weight = np.random.default_rng(7).random(LOGITS.shape) + 0.1
    leaves = [tge.tensor(array, requires_grad=True) for array in (LOGITS, PROBABILITIES, weight)]
    torch_leaves = [torch.tensor(array, requires_grad=True)
                    for array in (LOGITS, PROBABILITIES, weight)]
    loss = getattr(F, name)(leaves[0], leaves[1], reduction=reduction, weight=leaves[2])
    torch_loss = getattr(torch.nn.functional, name)(*torch_leaves[:2], reduction=reduction,
                                                    weight=torch_leaves[2])
    assert_same_values(loss, torch_loss)
    upstream = random_array(*loss.shape, seed=8)
    grads = gradients(loss, leaves, tge.tensor(upstream))
    torch_grads = torch.autograd.grad(torch_loss, torch_leaves, torch.tensor(upstream))
    for grad, torch_grad in zip(grads, torch_grads):
        assert_same_values(grad, torch_grad)
    with pytest.raises(ValueError, match="Weights and input must have the same size"):
        getattr(F, name)(leaves[0], leaves[1], weight=np.ones(4))


LEGACY_REDUCTIONS = [(None, False), (False, None), (False, True), (True, True), (None, True)]


@pytest.mark.parametrize("size_average, reduce", LEGACY_REDUCTIONS, ids=str)
@pytest.mark.parametrize("name, arrays", [("l1_loss", (LOGITS, PROBABILITIES)),
                                          ("smooth_l1_loss", (LOGITS, PROBABILITIES)),
                                          ("binary_cross_entropy", (BCE_INPUTS, PROBABILITIES))])
def test_deprecated_size_average_and_reduce_like_torch(name: str, arrays: tuple[Any, Any],
                                                       size_average: Any, reduce: Any) -> None:
    """torch's legacy arguments still choose the reduction, with torch's warning."""
    with pytest.warns(UserWarning) as our_warnings:
        ours = getattr(F, name)(tge.tensor(arrays[0]), tge.tensor(arrays[1]),
                                size_average=size_average, reduce=reduce)
    with pytest.warns(UserWarning) as their_warnings:
        theirs = getattr(torch.nn.functional, name)(
            torch.tensor(arrays[0]), torch.tensor(arrays[1]), size_average=size_average,
            reduce=reduce)
    assert_same_values(ours, theirs)
    assert str(our_warnings[0].message) == str(their_warnings[0].message)
    module_name = {"l1_loss": "L1Loss", "smooth_l1_loss": "SmoothL1Loss",
                   "binary_cross_entropy": "BCELoss"}[name]
    with pytest.warns(UserWarning):
        module = getattr(nn, module_name)(size_average=size_average, reduce=reduce)
    with pytest.warns(UserWarning):
        torch_module = getattr(torch.nn, module_name)(size_average=size_average, reduce=reduce)
    assert module.reduction == torch_module.reduction


@pytest.mark.parametrize("name", ["l1_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_losses_warn_and_broadcast_like_torch(name: str) -> None:
    """A target of another shape broadcasts, with torch's warning (mse_loss does the same)."""
    x, target = random_array(3, 1, seed=9), random_array(4, seed=10)
    with pytest.warns(UserWarning, match="target size"):
        ours = getattr(F, name)(tge.tensor(x), tge.tensor(target), reduction="none")
    with pytest.warns(UserWarning, match="target size"):
        theirs = getattr(torch.nn.functional, name)(torch.tensor(x), torch.tensor(target),
                                                    reduction="none")
    assert_same_values(ours, theirs)


def test_new_loss_modules_repr_and_state_dict_like_torch() -> None:
    ours = nn.Sequential(nn.L1Loss(), nn.SmoothL1Loss(beta=0.5), nn.HuberLoss(delta=2.0),
                         nn.BCELoss(weight=tge.tensor(CLASS_WEIGHT)), nn.Softplus(beta=2.0))
    theirs = torch.nn.Sequential(torch.nn.L1Loss(), torch.nn.SmoothL1Loss(beta=0.5),
                                 torch.nn.HuberLoss(delta=2.0),
                                 torch.nn.BCELoss(weight=torch.tensor(CLASS_WEIGHT)),
                                 torch.nn.Softplus(beta=2.0))
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["3.weight"]
    assert (ours[1].beta, ours[2].delta, ours[4].threshold) == (0.5, 2.0, 20.0)


# ------------------------------------------------------------------------- functional extras
def test_one_hot_matches_torch_and_checks_values() -> None:
    labels = np.array([[0, 2], [1, 4]])
    assert np.array_equal(F.one_hot(tge.tensor(labels), 6).numpy(),
                          torch.nn.functional.one_hot(torch.tensor(labels), 6).numpy())
    assert F.one_hot(labels).shape == (2, 2, 5)
    with pytest.raises(ValueError, match="smaller than num_classes"):
        F.one_hot(labels, 3)
    with pytest.raises(ValueError, match="non-negative"):
        F.one_hot(np.array([-1, 0]))
    with pytest.raises(TypeError, match="index tensors"):
        F.one_hot(np.array([0.5]))


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_fraction_scaling_and_gradient(p: float) -> None:
    x = tge.ones(200_000, dtype=tge.float64, requires_grad=True)
    output = F.dropout(x, p, generator=np.random.default_rng(0))
    values = output.detach().numpy()
    dropped = values == 0
    # 200,000 Bernoulli draws: the standard error of the fraction is below 0.0012.
    assert abs(dropped.mean() - p) < 0.006
    np.testing.assert_allclose(values[~dropped], 1 / (1 - p), rtol=1e-15)
    output.sum().backward()
    assert np.array_equal(x.grad.numpy(), values)


def test_dropout_edge_cases_eval_and_errors() -> None:
    x = tge.tensor(random_array(3, 4), requires_grad=True)
    assert F.dropout(x, 0.0) is x
    assert F.dropout(x, 0.7, training=False) is x
    zeros = F.dropout(x, 1.0)
    assert np.array_equal(zeros.detach().numpy(), np.zeros((3, 4)))
    zeros.sum().backward()
    assert np.array_equal(x.grad.numpy(), np.zeros((3, 4)))
    layer = nn.Dropout(0.5)
    assert layer.eval()(x) is x
    assert layer.train().training
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(x, -0.1)
    first = nn.Dropout(0.5, generator=np.random.default_rng(3))(tge.ones(50))
    second = nn.Dropout(0.5, generator=np.random.default_rng(3))(tge.ones(50))
    assert np.array_equal(first.numpy(), second.numpy())


# --------------------------------------------------------------------------------- init
FAN_SHAPES = [(3, 4), (7, 2), (5, 3, 2), (4, 2, 3, 3), (1, 1), (2, 3, 4, 5, 6)]


@pytest.mark.parametrize("shape", FAN_SHAPES, ids=str)
def test_fan_in_and_fan_out_match_torch(shape: tuple[int, ...]) -> None:
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init.calculate_fan_in_and_fan_out(tge.zeros(shape)) == expected


def test_fan_needs_two_dimensions_and_gains_match_torch() -> None:
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.calculate_fan_in_and_fan_out(tge.zeros(5))
    for nonlinearity, param in [("linear", None), ("sigmoid", None), ("tanh", None),
                                ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
                                ("selu", None)]:
        assert init.calculate_gain(nonlinearity, param) == pytest.approx(
            torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-15)
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")


SHAPE = (400, 300)
FAN_IN, FAN_OUT = 300, 400
INIT_CASES: list[tuple[str, Callable[[tge.Tensor], tge.Tensor], float | None, float]] = [
    # name, init call, uniform bound (None for normal), expected std
    ("uniform", lambda t: init.uniform_(t, -0.3, 0.3), 0.3, 0.3 / math.sqrt(3)),
    ("article_uniform", init.article_uniform_, 0.5, 0.5 / math.sqrt(3)),
    ("normal", lambda t: init.normal_(t, 0.0, 0.7), None, 0.7),
    ("xavier_uniform", lambda t: init.xavier_uniform_(t, gain=2.0),
     2.0 * math.sqrt(6 / (FAN_IN + FAN_OUT)), 2.0 * math.sqrt(2 / (FAN_IN + FAN_OUT))),
    ("xavier_normal", init.xavier_normal_, None, math.sqrt(2 / (FAN_IN + FAN_OUT))),
    ("kaiming_uniform_relu", lambda t: init.kaiming_uniform_(t, nonlinearity="relu"),
     math.sqrt(6 / FAN_IN), math.sqrt(2 / FAN_IN)),
    ("kaiming_uniform_fan_out",
     lambda t: init.kaiming_uniform_(t, a=math.sqrt(5), mode="fan_out"),
     1 / math.sqrt(FAN_OUT), 1 / math.sqrt(3 * FAN_OUT)),
    ("kaiming_normal_relu", lambda t: init.kaiming_normal_(t, nonlinearity="relu"),
     None, math.sqrt(2 / FAN_IN)),
    ("kaiming_normal_fan_out",
     lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="tanh"),
     None, 5 / 3 / math.sqrt(FAN_OUT)),
]


@pytest.mark.parametrize("name, call, bound, std", INIT_CASES, ids=[c[0] for c in INIT_CASES])
def test_init_bounds_and_std(name: str, call: Callable[[tge.Tensor], tge.Tensor],
                             bound: float | None, std: float) -> None:
    _ = tge.manual_seed(1)
    tensor = nn.Parameter(tge.zeros(SHAPE, dtype=tge.float64))
    version = tensor._version.value
    assert call(tensor) is tensor
    assert tensor._version.value > version and tensor.requires_grad
    values = tensor.detach().numpy()
    # 120,000 draws: the sample std is within 1 % of the true one with overwhelming odds.
    assert abs(values.std() / std - 1) < 0.01
    assert abs(values.mean()) < 0.02 * std
    if bound is not None:
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.999 * bound


def test_constant_inits_generators_and_errors() -> None:
    tensor = tge.zeros(3, 2)
    assert init.ones_(tensor).tolist() == [[1.0] * 2] * 3
    assert init.constant_(tensor, 0.25).tolist() == [[0.25] * 2] * 3
    assert init.zeros_(tensor).tolist() == [[0.0] * 2] * 3
    first = init.normal_(tge.zeros(5), generator=np.random.default_rng(9)).numpy().copy()
    second = init.normal_(tge.zeros(5), generator=np.random.default_rng(9)).numpy()
    assert np.array_equal(first, second)
    article = init.article_uniform_(tge.zeros(4, 3, dtype=tge.float64),
                                    generator=np.random.default_rng(2))
    assert np.array_equal(article.numpy(), np.random.default_rng(2).random((4, 3)) - 0.5)
    with pytest.raises(ValueError, match="Mode fan_both not supported"):
        init.kaiming_uniform_(tge.zeros(2, 2), mode="fan_both")
    with pytest.raises(TypeError, match="floating point"):
        init.ones_(tge.tensor([1, 2]))


# --------------------------------------------------------------------------------- Module
class OurNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Flatten(), nn.Linear(12, 8), nn.ReLU())
        self.blocks = nn.ModuleList([nn.Linear(8, 8), nn.Linear(8, 8)])
        self.dropout = nn.Dropout(0.25)
        self.head = nn.Linear(8, 3, bias=False)
        self.scale = nn.Parameter(tge.ones(3))

    def forward(self, x: tge.Tensor) -> tge.Tensor:
        x = self.features(x)
        for block in self.blocks:
            x = block(x).tanh()
        return self.head(self.dropout(x)) * self.scale


class TorchNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 8),
                                            torch.nn.ReLU())
        self.blocks = torch.nn.ModuleList([torch.nn.Linear(8, 8), torch.nn.Linear(8, 8)])
        self.dropout = torch.nn.Dropout(0.25)
        self.head = torch.nn.Linear(8, 3, bias=False)
        self.scale = torch.nn.Parameter(torch.ones(3))

    def forward(self, x: Any) -> Any:
        x = self.features(x)
        for block in self.blocks:
            x = block(x).tanh()
        return self.head(self.dropout(x)) * self.scale


def test_parameter_names_order_and_modules_match_torch() -> None:
    ours, theirs = OurNet(), TorchNet()
    assert [(name, tuple(p.shape)) for name, p in ours.named_parameters()] == [
        (name, tuple(p.shape)) for name, p in theirs.named_parameters()]
    assert [name for name, _ in ours.named_modules()] == [
        name for name, _ in theirs.named_modules()]
    assert [name for name, _ in ours.named_children()] == [
        name for name, _ in theirs.named_children()]
    assert [type(child).__name__ for child in ours.children()] == [
        type(child).__name__ for child in theirs.children()]
    assert len(list(ours.modules())) == len(list(theirs.modules()))
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in ours.parameters())


def test_shared_parameters_are_listed_once() -> None:
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    torch_layer = torch.nn.Linear(2, 2)
    torch_model = torch.nn.Sequential(torch_layer, torch.nn.ReLU(), torch_layer)
    assert [name for name, _ in model.named_parameters()] == [
        name for name, _ in torch_model.named_parameters()]


@pytest.mark.parametrize("ours_factory, theirs_factory", [
    (lambda: nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10)),
     lambda: torch.nn.Sequential(torch.nn.Linear(784, 64), torch.nn.ReLU(),
                                 torch.nn.Linear(64, 10))),
    (OurNet, TorchNet),
    (lambda: nn.Sequential(nn.Softmax(dim=1), nn.LogSoftmax(), nn.Sigmoid(), nn.Tanh(),
                           nn.Identity(), nn.Dropout(0.1), nn.Flatten(0, 2),
                           nn.Linear(2, 3, bias=False)),
     lambda: torch.nn.Sequential(torch.nn.Softmax(dim=1), torch.nn.LogSoftmax(),
                                 torch.nn.Sigmoid(), torch.nn.Tanh(), torch.nn.Identity(),
                                 torch.nn.Dropout(0.1), torch.nn.Flatten(0, 2),
                                 torch.nn.Linear(2, 3, bias=False))),
    (lambda: nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.Linear(2, 3), nn.ModuleList()]),
     lambda: torch.nn.ModuleList([torch.nn.ReLU(), torch.nn.ReLU(), torch.nn.Linear(2, 3),
                                  torch.nn.ModuleList()])),
    (lambda: nn.Sequential(nn.CrossEntropyLoss(), nn.NLLLoss(), nn.MSELoss(),
                           nn.BCEWithLogitsLoss(), nn.Sequential()),
     lambda: torch.nn.Sequential(torch.nn.CrossEntropyLoss(), torch.nn.NLLLoss(),
                                 torch.nn.MSELoss(), torch.nn.BCEWithLogitsLoss(),
                                 torch.nn.Sequential())),
], ids=["mlp", "net", "layers", "module_list", "losses"])
def test_repr_equals_torch(ours_factory: Callable[[], Any],
                           theirs_factory: Callable[[], Any]) -> None:
    # The custom models differ only in their class names.
    assert repr(ours_factory()).replace("OurNet", "TorchNet") == repr(theirs_factory())


def test_parameter_repr_and_sharing() -> None:
    data = tge.ones(2)
    parameter = nn.Parameter(data)
    assert repr(parameter) == repr(torch.nn.Parameter(torch.ones(2)))
    assert parameter._data is data._data and parameter.is_leaf
    assert not nn.Parameter(tge.ones(2), requires_grad=False).requires_grad
    assert type(parameter * 2) is tge.Tensor


def test_train_eval_propagate() -> None:
    model = OurNet()
    assert all(module.training for module in model.modules())
    assert model.eval() is model
    assert not any(module.training for module in model.modules())
    model.train()
    assert all(module.training for module in model.modules())
    model.features.eval()
    assert model.training and not model.features[1].training and model.blocks[0].training


def test_zero_grad_both_ways() -> None:
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    model(tge.ones(4, 3)).sum().backward()
    grad = model[0].weight.grad
    model.zero_grad(set_to_none=False)
    assert model[0].weight.grad is grad and not grad.numpy().any()
    model(tge.ones(4, 3)).sum().backward()
    model.zero_grad()
    assert all(parameter.grad is None for parameter in model.parameters())


def test_registration_errors_and_attribute_access() -> None:
    layer = nn.Linear(2, 3)
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        layer.weight = tge.ones(3, 2)
    layer.bias = None
    assert layer.bias is None and [name for name, _ in layer.named_parameters()] == ["weight"]
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        _ = layer.missing

    class Early(nn.Module):
        def __init__(self) -> None:
            self.layer = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(tge.ones(1))


def test_module_to_double_keeps_parameter_objects() -> None:
    model = nn.Sequential(nn.Linear(3, 2))
    weight = model[0].weight
    assert model.double() is model and model[0].weight is weight
    assert all(p.dtype == np.float64 for p in model.parameters())
    assert model(tge.ones(1, 3, dtype=tge.float64)).dtype == np.float64
    assert model.float()[0].weight.dtype == np.float32


# ------------------------------------------------------------------------------ state dict
def test_state_dict_keys_and_shapes_match_torch() -> None:
    ours, theirs = OurNet(), TorchNet()
    assert [(key, tuple(value.shape)) for key, value in ours.state_dict().items()] == [
        (key, tuple(value.shape)) for key, value in theirs.state_dict().items()]
    weighted = nn.CrossEntropyLoss(weight=tge.ones(3)).state_dict()
    assert list(weighted) == list(torch.nn.CrossEntropyLoss(weight=torch.ones(3)).state_dict())


def test_state_dict_is_a_detached_copy() -> None:
    model = nn.Linear(2, 2)
    state = model.state_dict()
    assert isinstance(state, OrderedDict)
    assert not state["weight"].requires_grad
    before = state["weight"].numpy().copy()
    with tge.no_grad():
        model.weight.add_(1.0)
    assert np.array_equal(state["weight"].numpy(), before)


def test_weights_move_both_ways_with_torch() -> None:
    ours, theirs = OurNet().double().requires_grad_(False), TorchNet().double()
    ours.eval()
    theirs.eval()
    x = random_array(5, 3, 4, seed=8)
    # Same weights, same float64 math: equal up to BLAS summation order (1e-12).
    # torch -> ours: NumPy arrays, or torch's state dict itself (np.asarray converts it).
    ours.load_state_dict({key: value.detach().numpy() for key, value in
                          theirs.state_dict().items()})
    np.testing.assert_allclose(ours(tge.tensor(x)).numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12, atol=1e-12)
    fresh = OurNet().double().eval().requires_grad_(False)
    fresh.load_state_dict(theirs.state_dict())
    np.testing.assert_array_equal(fresh(tge.tensor(x)).numpy(), ours(tge.tensor(x)).numpy())
    # ours -> torch.
    source = OurNet().double().eval().requires_grad_(False)
    theirs.load_state_dict({key: torch.from_numpy(value.numpy()) for key, value in
                            source.state_dict().items()})
    np.testing.assert_allclose(source(tge.tensor(x)).numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12, atol=1e-12)


def test_load_state_dict_copies_in_place_and_converts_dtype() -> None:
    model = nn.Linear(2, 2)
    weight, version = model.weight, model.weight._version.value
    model.load_state_dict({"weight": np.ones((2, 2)), "bias": [0.5, 0.5]})
    assert model.weight is weight and weight.dtype == np.float32
    assert weight._version.value > version and weight.requires_grad and weight.grad_fn is None
    assert weight.tolist() == [[1.0, 1.0], [1.0, 1.0]] and model.bias.tolist() == [0.5, 0.5]


def test_load_state_dict_errors() -> None:
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    good = model.state_dict()
    before = model[0].weight.detach().numpy().copy()
    broken = dict(good)
    del broken["2.bias"]
    broken["2.extra"] = np.zeros(1)
    broken["0.weight"] = np.zeros((2, 2))
    with pytest.raises(RuntimeError) as error:
        model.load_state_dict(broken)
    message = str(error.value)
    assert "Error(s) in loading state_dict for Sequential" in message
    assert 'Missing key(s) in state_dict: "2.bias".' in message
    assert 'Unexpected key(s) in state_dict: "2.extra".' in message
    assert ("size mismatch for 0.weight: copying a param with shape (2, 2) from checkpoint, "
            "the shape in current model is (3, 2).") in message
    assert np.array_equal(model[0].weight.detach().numpy(), before)
    del broken["0.weight"]
    result = model.load_state_dict(broken, strict=False)
    assert result.missing_keys == ["0.weight", "2.bias"]
    assert result.unexpected_keys == ["2.extra"]
    with pytest.raises(RuntimeError, match="size mismatch for 2.bias"):
        model.load_state_dict({"2.bias": np.zeros(2)}, strict=False)


# ---------------------------------------------------------------------------- typed errors
def test_cross_entropy_errors_name_the_problem() -> None:
    logits = tge.tensor(LOGITS)
    with pytest.raises(IndexError, match=r"cross_entropy: target 7 is out of bounds"):
        F.cross_entropy(logits, tge.tensor([0, 1, 7, 0, 0, 0]))
    with pytest.raises(IndexError, match="cross_entropy: target -2"):
        F.cross_entropy(logits, tge.tensor([0, 1, -2, 0, 0, 0]))
    with pytest.raises(ValueError, match=r"cross_entropy: expected class targets of shape \(6,\)"):
        F.cross_entropy(logits, tge.tensor([0, 1]))
    with pytest.raises(ValueError, match="cross_entropy: probability targets must have"):
        F.cross_entropy(logits, tge.rand(6, 5))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.cross_entropy(logits, tge.tensor(CLASS_TARGETS), reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(logits, tge.tensor(CLASS_TARGETS), label_smoothing=1.5)
    with pytest.raises(ValueError, match="one entry per class"):
        F.cross_entropy(logits, tge.tensor(CLASS_TARGETS), weight=np.ones(3))
    with pytest.raises(ValueError, match="ignore_index is not supported"):
        F.cross_entropy(logits, tge.tensor(PROBABILITIES), ignore_index=1)
    with pytest.raises(TypeError, match="cross_entropy: target must hold"):
        F.cross_entropy(logits, tge.tensor([True] * 6))
    with pytest.raises(TypeError, match="cross_entropy: input must be a floating point"):
        F.cross_entropy(tge.tensor([[1, 2]]), tge.tensor([0]))


def test_other_loss_errors() -> None:
    with pytest.raises(IndexError, match="nll_loss: target 4 is out of bounds"):
        F.nll_loss(tge.tensor(LOGITS), tge.tensor([0, 1, 4, 0, 0, 0]))
    with pytest.raises(TypeError, match="nll_loss: target must hold integer"):
        F.nll_loss(tge.tensor(LOGITS), tge.tensor(PROBABILITIES))
    with pytest.raises(ValueError, match="target size"):
        F.binary_cross_entropy_with_logits(tge.zeros(3, 1), tge.zeros(3))
    with pytest.raises(ValueError, match="pos_weight of shape"):
        F.binary_cross_entropy_with_logits(tge.zeros(3, 2), tge.zeros(3, 2), pos_weight=[1.0] * 3)
    with pytest.warns(UserWarning, match="target size"):
        F.mse_loss(tge.zeros(3, 1), tge.zeros(3))
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="average")(tge.zeros(2), tge.zeros(2))


ERROR_CASES: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("bce_input_above_one", lambda lib, F_: F_.binary_cross_entropy(
        lib.tensor([0.5, 1.5]), lib.tensor([1.0, 0.0]))),
    ("bce_input_negative", lambda lib, F_: F_.binary_cross_entropy(
        lib.tensor([-0.1]), lib.tensor([1.0]))),
    ("bce_input_nan", lambda lib, F_: F_.binary_cross_entropy(
        lib.tensor([float("nan")]), lib.tensor([1.0]))),
    ("bce_target_outside", lambda lib, F_: F_.binary_cross_entropy(
        lib.tensor([0.5]), lib.tensor([2.0]))),
    ("bce_shape", lambda lib, F_: F_.binary_cross_entropy(
        lib.tensor([0.5, 0.5]), lib.tensor([1.0]))),
    ("bce_dtype", lambda lib, F_: F_.binary_cross_entropy(
        lib.tensor([0.5]), lib.tensor([1.0], dtype=lib.float64))),
    ("bce_weight_shape", lambda lib, F_: F_.binary_cross_entropy(
        lib.tensor([0.5, 0.5]), lib.tensor([1.0, 1.0]), weight=lib.ones(3))),
    ("bce_weight_bigger", lambda lib, F_: F_.binary_cross_entropy(
        lib.tensor([0.5, 0.5]), lib.tensor([1.0, 1.0]), weight=lib.ones(2, 2))),
    ("bce_integer", lambda lib, F_: F_.binary_cross_entropy(lib.tensor([1, 0]),
                                                            lib.tensor([1, 0]))),
    ("bce_reduction", lambda lib, F_: F_.binary_cross_entropy(
        lib.tensor([0.5]), lib.tensor([1.0]), reduction="avg")),
    ("softplus_integer", lambda lib, F_: F_.softplus(lib.tensor([1, 2]))),
    ("smooth_l1_negative_beta", lambda lib, F_: F_.smooth_l1_loss(
        lib.tensor([0.5]), lib.tensor([1.0]), beta=-1.0)),
    ("smooth_l1_integer", lambda lib, F_: F_.smooth_l1_loss(lib.tensor([1]), lib.tensor([2]))),
    ("huber_zero_delta", lambda lib, F_: F_.huber_loss(lib.tensor([0.5]), lib.tensor([1.0]),
                                                       delta=0.0)),
    ("huber_negative_delta", lambda lib, F_: F_.huber_loss(lib.tensor([0.5]),
                                                           lib.tensor([1.0]), delta=-1.0)),
    ("l1_reduction", lambda lib, F_: F_.l1_loss(lib.tensor([0.5]), lib.tensor([1.0]),
                                                reduction="avg")),
    ("l1_integer_mean", lambda lib, F_: F_.l1_loss(lib.tensor([1, 2]), lib.tensor([1, 1]))),
    ("huber_reduction", lambda lib, F_: F_.huber_loss(lib.tensor([0.5]), lib.tensor([1.0]),
                                                      reduction="avg")),
]


@pytest.mark.parametrize("name, call", ERROR_CASES, ids=[case[0] for case in ERROR_CASES])
def test_new_function_errors_have_torchs_types(name: str, call: Callable[[Any, Any], Any]) -> None:
    """The same exception type as torch for the same mistake; our message names the function."""
    with pytest.raises(Exception) as theirs:
        call(torch, torch.nn.functional)
    with pytest.raises(Exception) as ours:
        call(tge, F)
    assert type(ours.value) is type(theirs.value), (ours.value, theirs.value)
    message = str(ours.value)
    assert any(word in message for word in ("binary_cross_entropy", "softplus", "smooth_l1_loss",
                                            "huber_loss", "l1_loss", "reduction", "mean()"))


def test_bce_error_messages_say_what_and_how_to_fix() -> None:
    with pytest.raises(RuntimeError, match=r"all elements of input should be between 0 and 1, "
                                           r"but input\[1\] = 1.5.*_with_logits"):
        F.binary_cross_entropy(tge.tensor([0.5, 1.5]), tge.tensor([1.0, 0.0]))
    with pytest.raises(RuntimeError, match=r"target\[0, 1\] = -1.0"):
        F.binary_cross_entropy(tge.full((2, 2), 0.5), tge.tensor([[0.0, -1.0], [0.0, 0.0]]))
    with pytest.raises(RuntimeError, match="Found dtype float64 but expected float32.*target.to"):
        F.binary_cross_entropy(tge.tensor([0.5]), tge.tensor([1.0], dtype=tge.float64))
    with pytest.raises(NotImplementedError, match=r"softplus: not implemented for int64.*\.float"):
        F.softplus(tge.tensor([1, 2]))
    with pytest.raises(TypeError, match="softplus: input must be a Tensor"):
        F.softplus([1.0])  # type: ignore[arg-type]
