"""One training step of the official MNIST CNN (batch 64, float32): tinygrad_edu vs torch CPU eager.

    python benchmarks/bench_cnn.py                 # 7 rounds of 20 steps each, interleaved
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/bench_cnn.py --rounds 5

The network and recipe are examples/cnn_mnist.py's contestants (1) and (2): the same code, the
same initial weights, the same batches, Adadelta and NLL loss. Each round times ``--steps``
steps of one library, then of the other (the order alternates between rounds), and the table
gives the median time per step over the rounds, the range, the ratio, and the time of one epoch
(938 steps of 64 images) that it implies. Then a profile of tinygrad_edu's steps says where the
time goes (the functions with the most time of their own).

Threads: NumPy's BLAS and torch get the same count, every core unless OPENBLAS_NUM_THREADS /
OMP_NUM_THREADS / MKL_NUM_THREADS are set (before NumPy loads). Never run inside the tests.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
for _variable in THREAD_VARIABLES:
    if not os.environ.get(_variable):
        os.environ[_variable] = str(os.cpu_count() or 1)

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
import cnn_mnist  # noqa: E402

STEPS_PER_EPOCH = 938  # 60,000 images in batches of 64


def time_steps(contestant: cnn_mnist.Contestant, batches: list[tuple[np.ndarray, np.ndarray]]
               ) -> float:
    """Seconds per training step, over the given batches."""
    start = time.perf_counter()
    for images, labels in batches:
        contestant.train_step(images, labels)
    return (time.perf_counter() - start) / len(batches)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--profile-steps", type=int, default=20)
    arguments = parser.parse_args()
    import torch

    threads = int(os.environ["OMP_NUM_THREADS"])
    torch.set_num_threads(threads)
    ours = cnn_mnist.official_tge(seed=0, steps_per_epoch=STEPS_PER_EPOCH, epochs=1)
    theirs = cnn_mnist.official_torch(seed=0, steps_per_epoch=STEPS_PER_EPOCH, epochs=1)
    rng = np.random.default_rng(0)
    batches = [(rng.standard_normal((64, 1, 28, 28)).astype(np.float32),
                rng.integers(0, 10, 64)) for _ in range(arguments.steps)]
    time_steps(ours, batches[:2])  # warm up both (first calls allocate)
    time_steps(theirs, batches[:2])
    times: dict[str, list[float]] = {"tinygrad_edu": [], "torch": []}
    for round_number in range(arguments.rounds):
        order = [("tinygrad_edu", ours), ("torch", theirs)]
        for name, contestant in order if round_number % 2 == 0 else order[::-1]:
            times[name].append(time_steps(contestant, batches))
    medians = {name: float(np.median(values)) for name, values in times.items()}
    print(f"official MNIST CNN, one training step, batch 64, float32, {threads} thread(s) per "
          f"library; {arguments.rounds} rounds of {arguments.steps} steps, interleaved\n")
    print("| library | ms / step (median) | min - max | epoch (938 steps) |")
    print("|---|---:|---:|---:|")
    for name, values in times.items():
        print(f"| {name} | {1000 * medians[name]:.1f} | {1000 * min(values):.1f} - "
              f"{1000 * max(values):.1f} | {STEPS_PER_EPOCH * medians[name]:.0f} s |")
    print(f"\ntinygrad_edu / torch: {medians['tinygrad_edu'] / medians['torch']:.2f}x\n")

    profiler = cProfile.Profile()
    profiler.enable()
    for images, labels in (batches * 2)[:arguments.profile_steps]:
        ours.train_step(images, labels)
    profiler.disable()
    report = io.StringIO()
    pstats.Stats(profiler, stream=report).sort_stats("tottime").print_stats(15)
    print(f"where tinygrad_edu's time goes ({arguments.profile_steps} steps, own time per "
          "function):")
    print(report.getvalue().split("\n", 6)[-1])


if __name__ == "__main__":
    main()
