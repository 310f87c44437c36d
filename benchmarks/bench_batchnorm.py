"""Time BatchNorm2d forward + backward: tinygrad_edu's fused op vs a composite vs PyTorch.

One training-mode BatchNorm2d call on a (64, 32, 26, 26) float32 batch (the activations of a
small MNIST CNN after a 3x3 convolution with 32 channels), then backward with a fixed upstream
gradient, which reaches the input, γ and β:

- tinygrad_edu (fused):     ``nn.BatchNorm2d``, one ``ops.Normalize`` node whose backward is
                            the closed formula dx = (1/m)·γ/σ·(m·dy − Σdy − x̂·Σ(dy·x̂));
- tinygrad_edu (composite): the same math from public Tensor ops (mean, var, sub, pow, mul,
                            add), each with its own backward, chained by the engine;
- torch (CPU eager):        ``torch.nn.BatchNorm2d``.

The script first checks, in float64, that both tinygrad_edu versions give torch's output and
input gradient (the largest differences are printed), then prints the median time per call
over ``--repeats`` repeats of ``--calls`` calls. Run it on an idle machine.

    python benchmarks/bench_batchnorm.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any, Callable

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402

import tinygrad_edu as tge  # noqa: E402

SHAPE = (64, 32, 26, 26)
AXES = (0, 2, 3)
EPS = 1e-5

Problem = dict[str, np.ndarray]


def make_problem(dtype: type, seed: int) -> Problem:
    rng = np.random.default_rng(seed)
    return {"x": (rng.standard_normal(SHAPE) * 2 + 0.5).astype(dtype),
            "upstream": rng.standard_normal(SHAPE).astype(dtype),
            "weight": rng.uniform(0.5, 1.5, SHAPE[1]).astype(dtype),
            "bias": rng.uniform(-0.5, 0.5, SHAPE[1]).astype(dtype)}


def fused_call(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """nn.BatchNorm2d as a user writes it (one fused op)."""
    layer = tge.nn.BatchNorm2d(SHAPE[1], dtype=problem["x"].dtype)
    layer.load_state_dict({"weight": problem["weight"], "bias": problem["bias"]}, strict=False)
    x = tge.tensor(problem["x"], requires_grad=True)
    output = layer(x)
    output.backward(tge.tensor(problem["upstream"]))
    assert x.grad is not None
    return output.detach().numpy(), x.grad.numpy()


def composite_call(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """The same training-mode batch norm composed from Tensor ops."""
    x = tge.tensor(problem["x"], requires_grad=True)
    weight = tge.tensor(problem["weight"], requires_grad=True).reshape(1, -1, 1, 1)
    bias = tge.tensor(problem["bias"], requires_grad=True).reshape(1, -1, 1, 1)
    mean = x.mean(dim=AXES, keepdim=True)
    variance = x.var(dim=AXES, keepdim=True, correction=0)
    output = (x - mean) * (variance + EPS) ** -0.5 * weight + bias
    output.backward(tge.tensor(problem["upstream"]))
    assert x.grad is not None
    return output.detach().numpy(), x.grad.numpy()


def torch_call(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """torch.nn.BatchNorm2d in training mode."""
    import torch

    dtype = torch.float64 if problem["x"].dtype == np.float64 else torch.float32
    layer = torch.nn.BatchNorm2d(SHAPE[1], dtype=dtype)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(problem["weight"]))
        layer.bias.copy_(torch.from_numpy(problem["bias"]))
    x = torch.tensor(problem["x"], requires_grad=True)
    output = layer(x)
    output.backward(torch.from_numpy(problem["upstream"]))
    assert x.grad is not None
    return output.detach().numpy(), x.grad.numpy()


def median_call_time(call: Callable[[Problem], Any], problem: Problem, calls: int,
                     repeats: int) -> float:
    """Median over repeats of the wall time per call, in milliseconds."""
    call(problem)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            call(problem)
        times.append((time.perf_counter() - start) / calls * 1e3)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5, help="calls per repeat")
    parser.add_argument("--repeats", type=int, default=7, help="repeats; the median is kept")
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    contestants: dict[str, Callable[[Problem], Any]] = {
        "tinygrad_edu (fused)": fused_call,
        "tinygrad_edu (composite)": composite_call,
    }
    try:
        import torch

        torch.set_num_threads(1)
        contestants["torch (CPU eager)"] = torch_call
        check = make_problem(np.float64, arguments.seed)
        expected_output, expected_gradient = torch_call(check)
        print("float64, largest difference from torch (output, input gradient):")
        for name in ("tinygrad_edu (fused)", "tinygrad_edu (composite)"):
            output, gradient = contestants[name](check)
            print(f"  {name:<26} {np.abs(output - expected_output).max():.1e}  "
                  f"{np.abs(gradient - expected_gradient).max():.1e}")
    except ImportError:
        print("torch is not installed: timing tinygrad_edu only")
    problem = make_problem(np.float32, arguments.seed)
    results = {name: median_call_time(call, problem, arguments.calls, arguments.repeats)
               for name, call in contestants.items()}
    print(f"BatchNorm2d forward + backward, {SHAPE} float32, training mode, "
          f"{arguments.calls} calls x {arguments.repeats} repeats (median), one thread")
    for name, milliseconds in results.items():
        print(f"  {name:<26} {milliseconds:7.1f} ms/call")
    fused = results["tinygrad_edu (fused)"]
    for name, milliseconds in results.items():
        if name != "tinygrad_edu (fused)":
            print(f"  fused / {name:<26} {fused / milliseconds:5.2f}x")


if __name__ == "__main__":
    main()
