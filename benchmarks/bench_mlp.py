"""One epoch of MNIST training (60,000 images): hand-written NumPy vs tinygrad_edu vs torch.

Every contestant trains the same network on the same float32 data, in the same batch order,
from the same initial weights, with the same thread count: Linear-ReLU-Linear, mean
cross-entropy, backward, plain SGD (lr 1e-3). The settings, one table row per contestant each:

  784-64-10    batch 32       the article's network and batch size (1,875 steps per epoch)
  784-128-10   batch 64, 128, 256, and the full batch of 60,000 (a few steps, one per epoch)

Contestants (``CONTESTANTS``):

  numpy          the article's formulas, examples/article_numpy.py's ``train_step``: forward,
                 dZ2 = A2 - Y, dW2 = dZ2·A1ᵀ/m, ..., SGD; one example per column, as there;
  tinygrad_edu   nn.Sequential(Linear, ReLU, Linear), F.cross_entropy, optim.SGD, eager;
  tinygrad_edu.jit  the same step compiled with ``tinygrad_edu.jit``: its first calls record
                 the array operations, later calls replay them (the warm-up makes the capture);
  torch          the same in PyTorch CPU eager (skipped when torch is not installed).

Method. The images are shuffled once (``--seed``); every epoch walks them in that order in
contiguous slices (views: no copying, no loader), so data handling costs every contestant the
same nothing. For each setting, every contestant first warms up on a few steps; then the
contestants take turns epoch by epoch (the order rotates each epoch), each epoch starting from
the same initial weights (the article's U(-0.5, 0.5) init) with a fresh model built outside the
timing, after a garbage collection and a short pause (``--pause``); what the imports created
is frozen first (``gc.freeze``), so that collections walk only what the training creates. The
table gives the median epoch time over ``--epochs`` epochs, the range, the time per step and
each median's ratio to NumPy's and torch's. The last batch's loss of every contestant is
recorded in the JSON: equal to a few float32 digits, it shows that all of them computed the
same thing.

Threads: ``--threads N`` (default 1) sets OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and
MKL_NUM_THREADS (overriding the environment) before NumPy loads, and torch.set_num_threads(N).

Data: real MNIST found by the library's one resolution order (``--data-dir`` is its first step;
see ``tinygrad_edu.data.datasets.locate_mnist``), or with ``--synthetic`` random data of the
same shapes (uniform pixels in [0, 1), uniform labels).

    python benchmarks/bench_mlp.py                          # 5 settings x 5 epochs each
    python benchmarks/bench_mlp.py --quick --synthetic      # 2 settings, 1 epoch of 5,000
    python benchmarks/bench_mlp.py --out benchmarks/out/bench_mlp.json

Run it on an idle machine: other processes competing for the cores distort every number.
Timing lives here, never in the tests (tests/test_benchmarks.py only checks a quick run's JSON).
"""

from __future__ import annotations

import argparse
import gc
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

from bench_support import (
    command_line,
    environment_record,
    import_torch,
    markdown_table,
    non_negative_float,
    pin_threads,
    positive_integer,
    ratio_text,
    summary,
    use_this_checkout,
    write_json_atomically,
)

SCRIPT = "bench_mlp.py"
MNIST_TRAIN_SIZE = 60_000
QUICK_SAMPLES = 5_000
DEFAULT_EPOCHS = 5
DEFAULT_FULL_BATCH_STEPS = 3
WARMUP_STEPS = 10
LEARNING_RATE = 1e-3
INPUTS, CLASSES = 784, 10
# The keys of the two contestants every other one is compared with (the ratio columns).
BASELINES = ("numpy", "torch")


def build_parser() -> argparse.ArgumentParser:
    """The command line (argparse only: it is read before NumPy loads)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=positive_integer, default=None,
                        help=f"timed epochs per contestant and setting (default "
                             f"{DEFAULT_EPOCHS}; 1 with --quick); the median is reported")
    parser.add_argument("--samples", type=positive_integer, default=None,
                        help=f"images per epoch (default {MNIST_TRAIN_SIZE:,}; "
                             f"{QUICK_SAMPLES:,} with --quick)")
    parser.add_argument("--full-batch-steps", type=positive_integer,
                        default=DEFAULT_FULL_BATCH_STEPS,
                        help="steps (each one epoch) per timed run in the full-batch setting "
                             f"(default {DEFAULT_FULL_BATCH_STEPS})")
    parser.add_argument("--threads", type=positive_integer, default=1,
                        help="threads for NumPy's BLAS and torch (default 1)")
    parser.add_argument("--pause", type=non_negative_float, default=0.2,
                        help="seconds of pause before each timed epoch (default 0.2)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the shuffle, the synthetic data and the weights")
    parser.add_argument("--synthetic", action="store_true",
                        help="random data of MNIST's shapes instead of MNIST")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder of the MNIST .gz files (default: the library's "
                             "resolution order, e.g. $TINYGRAD_EDU_DATA)")
    parser.add_argument("--contestants", type=lambda text: text.split(","), default=None,
                        metavar="KEY[,KEY...]",
                        help="run only these contestants (default: all; keys: "
                             "numpy, tinygrad_edu, torch)")
    parser.add_argument("--quick", action="store_true",
                        help=f"2 settings, 1 epoch of {QUICK_SAMPLES:,} images: seconds")
    parser.add_argument("--out", type=Path, default=None, metavar="FILE",
                        help="write every number to this JSON file (atomically, after every "
                             "setting)")
    return parser


# Read the command line and set the thread count before NumPy and torch load (only as a
# program: imported, the module leaves the environment alone).
if __name__ == "__main__":
    ARGUMENTS = build_parser().parse_args()
    pin_threads(ARGUMENTS.threads)
    use_this_checkout()
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

import numpy as np  # noqa: E402

import article_numpy  # noqa: E402
import tinygrad_edu as tge  # noqa: E402
from tinygrad_edu.nn import functional as F  # noqa: E402

# --------------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Setting:
    """One network and batch size. ``batch_size`` None is the full batch (all the images)."""

    hidden: int
    batch_size: int | None

    @property
    def name(self) -> str:
        batch = "full batch" if self.batch_size is None else f"batch {self.batch_size}"
        return f"{INPUTS}-{self.hidden}-{CLASSES}, {batch}"


SETTINGS = [Setting(64, 32), Setting(128, 64), Setting(128, 128), Setting(128, 256),
            Setting(128, None)]
QUICK_SETTINGS = [Setting(64, 32), Setting(128, None)]


def batch_bounds(samples: int, setting: Setting, full_batch_steps: int) -> list[tuple[int, int]]:
    """The (start, stop) of every step of one timed run, the same for every contestant: one
    epoch in order (the last batch may be short, as with a DataLoader), or ``full_batch_steps``
    steps on all the images.

    Example:
        >>> batch_bounds(70, Setting(64, 32), 3)
        [(0, 32), (32, 64), (64, 70)]
        >>> batch_bounds(70, Setting(128, None), 2)
        [(0, 70), (0, 70)]
    """
    if setting.batch_size is None:
        return [(0, samples)] * full_batch_steps
    return [(start, min(start + setting.batch_size, samples))
            for start in range(0, samples, setting.batch_size)]


# ------------------------------------------------------------------------------------- data


@dataclass
class Data:
    """The training images, float32 (N, 784) in [0, 1], C-contiguous and already shuffled, and
    their int64 labels; where they came from."""

    images: np.ndarray
    labels: np.ndarray
    source: str  # "mnist" or "synthetic"
    folder: str | None
    location: str | None


def load_data(samples: int, synthetic: bool, data_dir: Path | None, seed: int) -> Data:
    """``samples`` MNIST training images (or random ones of the same shapes), shuffled once."""
    rng = np.random.default_rng([seed, 0])
    if synthetic:
        images = rng.random((samples, INPUTS), dtype=np.float32)
        labels = rng.integers(0, CLASSES, samples)
        return Data(images, labels, "synthetic", None, None)
    from tinygrad_edu.data.datasets import MNIST

    mnist = MNIST(root=data_dir, train=True)
    if samples > len(mnist):
        raise ValueError(f"--samples {samples} is more than MNIST's {len(mnist)} training "
                         "images; use --synthetic for more")
    order = rng.permutation(len(mnist))[:samples]
    images = mnist.images[order].reshape(samples, INPUTS).astype(np.float32) / np.float32(255)
    return Data(np.ascontiguousarray(images), mnist.labels[order], "mnist",
                str(mnist.location.folder), mnist.location.source)


Weights = dict[str, np.ndarray]  # the article's names and shapes: W1 (h, 784), b1 (h, 1), ...


def initial_weights(setting: Setting, seed: int, index: int) -> Weights:
    """The article's U(-0.5, 0.5) initial weights for the setting's sizes, float32."""
    rng = np.random.default_rng([seed, 1, index])
    return article_numpy.init(rng, np.float32, (INPUTS, setting.hidden, CLASSES))


def state_dict(weights: Weights) -> dict[str, np.ndarray]:
    """The same weights under the state_dict names of Sequential(Linear, ReLU, Linear)
    (copies: a model never trains the shared initial weights)."""
    return {"0.weight": weights["W1"].copy(), "0.bias": weights["b1"][:, 0].copy(),
            "2.weight": weights["W2"].copy(), "2.bias": weights["b2"][:, 0].copy()}


# ------------------------------------------------------------------------------ contestants


class Trainer(Protocol):
    """A contestant's model and optimiser, built (untimed) from the initial weights."""

    def run(self, bounds: list[tuple[int, int]]) -> float:
        """One SGD step per (start, stop) slice of the images; returns the last step's loss."""


class NumpyTrainer:
    """The article's hand-written network: ``article_numpy.train_step`` on each batch, which
    keeps one example per column, so the batch goes in transposed (a view: X is (784, m))."""

    def __init__(self, data: Data, weights: Weights) -> None:
        self.images, self.labels = data.images, data.labels
        self.params = {name: value.copy() for name, value in weights.items()}

    def run(self, bounds: list[tuple[int, int]]) -> float:
        loss = math.nan
        for start, stop in bounds:
            loss = article_numpy.train_step(self.params, self.images[start:stop].T,
                                            self.labels[start:stop], LEARNING_RATE)
        return loss


class TinygradEduTrainer:
    """The network as a user writes it with tinygrad_edu, eager."""

    def __init__(self, data: Data, weights: Weights) -> None:
        self.images, self.labels = data.images, data.labels
        hidden = weights["W1"].shape[0]
        self.model = tge.nn.Sequential(tge.nn.Linear(INPUTS, hidden), tge.nn.ReLU(),
                                       tge.nn.Linear(hidden, CLASSES))
        self.model.load_state_dict(state_dict(weights))
        self.optimizer = tge.optim.SGD(self.model.parameters(), lr=LEARNING_RATE)

    def step(self, images: np.ndarray, labels: np.ndarray) -> tge.Tensor:
        """Forward, loss, backward, update; returns the loss (a Tensor)."""
        loss = F.cross_entropy(self.model(tge.from_numpy(images)), tge.from_numpy(labels))
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss

    def run(self, bounds: list[tuple[int, int]]) -> float:
        loss = None
        for start, stop in bounds:
            loss = self.step(self.images[start:stop], self.labels[start:stop])
        return math.nan if loss is None else loss.item()


class TinygradEduJitTrainer(TinygradEduTrainer):
    """The same step compiled with ``tinygrad_edu.jit``: captured in the warm-up's first two
    steps (and again for a short last batch), replayed afterwards."""

    def __init__(self, data: Data, weights: Weights) -> None:
        super().__init__(data, weights)
        self.step = tge.jit(self.step)  # type: ignore[method-assign]


class TorchTrainer:
    """The same network in PyTorch CPU eager, on the same arrays (shared, not copied)."""

    def __init__(self, data: Data, weights: Weights) -> None:
        import torch

        self.torch = torch
        self.images, self.labels = torch.from_numpy(data.images), torch.from_numpy(data.labels)
        hidden = weights["W1"].shape[0]
        self.model = torch.nn.Sequential(torch.nn.Linear(INPUTS, hidden), torch.nn.ReLU(),
                                         torch.nn.Linear(hidden, CLASSES))
        self.model.load_state_dict({name: torch.from_numpy(value)
                                    for name, value in state_dict(weights).items()})
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LEARNING_RATE)

    def run(self, bounds: list[tuple[int, int]]) -> float:
        functional = self.torch.nn.functional
        loss = None
        for start, stop in bounds:
            loss = functional.cross_entropy(self.model(self.images[start:stop]),
                                            self.labels[start:stop])
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
        return math.nan if loss is None else loss.item()


@dataclass(frozen=True)
class Contestant:
    """One column of the comparison: a key (JSON, ratios), a label (tables) and how to build
    its trainer from the data and the initial weights."""

    key: str
    label: str
    description: str
    make: Callable[[Data, Weights], Trainer]
    needs_torch: bool = False


# ======================================================================== CONTESTANT LIST
# Every contestant, in table order. This is the one place to add one: the warm-up, the
# interleaved timing, the table, the ratio columns and the JSON pick a new entry up as it is.
CONTESTANTS = [
    Contestant("numpy", "NumPy (hand-written)",
               "examples/article_numpy.py train_step: the article's hand-derived gradients",
               NumpyTrainer),
    Contestant("tinygrad_edu", "tinygrad_edu (eager)",
               "nn.Sequential(Linear, ReLU, Linear), F.cross_entropy, optim.SGD",
               TinygradEduTrainer),
    Contestant("tinygrad_edu.jit", "tinygrad_edu (jit)",
               "the same step compiled with tinygrad_edu.jit (captured, then replayed)",
               TinygradEduJitTrainer),
    Contestant("torch", "torch (CPU eager)",
               "torch.nn.Sequential(Linear, ReLU, Linear), F.cross_entropy, optim.SGD",
               TorchTrainer, needs_torch=True),
]
# ==========================================================================================


def graph_of_one_step(data: Data, weights: Weights, stop: int) -> list[str]:
    """The names of the nodes tinygrad_edu records for one step's loss (the ops whose backward
    the engine runs), for the JSON."""
    trainer = TinygradEduTrainer(data, weights)
    loss = F.cross_entropy(trainer.model(tge.from_numpy(data.images[:stop])),
                           tge.from_numpy(data.labels[:stop]))
    return [node.name() for node in tge.autograd.topological_order([loss.grad_fn])]


# ------------------------------------------------------------------------------------ timing


def time_setting(setting: Setting, index: int, data: Data, contestants: list[Contestant],
                 arguments: argparse.Namespace) -> dict[str, Any]:
    """Warm up, then time ``arguments.epochs`` runs of every contestant, interleaved; returns
    the setting's record for the JSON."""
    samples = len(data.images)
    bounds = batch_bounds(samples, setting, arguments.full_batch_steps)
    epochs_per_run = arguments.full_batch_steps if setting.batch_size is None else 1
    weights = initial_weights(setting, arguments.seed, index)
    for contestant in contestants:  # warm-up: first calls allocate, caches fill
        contestant.make(data, weights).run(bounds[:WARMUP_STEPS])
    seconds: dict[str, list[float]] = {contestant.key: [] for contestant in contestants}
    last_loss: dict[str, float] = {}
    for epoch in range(arguments.epochs):
        shift = epoch % len(contestants)
        for contestant in contestants[shift:] + contestants[:shift]:
            trainer = contestant.make(data, weights)
            gc.collect()
            time.sleep(arguments.pause)
            start = time.perf_counter()
            loss = trainer.run(bounds)
            seconds[contestant.key].append(time.perf_counter() - start)
            last_loss[contestant.key] = loss
            del trainer
    results: dict[str, Any] = {}
    for contestant in contestants:
        times = summary(seconds[contestant.key])
        results[contestant.key] = {
            "seconds_per_run": seconds[contestant.key],
            "median_seconds_per_epoch": times["median"] / epochs_per_run,
            "min_seconds_per_epoch": times["min"] / epochs_per_run,
            "max_seconds_per_epoch": times["max"] / epochs_per_run,
            "median_ms_per_step": 1000 * times["median"] / len(bounds),
            "last_loss": last_loss[contestant.key],
        }
    ratios = {}
    for contestant in contestants:
        for baseline in BASELINES:
            if contestant.key not in BASELINES and baseline in results:
                ratios[f"{contestant.key}/{baseline}"] = (
                    results[contestant.key]["median_seconds_per_epoch"]
                    / results[baseline]["median_seconds_per_epoch"])
    return {
        "name": setting.name, "sizes": [INPUTS, setting.hidden, CLASSES],
        "batch_size": setting.batch_size or samples, "full_batch": setting.batch_size is None,
        "steps_per_run": len(bounds), "epochs_per_run": epochs_per_run,
        "timed_runs": arguments.epochs, "results": results, "ratios": ratios,
    }


def table(records: list[dict[str, Any]], contestants: list[Contestant]) -> str:
    """The Markdown table: one row per setting and contestant."""
    rows = []
    for record in records:
        medians = {key: result["median_seconds_per_epoch"]
                   for key, result in record["results"].items()}
        for contestant in contestants:
            result = record["results"][contestant.key]
            rows.append([
                record["name"], contestant.label, f"{record['steps_per_run']:,}",
                f"{result['median_seconds_per_epoch']:.3f}",
                f"{result['min_seconds_per_epoch']:.3f} – {result['max_seconds_per_epoch']:.3f}",
                f"{result['median_ms_per_step']:.3f}",
                *(ratio_text(medians[contestant.key], medians.get(baseline))
                  for baseline in BASELINES),
            ])
    return markdown_table(["setting", "contestant", "steps / run", "s / epoch (median)",
                           "min – max", "ms / step", "× NumPy", "× torch"], rows, "llrrrrrr")


def choose_contestants(arguments: argparse.Namespace, torch_missing: str | None
                       ) -> tuple[list[Contestant], dict[str, str]]:
    """The contestants of this run and the reasons the others are skipped."""
    known = [contestant.key for contestant in CONTESTANTS]
    wanted = arguments.contestants or known
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise SystemExit(f"{SCRIPT}: error: unknown contestant(s) {', '.join(unknown)}; "
                         f"expected some of {', '.join(known)}")
    chosen, skipped = [], {}
    for contestant in CONTESTANTS:
        if contestant.key not in wanted:
            skipped[contestant.key] = "not asked for (--contestants)"
        elif contestant.needs_torch and torch_missing is not None:
            skipped[contestant.key] = torch_missing
        else:
            chosen.append(contestant)
    return chosen, skipped


def main(arguments: argparse.Namespace, argv: list[str]) -> int:
    """Load the data, time every setting, print the table, write the JSON."""
    if arguments.epochs is None:
        arguments.epochs = 1 if arguments.quick else DEFAULT_EPOCHS
    if arguments.samples is None:
        arguments.samples = QUICK_SAMPLES if arguments.quick else MNIST_TRAIN_SIZE
    _, torch_missing = import_torch(arguments.threads)  # and set torch's thread count
    contestants, skipped = choose_contestants(arguments, torch_missing)
    try:
        data = load_data(arguments.samples, arguments.synthetic, arguments.data_dir,
                         arguments.seed)
    except (OSError, ValueError) as error:  # MnistNotFoundError, DatasetError among them
        print(f"{SCRIPT}: error: cannot read MNIST: {error}\nUse --synthetic for random data "
              "of the same shapes, or point --data-dir or TINYGRAD_EDU_DATA at the four "
              "MNIST files.", file=sys.stderr)
        return 1
    settings = QUICK_SETTINGS if arguments.quick else SETTINGS
    results: dict[str, Any] = {
        "benchmark": "bench_mlp", "command": command_line(SCRIPT, argv),
        "quick": arguments.quick, "complete": False,
        "arguments": {"epochs": arguments.epochs, "samples": arguments.samples,
                      "full_batch_steps": arguments.full_batch_steps,
                      "threads": arguments.threads, "pause": arguments.pause,
                      "seed": arguments.seed, "synthetic": arguments.synthetic},
        "data": {"source": data.source, "folder": data.folder, "location": data.location,
                 "samples": len(data.images), "dtype": str(data.images.dtype)},
        "learning_rate": LEARNING_RATE,
        "environment": environment_record(arguments.threads),
        "contestants": [{"key": contestant.key, "label": contestant.label,
                         "description": contestant.description} for contestant in contestants],
        "skipped": skipped, "baselines": list(BASELINES),
        "tinygrad_edu_graph_per_step": graph_of_one_step(
            data, initial_weights(settings[0], arguments.seed, 0), 32),
        "settings": [], "markdown": None, "total_seconds": None,
    }
    where = ("random images (--synthetic)" if data.folder is None
             else f"MNIST training images from {data.folder}")
    print(f"{SCRIPT}: {len(data.images):,} {where}, float32, {arguments.threads} "
          f"thread(s), {arguments.epochs} timed epoch(s) per contestant and setting",
          file=sys.stderr, flush=True)
    for name, reason in skipped.items():
        print(f"{SCRIPT}: skipping {name}: {reason}", file=sys.stderr, flush=True)
    # What the imports made (torch's hundred thousand objects) goes to the permanent
    # generation: collections, before every epoch and automatic ones inside it, then walk only
    # what the training creates, whichever libraries happen to be loaded.
    gc.collect()
    gc.freeze()
    start = time.perf_counter()
    for index, setting in enumerate(settings):
        record = time_setting(setting, index, data, contestants, arguments)
        results["settings"].append(record)
        medians = ", ".join(f"{key} {value['median_seconds_per_epoch']:.3f} s"
                            for key, value in record["results"].items())
        print(f"  {setting.name}: {medians}", file=sys.stderr, flush=True)
        if arguments.out is not None:
            write_json_atomically(arguments.out, results)
    markdown = table(results["settings"], contestants)
    results.update(complete=True, markdown=markdown, total_seconds=time.perf_counter() - start)
    print(f"\nOne epoch of {len(data.images):,} {where}, float32, {arguments.threads} "
          f"thread(s); median of {arguments.epochs} epoch(s) per contestant, interleaved\n")
    print(markdown)
    if arguments.out is not None:
        write_json_atomically(arguments.out, results)
        print(f"\nJSON: {arguments.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(ARGUMENTS, sys.argv[1:]))
