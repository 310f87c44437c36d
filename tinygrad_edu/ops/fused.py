"""Fused ops: one node where the composite would be slower or numerically unstable."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_edu.function import Context, Function
from tinygrad_edu.ops.matmul import MatMul
from tinygrad_edu.ops.movement import Reshape
from tinygrad_edu.ops.reduce import Sum

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor


# Up to this many classes along the last axis of a 2-D array, ``row_maximum`` takes the maximum
# over a transposed copy (measured crossover: between 32 and 64 classes).
FEW_CLASSES = 32


def row_maximum(logits: np.ndarray, axis: int, initial: float) -> np.ndarray:
    """``np.maximum.reduce(logits, axis, keepdims=True, initial=initial)``, the same bits.

    NumPy reduces a short last axis one row at a time: for a batch of (32, 10) float32 logits
    that takes 2.2 µs, for (1024, 10) 52 µs. Over a contiguous copy of the transpose the same
    maxima are an elementwise maximum of the C columns, each one long row: 1.3 µs and 4.7 µs,
    copy included. A maximum is exact, so the order does not change the result; past about 32
    classes the copy costs more than it saves.
    """
    if logits.ndim == 2 and axis in (1, -1) and logits.shape[1] <= FEW_CLASSES:
        columns = np.ascontiguousarray(logits.T)  # (C, N): class j's logits in one row
        return np.maximum.reduce(columns, axis=0, initial=initial)[:, np.newaxis]
    return np.maximum.reduce(logits, axis=axis, keepdims=True, initial=initial)


def stable_log_softmax(logits: np.ndarray, axis: int) -> np.ndarray:
    """log softmax(logits) along ``axis``: z - m - log Σ exp(z - m), with m the maximum.

    After the shift the largest exponent is exp(0) = 1, so the sum lies in [1, C] and its log
    never overflows or hits log(0).
    """
    if logits.size == 0:
        # No classes (or no rows): the result is as empty as the input, as in torch.
        return np.zeros_like(logits)
    # A row of all -inf is shifted by the lowest finite number (the maximum's initial value)
    # rather than by -inf: z - m stays -inf, and the result is NaN either way, as in torch. A
    # row holding +inf keeps its shift: inf - inf = NaN, torch's answer too.
    row_max = row_maximum(logits, axis, initial=np.finfo(logits.dtype).min)
    with np.errstate(invalid="ignore", divide="ignore"):
        shifted = logits - row_max
        log_total = np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        shifted -= log_total  # in place: shifted is a new array, the result
        return shifted


class LogSoftmax(Function):
    """out = a - logsumexp(a, dim).   dL/da = g - softmax(a) * Σ_dim g, with g = dL/dout.

    Stable for any logits: the row maximum is subtracted before ``exp``, so the largest
    exponent is exp(0) = 1. Followed by the negative log-likelihood of one-hot targets Y, the
    gradient becomes the article's ``dZ2 = A2 - Y`` (softmax minus one-hot).

    ``known_output``: the result, when the caller computed it from these same values already
    (``CrossEntropy``'s backward passes the log-softmax its forward computed), so that it is
    not computed twice; the node and its backward are the same either way.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, dim: int,
                known_output: np.ndarray | None = None) -> np.ndarray:
        output = stable_log_softmax(a, dim) if known_output is None else known_output
        ctx.dim = dim
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (output,) = ctx.saved_tensors
        softmax = output.exp()
        return grad_output - softmax * grad_output.sum(dim=ctx.dim, keepdim=True)


class Softmax(Function):
    """out = exp(a - logsumexp(a, dim)).   dL/da = out * (g - Σ_dim g * out), with g = dL/dout.

    The exponential of the stable log-softmax, so it never overflows. The backward is written
    with the output, as torch writes it, so a gradient differentiated again reaches the output
    (a tensor that ``retain_grad`` may watch) the same way as in torch.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, dim: int) -> np.ndarray:
        output = np.exp(stable_log_softmax(a, dim))
        ctx.dim = dim
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (output,) = ctx.saved_tensors
        return output * (grad_output - (grad_output * output).sum(dim=ctx.dim, keepdim=True))


class Linear(Function):
    """out = x @ weightᵀ + bias, the affine map of a Linear layer (x: (..., in), weight: (out, in)).

    With g = dL/dout flattened to (rows, out) and x to (rows, in):
    dL/dx = g @ weight,  dL/dweight = gᵀ @ x  (the article's ``dW = dZ Aᵀ / m`` before the mean),
    dL/dbias = Σ_rows g. One node instead of transpose + matmul + add: fewer ops per step, and
    the weight gradient comes out contiguous in the weight's own layout. The weight's and the
    bias's gradients are one op of their own, ``LinearParameterGradients``.
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
        # Save only what a needed gradient reads: x for the weight's, the weight for x's.
        needs_x, needs_weight, _ = ctx.needs_input_grad
        ctx.save_for_backward(x if needs_weight else None, weight if needs_x else None)
        ctx.input_shape = x.shape
        output = np.matmul(x, weight.T)
        output += bias
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, ...]:
        x, weight = ctx.saved_tensors
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad
        # The ops are called directly: the shapes are known to fit, and the Tensor methods'
        # checks and view bookkeeping would cost time on every training step. Leading
        # dimensions of x (or none, for a single sample) are rows of one matrix product.
        several_rows = grad_output.ndim == 2
        rows_of_grad = grad_output if several_rows else Reshape.apply(
            grad_output, shape=(-1, grad_output.shape[-1]))
        grad_x = grad_weight = grad_bias = None
        if needs_x:
            grad_x = MatMul.apply(rows_of_grad, weight)  # dL/dx = g W
            if not several_rows:
                grad_x = Reshape.apply(grad_x, shape=ctx.input_shape)
        if needs_weight:
            rows_of_x = x if several_rows else Reshape.apply(x, shape=(-1, x.shape[-1]))
            # dL/dW = gᵀ x and dL/db = Σ_rows g, one op (with a frozen bias the sum is unused).
            grad_weight, rows_sum = LinearParameterGradients.apply(rows_of_grad, rows_of_x)
            grad_bias = rows_sum if needs_bias else None
        elif needs_bias:  # a frozen weight: x was not saved
            grad_bias = Sum.apply(rows_of_grad, axes=(0,), keepdim=False)  # dL/db = Σ_rows g
        return grad_x, grad_weight, grad_bias


class LinearParameterGradients(Function):
    """(dL/dweight, dL/dbias) = (gᵀ x, Σ_rows g): a Linear layer's parameter gradients, one op.

    g = dL/dout (rows, out) and x (rows, in) hold one sample per row. These are the article's
    ``dW2 = dZ2 A1ᵀ`` and ``db2 = Σ dZ2`` (before the mean's 1/m, which the loss's gradient
    already carries). One node instead of a transpose, a product and a sum: ``Linear``'s
    backward calls it on every training step.

    Its own backward, for ``create_graph=True``: given U_w and U_b, the gradients of the two
    outputs,  d/dg = x U_wᵀ + U_b (added to every row)  and  d/dx = g U_w.

    Example:
        >>> import tinygrad_edu as tge
        >>> g, x = tge.tensor([[1.0, 2.0], [3.0, 4.0]]), tge.tensor([[1.0], [10.0]])
        >>> grad_weight, grad_bias = LinearParameterGradients.apply(g, x)
        >>> grad_weight.tolist(), grad_bias.tolist()
        ([[31.0], [42.0]], [4.0, 6.0])
    """

    @staticmethod
    def forward(ctx: Context, grad_rows: np.ndarray, x_rows: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        ctx.save_for_backward(grad_rows, x_rows)
        return np.matmul(grad_rows.T, x_rows), np.add.reduce(grad_rows, axis=0)

    @staticmethod
    def backward(ctx: Context, grad_of_weight_grad: Tensor, grad_of_bias_grad: Tensor
                 ) -> tuple[Tensor | None, Tensor | None]:
        grad_rows, x_rows = ctx.saved_tensors
        needs_grad_rows, needs_x = ctx.needs_input_grad
        d_grad_rows = d_x = None
        if needs_grad_rows:  # d/dg = x U_wᵀ + U_b
            d_grad_rows = x_rows @ grad_of_weight_grad.transpose(0, 1) + grad_of_bias_grad
        if needs_x:  # d/dx = g U_w
            d_x = grad_rows @ grad_of_weight_grad
        return d_grad_rows, d_x
