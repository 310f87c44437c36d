"""Reductions: sum and max over some axes (``dim=None`` reduces over all of them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_edu.function import Context, Function

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor


def kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of a reduction over ``axes`` with ``keepdim=True``: reduced axes become 1."""
    return tuple(1 if axis in axes else size for axis, size in enumerate(shape))


class Sum(Function):
    """out = Σ a over ``axes``.   Local derivative: dout/da = 1 for every summed element.

    So the gradient is the upstream gradient copied (broadcast) back over the summed axes.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, axes: tuple[int, ...], keepdim: bool) -> np.ndarray:
        ctx.input_shape = a.shape
        ctx.kept_shape = kept_shape(a.shape, axes)
        return a.sum(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return grad_output.reshape(ctx.kept_shape).expand(ctx.input_shape)


def max_weights(
    a: np.ndarray, kept: np.ndarray, axes: tuple[int, ...], spread_ties: bool
) -> np.ndarray:
    """d max / d a: 1 at the maximum (shared by ties, or at the argmax only), else 0."""
    if spread_ties:
        is_max = a == kept
        weights = is_max / is_max.sum(axis=axes, keepdims=True)
    else:
        (axis,) = axes
        indices = np.expand_dims(np.argmax(a, axis=axis), axis)
        weights = np.zeros(a.shape)
        np.put_along_axis(weights, indices, 1.0, axis=axis)
    return weights.astype(a.dtype)


class Max(Function):
    """out = max of a over ``axes``.   dout/da = 1 at the maximum, 0 elsewhere.

    ``spread_ties=True`` (``x.max()``, ``amax``) shares the gradient equally among tied maxima;
    ``spread_ties=False`` (``x.max(dim)``) gives it all to the index that was returned, as torch.
    """

    @staticmethod
    def forward(
        ctx: Context, a: np.ndarray, *, axes: tuple[int, ...], keepdim: bool, spread_ties: bool
    ) -> np.ndarray:
        kept = a.max(axis=axes, keepdims=True)
        ctx.input_shape = a.shape
        ctx.kept_shape = kept.shape
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(max_weights(a, kept, axes, spread_ties))
        if keepdim:
            return kept
        return kept.reshape([size for axis, size in enumerate(a.shape) if axis not in axes])

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (weights,) = ctx.saved_tensors
        return grad_output.reshape(ctx.kept_shape).expand(ctx.input_shape) * weights
