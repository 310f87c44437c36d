"""Tensor reshaping, axis moves, indexing and matrix products (part of ``Tensor``)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from tinygrad_edu import ops
import tinygrad_edu.tensor as tensor_module
from tinygrad_edu.grad_mode import GradMode
from tinygrad_edu.tensor_math import normalize_dims

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor


def shape_argument(sizes: tuple[Any, ...]) -> tuple[int, ...]:
    """Accept both ``reshape(2, 3)`` and ``reshape((2, 3))``."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    return tuple(int(size) for size in sizes)


def new_shape(sizes: tuple[Any, ...], op: str) -> tuple[int, ...]:
    """The shape of a new tensor, refusing negative sizes."""
    shape = shape_argument(sizes)
    if any(size < 0 for size in shape):
        raise RuntimeError(f"{op}: trying to create tensor with negative dimension: {shape}")
    return shape


def normalize_index(index: Any) -> Any:
    """Turn an index into one NumPy understands the same way torch does.

    Tensors and lists become arrays; a boolean mask becomes the integer arrays of its True
    positions (what NumPy does too), so the scatter-add in backward sees plain integer indices.
    """
    parts = index if isinstance(index, tuple) else (index,)
    normalized: list[Any] = []
    for part in parts:
        if isinstance(part, tensor_module.Tensor):
            part = part.data
        elif isinstance(part, list):
            part = np.asarray(part)
        if isinstance(part, slice) and part.step is not None and part.step <= 0:
            raise ValueError(f"step must be greater than zero (got {part.step}); torch has no "
                             "negative steps: use flip() to reverse")
        if isinstance(part, np.ndarray):
            if part.dtype.kind == "b" and part.ndim > 0:
                normalized.extend(np.nonzero(part))
                continue
            if part.dtype.kind == "b":  # a 0-d mask adds an axis of length 1 (True) or 0
                normalized.append(part)
                continue
            if part.dtype.kind not in "iu":
                raise IndexError(
                    f"tensors used as indices must be long, int or bool tensors, got {part.dtype}"
                )
        normalized.append(part)
    return tuple(normalized)


def mark_view(view: Tensor, base: Tensor, make_view: Callable[[Tensor], Tensor]) -> Tensor:
    """When ``view`` shares memory with ``base``, make it a view as torch has them: one version
    counter with its root base (the tensor that owns the memory), and ``_view_fn``, which makes
    the view again from that root with Tensor ops. An in-place op through the view uses it to
    update the root's history (see ``tensor_inplace``).

    ``make_view(base)`` must make ``view`` from ``base``.
    """
    # An empty slice shares no bytes, but NumPy still made it as a view of the base's array
    # (an empty result of integer-array indexing is a copy: made from another array).
    empty_view = view.data.size == 0 and made_from(view.data, base.data)
    if empty_view or np.may_share_memory(view.data, base.data):
        view._version = base._version
        view._view_version = base._version.value
        if not GradMode.enabled and base._requires_grad:
            view._requires_grad = True
            view._made_in_no_grad = True
        if base._base is None or base._view_fn is None:
            view._base = base
            view._view_fn = make_view
        else:
            view._base = base._base
            view._view_fn = compose_views(base._view_fn, make_view)
        view._view_base_node = view._base.grad_fn
    return view


def made_from(array: np.ndarray, other: np.ndarray) -> bool:
    """Whether NumPy made ``array`` as a view of ``other`` (or of the array ``other`` views)."""
    owners = {id(other)} if other.base is None else {id(other), id(other.base)}
    current = array.base
    while isinstance(current, np.ndarray):
        if id(current) in owners:
            return True
        current = current.base
    return False


def compose_views(first: Callable[[Tensor], Tensor],
                  then: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    """The view function that applies ``first``, then ``then``."""
    def composed(root: Tensor) -> Tensor:
        return then(first(root))
    return composed


class ShapeMethods:
    """Shape and indexing methods of ``Tensor``."""

    __slots__ = ()

    def reshape(self: Tensor, *shape: Any) -> Tensor:
        """The same elements with a new shape (one size may be -1: inferred)."""
        target = shape_argument(shape)
        known = math.prod([size for size in target if size != -1])
        inferable = target.count(-1) == 1 and known != 0 and self.numel() % known == 0
        if not (math.prod(target) == self.numel() and -1 not in target) and not inferable:
            raise RuntimeError(
                f"reshape: shape {list(target)} is invalid for input of size {self.numel()} "
                f"(shape {self.shape}); the sizes must multiply to {self.numel()} (at most one -1)"
            )
        # Like torch, even the same shape gives a new view (a tensor of its own, not self).
        shape_now = tuple(size if size != -1 else self.numel() // known for size in target)
        return mark_view(ops.Reshape.apply(self, shape=shape_now), self,
                         lambda base: ops.Reshape.apply(base, shape=shape_now))

    def view(self: Tensor, *shape: Any) -> Tensor:
        """Same as ``reshape`` (NumPy decides whether memory is shared)."""
        return self.reshape(*shape)

    def flatten(self: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge dimensions start_dim..end_dim into one."""
        if self.ndim == 0:
            return self.reshape(1)
        start, end = (normalize_dims(dim, self.ndim, "flatten")[0] for dim in (start_dim, end_dim))
        if start > end:
            raise RuntimeError(
                f"flatten: start_dim {start_dim} cannot come after end_dim {end_dim}"
            )
        if start == end:
            return self  # nothing to merge: torch returns the tensor itself
        merged = math.prod(self.shape[start:end + 1])
        return self.reshape(self.shape[:start] + (merged,) + self.shape[end + 1:])

    def permute(self: Tensor, *dims: Any) -> Tensor:
        """Reorder the dimensions: output dimension i is input dimension dims[i]."""
        order = shape_argument(dims)
        if sorted(axis % max(self.ndim, 1) for axis in order) != list(range(self.ndim)):
            raise RuntimeError(
                f"permute: dims {list(order)} are not a permutation of the {self.ndim} "
                f"dimensions of a tensor of shape {self.shape}"
            )
        order = tuple(axis % self.ndim for axis in order) if self.ndim else ()
        return mark_view(ops.Permute.apply(self, dims=order), self,
                         lambda base: ops.Permute.apply(base, dims=order))

    def transpose(self: Tensor, dim0: int, dim1: int) -> Tensor:
        """Swap two dimensions."""
        if self.ndim == 0:
            normalize_dims((dim0, dim1), 0, "transpose")
            return self.reshape(())
        axis0 = normalize_dims(dim0, self.ndim, "transpose")[0]
        axis1 = normalize_dims(dim1, self.ndim, "transpose")[0]
        order = list(range(self.ndim))
        order[axis0], order[axis1] = order[axis1], order[axis0]
        return self.permute(order)

    @property
    def T(self: Tensor) -> Tensor:
        """All dimensions reversed (the matrix transpose for 2-D tensors)."""
        return self.permute(tuple(reversed(range(self.ndim))))

    def unsqueeze(self: Tensor, dim: int) -> Tensor:
        """Insert a dimension of size 1 at ``dim``."""
        if not -self.ndim - 1 <= dim <= self.ndim:
            raise IndexError(
                f"unsqueeze: Dimension out of range (expected to be in range of "
                f"[{-self.ndim - 1}, {self.ndim}], but got {dim})"
            )
        position = dim % (self.ndim + 1)
        return self.reshape(self.shape[:position] + (1,) + self.shape[position:])

    def squeeze(self: Tensor, dim: int | None = None) -> Tensor:
        """Remove dimensions of size 1 (only ``dim`` when given; no-op if its size is not 1)."""
        if dim is None:
            return self.reshape(tuple(size for size in self.shape if size != 1))
        if self.ndim == 0:
            normalize_dims(dim, 0, "squeeze")
            return self.reshape(())
        (axis,) = normalize_dims(dim, self.ndim, "squeeze")
        if self.shape[axis] != 1:
            return self.reshape(self.shape)  # a new view, as in torch
        return self.reshape(self.shape[:axis] + self.shape[axis + 1:])

    def expand(self: Tensor, *sizes: Any) -> Tensor:
        """Broadcast size-1 dimensions to ``sizes`` without copying (-1 keeps a size)."""
        target = list(shape_argument(sizes))
        added = len(target) - self.ndim
        for axis, size in enumerate(self.shape):
            wanted = target[axis + added] if added >= 0 else size
            if wanted == -1:
                target[axis + added] = size
            elif added < 0 or (size != 1 and size != wanted):
                raise RuntimeError(
                    f"expand: the expanded size of the tensor ({wanted}) must match the existing "
                    f"size ({size}) at non-singleton dimension {axis}. Target sizes: "
                    f"{list(sizes)}. Tensor sizes: {list(self.shape)}"
                )
        expanded = tuple(target)
        return mark_view(ops.Expand.apply(self, shape=expanded), self,
                         lambda base: ops.Expand.apply(base, shape=expanded))

    def __getitem__(self: Tensor, index: Any) -> Tensor:
        normalized = normalize_index(index)
        try:
            result = ops.GetItem.apply(self, index=normalized)
        except IndexError as error:
            raise IndexError(f"indexing a tensor of shape {self.shape}: {error}") from None
        return mark_view(result, self, lambda base: ops.GetItem.apply(base, index=normalized))

    def matmul(self: Tensor, other: Any) -> Tensor:
        """Matrix product with NumPy/torch rules for 1-D and batched operands."""
        a, b = self._promoted(other)
        if isinstance(other, tensor_module.Tensor) and self.dtype != other.dtype:
            raise RuntimeError(
                f"expected m1 and m2 to have the same dtype, but got: {self.dtype} != "
                f"{other.dtype}; convert one of them (e.g. .double() or .float()) first"
            )
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError(
                f"matmul: both arguments need to be at least 1-D, got shapes {a.shape} and "
                f"{b.shape}; use * for multiplication by a scalar"
            )
        if a.shape[-1] != b.shape[-2 if b.ndim > 1 else -1]:
            raise RuntimeError(
                f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied: the last dimension "
                f"of the first ({a.shape[-1]}) must equal the "
                f"{'second-to-last' if b.ndim > 1 else 'only'} dimension of the second"
            )
        # A 1-D first operand is a row vector, a 1-D second operand a column vector; the added
        # dimension is removed again from the result.
        a_matrix = a.unsqueeze(0) if a.ndim == 1 else a
        b_matrix = b.unsqueeze(-1) if b.ndim == 1 else b
        try:
            result = ops.MatMul.apply(a_matrix, b_matrix)
        except ValueError as error:
            raise RuntimeError(
                f"matmul: batch dimensions of shapes {a.shape} and {b.shape} do not broadcast"
            ) from error
        if b.ndim == 1:
            result = result.squeeze(-1)
        if a.ndim == 1:
            result = result.squeeze(-2 if b.ndim > 1 else -1)
        return result
