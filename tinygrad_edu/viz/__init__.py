"""See the graph: DOT drawings of the forward graph and a tracer for the backward pass.

- ``to_dot(tensor)``: Graphviz DOT text of the graph that produced ``tensor`` (no dependency);
  ``render(tensor, "graph.svg")`` writes an image when Graphviz is installed; ``show(tensor)``
  displays it inline in Jupyter.
- ``with trace_backward() as trace: loss.backward()`` records what every node did;
  ``trace.print_table()`` and ``trace.to_dot()`` show it.

Example:
    >>> import tinygrad_edu as tge
    >>> from tinygrad_edu.viz import to_dot, trace_backward
    >>> x = tge.tensor([1.0, -2.0], requires_grad=True)
    >>> loss = x.relu().sum()
    >>> "ReluBackward" in to_dot(loss)
    True
    >>> with trace_backward() as trace:
    ...     loss.backward()
    >>> [record.op for record in trace.records]
    ['SumBackward', 'ReluBackward']
"""

from tinygrad_edu.viz.graph import INSTALL_HINT, GraphView, dot_to_image, render, show, to_dot
from tinygrad_edu.viz.trace import (
    BackwardRecord,
    BackwardTrace,
    GradientSummary,
    trace_backward,
)

__all__ = [
    "INSTALL_HINT", "BackwardRecord", "BackwardTrace", "GradientSummary", "GraphView",
    "dot_to_image", "render", "show", "to_dot", "trace_backward",
]
