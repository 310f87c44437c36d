"""MNIST with a convolutional network: PyTorch's official example, in tinygrad_edu and in torch.

Contestants, trained on MNIST's 60,000 training images and measured on its 10,000 test images
after every epoch (the standard split), in the same batch order:

  (1) tge-official     the official PyTorch MNIST example (pytorch/examples, mnist/main.py) in
                       tinygrad_edu: conv 3x3 (32) - ReLU - conv 3x3 (64) - ReLU - max-pool 2 -
                       dropout 0.25 - linear 9216-128 - ReLU - dropout 0.5 - linear 128-10 -
                       log-softmax, NLL loss, Adadelta lr 1.0, StepLR gamma 0.7 per epoch,
                       batch 64, 14 epochs, pixels normalised with mean 0.1307 and std 0.3081;
  (2) torch-official   the same in PyTorch, from the very same initial weights (skipped when
                       torch is not installed);
  (3) tge-recommended  our recipe: the same network with BatchNorm after each convolution,
                       AdamW (weight decay 1e-2) with OneCycleLR (max lr 3e-3), label smoothing
                       0.1, random shifts of up to 2 pixels, batch 128, 8 epochs.

    python examples/cnn_mnist.py               # the whole table (about an hour on 2 cores)
    python examples/cnn_mnist.py --quick       # 2,000 / 1,000 images, one epoch: a smoke test
    python examples/cnn_mnist.py --only tge-recommended --epochs 2

Outputs: a line per contestant and epoch (and a progress bar over each epoch's batches when
stderr is a terminal, or with ``--progress``); in ``--out`` (default examples/out/cnn-standard, or
examples/out/cnn-standard-quick with --quick) the table in results.md, every number in
cnn_mnist_standard[_quick].json (accuracies, losses, seconds per epoch, threads, versions) and
the test-accuracy curves in cnn_mnist_standard[_quick].png.

Threads: NumPy's BLAS and torch use the same number of threads, all the cores unless
OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS say otherwise (set before NumPy loads).

Data: ``--data-dir``, else the library's one resolution order
(``tinygrad_edu.data.datasets.locate_mnist``). Exit status: 0 done; 1 MNIST missing or damaged
(one message says which file and how to fix it); 2 a bad argument.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path
from typing import Any, Callable

# The same thread count for both libraries: every core, unless the environment says otherwise.
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
if __name__ == "__main__":
    for _variable in THREAD_VARIABLES:
        if not os.environ.get(_variable):
            os.environ[_variable] = str(os.cpu_count() or 1)

import numpy as np  # noqa: E402

import tinygrad_edu as tge  # noqa: E402
from tinygrad_edu import nn, optim  # noqa: E402
from tinygrad_edu.data.datasets import DatasetError, MnistNotFoundError, locate_mnist  # noqa: E402
from tinygrad_edu.nn import functional as F  # noqa: E402

from mlp_mnist import (  # noqa: E402
    SOURCE_NAMES,
    Splits,
    batch_seed,
    data_problem_message,
    first_images,
    make_loader,
    make_splits,
    positive_integer,
    random_shift,
    seed_value,
    show_bars,
    stream,
)
from mlp_mnist_report import percent, write_text_atomically  # noqa: E402

PROGRAM = "cnn_mnist.py"
OUT_ROOT = Path(__file__).resolve().parent / "out"
MEAN, STD = 0.1307, 0.3081  # the official example's normalisation
QUICK_TRAIN, QUICK_TEST = 2_000, 1_000
EXIT_DATA_PROBLEM = 1
TARGET_ACCURACY = 0.993
INIT_STREAM, NOISE_STREAM = 2, 3  # mlp_mnist's streams of a seed: initial weights, noise

KEYS = ["tge-official", "torch-official", "tge-recommended"]  # the table's order
TRAIN_ORDER = ["tge-recommended", "tge-official", "torch-official"]
DEFAULT_EPOCHS = {"tge-official": 14, "torch-official": 14, "tge-recommended": 8}
BATCH_SIZES = {"tge-official": 64, "torch-official": 64, "tge-recommended": 128}
RECIPES = {
    "tge-official": "PyTorch's official MNIST example: Adadelta lr 1.0, StepLR 0.7, batch 64",
    "torch-official": "the same in PyTorch, from the same initial weights",
    "tge-recommended": ("the same network with BatchNorm, AdamW + OneCycleLR (max lr 3e-3), "
                        "label smoothing 0.1, ±2 px shifts, batch 128"),
}


# ------------------------------------------------------------------------------------ networks
def official_net_class(library: Any) -> type:
    """The official example's ``Net``, written once against a torch-like ``library`` (torch
    itself, or tinygrad_edu): the two contestants run the very same code."""
    layers, functional = library.nn, library.nn.functional

    class Net(layers.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = layers.Conv2d(1, 32, 3, 1)
            self.conv2 = layers.Conv2d(32, 64, 3, 1)
            self.dropout1 = layers.Dropout(0.25)
            self.dropout2 = layers.Dropout(0.5)
            self.fc1 = layers.Linear(9216, 128)
            self.fc2 = layers.Linear(128, 10)

        def forward(self, x: Any) -> Any:
            x = functional.relu(self.conv1(x))
            x = functional.relu(self.conv2(x))
            x = functional.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = library.flatten(x, 1)
            x = functional.relu(self.fc1(x))
            x = self.dropout2(x)
            return functional.log_softmax(self.fc2(x), dim=1)

    return Net


def recommended_net() -> nn.Sequential:
    """The official network with BatchNorm after each convolution (no bias there: BatchNorm's
    shift replaces it); it outputs logits."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, 64, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
        nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10),
    )


def initial_weights(model: Any, generator: np.random.Generator) -> None:
    """torch's default ranges, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn from ``generator`` for
    every convolution's and linear layer's weight and bias (the same draws for both libraries)."""
    with tge.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                bound = 1 / np.sqrt(module.weight[0].numel())
                shape = tuple(module.weight.shape)
                module.weight.copy_(tge.tensor(generator.uniform(-bound, bound, shape),
                                               dtype=module.weight.dtype))
                if module.bias is not None:
                    module.bias.copy_(tge.tensor(generator.uniform(-bound, bound,
                                                                   tuple(module.bias.shape)),
                                                 dtype=module.bias.dtype))


# --------------------------------------------------------------------------------- contestants
class Contestant:
    """A model, its optimiser and scheduler, and the step of its recipe (tinygrad_edu or torch,
    through ``library``, a torch-like module)."""

    def __init__(self, library: Any, model: Any, optimizer: Any, scheduler: Any,
                 batch_size: int, per_batch_schedule: bool, loss: Callable[[Any, Any], Any],
                 augment: Callable[[np.ndarray], np.ndarray] | None = None) -> None:
        self.library, self.model, self.optimizer = library, model, optimizer
        self.scheduler, self.per_batch_schedule = scheduler, per_batch_schedule
        self.batch_size, self.loss, self.augment = batch_size, loss, augment

    def train_step(self, images: np.ndarray, labels: np.ndarray) -> float:
        """Forward, loss, backward, optimiser step (and the scheduler's, when per batch)."""
        if self.augment is not None:
            images = self.augment(images)
        library = self.library
        loss = self.loss(self.model(library.from_numpy(images)), library.from_numpy(labels))
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        if self.per_batch_schedule:
            self.scheduler.step()
        return float(loss.item())

    def end_epoch(self) -> None:
        """The scheduler's step of a per-epoch schedule (StepLR)."""
        if not self.per_batch_schedule:
            self.scheduler.step()

    def accuracy(self, images: np.ndarray, labels: np.ndarray, chunk: int = 500) -> float:
        """Accuracy on a whole set, in eval mode and without a graph, by chunks of images."""
        library, correct = self.library, 0
        self.model.eval()
        with library.no_grad():
            for start in range(0, len(images), chunk):
                scores = self.model(library.from_numpy(images[start:start + chunk]))
                correct += int((scores.argmax(1).numpy() == labels[start:start + chunk]).sum())
        self.model.train()
        return correct / len(images)


def official_tge(seed: int, steps_per_epoch: int, epochs: int) -> Contestant:
    model = official_net_class(tge)()
    initial_weights(model, stream(seed, INIT_STREAM))
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    return Contestant(tge, model, optimizer, scheduler, BATCH_SIZES["tge-official"], False,
                      F.nll_loss)


def official_torch(seed: int, steps_per_epoch: int, epochs: int) -> Contestant:
    import torch

    reference = official_net_class(tge)()
    initial_weights(reference, stream(seed, INIT_STREAM))  # the very weights of (1)
    model = official_net_class(torch)()
    model.load_state_dict(tge.to_torch_state_dict(reference.state_dict(), torch))
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    return Contestant(torch, model, optimizer, scheduler, BATCH_SIZES["torch-official"], False,
                      torch.nn.functional.nll_loss)


def recommended_tge(seed: int, steps_per_epoch: int, epochs: int) -> Contestant:
    model = recommended_net()
    initial_weights(model, stream(seed, INIT_STREAM))
    optimizer = optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-2)
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3,
                                              total_steps=steps_per_epoch * epochs)
    noise = stream(seed, NOISE_STREAM)

    def shift(images: np.ndarray) -> np.ndarray:
        flat = images.reshape(len(images), 784) * STD + MEAN  # back to pixels / 255
        return ((random_shift(flat, noise) - MEAN) / STD).reshape(images.shape)

    def loss(scores: tge.Tensor, labels: tge.Tensor) -> tge.Tensor:
        return F.cross_entropy(scores, labels, label_smoothing=0.1)

    return Contestant(tge, model, optimizer, scheduler, BATCH_SIZES["tge-recommended"], True,
                      loss, augment=shift)


MAKERS = {"tge-official": official_tge, "torch-official": official_torch,
          "tge-recommended": recommended_tge}


# ------------------------------------------------------------------------------------ training
def as_images(rows: np.ndarray) -> np.ndarray:
    """(N, 784) pixels / 255 -> (N, 1, 28, 28), normalised as the official example does."""
    return ((rows - np.float32(MEAN)) / np.float32(STD)).reshape(-1, 1, 28, 28)


def batch_bar(loader: Any, description: str, bars: bool) -> Any:
    """The loader, wrapped in a tqdm progress bar over its batches when ``bars``."""
    if not bars:
        return loader
    from tqdm import tqdm

    return tqdm(loader, desc=description, unit="batch", leave=False, dynamic_ncols=True,
                file=sys.stderr)


def train(key: str, splits: Splits, epochs: int, seed: int, threads: int,
          bars: bool = False) -> dict[str, Any]:
    """Train contestant ``key``; after every epoch its mean loss, test accuracy and seconds."""
    train_images, test_images = as_images(splits.train_images), as_images(splits.eval_images)
    batch_size = BATCH_SIZES[key]
    steps = -(-len(train_images) // batch_size)
    if key == "torch-official":
        import torch

        torch.set_num_threads(threads)
    contestant = MAKERS[key](seed, steps, epochs)
    loader = make_loader(train_images, splits.train_labels, batch_size, batch_seed(seed))
    entry: dict[str, Any] = {"key": key, "recipe": RECIPES[key], "epochs": epochs,
                             "batch_size": batch_size, "history": []}
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        losses = [contestant.train_step(images.numpy(), labels.numpy())
                  for images, labels in batch_bar(loader, f"{key} {epoch}/{epochs}", bars)]
        seconds = time.perf_counter() - start
        contestant.end_epoch()
        accuracy = contestant.accuracy(test_images, splits.eval_labels)
        entry["history"].append({"epoch": epoch, "loss": float(np.mean(losses)),
                                 "first_loss": losses[0], "test_accuracy": accuracy,
                                 "train_seconds": seconds})
        print(f"{key:<16} epoch {epoch:>2}/{epochs}  loss {np.mean(losses):.4f}  "
              f"test {percent(accuracy)}  {seconds:.1f} s", flush=True)
    return entry


# ------------------------------------------------------------------------------------- outputs
def markdown_table(results: dict[str, Any]) -> str:
    """results.md: one row per contestant (final test accuracy, best, seconds per epoch)."""
    lines = [f"MNIST, {results['description']}; {results['threads']} threads per library.", "",
             "| contestant | recipe | epochs | test accuracy | best | s / epoch (median) |",
             "|---|---|---:|---:|---:|---:|"]
    for entry in results["contestants"]:
        history = entry["history"]
        if not history:
            lines.append(f"| {entry['key']} | {entry['recipe']} | - | {entry.get('skipped')} "
                         "| | |")
            continue
        accuracies = [record["test_accuracy"] for record in history]
        seconds = float(np.median([record["train_seconds"] for record in history]))
        lines.append(f"| {entry['key']} | {entry['recipe']} | {len(history)} | "
                     f"{percent(accuracies[-1])} | {percent(max(accuracies))} | {seconds:.1f} |")
    ratio = results.get("epoch_time_ratio")
    if ratio is not None:
        lines += ["", f"Epoch time of (1) / (2), tinygrad_edu / torch, median over epochs: "
                      f"{ratio:.2f}x."]
    lines += ["", f"Command: `{results['command']}`"]
    return "\n".join(lines) + "\n"


def save_plot(results: dict[str, Any], path: Path) -> bool:
    """The test-accuracy curves as a PNG (False when matplotlib is missing)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    figure, axis = plt.subplots(figsize=(7, 4.5))
    for entry in results["contestants"]:
        if entry["history"]:
            epochs = [record["epoch"] for record in entry["history"]]
            accuracies = [100 * record["test_accuracy"] for record in entry["history"]]
            axis.plot(epochs, accuracies, marker="o", label=entry["key"])
    axis.axhline(100 * TARGET_ACCURACY, color="grey", linestyle="--", linewidth=1,
                 label=f"target {100 * TARGET_ACCURACY:.1f} %")
    axis.set_xlabel("epoch")
    axis.set_ylabel("test accuracy (%)")
    axis.set_title("MNIST CNN: test accuracy per epoch")
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    temporary = path.with_name(path.name + ".partial.png")
    figure.savefig(temporary, dpi=110)
    plt.close(figure)
    os.replace(temporary, path)
    return True


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROGRAM, description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=positive_integer, default=None,
                        help="epochs for every contestant (default: 14 for the official recipe, "
                             "8 for ours; 1 with --quick)")
    parser.add_argument("--only", choices=KEYS, action="append", default=None,
                        help="train only this contestant (repeatable)")
    parser.add_argument("--seed", type=seed_value, default=0,
                        help="seed of the initial weights, batch order and noise")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder with the four MNIST files (default: the library's order)")
    parser.add_argument("--quick", action="store_true",
                        help=f"the first {QUICK_TRAIN:,} training and {QUICK_TEST:,} test "
                             "images, one epoch")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for results.md, the JSON and the PNG")
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None,
                          help="progress bars over each epoch's batches (default: when stderr "
                               "is a terminal and tqdm is installed)")
    progress.add_argument("--no-progress", dest="progress", action="store_false",
                          help="no progress bars")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Load MNIST, train the contestants, write results.md, the JSON and the PNG."""
    argv = sys.argv[1:] if argv is None else list(argv)
    arguments = build_parser().parse_args(argv)
    out = arguments.out or OUT_ROOT / ("cnn-standard" + ("-quick" if arguments.quick else ""))
    stem = "cnn_mnist_standard" + ("_quick" if arguments.quick else "")
    location = locate_mnist(arguments.data_dir)
    print(f"MNIST from {location.folder} ({SOURCE_NAMES[location.source]})", flush=True)
    try:
        splits = make_splits("standard", arguments.data_dir, arguments.seed)
    except (MnistNotFoundError, DatasetError, OSError) as error:
        print(data_problem_message(error, location, PROGRAM, debug_flag=False), file=sys.stderr)
        return EXIT_DATA_PROBLEM
    if arguments.quick:
        splits = first_images(splits, QUICK_TRAIN, QUICK_TEST)
    threads = int(os.environ.get("OMP_NUM_THREADS") or os.cpu_count() or 1)
    results: dict[str, Any] = {
        "command": shlex.join(["python", "examples/cnn_mnist.py", *argv]),
        "description": splits.description, "threads": threads, "seed": arguments.seed,
        "target_accuracy": TARGET_ACCURACY, "numpy": np.__version__, "contestants": [],
    }
    for key in [key for key in TRAIN_ORDER if key in (arguments.only or KEYS)]:
        epochs = arguments.epochs or (1 if arguments.quick else DEFAULT_EPOCHS[key])
        if key == "torch-official":
            try:
                import torch
            except ImportError:
                results["contestants"].append({"key": key, "recipe": RECIPES[key],
                                               "history": [], "skipped": "torch not installed"})
                continue
            results["torch"] = torch.__version__
        results["contestants"].append(train(key, splits, epochs, arguments.seed, threads,
                                            show_bars(arguments.progress)))
    results["contestants"].sort(key=lambda entry: KEYS.index(entry["key"]))
    by_key = {entry["key"]: entry for entry in results["contestants"]}
    if by_key.get("tge-official", {}).get("history") and by_key.get(
            "torch-official", {}).get("history"):
        ours, theirs = ([record["train_seconds"] for record in by_key[key]["history"]]
                        for key in ("tge-official", "torch-official"))
        results["epoch_time_ratio"] = float(np.median(ours) / np.median(theirs))
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomically(out / f"{stem}.json", json.dumps(results, indent=1) + "\n")
    table = markdown_table(results)
    write_text_atomically(out / "results.md", table)
    plotted = save_plot(results, out / f"{stem}.png")
    print()
    print(table)
    print(f"written: {out / 'results.md'}, {out / (stem + '.json')}"
          + (f", {out / (stem + '.png')}" if plotted else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
