"""The state of a fuzzer program being drawn, and the basic draws (shapes, values, inputs).

``ProgramBuilder`` holds the steps drawn so far and runs each new step with torch right away
(``add``), so the drawers of ``fuzz_generator.py`` see real values: shapes, dtypes,
``requires_grad``, which values alias which, and whether torch raised (then the program ends
with the step that raised; which error each library raises is compared too).

Domains. A difference only counts when both libraries are asked the same well-posed question,
so the drawers keep the inputs of each op where the comparison is meaningful:

* Values an op reads are finite and at most ``VALUE_BOUND`` in magnitude (no overflow, and
  rounding errors stay far below the tolerance); ``exp`` and ``scalar ** x`` read at most 20.
* log, sqrt and fractional powers read values above 0.1, or exact values >= 0; divisors are at
  least 0.1 away from 0; the base of ``x ** y`` is above 0.1 (or exact and >= 0).
* Kinks and ties (relu and abs at 0, clamp at its bounds, comparisons at their threshold, ties
  in max/min/maximum/minimum) are only reached by *exact* values. A value is exact when both
  libraries must compute it bit for bit the same: the inputs, and what IEEE arithmetic rounds
  correctly or only moves or selects (+ - * of exact values, views, indexing, cat, relu...).
  Everything else (exp, sums, matmul, division...) may differ in the last bits, so the drawers
  keep such values at least a relative ``kink_margin`` away from kinks and ties: a last-bit
  difference then cannot flip a branch. Exact values do reach kinks, ties and the domain edges
  (log and pow at 0), where torch's conventions (relu'(0) = 0, ties split the gradient...) are
  compared.

Inputs are multiples of 1/4 (exact zeros and ties) or any float in a small range; shapes have
0 to 3 sides of 1 to 4 elements, and rarely a side of 0.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, Callable, Literal

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.fuzz_programs import OPS, DType, Program, Step

# Values an op reads stay within this magnitude (bigger values are left alone by later ops).
VALUE_BOUND = 1e3
# exp and scalar ** x read at most this (e ** 20 is about 5e8).
EXP_LIMIT = 20.0
# Python scalars are dyadic: exact in float32 and float64, so scalar arithmetic stays exact.
SCALARS = (2.0, 0.5, -1.5, 3.0, -0.25, 1.0, 0.0)
NONZERO_SCALARS = (2.0, 0.5, -1.5, 4.0, -0.25)
THRESHOLDS = (0.0, 0.5, -0.5, 1.0)
CLAMP_BOUNDS = (-1.0, -0.5, 0.0, 0.5, 1.0)
EXPONENTS = (2, 3, 0.5, -1, 0, 1, 1.5, -0.5, 2.5)
MAX_SIDE = 4
MAX_DIMS = 3
# The parameters of a plain ``v.backward()``.
PLAIN_BACKWARD: dict[str, Any] = {"gradient": None, "retain_graph": None, "create_graph": False}


def kink_margin(dtype: str) -> float:
    """How far (relative) a value that is not exact must stay from a kink or a tie."""
    return 1e-3 if dtype == "float32" else 1e-6


# ---------------------------------------------------------------------------------------------
# The builder: the program so far and torch's values
# ---------------------------------------------------------------------------------------------


class ProgramBuilder:
    """A program being drawn, with the torch value of every name after the steps so far.

    Attributes:
        dtype: The float dtype of the program's inputs.
        steps: The steps drawn so far.
        values: torch's value of every name (None for an unused input of ``autograd.grad``).
        exact: Whether a name's value must be the same bit for bit in both libraries.
        op_count: The number of steps that are not new inputs.
        finished: True once torch raised: the program ends with the step that raised.
        grad_enabled: Whether the step being drawn runs with grad mode on.
        family: The family of the drawer at work (recorded on its steps).
    """

    def __init__(self, dtype: str) -> None:
        self.dtype = dtype
        self.steps: list[Step] = []
        self.values: dict[str, Any] = {}
        self.exact: dict[str, bool] = {}
        self.op_count = 0
        self.finished = False
        self.grad_enabled = True
        self.family = "leaf"
        self.name_count = 0

    def new_name(self, prefix: str) -> str:
        """A fresh value name: ``x`` for inputs, ``v`` for computed values, ``g`` gradients."""
        name = f"{prefix}{self.name_count}"
        self.name_count += 1
        return name

    def add(
        self,
        op: str,
        args: Sequence[str] = (),
        params: dict[str, Any] | None = None,
        outputs: int = 1,
        exact: bool = False,
        writes: str | None = None,
        prefix: str = "v",
    ) -> list[str]:
        """Append a step and run it with torch; return the names it defines.

        Args:
            op: The op's key in ``OPS``.
            args: The names it reads.
            params: Its parameters.
            outputs: How many names it defines.
            exact: Whether its outputs (or, with ``writes``, the values it writes) are exact.
            writes: The name an in-place step modifies: it and every name sharing its memory
                stay exact only if ``exact``.
            prefix: The prefix of the new names.
        """
        names = tuple(self.new_name(prefix) for _ in range(outputs))
        step = Step(op, tuple(args), dict(params or {}), names, self.grad_enabled, self.family)
        self.steps.append(step)
        if op not in ("leaf", "empty_leaf"):
            self.op_count += 1
        tensors = [self.values[name] for name in args]
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                if self.grad_enabled:
                    result = OPS[op].run(torch, tensors, step.params)
                else:
                    with torch.no_grad():
                        result = OPS[op].run(torch, tensors, step.params)
        except Exception:  # torch refuses: the program ends with this step
            self.finished = True
            return []
        objects = list(result) if OPS[op].unpack else [result]
        for name, value in zip(names, objects):
            self.values[name] = value
            self.exact[name] = exact
        if writes is not None:
            for name in self.aliases(writes):
                self.exact[name] = self.exact[name] and exact
        return list(names)

    # -------------------------------------------------------------------- looking at values
    def array(self, name: str) -> np.ndarray:
        """torch's current value of ``name`` as a NumPy array (do not modify it)."""
        return self.values[name].detach().numpy(force=True)

    def tensors(self) -> list[str]:
        """Every name holding a tensor."""
        return [name for name, value in self.values.items() if value is not None]

    def floats(self, bounded: bool = True) -> list[str]:
        """Names of float tensors; with ``bounded``, only finite ones within ``VALUE_BOUND``."""
        names = []
        for name in self.tensors():
            if not self.values[name].is_floating_point():
                continue
            if bounded and not is_bounded(self.array(name), VALUE_BOUND):
                continue
            names.append(name)
        return names

    def requiring_grad(self) -> list[str]:
        """Names of tensors that require grad."""
        return [name for name in self.tensors() if self.values[name].requires_grad]

    def bools(self) -> list[str]:
        """Names of bool tensors (comparison results)."""
        return [name for name in self.tensors() if self.values[name].dtype == torch.bool]

    def shape(self, name: str) -> tuple[int, ...]:
        """The shape of ``name``."""
        return tuple(self.values[name].shape)

    def is_leaf(self, name: str) -> bool:
        """Whether ``name`` is a leaf (no grad_fn) in torch (False where torch refuses to say:
        a view made in no_grad whose base was then changed in place)."""
        try:
            return bool(self.values[name].is_leaf)
        except RuntimeError:
            return False

    def aliases(self, name: str) -> list[str]:
        """The names whose tensors share memory with ``name`` (itself included)."""
        pointer = self.values[name].untyped_storage().data_ptr()
        return [other for other in self.tensors()
                if self.values[other].untyped_storage().data_ptr() == pointer]

    # ------------------------------------------------------------------- domains and kinks
    def away_from(self, name: str, points: Sequence[float | None]) -> bool:
        """True if ``name`` is exact or all its values are clearly away from ``points``."""
        if self.exact[name]:
            return True
        values = self.array(name).astype(np.float64)
        margin = kink_margin(self.dtype) * (1.0 + np.abs(values))
        return all(point is None or bool(np.all(np.abs(values - point) > margin))
                   for point in points)

    def without_near_ties(self, name: str) -> bool:
        """True if ``name`` is exact or no two of its values are within the kink margin."""
        if self.exact[name]:
            return True
        ordered = np.sort(self.array(name).astype(np.float64).ravel())
        gaps = np.diff(ordered)
        return bool(np.all(gaps > kink_margin(self.dtype) * (1.0 + np.abs(ordered[1:]))))

    def apart(self, first: str, second: str) -> bool:
        """True if both are exact or their values (broadcast) never nearly tie."""
        if self.exact[first] and self.exact[second]:
            return True
        a = self.array(first).astype(np.float64)
        b = self.array(second).astype(np.float64)
        return bool(np.all(np.abs(a - b) > kink_margin(self.dtype) * (1.0 + np.abs(a))))

    def positive(self, name: str) -> bool:
        """The domain of log, sqrt, fractional powers: above 0.1, or exact and >= 0."""
        values = self.array(name)
        if self.exact[name]:
            return bool(np.all(values >= 0))
        return bool(np.all(values > 0.1))

    def nonzero(self, name: str) -> bool:
        """The domain of divisors: at least 0.1 away from 0."""
        return bool(np.all(np.abs(self.array(name)) > 0.1))

    def program(self, thread_mode: str) -> Program:
        """The finished program."""
        return Program(list(self.steps), self.dtype, thread_mode)


def is_bounded(values: np.ndarray, bound: float) -> bool:
    """True when every value is finite and at most ``bound`` in magnitude."""
    if values.size == 0:
        return True
    as_float = values.astype(np.float64)
    return bool(np.all(np.isfinite(as_float)) and np.max(np.abs(as_float)) <= bound)


def pick(draw: st.DrawFn, names: Sequence[str]) -> str | None:
    """One of ``names``, or None when there is none."""
    if not names:
        return None
    return draw(st.sampled_from(list(names)))


def rarely(draw: st.DrawFn, one_in: int) -> bool:
    """True about once in ``one_in`` draws (and False when hypothesis shrinks)."""
    return draw(st.integers(1, one_in)) == one_in


# ---------------------------------------------------------------------------------------------
# Shapes, values and new inputs
# ---------------------------------------------------------------------------------------------


def draw_shape(draw: st.DrawFn, max_dims: int = MAX_DIMS) -> tuple[int, ...]:
    """0 to ``max_dims`` sides of 1 to ``MAX_SIDE``; rarely one side is 0 (an empty tensor)."""
    sizes = draw(st.lists(st.integers(1, MAX_SIDE), max_size=max_dims))
    if sizes and rarely(draw, 16):
        sizes[draw(st.integers(0, len(sizes) - 1))] = 0
    return tuple(sizes)


def element_strategy(domain: str, dtype: str) -> st.SearchStrategy[float]:
    """Input values: multiples of 1/4 (exact zeros and ties) or any float, within ``domain``.

    Domains: ``real`` [-2.5, 2.5], ``positive`` [0.125, 2.5], ``nonnegative`` [0, 2.5],
    ``away_from_zero`` 0.125 <= |x| <= 2.5 (bounds exact in float32), and ``with_zeros``:
    multiples of 1/4 in [-2.5, 2.5], half of them 0 (the edges: pow and sqrt at 0, relu's kink).
    """
    width: Literal[32, 64] = 32 if dtype == "float32" else 64
    bounds = {"real": (-2.5, 2.5), "positive": (0.125, 2.5), "nonnegative": (0.0, 2.5)}
    if domain == "away_from_zero":
        return st.one_of(element_strategy("positive", dtype),
                         element_strategy("positive", dtype).map(lambda value: -value))
    if domain == "with_zeros":
        return st.one_of(st.just(0.0), st.integers(-10, 10).map(lambda step: step / 4))
    low, high = bounds[domain]
    grid = st.integers(math.ceil(low * 4), math.floor(high * 4)).map(lambda step: step / 4)
    floats = st.floats(low, high, width=width, allow_nan=False, allow_infinity=False,
                       allow_subnormal=False)
    return st.one_of(grid, floats)


DOMAINS = ("real", "positive", "nonnegative", "away_from_zero", "with_zeros")


def draw_leaf(
    draw: st.DrawFn,
    builder: ProgramBuilder,
    shape: tuple[int, ...] | None = None,
    domain: str | None = None,
    requires_grad: bool | None = None,
) -> str | None:
    """Add a new float input of the program's dtype; return its name (None if torch refused)."""
    if shape is None:
        shape = draw_shape(draw)
    if domain is None:
        domain = draw(st.sampled_from(DOMAINS))
    if requires_grad is None:
        requires_grad = not rarely(draw, 4)
    dtype = DType(builder.dtype)
    if 0 in shape:
        params: dict[str, Any] = {"shape": shape, "dtype": dtype, "requires_grad": requires_grad}
        names = builder.add("empty_leaf", params=params, exact=True, prefix="x")
    else:
        numpy_dtype = np.float32 if builder.dtype == "float32" else np.float64
        values = draw(hnp.arrays(numpy_dtype, shape,
                                 elements=element_strategy(domain, builder.dtype)))
        params = {"values": values, "dtype": dtype, "requires_grad": requires_grad}
        names = builder.add("leaf", params=params, exact=True, prefix="x")
    return names[0] if names else None


def draw_broadcast_shape(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that broadcasts with ``shape``: sides kept or 1, size-1 sides stretched, leading
    sides dropped, rarely a new leading side."""
    sizes = []
    for size in shape:
        choice = draw(st.integers(0, 2))
        if choice == 0:
            sizes.append(size)
        elif choice == 1:
            sizes.append(1)
        else:
            sizes.append(draw(st.integers(2, 3)) if size == 1 else size)
    sizes = sizes[draw(st.integers(0, len(sizes))):] if rarely(draw, 3) else sizes
    if rarely(draw, 5) and len(sizes) == len(shape):  # (after a drop it would misalign)
        sizes.insert(0, draw(st.integers(1, 3)))
    return tuple(sizes)


def draw_shape_broadcasting_to(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that broadcasts *to* ``shape`` (for in-place operands): sides kept or 1, leading
    sides dropped."""
    sizes = [size if draw(st.booleans()) else 1 for size in shape]
    if rarely(draw, 3):
        sizes = sizes[draw(st.integers(0, len(sizes))):]
    return tuple(sizes)


def broadcasts(first: tuple[int, ...], second: tuple[int, ...]) -> bool:
    """Whether two shapes broadcast together."""
    try:
        np.broadcast_shapes(first, second)
    except ValueError:
        return False
    return True


def broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether ``shape`` broadcasts to exactly ``target``."""
    return broadcasts(shape, target) and np.broadcast_shapes(shape, target) == target


def draw_partner(
    draw: st.DrawFn,
    builder: ProgramBuilder,
    fits: Callable[[tuple[int, ...]], bool],
    new_shape: Callable[[], tuple[int, ...]],
    domain: str = "real",
    domain_check: Callable[[str], bool] | None = None,
) -> str | None:
    """A second operand: an existing float value whose shape ``fits`` (and passes
    ``domain_check``), or a new input of shape ``new_shape()`` drawn from ``domain``."""
    candidates = [name for name in builder.floats()
                  if fits(builder.shape(name)) and (domain_check is None or domain_check(name))]
    if candidates:
        use_existing: bool = draw(st.booleans())
        if use_existing:
            return pick(draw, candidates)
    return draw_leaf(draw, builder, new_shape(), domain, requires_grad=draw(st.booleans()))


def draw_dim(draw: st.DrawFn, ndim: int) -> int:
    """A valid dim for a tensor of ``ndim`` dimensions (0 or -1 for a 0-d tensor)."""
    if ndim == 0:
        return draw(st.sampled_from((0, -1)))
    return draw(st.integers(-ndim, ndim - 1))


def draw_dims(draw: st.DrawFn, ndim: int) -> int | tuple[int, ...]:
    """One dim, or (with 2 or more dimensions) a tuple of two different dims."""
    if ndim >= 2 and draw(st.booleans()):
        first, second = draw(st.lists(st.integers(0, ndim - 1), min_size=2, max_size=2,
                                      unique=True))
        return (first, second - ndim if draw(st.booleans()) else second)
    return draw_dim(draw, ndim)
