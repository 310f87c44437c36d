"""Microseconds per op, forward and forward+backward: NumPy vs tinygrad_edu vs torch.

For the ops an MLP step is made of (add, mul, matmul, relu, exp, log, sum, mean, cross_entropy,
linear, softmax), at a tiny shape, where the fixed cost of an op dominates, and at an MNIST
batch's shape, where the arithmetic starts to count:

  tiny   (4, 4) inputs (matmul (4, 4) @ (4, 4); linear: x (4, 4), weight (4, 4), bias (4,))
  mnist  elementwise and reductions on (32, 784); matmul (32, 784) @ (784, 64); linear: x
         (32, 784), weight (64, 784), bias (64,); softmax and cross_entropy on (32, 10) logits

Three measurements (modes) per op and shape, float32:

  forward, no_grad    the op under no_grad (NumPy: the plain expression)
  forward, recorded   the op on inputs that require grad: tinygrad_edu and torch record a node
                      (NumPy records nothing: the same plain expression)
  forward + backward  the op, then ``backward()`` (scalar outputs) or ``backward(gradient)``,
                      then every input's ``.grad`` reset to None; NumPy: the expression and its
                      hand-written gradient formulas (dA = G·Bᵀ, dB = Aᵀ·G, ...), the floor

and one more: the fixed cost of one ``backward()`` on a one-op graph, ``x.sum()`` for a (4, 4)
leaf (the graphs are built untimed; only the backward calls are timed).

Method: each measurement is a loop of n calls, n chosen so that a loop lasts about
``--target-ms``; ``--repeats`` loops per library, the libraries taking turns (the order rotates
each repeat); the table gives the median time per call. The garbage collector stays on (its
work is part of an op's cost in training) but runs before every loop; what the imports
created is frozen first (``gc.freeze``), so that collections walk only what the ops create.

Threads: ``--threads N`` (default 1) sets OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and
MKL_NUM_THREADS (overriding the environment) before NumPy loads, and torch.set_num_threads(N).

    python benchmarks/bench_ops.py                     # about a minute
    python benchmarks/bench_ops.py --quick             # seconds
    python benchmarks/bench_ops.py --out benchmarks/out/bench_ops.json

Run it on an idle machine. Timing lives here, never in the tests (tests/test_benchmarks.py
only checks a quick run's JSON).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, ContextManager, Mapping

from bench_support import (
    command_line,
    environment_record,
    import_torch,
    markdown_table,
    pin_threads,
    positive_integer,
    ratio_text,
    summary,
    use_this_checkout,
    write_json_atomically,
)

SCRIPT = "bench_ops.py"
DEFAULT_REPEATS, QUICK_REPEATS = 7, 3
DEFAULT_TARGET_MS, QUICK_TARGET_MS = 20.0, 2.0
DEFAULT_BACKWARD_GRAPHS, QUICK_BACKWARD_GRAPHS = 2000, 200
MAX_CALLS = 1_000_000
WARMUP_CALLS = 3


def positive_float(text: str) -> float:
    """argparse type: a float > 0."""
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command line (argparse only: it is read before NumPy loads)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=positive_integer, default=None,
                        help=f"timed loops per library and measurement (default "
                             f"{DEFAULT_REPEATS}; {QUICK_REPEATS} with --quick); the median "
                             "is reported")
    parser.add_argument("--target-ms", type=positive_float, default=None,
                        help=f"about how long one timed loop lasts (default "
                             f"{DEFAULT_TARGET_MS:g}; {QUICK_TARGET_MS:g} with --quick)")
    parser.add_argument("--backward-graphs", type=positive_integer, default=None,
                        help="one-op graphs per timed loop of the backward() fixed cost "
                             f"(default {DEFAULT_BACKWARD_GRAPHS}; {QUICK_BACKWARD_GRAPHS} "
                             "with --quick)")
    parser.add_argument("--threads", type=positive_integer, default=1,
                        help="threads for NumPy's BLAS and torch (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the inputs")
    parser.add_argument("--ops", type=lambda text: text.split(","), default=None,
                        metavar="NAME[,NAME...]", help="only these ops (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help="fewer and shorter loops: seconds, for a smoke test")
    parser.add_argument("--out", type=Path, default=None, metavar="FILE",
                        help="write every number to this JSON file (atomically)")
    return parser


# Read the command line and set the thread count before NumPy and torch load (only as a
# program: imported, the module leaves the environment alone).
if __name__ == "__main__":
    ARGUMENTS = build_parser().parse_args()
    pin_threads(ARGUMENTS.threads)
    use_this_checkout()

import numpy as np  # noqa: E402

import tinygrad_edu as tge  # noqa: E402
from tinygrad_edu.nn import functional as tge_functional  # noqa: E402

Array = np.ndarray

# ------------------------------------------------------------- NumPy: forward and gradients
# Each ``*_grads(grad_output, *inputs)`` computes the forward and then the hand-derived
# gradients of every floating-point input: what an op's backward must at least do.


def add_grads(grad: Array, a: Array, b: Array) -> tuple[Array, ...]:
    """out = a + b;  dA = G,  dB = G."""
    _ = a + b
    return grad, grad


def mul_grads(grad: Array, a: Array, b: Array) -> tuple[Array, ...]:
    """out = a ⊙ b;  dA = G ⊙ B,  dB = G ⊙ A."""
    _ = a * b
    return grad * b, grad * a


def matmul_grads(grad: Array, a: Array, b: Array) -> tuple[Array, ...]:
    """out = A·B;  dA = G·Bᵀ,  dB = Aᵀ·G."""
    _ = a @ b
    return grad @ b.T, a.T @ grad


def relu_forward(a: Array) -> Array:
    """max(a, 0)."""
    return np.maximum(a, 0)


def relu_grads(grad: Array, a: Array) -> tuple[Array, ...]:
    """out = max(a, 0);  dA = G ⊙ 1[a > 0] (the article's dZ1 = W2ᵀ·dZ2 ⊙ 1[Z1 > 0]).

    A product with the mask, not ``np.where``: on a mask of random signs, np.where mispredicts
    its branches and takes several times longer (about 9x at (32, 784)).
    """
    _ = np.maximum(a, 0)
    return (grad * (a > 0),)


def exp_grads(grad: Array, a: Array) -> tuple[Array, ...]:
    """out = exp(a);  dA = G ⊙ out."""
    out = np.exp(a)
    return (grad * out,)


def log_grads(grad: Array, a: Array) -> tuple[Array, ...]:
    """out = log(a);  dA = G / a."""
    _ = np.log(a)
    return (grad / a,)


def sum_grads(grad: Array, a: Array) -> tuple[Array, ...]:
    """out = Σ a;  dA = G everywhere."""
    _ = a.sum()
    return (np.full_like(a, grad),)


def mean_grads(grad: Array, a: Array) -> tuple[Array, ...]:
    """out = Σ a / n;  dA = G / n everywhere."""
    _ = a.mean()
    return (np.full_like(a, grad / a.size),)


def log_softmax(logits: Array) -> Array:
    """log softmax over the last axis, the maximum subtracted first."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def cross_entropy_forward(logits: Array, labels: Array) -> Array:
    """mean over the rows of -log softmax(logits)[label]."""
    return -log_softmax(logits)[np.arange(len(labels)), labels].mean()


def cross_entropy_grads(grad: Array, logits: Array, labels: Array) -> tuple[Array, ...]:
    """loss = mean -log softmax(Z)[label];  dZ = G (softmax(Z) - onehot) / m (dZ2 = A2 - Y)."""
    log_probabilities = log_softmax(logits)
    rows = np.arange(len(labels))
    _ = -log_probabilities[rows, labels].mean()
    grad_logits = np.exp(log_probabilities)
    grad_logits[rows, labels] -= 1
    return (grad_logits * (grad / len(labels)),)


def linear_forward(x: Array, weight: Array, bias: Array) -> Array:
    """x·Wᵀ + b."""
    return x @ weight.T + bias


def linear_grads(grad: Array, x: Array, weight: Array, bias: Array) -> tuple[Array, ...]:
    """out = X·Wᵀ + b;  dX = G·W,  dW = Gᵀ·X,  db = Σ_rows G."""
    _ = x @ weight.T + bias
    return grad @ weight, grad.T @ x, grad.sum(axis=0)


def softmax_forward(a: Array) -> Array:
    """softmax over the last axis."""
    exponentials = np.exp(a - a.max(axis=-1, keepdims=True))
    return exponentials / exponentials.sum(axis=-1, keepdims=True)


def softmax_grads(grad: Array, a: Array) -> tuple[Array, ...]:
    """out = softmax(a);  dA = out ⊙ (G - Σ_last (G ⊙ out))."""
    out = softmax_forward(a)
    return (out * (grad - (grad * out).sum(axis=-1, keepdims=True)),)


# ------------------------------------------------------------------------------ the op table


@dataclass(frozen=True)
class OpCase:
    """One op: its input shapes per size, its NumPy forward and forward+gradients, and the one
    call that tinygrad_edu and torch share (``call(functional, *inputs)``, ``functional`` being
    tinygrad_edu.nn.functional or torch.nn.functional).

    ``domain``: "real" (standard normal inputs) or "positive" (uniform in [0.5, 2), for log);
    ``labels``: the last input is integer class labels of that shape (cross_entropy), the
    classes being the first input's last dimension.
    """

    name: str
    shapes: Mapping[str, tuple[tuple[int, ...], ...]]
    numpy_forward: Callable[..., Any]
    numpy_grads: Callable[..., tuple[Array, ...]]
    call: Callable[..., Any]
    domain: str = "real"
    labels: bool = False


Shapes = dict[str, tuple[tuple[int, ...], ...]]  # size name -> the inputs' shapes
ELEMENTWISE: Shapes = {"tiny": ((4, 4),), "mnist": ((32, 784),)}
PAIR: Shapes = {"tiny": ((4, 4), (4, 4)), "mnist": ((32, 784), (32, 784))}

OP_CASES = [
    OpCase("add", PAIR, lambda a, b: a + b, add_grads, lambda F, a, b: a + b),
    OpCase("mul", PAIR, lambda a, b: a * b, mul_grads, lambda F, a, b: a * b),
    OpCase("matmul", {"tiny": ((4, 4), (4, 4)), "mnist": ((32, 784), (784, 64))},
           lambda a, b: a @ b, matmul_grads, lambda F, a, b: a @ b),
    OpCase("relu", ELEMENTWISE, relu_forward, relu_grads, lambda F, a: a.relu()),
    OpCase("exp", ELEMENTWISE, np.exp, exp_grads, lambda F, a: a.exp()),
    OpCase("log", ELEMENTWISE, np.log, log_grads, lambda F, a: a.log(), domain="positive"),
    OpCase("sum", ELEMENTWISE, np.sum, sum_grads, lambda F, a: a.sum()),
    OpCase("mean", ELEMENTWISE, np.mean, mean_grads, lambda F, a: a.mean()),
    OpCase("cross_entropy", {"tiny": ((4, 4), (4,)), "mnist": ((32, 10), (32,))},
           cross_entropy_forward, cross_entropy_grads,
           lambda F, logits, labels: F.cross_entropy(logits, labels), labels=True),
    OpCase("linear", {"tiny": ((4, 4), (4, 4), (4,)), "mnist": ((32, 784), (64, 784), (64,))},
           linear_forward, linear_grads, lambda F, x, w, b: F.linear(x, w, b)),
    OpCase("softmax", {"tiny": ((4, 4),), "mnist": ((32, 10),)}, softmax_forward,
           softmax_grads, lambda F, a: F.softmax(a, dim=-1)),
]
SIZES = ("tiny", "mnist")
MODES = {
    "forward_no_grad": "forward, no_grad",
    "forward_recorded": "forward, graph recorded (NumPy: the same plain forward)",
    "forward_backward": "forward + backward (NumPy: forward + hand-written gradients)",
}
LIBRARIES = ("numpy", "tinygrad_edu", "torch")
LABELS = {"numpy": "NumPy", "tinygrad_edu": "tinygrad_edu", "torch": "torch"}


def make_inputs(case: OpCase, size: str, rng: np.random.Generator) -> list[Array]:
    """The op's float32 inputs (and int64 labels) for one size."""
    shapes = case.shapes[size]
    arrays = []
    for position, shape in enumerate(shapes):
        if case.labels and position == len(shapes) - 1:
            arrays.append(rng.integers(0, shapes[0][-1], shape))
        elif case.domain == "positive":
            arrays.append(rng.uniform(0.5, 2.0, shape).astype(np.float32))
        else:
            arrays.append(rng.standard_normal(shape).astype(np.float32))
    return arrays


def shapes_text(case: OpCase, size: str) -> str:
    """The inputs' shapes as the table shows them, e.g. ``(32, 784) @ (784, 64)``."""
    texts = [str(shape) for shape in case.shapes[size]]
    if case.labels:
        texts[-1] = f"labels {texts[-1]}"
    return (" @ " if case.name == "matmul" else ", ").join(texts)


# ---------------------------------------------------------------------- the callables to time
Thunk = Callable[[], Any]


def numpy_thunks(case: OpCase, arrays: list[Array], grad: Array | float) -> dict[str, Thunk]:
    """NumPy's three measurements (the first two are the same expression)."""
    def forward() -> Any:
        return case.numpy_forward(*arrays)

    def forward_backward() -> Any:
        return case.numpy_grads(grad, *arrays)

    return {"forward_no_grad": forward, "forward_recorded": forward,
            "forward_backward": forward_backward}


def library_thunks(case: OpCase, functional: Any, inputs: list[Any], grad: Any,
                   leaves: list[Any]) -> dict[str, Thunk]:
    """tinygrad_edu's or torch's three measurements. ``inputs`` require grad where they are
    floating point (``leaves``); ``grad`` is the backward's gradient, None for a scalar."""
    def forward() -> Any:
        return case.call(functional, *inputs)

    def forward_backward() -> None:
        output = case.call(functional, *inputs)
        if grad is None:
            output.backward()
        else:
            output.backward(grad)
        for leaf in leaves:
            leaf.grad = None

    return {"forward_no_grad": forward, "forward_recorded": forward,
            "forward_backward": forward_backward}


def no_grad_contexts(torch: Any) -> dict[str, Callable[[], ContextManager[Any]]]:
    """The context each library's no_grad measurement runs in (entered once per loop)."""
    contexts: dict[str, Callable[[], ContextManager[Any]]] = {
        "numpy": contextlib.nullcontext, "tinygrad_edu": tge.no_grad}
    if torch is not None:
        contexts["torch"] = torch.no_grad
    return contexts


# ------------------------------------------------------------------------------------ timing


def loop_seconds(thunk: Thunk, calls: int, context: Callable[[], ContextManager[Any]]) -> float:
    """Seconds for ``calls`` calls of ``thunk`` inside ``context`` (after a collection)."""
    gc.collect()
    with context():
        start = time.perf_counter()
        for _ in range(calls):
            thunk()
        return time.perf_counter() - start


def calls_for(thunk: Thunk, target_seconds: float,
              context: Callable[[], ContextManager[Any]]) -> int:
    """How many calls last about ``target_seconds`` (doubling from 1, as timeit does)."""
    calls = 1
    while calls < MAX_CALLS:
        elapsed = loop_seconds(thunk, calls, context)
        if elapsed >= target_seconds:
            break
        calls = min(MAX_CALLS, calls * 2 if elapsed <= 0 else
                    max(calls * 2, int(calls * target_seconds / elapsed)))
    return calls


def time_interleaved(thunks: dict[str, Thunk], contexts: dict[str, Callable[[], Any]],
                     repeats: int, target_seconds: float) -> dict[str, dict[str, Any]]:
    """Microseconds per call of every library's thunk: calibrated, then ``repeats`` loops
    each, the libraries taking turns."""
    names = list(thunks)
    for name in names:  # warm-up: first calls allocate, fill caches, start torch's engine
        with contexts[name]():
            for _ in range(WARMUP_CALLS):
                thunks[name]()
    calls = {name: calls_for(thunks[name], target_seconds, contexts[name]) for name in names}
    per_call: dict[str, list[float]] = {name: [] for name in names}
    for repeat in range(repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            seconds = loop_seconds(thunks[name], calls[name], contexts[name])
            per_call[name].append(1e6 * seconds / calls[name])
    results = {}
    for name in names:
        times = summary(per_call[name])
        results[name] = {"median_us": times["median"], "min_us": times["min"],
                         "max_us": times["max"], "us_per_call": per_call[name],
                         "calls_per_loop": calls[name]}
    return results


def measure_op(case: OpCase, size: str, torch: Any, arguments: argparse.Namespace,
               rng: np.random.Generator) -> dict[str, Any]:
    """Every mode of one op at one size; the record for the JSON."""
    arrays = make_inputs(case, size, rng)
    output = case.numpy_forward(*arrays)
    scalar = np.ndim(output) == 0
    grad_array = None if scalar else rng.standard_normal(np.shape(output)).astype(np.float32)
    floating = [array.dtype.kind == "f" for array in arrays]

    tge_inputs = [tge.tensor(array, requires_grad=True) if is_float else tge.from_numpy(array)
                  for array, is_float in zip(arrays, floating)]
    per_library = {
        "numpy": numpy_thunks(case, arrays, 1.0 if grad_array is None else grad_array),
        "tinygrad_edu": library_thunks(
            case, tge_functional, tge_inputs,
            None if grad_array is None else tge.tensor(grad_array),
            [tensor for tensor, is_float in zip(tge_inputs, floating) if is_float]),
    }
    if torch is not None:
        torch_inputs = [torch.tensor(array, requires_grad=is_float)
                        for array, is_float in zip(arrays, floating)]
        per_library["torch"] = library_thunks(
            case, torch.nn.functional, torch_inputs,
            None if grad_array is None else torch.tensor(grad_array),
            [tensor for tensor, is_float in zip(torch_inputs, floating) if is_float])
    plain: dict[str, Callable[[], ContextManager[Any]]] = {
        name: contextlib.nullcontext for name in per_library}
    modes = {}
    for mode in MODES:
        contexts = no_grad_contexts(torch) if mode == "forward_no_grad" else plain
        thunks = {name: library_thunks_by_mode[mode]
                  for name, library_thunks_by_mode in per_library.items()}
        modes[mode] = time_interleaved(thunks, contexts, arguments.repeats,
                                       arguments.target_ms / 1000)
    ratios = {mode: {f"tinygrad_edu/{baseline}": results["tinygrad_edu"]["median_us"]
                     / results[baseline]["median_us"]
                     for baseline in ("numpy", "torch") if baseline in results}
              for mode, results in modes.items()}
    return {"op": case.name, "size": size, "shapes": [list(shape) for shape in case.shapes[size]],
            "shapes_text": shapes_text(case, size), "output_shape": list(np.shape(output)),
            "modes": modes, "ratios": ratios}


def measure_backward_fixed_cost(torch: Any, arguments: argparse.Namespace
                                ) -> dict[str, dict[str, Any]]:
    """Microseconds of one ``backward()`` on ``y = x.sum()``, x a (4, 4) leaf: the engine's
    fixed cost. Graphs are built untimed, ``--backward-graphs`` per loop, each on its own leaf
    (so no gradient accumulates); NumPy's entry is that backward's arithmetic alone
    (``np.full_like(x, 1.0)``)."""
    array = np.random.default_rng([arguments.seed, 1]).standard_normal((4, 4)).astype(np.float32)
    count = arguments.backward_graphs
    makers: dict[str, Callable[[], list[Any]]] = {
        "tinygrad_edu": lambda: [tge.tensor(array, requires_grad=True).sum()
                                 for _ in range(count)]}
    if torch is not None:
        makers["torch"] = lambda: [torch.tensor(array, requires_grad=True).sum()
                                   for _ in range(count)]
    per_call: dict[str, list[float]] = {"numpy": [], **{name: [] for name in makers}}
    names = list(per_call)
    for repeat in range(arguments.repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            if name == "numpy":
                seconds = loop_seconds(lambda: np.full_like(array, 1.0), count,
                                       contextlib.nullcontext)
            else:
                graphs = makers[name]()
                gc.collect()
                start = time.perf_counter()
                for graph in graphs:
                    graph.backward()
                seconds = time.perf_counter() - start
                del graphs
            per_call[name].append(1e6 * seconds / count)
    results = {}
    for name, values in per_call.items():
        times = summary(values)
        results[name] = {"median_us": times["median"], "min_us": times["min"],
                         "max_us": times["max"], "us_per_call": values,
                         "calls_per_loop": count}
    return results


# ------------------------------------------------------------------------------------ report


def microseconds(record: dict[str, Any] | None) -> str:
    """A median in µs for the table, or ``n/a``."""
    if record is None:
        return "n/a"
    value = record["median_us"]
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 1000 else f"{value:.0f}"


def mode_table(records: list[dict[str, Any]], mode: str) -> str:
    """One Markdown table per mode: a row per op and size."""
    rows = []
    for record in records:
        results = record["modes"][mode]
        medians = {name: value["median_us"] for name, value in results.items()}
        rows.append([record["op"], record["shapes_text"],
                     *(microseconds(results.get(name)) for name in LIBRARIES),
                     ratio_text(medians["tinygrad_edu"], medians.get("numpy")),
                     ratio_text(medians["tinygrad_edu"], medians.get("torch"))])
    return markdown_table(["op", "inputs", "NumPy µs", "tinygrad_edu µs", "torch µs",
                           "tge / NumPy", "tge / torch"], rows, "llrrrrr")


def backward_table(results: dict[str, dict[str, Any]]) -> str:
    """The fixed cost of backward() in one row."""
    medians = {name: value["median_us"] for name, value in results.items()}
    row = ["`x.sum().backward()`, x (4, 4)",
           *(microseconds(results.get(name)) for name in LIBRARIES),
           ratio_text(medians["tinygrad_edu"], medians.get("torch"))]
    return markdown_table(["one backward() on a one-op graph", "NumPy µs (the arithmetic)",
                           "tinygrad_edu µs", "torch µs", "tge / torch"], [row], "lrrrr")


def main(arguments: argparse.Namespace, argv: list[str]) -> int:
    """Measure every op, size and mode, print the tables, write the JSON."""
    if arguments.repeats is None:
        arguments.repeats = QUICK_REPEATS if arguments.quick else DEFAULT_REPEATS
    if arguments.target_ms is None:
        arguments.target_ms = QUICK_TARGET_MS if arguments.quick else DEFAULT_TARGET_MS
    if arguments.backward_graphs is None:
        arguments.backward_graphs = (QUICK_BACKWARD_GRAPHS if arguments.quick
                                     else DEFAULT_BACKWARD_GRAPHS)
    known = [case.name for case in OP_CASES]
    unknown = sorted(set(arguments.ops or []) - set(known))
    if unknown:
        print(f"{SCRIPT}: error: unknown op(s) {', '.join(unknown)}; expected some of "
              f"{', '.join(known)}", file=sys.stderr)
        return 2
    cases = [case for case in OP_CASES if arguments.ops is None or case.name in arguments.ops]
    torch, torch_missing = import_torch(arguments.threads)
    skipped = {} if torch_missing is None else {"torch": torch_missing}
    if torch_missing is not None:
        print(f"{SCRIPT}: skipping torch: {torch_missing}", file=sys.stderr, flush=True)
    results: dict[str, Any] = {
        "benchmark": "bench_ops", "command": command_line(SCRIPT, argv),
        "quick": arguments.quick, "complete": False,
        "arguments": {"repeats": arguments.repeats, "target_ms": arguments.target_ms,
                      "backward_graphs": arguments.backward_graphs,
                      "threads": arguments.threads, "seed": arguments.seed},
        "dtype": "float32", "environment": environment_record(arguments.threads),
        "libraries": [name for name in LIBRARIES if name not in skipped],
        "skipped": skipped, "modes": MODES, "sizes": list(SIZES),
        "ops": [], "backward_fixed_cost": None, "markdown": None, "total_seconds": None,
    }
    rng = np.random.default_rng([arguments.seed, 0])
    # What the imports made (torch's hundred thousand objects) goes to the permanent
    # generation: the collection before every loop then costs microseconds and leaves the
    # caches alone, and a collection inside a loop walks only what the ops made.
    gc.collect()
    gc.freeze()
    start = time.perf_counter()
    for size in SIZES:
        for case in cases:
            record = measure_op(case, size, torch, arguments, rng)
            results["ops"].append(record)
            recorded = record["modes"]["forward_backward"]
            print(f"  {case.name} {size}: forward+backward "
                  + ", ".join(f"{name} {value['median_us']:.1f} µs"
                              for name, value in recorded.items()),
                  file=sys.stderr, flush=True)
    results["backward_fixed_cost"] = measure_backward_fixed_cost(torch, arguments)
    sections = [f"### {description}\n\n{mode_table(results['ops'], mode)}"
                for mode, description in MODES.items()]
    sections.append(f"### fixed cost of backward()\n\n"
                    f"{backward_table(results['backward_fixed_cost'])}")
    markdown = "\n\n".join(sections)
    results.update(complete=True, markdown=markdown, total_seconds=time.perf_counter() - start)
    print(f"\nMicroseconds per call, float32, {arguments.threads} thread(s); median of "
          f"{arguments.repeats} loops of about {arguments.target_ms:g} ms per library, "
          "interleaved\n")
    print(markdown)
    if arguments.out is not None:
        write_json_atomically(arguments.out, results)
        print(f"\nJSON: {arguments.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(ARGUMENTS, sys.argv[1:]))
