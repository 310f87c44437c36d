"""tinygrad_edu.viz: DOT drawings of the graph, rendering, the notebook view and the tracer.

The DOT text is always checked structurally (balanced braces and quotes, one statement per line,
every edge between declared nodes); where the Graphviz ``dot`` program is installed it must also
accept the text. Rendering is tested both ways: with Graphviz hidden (the documented error) and
as installed here (a file, or the same error when Graphviz is absent).
"""

from __future__ import annotations

import dataclasses
import importlib
import io
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tge
from tinygrad_edu import nn
from tinygrad_edu.autograd import BackwardObservers
from tinygrad_edu.ops.piecewise import Relu
from tinygrad_edu.viz import (
    INSTALL_HINT,
    BackwardRecord,
    GradientSummary,
    GraphView,
    render,
    show,
    to_dot,
    trace_backward,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = REPO_ROOT / "examples"
STATEMENT = re.compile(r'^  (graph|node|edge) \[.*\];$')
NODE_LINE = re.compile(r'^  (\w+) \[(.*)\];$')
EDGE_LINE = re.compile(r'^  (\w+) -> (\w+)(?: \[(.*)\])?;$')
LABEL = re.compile(r'label="((?:[^"\\]|\\.)*)"')


def unescape(label: str) -> str:
    """A DOT label as displayed: \\n is a line break, \\" a quote, \\\\ a backslash."""
    return re.sub(r"\\(.)", lambda match: "\n" if match.group(1) == "n" else match.group(1),
                  label)


def parse_dot(text: str, check_with_dot: bool = True
              ) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """Check DOT text structurally; return {node id: label} and [(tail, head, attributes)].

    Where the ``dot`` program exists it must accept the text as well (unless told not to).
    """
    depth = 0
    in_string = False
    escaped = False
    for character in text:
        if in_string:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == '"':
                in_string = False
        elif character == '"':
            in_string = True
        elif character == "{":
            depth += 1
        elif character == "}":
            depth -= 1
            assert depth >= 0, "a closing brace without an opening one"
    assert not in_string, "an unterminated string"
    assert depth == 0, "unbalanced braces"
    lines = text.splitlines()
    assert re.fullmatch(r"digraph \w+ \{", lines[0])
    assert lines[-1] == "}"
    assert text.endswith("}\n")
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    for line in lines[1:-1]:
        if STATEMENT.match(line):
            continue
        edge = EDGE_LINE.match(line)
        if edge:
            edges.append((edge.group(1), edge.group(2), edge.group(3) or ""))
            continue
        node = NODE_LINE.match(line)
        assert node, f"not one DOT statement: {line!r}"
        label = LABEL.search(node.group(2))
        assert label, f"a node without a label: {line!r}"
        assert node.group(1) not in nodes, f"node {node.group(1)} declared twice"
        nodes[node.group(1)] = unescape(label.group(1))
    for tail, head, _ in edges:
        assert tail in nodes and head in nodes, f"edge {tail} -> {head} to an undeclared node"
    program = shutil.which("dot")
    if program is not None and check_with_dot:
        completed = subprocess.run([program, "-Tsvg"], input=text.encode("utf-8"),
                                   capture_output=True, timeout=60, check=False)
        assert completed.returncode == 0, completed.stderr.decode()
        assert b"<svg" in completed.stdout
    return nodes, edges


def float64_norm(tensor: tge.Tensor | None) -> float:
    assert tensor is not None
    values = np.asarray(tensor._data, dtype=np.float64)
    return float(np.sqrt(np.sum(values * values)))


@pytest.fixture
def no_graphviz(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither the graphviz Python package nor the dot program can be found."""
    monkeypatch.setitem(sys.modules, "graphviz", None)
    monkeypatch.setattr(shutil, "which", lambda *arguments, **options: None)


def fake_graphviz(image: bytes = b"<svg>drawn</svg>", missing_program: bool = False
                  ) -> types.ModuleType:
    """A stand-in for the graphviz package: Source(text).pipe(format) returns ``image``."""
    module = types.ModuleType("graphviz")

    class ExecutableNotFound(RuntimeError):
        pass

    class CalledProcessError(RuntimeError):
        pass

    class Source:
        calls: list[tuple[str, str]] = []

        def __init__(self, text: str) -> None:
            self.text = text

        def pipe(self, format: str) -> bytes:
            if missing_program:
                raise ExecutableNotFound("failed to execute 'dot'")
            Source.calls.append((self.text, format))
            return image

    module.ExecutableNotFound = ExecutableNotFound  # type: ignore[attr-defined]
    module.CalledProcessError = CalledProcessError  # type: ignore[attr-defined]
    module.Source = Source  # type: ignore[attr-defined]
    return module


def small_graph() -> tuple[tge.Tensor, tge.Tensor, tge.Tensor]:
    x = tge.tensor(np.arange(6.0).reshape(2, 3) / 10, requires_grad=True)
    w = tge.tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
    return (x @ w).relu().sum(), x, w


def small_mlp() -> tuple[nn.Sequential, tge.Tensor, tge.Tensor]:
    tge.manual_seed(0)
    model = nn.Sequential(nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 4))
    rng = np.random.default_rng(0)
    pixels = tge.tensor(rng.random((5, 12)).astype(np.float32))
    labels = tge.tensor(np.array([0, 1, 2, 3, 1]))
    return model, pixels, labels


# ---------------------------------------------------------------------------------- to_dot


def test_to_dot_has_one_line_per_op_leaf_and_edge_with_names_and_shapes() -> None:
    loss, x, w = small_graph()
    nodes, edges = parse_dot(to_dot(loss))
    labels = sorted(nodes.values())
    assert labels == sorted([
        "SumBackward\n() float64", "ReluBackward\n(2, 4) float64",
        "MatMulBackward\n(2, 4) float64", "(2, 3) float64\nrequires_grad",
        "(3, 4) float64\nrequires_grad",
    ])
    by_label = {label.split("\n")[0]: node for node, label in nodes.items()}
    matmul = by_label["MatMulBackward"]
    assert (by_label["ReluBackward"], by_label["SumBackward"], "") in edges
    assert (matmul, by_label["ReluBackward"], "") in edges
    assert len(edges) == 4
    tails = {tail: attributes for tail, head, attributes in edges if head == matmul}
    leaf_x = next(node for node, label in nodes.items() if label.startswith("(2, 3)"))
    assert tails[leaf_x] == 'label="0"'


def test_to_dot_shows_grad_norms_after_backward_and_hides_them_on_request() -> None:
    loss, x, w = small_graph()
    loss.backward()
    assert x.grad is not None
    nodes, _ = parse_dot(to_dot(loss, names={x: "x", w: "w", loss: "L"}))
    assert f"x\n(2, 3) float64\nrequires_grad\n.grad (2, 3) norm={float64_norm(x.grad):.4g}" in \
        nodes.values()
    assert "SumBackward\nL\n() float64" in nodes.values()
    hidden, _ = parse_dot(to_dot(loss, show_grads=False, names={x: "x"}))
    assert "x\n(2, 3) float64\nrequires_grad" in hidden.values()
    assert not any(".grad" in label for label in hidden.values())


def test_to_dot_names_parameters_of_a_module_and_marks_data_leaves() -> None:
    model, pixels, labels = small_mlp()
    loss = nn.CrossEntropyLoss()(model(pixels), labels)
    nodes, edges = parse_dot(to_dot(loss, names=model))
    first_lines = sorted(label.split("\n")[0] for label in nodes.values())
    assert first_lines == sorted(["0.weight", "0.bias", "2.weight", "2.bias", "(5, 12) float32",
                                  "(5,) int64", "CrossEntropyBackward", "LinearBackward",
                                  "LinearBackward", "ReluBackward"])
    assert "(5, 12) float32\nno grad" in nodes.values()
    assert "0.weight\n(8, 12) float32\nrequires_grad" in nodes.values()
    assert len(edges) == 2 + 3 + 1 + 3


def test_to_dot_escapes_quotes_backslashes_and_newlines_in_names() -> None:
    x = tge.ones(2, requires_grad=True)
    y = tge.ones(2, requires_grad=True)
    z = tge.ones(2, requires_grad=True)
    awkward = {x: 'say "hi" {x}', y: "back\\slash\\", z: "two\nlines;"}
    nodes, _ = parse_dot(to_dot((x * y + z).sum(), names=awkward))
    leaf_names = sorted(label.rsplit("\n", 2)[0] for label in nodes.values()
                        if label.endswith("requires_grad"))
    assert leaf_names == sorted(['say "hi" {x}', "back\\slash\\", "two\nlines;"])


def test_a_label_ending_in_a_backslash_keeps_its_closing_quote() -> None:
    weight = tge.ones(2, requires_grad=True)
    data = tge.ones(2)
    with trace_backward(names={data: "ends in \\"}) as trace:
        (weight * data).sum().backward()
    nodes, _ = parse_dot(trace.to_dot())
    assert "ends in \\ " in nodes.values()


def test_to_dot_of_a_leaf_is_one_node() -> None:
    nodes, edges = parse_dot(to_dot(tge.zeros(3)))
    assert list(nodes.values()) == ["(3,) float32\nno grad"] and edges == []


def test_to_dot_walks_a_long_chain_without_recursion() -> None:
    x = tge.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(3000):  # three times Python's default recursion limit
        y = y * 1.0
    # Structure only: laying out 6,000 nodes takes Graphviz many seconds, and every kind of
    # line in this text is already passed through `dot` by the tests above.
    nodes, edges = parse_dot(to_dot(y), check_with_dot=False)
    assert sum(label.startswith("MulBackward") for label in nodes.values()) == 3000
    assert len(nodes) == 3000 + 3000 + 1  # each op, its constant 1.0, and x
    assert len(edges) == 2 * 3000


def test_to_dot_draws_a_shared_input_once() -> None:
    x = tge.tensor([2.0], requires_grad=True)
    hidden = x.exp()
    nodes, edges = parse_dot(to_dot(hidden * hidden + x))
    assert sum(label.startswith("ExpBackward") for label in nodes.values()) == 1
    assert sum(label.endswith("requires_grad") for label in nodes.values()) == 1
    assert len(edges) == 2 + 2 + 1  # x*x twice into Mul, Mul and x into Add, x into Exp


# ---------------------------------------------------------------------------------- render


def test_render_without_graphviz_raises_how_to_get_it(no_graphviz: None, tmp_path: Path) -> None:
    loss, _, _ = small_graph()
    target = tmp_path / "graph.svg"
    with pytest.raises(RuntimeError) as raised:
        render(loss, target)
    message = str(raised.value)
    assert "pip install graphviz" in message and "apt-get install graphviz" in message
    assert INSTALL_HINT in message
    assert not target.exists()


def test_render_writes_an_image_or_raises_the_documented_error(tmp_path: Path) -> None:
    loss, _, _ = small_graph()
    has_package = importlib.util.find_spec("graphviz") is not None
    for name, magic in (("graph.svg", b"<svg"), ("graph.png", b"\x89PNG")):
        target = tmp_path / name
        if shutil.which("dot") is not None:
            assert render(loss, target) == target
            assert magic in target.read_bytes()[:400]
        else:
            with pytest.raises(RuntimeError, match="apt-get install graphviz"):
                render(loss, target)
            assert not target.exists()
            if not has_package:
                with pytest.raises(RuntimeError, match="pip install graphviz"):
                    render(loss, target)


def test_render_uses_the_dot_program_when_the_package_is_missing(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", None)
    loss, _, _ = small_graph()
    target = tmp_path / "graph.svg"
    if shutil.which("dot") is not None:
        render(loss, target)
        assert b"<svg" in target.read_bytes()
    else:
        with pytest.raises(RuntimeError, match="pip install graphviz"):
            render(loss, target)


def test_render_prefers_the_graphviz_package_and_infers_the_format(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    module = fake_graphviz(image=b"\x89PNG fake")
    monkeypatch.setitem(sys.modules, "graphviz", module)
    loss, _, _ = small_graph()
    written = render(loss, tmp_path / "graph.png")
    assert written.read_bytes() == b"\x89PNG fake"
    assert module.Source.calls == [(to_dot(loss), "png")]
    render("digraph { a -> b }", tmp_path / "no_suffix")
    assert module.Source.calls[-1] == ("digraph { a -> b }", "svg")
    with pytest.raises(ValueError, match="image format"):
        render(loss, tmp_path / "graph.gif")


def test_render_explains_a_package_without_its_program(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", fake_graphviz(missing_program=True))
    with pytest.raises(RuntimeError, match="`dot` program it runs is not on the PATH"):
        render(tge.ones(2), tmp_path / "graph.svg")


# ------------------------------------------------------------------------------ notebook view


def test_show_falls_back_to_dot_text_without_graphviz(no_graphviz: None) -> None:
    loss, _, _ = small_graph()
    view = show(loss)
    assert isinstance(view, GraphView) and view.dot == to_dot(loss) == str(view)
    assert view._repr_svg_() is None
    markdown = view._repr_markdown_()
    assert markdown is not None
    assert markdown.startswith("```dot\ndigraph") and markdown.endswith("}\n```")
    page = view._repr_html_()
    assert page.startswith("<pre>") and "-&gt;" in page and "&quot;" in page


def test_show_draws_inline_when_graphviz_is_available(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", fake_graphviz(b"<svg>graph</svg>"))
    view = show(tge.ones(2, requires_grad=True).sum())
    assert view._repr_svg_() == "<svg>graph</svg>"
    assert view._repr_html_() == "<svg>graph</svg>"
    assert view._repr_markdown_() is None


# ---------------------------------------------------------------------------------- tracer


def traced_mlp() -> tuple[nn.Sequential, tge.Tensor, tge.Tensor, list[BackwardRecord], dict]:
    model, pixels, labels = small_mlp()
    hidden = model[1](model[0](pixels))
    logits = model[2](hidden)
    loss = nn.CrossEntropyLoss()(logits, labels)
    names = {model[0].weight: "W1", model[0].bias: "b1", model[2].weight: "W2",
             model[2].bias: "b2", pixels: "X", labels: "Y", hidden: "A1"}
    with trace_backward(names=names) as trace:
        loss.backward()
    return model, pixels, labels, trace.records, names


def test_tracer_records_every_node_in_processing_order() -> None:
    _, _, _, records, _ = traced_mlp()
    assert [record.op for record in records] == [
        "CrossEntropyBackward", "LinearBackward", "ReluBackward", "LinearBackward"]
    assert [record.step for record in records] == [0, 1, 2, 3]
    assert all(dataclasses.is_dataclass(record) for record in records)
    assert dataclasses.asdict(records[2])["input_shapes"] == [(5, 8)]
    assert records[0].input_shapes == [(5, 4), (5,)]
    assert records[1].input_shapes == [(5, 8), (4, 8), (4,)]
    assert records[0].input_kinds == ["node", "data"]
    assert records[1].input_kinds == ["node", "leaf", "leaf"]
    assert records[1].input_sources == ["ReluBackward", "W2", "b2"]
    assert records[1].input_names == ["A1", None, None]
    assert records[3].input_sources == ["X", "W1", "b1"]
    assert [record.input_steps for record in records] == [
        [1, None], [2, None, None], [3], [None, None, None]]
    assert records[1].source_text(0) == "A1 = step 2 ReluBackward"
    assert records[0].source_text(1) == "Y (no grad)"


def test_tracer_rule_is_the_first_docstring_line_of_the_op() -> None:
    _, _, _, records, _ = traced_mlp()
    assert records[2].rule == (Relu.__doc__ or "").strip().splitlines()[0]
    assert records[2].rule.startswith("out = max(a, 0).   Local derivative")


def test_tracer_gradients_match_the_actual_gradients() -> None:
    model, _, _, records, names = traced_mlp()
    assert records[0].grad_output == GradientSummary((), 1.0)
    leaves = {name: tensor for tensor, name in names.items()}
    checked = 0
    for record in records:
        for index, kind in enumerate(record.input_kinds):
            passed = record.input_grads[index]
            if kind == "data":
                assert passed is None
            elif kind == "leaf":
                leaf = leaves[record.input_sources[index]]
                assert passed == GradientSummary(leaf.shape, float64_norm(leaf.grad))
                checked += 1
            else:
                # Each intermediate result is used once: what a node passes down is exactly
                # the upstream gradient of the node that produced the input.
                step = record.input_steps[index]
                assert step is not None and passed == records[step].grad_output
    assert checked == 4


def test_tracer_reports_gradients_after_unbroadcasting() -> None:
    column = tge.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
    matrix = tge.tensor(np.ones((3, 4)), requires_grad=True)
    with trace_backward() as trace:
        ((column + matrix) ** 2).sum().backward()
    add = trace.records[2]
    assert add.op == "AddBackward" and add.grad_output.shape == (3, 4)
    assert [gradient.shape for gradient in add.input_grads if gradient] == [(3, 1), (3, 4)]
    assert add.input_grads[0] == GradientSummary((3, 1), float64_norm(column.grad))
    assert add.input_grads[1] == GradientSummary((3, 4), float64_norm(matrix.grad))


def test_tracer_leaves_no_observer_behind_also_after_an_exception() -> None:
    before = list(BackwardObservers.active)
    x = tge.tensor([1.0, 2.0], requires_grad=True)
    with trace_backward() as trace:
        assert len(BackwardObservers.active) == len(before) + 1
        (x * 3).sum().backward()
    assert BackwardObservers.active == before == []
    with pytest.raises(ValueError, match="inside the block"):
        with trace_backward():
            with trace_backward():
                assert len(BackwardObservers.active) == 2
                raise ValueError("inside the block")
    assert BackwardObservers.active == []
    (x * 3).sum().backward()  # outside the block: nothing more is recorded
    assert [record.op for record in trace.records] == ["SumBackward", "MulBackward"]


def test_tracer_stays_clean_when_backward_itself_fails() -> None:
    x = tge.tensor([1.0], requires_grad=True)
    loss = (x * 2).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="second time"):
        with trace_backward():
            loss.backward()
    assert BackwardObservers.active == []


def test_table_is_aligned_with_one_line_per_input() -> None:
    model, pixels, labels = small_mlp()
    loss = nn.CrossEntropyLoss()(model(pixels), labels)
    with trace_backward(names=model) as trace:
        loss.backward()
    lines = trace.table().splitlines()
    assert len(lines) == 1 + 2 + 3 + 1 + 3
    header = lines[0]
    assert header.split() == ["step", "node", "upstream", "grad", "input", "from", "shape",
                              "grad", "passed", "local", "rule"]
    for column in ("node", "upstream grad", "input", "from", "shape", "grad passed"):
        start = header.index(column)
        assert all(line[start - 2:start] == "  " for line in lines[1:] if len(line) > start)
    assert lines[1].split()[:2] == ["0", "CrossEntropyBackward"]
    assert lines[1][header.index("grad passed"):].startswith("(5, 4) norm=")
    assert lines[2][header.index("from"):].startswith("data 0 (5,) (no grad)")
    assert lines[4][header.index("from"):].startswith("2.weight")
    assert "out = max(a, 0)." in lines[6]
    assert lines[7][header.index("grad passed"):].startswith("None")
    printed = io.StringIO()
    trace.print_table(printed)
    assert printed.getvalue() == trace.table() + "\n"


def test_trace_to_dot_draws_the_backward_pass() -> None:
    model, pixels, labels = small_mlp()
    loss = nn.CrossEntropyLoss()(model(pixels), labels)
    with trace_backward(names=model) as trace:
        loss.backward()
    nodes, edges = parse_dot(trace.to_dot())
    steps = [nodes[f"step{step}"].split("\n")[0] for step in range(4)]
    assert steps == ["step 0: CrossEntropyBackward", "step 1: LinearBackward",
                     "step 2: ReluBackward", "step 3: LinearBackward"]
    assert nodes["step0"].split("\n")[1] == "upstream () norm=1"
    assert len(edges) == 2 + 3 + 1 + 3 + 1  # one per input of each node, one gradient in
    relu = trace.records[2]
    assert ("step2", "step3", f'label="{relu.input_grads[0]}"') in edges
    weight_leaf = next(node for node, label in nodes.items() if label == "0.weight\n.grad")
    assert ("step3", weight_leaf, f'label="{trace.records[3].input_grads[1]}"') in edges
    assert sum('label="None", style=dashed' in attributes for _, _, attributes in edges) == 2


# ---------------------------------------------------------------------------------- example


def test_trace_mlp_example_runs_and_writes_its_drawings(tmp_path: Path, mnist_dir: Path) -> None:
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / "trace_mlp.py"), "--out", str(tmp_path), "--batch", "8"],
        capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    output = completed.stdout
    # The data comes through the library's resolution order, like the test's own.
    assert f"MNIST test images ({mnist_dir})" in output
    assert "dZ2 = A2 − Y" in output and "dZ1 = W2ᵀ·dZ2 ⊙ 1[Z1 > 0]" in output
    assert "step  node" in output and "Largest relative gap" in output
    drawn = "no SVG drawings" not in output
    if shutil.which("dot") is not None:
        assert drawn
    else:
        assert "pip install graphviz" in output
    for stem in ("trace_mlp_forward", "trace_mlp_backward"):
        parse_dot((tmp_path / f"{stem}.dot").read_text(encoding="utf-8"))
        assert (tmp_path / f"{stem}.svg").exists() == drawn


def test_trace_mlp_example_on_random_data(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    sys.path.insert(0, str(EXAMPLES))
    try:
        trace_mlp = importlib.import_module("trace_mlp")
    finally:
        sys.path.remove(str(EXAMPLES))
    assert trace_mlp.main(["--out", str(tmp_path), "--random", "--batch", "4"]) == 0
    output = capsys.readouterr().out
    assert "random pixels and labels" in output
    assert "W1.grad after backward" in output
    nodes, _ = parse_dot((tmp_path / "trace_mlp_forward.dot").read_text(encoding="utf-8"))
    assert "W1\n(64, 784) float32\nrequires_grad" in "\n\n".join(nodes.values())


def test_to_dot_draws_the_graph_as_recorded_before_an_in_place_op() -> None:
    """z = exp(y) was recorded before y.mul_(3): its input edge goes to the first Mul."""
    x = tge.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y.exp()
    y.mul_(3)
    nodes, edges = parse_dot(to_dot(z))
    first_lines = [label.split("\n")[0] for label in nodes.values()]
    assert first_lines.count("ExpBackward") == 1 and first_lines.count("MulBackward") == 1
    assert len(nodes) == 4 and len(edges) == 3  # x and 2 -> Mul -> Exp; the later Mul absent
    node_of = {label.split("\n")[0]: node_id for node_id, label in nodes.items()}
    assert (node_of["MulBackward"], node_of["ExpBackward"]) in {(a, b) for a, b, _ in edges}
