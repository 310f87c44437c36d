"""The article's 784-64-10 MNIST network, written out by hand in NumPy with its formulas.

This is the starting point that tinygrad_edu turns into ops: every gradient below is derived
by hand, and ``examples/mlp_mnist.py`` trains it next to the same network written with
tinygrad_edu's modules (which derive nothing by hand: the engine chains the ops' backwards).

Layout, as in the article: one example per *column*. With m examples in a mini-batch,

    X  : (784, m)  pixels / 255          Y  : (10, m)  one-hot labels
    W1 : (64, 784)    b1 : (64, 1)       W2 : (10, 64)    b2 : (10, 1)

Forward:   Z1 = W1·X + b1,   A1 = ReLU(Z1),   Z2 = W2·A1 + b2,   A2 = softmax(Z2)
Loss:      L = -(1/m) Σ_examples Σ_classes Y ⊙ log A2              (mean cross-entropy)
Backward:  dZ2 = A2 − Y
           dW2 = dZ2·A1ᵀ / m            db2 = Σ_examples dZ2 / m
           dZ1 = W2ᵀ·dZ2 ⊙ 1[Z1 > 0]
           dW1 = dZ1·Xᵀ / m             db1 = Σ_examples dZ1 / m
Update:    θ ← θ − α·dθ   (plain SGD; the article uses α = 1e-3 and m = 32)

Initialisation: every weight and bias drawn from U(-0.5, 0.5) (the article's
``np.random.rand(...) - 0.5``).

Example:
    >>> import numpy as np
    >>> params = init(np.random.default_rng(0))
    >>> X = np.random.default_rng(1).random((784, 32))
    >>> loss = train_step(params, X, np.arange(32) % 10, learning_rate=1e-3)
    >>> params["W1"].shape, params["b1"].shape, loss > 0
    ((64, 784), (64, 1), True)
"""

from __future__ import annotations

import numpy as np

LEARNING_RATE = 1e-3
BATCH_SIZE = 32
SIZES = (784, 64, 10)

Params = dict[str, np.ndarray]


def init(rng: np.random.Generator, dtype: np.dtype | type = np.float32,
         sizes: tuple[int, int, int] = SIZES) -> Params:
    """The article's initialisation: W1, b1, W2, b2 ~ U(-0.5, 0.5), drawn in that order.

    Args:
        rng: the NumPy generator to draw from (a seed reproduces the weights).
        dtype: float32 (the default, like the article's PyTorch model) or float64.
        sizes: (inputs, hidden units, classes).

    Returns:
        ``{"W1": (hidden, inputs), "b1": (hidden, 1), "W2": (classes, hidden),
        "b2": (classes, 1)}``.

    Example:
        >>> params = init(np.random.default_rng(0), dtype=np.float64)
        >>> params["W2"].shape, params["W2"].dtype, bool(np.abs(params["W1"]).max() <= 0.5)
        ((10, 64), dtype('float64'), True)
    """
    inputs, hidden, classes = sizes
    shapes = {"W1": (hidden, inputs), "b1": (hidden, 1), "W2": (classes, hidden),
              "b2": (classes, 1)}
    return {name: (rng.random(shape) - 0.5).astype(dtype) for name, shape in shapes.items()}


def relu(Z: np.ndarray) -> np.ndarray:
    """ReLU(Z) = max(Z, 0), elementwise.

    Example:
        >>> relu(np.array([-1.0, 2.0]))
        array([0., 2.])
    """
    return np.maximum(Z, 0)


def softmax(Z: np.ndarray) -> np.ndarray:
    """Column-wise softmax: A[k, j] = exp(Z[k, j]) / Σ_k' exp(Z[k', j]).

    Each column's maximum is subtracted first (it cancels in the ratio), so no exp overflows.

    Example:
        >>> softmax(np.array([[1000.0], [1000.0]]))
        array([[0.5],
               [0.5]])
    """
    exponentials = np.exp(Z - Z.max(axis=0, keepdims=True))
    return exponentials / exponentials.sum(axis=0, keepdims=True)


def one_hot(labels: np.ndarray, classes: int = 10, dtype: np.dtype | type = np.float32
            ) -> np.ndarray:
    """Y[k, j] = 1 if labels[j] == k else 0: one column per example.

    Example:
        >>> one_hot(np.array([2, 0]), classes=3)
        array([[0., 1.],
               [0., 0.],
               [1., 0.]], dtype=float32)
    """
    Y = np.zeros((classes, len(labels)), dtype=dtype)
    Y[labels, np.arange(len(labels))] = 1
    return Y


def forward(params: Params, X: np.ndarray) -> dict[str, np.ndarray]:
    """Z1 = W1·X + b1,  A1 = ReLU(Z1),  Z2 = W2·A1 + b2,  A2 = softmax(Z2).

    Args:
        params: the weights from ``init``.
        X: the inputs, one example per column, shape (784, m).

    Returns:
        The cache ``{"Z1", "A1", "Z2", "A2"}`` that ``backward`` needs; A2 holds the class
        probabilities, shape (10, m).

    Example:
        >>> params = init(np.random.default_rng(0))
        >>> cache = forward(params, np.zeros((784, 5), np.float32))
        >>> cache["A2"].shape, bool(np.allclose(cache["A2"].sum(axis=0), 1))
        ((10, 5), True)
    """
    Z1 = params["W1"] @ X + params["b1"]
    A1 = relu(Z1)
    Z2 = params["W2"] @ A1 + params["b2"]
    A2 = softmax(Z2)
    return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def cross_entropy(A2: np.ndarray, Y: np.ndarray) -> float:
    """L = -(1/m) Σ Y ⊙ log A2: the mean over the m columns of -log(probability of the label).

    Example:
        >>> round(cross_entropy(np.full((2, 1), 0.5), np.array([[1.0], [0.0]])), 4)
        0.6931
    """
    m = Y.shape[1]
    # The probability of the right class, floored so that a (rare) 0 gives a large finite loss.
    return float(-(Y * np.log(np.maximum(A2, np.finfo(A2.dtype).tiny))).sum() / m)


def backward(params: Params, cache: dict[str, np.ndarray], X: np.ndarray,
             Y: np.ndarray) -> Params:
    """The hand-derived gradients of the mean cross-entropy.

        dZ2 = A2 − Y                      (softmax followed by cross-entropy)
        dW2 = dZ2·A1ᵀ / m,   db2 = Σ_examples dZ2 / m
        dZ1 = W2ᵀ·dZ2 ⊙ 1[Z1 > 0]         (ReLU passes the gradient where Z1 > 0)
        dW1 = dZ1·Xᵀ / m,    db1 = Σ_examples dZ1 / m

    Returns:
        ``{"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}``, each of its parameter's shape.

    Example:
        >>> params = init(np.random.default_rng(0))
        >>> X = np.ones((784, 4), np.float32)
        >>> grads = backward(params, forward(params, X), X, one_hot(np.arange(4)))
        >>> {name: grad.shape == params[name].shape for name, grad in grads.items()}
        {'W1': True, 'b1': True, 'W2': True, 'b2': True}
    """
    m = X.shape[1]
    dZ2 = cache["A2"] - Y
    dW2 = dZ2 @ cache["A1"].T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dZ1 = (params["W2"].T @ dZ2) * (cache["Z1"] > 0)
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def update(params: Params, grads: Params, learning_rate: float = LEARNING_RATE) -> None:
    """Plain SGD, in place: θ ← θ − α·dθ for every parameter θ.

    Example:
        >>> params = {"w": np.array([1.0])}
        >>> update(params, {"w": np.array([2.0])}, learning_rate=0.1); params["w"]
        array([0.8])
    """
    for name, grad in grads.items():
        params[name] -= learning_rate * grad


def train_step(params: Params, X: np.ndarray, labels: np.ndarray,
               learning_rate: float = LEARNING_RATE) -> float:
    """One mini-batch of the article's training: forward, loss, backward, SGD update.

    Args:
        params: the weights, updated in place.
        X: the batch, one example per column, shape (784, m).
        labels: the m integer labels.
        learning_rate: α.

    Returns:
        The batch's mean cross-entropy, computed before the update.

    Example:
        >>> params = init(np.random.default_rng(0), dtype=np.float64)
        >>> X, labels = np.random.default_rng(1).random((784, 8)), np.arange(8)
        >>> first = train_step(params, X, labels)
        >>> bool(train_step(params, X, labels) < first)
        True
    """
    Y = one_hot(labels, params["b2"].shape[0], params["W1"].dtype)
    cache = forward(params, X)
    loss = cross_entropy(cache["A2"], Y)
    update(params, backward(params, cache, X, Y), learning_rate)
    return loss


def predict(params: Params, X: np.ndarray) -> np.ndarray:
    """The predicted class of each column of X: argmax_k A2[k, j].

    Example:
        >>> params = init(np.random.default_rng(0))
        >>> predict(params, np.zeros((784, 3), np.float32)).shape
        (3,)
    """
    return forward(params, X)["A2"].argmax(axis=0)


def accuracy(params: Params, X: np.ndarray, labels: np.ndarray) -> float:
    """The fraction of the columns of X whose predicted class equals its label.

    Example:
        >>> params = init(np.random.default_rng(0))
        >>> X = np.zeros((784, 4), np.float32)
        >>> accuracy(params, X, predict(params, X))
        1.0
    """
    return float((predict(params, X) == labels).mean())
