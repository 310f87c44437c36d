"""Draw the graph that produced a tensor: Graphviz DOT text, images, and an inline notebook view.

``to_dot`` needs nothing but the standard library: it walks the recorded graph from a tensor
back to its leaves (an explicit stack, so a chain of any length works) and writes one DOT line per
node and per edge. Turning DOT text into an image needs Graphviz, which is optional: ``render``
uses the ``graphviz`` Python package when it is installed, else the ``dot`` program when it is on
the PATH, and otherwise raises an error that says how to get one of them. ``show`` wraps the text
in an object that a Jupyter notebook displays inline (as an image when Graphviz is there, as DOT
text otherwise).

Reading a drawing: boxes are ops (the node's name, the shape and dtype of its output), ellipses
are leaves (yellow: they require grad and receive ``.grad``; grey: data and constants). Arrows go
from an op's inputs to the op, in the direction the forward pass computed; the numbers on them
say which input of the op it is. The tensor you drew has a double border.
"""

from __future__ import annotations

import html
import importlib
import shutil
import subprocess
from pathlib import Path
from typing import Any, Mapping, Union

import numpy as np

from tinygrad_edu.function import Context
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor

__all__ = [
    "INSTALL_HINT", "GraphView", "Names", "dot_to_image", "format_shape", "gradient_norm",
    "name_table", "quote", "render", "show", "to_dot",
]

# Tensors to label by name: a mapping {tensor: "W1"}, or a Module (its named_parameters).
Names = Union[Mapping[Tensor, str], Module, None]

INSTALL_HINT = (
    "Drawing DOT text as an image needs Graphviz. Install the `dot` program "
    "(`apt-get install graphviz`, `brew install graphviz`, `conda install graphviz` or "
    "https://graphviz.org/download/) and, if you like, the Python package "
    "(`pip install graphviz`). Without them, to_dot() still gives the DOT text, which any "
    "online Graphviz viewer draws."
)

IMAGE_FORMATS = ("svg", "png", "pdf")
LEAF_COLOR = "lightyellow"
DATA_COLOR = "lightgrey"
OP_COLOR = "lightblue"


def quote(text: str) -> str:
    """``text`` as a double-quoted DOT string, with backslashes, quotes and newlines escaped.

    Example:
        >>> print(quote('say "hi"\\nbye'))
        "say \\"hi\\"\\nbye"
    """
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "")
    escaped = escaped.replace("\n", "\\n")
    if escaped.endswith("\\"):
        # A final backslash would escape the closing quote; a trailing space keeps it literal.
        escaped += " "
    return f'"{escaped}"'


def format_shape(shape: tuple[int, ...]) -> str:
    """A shape as Python prints a tuple: ``(32, 784)``, ``(10,)``, ``()``.

    Example:
        >>> format_shape((10,)), format_shape(())
        ('(10,)', '()')
    """
    return str(tuple(shape))


def gradient_norm(tensor: Tensor) -> float:
    """The Euclidean (Frobenius) norm of a tensor's values, computed in float64.

    Example:
        >>> import tinygrad_edu as tge
        >>> gradient_norm(tge.tensor([3.0, 4.0]))
        5.0
    """
    values = np.asarray(tensor._data, dtype=np.float64)
    return float(np.sqrt(np.sum(values * values)))


def name_table(names: Names) -> dict[int, str]:
    """``{id(tensor): name}`` from a ``{tensor: name}`` mapping or a Module's parameter names.

    Example:
        >>> from tinygrad_edu import nn
        >>> layer = nn.Linear(3, 2)
        >>> name_table(layer)[id(layer.weight)]
        'weight'
    """
    if names is None:
        return {}
    if isinstance(names, Module):
        return {id(parameter): name for name, parameter in names.named_parameters()}
    return {id(tensor): name for tensor, name in names.items()}


def _leaf_label(tensor: Tensor, name: str | None, show_grads: bool) -> str:
    lines = [] if name is None else [name]
    lines.append(f"{format_shape(tensor.shape)} {tensor.dtype}")
    lines.append("requires_grad" if tensor.requires_grad else "no grad")
    if show_grads and tensor.grad is not None:
        norm = gradient_norm(tensor.grad)
        lines.append(f".grad {format_shape(tensor.grad.shape)} norm={norm:.4g}")
    return "\n".join(lines)


def _op_label(node: Context, tensor: Tensor, name: str | None, show_grads: bool) -> str:
    lines = [node.name()]
    if name is not None:
        lines.append(name)
    lines.append(f"{format_shape(tensor.shape)} {tensor.dtype}")
    if show_grads and tensor.grad is not None:
        lines.append(f".grad norm={gradient_norm(tensor.grad):.4g}")
    return "\n".join(lines)


def _node_line(node_id: str, tensor: Tensor, producer: Context | None, name: str | None,
               show_grads: bool, is_output: bool) -> str:
    if producer is not None:
        label = _op_label(producer, tensor, name, show_grads)
        style = f'shape=box, style="rounded,filled", fillcolor={OP_COLOR}'
    else:
        label = _leaf_label(tensor, name, show_grads)
        color = LEAF_COLOR if tensor.requires_grad else DATA_COLOR
        style = f"shape=ellipse, style=filled, fillcolor={color}"
    if is_output:
        style += ", peripheries=2"
    return f"  {node_id} [label={quote(label)}, {style}];"


def to_dot(tensor: Tensor, show_grads: bool = True, names: Names = None) -> str:
    """Graphviz DOT text of the graph that produced ``tensor``.

    One node per op (its name, output shape and dtype) and per leaf (name when known, shape,
    dtype, whether it requires grad and, with ``show_grads``, the norm of ``.grad`` when it has
    one); one edge from each input to the op that used it. The walk uses an explicit stack, so
    graphs of any depth work. No dependency: draw the text with ``render``, ``show`` or any
    Graphviz viewer.

    Args:
        tensor: the result whose graph to draw.
        show_grads: add ``.grad`` norms (and shapes) where tensors have them.
        names: labels for tensors, ``{tensor: "W1"}``, or a Module to use its parameter names.

    Returns:
        The DOT text: a ``digraph`` with one line per node and per edge.

    Example:
        >>> import tinygrad_edu as tge
        >>> w = tge.ones(2, 3, requires_grad=True)
        >>> loss = (w * 2).sum()
        >>> print(to_dot(loss, names={w: "w"}))  # doctest: +ELLIPSIS
        digraph tinygrad_edu {
          graph [rankdir=TB, fontname="Helvetica"];
          node [fontname="Helvetica", fontsize=11];
          edge [fontname="Helvetica", fontsize=10];
          op0 [label="SumBackward\\n() float32", shape=box, ..., peripheries=2];
          op1 [label="MulBackward\\n(2, 3) float32", shape=box, ...];
          leaf2 [label="w\\n(2, 3) float32\\nrequires_grad", shape=ellipse, ...];
          leaf3 [label="() float32\\nno grad", shape=ellipse, ...];
          op1 -> op0;
          leaf2 -> op1 [label="0"];
          leaf3 -> op1 [label="1"];
        }
    """
    labels = name_table(names)
    node_lines: list[str] = []
    edge_lines: list[str] = []
    # A node per op (keyed by its Context) and per leaf (keyed by the tensor itself).
    node_ids: dict[int, str] = {}

    def register(current: Tensor, producer: Context | None,
                 is_output: bool) -> tuple[str, bool]:
        """The DOT id of the node of ``current`` (its producer's node, or the tensor itself
        for a leaf), and whether it was new."""
        key: object = current if producer is None else producer
        if id(key) in node_ids:
            return node_ids[id(key)], False
        prefix = "leaf" if producer is None else "op"
        node_id = f"{prefix}{len(node_ids)}"
        node_ids[id(key)] = node_id
        node_lines.append(_node_line(node_id, current, producer, labels.get(id(current)),
                                     show_grads, is_output))
        return node_id, True

    root_id, _ = register(tensor, tensor.grad_fn, is_output=True)
    stack = [] if tensor.grad_fn is None else [(tensor.grad_fn, root_id)]
    while stack:
        node, node_id = stack.pop()
        several = len(node.inputs) > 1
        for index, source in enumerate(node.inputs):
            # The edge recorded when the op ran names the input's producer at that time.
            edge = node.next_edges[index]
            producer = edge[0] if edge is not None and isinstance(edge[0], Context) else None
            source_id, is_new = register(source, producer, is_output=False)
            if is_new and producer is not None:
                stack.append((producer, source_id))
            attributes = f' [label="{index}"]' if several else ""
            edge_lines.append(f"  {source_id} -> {node_id}{attributes};")
    header = [
        "digraph tinygrad_edu {",
        '  graph [rankdir=TB, fontname="Helvetica"];',
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    return "\n".join(header + node_lines + edge_lines + ["}"]) + "\n"


def _import_graphviz() -> Any:
    """The ``graphviz`` Python package, or None when it is not installed."""
    try:
        return importlib.import_module("graphviz")
    except ImportError:
        return None


def dot_to_image(dot: str, image_format: str = "svg") -> bytes:
    """Lay out DOT text with Graphviz and return the image (svg, png or pdf) as bytes.

    Uses the ``graphviz`` Python package when it is installed, else the ``dot`` program on the
    PATH.

    Raises:
        RuntimeError: neither is available (the message says how to install Graphviz), or
            Graphviz rejected the text.
        ValueError: an image format other than svg, png or pdf.

    Example:
        >>> try:
        ...     image = dot_to_image("digraph { a -> b }")
        ... except RuntimeError as error:
        ...     image = str(error).encode()
        >>> image.startswith(b"<?xml") or b"apt-get install graphviz" in image
        True
    """
    if image_format not in IMAGE_FORMATS:
        raise ValueError(f"image format must be one of {IMAGE_FORMATS}, got {image_format!r}")
    graphviz = _import_graphviz()
    if graphviz is not None:
        try:
            return bytes(graphviz.Source(dot).pipe(format=image_format))
        except graphviz.ExecutableNotFound as error:
            raise RuntimeError(
                "the graphviz Python package is installed but the `dot` program it runs is not "
                f"on the PATH. {INSTALL_HINT}") from error
        except graphviz.CalledProcessError as error:
            raise RuntimeError(f"Graphviz could not draw the DOT text: {error}") from error
    program = shutil.which("dot")
    if program is None:
        raise RuntimeError(f"neither the graphviz Python package nor the `dot` program was "
                           f"found. {INSTALL_HINT}")
    completed = subprocess.run([program, f"-T{image_format}"], input=dot.encode("utf-8"),
                               capture_output=True, timeout=120, check=False)
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"Graphviz could not draw the DOT text: {message}")
    return completed.stdout


def render(graph: Tensor | str, path: str | Path, format: str | None = None,
           show_grads: bool = True, names: Names = None) -> Path:
    """Write the graph of a tensor (or ready DOT text) as an SVG, PNG or PDF image.

    Args:
        graph: a tensor (drawn with ``to_dot``) or DOT text, e.g. a trace's ``to_dot()``.
        path: the file to write.
        format: "svg", "png" or "pdf"; by default the path's suffix, else svg.
        show_grads: passed to ``to_dot``.
        names: passed to ``to_dot``.

    Returns:
        The path written.

    Raises:
        RuntimeError: Graphviz is not available; the message says how to install it.

    Example:
        >>> import tempfile, tinygrad_edu as tge
        >>> x = tge.ones(3, requires_grad=True)
        >>> folder = tempfile.mkdtemp()
        >>> try:
        ...     written = render((x * x).sum(), Path(folder) / "graph.svg")
        ...     outcome = written.read_text().startswith("<?xml")
        ... except RuntimeError as error:
        ...     outcome = "pip install graphviz" in str(error)
        >>> outcome
        True
    """
    text = graph if isinstance(graph, str) else to_dot(graph, show_grads, names)
    path = Path(path)
    image_format = format if format is not None else (path.suffix[1:].lower() or "svg")
    image = dot_to_image(text, image_format)
    path.write_bytes(image)
    return path


class GraphView:
    """DOT text that a Jupyter notebook shows inline: an SVG drawing when Graphviz is available,
    the DOT text in a code block otherwise. ``str(view)`` and ``view.dot`` give the text.

    Example:
        >>> view = GraphView("digraph { a -> b }")
        >>> str(view)
        'digraph { a -> b }'
        >>> (view._repr_svg_() is None) == (view._repr_markdown_() is not None)
        True
    """

    def __init__(self, dot: str) -> None:
        self.dot = dot
        self._svg: str | None = None
        self._tried = False

    def svg(self) -> str | None:
        """The drawing as SVG text, or None when Graphviz is not available (tried once)."""
        if not self._tried:
            self._tried = True
            try:
                self._svg = dot_to_image(self.dot, "svg").decode("utf-8")
            except RuntimeError:
                self._svg = None
        return self._svg

    def _repr_svg_(self) -> str | None:
        return self.svg()

    def _repr_html_(self) -> str:
        drawing = self.svg()
        if drawing is not None:
            return drawing
        return f"<pre>{html.escape(self.dot)}</pre>"

    def _repr_markdown_(self) -> str | None:
        if self.svg() is not None:
            return None
        return f"```dot\n{self.dot}```" if self.dot.endswith("\n") else f"```dot\n{self.dot}\n```"

    def __str__(self) -> str:
        return self.dot

    def __repr__(self) -> str:
        return f"GraphView({self.dot.count(chr(10))} lines of DOT)"


def show(graph: Tensor | str, show_grads: bool = True, names: Names = None) -> GraphView:
    """The graph of a tensor (or DOT text) as an object that Jupyter displays inline.

    Example:
        >>> import tinygrad_edu as tge
        >>> x = tge.ones(3, requires_grad=True)
        >>> view = show(x.exp().sum())
        >>> "ExpBackward" in view.dot
        True
    """
    text = graph if isinstance(graph, str) else to_dot(graph, show_grads, names)
    return GraphView(text)
