"""Convolutions against torch: ``nn.functional.conv1d/conv2d``, ``tinygrad_edu.conv1d/conv2d``
and the layers ``nn.Conv1d/Conv2d``.

* hypothesis draws whole problems (batched or single inputs, batch, channels, groups, kernel
  sizes, strides, paddings as ints, pairs, "same" and "valid", dilations, bias or none, and the
  ways torch lets each be written) and compares, in float64 to 1e-10, the forward value, the
  first-order gradients and the second-order gradients (the gradient of <vᵀJ, u> with respect
  to every input and to v) with torch.autograd, and in float32 the values and gradients to
  1e-5;
* the layers: forward and gradients from the same weights as torch's layers, repr, attributes,
  state_dict keys both ways, torch's default initialisation, a small CNN trained for a few SGD
  steps next to torch's;
* every malformed argument raises the exception type torch raises, with a message that names the
  call, the shapes and the fix.

The op table (``tests/op_cases.py``, ``CONVOLUTION_CASES``) runs six fixed configurations
through the shared invariant and finite-difference tests as well; ``test_conv_hand_derived.py``
checks the gradients against formulas derived by hand and central differences.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tge
from tinygrad_edu import nn
from tinygrad_edu.autograd import grad as autograd_grad
from tinygrad_edu.nn import functional as F

torch = pytest.importorskip("torch")

# (rtol, atol). float64: the same sums in another order; float32: a few ulps per product.
FLOAT64_TOLERANCE = (1e-10, 1e-10)
FLOAT32_TOLERANCE = (1e-5, 1e-5)


# ----------------------------------------------------------------------------------- problems
@dataclass
class Problem:
    """One convolution call: float64 arrays and the options, written as the call writes them."""

    spatial_dims: int
    input: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    options: dict[str, Any]

    def arrays(self) -> list[np.ndarray]:
        return [self.input, self.weight] + ([] if self.bias is None else [self.bias])

    def call(self, lib: ModuleType, *tensors: Any) -> Any:
        """The convolution in ``lib`` (torch or tinygrad_edu) of ``tensors`` (input, weight and
        the bias when there is one)."""
        function = lib.nn.functional.conv2d if self.spatial_dims == 2 else \
            lib.nn.functional.conv1d
        bias = tensors[2] if len(tensors) == 3 else None
        with warnings.catch_warnings():  # torch's note on "same" with even kernels
            warnings.simplefilter("ignore", UserWarning)
            return function(tensors[0], tensors[1], bias, **self.options)


def written(draw: st.DrawFn, values: tuple[int, ...]) -> Any:
    """``values`` as a call may write them: an int when they are equal, a tuple, a list, or a
    sequence of one (which torch repeats)."""
    forms: list[Any] = [tuple(values), list(values)]
    if len(set(values)) == 1:
        forms += [values[0], (values[0],)]
    return draw(st.sampled_from(forms))


@st.composite
def problems(draw: st.DrawFn, max_side: int = 4, values: float = 1.0) -> Problem:
    """A random valid convolution: 1-D or 2-D, batched or not, every option drawn."""
    spatial_dims = draw(st.sampled_from([1, 2]))
    groups = draw(st.integers(1, 3))
    per_group_in, per_group_out = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(spatial_dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(spatial_dims))
    padding_kind = draw(st.sampled_from(["ints", "same", "valid"]))
    if padding_kind == "same":
        stride = (1,) * spatial_dims
        added = [step * (size - 1) for size, step in zip(kernel, dilation)]
        padding: Any = "same"
    else:
        stride = tuple(draw(st.integers(1, 3)) for _ in range(spatial_dims))
        pads = tuple(draw(st.integers(0, 2)) for _ in range(spatial_dims))
        padding = "valid" if padding_kind == "valid" else written(draw, pads)
        added = [0 if padding_kind == "valid" else 2 * pad for pad in pads]
    sides = []
    for size, step, extra in zip(kernel, dilation, added):
        smallest = max(1, step * (size - 1) + 1 - extra)
        sides.append(draw(st.integers(smallest, smallest + max_side)))
    batch = draw(st.sampled_from([None, 1, 2, 3]))  # None: one unbatched input
    input_shape = (groups * per_group_in, *sides)
    if batch is not None:
        input_shape = (batch, *input_shape)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    out_channels = groups * per_group_out
    bias = rng.uniform(-values, values, out_channels) if draw(st.booleans()) else None
    options: dict[str, Any] = {"padding": padding}
    if draw(st.booleans()) or stride != (1,) * spatial_dims:
        options["stride"] = written(draw, stride)
    if draw(st.booleans()) or dilation != (1,) * spatial_dims:
        options["dilation"] = written(draw, dilation)
    if draw(st.booleans()) or groups != 1:
        options["groups"] = groups
    return Problem(spatial_dims, rng.uniform(-values, values, input_shape),
                   rng.uniform(-values, values, (out_channels, per_group_in, *kernel)), bias,
                   options)


def ours_and_theirs(problem: Problem, dtype: Any = np.float64) -> tuple[list[Any], list[Any]]:
    """Leaves that require grad, ours and torch's, holding the problem's arrays."""
    arrays = [array.astype(dtype) for array in problem.arrays()]
    return ([tge.tensor(array, requires_grad=True) for array in arrays],
            [torch.tensor(array, requires_grad=True) for array in arrays])


def assert_close(ours: Any, theirs: Any, tolerance: tuple[float, float] = FLOAT64_TOLERANCE,
                 label: str = "") -> None:
    actual = ours._data if isinstance(ours, tge.Tensor) else np.asarray(ours)
    expected = theirs.detach().numpy()
    assert actual.shape == expected.shape, label
    assert actual.dtype == expected.dtype, label
    np.testing.assert_allclose(actual, expected, rtol=tolerance[0], atol=tolerance[1],
                               err_msg=label)


# ------------------------------------------------------------------- values and gradients
@given(problem=problems(), data=st.data())
def test_forward_and_first_order_gradients_match_torch(problem: Problem,
                                                       data: st.DataObject) -> None:
    ours, theirs = ours_and_theirs(problem)
    output, their_output = problem.call(tge, *ours), problem.call(torch, *theirs)
    assert_close(output, their_output, label="output")
    assert output._data.flags.c_contiguous  # view() accepts what it accepts in torch
    seed = data.draw(st.integers(0, 2**32 - 1))
    upstream = np.random.default_rng(seed).uniform(-1, 1, tuple(their_output.shape))
    output.backward(tge.tensor(upstream))
    their_output.backward(torch.tensor(upstream))
    for index, (leaf, their_leaf) in enumerate(zip(ours, theirs)):
        assert_close(leaf.grad, their_leaf.grad, label=f"gradient of input {index}")


@settings(max_examples=15)
@given(problem=problems(max_side=3), data=st.data())
def test_second_order_gradients_match_torch(problem: Problem, data: st.DataObject) -> None:
    """With g = vᵀJ built with create_graph=True and random directions u, the gradients of
    s = Σ <g_k, u_k> with respect to every input and to v equal torch's."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    ours, theirs = ours_and_theirs(problem)
    output, their_output = problem.call(tge, *ours), problem.call(torch, *theirs)
    upstream = rng.uniform(-1, 1, tuple(their_output.shape))
    directions = [rng.uniform(-1, 1, array.shape) for array in problem.arrays()]
    our_upstream = tge.tensor(upstream, requires_grad=True)
    their_upstream = torch.tensor(upstream, requires_grad=True)
    first = autograd_grad([output], ours, [our_upstream], create_graph=True)
    their_first = torch.autograd.grad([their_output], theirs, [their_upstream],
                                      create_graph=True)
    inner = (first[0] * tge.tensor(directions[0])).sum()
    for gradient, direction in zip(first[1:], directions[1:]):
        inner = inner + (gradient * tge.tensor(direction)).sum()
    their_inner = sum((g * torch.tensor(u)).sum() for g, u in zip(their_first, directions))
    targets, their_targets = [*ours, our_upstream], [*theirs, their_upstream]
    second = autograd_grad([inner], targets, allow_unused=True)
    their_second = torch.autograd.grad([their_inner], their_targets, allow_unused=True)
    for index, (gradient, their_gradient, target) in enumerate(
            zip(second, their_second, targets)):
        label = f"second-order gradient of target {index}"
        if their_gradient is None:
            # The bias enters linearly and never meets another input: no second derivative.
            assert gradient is None or not np.any(gradient._data), label
        else:
            assert gradient is not None, label
            assert_close(gradient, their_gradient, label=label)
        assert target.shape == tuple(their_targets[index].shape)


@given(problem=problems(values=1.0), data=st.data())
def test_float32_stays_float32_and_matches_torch(problem: Problem, data: st.DataObject) -> None:
    ours, theirs = ours_and_theirs(problem, np.float32)
    output, their_output = problem.call(tge, *ours), problem.call(torch, *theirs)
    assert output.dtype == np.float32 and output._data.dtype == np.float32
    assert_close(output, their_output, FLOAT32_TOLERANCE, "output")
    seed = data.draw(st.integers(0, 2**32 - 1))
    upstream = np.random.default_rng(seed).uniform(-1, 1, tuple(their_output.shape))
    output.backward(tge.tensor(upstream.astype(np.float32)))
    their_output.backward(torch.tensor(upstream.astype(np.float32)))
    for index, (leaf, their_leaf) in enumerate(zip(ours, theirs)):
        assert leaf.grad._data.dtype == np.float32
        assert_close(leaf.grad, their_leaf.grad, FLOAT32_TOLERANCE, f"input {index}")


@pytest.mark.parametrize("needed", [(True, False), (False, True), (False, False)],
                         ids=["input only", "weight only", "bias only"])
def test_only_the_needed_gradients_are_computed(needed: tuple[bool, bool]) -> None:
    """A layer's first convolution (input without grad) and frozen weights give torch's
    gradients for what requires grad, and None elsewhere."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((2, 4, 6, 5)), rng.standard_normal((6, 2, 3, 2)),
              rng.standard_normal(6)]
    requires = [*needed, True]
    ours = [tge.tensor(a, requires_grad=r) for a, r in zip(arrays, requires)]
    theirs = [torch.tensor(a, requires_grad=r) for a, r in zip(arrays, requires)]
    options: dict[str, Any] = {"stride": (2, 1), "padding": 1, "groups": 2}
    F.conv2d(ours[0], ours[1], ours[2], **options).sum().backward()
    torch.nn.functional.conv2d(*theirs, **options).sum().backward()
    for leaf, their_leaf in zip(ours, theirs):
        if their_leaf.grad is None:
            assert leaf.grad is None
        else:
            assert_close(leaf.grad, their_leaf.grad)


def test_views_of_other_layouts_convolve_as_contiguous_tensors() -> None:
    """Transposed and strided views (inputs and weights whose memory is not in row-major
    order) give torch's values and gradients."""
    rng = np.random.default_rng(5)
    x_array, weight_array = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 2, 3))
    x, weight = tge.tensor(x_array, requires_grad=True), tge.tensor(weight_array,
                                                                    requires_grad=True)
    their_x = torch.tensor(x_array, requires_grad=True)
    their_weight = torch.tensor(weight_array, requires_grad=True)
    output = F.conv2d(x.transpose(2, 3)[:, :, ::2], weight.transpose(2, 3), padding=1)
    their_output = torch.nn.functional.conv2d(their_x.transpose(2, 3)[:, :, ::2],
                                              their_weight.transpose(2, 3), padding=1)
    assert_close(output, their_output)
    output.backward(tge.ones(*output.shape, dtype=tge.float64))
    their_output.backward(torch.ones_like(their_output))
    assert_close(x.grad, their_x.grad)
    assert_close(weight.grad, their_weight.grad)


def test_package_names_are_the_functional_ones() -> None:
    assert tge.conv2d is F.conv2d and tge.conv1d is F.conv1d


def test_same_padding_puts_the_odd_zero_after_as_torch() -> None:
    """An even kernel (total padding 3 for k=4): one zero before, two after, as torch."""
    x, weight = np.arange(1.0, 8.0).reshape(1, 1, 7), np.array([[[1.0, 0.0, 0.0, 0.0]]])
    output = F.conv1d(tge.tensor(x), tge.tensor(weight), padding="same")
    # Output i reads x[i - 1] (the first tap lands one pixel before): 0, 1, 2, ..., 6.
    assert output.tolist() == [[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]]]
    assert_close(output, torch.nn.functional.conv1d(torch.tensor(x), torch.tensor(weight),
                                                    padding="same"))


def test_integer_tensors_convolve_as_in_torch() -> None:
    x = np.arange(32).reshape(1, 2, 4, 4)
    weight = np.arange(-4, 4).reshape(2, 1, 2, 2)
    for dtype in (np.int64, np.int32):
        ours = F.conv2d(tge.tensor(x.astype(dtype)), tge.tensor(weight.astype(dtype)),
                        groups=2)
        theirs = torch.nn.functional.conv2d(torch.tensor(x.astype(dtype)),
                                            torch.tensor(weight.astype(dtype)), groups=2)
        assert ours.dtype == dtype
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_empty_batch_gives_an_empty_output_and_zero_gradients() -> None:
    x = tge.zeros(0, 3, 5, 5, requires_grad=True)
    layer, their_layer = nn.Conv2d(3, 4, 3), torch.nn.Conv2d(3, 4, 3)
    output = layer(x)
    assert output.shape == tuple(their_layer(torch.zeros(0, 3, 5, 5)).shape) == (0, 4, 3, 3)
    output.sum().backward()
    assert x.grad is not None and x.grad.shape == (0, 3, 5, 5)
    for parameter in layer.parameters():
        assert parameter.grad is not None and not np.any(parameter.grad.numpy())


def test_no_grad_keeps_no_graph_and_the_graph_is_freed_after_backward() -> None:
    layer = nn.Conv2d(2, 3, 3)
    with tge.no_grad():
        assert layer(tge.ones(1, 2, 5, 5)).grad_fn is None
    output = layer(tge.ones(1, 2, 5, 5))
    assert output.grad_fn.name() == "Conv2dBackward"
    output.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        output.sum().backward()


# ------------------------------------------------------------------------------------ layers
LAYER_CONFIGURATIONS: list[tuple[str, tuple[Any, ...], dict[str, Any], tuple[int, ...]]] = [
    ("Conv2d", (1, 32, 3), {}, (4, 1, 28, 28)),
    ("Conv2d", (4, 6, (3, 2)), {"stride": 2, "padding": (1, 0), "bias": False}, (2, 4, 9, 8)),
    ("Conv2d", (4, 6, 3), {"dilation": 2, "groups": 2, "padding": "same"}, (2, 4, 7, 6)),
    ("Conv2d", (3, 3, 2), {"groups": 3, "padding": "valid"}, (3, 5, 5)),
    ("Conv1d", (2, 4, 3), {"padding": 1}, (3, 2, 10)),
    ("Conv1d", (4, 2, 4), {"stride": 3, "dilation": 2, "groups": 2, "bias": False}, (2, 4, 15)),
    ("Conv1d", (2, 2, 4), {"padding": "same"}, (2, 9)),
]
LAYER_IDS = [f"{name}{arguments}{options}" for name, arguments, options, _ in
             LAYER_CONFIGURATIONS]


def make_layers(name: str, arguments: tuple[Any, ...], options: dict[str, Any]) -> tuple[Any, Any]:
    """Our layer and torch's, float64, with our (randomly initialised) weights in both."""
    ours = getattr(nn, name)(*arguments, dtype=tge.float64, **options)
    theirs = getattr(torch.nn, name)(*arguments, dtype=torch.float64, **options)
    theirs.load_state_dict({key: torch.from_numpy(value.numpy().copy())
                            for key, value in ours.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("name, arguments, options, shape", LAYER_CONFIGURATIONS,
                         ids=LAYER_IDS)
def test_layer_matches_torch_layer_from_the_same_weights(
        name: str, arguments: tuple[Any, ...], options: dict[str, Any],
        shape: tuple[int, ...]) -> None:
    ours, theirs = make_layers(name, arguments, options)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for attribute in ("in_channels", "out_channels", "kernel_size", "stride", "padding",
                      "dilation", "groups", "padding_mode", "transposed", "output_padding"):
        assert getattr(ours, attribute) == getattr(theirs, attribute), attribute
    array = np.random.default_rng(1).standard_normal(shape)
    x, their_x = tge.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        output, their_output = ours(x), theirs(their_x)
    assert_close(output, their_output)
    upstream = np.random.default_rng(2).standard_normal(tuple(their_output.shape))
    output.backward(tge.tensor(upstream))
    their_output.backward(torch.tensor(upstream))
    assert_close(x.grad, their_x.grad)
    for (key, parameter), (their_key, their_parameter) in zip(ours.named_parameters(),
                                                              theirs.named_parameters()):
        assert key == their_key
        assert_close(parameter.grad, their_parameter.grad, label=key)


@pytest.mark.parametrize("arguments, options", [
    ((3, 16, 3), {}),
    ((3, 16, (3, 5)), {"stride": 2, "padding": (1, 2), "dilation": 2, "bias": False}),
    ((4, 8, 3), {"padding": "same", "groups": 4}),
    ((4, 8, 3), {"padding": "valid", "stride": (1, 2), "padding_mode": "zeros"}),
    ((4, 8, 1), {"padding": 0, "dilation": 1, "groups": 1, "bias": True}),
])
def test_repr_matches_torch(arguments: tuple[Any, ...], options: dict[str, Any]) -> None:
    assert repr(nn.Conv2d(*arguments, **options)) == repr(torch.nn.Conv2d(*arguments, **options))
    one_dimensional = {key: value if not isinstance(value, tuple) else value[0]
                       for key, value in options.items()}
    kernel = arguments[2] if isinstance(arguments[2], int) else arguments[2][0]
    assert repr(nn.Conv1d(arguments[0], arguments[1], kernel, **one_dimensional)) == repr(
        torch.nn.Conv1d(arguments[0], arguments[1], kernel, **one_dimensional))


@pytest.mark.parametrize("name, arguments", [("Conv2d", (16, 32, 5)), ("Conv1d", (8, 64, 7)),
                                             ("Conv2d", (64, 128, 3, 1, 0, 1, 4))])
def test_default_init_matches_torch(name: str, arguments: tuple[Any, ...]) -> None:
    """torch's init: W ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform_ with a=sqrt(5)),
    b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in_channels / groups · Π kernel."""
    _ = tge.manual_seed(0)
    layer, their_layer = getattr(nn, name)(*arguments), getattr(torch.nn, name)(*arguments)
    weight, bias = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    their_weight = their_layer.weight.detach().numpy()
    assert weight.dtype == np.float32 and weight.shape == their_weight.shape
    fan_in = math.prod(their_weight.shape[1:])
    bound = 1 / math.sqrt(fan_in)
    assert np.abs(weight).max() <= bound and np.abs(bias).max() <= bound
    # U(-b, b) has std b / sqrt(3): tens of thousands of draws pin it to a few percent.
    assert abs(weight.std() / (bound / math.sqrt(3)) - 1) < 0.03
    assert abs(weight.std() / their_weight.std() - 1) < 0.05
    assert np.abs(bias).max() > 0.5 * bound


def test_init_is_reproducible_with_manual_seed_and_a_generator() -> None:
    _ = tge.manual_seed(3)
    first = nn.Conv2d(2, 3, 3)
    _ = tge.manual_seed(3)
    second = nn.Conv2d(2, 3, 3)
    assert np.array_equal(first.weight.detach().numpy(), second.weight.detach().numpy())
    first.reset_parameters(np.random.default_rng(1))
    second.reset_parameters(np.random.default_rng(1))
    assert first.bias is not None and second.bias is not None
    assert np.array_equal(first.bias.detach().numpy(), second.bias.detach().numpy())


def test_layer_dtype_device_and_state_dict_from_torch() -> None:
    layer = nn.Conv1d(2, 3, 2, dtype=tge.float64, device="cpu")
    assert all(parameter.dtype == np.float64 for parameter in layer.parameters())
    their_layer = torch.nn.Conv1d(2, 3, 2)
    layer.load_state_dict(their_layer.state_dict())
    signal = np.random.default_rng(0).standard_normal((2, 2, 6))
    np.testing.assert_allclose(layer(tge.tensor(signal)).detach().numpy(),
                               their_layer.double()(torch.tensor(signal)).detach().numpy(),
                               rtol=1e-6, atol=1e-6)
    with pytest.raises(RuntimeError):
        nn.Conv2d(1, 1, 3, device="cuda")


def test_small_cnn_trains_as_torch_for_a_few_sgd_steps() -> None:
    """Conv-ReLU-Conv-ReLU-Flatten-Linear from the same weights, cross-entropy, SGD: every
    parameter equal to torch's after three steps (float64)."""

    def network(lib: ModuleType) -> Any:
        return lib.nn.Sequential(
            lib.nn.Conv2d(1, 4, 3, padding=1), lib.nn.ReLU(),
            lib.nn.Conv2d(4, 6, 3, stride=2, groups=2), lib.nn.ReLU(),
            lib.nn.Flatten(), lib.nn.Linear(6 * 3 * 3, 10)).double()

    ours, theirs = network(tge), network(torch)
    theirs.load_state_dict({key: torch.from_numpy(value.numpy().copy())
                            for key, value in ours.state_dict().items()})
    optimizer = tge.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    their_optimizer = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(0)
    for _ in range(3):
        images, labels = rng.standard_normal((8, 1, 8, 8)), rng.integers(0, 10, 8)
        loss = F.cross_entropy(ours(tge.tensor(images)), tge.tensor(labels))
        their_loss = torch.nn.functional.cross_entropy(theirs(torch.tensor(images)),
                                                       torch.tensor(labels))
        assert abs(loss.item() - their_loss.item()) < 1e-10
        optimizer.zero_grad()
        their_optimizer.zero_grad()
        loss.backward()
        their_loss.backward()
        optimizer.step()
        their_optimizer.step()
    for (key, value), their_value in zip(ours.state_dict().items(),
                                         theirs.state_dict().values()):
        assert_close(value, their_value, label=key)


def test_gradient_penalty_through_a_layer_matches_torch() -> None:
    """Double backward through a layer: d/dW of ‖dL/dx‖², as in a WGAN-GP critic."""
    ours, theirs = make_layers("Conv2d", (2, 3, 3), {"padding": 1, "stride": 2})
    array = np.random.default_rng(4).standard_normal((2, 2, 5, 5))
    x, their_x = tge.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)
    (grad_x,) = autograd_grad([ours(x).tanh().sum()], [x], create_graph=True)
    (their_grad_x,) = torch.autograd.grad([theirs(their_x).tanh().sum()], [their_x],
                                          create_graph=True)
    assert grad_x is not None
    (grad_x * grad_x).sum().backward()
    (their_grad_x * their_grad_x).sum().backward()
    assert_close(ours.weight.grad, theirs.weight.grad)
    assert_close(ours.bias.grad, theirs.bias.grad)
    assert_close(x.grad, their_x.grad)


def test_output_views_like_torchs() -> None:
    """The output is contiguous, so view(N, -1) works as in torch (the tutorial's pattern)."""
    output = nn.Conv2d(1, 2, 3)(tge.ones(4, 1, 6, 6))
    assert output.view(4, -1).shape == (4, 32)


# ------------------------------------------------------------------------------------ errors
def x4(lib: ModuleType, *shape: int, dtype: Any = None) -> Any:
    return lib.ones(*shape, dtype=lib.float32 if dtype is None else dtype)


# (label, call(lib)): each raises in torch; ours must raise the same exception type.
ERROR_CASES: list[tuple[str, Callable[[ModuleType], Any]]] = [
    ("channels", lambda lib: lib.nn.functional.conv2d(x4(lib, 8, 1, 28, 28),
                                                      x4(lib, 16, 3, 3, 3))),
    ("input rank 5", lambda lib: lib.nn.functional.conv2d(x4(lib, 1, 1, 1, 5, 5),
                                                          x4(lib, 1, 1, 3, 3))),
    ("input rank 2", lambda lib: lib.nn.functional.conv2d(x4(lib, 5, 5), x4(lib, 1, 1, 3, 3))),
    ("weight rank 3", lambda lib: lib.nn.functional.conv2d(x4(lib, 1, 1, 5, 5),
                                                           x4(lib, 1, 3, 3))),
    ("input smaller than kernel", lambda lib: lib.nn.functional.conv2d(x4(lib, 1, 1, 2, 2),
                                                                       x4(lib, 1, 1, 3, 3))),
    ("input smaller than dilated kernel", lambda lib: lib.nn.functional.conv2d(
        x4(lib, 1, 1, 4, 4), x4(lib, 1, 1, 3, 3), dilation=2)),
    ("in channels not groups times weight's", lambda lib: lib.nn.functional.conv2d(
        x4(lib, 1, 3, 5, 5), x4(lib, 4, 1, 3, 3), groups=2)),
    ("out channels not divisible by groups", lambda lib: lib.nn.functional.conv2d(
        x4(lib, 1, 4, 5, 5), x4(lib, 3, 2, 3, 3), groups=2)),
    ("no out channels", lambda lib: lib.nn.functional.conv2d(x4(lib, 1, 1, 5, 5),
                                                             x4(lib, 0, 1, 3, 3))),
    ("zero kernel", lambda lib: lib.nn.functional.conv2d(x4(lib, 1, 1, 5, 5),
                                                         x4(lib, 1, 1, 0, 3))),
    ("float groups", lambda lib: lib.nn.functional.conv2d(x4(lib, 1, 4, 5, 5),
                                                          x4(lib, 2, 2, 3, 3), groups=2.0)),
    ("groups 0", lambda lib: lib.nn.functional.conv2d(x4(lib, 1, 4, 5, 5), x4(lib, 2, 4, 3, 3),
                                                      groups=0)),
    ("stride 0", lambda lib: lib.nn.functional.conv2d(x4(lib, 1, 1, 5, 5), x4(lib, 1, 1, 3, 3),
                                                      stride=0)),
    ("stride -1", lambda lib: lib.nn.functional.conv2d(x4(lib, 1, 1, 5, 5), x4(lib, 1, 1, 3, 3),
                                                       stride=(1, -1))),
    ("dilation 0", lambda lib: lib.nn.functional.conv2d(x4(lib, 1, 1, 5, 5),
                                                        x4(lib, 1, 1, 3, 3), dilation=0)),
    ("negative padding", lambda lib: lib.nn.functional.conv2d(x4(lib, 1, 1, 5, 5),
                                                              x4(lib, 1, 1, 3, 3), padding=-1)),
    ("three paddings", lambda lib: lib.nn.functional.conv2d(x4(lib, 1, 1, 5, 5),
                                                            x4(lib, 1, 1, 3, 3),
                                                            padding=(1, 1, 1))),
    ("float stride", lambda lib: lib.nn.functional.conv2d(x4(lib, 1, 1, 5, 5),
                                                          x4(lib, 1, 1, 3, 3), stride=1.5)),
    ("bool stride", lambda lib: lib.nn.functional.conv2d(x4(lib, 1, 1, 5, 5),
                                                         x4(lib, 1, 1, 3, 3), stride=True)),
    ("unknown padding string", lambda lib: lib.nn.functional.conv2d(
        x4(lib, 1, 1, 5, 5), x4(lib, 1, 1, 3, 3), padding="full")),
    ("same padding with stride", lambda lib: lib.nn.functional.conv2d(
        x4(lib, 1, 1, 5, 5), x4(lib, 1, 1, 3, 3), stride=2, padding="same")),
    ("input dtype differs from weight's", lambda lib: lib.nn.functional.conv2d(
        x4(lib, 1, 1, 5, 5, dtype=lib.float64), x4(lib, 1, 1, 3, 3))),
    ("bias dtype", lambda lib: lib.nn.functional.conv2d(
        x4(lib, 1, 1, 5, 5), x4(lib, 1, 1, 3, 3), x4(lib, 1, dtype=lib.float64))),
    ("bias shape", lambda lib: lib.nn.functional.conv2d(x4(lib, 1, 1, 5, 5), x4(lib, 2, 1, 3, 3),
                                                        x4(lib, 3))),
    ("bool tensors", lambda lib: lib.nn.functional.conv2d(
        x4(lib, 1, 1, 3, 3, dtype=lib.bool), x4(lib, 1, 1, 2, 2, dtype=lib.bool))),
    ("input not a tensor", lambda lib: lib.nn.functional.conv2d([[1.0]], x4(lib, 1, 1, 3, 3))),
    ("conv1d input rank 4", lambda lib: lib.nn.functional.conv1d(x4(lib, 1, 1, 5, 5),
                                                                 x4(lib, 1, 1, 3))),
    ("conv1d channels", lambda lib: lib.conv1d(x4(lib, 1, 2, 5), x4(lib, 1, 1, 3))),
    ("conv1d input too short", lambda lib: lib.conv1d(x4(lib, 1, 1, 2), x4(lib, 1, 1, 3))),
    ("conv1d padding pair", lambda lib: lib.conv1d(x4(lib, 1, 1, 5), x4(lib, 1, 1, 3),
                                                   padding=(1, 1))),
    ("layer: wrong channels", lambda lib: lib.nn.Conv2d(3, 16, 3)(x4(lib, 8, 1, 28, 28))),
    ("layer: stride 0 at forward", lambda lib: lib.nn.Conv2d(1, 1, 3, stride=0)(
        x4(lib, 1, 1, 5, 5))),
    ("layer: in_channels not divisible by groups", lambda lib: lib.nn.Conv2d(3, 4, 3, groups=2)),
    ("layer: out_channels not divisible by groups", lambda lib: lib.nn.Conv1d(4, 3, 3,
                                                                              groups=2)),
    ("layer: groups 0", lambda lib: lib.nn.Conv2d(4, 4, 3, groups=0)),
    ("layer: unknown padding string", lambda lib: lib.nn.Conv2d(4, 4, 3, padding="full")),
    ("layer: same padding with stride", lambda lib: lib.nn.Conv1d(4, 4, 3, padding="same",
                                                                  stride=2)),
    ("layer: unknown padding_mode", lambda lib: lib.nn.Conv2d(4, 4, 3, padding_mode="foo")),
]


@pytest.mark.parametrize("call", [case[1] for case in ERROR_CASES],
                         ids=[case[0] for case in ERROR_CASES])
def test_errors_have_torchs_exception_type(call: Callable[[ModuleType], Any]) -> None:
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(Exception) as ours:
        call(tge)
    assert type(ours.value) is type(theirs.value), (
        f"torch raises {type(theirs.value).__name__}, ours {type(ours.value).__name__}: "
        f"{ours.value}")


def test_error_messages_name_the_layer_the_shapes_and_the_fix() -> None:
    with pytest.raises(RuntimeError) as caught:
        nn.Conv2d(3, 16, 3)(tge.ones(8, 1, 28, 28))
    assert str(caught.value).startswith(
        "Conv2d: expected input with 3 channels (weight of shape (16, 3, 3, 3)), got input of "
        "shape (8, 1, 28, 28)")
    with pytest.raises(RuntimeError, match=r"conv1d: .* input of shape \(1, 1, 5, 5\); a batch "
                                           r"is \(N, C, L\)"):
        F.conv1d(tge.ones(1, 1, 5, 5), tge.ones(1, 1, 3))
    with pytest.raises(RuntimeError, match=r"padded input size per channel: \(4 x 4\)\. Kernel "
                                           r"size: \(5 x 5\).*use a larger input"):
        F.conv2d(tge.ones(1, 1, 4, 4), tge.ones(1, 1, 3, 3), dilation=2)
    with pytest.raises(RuntimeError, match=r"conv2d: input and weight must have the same dtype, "
                                           r"got input float64 and weight float32; convert"):
        F.conv2d(tge.ones(1, 1, 5, 5, dtype=tge.float64), tge.ones(1, 1, 3, 3))
    with pytest.raises(RuntimeError, match=r"Given groups=2, expected weight .* divisible by 2"):
        F.conv2d(tge.ones(1, 4, 5, 5), tge.ones(3, 2, 3, 3), groups=2)
    with pytest.raises(RuntimeError, match=r"conv2d: expected input with 2 channels \(weight of "
                                           r"shape \(4, 1, 3, 3\), groups=2\)"):
        F.conv2d(tge.ones(1, 3, 5, 5), tge.ones(4, 1, 3, 3), groups=2)
    with pytest.raises(RuntimeError, match="conv2d: non-positive stride"):
        F.conv2d(tge.ones(1, 1, 5, 5), tge.ones(1, 1, 3, 3), stride=0)
    with pytest.raises(ValueError, match="Conv1d: in_channels must be divisible by groups"):
        nn.Conv1d(3, 4, 3, groups=2)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_other_padding_modes_are_refused_clearly(mode: str) -> None:
    torch.nn.Conv2d(1, 1, 3, padding=1, padding_mode=mode)  # torch has them
    with pytest.raises(NotImplementedError, match=f"Conv2d: padding_mode='{mode}' is not "
                                                  "implemented in tinygrad_edu, only 'zeros'"):
        nn.Conv2d(1, 1, 3, padding=1, padding_mode=mode)


def test_documented_differences_from_torch() -> None:
    """README's "Known differences": torch's grad_fn is ConvolutionBackward0 (ours names the
    op, and a 1-D or single-image convolution ends in a reshape here), and torch warns about
    padding="same" with an even kernel where ours, whose padding is always a copy, does not."""
    images = tge.ones(1, 1, 5, 5, requires_grad=True)
    node = F.conv2d(images, tge.ones(1, 1, 2, 2)).grad_fn
    assert node is not None and node.name() == "Conv2dBackward"
    node = F.conv1d(tge.ones(1, 1, 5, requires_grad=True), tge.ones(1, 1, 2)).grad_fn
    assert node is not None and node.name() == "ReshapeBackward"
    # (torch warns once per process, so whether it warns here depends on the tests before.)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.conv2d(images, tge.ones(1, 1, 2, 2), padding="same")
