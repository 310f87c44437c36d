"""Recording one eager call of a jitted step, and turning two agreeing recordings into a
``Program`` (``tinygrad_edu.jit``; see ``tinygrad_edu/capture.py`` for the whole story).

The engine's recording points call ``CaptureState.recorder.note_*`` while a capture runs: each
op call, in-place write, engine copy, leaf gradient, module call, and the optimiser's calls.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from tinygrad_edu.capture_program import (
    AdoptionRecord,
    CallStep,
    CloneStep,
    CopyStep,
    LeafGradientsStep,
    LeafGradientStep,
    OperationStep,
    Program,
    SlotReference,
    SlotSource,
    Step,
    contains_array,
    map_result,
)
from tinygrad_edu.capture_state import CaptureState, NotCapturableError
from tinygrad_edu.function import Context, Function, UnrecordedContext
from tinygrad_edu.tensor import Tensor

# ------------------------------------------------------------------------------- recording


class Recorder:
    """Records one eager call of a jitted step (the engine calls its ``note_*`` methods)."""

    def __init__(self, input_arrays: list[np.ndarray]) -> None:
        self.steps: list[Step] = []
        self.sources: list[SlotSource] = []
        self.slot_of: dict[int, int] = {}  # id(array) -> slot
        # Everything whose id is in slot_of or exportable stays alive until the capture ends,
        # so that no new array can reuse its id.
        self.alive: list[Any] = []
        # Arrays an op's forward kept on its context: id -> (step, where). They get a slot
        # (and the step an export) only if a later step reads them.
        self.exportable: dict[int, tuple[OperationStep, tuple[str, Any, Any]]] = {}
        self.adoption = AdoptionRecord()
        # The arrays made from no tensor's values during the call (``note_constant``), by id.
        self.constants: set[int] = set()
        self.result_slots: Any = None
        self.input_arrays = input_arrays
        # The modules called during the capture, with their train/eval mode then (by id).
        self.modules: dict[int, tuple[Any, bool]] = {}
        for position, array in enumerate(input_arrays):
            if id(array) not in self.slot_of:
                self._new_slot(array, ("input", position))

    # ---- slots

    def _new_slot(self, array: np.ndarray, source: SlotSource) -> int:
        slot = len(self.sources)
        self.sources.append(source)
        self.slot_of[id(array)] = slot
        self.alive.append(array)
        return slot

    def slot_for(self, array: np.ndarray, tensor: Tensor | None, where: str) -> int:
        """The slot of an array the step reads, giving it one if it is new: an op's context
        value (exported from that op's step), or an array from outside the step."""
        slot = self.slot_of.get(id(array))
        if slot is not None:
            return slot
        found = self.exportable.pop(id(array), None)
        if found is not None:
            step, path = found
            slot = self._new_slot(array, ("made", 0))
            step.exports.append((slot, path))
            return slot
        base = array.base
        while isinstance(base, np.ndarray):
            known = self.slot_of.get(id(base))
            if known is not None and self.sources[known][0] in ("input", "made"):
                raise NotCapturableError(
                    f"{where} is a NumPy view of an array the step computed, made outside an "
                    "op; a replay could not remake it. Use Tensor operations (reshape, "
                    "indexing, transpose) so that the view is recorded."
                )
            base = base.base
        for position, argument in enumerate(self.input_arrays):
            if np.may_share_memory(array, argument):
                raise NotCapturableError(
                    f"{where} shares memory with argument {position} of the step but is not "
                    "that argument: a NumPy view or slice made outside an op, which a replay "
                    "could not remake. Slice the tensor (tensor[a:b]) instead, so that the "
                    "view is recorded."
                )
        if tensor is not None:
            return self._new_slot(array, ("tensor", tensor))
        return self._new_slot(array, ("array", array))

    def _argument(self, value: Any, where: str) -> Any:
        """An op argument with its arrays replaced by slot references."""
        if type(value) is np.ndarray:
            return SlotReference(self.slot_for(value, None, where))
        if type(value) is tuple:
            return tuple([self._argument(item, where) for item in value])
        if type(value) is list:
            return [self._argument(item, where) for item in value]
        return value

    # ---- what the engine reports

    def note_constant(self, array: np.ndarray) -> None:
        """``array`` was made from no tensor's values (see ``capture_state.note_constant``)."""
        self.constants.add(id(array))
        self.alive.append(array)

    def note_operation(self, function: type[Function], context: Context,
                       inputs: tuple[Tensor, ...] | list[Tensor], arguments: dict[str, Any],
                       outputs: Any) -> None:
        """An op ran (``Function.apply``): ``outputs`` is its Tensor or tuple of Tensors."""
        name = function.__name__
        input_slots = tuple([
            self.slot_for(tensor._data, tensor, f"input {index} of {name}")
            for index, tensor in enumerate(inputs)])
        has_array_arguments = any(contains_array(value) for value in arguments.values())
        if has_array_arguments:
            arguments = {key: self._argument(value, f"argument {key!r} of {name}")
                         for key, value in arguments.items()}
        several = type(outputs) is tuple
        output_tensors = outputs if several else (outputs,)
        output_slots = tuple([self._new_slot(output._data, ("made", 0))
                              for output in output_tensors])
        recorded = type(context) is not UnrecordedContext
        if recorded:
            replay_context = Context(function, ())
            replay_context.needs_input_grad = context.needs_input_grad
        else:
            replay_context = UnrecordedContext(len(input_slots))
        step = OperationStep(function, replay_context, input_slots, dict(arguments),
                             has_array_arguments, output_slots, several, recorded)
        self.steps.append(step)
        if recorded:
            self._note_context_arrays(step, context)

    def _note_context_arrays(self, step: OperationStep, context: Context) -> None:
        """Remember the arrays forward kept on its context, which a backward may read."""
        for index, array in enumerate(context.saved):
            if type(array) is np.ndarray and id(array) not in self.slot_of:
                self.exportable[id(array)] = (step, ("saved", index, None))
                self.alive.append(array)
        for name, value in vars(context).items():
            if type(value) is np.ndarray and id(value) not in self.slot_of:
                self.exportable[id(value)] = (step, ("attribute", name, None))
                self.alive.append(value)
            elif type(value) in (tuple, list):
                for item_index, item in enumerate(value):
                    if type(item) is np.ndarray and id(item) not in self.slot_of:
                        self.exportable[id(item)] = (step, ("attribute", name, item_index))
                        self.alive.append(item)

    def note_write(self, target: Tensor, source: np.ndarray) -> None:
        """``np.copyto(target._data, source)``: an in-place op wrote its result."""
        self.steps.append(CopyStep(self.slot_for(target._data, target, "an in-place target"),
                                   self.slot_for(source, None, "an in-place result")))

    def note_clone(self, copy: np.ndarray, original: np.ndarray) -> None:
        """``copy = original.copy()`` made by the engine (an in-place op's saved old value)."""
        source = self.slot_for(original, None, "a copied array")
        self.steps.append(CloneStep(self._new_slot(copy, ("made", 0)), source))

    def note_leaf_gradients(self, seeds: list[Tensor]) -> None:
        """``backward`` is about to hand the leaves their gradients."""
        slots = tuple([self.slot_for(seed._data, seed, "a backward seed") for seed in seeds])
        self.adoption = AdoptionRecord()
        self.steps.append(LeafGradientsStep(slots, self.adoption))

    def note_leaf_gradient(self, leaf: Tensor, gradient: Tensor) -> None:
        """``backward`` accumulates ``gradient`` into ``leaf.grad``."""
        slot = self.slot_for(gradient._data, gradient, "a leaf's gradient")
        always_copy = self.sources[slot][0] != "made"
        self.alive.append(leaf)
        self.steps.append(LeafGradientStep(leaf, slot, always_copy, self.adoption))

    def note_module(self, module: Any) -> None:
        """A module was called: a replay is valid only in the same train/eval mode."""
        if id(module) not in self.modules:
            self.modules[id(module)] = (module, module.training)

    def guard_values(self) -> list[tuple[int, bool]]:
        """The modules' modes, comparable between two recordings."""
        return [(key, training) for key, (_, training) in self.modules.items()]

    def run_as_call(self, function: Callable[..., Any], *arguments: Any) -> Any:
        """Run ``function(*arguments)`` now, unrecorded inside, and replay it as a call."""
        self.steps.append(CallStep(function, arguments))
        CaptureState.recorder = None
        try:
            return function(*arguments)
        finally:
            CaptureState.recorder = self

    def note_result(self, result: Any) -> None:
        """The step returned ``result``: remember the slots of its Tensors."""
        self.result_slots = map_result(
            result, lambda tensor: self.slot_for(tensor._data, tensor, "a returned tensor"))

    # ---- from two recordings to a program

    def program_agreeing_with(self, first: Recorder) -> Program:
        """The program of this (second) recording, checked against the first one.

        Raises:
            NotCapturableError: the recordings differ: the step depends on values that the
                program could not follow.
        """
        if len(self.steps) != len(first.steps):
            raise differs_error(f"{len(first.steps)} steps the first time, {len(self.steps)} "
                                "the second")
        for index, (step_one, step_two) in enumerate(zip(first.steps, self.steps)):
            if type(step_one) is not type(step_two) or step_one.signature() != step_two.signature():
                raise differs_error(f"step {index} was {step_one.describe()} the first time "
                                    f"and {step_two.describe()} the second")
        if len(first.sources) != len(self.sources) or first.result_slots != self.result_slots:
            raise differs_error("the arrays read or returned were not the same")
        held: list[Any] = [None] * len(self.sources)
        outside_tensors: list[tuple[int, Tensor]] = []
        inputs: list[tuple[int, int]] = []
        written = {step.target for step in self.steps if type(step) is CopyStep}
        for slot, (one, two) in enumerate(zip(first.sources, self.sources)):
            kind = agreed_kind(one, two, slot, self.steps, (first.constants, self.constants))
            if kind == "constant" and slot in written:
                raise NotCapturableError(
                    "an in-place op inside the step writes into a tensor made there by a "
                    "creation function (tge.zeros, tge.tensor, ...): a replay would start from "
                    "the values of the last call, not from the new tensor's. Use out-of-place "
                    "ops (x = x + y) on such a tensor, or run this step without jit."
                )
            if kind == "input":
                inputs.append((two[1], slot))
            elif kind == "tensor":
                outside_tensors.append((slot, two[1]))
            elif kind in ("array", "constant"):
                held[slot] = two[1] if two[0] == "array" else two[1]._data
        for step in self.steps:
            if type(step) is CallStep:
                step.outside_tensors = outside_tensors
        return Program(self.steps, held, inputs, outside_tensors, self.result_slots,
                       list(self.modules.values()))


def agreed_kind(one: SlotSource, two: SlotSource, slot: int, steps: list[Step],
                constants: tuple[set[int], set[int]]) -> str:
    """How a slot is filled at replay, given where its array came from in both recordings
    (``constants``: the ids of the arrays each recording knows were made from no tensor's
    values)."""
    if one[0] != two[0] and not (one[0] in ("tensor", "array") and two[0] in ("tensor", "array")):
        raise differs_error(f"array {slot} came from {one[0]} the first time and {two[0]} "
                            "the second")
    if one[0] in ("input", "made"):
        if one != two and one[0] == "input":
            raise differs_error(f"array {slot} was argument {one[1]}, then argument {two[1]}")
        return one[0]
    if one[0] == "tensor" and two[0] == "tensor" and one[1] is two[1]:
        return "tensor"  # the same tensor from outside (a parameter): read it at replay time
    first = one[1]._data if one[0] == "tensor" else one[1]
    second = two[1]._data if two[0] == "tensor" else two[1]
    if first is second:
        return "array"  # the same array object (a parameter's array, updated in place)
    if id(first) not in constants[0] or id(second) not in constants[1]:
        # Equal values prove nothing here: an array computed from the step's data outside the
        # ops may be equal in both capture calls by chance and differ in the next one.
        raise NotCapturableError(
            f"an array read by {reader(slot, steps)} was computed from tensor values outside "
            "the ops, so a replay could not follow new values. Compute it with tensor "
            "operations inside the step, pass it as an argument of the step, or run this step "
            "without jit."
        )
    if (first.shape == second.shape and first.dtype == second.dtype
            and np.array_equal(first, second, equal_nan=first.dtype.kind in "fc")):
        return "constant"  # made anew each time with the same value
    raise NotCapturableError(
        f"an array read by {reader(slot, steps)} was made outside the ops from values that "
        "changed between the two capture calls (random numbers drawn with NumPy or "
        "tinygrad_edu.rand*, a tensor copied from the inputs with tge.tensor(...)). A replay "
        "would reuse the old "
        "values. Pass such data as an argument of the step (from_numpy shares memory), or use "
        "an op that makes it (nn.Dropout's mask is one)."
    )


def reader(slot: int, steps: list[Step]) -> str:
    """The first op that reads ``slot``, for error messages ("the step" if none does)."""
    return next((step.describe() for step in steps if type(step) is OperationStep
                 and (slot in step.inputs or SlotReference(slot) in slot_references(step))),
                "the step")


def slot_references(step: OperationStep) -> list[Any]:
    """The slot references among an op step's arguments (for error messages)."""
    found: list[Any] = []
    pending = list(step.arguments.values())
    while pending:
        value = pending.pop()
        if type(value) is SlotReference:
            found.append(value)
        elif type(value) in (tuple, list):
            pending.extend(value)
    return found


def differs_error(detail: str) -> NotCapturableError:
    return NotCapturableError(
        "the two capture calls of this jitted function recorded different programs "
        f"({detail}): the step depends on something the program cannot follow, such as a "
        "Python branch on a tensor's value, a loop whose length depends on the data, or "
        "Python state that changes between calls. Run it without jit, or move that part out "
        "of the jitted function."
    )
