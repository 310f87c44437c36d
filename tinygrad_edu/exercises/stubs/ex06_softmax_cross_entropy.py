"""Exercise 6: softmax followed by cross-entropy, and the article's ``dZ2 = A2 − Y``.

The article's layout: one example per column. Z holds the logits (classes, m), Y the one-hot
labels (classes, m), A = softmax(Z) column by column, and the loss is the mean over the m
columns of -Σ_classes Y log A.

Your task: derive dL/dZ on paper (start from one column: log A_k = Z_k - log Σ_j exp(Z_j)),
then write ``backward``. The labels Y get no gradient: return None for them.

Check it:  python -m tinygrad_edu.exercises check 6 --dir <this folder>
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.function import Context, Function
from tinygrad_edu.tensor import Tensor


def softmax(Z: np.ndarray) -> np.ndarray:
    """Column-wise softmax, with each column's maximum subtracted first so no exp overflows."""
    exponentials = np.exp(Z - Z.max(axis=0, keepdims=True))
    return exponentials / exponentials.sum(axis=0, keepdims=True)


class SoftmaxCrossEntropy(Function):
    """L = -(1/m) Σ Y ⊙ log softmax(Z).   dL/dZ = ?  (Y gets no gradient.)"""

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
        raise NotImplementedError(
            f"SoftmaxCrossEntropy.backward: return (dL/dZ of shape {A.shape}, None), "
            f"with m = {m} examples"
        )
