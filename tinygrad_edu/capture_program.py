"""The program ``tinygrad_edu.jit`` replays: numbered slots, the steps, and ``Program``.

A recorded step becomes a list of small step objects, each with a ``run(slots)`` method: an op's
``forward`` on the slots' arrays (``OperationStep``), an in-place write (``CopyStep``), a copy
the engine made (``CloneStep``), the leaves' gradient accumulation (``LeafGradientsStep``,
``LeafGradientStep``) and a call replayed as a call (``CallStep``: the optimiser's update,
``zero_grad``). ``Program.run`` fills the slots of the arguments and of the tensors from
outside, then runs the steps in order. See ``tinygrad_edu/capture.py`` for the whole story.
"""

from __future__ import annotations

from typing import Any, Callable, Union

import numpy as np

from tinygrad_edu.autograd import _accumulate_into_leaf
from tinygrad_edu.function import Context, Function, _as_array
from tinygrad_edu.tensor import Tensor

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
                                if has_array_arguments and contains_reference(value)]
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
                arguments[name] = resolve(value, slots)
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
        # (The eager write was checked by torch's rule, which lets int64 into uint8.)
        np.copyto(slots[self.target], slots[self.source], casting="unsafe")

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


def resolve(value: Any, slots: list[Any]) -> Any:
    """An op argument with its array references replaced by the slots' arrays."""
    if type(value) is SlotReference:
        return slots[value.slot]
    if type(value) is tuple:
        return tuple([resolve(item, slots) for item in value])
    if type(value) is list:
        return [resolve(item, slots) for item in value]
    return value


def contains_reference(value: Any) -> bool:
    """Whether a recorded op argument is a SlotReference, or a tuple or list holding one."""
    if type(value) is SlotReference:
        return True
    if type(value) in (tuple, list):
        return any(contains_reference(item) for item in value)
    return False


def contains_array(value: Any) -> bool:
    """Whether an op argument is an array, or a tuple or list holding one."""
    if type(value) is np.ndarray:
        return True
    if type(value) in (tuple, list):
        return any(contains_array(item) for item in value)
    return False


def map_result(result: Any, convert: Callable[[Tensor], Any]) -> Any:
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


def build_result(form: Any, make: Callable[[Any], Tensor]) -> Any:
    """The inverse of ``map_result``: Tensors made by ``make`` from what it stored."""
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
        self.tensor_states = [(tensor, tensor_state(tensor)) for _, tensor in outside_tensors]

    def guards_hold(self) -> bool:
        """Whether the program still does what the step would do: else capture again."""
        for module, training in self.module_modes:
            if module.training is not training:
                return False
        for tensor, state in self.tensor_states:
            if tensor_state(tensor) != state:
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
        return build_result(self.result_form,
                            lambda slot: Tensor._wrap(slots[slot].copy(), False))


def tensor_state(tensor: Tensor) -> tuple[bool, np.dtype, tuple[int, ...]]:
    """What a program assumes of a tensor from outside (a parameter)."""
    return (tensor._requires_grad, tensor._data.dtype, tensor._data.shape)
