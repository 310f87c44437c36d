"""Ops that move data without arithmetic: reshape, permute, expand, indexing, cat, split, pad.

Their backward moves the gradient back the opposite way: reshape back, permute with the inverse
permutation, sum over expanded axes, scatter-add into the indexed places, slice the pieces apart
(cat), join the pieces' gradients (split).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from tinygrad_edu.function import Context, Function, constant
from tinygrad_edu.ops.piecewise import Where

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor


class Reshape(Function):
    """out = a with a new shape, same elements in the same order.   Gradient: reshaped back."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
        ctx.input_shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return Reshape.apply(grad_output, shape=ctx.input_shape)


class Permute(Function):
    """out = a with its axes reordered (out axis i is input axis dims[i]).

    Gradient: permuted back with the inverse permutation.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, dims: tuple[int, ...]) -> np.ndarray:
        ctx.dims = dims
        return a.transpose(dims)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        # Output axis i came from input axis dims[i]: send it back there.
        inverse = [0] * len(ctx.dims)
        for output_axis, input_axis in enumerate(ctx.dims):
            inverse[input_axis] = output_axis
        return Permute.apply(grad_output, dims=tuple(inverse))


class Expand(Function):
    """out = a broadcast to ``shape`` (a read-only view).   Gradient: summed back by the engine."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
        if a.shape == shape:
            return a.view()  # nothing repeats: an ordinary (writable) view, as in torch
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        # The engine's un-broadcast sums the gradient over the expanded axes.
        return grad_output


class GetItem(Function):
    """out = a[index].   Gradient: zeros of a's shape with the upstream gradient added at index.

    With integer-array indices the same element can be picked twice; its gradient is then the sum
    of both upstream gradients, which ``IndexAdd`` computes with ``np.add.at``.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, index: Any) -> np.ndarray:
        parts = index if isinstance(index, tuple) else (index,)
        if not has_array_index(parts) and not any(part is Ellipsis for part in parts):
            # With "..." NumPy returns a view even when every axis gets an integer (a 0-d
            # view rather than a copied scalar), so that z[1].fill_(5) changes z, as in torch.
            index = parts + (Ellipsis,)
        ctx.index = index
        ctx.input_shape = a.shape
        result = a[index]
        if has_array_index(parts) and result.ndim > 1 and not result.flags.c_contiguous:
            # A copy, laid out in row-major order as torch lays it out (NumPy may not), so
            # that view() accepts the same shapes in both.
            result = np.ascontiguousarray(result)
        return result

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return IndexAdd.apply(grad_output, index=ctx.index, shape=ctx.input_shape)


class IndexAdd(Function):
    """out = zeros(shape) with a added at index (duplicates accumulate).   Gradient: grad[index].

    The adjoint of ``GetItem``; having it as an op makes indexing twice differentiable.
    """

    @staticmethod
    def forward(
        ctx: Context, a: np.ndarray, *, index: Any, shape: tuple[int, ...]
    ) -> np.ndarray:
        ctx.index = index
        output = np.zeros(shape, dtype=a.dtype)
        if has_array_index(index):
            np.add.at(output, index, a)
        else:
            output[index] = a
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return GetItem.apply(grad_output, index=ctx.index)


def has_array_index(index: Any) -> bool:
    """True when an index holds an array (advanced indexing may repeat elements)."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(part, np.ndarray) for part in parts)


class SetItem(Function):
    """out = a with out[index] = value.   dout/da = 1 outside index, dout/dvalue = 1 at index."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, value: np.ndarray, *, index: Any) -> np.ndarray:
        ctx.index = index
        ctx.value_shape = value.shape
        output = a.copy()
        output[index] = value
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        grad_a = None
        if ctx.needs_input_grad[0] and len(ctx.index) == 1 and ctx.index[0] is Ellipsis:
            # Every element was replaced (copy_, fill_): no gradient reaches the old value, a
            # constant zero as in torch (not a function of the upstream gradient).
            grad_a = constant(np.zeros(grad_output.shape, dtype=grad_output.dtype))
        elif ctx.needs_input_grad[0]:
            zero = constant(np.zeros((), dtype=grad_output.dtype))
            grad_a = SetItem.apply(grad_output, zero, index=ctx.index)
        grad_value = None
        if ctx.needs_input_grad[1]:
            grad_value = GetItem.apply(grad_output, index=ctx.index)
        return grad_a, grad_value


class WriteView(Function):
    """out = base with the region that ``view_fn`` selects replaced by ``value``.

    What an in-place op through a view does to the view's base (torch's CopySlices): the base's
    new history. dout/dbase = 1 outside the region, 0 inside; dout/dvalue = 1 on the region. So
    the gradient of the base is the upstream gradient with the region set to 0, and the
    gradient of the value is the region of the upstream gradient, ``view_fn(grad_output)``.
    ``view_fn`` makes the view from its base with Tensor ops (basic indexing, reshape, permute),
    so the region is found the same way in forward (on arrays wrapped as Tensors) and backward.
    """

    @staticmethod
    def forward(ctx: Context, base: np.ndarray, value: np.ndarray, *,
                view_fn: Callable[[Tensor], Tensor]) -> np.ndarray:
        ctx.view_fn = view_fn
        output = base.copy()
        outside = np.ones(base.shape, dtype=bool)
        region = view_fn(constant(output))._data
        if region.size > 0:  # (an empty expanded view is read-only, and nothing to write)
            region[...] = value
            view_fn(constant(outside))._data[...] = False
        ctx.outside = outside
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        grad_base = None
        if ctx.needs_input_grad[0]:
            zero = constant(np.zeros((), dtype=grad_output.dtype))
            grad_base = Where.apply(grad_output, zero, condition=ctx.outside)
        grad_value = ctx.view_fn(grad_output) if ctx.needs_input_grad[1] else None
        return grad_base, grad_value


class Cat(Function):
    """out = the inputs joined along ``dim``.   Gradient: the matching slice for each input."""

    @staticmethod
    def forward(ctx: Context, *arrays: np.ndarray, dim: int) -> np.ndarray:
        ctx.dim = dim
        ctx.sizes = [array.shape[dim] for array in arrays]
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, ...]:
        grads: list[Tensor | None] = []
        start = 0
        leading = (slice(None),) * ctx.dim
        for size, needed in zip(ctx.sizes, ctx.needs_input_grad):
            if needed:
                piece = leading + (slice(start, start + size),)
                grads.append(GetItem.apply(grad_output, index=piece))
            else:
                grads.append(None)
            start += size
        return tuple(grads)


class Split(Function):
    """(out_0, out_1, ...) = a cut along ``dim`` into pieces of ``sizes`` elements: one output
    per piece, each a view of a (no copy).

    dout_k/da = 1 on piece k's region of a and 0 elsewhere, so the gradient of a is the pieces'
    gradients joined back along ``dim``. A piece that received no gradient gets zeros (the
    engine materialises them), so its region of a's gradient is 0.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, dim: int,
                sizes: tuple[int, ...]) -> tuple[np.ndarray, ...]:
        ctx.dim = dim
        leading = (slice(None),) * dim
        pieces = []
        start = 0
        for size in sizes:
            pieces.append(a[leading + (slice(start, start + size),)])
            start += size
        return tuple(pieces)

    @staticmethod
    def backward(ctx: Context, *grad_outputs: Tensor) -> Tensor:
        # da = [dout_0, dout_1, ...] joined along dim; Cat is differentiable (its backward
        # slices), so double backward works.
        return Cat.apply(*grad_outputs, dim=ctx.dim)


class Unbind(Function):
    """(out_0, out_1, ...) = the slices of a along ``dim``, with that dim removed: one output
    per index, each a view of a (no copy). ``x.unbind(0)`` is ``(x[0], x[1], ...)`` made by one
    op, as in torch, so that the slices are the outputs of one node, like ``Split``'s pieces.

    dout_k/da = 1 on slice k of a and 0 elsewhere, so the gradient of a is the slices'
    gradients stacked back along ``dim`` (a slice that got none gets zeros from the engine).
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, dim: int) -> tuple[np.ndarray, ...]:
        ctx.dim = dim
        leading = (slice(None),) * dim
        # (The Ellipsis keeps a slice of a vector a 0-d view, not a NumPy scalar copy.)
        return tuple([a[leading + (index, Ellipsis)] for index in range(a.shape[dim])])

    @staticmethod
    def backward(ctx: Context, *grad_outputs: Tensor) -> Tensor:
        # da = the slices' gradients, each given back its dim, joined along dim (Cat and
        # unsqueeze are differentiable, so double backward works).
        return Cat.apply(*[grad.unsqueeze(ctx.dim) for grad in grad_outputs], dim=ctx.dim)


class Pad(Function):
    """out = a surrounded by ``value``; ``widths`` is NumPy's ((before, after), ...) per axis.

    Gradient: the upstream gradient with the padding sliced off.
    """

    @staticmethod
    def forward(
        ctx: Context, a: np.ndarray, *, widths: tuple[tuple[int, int], ...], value: float
    ) -> np.ndarray:
        ctx.index = tuple(
            slice(before, before + size) for (before, _), size in zip(widths, a.shape)
        )
        return np.pad(a, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return GetItem.apply(grad_output, index=ctx.index)
