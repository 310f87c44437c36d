"""Exercise 8: the article's whole MLP backward, by hand in NumPy, checked against autograd.

The article's layout: one example per column, m examples.

    X : (inputs, m)    Y : (classes, m) one-hot
    Z1 = W1·X + b1,   A1 = ReLU(Z1),   Z2 = W2·A1 + b2,   A2 = softmax(Z2)
    L  = -(1/m) Σ Y ⊙ log A2

Your task: ``backward`` returns dL/dW1, dL/db1, dL/dW2, dL/db2, derived by hand.
``autograd_gradients`` (given) gets the same four numbers from the engine, running your MatMul
(exercise 5) and SoftmaxCrossEntropy (exercise 6), or the reference ones while yours do not
pass their checks yet; the check compares your gradients with both central differences and it.

Check it:  python -m tinygrad_edu.exercises check 8 --dir <this folder>
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.exercises.fallback import piece
from tinygrad_edu.tensor import Tensor

Params = dict[str, np.ndarray]


def softmax(Z: np.ndarray) -> np.ndarray:
    """Column-wise softmax (each column's maximum subtracted first).

    Example:
        >>> softmax(np.zeros((2, 1)))
        array([[0.5],
               [0.5]])
    """
    exponentials = np.exp(Z - Z.max(axis=0, keepdims=True))
    return exponentials / exponentials.sum(axis=0, keepdims=True)


def forward(params: Params, X: np.ndarray) -> dict[str, np.ndarray]:
    """The forward pass; returns the cache ``{"Z1", "A1", "Z2", "A2"}`` that backward needs.

    Example:
        >>> params = {"W1": np.ones((2, 3)), "b1": np.zeros((2, 1)),
        ...           "W2": np.ones((2, 2)), "b2": np.zeros((2, 1))}
        >>> forward(params, np.ones((3, 4)))["A2"].shape
        (2, 4)
    """
    Z1 = params["W1"] @ X + params["b1"]
    A1 = np.maximum(Z1, 0)
    Z2 = params["W2"] @ A1 + params["b2"]
    return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": softmax(Z2)}


def backward(params: Params, cache: dict[str, np.ndarray], X: np.ndarray,
             Y: np.ndarray) -> Params:
    """dL/dθ for θ in W1, b1, W2, b2, derived by hand: your code.

    ``cache`` holds Z1, A1, Z2 and A2 from ``forward``. Each gradient has its parameter's
    shape (b1 is (hidden, 1), not (hidden,)).
    """
    raise NotImplementedError(
        "backward of exercise 8: return {'W1': dW1, 'b1': db1, 'W2': dW2, 'b2': db2}"
    )


def autograd_gradients(params: Params, X: np.ndarray, Y: np.ndarray) -> Params:
    """The same gradients from tinygrad_edu's engine (no derivation by hand; given)."""
    MatMul = piece(5, "MatMul", __file__)
    SoftmaxCrossEntropy = piece(6, "SoftmaxCrossEntropy", __file__)
    leaves = {name: Tensor(value, requires_grad=True) for name, value in params.items()}
    Z1 = MatMul.apply(leaves["W1"], Tensor(X)) + leaves["b1"]
    Z2 = MatMul.apply(leaves["W2"], Z1.relu()) + leaves["b2"]
    SoftmaxCrossEntropy.apply(Z2, Tensor(Y)).backward()
    grads = {}
    for name, leaf in leaves.items():
        assert leaf.grad is not None, f"{name} got no gradient"
        grads[name] = leaf.grad.numpy()
    return grads
