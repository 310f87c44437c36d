"""Convolution gradients against formulas derived by hand and against central differences.

No torch here: the oracles are the definition of a convolution written as loops, gradients
worked out on paper (derivations in the comments), and finite differences through the public
test kit (``tinygrad_edu.testing.check_function`` and ``tinygrad_edu.gradcheck``).

Notation (ops/convolution.py's): X (N, C, H, W), W (O, C / groups, kh, kw), b (O,),
    Z[n, o, i, j] = b[o] + Σ_{c, a, b'} W[o, c, a, b'] · X_pad[n, g(o)·C/groups + c,
                                                           i·sh + a·dh, j·sw + b'·dw]
and dZ the upstream gradient. Then, since Z is linear in X, W and b:
    dX_pad[n, c, p, q] = Σ over (o, i, j, a, b') with i·sh + a·dh = p, j·sw + b'·dw = q of
                         W[o, c, a, b'] dZ[n, o, i, j]              (col2im(Wᵀ dZ))
    dW[o, c, a, b']    = Σ_{n, i, j} dZ[n, o, i, j] X_pad[n, c, i·sh + a·dh, j·sw + b'·dw]
    db[o]              = Σ_{n, i, j} dZ[n, o, i, j]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tge
from tinygrad_edu.autograd import grad as autograd_grad
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.nn import functional as F
from tinygrad_edu.ops.convolution import (
    Conv2d,
    Conv2dInputGradient,
    Conv2dWeightGradient,
    ConvGeometry,
)
from tinygrad_edu.testing import arrays, check_function, real_values

# float64, the same sums in a different order.
TOLERANCE = 1e-10


def leaf(values: Any) -> tge.Tensor:
    """A float64 leaf that requires grad."""
    return tge.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def grad_of(tensor: tge.Tensor) -> np.ndarray:
    """The array of ``tensor.grad`` (which must exist)."""
    assert tensor.grad is not None
    return tensor.grad.numpy()


def assert_close(actual: np.ndarray, expected: np.ndarray) -> None:
    np.testing.assert_allclose(actual, expected, rtol=TOLERANCE, atol=TOLERANCE)


def loop_conv2d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None,
                stride: tuple[int, int], padding: tuple[int, int], dilation: tuple[int, int],
                groups: int) -> np.ndarray:
    """The definition of Z above, one output element at a time (slow, obviously right)."""
    x = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    batch, channels, height, width = x.shape
    out_channels, group_channels, kernel_height, kernel_width = weight.shape
    out_height = (height - dilation[0] * (kernel_height - 1) - 1) // stride[0] + 1
    out_width = (width - dilation[1] * (kernel_width - 1) - 1) // stride[1] + 1
    output = np.zeros((batch, out_channels, out_height, out_width))
    per_group = out_channels // groups
    for n in range(batch):
        for o in range(out_channels):
            first = (o // per_group) * group_channels  # the group's first input channel
            for i in range(out_height):
                for j in range(out_width):
                    total = 0.0 if bias is None else bias[o]
                    for c in range(group_channels):
                        for a in range(kernel_height):
                            for b in range(kernel_width):
                                total += weight[o, c, a, b] * x[
                                    n, first + c, i * stride[0] + a * dilation[0],
                                    j * stride[1] + b * dilation[1]]
                    output[n, o, i, j] = total
    return output


@st.composite
def loop_problems(draw: st.DrawFn) -> dict[str, Any]:
    """Small random 2-D problems for the loop definition."""
    groups = draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    sides = [max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, 2))
             for k, p, d in zip(kernel, padding, dilation)]
    channels, kernels = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return {"x": rng.uniform(-1, 1, (draw(st.integers(1, 2)), channels, *sides)),
            "weight": rng.uniform(-1, 1, (kernels, channels // groups, *kernel)),
            "bias": rng.uniform(-1, 1, kernels) if draw(st.booleans()) else None,
            "stride": stride, "padding": padding, "dilation": dilation, "groups": groups}


@settings(max_examples=20)
@given(problem=loop_problems())
def test_forward_is_the_loop_definition(problem: dict[str, Any]) -> None:
    bias = None if problem["bias"] is None else tge.tensor(problem["bias"])
    options = {key: problem[key] for key in ("stride", "padding", "dilation", "groups")}
    output = F.conv2d(tge.tensor(problem["x"]), tge.tensor(problem["weight"]), bias, **options)
    np.testing.assert_allclose(output.numpy(), loop_conv2d(
        problem["x"], problem["weight"], problem["bias"], **options))


@given(batch=st.integers(1, 3), channels=st.integers(1, 4), kernels=st.integers(1, 4),
       height=st.integers(1, 4), width=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_a_one_by_one_kernel_is_a_matrix_product_per_pixel(
        batch: int, channels: int, kernels: int, height: int, width: int, seed: int) -> None:
    """kh = kw = 1: Z[n, :, i, j] = W X[n, :, i, j] + b with W (O, C), the article's Linear
    layer at every pixel. So (the article's dA = Wᵀ dZ, dW = dZ Aᵀ, db = Σ dZ, summed over the
    pixels and samples as well):
        dX[n, :, i, j] = Wᵀ dZ[n, :, i, j],  dW = Σ_{n, i, j} dZ[n, :, i, j] X[n, :, i, j]ᵀ."""
    rng = np.random.default_rng(seed)
    x_array = rng.standard_normal((batch, channels, height, width))
    matrix = rng.standard_normal((kernels, channels))
    bias_array = rng.standard_normal(kernels)
    upstream = rng.standard_normal((batch, kernels, height, width))
    x, weight, bias = leaf(x_array), leaf(matrix[:, :, None, None]), leaf(bias_array)
    output = F.conv2d(x, weight, bias)
    expected = np.einsum("oc,nchw->nohw", matrix, x_array) + bias_array[:, None, None]
    assert_close(output.detach().numpy(), expected)
    output.backward(tge.tensor(upstream))
    assert_close(grad_of(x), np.einsum("oc,nohw->nchw", matrix, upstream))
    assert_close(grad_of(weight)[:, :, 0, 0], np.einsum("nohw,nchw->oc", upstream, x_array))
    assert_close(grad_of(bias), upstream.sum(axis=(0, 2, 3)))


def test_an_all_ones_kernel_input_gradient_counts_window_overlaps() -> None:
    """W = ones(3, 3), dZ = ones: dX[p, q] is the number of windows that contain pixel (p, q).
    On a 5x5 image the 3x3 windows start at rows 0, 1, 2; row p lies in the windows starting at
    max(0, p - 2) .. min(p, 2), that is 1, 2, 3, 2, 1 windows for p = 0..4; the same for the
    columns, so the count is the outer product."""
    x, weight = leaf(np.zeros((1, 1, 5, 5))), leaf(np.ones((1, 1, 3, 3)))
    F.conv2d(x, weight).sum().backward()
    per_row = np.array([1.0, 2.0, 3.0, 2.0, 1.0])
    np.testing.assert_array_equal(grad_of(x)[0, 0], np.outer(per_row, per_row))
    # Each tap of W sees the 3x3 block of the zero image: dW = 0. With x = ones it sees 9 ones.
    np.testing.assert_array_equal(grad_of(weight), np.zeros((1, 1, 3, 3)))


def test_same_padding_windows_are_centred_on_every_pixel() -> None:
    """With padding 1 on a 5x5 image, a 3x3 window is centred on every pixel (centres 0..4 per
    axis). Row p lies in the windows centred at p - 1, p, p + 1 that exist: 2, 3, 3, 3, 2 of
    them for p = 0..4, so with dZ = ones dX is the outer product (4 in a corner, 9 inside).
    With x = ones, dW[a, b] counts the real pixels tap (a, b) sees: tap row a reads image rows
    i + a − 1 for i = 0..4, of which 5 − |a − 1| are inside, so dW = outer([4, 5, 4])."""
    x, weight = leaf(np.ones((1, 1, 5, 5))), leaf(np.ones((1, 1, 3, 3)))
    F.conv2d(x, weight, padding="same").sum().backward()
    per_row = np.array([2.0, 3.0, 3.0, 3.0, 2.0])
    np.testing.assert_array_equal(grad_of(x)[0, 0], np.outer(per_row, per_row))
    seen = np.array([4.0, 5.0, 4.0])
    np.testing.assert_array_equal(grad_of(weight)[0, 0], np.outer(seen, seen))


def test_strided_gradient_skips_the_pixels_no_window_reads() -> None:
    """A 1x1 kernel at stride 2 reads pixels (2i, 2j) only: dX = w · dZ there and 0 at every
    other pixel (the last row and column of a 6x6 image included)."""
    x, weight = leaf(np.ones((1, 1, 6, 6))), leaf([[[[2.0]]]])
    upstream = np.arange(9.0).reshape(1, 1, 3, 3)
    F.conv2d(x, weight, stride=2).backward(tge.tensor(upstream))
    expected = np.zeros((6, 6))
    expected[::2, ::2] = 2.0 * upstream[0, 0]
    np.testing.assert_array_equal(grad_of(x)[0, 0], expected)
    # Each output read a pixel equal to 1: dw = Σ dZ.
    assert float(grad_of(weight)[0, 0, 0, 0]) == upstream.sum()


def test_dilated_one_dimensional_example_by_hand() -> None:
    """x = [x0 .. x4], w = [w0, w1], dilation 2: z_i = w0 x_i + w1 x_{i+2} for i = 0, 1, 2.
    dz/dx: x_p receives w0 g_p (p <= 2) plus w1 g_{p-2} (p >= 2);  dw0 = Σ g_i x_i,
    dw1 = Σ g_i x_{i+2};  db = Σ g_i. All values are dyadic: the results are exact."""
    x_values, (w0, w1), g = [1.0, 2.0, -1.0, 0.5, 4.0], (0.5, -2.0), [1.0, -1.0, 0.25]
    x, weight, bias = leaf([[x_values]]), leaf([[[w0, w1]]]), leaf([0.75])
    output = F.conv1d(x, weight, bias, dilation=2)
    assert output.tolist() == [[[w0 * x_values[i] + w1 * x_values[i + 2] + 0.75
                                 for i in range(3)]]]
    output.backward(tge.tensor([[g]]))
    assert grad_of(x).tolist() == [[[w0 * g[0], w0 * g[1], w0 * g[2] + w1 * g[0], w1 * g[1],
                                     w1 * g[2]]]]
    assert grad_of(weight).tolist() == [[[sum(g[i] * x_values[i] for i in range(3)),
                                          sum(g[i] * x_values[i + 2] for i in range(3))]]]
    assert grad_of(bias).tolist() == [sum(g)]


def test_depthwise_groups_convolve_each_channel_on_its_own() -> None:
    """groups = C: output channel c is channel c of X convolved with kernel c, as C separate
    one-channel convolutions."""
    rng = np.random.default_rng(0)
    x_array, kernels = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((3, 1, 2, 3))
    grouped = F.conv2d(tge.tensor(x_array), tge.tensor(kernels), groups=3, padding=(1, 0))
    for channel in range(3):
        alone = F.conv2d(tge.tensor(x_array[:, channel:channel + 1]),
                         tge.tensor(kernels[channel:channel + 1]), padding=(1, 0))
        assert_close(grouped.numpy()[:, channel:channel + 1], alone.numpy())


def test_mixed_second_derivative_is_the_weight_gradient_of_the_direction() -> None:
    """L = <conv(X, W), G> is bilinear, so dL/dX = col2im(Wᵀ G) is linear in W and
    d/dW <dL/dX, U> = Σ_{n, i, j} G[n, o, i, j] U_pad[n, c, i·s + a·d, j·s + b·d]: the weight
    gradient of a convolution whose input is U. Checked against the loop definition (the
    gradient of W ↦ <loop_conv2d(U, W), G> is that same sum)."""
    rng = np.random.default_rng(1)
    x_array, weight_array = rng.standard_normal((2, 2, 5, 4)), rng.standard_normal((3, 2, 2, 2))
    g, u = rng.standard_normal((2, 3, 2, 4)), rng.standard_normal((2, 2, 5, 4))
    x, weight = leaf(x_array), leaf(weight_array)
    options: dict[str, Any] = {"stride": (2, 1), "padding": (0, 1), "dilation": (1, 2)}
    (grad_x,) = autograd_grad([(F.conv2d(x, weight, **options) * tge.tensor(g)).sum()], [x],
                              create_graph=True)
    (mixed,) = autograd_grad([(grad_x * tge.tensor(u)).sum()], [weight])
    expected = np.zeros_like(weight_array)
    for index in np.ndindex(*weight_array.shape):  # d/dW[index] of <loop_conv2d(U, W), G>
        tap = np.zeros_like(weight_array)
        tap[index] = 1.0
        expected[index] = (loop_conv2d(u, tap, None, groups=1, **options) * g).sum()
    assert mixed is not None
    assert_close(mixed.numpy(), expected)


# ------------------------------------------------------------------ finite differences (kit)
GEOMETRIES = [
    {"stride": 1, "padding": 0},
    {"stride": (2, 1), "padding": (1, 2), "dilation": (1, 2)},
    {"padding": "same", "dilation": 2, "groups": 2},
]


@pytest.mark.parametrize("options", GEOMETRIES, ids=str)
def test_conv2d_through_check_function(options: dict[str, Any]) -> None:
    """The public checker: forward against the loop definition, then first and second order
    central differences (eps 1e-6, atol 1e-7, rtol 1e-6) and the invariants."""
    groups = options.get("groups", 1)
    shapes = st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(3, 5),
                       st.integers(3, 5), st.integers(1, 3), st.integers(1, 3))

    @st.composite
    def inputs(draw: st.DrawFn) -> list[np.ndarray]:
        batch, per_group, height, width, kernel_height, kernel_width = draw(shapes)
        kernels = groups * draw(st.integers(1, 2))
        return [draw(arrays((batch, groups * per_group, height, width), real_values(-1, 1))),
                draw(arrays((kernels, per_group, kernel_height, kernel_width),
                            real_values(-1, 1))),
                draw(arrays((kernels,), real_values(-1, 1)))]

    def reference(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
        stride = options.get("stride", 1)
        dilation = options.get("dilation", 1)
        pairs = [value if isinstance(value, tuple) else (value, value)
                 for value in (stride, dilation)]
        padding = options["padding"]
        if padding == "same":  # torch's rule: d·(k − 1) zeros, the odd one after
            totals = [step * (size - 1) for step, size in zip(pairs[1], weight.shape[2:])]
            x = np.pad(x, ((0, 0), (0, 0), *[(total // 2, total - total // 2)
                                             for total in totals]))
            padding = 0
        pads = padding if isinstance(padding, tuple) else (padding, padding)
        return loop_conv2d(x, weight, bias, pairs[0], pads, pairs[1], groups)

    check_function(lambda x, weight, bias: F.conv2d(x, weight, bias, **options),
                   reference=reference, inputs=inputs(), max_examples=5, name="conv2d")


@settings(max_examples=8)
@given(problem=loop_problems())
def test_gradcheck_and_gradgradcheck_on_drawn_geometries(problem: dict[str, Any]) -> None:
    """gradcheck and gradgradcheck (the kit's central differences) on every drawn option."""
    options = {key: problem[key] for key in ("stride", "padding", "dilation", "groups")}
    inputs = [leaf(problem["x"]), leaf(problem["weight"])]
    if problem["bias"] is not None:
        inputs.append(leaf(problem["bias"]))
    assert gradcheck(lambda *tensors: F.conv2d(*tensors, **options), inputs)
    assert gradgradcheck(lambda *tensors: F.conv2d(*tensors, **options), inputs)


@pytest.mark.parametrize("op", ["Conv2d", "Conv2dInputGradient", "Conv2dWeightGradient"])
def test_each_op_passes_gradgradcheck_on_its_own(op: str) -> None:
    """The three ops one by one (each backward is written with the other two)."""
    geometry = ConvGeometry((2, 1), ((1, 0), (0, 2)), (1, 2), 2)
    rng = np.random.default_rng(2)
    x = leaf(rng.standard_normal((2, 4, 5, 4)))
    weight = leaf(rng.standard_normal((4, 2, 2, 2)))
    grad_output = leaf(rng.standard_normal((2, 4, 3, 4)))
    if op == "Conv2d":
        function, inputs = (lambda a, b: Conv2d.apply(a, b, geometry=geometry)), [x, weight]
    elif op == "Conv2dInputGradient":
        function = (lambda a, b: Conv2dInputGradient.apply(a, b, input_shape=(2, 4, 5, 4),
                                                           geometry=geometry))
        inputs = [grad_output, weight]
    else:
        function = (lambda a, b: Conv2dWeightGradient.apply(a, b, kernel_size=(2, 2),
                                                            geometry=geometry))
        inputs = [x, grad_output]
    assert function(*inputs).shape == {"Conv2d": (2, 4, 3, 4), "Conv2dInputGradient": (
        2, 4, 5, 4), "Conv2dWeightGradient": (4, 2, 2, 2)}[op]
    assert gradcheck(function, inputs)
    assert gradgradcheck(function, inputs)
