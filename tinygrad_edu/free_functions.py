"""Tensor methods as functions of the package, as torch has them: ``exp(x)`` is ``x.exp()``.

Each function only calls the method of the same name; the method's docstring says what it
computes and how its gradient flows.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from tinygrad_edu import dtypes
from tinygrad_edu.grad_mode import is_grad_enabled, no_grad
from tinygrad_edu.tensor import Tensor


def exp(input: Tensor) -> Tensor:
    """e ** input, elementwise.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.exp(tge.tensor([0.0]))
        tensor([1.])
    """
    return input.exp()


def log(input: Tensor) -> Tensor:
    """The natural logarithm, elementwise (``Tensor.log``)."""
    return input.log()


def log1p(input: Tensor) -> Tensor:
    """log(1 + input), elementwise (``Tensor.log1p``)."""
    return input.log1p()


def sin(input: Tensor) -> Tensor:
    """Sine, elementwise (``Tensor.sin``)."""
    return input.sin()


def cos(input: Tensor) -> Tensor:
    """Cosine, elementwise (``Tensor.cos``)."""
    return input.cos()


def sqrt(input: Tensor) -> Tensor:
    """Square root, elementwise (``Tensor.sqrt``)."""
    return input.sqrt()


def abs(input: Tensor) -> Tensor:
    """|input|, elementwise (``Tensor.abs``)."""
    return input.abs()


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-input)), elementwise (``Tensor.sigmoid``)."""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent, elementwise (``Tensor.tanh``)."""
    return input.tanh()


def relu(input: Tensor) -> Tensor:
    """max(input, 0), elementwise (``Tensor.relu``)."""
    return input.relu()


def clamp(input: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    """Every element limited to [min, max] (``Tensor.clamp``)."""
    return input.clamp(min, max)


def pow(input: Tensor, exponent: Any) -> Tensor:
    """input ** exponent (``Tensor.pow``)."""
    return input.pow(exponent)


def sum(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """The sum over ``dim``, all elements by default (``Tensor.sum``).

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.sum(tge.ones(2, 3), dim=1)
        tensor([3., 3.])
    """
    return input.sum(dim, keepdim)


def mean(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """The mean over ``dim``, all elements by default (``Tensor.mean``)."""
    return input.mean(dim, keepdim)


def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """``max(x)``: the largest element; ``max(x, dim)``: (values, indices) over ``dim``;
    ``max(x, y)``: the elementwise maximum (``Tensor.max``).

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.max(tge.tensor([[1, 5], [7, 2]]), dim=1)
        ValuesIndices(values=tensor([5, 7]), indices=tensor([1, 0]))
    """
    return input.max(dim, keepdim)


def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """The minimum, in the forms of ``max`` (``Tensor.min``)."""
    return input.min(dim, keepdim)


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index of the maximum (``Tensor.argmax``)."""
    return input.argmax(dim, keepdim)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index of the minimum (``Tensor.argmin``)."""
    return input.argmin(dim, keepdim)


def write_out(result: Tensor, out: Tensor | None, op: str, inputs: tuple[Any, ...]) -> Tensor:
    """torch's ``out=``: ``result`` written into ``out`` (returned), or ``result`` itself.

    As in torch, ``out`` takes no part in autograd, so an input or ``out`` that requires grad
    is refused while grad mode is on; the result must be castable to ``out``'s dtype; an ``out``
    of another shape is resized (with torch's warning when it held elements).
    """
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    needs_grad = [value for value in (*inputs, out)
                  if isinstance(value, Tensor) and value.requires_grad]
    if needs_grad and is_grad_enabled():
        raise RuntimeError(
            f"{op}(): functions with out=... arguments don't support automatic differentiation, "
            "but one of the arguments requires grad. Fix: call it without out= (y = "
            f"torch.{op}(...)), or inside torch.no_grad()"
        )
    if op in ("matmul", "mm") and out.dtype != result.dtype:
        raise RuntimeError(
            f"{op}(): Expected out tensor to have dtype {result.dtype}, but got {out.dtype} "
            "instead; a matrix product writes only into an out tensor of its own dtype"
        )
    if not dtypes.can_cast_in_place(result._data.dtype, out._data.dtype):
        raise RuntimeError(
            f"{op}(): result type {result.dtype} can't be cast to the desired output type "
            f"{out.dtype}; pass an out tensor of a wider dtype, or convert the inputs"
        )
    if tuple(out.shape) != tuple(result.shape):
        if out.numel() > 0:
            warnings.warn(
                f"{op}(): an output with one or more elements was resized since it had shape "
                f"{list(out.shape)}, which does not match the required output shape "
                f"{list(result.shape)}", UserWarning, stacklevel=3)
        out.data = Tensor._wrap(np.empty(result.shape, dtype=out.dtype), False)
    with no_grad():
        out.copy_(result)
    return out


def add(input: Any, other: Any, *, alpha: float = 1, out: Tensor | None = None) -> Tensor:
    """input + alpha * other, elementwise with broadcasting (``Tensor.add``).

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.add(tge.ones(2), tge.ones(2), alpha=3)
        tensor([4., 4.])
    """
    return write_out(tensor_input(input, "add").add(other, alpha), out, "add", (input, other))


def sub(input: Any, other: Any, *, alpha: float = 1, out: Tensor | None = None) -> Tensor:
    """input - alpha * other, elementwise with broadcasting (``Tensor.sub``)."""
    return write_out(tensor_input(input, "sub").sub(other, alpha), out, "sub", (input, other))


def mul(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """input * other, elementwise with broadcasting (``Tensor.mul``).

    Example:
        >>> import tinygrad_edu as tge
        >>> result = tge.zeros(2)
        >>> tge.mul(tge.tensor([1.0, 2.0]), 3, out=result)
        tensor([3., 6.])
        >>> result
        tensor([3., 6.])
    """
    return write_out(tensor_input(input, "mul").mul(other), out, "mul", (input, other))


def div(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """input / other, elementwise with broadcasting (``Tensor.div``)."""
    return write_out(tensor_input(input, "div").div(other), out, "div", (input, other))


def floor_divide(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """input // other, rounded toward -inf (``Tensor.floor_divide``)."""
    return write_out(tensor_input(input, "floor_divide").floor_divide(other), out,
                     "floor_divide", (input, other))


def remainder(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """input % other, with the sign of other (``Tensor.remainder``).

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.remainder(tge.tensor([-7, 7]), 3)
        tensor([2, 1])
    """
    return write_out(tensor_input(input, "remainder").remainder(other), out, "remainder",
                     (input, other))


def bitwise_and(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """input & other, for integer and bool tensors (``Tensor.bitwise_and``)."""
    return write_out(tensor_input(input, "bitwise_and").bitwise_and(other), out, "bitwise_and",
                     (input, other))


def bitwise_or(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """input | other, for integer and bool tensors (``Tensor.bitwise_or``)."""
    return write_out(tensor_input(input, "bitwise_or").bitwise_or(other), out, "bitwise_or",
                     (input, other))


def bitwise_xor(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """input ^ other, for integer and bool tensors (``Tensor.bitwise_xor``)."""
    return write_out(tensor_input(input, "bitwise_xor").bitwise_xor(other), out, "bitwise_xor",
                     (input, other))


def bitwise_not(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """~input, for integer and bool tensors (``Tensor.bitwise_not``)."""
    return write_out(input.bitwise_not(), out, "bitwise_not", (input,))


def matmul(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The matrix product, with vectors and batches (``Tensor.matmul``); ``out=`` as in torch."""
    return write_out(input.matmul(other), out, "matmul", (input, other))


def mm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The product of two matrices (``Tensor.mm``); ``out=`` as in torch."""
    return write_out(input.mm(mat2), out, "mm", (input, mat2))


def tensor_input(value: Any, op: str) -> Tensor:
    """``value`` as a Tensor: a Tensor, or a Python number made 0-d (torch refuses a list)."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float)):
        return Tensor(value)
    raise TypeError(
        f"{op}(): argument 'input' (position 1) must be Tensor, not {type(value).__name__}; "
        f"wrap it with torch.tensor(...) or call the method on the tensor operand"
    )


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Dimensions start_dim..end_dim merged into one (``Tensor.flatten``)."""
    return input.flatten(start_dim, end_dim)


def reshape(input: Tensor, shape: Any) -> Tensor:
    """The same elements in a new shape (``Tensor.reshape``)."""
    return input.reshape(shape)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """A dimension of size 1 inserted at ``dim`` (``Tensor.unsqueeze``)."""
    return input.unsqueeze(dim)


def squeeze(input: Tensor, dim: int | None = None) -> Tensor:
    """Dimensions of size 1 removed (``Tensor.squeeze``)."""
    return input.squeeze(dim)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Two dimensions swapped (``Tensor.transpose``)."""
    return input.transpose(dim0, dim1)


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False,
           out: Tensor | None = None) -> Tensor:
    """The elements at the positions ``index`` names along ``dim`` (``Tensor.gather``).

    ``sparse_grad=True`` (a sparse gradient) is refused: there are no sparse tensors here.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.gather(tge.tensor([[1.0, 2.0], [3.0, 4.0]]), 1, tge.tensor([[1], [0]]))
        tensor([[2.],
                [3.]])
    """
    if sparse_grad:
        raise RuntimeError(
            "gather(): sparse_grad=True is not supported: tinygrad_edu has no sparse tensors; "
            "leave it False (the dense gradient has the same values)"
        )
    return write_out(input.gather(dim, index), out, "gather", (input,))


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """A copy of input with src (or the number ``value``) written at the positions ``index``
    names along ``dim`` (``Tensor.scatter``)."""
    return input.scatter(dim, index, src, value=value, reduce=reduce)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of input with src added at the positions ``index`` names along ``dim``
    (``Tensor.scatter_add``)."""
    return input.scatter_add(dim, index, src)
