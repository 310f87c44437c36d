"""Hypothesis strategies for the differential fuzzer: random programs of 3 to 8 ops.

``programs()`` draws a ``Program`` (see ``fuzz_programs.py``) one step at a time. Each step comes
from a *drawer* of ``DRAWERS``, a function that picks an op of one family, the program values it
reads and its parameters (``fuzz_op_drawers.py``: ops that compute values;
``fuzz_state_drawers.py``: in-place ops and autograd), and adds it to a ``ProgramBuilder``
(``fuzz_builder.py``), which runs it with torch at once so that the next drawer sees real
values. The builder's module explains the value domains that keep a comparison meaningful.

The families (``FAMILIES``) are the units a test can exclude (``programs(excluded_families=)``),
for example while a known difference is being fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from hypothesis import strategies as st

from tests.fuzz_builder import ProgramBuilder, draw_leaf, rarely
from tests.fuzz_op_drawers import (
    draw_advanced_indexing,
    draw_arithmetic,
    draw_basic_indexing,
    draw_integer_dtypes,
    draw_join,
    draw_matmul,
    draw_max_dim,
    draw_noop_view,
    draw_pow,
    draw_piecewise,
    draw_reduction,
    draw_softmax,
    draw_split,
    draw_transcendental,
    draw_view,
    draw_view_method,
)
from tests.fuzz_programs import (
    MAIN_THREAD,
    MAIN_WHILE_WORKER_IN_NO_GRAD,
    WORKER_WHILE_MAIN_IN_NO_GRAD,
    Program,
)
from tests.fuzz_state_drawers import (
    draw_autograd_grad,
    draw_backward,
    draw_backward_many,
    draw_create_graph_backward,
    draw_final_backward,
    draw_inplace_arithmetic,
    draw_inplace_fill,
    draw_misuse,
    draw_register_hook,
    draw_requires_grad_,
    draw_retain_grad,
    draw_setitem,
)

FAMILIES: dict[str, str] = {
    "arithmetic": "+ - * / and unary minus, with tensors (broadcasting) and Python scalars",
    "pow": "x ** scalar (exponents 0 to 3, fractional, negative), scalar ** x, x ** y, sqrt",
    "transcendental": "exp, log, log1p, tanh, sigmoid, sin, cos",
    "piecewise": "relu, abs, sign, sgn, clamp, maximum, minimum, comparisons (> <) and where",
    "reduction": "sum, mean, var and std (correction 0 and 1), norm (p = 0.5, 1, 2, 3, inf), "
                 "logsumexp, max(), min(); dim and keepdim",
    "max_dim": "max(dim) and min(dim): two outputs, (values, indices); argmax and argmin",
    "softmax": "softmax and log_softmax",
    "view": "reshape, transpose, permute, T, t(), unsqueeze, squeeze, expand, flatten, detach, "
            "clone",
    "noop_view": "view ops that map every element to itself: reshape(x.shape), transpose(0, 0), "
                 "squeeze of a dim that is not 1, T of a vector...",
    "view_method": "Tensor.view (torch refuses to view memory that is not contiguous)",
    "basic_indexing": "ints, slices with steps, None and Ellipsis",
    "advanced_indexing": "int arrays (with repeats), constant bool masks, masks from comparisons",
    "matmul": "@ with 1-D, 2-D and batched operands, both orders; mm of two matrices",
    "join": "cat and stack",
    "split": "split (an int size or sections), chunk and unbind: several views of one tensor, "
             "one name each",
    "integer_dtypes": "int64, uint8 and bool inputs: sums, promotion, .double() and .float()",
    "inplace_arithmetic": "add_, sub_, mul_, div_ with tensors (views, self) and scalars; "
                          "pow_ of 2 or 3",
    "inplace_fill": "zero_, fill_, copy_",
    "setitem": "t[index] = value (basic and advanced indices, masks, slices of t itself)",
    "retain_grad": "retain_grad, then .grad of the computed tensor",
    "hooks": "register_hook with a hook that doubles the gradient, on leaves and computed values",
    "requires_grad_": "requires_grad_() on a value that does not require grad yet",
    "backward": "Tensor.backward in the middle of a program (retain_graph None, True or False), "
                "so that later backward calls go through a kept or a freed graph",
    "create_graph": "Tensor.backward(create_graph=True): gradients with a graph of their own",
    "final_backward": "the backward that closes most programs (of a sum, or with a gradient)",
    "backward_many": "autograd.backward of two outputs (possibly the same one twice)",
    "autograd_grad": "autograd.grad (allow_unused, create_graph) and a double backward",
    "no_grad": "steps inside no_grad blocks (in-place updates of leaves among them)",
    "threads": "the program in a worker thread while the main thread sits in no_grad, or the "
               "program in the main thread while another thread sits in no_grad",
    "misuse": "steps torch refuses (bad index or shape, in-place on a leaf or an expanded "
              "tensor, backward without a gradient...): the error types must correspond",
}


@dataclass(frozen=True)
class Drawer:
    """A family and the function that draws its steps."""

    family: str
    draw: Callable[[st.DrawFn, ProgramBuilder], None]


# Simplest first: hypothesis shrinks a choice towards the start of this list.
DRAWERS: list[Drawer] = [
    Drawer("arithmetic", draw_arithmetic),
    Drawer("transcendental", draw_transcendental),
    Drawer("reduction", draw_reduction),
    Drawer("view", draw_view),
    Drawer("basic_indexing", draw_basic_indexing),
    Drawer("pow", draw_pow),
    Drawer("piecewise", draw_piecewise),
    Drawer("max_dim", draw_max_dim),
    Drawer("softmax", draw_softmax),
    Drawer("view_method", draw_view_method),
    Drawer("noop_view", draw_noop_view),
    Drawer("advanced_indexing", draw_advanced_indexing),
    Drawer("matmul", draw_matmul),
    Drawer("join", draw_join),
    Drawer("split", draw_split),
    Drawer("integer_dtypes", draw_integer_dtypes),
    Drawer("inplace_arithmetic", draw_inplace_arithmetic),
    Drawer("inplace_fill", draw_inplace_fill),
    Drawer("setitem", draw_setitem),
    Drawer("retain_grad", draw_retain_grad),
    Drawer("hooks", draw_register_hook),
    Drawer("requires_grad_", draw_requires_grad_),
    Drawer("backward", draw_backward),
    Drawer("create_graph", draw_create_graph_backward),
    Drawer("backward_many", draw_backward_many),
    Drawer("autograd_grad", draw_autograd_grad),
    Drawer("misuse", draw_misuse),
]

# One in this many steps runs inside no_grad (family "no_grad").
NO_GRAD_ONE_IN = 8
# Thread modes, the plain main thread most often (family "threads").
THREAD_CHOICES = (MAIN_THREAD, MAIN_THREAD, MAIN_THREAD, MAIN_THREAD,
                  WORKER_WHILE_MAIN_IN_NO_GRAD, MAIN_WHILE_WORKER_IN_NO_GRAD)


@st.composite
def programs(
    draw: st.DrawFn,
    excluded_families: frozenset[str] | set[str] = frozenset(),
    dtypes: tuple[str, ...] = ("float64", "float64", "float64", "float32"),
) -> Program:
    """A random program: 1 to 3 inputs, 3 to 8 ops, usually a closing backward.

    Args:
        excluded_families: Families (keys of ``FAMILIES``) never drawn.
        dtypes: The float dtypes to choose the inputs' dtype from.
    """
    unknown = set(excluded_families) - set(FAMILIES)
    if unknown:
        raise ValueError(f"unknown fuzzer families {sorted(unknown)}; known: {sorted(FAMILIES)}")
    builder = ProgramBuilder(draw(st.sampled_from(dtypes)))
    for _ in range(draw(st.integers(1, 3))):
        draw_leaf(draw, builder)
    drawers = [drawer for drawer in DRAWERS if drawer.family not in excluded_families]
    wanted = draw(st.integers(3, 8))
    attempts = 0
    while builder.op_count < wanted and not builder.finished and attempts < 4 * wanted:
        attempts += 1
        builder.grad_enabled = not ("no_grad" not in excluded_families
                                    and rarely(draw, NO_GRAD_ONE_IN))
        drawer = draw(st.sampled_from(drawers))
        builder.family = drawer.family
        drawer.draw(draw, builder)
    builder.grad_enabled = True
    builder.family = "final_backward"
    if not builder.finished and "final_backward" not in excluded_families and not rarely(draw, 6):
        draw_final_backward(draw, builder)
    thread_mode = MAIN_THREAD
    if "threads" not in excluded_families:
        thread_mode = draw(st.sampled_from(THREAD_CHOICES))
    return builder.program(thread_mode)
