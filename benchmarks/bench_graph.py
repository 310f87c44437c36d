"""Time building and backpropagating large graphs: tinygrad_edu vs PyTorch, plus memory growth.

Three measurements, both libraries in the same process, one thread each:

- chain: ``y = x; for _ in range(n): y = y * 1.0001`` (``--op add``: ``y + 1``) on a small leaf
  that requires grad, for n = 10k, 50k, 100k, 150k, 200k ops. Build time, backward time
  (``y.sum().backward()``) and the per-op cost of each; the per-op build cost should not grow
  with n. The "full GCs" column counts the cyclic garbage collector's generation-2 passes (each
  one scans every live object, the whole graph included) during the build.
- fan-in: one leaf used 10,000 times, ``sum(x * i for i in range(10_000))``, build and backward.
- memory: tracemalloc growth of Python allocations over 10,000 training steps of a small
  MLP (16-32-4, batch 8, SGD, cross-entropy), eager and compiled with ``tinygrad_edu.jit``.
  Only tinygrad_edu: torch's tensors live in C++ memory that tracemalloc does not see.

Times are medians over ``--repeats`` runs (the libraries alternate within a repeat). The
script prints Markdown tables and, with ``--out``, writes the numbers as JSON. ``--quick`` runs
small sizes once (a smoke run, not a measurement). Run it on an idle machine: other processes
competing for the cores distort every number.

    PYTHONPATH=. python benchmarks/bench_graph.py
    PYTHONPATH=. python benchmarks/bench_graph.py --quick --out graph.json

(``PYTHONPATH=.`` makes a checkout measure its own tinygrad_edu rather than an installed one;
the JSON records which one ran.)
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import statistics
import sys
import time
import tracemalloc
from typing import Any, Callable, Sequence

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402

import tinygrad_edu as tge  # noqa: E402

SIZES = (10_000, 50_000, 100_000, 150_000, 200_000)
QUICK_SIZES = (1_000, 5_000)
FAN_IN_USES = 10_000
MEMORY_STEPS = 10_000
MEMORY_WARMUP_STEPS = 100

# A library, as the benchmark needs it: make a leaf of 4 ones that requires grad.
Library = Callable[[], Any]


class FullCollections:
    """Counts the cyclic garbage collector's generation-2 (full) passes while active."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            self.count += 1

    def __enter__(self) -> FullCollections:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exception: object) -> None:
        gc.callbacks.remove(self)


def libraries() -> dict[str, Library]:
    """The contestants: tinygrad_edu, and torch when it is installed."""
    contestants: dict[str, Library] = {
        "tinygrad_edu": lambda: tge.ones(4, requires_grad=True),
    }
    if importlib.util.find_spec("torch") is not None:
        import torch

        torch.set_num_threads(1)
        contestants["torch"] = lambda: torch.ones(4, requires_grad=True)
    return contestants


def time_chain(make_leaf: Library, ops: int, op: str) -> dict[str, float]:
    """Build an ``ops``-long chain, run backward, drop the graph; the seconds of each step."""
    gc.collect()  # start every measurement from the same clean heap
    leaf = make_leaf()
    with FullCollections() as full_collections:
        start = time.perf_counter()
        y = leaf
        if op == "mul":
            for _ in range(ops):
                y = y * 1.0001
        else:
            for _ in range(ops):
                y = y + 1
        build = time.perf_counter() - start
    start = time.perf_counter()
    y.sum().backward()
    backward = time.perf_counter() - start
    start = time.perf_counter()
    del y
    release = time.perf_counter() - start
    return {"build_s": build, "backward_s": backward, "release_s": release,
            "full_collections": full_collections.count}


def time_fan_in(make_leaf: Library, uses: int) -> dict[str, float]:
    """One leaf used ``uses`` times: build ``sum(x * i)``, then backward."""
    gc.collect()
    x = make_leaf()
    start = time.perf_counter()
    total = sum(x * i for i in range(uses))
    build = time.perf_counter() - start
    start = time.perf_counter()
    total.sum().backward()
    backward = time.perf_counter() - start
    return {"build_s": build, "backward_s": backward}


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    """The median of each measured quantity over the runs."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def mlp_memory_growth(steps: int, compiled: bool = False) -> dict[str, float]:
    """tracemalloc growth over ``steps`` training steps of a small MLP, in bytes: as left after
    the last step, and after a full ``gc.collect()`` (which finds reference cycles). The step
    runs eagerly, or ``compiled`` with ``tinygrad_edu.jit`` (captured in the warm-up)."""
    rng = np.random.default_rng(0)
    images = rng.standard_normal((64, 16)).astype(np.float32)
    labels = rng.integers(0, 4, 64)
    model = tge.nn.Sequential(tge.nn.Linear(16, 32), tge.nn.ReLU(), tge.nn.Linear(32, 4))
    optimizer = tge.optim.SGD(model.parameters(), lr=1e-2)

    def train(rows_images: np.ndarray, rows_labels: np.ndarray) -> Any:
        loss = tge.nn.functional.cross_entropy(model(tge.from_numpy(rows_images)),
                                               tge.from_numpy(rows_labels))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    run_step = tge.jit(train) if compiled else train

    def step(index: int) -> float:
        rows = slice(8 * (index % 8), 8 * (index % 8) + 8)
        return float(run_step(images[rows], labels[rows]).item())

    for index in range(MEMORY_WARMUP_STEPS):  # lazy imports, caches, first allocations
        step(index)
    gc.collect()
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        start = time.perf_counter()
        for index in range(steps):
            step(index)
        seconds = time.perf_counter() - start
        after_steps = tracemalloc.get_traced_memory()[0]
        gc.collect()
        after_collect = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return {"steps": steps, "growth_bytes": after_steps - baseline,
            "growth_after_collect_bytes": after_collect - baseline,
            "seconds_traced": seconds}


def run(sizes: Sequence[int], fan_in_uses: int, memory_steps: int, repeats: int,
        op: str) -> dict[str, Any]:
    """All measurements, as the JSON the script writes."""
    contestants = libraries()
    for make_leaf in contestants.values():  # warm-up: imports, caches, first allocations
        time_chain(make_leaf, 1_000, op)
        time_fan_in(make_leaf, 100)
    chain = []
    for ops in sizes:
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in contestants}
        for _ in range(repeats):
            for name, make_leaf in contestants.items():
                runs[name].append(time_chain(make_leaf, ops, op))
        for name in contestants:
            result = medians(runs[name])
            chain.append({"library": name, "ops": ops, **result,
                          "build_us_per_op": 1e6 * result["build_s"] / ops,
                          "backward_us_per_op": 1e6 * result["backward_s"] / ops})
    fan_in = []
    fan_in_runs: dict[str, list[dict[str, float]]] = {name: [] for name in contestants}
    for _ in range(repeats):
        for name, make_leaf in contestants.items():
            fan_in_runs[name].append(time_fan_in(make_leaf, fan_in_uses))
    for name in contestants:
        fan_in.append({"library": name, "uses": fan_in_uses, **medians(fan_in_runs[name])})
    return {
        "config": {"sizes": list(sizes), "op": op, "fan_in_uses": fan_in_uses,
                   "memory_steps": memory_steps, "repeats": repeats,
                   "python": sys.version.split()[0], "gc_threshold": list(gc.get_threshold()),
                   "tinygrad_edu_path": os.path.dirname(tge.__file__),
                   "libraries": list(contestants)},
        "chain": chain,
        "fan_in": fan_in,
        "memory": {"eager": mlp_memory_growth(memory_steps),
                   "jit": mlp_memory_growth(memory_steps, compiled=True)},
    }


def markdown(results: dict[str, Any]) -> str:
    """The results as Markdown tables, tinygrad_edu's time over torch's where torch ran."""
    config = results["config"]
    chain_op = "y * 1.0001" if config["op"] == "mul" else "y + 1"
    lines = [
        f"Chain `y = {chain_op}` (median of {config['repeats']}; full GCs: generation-2 "
        "collections during the build)",
        "",
        "| ops | library | build ms | build µs/op | backward ms | backward µs/op "
        "| build + backward ms | vs torch | full GCs |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    torch_total = {row["ops"]: row["build_s"] + row["backward_s"]
                   for row in results["chain"] if row["library"] == "torch"}
    for row in results["chain"]:
        total = row["build_s"] + row["backward_s"]
        ratio = (f"{total / torch_total[row['ops']]:.2f}x"
                 if row["library"] != "torch" and row["ops"] in torch_total else "")
        lines.append(
            f"| {row['ops']:,} | {row['library']} | {1e3 * row['build_s']:.0f} "
            f"| {row['build_us_per_op']:.2f} | {1e3 * row['backward_s']:.0f} "
            f"| {row['backward_us_per_op']:.2f} | {1e3 * total:.0f} | {ratio} "
            f"| {row['full_collections']:.0f} |")
    lines += ["", f"Fan-in: `sum(x * i for i in range({config['fan_in_uses']:,}))`", "",
              "| library | build ms | backward ms | build vs torch |", "|---|---:|---:|---:|"]
    torch_build = {row["library"]: row["build_s"] for row in results["fan_in"]}.get("torch")
    for row in results["fan_in"]:
        ratio = (f"{row['build_s'] / torch_build:.2f}x"
                 if row["library"] != "torch" and torch_build else "")
        lines.append(f"| {row['library']} | {1e3 * row['build_s']:.1f} "
                     f"| {1e3 * row['backward_s']:.1f} | {ratio} |")
    memory = results["memory"]
    lines += ["", f"Memory: tracemalloc growth over {memory['eager']['steps']:,} MLP training "
              "steps (tinygrad_edu)", "", "| step | growth | after gc.collect() |",
              "|---|---:|---:|"]
    for mode in ("eager", "jit"):
        lines.append(f"| {mode} | {memory[mode]['growth_bytes'] / 1e3:.1f} kB "
                     f"| {memory[mode]['growth_after_collect_bytes'] / 1e3:.1f} kB |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--op", choices=("mul", "add"), default="mul",
                        help="the chain's op: y * 1.0001 or y + 1")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes, one run: a smoke run, not a measurement")
    parser.add_argument("--out", help="write the results as JSON to this file")
    arguments = parser.parse_args(argv)
    if arguments.quick:
        results = run(QUICK_SIZES, 1_000, 200, 1, arguments.op)
    else:
        results = run(SIZES, FAN_IN_USES, MEMORY_STEPS, arguments.repeats, arguments.op)
    print(markdown(results))
    if arguments.out:
        with open(arguments.out, "w", encoding="utf-8") as file:
            json.dump(results, file, indent=2)
    return results


if __name__ == "__main__":
    main()
