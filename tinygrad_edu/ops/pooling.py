"""Pooling windows, and max pooling: the maximum of each window of the last two dimensions.

A window of ``kernel`` positions per axis starts every ``stride`` positions; its positions lie
``dilation`` apart; the input is padded by ``padding`` on both sides (with -inf for max, with
zeros for mean). Position ``t`` of window ``o`` along one axis is input index

    o * stride - padding + t * dilation.

The forward passes never loop over pixels. ``sliding_window_view`` makes every window a view
of the (padded) input, an array of shape (..., out_h, out_w, kernel_h, kernel_w) that shares
memory with it; the loops run over the kernel's positions (t, u), each step one vectorised
operation over all windows at once: ``windows[..., t, u]`` is the (t, u)-th element of every
window.

The ops take any leading dimensions (..., H, W): batch and channels (N, C), channels only, or
none. Indices of the max ops are flat positions in each (H, W) plane, ``row * W + column``, as
torch returns them.

Backward: every pooling is linear in the input values it picks (max: a selection; mean: a fixed
weighted sum), so its gradient is the adjoint map: max pooling adds each output gradient at
the chosen position (``MaxPoolGradient``, a scatter-add whose own backward is a gather), mean
pooling spreads grad / divisor over each window (``AvgPool2dGradient``, whose own backward is
average pooling again; the average ops are in ``ops/average_pooling.py``). As in torch
(``max_pool2d_with_indices_backward(grad, self, ...)``), the gradient ops also take the pooled
input, whose values they do not read: a gradient built with ``create_graph=True`` then depends
on the input (and requires grad) as in torch, with derivative 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tinygrad_edu.function import Context, Function, constant
from tinygrad_edu.ops.piecewise import Where, zero_like
from tinygrad_edu.ops.indexing import Gather
from tinygrad_edu.ops.movement import Reshape

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor

Pair = tuple[int, int]


# --------------------------------------------------------------------------- window geometry
def pooled_size(size: int, kernel: int, stride: int, padding: int, dilation: int,
                ceil_mode: bool) -> int:
    """How many windows fit along one axis: torch's ``pooling_output_shape``.

    floor (or ceil, with ``ceil_mode``) of (size + 2 padding - span) / stride, plus 1, where the
    window spans dilation (kernel - 1) + 1 positions. With ``ceil_mode`` a last, partial window
    counts, unless it would start in the right padding (torch drops that one).

    Example:
        >>> pooled_size(5, 2, 2, 0, 1, ceil_mode=False), pooled_size(5, 2, 2, 0, 1, ceil_mode=True)
        (2, 3)
    """
    span = dilation * (kernel - 1) + 1
    extra = stride - 1 if ceil_mode else 0
    count = (size + 2 * padding - span + extra) // stride + 1  # // rounds down, as torch's
    if ceil_mode and (count - 1) * stride >= size + padding:
        count -= 1
    return count


def window_starts(count: int, stride: int, padding: int) -> np.ndarray:
    """The input index at which each of ``count`` windows starts: o * stride - padding."""
    return np.arange(count, dtype=np.int64) * stride - padding


def padded_windows(a: np.ndarray, fill: float | int, kernel: Pair, stride: Pair,
                   padding: Pair, dilation: Pair, out: Pair) -> np.ndarray:
    """Every window of ``a`` as a view of shape (..., out_h, out_w, kernel_h, kernel_w).

    The input is padded with ``fill`` by ``padding`` on the left and as much as the last window
    needs on the right (``padding``, or more in ceil mode, where the last window may reach past
    the padding; those positions hold ``fill`` too, and torch skips them, which is the same for
    max and for the sum of a mean). Without padding, the view is of ``a`` itself: no copy.
    """
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    widths = []
    for size, count, step, before, span in zip(a.shape[-2:], out, stride, padding, spans):
        needed = (count - 1) * step + span  # from the first window's start to the last's end
        widths.append((before, max(needed - before - size, 0)))
    if any(before or after for before, after in widths):
        a = np.pad(a, [(0, 0)] * (a.ndim - 2) + widths, constant_values=fill)
    windows = sliding_window_view(a, tuple(spans), axis=(-2, -1))
    # Every stride-th window, and in each one every dilation-th position.
    return windows[..., :(out[0] - 1) * stride[0] + 1:stride[0],
                   :(out[1] - 1) * stride[1] + 1:stride[1], ::dilation[0], ::dilation[1]]


def lowest_value(dtype: np.dtype) -> float | int:
    """The value below (or equal to) every value of ``dtype``: the padding of max pooling."""
    if dtype.kind == "f":
        return -np.inf
    return int(np.iinfo(dtype).min)


def first_inside(starts: np.ndarray, dilation: int) -> np.ndarray:
    """For windows starting at ``starts``, their first position at index >= 0 (the left padding
    skipped in steps of ``dilation``); it may lie past the input's end (torch's ``ih0``)."""
    skipped = np.maximum(-starts, 0)
    return starts + (skipped + dilation - 1) // dilation * dilation


# ------------------------------------------------------------------------------ max pooling
class MaxPool2d(Function):
    """(values, indices) = the maximum of each window and its flat position in the (H, W) plane.

    d values / d a = 1 at the chosen position of each window, 0 elsewhere; the indices are
    integers, not differentiable. Which position is chosen is torch's (its CPU loop visits a
    window row by row and takes a value when ``value > best or isnan(value)``): the first of
    tied maxima, the last NaN of a window holding NaN. Padding is never chosen: a window whose
    values are all -inf reports its first position inside the input, and a window that lies
    entirely in the padding (possible with dilation) has value -inf, torch's index, and no
    gradient (torch adds it at its index, an element outside the window).

    The gradient is the upstream gradient added at the chosen positions: ``MaxPoolGradient``.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, kernel_size: Pair, stride: Pair, padding: Pair,
                dilation: Pair, ceil_mode: bool) -> tuple[np.ndarray, np.ndarray]:
        height, width = a.shape[-2:]
        out = (pooled_size(height, kernel_size[0], stride[0], padding[0], dilation[0], ceil_mode),
               pooled_size(width, kernel_size[1], stride[1], padding[1], dilation[1], ceil_mode))
        fill = lowest_value(a.dtype)
        windows = padded_windows(a, fill, kernel_size, stride, padding, dilation, out)
        best, which = running_maximum(windows, has_nan=a.dtype.kind == "f" and bool(
            np.isnan(a).any()))
        # Window (o, p) starts at flat position row_start * W + column_start; its kernel
        # position (t, u) lies t * dilation_h rows and u * dilation_w columns further.
        row_starts = window_starts(out[0], stride[0], padding[0])[:, None]
        column_starts = window_starts(out[1], stride[1], padding[1])[None, :]
        kernel_rows, kernel_columns = np.divmod(np.arange(kernel_size[0] * kernel_size[1]),
                                                kernel_size[1])
        position_offsets = kernel_rows * dilation[0] * width + kernel_columns * dilation[1]
        indices = (row_starts * width + column_starts) + np.take(position_offsets, which)
        # Where nothing beat the padding value, torch reports the window's first position
        # inside the input (its loop starts there and never moves).
        first_rows = first_inside(row_starts, dilation[0])
        first_columns = first_inside(column_starts, dilation[1])
        unmoved = best == fill
        if unmoved.any():
            indices = np.where(unmoved, first_rows * width + first_columns, indices)
        ctx.mark_non_differentiable(indices)
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(a)
            ctx.indices = indices
            # Windows entirely in the padding: -inf, a constant, whose gradient is 0.
            padding_only = (first_rows >= height) | (first_columns >= width)
            ctx.padding_only = padding_only if padding_only.any() else None
        return best, indices

    @staticmethod
    def backward(ctx: Context, grad_values: Tensor, grad_indices: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        indices = ctx.indices
        if ctx.padding_only is not None:
            # No gradient from a window of padding; its index may lie outside the plane.
            grad_values = Where.apply(zero_like(grad_values), grad_values,
                                      condition=np.broadcast_to(ctx.padding_only, indices.shape))
            indices = np.where(ctx.padding_only, 0, indices)
        # da = zeros with grad_values added at the chosen positions
        return MaxPoolGradient.apply(grad_values, a, indices=indices)


def running_maximum(windows: np.ndarray, has_nan: bool) -> tuple[np.ndarray, np.ndarray]:
    """The maximum of each window (the last two axes) and which kernel position holds it, with
    torch's rule: a position takes over when ``value > best or isnan(value)``, visiting row by
    row. So the first of equal maxima stays, and the last NaN wins. Returns (best, position),
    position = t * kernel_w + u. ``has_nan``: whether NaN can occur (else a plain maximum)."""
    kernel_h, kernel_w = windows.shape[-2:]
    best = windows[..., 0, 0].copy()
    which = np.zeros(best.shape, dtype=np.min_scalar_type(kernel_h * kernel_w - 1))
    larger = np.empty(best.shape, dtype=bool)
    for position in range(1, kernel_h * kernel_w):
        values = windows[..., position // kernel_w, position % kernel_w]
        np.greater(values, best, out=larger)
        if has_nan:
            larger |= np.isnan(values)
            best = np.where(larger, values, best)
        else:
            np.maximum(best, values, out=best)
        # which = position where larger, else unchanged. The positions only grow, so this is a
        # maximum with larger * position (arithmetic: as fast for a random mask as for any).
        np.maximum(which, larger * which.dtype.type(position), out=which)
    return best, which


def adaptive_bins(size: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """torch's adaptive bins: bin i covers [floor(i size / count), ceil((i + 1) size / count)).

    Example:
        >>> adaptive_bins(5, 3)
        (array([0, 1, 3]), array([2, 4, 5]))
    """
    index = np.arange(count, dtype=np.int64)
    starts = index * size // count
    ends = -(-(index + 1) * size // count)  # ceil
    return starts, ends


def bin_positions(shape: tuple[int, ...], row_starts: np.ndarray, row_ends: np.ndarray,
                  column_starts: np.ndarray, column_ends: np.ndarray,
                  ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The positions (t, u) inside the adaptive bins, one step each, row by row: for every bin
    at once, its t-th row and u-th column as index arrays (rows as a column vector, columns as
    a row vector: together they index an (out_h, out_w) grid), and whether that position lies
    inside the bin (a shorter bin has fewer positions; its index is clipped into the input)."""
    height, width = shape[-2:]
    longest_row = int((row_ends - row_starts).max(initial=0))
    longest_column = int((column_ends - column_starts).max(initial=0))
    for t in range(longest_row):
        rows = row_starts + t
        for u in range(longest_column):
            columns = column_starts + u
            inside = (rows < row_ends)[:, None] & (columns < column_ends)[None, :]
            yield (np.minimum(rows, height - 1)[:, None], np.minimum(columns, width - 1)[None, :],
                   inside)


class AdaptiveMaxPool2d(Function):
    """(values, indices) = the maximum of each adaptive bin and its flat position in the plane.

    Bin (i, j) covers rows [floor(i H / out_h), ceil((i + 1) H / out_h)) and the same for
    columns, so the bins cover the input and may overlap by one. d values / d a = 1 at the
    chosen position (torch's rule, as in ``MaxPool2d``: the first of tied maxima, the last NaN),
    0 elsewhere; the gradient is ``MaxPoolGradient``.

    Bins differ in size, so there is no constant stride to view them with: the loop runs over
    the positions inside a bin (at most ceil(H / out_h) + 1 per axis), each step gathering that
    position of every bin with one index array (positions past a bin's end do not count).
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *,
                output_size: Pair) -> tuple[np.ndarray, np.ndarray]:
        height, width = a.shape[-2:]
        row_starts, row_ends = adaptive_bins(height, output_size[0])
        column_starts, column_ends = adaptive_bins(width, output_size[1])
        shape = (*a.shape[:-2], *output_size)
        best = np.full(shape, -np.inf, dtype=a.dtype)
        indices = np.broadcast_to(row_starts[:, None] * width + column_starts[None, :],
                                  shape).copy()
        for rows, columns, inside in bin_positions((height, width), row_starts, row_ends,
                                                   column_starts, column_ends):
            values = a[..., rows, columns]
            larger = inside & ((values > best) | np.isnan(values))
            best = np.where(larger, values, best)
            indices = np.where(larger, rows * width + columns, indices)
        ctx.mark_non_differentiable(indices)
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(a)
            ctx.indices = indices
        return best, indices

    @staticmethod
    def backward(ctx: Context, grad_values: Tensor, grad_indices: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return MaxPoolGradient.apply(grad_values, a, indices=ctx.indices)


def plane_rows(indices: np.ndarray) -> np.ndarray:
    """(..., out_h, out_w) indices as one row per plane: shape (planes, out_h * out_w)."""
    planes = int(np.prod(indices.shape[:-2]))
    return indices.reshape(planes, indices.shape[-2] * indices.shape[-1])


class MaxPoolGradient(Function):
    """out = zeros of the input's shape, then out[..., plane].flat[indices] += grad: the gradient
    of max pooling (torch's ``max_pool2d_with_indices_backward``), a scatter-add per plane.

    An input position chosen by several (overlapping) windows gets the sum of their gradients.
    ``pooled_input`` is the input of the pooling, whose values are not read (see the module's
    docstring): d out / d pooled_input = 0.

    d out / d grad: each grad element lands on one position, so the adjoint reads the upstream
    gradient back at the indices, a gather (whose own backward is a scatter-add again).
    """

    @staticmethod
    def forward(ctx: Context, grad: np.ndarray, pooled_input: np.ndarray, *,
                indices: np.ndarray) -> np.ndarray:
        ctx.indices = indices
        ctx.input_shape = pooled_input.shape
        plane_size = pooled_input.shape[-2] * pooled_input.shape[-1]
        output = np.zeros(pooled_input.shape, dtype=grad.dtype)
        planes = output.reshape(-1, plane_size)
        # One flat index into all planes: plane p's position i is p * plane_size + i.
        plane_offsets = np.arange(planes.shape[0], dtype=np.int64)[:, None] * plane_size
        flat_indices = plane_rows(indices) + plane_offsets
        np.add.at(output.reshape(-1), flat_indices.reshape(-1), grad.reshape(-1))
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        grad_grad = grad_input = None
        if ctx.needs_input_grad[0]:
            plane_size = ctx.input_shape[-2] * ctx.input_shape[-1]
            planes = Reshape.apply(grad_output, shape=(-1, plane_size))
            # d grad = grad_output read at the indices, plane by plane (a gather)
            picked = Gather.apply(planes, dim=1, index=plane_rows(ctx.indices))
            grad_grad = Reshape.apply(picked, shape=ctx.indices.shape)
        if ctx.needs_input_grad[1]:
            grad_input = constant(np.zeros(ctx.input_shape, dtype=grad_output.dtype))
        return grad_grad, grad_input
