"""Tensor arithmetic, elementwise functions, comparisons and reductions (part of ``Tensor``).

Each method calls one primitive op from ``tinygrad_edu.ops`` or combines a few of them; the
composites (sub, div, mean, var, clamp...) need no backward of their own.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from tinygrad_edu import dtypes, ops
import tinygrad_edu.tensor as tensor_module

if TYPE_CHECKING:
    from tinygrad_edu.function import Function
    from tinygrad_edu.tensor import Tensor


class ValuesIndices(NamedTuple):
    """What ``max(dim)``/``min(dim)`` return, like torch: the values and their indices."""

    values: Tensor
    indices: Tensor


def normalize_dims(dim: int | tuple[int, ...] | list[int] | None, ndim: int, op: str) -> tuple:
    """Turn ``dim`` (None, an int or a sequence; negatives count from the end) into axes.

    None and () mean every axis. A 0-d tensor accepts dim 0 or -1 and reduces nothing.
    """
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if len(dims) == 0:
        return tuple(range(ndim))
    low, high = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    axes = []
    for single in dims:
        if not low <= single <= high:
            raise IndexError(
                f"{op}: Dimension out of range (expected to be in range of [{low}, {high}], "
                f"but got {single})"
            )
        axes.append(int(single) % max(ndim, 1))
    if ndim == 0:
        return ()
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"{op}: dim {dims} names the same dimension twice")
    return tuple(sorted(axes))


def apply_binary(function: type[Function], a: Tensor, b: Tensor, op: str) -> Tensor:
    """``function.apply(a, b)``, turning NumPy's broadcasting error into one that names the op."""
    try:
        return function.apply(a, b)
    except ValueError:
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise RuntimeError(
                f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together (sizes must "
                "be equal or 1 when aligned from the last dimension); reshape or unsqueeze one "
                "operand"
            ) from None
        raise


class MathMethods:
    """Arithmetic and reductions of ``Tensor``; see the op classes for the derivatives."""

    __slots__ = ()

    # ------------------------------------------------------------------ operand handling
    def _operand(self: Tensor, other: Any) -> Tensor:
        """``other`` as a Tensor; a Python scalar takes self's dtype (never upcasting floats)."""
        if isinstance(other, tensor_module.Tensor):
            return other
        if isinstance(other, (bool, int, float, np.bool_, np.integer, np.floating)):
            dtype = dtypes.scalar_dtype(self.dtype, other)
            if isinstance(other, int) and np.dtype(dtype).kind in "iu":
                # torch wraps an integer that does not fit (uint8 * -1 is uint8 * 255);
                # NumPy refuses it, so wrap it through int64 first.
                scalar = np.array(other, dtype=np.int64).astype(dtype)
            else:
                scalar = np.array(other, dtype=dtype)
            return tensor_module.Tensor._wrap(scalar, False)
        return tensor_module.Tensor(other)

    def _promoted(self: Tensor, other: Any) -> tuple[Tensor, Tensor]:
        """Self and other converted to their common dtype (torch's promotion rules)."""
        other = self._operand(other)
        if self.dtype == other.dtype:
            return self, other
        target = dtypes.result_dtype(self.dtype, self.ndim, other.dtype, other.ndim)
        return self.to(target), other.to(target)

    def _floating(self: Tensor) -> Tensor:
        """Self, converted to float32 when it holds integers (exp, log... of ints)."""
        return self if self.dtype.kind == "f" else self.to(dtypes.DEFAULT_FLOAT)

    # -------------------------------------------------------------------------- arithmetic
    def __add__(self: Tensor, other: Any) -> Tensor:
        a, b = self._promoted(other)
        return apply_binary(ops.Add, a, b, "add")

    def __radd__(self: Tensor, other: Any) -> Tensor:
        b, a = self._promoted(other)
        return apply_binary(ops.Add, a, b, "add")

    def __sub__(self: Tensor, other: Any) -> Tensor:
        a, b = self._promoted(other)
        return apply_binary(ops.Add, a, ops.Neg.apply(b), "sub")

    def __rsub__(self: Tensor, other: Any) -> Tensor:
        b, a = self._promoted(other)
        return apply_binary(ops.Add, a, ops.Neg.apply(b), "sub")

    def __mul__(self: Tensor, other: Any) -> Tensor:
        a, b = self._promoted(other)
        return apply_binary(ops.Mul, a, b, "mul")

    def __rmul__(self: Tensor, other: Any) -> Tensor:
        b, a = self._promoted(other)
        return apply_binary(ops.Mul, a, b, "mul")

    def __truediv__(self: Tensor, other: Any) -> Tensor:
        a, b = self._floating()._promoted(other)
        # x / 0 is ±inf and 0 / 0 NaN, silently as in torch (0 * inf inside a * b ** -1).
        with np.errstate(invalid="ignore"):
            return apply_binary(ops.Mul, a, b._floating() ** -1, "div")

    def __rtruediv__(self: Tensor, other: Any) -> Tensor:
        b, a = self._floating()._promoted(other)
        with np.errstate(invalid="ignore"):
            return apply_binary(ops.Mul, a._floating(), b ** -1, "div")

    def __pow__(self: Tensor, exponent: Any) -> Tensor:
        base, power = self._promoted(exponent)
        if base.dtype.kind != "f" and np.any(power.data < 0):
            raise RuntimeError(
                "pow: Integers to negative integer powers are not allowed; convert the base "
                "with .float() first"
            )
        return apply_binary(ops.Pow, base, power, "pow")

    def __rpow__(self: Tensor, base: Any) -> Tensor:
        power, base_tensor = self._promoted(base)
        return apply_binary(ops.Pow, base_tensor, power, "pow")

    def __neg__(self: Tensor) -> Tensor:
        return ops.Neg.apply(self)

    def __matmul__(self: Tensor, other: Any) -> Tensor:
        return self.matmul(other)

    def __rmatmul__(self: Tensor, other: Any) -> Tensor:
        return self._operand(other).matmul(self)

    def __abs__(self: Tensor) -> Tensor:
        return self.abs()

    # --------------------------------------------------------- comparisons (no gradient)
    def _compare(self: Tensor, other: Any, comparison: Any) -> Tensor:
        Tensor = tensor_module.Tensor
        other_data = other.data if isinstance(other, Tensor) else np.asarray(other)
        try:
            return Tensor._wrap(comparison(self.data, other_data), False)
        except ValueError:
            raise RuntimeError(
                f"comparison: shapes {self.shape} and {other_data.shape} cannot be broadcast "
                "together"
            ) from None

    def __lt__(self: Tensor, other: Any) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self: Tensor, other: Any) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self: Tensor, other: Any) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self: Tensor, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal)

    def __eq__(self: Tensor, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self: Tensor, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal)

    def __invert__(self: Tensor) -> Tensor:
        return tensor_module.Tensor._wrap(np.invert(self.data), False)

    def __and__(self: Tensor, other: Any) -> Tensor:
        return self._compare(other, np.logical_and if self.dtype.kind == "b" else np.bitwise_and)

    def __or__(self: Tensor, other: Any) -> Tensor:
        return self._compare(other, np.logical_or if self.dtype.kind == "b" else np.bitwise_or)

    def any(self: Tensor) -> Tensor:
        """True if any element is nonzero (no gradient)."""
        return self._compare(0, lambda data, _: np.any(data))

    def all(self: Tensor) -> Tensor:
        """True if every element is nonzero (no gradient)."""
        return self._compare(0, lambda data, _: np.all(data))

    # ----------------------------------------------------------------- elementwise functions
    def exp(self: Tensor) -> Tensor:
        """e ** self, elementwise."""
        return ops.Exp.apply(self._floating())

    def log(self: Tensor) -> Tensor:
        """Natural logarithm, elementwise (nan below 0, -inf at 0, like torch)."""
        return ops.Log.apply(self._floating())

    def sqrt(self: Tensor) -> Tensor:
        """Square root, elementwise: self ** 0.5."""
        return self._floating() ** 0.5

    def tanh(self: Tensor) -> Tensor:
        """Hyperbolic tangent, elementwise."""
        return ops.Tanh.apply(self._floating())

    def sigmoid(self: Tensor) -> Tensor:
        """1 / (1 + exp(-self)), elementwise and stable for large |self|."""
        return ops.Sigmoid.apply(self._floating())

    def relu(self: Tensor) -> Tensor:
        """max(self, 0), elementwise."""
        if self.dtype.kind == "b":
            raise RuntimeError("relu: Boolean inputs not supported for relu; convert with "
                               ".float() or .long() first")
        return ops.Relu.apply(self)

    def abs(self: Tensor) -> Tensor:
        """|self|, elementwise."""
        return ops.Abs.apply(self)

    def maximum(self: Tensor, other: Any) -> Tensor:
        """Elementwise maximum of self and other (broadcasting)."""
        a, b = self._promoted(other)
        return apply_binary(ops.Maximum, a, b, "maximum")

    def minimum(self: Tensor, other: Any) -> Tensor:
        """Elementwise minimum: the maximum of the order-reversed operands, reversed back."""
        a, b = self._promoted(other)
        return apply_binary(ops.Maximum, a._reversed(), b._reversed(), "minimum")._reversed()

    def _reversed(self: Tensor) -> Tensor:
        """An order-reversing map, its own inverse: -x for floats, ~x for integers and bools.

        -x would wrap around for unsigned integers (-0 = 0 but -1 = 255 in uint8) and is not
        defined for bools; ~x = -x - 1 (or 255 - x, or not x) reverses their order exactly.
        Integers never require grad, so only the float branch needs a gradient.
        """
        if dtypes.is_floating(self.dtype):
            return -self
        return ~self

    def where(self: Tensor, condition: Any, other: Any) -> Tensor:
        """self where ``condition`` is true, else ``other`` (torch's ``x.where(cond, y)``)."""
        from tinygrad_edu.functional import where

        return where(condition, self, other)

    def clamp(self: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
        """Limit every element to [min, max]; the gradient passes where min <= self <= max.

        The bounds themselves pass the gradient, NaN stays NaN with gradient 0 (as in torch).
        The result's dtype follows torch's promotion: an integer tensor with a float bound is
        clamped in float32, a bool tensor with int bounds in int64.
        """
        if min is None and max is None:
            raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
        source = self
        for bound in (min, max):
            if bound is not None:
                target = dtypes.scalar_dtype(source.dtype, bound)
                source = source if target == source.dtype else source.to(target)
        inside = np.ones(source.shape, dtype=bool)
        if min is not None:
            inside &= source.data >= min
        if max is not None:
            inside &= source.data <= max
        clipped = source._operand(np.clip(source.data, min, max).astype(source.dtype))
        return ops.Where.apply(source, clipped, condition=inside)

    # --------------------------------------------------------------------------- reductions
    def sum(self: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Sum over ``dim`` (an int, a tuple, or None for all dimensions)."""
        axes = normalize_dims(dim, self.ndim, "sum")
        return ops.Sum.apply(self, axes=axes, keepdim=keepdim)

    def mean(self: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Mean over ``dim``: the sum divided by the number of elements summed (NaN for none)."""
        if self.dtype.kind != "f":
            raise RuntimeError(
                f"mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {self.dtype}; convert with .float() first"
            )
        axes = normalize_dims(dim, self.ndim, "mean")
        count = math.prod([self.shape[axis] for axis in axes])
        total = ops.Sum.apply(self, axes=axes, keepdim=keepdim)
        if count == 0:
            # The mean of nothing is NaN. Added, not multiplied: the gradient of the (empty)
            # input stays empty and that of the upstream gradient 0, as torch's grad / 0 over
            # an expanded empty gradient gives.
            return total + float("nan")
        return total * (1.0 / count)

    def var(self: Tensor, dim: Any = None, keepdim: bool = False, correction: int = 1) -> Tensor:
        """Variance over ``dim``: Σ (x - mean)² / (N - correction); correction=1 is unbiased.

        Like torch, N - correction <= 0 warns and divides by 0 (NaN for a zero sum of squares,
        inf otherwise); the variance over an empty dimension is NaN.
        """
        if self.dtype.kind != "f":
            raise RuntimeError(
                f"var: std and var only support floating point and complex dtypes, got "
                f"{self.dtype}; convert with .float() first"
            )
        axes = normalize_dims(dim, self.ndim, "var")
        count = math.prod([self.shape[axis] for axis in axes])
        # torch's "reduction factor": input numel / output numel, 0 when the output is empty.
        output_numel = math.prod([size for axis, size in enumerate(self.shape) if axis not in axes])
        reduction_factor = self.numel() // output_numel if output_numel else 0
        if reduction_factor - correction <= 0:
            warnings.warn(
                "var(): degrees of freedom is <= 0. Correction should be strictly less than the "
                "reduction factor (input numel divided by output numel).", UserWarning,
                stacklevel=2)
        deviation = self - self.mean(axes, keepdim=True)
        squares = (deviation * deviation).sum(axes, keepdim=keepdim)
        if count == 0:
            return squares + float("nan")
        with np.errstate(divide="ignore", invalid="ignore"):
            return squares / max(count - correction, 0)

    def _check_reducible(self: Tensor, axes: tuple[int, ...] | None, op: str) -> None:
        """Raise torch's errors for a max/min/argmax/argmin over nothing.

        ``axes`` None means "all elements": an empty tensor then has no answer (RuntimeError
        for max/min, IndexError for argmax/argmin, as in torch). Over ``axes``, only a reduced
        dimension of size 0 is an error; other empty dimensions just give an empty result.
        """
        if axes is None:
            if self.numel() == 0:
                error = IndexError if op.startswith("arg") else RuntimeError
                raise error(
                    f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                    f"Specify the reduction dim with the 'dim' argument (shape {self.shape})."
                )
            return
        for axis in axes:
            if self.shape[axis] == 0:
                raise IndexError(
                    f"{op}(): Expected reduction dim {axis} to have non-zero size (shape "
                    f"{self.shape}); the {op} of an empty set is undefined"
                )

    def _max(self: Tensor, dim: Any, keepdim: bool, op: str) -> Any:
        if dim is None:
            self._check_reducible(None, op)
            return ops.Max.apply(self, axes=tuple(range(self.ndim)), keepdim=False,
                                 spread_ties=True)
        if isinstance(dim, tensor_module.Tensor):
            return self.maximum(dim)
        axes = normalize_dims(dim, self.ndim, op)
        self._check_reducible(axes, op)
        axis = axes[0] if axes else 0
        values, indices = ops.MaxDim.apply(self, dim=axis, keepdim=keepdim)
        return ValuesIndices(values, indices)

    def max(self: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
        """The maximum: of all elements (a tensor), or over ``dim`` (values, indices).

        NaN is the maximum of any set holding one, as in torch; ``max()`` shares the gradient
        among tied maxima, ``max(dim)`` gives it to the returned (first) index.
        """
        return self._max(dim, keepdim, "max")

    def min(self: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
        """The minimum: of all elements (a tensor), or over ``dim`` (values, indices)."""
        if dim is not None and not isinstance(dim, (int, np.integer)):
            return self.minimum(dim)
        result = self._reversed()._max(dim, keepdim, "min")
        if dim is None:
            return result._reversed()
        return ValuesIndices(result.values._reversed(), result.indices)

    def _index_of_extreme(self: Tensor, find: Any, dim: int | None, keepdim: bool,
                          op: str) -> Tensor:
        """``find`` (np.argmax or np.argmin) over the flattened tensor or over ``dim``, int64.

        NumPy, like torch, returns the first extreme, and the first NaN if there is one.
        """
        Tensor = tensor_module.Tensor
        if dim is None:
            self._check_reducible(None, op)
            return Tensor._wrap(np.array(find(self.data), dtype=np.int64), False)
        axes = normalize_dims(dim, self.ndim, op)
        if not axes:
            return Tensor._wrap(np.zeros((), dtype=np.int64), False)
        self._check_reducible(axes, op)
        result = find(self.data, axis=axes[0], keepdims=keepdim)
        return Tensor._wrap(result.astype(np.int64), False)

    def argmax(self: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the maximum (over the flattened tensor when ``dim`` is None)."""
        if self.dtype.kind == "b":
            raise RuntimeError("argmax(): does not support bool input; convert with .long()")
        return self._index_of_extreme(np.argmax, dim, keepdim, "argmax")

    def argmin(self: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the minimum (over the flattened tensor when ``dim`` is None)."""
        if self.dtype.kind == "b":
            raise RuntimeError("argmin(): does not support bool input; convert with .long()")
        return self._index_of_extreme(np.argmin, dim, keepdim, "argmin")

    def logsumexp(self: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
        """log Σ exp(self) over ``dim``, computed stably."""
        from tinygrad_edu.functional import logsumexp

        return logsumexp(self, dim, keepdim)

    def softmax(self: Tensor, dim: int) -> Tensor:
        """exp(self) / Σ exp(self) over ``dim``, computed stably."""
        from tinygrad_edu.functional import softmax

        return softmax(self, dim)

    def log_softmax(self: Tensor, dim: int) -> Tensor:
        """self - logsumexp(self, dim), one fused and stable op."""
        from tinygrad_edu.functional import log_softmax

        return log_softmax(self, dim)
