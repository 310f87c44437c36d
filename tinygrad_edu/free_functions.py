"""Tensor methods as functions of the package, as torch has them: ``exp(x)`` is ``x.exp()``.

Each function only calls the method of the same name; the method's docstring says what it
computes and how its gradient flows.
"""

from __future__ import annotations

from typing import Any

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


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """The matrix product, with vectors and batches (``Tensor.matmul``)."""
    return input.matmul(other)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """The product of two matrices (``Tensor.mm``)."""
    return input.mm(mat2)


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
