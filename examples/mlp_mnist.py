"""MNIST with the article's 784-64-10 network, five ways, on the same data: one table.

Contestants, all trained on the same images in the same batch order and measured the same way
(accuracy on the whole training and evaluation sets after every epoch, by one function):

  (1) article-numpy      the article's network written out by hand in NumPy
                         (examples/article_numpy.py): U(-0.5, 0.5) init, SGD lr 1e-3, batch 32;
  (2) tge-article-sgd    the same recipe written with tinygrad_edu's nn / optim / data, starting
                         from the very same weights: the engine, not a hand derivation, computes
                         the gradients;
  (3) tge-article-adam   the article's PyTorch recipe in tinygrad_edu: torch's default init,
                         Adam lr 1e-3, batch 32, cross-entropy on the logits (the article applied
                         softmax twice; this does not);
  (4) torch-article-adam the same as (3) in PyTorch, from the same initial weights (skipped when
                         torch is not installed);
  (5) tge-recommended    our recipe: 784-512-256-10, dropout, AdamW with OneCycleLR, label
                         smoothing and random shifts of up to 2 pixels.

Protocols. ``article`` (the default): 42,000 images drawn with a fixed seed from MNIST's 60,000
training images, split 80/20 into 33,600 training and 8,400 validation images, pixels / 255.
``standard``: all 60,000 training images, evaluated on the 10,000 test images.

Outputs: the table on stdout, and under ``--out`` (default examples/out/) a PNG of the curves
and a JSON file of every number (mlp_mnist_<protocol>.png / .json).

    python examples/mlp_mnist.py                       # article protocol, a few minutes
    python examples/mlp_mnist.py --protocol standard   # 60k train / 10k test
    python examples/mlp_mnist.py --quick               # small subset, 2 epochs: seconds

Data: ``--data-dir``, else $TINYGRAD_EDU_DATA, else ../shared/data/mnist next to the repository
when it exists, else the user cache (~/.cache/tinygrad_edu/mnist), downloading what is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

# One BLAS (and torch) thread for every contestant unless the environment already says otherwise
# (e.g. OPENBLAS_NUM_THREADS=2): the batch-32 matrix products are too small to gain from more,
# and waiting BLAS threads slow down many times over when other programs share the cores. It
# must be set before NumPy and torch load.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402

import article_numpy  # noqa: E402
import tinygrad_edu as tge  # noqa: E402
from tinygrad_edu import nn, optim  # noqa: E402
from tinygrad_edu.data import DataLoader, TensorDataset  # noqa: E402
from tinygrad_edu.data.datasets import MNIST  # noqa: E402
from tinygrad_edu.nn import functional as F  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data" / "mnist"
DEFAULT_OUT = REPO_ROOT / "examples" / "out"

ARTICLE_POOL = 42_000  # images drawn from the 60,000 training images
ARTICLE_TRAIN = 33_600  # the first 80 % of them train, the other 8,400 validate
QUICK_TRAIN, QUICK_EVAL, QUICK_EPOCHS = 2_000, 500, 2
TARGET_ACCURACY = 0.98  # what (5) must reach on the evaluation set
# What the article reports, for reference (validation accuracy, article protocol).
ARTICLE_REPORTED = {
    "article-numpy": (0.9101, "NumPy by hand, SGD, 100 epochs"),
    "torch-article-adam": (0.9717, "PyTorch, Adam (softmax applied twice)"),
}

KEYS = ["article-numpy", "tge-article-sgd", "tge-article-adam", "torch-article-adam",
        "tge-recommended"]
# Epochs of the default run: the article's 100 for its two recipes, (1) to (4); (5) is scheduled
# (OneCycleLR) for 20. The whole run takes a few minutes on 2 cores.
DEFAULT_EPOCHS = {"article-numpy": 100, "tge-article-sgd": 100, "tge-article-adam": 100,
                  "torch-article-adam": 100, "tge-recommended": 20}
RECIPES = {
    "article-numpy": "NumPy by hand: 784-64-10, U(-0.5, 0.5) init, SGD lr 1e-3, batch 32",
    "tge-article-sgd": "tinygrad_edu, recipe and initial weights of (1)",
    "tge-article-adam": "tinygrad_edu: 784-64-10, torch's default init, Adam lr 1e-3, batch 32",
    "torch-article-adam": "PyTorch, recipe and initial weights of (3)",
    "tge-recommended": ("tinygrad_edu: 784-512-256-10, dropout 0.2, AdamW (wd 1e-2) + "
                        "OneCycleLR (max lr 2e-3), label smoothing 0.1, ±2 px shifts, batch 128"),
}

# Independent random streams, one per purpose, all derived from --seed.
SPLIT_STREAM, BATCH_STREAM, INIT_STREAM, NOISE_STREAM = 0, 1, 2, 3


def stream(seed: int, purpose: int) -> np.random.Generator:
    """The NumPy generator for one purpose (split, batch order, init, noise) of a seed."""
    return np.random.default_rng([seed, purpose])


def batch_seed(seed: int) -> int:
    """The DataLoader seed: every contestant gets this one, hence the same batch order."""
    return int(stream(seed, BATCH_STREAM).integers(2**31))


# ---------------------------------------------------------------------------------------- data
@dataclass
class Splits:
    """Training and evaluation images as (N, 784) arrays of pixels / 255, with int64 labels."""

    train_images: np.ndarray
    train_labels: np.ndarray
    eval_images: np.ndarray
    eval_labels: np.ndarray
    eval_name: str  # "val" (article protocol) or "test" (standard protocol)
    description: str


def default_data_dir() -> tuple[Path, bool]:
    """(folder, download): $TINYGRAD_EDU_DATA, else ../shared/data/mnist, else the user cache.

    Only the user cache is filled by downloading; the other folders are used as they are.
    """
    if os.environ.get("TINYGRAD_EDU_DATA"):
        return Path(os.environ["TINYGRAD_EDU_DATA"]).expanduser(), False
    if SHARED_DATA.is_dir():
        return SHARED_DATA, False
    return Path("~/.cache/tinygrad_edu/mnist").expanduser(), True


def load_mnist(data_dir: Path, download: bool, train: bool) -> tuple[np.ndarray, np.ndarray]:
    """MNIST's training (60,000) or test (10,000) split: uint8 images (N, 28, 28), labels."""
    dataset = MNIST(root=data_dir, train=train, download=download)
    return dataset.images, dataset.labels


def scale(images: np.ndarray, dtype: Any = np.float32) -> np.ndarray:
    """uint8 images (N, 28, 28) -> (N, 784) rows of pixels / 255."""
    return images.reshape(len(images), -1).astype(dtype) / np.asarray(255, dtype)


def article_split(images: np.ndarray, labels: np.ndarray, seed: int,
                  dtype: Any = np.float32) -> Splits:
    """The article's protocol: 42,000 of the 60,000 training images drawn at random (seeded),
    the first 33,600 of them for training and the last 8,400 for validation."""
    drawn = stream(seed, SPLIT_STREAM).permutation(len(images))[:ARTICLE_POOL]
    train, val = drawn[:ARTICLE_TRAIN], drawn[ARTICLE_TRAIN:]
    description = (f"article protocol: {len(train):,} train / {len(val):,} val images, drawn "
                   f"from MNIST's {len(images):,} training images with seed {seed}")
    return Splits(scale(images[train], dtype), labels[train], scale(images[val], dtype),
                  labels[val], "val", description)


def standard_split(train: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray],
                   dtype: Any = np.float32) -> Splits:
    """The standard protocol: the 60,000 training images, evaluated on the 10,000 test images."""
    description = (f"standard protocol: {len(train[0]):,} train images, {len(test[0]):,} test "
                   "images")
    return Splits(scale(train[0], dtype), train[1], scale(test[0], dtype), test[1], "test",
                  description)


def quick_subset(splits: Splits, train_count: int = QUICK_TRAIN,
                 eval_count: int = QUICK_EVAL) -> Splits:
    """The first images of each set, for smoke tests."""
    return Splits(splits.train_images[:train_count], splits.train_labels[:train_count],
                  splits.eval_images[:eval_count], splits.eval_labels[:eval_count],
                  splits.eval_name,
                  f"quick subset ({train_count:,} train / {eval_count:,} {splits.eval_name}) "
                  f"of the {splits.description}")


def make_splits(protocol: str, data_dir: Path, download: bool, seed: int,
                dtype: Any = np.float32) -> Splits:
    """Load MNIST and split it by ``protocol`` ("article" or "standard")."""
    train = load_mnist(data_dir, download, train=True)
    if protocol == "article":
        return article_split(*train, seed=seed, dtype=dtype)
    return standard_split(train, load_mnist(data_dir, download, train=False), dtype)


def make_loader(images: np.ndarray, labels: np.ndarray, batch_size: int,
                seed: int) -> DataLoader:
    """Shuffled mini-batches; the same seed gives every contestant the same batch order."""
    return DataLoader(TensorDataset(images, labels), batch_size=batch_size, shuffle=True,
                      seed=seed)


def random_shift(images: np.ndarray, generator: np.random.Generator,
                 max_shift: int = 2) -> np.ndarray:
    """Move each 28x28 image by up to ``max_shift`` pixels in x and y (zeros fill the border)."""
    count = len(images)
    width = 2 * max_shift + 1
    padded = np.pad(images.reshape(count, 28, 28), ((0, 0), (max_shift,) * 2, (max_shift,) * 2))
    rows = generator.integers(0, width, count)[:, None] + np.arange(28)
    columns = generator.integers(0, width, count)[:, None] + np.arange(28)
    shifted = padded[np.arange(count)[:, None, None], rows[:, :, None], columns[:, None, :]]
    return shifted.reshape(count, 28 * 28)


# ---------------------------------------------------------------------------------- contestants
class ArticleNumpy:
    """Contestant (1): the hand-written NumPy network of ``article_numpy``."""

    batch_size = article_numpy.BATCH_SIZE

    def __init__(self, params: article_numpy.Params) -> None:
        self.params = params

    def train_step(self, images: tge.Tensor, labels: tge.Tensor) -> float:
        """One SGD step on a batch; returns its loss. The article keeps one example per
        column, so the batch goes in transposed: X is (784, m)."""
        return article_numpy.train_step(self.params, images.numpy().T, labels.numpy(),
                                        article_numpy.LEARNING_RATE)

    def scores(self, images: np.ndarray) -> np.ndarray:
        """Class probabilities A2 of (N, 784) images, one row per image."""
        return article_numpy.forward(self.params, images.T)["A2"].T

    def weights(self) -> dict[str, np.ndarray]:
        """The weights under torch's state_dict names for nn.Sequential(Linear, ReLU, Linear)."""
        return {"0.weight": self.params["W1"], "0.bias": self.params["b1"][:, 0],
                "2.weight": self.params["W2"], "2.bias": self.params["b2"][:, 0]}


class TinygradContestant:
    """Contestants (2), (3), (5): a tinygrad_edu model, optimiser and cross-entropy loss."""

    def __init__(self, model: nn.Module, optimizer: optim.Optimizer, batch_size: int,
                 scheduler: Any = None, label_smoothing: float = 0.0,
                 augment: Callable[[np.ndarray], np.ndarray] | None = None) -> None:
        self.model = model
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.scheduler = scheduler
        self.label_smoothing = label_smoothing
        self.augment = augment

    def train_step(self, images: tge.Tensor, labels: tge.Tensor) -> float:
        """Forward, cross-entropy on the logits, backward, optimiser (and scheduler) step."""
        if self.augment is not None:
            images = tge.from_numpy(self.augment(images.numpy()))
        logits = self.model(images)
        loss = F.cross_entropy(logits, labels, label_smoothing=self.label_smoothing)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        if self.scheduler is not None:
            self.scheduler.step()
        return loss.item()

    def scores(self, images: np.ndarray) -> np.ndarray:
        """Logits of (N, 784) images, in eval mode (dropout off) and without a graph."""
        self.model.eval()
        with tge.no_grad():
            logits = self.model(tge.from_numpy(images)).numpy()
        self.model.train()
        return logits

    def weights(self) -> dict[str, np.ndarray]:
        """A copy of the model's state_dict as NumPy arrays."""
        return {name: value.numpy() for name, value in self.model.state_dict().items()}


class TorchContestant:
    """Contestant (4): a PyTorch model and optimiser (torch is imported only when it runs)."""

    def __init__(self, torch: Any, model: Any, optimizer: Any, batch_size: int) -> None:
        self.torch = torch
        self.model = model
        self.optimizer = optimizer
        self.batch_size = batch_size

    def train_step(self, images: tge.Tensor, labels: tge.Tensor) -> float:
        """The same step in PyTorch, on the very same batch arrays (shared, not copied)."""
        logits = self.model(self.torch.from_numpy(images.numpy()))
        loss = self.torch.nn.functional.cross_entropy(logits, self.torch.from_numpy(
            labels.numpy()))
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def scores(self, images: np.ndarray) -> np.ndarray:
        """Logits of (N, 784) images, without a graph."""
        with self.torch.no_grad():
            return self.model(self.torch.from_numpy(images)).numpy()

    def weights(self) -> dict[str, np.ndarray]:
        """A copy of the model's state_dict as NumPy arrays."""
        return {name: value.numpy().copy() for name, value in self.model.state_dict().items()}


def article_mlp(dtype: Any = tge.float32, generator: np.random.Generator | None = None
                ) -> nn.Sequential:
    """784-64-10 with ReLU, logits out: nn.Sequential(Linear, ReLU, Linear), torch's init."""
    return nn.Sequential(nn.Linear(784, 64, dtype=dtype, generator=generator), nn.ReLU(),
                         nn.Linear(64, 10, dtype=dtype, generator=generator))


def make_article_numpy(seed: int, dtype: Any = np.float32) -> ArticleNumpy:
    """(1): the article's U(-0.5, 0.5) weights, drawn from the init stream of ``seed``."""
    return ArticleNumpy(article_numpy.init(stream(seed, INIT_STREAM), dtype))


def make_tge_article_sgd(seed: int, dtype: Any = np.float32) -> TinygradContestant:
    """(2): tinygrad_edu modules loaded with exactly the initial weights of (1), plain SGD."""
    model = article_mlp(dtype)
    initial = make_article_numpy(seed, dtype).weights()
    model.load_state_dict({name: tge.from_numpy(value) for name, value in initial.items()})
    optimizer = optim.SGD(model.parameters(), lr=article_numpy.LEARNING_RATE)
    return TinygradContestant(model, optimizer, article_numpy.BATCH_SIZE)


def make_tge_article_adam(seed: int, dtype: Any = np.float32) -> TinygradContestant:
    """(3): 784-64-10 with torch's default init (seeded), Adam lr 1e-3, batch 32."""
    model = article_mlp(dtype, stream(seed, INIT_STREAM))
    return TinygradContestant(model, optim.Adam(model.parameters(), lr=1e-3), 32)


def make_torch_article_adam(seed: int, dtype: Any = np.float32) -> TorchContestant:
    """(4): the same network in PyTorch, loaded with the initial weights of (3)."""
    import torch

    torch_dtype = torch.float64 if np.dtype(dtype) == np.float64 else torch.float32
    model = torch.nn.Sequential(torch.nn.Linear(784, 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 10)).to(torch_dtype)
    initial = make_tge_article_adam(seed, dtype).model.state_dict()
    # tinygrad_edu's state_dict has torch's keys and shapes: the conversion is one line.
    model.load_state_dict({name: torch.from_numpy(value.numpy()) for name, value in
                           initial.items()})
    return TorchContestant(torch, model, torch.optim.Adam(model.parameters(), lr=1e-3), 32)


def make_tge_recommended(seed: int, steps_per_epoch: int, epochs: int,
                         dtype: Any = np.float32) -> TinygradContestant:
    """(5): a wider network, regularised, with a one-cycle schedule (see RECIPES)."""
    init_generator = stream(seed, INIT_STREAM)
    noise_generator = stream(seed, NOISE_STREAM)  # dropout masks and shifts
    model = nn.Sequential(
        nn.Linear(784, 512, dtype=dtype, generator=init_generator), nn.ReLU(),
        nn.Dropout(0.2, generator=noise_generator),
        nn.Linear(512, 256, dtype=dtype, generator=init_generator), nn.ReLU(),
        nn.Dropout(0.2, generator=noise_generator),
        nn.Linear(256, 10, dtype=dtype, generator=init_generator),
    )
    optimizer = optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-2)
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-3,
                                              total_steps=epochs * steps_per_epoch)
    return TinygradContestant(model, optimizer, 128, scheduler, label_smoothing=0.1,
                              augment=lambda images: random_shift(images, noise_generator))


def make_contestant(key: str, seed: int, train_count: int, epochs: int,
                    dtype: Any = np.float32) -> Any:
    """Build contestant ``key`` (one of KEYS) for ``train_count`` images and ``epochs``."""
    if key == "article-numpy":
        return make_article_numpy(seed, dtype)
    if key == "tge-article-sgd":
        return make_tge_article_sgd(seed, dtype)
    if key == "tge-article-adam":
        return make_tge_article_adam(seed, dtype)
    if key == "torch-article-adam":
        return make_torch_article_adam(seed, dtype)
    if key == "tge-recommended":
        return make_tge_recommended(seed, -(-train_count // 128), epochs, dtype)
    raise ValueError(f"unknown contestant {key!r}; expected one of {KEYS}")


def torch_available() -> bool:
    """Whether PyTorch can be imported (it is optional: contestant (4) needs it)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


# ----------------------------------------------------------------------- training and measuring
def evaluate(contestant: Any, images: np.ndarray, labels: np.ndarray,
             chunk: int = 4096) -> float:
    """Accuracy on the whole set: argmax of the contestant's scores, by chunks of images.

    Every contestant is measured by this one function, in evaluation mode (no dropout).
    """
    correct = 0
    for start in range(0, len(images), chunk):
        scores = contestant.scores(images[start:start + chunk])
        correct += int((scores.argmax(axis=1) == labels[start:start + chunk]).sum())
    return correct / len(images)


def train_epoch(contestant: Any, loader: Iterable[tuple[tge.Tensor, tge.Tensor]]) -> list[float]:
    """One pass over the loader's batches; returns the loss of every step."""
    return [contestant.train_step(images, labels) for images, labels in loader]


def epoch_bar(epochs: int, description: str, progress: bool) -> Any:
    """A tqdm progress bar over the epochs (plain range when tqdm is missing or disabled)."""
    if progress:
        try:
            from tqdm import tqdm
        except ImportError:
            return range(epochs)
        return tqdm(range(epochs), desc=description, unit="epoch", leave=True,
                    dynamic_ncols=True)
    return range(epochs)


def train_contestant(contestant: Any, splits: Splits, epochs: int, seed: int,
                     description: str = "", progress: bool = True) -> list[dict[str, float]]:
    """Train for ``epochs`` and measure after each: mean step loss, full-set train and
    evaluation accuracy, and the wall time of the epoch's training steps (measuring excluded).
    """
    loader = make_loader(splits.train_images, splits.train_labels, contestant.batch_size,
                         batch_seed(seed))
    history = []
    bar = epoch_bar(epochs, description, progress)
    for epoch in bar:
        start = time.perf_counter()
        losses = train_epoch(contestant, loader)
        seconds = time.perf_counter() - start
        record = {
            "epoch": epoch + 1,
            "loss": float(np.mean(losses)),
            "train_accuracy": evaluate(contestant, splits.train_images, splits.train_labels),
            "eval_accuracy": evaluate(contestant, splits.eval_images, splits.eval_labels),
            "seconds": seconds,
            "measure_seconds": time.perf_counter() - start - seconds,
        }
        history.append(record)
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(loss=f"{record['loss']:.4f}",
                            **{splits.eval_name: f"{100 * record['eval_accuracy']:.2f}%"})
    return history


def max_weight_difference(first: dict[str, np.ndarray], second: dict[str, np.ndarray]) -> float:
    """max |first − second| over all weights (same names and shapes)."""
    return max(float(np.abs(first[name] - second[name]).max()) for name in first)


# ------------------------------------------------------------------------------- reporting
def percent(value: float | None) -> str:
    """0.98765 -> '98.77 %'; None -> '–'."""
    return "–" if value is None else f"{100 * value:.2f} %"


def format_table(results: dict[str, Any]) -> str:
    """The one table (Markdown) of a run, with notes below it."""
    name = results["eval_name"]
    runs = [run for run in results["contestants"] if run["history"]]
    common = min(run["epochs"] for run in runs) if runs else 0
    lines = [
        f"MNIST, {results['description']}; {results['dtype']}; accuracy measured on the whole "
        "sets after every epoch; s / epoch = training steps only",
        "",
        f"| # | contestant | recipe | epochs | s / epoch | train acc | {name} acc @ epoch "
        f"{common} | {name} acc (final) | best {name} acc (epoch) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in results["contestants"]:
        history = run["history"]
        if not history:
            lines.append(f"| {run['index']} | {run['key']} | {run['recipe']} | – | – | – | – | "
                         f"– | skipped: {run['skipped']} |")
            continue
        seconds = np.mean([record["seconds"] for record in history])
        best = max(history, key=lambda record: record["eval_accuracy"])
        lines.append(
            f"| {run['index']} | {run['key']} | {run['recipe']} | {run['epochs']} | "
            f"{seconds:.2f} | {percent(history[-1]['train_accuracy'])} | "
            f"{percent(history[common - 1]['eval_accuracy'])} | "
            f"**{percent(history[-1]['eval_accuracy'])}** | "
            f"{percent(best['eval_accuracy'])} ({best['epoch']}) |")
    if results["protocol"] == "article" and not results["quick"]:
        for key, (accuracy, what) in ARTICLE_REPORTED.items():
            lines.append(f"| – | {key} (article) | reported in the article: {what} | – | – | – |"
                         f" – | {percent(accuracy)} | – |")
    lines.append("")
    lines.extend(results["notes"])
    return "\n".join(lines)


PLOT_STYLES: list[dict[str, Any]] = [
    {"color": "tab:blue", "linewidth": 5, "alpha": 0.35},
    {"color": "tab:blue", "linewidth": 1.5, "linestyle": "--"},
    {"color": "tab:green", "linewidth": 5, "alpha": 0.35},
    {"color": "tab:red", "linewidth": 1.5, "linestyle": "--"},
    {"color": "tab:purple", "linewidth": 2},
]


def save_plot(results: dict[str, Any], path: Path) -> bool:
    """Curves of evaluation accuracy and training loss per epoch; False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    figure, (accuracy_axes, loss_axes) = plt.subplots(1, 2, figsize=(13, 5))
    for run in results["contestants"]:
        if not run["history"]:
            continue
        epochs = [record["epoch"] for record in run["history"]]
        label = f"({run['index']}) {run['key']}"
        # The pairs (1, 2) and (3, 4) overlap: wide pale lines under thin dashed ones.
        style = PLOT_STYLES[run["index"] - 1]
        accuracy_axes.plot(epochs, [100 * record["eval_accuracy"] for record in run["history"]],
                           label=label, **style)
        loss_axes.plot(epochs, [record["loss"] for record in run["history"]], label=label,
                       **style)
    if results["protocol"] == "article" and not results["quick"]:
        for key, (accuracy, _) in ARTICLE_REPORTED.items():
            accuracy_axes.axhline(100 * accuracy, color="grey", linestyle=":", linewidth=1)
            accuracy_axes.annotate(f"{key} (article): {100 * accuracy:.2f} %",
                                   (1, 100 * accuracy), fontsize=8, color="grey",
                                   xytext=(2, 2), textcoords="offset points")
    accuracy_axes.axhline(100 * TARGET_ACCURACY, color="black", linestyle="--", linewidth=1,
                          label=f"target of (5): {100 * TARGET_ACCURACY:.0f} %")
    accuracy_axes.set_ylim(80, 100)
    accuracy_axes.set_xlabel("epoch")
    accuracy_axes.set_ylabel(f"{results['eval_name']} accuracy (%)")
    accuracy_axes.set_title(f"{results['eval_name']} accuracy, whole set")
    accuracy_axes.grid(alpha=0.3)
    accuracy_axes.legend(fontsize=8, loc="lower right")
    loss_axes.set_yscale("log")
    loss_axes.set_xlabel("epoch")
    loss_axes.set_ylabel("mean training loss over the epoch's steps")
    loss_axes.set_title("training loss (5: with label smoothing and dropout)")
    loss_axes.grid(alpha=0.3)
    loss_axes.legend(fontsize=8)
    figure.suptitle(f"MNIST, {results['description']}", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


# -------------------------------------------------------------------------------- the run
def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line flags."""
    parser = argparse.ArgumentParser(
        description="Train the article's MNIST network five ways and print one table.")
    parser.add_argument("--protocol", choices=["article", "standard"], default="article",
                        help="article: 33,600 / 8,400 of 42,000 drawn images (default); "
                             "standard: 60,000 train / 10,000 test")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs for every contestant (default: 100 for (1) to (4), 20 for "
                             "(5); 2 with --quick)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the split, the batch order and the initial weights")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder of the four MNIST .gz files (default: $TINYGRAD_EDU_DATA, "
                             "else ../shared/data/mnist, else the user cache, downloading)")
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_TRAIN:,} train / {QUICK_EVAL} eval images, "
                             f"{QUICK_EPOCHS} epochs: a smoke test in seconds")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="folder for the PNG and JSON (default: examples/out)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser.parse_args(argv)


def epochs_for(key: str, arguments: argparse.Namespace) -> int:
    """The number of epochs contestant ``key`` trains for in this run."""
    if arguments.epochs is not None:
        return arguments.epochs
    return QUICK_EPOCHS if arguments.quick else DEFAULT_EPOCHS[key]


def run(arguments: argparse.Namespace) -> dict[str, Any]:
    """Train every contestant; return all the numbers (what the JSON file holds)."""
    data_dir, download = default_data_dir()
    if arguments.data_dir is not None:
        data_dir, download = arguments.data_dir, False
    splits = make_splits(arguments.protocol, data_dir, download, arguments.seed)
    if arguments.quick:
        splits = quick_subset(splits)
    results: dict[str, Any] = {
        "command": " ".join(["python", *sys.argv]),
        "protocol": arguments.protocol, "quick": arguments.quick, "seed": arguments.seed,
        "description": splits.description, "eval_name": splits.eval_name, "dtype": "float32",
        "train_count": len(splits.train_images), "eval_count": len(splits.eval_images),
        "data_dir": str(data_dir), "target_accuracy": TARGET_ACCURACY,
        "article_reported": {key: value[0] for key, value in ARTICLE_REPORTED.items()},
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "tinygrad_edu": tge.__version__},
        "cpu_count": os.cpu_count(), "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "contestants": [], "notes": [],
    }
    trained: dict[str, Any] = {}
    for index, key in enumerate(KEYS, start=1):
        epochs = epochs_for(key, arguments)
        entry: dict[str, Any] = {"index": index, "key": key, "recipe": RECIPES[key],
                                 "epochs": epochs, "history": [], "skipped": None}
        results["contestants"].append(entry)
        if key == "torch-article-adam" and not torch_available():
            entry["skipped"] = "torch is not installed (pip install torch)"
            print(f"({index}) {key}: skipped, {entry['skipped']}", flush=True)
            continue
        if key == "torch-article-adam":
            import torch

            results["versions"]["torch"] = torch.__version__
            entry["torch_threads"] = torch.get_num_threads()
        contestant = make_contestant(key, arguments.seed, len(splits.train_images), epochs)
        entry["batch_size"] = contestant.batch_size
        entry["history"] = train_contestant(contestant, splits, epochs, arguments.seed,
                                            f"({index}) {key}", not arguments.no_progress)
        trained[key] = contestant
    if "article-numpy" in trained and "tge-article-sgd" in trained:
        difference = max_weight_difference(trained["article-numpy"].weights(),
                                           trained["tge-article-sgd"].weights())
        results["max_weight_difference_1_2"] = difference
        results["notes"].append(
            f"(1) vs (2), same initial weights and batches: after training, max |W(1) − W(2)| = "
            f"{difference:.1e} (float32 rounding; in float64 they agree to 1e-10, see "
            "tests/test_examples.py)")
    final = results["contestants"][-1]["history"]
    if final:
        accuracy = final[-1]["eval_accuracy"]
        reached = accuracy >= TARGET_ACCURACY
        results["target_reached"] = reached
        results["notes"].append(
            f"(5) target: {splits.eval_name} accuracy ≥ {percent(TARGET_ACCURACY)}: "
            f"{'reached' if reached else 'NOT reached'} ({percent(accuracy)})")
    return results


def main(argv: list[str] | None = None) -> int:
    """Run, print the table, write the JSON and the PNG."""
    arguments = parse_arguments(argv)
    start = time.perf_counter()
    results = run(arguments)
    results["total_seconds"] = time.perf_counter() - start
    results["notes"].append(f"total wall time of the run: {results['total_seconds']:.0f} s "
                            f"on {os.cpu_count()} cores, OPENBLAS_NUM_THREADS="
                            f"{results['blas_threads']}")
    arguments.out.mkdir(parents=True, exist_ok=True)
    stem = f"mlp_mnist_{arguments.protocol}" + ("_quick" if arguments.quick else "")
    png_path = arguments.out / f"{stem}.png"
    json_path = arguments.out / f"{stem}.json"
    plotted = save_plot(results, png_path)
    results["png"] = str(png_path) if plotted else None
    if not plotted:
        results["notes"].append("no plot: matplotlib is not installed (pip install matplotlib)")
    table = format_table(results)
    results["table"] = table
    json_path.write_text(json.dumps(results, indent=1) + "\n")
    print()
    print(table)
    print()
    print(f"curves: {png_path if plotted else '(none)'}")
    print(f"numbers: {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
