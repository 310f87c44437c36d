"""Time training steps of the article's 784-64-10 MLP: tinygrad_edu vs PyTorch vs NumPy.

All three run the same math on the same float32 data, in the same process, one after another:
forward (Linear-ReLU-Linear), mean cross-entropy, backward, SGD update, at batch size 32.

- numpy:        the hand-derived gradients written out with NumPy (the article's version);
- torch:        PyTorch CPU eager with autograd and torch.optim.SGD;
- tinygrad_edu: the same network with tinygrad_edu's nn, autograd and optim.

Each contestant runs ``--steps`` steps per repeat; the script prints the median time per step
over ``--repeats`` repeats and the ratios of tinygrad_edu to the others. Run it on an idle
machine: other processes competing for the cores distort every number.

    python benchmarks/bench_mlp_step.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Callable

# One BLAS (and torch) thread for every contestant, as in examples/mlp_mnist.py, unless the
# environment says otherwise: batch-32 products are too small to gain from more threads. Set
# before NumPy and torch load.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402

import tinygrad_edu as tge  # noqa: E402

BATCH = 32
LEARNING_RATE = 1e-3


def make_problem(steps: int, seed: int) -> dict[str, np.ndarray]:
    """Random float32 images and labels plus the article's U(-0.5, 0.5) initial weights."""
    rng = np.random.default_rng(seed)
    return {
        "images": rng.random((steps * BATCH, 784), dtype=np.float32),
        "labels": rng.integers(0, 10, steps * BATCH),
        "W1": rng.uniform(-0.5, 0.5, (64, 784)).astype(np.float32),
        "b1": rng.uniform(-0.5, 0.5, 64).astype(np.float32),
        "W2": rng.uniform(-0.5, 0.5, (10, 64)).astype(np.float32),
        "b2": rng.uniform(-0.5, 0.5, 10).astype(np.float32),
    }


def numpy_steps(problem: dict[str, np.ndarray], steps: int) -> None:
    """The article's hand-written NumPy training loop (examples as rows)."""
    weights1, bias1 = problem["W1"].copy(), problem["b1"].copy()
    weights2, bias2 = problem["W2"].copy(), problem["b2"].copy()
    rows = np.arange(BATCH)
    for step in range(steps):
        images = problem["images"][step * BATCH:(step + 1) * BATCH]
        labels = problem["labels"][step * BATCH:(step + 1) * BATCH]
        hidden_pre = images @ weights1.T + bias1
        hidden = np.maximum(hidden_pre, 0)
        logits = hidden @ weights2.T + bias2
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=1, keepdims=True)
        grad_logits = probabilities  # dZ2 = (A2 - Y) / m
        grad_logits[rows, labels] -= 1
        grad_logits /= BATCH
        grad_weights2 = grad_logits.T @ hidden
        grad_bias2 = grad_logits.sum(axis=0)
        grad_hidden_pre = (grad_logits @ weights2) * (hidden_pre > 0)
        grad_weights1 = grad_hidden_pre.T @ images
        grad_bias1 = grad_hidden_pre.sum(axis=0)
        weights1 -= LEARNING_RATE * grad_weights1
        bias1 -= LEARNING_RATE * grad_bias1
        weights2 -= LEARNING_RATE * grad_weights2
        bias2 -= LEARNING_RATE * grad_bias2


def tinygrad_edu_steps(problem: dict[str, np.ndarray], steps: int) -> None:
    """The same network as a user writes it: nn.Sequential, cross_entropy, optim.SGD."""
    model = tge.nn.Sequential(tge.nn.Linear(784, 64), tge.nn.ReLU(), tge.nn.Linear(64, 10))
    model.load_state_dict({"0.weight": problem["W1"], "0.bias": problem["b1"],
                           "2.weight": problem["W2"], "2.bias": problem["b2"]})
    optimizer = tge.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    for step in range(steps):
        images = tge.from_numpy(problem["images"][step * BATCH:(step + 1) * BATCH])
        labels = tge.from_numpy(problem["labels"][step * BATCH:(step + 1) * BATCH])
        loss = tge.nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def torch_steps(problem: dict[str, np.ndarray], steps: int) -> None:
    """The same network in PyTorch eager mode."""
    import torch

    parameters = [torch.tensor(problem[name], requires_grad=True)
                  for name in ("W1", "b1", "W2", "b2")]
    weights1, bias1, weights2, bias2 = parameters
    optimizer = torch.optim.SGD(parameters, lr=LEARNING_RATE)
    images_all = torch.from_numpy(problem["images"])
    labels_all = torch.from_numpy(problem["labels"])
    for step in range(steps):
        images = images_all[step * BATCH:(step + 1) * BATCH]
        labels = labels_all[step * BATCH:(step + 1) * BATCH]
        hidden = torch.relu(torch.nn.functional.linear(images, weights1, bias1))
        logits = torch.nn.functional.linear(hidden, weights2, bias2)
        loss = torch.nn.functional.cross_entropy(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def median_step_time(run: Callable[[dict[str, np.ndarray], int], None],
                     problem: dict[str, np.ndarray], steps: int, repeats: int) -> float:
    """Median over repeats of the wall time per step, in microseconds."""
    run(problem, min(steps, 20))  # warm-up: imports, caches, first allocations
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(problem, steps)
        times.append((time.perf_counter() - start) / steps * 1e6)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500, help="training steps per repeat")
    parser.add_argument("--repeats", type=int, default=7, help="repeats; the median is kept")
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    problem = make_problem(arguments.steps, arguments.seed)
    contestants: dict[str, Callable[[dict[str, np.ndarray], int], None]] = {
        "numpy (hand-written)": numpy_steps,
        "tinygrad_edu": tinygrad_edu_steps,
    }
    try:
        import torch  # noqa: F401

        contestants["torch (CPU eager)"] = torch_steps
    except ImportError:
        print("torch is not installed: comparing with NumPy only")
    results = {name: median_step_time(run, problem, arguments.steps, arguments.repeats)
               for name, run in contestants.items()}
    print(f"784-64-10 MLP, batch {BATCH}, float32, {arguments.steps} steps x "
          f"{arguments.repeats} repeats (median), "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")
    for name, microseconds in results.items():
        print(f"  {name:<22} {microseconds:8.1f} us/step")
    ours = results["tinygrad_edu"]
    for name, microseconds in results.items():
        if name != "tinygrad_edu":
            print(f"  tinygrad_edu / {name:<22} {ours / microseconds:5.2f}x")


if __name__ == "__main__":
    main()
