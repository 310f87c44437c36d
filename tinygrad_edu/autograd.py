"""The backward engine: reverse-mode differentiation over the recorded graph.

``run_backward`` does three things:

1. Order the nodes (``Context`` objects) reachable from the outputs so that every node comes after
   all the nodes that consume its output (a reverse topological order). This uses an explicit stack
   and counts of consumers (Kahn's algorithm), never recursion.
2. Walk that order once. Each node's gradient is complete when its turn comes; the node's
   ``backward`` turns it into gradients of its inputs, which the engine un-broadcasts to the input
   shapes and adds into the gradients of the nodes (or leaves) that produced them.
3. Hand the leaves their gradients: accumulate into ``.grad`` (``Tensor.backward``) or return them
   (``grad``).

Each step costs time proportional to the size of the graph.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence, Union

import numpy as np

from tinygrad_edu.capture_state import CaptureState, NotCapturableError
from tinygrad_edu.function import Context, Edge, TensorFunction, constant, edge_to
from tinygrad_edu.graph_gc import BackwardPass
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.grad_mode import (
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)

__all__ = [
    "BackwardObservers", "Context", "Edge", "Function", "Variable", "backward", "enable_grad",
    "grad", "is_grad_enabled", "no_grad", "run_backward", "set_grad_enabled",
    "topological_order",
]

# torch's name for a user-defined differentiable function: forward on Tensors (see
# ``TensorFunction``). The project's primitives subclass ``tinygrad_edu.function.Function``.
Function = TensorFunction

# A gradient is stored per node for computed tensors and per tensor for leaves.
GraphKey = Union[Context, Tensor]


class BackwardObservers:
    """Callables ``observer(node, grad_output, input_grads)`` told about every node that
    ``run_backward`` processes (``viz.trace_backward`` registers one). Empty: no cost."""

    active: list[Callable[[Context, Tensor, list[Tensor | None]], None]] = []


def unbroadcast(grad: Tensor, shape: tuple[int, ...], node: Context, index: int) -> Tensor:
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving ``shape``.

    If ``x`` of shape (3, 1) was broadcast to (2, 3, 4) in the forward pass, every element of ``x``
    was used 2 * 4 times, so its gradient is the sum over axis 0 (added) and axis 2 (stretched).

    Raises:
        RuntimeError: ``grad`` cannot come from broadcasting ``shape``; the op's backward is wrong.
    """
    grad_shape = grad.shape
    added = len(grad_shape) - len(shape)
    stretched = []
    valid = added >= 0
    if valid:
        for axis, size in enumerate(shape):
            grad_size = grad_shape[axis + added]
            if size == 1 and grad_size != 1:
                stretched.append(axis + added)
            elif size != grad_size:
                valid = False
    if not valid:
        raise RuntimeError(
            f"{node.name()} returned a gradient of shape {tuple(grad_shape)} for input {index}, "
            f"whose shape is {tuple(shape)}; the two are not broadcast-compatible. Fix the op's "
            "backward so that it returns one gradient per input with that input's shape."
        )
    summed = grad.sum(dim=tuple(range(added)) + tuple(stretched), keepdim=False)
    return summed.reshape(shape)


# The gradients gathered so far: per node, one slot per output of its op; per leaf, one slot.
GradSlots = dict[GraphKey, list[Union[Tensor, None]]]


def _accumulate(grads: GradSlots, edge: Edge, grad: Tensor) -> None:
    """Add ``grad`` into the slot ``edge`` points to: a tensor used twice gets the sum."""
    key, index = edge
    slots = grads.get(key)
    if slots is None:
        if not isinstance(key, Context) or not key.output_meta:
            grads[key] = [grad]  # a leaf, or the node of an op with one output
            return
        slots = grads[key] = [None] * len(key.output_meta)  # one slot per output
    existing = slots[index]
    slots[index] = grad if existing is None else existing + grad


def topological_order(roots: Sequence[Context]) -> list[Context]:
    """The nodes reachable from ``roots`` through their edges, each one after every node that
    sends it a gradient (a reverse topological order: the order backward runs them in).

    This is the project's one graph walk: the engine, ``check_graph``, the gradcheck diagnosis
    and ``viz`` all use it. Kahn's algorithm with an explicit stack, never recursion: first
    count, for every node, the edges that point to it; then take nodes whose count is zero.

    Example:
        >>> import tinygrad_edu as tge
        >>> x = tge.tensor([1.0, 2.0], requires_grad=True)
        >>> loss = (x * 2).exp().sum()
        >>> [node.name() for node in topological_order([loss.grad_fn])]
        ['SumBackward', 'ExpBackward', 'MulBackward']
    """
    consumers: dict[Context, int] = dict.fromkeys(roots, 0)
    unique_roots = list(consumers)
    stack = unique_roots.copy()
    while stack:
        node = stack.pop()
        for edge in node.next_edges:
            if edge is None or not isinstance(edge[0], Context):
                continue
            producer = edge[0]
            count = consumers.get(producer)
            if count is None:
                consumers[producer] = 1
                stack.append(producer)
            else:
                consumers[producer] = count + 1
    ready: list[Context] = []
    for node in unique_roots:
        if consumers[node] == 0:
            ready.append(node)
    order = []
    while ready:
        node = ready.pop()
        order.append(node)
        for edge in node.next_edges:
            if edge is None or not isinstance(edge[0], Context):
                continue
            producer = edge[0]
            consumers[producer] -= 1
            if consumers[producer] == 0:
                ready.append(producer)
    return order


def _nodes_leading_to(order: list[Context], targets: set[GraphKey]) -> set[Context]:
    """The nodes whose edges lead to some target: only their backward needs to run."""
    needed: set[Context] = set()
    for node in reversed(order):
        for edge in node.next_edges:
            if edge is not None and (edge[0] in needed or edge[0] in targets):
                needed.add(node)
                break
    return needed


def _dtype_error(grad: Tensor, tensor: Tensor, node: Context, index: int) -> RuntimeError:
    """The error for a gradient whose dtype is not its input's."""
    return RuntimeError(
        f"{node.name()} returned a {grad.dtype} gradient for input {index}, which is "
        f"{tensor.dtype}. Fix the op's backward so the gradient keeps the input's dtype."
    )


def run_backward(
    outputs: Sequence[Tensor],
    grad_outputs: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Tensor] | None = None,
) -> dict[Edge, Tensor]:
    """Backpropagate ``grad_outputs`` from ``outputs`` through the recorded graph.

    With ``inputs=None`` the gradients are accumulated into the ``.grad`` of the leaves that
    require grad. Otherwise nothing is accumulated and the gradients reaching ``inputs`` are
    returned, keyed by the edge that leads to each input (its node and output index, or the
    leaf tensor and 0).

    The steps, in order: seed the outputs' gradients; order the nodes (``topological_order``);
    then for each node: run its hooks and keep a retained gradient (``_before_node``), call its
    backward (``_call_backward``), free what it saved (unless ``retain_graph``), and send each
    input's gradient along its edge (``_route``); finally hand the leaves their gradients.
    """
    recorder = CaptureState.recorder  # tinygrad_edu.jit capturing a step, or None
    if recorder is not None and create_graph:
        raise NotCapturableError(
            "backward(create_graph=True) inside a function compiled with tinygrad_edu.jit: a "
            "replay has no graph to differentiate again. Run this step without jit."
        )
    grads: GradSlots = {}
    roots: list[Context] = []
    for output, grad_output in zip(outputs, grad_outputs):
        edge = edge_to(output)
        if edge is not None:
            _accumulate(grads, edge, grad_output)
            if isinstance(edge[0], Context):
                roots.append(edge[0])
    order = topological_order(roots)
    targets: set[Edge] = set()
    needed: set[Context] | None = None
    if inputs is not None:
        for tensor in inputs:
            edge = edge_to(tensor)
            if edge is not None:
                targets.add(edge)
        needed = _nodes_leading_to(order, {key for key, _ in targets})
    # With ``inputs``, the nodes that receive a gradient as in torch, whose hooks run: those on
    # a path to an input, the inputs' own nodes, and the outputs' nodes (they get the seed).
    receives: set[Context] | None = None
    if needed is not None:
        receives = needed | {key for key, _ in targets if isinstance(key, Context)} | set(roots)
    captured: dict[Edge, Tensor] = {}
    # BackwardPass: the garbage collector's pause for a large graph ends with it (graph_gc.py).
    with set_grad_enabled(create_graph), BackwardPass():
        for node in order:
            slots = grads.pop(node, None)
            if slots is None:
                continue
            if receives is not None and node not in receives:
                continue  # off every path to ``inputs``: its hooks do not run
            # autograd.grad with respect to an intermediate tensor: torch hands back its
            # gradient before the tensor's hooks when its node runs on towards another input,
            # after them when the node stops there.
            runs_on = needed is None or node in needed
            if targets and runs_on:
                _capture(node, slots, targets, captured)
            if node.hooks is not None or node.retained is not None:  # (seldom: test it here)
                _before_node(node, slots, create_graph)
            if not runs_on:
                if targets:
                    _capture(node, slots, targets, captured)
                continue
            input_grads = _call_backward(node, slots)
            if not retain_graph:
                node.saved = ()
                node.released = True
            _route(node, slots, input_grads, grads)
        # Arrays a leaf may not adopt as its .grad: the caller's gradients and ones adopted.
        not_adoptable: set[int] = set()
        for grad_output in grad_outputs:  # (a loop: a comprehension is a call of its own)
            not_adoptable.add(id(grad_output._data))
        if recorder is not None and inputs is None:
            recorder.note_leaf_gradients(list(grad_outputs))
        for key in list(grads):
            if not isinstance(key, Tensor):
                continue  # a node outside the order (only when pruned for ``inputs``)
            leaf, grad = key, grads.pop(key)[0]
            assert grad is not None
            if leaf._hooks is not None:
                grad = _run_hooks(leaf._hooks, grad)
            if inputs is not None:
                if (leaf, 0) in targets:
                    captured[(leaf, 0)] = grad
            else:
                if recorder is not None:
                    recorder.note_leaf_gradient(leaf, grad)
                _accumulate_into_leaf(leaf, grad, create_graph, not_adoptable)
    return captured


def _capture(node: Context, slots: list[Tensor | None], targets: set[Edge],
             captured: dict[Edge, Tensor]) -> None:
    """Keep the gradients of the node's outputs that ``autograd.grad`` asked for."""
    for index, grad in enumerate(slots):
        if grad is not None and (node, index) in targets:
            captured[(node, index)] = grad


def _run_hooks(hooks: list[Callable[[Any], Tensor | None]], grad: Any) -> Any:
    """Call each hook with the gradient (a Tensor, or None for an output of a node with
    several that got none); a hook that returns a Tensor replaces it."""
    for hook in hooks:
        replaced = hook(grad)
        if replaced is not None:
            if grad is None:
                raise RuntimeError(
                    "can't replace a None gradient with a non-None value: this hook's tensor "
                    "got no gradient in this backward; return None when the hook gets None"
                )
            grad = replaced
    return grad


def _before_node(node: Context, slots: list[Tensor | None], create_graph: bool) -> None:
    """The gradients of the node's outputs are complete: run the tensor hooks registered on
    each output, and give it to a tensor that asked for ``retain_grad``. As in torch, the hooks
    of an output that got no gradient (another piece of a split) are called with None, and
    must return None (``_run_hooks`` refuses a tensor there)."""
    for index, grad in enumerate(slots):
        if node.hooks is not None and index in node.hooks:
            grad = slots[index] = _run_hooks(node.hooks[index], grad)
        if grad is None:
            continue
        reference = None if node.retained is None else node.retained.get(index)
        retained = None if reference is None else reference()
        if retained is not None:
            if CaptureState.recorder is not None:
                raise NotCapturableError(
                    "retain_grad() on an intermediate tensor inside a function compiled with "
                    "tinygrad_edu.jit: a replay keeps no intermediate gradients. Run this step "
                    "without jit."
                )
            own = grad if create_graph else Tensor._wrap(grad._data.copy(), False)
            # Like a leaf's .grad, a retained gradient accumulates across backward calls.
            retained.grad = own if retained.grad is None else retained.grad + own


def _call_backward(node: Context, slots: list[Tensor | None]) -> tuple[Tensor | None, ...]:
    """The op's backward, given one gradient per output (zeros for an output that got none,
    unless the op asked for None with ``set_materialize_grads(False)``): one gradient (or
    None) per input, checked for their number."""
    function = node.function
    if len(slots) == 1:  # one output: its gradient is there, or the node would not run
        if function.backward_gives_input_gradients:  # a primitive: no mapping to do
            input_grads = function.backward(node, slots[0])
        else:
            input_grads = function.gradients_of_inputs(node, slots[0])
    else:
        grad_outputs = list(slots)
        for index, grad in enumerate(grad_outputs):
            if grad is None and node.materialize_grads:
                shape, dtype = node.output_meta[index]
                grad_outputs[index] = constant(np.zeros(shape, dtype=dtype))
        input_grads = function.gradients_of_inputs(node, *grad_outputs)
    if not isinstance(input_grads, tuple):
        input_grads = (input_grads,)
    if len(input_grads) != len(node.inputs):
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients (expected "
            f"{len(node.inputs)}, got {len(input_grads)}); return one gradient or None per "
            "input of forward"
        )
    return input_grads


def _route(node: Context, slots: list[Tensor | None], input_grads: tuple[Tensor | None, ...],
           grads: GradSlots) -> None:
    """Send each input's gradient along its edge (recorded when the op ran), un-broadcast to
    the input's shape and checked for its dtype; observers (``viz``) see what was sent."""
    passed: list[Tensor | None] | None = [] if BackwardObservers.active else None
    for index, tensor in enumerate(node.inputs):
        input_grad = input_grads[index]
        edge = node.next_edges[index]
        if input_grad is None or edge is None:
            if passed is not None:
                passed.append(None)
            continue
        # The arrays' shapes (plain tuples): Tensor.shape builds a Size, too slow for this loop.
        if input_grad._data.shape != tensor._data.shape:
            input_grad = unbroadcast(input_grad, tensor._data.shape, node, index)
        if input_grad._data.dtype != tensor._data.dtype:
            raise _dtype_error(input_grad, tensor, node, index)
        if passed is not None:
            passed.append(input_grad)
        _accumulate(grads, edge, input_grad)
    if passed is not None:
        grad = next(grad for grad in slots if grad is not None)
        for observer in BackwardObservers.active:
            observer(node, grad, passed)


def _accumulate_into_leaf(
    leaf: Tensor, grad: Tensor, create_graph: bool, not_adoptable: set[int]
) -> None:
    """``leaf.grad += grad``, in place when possible, never sharing memory with another tensor.

    A fresh array that an op's backward made for this leaf alone is adopted without a copy;
    views, read-only arrays and arrays also handed elsewhere are copied.
    """
    if leaf.grad is None:
        if create_graph and grad._requires_grad:
            leaf.grad = grad
            return
        array = grad._data
        flags = array.flags  # (a new flags object at each access: fetched once)
        adoptable = flags.owndata and flags.writeable and id(array) not in not_adoptable
        leaf.grad = Tensor._wrap(array if adoptable else array.copy(), False)
        not_adoptable.add(id(leaf.grad._data))
    elif create_graph or leaf.grad._requires_grad or not leaf.grad._data.flags.writeable:
        # A .grad with a graph of its own (from create_graph) keeps one, as in torch.
        with enable_grad():
            leaf.grad = leaf.grad + grad
    else:
        np.add(leaf.grad._data, grad._data, out=leaf.grad._data)
        leaf.grad._version.value += 1


def _as_gradients(
    outputs: Sequence[Tensor], grad_outputs: Sequence[Tensor | None] | None
) -> list[Tensor]:
    """Check the outputs and fill in the implicit gradient 1 of scalar outputs."""
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(
            f"grad_outputs has {len(grad_outputs)} entries but there are {len(outputs)} outputs; "
            "pass one gradient (or None) per output."
        )
    gradients = []
    for index, (output, grad_output) in enumerate(zip(outputs, grad_outputs)):
        if output._view_fn is not None:  # its base may have changed in place since
            output._refresh_view(history_asked=True)
        # A view made in no_grad reports requires_grad (as in torch) but has no history.
        if not output._requires_grad or (output._made_in_no_grad and output.grad_fn is None):
            raise RuntimeError(
                f"element {index} of tensors does not require grad and does not have a grad_fn"
            )
        array = output._data
        if grad_output is None:
            if array.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            grad_output = constant(np.ones(array.shape, dtype=array.dtype))
        elif not isinstance(grad_output, Tensor):
            grad_output = Tensor(grad_output, dtype=output.dtype)
        elif grad_output.dtype != output.dtype:
            grad_output = grad_output.to(output.dtype)
        if grad_output._data.shape != array.shape:  # (plain tuples: a Size costs more)
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{index}] has a shape of "
                f"{tuple(grad_output.shape)} and "
                f"output[{index}] has a shape of {tuple(output.shape)}."
            )
        gradients.append(grad_output)
    return gradients


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves.

    Example:
        >>> import tinygrad_edu as tge
        >>> x = tge.tensor([1.0, 2.0], requires_grad=True)
        >>> backward((x * x).sum())
        >>> x.grad
        tensor([2., 4.])
    """
    outputs = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors]
    gradients = _as_gradients(outputs, grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(outputs, gradients, retain_graph, create_graph)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Return the gradients of ``outputs`` with respect to ``inputs`` (``.grad`` untouched).

    With ``create_graph=True`` the returned gradients have a graph themselves, so they can be
    differentiated again (second derivatives, Hessian-vector products).

    Example:
        >>> import tinygrad_edu as tge
        >>> x = tge.tensor(2.0, requires_grad=True)
        >>> (first,) = grad(x ** 3, x, create_graph=True)
        >>> (second,) = grad(first, x)
        >>> first.item(), second.item()
        (12.0, 12.0)
    """
    output_list = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    input_list = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    for index, tensor in enumerate(input_list):
        if tensor._view_fn is not None:  # its base may have changed in place since
            tensor._refresh_view(history_asked=True)
        if not tensor._requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (input {index}) does not "
                               "require grad")
    gradients = _as_gradients(output_list, grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    captured = run_backward(output_list, gradients, retain_graph, create_graph, input_list)
    results: list[Tensor | None] = []
    detached: dict[Any, Tensor] = {}  # an input named twice gets the same tensor twice, as in torch
    for index, tensor in enumerate(input_list):
        edge = edge_to(tensor)
        result = None if edge is None else captured.get(edge)
        if result is None and not allow_unused:
            raise RuntimeError(
                f"One of the differentiated Tensors (input {index}) appears to not have been used "
                "in the graph. Set allow_unused=True if this is the desired behavior."
            )
        if result is not None and not create_graph:
            if edge not in detached:
                detached[edge] = result.detach()
            result = detached[edge]
        results.append(result)
    return tuple(results)


def Variable(data: Tensor | None = None, requires_grad: bool = False,  # noqa: N802 (torch's)
             volatile: bool = False) -> Tensor:
    """torch's legacy wrapper (before torch 0.4 a Variable carried the graph; now every Tensor
    does): a tensor sharing memory with ``data``, cut from its graph, ``requires_grad`` as given.

    Unlike torch's ``Variable`` this is a function, not a type: ``isinstance(x, Variable)``
    raises a TypeError (every tensor is a Variable in torch; test ``isinstance(x, Tensor)``).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.autograd import Variable
        >>> Variable(tge.ones(2), requires_grad=True)
        tensor([1., 1.], requires_grad=True)
    """
    if volatile:
        warnings.warn("volatile was removed and now has no effect. Use `with "
                      "tinygrad_edu.no_grad():` instead.", UserWarning, stacklevel=2)
    if data is None:
        data = Tensor._wrap(np.zeros(0, dtype=np.float32), False)
    if not isinstance(data, Tensor):
        raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
    result = data.detach()
    if requires_grad:
        result.requires_grad = True
    return result
