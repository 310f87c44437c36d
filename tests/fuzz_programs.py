"""The programs of the differential fuzzer: steps, the op table, and their Python source.

A ``Program`` is a list of ``Step`` objects; a step names an op of the table ``OPS``, the program
values it reads (``args``), its parameters and the names it defines. Each op is an ``OpSpec``:
its Python source (a format string, the same for both libraries except for the module name)
and the function that runs it with either library (``lib`` is ``tinygrad_edu`` or ``torch``,
which spell their API alike). ``program_source`` prints a program as a runnable script, so a
failure report shows exactly what ran. Random programs come from ``fuzz_generator.py``; running
and comparing them is ``fuzz_compare.py``.

This module imports torch: import it after ``pytest.importorskip("torch")``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch

import tinygrad_edu

# ---------------------------------------------------------------------------------------------
# The two libraries
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Library:
    """One side of the comparison.

    Attributes:
        name: The module's name in the rendered source (``tge`` or ``torch``).
        title: How reports call it.
        module: The module itself; ops are run as ``spec.run(module, tensors, params)``.
        import_line: The line that imports ``module`` as ``name``.
    """

    name: str
    title: str
    module: Any
    import_line: str


TINYGRAD = Library("tge", "tinygrad_edu", tinygrad_edu, "import tinygrad_edu as tge")
TORCH = Library("torch", "torch", torch, "import torch")

# How threads are used while a program runs (``Program.thread_mode``).
MAIN_THREAD = "main"
WORKER_WHILE_MAIN_IN_NO_GRAD = "worker_while_main_in_no_grad"
MAIN_WHILE_WORKER_IN_NO_GRAD = "main_while_worker_in_no_grad"
THREAD_MODES = (MAIN_THREAD, WORKER_WHILE_MAIN_IN_NO_GRAD, MAIN_WHILE_WORKER_IN_NO_GRAD)


# ---------------------------------------------------------------------------------------------
# Parameter values that render differently per library
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DType:
    """A dtype parameter, written ``tge.float64`` or ``torch.float64``."""

    name: str

    def build(self, lib: Any) -> Any:
        """The library's dtype object."""
        dtypes = {
            "float64": lib.float64,
            "float32": lib.float32,
            "int64": lib.int64,
            "uint8": lib.uint8,
            "bool": lib.bool,
        }
        return dtypes[self.name]

    def source(self, lib_name: str) -> str:
        """The dtype as Python source."""
        return f"{lib_name}.{self.name}"


@dataclass(frozen=True)
class ArrayIndex:
    """An integer array or a boolean mask used inside an index: ``lib.tensor([0, 2, 0])``."""

    array: np.ndarray

    def build(self, lib: Any) -> Any:
        """The index tensor (int64 or bool in both libraries)."""
        return lib.tensor(self.array.tolist())

    def source(self, lib_name: str) -> str:
        """The index tensor as Python source."""
        return f"{lib_name}.tensor({self.array.tolist()!r})"


@dataclass(frozen=True)
class Index:
    """An index ``t[...]``: ints, slices, None, Ellipsis and ``ArrayIndex`` parts.

    One part is used alone (``t[1]``), several as a tuple (``t[1, ::2, None]``), as written.
    """

    parts: tuple[Any, ...]

    def build(self, lib: Any) -> Any:
        """The index object to pass to ``__getitem__``/``__setitem__``."""
        built = tuple(part.build(lib) if isinstance(part, ArrayIndex) else part
                      for part in self.parts)
        return built[0] if len(built) == 1 else built

    def source(self, lib_name: str) -> str:
        """The index as it appears between the brackets."""
        if not self.parts:
            return "()"
        return ", ".join(index_part_source(part, lib_name) for part in self.parts)


@dataclass(frozen=True)
class TensorLiteral:
    """A constant tensor written inline, such as the ``gradient`` of a backward call.

    Gradients are literals rather than program values on purpose: torch's engine may adopt the
    gradient it is given as a leaf's ``.grad`` and later accumulate into it in place, which
    changes the caller's tensor. That is an implementation detail of torch, not part of its
    documented semantics, so the fuzzer gives the caller no handle on a gradient it passes.
    """

    values: np.ndarray
    dtype: DType

    def build(self, lib: Any) -> Any:
        """The tensor."""
        if self.values.size == 0:
            return lib.zeros(self.values.shape, dtype=self.dtype.build(lib))
        return lib.tensor(self.values.tolist(), dtype=self.dtype.build(lib))

    def source(self, lib_name: str) -> str:
        """The tensor as Python source."""
        dtype = self.dtype.source(lib_name)
        if self.values.size == 0:
            return f"{lib_name}.zeros({self.values.shape!r}, dtype={dtype})"
        return f"{lib_name}.tensor({self.values.tolist()!r}, dtype={dtype})"


def build_literal(lib: Any, literal: TensorLiteral | None) -> Any:
    """The literal's tensor, or None."""
    return None if literal is None else literal.build(lib)


def index_part_source(part: Any, lib_name: str) -> str:
    """One index part as source: ``1``, ``1::2``, ``None``, ``...`` or ``lib.tensor([...])``."""
    if isinstance(part, ArrayIndex):
        return part.source(lib_name)
    if part is Ellipsis:
        return "..."
    if isinstance(part, slice):
        start = "" if part.start is None else str(part.start)
        stop = "" if part.stop is None else str(part.stop)
        step = "" if part.step is None else f":{part.step}"
        return f"{start}:{stop}{step}"
    return repr(part)


def param_source(value: Any, lib_name: str) -> str:
    """A step parameter as Python source for the library called ``lib_name``."""
    if isinstance(value, (DType, ArrayIndex, Index, TensorLiteral)):
        return value.source(lib_name)
    if isinstance(value, np.ndarray):
        return repr(value.tolist())
    if isinstance(value, list):
        return "[" + ", ".join(param_source(item, lib_name) for item in value) + "]"
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"  # inf and nan are no Python literals
    return repr(value)


# ---------------------------------------------------------------------------------------------
# Programs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One line of a program.

    Attributes:
        op: The key of the op in ``OPS``.
        args: The names of the program values the op reads, in order.
        params: The op's other parameters (numbers, tuples, ``Index``, ``DType``, arrays).
        outputs: The names the op defines (none for in-place ops and backward calls).
        grad_enabled: False when the step runs inside ``with lib.no_grad():``.
        family: The generator family that drew the step (reports name it).
    """

    op: str
    args: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    outputs: tuple[str, ...] = ()
    grad_enabled: bool = True
    family: str = ""


@dataclass
class Program:
    """A list of steps, the float dtype of its inputs and how threads are used."""

    steps: list[Step]
    dtype: str = "float64"
    thread_mode: str = MAIN_THREAD

    def __repr__(self) -> str:
        return f"<{self.dtype} program>\n{program_source(self, TORCH)}"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """How hypothesis prints a falsifying example: the torch program, not the fields."""
        printer.text(repr(self))


# ---------------------------------------------------------------------------------------------
# The op table
# ---------------------------------------------------------------------------------------------

RunFunction = Callable[[Any, list[Any], dict[str, Any]], Any]
RenderFunction = Callable[[Step, str], str]


@dataclass(frozen=True)
class OpSpec:
    """One op of the fuzzer, run the same way on both libraries.

    Attributes:
        name: Unique key (``Step.op``).
        family: The generator family that draws it (see ``fuzz_generator.FAMILIES``).
        source: The op as a format string: ``{0}``, ``{1}``... are the argument names, ``{all}``
            all of them joined by commas, ``{lib}`` the module name and ``{param}`` a parameter.
        run: ``run(lib, tensors, params)`` performs the op with module ``lib``.
        unpack: True when the op returns a tuple bound to several names (``max(dim)``, ``grad``).
        render: Builds the source instead of ``source`` when one format string is not enough.
        same_object_compared: False where torch may hand back an object it was given (the
            result of ``autograd.grad(y, y, v)`` is ``v`` itself): not a documented behaviour.
    """

    name: str
    family: str
    source: str
    run: RunFunction
    unpack: bool = False
    render: RenderFunction | None = None
    same_object_compared: bool = True


def double(gradient: Any) -> Any:
    """The hook of ``register_hook`` steps: doubles every gradient that reaches the tensor."""
    return gradient * 2


DOUBLE_SOURCE = ["", "", "def double(gradient):", "    return gradient * 2", "", ""]


def run_leaf(lib: Any, args: list[Any], params: dict[str, Any]) -> Any:
    """A new input tensor from the step's values."""
    dtype = params["dtype"].build(lib)
    return lib.tensor(params["values"].tolist(), dtype=dtype,
                      requires_grad=params["requires_grad"])


def run_empty_leaf(lib: Any, args: list[Any], params: dict[str, Any]) -> Any:
    """A new input tensor with no elements (its values cannot be written as a nested list)."""
    dtype = params["dtype"].build(lib)
    return lib.zeros(params["shape"], dtype=dtype, requires_grad=params["requires_grad"])


def run_setitem(lib: Any, args: list[Any], params: dict[str, Any]) -> None:
    """``target[index] = value`` with a tensor value."""
    args[0][params["index"].build(lib)] = args[1]


def run_setitem_scalar(lib: Any, args: list[Any], params: dict[str, Any]) -> None:
    """``target[index] = scalar``."""
    args[0][params["index"].build(lib)] = params["scalar"]


def run_mask_setitem(lib: Any, args: list[Any], params: dict[str, Any]) -> None:
    """``target[mask] = scalar`` with a bool mask that is a program value."""
    args[0][args[1]] = params["scalar"]


def run_backward(lib: Any, args: list[Any], params: dict[str, Any]) -> None:
    """``output.backward(gradient, retain_graph=..., create_graph=...)``."""
    args[0].backward(build_literal(lib, params["gradient"]),
                     retain_graph=params["retain_graph"], create_graph=params["create_graph"])


def run_backward_many(lib: Any, args: list[Any], params: dict[str, Any]) -> None:
    """``lib.autograd.backward(outputs, gradients, retain_graph=...)``."""
    gradients = [build_literal(lib, gradient) for gradient in params["gradients"]]
    lib.autograd.backward(args, gradients, retain_graph=params["retain_graph"])


def run_grad(lib: Any, args: list[Any], params: dict[str, Any]) -> tuple[Any, ...]:
    """``lib.autograd.grad(outputs, inputs, grad_outputs, ...)``."""
    output_count = params["output_count"]
    grad_outputs = [build_literal(lib, gradient) for gradient in params["grad_outputs"]]
    return lib.autograd.grad(args[:output_count], args[output_count:], grad_outputs,
                             retain_graph=params["retain_graph"],
                             create_graph=params["create_graph"],
                             allow_unused=params["allow_unused"])


def render_grad(step: Step, lib_name: str) -> str:
    """``lib.autograd.grad([outputs], [inputs], [grad_outputs], ...)``."""
    output_count = step.params["output_count"]
    outputs = ", ".join(step.args[:output_count])
    inputs = ", ".join(step.args[output_count:])
    grad_outputs = param_source(step.params["grad_outputs"], lib_name)
    return (f"{lib_name}.autograd.grad([{outputs}], [{inputs}], {grad_outputs}, "
            f"retain_graph={step.params['retain_graph']}, "
            f"create_graph={step.params['create_graph']}, "
            f"allow_unused={step.params['allow_unused']})")


OP_SPECS: list[OpSpec] = [
    # Inputs.
    OpSpec("leaf", "leaf", "{lib}.tensor({values}, dtype={dtype}, requires_grad={requires_grad})",
           run_leaf),
    OpSpec("empty_leaf", "leaf",
           "{lib}.zeros({shape}, dtype={dtype}, requires_grad={requires_grad})", run_empty_leaf),
    # Arithmetic with tensors and with Python scalars (broadcasting).
    OpSpec("add", "arithmetic", "{0} + {1}", lambda lib, a, p: a[0] + a[1]),
    OpSpec("sub", "arithmetic", "{0} - {1}", lambda lib, a, p: a[0] - a[1]),
    OpSpec("mul", "arithmetic", "{0} * {1}", lambda lib, a, p: a[0] * a[1]),
    OpSpec("div", "arithmetic", "{0} / {1}", lambda lib, a, p: a[0] / a[1]),
    OpSpec("neg", "arithmetic", "-{0}", lambda lib, a, p: -a[0]),
    OpSpec("add_scalar", "arithmetic", "{0} + {scalar}", lambda lib, a, p: a[0] + p["scalar"]),
    OpSpec("rsub_scalar", "arithmetic", "{scalar} - {0}", lambda lib, a, p: p["scalar"] - a[0]),
    OpSpec("mul_scalar", "arithmetic", "{0} * {scalar}", lambda lib, a, p: a[0] * p["scalar"]),
    OpSpec("div_scalar", "arithmetic", "{0} / {scalar}", lambda lib, a, p: a[0] / p["scalar"]),
    OpSpec("rdiv_scalar", "arithmetic", "{scalar} / {0}", lambda lib, a, p: p["scalar"] / a[0]),
    OpSpec("remainder", "arithmetic", "{0} % {1}", lambda lib, a, p: a[0] % a[1]),
    OpSpec("remainder_scalar", "arithmetic", "{0} % {scalar}",
           lambda lib, a, p: a[0] % p["scalar"]),
    # Powers.
    OpSpec("pow_scalar", "pow", "{0} ** {exponent}", lambda lib, a, p: a[0] ** p["exponent"]),
    OpSpec("rpow_scalar", "pow", "{base} ** {0}", lambda lib, a, p: p["base"] ** a[0]),
    OpSpec("pow", "pow", "{0} ** {1}", lambda lib, a, p: a[0] ** a[1]),
    OpSpec("sqrt", "pow", "{0}.sqrt()", lambda lib, a, p: a[0].sqrt()),
    # Smooth elementwise functions.
    OpSpec("exp", "transcendental", "{0}.exp()", lambda lib, a, p: a[0].exp()),
    OpSpec("log", "transcendental", "{0}.log()", lambda lib, a, p: a[0].log()),
    OpSpec("tanh", "transcendental", "{0}.tanh()", lambda lib, a, p: a[0].tanh()),
    OpSpec("sigmoid", "transcendental", "{0}.sigmoid()", lambda lib, a, p: a[0].sigmoid()),
    OpSpec("log1p", "transcendental", "{0}.log1p()", lambda lib, a, p: a[0].log1p()),
    OpSpec("sin", "transcendental", "{0}.sin()", lambda lib, a, p: a[0].sin()),
    OpSpec("cos", "transcendental", "{0}.cos()", lambda lib, a, p: a[0].cos()),
    # Piecewise functions, comparisons and selection.
    OpSpec("relu", "piecewise", "{0}.relu()", lambda lib, a, p: a[0].relu()),
    OpSpec("abs", "piecewise", "{0}.abs()", lambda lib, a, p: a[0].abs()),
    OpSpec("sign", "piecewise", "{0}.sign()", lambda lib, a, p: a[0].sign()),
    OpSpec("sgn", "piecewise", "{0}.sgn()", lambda lib, a, p: a[0].sgn()),
    OpSpec("clamp", "piecewise", "{0}.clamp(min={low}, max={high})",
           lambda lib, a, p: a[0].clamp(min=p["low"], max=p["high"])),
    OpSpec("maximum", "piecewise", "{lib}.maximum({0}, {1})",
           lambda lib, a, p: lib.maximum(a[0], a[1])),
    OpSpec("minimum", "piecewise", "{lib}.minimum({0}, {1})",
           lambda lib, a, p: lib.minimum(a[0], a[1])),
    OpSpec("greater", "piecewise", "{0} > {scalar}", lambda lib, a, p: a[0] > p["scalar"]),
    OpSpec("less", "piecewise", "{0} < {scalar}", lambda lib, a, p: a[0] < p["scalar"]),
    OpSpec("where", "piecewise", "{lib}.where({0}, {1}, {2})",
           lambda lib, a, p: lib.where(a[0], a[1], a[2])),
    OpSpec("where_scalar", "piecewise", "{lib}.where({0}, {1}, {scalar})",
           lambda lib, a, p: lib.where(a[0], a[1], p["scalar"])),
    # Reductions.
    OpSpec("sum_all", "reduction", "{0}.sum()", lambda lib, a, p: a[0].sum()),
    OpSpec("sum", "reduction", "{0}.sum(dim={dim}, keepdim={keepdim})",
           lambda lib, a, p: a[0].sum(dim=p["dim"], keepdim=p["keepdim"])),
    OpSpec("mean_all", "reduction", "{0}.mean()", lambda lib, a, p: a[0].mean()),
    OpSpec("mean", "reduction", "{0}.mean(dim={dim}, keepdim={keepdim})",
           lambda lib, a, p: a[0].mean(dim=p["dim"], keepdim=p["keepdim"])),
    OpSpec("var", "reduction", "{0}.var(dim={dim}, keepdim={keepdim}, correction={correction})",
           lambda lib, a, p: a[0].var(dim=p["dim"], keepdim=p["keepdim"],
                                      correction=p["correction"])),
    OpSpec("std", "reduction", "{0}.std(dim={dim}, keepdim={keepdim}, correction={correction})",
           lambda lib, a, p: a[0].std(dim=p["dim"], keepdim=p["keepdim"],
                                      correction=p["correction"])),
    OpSpec("norm", "reduction", "{0}.norm(p={p}, dim={dim}, keepdim={keepdim})",
           lambda lib, a, p: a[0].norm(p=p["p"], dim=p["dim"], keepdim=p["keepdim"])),
    OpSpec("logsumexp", "reduction", "{0}.logsumexp(dim={dim}, keepdim={keepdim})",
           lambda lib, a, p: a[0].logsumexp(dim=p["dim"], keepdim=p["keepdim"])),
    OpSpec("max_all", "reduction", "{0}.max()", lambda lib, a, p: a[0].max()),
    OpSpec("min_all", "reduction", "{0}.min()", lambda lib, a, p: a[0].min()),
    # Reductions with two outputs: (values, indices).
    OpSpec("argmax", "max_dim", "{0}.argmax(dim={dim}, keepdim={keepdim})",
           lambda lib, a, p: a[0].argmax(dim=p["dim"], keepdim=p["keepdim"])),
    OpSpec("argmin", "max_dim", "{0}.argmin(dim={dim}, keepdim={keepdim})",
           lambda lib, a, p: a[0].argmin(dim=p["dim"], keepdim=p["keepdim"])),
    OpSpec("max_dim", "max_dim", "{0}.max(dim={dim}, keepdim={keepdim})",
           lambda lib, a, p: a[0].max(dim=p["dim"], keepdim=p["keepdim"]), unpack=True),
    OpSpec("min_dim", "max_dim", "{0}.min(dim={dim}, keepdim={keepdim})",
           lambda lib, a, p: a[0].min(dim=p["dim"], keepdim=p["keepdim"]), unpack=True),
    # Softmax.
    OpSpec("softmax", "softmax", "{0}.softmax(dim={dim})",
           lambda lib, a, p: a[0].softmax(dim=p["dim"])),
    OpSpec("log_softmax", "softmax", "{0}.log_softmax(dim={dim})",
           lambda lib, a, p: a[0].log_softmax(dim=p["dim"])),
    # Views and shapes.
    OpSpec("reshape", "view", "{0}.reshape({shape})", lambda lib, a, p: a[0].reshape(p["shape"])),
    OpSpec("view", "view_method", "{0}.view({shape})", lambda lib, a, p: a[0].view(p["shape"])),
    OpSpec("transpose", "view", "{0}.transpose({dim0}, {dim1})",
           lambda lib, a, p: a[0].transpose(p["dim0"], p["dim1"])),
    OpSpec("permute", "view", "{0}.permute({dims})", lambda lib, a, p: a[0].permute(p["dims"])),
    OpSpec("mm", "matmul", "{0}.mm({1})", lambda lib, a, p: a[0].mm(a[1])),
    OpSpec("T", "view", "{0}.T", lambda lib, a, p: a[0].T),
    OpSpec("t", "view", "{0}.t()", lambda lib, a, p: a[0].t()),
    OpSpec("unsqueeze", "view", "{0}.unsqueeze({dim})",
           lambda lib, a, p: a[0].unsqueeze(p["dim"])),
    OpSpec("squeeze_all", "view", "{0}.squeeze()", lambda lib, a, p: a[0].squeeze()),
    OpSpec("squeeze", "view", "{0}.squeeze({dim})", lambda lib, a, p: a[0].squeeze(p["dim"])),
    OpSpec("expand", "view", "{0}.expand({sizes})", lambda lib, a, p: a[0].expand(p["sizes"])),
    OpSpec("flatten", "view", "{0}.flatten({start}, {end})",
           lambda lib, a, p: a[0].flatten(p["start"], p["end"])),
    OpSpec("detach", "view", "{0}.detach()", lambda lib, a, p: a[0].detach()),
    OpSpec("clone", "view", "{0}.clone()", lambda lib, a, p: a[0].clone()),
    # Indexing: basic (ints, slices, None, Ellipsis) and advanced (int arrays, bool masks).
    OpSpec("getitem", "basic_indexing", "{0}[{index}]",
           lambda lib, a, p: a[0][p["index"].build(lib)]),
    OpSpec("getitem_advanced", "advanced_indexing", "{0}[{index}]",
           lambda lib, a, p: a[0][p["index"].build(lib)]),
    OpSpec("getitem_mask", "advanced_indexing", "{0}[{1}]", lambda lib, a, p: a[0][a[1]]),
    # Matrix products and joins.
    OpSpec("matmul", "matmul", "{0} @ {1}", lambda lib, a, p: a[0] @ a[1]),
    OpSpec("cat", "join", "{lib}.cat([{all}], dim={dim})",
           lambda lib, a, p: lib.cat(a, dim=p["dim"])),
    OpSpec("stack", "join", "{lib}.stack([{all}], dim={dim})",
           lambda lib, a, p: lib.stack(a, dim=p["dim"])),
    # Several views of one tensor (unpacked into one name per piece).
    OpSpec("split", "split", "{0}.split({size}, dim={dim})",
           lambda lib, a, p: a[0].split(p["size"], dim=p["dim"]), unpack=True),
    OpSpec("split_sections", "split", "{lib}.split({0}, {sections}, dim={dim})",
           lambda lib, a, p: lib.split(a[0], p["sections"], dim=p["dim"]), unpack=True),
    OpSpec("chunk", "split", "{0}.chunk({chunks}, dim={dim})",
           lambda lib, a, p: a[0].chunk(p["chunks"], dim=p["dim"]), unpack=True),
    OpSpec("unbind", "split", "{lib}.unbind({0}, dim={dim})",
           lambda lib, a, p: lib.unbind(a[0], dim=p["dim"]), unpack=True),
    # dtype conversions.
    OpSpec("double", "integer_dtypes", "{0}.double()", lambda lib, a, p: a[0].double()),
    OpSpec("float", "integer_dtypes", "{0}.float()", lambda lib, a, p: a[0].float()),
    # In-place arithmetic.
    OpSpec("add_", "inplace_arithmetic", "{0}.add_({1})", lambda lib, a, p: a[0].add_(a[1])),
    OpSpec("add_alpha_", "inplace_arithmetic", "{0}.add_({1}, alpha={alpha})",
           lambda lib, a, p: a[0].add_(a[1], alpha=p["alpha"])),
    OpSpec("sub_", "inplace_arithmetic", "{0}.sub_({1})", lambda lib, a, p: a[0].sub_(a[1])),
    OpSpec("mul_", "inplace_arithmetic", "{0}.mul_({1})", lambda lib, a, p: a[0].mul_(a[1])),
    OpSpec("div_", "inplace_arithmetic", "{0}.div_({1})", lambda lib, a, p: a[0].div_(a[1])),
    OpSpec("add_scalar_", "inplace_arithmetic", "{0}.add_({scalar})",
           lambda lib, a, p: a[0].add_(p["scalar"])),
    OpSpec("sub_scalar_", "inplace_arithmetic", "{0}.sub_({scalar})",
           lambda lib, a, p: a[0].sub_(p["scalar"])),
    OpSpec("mul_scalar_", "inplace_arithmetic", "{0}.mul_({scalar})",
           lambda lib, a, p: a[0].mul_(p["scalar"])),
    OpSpec("div_scalar_", "inplace_arithmetic", "{0}.div_({scalar})",
           lambda lib, a, p: a[0].div_(p["scalar"])),
    OpSpec("pow_scalar_", "inplace_arithmetic", "{0}.pow_({scalar})",
           lambda lib, a, p: a[0].pow_(p["scalar"])),
    # In-place fills and copies.
    OpSpec("zero_", "inplace_fill", "{0}.zero_()", lambda lib, a, p: a[0].zero_()),
    OpSpec("fill_", "inplace_fill", "{0}.fill_({scalar})",
           lambda lib, a, p: a[0].fill_(p["scalar"])),
    OpSpec("copy_", "inplace_fill", "{0}.copy_({1})", lambda lib, a, p: a[0].copy_(a[1])),
    # Index assignment.
    OpSpec("setitem", "setitem", "{0}[{index}] = {1}", run_setitem),
    OpSpec("setitem_scalar", "setitem", "{0}[{index}] = {scalar}", run_setitem_scalar),
    OpSpec("setitem_mask", "setitem", "{0}[{1}] = {scalar}", run_mask_setitem),
    # Autograd.
    OpSpec("retain_grad", "retain_grad", "{0}.retain_grad()",
           lambda lib, a, p: a[0].retain_grad()),
    OpSpec("register_hook", "hooks", "{0}.register_hook(double)",
           lambda lib, a, p: a[0].register_hook(double)),
    OpSpec("requires_grad_", "requires_grad_", "{0}.requires_grad_()",
           lambda lib, a, p: a[0].requires_grad_()),
    OpSpec("backward", "backward",
           "{0}.backward({gradient}, retain_graph={retain_graph}, create_graph={create_graph})",
           run_backward),
    OpSpec("backward_many", "backward_many",
           "{lib}.autograd.backward([{all}], {gradients}, retain_graph={retain_graph})",
           run_backward_many),
    OpSpec("grad", "autograd_grad", "", run_grad, unpack=True, render=render_grad,
           same_object_compared=False),
]

OPS: dict[str, OpSpec] = {spec.name: spec for spec in OP_SPECS}


# ---------------------------------------------------------------------------------------------
# Rendering a program as Python source
# ---------------------------------------------------------------------------------------------


def step_source(step: Step, lib_name: str) -> str:
    """One step as a line of Python for the library called ``lib_name``."""
    spec = OPS[step.op]
    if spec.render is not None:
        expression = spec.render(step, lib_name)
    else:
        params = {key: param_source(value, lib_name) for key, value in step.params.items()}
        expression = spec.source.format(*step.args, lib=lib_name, all=", ".join(step.args),
                                        **params)
    if not step.outputs:
        return expression
    targets = ", ".join(step.outputs)
    if spec.unpack and len(step.outputs) == 1:
        targets += ","
    return f"{targets} = {expression}"


def program_lines(program: Program, library: Library, marked: int | None = None) -> list[str]:
    """The steps as lines, consecutive no-grad steps inside one ``with lib.no_grad():``; the
    step numbered ``marked`` ends with a comment pointing at it."""
    lines: list[str] = []
    inside_no_grad = False
    for number, step in enumerate(program.steps):
        if not step.grad_enabled and not inside_no_grad:
            lines.append(f"with {library.name}.no_grad():")
        inside_no_grad = not step.grad_enabled
        indent = "    " if inside_no_grad else ""
        mark = f"  # <- step {number}: the first difference" if number == marked else ""
        lines.append(indent + step_source(step, library.name) + mark)
    return lines


def program_source(program: Program, library: Library, marked: int | None = None) -> str:
    """The whole program as a runnable script for ``library`` (``marked``: the number of a step
    to point at with a comment)."""
    lines = [library.import_line]
    if any(step.op == "register_hook" for step in program.steps):
        lines += DOUBLE_SOURCE
    body = program_lines(program, library, marked)
    if program.thread_mode == MAIN_THREAD:
        return "\n".join(lines + body)
    lines.insert(0, "import threading")
    lines.append("")
    lines.append("")
    lines.append("def program():")
    lines.extend("    " + line for line in body)
    lines.append("")
    lines.append("")
    lib_name = library.name
    if program.thread_mode == WORKER_WHILE_MAIN_IN_NO_GRAD:
        lines += [
            f"with {lib_name}.no_grad():  # the main thread sits in no_grad",
            "    worker = threading.Thread(target=program)",
            "    worker.start()",
            "    worker.join()",
        ]
    else:
        lines += [
            "entered, finished = threading.Event(), threading.Event()",
            "",
            "",
            "def sit_in_no_grad():",
            f"    with {lib_name}.no_grad():",
            "        entered.set()",
            "        finished.wait()",
            "",
            "",
            "other = threading.Thread(target=sit_in_no_grad)",
            "other.start()",
            "entered.wait()  # another thread is inside no_grad while the program runs",
            "program()",
            "finished.set()",
            "other.join()",
        ]
    return "\n".join(lines)
