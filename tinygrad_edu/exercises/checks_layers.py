"""Checks of exercises 11 and 12: a convolution through im2col / col2im, and batch norm.

Both are judged by ``gradcheck``, as every exercise is. When gradcheck fails in the way the
typical mistake of the exercise makes it fail, the check says so first, in the learner's terms:

- col2im that assigns (``=``) instead of adding (``+=``) is wrong only where windows overlap
  (stride < kernel), and right on a case with stride = kernel;
- a batch-norm dx that holds the batch mean and variance constant does not sum to zero over
  the batch, as the true dx does in every channel.

Everything here is NumPy and the library's engine: no torch, and no library conv or batch-norm
op (the tests compare the reference solutions with torch).
"""

from __future__ import annotations

from functools import partial
from types import ModuleType
from typing import Any, Callable

import numpy as np

from tinygrad_edu.autograd import grad
from tinygrad_edu.exercises.checks import (
    CheckFailed, member, require_close, require_gradcheck, tensor64,
)
from tinygrad_edu.function import Context, Function, constant
from tinygrad_edu.tensor import Tensor

__all__ = [
    "BATCH_NORM_EPS", "CONV_CASES", "Im2Col", "check_batch_norm", "check_col2im_case",
    "check_conv2d", "im2col_sources",
]

Shape4 = tuple[int, int, int, int]

# (x shape, weight shape, stride, padding). The first has stride = kernel: no window overlaps
# another, so a col2im that assigns instead of adding passes it; the next two overlap.
CONV_CASES: tuple[tuple[Shape4, Shape4, int, int], ...] = (
    ((2, 2, 4, 6), (3, 2, 2, 2), 2, 0),
    ((2, 2, 5, 6), (3, 2, 3, 3), 1, 0),
    ((1, 3, 5, 5), (2, 3, 3, 2), 2, 1),
)


def im2col_sources(input_shape: Shape4, kernel_size: tuple[int, int], stride: int,
                   padding: int) -> np.ndarray:
    """For each entry of im2col's cols, the flat index of the input element it copies (-1: a
    zero of the padding). This is im2col's definition, as the exercise's docstring states it.

    Example:
        >>> im2col_sources((1, 1, 1, 3), (1, 2), stride=1, padding=0)
        array([[[0, 1],
                [1, 2]]])
    """
    N, C, H, W = input_shape
    kh, kw = kernel_size
    OH = (H + 2 * padding - kh) // stride + 1
    OW = (W + 2 * padding - kw) // stride + 1
    # Entry [n, c·kh·kw + i·kw + j, oh·OW + ow] holds padded x[n, c, oh·stride + i, ow·stride + j].
    n, c, i, j, oh, ow = np.indices((N, C, kh, kw, OH, OW))
    h = oh * stride + i - padding
    w = ow * stride + j - padding
    inside = (h >= 0) & (h < H) & (w >= 0) & (w < W)
    flat = ((n * C + c) * H + h) * W + w
    return np.where(inside, flat, -1).reshape(N, C * kh * kw, OH * OW)


def _reference_im2col(x: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """cols: each entry a copy of its source element of x (0 in the padding)."""
    return np.where(sources >= 0, x.reshape(-1)[np.maximum(sources, 0)], 0.0)


def _reference_col2im(cols: np.ndarray, sources: np.ndarray, input_shape: Shape4) -> np.ndarray:
    """The adjoint of ``_reference_im2col``: each entry of cols added into its source element."""
    inside = sources >= 0
    total = np.bincount(sources[inside], weights=cols[inside], minlength=int(np.prod(input_shape)))
    return total.reshape(input_shape)


class Im2Col(Function):
    """cols = im2col(x) (``im2col_sources``' definition); its backward is the learner's col2im.

    Example:
        >>> x = tensor64(np.arange(3.0).reshape(1, 1, 1, 3))
        >>> Im2Col.apply(x, kernel_size=(1, 2), stride=1, padding=0, col2im=None).shape
        Size([1, 2, 2])
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, kernel_size: tuple[int, int], stride: int,
                padding: int, col2im: Callable[..., Any]) -> np.ndarray:
        ctx.arguments = (x.shape, kernel_size, stride, padding)
        ctx.col2im = col2im
        return _reference_im2col(x, im2col_sources(x.shape, kernel_size, stride, padding))

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        grad_x = np.asarray(ctx.col2im(grad_output.detach().numpy().copy(), *ctx.arguments))
        return constant(grad_x.astype(grad_output.dtype))


def _reference_conv2d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, stride: int,
                      padding: int) -> np.ndarray:
    """The convolution straight from its definition: a weighted sum over each window."""
    F, _, kh, kw = weight.shape
    sources = im2col_sources(x.shape, (kh, kw), stride, padding)
    cols = _reference_im2col(x, sources)                                  # (N, C·kh·kw, L)
    output = np.einsum("fk,nkl->nfl", weight.reshape(F, -1), cols) + bias[None, :, None]
    OH = (x.shape[2] + 2 * padding - kh) // stride + 1
    return output.reshape(x.shape[0], F, OH, -1)


def _case_text(input_shape: Shape4, kernel_size: tuple[int, int], stride: int,
               padding: int) -> str:
    return (f"input {input_shape}, kernel {kernel_size}, stride {stride}, padding {padding}")


def _overlap_text(kernel_size: tuple[int, int], stride: int) -> str:
    """'stride 1 is smaller than the kernel (3, 3)', or than its height or width only."""
    kh, kw = kernel_size
    if stride < kh and stride < kw:
        return f"stride {stride} is smaller than the kernel {kernel_size}"
    if stride < kh:
        return f"stride {stride} is smaller than the kernel's height {kh}"
    return f"stride {stride} is smaller than the kernel's width {kw}"


def _explain_col2im(result: np.ndarray, cols: np.ndarray, sources: np.ndarray,
                    input_shape: Shape4, kernel_size: tuple[int, int], stride: int,
                    padding: int, no_overlap_case: str | None) -> str | None:
    """Words for a col2im that is wrong only where windows overlap (None: it is not that)."""
    expected = _reference_col2im(cols, sources, input_shape)
    coverage = np.bincount(sources[sources >= 0], minlength=expected.size).reshape(input_shape)
    wrong = ~np.isclose(result, expected, rtol=1e-10, atol=1e-10)
    if not wrong.any() or coverage[wrong].min() < 2:
        return None
    shared = int((coverage >= 2).sum())
    alone = int((coverage == 1).sum())
    case = _case_text(input_shape, kernel_size, stride, padding)
    text = (f"col2im, and so dL/dx, is wrong only where windows overlap ({case}): "
            f"{_overlap_text(kernel_size, stride)}, so neighbouring windows share input "
            f"elements. It is wrong at {int(wrong.sum())} of the {shared} input elements that "
            "lie in two or more windows")
    if alone:
        text += f", right at the {alone} that lie in one window"
    if no_overlap_case is not None:
        text += (f", and it passed the case {no_overlap_case}, where stride = kernel and no "
                 "windows overlap")
    text += ". "
    flat_sources, flat_cols = sources.reshape(-1), cols.reshape(-1)
    one_window_each = all(
        np.isclose(result.reshape(-1)[element], flat_cols[flat_sources == element],
                   rtol=1e-10, atol=1e-10).any()
        for element in np.flatnonzero(wrong))
    if one_window_each:
        text += ("At each wrong element it holds the value of a single window instead of the "
                 "sum: col2im assigns (x[...] = cols) where it must add (x[...] += cols), so the "
                 "last window to reach an element overwrites what the others put there. An "
                 "element copied into k windows receives k gradients, and they add up.")
    else:
        text += ("There it is not the sum of the values of the windows that hold the element: "
                 "every window must add its value into it (x[...] += cols).")
    return text


def check_col2im_case(col2im: Callable[..., Any], input_shape: Shape4,
                      kernel_size: tuple[int, int], stride: int, padding: int,
                      no_overlap_case: str | None = None) -> None:
    """col2im's shape on one case, then gradcheck of x ↦ im2col(x) with col2im as backward.

    Args:
        col2im: The learner's function.
        no_overlap_case: A case without overlapping windows that col2im passed already, for
            the message when it fails where windows overlap.

    Raises:
        CheckFailed: The shape is wrong, or gradcheck failed (with the overlap diagnosis first
            when the values are wrong only where windows overlap).

    Example:
        >>> from tinygrad_edu.exercises.solutions.ex11_conv2d_im2col import col2im
        >>> check_col2im_case(col2im, (1, 2, 5, 5), (3, 3), stride=1, padding=1)
    """
    sources = im2col_sources(input_shape, kernel_size, stride, padding)
    generator = np.random.default_rng(111)
    cols = generator.standard_normal(sources.shape)
    result = np.asarray(col2im(cols.copy(), input_shape, kernel_size, stride, padding))
    case = _case_text(input_shape, kernel_size, stride, padding)
    if result.shape != input_shape:
        padded = (*input_shape[:2], input_shape[2] + 2 * padding, input_shape[3] + 2 * padding)
        advice = (" That is the padded input's shape: cut the padding off at the end (it is not "
                  "part of x, so it gets no gradient)." if padding and result.shape == padded
                  else "")
        raise CheckFailed(
            f"col2im(cols {sources.shape}, ...) with {case} returned shape "
            f"{tuple(result.shape)}, but it must return the input's shape {input_shape}: it "
            f"is dL/dx.{advice}")
    x = tensor64(generator.standard_normal(input_shape))
    try:
        require_gradcheck(
            f"col2im with {case} (gradcheck of Im2Col, x ↦ im2col(x), whose backward is your "
            "col2im)",
            partial(Im2Col.apply, kernel_size=kernel_size, stride=stride, padding=padding,
                    col2im=col2im), [x], ("x",))
    except CheckFailed as failure:
        explanation = _explain_col2im(result, cols, sources, input_shape, kernel_size, stride,
                                      padding, no_overlap_case)
        if explanation is None:
            raise
        raise CheckFailed(f"{explanation}\n\n{failure}") from None


def check_conv2d(module: ModuleType) -> None:
    """Exercise 11: Conv2d's forward, col2im on each case, then gradcheck of Conv2d.

    Example:
        >>> from tinygrad_edu.exercises.solutions import ex11_conv2d_im2col
        >>> check_conv2d(ex11_conv2d_im2col)
    """
    conv2d = member(module, "Conv2d")
    col2im = member(module, "col2im")
    generator = np.random.default_rng(11)
    arrays = []
    for x_shape, weight_shape, stride, padding in CONV_CASES:
        x = generator.standard_normal(x_shape)
        weight = generator.standard_normal(weight_shape)
        bias = generator.standard_normal(weight_shape[0])
        arrays.append((x, weight, bias))
        output = conv2d.apply(tensor64(x), tensor64(weight), tensor64(bias), stride=stride,
                              padding=padding)
        require_close(f"Conv2d's forward (x {x_shape}, weight {weight_shape}, stride {stride}, "
                      f"padding {padding})", output,
                      _reference_conv2d(x, weight, bias, stride, padding), "the output")
    no_overlap_case = None
    for x_shape, weight_shape, stride, padding in CONV_CASES:
        kernel_size = (weight_shape[2], weight_shape[3])
        check_col2im_case(col2im, x_shape, kernel_size, stride, padding, no_overlap_case)
        if stride >= max(kernel_size) and no_overlap_case is None:
            no_overlap_case = f"kernel {kernel_size}, stride {stride}"
    for (x_shape, weight_shape, stride, padding), (x, weight, bias) in zip(CONV_CASES, arrays):
        require_gradcheck(
            f"Conv2d with x {x_shape}, weight {weight_shape}, bias ({weight_shape[0]},), stride "
            f"{stride}, padding {padding}", partial(conv2d.apply, stride=stride, padding=padding),
            [tensor64(x), tensor64(weight), tensor64(bias)], ("x", "weight", "bias"))


BATCH_NORM_EPS = 1e-5


def _sums_text(sums: np.ndarray) -> str:
    return "(" + ", ".join(f"{value:.4g}" for value in sums) + ")"


def _explain_batch_norm_dx(batch_norm: Any, x: np.ndarray, gamma: np.ndarray,
                           beta: np.ndarray) -> str | None:
    """Words for a dx that holds the batch statistics constant (None: it is not that)."""
    grad_output = np.random.default_rng(120).standard_normal(x.shape)
    x_tensor = tensor64(x)
    output = batch_norm.apply(x_tensor, tensor64(gamma), tensor64(beta))
    (grad_x,) = grad([output], [x_tensor], [tensor64(grad_output, requires_grad=False)],
                     allow_unused=True)
    if grad_x is None or tuple(grad_x.shape) != x.shape:
        return None
    dx = grad_x.detach().numpy()
    std = np.sqrt(x.var(axis=0) + BATCH_NORM_EPS)
    sums = dx.sum(axis=0)
    scale = 1.0 + float(np.abs(dx).max())
    if np.allclose(dx, gamma / std * grad_output, rtol=1e-8, atol=1e-10):
        return (
            "BatchNorm's dx ignores how x moves the batch statistics: it equals γ/σ·dy, the "
            "gradient you get when each channel's mean μ and variance σ² are held constant. "
            "They are computed from x: moving one x_i moves μ and σ² of its channel, and with "
            "them every x̂_j of the channel. A test shows the missing paths: adding the same "
            "constant to every x of a channel shifts μ by that constant and leaves x̂ (and so "
            "the loss) unchanged, so the true dx sums to zero over the batch in every channel. "
            f"Yours, for a random dy, sums to {_sums_text(sums)} in the {x.shape[1]} channels. "
            "Add the paths through μ and σ² (`python -m tinygrad_edu.exercises hint 12`).")
    mean_only = gamma / std * (grad_output - grad_output.mean(axis=0))
    if np.allclose(dx, mean_only, rtol=1e-8, atol=1e-10):
        return (
            "BatchNorm's dx follows x through the batch mean but holds the variance constant: "
            "it equals γ/σ·(dy - mean(dy)). σ² is computed from x too: the path through it "
            "(the term with Σ dy·x̂) is missing.")
    if not np.allclose(sums, 0.0, atol=1e-8 * scale):
        return (
            "BatchNorm's dx ignores how x moves the batch mean: the true dx sums to zero over "
            "the batch in every channel (adding the same constant to a whole channel leaves x̂ "
            f"and the loss unchanged), but yours, for a random dy, sums to {_sums_text(sums)}. "
            "Differentiate through μ = (1/m)·Σ x_i as well: every x_i of a channel moves it.")
    return None


def check_batch_norm(module: ModuleType) -> None:
    """Exercise 12: BatchNorm's forward, then gradcheck of dx, dγ and dβ on two batches.

    Example:
        >>> from tinygrad_edu.exercises.solutions import ex12_batch_norm
        >>> check_batch_norm(ex12_batch_norm)
    """
    batch_norm = member(module, "BatchNorm")
    generator = np.random.default_rng(12)
    for examples, channels in ((6, 3), (4, 2)):
        x = generator.normal(1.0, 2.0, (examples, channels))
        gamma = generator.uniform(0.5, 2.0, channels) * generator.choice([-1.0, 1.0], channels)
        beta = generator.standard_normal(channels)
        expected = gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + BATCH_NORM_EPS) + beta
        output = batch_norm.apply(tensor64(x), tensor64(gamma), tensor64(beta))
        require_close(f"BatchNorm's forward on x ({examples}, {channels})", output, expected,
                      "y = γ·x̂ + β")
        try:
            require_gradcheck(
                f"BatchNorm on x ({examples}, {channels}): {examples} examples, {channels} "
                "channels", batch_norm.apply, [tensor64(x), tensor64(gamma), tensor64(beta)],
                ("x", "gamma", "beta"))
        except CheckFailed as failure:
            explanation = _explain_batch_norm_dx(batch_norm, x, gamma, beta)
            if explanation is None:
                raise
            raise CheckFailed(f"{explanation}\n\n{failure}") from None
