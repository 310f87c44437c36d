"""Gradient checking: compare backward passes with central differences.

A differentiable function ``f`` maps its inputs to one output tensor. Flattening both, its
derivative is the Jacobian matrix ``J[row, column] = d output[row] / d input[column]``. There are
two independent ways to obtain ``J``:

* numerically, by central differences: column ``k`` is
  ``(f(x + eps * e_k) - f(x - eps * e_k)) / (2 * eps)``, with an error of order ``eps ** 2``;
* analytically, from the backward pass: row ``r`` is the vector-Jacobian product
  ``e_r^T J``, i.e. the gradient of the inputs when the output's gradient is the one-hot ``e_r``.

``gradcheck`` demands that both agree elementwise, plus PyTorch's extra checks (see its
docstring). ``gradgradcheck`` checks second derivatives: it applies ``gradcheck`` to the function
``(inputs, grad_outputs) -> gradients``.
Each Jacobian mismatch is explained by ``gradcheck_diagnosis.diagnose``; ``check_graph`` (from
``gradcheck_graph``) finds the first wrong backward inside a whole model.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Sequence

import numpy as np

from tinygrad_edu import autograd
from tinygrad_edu.functional import cat
from tinygrad_edu.gradcheck_diagnosis import count_uses, diagnose, worst_entry
from tinygrad_edu.gradcheck_graph import GraphCheckReport, check_graph
from tinygrad_edu.gradcheck_numerical import call_checked, function_name, numerical_jacobian
from tinygrad_edu.tensor import Tensor

__all__ = [
    "GradcheckError", "GraphCheckReport", "analytical_jacobian", "check_graph", "function_name",
    "gradcheck", "gradgradcheck", "numerical_jacobian",
]

TensorFunction = Callable[..., Tensor]


class GradcheckError(RuntimeError):
    """Raised when a backward pass disagrees with the numerical derivative of its forward."""


@dataclasses.dataclass(frozen=True)
class _Failure:
    """One failed check. Every failure goes through ``_report``, with what explaining the likely
    mistake needs: Jacobians, shapes, every input's numerical Jacobian, uses in the graph."""

    function_name: str
    check: str
    input_index: int | None
    detail: str
    numerical: np.ndarray | None = None
    analytical: np.ndarray | None = None
    input_shapes: tuple[tuple[int, ...], ...] = ()
    output_shape: tuple[int, ...] | None = None
    numerical_of_inputs: tuple[np.ndarray, ...] = ()
    uses: int = 1
    tolerances: tuple[float, float] = (1e-7, 1e-6)


class _CheckFailed(Exception):
    """Internal signal carrying a ``_Failure`` out of a helper to the one reporting place."""

    def __init__(self, failure: _Failure) -> None:
        super().__init__(failure.detail)
        self.failure = failure


def _report(failure: _Failure, raise_exception: bool) -> bool:
    """Turn a failed check into a ``GradcheckError`` (or ``False`` when not raising)."""
    location = "" if failure.input_index is None else f", input {failure.input_index}"
    message = f"gradcheck failed for {failure.function_name}{location} ({failure.check}): "
    message += failure.detail
    numerical, analytical = failure.numerical, failure.analytical
    if failure.check == "Jacobian mismatch" and numerical is not None and analytical is not None:
        message += ". Likely mistake: " + diagnose(
            numerical, analytical, failure.input_index or 0, failure.input_shapes,
            failure.output_shape, failure.numerical_of_inputs, failure.uses, *failure.tolerances)
    if raise_exception:
        raise GradcheckError(message)
    return False


def _element_index(flat_index: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Multi-index of a flat (row-major) position in an array of ``shape``."""
    return tuple(int(i) for i in np.unravel_index(flat_index, shape))


def _vector_jacobian_product(
    name: str, output: Tensor, inputs: Sequence[Tensor], grad_output: np.ndarray
) -> list[np.ndarray | None]:
    """Gradients (None: not required) for one output gradient; ``_CheckFailed`` on bad ones."""
    indices = [i for i, t in enumerate(inputs) if t.requires_grad]
    gradients: list[np.ndarray | None] = [None] * len(inputs)
    if not indices or not output.requires_grad:
        return gradients
    targets = [inputs[i] for i in indices]
    results = autograd.grad(
        [output], targets, [Tensor(grad_output)], retain_graph=True, allow_unused=True
    )
    for index, gradient in zip(indices, results):
        if gradient is None:
            continue
        expected = inputs[index]
        if gradient.shape != expected.shape or gradient.dtype != expected.dtype:
            detail = f"gradient has shape {tuple(gradient.shape)} and dtype {gradient.dtype}, "
            detail += f"but the input has shape {tuple(expected.shape)} and dtype {expected.dtype}"
            raise _CheckFailed(_Failure(name, "gradient shape/dtype", index, detail))
        gradients[index] = np.array(gradient._data, copy=True)
    return gradients


def _jacobian_from_output(name: str, output: Tensor, inputs: Sequence[Tensor]) -> list[np.ndarray]:
    """Analytical Jacobians, row ``r`` being the backward pass of the one-hot ``e_r``."""
    output_size = int(output._data.size)
    jacobians = [np.zeros((output_size, t._data.size), dtype=np.float64) for t in inputs]
    for row in range(output_size):
        one_hot = np.zeros(output_size, dtype=output._data.dtype)
        one_hot[row] = 1
        gradients = _vector_jacobian_product(name, output, inputs, one_hot.reshape(output.shape))
        for jacobian, gradient in zip(jacobians, gradients):
            if gradient is not None:
                jacobian[row, :] = gradient.reshape(-1)
    return jacobians


def analytical_jacobian(fn: TensorFunction, inputs: Sequence[Tensor]) -> list[np.ndarray]:
    """Jacobians of ``fn`` from its backward pass, one per input.

    Row ``r`` holds the gradients of the inputs for the one-hot output gradient ``e_r``
    (computed with ``tinygrad_edu.autograd.grad``). Inputs that do not require grad, or that
    the output does not depend on, get zeros.

    Args:
        fn: Function of Tensors returning one Tensor.
        inputs: The point at which to differentiate; those requiring grad are differentiated.

    Returns:
        One float64 array of shape ``(output.numel(), input.numel())`` per input.

    Raises:
        GradcheckError: A gradient's shape or dtype differs from its input's.

    Example:
        >>> x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
        >>> analytical_jacobian(lambda t: t * t, [x])[0]
        array([[2., 0.],
               [0., 4.]])
    """
    try:
        return _jacobian_from_output(function_name(fn), call_checked(fn, inputs), inputs)
    except _CheckFailed as failed:
        _report(failed.failure, raise_exception=True)
        raise  # unreachable: _report raised already


def _compare(
    failure: _Failure, shapes: tuple[tuple[int, ...], ...], labels: tuple[str, str],
    atol: float, rtol: float,
) -> _Failure | None:
    """Elementwise ``|second - first| <= atol + rtol * |first|`` on the Jacobians of a failure
    candidate (``numerical`` is the reference); the candidate with its worst offender, or None.
    """
    reference, candidate = failure.numerical, failure.analytical
    assert reference is not None and candidate is not None
    worst = worst_entry(reference, candidate, atol, rtol)
    if worst is None:
        return None
    count, row, column = worst
    difference = abs(candidate[row, column] - reference[row, column])
    allowed = atol + rtol * abs(reference[row, column])
    detail = (
        f"{count} of {reference.size} Jacobian entries differ; worst at output index "
        f"{_element_index(int(row), shapes[0])}, input index "
        f"{_element_index(int(column), shapes[1])}: {labels[0]} {reference[row, column]:.10g}, "
        f"{labels[1]} {candidate[row, column]:.10g} (difference {difference:.3g}, "
        f"allowed {allowed:.3g} = atol {atol:g} + rtol {rtol:g} * |{labels[0]}|)"
    )
    return dataclasses.replace(failure, detail=detail, tolerances=(atol, rtol))


def _run_checks(
    fn: TensorFunction, inputs: Sequence[Tensor], eps: float, atol: float, rtol: float
) -> _Failure | None:
    """All checks of ``gradcheck`` in order; the first failure found, or ``None``."""
    snapshots = [np.array(t._data, copy=True) for t in inputs]
    output = call_checked(fn, inputs)
    node = "leaf" if output.grad_fn is None else output.grad_fn.name()
    name = f"{function_name(fn)} (output grad_fn {node})"
    try:
        analytical = _jacobian_from_output(name, output, inputs)
        for index, (tensor, snapshot) in enumerate(zip(inputs, snapshots)):
            if not np.array_equal(tensor._data, snapshot, equal_nan=True):
                detail = "the input was modified in place by the forward or backward pass"
                return _Failure(name, "inputs unchanged", index, detail)
        numerical = numerical_jacobian(fn, inputs, eps)
        # Reentrancy: a second backward over the same graph must repeat the first exactly.
        repeated = _jacobian_from_output(name, output, inputs)
        uses = count_uses(output, inputs)
        for index, tensor in enumerate(inputs):
            if not tensor.requires_grad:
                continue
            shapes = (tuple(output.shape), tuple(tensor.shape))
            jacobian = _Failure(name, "Jacobian mismatch", index, "", numerical[index],
                                analytical[index], tuple(tuple(t.shape) for t in inputs),
                                tuple(output.shape), tuple(numerical), uses[index])
            reentrancy = _Failure(name, "backward is not reentrant", index, "",
                                  analytical[index], repeated[index])
            failure = (_compare(jacobian, shapes, ("numerical", "analytical"), atol, rtol)
                       or _compare(reentrancy, shapes, ("first run", "second run"), 0.0, 0.0))
            if failure is not None:
                return failure
        # A vector-Jacobian product is linear in the output gradient: zero in, zero out.
        zero = np.zeros(output.shape, dtype=output._data.dtype)
        for index, gradient in enumerate(_vector_jacobian_product(name, output, inputs, zero)):
            if gradient is not None and np.any(gradient != 0):
                worst = int(np.argmax(np.abs(gradient).reshape(-1)))
                detail = (
                    f"a zero grad_output gave a nonzero gradient, e.g. "
                    f"{gradient.reshape(-1)[worst]:.10g} at input index "
                    f"{_element_index(worst, tuple(inputs[index].shape))}"
                )
                return _Failure(name, "zero grad_output", index, detail)
    except _CheckFailed as failed:
        return failed.failure
    return None


def gradcheck(
    fn: TensorFunction, inputs: Sequence[Tensor], eps: float = 1e-6, atol: float = 1e-7,
    rtol: float = 1e-6, raise_exception: bool = True,
) -> bool:
    """Check the backward pass of ``fn`` against central differences.

    For every input that requires grad the analytical Jacobian (from backward) must match the
    numerical one elementwise: ``|analytical - numerical| <= atol + rtol * |numerical|``.
    Also checked, as in PyTorch: the inputs are not modified, the gradients have the shape and
    dtype of their inputs, backward run twice gives identical results, and a zero output
    gradient gives zero gradients. Use float64 inputs: lower precision warns (UserWarning).

    Args:
        fn: Function of Tensors returning one Tensor.
        inputs: The point at which to check; at least one must require grad.
        eps: Half the width of the central difference.
        atol, rtol: Absolute and relative (to the numerical value) tolerances.
        raise_exception: Raise ``GradcheckError`` on failure (else return ``False``).

    Returns:
        ``True`` when every check passes, ``False`` on failure if not raising.

    Raises:
        GradcheckError: A check failed; the message names the function, the input, the worst
            element, both values and, for a Jacobian mismatch, the likely mistake.
        ValueError: No input requires grad.

    Example:
        >>> x = Tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)
        >>> gradcheck(lambda t: (t * t * t).sum(), [x])
        True
    """
    name = function_name(fn)
    if not all(isinstance(t, Tensor) for t in inputs):
        raise TypeError(f"gradcheck expects a sequence of Tensors as inputs of {name}")
    if not any(t.requires_grad for t in inputs):
        raise ValueError(f"gradcheck expects at least one input of {name} to require grad")
    for index, tensor in enumerate(inputs):
        if tensor.requires_grad and tensor.dtype != np.float64:
            message = f"input {index} of {name} has dtype {tensor.dtype}, not float64: "
            message += f"central differences with eps={eps:g} are unreliable in lower precision"
            warnings.warn(message, UserWarning, stacklevel=2)
    failure = _run_checks(fn, inputs, eps, atol, rtol)
    if failure is not None:
        return _report(failure, raise_exception)
    return True


def gradgradcheck(
    fn: TensorFunction, inputs: Sequence[Tensor],
    grad_outputs: Sequence[Tensor] | Tensor | None = None, eps: float = 1e-6,
    atol: float = 1e-7, rtol: float = 1e-6, raise_exception: bool = True,
) -> bool:
    """Check second derivatives: ``gradcheck`` of the first-order gradients of ``fn``.

    The checked function maps ``(inputs, grad_outputs)`` to the gradients of the inputs that
    require grad, computed with ``create_graph=True`` and flattened into one vector. Its
    Jacobian holds the second derivatives of ``fn`` (and, for ``grad_outputs``, the first
    ones again, since a backward pass is linear in its output gradient).

    Args:
        fn: Function of Tensors returning one Tensor.
        inputs: The point at which to check; at least one must require grad.
        grad_outputs: Output gradient (the output's shape); random values (the output's dtype)
            that require grad when ``None``.
        eps, atol, rtol, raise_exception: As in ``gradcheck``.

    Returns:
        ``True`` when every check passes, ``False`` on failure if not raising.

    Raises:
        GradcheckError: A check of the first-order gradients failed.

    Example:
        >>> x = Tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)
        >>> gradgradcheck(lambda t: t * t * t, [x])
        True
    """
    count = len(inputs)
    differentiable = [i for i, t in enumerate(inputs) if t.requires_grad]
    if grad_outputs is None:
        output = call_checked(fn, inputs)
        # A fixed seed keeps the check deterministic; random values avoid lucky cancellations.
        values = np.random.default_rng(0).standard_normal(output.shape)
        grad_outputs = [Tensor(np.asarray(values, dtype=output._data.dtype), requires_grad=True)]
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]

    def first_order_gradients(*tensors: Tensor) -> Tensor:
        """Gradients of ``fn``'s inputs for the given output gradient, as one flat vector."""
        primal, seeds = tensors[:count], tensors[count:]
        output = call_checked(fn, primal)
        targets = [primal[i] for i in differentiable]
        results: Sequence[Tensor | None] = [None] * len(targets)
        if output.requires_grad:
            results = autograd.grad(
                [output], targets, list(seeds), create_graph=True, allow_unused=True
            )
        pieces = []
        for target, gradient in zip(targets, results):
            if gradient is None:
                gradient = Tensor(np.zeros(target.shape, dtype=target._data.dtype))
            pieces.append(gradient.reshape(-1))
        return pieces[0] if len(pieces) == 1 else cat(pieces)

    first_order_gradients.__name__ = f"gradient of {function_name(fn)}"
    all_inputs = [*inputs, *grad_outputs]
    return gradcheck(first_order_gradients, all_inputs, eps, atol, rtol, raise_exception)
