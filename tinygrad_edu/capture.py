"""``tinygrad_edu.jit``: run a training step eagerly twice, then replay what it did.

An eager step pays for the framework on every call: a Tensor object and a graph node per op, a
topological sort in ``backward``, argument checks. Yet a training step does the same array
operations every time; only the numbers in the arrays change. ``jit`` records those operations
while the step runs eagerly (the *capture*) and afterwards calls them directly, one after the
other, on the new batch (the *replay*): no Tensors, no graph, no checks, only the ops' own
``forward`` functions on NumPy arrays, the leaves' gradient accumulation and the optimiser's
update. docs/ARCHITECTURE.md ("Capture and replay") explains the idea and its relatives
(torch.compile, CUDA graphs, tinygrad's TinyJit).

How it works. Every array the step touches gets a numbered *slot*. The recorder notes, in
order: each op call (its ``forward``, the slots of its inputs, its other arguments, the slots of
its outputs), the arrays a backward reads from an op's context (``ctx.save_for_backward``,
``ctx.positions``), every in-place write, each leaf's gradient accumulation, and the calls of
``optimizer.step()`` and ``zero_grad()``, which are replayed as calls. An array that comes from
outside (a parameter, a constant) is read from its tensor at replay time, so the optimiser's
in-place updates are seen. The first two calls with a given signature (shapes, dtypes and
strides of the array arguments, values of the others) both run eagerly and record; when the two
recordings agree, the second becomes the program for that signature. When they differ (the
step branched on a value, drew random numbers outside an op, built an array from its inputs
outside an op), ``NotCapturableError`` says where. A new signature (a short last batch) starts a
new capture. A program also keeps guards, checked before each replay: the train/eval mode of
every module the step called, and the requires_grad, dtype and shape of every tensor it read
from outside. When one changed (``model.eval()``, a frozen layer), the call captures again and
the new program joins the old one. Calls of one jitted function run one at a time (a lock).

What a step may do: any ops, modules and losses, ``loss.backward()``, ``optimizer.step()`` and
``zero_grad()`` of the built-in optimisers, dropout (its mask is drawn by an op, so each replay
draws a fresh one from the same generator, exactly as eager steps would). Its arguments are
Tensors or NumPy arrays that do not require grad (the data), or hashable Python values (part of
the signature). It returns a Tensor, None, or a tuple, list or dict of Tensors; what it returns
is always a detached copy, in the capture calls too.

What it may not do (the capture raises ``NotCapturableError``): read a value into Python inside
the step (``.item()``, ``.tolist()``, ``bool(t)``, ``if t > 0:``, ``.numpy()``), backward with
``create_graph=True``, ``retain_grad()`` on an intermediate, pass a closure to
``optimizer.step``, or set ``.data``. Not detected, so do not: Python side effects inside the
step (a ``print`` runs only in the two capture calls), Python numbers computed inside the step
that change between calls (they are frozen at capture; an LR scheduler stepped outside the step
is fine, the built-in optimisers read their learning rate at each replay), replacing a
parameter tensor or its array from outside between calls (update it in place), setting
``param.grad`` by hand inside the step (use ``zero_grad``).

Example:
    >>> import numpy as np
    >>> import tinygrad_edu as tge
    >>> from tinygrad_edu.nn import functional as F
    >>> model = tge.nn.Linear(3, 2)
    >>> optimizer = tge.optim.SGD(model.parameters(), lr=0.1)
    >>> @tge.jit
    ... def train_step(images, labels):
    ...     loss = F.cross_entropy(model(images), labels)
    ...     optimizer.zero_grad()
    ...     loss.backward()
    ...     optimizer.step()
    ...     return loss
    >>> images, labels = tge.ones(4, 3), tge.tensor([0, 1, 1, 0])
    >>> losses = [train_step(images, labels) for _ in range(4)]  # capture, capture, replays
    >>> train_step.replays, train_step.programs
    (2, 1)
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable, Union

import numpy as np

from tinygrad_edu.autograd import _accumulate_into_leaf
from tinygrad_edu.capture_state import CaptureState, NotCapturableError
from tinygrad_edu.function import Context, Function, UnrecordedContext, _as_array
from tinygrad_edu.grad_mode import GradMode
from tinygrad_edu.tensor import Tensor

__all__ = ["JittedFunction", "NotCapturableError", "jit"]

# Where a slot's array comes from: ("input", position) an argument of the step; ("made", 0) an
# op's output, or an array an op's forward kept on its context; ("tensor", tensor) the current
# array of a tensor from outside (a parameter), read at replay time; ("array", array) an array
# from outside that is not a tensor's (held as is: a constant, or a parameter's array).
SlotSource = tuple[str, Any]


class SlotReference:
    """An op argument (not an input Tensor) that is an array: the slot it is read from."""

    __slots__ = ("slot",)

    def __init__(self, slot: int) -> None:
        self.slot = slot

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SlotReference) and other.slot == self.slot

    def __hash__(self) -> int:
        return hash(("slot", self.slot))

    def __repr__(self) -> str:
        return f"SlotReference({self.slot})"


# --------------------------------------------------------------------------- program steps


class OperationStep:
    """One op call: ``forward(context, *input arrays, **arguments)`` into the output slots, then
    the arrays that a later step reads from the context (``exports``) into theirs."""

    __slots__ = ("function", "forward", "context", "inputs", "arguments", "array_arguments",
                 "outputs", "several", "recorded", "exports")

    def __init__(self, function: type[Function], context: Context, inputs: tuple[int, ...],
                 arguments: dict[str, Any], has_array_arguments: bool, outputs: tuple[int, ...],
                 several: bool, recorded: bool) -> None:
        self.function = function
        self.forward = function.forward
        self.context = context
        self.inputs = inputs
        self.arguments = arguments
        # The arguments that hold arrays (as SlotReferences), filled in from the slots.
        self.array_arguments = [(name, value) for name, value in arguments.items()
                                if has_array_arguments and _contains_reference(value)]
        self.outputs = outputs
        self.several = several
        self.recorded = recorded
        # (slot, ("saved", index, None) or ("attribute", name, item index or None))
        self.exports: list[tuple[int, tuple[str, Any, Any]]] = []

    def run(self, slots: list[Any]) -> None:
        """Call the op's forward on the slots' arrays and store what it made."""
        arguments = self.arguments
        if self.array_arguments:
            arguments = arguments.copy()
            for name, value in self.array_arguments:
                arguments[name] = _resolve(value, slots)
        context = self.context
        inputs = self.inputs
        # (Most ops take one or two arrays: passed without building a list first.)
        if len(inputs) == 1:
            result = self.forward(context, slots[inputs[0]], **arguments)
        elif len(inputs) == 2:
            result = self.forward(context, slots[inputs[0]], slots[inputs[1]], **arguments)
        else:
            result = self.forward(context, *[slots[index] for index in inputs], **arguments)
        if self.several:
            for slot, value in zip(self.outputs, result):
                slots[slot] = self._as_array(value)
        else:
            slots[self.outputs[0]] = (
                result if type(result) is np.ndarray else self._as_array(result))
        for slot, (kind, key, item) in self.exports:
            value = context.saved[key] if kind == "saved" else getattr(context, key)
            slots[slot] = value if item is None else value[item]

    def _as_array(self, value: Any) -> np.ndarray:
        """A 0-d NumPy result as an array, as ``Function.apply`` makes it."""
        if self.recorded:
            return _as_array(self.context, value)
        return value if type(value) is np.ndarray else np.asarray(value)

    def signature(self) -> tuple[Any, ...]:
        """What two recordings of the same step must share."""
        return (self.function, self.inputs, self.arguments, self.outputs, self.several,
                self.recorded, tuple(self.context.needs_input_grad), tuple(self.exports))

    def describe(self) -> str:
        """The op, for error messages."""
        return f"the op {self.function.__name__}"


class CopyStep:
    """An in-place write (``x.add_(y)``, ``x[i] = v``): the result copied into the target."""

    __slots__ = ("target", "source")

    def __init__(self, target: int, source: int) -> None:
        self.target, self.source = target, source

    def run(self, slots: list[Any]) -> None:
        """Write the source slot's array into the target slot's."""
        np.copyto(slots[self.target], slots[self.source], casting="same_kind")

    def signature(self) -> tuple[Any, ...]:
        """What two recordings of the same step must share."""
        return (self.target, self.source)

    def describe(self) -> str:
        """The step, for error messages."""
        return "an in-place write"


class CloneStep:
    """A copy of an array made by the engine (the old value kept by an in-place op)."""

    __slots__ = ("target", "source")

    def __init__(self, target: int, source: int) -> None:
        self.target, self.source = target, source

    def run(self, slots: list[Any]) -> None:
        """Copy the source slot's array into the target slot."""
        slots[self.target] = slots[self.source].copy()

    def signature(self) -> tuple[Any, ...]:
        """What two recordings of the same step must share."""
        return (self.target, self.source)

    def describe(self) -> str:
        """The step, for error messages."""
        return "a copy kept by an in-place op"


class AdoptionRecord:
    """The arrays that leaves may not adopt as their ``.grad`` during one ``backward`` (see
    ``autograd._accumulate_into_leaf``), shared by that backward's leaf steps."""

    __slots__ = ("ids",)

    def __init__(self) -> None:
        self.ids: set[int] = set()


class LeafGradientsStep:
    """The start of ``backward``'s leaf accumulation: the seed gradients may not be adopted."""

    __slots__ = ("seeds", "adoption")

    def __init__(self, seeds: tuple[int, ...], adoption: AdoptionRecord) -> None:
        self.seeds, self.adoption = seeds, adoption

    def run(self, slots: list[Any]) -> None:
        """Start a fresh set of arrays not to adopt."""
        self.adoption.ids = {id(slots[slot]) for slot in self.seeds}

    def signature(self) -> tuple[Any, ...]:
        """What two recordings of the same step must share."""
        return self.seeds

    def describe(self) -> str:
        """The step, for error messages."""
        return "a backward pass"


class LeafGradientStep:
    """``leaf.grad += gradient``, exactly as ``backward`` does it (``_accumulate_into_leaf``).

    A gradient that is not an op's fresh output (a constant, a parameter's array) is always
    copied: adopting it would let a later in-place change of ``.grad`` alter the program.
    """

    __slots__ = ("leaf", "slot", "always_copy", "adoption")

    def __init__(self, leaf: Tensor, slot: int, always_copy: bool,
                 adoption: AdoptionRecord) -> None:
        self.leaf, self.slot, self.always_copy, self.adoption = leaf, slot, always_copy, adoption

    def run(self, slots: list[Any]) -> None:
        """Accumulate the slot's array into the leaf's gradient."""
        array = slots[self.slot]
        if self.always_copy:
            self.adoption.ids.add(id(array))
        _accumulate_into_leaf(self.leaf, Tensor._wrap(array, False), False, self.adoption.ids)

    def signature(self) -> tuple[Any, ...]:
        """What two recordings of the same step must share."""
        return (id(self.leaf), self.slot, self.always_copy)

    def describe(self) -> str:
        """The step, for error messages."""
        return "a leaf's gradient accumulation"


class CallStep:
    """A call replayed as a call: ``optimizer.step()``'s update, ``zero_grad()``. Afterwards
    the tensors read from outside are read again, in case the call gave one a new array."""

    __slots__ = ("function", "arguments", "outside_tensors")

    def __init__(self, function: Callable[..., Any], arguments: tuple[Any, ...]) -> None:
        self.function, self.arguments = function, arguments
        self.outside_tensors: list[tuple[int, Tensor]] = []

    def run(self, slots: list[Any]) -> None:
        """Call the function, then read the outside tensors' arrays again."""
        self.function(*self.arguments)
        for slot, tensor in self.outside_tensors:
            slots[slot] = tensor._data

    def signature(self) -> tuple[Any, ...]:
        """What two recordings of the same step must share."""
        return (self.function, self.arguments)

    def describe(self) -> str:
        """The step, for error messages."""
        return f"the call {getattr(self.function, '__qualname__', self.function)}"


Step = Union[OperationStep, CopyStep, CloneStep, LeafGradientsStep, LeafGradientStep, CallStep]


def _resolve(value: Any, slots: list[Any]) -> Any:
    """An op argument with its array references replaced by the slots' arrays."""
    if type(value) is SlotReference:
        return slots[value.slot]
    if type(value) is tuple:
        return tuple([_resolve(item, slots) for item in value])
    if type(value) is list:
        return [_resolve(item, slots) for item in value]
    return value


def _contains_reference(value: Any) -> bool:
    """Whether a recorded op argument is a SlotReference, or a tuple or list holding one."""
    if type(value) is SlotReference:
        return True
    if type(value) in (tuple, list):
        return any(_contains_reference(item) for item in value)
    return False


def _contains_array(value: Any) -> bool:
    """Whether an op argument is an array, or a tuple or list holding one."""
    if type(value) is np.ndarray:
        return True
    if type(value) in (tuple, list):
        return any(_contains_array(item) for item in value)
    return False


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

    def note_operation(self, function: type[Function], context: Context,
                       inputs: tuple[Tensor, ...] | list[Tensor], arguments: dict[str, Any],
                       outputs: Any) -> None:
        """An op ran (``Function.apply``): ``outputs`` is its Tensor or tuple of Tensors."""
        name = function.__name__
        input_slots = tuple([
            self.slot_for(tensor._data, tensor, f"input {index} of {name}")
            for index, tensor in enumerate(inputs)])
        has_array_arguments = any(_contains_array(value) for value in arguments.values())
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
        self.result_slots = _map_result(
            result, lambda tensor: self.slot_for(tensor._data, tensor, "a returned tensor"))

    # ---- from two recordings to a program

    def program_agreeing_with(self, first: Recorder) -> Program:
        """The program of this (second) recording, checked against the first one.

        Raises:
            NotCapturableError: the recordings differ: the step depends on values that the
                program could not follow.
        """
        if len(self.steps) != len(first.steps):
            raise _differs(f"{len(first.steps)} steps the first time, {len(self.steps)} the "
                           "second")
        for index, (step_one, step_two) in enumerate(zip(first.steps, self.steps)):
            if type(step_one) is not type(step_two) or step_one.signature() != step_two.signature():
                raise _differs(f"step {index} was {step_one.describe()} the first time and "
                               f"{step_two.describe()} the second")
        if len(first.sources) != len(self.sources) or first.result_slots != self.result_slots:
            raise _differs("the arrays read or returned were not the same")
        held: list[Any] = [None] * len(self.sources)
        outside_tensors: list[tuple[int, Tensor]] = []
        inputs: list[tuple[int, int]] = []
        written = {step.target for step in self.steps if type(step) is CopyStep}
        for slot, (one, two) in enumerate(zip(first.sources, self.sources)):
            kind = _agreed_kind(one, two, slot, self.steps)
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


def _agreed_kind(one: SlotSource, two: SlotSource, slot: int, steps: list[Step]) -> str:
    """How a slot is filled at replay, given where its array came from in both recordings."""
    if one[0] != two[0] and not (one[0] in ("tensor", "array") and two[0] in ("tensor", "array")):
        raise _differs(f"array {slot} came from {one[0]} the first time and {two[0]} the second")
    if one[0] in ("input", "made"):
        if one != two and one[0] == "input":
            raise _differs(f"array {slot} was argument {one[1]}, then argument {two[1]}")
        return one[0]
    if one[0] == "tensor" and two[0] == "tensor" and one[1] is two[1]:
        return "tensor"  # the same tensor from outside (a parameter): read it at replay time
    first = one[1]._data if one[0] == "tensor" else one[1]
    second = two[1]._data if two[0] == "tensor" else two[1]
    if first is second:
        return "array"  # the same array object (a parameter's array, updated in place)
    if (first.shape == second.shape and first.dtype == second.dtype
            and np.array_equal(first, second, equal_nan=first.dtype.kind in "fc")):
        return "constant"  # made anew each time with the same value
    user = next((step.describe() for step in steps if type(step) is OperationStep
                 and (slot in step.inputs or SlotReference(slot) in _references(step))),
                "the step")
    raise NotCapturableError(
        f"an array read by {user} was made outside the ops from values that changed between "
        "the two capture calls (random numbers drawn with NumPy or tinygrad_edu.rand*, a "
        "tensor copied from the inputs with tge.tensor(...)). A replay would reuse the old "
        "values. Pass such data as an argument of the step (from_numpy shares memory), or use "
        "an op that makes it (nn.Dropout's mask is one)."
    )


def _references(step: OperationStep) -> list[Any]:
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


def _differs(detail: str) -> NotCapturableError:
    return NotCapturableError(
        "the two capture calls of this jitted function recorded different programs "
        f"({detail}): the step depends on something the program cannot follow, such as a "
        "Python branch on a tensor's value, a loop whose length depends on the data, or "
        "Python state that changes between calls. Run it without jit, or move that part out "
        "of the jitted function."
    )


def _map_result(result: Any, convert: Callable[[Tensor], Any]) -> Any:
    """``result`` with each Tensor replaced by ``convert(tensor)``: a Tensor, None, or a
    tuple, list or dict of Tensors."""
    if isinstance(result, Tensor):
        return ("tensor", convert(result))
    if result is None:
        return ("none", None)
    if type(result) in (tuple, list):
        items = []
        for item in result:
            if not isinstance(item, Tensor):
                break
            items.append(convert(item))
        else:
            return (type(result).__name__, tuple(items))
    if type(result) is dict and all(isinstance(value, Tensor) for value in result.values()):
        return ("dict", tuple([(key, convert(value)) for key, value in result.items()]))
    raise TypeError(
        f"a function compiled with tinygrad_edu.jit must return a Tensor, None, or a tuple, "
        f"list or dict of Tensors; got {type(result).__name__}. Return tensors and convert "
        "them (.item()) outside the step."
    )


def _build_result(form: Any, make: Callable[[Any], Tensor]) -> Any:
    """The inverse of ``_map_result``: Tensors made by ``make`` from what it stored."""
    kind, content = form
    if kind == "tensor":
        return make(content)
    if kind == "none":
        return None
    if kind == "dict":
        return {key: make(value) for key, value in content}
    items = [make(value) for value in content]
    return tuple(items) if kind == "tuple" else items


# --------------------------------------------------------------------------------- replay


class Program:
    """A recorded step, ready to replay on new arguments of the same signature."""

    def __init__(self, steps: list[Step], held: list[Any], inputs: list[tuple[int, int]],
                 outside_tensors: list[tuple[int, Tensor]], result_form: Any,
                 module_modes: list[tuple[Any, bool]]) -> None:
        self.steps = steps
        self.held = held  # per slot: the array held from the recording, or None
        self.inputs = inputs  # (argument position, slot)
        self.outside_tensors = outside_tensors  # (slot, tensor)
        self.result_form = result_form
        # Guards: the program is valid while every module it called is in the same train/eval
        # mode and every outside tensor keeps its requires_grad, dtype and shape.
        self.module_modes = module_modes
        self.tensor_states = [(tensor, _tensor_state(tensor)) for _, tensor in outside_tensors]

    def guards_hold(self) -> bool:
        """Whether the program still does what the step would do: else capture again."""
        for module, training in self.module_modes:
            if module.training is not training:
                return False
        for tensor, state in self.tensor_states:
            if _tensor_state(tensor) != state:
                return False
        return True

    def run(self, arrays: list[np.ndarray]) -> Any:
        """Replay the steps on the arguments' arrays; returns copies of the results."""
        slots = self.held.copy()
        for position, slot in self.inputs:
            slots[slot] = arrays[position]
        for slot, tensor in self.outside_tensors:
            slots[slot] = tensor._data
        for step in self.steps:
            step.run(slots)
        return _build_result(self.result_form,
                             lambda slot: Tensor._wrap(slots[slot].copy(), False))


def _tensor_state(tensor: Tensor) -> tuple[bool, np.dtype, tuple[int, ...]]:
    """What a program assumes of a tensor from outside (a parameter)."""
    return (tensor._requires_grad, tensor._data.dtype, tensor._data.shape)


# ------------------------------------------------------------------------------ decorator


class _Captures:
    """The captures of one signature: programs (each with its guards), and the first of two
    recordings while a new capture is under way."""

    def __init__(self) -> None:
        self.programs: list[Program] = []
        self.first: Recorder | None = None


class JittedFunction:
    """A function compiled by ``jit``: call it as the original function.

    Attributes for the curious: ``captures`` (eager calls that recorded), ``replays`` (calls
    that ran a program), ``programs`` (signatures with a program).
    """

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.captures = 0
        self.replays = 0
        self._captures: dict[Any, _Captures] = {}  # per signature
        self._lock = threading.Lock()  # one call at a time: a program reuses its contexts
        functools.update_wrapper(self, function)

    @property
    def programs(self) -> int:
        """How many programs have been made (signatures, and modes of the modules)."""
        return sum(len(entry.programs) for entry in self._captures.values())

    def reset(self) -> None:
        """Forget every recording and program (the next calls capture again)."""
        self._captures.clear()

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        """Decorating a method: ``self`` becomes the first argument (part of the signature)."""
        if instance is None:
            return self
        return functools.partial(self.__call__, instance)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if CaptureState.recorder is not None:
            # Called while another jitted function captures: record into that capture.
            return self.function(*args, **kwargs)
        signature, arrays = _signature(args, kwargs)
        with self._lock:
            entry = self._captures.get(signature)
            if entry is None:
                entry = self._captures[signature] = _Captures()
            for program in entry.programs:
                if program.guards_hold():
                    self.replays += 1
                    return program.run(arrays)
            return self._capture(entry, arrays, args, kwargs)

    def _capture(self, entry: _Captures, arrays: list[np.ndarray], args: tuple[Any, ...],
                 kwargs: dict[str, Any]) -> Any:
        """Run the function eagerly, recording; the second agreeing recording is a program."""
        recorder = Recorder(arrays)
        CaptureState.recorder = recorder
        try:
            result = self.function(*args, **kwargs)
            recorder.note_result(result)
        finally:
            CaptureState.recorder = None
        self.captures += 1
        first, entry.first = entry.first, recorder
        if first is not None and first.guard_values() == recorder.guard_values():
            entry.first = None  # a refused pair starts afresh at the next call
            entry.programs.append(recorder.program_agreeing_with(first))
        return _build_result(_map_result(result, lambda tensor: tensor),
                             lambda tensor: Tensor._wrap(tensor._data.copy(), False))


def _signature(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, list[np.ndarray]]:
    """The cache key of a call (shapes, dtypes and strides of array arguments, values of the
    others, grad mode) and the arrays of its Tensor and ndarray arguments, in order."""
    key: list[Any] = [GradMode.enabled]
    arrays: list[np.ndarray] = []
    named = [(None, value) for value in args] + sorted(kwargs.items())
    for name, value in named:
        if isinstance(value, Tensor):
            if value._requires_grad:
                raise NotCapturableError(
                    f"argument {name or len(arrays)} of a jitted function requires grad; pass "
                    "data as arguments (tensors that do not require grad) and let the step "
                    "reach its parameters through the model"
                )
            array = value._data
        elif type(value) is np.ndarray:
            array = value
        else:
            try:
                hash(value)
            except TypeError:
                raise TypeError(
                    f"a jitted function's arguments are Tensors, NumPy arrays or hashable "
                    f"values (part of the cache key); got an unhashable {type(value).__name__}"
                ) from None
            key.append((name, "value", type(value), value))
            continue
        # Which earlier array argument this one is (the same object), if any.
        same_as = next((index for index, earlier in enumerate(arrays) if earlier is array), None)
        key.append((name, "array", array.shape, array.dtype.str, array.strides, same_as))
        arrays.append(array)
    return tuple(key), arrays


def jit(function: Callable[..., Any]) -> JittedFunction:
    """Compile a training step: capture it in its first two calls, replay it afterwards.

    See the module's documentation for what a step may and may not do.

    Example:
        >>> import tinygrad_edu as tge
        >>> w = tge.tensor([1.0, 2.0], requires_grad=True)
        >>> optimizer = tge.optim.SGD([w], lr=0.5)
        >>> @tge.jit
        ... def step(x):
        ...     loss = (w * x).sum()
        ...     optimizer.zero_grad()
        ...     loss.backward()
        ...     optimizer.step()
        ...     return loss
        >>> [round(step(tge.tensor([1.0, 1.0])).item(), 2) for _ in range(3)]
        [3.0, 2.0, 1.0]
    """
    return JittedFunction(function)
