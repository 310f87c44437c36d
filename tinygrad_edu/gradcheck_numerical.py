"""The numerical side of gradient checking: central-difference Jacobians.

``numerical_jacobian`` never looks at a backward pass: it only re-runs the forward on copies of
the inputs, so it is the independent reference that ``gradcheck`` compares backward with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinygrad_edu.tensor import Tensor

TensorFunction = Callable[..., Tensor]


def function_name(fn: Any) -> str:
    """Name of ``fn`` for messages: the class for a Function or ``SomeFunction.apply``.

    Example:
        >>> from tinygrad_edu.ops import Mul
        >>> function_name(len), function_name(Mul), function_name(Mul.apply)
        ('len', 'Mul', 'Mul')
    """
    if isinstance(fn, type):
        return fn.__name__
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, type):
        return owner.__name__
    wrapped = getattr(fn, "func", None)  # functools.partial keeps the function in .func
    if callable(wrapped):
        return function_name(wrapped)
    name = getattr(fn, "__name__", None)
    return str(name) if name else type(fn).__name__


def call_checked(fn: TensorFunction, inputs: Sequence[Tensor]) -> Tensor:
    """Call ``fn`` and check that it returned a single Tensor."""
    output = fn(*inputs)
    if not isinstance(output, Tensor):
        kind = type(output).__name__
        raise TypeError(f"gradcheck expects {function_name(fn)} to return a Tensor, not {kind}")
    return output


def fresh_leaves(arrays: Sequence[np.ndarray], flags: Sequence[bool]) -> list[Tensor]:
    """New leaf tensors holding copies of ``arrays``, requiring grad where ``flags`` says."""
    return [Tensor(array.copy(), requires_grad=flag) for array, flag in zip(arrays, flags)]


def numerical_jacobian(
    fn: TensorFunction, inputs: Sequence[Tensor], eps: float = 1e-6
) -> list[np.ndarray]:
    """Jacobians of ``fn`` by central differences, one per input.

    Column ``k`` of the Jacobian for input ``i`` is ``(f(x + eps e_k) - f(x - eps e_k)) / 2 eps``
    where only element ``k`` of input ``i`` moves; the truncation error is ``O(eps ** 2)``.
    ``fn`` is evaluated on fresh leaf copies of the inputs, so the originals are never touched.
    Inputs that are not floating point cannot be perturbed and get a zero Jacobian.

    Args:
        fn: Function of Tensors returning one Tensor.
        inputs: The point at which to differentiate.
        eps: Half the width of the central difference.

    Returns:
        One float64 array of shape ``(output.numel(), input.numel())`` per input.

    Example:
        >>> import numpy as np
        >>> from tinygrad_edu.tensor import Tensor
        >>> x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
        >>> np.round(numerical_jacobian(lambda t: t * t, [x])[0], 6)
        array([[2., 0.],
               [0., 4.]])
    """
    arrays = [np.array(t._data, copy=True) for t in inputs]
    flags = [bool(t.requires_grad) for t in inputs]
    output_size = int(call_checked(fn, fresh_leaves(arrays, flags))._data.size)

    def evaluate() -> np.ndarray:
        output = call_checked(fn, fresh_leaves(arrays, flags))
        return np.array(output._data, dtype=np.float64).reshape(-1)

    jacobians = []
    for array in arrays:
        jacobian = np.zeros((output_size, array.size), dtype=np.float64)
        if np.issubdtype(array.dtype, np.floating):
            flat = array.reshape(-1)  # a view: writing flat[k] moves the input element k
            for column in range(array.size):
                original = flat[column].copy()
                flat[column] = original + eps
                forward_value = evaluate()
                flat[column] = original - eps
                backward_value = evaluate()
                flat[column] = original
                jacobian[:, column] = (forward_value - backward_value) / (2.0 * eps)
        jacobians.append(jacobian)
    return jacobians
