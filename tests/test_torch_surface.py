"""PyTorch code runs unchanged with ``import tinygrad_edu as torch``.

Each test writes a small piece of a learner's script once, as a function of the library module
``lib``, runs it with torch and with tinygrad_edu, and compares what comes out: values, dtypes,
``requires_grad``, gradients (float64), and the type of the error where torch raises one.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable

import numpy as np
import pytest

import tinygrad_edu as tge

torch = pytest.importorskip("torch")

TOLERANCE = {"atol": 1e-12, "rtol": 1e-12}


def as_array(value: Any) -> np.ndarray:
    """A tensor of either library (or a number) as a NumPy array."""
    if isinstance(value, (tge.Tensor, torch.Tensor)):
        return np.array(value.detach().tolist())
    return np.asarray(value)


def error_type(script: Callable[[ModuleType], Any], lib: ModuleType) -> type[BaseException]:
    """The type of the exception ``script(lib)`` raises (the test fails if it raises none)."""
    with pytest.raises(Exception) as caught:
        script(lib)
    return caught.type


def assert_same_error(script: Callable[[ModuleType], Any]) -> None:
    """torch and tinygrad_edu both raise, with the same exception type."""
    assert error_type(script, tge) is error_type(script, torch)


# ------------------------------------------------------------------ in-place operators
def test_augmented_assignment_is_in_place_and_keeps_the_object() -> None:
    def script(lib: ModuleType) -> tuple[bool, list[float], int]:
        x = lib.tensor([1.0, 2.0, 4.0], dtype=lib.float64)
        alias = x[:]  # a view: it sees every write to x's memory
        identity = id(x)
        x += 1
        x -= 0.5
        x *= lib.tensor([2.0, 3.0, 4.0], dtype=lib.float64)
        x /= 3
        x **= 2
        version = x._version if lib is torch else x._version.value
        return id(x) == identity, alias.tolist(), version

    ours, theirs = script(tge), script(torch)
    assert ours[0] and theirs[0]
    np.testing.assert_allclose(ours[1], theirs[1], **TOLERANCE)
    assert ours[2] == theirs[2] == 5


def test_augmented_assignment_records_on_non_leaf_tensors() -> None:
    def script(lib: ModuleType) -> tuple[np.ndarray, np.ndarray]:
        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = x * 2
        y += 1
        y *= x
        y /= 3
        y **= 2
        y -= x
        y.sum().backward()
        return as_array(y), as_array(x.grad)

    for ours, theirs in zip(script(tge), script(torch)):
        np.testing.assert_allclose(ours, theirs, **TOLERANCE)


def test_augmented_assignment_through_an_index_writes_the_base() -> None:
    def script(lib: ModuleType) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        w = lib.ones(3, 2, dtype=lib.float64, requires_grad=True)
        with lib.no_grad():
            w[0] -= 0.25
        y = w * 1
        y[:, 1] *= 5
        y.sum().backward()
        return as_array(w), as_array(y), as_array(w.grad)

    for ours, theirs in zip(script(tge), script(torch)):
        np.testing.assert_allclose(ours, theirs, **TOLERANCE)


def manual_sgd(lib: ModuleType, steps: int = 20) -> list[float]:
    """The classic first training loop: a linear model fitted with hand-written SGD updates."""
    rng = np.random.default_rng(0)
    inputs = lib.tensor(rng.standard_normal((16, 3)), dtype=lib.float64)
    targets = lib.tensor(rng.standard_normal((16, 1)), dtype=lib.float64)
    w = lib.tensor(rng.standard_normal((3, 1)), dtype=lib.float64, requires_grad=True)
    b = lib.zeros(1, dtype=lib.float64, requires_grad=True)
    learning_rate = 0.1
    losses = []
    for _ in range(steps):
        loss = ((inputs @ w + b - targets) ** 2).mean()
        loss.backward()
        with lib.no_grad():
            w -= learning_rate * w.grad
            b -= learning_rate * b.grad
            w.grad.zero_()
            b.grad.zero_()
        losses.append(loss.item())
    return losses


def test_manual_sgd_loop_trains_like_torch() -> None:
    ours, theirs = manual_sgd(tge), manual_sgd(torch)
    np.testing.assert_allclose(ours, theirs, **TOLERANCE)
    assert ours[-1] < ours[0] / 2


@pytest.mark.parametrize("operator", ["+=", "-=", "*=", "/=", "**="])
def test_augmented_assignment_on_a_leaf_that_requires_grad_raises(operator: str) -> None:
    def script(lib: ModuleType) -> None:
        w = lib.ones(2, requires_grad=True)
        exec(f"w {operator} 2", {}, {"w": w})

    assert_same_error(script)
    assert error_type(script, tge) is RuntimeError


@pytest.mark.parametrize("statement", [
    "x /= 2", "x *= 1.5", "x += 0.5", "x **= 0.5", "x **= -1", "x += lib.ones(2, 2)",
    "x -= lib.ones(3)",
])
def test_augmented_assignment_errors_match_torch(statement: str) -> None:
    def script(lib: ModuleType) -> None:
        exec(statement, {}, {"x": lib.tensor([1, 2]), "lib": lib})

    assert_same_error(script)


def test_matmul_assignment_makes_a_new_tensor_as_in_torch() -> None:
    # torch has no __imatmul__: ``a @= b`` is ``a = a @ b``, whatever the shapes.
    def script(lib: ModuleType) -> tuple[bool, np.ndarray]:
        a = lib.ones(2, 3, dtype=lib.float64)
        identity = id(a)
        a @= lib.ones(3, 4, dtype=lib.float64)
        return id(a) == identity, as_array(a)

    ours, theirs = script(tge), script(torch)
    assert ours[0] == theirs[0] is False
    np.testing.assert_array_equal(ours[1], theirs[1])
