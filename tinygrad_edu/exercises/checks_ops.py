"""Checks of exercises 1 to 5: the chain rule, elementwise ops, broadcasting, reductions, matmul.

Where the learner writes plain numbers or NumPy (exercises 1 and 3), a small ``Function`` here
wraps the learner's code as its backward, so that ``gradcheck`` can compare it with central
differences of the forward and name the input that is wrong.
"""

from __future__ import annotations

import math
from functools import partial
from types import ModuleType
from typing import Any, Callable

import numpy as np

from tinygrad_edu.exercises.checks import CheckFailed, member, require_gradcheck, tensor64
from tinygrad_edu.function import Context, Function, constant
from tinygrad_edu.tensor import Tensor

__all__ = [
    "BroadcastTo", "ChainRuleByHand", "check_broadcasting", "check_chain_rule",
    "check_elementwise", "check_matmul", "check_reductions",
]

CHAIN_RULE_POINTS = ((0.5, -1.2), (1.3, 0.4), (2.0, -0.7))


class ChainRuleByHand(Function):
    """f(x, y) = log(exp(x y) + x) elementwise; its backward calls the learner's scalar
    ``backward(x, y)`` at each point.

    Example:
        >>> def by_hand(x, y):
        ...     return 0.5, 0.5
        >>> output = ChainRuleByHand.apply(tensor64([1.0]), tensor64([0.0]), by_hand=by_hand)
        >>> output.detach().numpy()
        array([0.69314718])
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, y: np.ndarray, *,
                by_hand: Callable[[float, float], Any]) -> np.ndarray:
        ctx.by_hand = by_hand
        ctx.points = [(float(x_k), float(y_k)) for x_k, y_k in zip(x, y)]
        return np.array([math.log(math.exp(x_k * y_k) + x_k) for x_k, y_k in ctx.points])

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        df_dx = np.zeros(len(ctx.points))
        df_dy = np.zeros(len(ctx.points))
        for index, (x, y) in enumerate(ctx.points):
            answer = ctx.by_hand(x, y)
            if not isinstance(answer, tuple) or len(answer) != 2:
                raise CheckFailed(f"backward({x}, {y}) returned {answer!r}; it must return the "
                                  "pair (df_dx, df_dy).")
            df_dx[index], df_dy[index] = float(answer[0]), float(answer[1])
        return grad_output * constant(df_dx), grad_output * constant(df_dy)


def check_chain_rule(module: ModuleType) -> None:
    """Exercise 1: the learner's (df/dx, df/dy) against central differences of f.

    The three points are checked together (index k of x and y is the point k), so that
    gradcheck sees how the error varies from point to point.

    Example:
        >>> from tinygrad_edu.exercises.solutions import ex01_chain_rule
        >>> check_chain_rule(ex01_chain_rule)
    """
    by_hand = member(module, "backward")
    x_values = [x for x, _ in CHAIN_RULE_POINTS]
    y_values = [y for _, y in CHAIN_RULE_POINTS]
    points = ", ".join(f"({x}, {y})" for x, y in CHAIN_RULE_POINTS)
    require_gradcheck(
        f"backward at the points (x, y) = {points} (index k is the k-th point)",
        partial(ChainRuleByHand.apply, by_hand=by_hand), [tensor64(x_values), tensor64(y_values)],
        ("x", "y"),
    )


def check_elementwise(module: ModuleType) -> None:
    """Exercise 2: gradcheck of the learner's Mul, Exp and Log.

    Example:
        >>> from tinygrad_edu.exercises.solutions import ex02_elementwise
        >>> check_elementwise(ex02_elementwise)
    """
    generator = np.random.default_rng(2)
    a = tensor64(generator.uniform(-2, 2, (2, 3)))
    b = tensor64(generator.uniform(-2, 2, (2, 3)))
    positive = tensor64(generator.uniform(0.5, 3, (2, 3)))
    require_gradcheck("Mul", member(module, "Mul").apply, [a, b], ("a", "b"))
    require_gradcheck("Exp", member(module, "Exp").apply, [a], ("a",))
    require_gradcheck("Log", member(module, "Log").apply, [positive], ("a",))


class BroadcastTo(Function):
    """out = a broadcast to ``shape``; its backward calls the learner's ``unbroadcast``.

    Example:
        >>> BroadcastTo.apply(tensor64([1.0]), shape=(2, 1), unbroadcast=None).shape
        Size([2, 1])
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, shape: tuple[int, ...],
                unbroadcast: Callable[[np.ndarray, tuple[int, ...]], Any]) -> np.ndarray:
        ctx.input_shape = a.shape
        ctx.unbroadcast = unbroadcast
        return np.broadcast_to(a, shape).copy()

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        summed = np.asarray(ctx.unbroadcast(grad_output._data.copy(), ctx.input_shape))
        return constant(summed.astype(grad_output.dtype))


BROADCAST_CASES = (((3, 1), (2, 3, 4)), ((4,), (3, 4)), ((1, 3), (2, 3)), ((2, 3), (2, 3)),
                   ((), (2, 2)), ((5, 1, 1), (5, 2, 3)))


def _axes_to_sum(shape: tuple[int, ...], broadcast_shape: tuple[int, ...]) -> str:
    """Words for the axes of ``broadcast_shape`` that must be summed to get back ``shape``."""
    added = len(broadcast_shape) - len(shape)
    stretched = [axis + added for axis, size in enumerate(shape)
                 if size == 1 and broadcast_shape[axis + added] != 1]
    parts = []
    if added:
        parts.append(f"the added axes {tuple(range(added))} (summed away)")
    if stretched:
        parts.append(f"the stretched axes {tuple(stretched)} (summed, keeping size 1)")
    return " and ".join(parts) or "no axis (nothing was broadcast)"


def check_broadcasting(module: ModuleType) -> None:
    """Exercise 3: the shapes ``unbroadcast`` returns, then gradcheck of a broadcast through it.

    Example:
        >>> from tinygrad_edu.exercises.solutions import ex03_broadcasting
        >>> check_broadcasting(ex03_broadcasting)
    """
    unbroadcast = member(module, "unbroadcast")
    generator = np.random.default_rng(3)
    for shape, broadcast_shape in BROADCAST_CASES:
        grad = generator.standard_normal(broadcast_shape)
        result = np.asarray(unbroadcast(grad.copy(), shape))
        if result.shape != shape:
            raise CheckFailed(
                f"unbroadcast(grad of shape {broadcast_shape}, {shape}) returned shape "
                f"{tuple(result.shape)}, but a gradient has its input's shape {shape}. An input "
                f"of shape "
                f"{shape} broadcast to {broadcast_shape} needs a sum over "
                f"{_axes_to_sum(shape, broadcast_shape)}."
            )
    for shape, broadcast_shape in BROADCAST_CASES:
        require_gradcheck(
            f"a broadcast from {shape} to {broadcast_shape} (BroadcastTo's backward is your "
            "unbroadcast)",
            partial(BroadcastTo.apply, shape=broadcast_shape, unbroadcast=unbroadcast),
            [tensor64(generator.standard_normal(shape))], ("a",),
        )


def check_reductions(module: ModuleType) -> None:
    """Exercise 4: gradcheck of SumDim (each dim), Mean, and Max at a two-way tie.

    At a tie of two maxima a central difference moves the maximum by eps one way only, so it
    gives each tied element 1/2: the same as sharing the gradient equally (torch's ``amax``).

    Example:
        >>> from tinygrad_edu.exercises.solutions import ex04_reductions
        >>> check_reductions(ex04_reductions)
    """
    generator = np.random.default_rng(4)
    values = generator.uniform(-2, 2, (3, 4))
    sum_dim = member(module, "SumDim")
    for dim in (0, 1):
        require_gradcheck(f"SumDim over dim={dim} of a (3, 4) input",
                          partial(sum_dim.apply, dim=dim), [tensor64(values)], ("a",))
    require_gradcheck("SumDim over dim=1 of a (2, 3, 4) input", partial(sum_dim.apply, dim=1),
                      [tensor64(generator.uniform(-2, 2, (2, 3, 4)))], ("a",))
    require_gradcheck("Mean of a (3, 4) input", member(module, "Mean").apply,
                      [tensor64(values)], ("a",))
    maximum = member(module, "Max")
    require_gradcheck("Max of a (3, 4) input without ties", maximum.apply,
                      [tensor64(values)], ("a",))
    tied = values.copy()
    tied[0, 1] = tied[2, 3] = values.max() + 1.0
    require_gradcheck(
        f"Max of a (3, 4) input whose maximum {tied[0, 1]:.4g} sits at (0, 1) and (2, 3), a "
        "tie: each of the two should get half of the gradient", maximum.apply,
        [tensor64(tied)], ("a",),
    )


def check_matmul(module: ModuleType) -> None:
    """Exercise 5: gradcheck of MatMul on square, then rectangular matrices.

    Square matrices first: there a transposed gradient has the right shape, so gradcheck can
    say that it is transposed instead of the shapes clashing.

    Example:
        >>> from tinygrad_edu.exercises.solutions import ex05_matmul
        >>> check_matmul(ex05_matmul)
    """
    matmul = member(module, "MatMul")
    generator = np.random.default_rng(5)
    for a_shape, b_shape in (((3, 3), (3, 3)), ((2, 3), (3, 4)), ((4, 1), (1, 2))):
        a = tensor64(generator.standard_normal(a_shape))
        b = tensor64(generator.standard_normal(b_shape))
        require_gradcheck(f"MatMul of a {a_shape} @ b {b_shape}", matmul.apply, [a, b],
                          ("a", "b"))
