"""Fused ops: one node where the composite would be slower or numerically unstable."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_edu.function import Context, Function, constant
from tinygrad_edu.grad_mode import is_grad_enabled

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor


def stable_log_softmax(logits: np.ndarray, axis: int) -> np.ndarray:
    """log softmax(logits) along ``axis``: z - m - log Σ exp(z - m), with m the maximum.

    After the shift the largest exponent is exp(0) = 1, so the sum lies in [1, C] and its log
    never overflows or hits log(0).
    """
    if logits.size == 0:
        # No classes (or no rows): the result is as empty as the input, as in torch.
        return np.zeros_like(logits)
    row_max = logits.max(axis=axis, keepdims=True)
    # A row of all -inf is shifted by 0 rather than by -inf (its result is NaN either way, as
    # in torch). A row holding +inf keeps its shift: inf - inf = NaN, torch's answer too.
    row_max = np.where(row_max == -np.inf, 0, row_max)
    with np.errstate(invalid="ignore", divide="ignore"):
        shifted = logits - row_max
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


class LogSoftmax(Function):
    """out = a - logsumexp(a, dim).   dL/da = g - softmax(a) * Σ_dim g, with g = dL/dout.

    Stable for any logits: the row maximum is subtracted before ``exp``, so the largest
    exponent is exp(0) = 1. Followed by the negative log-likelihood of one-hot targets Y, the
    gradient becomes the article's ``dZ2 = A2 - Y`` (softmax minus one-hot).
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, dim: int) -> np.ndarray:
        output = stable_log_softmax(a, dim)
        ctx.dim = dim
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (output,) = ctx.saved_tensors
        softmax = output.exp()
        return grad_output - softmax * grad_output.sum(dim=ctx.dim, keepdim=True)


class Linear(Function):
    """out = x @ weightᵀ + bias, the affine map of a Linear layer (x: (..., in), weight: (out, in)).

    With g = dL/dout flattened to (rows, out) and x to (rows, in):
    dL/dx = g @ weight,  dL/dweight = gᵀ @ x  (the article's ``dW = dZ Aᵀ / m`` before the mean),
    dL/dbias = Σ_rows g. One node instead of transpose + matmul + add: fewer ops per step, and
    the weight gradient comes out contiguous in the weight's own layout.
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x, weight)
        output = np.matmul(x, weight.T)
        output += bias
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, ...]:
        x, weight = ctx.saved_tensors
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad
        if not is_grad_enabled():
            # An ordinary backward records nothing, so the three products are computed on the
            # arrays directly: the same formulas, without a Tensor op around each.
            g = grad_output.data
            rows_of_g = g.reshape(-1, g.shape[-1])
            return (
                constant(g @ weight.data) if needs_x else None,
                constant(rows_of_g.T @ x.data.reshape(-1, x.shape[-1])) if needs_weight else None,
                constant(rows_of_g.sum(axis=0)) if needs_bias else None,
            )
        # create_graph=True: Tensor ops, so that these gradients can be differentiated again.
        # Leading dimensions of x (if any) are all rows of one big matrix product.
        rows_of_grad = grad_output if grad_output.ndim == 2 else grad_output.reshape(
            -1, weight.shape[0])
        rows_of_x = x if x.ndim == 2 else x.reshape(-1, weight.shape[1])
        grad_x = grad_output @ weight if needs_x else None
        grad_weight = rows_of_grad.transpose(0, 1) @ rows_of_x if needs_weight else None
        grad_bias = rows_of_grad.sum(dim=0) if needs_bias else None
        return grad_x, grad_weight, grad_bias
