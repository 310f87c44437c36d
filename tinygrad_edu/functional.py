"""Functions on tensors that are not methods in torch either: cat, stack, where, pad; and
functions that are methods too: split, chunk, unbind, the softmax family."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from tinygrad_edu import dtypes, ops
from tinygrad_edu.capture_state import note_constant
from tinygrad_edu.tensor import Tensor, as_tensors
from tinygrad_edu.tensor import normalize_dims


def _common_dtype(tensors: list[Tensor]) -> list[Tensor]:
    """Convert the tensors to their promoted dtype (torch's rules, pairwise)."""
    target = tensors[0].dtype
    ndim = tensors[0].ndim
    for tensor in tensors[1:]:
        target = dtypes.result_dtype(target, ndim, tensor.dtype, tensor.ndim)
        ndim = max(ndim, tensor.ndim)
    return [tensor.to(target) for tensor in tensors]


def cat(tensors: Sequence[Any], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.cat([tge.ones(2, 1), tge.zeros(2, 2)], dim=1).shape
        Size([2, 3])
    """
    parts = as_tensors(tensors)
    if not parts:
        raise ValueError("cat: expected a non-empty list of tensors")
    first = parts[0]
    if first.ndim == 0:
        raise RuntimeError("cat: zero-dimensional tensor cannot be concatenated; use stack")
    (axis,) = normalize_dims(dim, first.ndim, "cat")
    for position, part in enumerate(parts):
        same = part.ndim == first.ndim and all(
            size == first.shape[other_axis]
            for other_axis, size in enumerate(part.shape) if other_axis != axis
        )
        if not same:
            raise RuntimeError(
                f"cat: sizes of tensors must match except in dimension {axis}; tensor 0 has shape "
                f"{tuple(first.shape)} but tensor {position} has shape {tuple(part.shape)}"
            )
    return ops.Cat.apply(*_common_dtype(parts), dim=axis)


def stack(tensors: Sequence[Any], dim: int = 0) -> Tensor:
    """Join tensors of equal shape along a new dimension.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.stack([tge.ones(3), tge.zeros(3)]).shape
        Size([2, 3])
    """
    parts = as_tensors(tensors)
    if not parts:
        raise ValueError("stack: expected a non-empty list of tensors")
    for position, part in enumerate(parts):
        if part.shape != parts[0].shape:
            raise RuntimeError(
                f"stack: expects each tensor to be equal size, but got {tuple(parts[0].shape)} at "
                f"entry "
                f"0 and {tuple(part.shape)} at entry {position}"
            )
    return cat([part.unsqueeze(dim) for part in parts], dim=dim)


def split(tensor: Tensor, split_size_or_sections: int | Sequence[int],
          dim: int = 0) -> tuple[Tensor, ...]:
    """Cut ``tensor`` along ``dim`` into pieces of ``split_size_or_sections`` elements (the last
    one smaller), or into pieces of the listed sizes: ``tensor.split`` (views of ``tensor``).

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.split(tge.arange(5), [1, 4])
        (tensor([0]), tensor([1, 2, 3, 4]))
    """
    return tensor.split(split_size_or_sections, dim)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Cut ``input`` along ``dim`` into ``chunks`` pieces of ceil(size / chunks) elements, the
    last one smaller (so possibly fewer pieces): ``input.chunk`` (views of ``input``).

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.chunk(tge.arange(6), 4)
        (tensor([0, 1]), tensor([2, 3]), tensor([4, 5]))
    """
    return input.chunk(chunks, dim)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of ``input`` along ``dim``, that dimension removed: ``input.unbind``.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.unbind(tge.tensor([[1, 2], [3, 4]]))
        (tensor([1, 2]), tensor([3, 4]))
    """
    return input.unbind(dim)


def where(condition: Any, input: Any, other: Any) -> Tensor:
    """``input`` where ``condition`` is true, else ``other`` (all three broadcast).

    Example:
        >>> import tinygrad_edu as tge
        >>> x = tge.tensor([-1.0, 2.0])
        >>> tge.where(x > 0, x, 0.0)
        tensor([0., 2.])
    """
    if isinstance(condition, Tensor):
        condition_array = condition._data
    else:
        condition_array = np.asarray(condition)
        note_constant(condition_array)  # the caller's values (for tinygrad_edu.jit)
    if condition_array.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got {condition_array.dtype}")
    if isinstance(input, Tensor):
        a, b = input._promoted(other)
    elif isinstance(other, Tensor):
        b, a = other._promoted(input)
    else:
        a, b = Tensor(input)._promoted(other)
    try:
        np.broadcast_shapes(condition_array.shape, a.shape, b.shape)
    except ValueError:
        raise RuntimeError(
            f"where: shapes of condition {tuple(condition_array.shape)}, input {tuple(a.shape)} "
            f"and other "
            f"{tuple(b.shape)} do not broadcast together"
        ) from None
    return ops.Where.apply(a, b, condition=condition_array)


def maximum(input: Tensor, other: Any) -> Tensor:
    """Elementwise maximum (ties share the gradient equally)."""
    return input.maximum(other)


def minimum(input: Tensor, other: Any) -> Tensor:
    """Elementwise minimum (ties share the gradient equally)."""
    return input.minimum(other)


def pad(input: Tensor, pad: Sequence[int], value: float = 0.0) -> Tensor:
    """Constant padding, with torch's ``pad`` order: (last-dim left, last-dim right, ...).

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.pad(tge.ones(2, 2), (1, 0)).shape
        Size([2, 3])
    """
    if len(pad) % 2 != 0 or len(pad) // 2 > input.ndim:
        raise ValueError(
            f"pad: expected an even number of sizes, at most 2 per dimension ({2 * input.ndim} "
            f"for shape {tuple(input.shape)}), got {tuple(pad)}"
        )
    if any(width < 0 for width in pad):
        raise ValueError(f"pad: negative padding {tuple(pad)} is not supported; slice instead")
    widths = [(0, 0)] * input.ndim
    for pair in range(len(pad) // 2):
        widths[input.ndim - 1 - pair] = (int(pad[2 * pair]), int(pad[2 * pair + 1]))
    return ops.Pad.apply(input, widths=tuple(widths), value=value)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weightᵀ + bias, as one fused op (torch.nn.functional.linear).

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.functional.linear(tge.ones(5, 3), tge.ones(2, 3), tge.zeros(2)).shape
        Size([5, 2])
    """
    # The checks read the arrays' shapes and dtypes: Tensor.shape would build a Size object
    # each time, and a training step runs them once per layer.
    input_array, weight_array = input._data, weight._data
    weight_shape = weight_array.shape
    if len(weight_shape) != 2 or input_array.ndim == 0 or (
            input_array.shape[-1] != weight_shape[1]):
        raise RuntimeError(
            f"linear: input of shape {tuple(input.shape)} and weight of shape "
            f"{tuple(weight.shape)} do not fit: "
            "weight must be (out_features, in_features) with in_features = input.shape[-1]"
        )
    if bias is None:
        return input.matmul(weight.T)
    bias_array = bias._data
    if bias_array.shape != weight_shape[:1]:
        raise RuntimeError(
            f"linear: bias of shape {tuple(bias.shape)} does not fit weight of shape "
            f"{tuple(weight.shape)}; "
            f"expected ({weight.shape[0]},)"
        )
    if not (input_array.dtype == weight_array.dtype == bias_array.dtype):
        raise TypeError(
            f"linear: input, weight and bias must share one dtype, got {input.dtype}, "
            f"{weight.dtype} and {bias.dtype}; convert with .to(dtype)"
        )
    return ops.Linear.apply(input, weight, bias)


def refuse_integers(input: Tensor, op: str) -> None:
    """torch has no softmax of integers or bools (NotImplementedError): refuse them too, rather
    than convert them silently."""
    if input.dtype.kind != "f":
        raise NotImplementedError(
            f"{op}: not implemented for {input.dtype} tensors (as in torch); convert the input "
            "with .float() first"
        )


def log_softmax(input: Tensor, dim: int) -> Tensor:
    """log(softmax(input)) over ``dim``, as one fused op that cannot overflow.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.functional.log_softmax(tge.tensor([1000.0, 1000.0]), dim=0)
        tensor([-0.6931, -0.6931])
    """
    (axis,) = normalize_dims(dim, input.ndim, "log_softmax") or (0,)
    refuse_integers(input, "log_softmax")
    if input.ndim == 0:  # one element: the op over a 1-element vector (0, or NaN for ±inf)
        return ops.Reshape.apply(ops.LogSoftmax.apply(input.reshape(1), dim=0),
                                 shape=())
    return ops.LogSoftmax.apply(input, dim=axis)


def softmax(input: Tensor, dim: int) -> Tensor:
    """exp(input) / Σ exp(input) over ``dim``, as one fused op that cannot overflow.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.functional.softmax(tge.tensor([0.0, 0.0]), dim=0)
        tensor([0.5000, 0.5000])
    """
    (axis,) = normalize_dims(dim, input.ndim, "softmax") or (0,)
    refuse_integers(input, "softmax")
    if input.ndim == 0:  # one element: the op over a 1-element vector (1, or NaN for ±inf)
        return ops.Reshape.apply(ops.Softmax.apply(input.reshape(1), dim=0),
                                 shape=())
    return ops.Softmax.apply(input, dim=axis)


def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """log Σ exp(input) over ``dim``, computed as m + log Σ exp(input - m) with m the maximum.

    m is a constant (detached): the identity holds for any m, so its gradient would cancel.

    Example:
        >>> import tinygrad_edu as tge
        >>> round(tge.tensor([1000.0, 1000.0], dtype=tge.float64).logsumexp(0).item(), 4)
        1000.6931
    """
    source = input._floating()
    axes = normalize_dims(dim, source.ndim, "logsumexp")
    if source.numel() == 0:
        return source.exp().sum(axes, keepdim=keepdim).log()
    shift_tensor = ops.LogSumExpShift.apply(source, axes=axes)
    total = (source - shift_tensor).exp().sum(axes, keepdim=True).log() + shift_tensor
    if keepdim:
        return total
    # Reshaped by the op itself: the result is a tensor of its own, not a view (as in torch).
    kept = tuple([size for axis, size in enumerate(total.shape) if axis not in axes])
    return ops.Reshape.apply(total, shape=kept)
