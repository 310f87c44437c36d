"""Training time to a validation accuracy (96.5 %): tinygrad_edu (eager and jit) vs PyTorch.

The article's PyTorch recipe on the article protocol, as examples/mlp_mnist.py trains it
(contestants (3) and (4) there): 784-64-10 with torch's default init, Adam lr 1e-3, batch 32,
cross-entropy on the logits; 33,600 training and 8,400 validation images drawn from MNIST's
training set with the example's seed; the same initial weights and the same shuffled batch
order for every contestant. Each contestant trains epoch by epoch and is evaluated on the
validation images after every epoch (by the example's ``evaluate``, not timed); the clock
counts training only and stops at the end of the first epoch whose validation accuracy reaches
``--target``. Contestants:

  tinygrad_edu       examples/mlp_mnist.py's tge-article-adam, eager;
  tinygrad_edu.jit   the same, its training step compiled with ``tinygrad_edu.jit``;
  torch              examples/mlp_mnist.py's torch-article-adam (skipped without torch).

All three reach the target in the same epoch when their arithmetic agrees (tinygrad_edu eager
and jit agree bit for bit); the table gives that epoch, the median training time over
``--repeats`` runs (contestants interleaved) and the ratio to torch.

Why 96.5 %: this recipe does not reach 97.5 % on the article protocol in either library. In the
100-epoch run of examples/mlp_mnist.py (README), the best validation accuracy of the Adam rows
is 97.00 % (tinygrad_edu, epoch 93) and 96.93 % (torch); both first reach 96.5 % at epoch 10.
``--target 0.975`` asks anyway, and the table then says "not reached".

    python benchmarks/bench_time_to_accuracy.py                 # 3 runs each, 1 thread, 96.5 %
    python benchmarks/bench_time_to_accuracy.py --quick         # 1 run, target 80 %, 3 epochs max

Run it on an idle machine: other processes competing for the cores distort every number.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path
from typing import Any, Callable

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

SCRIPT = "bench_time_to_accuracy.py"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=SCRIPT, description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", type=float, default=None,
                        help="validation accuracy to reach (default 0.965; 0.8 with --quick)")
    parser.add_argument("--max-epochs", type=positive_integer, default=None,
                        help="give up after this many epochs (default 30; 3 with --quick)")
    parser.add_argument("--repeats", type=positive_integer, default=None,
                        help="timed runs per contestant (default 3; 1 with --quick)")
    parser.add_argument("--threads", type=positive_integer, default=1,
                        help="BLAS and torch threads (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="the example's seed (default 0)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder with the MNIST files (default: the library's order)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 4,000 training images, target 80 %%")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    return parser


if __name__ == "__main__":
    ARGUMENTS = build_parser().parse_args()
    pin_threads(ARGUMENTS.threads)
    use_this_checkout()
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

import numpy as np  # noqa: E402

import mlp_mnist  # noqa: E402
import tinygrad_edu as tge  # noqa: E402
from tinygrad_edu.nn import functional as F  # noqa: E402

QUICK_TRAIN_IMAGES = 4_000


class JitContestant:
    """examples/mlp_mnist.py's tge-article-adam with its step compiled by tinygrad_edu.jit."""

    def __init__(self, seed: int) -> None:
        self.inner = mlp_mnist.make_contestant("tge-article-adam", seed, 0, 1)
        model, optimizer = self.inner.model, self.inner.optimizer

        @tge.jit
        def step(images: tge.Tensor, labels: tge.Tensor) -> tge.Tensor:
            loss = F.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss

        self.step = step
        self.batch_size = self.inner.batch_size

    def train_step(self, images: tge.Tensor, labels: tge.Tensor) -> float:
        return float(self.step(images, labels).item())

    def scores(self, images: np.ndarray) -> np.ndarray:
        return self.inner.scores(images)


# key, label, how to build it from the seed
CONTESTANTS: list[tuple[str, str, Callable[[int], Any]]] = [
    ("tinygrad_edu", "tinygrad_edu (eager)",
     lambda seed: mlp_mnist.make_contestant("tge-article-adam", seed, 0, 1)),
    ("tinygrad_edu.jit", "tinygrad_edu (jit)", JitContestant),
    ("torch", "torch (CPU eager)",
     lambda seed: mlp_mnist.make_contestant("torch-article-adam", seed, 0, 1)),
]


def time_to_target(contestant: Any, splits: Any, arguments: argparse.Namespace
                   ) -> tuple[float, int | None, list[float]]:
    """Train until the validation accuracy reaches the target: (training seconds, epoch
    reached or None, accuracy after each epoch)."""
    seconds, accuracies = 0.0, []
    # One loader for the whole run, as the example has: its generator walks on epoch by epoch.
    loader = mlp_mnist.make_loader(splits.train_images, splits.train_labels,
                                   contestant.batch_size, mlp_mnist.batch_seed(arguments.seed))
    for epoch in range(arguments.max_epochs):
        gc.collect()
        start = time.perf_counter()
        mlp_mnist.train_epoch(contestant, loader)
        seconds += time.perf_counter() - start
        accuracies.append(mlp_mnist.evaluate(contestant, splits.eval_images,
                                             splits.eval_labels))
        if accuracies[-1] >= arguments.target:
            return seconds, epoch + 1, accuracies
    return seconds, None, accuracies


def main(arguments: argparse.Namespace, argv: list[str]) -> int:
    """Load the article split, time every contestant, print the table, write the JSON."""
    arguments.target = arguments.target or (0.8 if arguments.quick else 0.965)
    arguments.max_epochs = arguments.max_epochs or (3 if arguments.quick else 30)
    arguments.repeats = arguments.repeats or (1 if arguments.quick else 3)
    torch, torch_missing = import_torch(arguments.threads)
    contestants = [entry for entry in CONTESTANTS if entry[0] != "torch" or torch is not None]
    try:
        splits = mlp_mnist.make_splits("article", arguments.data_dir, arguments.seed)
    except (OSError, ValueError) as error:
        print(f"{SCRIPT}: error: cannot read MNIST: {error}", file=sys.stderr)
        return 1
    if arguments.quick:
        splits = mlp_mnist.first_images(splits, QUICK_TRAIN_IMAGES, QUICK_TRAIN_IMAGES // 4)
    runs: dict[str, list[dict[str, Any]]] = {key: [] for key, _, _ in contestants}
    for repeat in range(arguments.repeats):
        shift = repeat % len(contestants)
        for key, label, make in contestants[shift:] + contestants[:shift]:
            seconds, epoch, accuracies = time_to_target(make(arguments.seed), splits, arguments)
            runs[key].append({"seconds": seconds, "epoch": epoch, "accuracies": accuracies})
            reached = f"epoch {epoch}" if epoch else "not reached"
            print(f"  {label}: {seconds:.2f} s ({reached})", file=sys.stderr)
    medians = {key: summary([run["seconds"] for run in runs[key]]) for key in runs}
    rows = []
    for key, label, _ in contestants:
        epochs = sorted({run["epoch"] for run in runs[key]}, key=lambda value: value or 0)
        rows.append([label, ", ".join(str(epoch or "not reached") for epoch in epochs),
                     f"{medians[key]['median']:.2f}",
                     f"{medians[key]['min']:.2f} – {medians[key]['max']:.2f}",
                     ratio_text(medians[key]["median"],
                                medians["torch"]["median"] if "torch" in medians else None)])
    print(f"\nTraining time to {arguments.target:.1%} validation accuracy, article protocol, "
          f"Adam lr 1e-3, batch 32, float32, {arguments.threads} thread(s); median of "
          f"{arguments.repeats} run(s)\n")
    print(markdown_table(["contestant", "epoch reached", "s (median)", "min – max", "× torch"],
                         rows, "lrrrr"))
    if arguments.out is not None:
        write_json_atomically(arguments.out, {
            "benchmark": "bench_time_to_accuracy", "command": command_line(SCRIPT, argv),
            "quick": arguments.quick, "target": arguments.target,
            "repeats": arguments.repeats, "skipped": {"torch": torch_missing} if torch_missing
            else {}, "runs": runs, "environment": environment_record(arguments.threads),
            "ratios": {f"{key}/torch": medians[key]["median"] / medians["torch"]["median"]
                       for key in medians if key != "torch" and "torch" in medians},
        })
    return 0


if __name__ == "__main__":
    sys.exit(main(ARGUMENTS, sys.argv[1:]))
