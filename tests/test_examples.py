"""The MNIST example: a smoke run, and the two proofs that its comparison is exact.

- (1) == (2): the article's hand-written NumPy network and the same network written with
  tinygrad_edu's nn / optim / data, in float64 from the same weights through the same batches,
  end one full epoch of the article protocol (33,600 images, 1,050 SGD steps of 32) with weights
  equal to 1e-10: the engine computes exactly the article's hand-derived formulas.
- (3) == (4): tinygrad_edu and PyTorch, float64, same initial weights and batches, Adam: the
  losses of the first 100 steps are equal to 1e-9.
- (3) == (6): the same Adam contestant with its step compiled by tge.jit ends with the same
  weights, bit for bit, also when a state is loaded into it after its step was compiled.

Real MNIST is found by the library's one resolution order (``locate_mnist``), as in CI. The
command line of the example (arguments, messages, outputs, Ctrl-C) is tested in
test_example_cli.py.
"""

from __future__ import annotations

import doctest
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
sys.path.insert(0, str(EXAMPLES))

import article_numpy  # noqa: E402
import mlp_mnist  # noqa: E402
import mlp_mnist_report  # noqa: E402

from tinygrad_edu.data.datasets import locate_mnist  # noqa: E402

SEED = 0


@pytest.fixture(scope="module")
def article_splits_float64(mnist_dir: Path) -> mlp_mnist.Splits:
    """The article protocol's 33,600 / 8,400 split of real MNIST, in float64 (read from the
    folder of the library's resolution order: ``root=None``)."""
    splits = mlp_mnist.make_splits("article", None, SEED, dtype=np.float64)
    assert splits.location is not None and splits.location.folder == mnist_dir
    return splits


def test_article_split_follows_the_protocol(article_splits_float64: mlp_mnist.Splits) -> None:
    splits = article_splits_float64
    assert splits.train_images.shape == (33_600, 784)
    assert splits.eval_images.shape == (8_400, 784)
    assert splits.train_images.dtype == np.float64
    assert splits.train_images.min() == 0.0 and splits.train_images.max() == 1.0
    assert splits.eval_name == "val"
    assert splits.location is not None and splits.location == locate_mnist()
    # The 42,000 drawn images are distinct training images: no image is in both sets.
    images = mlp_mnist.load_mnist(None, train=True).images
    drawn = mlp_mnist.stream(SEED, mlp_mnist.SPLIT_STREAM).permutation(60_000)[:42_000]
    assert len(set(drawn.tolist())) == 42_000
    np.testing.assert_array_equal(splits.eval_images[0] * 255,
                                  images[drawn[33_600]].reshape(-1).astype(np.float64))


def test_article_numpy_docstring_examples() -> None:
    """The examples in article_numpy's docstrings (examples/ is outside the doctest paths)."""
    failed, attempted = doctest.testmod(article_numpy, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert attempted >= 10 and failed == 0


def test_mlp_mnist_docstring_examples() -> None:
    """The examples in the docstrings of mlp_mnist and its reporting module."""
    attempted_in_all = 0
    for module in (mlp_mnist, mlp_mnist_report):
        failed, attempted = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert failed == 0, module.__name__
        attempted_in_all += attempted
    assert attempted_in_all >= 4


def test_random_shift_moves_whole_images() -> None:
    image = np.zeros((1, 784), np.float32)
    image[0, 14 * 28 + 14] = 1.0  # one lit pixel in the middle
    shifted = mlp_mnist.random_shift(np.repeat(image, 50, axis=0), np.random.default_rng(0))
    assert shifted.shape == (50, 784)
    rows, columns = np.divmod(shifted.argmax(axis=1), 28)
    assert shifted.sum(axis=1).tolist() == [1.0] * 50  # the pixel survives every shift
    assert set(rows.tolist()) <= set(range(12, 17)) and set(columns.tolist()) <= set(range(12, 17))
    assert len(set(zip(rows.tolist(), columns.tolist()))) > 1


def test_article_numpy_gradients_match_finite_differences() -> None:
    """The hand-derived backward of article_numpy, checked against central differences."""
    rng = np.random.default_rng(1)
    params = article_numpy.init(rng, dtype=np.float64, sizes=(6, 5, 3))
    X = rng.random((6, 4))
    Y = article_numpy.one_hot(np.array([0, 2, 1, 2]), classes=3, dtype=np.float64)
    grads = article_numpy.backward(params, article_numpy.forward(params, X), X, Y)
    step = 1e-6
    for name, value in params.items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            original = value[index]
            value[index] = original + step
            above = article_numpy.cross_entropy(article_numpy.forward(params, X)["A2"], Y)
            value[index] = original - step
            below = article_numpy.cross_entropy(article_numpy.forward(params, X)["A2"], Y)
            value[index] = original
            numeric[index] = (above - below) / (2 * step)
        np.testing.assert_allclose(grads[name], numeric, atol=1e-7, rtol=1e-6, err_msg=name)


def test_article_numpy_equals_tinygrad_edu_after_one_epoch(
        article_splits_float64: mlp_mnist.Splits) -> None:
    """(1) == (2): one full epoch (1,050 steps of 32 images), float64, weights equal to 1e-10."""
    splits = article_splits_float64
    by_hand = mlp_mnist.make_contestant("article-numpy", SEED, 33_600, 1, np.float64)
    framework = mlp_mnist.make_contestant("tge-article-sgd", SEED, 33_600, 1, np.float64)
    initial = by_hand.weights()
    for name, value in framework.weights().items():
        np.testing.assert_array_equal(value, initial[name])  # the same starting point
    initial = {name: value.copy() for name, value in initial.items()}
    losses = {}
    for key, contestant in (("numpy", by_hand), ("tge", framework)):
        loader = mlp_mnist.make_loader(splits.train_images, splits.train_labels,
                                       contestant.batch_size, mlp_mnist.batch_seed(SEED))
        losses[key] = mlp_mnist.train_epoch(contestant, loader)
    assert len(losses["numpy"]) == len(losses["tge"]) == 1_050
    np.testing.assert_allclose(losses["tge"], losses["numpy"], rtol=0, atol=1e-10)
    final_by_hand = by_hand.weights()
    for name, value in framework.weights().items():
        assert value.dtype == np.float64
        assert np.abs(final_by_hand[name] - initial[name]).max() > 1e-3  # training moved them
        np.testing.assert_allclose(value, final_by_hand[name], rtol=0, atol=1e-10, err_msg=name)


def test_tinygrad_edu_adam_equals_torch_for_100_steps(
        article_splits_float64: mlp_mnist.Splits) -> None:
    """(3) == (4): float64, same init and batches, the losses of 100 Adam steps equal to 1e-9."""
    torch = pytest.importorskip("torch")
    splits = article_splits_float64
    ours = mlp_mnist.make_contestant("tge-article-adam", SEED, 33_600, 1, np.float64)
    theirs = mlp_mnist.make_contestant("torch-article-adam", SEED, 33_600, 1, np.float64)
    assert next(theirs.model.parameters()).dtype == torch.float64
    for name, value in ours.weights().items():
        np.testing.assert_array_equal(theirs.weights()[name], value)
    losses: dict[str, list[float]] = {"tge": [], "torch": []}
    for key, contestant in (("tge", ours), ("torch", theirs)):
        loader = mlp_mnist.make_loader(splits.train_images, splits.train_labels,
                                       contestant.batch_size, mlp_mnist.batch_seed(SEED))
        for step, (images, labels) in enumerate(loader):
            if step == 100:
                break
            losses[key].append(contestant.train_step(images, labels))
    assert len(losses["tge"]) == 100
    assert losses["tge"][-1] < 0.5 * losses["tge"][0]  # Adam did learn
    np.testing.assert_allclose(losses["tge"], losses["torch"], rtol=0, atol=1e-9)
    for name, value in ours.weights().items():
        np.testing.assert_allclose(value, theirs.weights()[name], rtol=0, atol=1e-9,
                                   err_msg=name)


def test_compiled_adam_equals_eager_adam_also_after_loading_a_checkpoint() -> None:
    """(6) == (3) bit for bit: the step compiled with tge.jit replays what the eager step does.
    Loading a state into a contestant whose step is already compiled keeps its programs (the
    parameters are updated in place): it goes on exactly as the eager one does from there."""
    generator = np.random.default_rng(SEED)
    images = generator.random((200, 784), dtype=np.float32)  # 6 batches of 32, one of 8
    labels = generator.integers(0, 10, 200)
    eager = mlp_mnist.make_contestant("tge-article-adam", SEED, 200, 3)
    compiled = mlp_mnist.make_contestant(mlp_mnist.JIT_KEY, SEED, 200, 3)
    assert not eager.compiled and compiled.compiled

    def epoch(contestant: mlp_mnist.TinygradContestant, seed: int = SEED) -> list[float]:
        return mlp_mnist.train_epoch(contestant, mlp_mnist.make_loader(
            images, labels, contestant.batch_size, seed))

    def assert_same_weights() -> None:
        for name, value in eager.weights().items():
            assert compiled.weights()[name].tobytes() == value.tobytes(), name

    for _ in range(3):  # capture, capture (and replays of the full batches), replays only
        assert epoch(compiled) == epoch(eager)
    assert_same_weights()
    assert compiled.step.programs == 2 and compiled.step.captures == 4  # full and short batch
    assert compiled.step.replays == 3 * 7 - 4

    state = eager.state_dict()
    epoch(compiled, seed=SEED + 1)  # other batches: the compiled one moves elsewhere
    assert compiled.weights()["0.weight"].tobytes() != eager.weights()["0.weight"].tobytes()
    compiled.load_state_dict(state)
    assert_same_weights()
    assert epoch(compiled) == epoch(eager)
    assert_same_weights()
    assert compiled.step.captures == 4  # no new capture: the programs stayed valid

    with pytest.raises(ValueError, match="cannot be compiled"):
        mlp_mnist.TinygradContestant(eager.model, eager.optimizer, 32,
                                     augment=lambda batch: batch, compiled=True)


def test_batch_size_override_reaches_every_contestant_and_the_schedule() -> None:
    """--batch-size replaces each recipe's own; (5)'s OneCycleLR spans exactly the batches of
    that size (one step more would raise), with the DataLoader's last, short batch counted."""
    keys = [key for key in mlp_mnist.contestant_keys(jit=True)
            if key != "torch-article-adam" or mlp_mnist.torch_available()]
    for key in keys:
        assert mlp_mnist.make_contestant(key, SEED, 100, 2, batch_size=7).batch_size == 7
        default = mlp_mnist.make_contestant(key, SEED, 100, 2).batch_size
        assert default == (128 if key == "tge-recommended" else 32)
    recommended = mlp_mnist.make_contestant("tge-recommended", SEED, 100, 2, batch_size=7)
    images = np.zeros((100, 784), np.float32)
    loader = mlp_mnist.make_loader(images, np.zeros(100, np.int64), 7, SEED)
    assert len(loader) == 15  # 14 batches of 7 and one of 2
    assert recommended.scheduler.total_steps == 2 * len(loader)


def test_quick_run_writes_table_json_and_plot(mnist_dir: Path, tmp_path: Path) -> None:
    """Smoke run of the command line as documented, ``--quick``: every contestant for its two
    epochs, results.md, the JSON and the PNG (test_example_cli.py tests the rest of the CLI)."""
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / "mlp_mnist.py"), "--quick", "--no-progress",
         "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    assert completed.returncode == 0, completed.stderr
    markdown = (tmp_path / "results.md").read_text(encoding="utf-8")
    for index, key in enumerate(mlp_mnist.KEYS, start=1):
        assert f"\n| {index} | {key} |" in markdown, key
    results = json.loads((tmp_path / "mlp_mnist_article_quick.json").read_text(encoding="utf-8"))
    assert [run["key"] for run in results["contestants"]] == mlp_mnist.KEYS
    assert results["train_count"] == mlp_mnist.QUICK_TRAIN
    assert results["eval_count"] == mlp_mnist.QUICK_EVAL
    for run in results["contestants"]:
        if run["status"] == "skipped":
            assert run["key"] == "torch-article-adam"
            continue
        assert [record["epoch"] for record in run["history"]] == [1, 2]
        for record in run["history"]:
            assert 0.0 <= record["eval_accuracy"] <= 1.0 and np.isfinite(record["loss"])
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert results["files"]["png"] is None
    else:
        png = tmp_path / "mlp_mnist_article_quick.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
