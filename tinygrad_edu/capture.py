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

What a step may do: any ops, modules and losses (with the exception below),
``loss.backward()``, ``optimizer.step()`` and ``zero_grad()`` of the built-in optimisers,
dropout (its mask is drawn by an op, so each replay draws a fresh one from the same generator,
exactly as eager steps would). Its arguments are Tensors or NumPy arrays that do not require
grad (the data), or hashable Python values (part of the signature: a new value captures again;
numbers are told apart by how they are written too, so -0.0 and 0.0 get a program each). It
returns a Tensor, None, or a tuple, list or dict of Tensors; what it returns is always a
detached copy, in the capture calls too.

What it may not do (the capture raises ``NotCapturableError``): read a value into Python inside
the step (``.item()``, ``.tolist()``, ``bool(t)``, ``if t > 0:``, ``.numpy()``), backward with
``create_graph=True``, ``retain_grad()`` on an intermediate, pass a closure to
``optimizer.step``, set ``.data``, or index with a boolean mask computed in the step
(``x[x > 0]``: use ``tge.where``). A replay raises an IndexError for a batch holding
``ignore_index`` when plain ``cross_entropy`` (no weights, no smoothing, the default -100) was
captured from batches without it. Every array that the step reads from outside the ops must be
an argument, a tensor from outside (a parameter), or a constant made by a creation function or
a Python number (``capture_state.note_constant``); anything else is refused, even when both
capture calls saw the same values. Not detected, so do not: Python side effects inside the
step (a ``print`` runs only in the two capture calls; so does a hook from ``register_hook``,
whose Tensor ops are recorded and replayed like the step's own, but whose other effects, a
count or a log, happen in the capture calls only), Python numbers computed inside the step
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
from typing import Any, Callable

import numpy as np

from tinygrad_edu.capture_program import Program, build_result, map_result
from tinygrad_edu.capture_recorder import Recorder
from tinygrad_edu.capture_state import CaptureState, NotCapturableError
from tinygrad_edu.grad_mode import GradMode
from tinygrad_edu.tensor import Tensor

__all__ = ["JittedFunction", "NotCapturableError", "jit"]

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
        return build_result(map_result(result, lambda tensor: tensor),
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
            key.append((name, "value", type(value), value, _spelling(value)))
            continue
        # Which earlier array argument this one is (the same object), if any.
        same_as = next((index for index, earlier in enumerate(arrays) if earlier is array), None)
        key.append((name, "array", array.shape, array.dtype.str, array.strides, same_as))
        arrays.append(array)
    return tuple(key), arrays


def _spelling(value: Any) -> str | None:
    """The repr of a number or of a tuple or frozenset (that may hold numbers), None otherwise.

    Two argument values that compare equal share a program, but -0.0 == 0.0, and ``x * -0.0``
    and ``x * 0.0`` differ in the signs of their zeros. Their reprs differ, so a float, complex
    or NumPy number, or a tuple or frozenset of them at any depth, is also keyed by its repr.
    (Two equal tuples or frozensets may be spelled differently: that costs a capture, nothing
    else.)

    Example:
        >>> _spelling(-0.0), _spelling((1, 0.0)), _spelling("mean")
        ('-0.0', '(1, 0.0)', None)
    """
    if isinstance(value, (float, complex, np.number, tuple, frozenset)):
        return repr(value)
    return None


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
