"""Checks of exercises 6 to 10: softmax + cross-entropy, Linear, the article's MLP, a custom
Function, and the bug hunt."""

from __future__ import annotations

from functools import partial
from types import ModuleType
from typing import Any, Callable

import numpy as np

from tinygrad_edu.exercises.checks import (
    CheckFailed, member, require_close, require_gradcheck, tensor64,
)
from tinygrad_edu.function import Context, Function, constant
from tinygrad_edu.tensor import Tensor

__all__ = [
    "ArticleMLPLoss", "BUG_HUNT_OPS", "article_batch", "bug_hunt_failure", "check_article_mlp",
    "check_bug_hunt", "check_custom_function", "check_linear", "check_softmax_cross_entropy",
]

PARAMETER_NAMES = ("W1", "b1", "W2", "b2")


def _softmax(Z: np.ndarray) -> np.ndarray:
    """Column-wise softmax."""
    exponentials = np.exp(Z - Z.max(axis=0, keepdims=True))
    return exponentials / exponentials.sum(axis=0, keepdims=True)


def _one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    """One column per example, 1 at its label."""
    Y = np.zeros((classes, len(labels)))
    Y[labels, np.arange(len(labels))] = 1.0
    return Y


def check_softmax_cross_entropy(module: ModuleType) -> None:
    """Exercise 6: the loss value, then gradcheck of dL/dZ (Y needs no gradient).

    Example:
        >>> from tinygrad_edu.exercises.solutions import ex06_softmax_cross_entropy
        >>> check_softmax_cross_entropy(ex06_softmax_cross_entropy)
    """
    function = member(module, "SoftmaxCrossEntropy")
    generator = np.random.default_rng(6)
    Z = generator.standard_normal((4, 5)) * 2
    Y = _one_hot(np.array([0, 3, 1, 1, 2]), 4)
    expected = -(Y * np.log(_softmax(Z))).sum() / Z.shape[1]
    loss = function.apply(tensor64(Z), tensor64(Y, requires_grad=False))
    require_close("SoftmaxCrossEntropy's forward", loss, np.asarray(expected), "the loss")
    require_gradcheck("SoftmaxCrossEntropy with Z (4 classes, 5 examples)", function.apply,
                      [tensor64(Z), tensor64(Y, requires_grad=False)], ("Z", "Y"))


def check_linear(module: ModuleType) -> None:
    """Exercise 7: LinearFunction's forward and gradcheck, then the Linear layer's output.

    Example:
        >>> from tinygrad_edu.exercises.solutions import ex07_linear
        >>> check_linear(ex07_linear)
    """
    function = member(module, "LinearFunction")
    generator = np.random.default_rng(7)
    x = generator.standard_normal((4, 3))
    weight = generator.standard_normal((2, 3))
    bias = generator.standard_normal(2)
    output = function.apply(tensor64(x), tensor64(weight), tensor64(bias))
    require_close("LinearFunction's forward", output, x @ weight.T + bias, "x @ Wᵀ + b")
    require_gradcheck("LinearFunction with x (4, 3), W (2, 3), b (2,)", function.apply,
                      [tensor64(x), tensor64(weight), tensor64(bias)], ("x", "W", "b"))
    layer = member(module, "Linear")(3, 2, np.random.default_rng(0))
    parameters = list(layer.parameters())
    if len(parameters) != 2:
        raise CheckFailed(f"Linear(3, 2) has {len(parameters)} parameters; it should have two, "
                          "the weight (2, 3) and the bias (2,).")
    layer_output = layer(Tensor(x.astype(np.float32))).detach().numpy()
    expected = x.astype(np.float32) @ layer.weight.detach().numpy().T + layer.bias.detach().numpy()
    if layer_output.shape != (4, 2) or not np.allclose(layer_output, expected, rtol=1e-5,
                                                       atol=1e-6):
        raise CheckFailed("Linear(3, 2)(x) should equal x @ weightᵀ + bias, through "
                          "LinearFunction; it does not.")


def article_batch() -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """A small instance of the article's MLP (5 inputs, 4 hidden, 3 classes, 6 examples).

    The seed is chosen so that no pre-activation Z1 lies within 0.01 of ReLU's kink, where
    central differences would straddle it.

    Example:
        >>> params, X, Y = article_batch()
        >>> params["W1"].shape, X.shape, Y.shape
        ((4, 5), (5, 6), (3, 6))
    """
    generator = np.random.default_rng(8)
    params = {"W1": generator.uniform(-1, 1, (4, 5)), "b1": generator.uniform(-0.5, 0.5, (4, 1)),
              "W2": generator.uniform(-1, 1, (3, 4)), "b2": generator.uniform(-0.5, 0.5, (3, 1))}
    X = generator.uniform(0, 1, (5, 6))
    Y = _one_hot(np.array([0, 1, 2, 2, 1, 0]), 3)
    return params, X, Y


def _article_cache(params: dict[str, np.ndarray], X: np.ndarray) -> dict[str, np.ndarray]:
    """The article's forward pass: Z1, A1, Z2, A2."""
    Z1 = params["W1"] @ X + params["b1"]
    A1 = np.maximum(Z1, 0)
    Z2 = params["W2"] @ A1 + params["b2"]
    return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": _softmax(Z2)}


class ArticleMLPLoss(Function):
    """The article's mean cross-entropy as a function of (W1, b1, W2, b2) on a fixed batch;
    its backward is the learner's hand-derived ``backward``.

    Example:
        >>> params, X, Y = article_batch()
        >>> inputs = [tensor64(params[name]) for name in PARAMETER_NAMES]
        >>> float(ArticleMLPLoss.apply(*inputs, X=X, Y=Y, by_hand=None).item()) > 0
        True
    """

    @staticmethod
    def forward(ctx: Context, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray, *,
                X: np.ndarray, Y: np.ndarray, by_hand: Callable[..., Any]) -> np.ndarray:
        params = {"W1": W1.copy(), "b1": b1.copy(), "W2": W2.copy(), "b2": b2.copy()}
        cache = _article_cache(params, X)
        ctx.arguments = (params, cache, X, Y)
        ctx.by_hand = by_hand
        return np.asarray(-(Y * np.log(cache["A2"])).sum() / X.shape[1])

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, ...]:
        grads = ctx.by_hand(*ctx.arguments)
        return tuple(grad_output * constant(np.asarray(grads[name], dtype=np.float64))
                     for name in PARAMETER_NAMES)


def check_article_mlp(module: ModuleType) -> None:
    """Exercise 8: shapes, gradcheck of the hand-derived backward, then agreement with autograd.

    Example:
        >>> from tinygrad_edu.exercises.solutions import ex08_article_mlp
        >>> check_article_mlp(ex08_article_mlp)
    """
    by_hand = member(module, "backward")
    params, X, Y = article_batch()
    grads = by_hand({name: value.copy() for name, value in params.items()},
                    _article_cache(params, X), X.copy(), Y.copy())
    for name in PARAMETER_NAMES:
        if not isinstance(grads, dict) or name not in grads:
            raise CheckFailed(f"backward must return a dict with the keys {PARAMETER_NAMES}; "
                              f"`{name}` is missing.")
        shape = np.shape(grads[name])
        if shape != params[name].shape:
            raise CheckFailed(f"backward's d{name} has shape {shape}, but {name} has shape "
                              f"{tuple(params[name].shape)}: a gradient has its parameter's shape.")
    require_gradcheck(
        "your hand-derived backward (W1 (4, 5), b1 (4, 1), W2 (3, 4), b2 (3, 1), 6 examples)",
        partial(ArticleMLPLoss.apply, X=X, Y=Y, by_hand=by_hand),
        [tensor64(params[name]) for name in PARAMETER_NAMES], PARAMETER_NAMES,
    )
    from_autograd = member(module, "autograd_gradients")(params, X, Y)
    for name in PARAMETER_NAMES:
        require_close(f"d{name} by hand against autograd_gradients", grads[name],
                      np.asarray(from_autograd[name], dtype=np.float64), f"your d{name}")


def check_custom_function(module: ModuleType) -> None:
    """Exercise 9: Swish's forward, gradcheck, and gradgradcheck (a differentiable backward).

    Example:
        >>> from tinygrad_edu.exercises.solutions import ex09_custom_function
        >>> check_custom_function(ex09_custom_function)
    """
    swish = member(module, "Swish")
    x = np.random.default_rng(9).uniform(-3, 3, (2, 3))
    require_close("Swish's forward", swish.apply(tensor64(x)), x / (1 + np.exp(-x)),
                  "x * sigmoid(x)")
    require_gradcheck("Swish", swish.apply, [tensor64(x)], ("x",))
    require_gradcheck(
        "Swish's second derivative (gradgradcheck; build backward from Tensor operations on "
        "ctx.saved_tensors, not from .data or .numpy(), so that it can be differentiated)",
        swish.apply, [tensor64(x)], ("x",), second_order=True,
    )


def _bug_hunt_cases(name: str) -> list[tuple[list[Tensor], tuple[str, ...]]]:
    """The inputs each bug-hunt op is checked on, with the inputs' names."""
    generator = np.random.default_rng(10)

    def normal(*shape: int) -> Tensor:
        return tensor64(generator.standard_normal(shape))

    if name == "Mul":
        return [([normal(2, 3), normal(2, 3)], ("a", "b"))]
    if name == "Tanh":
        return [([normal(2, 3)], ("a",))]
    if name == "Pow":
        base = tensor64(generator.uniform(0.5, 2.0, (2, 3)))
        return [([base, tensor64(np.full((2, 3), 2.0))], ("a", "b"))]
    if name == "MatMul":
        # Square first, so that a transposed gradient has the right shape and is named as such.
        return [([normal(3, 3), normal(3, 3)], ("a", "b")),
                ([normal(2, 3), normal(3, 4)], ("a", "b"))]
    return [([normal(4, 3), normal(3)], ("x", "bias"))]


BUG_HUNT_OPS = ("Mul", "Tanh", "Pow", "MatMul", "AddBias")


def bug_hunt_failure(module: ModuleType, name: str) -> str | None:
    """gradcheck's message for one op of the bug hunt, or ``None`` when its backward is right.

    Example:
        >>> from tinygrad_edu.exercises.solutions import ex10_bug_hunt
        >>> bug_hunt_failure(ex10_bug_hunt, "Tanh") is None
        True
    """
    function = member(module, name)
    for inputs, names in _bug_hunt_cases(name):
        shapes = " and ".join(str(tuple(tensor.shape)) for tensor in inputs)
        try:
            require_gradcheck(f"{name} on {shapes}", function.apply, inputs, names)
        except CheckFailed as failure:
            return str(failure)
        except NotImplementedError:
            raise
        except Exception as error:  # the learner's edit may raise anything: report it per op
            return f"{name} on {shapes}: its backward raised {type(error).__name__}: {error}"
    return None


def check_bug_hunt(module: ModuleType) -> None:
    """Exercise 10: every op of the bug hunt, reporting all the ops that still fail.

    Example:
        >>> from tinygrad_edu.exercises.solutions import ex10_bug_hunt
        >>> check_bug_hunt(ex10_bug_hunt)
    """
    failures = [(name, bug_hunt_failure(module, name)) for name in BUG_HUNT_OPS]
    messages = [f"- {message}" for name, message in failures if message is not None]
    if messages:
        fixed = [name for name, message in failures if message is None]
        header = f"{len(messages)} of {len(BUG_HUNT_OPS)} ops still have a wrong backward"
        header += f" (fixed: {', '.join(fixed)})" if fixed else ""
        raise CheckFailed(header + ":\n\n" + "\n\n".join(messages))
