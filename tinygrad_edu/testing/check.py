"""``check_function``: test a differentiable op the way tinygrad_edu tests its own ops.

One call draws many small float64 inputs with hypothesis and, for each, checks

1. the forward pass: it returns a float64 Tensor that requires grad, without modifying its
   inputs, and (given a ``reference``) equal to the reference's value and shape;
2. the invariants of one backward pass with a random ``grad_output``: inputs and
   ``grad_output`` are not modified, each gradient has its input's shape and dtype, and no two
   gradients share memory;
3. the first derivatives with ``gradcheck`` (central differences) and, unless
   ``second_order=False``, the second derivatives with ``gradgradcheck``.

Inputs of functions with several inputs get mutually broadcastable shapes by default, so a
backward pass that forgets to sum over broadcast dimensions is caught. The number of examples
follows the active hypothesis profile unless ``max_examples`` is given. Call ``check_function``
from a plain test function, not from inside another ``@given`` test.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np

from tinygrad_edu.function import Function
from tinygrad_edu.gradcheck import GradcheckError, function_name, gradcheck, gradgradcheck
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.testing import strategies

try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "tinygrad_edu.testing needs the hypothesis package: pip install hypothesis"
    ) from error

__all__ = ["check_function"]

TensorFunction = Callable[..., Tensor]
Strategy = st.SearchStrategy[Any]
ShapeSpec = tuple[int, ...] | Strategy


@dataclass(frozen=True)
class _Setup:
    """What one ``check_function`` call checks, shared by all its examples."""

    name: str
    call: TensorFunction
    reference: Callable[..., Any] | None
    to_reference: Callable[[np.ndarray], Any] | None
    second_order: bool
    eps: float
    atol: float
    rtol: float
    reference_atol: float
    reference_rtol: float
    broadcast: bool


def _fail(setup: _Setup, stage: str, arrays: Sequence[np.ndarray], detail: str) -> NoReturn:
    """Raise the AssertionError of a failed check, naming the function, stage and shapes."""
    raise AssertionError(f"{_where(setup, stage, arrays)}: {detail}")


def _where(setup: _Setup, stage: str, arrays: Sequence[np.ndarray]) -> str:
    """'check_function(name) failed the <stage> on inputs of shapes ...'."""
    shapes = ", ".join(str(array.shape) for array in arrays)
    noun = "input of shape" if len(arrays) == 1 else "inputs of shapes"
    return f"check_function({setup.name}) failed the {stage} on {noun} {shapes}"


def _is_function_class(function: Any) -> bool:
    """True for a ``Function`` subclass (called through ``.apply``)."""
    return isinstance(function, type) and issubclass(function, Function)


def _arity(function: Any, domains: Any, shapes: Any) -> int:
    """How many Tensor inputs the function takes: from ``domains``/``shapes`` or its signature."""
    per_input_shapes = isinstance(shapes, list) or _is_shape_tuple_list(shapes)
    if isinstance(domains, Sequence):
        if per_input_shapes and len(shapes) != len(domains):
            raise ValueError(f"got {len(domains)} domains but {len(shapes)} shapes")
        return len(domains)
    if per_input_shapes:
        return len(shapes)
    is_function_class = _is_function_class(function)
    target = function.forward if is_function_class else function
    parameters = list(inspect.signature(target).parameters.values())
    if is_function_class:
        parameters = parameters[1:]  # forward's first parameter is the context
    count = 0
    for parameter in parameters:
        if parameter.kind == parameter.VAR_POSITIONAL:
            raise ValueError(
                f"cannot tell how many inputs {function_name(function)} takes from *args: "
                "pass domains as a list with one strategy per input"
            )
        positional = parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)
        if positional and parameter.default is parameter.empty:
            count += 1
    if count == 0:
        raise ValueError(f"{function_name(function)} takes no Tensor inputs to check")
    return count


def _is_shape_tuple_list(shapes: Any) -> bool:
    """True for a tuple of per-input shapes such as ``((2, 3), (3,))``."""
    return isinstance(shapes, tuple) and any(not isinstance(size, int) for size in shapes)


def _per_input_shapes(drawn: Any, count: int) -> tuple[tuple[int, ...], ...]:
    """A drawn shape (shared by all inputs) or tuple of shapes, as one shape per input."""
    if all(isinstance(size, (int, np.integer)) for size in drawn):
        return tuple(tuple(int(size) for size in drawn) for _ in range(count))
    if len(drawn) != count:
        raise ValueError(f"got {len(drawn)} shapes for {count} inputs")
    return tuple(tuple(int(size) for size in shape) for shape in drawn)


def _shape_strategy(shape: ShapeSpec) -> Strategy:
    """A fixed shape as a one-value strategy; a strategy as itself."""
    return shape if isinstance(shape, st.SearchStrategy) else st.just(tuple(shape))


def _input_strategy(
    arity: int, domains: Any, shapes: Any, broadcast: bool, unique: bool
) -> Strategy:
    """Lists of float64 input arrays from the domains and shapes of ``check_function``."""
    if domains is None:
        domains = strategies.real_values()
    domain_list = list(domains) if isinstance(domains, Sequence) else [domains] * arity
    if broadcast:
        shape_tuples: Strategy = strategies.broadcastable_shapes(num_shapes=arity)
    elif shapes is None:
        shape_tuples = strategies.same_shape(arity)
    elif isinstance(shapes, list) or _is_shape_tuple_list(shapes):
        shape_tuples = st.tuples(*[_shape_strategy(shape) for shape in shapes])
    else:
        shape_tuples = _shape_strategy(shapes).map(lambda drawn: _per_input_shapes(drawn, arity))
    return strategies.input_arrays(shape_tuples, domain_list, unique)


def _reference_array(result: Any) -> np.ndarray:
    """The reference's result as a NumPy array (a torch tensor is detached and converted)."""
    if isinstance(result, Tensor):
        return np.asarray(result._data)
    if hasattr(result, "detach") and hasattr(result, "numpy"):  # a torch tensor
        return np.asarray(result.detach().cpu().numpy())
    return np.asarray(result)


def _check_forward(setup: _Setup, arrays: list[np.ndarray], leaves: list[Tensor]) -> Tensor:
    """Run the forward pass; check its type, dtype, graph, inputs and reference value."""
    try:
        output = setup.call(*leaves)
    except Exception as error:
        hint = ""
        if setup.broadcast:
            hint = " (the input shapes were drawn as mutually broadcastable, 0-d included: pass "
            hint += "broadcast=False and shapes=... if the function does not accept all of them)"
        _fail(setup, "forward check", arrays, f"it raised {type(error).__name__}: {error}{hint}")
    if not isinstance(output, Tensor):
        _fail(setup, "forward check", arrays, f"it returned {type(output).__name__}, not a Tensor")
    if output.dtype != np.float64:
        _fail(setup, "forward check", arrays, f"float64 inputs gave a {output.dtype} output")
    if not output.requires_grad:
        detail = "the output does not require grad, so no gradient can reach the inputs "
        detail += "(was it computed from .data or with NumPy outside a Function?)"
        _fail(setup, "forward check", arrays, detail)
    _check_unmodified(setup, arrays, leaves, "forward")
    if setup.reference is not None:
        _check_reference(setup, arrays, output)
    return output


def _check_unmodified(
    setup: _Setup, arrays: list[np.ndarray], leaves: list[Tensor], stage: str
) -> None:
    """Every input still holds the values it was created with."""
    for index, (array, leaf) in enumerate(zip(arrays, leaves)):
        if not np.array_equal(leaf._data, array, equal_nan=True):
            detail = f"input {index} was modified in place; an op must leave its inputs unchanged"
            _fail(setup, f"{stage} check", arrays, detail)


def _check_reference(setup: _Setup, arrays: list[np.ndarray], output: Tensor) -> None:
    """The output equals the reference's value elementwise, with the same shape."""
    assert setup.reference is not None
    convert = setup.to_reference
    arguments = [array.copy() if convert is None else convert(array.copy()) for array in arrays]
    expected = _reference_array(setup.reference(*arguments))
    if expected.shape != output.shape:
        detail = f"the output has shape {tuple(output.shape)}, "
        detail += f"the reference {tuple(expected.shape)}"
        _fail(setup, "reference check", arrays, detail)
    actual = output._data
    allowed = setup.reference_atol + setup.reference_rtol * np.abs(expected)
    difference = np.abs(actual - expected)
    bad = ~(difference <= allowed)  # negated so that NaN counts as bad
    if bad.any():
        excess = np.where(np.isnan(difference), np.inf, difference - allowed)
        flat = int(np.argmax(np.where(bad, excess, -np.inf)))
        index = tuple(int(i) for i in np.unravel_index(flat, bad.shape))
        detail = (
            f"{int(bad.sum())} of {bad.size} output elements differ from the reference; worst at "
            f"index {index}: function {actual[index]:.10g}, reference {expected[index]:.10g} "
            f"(allowed difference {allowed[index]:.3g} = reference_atol "
            f"{setup.reference_atol:g} + reference_rtol {setup.reference_rtol:g} * |reference|)"
        )
        _fail(setup, "reference check", arrays, detail)


def _check_backward(
    setup: _Setup, arrays: list[np.ndarray], leaves: list[Tensor], output: Tensor,
    upstream: np.ndarray,
) -> None:
    """One backward pass: inputs and grad_output unchanged, shapes, dtypes, no aliasing."""
    grad_output = Tensor(upstream)
    try:
        output.backward(grad_output)
    except Exception as error:
        _fail(setup, "backward check", arrays, f"backward raised {type(error).__name__}: {error}")
    _check_unmodified(setup, arrays, leaves, "backward")
    if not np.array_equal(grad_output._data, upstream):
        _fail(setup, "backward check", arrays, "grad_output was modified in place")
    gradients: list[tuple[int, np.ndarray]] = []
    for index, leaf in enumerate(leaves):
        gradient = leaf.grad
        if gradient is None:
            continue
        if gradient.shape != leaf.shape or gradient._data.dtype != leaf._data.dtype:
            detail = f"the gradient of input {index} has shape {tuple(gradient.shape)} and dtype "
            detail += f"{gradient._data.dtype}, the input {tuple(leaf.shape)} and "
            detail += f"{leaf._data.dtype}"
            _fail(setup, "backward check", arrays, detail)
        for other, earlier in gradients:
            if np.shares_memory(gradient._data, earlier):
                detail = f"the gradients of inputs {other} and {index} share memory, so "
                detail += "changing one (an optimizer step, zero_) would change the other"
                _fail(setup, "backward check", arrays, detail)
        gradients.append((index, gradient._data))


def _check_derivatives(setup: _Setup, arrays: list[np.ndarray], second_order: bool) -> None:
    """``gradcheck`` (or ``gradgradcheck``) on fresh leaves; failures name the function."""
    check = gradgradcheck if second_order else gradcheck
    stage = "second-derivative check (gradgradcheck)" if second_order else (
        "first-derivative check (gradcheck)")
    leaves = [Tensor(array, requires_grad=True) for array in arrays]
    try:
        check(setup.call, leaves, eps=setup.eps, atol=setup.atol, rtol=setup.rtol)
    except GradcheckError as error:
        raise GradcheckError(f"{_where(setup, stage, arrays)}:\n{error}") from error
    except Exception as error:
        _fail(setup, stage, arrays, f"it raised {type(error).__name__}: {error}")


def _check_example(setup: _Setup, arrays: list[np.ndarray], data: st.DataObject) -> None:
    """Every check of ``check_function`` on one drawn list of input arrays."""
    for index, array in enumerate(arrays):
        if not isinstance(array, np.ndarray) or array.dtype != np.float64:
            kind = getattr(array, "dtype", type(array).__name__)
            _fail(setup, "input check", arrays, f"input {index} is {kind}, not a float64 array")
    leaves = [Tensor(array, requires_grad=True) for array in arrays]
    output = _check_forward(setup, arrays, leaves)
    upstream_values = strategies.arrays(output.shape, strategies.real_values(-2.0, 2.0))
    upstream = data.draw(upstream_values, label="grad_output")
    _check_backward(setup, arrays, leaves, output, upstream)
    _check_derivatives(setup, arrays, second_order=False)
    if setup.second_order:
        _check_derivatives(setup, arrays, second_order=True)


def check_function(
    function: type[Function] | TensorFunction,
    reference: Callable[..., Any] | None = None,
    *,
    domains: Strategy | Sequence[Strategy] | None = None,
    shapes: ShapeSpec | Sequence[ShapeSpec] | None = None,
    broadcast: bool | None = None,
    second_order: bool = True,
    max_examples: int | None = None,
    atol: float = 1e-7,
    rtol: float = 1e-6,
    eps: float = 1e-6,
    inputs: Strategy | None = None,
    unique: bool = False,
    to_reference: Callable[[np.ndarray], Any] | None = None,
    reference_atol: float = 1e-10,
    reference_rtol: float = 1e-10,
    name: str | None = None,
) -> None:
    """Check a differentiable function over hypothesis examples; raise on the first failure.

    Args:
        function: A ``Function`` subclass (called through ``.apply``) or a callable taking
            Tensors and returning one Tensor.
        reference: The same function on NumPy arrays, returning an array (or a torch tensor,
            converted automatically). Compared with ``reference_atol``/``reference_rtol``.
        domains: One value strategy for every input, or a list with one per input
            (``strategies.real_values()`` by default).
        shapes: A shape or a strategy of shapes shared by all inputs, or a list with one
            shape (or strategy) per input. Cannot be combined with ``broadcast=True``.
        broadcast: Draw mutually broadcastable shapes (0-d included). Defaults to True for
            functions of several inputs when ``shapes`` is not given.
        second_order: Also run ``gradgradcheck`` (False for piecewise-linear ops such as relu,
            whose second derivative is zero wherever it exists).
        max_examples: Number of examples; the active hypothesis profile decides when None.
        atol, rtol, eps: Tolerances and step of ``gradcheck``/``gradgradcheck``.
        inputs: A strategy drawing the whole list of input arrays, for inputs that depend on
            each other (the two sides of a matmul); replaces ``domains``/``shapes``/``broadcast``.
        unique: Draw inputs with pairwise distinct elements (with ``distinct_values``).
        to_reference: Applied to each input array before calling ``reference``, e.g.
            ``torch.from_numpy`` for a reference written with torch.
        reference_atol, reference_rtol: Tolerances of the comparison with ``reference``.
        name: The name used in failure messages (the function's own name by default).

    Raises:
        AssertionError: The forward value, the reference comparison or an invariant failed.
        GradcheckError: A first or second derivative disagrees with central differences.
        ValueError: The arguments contradict each other.

    Example:
        A learner's Swish, ``x * sigmoid(x)``, with its derivative
        ``sigmoid(x) * (1 + x * (1 - sigmoid(x)))`` written with Tensor ops (so that it can be
        differentiated again), checked against NumPy:

        >>> import numpy as np
        >>> from tinygrad_edu.function import Function
        >>> class Swish(Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x / (1.0 + np.exp(-x))
        ...     @staticmethod
        ...     def backward(ctx, grad_output):
        ...         (x,) = ctx.saved_tensors
        ...         s = x.sigmoid()
        ...         return grad_output * s * (1.0 + x * (1.0 - s))
        >>> check_function(Swish, reference=lambda x: x / (1.0 + np.exp(-x)), max_examples=10)

        A backward that forgets the product rule is caught, with the worst element:

        >>> class WrongSwish(Swish):
        ...     @staticmethod
        ...     def backward(ctx, grad_output):
        ...         (x,) = ctx.saved_tensors
        ...         return grad_output * x.sigmoid()
        >>> try:
        ...     check_function(WrongSwish, max_examples=10)
        ... except GradcheckError as error:
        ...     print(str(error).split(" on ")[0])
        check_function(WrongSwish) failed the first-derivative check (gradcheck)
    """
    call: TensorFunction
    if isinstance(function, type):
        if not issubclass(function, Function):
            raise TypeError(f"{function.__name__} is a class but not a Function subclass")
        call = function.apply
    else:
        call = function
    label = name if name is not None else function_name(function)
    if inputs is not None:
        if domains is not None or shapes is not None or broadcast:
            raise ValueError("inputs replaces domains, shapes and broadcast: pass only inputs")
        input_strategy, broadcasting = inputs, False
    else:
        arity = _arity(function, domains, shapes)
        if broadcast and shapes is not None:
            raise ValueError("broadcast=True draws its own shapes: pass shapes or broadcast")
        broadcasting = arity > 1 and shapes is None if broadcast is None else broadcast
        input_strategy = _input_strategy(arity, domains, shapes, broadcasting, unique)

    def checked_function(*tensors: Tensor) -> Tensor:
        """The function under test, under its own name in gradcheck's messages."""
        return call(*tensors)

    checked_function.__name__ = label
    setup = _Setup(label, checked_function, reference, to_reference, second_order, eps, atol,
                   rtol, reference_atol, reference_rtol, broadcasting)

    def check_one_example(data: st.DataObject) -> None:
        """Draw one list of inputs and run every check on it."""
        arrays = data.draw(input_strategy, label="inputs")
        _check_example(setup, list(arrays), data)

    examples = settings().max_examples if max_examples is None else max_examples
    # No deadline: finite differences are slow by nature. One bug reported, as an
    # AssertionError or GradcheckError rather than a group of them.
    run = settings(max_examples=examples, deadline=None, report_multiple_bugs=False)(
        given(data=st.data())(check_one_example)
    )
    run()
