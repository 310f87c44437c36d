"""Watch a backward pass node by node: ``with trace_backward() as trace: loss.backward()``.

While the block runs, the engine tells the trace about every node it processes, in the order it
processes them (a reverse topological order: each node after every node that used its output).
For each node the trace keeps one ``BackwardRecord``: the op, the shapes of its inputs, the
gradient flowing into it (shape and norm), its local rule (the first line of the op's
docstring) and the gradient it passes to each input after un-broadcasting (shape and norm, or
None where no gradient is needed). Nothing is recorded outside the block, and the engine pays
nothing for tracing when no trace is active.

``trace.table()`` lays the records out as text, ``trace.to_dot()`` draws the backward pass: one
box per processed node, arrows in the direction the gradient flows, labelled with the gradient.
"""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass, field
from types import TracebackType
from typing import TextIO

from tinygrad_edu.autograd import BackwardObservers
from tinygrad_edu.function import Context
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.viz.graph import Names, format_shape, gradient_norm, name_table, quote

__all__ = ["BackwardRecord", "BackwardTrace", "GradientSummary", "trace_backward"]

# What an input of a node is: computed by another node, a leaf that gets .grad, or data.
NODE, LEAF, DATA = "node", "leaf", "data"


@dataclass
class GradientSummary:
    """The shape and Euclidean norm of one gradient.

    Example:
        >>> str(GradientSummary((32, 10), 0.5))
        '(32, 10) norm=0.5'
    """

    shape: tuple[int, ...]
    norm: float

    def __str__(self) -> str:
        return f"{format_shape(self.shape)} norm={self.norm:.4g}"


@dataclass
class BackwardRecord:
    """What one node did during backward.

    Attributes:
        step: position in the order the engine processed the nodes (0 first).
        op: the node's name, e.g. ``LinearBackward``.
        rule: the op's local rule, the first line of its docstring.
        grad_output: the gradient flowing into the node (dL/d output).
        input_shapes: the shape of each input of the op.
        input_kinds: for each input, "node" (computed by another node), "leaf" (requires grad,
            receives ``.grad``) or "data" (needs no gradient).
        input_sources: for each input, the producing node's name (``ReluBackward``) or the
            leaf's label (its name when given, else e.g. ``leaf 0 (3, 2)``).
        input_names: the names given (``names=``) to inputs computed by nodes, else None.
        input_steps: for inputs computed by a node, the step at which that node was processed
            (filled in when it is); None for leaves and data.
        input_grads: the gradient passed to each input, after un-broadcasting; None where no
            gradient is passed.

    Example:
        >>> record = BackwardRecord(0, "NegBackward", "out = -a.", GradientSummary((), 1.0))
        >>> record.input_grads
        []
    """

    step: int
    op: str
    rule: str
    grad_output: GradientSummary
    input_shapes: list[tuple[int, ...]] = field(default_factory=list)
    input_kinds: list[str] = field(default_factory=list)
    input_sources: list[str] = field(default_factory=list)
    input_names: list[str | None] = field(default_factory=list)
    input_steps: list[int | None] = field(default_factory=list)
    input_grads: list[GradientSummary | None] = field(default_factory=list)

    def source_text(self, index: int) -> str:
        """Where input ``index`` comes from, for tables: ``A1 = step 2 ReluBackward``, ``W1``."""
        source = self.input_sources[index]
        step = self.input_steps[index]
        if self.input_kinds[index] == NODE:
            text = source if step is None else f"step {step} {source}"
            name = self.input_names[index]
            return text if name is None else f"{name} = {text}"
        if self.input_kinds[index] == DATA:
            return f"{source} (no grad)"
        return source


def _rule(node: Context) -> str:
    """The first line of the op's docstring: the op and its local derivatives."""
    doc = node.function.__doc__
    if not doc or not doc.strip():
        return "(the op has no docstring)"
    return doc.strip().splitlines()[0].strip()


def _summary(gradient: Tensor | None) -> GradientSummary | None:
    if gradient is None:
        return None
    return GradientSummary(tuple(gradient.shape), gradient_norm(gradient))


class BackwardTrace:
    """Records every node of the backward passes run inside its ``with`` block.

    Use ``trace_backward()`` to make one. ``records`` holds one ``BackwardRecord`` per node
    processed, in order; ``table()`` / ``print_table()`` and ``to_dot()`` show them.

    Example:
        >>> import tinygrad_edu as tge
        >>> x = tge.tensor([1.0, 2.0], requires_grad=True)
        >>> with trace_backward(names={x: "x"}) as trace:
        ...     (x * x).sum().backward()
        >>> [record.op for record in trace.records]
        ['SumBackward', 'MulBackward']
        >>> [str(gradient) for gradient in trace.records[1].input_grads]
        ['(2,) norm=2.236', '(2,) norm=2.236']
    """

    def __init__(self, names: Names = None) -> None:
        self.records: list[BackwardRecord] = []
        self._names = name_table(names)
        # Leaves get stable labels; the list keeps them alive so that their ids stay unique.
        self._leaf_labels: dict[int, str] = {}
        self._leaves: list[Tensor] = []
        # Inputs computed by nodes not processed yet: filled in with their step later.
        self._pending: dict[Context, list[tuple[BackwardRecord, int]]] = {}
        self._observer = self._observe

    def __enter__(self) -> BackwardTrace:
        BackwardObservers.active.append(self._observer)
        return self

    def __exit__(self, exception_type: type[BaseException] | None,
                 exception: BaseException | None, traceback: TracebackType | None) -> None:
        active = BackwardObservers.active
        for position in range(len(active) - 1, -1, -1):
            if active[position] is self._observer:
                del active[position]

    def _leaf_label(self, tensor: Tensor) -> str:
        label = self._leaf_labels.get(id(tensor))
        if label is None:
            label = self._names.get(id(tensor))
            if label is None:
                kind = "leaf" if tensor.requires_grad else "data"
                label = f"{kind} {len(self._leaves)} {format_shape(tensor.shape)}"
            self._leaf_labels[id(tensor)] = label
            self._leaves.append(tensor)
        return label

    def _observe(self, node: Context, grad_output: Tensor,
                 input_grads: list[Tensor | None]) -> None:
        summary = _summary(grad_output)
        assert summary is not None
        record = BackwardRecord(len(self.records), node.name(), _rule(node), summary)
        for index, tensor in enumerate(node.inputs):
            # The edge recorded when the op ran: the input's producer at that time.
            edge = node.next_edges[index] if node.next_edges else None
            producer = edge[0] if edge is not None and isinstance(edge[0], Context) else None
            if producer is not None:
                kind, source = NODE, producer.name()
                self._pending.setdefault(producer, []).append((record, index))
            else:
                kind = LEAF if tensor.requires_grad else DATA
                source = self._leaf_label(tensor)
            record.input_shapes.append(tuple(tensor.shape))
            record.input_kinds.append(kind)
            record.input_sources.append(source)
            record.input_names.append(self._names.get(id(tensor)) if kind == NODE else None)
            record.input_steps.append(None)
            record.input_grads.append(_summary(input_grads[index]))
        for waiting, index in self._pending.pop(node, []):
            waiting.input_steps[index] = record.step
        self.records.append(record)

    def table(self) -> str:
        """The records as an aligned text table: one line per input of each node.

        Columns: step, node, gradient flowing in, input index, where the input comes from, its
        shape, the gradient passed to it, and (on each node's first line) its local rule.

        Example:
            >>> import tinygrad_edu as tge
            >>> x = tge.tensor([3.0], requires_grad=True)
            >>> with trace_backward(names={x: "x"}) as trace:
            ...     x.exp().sum().backward()
            >>> table = trace.table()
            >>> rule_column = table.index("local rule")  # print all but the rules
            >>> for line in table.splitlines():
            ...     print(line[:rule_column].rstrip())
            step  node         upstream grad  input  from                shape  grad passed
            0     SumBackward  () norm=1      0      step 1 ExpBackward  (1,)   (1,) norm=1
            1     ExpBackward  (1,) norm=1    0      x                   (1,)   (1,) norm=20.09
        """
        header = ["step", "node", "upstream grad", "input", "from", "shape", "grad passed",
                  "local rule"]
        rows = [header]
        for record in self.records:
            first = [str(record.step), record.op, str(record.grad_output)]
            if not record.input_shapes:
                rows.append(first + ["-", "-", "-", "-", record.rule])
            for index, shape in enumerate(record.input_shapes):
                passed = record.input_grads[index]
                rows.append((first if index == 0 else ["", "", ""]) + [
                    str(index), record.source_text(index), format_shape(shape),
                    "None" if passed is None else str(passed),
                    record.rule if index == 0 else "",
                ])
        widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
        lines = []
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths)]
            lines.append("  ".join(cells).rstrip())
        return "\n".join(lines)

    def print_table(self, file: TextIO | None = None) -> None:
        """Print ``table()`` (to ``file``, default standard output)."""
        print(self.table(), file=sys.stdout if file is None else file)

    def to_dot(self, rule_width: int = 48) -> str:
        """Graphviz DOT text of the traced backward pass.

        One box per processed node (step, name, gradient flowing in, local rule wrapped at
        ``rule_width`` characters), in the order processed; arrows go the way the gradient
        flows (from a node to its inputs) and are labelled with the gradient passed (dashed
        "None" where none is). Leaves are yellow ellipses, data grey ones. Draw it with
        ``tinygrad_edu.viz.render(trace.to_dot(), "backward.svg")`` or ``show``.

        Example:
            >>> import tinygrad_edu as tge
            >>> x = tge.tensor([1.0, 2.0], requires_grad=True)
            >>> with trace_backward() as trace:
            ...     x.exp().sum().backward()
            >>> dot = trace.to_dot()
            >>> for line in dot.splitlines():
            ...     if "->" in line:
            ...         print(line)
              step0 -> step1 [label="(2,) norm=1.414"];
              step1 -> leaf0 [label="(2,) norm=7.873"];
              seed0 -> step0 [label="() norm=1"];
        """
        lines = [
            "digraph backward {",
            '  graph [rankdir=TB, fontname="Helvetica"];',
            '  node [fontname="Helvetica", fontsize=11];',
            '  edge [fontname="Helvetica", fontsize=10];',
        ]
        edges: list[str] = []
        leaf_ids: dict[str, str] = {}
        fed: set[int] = set()
        for record in self.records:
            rule = "\n".join(textwrap.wrap(record.rule, rule_width)) or record.rule
            label = f"step {record.step}: {record.op}\nupstream {record.grad_output}\n{rule}"
            lines.append(f'  step{record.step} [label={quote(label)}, shape=box, '
                         'style="rounded,filled", fillcolor=lightblue];')
            for index, kind in enumerate(record.input_kinds):
                step = record.input_steps[index]
                if kind == NODE and step is not None:
                    target = f"step{step}"
                    fed.add(step)
                elif kind == NODE:
                    target = f"unprocessed{record.step}_{index}"
                    lines.append(f"  {target} [label={quote(record.input_sources[index])}, "
                                 "shape=box, style=dashed];")
                else:
                    source = record.input_sources[index]
                    if source not in leaf_ids:
                        leaf_ids[source] = f"leaf{len(leaf_ids)}"
                        color = "lightyellow" if kind == LEAF else "lightgrey"
                        text = f"{source}\n.grad" if kind == LEAF else source
                        lines.append(f"  {leaf_ids[source]} [label={quote(text)}, "
                                     f"shape=ellipse, style=filled, fillcolor={color}];")
                    target = leaf_ids[source]
                passed = record.input_grads[index]
                if passed is None:
                    edges.append(f'  step{record.step} -> {target} [label="None", style=dashed, '
                                 "color=grey];")
                else:
                    edges.append(f"  step{record.step} -> {target} [label={quote(str(passed))}];")
        for record in self.records:
            if record.step not in fed:
                seed = f"seed{record.step}"
                lines.append(f'  {seed} [label="gradient in", shape=plaintext];')
                edges.append(f"  {seed} -> step{record.step} "
                             f"[label={quote(str(record.grad_output))}];")
        return "\n".join(lines + edges + ["}"]) + "\n"


def trace_backward(names: Names = None) -> BackwardTrace:
    """A context manager that records every node of the backward passes run inside it.

    The observer it registers with the engine is removed when the block ends, also when it
    ends with an exception.

    Args:
        names: labels for leaves, ``{tensor: "W1"}``, or a Module for its parameter names.

    Example:
        >>> import tinygrad_edu as tge
        >>> w = tge.tensor([[1.0, 2.0]], requires_grad=True)
        >>> with trace_backward(names={w: "w"}) as trace:
        ...     (w @ tge.ones(2, 1)).sum().backward()
        >>> [(record.op, record.grad_output.shape) for record in trace.records]
        [('SumBackward', ()), ('MatMulBackward', (1, 1))]
        >>> trace.records[1].input_sources, trace.records[1].input_grads[1]
        (['w', 'data 1 (2, 1)'], None)
    """
    return BackwardTrace(names)
