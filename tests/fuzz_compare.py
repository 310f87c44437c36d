"""Running a fuzzer program on one library, and comparing the runs of both libraries.

``run_program`` interprets a ``Program`` (``fuzz_programs.py``) with tinygrad_edu or torch and
records a ``Trace``: after every step, the state of every program value (shape, dtype,
``requires_grad``, ``is_leaf``, ``retains_grad``, values and ``.grad``), which argument each
step returned as its result (``y.add_(1) is y``), and the type of the error that stopped the
program, if any. ``compare_traces`` walks both traces step by step and reports the first step
after which they differ; ``format_report`` prints that with the program as Python source for
both libraries.

The interpreter is the same code for both libraries: every op is written once against the
module it receives (``lib`` is ``tinygrad_edu`` or ``torch``). Only a test that checks the
fuzzer itself swaps one op's function (``overrides``), and only for tinygrad_edu.

This module imports torch: import it after ``pytest.importorskip("torch")``.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch

from tests.fuzz_programs import (
    MAIN_THREAD,
    OPS,
    TINYGRAD,
    TORCH,
    WORKER_WHILE_MAIN_IN_NO_GRAD,
    Library,
    OpSpec,
    Program,
    Step,
    program_source,
    step_source,
)

# Tolerances for float64 programs: the same math in the same precision, only rounding differs.
FLOAT64_RTOL = 1e-10
FLOAT64_ATOL = 1e-10
# float32 programs: a unit roundoff of 6e-8, up to eight ops each losing a few ulps, values and
# gradients of magnitude up to about 1e3 (the generator's bound) and cancellations in var,
# softmax and sums: 1e-4 relative plus 1e-4 absolute leaves room for that and no more.
FLOAT32_RTOL = 1e-4
FLOAT32_ATOL = 1e-4


# ---------------------------------------------------------------------------------------------
# Running a program and recording what it did
# ---------------------------------------------------------------------------------------------


@dataclass
class ValueState:
    """What is observable of one program value at one moment.

    ``kind`` is ``"tensor"`` or ``"none"`` (``autograd.grad`` returns None for unused inputs);
    the other fields describe a tensor. ``grad`` is the state of ``.grad`` (None when unset).
    A flag that raised when read holds the error's type, e.g. ``"raises RuntimeError"`` (torch
    refuses ``is_leaf`` of a view made in no_grad whose base was then changed in place).
    """

    kind: str
    shape: tuple[int, ...] = ()
    dtype: str = ""
    requires_grad: bool | str = False
    is_leaf: bool | str = True
    retains_grad: bool | str = False
    values: np.ndarray | None = None
    grad: ValueState | None = None


@dataclass
class StepError:
    """The error that stopped a program: at which step, its built-in type and its message."""

    step: int
    kind: str
    message: str


@dataclass
class Trace:
    """Everything one run of a program showed.

    Attributes:
        states: After each step that completed, the state of every program value by name.
        identities: After each step that completed, for each object the step returned, the name
            of the step's argument that is that very object (``y.add_(1) is y``,
            ``x.reshape(x.shape) is x``), or None.
        error: The error that stopped the program, if one did.
    """

    states: list[dict[str, ValueState]] = field(default_factory=list)
    identities: list[tuple[str | None, ...]] = field(default_factory=list)
    error: StepError | None = None


def builtin_error_kind(error: BaseException) -> str:
    """The most specific built-in exception class of ``error`` (torch's own errors derive from
    RuntimeError, IndexError, ValueError, TypeError...)."""
    for cls in type(error).__mro__:
        if cls.__module__ == "builtins":
            return cls.__name__
    return type(error).__name__


def dtype_name(tensor: Any) -> str:
    """``"float64"``, ``"int64"``, ``"bool"``...: the same spelling for both libraries."""
    return str(tensor.dtype).removeprefix("torch.")


def read_flag(read: Callable[[], Any]) -> bool | str:
    """A boolean attribute, or ``"raises <ErrorType>"`` when reading it raises."""
    try:
        return bool(read())
    except Exception as error:
        return f"raises {builtin_error_kind(error)}"


def to_numpy(tensor: Any) -> np.ndarray:
    """A copy of a tensor's values (``force=True``: torch may hand out gradients as internal
    "zero tensors" that refuse a plain ``.numpy()``)."""
    if isinstance(tensor, torch.Tensor):
        return np.array(tensor.detach().numpy(force=True), copy=True)
    return np.array(tensor.detach().numpy(), copy=True)


def describe(value: Any, with_grad: bool = True) -> ValueState:
    """The observable state of one program value (a tensor of either library, or None)."""
    if value is None:
        return ValueState("none")
    grad = None
    if with_grad:
        # Reading .grad of a non-leaf warns in torch; the warning is silenced by the caller.
        grad_value = value.grad
        grad = None if grad_value is None else describe(grad_value, with_grad=False)
    return ValueState(
        kind="tensor",
        shape=tuple(int(size) for size in value.shape),
        dtype=dtype_name(value),
        requires_grad=read_flag(lambda: value.requires_grad),
        is_leaf=read_flag(lambda: value.is_leaf),
        retains_grad=read_flag(lambda: value.retains_grad),
        values=to_numpy(value),
        grad=grad,
    )


def identity_of(result: Any, step: Step, tensors: list[Any]) -> str | None:
    """The name of the step's argument that ``result`` is (the same object), if any."""
    for name, value in zip(step.args, tensors):
        if value is result and result is not None:
            return name
    return None


def returned_objects(step: Step, result: Any) -> list[Any]:
    """The objects a step returned: one per output name, or the return value of an in-place op
    (``y.add_(1)`` returns ``y``)."""
    spec = OPS[step.op]
    if spec.unpack:
        return list(result)
    return [result]


def execute_steps(
    program: Program, library: Library, overrides: dict[str, OpSpec], trace: Trace
) -> None:
    """Run the steps in the current thread, appending to ``trace``; stop at the first error."""
    environment: dict[str, Any] = {}
    with np.errstate(all="ignore"):
        for number, step in enumerate(program.steps):
            spec = overrides.get(step.op, OPS[step.op])
            tensors = [environment[name] for name in step.args]
            try:
                if step.grad_enabled:
                    result = spec.run(library.module, tensors, step.params)
                else:
                    with library.module.no_grad():
                        result = spec.run(library.module, tensors, step.params)
            except Exception as error:  # the comparison is about which error each side raises
                trace.error = StepError(number, builtin_error_kind(error), str(error))
                return
            objects = returned_objects(step, result)
            if spec.same_object_compared:
                trace.identities.append(tuple(identity_of(item, step, tensors)
                                              for item in objects))
            else:
                trace.identities.append(())
            for name, value in zip(step.outputs, objects):
                environment[name] = value
            trace.states.append({name: describe(value) for name, value in environment.items()})


def run_program(
    program: Program, library: Library, overrides: dict[str, OpSpec] | None = None
) -> Trace:
    """Run ``program`` with ``library`` (in the threads its ``thread_mode`` asks for).

    ``overrides`` replaces the ops named by its keys for this run only (the fuzzer's own test
    uses it to plant a wrong op).
    """
    trace = Trace()
    replaced = overrides or {}
    crashes: list[BaseException] = []

    def body() -> None:
        try:
            execute_steps(program, library, replaced, trace)
        except BaseException as crash:  # a bug in the fuzzer itself: raised in the caller
            crashes.append(crash)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if program.thread_mode == MAIN_THREAD:
            body()
        elif program.thread_mode == WORKER_WHILE_MAIN_IN_NO_GRAD:
            with library.module.no_grad():
                worker = threading.Thread(target=body)
                worker.start()
                worker.join()
        else:
            run_beside_a_no_grad_thread(library, body)
    if crashes:
        raise crashes[0]
    return trace


def run_beside_a_no_grad_thread(library: Library, body: Callable[[], None]) -> None:
    """Run ``body`` in this thread while another thread sits inside ``no_grad``."""
    entered = threading.Event()
    finished = threading.Event()

    def sit_in_no_grad() -> None:
        with library.module.no_grad():
            entered.set()
            finished.wait()

    other = threading.Thread(target=sit_in_no_grad)
    other.start()
    entered.wait()
    try:
        body()
    finally:
        finished.set()
        other.join()


# ---------------------------------------------------------------------------------------------
# Comparing two traces
# ---------------------------------------------------------------------------------------------


@dataclass
class Comparison:
    """The outcome of running one program on both libraries.

    Attributes:
        program: The program.
        differences: One readable line (or block) per difference; empty when they agree.
        step: The number of the first step after which something differed, if any.
        ours: tinygrad_edu's trace.
        theirs: torch's trace.
    """

    program: Program
    differences: list[str]
    step: int | None
    ours: Trace
    theirs: Trace

    @property
    def agree(self) -> bool:
        """True when nothing differed."""
        return not self.differences


def tolerances(program: Program) -> tuple[float, float]:
    """(rtol, atol) for the program's float dtype. A float64 program that makes float32 values
    (``.float()``) gets float32's: a float64 result can come from a float32 sum, whose rounding
    depends on each library's summation order."""
    if program.dtype == "float32" or any(step.op == "float" for step in program.steps):
        return FLOAT32_RTOL, FLOAT32_ATOL
    return FLOAT64_RTOL, FLOAT64_ATOL


def short_array(values: np.ndarray) -> str:
    """An array on one line, with at most a dozen elements shown."""
    text = np.array2string(values, precision=6, threshold=12, max_line_width=10_000)
    return " ".join(text.split())


def values_difference(
    label: str, ours: np.ndarray, theirs: np.ndarray, rtol: float, atol: float
) -> str | None:
    """A description of how two arrays of the same shape and dtype differ, or None."""
    if ours.dtype.kind == "f" or theirs.dtype.kind == "f":
        if np.float32 in (ours.dtype, theirs.dtype):
            # A float32 value (e.g. ``.float()`` inside a float64 program) is compared with
            # float32's tolerance: the two libraries' float32 exp may differ in the last bit.
            rtol, atol = max(rtol, FLOAT32_RTOL), max(atol, FLOAT32_ATOL)
        ours_float = ours.astype(np.float64)
        theirs_float = theirs.astype(np.float64)
        if np.allclose(ours_float, theirs_float, rtol=rtol, atol=atol, equal_nan=True):
            return None
        if np.any(np.isnan(ours_float) != np.isnan(theirs_float)):
            summary = "values differ (NaN on one side only)"
        else:
            with np.errstate(all="ignore"):
                gaps = np.abs(ours_float - theirs_float)
            gap = np.max(np.where(np.isnan(gaps), 0.0, gaps), initial=0.0)
            summary = f"values differ (largest |difference| {gap:.3g})"
    else:
        if np.array_equal(ours, theirs):
            return None
        summary = "values differ"
    return (f"{label}: {summary}\n      tinygrad_edu: {short_array(ours)}\n"
            f"      torch:        {short_array(theirs)}")


def state_differences(
    label: str, ours: ValueState | None, theirs: ValueState | None, rtol: float, atol: float
) -> list[str]:
    """Every way two states of the same value differ (kind, shape, dtype, flags, values, grad)."""
    if ours is None or theirs is None:
        if ours is None and theirs is None:
            return []
        return [f"{label}: tinygrad_edu {'None' if ours is None else 'a tensor'}, "
                f"torch {'None' if theirs is None else 'a tensor'}"]
    if ours.kind != theirs.kind:
        return [f"{label}: tinygrad_edu has {ours.kind}, torch has {theirs.kind}"]
    if ours.kind != "tensor":
        return []
    found = []
    for field_name in ("shape", "dtype", "requires_grad", "is_leaf", "retains_grad"):
        mine = getattr(ours, field_name)
        other = getattr(theirs, field_name)
        if mine != other:
            found.append(f"{label}.{field_name}: tinygrad_edu {mine!r}, torch {other!r}")
    if ours.shape == theirs.shape and ours.values is not None and theirs.values is not None:
        difference = values_difference(label, ours.values, theirs.values, rtol, atol)
        if difference is not None:
            found.append(difference)
    found += state_differences(f"{label}.grad", ours.grad, theirs.grad, rtol, atol)
    return found


def compare_traces(program: Program, ours: Trace, theirs: Trace) -> Comparison:
    """Compare the two runs step by step; report the first step after which they differ."""
    rtol, atol = tolerances(program)
    differences: list[str] = []
    first_step: int | None = None
    for number in range(min(len(ours.states), len(theirs.states))):
        found = []
        if ours.identities[number] != theirs.identities[number]:
            found.append(
                f"returned object: tinygrad_edu returns {identity_text(ours.identities[number])}"
                f", torch returns {identity_text(theirs.identities[number])}"
            )
        names = list(theirs.states[number]) + [
            name for name in ours.states[number] if name not in theirs.states[number]]
        for name in names:
            found += state_differences(name, ours.states[number].get(name),
                                       theirs.states[number].get(name), rtol, atol)
        if found:
            first_step = number
            differences = found
            break
    error_difference = compare_errors(ours.error, theirs.error)
    if error_difference is not None and is_listed_difference(ours.error, theirs.error) and (
            first_step is None or first_step >= error_step_of(ours.error, theirs.error)):
        return Comparison(program, [], None, ours, theirs)
    if error_difference is not None:
        differences.append(error_difference)
        error_step = error_step_of(ours.error, theirs.error)
        if first_step is None or error_step < first_step:
            first_step = error_step
    return Comparison(program, differences, first_step, ours, theirs)


def identity_text(names: tuple[str | None, ...]) -> str:
    """How a step's returned objects relate to existing values, for a report."""
    parts = ["a new object" if name is None else f"the same object as {name}" for name in names]
    return ", ".join(parts)


# Differences that README.md lists under "Known differences from torch": which second backward
# of a freed graph, and which in-place change of a saved value, is refused follows the values
# each op saves, and some single torch ops are several ops in tinygrad_edu (mean = sum * 1/n);
# and which writes of a tensor into memory it overlaps are refused follows torch's own memory
# layout rules only approximately. When only one library raises one of these errors, and
# everything before agreed, the program counts as agreeing (what follows is not compared).
LISTED_ERROR_MESSAGES = (
    "Trying to backward through the graph a second time",
    "one of the variables needed for gradient computation has been modified by an inplace "
    "operation",
    "unsupported operation: some elements of the input tensor and the written-to tensor refer "
    "to a single memory location",
    "unsupported operation: more than one element of the written-to tensor refers to a single "
    "memory location",
    "ZeroTensors are immutable",
)


def is_listed_difference(ours: StepError | None, theirs: StepError | None) -> bool:
    """Whether the first error, raised by one side only, is one of ``LISTED_ERROR_MESSAGES``.

    The other side either ran on or raised later: a program that went past a listed refusal
    is no longer the same program in the two libraries, so its later steps are not compared.
    """
    if ours is None and theirs is None:
        return False
    if ours is not None and theirs is not None and ours.step == theirs.step:
        return False
    first = min([error for error in (ours, theirs) if error is not None],
                key=lambda error: error.step)
    return first.message.startswith(LISTED_ERROR_MESSAGES)


def error_step_of(ours: StepError | None, theirs: StepError | None) -> int:
    """The earliest step at which either side raised."""
    steps = [error.step for error in (ours, theirs) if error is not None]
    return min(steps)


def compare_errors(ours: StepError | None, theirs: StepError | None) -> str | None:
    """A description of how the two sides' errors differ, or None when they correspond."""
    if ours is None and theirs is None:
        return None
    if ours is not None and theirs is not None:
        if ours.step == theirs.step and ours.kind == theirs.kind:
            return None
    return f"error: tinygrad_edu {error_text(ours)}; torch {error_text(theirs)}"


def error_text(error: StepError | None) -> str:
    """One side's error for a report."""
    if error is None:
        return "raised nothing"
    return f"raised {error.kind} at step {error.step}: {error.message.splitlines()[0][:300]}"


def compare_program(program: Program, overrides: dict[str, OpSpec] | None = None) -> Comparison:
    """Run ``program`` with both libraries and compare (``overrides`` apply to tinygrad_edu)."""
    ours = run_program(program, TINYGRAD, overrides)
    theirs = run_program(program, TORCH)
    return compare_traces(program, ours, theirs)


def format_report(comparison: Comparison) -> str:
    """The readable failure report: what differed, then the program for both libraries."""
    program = comparison.program
    lines = [f"tinygrad_edu and torch disagree on a {program.dtype} program "
             f"(threads: {program.thread_mode})."]
    if comparison.step is not None and comparison.step < len(program.steps):
        step = program.steps[comparison.step]
        family = f" (family {step.family})" if step.family else ""
        lines.append(f"First difference at step {comparison.step}{family}: "
                     f"`{step_source(step, TORCH.name)}`")
    lines.append("What differed:")
    for difference in comparison.differences:
        lines.append(f"  - {difference}")
    for library in (TINYGRAD, TORCH):
        lines.append("")
        lines.append(f"The program for {library.title}:")
        source = program_source(program, library, comparison.step)
        lines.extend("    " + line for line in source.splitlines())
    return "\n".join(lines)
