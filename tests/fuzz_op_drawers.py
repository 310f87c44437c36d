"""The fuzzer's drawers for ops that compute values: arithmetic, powers, smooth and piecewise
functions, reductions, softmax, views, indexing, matmul, joins, splits and integer dtypes.

A drawer picks one op of its family, the program values it reads (from what a
``ProgramBuilder`` holds) and its parameters, keeps the inputs in the op's domain (see
``fuzz_builder.py``), and adds the step; when nothing fits it adds nothing.
"""

from __future__ import annotations

import math

from typing import Any, Callable

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.fuzz_builder import (
    CLAMP_BOUNDS,
    EXP_LIMIT,
    EXPONENTS,
    NONZERO_SCALARS,
    SCALARS,
    THRESHOLDS,
    ProgramBuilder,
    broadcasts,
    draw_broadcast_shape,
    draw_dim,
    draw_dims,
    draw_leaf,
    draw_partner,
    draw_shape,
    is_bounded,
    pick,
    rarely,
)
from tests.fuzz_programs import OPS, ArrayIndex, DType, Index


def draw_arithmetic(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """+ - * / % with a tensor or a scalar, or unary minus."""
    name = pick(draw, builder.floats())
    if name is None:
        return
    shape = builder.shape(name)
    kind = draw(st.sampled_from(("add", "mul", "sub", "add_scalar", "mul_scalar", "neg",
                                 "rsub_scalar", "div", "div_scalar", "rdiv_scalar",
                                 "remainder", "remainder_scalar")))
    if kind in ("add", "mul", "sub", "div", "remainder"):
        divisor = kind in ("div", "remainder")
        partner = draw_partner(
            draw, builder, lambda other: broadcasts(shape, other),
            lambda: draw_broadcast_shape(draw, shape),
            domain="away_from_zero" if divisor else "real",
            domain_check=builder.nonzero if divisor else None)
        if partner is None:
            return
        args = [name, partner]
        if not divisor and draw(st.booleans()):
            args.reverse()
        exact = not divisor and builder.exact[name] and builder.exact[partner]
        builder.add(kind, args, exact=exact)
    elif kind == "neg":
        builder.add("neg", [name], exact=builder.exact[name])
    elif kind in ("div_scalar", "remainder_scalar"):
        scalar = draw(st.sampled_from(NONZERO_SCALARS))
        builder.add(kind, [name], {"scalar": scalar})
    elif kind == "rdiv_scalar":
        if builder.nonzero(name):
            builder.add(kind, [name], {"scalar": draw(st.sampled_from(SCALARS))})
    else:
        scalar = draw(st.sampled_from(SCALARS))
        builder.add(kind, [name], {"scalar": scalar}, exact=builder.exact[name])


def draw_pow(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """x ** scalar, scalar ** x, x ** y and sqrt, in their domains (edges only when exact)."""
    name = pick(draw, builder.floats())
    if name is None:
        return
    kind = draw(st.sampled_from(("pow_scalar", "sqrt", "rpow_scalar", "pow")))
    values = builder.array(name)
    if kind == "pow_scalar":
        exponent = draw(st.sampled_from(EXPONENTS))
        if exponent < 0 and not (builder.nonzero(name) or builder.exact[name]):
            return
        if exponent != int(exponent) and not builder.positive(name):
            return
        builder.add(kind, [name], {"exponent": exponent})
    elif kind == "sqrt":
        if builder.positive(name):
            builder.add(kind, [name])
    elif kind == "rpow_scalar":
        if values.size == 0 or np.max(np.abs(values)) <= EXP_LIMIT:
            builder.add(kind, [name], {"base": draw(st.sampled_from((2.0, 0.5, 3.0)))})
    elif builder.positive(name) and (values.size == 0 or np.max(values) <= 10):
        shape = builder.shape(name)
        power = draw_partner(
            draw, builder, lambda other: broadcasts(shape, other),
            lambda: draw_broadcast_shape(draw, shape),
            domain_check=lambda other: is_bounded(builder.array(other), 3.0))
        if power is not None:
            builder.add("pow", [name, power])


def draw_transcendental(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """exp, log, log1p, tanh, sigmoid, sin, cos."""
    name = pick(draw, builder.floats())
    if name is None:
        return
    kind = draw(st.sampled_from(("exp", "tanh", "sigmoid", "log", "log1p", "sin", "cos")))
    if kind == "exp" and not is_bounded(builder.array(name), EXP_LIMIT):
        return
    if kind in ("log", "log1p") and not builder.positive(name):
        return
    builder.add(kind, [name])


def draw_comparison(draw: st.DrawFn, builder: ProgramBuilder, name: str) -> str | None:
    """A bool value ``name > t`` or ``name < t`` (clear of the threshold unless exact)."""
    threshold = draw(st.sampled_from(THRESHOLDS))
    if not builder.away_from(name, [threshold]):
        return None
    kind = draw(st.sampled_from(("greater", "less")))
    names = builder.add(kind, [name], {"scalar": threshold}, exact=True)
    return names[0] if names else None


def draw_piecewise(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """relu, abs, sign, sgn, clamp, maximum, minimum, comparisons and where."""
    name = pick(draw, builder.floats())
    if name is None:
        return
    shape = builder.shape(name)
    exact = builder.exact[name]
    kind = draw(st.sampled_from(("relu", "where", "abs", "sign", "sgn", "clamp", "maximum",
                                 "minimum", "compare")))
    if kind in ("relu", "abs", "sign", "sgn"):
        if builder.away_from(name, [0.0]):
            builder.add(kind, [name], exact=exact)
    elif kind == "clamp":
        low = draw(st.none() | st.sampled_from(CLAMP_BOUNDS))
        high = draw(st.none() | st.sampled_from(CLAMP_BOUNDS))
        if low is None and high is None:
            low = -0.5
        if low is not None and high is not None and low > high:
            low, high = high, low
        if builder.away_from(name, [low, high]):
            builder.add("clamp", [name], {"low": low, "high": high}, exact=exact)
    elif kind in ("maximum", "minimum"):
        partner = draw_partner(draw, builder, lambda other: broadcasts(shape, other),
                               lambda: draw_broadcast_shape(draw, shape),
                               domain_check=lambda other: builder.apart(name, other))
        if partner is not None and builder.apart(name, partner):
            builder.add(kind, [name, partner], exact=exact and builder.exact[partner])
    elif kind == "compare":
        draw_comparison(draw, builder, name)
    else:
        draw_where(draw, builder, name)


def draw_where(draw: st.DrawFn, builder: ProgramBuilder, name: str) -> None:
    """``where(condition, name, other)`` with a condition from a comparison."""
    shape = builder.shape(name)
    conditions = [mask for mask in builder.bools() if broadcasts(builder.shape(mask), shape)]
    condition = pick(draw, conditions)
    if condition is None:
        source = pick(draw, [other for other in builder.floats()
                             if broadcasts(builder.shape(other), shape)])
        if source is None:
            return
        condition = draw_comparison(draw, builder, source)
        if condition is None:
            return
    together = np.broadcast_shapes(shape, builder.shape(condition))
    if draw(st.booleans()):
        scalar = draw(st.sampled_from(SCALARS))
        builder.add("where_scalar", [condition, name], {"scalar": scalar},
                    exact=builder.exact[name])
        return
    other = draw_partner(draw, builder, lambda candidate: broadcasts(together, candidate),
                         lambda: draw_broadcast_shape(draw, together))
    if other is not None:
        exact = builder.exact[name] and builder.exact[other]
        builder.add("where", [condition, name, other], exact=exact)


def draw_reduction(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """sum, mean, var, std, norm (p = 0.5, 1, 2, 3, inf), logsumexp, max(), min()."""
    name = pick(draw, builder.floats())
    if name is None:
        return
    ndim = len(builder.shape(name))
    kind = draw(st.sampled_from(("sum_all", "sum", "mean", "mean_all", "var", "std", "norm",
                                 "logsumexp", "max_all", "min_all")))
    keepdim = draw(st.booleans())
    if kind in ("sum_all", "mean_all"):
        builder.add(kind, [name])
    elif kind in ("max_all", "min_all"):
        if builder.without_near_ties(name):
            builder.add(kind, [name], exact=builder.exact[name])
    elif kind == "norm":
        dim = None if rarely(draw, 3) else draw_dims(draw, ndim)
        p = draw(st.sampled_from((0.5, 1, 2, 3, math.inf)))
        if p != math.inf or builder.without_near_ties(name):
            builder.add(kind, [name], {"p": p, "dim": dim, "keepdim": keepdim})
    elif kind in ("var", "std"):
        dim = None if rarely(draw, 3) else draw_dims(draw, ndim)
        correction = draw(st.sampled_from((1, 0)))
        if (dim is None or ndim == 0) and math.prod(builder.shape(name)) <= correction:
            # A variance of all elements without degrees of freedom has a gradient of torch's
            # own making, a difference README.md lists (tested in test_op_semantics.py).
            correction = 0
        builder.add(kind, [name], {"dim": dim, "keepdim": keepdim, "correction": correction})
    else:
        builder.add(kind, [name], {"dim": draw_dims(draw, ndim), "keepdim": keepdim})


def draw_max_dim(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """``values, indices = x.max(dim)`` (or min), and ``x.argmax(dim)`` (or argmin, over all
    elements when dim is None)."""
    name = pick(draw, builder.floats())
    if name is None or not builder.without_near_ties(name):
        return
    kind = draw(st.sampled_from(("max_dim", "min_dim", "argmax", "argmin")))
    if kind in ("argmax", "argmin"):
        dim = None if rarely(draw, 3) else draw_dim(draw, len(builder.shape(name)))
        builder.add(kind, [name], {"dim": dim, "keepdim": draw(st.booleans())}, exact=True)
        return
    params = {"dim": draw_dim(draw, len(builder.shape(name))), "keepdim": draw(st.booleans())}
    builder.add(kind, [name], params, outputs=2, exact=builder.exact[name])


def draw_softmax(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """softmax and log_softmax over one dim."""
    name = pick(draw, builder.floats())
    if name is None:
        return
    kind = draw(st.sampled_from(("softmax", "log_softmax")))
    builder.add(kind, [name], {"dim": draw_dim(draw, len(builder.shape(name)))})


def reshape_targets(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """New shapes for reshape and view: flat, the same, reversed, with a 1, merged, split."""
    targets = [(-1,), shape, tuple(reversed(shape)), shape + (1,), (1,) + shape]
    if len(shape) >= 2:
        targets.append((shape[0] * shape[1],) + shape[2:])
    if shape and shape[0] % 2 == 0 and shape[0] > 0:
        targets.append((2, shape[0] // 2) + shape[1:])
    return targets


def is_identity_view(kind: str, params: dict[str, Any], shape: tuple[int, ...]) -> bool:
    """True when a view op maps every element to itself (``reshape(x.shape)``,
    ``transpose(0, 0)``, ``squeeze`` of nothing, ``T`` of a vector...): family ``noop_view``."""
    ndim = len(shape)
    if kind == "transpose":
        return params["dim0"] % max(ndim, 1) == params["dim1"] % max(ndim, 1)
    if kind == "permute":
        return list(params["dims"]) == list(range(ndim))
    if kind in ("T", "t"):
        return ndim <= 1
    if kind == "squeeze_all":
        return 1 not in shape
    if kind == "squeeze":
        return ndim == 0 or shape[params["dim"]] != 1
    if kind in ("reshape", "view"):
        return params["shape"] == shape
    if kind == "expand":
        return len(params["sizes"]) == ndim and all(
            size in (-1, original) for size, original in zip(params["sizes"], shape))
    if kind == "flatten":
        return ndim == 1 or params["start"] == params["end"]
    return False


def draw_view_params(
    draw: st.DrawFn, kind: str, shape: tuple[int, ...]
) -> dict[str, Any] | None:
    """The parameters of one view op for a tensor of ``shape`` (None: not applicable)."""
    ndim = len(shape)
    if kind in ("reshape", "view"):
        return {"shape": draw(st.sampled_from(reshape_targets(shape)))}
    if kind == "transpose":
        return {"dim0": draw_dim(draw, ndim), "dim1": draw_dim(draw, ndim)}
    if kind == "permute":
        return {"dims": tuple(draw(st.permutations(range(ndim))))}
    if kind in ("T", "t"):
        return {} if ndim <= 2 else None
    if kind == "unsqueeze":
        return {"dim": draw(st.integers(-ndim - 1, ndim))}
    if kind == "squeeze":
        return {"dim": draw_dim(draw, ndim)}
    if kind == "expand":
        sizes = [draw(st.integers(1, 3)) if size == 1 else draw(st.sampled_from((-1, size)))
                 for size in shape]
        if draw(st.booleans()):
            sizes.insert(0, 2)
        return {"sizes": tuple(sizes)}
    if kind == "flatten":
        first = draw_dim(draw, ndim) % max(ndim, 1)
        second = draw_dim(draw, ndim) % max(ndim, 1)
        return {"start": min(first, second), "end": max(first, second)}
    return {}


VIEW_KINDS = ("reshape", "transpose", "flatten", "permute", "T", "t", "unsqueeze", "clone",
              "squeeze_all", "squeeze", "expand", "detach")


def draw_view(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """reshape, transpose, permute, T, t(), unsqueeze, squeeze, expand, flatten, detach,
    clone (identity views are the family ``noop_view``)."""
    name = pick(draw, builder.tensors())
    if name is None:
        return
    shape = builder.shape(name)
    kind = draw(st.sampled_from(VIEW_KINDS))
    params = draw_view_params(draw, kind, shape)
    if params is None or is_identity_view(kind, params, shape):
        return
    builder.add(kind, [name], params, exact=builder.exact[name])


def draw_noop_view(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """A view that changes nothing: torch returns a new tensor object (a view) all the same."""
    name = pick(draw, builder.tensors())
    if name is None:
        return
    shape = builder.shape(name)
    ndim = len(shape)
    kind = draw(st.sampled_from(("reshape", "view", "transpose", "squeeze", "permute",
                                 "expand", "T", "squeeze_all", "flatten")))
    params: dict[str, Any] = {}
    if kind in ("reshape", "view"):
        params = {"shape": shape}
    elif kind == "transpose":
        dim = draw_dim(draw, ndim)
        params = {"dim0": dim, "dim1": dim}
    elif kind == "squeeze":
        params = {"dim": draw_dim(draw, ndim)}
    elif kind == "permute":
        params = {"dims": tuple(range(ndim))}
    elif kind == "expand":
        params = {"sizes": shape}
    elif kind == "flatten":
        dim = draw_dim(draw, ndim) % max(ndim, 1)
        params = {"start": dim, "end": dim}
    if is_identity_view(kind, params, shape):
        builder.add(kind, [name], params, exact=builder.exact[name])


def draw_view_method(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """Tensor.view with the targets of reshape."""
    name = pick(draw, builder.tensors())
    if name is None:
        return
    shape = builder.shape(name)
    params = draw_view_params(draw, "view", shape) or {}
    if not is_identity_view("view", params, shape):
        builder.add("view", [name], params, exact=builder.exact[name])


def draw_index_part(draw: st.DrawFn, size: int) -> Any:
    """An int (in range), a slice with a step, or ``:`` for a side of ``size``."""
    kind = draw(st.sampled_from(("slice", "int", "full")))
    if kind == "int" and size > 0:
        return draw(st.integers(-size, size - 1))
    if kind == "slice":
        start = draw(st.none() | st.integers(-size - 1, size + 1))
        stop = draw(st.none() | st.integers(-size - 1, size + 1))
        step = draw(st.sampled_from((None, 2, 1, 3)))
        return slice(start, stop, step)
    return slice(None)


def draw_basic_index(draw: st.DrawFn, shape: tuple[int, ...]) -> Index:
    """Ints, slices, None and at most one Ellipsis, valid for ``shape``."""
    ndim = len(shape)
    leading = draw(st.integers(0, ndim))
    parts = [draw_index_part(draw, size) for size in shape[:leading]]
    if draw(st.booleans()):
        trailing = draw(st.integers(0, ndim - leading))
        parts.append(Ellipsis)
        parts += [draw_index_part(draw, size) for size in shape[ndim - trailing:]]
    for _ in range(draw(st.integers(0, 2))):
        parts.insert(draw(st.integers(0, len(parts))), None)
    return Index(tuple(parts))


def draw_advanced_index(draw: st.DrawFn, shape: tuple[int, ...]) -> Index | None:
    """An int array (with repeats) on one side, two int arrays, or a constant bool mask."""
    ndim = len(shape)
    if ndim == 0 or 0 in shape:
        return None
    kind = draw(st.sampled_from(("array", "mask", "two_arrays")))
    if kind == "mask":
        sides = draw(st.integers(1, ndim))
        mask = draw(hnp.arrays(np.bool_, shape[:sides]))
        return Index((ArrayIndex(mask),))
    if kind == "two_arrays" and ndim >= 2:
        length = draw(st.integers(1, 4))
        rows = draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=length,
                             max_size=length))
        columns = draw(st.lists(st.integers(-shape[1], shape[1] - 1), min_size=length,
                                max_size=length))
        return Index((ArrayIndex(np.array(rows)), ArrayIndex(np.array(columns))))
    axis = draw(st.integers(0, ndim - 1))
    positions = draw(st.lists(st.integers(-shape[axis], shape[axis] - 1), min_size=1,
                              max_size=4))
    array = np.array(positions)
    if len(positions) == 4 and draw(st.booleans()):
        array = array.reshape(2, 2)
    parts: list[Any] = [slice(None)] * axis + [ArrayIndex(array)]
    if axis + 1 < ndim and draw(st.booleans()):
        parts.append(slice(1, None))
    return Index(tuple(parts))


def mask_prefixes(builder: ProgramBuilder, shape: tuple[int, ...]) -> list[str]:
    """Bool values whose shape is a leading part of ``shape`` (usable as ``t[mask]``)."""
    return [mask for mask in builder.bools()
            if 0 < len(builder.shape(mask)) <= len(shape)
            and builder.shape(mask) == shape[:len(builder.shape(mask))]]


def draw_basic_indexing(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """``t[ints, slices, None, ...]``."""
    name = pick(draw, builder.tensors())
    if name is None:
        return
    index = draw_basic_index(draw, builder.shape(name))
    builder.add("getitem", [name], {"index": index}, exact=builder.exact[name])


def draw_advanced_indexing(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """``t[int array]``, ``t[rows, columns]``, ``t[bool mask]``, ``t[t > 0]``."""
    name = pick(draw, builder.tensors())
    if name is None:
        return
    shape = builder.shape(name)
    exact = builder.exact[name]
    mask = pick(draw, mask_prefixes(builder, shape))
    if mask is None and builder.values[name].is_floating_point() and rarely(draw, 3):
        mask = draw_comparison(draw, builder, name)  # t[t > 0]
    if mask is not None and draw(st.booleans()):
        builder.add("getitem_mask", [name, mask], exact=exact)
        return
    index = draw_advanced_index(draw, shape)
    if index is not None:
        builder.add("getitem_advanced", [name], {"index": index}, exact=exact)


def draw_matmul(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """``a @ b`` with 1-D, 2-D and batched operands, the drawn value on either side
    (``a.mm(b)`` for two matrices, some of the time)."""
    name = pick(draw, [other for other in builder.floats() if 1 <= len(builder.shape(other))])
    if name is None:
        return
    shape = builder.shape(name)
    if len(shape) == 1 or shape[-1] == shape[-2]:
        if rarely(draw, 4):
            builder.add("matmul", [name, name])
            return
    on_left = draw(st.booleans())
    other_side = draw(st.integers(1, 3))
    batch = draw(st.integers(1, 2))
    if on_left:
        inner = shape[-1]
        choices = [(inner,), (inner, other_side), (batch, inner, other_side)]
    else:
        inner = shape[0] if len(shape) == 1 else shape[-2]
        choices = [(inner,), (other_side, inner), (batch, other_side, inner)]
    partner = draw_leaf(draw, builder, draw(st.sampled_from(choices)),
                        requires_grad=draw(st.booleans()))
    if partner is None:
        return
    left, right = (name, partner) if on_left else (partner, name)
    single_row_times_batch = (len(builder.shape(left)) == 2 and builder.shape(left)[0] == 1
                              and len(builder.shape(right)) >= 3)
    if single_row_times_batch and not builder.grad_enabled:
        return  # in torch a view made in no_grad: a difference README.md lists
    two_matrices = len(builder.shape(left)) == 2 and len(builder.shape(right)) == 2
    builder.add("mm" if two_matrices and draw(st.booleans()) else "matmul", [left, right])


def same_except(shape: tuple[int, ...], axis: int) -> Callable[[tuple[int, ...]], bool]:
    """A test for shapes equal to ``shape`` except along ``axis`` (what ``cat`` accepts)."""

    def fits(other: tuple[int, ...]) -> bool:
        if len(other) != len(shape):
            return False
        return all(a == b for position, (a, b) in enumerate(zip(other, shape))
                   if position != axis)

    return fits


def draw_join(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """``cat`` along an existing dim or ``stack`` along a new one, with 1 or 2 partners (the
    value itself among them sometimes)."""
    name = pick(draw, builder.floats())
    if name is None:
        return
    shape = builder.shape(name)
    ndim = len(shape)
    stack = ndim == 0 or draw(st.booleans())
    dim = draw(st.integers(-ndim - 1, ndim)) if stack else draw_dim(draw, ndim)
    parts = [name]
    for _ in range(draw(st.integers(1, 2))):
        partner: str | None
        if draw(st.booleans()):
            partner = name
        elif stack:
            partner = draw_partner(draw, builder, lambda other: other == shape, lambda: shape)
        else:
            axis = dim % ndim
            grown = shape[:axis] + (draw(st.integers(1, 3)),) + shape[axis + 1:]
            partner = draw_partner(draw, builder, same_except(shape, axis), lambda: grown)
        if partner is None:
            return
        parts.append(partner)
    exact = all(builder.exact[part] for part in parts)
    builder.add("stack" if stack else "cat", parts, {"dim": dim}, exact=exact)


def draw_sections(draw: st.DrawFn, size: int) -> list[int]:
    """1 to 3 non-negative sizes adding up to ``size`` (an empty section now and then), or
    rarely sizes that do not add up (torch refuses them)."""
    cuts = sorted(draw(st.lists(st.integers(0, size), max_size=2)))
    bounds = [0, *cuts, size]
    sections = [stop - start for start, stop in zip(bounds, bounds[1:])]
    if rarely(draw, 10):
        sections[-1] += draw(st.sampled_from((1, -1)))
    return sections


def draw_split(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """``x.split(size)``, ``split(x, sections)``, ``x.chunk(n)`` and ``unbind(x)``: one name per
    piece, every piece a view of x (rarely of a 0-d x, which torch refuses)."""
    name = pick(draw, [other for other in builder.tensors()
                       if builder.shape(other) or rarely(draw, 8)])
    if name is None:
        return
    shape = builder.shape(name)
    dim = draw_dim(draw, len(shape))
    size = shape[dim] if shape else 1
    kind = draw(st.sampled_from(("split", "split_sections", "chunk", "unbind")))
    params: dict[str, Any] = {"dim": dim}
    if kind == "split":
        params["size"] = 0 if size == 0 and draw(st.booleans()) else draw(st.integers(1, size + 1))
    elif kind == "split_sections":
        params["sections"] = draw_sections(draw, size)
    elif kind == "chunk":
        params["chunks"] = draw(st.integers(1, size + 2))
    try:  # how many pieces torch returns: one name each
        count = len(OPS[kind].run(torch, [torch.empty(shape)], params))
    except (RuntimeError, IndexError):
        count = 1  # torch refuses: the step ends the program
    builder.add(kind, [name], params, outputs=count, exact=builder.exact[name])


def draw_integer_dtypes(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """An int64, uint8 or bool input, then a sum, a cast, promotion with a float, or indexing."""
    dtype = draw(st.sampled_from(("int64", "uint8", "bool")))
    shape = draw_shape(draw)
    if dtype == "bool":
        elements: st.SearchStrategy[Any] = st.booleans()
        numpy_dtype: Any = np.bool_
    elif dtype == "uint8":
        elements, numpy_dtype = st.integers(0, 255), np.uint8
    else:
        elements, numpy_dtype = st.integers(-5, 5), np.int64
    if 0 in shape:
        params: dict[str, Any] = {"shape": shape, "dtype": DType(dtype), "requires_grad": False}
        names = builder.add("empty_leaf", params=params, exact=True, prefix="x")
    else:
        values = draw(hnp.arrays(numpy_dtype, shape, elements=elements))
        params = {"values": values, "dtype": DType(dtype), "requires_grad": False}
        names = builder.add("leaf", params=params, exact=True, prefix="x")
    if not names:
        return
    name = names[0]
    kind = draw(st.sampled_from(("sum_all", "double", "float", "add", "mul_scalar", "sum",
                                 "max_all", "getitem", "mean_all")))
    if kind in ("sum_all", "double", "float", "max_all", "mean_all"):
        builder.add(kind, [name], exact=True)
    elif kind == "sum":
        builder.add(kind, [name], {"dim": draw_dim(draw, len(shape)),
                                   "keepdim": draw(st.booleans())})
    elif kind == "mul_scalar":
        builder.add(kind, [name], {"scalar": draw(st.sampled_from((2.0, 3, -1)))}, exact=True)
    elif kind == "getitem":
        builder.add(kind, [name], {"index": draw_basic_index(draw, shape)}, exact=True)
    else:
        partner = pick(draw, [other for other in builder.floats()
                              if broadcasts(builder.shape(other), shape)])
        if partner is not None:
            args = [name, partner] if draw(st.booleans()) else [partner, name]
            builder.add("add", args, exact=builder.exact[partner])
