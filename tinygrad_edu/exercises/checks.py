"""What every exercise check is built from: a failure carrying its message, and gradcheck steps.

A check is a plain function ``check(module) -> None`` that looks at the learner's module and
raises ``CheckFailed`` with a message that says what is wrong. Gradients are always judged by
``tinygrad_edu.gradcheck``, so the learner reads its diagnosis (the op, the input, the worst
element, and the likely mistake) word for word.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from tinygrad_edu.gradcheck import GradcheckError, gradcheck, gradgradcheck
from tinygrad_edu.tensor import Tensor

__all__ = [
    "CheckFailed", "CheckResult", "member", "require_close", "require_gradcheck", "tensor64",
]


class CheckFailed(Exception):
    """A check found a mistake; ``str(error)`` is the message shown to the learner.

    Example:
        >>> str(CheckFailed("Mul: wrong gradient"))
        'Mul: wrong gradient'
    """


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: passed or not, and the message to print.

    Example:
        >>> CheckResult(True, "PASS").passed
        True
    """

    passed: bool
    message: str


def member(module: ModuleType, name: str) -> Any:
    """``module.name``, or a ``CheckFailed`` telling the learner to keep the stub's names.

    Example:
        >>> import math
        >>> member(math, "pi") > 3
        True
    """
    if not hasattr(module, name):
        file_name = getattr(module, "__file__", None) or module.__name__
        raise CheckFailed(f"{file_name} defines no `{name}`: keep the names the stub gave you.")
    return getattr(module, name)


def tensor64(array: Any, requires_grad: bool = True) -> Tensor:
    """A float64 Tensor (gradcheck wants float64: central differences need the precision).

    Example:
        >>> tensor64([1.0, 2.0]).dtype
        dtype('float64')
    """
    return Tensor(np.array(array, dtype=np.float64), requires_grad=requires_grad)


def _describe_inputs(inputs: Sequence[Tensor], names: Sequence[str]) -> str:
    """``input 0 = a (shape (2, 3)), input 1 = b (shape (3,))``."""
    parts = [f"input {index} = {name} (shape {tuple(tensor.shape)})"
             for index, (tensor, name) in enumerate(zip(inputs, names))]
    return ", ".join(parts)


def require_gradcheck(
    step: str, function: Callable[..., Tensor], inputs: Sequence[Tensor], names: Sequence[str],
    second_order: bool = False,
) -> None:
    """Run ``gradcheck`` (or ``gradgradcheck``) and turn its error into a ``CheckFailed``.

    Args:
        step: What is being checked, e.g. ``"Mul on (2, 3) inputs"``; starts the message.
        function: The function of Tensors to check, usually ``SomeFunction.apply``.
        inputs: float64 Tensors; those requiring grad are checked.
        names: The name of each input as the learner knows it (``"a"``, ``"W1"``).
        second_order: Check second derivatives with ``gradgradcheck`` instead.

    Raises:
        CheckFailed: gradcheck found a wrong gradient; the message is gradcheck's, with the
            step in front and the inputs' names after it.

    Example:
        >>> require_gradcheck("square", lambda t: t * t, [tensor64([1.0, 2.0])], ["x"])
        >>> try:
        ...     require_gradcheck("broken", lambda t: t.detach() * t, [tensor64([1.0])], ["x"])
        ... except CheckFailed as failure:
        ...     print(str(failure)[:50])
        broken: gradcheck failed for <lambda> (output grad
    """
    checker = gradgradcheck if second_order else gradcheck
    try:
        checker(function, list(inputs))
    except GradcheckError as error:
        raise CheckFailed(f"{step}: {error}\n(where {_describe_inputs(inputs, names)})") from None


def require_close(step: str, actual: Any, expected: np.ndarray, what: str) -> None:
    """Demand ``actual`` equal ``expected`` (same shape, values within 1e-10 + 1e-10·|expected|).

    Raises:
        CheckFailed: naming ``what``, the worst element and both values.

    Example:
        >>> require_close("forward", np.array([1.0]), np.array([1.0]), "the output")
        >>> try:
        ...     require_close("forward", np.array([1.0]), np.array([2.0]), "the output")
        ... except CheckFailed as failure:
        ...     print(failure)
        forward: the output is wrong at index (0,): expected 2, got 1 (1 of 1 elements differ).
    """
    actual_array = np.asarray(actual.detach().numpy() if isinstance(actual, Tensor) else actual)
    if actual_array.shape != expected.shape:
        raise CheckFailed(
            f"{step}: {what} has shape {tuple(actual_array.shape)}, but it should have shape "
            f"{tuple(expected.shape)}."
        )
    difference = np.abs(actual_array.astype(np.float64) - expected)
    bad = ~(difference <= 1e-10 + 1e-10 * np.abs(expected))
    if bad.any():
        flat = int(np.argmax(np.where(bad, np.nan_to_num(difference, nan=np.inf), -1.0)))
        index = tuple(int(i) for i in np.unravel_index(flat, expected.shape))
        raise CheckFailed(
            f"{step}: {what} is wrong at index {index}: expected {expected[index]:.10g}, "
            f"got {actual_array[index]:.10g} ({int(bad.sum())} of {bad.size} elements differ)."
        )
