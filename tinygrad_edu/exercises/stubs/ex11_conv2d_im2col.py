"""Exercise 11: a 2-D convolution's backward, through im2col and its adjoint col2im.

    x: (N, C, H, W)    weight: (F, C, kh, kw)    bias: (F,)    out: (N, F, OH, OW)
    OH = (H + 2·padding - kh) // stride + 1,   OW likewise with W and kw

The forward is written. ``im2col`` cuts the padded input into its windows, one column per
output position: cols has shape (N, C·kh·kw, L) with L = OH·OW. The convolution is then one
matrix product, Z = W·cols + b, with W the weight as an (F, C·kh·kw) matrix and Z (N, F, L)
the output before its last reshape.

Your task:
- ``col2im``, the adjoint of im2col: it takes an array of cols' shape and ADDS each column back
  into the window of the input it came from. Where windows overlap (stride < kernel), an input
  element lies in several windows and receives the sum of their values.
- ``Conv2d.backward``, with dZ = dL/dout as (N, F, L):
      dX = col2im(Wᵀ·dZ),    dW = Σ_n dZ·colsᵀ,    db = Σ dZ (over the examples and positions)

Like the article, this exercise is NumPy: backward reads grad_output as an array and returns
Tensors made from arrays (so it has no second derivative; the check runs gradcheck only).

Check it:  python -m tinygrad_edu.exercises check 11 --dir <this folder>
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

    Example, one channel, a 1 × 4 input, kernel (1, 2), stride 1: the windows are [x0 x1],
    [x1 x2] and [x2 x3]; col2im of the columns [a b], [c d] and [e f] is [a, b + c, d + e, f].
    x1 and x2 each lie in two windows, so each receives two values, added.
    """
    raise NotImplementedError(
        f"col2im: add the {cols.shape[-1]} columns of cols {cols.shape} back into the windows "
        f"of an input of shape {tuple(input_shape)} (kernel {tuple(kernel_size)}, stride "
        f"{stride}, padding {padding})"
    )


class Conv2d(Function):
    """out[n, f] = Σ_c Σ_(i,j) weight[f, c, i, j] · padded_x[n, c, oh·s + i, ow·s + j] + bias[f].

    A cross-correlation, as torch's conv2d (s = stride; groups 1, dilation 1).
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
        raise NotImplementedError(
            f"Conv2d.backward: from dZ {dZ.shape}, cols {cols.shape} and weight "
            f"{weight.shape}, return (dL/dx, dL/dweight, dL/dbias) as Tensors"
        )
