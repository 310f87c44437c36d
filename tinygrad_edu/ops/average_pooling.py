"""Average pooling: the mean of each window (or adaptive bin) of the last two dimensions.

The windows, their geometry and the padding are those of ``ops/pooling.py`` (zeros as padding
here). The mean is linear in the input, so its gradient spreads grad / divisor over each window
(``AvgPool2dGradient``, ``AdaptiveAvgPool2dGradient``), and the gradient of that is average
pooling again. As in torch, the gradient ops also take the pooled input, whose values they do
not read (derivative 0).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tinygrad_edu.function import Context, Function, constant
from tinygrad_edu.ops.pooling import (
    Pair,
    adaptive_bins,
    bin_positions,
    padded_windows,
    pooled_size,
    window_starts,
)

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor


def average_divisors(size: int, count: int, kernel: int, stride: int, padding: int,
                     count_include_pad: bool) -> np.ndarray:
    """What torch divides each window's sum by, along one axis (the 2-D divisor is the product
    of the two axes'): the window clipped to the padded input when ``count_include_pad`` (a
    ceil-mode window past the right padding counts only up to it), else the number of its
    positions inside the input.

    Example (side 4, kernel 3, stride 2, padding 1, ceil mode: windows start at -1, 1, 3):
        >>> average_divisors(4, 3, 3, 2, 1, count_include_pad=True)
        array([3, 3, 2])
        >>> average_divisors(4, 3, 3, 2, 1, count_include_pad=False)
        array([2, 3, 1])
    """
    starts = window_starts(count, stride, padding)
    ends = np.minimum(starts + kernel, size + padding)
    if count_include_pad:
        return ends - starts
    return np.minimum(ends, size) - np.maximum(starts, 0)


def divisor_grid(shape: tuple[int, ...], kernel_size: Pair, stride: Pair, padding: Pair,
                 out: Pair, count_include_pad: bool, divisor_override: int | None) -> np.ndarray:
    """The (out_h, out_w) divisors of average pooling, or the one ``divisor_override``."""
    if divisor_override is not None:
        return np.full(out, divisor_override, dtype=np.int64)
    rows = average_divisors(shape[-2], out[0], kernel_size[0], stride[0], padding[0],
                            count_include_pad)
    columns = average_divisors(shape[-1], out[1], kernel_size[1], stride[1], padding[1],
                               count_include_pad)
    return rows[:, None] * columns[None, :]


def divided(total: np.ndarray, divisor: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """total / divisor in ``dtype``; for integers torch's C++ division, which rounds toward 0."""
    if dtype.kind in "iu":
        quotient = np.abs(total) // np.abs(divisor)
        return (quotient * np.sign(total) * np.sign(divisor)).astype(dtype)
    # (in the sum's own precision: a float32 sum / an int64 divisor would otherwise be float64)
    return (total / divisor.astype(total.dtype)).astype(dtype, copy=False)


def accumulator_dtype(dtype: np.dtype) -> np.dtype:
    """Sums run in float32 for float16 (torch's accumulation type), in the dtype otherwise."""
    return np.dtype(np.float32) if dtype == np.float16 else dtype


class AvgPool2d(Function):
    """out = (Σ of each window) / divisor, zero padding.   d out[o] / d a[i] = 1 / divisor[o]
    for every position i of window o (0 elsewhere); padding contributes nothing.

    The divisor follows torch: kernel_h kernel_w (the window clipped to the padded input in
    ceil mode) with ``count_include_pad``, else the window's positions inside the input, or
    ``divisor_override``. The map is linear, so the gradient is its adjoint applied to the
    upstream gradient: ``AvgPool2dGradient`` spreads grad / divisor over each window.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, kernel_size: Pair, stride: Pair, padding: Pair,
                ceil_mode: bool, count_include_pad: bool,
                divisor_override: int | None) -> np.ndarray:
        height, width = a.shape[-2:]
        out = (pooled_size(height, kernel_size[0], stride[0], padding[0], 1, ceil_mode),
               pooled_size(width, kernel_size[1], stride[1], padding[1], 1, ceil_mode))
        windows = padded_windows(a, 0, kernel_size, stride, padding, (1, 1), out)
        total = np.zeros(windows.shape[:-2], dtype=accumulator_dtype(a.dtype))
        with np.errstate(invalid="ignore"):  # inf + -inf is NaN, silently, as in torch
            for t in range(kernel_size[0]):
                for u in range(kernel_size[1]):
                    total += windows[..., t, u]  # row by row, torch's order (padding adds 0)
        divisor = divisor_grid(a.shape, kernel_size, stride, padding, out, count_include_pad,
                               divisor_override)
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(a)
            ctx.options = dict(kernel_size=kernel_size, stride=stride, padding=padding,
                               ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                               divisor_override=divisor_override)
        return divided(total, divisor, a.dtype)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        # da = each output's gradient / its divisor, added over its window
        return AvgPool2dGradient.apply(grad_output, a, **ctx.options)


class AvgPool2dGradient(Function):
    """out = zeros of the input's shape, then out[window o] += grad[o] / divisor[o] for every
    window: the adjoint of average pooling (torch's ``avg_pool2d_backward``). Overlapping windows
    add up where they share positions.

    d out / d grad is the adjoint of this adjoint, average pooling itself: the backward is
    ``AvgPool2d`` applied to the upstream gradient. ``pooled_input`` is not read (see the
    module's docstring): d out / d pooled_input = 0.
    """

    @staticmethod
    def forward(ctx: Context, grad: np.ndarray, pooled_input: np.ndarray, *, kernel_size: Pair,
                stride: Pair, padding: Pair, ceil_mode: bool, count_include_pad: bool,
                divisor_override: int | None) -> np.ndarray:
        shape = pooled_input.shape
        out = grad.shape[-2:]
        divisor = divisor_grid(shape, kernel_size, stride, padding, (out[0], out[1]),
                               count_include_pad, divisor_override)
        shares = grad / divisor.astype(grad.dtype)
        # Zeros of the padded input's shape, seen as writable windows.
        extents = [(count - 1) * step + kernel
                   for count, step, kernel in zip(out, stride, kernel_size)]
        padded_shape = (*shape[:-2], *[max(extent, before + size) for extent, before, size
                                       in zip(extents, padding, shape[-2:])])
        padded = np.zeros(padded_shape, dtype=grad.dtype)
        windows = sliding_window_view(padded, kernel_size, axis=(-2, -1), writeable=True)
        windows = windows[..., :(out[0] - 1) * stride[0] + 1:stride[0],
                          :(out[1] - 1) * stride[1] + 1:stride[1], :, :]
        for t in range(kernel_size[0]):
            for u in range(kernel_size[1]):
                # One kernel position of every window: distinct input positions, so += adds
                # each share once; overlapping windows meet at later (t, u).
                windows[..., t, u] += shares
        ctx.options = dict(kernel_size=kernel_size, stride=stride, padding=padding,
                           ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                           divisor_override=divisor_override)
        rows = slice(padding[0], padding[0] + shape[-2])
        columns = slice(padding[1], padding[1] + shape[-1])
        return np.ascontiguousarray(padded[..., rows, columns])

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        grad_grad = grad_input = None
        if ctx.needs_input_grad[0]:
            grad_grad = AvgPool2d.apply(grad_output, **ctx.options)  # the adjoint's adjoint
        if ctx.needs_input_grad[1]:
            grad_input = constant(np.zeros(grad_output.shape, dtype=grad_output.dtype))
        return grad_grad, grad_input


class AdaptiveAvgPool2d(Function):
    """out = the mean of each adaptive bin (see ``AdaptiveMaxPool2d``).   d out[i, j] / d a = 1 /
    (rows · columns of bin (i, j)) on the bin, 0 elsewhere.

    The loop runs over the positions inside a bin, as ``AdaptiveMaxPool2d``'s; positions past a
    bin's end are selected away (``np.where``), never multiplied by 0, so an inf or NaN outside a
    bin stays outside it. The map is linear: its gradient is the adjoint,
    ``AdaptiveAvgPool2dGradient``, which spreads each output's gradient evenly over its bin.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, output_size: Pair) -> np.ndarray:
        row_starts, row_ends = adaptive_bins(a.shape[-2], output_size[0])
        column_starts, column_ends = adaptive_bins(a.shape[-1], output_size[1])
        total = np.zeros((*a.shape[:-2], *output_size), dtype=accumulator_dtype(a.dtype))
        with np.errstate(invalid="ignore"):  # inf + -inf is NaN, silently, as in torch
            for rows, columns, inside in bin_positions(a.shape[-2:], row_starts, row_ends,
                                                       column_starts, column_ends):
                total += np.where(inside, a[..., rows, columns], 0)  # row by row, as torch
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(a)
        heights = (row_ends - row_starts).astype(total.dtype)[:, None]
        widths = (column_ends - column_starts).astype(total.dtype)[None, :]
        return (total / heights / widths).astype(a.dtype, copy=False)  # torch: sum / kh / kw

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        # da = each output's gradient / its bin's size, added over its bin
        return AdaptiveAvgPool2dGradient.apply(grad_output, a)


class AdaptiveAvgPool2dGradient(Function):
    """out = zeros of the input's shape, then out[bin o] += grad[o] / size of bin o: the adjoint
    of adaptive average pooling (torch's ``_adaptive_avg_pool2d_backward``). Where bins overlap
    (by one row or column) the shares add up.

    d out / d grad is the adjoint's adjoint, the pooling itself: ``AdaptiveAvgPool2d``.
    ``pooled_input`` is not read (see the module's docstring): d out / d pooled_input = 0.
    """

    @staticmethod
    def forward(ctx: Context, grad: np.ndarray, pooled_input: np.ndarray) -> np.ndarray:
        height, width = pooled_input.shape[-2:]
        output_size = (grad.shape[-2], grad.shape[-1])
        row_starts, row_ends = adaptive_bins(height, output_size[0])
        column_starts, column_ends = adaptive_bins(width, output_size[1])
        heights = (row_ends - row_starts).astype(grad.dtype)[:, None]
        widths = (column_ends - column_starts).astype(grad.dtype)[None, :]
        planes_count = int(np.prod(pooled_input.shape[:-2]))
        shares = (grad / heights / widths).reshape(planes_count, *output_size)
        output = np.zeros(pooled_input.shape, dtype=grad.dtype)
        planes = output.reshape(planes_count, height, width)
        plane = np.arange(planes_count)[:, None, None]
        for rows, columns, inside in bin_positions((height, width), row_starts, row_ends,
                                                   column_starts, column_ends):
            # Several bins may start at one position (more bins than rows): add.at adds each.
            np.add.at(planes, (plane, rows, columns), np.where(inside, shares, 0))
        ctx.output_size = output_size
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        grad_grad = grad_input = None
        if ctx.needs_input_grad[0]:
            grad_grad = AdaptiveAvgPool2d.apply(grad_output, output_size=ctx.output_size)
        if ctx.needs_input_grad[1]:
            grad_input = constant(np.zeros(grad_output.shape, dtype=grad_output.dtype))
        return grad_grad, grad_input
