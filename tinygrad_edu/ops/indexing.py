"""Gather and scatter: reading and writing along one dimension at positions an index tensor names.

The index has as many dimensions as the input. Each of its elements names a position along
``dim``; the element's other coordinates are its own. For a 3-d tensor and dim = 1:

    gather:       out[i][j][k] = a[i][index[i][j][k]][k]
    scatter:      out = a, then out[i][index[i][j][k]][k] = src[i][j][k]
    scatter_add:  out = a, then out[i][index[i][j][k]][k] += src[i][j][k]

So ``out = a.gather(dim, index)`` reads the positions and ``scatter_add`` adds into them: the two
are adjoint, and each one's backward is the other. ``scatter`` overwrites instead of adding: the
overwritten values of ``a`` get no gradient, and ``src`` gets the gradient of the positions it
was written to.

In NumPy the positions are one advanced index (``coordinates``): the index's own coordinate
grids with the grid along ``dim`` replaced by the index values. ``a[coordinates]`` gathers,
assigning to it scatters, and ``np.add.at`` scatter-adds (adding every duplicate).

As in torch, a 0-d tensor counts as a vector of one element here, and ``src`` may be larger than
the index: only its leading block of the index's shape is read. The arguments are checked by
``check_index`` before an op runs; ``forward`` checks the index values again
(``check_index_values``), for a jitted step replays the ops without the checks around them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_edu.function import Context, Function, constant
from tinygrad_edu.ops.movement import Pad, Reshape

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor


def as_vector(array: np.ndarray) -> np.ndarray:
    """``array``, a 0-d one as a vector of its one element (a view: writes go through)."""
    return array.reshape(1) if array.ndim == 0 else array


def coordinates(index: np.ndarray, dim: int) -> tuple[np.ndarray, ...]:
    """The positions ``index`` names along ``dim`` as one NumPy advanced index.

    Example: for a 2-d index and dim = 1 the result is ``(rows, index)`` with ``rows`` the column
    [[0], [1], ...], which broadcasts against ``index``: element (i, j) names (i, index[i, j]).
    """
    vector = as_vector(index)
    grids: list[np.ndarray] = list(np.indices(vector.shape, sparse=True))
    grids[dim] = vector
    return tuple(grids)


def leading_block(src: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The part of ``src`` an index of ``shape`` reads: its first shape[d] elements along each d."""
    vector = as_vector(src)
    block_shape = shape if shape else (1,)
    return vector[tuple(slice(0, size) for size in block_shape)]


def source_gradient(grad_output: Tensor, dim: int, index: np.ndarray,
                    src_shape: tuple[int, ...]) -> Tensor:
    """The gradient of a scattered ``src``: the upstream gradient at the positions its elements
    went to (``grad_output.gather(dim, index)``), with zeros for the elements of a larger ``src``
    that no index read (torch refuses a larger src in backward; its gradient there is 0)."""
    if index.size == 0:  # nothing was scattered
        return constant(np.zeros(src_shape, dtype=grad_output.dtype))
    gathered = Gather.apply(grad_output, dim=dim, index=index)
    vector_index_shape = index.shape if index.shape else (1,)
    vector_src_shape = src_shape if src_shape else (1,)
    if vector_index_shape == vector_src_shape:
        if gathered.shape != src_shape:  # one element, as () against (1,)
            gathered = Reshape.apply(gathered, shape=src_shape)
        return gathered
    if gathered.shape != vector_index_shape:
        gathered = Reshape.apply(gathered, shape=vector_index_shape)
    widths = tuple((0, src_size - index_size)
                   for src_size, index_size in zip(vector_src_shape, vector_index_shape))
    padded = Pad.apply(gathered, widths=widths, value=0.0)
    return padded if padded.shape == src_shape else Reshape.apply(padded, shape=src_shape)


class OneHot(Function):
    """out[..., c] = 1 where labels == c, else 0 (int64): the one-hot rows of integer labels.

    Integer input, so no gradient. The labels' range is checked here, in the op, so that a
    replayed step (``tinygrad_edu.jit``) checks every batch too.

    Example:
        >>> import numpy as np
        >>> import tinygrad_edu as tge
        >>> OneHot.apply(tge.tensor([0, 2]), classes=3).tolist()
        [[1, 0, 0], [0, 0, 1]]
    """

    @staticmethod
    def forward(ctx: Context, labels: np.ndarray, *, classes: int) -> np.ndarray:
        if labels.size and labels.min() < 0:
            raise ValueError("one_hot: class values must be non-negative")
        if labels.size and labels.max() >= classes:
            raise ValueError(
                f"one_hot: class values must be smaller than num_classes ({classes}), got "
                f"{int(labels.max())}"
            )
        return (labels[..., None] == np.arange(classes)).astype(np.int64)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[None]:
        return (None,)  # integer labels have no gradient


class Gather(Function):
    """out = a read at the positions ``index`` names along ``dim`` (out has the index's shape).

    dout/da: each output element is one element of a, so a's gradient is zeros with the upstream
    gradient added at those positions: a scatter-add (an element read twice gets both).
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, dim: int, index: np.ndarray) -> np.ndarray:
        ctx.dim, ctx.index, ctx.input_shape = dim, index, a.shape
        if index.size == 0:  # (its shape need not fit a's)
            return np.zeros(index.shape, dtype=a.dtype)
        check_index_values("gather", dim, index, as_vector(a).shape[dim])
        return as_vector(a)[coordinates(index, dim)].reshape(index.shape)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        zeros = constant(np.zeros(ctx.input_shape, dtype=grad_output.dtype))
        # da = 0 + (grad_output added at the gathered positions)
        return ScatterAdd.apply(zeros, grad_output, dim=ctx.dim, index=ctx.index)


class ScatterAdd(Function):
    """out = a with src added at the positions ``index`` names along ``dim`` (duplicates add up).

    dout/da = 1 (every element of a is in out once); dout/dsrc: src's element goes to one
    position, so its gradient is the upstream gradient there, ``grad_output.gather(dim, index)``.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, src: np.ndarray, *, dim: int,
                index: np.ndarray) -> np.ndarray:
        ctx.dim, ctx.index, ctx.src_shape = dim, index, src.shape
        output = a.copy()
        if index.size == 0:
            return output
        check_index_values("scatter_add", dim, index, as_vector(a).shape[dim])
        np.add.at(as_vector(output), coordinates(index, dim), leading_block(src, index.shape))
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        grad_a = grad_output if ctx.needs_input_grad[0] else None
        grad_src = None
        if ctx.needs_input_grad[1]:
            grad_src = source_gradient(grad_output, ctx.dim, ctx.index, ctx.src_shape)
        return grad_a, grad_src


class Scatter(Function):
    """out = a with src written at the positions ``index`` names along ``dim``.

    dout/da = 1 outside the written positions, 0 at them (the old values are gone), so a's
    gradient is the upstream gradient with those positions set to 0: itself a scatter, of
    zeros. dout/dsrc: as for scatter_add, ``grad_output.gather(dim, index)``.

    Where the index names one position twice, which write wins is not defined (in torch
    either); the gradient still sends each src element the gradient of its position.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, src: np.ndarray, *, dim: int,
                index: np.ndarray) -> np.ndarray:
        ctx.dim, ctx.index, ctx.src_shape = dim, index, src.shape
        output = a.copy()
        if index.size == 0:
            return output
        check_index_values("scatter", dim, index, as_vector(a).shape[dim])
        as_vector(output)[coordinates(index, dim)] = leading_block(src, index.shape)
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        grad_a = None
        if ctx.needs_input_grad[0]:
            zeros = constant(np.zeros(ctx.index.shape, dtype=grad_output.dtype))
            # da = grad_output.scatter(dim, index, 0)
            grad_a = Scatter.apply(grad_output, zeros, dim=ctx.dim, index=ctx.index)
        grad_src = None
        if ctx.needs_input_grad[1]:
            grad_src = source_gradient(grad_output, ctx.dim, ctx.index, ctx.src_shape)
        return grad_a, grad_src


def check_index(op: str, dim: int, index: np.ndarray, input_shape: tuple[int, ...],
                src_shape: tuple[int, ...] | None = None) -> None:
    """Raise torch's error when ``index`` (an array) cannot be used by gather or scatter.

    The rules (``dim`` already counted from 0), as torch checks them: an empty index is accepted
    as it is (nothing is read or written); otherwise the index is int32 or int64, has the
    input's number of dimensions (and src's), index.size(d) <= input.size(d) for every d != dim
    and <= src.size(d) for every d, and every value lies in [0, input.size(dim)). A 0-d tensor
    counts as one of shape (1,).
    """
    if index.size == 0:
        return
    if index.dtype not in (np.dtype(np.int32), np.dtype(np.int64)):
        raise RuntimeError(
            f"{op}(): Expected dtype int32/int64 for index, got {index.dtype}; make the index "
            "with torch.tensor([...]) of integers, or convert it with .long()"
        )
    index_shape = index.shape if index.shape else (1,)
    shape = input_shape if input_shape else (1,)
    name = "input" if op == "gather" else "self"
    if len(index_shape) != len(shape):
        raise RuntimeError(
            f"{op}(): Index tensor must have the same number of dimensions as {name} tensor: "
            f"index has shape {tuple(index.shape)}, {name} {tuple(input_shape)}; add or remove "
            f"dimensions of the index (e.g. labels.unsqueeze(1) for one index per row)"
        )
    too_large = any(index_size > size for d, (index_size, size)
                    in enumerate(zip(index_shape, shape)) if d != dim)
    if src_shape is not None and not too_large:
        if 0 < len(src_shape) < len(index_shape):
            # (torch reads src.size(d) for every d of the index before it compares dimensions)
            raise IndexError(
                f"{op}(): Dimension out of range: src has {len(src_shape)} dimensions, the "
                f"index {len(index_shape)}. Index tensor must have the same number of "
                "dimensions as src tensor"
            )
        source = src_shape if src_shape else (1,) * len(index_shape)
        too_large = any(index_size > size for index_size, size in zip(index_shape, source))
    if too_large:
        against_src = "" if src_shape is None else f" and to be no larger than src {src_shape}"
        raise RuntimeError(
            f"{op}(): Size does not match: expected index {tuple(index.shape)} to be no larger "
            f"than {name} {tuple(input_shape)} apart from dimension {dim}{against_src}; use an "
            "index no larger than that in every other dimension"
        )
    if src_shape is not None and max(len(src_shape), 1) != len(index_shape):
        raise RuntimeError(
            f"{op}(): Index tensor must have the same number of dimensions as src tensor: "
            f"index has shape {tuple(index.shape)}, src {tuple(src_shape)}"
        )
    check_index_values(op, dim, index, shape[dim])


def check_index_values(op: str, dim: int, index: np.ndarray, size: int) -> None:
    """Raise torch's error unless every value of ``index`` lies in [0, size). ``check_index``
    runs it before an op, with the name the user called; the ops run it again in ``forward``,
    because a step compiled with ``tinygrad_edu.jit`` replays the ops on new indices without
    the checks made around them (NumPy would read a negative index from the end)."""
    outside = (index < 0) | (index >= size)
    if np.any(outside):
        bad = int(index[outside].flat[0])
        raise RuntimeError(
            f"{op}(): index {bad} is out of bounds for dimension {dim} with size {size}; every "
            f"index value must lie in [0, {size - 1}] (negative indices do not count from the "
            "end here)"
        )
