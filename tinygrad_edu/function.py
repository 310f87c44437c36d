"""``Function`` and ``Context``: how one differentiable op is written and recorded.

Every differentiable op is a ``Function`` subclass with two static methods. ``forward`` computes on
NumPy arrays; ``backward`` turns the gradient of the output into gradients of the inputs using
Tensor operations, so that a backward pass can itself be differentiated (``create_graph=True``).

``Function.apply`` records one ``Context`` per op call. The context is the graph node that
``Tensor.grad_fn`` points to: it holds the op's inputs, the arrays saved for backward, which
inputs need a gradient, and the graph's edges (``next_edges``): for each input, where its
gradient goes. The edges are taken when the op runs, as torch's ``next_functions``: an in-place
op that later gives a tensor a new ``grad_fn`` cannot change where an earlier op sends gradients.

When nothing is recorded (grad mode off, or no input requires grad) ``apply`` takes a lean path
instead: ``forward`` gets an ``UnrecordedContext`` that keeps nothing, and the outputs are plain
Tensors. Inference runs this path, and so does every ordinary backward pass (the engine runs the
ops' backward, written with Tensor ops, under ``no_grad``): it is the one place that makes a
backward cheap when it records nothing, so no op needs an array-level shortcut of its own.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, Callable, Sequence, Union

import numpy as np

from tinygrad_edu.capture_state import CaptureState
from tinygrad_edu.grad_mode import GradMode, no_grad
from tinygrad_edu.graph_gc import graph_collection, pause_full_collections

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor

FREED_GRAPH_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through "
    "the graph a second time or if you need to access saved tensors after calling backward."
)

# Where a saved array came from, so ``saved_tensors`` can hand back the right Tensor, and the
# version of that tensor then: ("input", i, version), ("output", k, 0), or ("constant", 0, 0)
# for an array made in forward (or None).
SavedSource = tuple[str, int, int]
SAVED_CONSTANT: SavedSource = ("constant", 0, 0)
# The most frequent sources, made once: inputs never changed in place (version 0). A node keeps
# its sources until the graph is dropped, and a tuple fewer per node is less for the garbage
# collector to visit (graph_gc.py).
SAVED_INPUTS_AT_VERSION_0: tuple[SavedSource, ...] = tuple([("input", index, 0)
                                                           for index in range(8)])

# An edge of the graph: the node that receives an input's gradient and which of that node's
# outputs the input was, or a leaf tensor that requires grad (index 0), where the gradient is
# accumulated. ``None`` stands for an input that needs no gradient.
Edge = tuple[Union["Context", "Tensor"], int]


def edge_to(tensor: Tensor) -> Edge | None:
    """Where a gradient for ``tensor`` must go, as of now (see ``Edge``)."""
    if tensor.grad_fn is not None:
        return (tensor.grad_fn, tensor._output_nr)
    if tensor._requires_grad and not tensor._made_in_no_grad:
        return (tensor, 0)
    return None


class Context:
    """One recorded op call: the graph node that ``Tensor.grad_fn`` points to.

    ``forward`` may store plain attributes on it (``ctx.dim = dim``) and arrays for backward with
    ``save_for_backward``; ``backward`` reads them back, the arrays as Tensors via
    ``saved_tensors``.
    """

    __slots__ = (
        "function", "inputs", "next_edges", "needs_input_grad", "saved", "saved_sources",
        "output_refs", "output_meta", "non_differentiable",
        "materialize_grads", "hooks", "retained", "released", "__dict__", "__weakref__",
    )

    def __init__(self, function: type[Function], inputs: tuple[Tensor, ...]) -> None:
        self.function = function
        self.inputs = inputs
        self.next_edges: tuple[Edge | None, ...] = ()
        self.needs_input_grad: tuple[bool, ...] = ()
        self.saved: tuple[np.ndarray | None, ...] = ()
        self.saved_sources: tuple[SavedSource, ...] = ()
        # Weak references to the outputs that were saved (a strong one would be a cycle
        # output -> node -> output), by output index.
        self.output_refs: dict[int, weakref.ref[Tensor]] | None = None
        # (shape, dtype) of each output of an op with several: a gradient missing for one is
        # materialised as zeros.
        self.output_meta: tuple[tuple[tuple[int, ...], np.dtype], ...] = ()
        self.non_differentiable: tuple[np.ndarray, ...] = ()
        self.materialize_grads = True
        # Hooks and retain_grad of the output tensors, by output index.
        self.hooks: dict[int, list[Callable[[Tensor], Tensor | None]]] | None = None
        self.retained: dict[int, weakref.ref[Tensor]] | None = None
        self.released = False

    if TYPE_CHECKING:
        # Ops keep their own values on the context (ctx.dim = dim): tell the type checker so.
        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...

    def save_for_backward(self, *arrays: np.ndarray | None) -> None:
        """Keep arrays (inputs, outputs or new ones) for ``backward``."""
        self.saved = arrays

    def mark_non_differentiable(self, *outputs: np.ndarray) -> None:
        """Declare outputs (returned by forward) that have no gradient, such as the indices of
        ``max(dim)``: they do not require grad, and backward gets zeros for them."""
        self.non_differentiable = outputs

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward receives None (not zeros) for an output that got no gradient."""
        self.materialize_grads = value

    @property
    def output_count(self) -> int:
        """How many outputs the op returned."""
        return len(self.output_meta) or 1

    @property
    def saved_tensors(self) -> tuple[Tensor, ...]:
        """The saved arrays as Tensors; inputs and output come back with their graph.

        Raises:
            RuntimeError: the graph was freed by an earlier backward, or a saved tensor was
                modified in place after it was saved.
        """
        if self.released:
            raise RuntimeError(FREED_GRAPH_MESSAGE)
        tensors: list[Any] = []  # None where the op saved None
        inputs = self.inputs
        for array, (kind, index, version) in zip(self.saved, self.saved_sources):
            tensor: Tensor | None = None
            if kind == "input":  # the most frequent source, tested first
                tensor = inputs[index]
            elif array is None:  # a value the op chose not to save (its gradient is not needed)
                tensors.append(None)
                continue
            elif kind == "output" and self.output_refs is not None and index in self.output_refs:
                tensor = self.output_refs[index]()
            if tensor is None:  # a constant, or an output that no longer exists
                assert array is not None  # (an unsaved None has a constant source)
                tensors.append(constant(array))
                continue
            counter = tensor._version_counter  # (_current_version, inline: once per saved value)
            if (0 if counter is None else counter.value) != version:
                where = f"{kind} {index}"
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: [{tensor.dtype} tensor of shape {tuple(tensor.shape)}], "
                    f"which is {where} of {self.name()}, is at version {tensor._version.value}; "
                    f"expected version {version} instead. Fix: use the out-of-place op (x = x + y "
                    "instead of x.add_(y)) or clone() the tensor before changing it."
                )
            tensors.append(tensor)
        return tuple(tensors)

    def name(self) -> str:
        """The node's name, e.g. ``MulBackward``."""
        return self.function.__name__ + "Backward"

    @property
    def next_functions(self) -> tuple[Edge | None, ...]:
        """torch's name for ``next_edges``: per input, (node or leaf, output index) or None.

        Example:
            >>> import tinygrad_edu as tge
            >>> x = tge.tensor([1.0], requires_grad=True)
            >>> y = x * 2
            >>> z = y.exp()
            >>> z.grad_fn.next_functions[0][0] is y.grad_fn
            True
            >>> y.grad_fn.next_functions[0][0] is x, y.grad_fn.next_functions[1]
            (True, None)
        """
        return self.next_edges

    def __repr__(self) -> str:
        """``<MulBackward object at 0x...>``, the form torch prints a node in.

        Example:
            >>> import tinygrad_edu as tge
            >>> node = (tge.ones(1, requires_grad=True) * 2).grad_fn
            >>> repr(node).startswith("<MulBackward object at 0x")
            True
        """
        return f"<{self.name()} object at {hex(id(self))}>"


# ``needs_input_grad`` of every unrecorded binary op (a tuple never changes: one is enough).
NO_INPUT_NEEDS_GRAD_OF_TWO = (False, False)


class UnrecordedContext(Context):
    """What ``forward`` receives when nothing is recorded: never a graph node, it keeps nothing.

    ``forward`` may still read ``needs_input_grad`` (all False), store attributes and call
    ``save_for_backward``; nothing of it is used, because no backward will run. Its
    ``__init__`` sets one attribute instead of a node's dozen: this is the path of inference and
    of every ordinary backward pass, where ops run by the thousand.
    """

    __slots__ = ()

    def __init__(self, input_count: int) -> None:
        self.needs_input_grad = (False,) * input_count

    def save_for_backward(self, *arrays: np.ndarray | None) -> None:
        """No backward will run: keep nothing."""

    def mark_non_differentiable(self, *outputs: np.ndarray) -> None:
        """No output requires grad when nothing is recorded: nothing to mark."""

    def set_materialize_grads(self, value: bool) -> None:
        """No backward will run: nothing to configure."""


class Function:
    """Base class of every differentiable op.

    Subclasses define ``forward(ctx, *arrays, **params)`` on NumPy arrays and
    ``backward(ctx, grad_output)`` returning one Tensor (or None) per input.

    Example:
        >>> import tinygrad_edu as tge
        >>> class Square(Function):
        ...     @staticmethod
        ...     def forward(ctx, a):
        ...         ctx.save_for_backward(a)
        ...         return a * a
        ...     @staticmethod
        ...     def backward(ctx, grad_output):
        ...         (a,) = ctx.saved_tensors
        ...         return grad_output * 2 * a
        >>> x = tge.tensor([3.0], requires_grad=True)
        >>> Square.apply(x).sum().backward()
        >>> x.grad
        tensor([6.])
    """

    @staticmethod
    def forward(ctx: Context, *arrays: Any, **params: Any) -> Any:
        """Compute the op on NumPy arrays: one array, or a tuple of arrays (several outputs)."""
        raise NotImplementedError("a Function subclass must define forward")

    @staticmethod
    def backward(ctx: Context, *grad_outputs: Any) -> Any:
        """Return the gradient of each input, given the gradient of each output."""
        raise NotImplementedError("a Function subclass must define backward")

    # Whether ``backward`` already returns one entry per input Tensor, as the engine wants it:
    # true for the primitives, so the engine calls their ``backward`` itself (one call fewer
    # per node); ``TensorFunction`` maps its result in ``gradients_of_inputs``.
    backward_gives_input_gradients = True

    @classmethod
    def gradients_of_inputs(cls, ctx: Context, *grad_outputs: Tensor | None) -> Any:
        """What the engine calls: ``backward``, whose result has one entry per input Tensor."""
        return cls.backward(ctx, *grad_outputs)

    @classmethod
    def apply(cls, *inputs: Tensor, **params: Any) -> Any:
        """Run ``forward`` on the inputs' data and, when grad mode is on and an input requires
        grad, record the node; otherwise take the lean path (``_run_unrecorded``).

        Returns one Tensor, or a tuple of Tensors when ``forward`` returned a tuple of arrays.
        """
        # (Plain loops rather than comprehensions here and below: this runs once per op, and a
        # comprehension costs a function call of its own in Python before 3.12.)
        arrays = []
        if not GradMode.enabled:  # nothing is recorded: no view needs its history remade
            for tensor in inputs:
                arrays.append(tensor._data)
            return _run_unrecorded(cls, arrays, params, inputs)
        needs_input_grad = []
        edges: list[Edge | None] = []  # the node's edges, taken in the same pass
        for tensor in inputs:
            if tensor._view_fn is not None:  # a view's base may have changed in place since
                tensor._refresh_view()
            arrays.append(tensor._data)
            needs_input_grad.append(tensor._requires_grad)
            # edge_to(tensor), written out: this runs for every input of every op.
            if tensor.grad_fn is not None:
                edges.append((tensor.grad_fn, tensor._output_nr))
            elif tensor._requires_grad and not tensor._made_in_no_grad:
                edges.append((tensor, 0))
            else:
                edges.append(None)
        if True not in needs_input_grad:
            return _run_unrecorded(cls, arrays, params, inputs)
        ctx = Context(cls, inputs)
        ctx.needs_input_grad = tuple(needs_input_grad)
        result = cls.forward(ctx, *arrays, **params) if params else cls.forward(ctx, *arrays)
        if type(result) is np.ndarray and not ctx.non_differentiable:
            # The common case, one differentiable output: what _wrap_outputs does, inline.
            output = tensor_module.Tensor._wrap(result, True)
            output.grad_fn = ctx
            _record_edges(ctx, edges)
            if ctx.saved:
                _note_saved_sources(ctx, [output])
            if CaptureState.recorder is not None:  # tinygrad_edu.jit is capturing a step
                CaptureState.recorder.note_operation(cls, ctx, inputs, params, output)
            return output
        several = type(result) is tuple
        arrays = [_as_array(ctx, value) for value in result] if several else [
            _as_array(ctx, result)]
        outputs = _wrap_outputs(ctx, arrays, arrays, inputs, True)
        if ctx.saved:
            _note_saved_sources(ctx, outputs)
        returned = tuple(outputs) if several else outputs[0]
        if CaptureState.recorder is not None:
            CaptureState.recorder.note_operation(cls, ctx, inputs, params, returned)
        return returned


class NoGradientFunction(Function):
    """Base class of the ops whose outputs never carry a gradient (comparisons, ``argmax``...).

    ``apply`` runs ``forward`` without recording, in any grad mode: no node, no edges, outputs
    that do not require grad, and no look at a view's history (torch does not refuse a
    comparison of a view whose base changed in place, as it refuses a differentiable op). A
    capture by ``tinygrad_edu.jit`` still records the call, so a replay computes it again.
    Subclasses define ``forward`` only.
    """

    @classmethod
    def apply(cls, *inputs: Tensor, **params: Any) -> Any:
        """Run ``forward`` on the inputs' data; the outputs do not require grad."""
        return _run_unrecorded(cls, [tensor._data for tensor in inputs], params, inputs)

    @staticmethod
    def backward(ctx: Context, *grad_outputs: Any) -> None:
        """Never called: nothing is recorded."""
        raise RuntimeError("an op with no gradient was differentiated")


class TensorFunction(Function):
    """A differentiable function written the way torch's ``torch.autograd.Function`` is; this
    is ``tinygrad_edu.autograd.Function``.

    The project's primitive ops subclass ``Function`` and compute ``forward`` on NumPy arrays.
    A learner's own function usually wants Tensors, as in torch: here ``forward(ctx, *args)``
    receives the arguments as given (Tensors stay Tensors, so ``x.clamp(min=0)`` works) and
    runs without recording a graph; it returns a Tensor or a tuple of Tensors.
    ``ctx.save_for_backward(*tensors)`` / ``ctx.saved_tensors`` keep Tensors for backward (with
    the in-place version check), ``ctx.needs_input_grad`` has one flag per argument of
    forward, ``ctx.mark_non_differentiable(tensor)`` and ``ctx.set_materialize_grads(False)``
    behave as in torch. ``backward(ctx, *grad_outputs)`` returns one gradient per argument of
    forward (None for non-Tensor arguments) and is written with Tensor ops, so it is itself
    differentiable. Call it with ``MyFunction.apply(x, 2.0)``.

    Example:
        >>> import tinygrad_edu as tge
        >>> class ScaledSquare(tge.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x, scale):
        ...         ctx.save_for_backward(x)
        ...         ctx.scale = scale
        ...         return scale * x * x
        ...     @staticmethod
        ...     def backward(ctx, grad_output):
        ...         (x,) = ctx.saved_tensors
        ...         return grad_output * 2 * ctx.scale * x, None
        >>> x = tge.tensor([1.0, 3.0], requires_grad=True)
        >>> ScaledSquare.apply(x, 0.5).sum().backward()
        >>> x.grad
        tensor([1., 3.])
    """

    backward_gives_input_gradients = False  # one per argument of forward: see below

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> Any:
        """Compute the function on Tensors (nothing is recorded here)."""
        raise NotImplementedError("a Function subclass must define forward")

    @classmethod
    def gradients_of_inputs(cls, ctx: Context, *grad_outputs: Tensor | None) -> Any:
        """``backward`` gives one gradient per argument of forward; the engine wants one per
        Tensor argument, in order."""
        result = cls.backward(ctx, *grad_outputs)
        per_argument = result if isinstance(result, tuple) else (result,)
        if len(per_argument) != len(ctx.tensor_positions) + ctx.other_arguments:
            raise RuntimeError(
                f"function {ctx.name()} returned an incorrect number of gradients (expected "
                f"{len(ctx.tensor_positions) + ctx.other_arguments}, got {len(per_argument)}); "
                "return one gradient or None per argument of forward"
            )
        return tuple([per_argument[position] for position in ctx.tensor_positions])

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on the arguments and, when grad mode is on, record the node."""
        tensors = tuple([arg for arg in args if isinstance(arg, tensor_module.Tensor)])
        if GradMode.enabled:  # (under no_grad nothing is recorded: no history is needed)
            for tensor in tensors:
                if tensor._view_fn is not None:
                    tensor._refresh_view()
        ctx = Context(cls, tensors)
        ctx.tensor_positions = tuple([position for position, arg in enumerate(args)
                                      if isinstance(arg, tensor_module.Tensor)])
        ctx.other_arguments = len(args) - len(tensors)
        record = GradMode.enabled and any(tensor._requires_grad for tensor in tensors)
        ctx.needs_input_grad = tuple([
            record and isinstance(arg, tensor_module.Tensor) and arg._requires_grad
            for arg in args])
        with no_grad():
            result = cls.forward(ctx, *args, **kwargs)
        several = isinstance(result, tuple)
        results = result if several else (result,)
        for index, value in enumerate(results):
            if not isinstance(value, tensor_module.Tensor):
                raise TypeError(f"{cls.__name__}.forward must return Tensors, got "
                                f"{type(value).__name__} as output {index}")
        # New Tensors over the same data, like torch: a returned input itself is never changed.
        outputs = _wrap_outputs(ctx, [value._data for value in results], results, tensors, record)
        if record:
            # save_for_backward kept Tensors here: keep their arrays, mapped back as usual.
            kept: tuple[Any, ...] = ctx.saved  # Tensors, as the user's forward saved them
            ctx.saved = tuple([None if saved is None else saved._data for saved in kept])
            if ctx.saved:
                _note_saved_sources(ctx, outputs)
        else:
            ctx.saved = ()
        return tuple(outputs) if several else outputs[0]


def _run_unrecorded(function: type[Function], arrays: list[np.ndarray],
                    params: dict[str, Any], inputs: Sequence[Tensor]) -> Any:
    """``Function.apply`` when nothing is recorded: ``forward`` on the inputs' arrays with a
    context that keeps nothing, and its result wrapped as Tensors that do not require grad (no
    node, no edges, no saved arrays)."""
    ctx = UnrecordedContext(len(arrays))
    # (Most ops take no parameters: a call without ``**params`` costs less.)
    result = function.forward(ctx, *arrays, **params) if params else function.forward(ctx, *arrays)
    wrap = tensor_module.Tensor._wrap
    if type(result) is tuple:
        returned: Any = tuple([wrap(value, False) for value in result])
    else:
        returned = wrap(result, False)
    if CaptureState.recorder is not None:  # tinygrad_edu.jit is capturing a step
        CaptureState.recorder.note_operation(function, ctx, inputs, params, returned)
    return returned


def _run_unrecorded_binary(function: type[Function], a: Tensor, b: Tensor,
                           params: dict[str, Any]) -> Tensor:
    """``_run_unrecorded`` for a binary operator (``tensor.apply_binary`` under no_grad), the
    most frequent op call of a backward pass: the two arrays are passed as two arguments
    rather than unpacked from a list, and the one output is wrapped directly."""
    # UnrecordedContext(2), made the way Tensor._wrap makes a tensor: its one field set here
    # rather than by a call of __init__ (which costs as much as the rest of making it).
    ctx = UnrecordedContext.__new__(UnrecordedContext)
    ctx.needs_input_grad = NO_INPUT_NEEDS_GRAD_OF_TWO
    if params:
        result = function.forward(ctx, a._data, b._data, **params)
    else:
        result = function.forward(ctx, a._data, b._data)
    output = tensor_module.Tensor._wrap(result, False)
    if CaptureState.recorder is not None:  # tinygrad_edu.jit is capturing a step
        CaptureState.recorder.note_operation(function, ctx, (a, b), params, output)
    return output


def _wrap_outputs(ctx: Context, arrays: list[np.ndarray], returned: Sequence[Any],
                  inputs: Sequence[Tensor], record: bool) -> list[Tensor]:
    """The output Tensors of one op call. When recording, each differentiable one points to the
    node (with its output index), and the node gets its edges and its outputs' shapes.
    ``returned`` is what forward returned, against which ``mark_non_differentiable`` is
    matched."""
    outputs = []
    marked = ctx.non_differentiable
    wrap = tensor_module.Tensor._wrap
    for index, array in enumerate(arrays):
        differentiable = record and not (marked and any(returned[index] is one for one in marked))
        output = wrap(array, differentiable)
        if differentiable:
            output.grad_fn = ctx
            output._output_nr = index
        outputs.append(output)
    if record:
        if len(arrays) > 1:  # one output always gets a gradient when its node runs
            ctx.output_meta = tuple([(array.shape, array.dtype) for array in arrays])
        _record_edges(ctx, [edge_to(tensor) for tensor in inputs])
    return outputs


def _record_edges(ctx: Context, edges: list[Edge | None]) -> None:
    """Give the new node its edges, taken when the op ran (see ``edge_to``), and count it."""
    ctx.next_edges = tuple(edges)
    graph_collection.recorded += 1
    if graph_collection.recorded >= graph_collection.checkpoint:
        # A large graph: keep the garbage collector from rescanning it (graph_gc.py).
        pause_full_collections(ctx)


def _as_array(ctx: Context, value: Any) -> np.ndarray:
    """forward's result as an array: NumPy returns scalars for 0-d results; they become arrays,
    and the array is saved in their place when the scalar itself was saved."""
    if type(value) is np.ndarray:
        return value
    array = np.asarray(value)
    ctx.saved = tuple([array if saved is value else saved for saved in ctx.saved])
    ctx.non_differentiable = tuple([array if marked is value else marked
                                    for marked in ctx.non_differentiable])
    return array


def _note_saved_sources(ctx: Context, outputs: list[Tensor]) -> None:
    """Remember where each saved array came from and the version it was saved at."""
    sources: list[SavedSource] = []
    for array in ctx.saved:
        source = SAVED_CONSTANT
        if array is not None:
            # (An index counted by hand rather than enumerate: this runs once per op.)
            index = 0
            for tensor in ctx.inputs:
                if array is tensor._data:
                    counter = tensor._version_counter  # (_current_version, inline)
                    version = 0 if counter is None else counter.value
                    if version == 0 and index < len(SAVED_INPUTS_AT_VERSION_0):
                        source = SAVED_INPUTS_AT_VERSION_0[index]
                    else:
                        source = ("input", index, version)
                    break
                index += 1
            else:
                for index, output in enumerate(outputs):
                    if array is output._data:
                        source = ("output", index, 0)
                        if ctx.output_refs is None:
                            ctx.output_refs = {}
                        ctx.output_refs[index] = weakref.ref(output)
                        break
        sources.append(source)
    ctx.saved_sources = tuple(sources)


def constant(array: np.ndarray) -> Tensor:
    """Wrap an array as a Tensor that needs no gradient (zeros, ones, 1/n, saved values).

    Its values must not be computed from a tensor's values outside an op (a mask such as
    ``x._data > 0``): a step compiled with ``tinygrad_edu.jit`` reuses a constant in every
    replay. Compute such a value with an op (``x > 0`` is one).
    """
    if CaptureState.recorder is not None:
        CaptureState.recorder.note_constant(array)
    return tensor_module.Tensor._wrap(array, False)


# Imported last because tensor.py imports the ops, which import this module; only the module
# object is needed here, and only when an op runs.
import tinygrad_edu.tensor as tensor_module  # noqa: E402
