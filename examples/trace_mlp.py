"""Watch the engine backpropagate through the article's 784-64-10 MLP, one node at a time.

The article derives the backward pass of its network by hand (examples/article_numpy.py):

    dZ2 = A2 − Y
    dW2 = dZ2·A1ᵀ / m            db2 = Σ_examples dZ2 / m
    dZ1 = W2ᵀ·dZ2 ⊙ 1[Z1 > 0]
    dW1 = dZ1·Xᵀ / m             db1 = Σ_examples dZ1 / m

tinygrad_edu derives nothing by hand: each op knows only its local rule, and the engine chains
them. This script builds the same network with ``tinygrad_edu.nn``, runs one batch forward,
and traces ``loss.backward()`` with ``tinygrad_edu.viz.trace_backward``. It prints the table of
what every node received and passed on, then maps each row to the article's formula and checks
the traced gradient norms against the formulas computed by hand in NumPy.

Two layouts, one computation: the article stores one example per column (X is 784 × m);
tinygrad_edu, like torch, stores one per row (X is m × 784), so every matrix here is the
transpose of the article's, and ``W1`` is (64, 784) in both. The article divides by m in dW and
db; the mean cross-entropy divides already in dZ2, so the engine's dZ2 is (A2 − Y) / m.

Outputs under ``--out`` (default examples/out/): the forward graph as DOT text
(trace_mlp_forward.dot) and the traced backward pass (trace_mlp_backward.dot), plus SVG drawings
of both when Graphviz is installed.

    python examples/trace_mlp.py                  # real MNIST if present, else random pixels
    python examples/trace_mlp.py --random --batch 8 --out /tmp/trace

Data: the first batch of the MNIST test images when the files are found (``--data-dir``, else
the library's resolution order, ``locate_mnist``), else random pixels and labels; nothing is
downloaded.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

import tinygrad_edu as tge
from tinygrad_edu import nn
from tinygrad_edu.data.datasets import MNIST, DatasetError, locate_mnist
from tinygrad_edu.data.datasets.locate import RESOLUTION_ORDER
from tinygrad_edu.viz import BackwardTrace, render, to_dot, trace_backward

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "examples" / "out"

# The backward nodes of Linear -> ReLU -> Linear -> cross-entropy, in the order they run.
EXPECTED_ORDER = ["CrossEntropyBackward", "LinearBackward", "ReluBackward", "LinearBackward"]


def load_batch(batch_size: int, seed: int, data_dir: Path | None,
               force_random: bool) -> tuple[np.ndarray, np.ndarray, str]:
    """One batch: pixels (m, 784) float32 in [0, 1], labels (m,) int64, and where they came from.

    ``data_dir`` None follows the library's resolution order; nothing is downloaded.
    """
    location = locate_mnist(data_dir)
    if not force_random:
        try:
            test = MNIST(root=location.folder, train=False, download=False)
            pixels = test.images[:batch_size].reshape(batch_size, -1).astype(np.float32) / 255
            labels = test.labels[:batch_size].astype(np.int64)
            return pixels, labels, f"MNIST test images ({location.folder})"
        except (OSError, DatasetError):
            pass
    rng = np.random.default_rng(seed)
    random_pixels = rng.random((batch_size, 784), dtype=np.float32)
    random_labels = rng.integers(0, 10, size=batch_size).astype(np.int64)
    why = "as asked" if force_random else (f"MNIST not found in {location.folder}, the folder "
                                           f"from the {location.source}")
    return random_pixels, random_labels, f"random pixels and labels ({why})"


def hand_derived(model: nn.Sequential, pixels: np.ndarray, labels: np.ndarray) -> dict:
    """The article's backward pass written out in NumPy, in the row layout, for the mean loss."""
    W1, b1 = model[0].weight.detach().numpy(), model[0].bias.detach().numpy()
    W2, b2 = model[2].weight.detach().numpy(), model[2].bias.detach().numpy()
    m = pixels.shape[0]
    Z1 = pixels @ W1.T + b1
    A1 = np.maximum(Z1, 0)
    Z2 = A1 @ W2.T + b2
    shifted = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    A2 = shifted / shifted.sum(axis=1, keepdims=True)
    Y = np.eye(10, dtype=pixels.dtype)[labels]
    dZ2 = (A2 - Y) / m
    dA1 = dZ2 @ W2
    dZ1 = dA1 * (Z1 > 0)
    return {"dZ2": dZ2, "dW2": dZ2.T @ A1, "db2": dZ2.sum(axis=0), "dA1": dA1, "dZ1": dZ1,
            "dW1": dZ1.T @ pixels, "db1": dZ1.sum(axis=0)}


# (step, input index, name, the article's formula, what the row is doing)
COMMENTARY = [
    (0, 0, "dZ2", "dZ2 = A2 − Y  (here divided by m: the loss is a mean)",
     "CrossEntropyBackward receives dL/dL = 1 and passes softmax(Z2) − one_hot(Y) to the "
     "logits Z2 in one fused step; the labels get None (they need no gradient)."),
    (1, 1, "dW2", "dW2 = dZ2·A1ᵀ / m",
     "the second LinearBackward turns dZ2 into the gradients of its three inputs: A1, W2, b2."),
    (1, 2, "db2", "db2 = Σ_examples dZ2 / m", "the bias gradient sums dZ2 over the batch."),
    (1, 0, "dA1", "W2ᵀ·dZ2  (the first factor of dZ1)",
     "the gradient passed down to the hidden activations A1."),
    (2, 0, "dZ1", "dZ1 = W2ᵀ·dZ2 ⊙ 1[Z1 > 0]",
     "ReluBackward lets the gradient through where Z1 > 0 and zeroes it elsewhere."),
    (3, 1, "dW1", "dW1 = dZ1·Xᵀ / m",
     "the first LinearBackward ends the chain at the leaves W1 and b1; X gets None."),
    (3, 2, "db1", "db1 = Σ_examples dZ1 / m", "summed over the batch, like db2."),
]


def explain(trace: BackwardTrace, expected: dict) -> float:
    """Print each row's formula with the traced and hand-derived norms; return the worst gap."""
    order = [record.op for record in trace.records]
    if order != EXPECTED_ORDER:
        print(f"Unexpected node order {order}; expected {EXPECTED_ORDER}.")
        return float("inf")
    worst = 0.0
    print("\nRow by row, against the article's formulas (norms: traced | NumPy by hand):")
    for step, index, name, formula, comment in COMMENTARY:
        record = trace.records[step]
        passed = record.input_grads[index]
        assert passed is not None
        by_hand = float(np.linalg.norm(expected[name]))
        gap = abs(passed.norm - by_hand) / max(by_hand, 1e-30)
        worst = max(worst, gap)
        print(f"  step {step} {record.op}, input {index} ({record.source_text(index)}):")
        print(f"      {formula}")
        print(f"      {comment}")
        print(f"      {name}: {passed}  |  by hand norm={by_hand:.4g}")
    return worst


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for DOT/SVG files")
    parser.add_argument("--batch", type=int, default=32, help="examples in the batch (m)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights (and data)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help=f"MNIST folder (default: {RESOLUTION_ORDER}; nothing is "
                             "downloaded here)")
    parser.add_argument("--random", action="store_true", help="random data even if MNIST exists")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    tge.manual_seed(arguments.seed)
    model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    pixels, labels, source = load_batch(arguments.batch, arguments.seed, arguments.data_dir,
                                        arguments.random)
    X, Y = tge.tensor(pixels), tge.tensor(labels)
    # The forward pass layer by layer, so that the intermediate results can be named too.
    Z1 = model[0](X)
    A1 = model[1](Z1)
    Z2 = model[2](A1)
    loss = nn.CrossEntropyLoss()(Z2, Y)
    names = {model[0].weight: "W1", model[0].bias: "b1", model[2].weight: "W2",
             model[2].bias: "b2", X: "X (pixels)", Y: "Y (labels)", Z1: "Z1", A1: "A1",
             Z2: "Z2", loss: "L"}
    print(f"Batch: {arguments.batch} examples, {source}. Loss: {loss.item():.4f}\n")

    with trace_backward(names=names) as trace:
        loss.backward()
    trace.print_table()
    worst = explain(trace, hand_derived(model, pixels, labels))
    print(f"\nLargest relative gap between traced and hand-derived norms: {worst:.2e}")
    for name, parameter in (("W1", model[0].weight), ("W2", model[2].weight)):
        assert parameter.grad is not None
        print(f"{name}.grad after backward: norm={np.linalg.norm(parameter.grad.numpy()):.4g}"
              " (the same numbers the leaves received above)")

    arguments.out.mkdir(parents=True, exist_ok=True)
    drawings = {"trace_mlp_forward": to_dot(loss, names=names),
                "trace_mlp_backward": trace.to_dot()}
    for stem, dot in drawings.items():
        path = arguments.out / f"{stem}.dot"
        path.write_text(dot, encoding="utf-8")
        print(f"wrote {path}")
    for stem, dot in drawings.items():
        try:
            print(f"wrote {render(dot, arguments.out / f'{stem}.svg')}")
        except RuntimeError as error:
            print(f"no SVG drawings: {error}")
            break
    return 0 if worst < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
