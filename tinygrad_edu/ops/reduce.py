"""Reductions: sum and max over some axes (``dim=None`` reduces over all of them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_edu.function import Context, Function, NoGradientFunction
from tinygrad_edu.ops.piecewise import Where, zero_like

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor


def kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of a reduction over ``axes`` with ``keepdim=True``: reduced axes become 1."""
    return tuple(1 if axis in axes else size for axis, size in enumerate(shape))


class Sum(Function):
    """out = Σ a over ``axes``.   Local derivative: dout/da = 1 for every summed element.

    So the gradient is the upstream gradient copied (broadcast) back over the summed axes.
    Integer and bool tensors sum in int64, as in torch (NumPy would keep uint8 sums unsigned).
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, axes: tuple[int, ...], keepdim: bool) -> np.ndarray:
        ctx.input_shape = a.shape
        ctx.axes = axes
        total_dtype = None if a.dtype.kind == "f" else np.int64
        return a.sum(axis=axes, keepdims=keepdim, dtype=total_dtype)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        kept = kept_shape(ctx.input_shape, ctx.axes)
        return grad_output.reshape(kept).expand(ctx.input_shape)


def max_selection(
    a: np.ndarray, kept: np.ndarray, axes: tuple[int, ...], spread_ties: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Where d max / d a is not 0: a bool mask of a's shape, and the share of each selected one.

    ``spread_ties``: every element equal to its slice's maximum is selected and gets
    1 / (how many there are); when the maximum is NaN (NaN wins, as in torch) the NaNs are the
    ones selected. Otherwise only the index ``argmax`` returns (the first maximum, or the first
    NaN) is selected, with share 1 (returned as None).
    """
    if spread_ties:
        is_max = np.where(np.isnan(kept), np.isnan(a), a == kept)
        count = is_max.sum(axis=axes, keepdims=True)
        return is_max, (1.0 / count).astype(a.dtype)
    is_max = np.zeros(a.shape, dtype=bool)
    if a.ndim == 0:
        is_max[()] = True
        return is_max, None
    (axis,) = axes
    indices = np.expand_dims(np.argmax(a, axis=axis), axis)
    np.put_along_axis(is_max, indices, True, axis=axis)
    return is_max, None


class Max(Function):
    """out = max of a over ``axes``.   dout/da = 1 at the maximum, 0 elsewhere.

    ``spread_ties=True`` (``x.max()``, ``amax``) shares the gradient equally among tied maxima;
    ``spread_ties=False`` (``x.max(dim)``) gives it all to the index that was returned, as torch.
    NaN is the maximum of any slice holding one. The gradient is selected (``Where``), not
    multiplied by a 0/1 mask, so an inf upstream gradient leaves the other elements at 0.
    """

    @staticmethod
    def forward(
        ctx: Context, a: np.ndarray, *, axes: tuple[int, ...], keepdim: bool, spread_ties: bool
    ) -> np.ndarray:
        kept = a.max(axis=axes, keepdims=True)
        ctx.input_shape = a.shape
        ctx.kept_shape = kept.shape
        if ctx.needs_input_grad[0]:
            is_max, share = max_selection(a, kept, axes, spread_ties)
            saved = (is_max,) if share is None else (is_max, share)
            ctx.save_for_backward(*saved)
        if keepdim:
            return kept
        return kept.reshape([size for axis, size in enumerate(a.shape) if axis not in axes])

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        is_max, *share = ctx.saved_tensors
        per_slice = grad_output.reshape(ctx.kept_shape)
        if share:
            # torch: grad / (number of tied maxima), at each of them
            per_slice = per_slice * share[0]
        return Where.apply(per_slice.expand(ctx.input_shape), zero_like(grad_output),
                           condition=is_max._data)


class MaxDim(Function):
    """(values, indices) = the maximum of a along ``dim`` and where it is, two outputs.

    dvalues/da = 1 at the returned index (the first maximum, or the first NaN, as in torch), 0
    elsewhere; the indices are integers and not differentiable (``mark_non_differentiable``).
    The gradient is selected with ``Where``, so an inf upstream gradient leaves the others at 0.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, dim: int,
                keepdim: bool) -> tuple[np.ndarray, np.ndarray]:
        if a.ndim == 0:  # torch: the value itself, at index 0
            values, indices = a.copy(), np.zeros((), dtype=np.int64)
            is_chosen = np.ones((), dtype=bool)
        else:
            kept_indices = np.expand_dims(np.argmax(a, axis=dim), dim)
            values = np.take_along_axis(a, kept_indices, axis=dim)
            is_chosen = np.zeros(a.shape, dtype=bool)
            np.put_along_axis(is_chosen, kept_indices, True, axis=dim)
            indices = kept_indices.astype(np.int64)
            if not keepdim:
                values, indices = values.squeeze(dim), indices.squeeze(dim)
        ctx.input_shape = a.shape
        ctx.kept_shape = tuple(1 if axis == dim else size for axis, size in enumerate(a.shape))
        ctx.mark_non_differentiable(indices)
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(is_chosen)
        return values, indices

    @staticmethod
    def backward(ctx: Context, grad_values: Tensor, grad_indices: Tensor) -> Tensor:
        (is_chosen,) = ctx.saved_tensors
        spread = grad_values.reshape(ctx.kept_shape).expand(ctx.input_shape)
        return Where.apply(spread, zero_like(grad_values), condition=is_chosen._data)


class LogSumExpShift(NoGradientFunction):
    """out = the maximum of a over ``axes`` (kept as size-1 axes), or 0 where that maximum is
    ±inf or NaN: the m of a stable logsumexp, m + log Σ exp(a - m). No gradient: the identity
    holds for any m, so logsumexp does not depend on it (it only keeps exp from overflowing).

    Example:
        >>> import tinygrad_edu as tge
        >>> LogSumExpShift.apply(tge.tensor([[1.0, 7.0], [float("-inf"), float("-inf")]]),
        ...                      axes=(1,))
        tensor([[7.],
                [0.]])
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, axes: tuple[int, ...]) -> np.ndarray:
        maximum = np.max(a, axis=axes, keepdims=True)
        return np.where(np.isfinite(maximum), maximum, 0).astype(a.dtype)
