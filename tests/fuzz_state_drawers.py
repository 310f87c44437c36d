"""The fuzzer's drawers for steps that change state or run autograd: in-place ops, index
assignment, retain_grad, hooks, requires_grad_(), backward (plain, with create_graph, of
several outputs), ``autograd.grad`` with a double backward, and the misuses torch refuses.

Like the drawers of ``fuzz_op_drawers.py``, each picks its values from a ``ProgramBuilder`` and
adds zero or more steps.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.fuzz_builder import (
    NONZERO_SCALARS,
    PLAIN_BACKWARD,
    SCALARS,
    ProgramBuilder,
    broadcasts_to,
    draw_leaf,
    draw_shape_broadcasting_to,
    element_strategy,
    pick,
    rarely,
)
from tests.fuzz_compare import dtype_name
from tests.fuzz_op_drawers import (
    draw_advanced_index,
    draw_basic_index,
    draw_comparison,
    mask_prefixes,
)
from tests.fuzz_programs import DType, Index, TensorLiteral


def inplace_targets(builder: ProgramBuilder) -> list[str]:
    """Float values an in-place op may write: not leaves that require grad (torch refuses
    those outside no_grad; ``draw_misuse`` tries that on purpose), and not the gradients that
    ``autograd.grad`` returned or memory they share (torch's gradients may share memory with
    each other, a difference README.md lists)."""
    return [name for name in builder.floats()
            if not shares_memory_with_a_gradient(builder, name)
            and (not builder.grad_enabled
                 or not (builder.is_leaf(name) and builder.values[name].requires_grad))]


def shares_memory_with_a_gradient(builder: ProgramBuilder, name: str) -> bool:
    """Whether torch's value ``name`` is, or shares memory with, a gradient that
    ``autograd.grad`` returned (a ``g`` name; its view, or a ``grad_outputs`` it aliases)."""
    if name.startswith("g"):
        return True
    pointer = builder.values[name].untyped_storage().data_ptr()
    gradients = [value for other, value in builder.values.items()
                 if other.startswith("g") and hasattr(value, "untyped_storage")]
    return pointer != 0 and any(
        gradient.untyped_storage().data_ptr() == pointer for gradient in gradients)


def draw_inplace_target(draw: st.DrawFn, builder: ProgramBuilder) -> str | None:
    """A value to modify in place; when there is none, a fresh ``x * scalar`` to modify (the
    usual pattern: ``y = x * 2; y.add_(1)``)."""
    target = pick(draw, inplace_targets(builder))
    if target is not None:
        return target
    source = pick(draw, builder.floats())
    if source is None:
        return None
    names = builder.add("mul_scalar", [source], {"scalar": draw(st.sampled_from(SCALARS))},
                        exact=builder.exact[source])
    return names[0] if names else None


def draw_operand_for(
    draw: st.DrawFn, builder: ProgramBuilder, target: str, shape: tuple[int, ...],
    nonzero: bool = False,
) -> str | None:
    """A tensor that broadcasts to ``shape``: the target itself, a value sharing its memory,
    another value, or a new input."""
    choice = draw(st.sampled_from(("existing", "new", "self")))
    if choice == "self" and builder.shape(target) == shape:
        if not nonzero or builder.nonzero(target):
            return target
    if choice != "new":
        candidates = [name for name in builder.floats()
                      if broadcasts_to(builder.shape(name), shape)
                      and (not nonzero or builder.nonzero(name))]
        if candidates:
            return pick(draw, candidates)
    domain = "away_from_zero" if nonzero else "real"
    return draw_leaf(draw, builder, draw_shape_broadcasting_to(draw, shape), domain,
                     requires_grad=draw(st.booleans()))


def draw_inplace_arithmetic(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """add_, sub_, mul_, div_ with a tensor (possibly the target or a view of it) or a scalar;
    pow_ with the exponent 2 or 3."""
    target = draw_inplace_target(draw, builder)
    if target is None:
        return
    shape = builder.shape(target)
    kind = draw(st.sampled_from(("add_", "sub_scalar_", "mul_", "add_alpha_", "sub_",
                                 "add_scalar_", "mul_scalar_", "div_", "div_scalar_",
                                 "pow_scalar_")))
    if kind == "pow_scalar_":
        exponent = draw(st.sampled_from((2.0, 3.0)))
        builder.add(kind, [target], {"scalar": exponent}, outputs=0, exact=exponent == 2.0,
                    writes=target)
        return
    if kind.endswith("scalar_"):
        scalars = NONZERO_SCALARS if kind == "div_scalar_" else SCALARS
        builder.add(kind, [target], {"scalar": draw(st.sampled_from(scalars))}, outputs=0,
                    exact=kind != "div_scalar_", writes=target)
        return
    operand = draw_operand_for(draw, builder, target, shape, nonzero=kind == "div_")
    if operand is None:
        return
    params = {"alpha": draw(st.sampled_from(NONZERO_SCALARS))} if kind == "add_alpha_" else {}
    exact = kind != "div_" and builder.exact[operand]
    builder.add(kind, [target, operand], params, outputs=0, exact=exact, writes=target)


def draw_inplace_fill(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """zero_, fill_, copy_."""
    target = draw_inplace_target(draw, builder)
    if target is None:
        return
    kind = draw(st.sampled_from(("zero_", "fill_", "copy_")))
    if kind == "zero_":
        builder.add(kind, [target], outputs=0, exact=True, writes=target)
    elif kind == "fill_":
        builder.add(kind, [target], {"scalar": draw(st.sampled_from(SCALARS))}, outputs=0,
                    exact=True, writes=target)
    else:
        source = draw_operand_for(draw, builder, target, builder.shape(target))
        if source is not None:
            builder.add(kind, [target, source], outputs=0, exact=builder.exact[source],
                        writes=target)


def draw_setitem(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """``t[index] = value`` with a scalar, a new tensor, or another part of ``t`` itself."""
    target = draw_inplace_target(draw, builder)
    if target is None:
        return
    shape = builder.shape(target)
    if rarely(draw, 3):  # t[mask] = scalar, the mask often t > 0 itself
        mask = pick(draw, mask_prefixes(builder, shape))
        if mask is None or draw(st.booleans()):
            mask = draw_comparison(draw, builder, target)
        if mask is not None and not builder.finished:
            builder.add("setitem_mask", [target, mask],
                        {"scalar": draw(st.sampled_from(SCALARS))},
                        outputs=0, exact=True, writes=target)
        return
    index: Index | None = None
    if draw(st.booleans()):
        index = draw_advanced_index(draw, shape)
    if index is None:
        index = draw_basic_index(draw, shape)
    try:
        indexed_shape = tuple(builder.values[target].detach()[index.build(torch)].shape)
    except Exception:  # torch refuses this index: let the step show it
        indexed_shape = ()
    kind = draw(st.sampled_from(("tensor", "scalar", "part_of_itself")))
    if kind == "scalar":
        builder.add("setitem_scalar", [target], {"index": index,
                                                 "scalar": draw(st.sampled_from(SCALARS))},
                    outputs=0, exact=True, writes=target)
        return
    value: str | None
    if kind == "part_of_itself":
        value = draw_part_of(draw, builder, target, indexed_shape)
    else:
        value = draw_operand_for(draw, builder, target, indexed_shape)
    if value is not None and not builder.finished:
        builder.add("setitem", [target, value], {"index": index}, outputs=0,
                    exact=builder.exact[value], writes=target)


def draw_part_of(
    draw: st.DrawFn, builder: ProgramBuilder, target: str, shape: tuple[int, ...]
) -> str | None:
    """``target[index]`` for an index whose result broadcasts to ``shape`` (a few tries), so
    that ``target[...] = target[...]`` reads and writes the same memory."""
    for _ in range(3):
        index = draw_basic_index(draw, builder.shape(target))
        try:
            part_shape = tuple(builder.values[target].detach()[index.build(torch)].shape)
        except Exception:  # torch refuses this index: try another
            continue
        if broadcasts_to(part_shape, shape):
            names = builder.add("getitem", [target], {"index": index},
                                exact=builder.exact[target])
            return names[0] if names else None
    return None


def draw_retain_grad(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """``v.retain_grad()`` on a value that requires grad (leaves included)."""
    name = pick(draw, builder.requiring_grad())
    if name is not None:
        builder.add("retain_grad", [name], outputs=0, exact=builder.exact[name], writes=None)


def draw_register_hook(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """``v.register_hook(double)`` on a value that requires grad (leaves included): every later
    gradient of v is doubled before it goes on (or, for a leaf, into ``.grad``)."""
    name = pick(draw, builder.requiring_grad())
    if name is None:
        return
    # torch 2.13 crashes the process on register_hook of a view whose base changed in place
    # since its history was made. Reading is_leaf makes that history again, as the comparison
    # does after every step (fuzz_compare.describe); a view that refuses it is not hooked.
    try:
        builder.values[name].is_leaf
    except RuntimeError:
        return
    builder.add("register_hook", [name], outputs=0, exact=builder.exact[name], writes=None)


def draw_requires_grad_(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """``v.requires_grad_()`` on a float value that does not require grad (an input, a result
    made in no_grad or from constants, a detached value) and shares memory with no other value:
    a view made before its base requires grad is a difference README.md lists."""
    candidates = [name for name in builder.floats()
                  if not builder.values[name].requires_grad
                  and not shares_memory_with_another_value(builder, name)]
    name = pick(draw, candidates)
    if name is not None:
        builder.add("requires_grad_", [name], outputs=0, exact=builder.exact[name], writes=None)


def shares_memory_with_another_value(builder: ProgramBuilder, name: str) -> bool:
    """Whether torch's value ``name`` shares memory with another program value, or is a view
    or has one (empty tensors share no memory, but a view of one is still a view)."""
    value = builder.values[name]
    if value._base is not None:
        return True
    pointer = value.untyped_storage().data_ptr()
    for other_name, other in builder.values.items():
        if other_name == name or not hasattr(other, "untyped_storage"):
            continue
        if other._base is value or (pointer != 0
                                    and other.untyped_storage().data_ptr() == pointer):
            return True
    return False


def draw_gradient_for(draw: st.DrawFn, builder: ProgramBuilder, name: str) -> TensorLiteral | None:
    """A gradient for ``name`` (written inline), or None for a one-element output sometimes."""
    shape = builder.shape(name)
    if math.prod(shape) == 1 and draw(st.booleans()):
        return None
    numpy_dtype = np.float32 if builder.dtype == "float32" else np.float64
    values = draw(hnp.arrays(numpy_dtype, shape, elements=element_strategy("real", builder.dtype)))
    return TensorLiteral(values, DType(dtype_name(builder.values[name])))


def draw_backward(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """``v.backward(gradient, retain_graph=..., create_graph=...)``."""
    name = pick(draw, builder.requiring_grad())
    if name is None:
        return
    params = {"gradient": draw_gradient_for(draw, builder, name),
              "retain_graph": draw(st.sampled_from((None, True, False))),
              "create_graph": False}
    builder.add("backward", [name], params, outputs=0)


def draw_create_graph_backward(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """``v.backward(gradient, create_graph=True)``: the leaves' .grad get a graph."""
    name = pick(draw, builder.requiring_grad())
    if name is None:
        return
    params = {"gradient": draw_gradient_for(draw, builder, name),
              "retain_graph": draw(st.sampled_from((None, True, False))),
              "create_graph": True}
    builder.add("backward", [name], params, outputs=0)


def draw_backward_many(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """``autograd.backward([a, b], [ga, gb])``, a and b possibly the same tensor."""
    candidates = builder.requiring_grad()
    first, second = pick(draw, candidates), pick(draw, candidates)
    if first is None or second is None:
        return
    outputs = [first, second]
    params = {"gradients": [draw_gradient_for(draw, builder, output) for output in outputs],
              "retain_graph": draw(st.sampled_from((None, True, False)))}
    builder.add("backward_many", outputs, params, outputs=0)


def draw_autograd_grad(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """``autograd.grad`` of one output with respect to one or two values, then possibly a
    second backward through the gradients (create_graph=True)."""
    candidates = builder.requiring_grad()
    output = pick(draw, candidates)
    if output is None:
        return
    inputs = draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=2))
    create_graph = draw(st.booleans())
    params = {
        "output_count": 1, "grad_outputs": [draw_gradient_for(draw, builder, output)],
        "retain_graph": draw(st.sampled_from((None, True, False))),
        "create_graph": create_graph, "allow_unused": not rarely(draw, 6),
    }
    names = builder.add("grad", [output] + inputs, params, outputs=len(inputs), prefix="g")
    second_order = [name for name in names
                    if builder.values[name] is not None and builder.values[name].requires_grad]
    if create_graph and second_order and draw(st.booleans()):
        total = builder.add("sum_all", [pick(draw, second_order) or ""])
        if total:
            params = {"gradient": None, "retain_graph": None, "create_graph": False}
            builder.add("backward", total, params, outputs=0)


def draw_misuse(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """A step torch refuses, so that the error types are compared (half of the calls only, so
    that programs do not end early too often)."""
    if draw(st.booleans()):
        return
    name = pick(draw, builder.floats())
    if name is None:
        return
    shape = builder.shape(name)
    kind = draw(st.sampled_from((
        "index_out_of_range", "negative_step", "bad_reshape", "inplace_on_leaf",
        "backward_without_gradient", "backward_of_constant", "broadcast_mismatch",
        "matmul_mismatch", "dim_out_of_range", "retain_grad_without_grad",
        "int_requires_grad", "inplace_on_expanded", "inplace_grows_target", "bad_expand",
    )))
    if kind == "index_out_of_range" and shape and shape[0] > 0:
        index = draw(st.sampled_from((shape[0], -shape[0] - 1)))
        builder.add("getitem", [name], {"index": Index((index,))})
    elif kind == "negative_step" and shape:
        builder.add("getitem", [name], {"index": Index((slice(None, None, -1),))})
    elif kind == "bad_reshape":
        builder.add("reshape", [name], {"shape": (math.prod(shape) + 1,)})
    elif kind == "bad_expand" and any(size > 1 for size in shape):
        builder.add("expand", [name], {"sizes": tuple(size + 1 for size in shape)})
    elif kind == "inplace_on_leaf" and builder.grad_enabled:
        leaf = pick(draw, [other for other in builder.requiring_grad() if builder.is_leaf(other)])
        if leaf is not None:
            builder.add("add_scalar_", [leaf], {"scalar": 1.0}, outputs=0, writes=leaf)
    elif kind == "backward_without_gradient" and math.prod(shape) != 1:
        if builder.values[name].requires_grad:
            builder.add("backward", [name], PLAIN_BACKWARD, outputs=0)
    elif kind == "backward_of_constant" and not builder.values[name].requires_grad:
        builder.add("backward", [name], PLAIN_BACKWARD, outputs=0)
    elif kind == "broadcast_mismatch" and any(size > 1 for size in shape):
        wrong = draw_leaf(draw, builder, tuple(size + 1 for size in shape))
        if wrong is not None:
            builder.add("add", [name, wrong])
    elif kind == "matmul_mismatch" and shape:
        wrong = draw_leaf(draw, builder, (shape[-1] + 1, 2))
        if wrong is not None:
            builder.add("matmul", [name, wrong])
    elif kind == "dim_out_of_range":
        builder.add("sum", [name], {"dim": max(len(shape), 1), "keepdim": False})
    elif kind == "retain_grad_without_grad" and not builder.values[name].requires_grad:
        builder.add("retain_grad", [name], outputs=0)
    elif kind == "int_requires_grad":
        params = {"values": np.array([1, 2]), "dtype": DType("int64"), "requires_grad": True}
        builder.add("leaf", params=params, prefix="x")
    elif kind == "inplace_on_expanded":
        names = builder.add("expand", [name], {"sizes": (2,) + shape})
        if names:
            builder.add("mul_scalar_", names, {"scalar": 2.0}, outputs=0, writes=names[0])
    elif kind == "inplace_grows_target" and name in inplace_targets(builder):
        wrong = draw_leaf(draw, builder, (2,) + shape, requires_grad=False)
        if wrong is not None:
            builder.add("add_", [name, wrong], outputs=0, writes=name)


def draw_final_backward(draw: st.DrawFn, builder: ProgramBuilder) -> None:
    """The program's closing backward: of a scalar, of a sum, or with a gradient."""
    name = pick(draw, builder.requiring_grad())
    if name is None:
        return
    if math.prod(builder.shape(name)) != 1 and draw(st.booleans()):
        total = builder.add("sum_all", [name])
        if not total:
            return
        name = total[0]
    gradient = None
    if math.prod(builder.shape(name)) != 1:
        gradient = draw_gradient_for(draw, builder, name)
    params = {"gradient": gradient, "retain_graph": draw(st.sampled_from((None, True))),
              "create_graph": False}
    builder.add("backward", [name], params, outputs=0)
