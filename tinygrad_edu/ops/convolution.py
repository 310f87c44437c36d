"""2-D convolution as three ops that are each other's gradients.

Notation (the article's, with images): X is the input (N, C, H, W), W the weight
(O, C / groups, kh, kw), b the bias (O,), Z = conv(X, W) + b the output (N, O, OH, OW), and dZ, dX,
dW, db the gradients of the loss with respect to them.

**im2col.** Every output pixel (i, j) of sample n is a dot product of W with one window of X.
Copying each window into a column turns the whole convolution into one matrix product per group:

    cols[n] = im2col(X[n])         (C·kh·kw, OH·OW): column (i, j) is the window under pixel (i, j)
    Z[n]    = W · cols[n] + b      (O, C·kh·kw) · (C·kh·kw, OH·OW) = (O, OH·OW)

The windows are read with NumPy stride tricks (``sliding_window_view``: a view, no loop over
pixels) and copied once, contiguous, in the layout the product wants.

**The three gradients.** Z is linear in X and in W, so each gradient is a product again:

    dX = col2im(Wᵀ · dZ)           the columns' gradients added back where each window came from
    dW = Σ_n dZ[n] · cols[n]ᵀ
    db = Σ_{n, i, j} dZ

``col2im`` is im2col's adjoint: windows overlap (a 3x3 kernel at stride 1 reads an interior pixel
9 times), so it *adds* every column back into its window, one strided slice per kernel offset.
``Conv2dInputGradient`` (dX, a "transposed convolution") and ``Conv2dWeightGradient`` (dW) are ops
of their own, and the three ops' backwards are written with each other, so every gradient can be
differentiated again:

    op                           gradient of its 1st input     gradient of its 2nd input
    Conv2d(X, W)                 Conv2dInputGradient(g, W)     Conv2dWeightGradient(X, g)
    Conv2dInputGradient(dZ, W)   Conv2d(g, W)                  Conv2dWeightGradient(g, dZ)
    Conv2dWeightGradient(X, dZ)  Conv2dInputGradient(dZ, g)    Conv2d(X, g)

(g is the upstream gradient of each op's own output). They follow from one identity: all three are
the same bilinear form <dZ, conv(X, W)> read with a different argument left out.

Padding, stride, dilation and groups (``ConvGeometry``) are handled inside each op: the input is
zero-padded before im2col, and col2im crops the padding off again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tinygrad_edu.function import Context, Function
from tinygrad_edu.ops.reduce import Sum

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor


class ConvGeometry(NamedTuple):
    """How the kernel moves over the input, for a 2-D convolution (already checked).

    Attributes:
        stride: (vertical, horizontal) step between neighbouring windows.
        padding: ((top, bottom), (left, right)) zeros added around the input; the two sides
            differ only for torch's ``padding="same"`` with an even total.
        dilation: (vertical, horizontal) step between the kernel's taps inside one window.
        groups: the channels are cut into this many groups, each convolved with its own slice
            of the kernels (input channels C / groups per kernel).
    """

    stride: tuple[int, int]
    padding: tuple[tuple[int, int], tuple[int, int]]
    dilation: tuple[int, int]
    groups: int


def output_size(input_size: int, kernel_size: int, stride: int, padding: tuple[int, int],
                dilation: int) -> int:
    """How many windows fit along one axis: ⌊(size + padding − dilation·(k − 1) − 1) / stride⌋ + 1.

    Example:
        >>> output_size(28, 3, stride=1, padding=(0, 0), dilation=1)
        26
        >>> output_size(28, 3, stride=2, padding=(1, 1), dilation=1)
        14
    """
    span = dilation * (kernel_size - 1) + 1  # the window's extent, taps and gaps included
    return (input_size + padding[0] + padding[1] - span) // stride + 1


def padded(x: np.ndarray, geometry: ConvGeometry) -> np.ndarray:
    """``x`` (N, C, H, W) with the geometry's zeros around it (``x`` itself when there are none)."""
    (top, bottom), (left, right) = geometry.padding
    if top == bottom == left == right == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))


def im2col(x: np.ndarray, kernel_size: tuple[int, int], geometry: ConvGeometry) -> np.ndarray:
    """The windows of ``x`` (N, C, H, W) as columns: an array of shape (N, C·kh·kw, OH·OW).

    ``columns[n, (c, a, b), (i, j)] = X_padded[n, c, i·sh + a·dh, j·sw + b·dw]``: row (c, a, b)
    is channel c's kernel tap (a, b), column (i, j) the window under output pixel (i, j).

    Example:
        >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
        >>> geometry = ConvGeometry((1, 1), ((0, 0), (0, 0)), (1, 1), 1)
        >>> im2col(x, (2, 2), geometry)[0]
        array([[0., 1., 3., 4.],
               [1., 2., 4., 5.],
               [3., 4., 6., 7.],
               [4., 5., 7., 8.]])
    """
    (kernel_height, kernel_width), (stride_h, stride_w) = kernel_size, geometry.stride
    dilation_h, dilation_w = geometry.dilation
    source = padded(x, geometry)
    span_h = dilation_h * (kernel_height - 1) + 1
    span_w = dilation_w * (kernel_width - 1) + 1
    # Every span_h x span_w window at every position (a view: no data is copied), then every
    # stride-th window and every dilation-th tap of each: (N, C, OH, OW, kh, kw).
    windows = sliding_window_view(source, (span_h, span_w), axis=(2, 3))
    windows = windows[:, :, ::stride_h, ::stride_w, ::dilation_h, ::dilation_w]
    batch, channels, out_height, out_width = windows.shape[:4]
    # The one copy: taps before pixels, (N, C, kh, kw, OH, OW), contiguous.
    columns = np.ascontiguousarray(windows.transpose(0, 1, 4, 5, 2, 3))
    return columns.reshape(batch, channels * kernel_height * kernel_width,
                           out_height * out_width)


def col2im(columns: np.ndarray, input_shape: tuple[int, ...],
           geometry: ConvGeometry) -> np.ndarray:
    """im2col's adjoint: every column added back into the window it came from.

    ``columns`` has shape (N, C, kh, kw, OH, OW); the result has ``input_shape`` (N, C, H, W).
    Windows overlap, so a pixel receives the sum of the entries of every window that read it.
    One strided slice per kernel tap (a, b) holds that tap's entry of every window, so the sum is
    kh·kw vectorised additions (no loop over pixels, and no ``np.add.at``).

    Example (a 2x2 kernel over a 3x3 image: the centre is in all four windows):
        >>> geometry = ConvGeometry((1, 1), ((0, 0), (0, 0)), (1, 1), 1)
        >>> col2im(np.ones((1, 1, 2, 2, 2, 2)), (1, 1, 3, 3), geometry)[0, 0]
        array([[1., 2., 1.],
               [2., 4., 2.],
               [1., 2., 1.]])
    """
    batch, channels, height, width = input_shape
    kernel_height, kernel_width, out_height, out_width = columns.shape[2:]
    (top, bottom), (left, right) = geometry.padding
    (stride_h, stride_w), (dilation_h, dilation_w) = geometry.stride, geometry.dilation
    result = np.zeros((batch, channels, height + top + bottom, width + left + right),
                      dtype=columns.dtype)
    for a in range(kernel_height):
        rows = slice(a * dilation_h, a * dilation_h + stride_h * (out_height - 1) + 1, stride_h)
        for b in range(kernel_width):
            cols = slice(b * dilation_w, b * dilation_w + stride_w * (out_width - 1) + 1,
                         stride_w)
            result[:, :, rows, cols] += columns[:, :, a, b]
    if top == bottom == left == right == 0:
        return result
    return np.ascontiguousarray(result[:, :, top:top + height, left:left + width])


def group_slices(total: int, groups: int) -> list[slice]:
    """``range(total)`` cut into ``groups`` equal consecutive slices."""
    size = total // groups
    return [slice(group * size, (group + 1) * size) for group in range(groups)]


class Conv2d(Function):
    """Z = conv(X, W) + b, the 2-D convolution of a batch: X (N, C, H, W), W (O, C/groups, kh, kw),
    b (O,) optional; Z (N, O, OH, OW).

    Computed by im2col: Z[n] = W · cols[n] + b, one matrix product per group.
    Gradients:  dX = col2im(Wᵀ · dZ)  (``Conv2dInputGradient``),
                dW = Σ_n dZ[n] · cols[n]ᵀ  (``Conv2dWeightGradient``),
                db = Σ_{n, i, j} dZ.
    The columns are kept for dW when W needs a gradient (memory for speed: they would otherwise
    be copied out of X again).

    Example:
        >>> import tinygrad_edu as tge
        >>> geometry = ConvGeometry((1, 1), ((0, 0), (0, 0)), (1, 1), 1)
        >>> Conv2d.apply(tge.ones(1, 1, 3, 3), tge.ones(1, 1, 2, 2), geometry=geometry)
        tensor([[[[4., 4.],
                  [4., 4.]]]])
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                *, geometry: ConvGeometry) -> np.ndarray:
        batch = x.shape[0]
        out_channels, _, kernel_height, kernel_width = weight.shape
        out_height = output_size(x.shape[2], kernel_height, geometry.stride[0],
                                 geometry.padding[0], geometry.dilation[0])
        out_width = output_size(x.shape[3], kernel_width, geometry.stride[1],
                                geometry.padding[1], geometry.dilation[1])
        columns = im2col(x, (kernel_height, kernel_width), geometry)
        kernels = weight.reshape(out_channels, -1)  # one row per kernel: (O, C/groups·kh·kw)
        output = np.empty((batch, out_channels, out_height * out_width), dtype=x.dtype)
        out_groups = group_slices(out_channels, geometry.groups)
        column_groups = group_slices(columns.shape[1], geometry.groups)
        for out_group, column_group in zip(out_groups, column_groups):
            # Z[n] = W · cols[n] for every sample n at once (matmul broadcasts W over n).
            np.matmul(kernels[out_group], columns[:, column_group], out=output[:, out_group])
        if bias is not None:
            output += bias[:, None]
        needs_x, needs_weight = ctx.needs_input_grad[:2]
        ctx.save_for_backward(x if needs_weight else None, weight if needs_x else None,
                              columns if needs_weight else None)
        ctx.input_shape = x.shape
        ctx.kernel_size = (kernel_height, kernel_width)
        ctx.geometry = geometry
        ctx.has_bias = bias is not None
        return output.reshape(batch, out_channels, out_height, out_width)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, ...]:
        x, weight, columns = ctx.saved_tensors
        needs = ctx.needs_input_grad
        grad_x = grad_weight = grad_bias = None
        if needs[0]:  # dX = col2im(Wᵀ · dZ)
            grad_x = Conv2dInputGradient.apply(grad_output, weight, input_shape=ctx.input_shape,
                                               geometry=ctx.geometry)
        if needs[1]:  # dW = Σ_n dZ[n] · cols[n]ᵀ, with the columns of the forward pass
            grad_weight = Conv2dWeightGradient.apply(
                x, grad_output, kernel_size=ctx.kernel_size, geometry=ctx.geometry,
                known_columns=columns._data)
        if not ctx.has_bias:
            return grad_x, grad_weight
        if needs[2]:  # db = Σ_{n, i, j} dZ
            grad_bias = Sum.apply(grad_output, axes=(0, 2, 3), keepdim=False)
        return grad_x, grad_weight, grad_bias


class Conv2dInputGradient(Function):
    """dX = col2im(Wᵀ · dZ): the gradient of a convolution's input, from the output's gradient
    dZ (N, O, OH, OW) and the weight W (O, C/groups, kh, kw); dX has ``input_shape`` (N, C, H, W).

    Also known as a transposed convolution: each output pixel's gradient is spread back over its
    window, weighted by the kernel, and overlapping windows add up. It is linear in dZ and in W;
    with G the upstream gradient of dX (shape (N, C, H, W)):
        gradient for dZ:  conv(G, W)          (``Conv2d``: <G, dX> = <conv(G, W), dZ>)
        gradient for W:   Σ_n dZ[n] · im2col(G)[n]ᵀ   (``Conv2dWeightGradient(G, dZ)``)

    Example (a 2x2 kernel of ones: the centre pixel is in all four windows):
        >>> import tinygrad_edu as tge
        >>> geometry = ConvGeometry((1, 1), ((0, 0), (0, 0)), (1, 1), 1)
        >>> Conv2dInputGradient.apply(tge.ones(1, 1, 2, 2), tge.ones(1, 1, 2, 2),
        ...                           input_shape=(1, 1, 3, 3), geometry=geometry)
        tensor([[[[1., 2., 1.],
                  [2., 4., 2.],
                  [1., 2., 1.]]]])
    """

    @staticmethod
    def forward(ctx: Context, grad_output: np.ndarray, weight: np.ndarray, *,
                input_shape: tuple[int, ...], geometry: ConvGeometry) -> np.ndarray:
        batch, out_channels, out_height, out_width = grad_output.shape
        kernel_height, kernel_width = weight.shape[2:]
        channels = input_shape[1]
        kernels = weight.reshape(out_channels, -1)
        rows = grad_output.reshape(batch, out_channels, out_height * out_width)
        columns = np.empty((batch, channels * kernel_height * kernel_width,
                            out_height * out_width), dtype=grad_output.dtype)
        out_groups = group_slices(out_channels, geometry.groups)
        column_groups = group_slices(columns.shape[1], geometry.groups)
        for out_group, column_group in zip(out_groups, column_groups):
            # The columns' gradients Wᵀ · dZ[n], for every sample n at once.
            np.matmul(kernels[out_group].T, rows[:, out_group], out=columns[:, column_group])
        columns = columns.reshape(batch, channels, kernel_height, kernel_width, out_height,
                                  out_width)
        needs_grad_output, needs_weight = ctx.needs_input_grad
        ctx.save_for_backward(grad_output if needs_weight else None,
                              weight if needs_grad_output else None)
        ctx.kernel_size = (kernel_height, kernel_width)
        ctx.geometry = geometry
        return col2im(columns, input_shape, geometry)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        grad_output, weight = ctx.saved_tensors
        needs_grad_output, needs_weight = ctx.needs_input_grad
        grad_of_grad_output = grad_of_weight = None
        if needs_grad_output:
            grad_of_grad_output = Conv2d.apply(grad, weight, geometry=ctx.geometry)
        if needs_weight:
            grad_of_weight = Conv2dWeightGradient.apply(grad, grad_output,
                                                        kernel_size=ctx.kernel_size,
                                                        geometry=ctx.geometry)
        return grad_of_grad_output, grad_of_weight


class Conv2dWeightGradient(Function):
    """dW = Σ_n dZ[n] · cols[n]ᵀ: the gradient of a convolution's weight, from its input X
    (N, C, H, W) and the output's gradient dZ (N, O, OH, OW); dW has shape (O, C/groups, kh, kw).

    cols = im2col(X); ``known_columns``, when given, are those columns, computed already by the
    forward pass (the node and its gradients are the same either way). dW is linear in X and in
    dZ; with G the upstream gradient of dW (shape (O, C/groups, kh, kw)):
        gradient for X:   col2im(Gᵀ · dZ)  (``Conv2dInputGradient(dZ, G)``)
        gradient for dZ:  conv(X, G)       (``Conv2d(X, G)``: <G, dW> = <conv(X, G), dZ>)

    Example (each tap of a 2x2 kernel sees four pixels of a 3x3 image of ones):
        >>> import tinygrad_edu as tge
        >>> geometry = ConvGeometry((1, 1), ((0, 0), (0, 0)), (1, 1), 1)
        >>> Conv2dWeightGradient.apply(tge.ones(1, 1, 3, 3), tge.ones(1, 1, 2, 2),
        ...                            kernel_size=(2, 2), geometry=geometry)
        tensor([[[[4., 4.],
                  [4., 4.]]]])
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, grad_output: np.ndarray, *,
                kernel_size: tuple[int, int], geometry: ConvGeometry,
                known_columns: np.ndarray | None = None) -> np.ndarray:
        columns = im2col(x, kernel_size, geometry) if known_columns is None else known_columns
        batch, out_channels, out_height, out_width = grad_output.shape
        rows = grad_output.reshape(batch, out_channels, out_height * out_width)
        kernels = np.empty((out_channels, columns.shape[1] // geometry.groups), dtype=x.dtype)
        out_groups = group_slices(out_channels, geometry.groups)
        column_groups = group_slices(columns.shape[1], geometry.groups)
        for out_group, column_group in zip(out_groups, column_groups):
            # dZ[n] · cols[n]ᵀ for every sample n at once, then the sum over the samples.
            per_sample = np.matmul(rows[:, out_group], columns[:, column_group].transpose(0, 2, 1))
            kernels[out_group] = per_sample.sum(axis=0)
        needs_x, needs_grad_output = ctx.needs_input_grad
        ctx.save_for_backward(x if needs_grad_output else None,
                              grad_output if needs_x else None)
        ctx.input_shape = x.shape
        ctx.geometry = geometry
        return kernels.reshape(out_channels, -1, *kernel_size)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, grad_output = ctx.saved_tensors
        needs_x, needs_grad_output = ctx.needs_input_grad
        grad_of_x = grad_of_grad_output = None
        if needs_x:
            grad_of_x = Conv2dInputGradient.apply(grad_output, grad, input_shape=ctx.input_shape,
                                                  geometry=ctx.geometry)
        if needs_grad_output:
            grad_of_grad_output = Conv2d.apply(x, grad, geometry=ctx.geometry)
        return grad_of_x, grad_of_grad_output
