"""Time max_pool2d(2) forward + backward on a (64, 64, 24, 24) float32 batch: tinygrad_edu vs
PyTorch CPU eager, in one process, one thread each (set before NumPy and torch load).

Each repeat makes a fresh leaf from the same data, pools it with kernel 2 (stride 2), and runs
backward with a fixed upstream gradient; the script prints the median over ``--repeats`` of the
forward alone and of forward + backward, and checks that both libraries computed the same
gradient. Run it on an idle machine: other processes competing for the cores distort the
numbers.

    python benchmarks/bench_pooling.py
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import time
from typing import Any, Callable

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402

import tinygrad_edu as tge  # noqa: E402
from tinygrad_edu.nn import functional as F  # noqa: E402

SHAPE = (64, 64, 24, 24)


def median_ms(run: Callable[[], Any], repeats: int) -> float:
    """The median wall time of ``run()`` in milliseconds, after one warm-up call."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11, help="timed runs per measurement")
    arguments = parser.parse_args()
    rng = np.random.default_rng(0)
    images = rng.standard_normal(SHAPE).astype(np.float32)
    upstream = rng.standard_normal((*SHAPE[:2], SHAPE[2] // 2, SHAPE[3] // 2)).astype(np.float32)

    def ours(backward: bool) -> Any:
        x = tge.tensor(images, requires_grad=backward)
        pooled = F.max_pool2d(x, 2)
        if backward:
            pooled.backward(tge.tensor(upstream))
            return x.grad
        return pooled

    rows = [("tinygrad_edu", ours)]
    if importlib.util.find_spec("torch") is not None:
        import torch

        torch.set_num_threads(1)

        def theirs(backward: bool) -> Any:
            x = torch.tensor(images, requires_grad=backward)
            pooled = torch.nn.functional.max_pool2d(x, 2)
            if backward:
                pooled.backward(torch.tensor(upstream))
                return x.grad
            return pooled

        rows.append(("PyTorch CPU eager", theirs))
        assert np.array_equal(ours(True).numpy(), theirs(True).numpy())
    print(f"max_pool2d(2) on {SHAPE} float32, median of {arguments.repeats}:")
    print(f"{'contestant':<20}{'forward ms':>12}{'forward+backward ms':>22}")
    for name, run in rows:
        forward = median_ms(lambda: run(False), arguments.repeats)
        both = median_ms(lambda: run(True), arguments.repeats)
        print(f"{name:<20}{forward:>12.2f}{both:>22.2f}")


if __name__ == "__main__":
    main()
