"""Time 2-D convolutions at the MNIST CNN's shapes: tinygrad_edu vs PyTorch CPU eager.

Two layers, batch 64, float32, kernel 3x3, stride 1, no padding, with bias:

- conv1:  1 -> 32 channels on 28x28 images (the network's first layer: the images need no
          gradient, so forward+backward computes dW and db only);
- conv2: 32 -> 64 channels on 26x26 maps (a middle layer: dX, dW and db).

For each, ``forward`` runs under no_grad and ``forward+backward`` runs the layer and a backward
from a fixed upstream gradient. Both libraries get the same data and the same thread count: the
BLAS and OpenMP variables are set before NumPy and torch load, and ``torch.set_num_threads``.
The script prints the median over ``--repeats`` repeats (each the mean of ``--steps`` calls) in
microseconds and the ratio, then where tinygrad_edu's time goes: the same stages as
``tinygrad_edu/ops/convolution.py`` runs them, timed one by one (im2col, the products, col2im), and
the rest (padding-free bias add, reshapes, the engine) as the difference. Run it on an idle
machine: other processes competing for the cores distort every number.

    python benchmarks/bench_conv.py            # one thread
    python benchmarks/bench_conv.py --threads 2
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any, Callable


def thread_count_from_arguments() -> int:
    """``--threads`` read before NumPy loads (its BLAS reads the variables once, at import)."""
    for index, argument in enumerate(sys.argv):
        if argument == "--threads" and index + 1 < len(sys.argv):
            return int(sys.argv[index + 1])
        if argument.startswith("--threads="):
            return int(argument.split("=", 1)[1])
    return 1


THREADS = thread_count_from_arguments()
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = str(THREADS)

import numpy as np  # noqa: E402

import tinygrad_edu as tge  # noqa: E402
from tinygrad_edu.ops.convolution import ConvGeometry, col2im, im2col  # noqa: E402

BATCH = 64
# (name, in channels, out channels, image side, whether the input needs a gradient)
LAYERS = [("conv1  1->32 28x28", 1, 32, 28, False), ("conv2 32->64 26x26", 32, 64, 26, True)]
KERNEL = 3


def median_time(run: Callable[[], object], steps: int, repeats: int) -> float:
    """Median over repeats of the mean wall time of one call, in microseconds."""
    run()  # warm-up: first allocations, BLAS buffers
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            run()
        times.append((time.perf_counter() - start) / steps * 1e6)
    return statistics.median(times)


def ours(images: np.ndarray, weight: np.ndarray, bias: np.ndarray, upstream: np.ndarray,
         needs_input_grad: bool) -> tuple[Callable[[], object], Callable[[], object]]:
    """tinygrad_edu's forward and forward+backward, as a user writes them."""
    x = tge.from_numpy(images).requires_grad_(needs_input_grad)
    w = tge.from_numpy(weight.copy()).requires_grad_()
    b = tge.from_numpy(bias.copy()).requires_grad_()
    gradient = tge.from_numpy(upstream)

    def forward() -> object:
        with tge.no_grad():
            return tge.nn.functional.conv2d(x, w, b)

    def forward_backward() -> object:
        w.grad = b.grad = x.grad = None
        tge.nn.functional.conv2d(x, w, b).backward(gradient)
        return w.grad

    return forward, forward_backward


def theirs(images: np.ndarray, weight: np.ndarray, bias: np.ndarray, upstream: np.ndarray,
           needs_input_grad: bool) -> tuple[Callable[[], object], Callable[[], object]]:
    """PyTorch eager's forward and forward+backward of the same convolution."""
    import torch

    x = torch.from_numpy(images).requires_grad_(needs_input_grad)
    w = torch.from_numpy(weight.copy()).requires_grad_()
    b = torch.from_numpy(bias.copy()).requires_grad_()
    gradient = torch.from_numpy(upstream)

    def forward() -> object:
        with torch.no_grad():
            return torch.nn.functional.conv2d(x, w, b)

    def forward_backward() -> object:
        w.grad = b.grad = x.grad = None
        torch.nn.functional.conv2d(x, w, b).backward(gradient)
        return w.grad

    return forward, forward_backward


def stages(images: np.ndarray, weight: np.ndarray, upstream: np.ndarray,
           needs_input_grad: bool) -> dict[str, Callable[[], object]]:
    """The NumPy stages of the ops in ``tinygrad_edu/ops/convolution.py``, one at a time (groups
    = 1): what forward and backward spend their time on."""
    geometry = ConvGeometry((1, 1), ((0, 0), (0, 0)), (1, 1), 1)
    out_channels, channels = weight.shape[:2]
    kernels = weight.reshape(out_channels, -1)
    columns = im2col(images, (KERNEL, KERNEL), geometry)
    rows = upstream.reshape(BATCH, out_channels, -1)
    side = upstream.shape[-1]
    column_gradients = np.matmul(kernels.T, rows).reshape(BATCH, channels, KERNEL, KERNEL, side,
                                                          side)
    parts: dict[str, Callable[[], object]] = {
        "im2col (forward)": lambda: im2col(images, (KERNEL, KERNEL), geometry),
        "W · cols (forward product)": lambda: np.matmul(kernels, columns),
        "Σ dZ · colsᵀ (dW product)": lambda: np.matmul(
            rows, columns.transpose(0, 2, 1)).sum(axis=0),
        "Σ dZ (db)": lambda: upstream.sum(axis=(0, 2, 3)),
    }
    if needs_input_grad:
        parts["Wᵀ · dZ (dX product)"] = lambda: np.matmul(kernels.T, rows)
        parts["col2im (dX)"] = lambda: col2im(column_gradients, images.shape, geometry)
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5, help="calls per repeat")
    parser.add_argument("--repeats", type=int, default=9, help="repeats; the median is kept")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS/OpenMP threads for NumPy and torch (default 1)")
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    torch: Any = None
    try:
        import torch
    except ImportError:
        print("torch is not installed: timing tinygrad_edu only")
    if torch is not None:
        torch.set_num_threads(arguments.threads)
    rng = np.random.default_rng(arguments.seed)
    print(f"conv2d, batch {BATCH}, float32, kernel {KERNEL}x{KERNEL}, stride 1, no padding; "
          f"{arguments.threads} thread(s) (OPENBLAS/OMP/MKL_NUM_THREADS="
          f"{os.environ['OPENBLAS_NUM_THREADS']}"
          + (f", torch.get_num_threads()={torch.get_num_threads()}" if torch else "")
          + f"); median of {arguments.repeats} repeats x {arguments.steps} calls")
    print()
    print(f"| {'layer':<18} | {'pass':<16} | tinygrad_edu µs | torch µs | ratio |")
    print(f"|{'-' * 20}|{'-' * 18}|----------------:|---------:|------:|")
    breakdowns = []
    for name, channels, out_channels, side, needs_input_grad in LAYERS:
        images = rng.standard_normal((BATCH, channels, side, side), dtype=np.float32)
        weight = rng.uniform(-0.3, 0.3, (out_channels, channels, KERNEL, KERNEL)).astype(
            np.float32)
        bias = rng.uniform(-0.3, 0.3, out_channels).astype(np.float32)
        out_side = side - KERNEL + 1
        upstream = rng.standard_normal((BATCH, out_channels, out_side, out_side),
                                       dtype=np.float32)
        our_calls = ours(images, weight, bias, upstream, needs_input_grad)
        their_calls = theirs(images, weight, bias, upstream, needs_input_grad) if torch \
            else None
        totals = {}
        for index, label in enumerate(("forward", "forward+backward")):
            our_time = median_time(our_calls[index], arguments.steps, arguments.repeats)
            totals[label] = our_time
            if their_calls is None:
                print(f"| {name:<18} | {label:<16} | {our_time:15.0f} | {'-':>8} | {'-':>5} |")
                continue
            their_time = median_time(their_calls[index], arguments.steps, arguments.repeats)
            print(f"| {name:<18} | {label:<16} | {our_time:15.0f} | {their_time:8.0f} | "
                  f"{our_time / their_time:5.2f} |")
        parts = {label: median_time(run, arguments.steps, arguments.repeats)
                 for label, run in stages(images, weight, upstream, needs_input_grad).items()}
        breakdowns.append((name, totals, parts))
    print()
    print("Where tinygrad_edu's forward+backward time goes (µs, each stage timed alone):")
    for name, totals, parts in breakdowns:
        print(f"  {name}")
        for label, microseconds in parts.items():
            print(f"    {label:<28} {microseconds:9.0f}")
        rest = totals["forward+backward"] - sum(parts.values())
        print(f"    {'the rest (bias, copies, engine)':<28} {rest:9.0f}")
        print(f"    {'total forward+backward':<28} {totals['forward+backward']:9.0f}")


if __name__ == "__main__":
    main()
