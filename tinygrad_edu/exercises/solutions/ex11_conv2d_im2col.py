"""Exercise 11: a 2-D convolution's backward, through im2col and its adjoint col2im.

    x: (N, C, H, W)    weight: (F, C, kh, kw)    bias: (F,)    out: (N, F, OH, OW)

Forward: cols = im2col(x), one column per output position; Z = W·cols + b, one matrix product.
Backward: the matrix product is exercise 5's (dcols = Wᵀ·dZ, dW = dZ·colsᵀ summed over the
examples), the bias is exercise 3's broadcast (db = Σ dZ), and im2col's backward is col2im.

im2col copies input elements into columns, and an element that lies in k windows is copied
k times. Its gradient is therefore the SUM of the k copies' gradients: col2im adds, and where
windows overlap (stride < kernel) the additions pile up on the same element.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tinygrad_edu.function import Context, Function
from tinygrad_edu.tensor import Tensor


def output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """How many windows of ``kernel`` fit along an axis of ``size``, padded on both sides.

    Example:
        >>> output_size(5, 3, stride=2, padding=1)
        3
    """
    return (size + 2 * padding - kernel) // stride + 1


def im2col(x: np.ndarray, kernel_size: tuple[int, int], stride: int,
           padding: int) -> np.ndarray:
    """The windows of x as columns: (N, C, H, W) -> (N, C·kh·kw, OH·OW).

    Entry [n, c·kh·kw + i·kw + j, oh·OW + ow] is padded_x[n, c, oh·stride + i, ow·stride + j]:
    column l holds the window of output position l (torch.nn.functional.unfold's layout).

    Example:
        >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
        >>> im2col(x, (2, 2), stride=1, padding=0)[0]
        array([[0., 1., 3., 4.],
               [1., 2., 4., 5.],
               [3., 4., 6., 7.],
               [4., 5., 7., 8.]])
    """
    kh, kw = kernel_size
    padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    # A view (no copy) of every window, then every stride-th one: (N, C, OH, OW, kh, kw).
    windows = sliding_window_view(padded, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    N, C, OH, OW = windows.shape[:4]
    # Rows (c, i, j), columns (oh, ow); the reshape copies, so cols owns its memory.
    return windows.transpose(0, 1, 4, 5, 2, 3).reshape(N, C * kh * kw, OH * OW)


def col2im(cols: np.ndarray, input_shape: tuple[int, int, int, int],
           kernel_size: tuple[int, int], stride: int, padding: int) -> np.ndarray:
    """The adjoint of im2col: add each column back into its window; returns input_shape.

    Example, one channel, a 1 × 4 input, kernel (1, 2), stride 1: x1 and x2 lie in two
    windows each, so each receives two values, added:
        >>> cols = np.array([[[1.0, 3.0, 5.0],     # offset j = 0 of windows 0, 1, 2
        ...                   [2.0, 4.0, 6.0]]])   # offset j = 1
        >>> col2im(cols, (1, 1, 1, 4), (1, 2), stride=1, padding=0)
        array([[[[1., 5., 9., 6.]]]])
    """
    N, C, H, W = input_shape
    kh, kw = kernel_size
    OH = output_size(H, kh, stride, padding)
    OW = output_size(W, kw, stride, padding)
    padded = np.zeros((N, C, H + 2 * padding, W + 2 * padding), dtype=cols.dtype)
    windows = cols.reshape(N, C, kh, kw, OH, OW)
    for i in range(kh):
        for j in range(kw):
            # Offset (i, j) of every window at once lands on rows oh·stride + i and columns
            # ow·stride + j. Two offsets reach the same element where windows overlap: add.
            rows = slice(i, i + stride * OH, stride)
            columns = slice(j, j + stride * OW, stride)
            padded[:, :, rows, columns] += windows[:, :, i, j]
    return padded[:, :, padding:padding + H, padding:padding + W]  # the padding gets no gradient


class Conv2d(Function):
    """out[n, f] = Σ_c Σ_(i,j) weight[f, c, i, j] · padded_x[n, c, oh·s + i, ow·s + j] + bias[f].

    A cross-correlation, as torch's conv2d (s = stride; groups 1, dilation 1).

    Example:
        >>> x = Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
        >>> weight = Tensor(np.ones((1, 1, 2, 2)))
        >>> Conv2d.apply(x, weight, Tensor(np.zeros(1))).sum().backward()
        >>> x.grad.numpy()[0, 0]      # how many of the four 2 × 2 windows hold each element
        array([[1., 2., 1.],
               [2., 4., 2.],
               [1., 2., 1.]])
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, weight: np.ndarray, bias: np.ndarray, *,
                stride: int = 1, padding: int = 0) -> np.ndarray:
        F, C, kh, kw = weight.shape
        N, _, H, W = x.shape
        cols = im2col(x, (kh, kw), stride, padding)                  # (N, C·kh·kw, L)
        weight_matrix = weight.reshape(F, C * kh * kw)               # (F, C·kh·kw)
        Z = weight_matrix @ cols + bias.reshape(1, F, 1)             # (N, F, L), one matmul
        ctx.cols = cols
        ctx.weight = weight
        ctx.input_shape = x.shape
        ctx.stride = stride
        ctx.padding = padding
        return Z.reshape(N, F, output_size(H, kh, stride, padding),
                         output_size(W, kw, stride, padding))

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        cols, weight = ctx.cols, ctx.weight
        N, F = grad_output.shape[0], grad_output.shape[1]
        dZ = grad_output.detach().numpy().reshape(N, F, -1)         # (N, F, L), like Z
        weight_matrix = weight.reshape(F, -1)
        # Z = W·cols + b per example: the matmul backward of exercise 5, the broadcast of 3.
        grad_cols = weight_matrix.T @ dZ                             # Wᵀ·dZ: (N, C·kh·kw, L)
        kernel_size = (weight.shape[2], weight.shape[3])
        grad_x = col2im(grad_cols, ctx.input_shape, kernel_size, ctx.stride, ctx.padding)
        grad_weight = (dZ @ cols.transpose(0, 2, 1)).sum(axis=0)    # Σ_n dZ·colsᵀ: (F, C·kh·kw)
        grad_bias = dZ.sum(axis=(0, 2))                              # b was added at every (n, l)
        return Tensor(grad_x), Tensor(grad_weight.reshape(weight.shape)), Tensor(grad_bias)
