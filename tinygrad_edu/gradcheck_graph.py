"""Finding a wrong backward inside a whole model: ``check_graph``.

Each node of a recorded model is checked on its own: its backward against finite differences of
its forward, found by running the whole model again with one leaf moved at a time. The first
node (counting from the loss) that disagrees is reported with the input to blame and, from
``gradcheck_diagnosis.diagnose``, the likely mistake.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tinygrad_edu.autograd import no_grad, topological_order, unbroadcast
from tinygrad_edu.function import Context
from tinygrad_edu.gradcheck_diagnosis import diagnose, worst_entry
from tinygrad_edu.tensor import Tensor

__all__ = ["GraphCheckReport", "NodeFailure", "check_graph"]

Shape = tuple[int, ...]


@dataclass(frozen=True)
class NodeFailure:
    """A node whose local backward disagrees with finite differences of its forward."""

    position: int  # in reverse topological order: 0 is the node that produced the loss
    op: str  # the node's name, e.g. "MulBackward"
    inputs: tuple[int, ...]  # the input(s) to blame
    input_shapes: tuple[Shape, ...]
    output_shape: Shape
    finite_difference: float  # <v, J dx> from finite differences of the forward
    backward: float  # the same number from the node's backward
    detail: str
    diagnosis: str

    @property
    def input_index(self) -> int | None:
        """The input to blame, or None when the inputs could not be told apart."""
        return self.inputs[0] if len(self.inputs) == 1 else None

    def __str__(self) -> str:
        blamed = ", ".join(f"input {i} of shape {self.input_shapes[i]}" for i in self.inputs)
        return (f"{self.op} (node {self.position} counted from the loss, output shape "
                f"{self.output_shape}), {blamed}: its backward disagrees with finite differences "
                f"of its forward (<v, J dx> = {self.finite_difference:.10g} by finite "
                f"differences, {self.backward:.10g} by backward). {self.detail}"
                f"Likely mistake: {self.diagnosis}")


@dataclass(frozen=True)
class GraphCheckReport:
    """What ``check_graph`` found: ``ok``, and the failing nodes, nearest the loss first."""

    nodes_checked: int
    leaves: int
    failures: tuple[NodeFailure, ...]

    @property
    def ok(self) -> bool:
        """True when every node's backward agrees with finite differences."""
        return not self.failures

    @property
    def first(self) -> NodeFailure | None:
        """The failing node nearest the loss (the first one in reverse topological order)."""
        return self.failures[0] if self.failures else None

    def __str__(self) -> str:
        if not self.failures:
            moved = "1 leaf" if self.leaves == 1 else f"{self.leaves} leaves"
            return (f"check_graph: OK: the backward of each of the {self.nodes_checked} nodes "
                    f"agrees with finite differences of its forward ({moved} moved)")
        text = (f"check_graph: {len(self.failures)} of {self.nodes_checked} nodes disagree with "
                f"finite differences; the first counted from the loss is {self.failures[0]}")
        if len(self.failures) > 1:
            others = ", ".join(f"{f.op} (node {f.position})" for f in self.failures[1:])
            text += f". Also wrong: {others}"
        return text


@dataclass(frozen=True)
class _Run:
    """One forward: its nodes in reverse topological order, output and input values."""

    nodes: list[Context]
    outputs: list[np.ndarray | None]  # None: not floating point
    inputs: list[list[np.ndarray | None]]


def _float_copy(array: np.ndarray) -> np.ndarray | None:
    return np.array(array, copy=True) if np.issubdtype(array.dtype, np.floating) else None


def _record(forward: Callable[[], Tensor]) -> tuple[Tensor, _Run]:
    """Run ``forward`` and order its graph with the engine's own walk, ``topological_order``."""
    loss = forward()
    if not isinstance(loss, Tensor) or loss.grad_fn is None:
        raise ValueError("check_graph expects forward() to return a Tensor with a recorded graph")
    nodes = topological_order([loss.grad_fn])
    # Each node's output, as its consumers saw it (the loss is the root's output).
    output_of: dict[Context, Tensor] = {loss.grad_fn: loss}
    for node in nodes:
        for tensor, edge in zip(node.inputs, node.next_edges):
            if edge is not None and isinstance(edge[0], Context):
                output_of.setdefault(edge[0], tensor)
    outputs = [_float_copy(output_of[node]._data) for node in nodes]
    return loss, _Run(nodes, outputs, [[_float_copy(t._data) for t in n.inputs] for n in nodes])


def _require_same_graph(first: _Run, second: _Run) -> None:
    """Raise unless both runs have the same ops, input shapes and leaves, node by node."""
    if len(first.nodes) != len(second.nodes) or not all(
            one.function is two.function and [a.shape for a in one.inputs] == [
                b.shape for b in two.inputs] for one, two in zip(first.nodes, second.nodes)):
        raise ValueError("forward() built a different graph on another call: check_graph "
                         "needs a deterministic forward (no random or data-dependent branches)")
    for one, two in zip(first.nodes, second.nodes):
        for a, b in zip(one.inputs, two.inputs):
            if a is not b and a.grad_fn is None and a.requires_grad:
                raise ValueError("forward() made new leaf tensors on another call: create the "
                                 "parameters and inputs outside it and reuse the same leaf tensors")


def _tangent(plus: np.ndarray | None, minus: np.ndarray | None, eps: float) -> np.ndarray | None:
    if plus is None or minus is None:
        return None
    return (plus.astype(np.float64) - minus.astype(np.float64)) / (2.0 * eps)


def _local_vjp(node: Context, upstream: np.ndarray, dtype: np.dtype) -> list[np.ndarray | None]:
    """The node's backward for one output gradient, un-broadcast as the engine does (None: the
    input needs no gradient; zeros: backward returned None for one that does)."""
    with no_grad():
        result = node.function.gradients_of_inputs(node, Tensor(upstream.astype(dtype)))
        grads = list(result) if isinstance(result, (tuple, list)) else [result]
        grads += [None] * (len(node.inputs) - len(grads))
        vjp: list[np.ndarray | None] = []
        for index, (tensor, grad) in enumerate(zip(node.inputs, grads)):
            if not node.needs_input_grad[index] or grad is None:
                vjp.append(np.zeros(tensor.shape) if node.needs_input_grad[index] else None)
                continue
            if grad.shape != tensor.shape:
                grad = unbroadcast(grad, tensor.shape, node, index)
            vjp.append(np.array(grad._data, dtype=np.float64))
    return vjp


def _position(flat_index: int, shape: Shape) -> Shape:
    return tuple(int(i) for i in np.unravel_index(flat_index, shape))


def _rerun(node: Context, arrays: list[np.ndarray]) -> np.ndarray:
    context = Context(node.function, node.inputs)
    context.needs_input_grad = node.needs_input_grad
    return np.asarray(node.function.forward(context, *arrays), dtype=np.float64)


def _local_jacobians(node: Context, output: np.ndarray,
                     eps: float) -> tuple[list[np.ndarray], list[np.ndarray]] | None:
    """Numerical and analytical Jacobians of the node alone, when its forward can be re-run
    (no required keyword parameter; the recorded output comes out again) and they are small."""
    if output.size * sum(t._data.size for t in node.inputs) > 1_000_000:
        return None
    parameters = list(inspect.signature(node.function.forward).parameters.values())[1:]
    if any(p.kind is p.KEYWORD_ONLY and p.default is p.empty for p in parameters):
        return None
    arrays = [np.array(t._data, dtype=np.float64 if np.issubdtype(t.dtype, np.floating)
                       else t.dtype) for t in node.inputs]
    try:
        if not np.allclose(_rerun(node, arrays), output, rtol=1e-12, atol=0.0):
            return None  # the call used parameters that the graph does not keep
    except TypeError:
        return None
    numerical = [np.zeros((output.size, array.size)) for array in arrays]
    for index, array in enumerate(arrays):
        flat = array.reshape(-1)  # a view: writing flat[k] moves element k
        for column in range(array.size if node.needs_input_grad[index] else 0):
            original = flat[column].copy()
            flat[column] = original + eps
            plus = _rerun(node, arrays).reshape(-1)
            flat[column] = original - eps
            minus = _rerun(node, arrays).reshape(-1)
            flat[column] = original
            numerical[index][:, column] = (plus - minus) / (2.0 * eps)
    analytical = [np.zeros_like(jacobian) for jacobian in numerical]
    for row in range(output.size):
        one_hot = np.zeros(output.size)
        one_hot[row] = 1.0
        for jacobian, grad in zip(analytical, _local_vjp(node, one_hot.reshape(output.shape),
                                                         output.dtype)):
            if grad is not None:
                jacobian[row, :] = grad.reshape(-1)
    return numerical, analytical


@dataclass(frozen=True)
class _Equation:
    """<v, dy> = sum_i <backward_i(v), dx_i> for one leaf direction and one probe v."""

    moving: tuple[int, ...]  # the inputs that move along this direction
    finite_difference: float  # <v, dy>
    parts: list[float]  # <backward_i(v), dx_i>, one per input
    bad: bool


def _equations(position: int, base: _Run, tangents: list[_Run], probes: list[np.ndarray],
               vjps: list[list[np.ndarray | None]], eps: float, atol: float,
               rtol: float) -> list[_Equation]:
    """The dot-product test of one node along every leaf direction and for every probe."""
    node, output, values = base.nodes[position], base.outputs[position], base.inputs[position]
    assert output is not None
    equations = []
    for tangent in tangents:
        dy, dxs = tangent.outputs[position], tangent.inputs[position]
        moving = tuple(i for i, dx in enumerate(dxs) if dx is not None and np.any(dx))
        if dy is None or any(not node.needs_input_grad[i] for i in moving):
            continue  # an input that gets no gradient moves too: nothing to compare
        for probe, vjp in zip(probes, vjps):
            parts, terms, sizes = [], [np.abs(probe * dy)], [np.abs(probe * output)]
            for i, (gradient, dx, value) in enumerate(zip(vjp, dxs, values)):
                if gradient is None or dx is None or value is None or i not in moving:
                    parts.append(0.0)
                    continue
                parts.append(float(np.sum(gradient * dx)))
                terms.append(np.abs(gradient * dx))
                sizes.append(np.abs(gradient * value))
            # Allowed: rtol of the terms' size, plus the rounding error of central differences.
            allowed = atol + rtol * sum(float(np.sum(term)) for term in terms) + 10.0 * float(
                np.finfo(np.float64).eps) / eps * sum(float(np.sum(size)) for size in sizes)
            lhs = float(np.sum(probe * dy))
            equations.append(_Equation(moving, lhs, parts, abs(lhs - sum(parts)) > allowed))
    return equations


def _check_node(position: int, base: _Run, tangents: list[_Run], rng: np.random.Generator,
                eps: float, atol: float, rtol: float) -> NodeFailure | None:
    """Test one node; if it fails, find the input to blame and the likely mistake."""
    node, output = base.nodes[position], base.outputs[position]
    if output is None:
        return None
    probes = [rng.standard_normal(output.shape) for _ in range(2)]
    vjps = [_local_vjp(node, probe, output.dtype) for probe in probes]
    equations = _equations(position, base, tangents, probes, vjps, eps, atol, rtol)
    failed = [equation for equation in equations if equation.bad]
    if not failed:
        return None
    isolated = [equation for equation in equations if len(equation.moving) == 1]
    blamed = sorted({equation.moving[0] for equation in isolated if equation.bad})
    if not blamed:  # no direction moves a wrong input alone: blame those not cleared
        suspects = set().union(*(set(equation.moving) for equation in failed))
        cleared = {equation.moving[0] for equation in isolated}
        blamed = sorted(suspects - cleared) or sorted(suspects)
    shapes = tuple(tuple(t.shape) for t in node.inputs)
    rule = (node.function.__doc__ or "").strip().splitlines()
    detail = f"Its docstring says: {rule[0]!r}. " if rule else ""
    local = _local_jacobians(node, output, eps)
    found = []
    for index, (numerical, analytical) in enumerate(zip(*local) if local else ()):
        worst = worst_entry(numerical, analytical, 1e-7, 1e-6)
        if worst is not None and node.needs_input_grad[index]:
            found.append((index, worst, numerical, analytical))
    rows = [equation for equation in isolated if equation.moving == tuple(blamed[:1])]
    if local is not None and found:
        index, (count, row, column), numerical, analytical = found[0]
        blamed = [entry[0] for entry in found]
        detail += (
            f"Local Jacobian of input {index}: {count} of {numerical.size} entries differ; worst "
            f"at output index {_position(row, output.shape)}, input index "
            f"{_position(column, shapes[index])}: numerical {numerical[row, column]:.10g}"
            f", analytical {analytical[row, column]:.10g}. ")
        uses = sum(tensor is node.inputs[index] for tensor in node.inputs)
        diagnosis = diagnose(numerical, analytical, index, shapes, output.shape, local[0], uses)
    elif len(blamed) == 1 and rows:
        detail += ("Its local Jacobians agree entry by entry (a kink nearby?), so " if local
                   else "Its forward takes parameters the graph does not keep, so ")
        detail += "only projections <v, J dx> were compared. "
        diagnosis = diagnose(np.array([[equation.finite_difference for equation in rows]]),
                             np.array([[equation.parts[blamed[0]] for equation in rows]]),
                             blamed[0], atol=atol, rtol=rtol)
    else:
        diagnosis = ("these inputs move together along every direction (the same tensor, or "
                     "shared leaves), so the wrong one cannot be told apart: gradcheck the op")
    return NodeFailure(position, node.name(), tuple(blamed), shapes, output.shape,
                       failed[0].finite_difference, sum(failed[0].parts), detail, diagnosis)


def check_graph(forward: Callable[[], Tensor], eps: float = 1e-6, atol: float = 1e-8,
                rtol: float = 1e-5, seed: int = 0) -> GraphCheckReport:
    """Check each node's local backward in a whole model against finite differences.

    ``forward`` is a function of no arguments that builds the graph and returns the loss (like
    the closure of ``optimizer.step``): finite differences need the forward to run again, and
    the recorded graph alone cannot re-run its ops (their parameters are not kept). It must be
    deterministic and reuse the same leaf tensors (parameters, inputs) on every call.

    Method. Each leaf ``p`` that requires grad is moved along a random direction ``w``, and
    ``forward`` runs at ``p + eps w`` and ``p - eps w``. Matching the recorded graphs node by
    node gives, by central differences, how every node's inputs and output change: ``dx_i`` and
    ``dy``. The chain rule says ``dy = sum_i J_i dx_i`` for the node's local Jacobians ``J_i``,
    whatever the rest of the model is. For a random ``v`` the node's own backward returns
    ``g_i``, which should be ``J_iᵀ v``; then ``<v, dy> = sum_i <g_i, dx_i>`` (the dot-product
    test). It sees exactly the part of a backward error that reaches the leaves' gradients, and a
    node's test does not depend on any other node's backward, so a failing node is wrong
    itself. Nodes are visited in reverse topological order (Kahn's algorithm, no recursion) and
    a direction that moves one input alone tells which input is wrong. For the failing node the
    local Jacobians are then compared entry by entry when its forward can be re-run on float64
    copies of its inputs (no required keyword parameter), and ``diagnose`` names the mistake.

    Args:
        forward: Builds the model's graph and returns the loss.
        eps: Half the width of the central differences.
        atol, rtol: Tolerance of the dot-product test, relative to the sum of the absolute
            terms.
        seed: Seed of the random directions.

    Returns:
        A ``GraphCheckReport``; ``report.ok`` is True when every node agrees.

    Raises:
        ValueError: ``forward`` returns no graph, or runs change its graph or its values.

    Example:
        >>> w = Tensor(np.array([[0.5, -1.0], [2.0, 0.3]]), requires_grad=True)
        >>> x = Tensor(np.array([[1.0, 2.0]]))
        >>> print(check_graph(lambda: (x @ w).tanh().sum()))
        check_graph: OK: the backward of each of the 3 nodes agrees with finite differences of its forward (1 leaf moved)
    """  # noqa: E501
    loss, base = _record(forward)
    again = _record(forward)[1]
    same_values = all(one is None or two is None or np.array_equal(one, two)
                      for one, two in zip(base.outputs, again.outputs))
    _require_same_graph(base, again)
    if not same_values:
        raise ValueError("forward() gave different values on two calls: check_graph needs a "
                         "deterministic forward (model.eval(), no fresh random numbers)")
    leaves: dict[int, Tensor] = {}
    for node in base.nodes:
        for tensor in node.inputs:
            if tensor.grad_fn is None and tensor.requires_grad:
                leaves.setdefault(id(tensor), tensor)
    rng = np.random.default_rng(seed)
    tangents = []
    for leaf in leaves.values():
        if leaf.dtype != np.float64:
            warnings.warn(f"a leaf of shape {tuple(leaf.shape)} is {leaf.dtype}, not float64: "
                          "finite differences are unreliable", UserWarning, stacklevel=2)
        direction, original, runs = rng.standard_normal(leaf.shape), leaf._data.copy(), []
        try:
            for sign in (1.0, -1.0):
                leaf._data[...] = original + sign * eps * direction
                runs.append(_record(forward)[1])
        finally:
            leaf._data[...] = original
        _require_same_graph(base, runs[0])
        _require_same_graph(base, runs[1])
        tangents.append(_Run(base.nodes, [_tangent(p, m, eps) for p, m in zip(
            runs[0].outputs, runs[1].outputs)], [[_tangent(p, m, eps) for p, m in zip(
                plus, minus)] for plus, minus in zip(runs[0].inputs, runs[1].inputs)]))
    failures = [_check_node(position, base, tangents, rng, eps, atol, rtol)
                for position in range(len(base.nodes))]
    del loss  # kept alive until here: the root node's saved output is a weak reference
    return GraphCheckReport(len(base.nodes), len(leaves),
                            tuple(failure for failure in failures if failure is not None))
