"""Exercise 6: softmax followed by cross-entropy, and the article's ``dZ2 = A2 − Y``.

The article's layout: one example per column. Z holds the logits (classes, m), Y the one-hot
labels (classes, m), A = softmax(Z) column by column, and the loss is the mean over the m
columns of -Σ_classes Y log A.

Derivation for one column (drop the column index): log A_k = Z_k - log Σ_j exp(Z_j), so
d log A_k / d Z_i = 1[i = k] - A_i and, since Σ_k Y_k = 1,
d(-Σ_k Y_k log A_k) / d Z_i = -Y_i + A_i Σ_k Y_k = A_i - Y_i.
The mean over m columns divides by m: dL/dZ = (A - Y) / m, times the upstream gradient.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.function import Context, Function
from tinygrad_edu.tensor import Tensor


def softmax(Z: np.ndarray) -> np.ndarray:
    """Column-wise softmax, with each column's maximum subtracted first so no exp overflows.

    Example:
        >>> softmax(np.array([[1000.0], [1000.0]]))
        array([[0.5],
               [0.5]])
    """
    exponentials = np.exp(Z - Z.max(axis=0, keepdims=True))
    return exponentials / exponentials.sum(axis=0, keepdims=True)


class SoftmaxCrossEntropy(Function):
    """L = -(1/m) Σ Y ⊙ log softmax(Z).   dL/dZ = (softmax(Z) - Y) / m;  Y gets no gradient.

    Example:
        >>> Z = Tensor(np.zeros((2, 1)), requires_grad=True)
        >>> SoftmaxCrossEntropy.apply(Z, Tensor(np.array([[1.0], [0.0]]))).backward()
        >>> Z.grad.numpy()
        array([[-0.5],
               [ 0.5]])
    """

    @staticmethod
    def forward(ctx: Context, Z: np.ndarray, Y: np.ndarray) -> np.ndarray:
        A = softmax(Z)
        m = Z.shape[1]
        ctx.save_for_backward(A, Y)
        log_A = np.log(np.maximum(A, np.finfo(A.dtype).tiny))
        return np.asarray(-(Y * log_A).sum() / m, dtype=Z.dtype)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, None]:
        A, Y = ctx.saved_tensors
        m = A.shape[1]
        return grad_output * (A - Y) / m, None  # the article's dZ2 = A2 - Y, divided by m
