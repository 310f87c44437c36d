"""MNIST with the article's 784-64-10 network, five ways (six with --jit): one table.

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
                         smoothing and random shifts of up to 2 pixels, batch 128;
  (6) tge-article-adam-jit  only with ``--jit``: (3) again, the same model, initial weights and
                         batches, but its training step (forward, loss, zero_grad, backward,
                         optimiser step) compiled with ``tinygrad_edu.jit``. A replay computes
                         what the eager step computes, bit for bit, so its weights and
                         accuracies are those of (3); its seconds per epoch show what the
                         compilation saves.

Protocols. ``article`` (the default): 42,000 images drawn with a fixed seed from MNIST's 60,000
training images, split 80/20 into 33,600 training and 8,400 validation images, pixels / 255.
``standard``: all 60,000 training images, evaluated on the 10,000 test images.

    python examples/mlp_mnist.py                       # article protocol, a few minutes
    python examples/mlp_mnist.py --protocol standard   # 60k train / 10k test
    python examples/mlp_mnist.py --quick               # small subset, 2 epochs: seconds
    python examples/mlp_mnist.py --quick --jit         # and (6), (3) compiled with tge.jit

Outputs. The terminal gets one line per contestant and epoch (or progress bars when stderr is a
terminal, or with ``--progress``) and a plain table; the folder ``--out`` (default
examples/out/<protocol>, examples/out/<protocol>-quick with --quick) gets the same table in
Markdown (results.md), every number in mlp_mnist_<protocol>[_quick].json (metrics, timings and
the environment, apart) and the curves in mlp_mnist_<protocol>[_quick].png. The tables, the
plot and the environment record are made by mlp_mnist_report.py; this file trains and measures.

Checkpoints: ``--checkpoint DIR`` saves the whole run (settings, metrics so far, the final
weights of the finished contestants, and the training one's complete state, epoch, batch and
batch order) to DIR/checkpoint.npz with ``tinygrad_edu.save``, every ``--checkpoint-every``
batches and after every epoch, atomically; ``--resume`` continues from it to the very weights
and metrics of an uninterrupted run. ``--save-weights FILE`` saves the final weights.

Data: ``--data-dir``, else the library's one resolution order
(``tinygrad_edu.data.datasets.locate_mnist``).

Exit status: 0 done; 1 MNIST missing, damaged or not downloadable (one message says which file,
what is wrong and how to fix it; --debug shows the traceback); 2 a bad argument (nothing is
loaded or trained); 130 interrupted by Ctrl-C (the results so far are written to --out first).
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import shlex
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, MutableMapping

# One BLAS (and torch) thread for every contestant unless the environment already says otherwise
# (e.g. OPENBLAS_NUM_THREADS=2): the batch-32 matrix products are too small to gain from more,
# and waiting BLAS threads slow down many times over when other programs share the cores.
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
# The math libraries choose their kernels by processor when they load (OpenBLAS, used by NumPy:
# AVX2 "Haswell" or AVX-512 "SkylakeX"; torch's MKL, oneDNN and its own ATen kernels likewise),
# and different kernels add float32 products in different orders. The Adam rows (3), (4) and
# (5), trained to near-zero loss, amplify such last-bit differences into different final
# accuracies (row (3): 96.94 % with the AVX2 kernels, 96.51 % with the AVX-512 ones). So that
# the table is the same on every x86-64 machine with AVX2, these variables choose the AVX2
# kernels (MKL_CBWR also makes MKL's results independent of memory alignment).
AVX2_KERNEL_VARIABLES = {"OPENBLAS_CORETYPE": "Haswell", "MKL_CBWR": "AVX2",
                         "ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"}
NUMERICS_VARIABLES = (*THREAD_VARIABLES, *AVX2_KERNEL_VARIABLES)


def cpu_flags() -> set[str]:
    """The instruction-set flags of the processor (Linux's /proc/cpuinfo; empty elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def pin_numerics(environ: MutableMapping[str, str], machine: str,
                 flags: set[str]) -> list[str]:
    """Set one thread per library, and the AVX2 kernels on an x86-64 processor that has AVX2
    and FMA, for every variable the user left unset (an empty value counts as unset). Must run
    before NumPy and torch load. Returns the names it set (the JSON records them).

    Example:
        >>> environ = {"OMP_NUM_THREADS": "2", "OPENBLAS_CORETYPE": ""}
        >>> pin_numerics(environ, "x86_64", {"avx2", "fma"})[:3]
        ['OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_CORETYPE']
        >>> environ["OMP_NUM_THREADS"], environ["OPENBLAS_CORETYPE"]
        ('2', 'Haswell')
        >>> pin_numerics({}, "aarch64", {"asimd"})
        ['OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS']
    """
    chosen = {name: "1" for name in THREAD_VARIABLES}
    if machine == "x86_64" and {"avx2", "fma"} <= flags:
        chosen.update(AVX2_KERNEL_VARIABLES)
    set_here = [name for name in chosen if not environ.get(name)]
    for name in set_here:
        environ[name] = chosen[name]
    return set_here


# Only as a program: imported (by the tests), the module leaves the environment alone.
SET_BY_THIS_SCRIPT = (pin_numerics(os.environ, platform.machine(), cpu_flags())
                      if __name__ == "__main__" else [])

import numpy as np  # noqa: E402

import article_numpy  # noqa: E402
import tinygrad_edu as tge  # noqa: E402
from tinygrad_edu import nn, optim  # noqa: E402
from tinygrad_edu.data import DataLoader, TensorDataset  # noqa: E402
from tinygrad_edu.data.datasets import (  # noqa: E402
    MD5SUMS,
    MNIST,
    DatasetError,
    MnistLocation,
    MnistNotFoundError,
    locate_mnist,
    user_cache_dir,
)
from tinygrad_edu.data.datasets.locate import (  # noqa: E402
    RESOLUTION_ORDER,
    SOURCE_ARGUMENT,
    SOURCE_CACHE,
    SOURCE_ENVIRONMENT,
    SOURCE_SHARED,
)
from tinygrad_edu.data.datasets.mnist import make_folders, remove_empty_folders  # noqa: E402
from tinygrad_edu.nn import functional as F  # noqa: E402

from mlp_mnist_report import (  # noqa: E402
    ARTICLE_REPORTED,
    TARGET_ACCURACY,
    environment_record,
    files_listing,
    percent,
    terminal_table,
    wrap,
    write_outputs,
)

PROGRAM = "mlp_mnist.py"
REPO_ROOT = Path(__file__).resolve().parent.parent
OUT_ROOT = REPO_ROOT / "examples" / "out"

ARTICLE_POOL = 42_000  # images drawn from the 60,000 training images
ARTICLE_TRAIN = 33_600  # the first 80 % of them train, the other 8,400 validate
QUICK_TRAIN, QUICK_EVAL, QUICK_EPOCHS = 2_000, 500, 2
LARGEST_SEED = 2**32 - 1
EXIT_DATA_PROBLEM, EXIT_INTERRUPTED = 1, 130  # argparse exits with 2 on a bad argument

KEYS = ["article-numpy", "tge-article-sgd", "tge-article-adam", "torch-article-adam",
        "tge-recommended"]
JIT_KEY = "tge-article-adam-jit"  # (6), with --jit only
# Epochs of the default run: the article's 100 for its two recipes, (1) to (4) and (6); (5) is
# scheduled (OneCycleLR) for 20. The whole run takes a few minutes on 2 cores.
DEFAULT_EPOCHS = {"article-numpy": 100, "tge-article-sgd": 100, "tge-article-adam": 100,
                  "torch-article-adam": 100, "tge-recommended": 20, JIT_KEY: 100}
# Each recipe's own batch size; --batch-size replaces all of them.
RECOMMENDED_BATCH_SIZE = 128
DEFAULT_BATCH_SIZES = {"article-numpy": article_numpy.BATCH_SIZE,
                       "tge-article-sgd": article_numpy.BATCH_SIZE,
                       "tge-article-adam": 32, "torch-article-adam": 32,
                       "tge-recommended": RECOMMENDED_BATCH_SIZE, JIT_KEY: 32}
# {batch_size} is filled in with the batch size the contestant trains with.
RECIPES = {
    "article-numpy": ("NumPy by hand: 784-64-10, U(-0.5, 0.5) init, SGD lr 1e-3, "
                      "batch {batch_size}"),
    "tge-article-sgd": "tinygrad_edu, recipe and initial weights of (1)",
    "tge-article-adam": ("tinygrad_edu: 784-64-10, torch's default init, Adam lr 1e-3, "
                         "batch {batch_size}"),
    "torch-article-adam": "PyTorch, recipe and initial weights of (3)",
    "tge-recommended": ("tinygrad_edu: 784-512-256-10, dropout 0.2, AdamW (wd 1e-2) + "
                        "OneCycleLR (max lr 2e-3), label smoothing 0.1, ±2 px shifts, "
                        "batch {batch_size}"),
    JIT_KEY: "tinygrad_edu, recipe and initial weights of (3), its step compiled with tge.jit",
}
TORCH_MISSING = "torch not installed"


def contestant_keys(jit: bool) -> list[str]:
    """The contestants of a run, in the order they train: KEYS, then (6) with --jit."""
    return [*KEYS, JIT_KEY] if jit else list(KEYS)


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
    location: MnistLocation | None = None  # where MNIST was read from


def load_mnist(data_dir: Path | None, train: bool) -> MNIST:
    """MNIST's training (60,000) or test (10,000) split, from ``data_dir`` when given, else
    from the folder the library's resolution order chooses (downloading only into the user
    cache). ``.images`` are uint8 (N, 28, 28), ``.labels`` int64, ``.location`` says where."""
    return MNIST(root=data_dir, train=train)


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


def first_images(splits: Splits, train_count: int, eval_count: int,
                 what: str = "quick subset") -> Splits:
    """The first images of each set (for --quick and smoke tests)."""
    train_count = min(train_count, len(splits.train_images))
    eval_count = min(eval_count, len(splits.eval_images))
    return Splits(splits.train_images[:train_count], splits.train_labels[:train_count],
                  splits.eval_images[:eval_count], splits.eval_labels[:eval_count],
                  splits.eval_name,
                  f"{what} ({train_count:,} train / {eval_count:,} {splits.eval_name}) "
                  f"of the {splits.description}", splits.location)


def make_splits(protocol: str, data_dir: Path | None, seed: int,
                dtype: Any = np.float32) -> Splits:
    """Load MNIST and split it by ``protocol`` ("article" or "standard").

    ``data_dir`` None: the library's resolution order chooses the folder (``locate_mnist``).

    Raises:
        MnistNotFoundError: a file is missing (and not to be downloaded there).
        DatasetError: a file is damaged, or could not be downloaded.
    """
    train = load_mnist(data_dir, train=True)
    if protocol == "article":
        splits = article_split(train.images, train.labels, seed=seed, dtype=dtype)
    else:
        test = load_mnist(data_dir, train=False)
        splits = standard_split((train.images, train.labels), (test.images, test.labels),
                                dtype)
    splits.location = train.location
    return splits


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

    def __init__(self, params: article_numpy.Params,
                 batch_size: int = article_numpy.BATCH_SIZE) -> None:
        self.params = params
        self.batch_size = batch_size

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

    def state_dict(self) -> dict[str, Any]:
        """What a checkpoint needs: the weights (plain SGD keeps no other state)."""
        return {"params": {name: value.copy() for name, value in self.params.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state_dict()``'s weights (in place)."""
        for name, value in state["params"].items():
            self.params[name][...] = value


class TinygradContestant:
    """Contestants (2), (3), (5) and (6): a tinygrad_edu model, optimiser and cross-entropy
    loss.

    ``compiled``: the step on a batch (forward, loss, zero_grad, backward, optimiser step) is
    compiled with ``tge.jit`` (contestant (6)); what stays outside it runs eagerly: the
    scheduler's step and reading the loss with ``.item()``, which a compiled step may not do.
    Augmentation draws its shifts with NumPy outside any op, which a replay could not follow,
    so a contestant that augments is never compiled.
    """

    def __init__(self, model: nn.Module, optimizer: optim.Optimizer, batch_size: int,
                 scheduler: Any = None, label_smoothing: float = 0.0,
                 augment: Callable[[np.ndarray], np.ndarray] | None = None,
                 noise: np.random.Generator | None = None, compiled: bool = False) -> None:
        if compiled and augment is not None:
            raise ValueError("a contestant that augments its batches with NumPy cannot be "
                             "compiled with tge.jit: build it with compiled=False")
        self.model = model
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.scheduler = scheduler
        self.label_smoothing = label_smoothing
        self.augment = augment
        self.noise = noise  # the generator of dropout masks and shifts, if any (a checkpoint
        # saves its state)
        self.compiled = compiled
        self.step: Callable[[tge.Tensor, tge.Tensor], tge.Tensor] = (
            tge.jit(self.optimize) if compiled else self.optimize)

    def optimize(self, images: tge.Tensor, labels: tge.Tensor) -> tge.Tensor:
        """Forward, cross-entropy on the logits, backward, optimiser step; returns the loss
        (a tensor: this is the part that ``compiled`` compiles)."""
        logits = self.model(images)
        loss = F.cross_entropy(logits, labels, label_smoothing=self.label_smoothing)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss

    def train_step(self, images: tge.Tensor, labels: tge.Tensor) -> float:
        """Augment (if the recipe does), ``step``, then the scheduler's step; returns the
        batch's loss."""
        if self.augment is not None:
            images = tge.from_numpy(self.augment(images.numpy()))
        loss = self.step(images, labels)
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

    def state_dict(self) -> dict[str, Any]:
        """What a checkpoint needs to continue bit for bit: the model's, the optimiser's and
        the scheduler's state dicts and the state of the noise generator."""
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
                "noise": None if self.noise is None else self.noise.bit_generator.state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state_dict()`` into this contestant, built by the same recipe.

        A compiled step's programs stay valid: the model's ``load_state_dict`` copies into the
        parameters' arrays in place, and a replay calls the optimiser's update, which reads
        its (replaced) state and learning rate anew.
        """
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        if self.noise is not None:
            self.noise.bit_generator.state = state["noise"]


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

    def state_dict(self) -> dict[str, Any]:
        """The model's and the optimiser's state dicts, converted to tinygrad_edu tensors."""
        return {"model": tge.from_torch_state_dict(self.model.state_dict()),
                "optimizer": tge.from_torch_state_dict(self.optimizer.state_dict())}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state_dict()`` (converted back to torch tensors)."""
        self.model.load_state_dict(tge.to_torch_state_dict(state["model"], self.torch))
        self.optimizer.load_state_dict(tge.to_torch_state_dict(state["optimizer"], self.torch))


def article_mlp(dtype: Any = tge.float32, generator: np.random.Generator | None = None
                ) -> nn.Sequential:
    """784-64-10 with ReLU, logits out: nn.Sequential(Linear, ReLU, Linear), torch's init."""
    return nn.Sequential(nn.Linear(784, 64, dtype=dtype, generator=generator), nn.ReLU(),
                         nn.Linear(64, 10, dtype=dtype, generator=generator))


def make_article_numpy(seed: int, dtype: Any = np.float32,
                       batch_size: int = article_numpy.BATCH_SIZE) -> ArticleNumpy:
    """(1): the article's U(-0.5, 0.5) weights, drawn from the init stream of ``seed``."""
    return ArticleNumpy(article_numpy.init(stream(seed, INIT_STREAM), dtype), batch_size)


def make_tge_article_sgd(seed: int, dtype: Any = np.float32,
                         batch_size: int = article_numpy.BATCH_SIZE) -> TinygradContestant:
    """(2): tinygrad_edu modules loaded with exactly the initial weights of (1), plain SGD."""
    model = article_mlp(dtype)
    initial = make_article_numpy(seed, dtype).weights()
    model.load_state_dict({name: tge.from_numpy(value) for name, value in initial.items()})
    optimizer = optim.SGD(model.parameters(), lr=article_numpy.LEARNING_RATE)
    return TinygradContestant(model, optimizer, batch_size)


def make_tge_article_adam(seed: int, dtype: Any = np.float32, batch_size: int = 32,
                          compiled: bool = False) -> TinygradContestant:
    """(3): 784-64-10 with torch's default init (seeded), Adam lr 1e-3, batch 32; with
    ``compiled``, (6): the same, its step compiled with ``tge.jit``."""
    model = article_mlp(dtype, stream(seed, INIT_STREAM))
    return TinygradContestant(model, optim.Adam(model.parameters(), lr=1e-3), batch_size,
                              compiled=compiled)


def make_torch_article_adam(seed: int, dtype: Any = np.float32,
                            batch_size: int = 32) -> TorchContestant:
    """(4): the same network in PyTorch, loaded with the initial weights of (3)."""
    import torch

    torch_dtype = torch.float64 if np.dtype(dtype) == np.float64 else torch.float32
    model = torch.nn.Sequential(torch.nn.Linear(784, 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 10)).to(torch_dtype)
    initial = make_tge_article_adam(seed, dtype).model.state_dict()
    # tinygrad_edu's state_dict has torch's keys and shapes: the conversion is one line.
    model.load_state_dict({name: torch.from_numpy(value.numpy()) for name, value in
                           initial.items()})
    return TorchContestant(torch, model, torch.optim.Adam(model.parameters(), lr=1e-3),
                           batch_size)


def make_tge_recommended(seed: int, steps_per_epoch: int, epochs: int, dtype: Any = np.float32,
                         batch_size: int = RECOMMENDED_BATCH_SIZE) -> TinygradContestant:
    """(5): a wider network, regularised, with a one-cycle schedule (see RECIPES).

    ``steps_per_epoch`` must be the number of batches of ``batch_size`` in an epoch: the
    schedule spans ``epochs * steps_per_epoch`` steps.
    """
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
    return TinygradContestant(model, optimizer, batch_size, scheduler, label_smoothing=0.1,
                              augment=lambda images: random_shift(images, noise_generator),
                              noise=noise_generator)


def make_contestant(key: str, seed: int, train_count: int, epochs: int,
                    dtype: Any = np.float32, batch_size: int | None = None) -> Any:
    """Build contestant ``key`` (one of KEYS, or JIT_KEY) for ``train_count`` images and
    ``epochs``.

    ``batch_size`` None: the recipe's own (DEFAULT_BATCH_SIZES).
    """
    if key not in contestant_keys(jit=True):
        raise ValueError(f"unknown contestant {key!r}; expected one of "
                         f"{contestant_keys(jit=True)}")
    size = DEFAULT_BATCH_SIZES[key] if batch_size is None else batch_size
    if key == "article-numpy":
        return make_article_numpy(seed, dtype, size)
    if key == "tge-article-sgd":
        return make_tge_article_sgd(seed, dtype, size)
    if key == "tge-article-adam":
        return make_tge_article_adam(seed, dtype, size)
    if key == JIT_KEY:
        return make_tge_article_adam(seed, dtype, size, compiled=True)
    if key == "torch-article-adam":
        return make_torch_article_adam(seed, dtype, size)
    steps_per_epoch = -(-train_count // size)  # the DataLoader keeps the last, short batch
    return make_tge_recommended(seed, steps_per_epoch, epochs, dtype, size)


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


def show_bars(progress: bool | None) -> bool:
    """Progress bars or not: --progress / --no-progress decide, else whether stderr is a
    terminal (a log file or a pipe gets plain lines, not a stream of carriage returns)."""
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return False
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


def epoch_bar(epochs: int, description: str, bars: bool, first: int = 0) -> Any:
    """A tqdm progress bar (on stderr) over the epochs from ``first`` (0-based), or a plain
    range without bars."""
    if not bars:
        return range(first, epochs)
    from tqdm import tqdm

    return tqdm(range(first, epochs), desc=description, unit="epoch", leave=True,
                dynamic_ncols=True, file=sys.stderr, initial=first, total=epochs)


# The labels' column in the epoch lines: as wide as the longest label, "(4) torch-article-adam"
# (wider in a run with (6), whose label is longer).
LABEL_WIDTH = 22


def epoch_line(label: str, record: dict[str, float], epochs: int, seconds: float,
               eval_name: str, label_width: int = LABEL_WIDTH) -> str:
    """One finished epoch, for a terminal without progress bars or a log file, e.g.
    ``(3) tge-article-adam  epoch  7/100  loss 0.0123  val 96.51 %  0.32 s``; the label is
    padded to ``label_width`` columns."""
    width = len(str(epochs))
    return (f"{label:<{label_width}}  epoch {record['epoch']:>{width}}/{epochs}  "
            f"loss {record['loss']:.4f}  {eval_name} {percent(record['eval_accuracy'])}  "
            f"{seconds:.2f} s")


@dataclass
class Position:
    """Where a contestant's training stands: ``epoch`` epochs done, then ``batch`` batches of
    the next one, whose step losses so far are ``losses``; ``order_state`` is the state of the
    batch-order generator before that epoch's order was drawn (None: the start)."""

    epoch: int = 0
    batch: int = 0
    losses: list[float] | None = None
    order_state: dict[str, Any] | None = None


def train_contestant(contestant: Any, splits: Splits, epochs: int, seed: int,
                     entry: dict[str, Any], label: str = "", bars: bool = False,
                     position: Position | None = None,
                     checkpoint: Callable[[Position], None] | None = None,
                     every: int = 0, label_width: int = LABEL_WIDTH) -> None:
    """Train for ``epochs`` and measure after each: mean step loss, full-set train and
    evaluation accuracy (``entry["history"]``), and apart from these metrics the wall time of
    the epoch's training steps and of the measuring (``entry["timing"]``).

    Each epoch is added to ``entry`` as soon as it is finished, so that an interruption
    (Ctrl-C) keeps every finished epoch.

    ``position``: continue from there (a resumed checkpoint; the contestant's state is already
    loaded): the same batch order is drawn again and the batches already trained are skipped.
    ``checkpoint``: called with the position after every ``every`` batches within an epoch
    and after every epoch (once the epoch's record is in ``entry``, before it is printed).
    ``label_width``: the columns the label takes in the epoch lines.
    """
    loader = make_loader(splits.train_images, splits.train_labels, contestant.batch_size,
                         batch_seed(seed))
    position = position or Position()
    if position.order_state is not None:
        loader.generator.bit_generator.state = position.order_state
    bar = epoch_bar(epochs, label, bars, position.epoch)
    try:
        for epoch in bar:
            order_state = loader.generator.bit_generator.state  # a fresh dict: a copy
            resumed = epoch == position.epoch
            losses = list(position.losses or []) if resumed else []
            skip = position.batch if resumed else 0
            start = time.perf_counter()
            for number, (images, labels) in enumerate(loader):
                if number < skip:
                    continue  # trained before the checkpoint
                losses.append(contestant.train_step(images, labels))
                done = number + 1
                if checkpoint is not None and done % every == 0 and done < len(loader):
                    checkpoint(Position(epoch, done, losses, order_state))
            seconds = time.perf_counter() - start
            record = {
                "epoch": epoch + 1,
                "loss": float(np.mean(losses)),
                "train_accuracy": evaluate(contestant, splits.train_images,
                                           splits.train_labels),
                "eval_accuracy": evaluate(contestant, splits.eval_images, splits.eval_labels),
            }
            entry["timing"]["train_seconds"].append(seconds)
            entry["timing"]["measure_seconds"].append(time.perf_counter() - start - seconds)
            entry["history"].append(record)
            if checkpoint is not None:  # saved before it is reported
                checkpoint(Position(epoch + 1, 0, [], loader.generator.bit_generator.state))
            if bars:
                bar.set_postfix(loss=f"{record['loss']:.4f}",
                                **{splits.eval_name: percent(record["eval_accuracy"])})
            else:
                print(epoch_line(label, record, epochs, seconds, splits.eval_name,
                                 label_width), flush=True)
    finally:
        if bars:
            bar.close()


def max_weight_difference(first: dict[str, np.ndarray], second: dict[str, np.ndarray]) -> float:
    """max |first − second| over all weights (same names and shapes)."""
    return max(float(np.abs(first[name] - second[name]).max()) for name in first)


CHECKPOINT_FILE = "checkpoint.npz"
# Results that train_all adds besides the contestants and notes (a checkpoint keeps them).
EXTRA_RESULTS = ("max_weight_difference_1_2", "target_reached", "jit_weights_identical")
CHECKPOINT_KIND, CHECKPOINT_VERSION = "mlp_mnist.py checkpoint", 1
DEFAULT_CHECKPOINT_EVERY = 200  # batches


def run_settings(arguments: argparse.Namespace) -> dict[str, Any]:
    """The settings a checkpoint belongs to: a resumed run must use the same ones."""
    return {"protocol": arguments.protocol, "quick": arguments.quick, "seed": arguments.seed,
            "epochs": arguments.epochs, "batch_size": arguments.batch_size,
            "train_limit": arguments.train_limit, "eval_limit": arguments.eval_limit,
            "jit": arguments.jit}


def read_checkpoint(folder: Path, arguments: argparse.Namespace) -> dict[str, Any] | None:
    """The checkpoint in ``folder`` (None when there is none yet).

    Raises:
        ValueError: the file is not a checkpoint of this program, or was written with other
            settings (the message says which).
    """
    path = folder / CHECKPOINT_FILE
    if not path.exists():
        return None
    checkpoint = tge.load(path)
    if not isinstance(checkpoint, dict) or checkpoint.get("kind") != CHECKPOINT_KIND:
        raise ValueError(f"{path} is not a checkpoint of {PROGRAM}")
    if checkpoint.get("version") != CHECKPOINT_VERSION:
        raise ValueError(f"{path} has version {checkpoint.get('version')!r}, this program "
                         f"reads version {CHECKPOINT_VERSION}")
    settings = run_settings(arguments)
    # A checkpoint written before --jit existed has no "jit": it was a run without.
    saved = {"jit": False, **checkpoint["settings"]}
    different = [f"{name} {saved.get(name)!r} (now {value!r})"
                 for name, value in settings.items() if saved.get(name) != value]
    if different:
        raise ValueError(f"{path} was written with other settings: " + ", ".join(different))
    return checkpoint


def train_all(arguments: argparse.Namespace, splits: Splits, results: dict[str, Any],
              bars: bool, resumed: dict[str, Any] | None = None
              ) -> dict[str, dict[str, np.ndarray]]:
    """Train every contestant in turn, filling ``results`` as each epoch finishes. Returns the
    final weights of every contestant that finished.

    With ``arguments.checkpoint``, a checkpoint (see ``write``) replaces the folder's file
    every ``arguments.checkpoint_every`` batches and after every epoch. ``resumed`` (such a
    checkpoint, already in ``results``): the finished contestants are not trained again, and
    the one that was training continues from its saved state and position.
    """
    trained: dict[str, dict[str, np.ndarray]] = dict(resumed["finished"]) if resumed else {}
    current = resumed["current"] if resumed else None

    def write(key: str, contestant: Any, position: Position) -> None:
        """The whole run's checkpoint: the settings, the metrics so far, the final weights of
        the finished contestants, and the running one's state and position."""
        tge.save({
            "kind": CHECKPOINT_KIND, "version": CHECKPOINT_VERSION,
            "settings": run_settings(arguments),
            "contestants": results["contestants"], "notes": results["notes"],
            "extra": {name: results[name] for name in EXTRA_RESULTS if name in results},
            "finished": trained,
            "current": {"key": key, "epoch": position.epoch, "batch": position.batch,
                        "losses": position.losses or [], "order_state": position.order_state,
                        "state": contestant.state_dict()},
        }, arguments.checkpoint / CHECKPOINT_FILE)

    label_width = max(LABEL_WIDTH, *(len(f"({entry['index']}) {entry['key']}")
                                     for entry in results["contestants"]))
    for entry in results["contestants"]:
        key, label = entry["key"], f"({entry['index']}) {entry['key']}"
        if key == "torch-article-adam" and entry["status"] in ("pending", "running"):
            if not torch_available():
                entry["status"], entry["skipped"] = "skipped", TORCH_MISSING
                print(f"{label}: skipped ({TORCH_MISSING}; pip install torch to run it)",
                      flush=True)
                continue
            import torch

            results["environment"]["versions"]["torch"] = torch.__version__
            results["environment"]["torch"] = {
                "threads": torch.get_num_threads(),
                "cpu_capability": torch.backends.cpu.get_cpu_capability()}
        if entry["status"] not in ("pending", "running"):
            continue  # finished or skipped before the checkpoint
        contestant = make_contestant(key, arguments.seed, len(splits.train_images),
                                     entry["epochs"], batch_size=arguments.batch_size)
        position = None
        if current is not None and current["key"] == key:
            contestant.load_state_dict(current["state"])
            position = Position(current["epoch"], current["batch"], current["losses"],
                                current["order_state"])
            print(f"{label}: resumed after {position.epoch} epochs and {position.batch} "
                  "batches", flush=True)
        entry["status"] = "running"
        checkpoint: Callable[[Position], None] | None = None
        if arguments.checkpoint is not None:
            checkpoint = functools.partial(write, key, contestant)
        train_contestant(contestant, splits, entry["epochs"], arguments.seed, entry, label,
                         bars, position, checkpoint, arguments.checkpoint_every, label_width)
        entry["status"] = "finished"
        trained[key] = contestant.weights()
        if key == "tge-article-sgd" and "article-numpy" in trained:
            difference = max_weight_difference(trained["article-numpy"], trained[key])
            results["max_weight_difference_1_2"] = difference
            results["notes"].append(
                f"(1) vs (2), same initial weights and batches: after training, max |W(1) − "
                f"W(2)| = {difference:.1e} (float32 rounding; in float64 they agree to 1e-10, "
                "see tests/test_examples.py)")
        if key == JIT_KEY and "tge-article-adam" in trained:
            identical = all(value.tobytes() == trained[key][name].tobytes()
                            for name, value in trained["tge-article-adam"].items())
            results["jit_weights_identical"] = identical
            results["notes"].append(
                f"(3) vs (6), the same step run eagerly and compiled with tge.jit: final "
                f"weights {'identical bit for bit' if identical else 'DIFFERENT'}")
        if key == "tge-recommended":
            accuracy = entry["history"][-1]["eval_accuracy"]
            results["target_reached"] = accuracy >= TARGET_ACCURACY
            results["notes"].append(
                f"(5) target: {splits.eval_name} accuracy ≥ {percent(TARGET_ACCURACY)}: "
                f"{'reached' if results['target_reached'] else 'NOT reached'} "
                f"({percent(accuracy)})")
    return trained


def mark_interrupted(results: dict[str, Any]) -> None:
    """Record a Ctrl-C: the running contestant is interrupted, the ones after it did not run."""
    results["interrupted"] = True
    for entry in results["contestants"]:
        if entry["status"] == "running":
            entry["status"] = "interrupted"
            results["notes"].append(
                f"interrupted (Ctrl-C) during ({entry['index']}) {entry['key']}, after "
                f"{len(entry['history'])} of its {entry['epochs']} epochs")
        elif entry["status"] == "pending":
            entry["status"] = "not run"


# -------------------------------------------------------------------------------- the run
def positive_integer(text: str) -> int:
    """argparse type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer (1 or more), got {value}")
    return value


def seed_value(text: str) -> int:
    """argparse type: a seed in 0..2**32 − 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not 0 <= value <= LARGEST_SEED:
        raise argparse.ArgumentTypeError(f"must be in 0..{LARGEST_SEED} (2**32 - 1), got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command-line flags (their values are checked as they are parsed)."""
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description="Train the article's MNIST network five ways (six with --jit) and print "
                    "one table.")
    parser.add_argument("--protocol", choices=["article", "standard"], default="article",
                        help="article: 33,600 / 8,400 of 42,000 drawn images (default); "
                             "standard: 60,000 train / 10,000 test")
    parser.add_argument("--epochs", type=positive_integer, default=None,
                        help="epochs for every contestant (default: 100 for (1) to (4) and "
                             f"(6), 20 for (5); {QUICK_EPOCHS} with --quick)")
    parser.add_argument("--batch-size", type=positive_integer, default=None,
                        help="batch size for every contestant (default: each recipe's own, "
                             f"32 for (1) to (4) and (6), {RECOMMENDED_BATCH_SIZE} for (5))")
    parser.add_argument("--seed", type=seed_value, default=0,
                        help="seed of the split, the batch order and the initial weights, "
                             f"0..{LARGEST_SEED} (default 0)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder of the four MNIST .gz files, used as it is (default: "
                             f"{RESOLUTION_ORDER})")
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_TRAIN:,} train / {QUICK_EVAL} eval images, "
                             f"{QUICK_EPOCHS} epochs: a smoke test in seconds")
    parser.add_argument("--jit", action="store_true",
                        help=f"add contestant (6), {JIT_KEY}: (3) with its training step "
                             "compiled by tinygrad_edu.jit (the same weights and accuracies, "
                             "bit for bit; compare the seconds per epoch)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for results.md, the JSON and the PNG (default: "
                             "examples/out/<protocol>, examples/out/<protocol>-quick with "
                             "--quick)")
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None,
                          help="progress bars even when stderr is not a terminal")
    progress.add_argument("--no-progress", dest="progress", action="store_false",
                          help="no progress bars: one line per contestant and epoch "
                               "(the default when stderr is not a terminal)")
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback of a data problem (or of Ctrl-C) instead of a "
                             "message")
    parser.add_argument("--checkpoint", type=Path, default=None, metavar="DIR",
                        help=f"write a checkpoint, DIR/{CHECKPOINT_FILE}, every "
                             "--checkpoint-every batches and after every epoch (atomically: "
                             "the file is replaced, never half written). It covers the whole "
                             "run: the metrics so far, the final weights of the finished "
                             "contestants, and the training one's model, optimiser, scheduler "
                             "and random-generator states, epoch, batch and batch order")
    parser.add_argument("--checkpoint-every", type=positive_integer,
                        default=DEFAULT_CHECKPOINT_EVERY, metavar="N",
                        help="batches between two checkpoints within an epoch (default "
                             f"{DEFAULT_CHECKPOINT_EVERY})")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the checkpoint in --checkpoint DIR (same settings "
                             "required): finished contestants are not trained again, the "
                             "interrupted one continues from its last checkpoint and ends with "
                             "the same weights and metrics as an uninterrupted run (timings "
                             "aside); without a checkpoint there yet, start from the beginning")
    parser.add_argument("--save-weights", type=Path, default=None, metavar="FILE",
                        help="at the end, save every finished contestant's final weights to "
                             "FILE with tinygrad_edu.save ({contestant: state_dict})")
    # For tests: train and evaluate on the first N images only.
    parser.add_argument("--train-limit", type=positive_integer, default=None,
                        help=argparse.SUPPRESS)
    parser.add_argument("--eval-limit", type=positive_integer, default=None,
                        help=argparse.SUPPRESS)
    return parser


def default_out(protocol: str, quick: bool) -> Path:
    """examples/out/<protocol>, or examples/out/<protocol>-quick: one folder per kind of run,
    so each keeps its own results.md.

    Example:
        >>> default_out("standard", quick=True).parts[-3:]
        ('examples', 'out', 'standard-quick')
    """
    return OUT_ROOT / (protocol + ("-quick" if quick else ""))


def output_stem(protocol: str, quick: bool) -> str:
    """The JSON's and the PNG's name without suffix: mlp_mnist_<protocol>[_quick]."""
    return f"mlp_mnist_{protocol}" + ("_quick" if quick else "")


def prepare_out_folder(parser: argparse.ArgumentParser, out: Path) -> list[Path]:
    """Create ``out`` and check that a file can be written there (a probe file, removed at
    once); a bad folder ends the program through ``parser.error`` before any data is read.

    Returns the folders created, deepest first (removed again if the run fails early).
    """
    try:
        created = make_folders(out)
    except OSError as error:
        blocking = next((folder for folder in (out, *out.parents)
                         if folder.exists() and not folder.is_dir()), None)
        reason = (f"{blocking} is a file, not a folder" if blocking is not None
                  else error.strerror or str(error))
        parser.error(f"argument --out: cannot create the folder {out}: {reason}")
    try:
        with tempfile.NamedTemporaryFile(dir=out, prefix=".mlp_mnist_probe_"):
            pass
    except OSError as error:
        remove_empty_folders(created)
        parser.error(f"argument --out: cannot write into {out}: {error.strerror or error}")
    return created


# How each step of the library's resolution order is named for people.
SOURCE_NAMES = {
    SOURCE_ARGUMENT: "given by --data-dir",
    SOURCE_ENVIRONMENT: "given by the TINYGRAD_EDU_DATA environment variable",
    SOURCE_SHARED: f"{SOURCE_SHARED} beside the checkout",
    SOURCE_CACHE: "the user cache, where missing files are downloaded",
}


def data_problem_message(error: Exception, location: MnistLocation, program: str = PROGRAM,
                         debug_flag: bool = True) -> str:
    """The one message for missing, damaged or undownloadable MNIST: the file, the problem,
    and the three ways to fix it (``program`` names the script; ``debug_flag``: whether it has
    --debug, which the last line then mentions)."""
    path = getattr(error, "path", None) or getattr(error, "filename", None) or location.folder
    if isinstance(error, MnistNotFoundError):
        problem = "file not found"
    elif isinstance(error, DatasetError):
        problem = error.problem
    else:
        problem = getattr(error, "strerror", None) or str(error)
    lines = [
        wrap(f"{program}: error: MNIST file {path}: {problem}"),
        wrap(f"(the folder {location.folder}, {SOURCE_NAMES[location.source]})", "  ", " "),
        "Three ways to fix it:",
        wrap("--data-dir DIR, a folder that holds the four MNIST files: "
             + ", ".join(MD5SUMS), "  1. ", ""),
        wrap("the TINYGRAD_EDU_DATA environment variable, set to such a folder", "  2. ", ""),
        wrap("connect to the internet and run without --data-dir and TINYGRAD_EDU_DATA: the "
             f"files are downloaded into the user cache, {user_cache_dir()}", "  3. ", ""),
    ]
    if location.source == SOURCE_SHARED:
        lines.append(wrap(f"({location.folder} comes before the user cache: repair it, or use "
                          "1 or 2)", "  ", " "))
    damaged = isinstance(error, DatasetError) and error.path is not None and error.path.exists()
    if damaged and location.source == SOURCE_CACHE:
        lines.append(wrap(f"(a damaged file in the user cache is downloaded again once "
                          f"deleted: rm {path})", "  ", " "))
    elif damaged:
        lines.append(wrap(f"(or replace {path} by a good copy)", "  ", " "))
    if debug_flag:
        lines.append("Run with --debug to see the traceback.")
    return "\n".join(lines)


def prepare_splits(arguments: argparse.Namespace) -> Splits:
    """The run's data: the protocol's split, cut to the first images with --quick (and the
    hidden --train-limit / --eval-limit)."""
    splits = make_splits(arguments.protocol, arguments.data_dir, arguments.seed)
    train_count, eval_count = len(splits.train_images), len(splits.eval_images)
    if arguments.quick:
        train_count, eval_count = min(train_count, QUICK_TRAIN), min(eval_count, QUICK_EVAL)
    train_count = min(train_count, arguments.train_limit or train_count)
    eval_count = min(eval_count, arguments.eval_limit or eval_count)
    if (train_count, eval_count) == (len(splits.train_images), len(splits.eval_images)):
        return splits
    return first_images(splits, train_count, eval_count,
                        "quick subset" if arguments.quick else "subset")


def epochs_for(key: str, arguments: argparse.Namespace) -> int:
    """The number of epochs contestant ``key`` trains for in this run."""
    if arguments.epochs is not None:
        return arguments.epochs
    return QUICK_EPOCHS if arguments.quick else DEFAULT_EPOCHS[key]


def new_results(arguments: argparse.Namespace, splits: Splits, command: str) -> dict[str, Any]:
    """The record of a run before training: settings, data, environment, one entry per
    contestant (filled in as it trains). Metrics (``history``) and timings (``timing``) are
    kept apart, so that the metrics of two runs can be compared for equality."""
    location = splits.location
    contestants: list[dict[str, Any]] = []
    for index, key in enumerate(contestant_keys(arguments.jit), start=1):
        batch_size = arguments.batch_size or DEFAULT_BATCH_SIZES[key]
        contestants.append({
            "index": index, "key": key, "recipe": RECIPES[key].format(batch_size=batch_size),
            "epochs": epochs_for(key, arguments), "batch_size": batch_size,
            "status": "pending", "skipped": None, "history": [],
            "timing": {"train_seconds": [], "measure_seconds": []},
        })
    return {
        "command": command,
        "protocol": arguments.protocol, "quick": arguments.quick, "seed": arguments.seed,
        "settings": {"epochs": arguments.epochs, "batch_size": arguments.batch_size,
                     "train_limit": arguments.train_limit, "eval_limit": arguments.eval_limit,
                     "jit": arguments.jit},
        "description": splits.description, "eval_name": splits.eval_name, "dtype": "float32",
        "train_count": len(splits.train_images), "eval_count": len(splits.eval_images),
        "data": {"folder": None if location is None else str(location.folder),
                 "source": None if location is None else location.source},
        "target_accuracy": TARGET_ACCURACY,
        "article_reported": {key: value[0] for key, value in ARTICLE_REPORTED.items()},
        "environment": environment_record(NUMERICS_VARIABLES, SET_BY_THIS_SCRIPT),
        "contestants": contestants, "notes": [], "interrupted": False,
        "timing": {"total_seconds": None},
    }


def main(argv: list[str] | None = None) -> int:
    """Check the arguments, load MNIST, train, write results.md, the JSON and the PNG, print
    the table. Returns the exit status (see the module docstring)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    arguments = parser.parse_args(argv)  # a bad value exits here (status 2)
    if arguments.out is None:
        arguments.out = default_out(arguments.protocol, arguments.quick)
    resumed = None
    if arguments.resume and arguments.checkpoint is None:
        parser.error("argument --resume: needs --checkpoint DIR, the folder of the checkpoint")
    if arguments.checkpoint is not None:
        try:
            arguments.checkpoint.mkdir(parents=True, exist_ok=True)
            if arguments.resume:
                resumed = read_checkpoint(arguments.checkpoint, arguments)
        except (OSError, ValueError) as error:
            parser.error(f"argument --checkpoint: {error}")
    created = prepare_out_folder(parser, arguments.out)  # and here
    location = locate_mnist(arguments.data_dir)
    print(f"MNIST from {location.folder} ({SOURCE_NAMES[location.source]})", flush=True)
    try:
        splits = prepare_splits(arguments)
    except (MnistNotFoundError, DatasetError, OSError) as error:
        remove_empty_folders(created)
        if arguments.debug:
            raise
        print(data_problem_message(error, location), file=sys.stderr)
        return EXIT_DATA_PROBLEM
    except KeyboardInterrupt:
        remove_empty_folders(created)
        if arguments.debug:
            raise
        print(f"{PROGRAM}: interrupted while loading MNIST; nothing was trained or written",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    results = new_results(arguments, splits, shlex.join(["python", "examples/mlp_mnist.py",
                                                         *argv]))
    print(wrap(f"{splits.description}; results go to {arguments.out}"), flush=True)
    if resumed is not None:
        results["contestants"], results["notes"] = resumed["contestants"], resumed["notes"]
        results.update(resumed["extra"])
        results["resumed"] = True
        print(f"resuming from {arguments.checkpoint / CHECKPOINT_FILE}", flush=True)
    elif arguments.resume:
        print(f"no checkpoint in {arguments.checkpoint} yet: starting from the beginning",
              flush=True)
    start = time.perf_counter()
    trained: dict[str, dict[str, np.ndarray]] = {}
    try:
        trained = train_all(arguments, splits, results, show_bars(arguments.progress), resumed)
    except KeyboardInterrupt as interruption:
        mark_interrupted(results)
        interrupted: KeyboardInterrupt | None = interruption
    else:
        interrupted = None
    results["timing"]["total_seconds"] = time.perf_counter() - start
    paths = write_outputs(results, arguments.out,
                          output_stem(arguments.protocol, arguments.quick))
    print()
    print(terminal_table(results))
    print()
    print(files_listing(arguments.out, paths), flush=True)
    if arguments.save_weights is not None and interrupted is None:
        tge.save(trained, arguments.save_weights)
        print(f"final weights: {arguments.save_weights}", flush=True)
    if interrupted is not None:
        print(f"{PROGRAM}: interrupted (Ctrl-C); the results so far were written to "
              f"{arguments.out}", file=sys.stderr)
        if arguments.debug:
            raise interrupted
        return EXIT_INTERRUPTED
    return 0


if __name__ == "__main__":
    sys.exit(main())
