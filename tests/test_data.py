"""Tests of tinygrad_edu.data: TensorDataset, Subset, random_split, DataLoader and MNIST.

MNIST is read from the real files in the folder the library's resolution order finds (the
``mnist_dir`` fixture of conftest.py); the error cases use altered copies in a temporary folder,
and downloads come from a local HTTP server on 127.0.0.1, so no test here needs the network.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import threading
import tracemalloc
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

import tinygrad_edu as tge
from tinygrad_edu.data import DataLoader, Dataset, Subset, TensorDataset, collate, random_split
from tinygrad_edu.data.datasets import (
    MNIST,
    DatasetError,
    MnistNotFoundError,
    default_root,
    download_file,
    locate_mnist,
    md5_of,
    shared_data_dir,
)
from tinygrad_edu.data.datasets import locate as locate_module
from tinygrad_edu.data.datasets.locate import (
    SOURCE_ARGUMENT,
    SOURCE_CACHE,
    SOURCE_ENVIRONMENT,
    SOURCE_SHARED,
)
from tinygrad_edu.data.datasets import mnist as mnist_module
from tinygrad_edu.data.datasets import parse_idx
from tinygrad_edu.data.datasets.mnist import TEST_FILES, TRAIN_FILES

TEST_IMAGES, TEST_LABELS = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"


def batches_as_lists(loader: DataLoader) -> list[list[Any]]:
    return [[tensor.tolist() for tensor in batch] for batch in loader]


def numbered_dataset(count: int = 10) -> TensorDataset:
    """Row i of the inputs is [i, i + 0.5]; label i is i (so each batch shows its rows)."""
    rows = np.arange(count, dtype=np.float32)
    return TensorDataset(tge.tensor(np.stack([rows, rows + 0.5], axis=1)), tge.arange(count))


# ----------------------------------------------------------------------------- TensorDataset
def test_tensor_dataset_items_and_length() -> None:
    data = numbered_dataset(4)
    inputs, label = data[2]
    assert len(data) == 4
    assert inputs.tolist() == [2.0, 2.5] and label.item() == 2
    assert label.dtype == np.int64 and inputs.dtype == np.float32


def test_tensor_dataset_rejects_different_first_dimensions() -> None:
    with pytest.raises(ValueError, match=r"\[3, 4\]"):
        TensorDataset(tge.zeros(3, 2), tge.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(tge.tensor(1.0))
    with pytest.raises(TypeError, match="list"):
        TensorDataset([1, 2])  # type: ignore[arg-type]


def test_tensor_dataset_wraps_numpy_arrays_without_copy() -> None:
    array = np.arange(6.0).reshape(3, 2)
    data = TensorDataset(array)
    assert data.tensors[0]._data is array


def test_subset_indexing() -> None:
    data = numbered_dataset(10)
    part = Subset(data, [7, 2, 5])
    assert len(part) == 3
    assert part[0][1].item() == 7 and part[-1][1].item() == 5
    assert part[[0, 2]][1].tolist() == [7, 5]
    with pytest.raises(TypeError, match="integers"):
        Subset(data, [0.5, 1.0])  # type: ignore[list-item]


def test_dataset_base_requires_getitem_and_len() -> None:
    with pytest.raises(NotImplementedError):
        Dataset()[0]
    with pytest.raises(NotImplementedError):
        len(Dataset())


# ----------------------------------------------------------------------------- random_split
def test_random_split_counts_disjoint_and_complete() -> None:
    data = numbered_dataset(10)
    parts = random_split(data, [5, 3, 2], generator=np.random.default_rng(1))
    assert [len(part) for part in parts] == [5, 3, 2]
    every = np.concatenate([part.indices for part in parts])
    assert sorted(every.tolist()) == list(range(10))
    assert all(part.dataset is data for part in parts)
    # Items come from the dataset rows named by the indices.
    assert parts[1][0][1].item() == parts[1].indices[0]


def test_random_split_reproducible_and_seed_dependent() -> None:
    data = numbered_dataset(50)
    first = random_split(data, [30, 20], generator=np.random.default_rng(7))
    again = random_split(data, [30, 20], generator=np.random.default_rng(7))
    other = random_split(data, [30, 20], generator=np.random.default_rng(8))
    assert np.array_equal(first[0].indices, again[0].indices)
    assert not np.array_equal(first[0].indices, other[0].indices)
    tge.manual_seed(3)
    global_first = random_split(data, [30, 20])
    tge.manual_seed(3)
    assert np.array_equal(global_first[0].indices, random_split(data, [30, 20])[0].indices)


def test_random_split_fractions() -> None:
    train, val = random_split(TensorDataset(np.zeros(42000)), [0.8, 0.2],
                              generator=np.random.default_rng(0))
    assert (len(train), len(val)) == (33600, 8400)
    assert np.intersect1d(train.indices, val.indices).size == 0
    # 11 * [0.3, 0.3, 0.4] = [3.3, 3.3, 4.4] -> [3, 3, 4], and the one left goes to the first.
    parts = random_split(TensorDataset(np.zeros(11)), [0.3, 0.3, 0.4])
    assert [len(part) for part in parts] == [4, 3, 4]


def test_random_split_lengths_like_torch() -> None:
    torch = pytest.importorskip("torch")
    cases: list[tuple[int, list[float]]] = [
        (11, [0.3, 0.3, 0.4]), (10, [0.5, 0.5]), (7, [0.1, 0.2, 0.3, 0.4]), (3, [1.0]),
        (101, [0.33, 0.33, 0.34]), (10, [3, 7]),
    ]
    for total, lengths in cases:
        ours = [len(part) for part in random_split(TensorDataset(np.zeros(total)), lengths)]
        theirs = [len(part) for part in torch.utils.data.random_split(range(total), lengths)]
        assert ours == theirs, (total, lengths)


def test_random_split_errors() -> None:
    data = numbered_dataset(10)
    with pytest.raises(ValueError, match="sum to 9"):
        random_split(data, [5, 4])
    with pytest.raises(ValueError, match="index 1"):
        random_split(data, [5, -1, 6])
    with pytest.raises(ValueError, match="index 0"):
        random_split(data, [1.5, -0.5])
    with pytest.raises(ValueError, match="empty"):
        random_split(data, [])


# ----------------------------------------------------------------------------- DataLoader
def test_loader_batches_in_order_with_partial_last_batch() -> None:
    loader = DataLoader(numbered_dataset(10), batch_size=3)
    labels = [labels.tolist() for inputs, labels in loader]
    assert labels == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert len(loader) == 4
    inputs, labels = next(iter(loader))
    assert inputs.tolist() == [[0.0, 0.5], [1.0, 1.5], [2.0, 2.5]]
    assert inputs.dtype == np.float32 and labels.dtype == np.int64
    assert isinstance(inputs, tge.Tensor) and not inputs.requires_grad


def test_loader_drop_last() -> None:
    loader = DataLoader(numbered_dataset(10), batch_size=3, drop_last=True)
    assert [labels.tolist() for _, labels in loader] == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert len(loader) == 3
    exact = DataLoader(numbered_dataset(9), batch_size=3, drop_last=True)
    assert len(exact) == 3 and len(list(exact)) == 3


def test_loader_length_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    for count in (0, 1, 5, 32, 33, 100):
        for batch_size in (1, 3, 32, 200):
            for drop_last in (False, True):
                ours = DataLoader(TensorDataset(np.zeros(count)), batch_size=batch_size,
                                  drop_last=drop_last)
                theirs = torch.utils.data.DataLoader(torch.zeros(count), batch_size=batch_size,
                                                     drop_last=drop_last)
                assert len(ours) == len(theirs) == len(list(ours)), (count, batch_size)


def test_shuffle_reproducible_from_seed_and_new_order_each_epoch() -> None:
    def epochs(loader: DataLoader, count: int) -> list[list[int]]:
        return [sum((labels.tolist() for _, labels in loader), []) for _ in range(count)]

    data = numbered_dataset(40)
    first = epochs(DataLoader(data, batch_size=8, shuffle=True, seed=123), 3)
    again = epochs(DataLoader(data, batch_size=8, shuffle=True, seed=123), 3)
    other = epochs(DataLoader(data, batch_size=8, shuffle=True, seed=124), 3)
    assert first == again
    assert first != other
    assert all(sorted(epoch) == list(range(40)) for epoch in first)
    assert first[0] != first[1] and first[1] != first[2]
    assert first[0] != list(range(40))
    # A generator gives the orders a seed gives: the same stream of permutations.
    from_generator = DataLoader(data, batch_size=8, shuffle=True,
                                generator=np.random.default_rng(123))
    assert epochs(from_generator, 3) == first
    expected = np.random.default_rng(123).permutation(40)[:8].tolist()
    assert first[0][:8] == expected


def test_shuffle_uses_global_generator_reset_by_manual_seed() -> None:
    loader = DataLoader(numbered_dataset(20), batch_size=20, shuffle=True)
    tge.manual_seed(5)
    first = next(iter(loader))[1].tolist()
    tge.manual_seed(5)
    assert next(iter(loader))[1].tolist() == first
    assert sorted(first) == list(range(20)) and first != list(range(20))


def test_shuffled_batch_rows_stay_together() -> None:
    loader = DataLoader(numbered_dataset(30), batch_size=7, shuffle=True, seed=0)
    for inputs, labels in loader:
        assert inputs._data[:, 0].tolist() == labels._data.astype(np.float32).tolist()
        assert np.array_equal(inputs._data[:, 1], inputs._data[:, 0] + 0.5)


def test_batches_are_fresh_takes_not_views_or_whole_copies(monkeypatch) -> None:
    inputs = np.arange(1000 * 16, dtype=np.float64).reshape(1000, 16)
    labels = np.arange(1000)
    data = TensorDataset(inputs, labels)
    loader = DataLoader(data, batch_size=64, shuffle=True, seed=0)

    calls: list[tuple[int, int]] = []
    original_take = np.take

    def recording_take(array: np.ndarray, indices: np.ndarray, axis: Any = None) -> np.ndarray:
        assert array is inputs or array is labels  # always the original, uncopied arrays
        calls.append((id(array), len(indices)))
        return original_take(array, indices, axis=axis)

    monkeypatch.setattr(np, "take", recording_take)
    for batch_inputs, batch_labels in loader:
        assert batch_inputs._data.flags["C_CONTIGUOUS"]
        assert not np.shares_memory(batch_inputs._data, inputs)
        assert not np.shares_memory(batch_labels._data, labels)
        assert np.array_equal(batch_inputs._data, inputs[batch_labels._data])
    # One take per tensor per batch, each of at most batch_size rows.
    assert len(calls) == 2 * len(loader)
    assert sum(size for _, size in calls) == 2 * 1000
    assert max(size for _, size in calls) == 64
    assert data.tensors[0]._data is inputs and data.tensors[1]._data is labels


def test_epoch_allocates_far_less_than_the_data_set() -> None:
    inputs = np.ones((4000, 256), dtype=np.float64)  # 8 MB
    loader = DataLoader(Subset(TensorDataset(inputs), np.arange(4000)[::-1]), batch_size=32,
                        shuffle=True, seed=0)
    tracemalloc.start()
    try:
        for _ in loader:
            pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < inputs.nbytes / 20


def test_loader_over_subsets_takes_the_right_rows() -> None:
    data = numbered_dataset(20)
    part = Subset(data, [15, 3, 9, 0, 11])
    assert [labels.tolist() for _, labels in DataLoader(part, batch_size=2)] == \
        [[15, 3], [9, 0], [11]]
    nested = Subset(part, [4, 0])
    assert next(iter(DataLoader(nested, batch_size=5)))[1].tolist() == [11, 15]
    train, val = random_split(data, [0.75, 0.25], generator=np.random.default_rng(2))
    seen = [label for _, labels in DataLoader(train, batch_size=4, shuffle=True, seed=1)
            for label in labels.tolist()]
    assert sorted(seen) == sorted(train.indices.tolist())


class PairsDataset(Dataset):
    """Item i is (array [i, 2i] as float32, label i % 3): a dataset read item by item."""

    def __init__(self, count: int) -> None:
        self.count = count

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        return np.array([index, 2 * index], dtype=np.float32), index % 3

    def __len__(self) -> int:
        return self.count


def test_loader_collates_other_datasets() -> None:
    loader = DataLoader(PairsDataset(5), batch_size=2)
    batches = batches_as_lists(loader)
    assert batches[0] == [[[0.0, 0.0], [1.0, 2.0]], [0, 1]]
    assert batches[2] == [[[4.0, 8.0]], [1]]
    inputs, labels = next(iter(loader))
    assert inputs.dtype == np.float32 and labels.dtype == np.int64
    # The same shuffled order as the fast path for the same seed.
    fast = TensorDataset(np.stack([PairsDataset(9)[i][0] for i in range(9)]),
                         np.arange(9) % 3)
    slow_batches = batches_as_lists(DataLoader(PairsDataset(9), 4, shuffle=True, seed=9))
    assert slow_batches == batches_as_lists(DataLoader(fast, 4, shuffle=True, seed=9))


def test_collate_single_values_and_bad_items() -> None:
    assert collate([tge.tensor([1.0]), tge.tensor([2.0])]).tolist() == [[1.0], [2.0]]
    assert collate([1.5, 2.5]).dtype == np.float64
    with pytest.raises(TypeError, match="str"):
        collate(["a", "b"])


def test_loader_argument_errors() -> None:
    data = numbered_dataset(4)
    for bad in (0, -1, 2.5, True, None):
        with pytest.raises(ValueError, match="positive integer"):
            DataLoader(data, batch_size=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not both"):
        DataLoader(data, generator=np.random.default_rng(0), seed=0)
    with pytest.raises(TypeError, match="Generator"):
        DataLoader(data, generator=0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="__len__"):
        DataLoader(object())


def test_loader_empty_dataset() -> None:
    loader = DataLoader(TensorDataset(np.zeros((0, 3))), batch_size=4, shuffle=True, seed=0)
    assert len(loader) == 0 and list(loader) == []


# ------------------------------------------------------------------ torch's path and options
def test_utils_data_is_torchs_path_to_the_same_objects() -> None:
    """``from tinygrad_edu.utils.data import ...`` (torch.utils.data's path) gives the very
    objects of tinygrad_edu.data, and ``import tinygrad_edu.utils`` works as in torch."""
    import tinygrad_edu.data
    import tinygrad_edu.utils
    import tinygrad_edu.utils.data as utils_data
    from tinygrad_edu.utils.data import DataLoader as LoaderFromUtils
    from tinygrad_edu.utils.data import Dataset as DatasetFromUtils
    from tinygrad_edu.utils.data import TensorDataset as TensorDatasetFromUtils
    from tinygrad_edu.utils.data import random_split as random_split_from_utils

    assert tge.utils is tinygrad_edu.utils and tge.utils.data is utils_data
    assert LoaderFromUtils is DataLoader and DatasetFromUtils is Dataset
    assert TensorDatasetFromUtils is TensorDataset and random_split_from_utils is random_split
    assert sorted(utils_data.__all__) == sorted(tinygrad_edu.data.__all__)
    for name in tinygrad_edu.data.__all__:
        assert getattr(utils_data, name) is getattr(tinygrad_edu.data, name), name
    assert "utils" in tge.__all__ and tinygrad_edu.utils.__all__ == ["data"]


def test_loader_signature_is_torchs() -> None:
    """Every torch parameter, in torch's order, with torch's defaults (generator: a NumPy one
    here); ``seed`` is tinygrad_edu's own, keyword-only."""
    import inspect

    torch = pytest.importorskip("torch")
    ours = inspect.signature(DataLoader).parameters
    theirs = inspect.signature(torch.utils.data.DataLoader).parameters
    assert [name for name in ours if name != "seed"] == list(theirs)
    for name, parameter in theirs.items():
        assert ours[name].kind == parameter.kind, name
        assert ours[name].default == parameter.default, name
    assert ours["seed"].kind == inspect.Parameter.KEYWORD_ONLY


def test_worker_options_are_accepted_and_loading_stays_in_process() -> None:
    """num_workers > 0 with torch's other worker options gives the batches num_workers=0 gives;
    worker_init_fn is never called (no worker starts) and torch's defaults are recorded."""
    calls: list[int] = []
    data = numbered_dataset(10)
    plain = DataLoader(data, batch_size=4, shuffle=True, seed=3)
    workers = DataLoader(data, batch_size=4, shuffle=True, seed=3, num_workers=4,
                         persistent_workers=True, prefetch_factor=3, timeout=5.0,
                         worker_init_fn=calls.append, multiprocessing_context="spawn",
                         in_order=False)
    assert batches_as_lists(workers) == batches_as_lists(plain)
    assert calls == []
    assert (workers.num_workers, workers.prefetch_factor, workers.persistent_workers,
            workers.timeout) == (4, 3, True, 5.0)
    assert DataLoader(data, num_workers=2).prefetch_factor == 2
    assert DataLoader(data).prefetch_factor is None


def test_pin_memory_warns_like_torch_without_an_accelerator() -> None:
    torch = pytest.importorskip("torch")
    with pytest.warns(UserWarning) as ours:
        batches = batches_as_lists(DataLoader(numbered_dataset(4), batch_size=2,
                                              pin_memory=True))
    with pytest.warns(UserWarning) as theirs:
        list(torch.utils.data.DataLoader(torch.zeros(4), batch_size=2, pin_memory=True))
    assert str(ours[0].message) == str(theirs[0].message)
    assert batches == batches_as_lists(DataLoader(numbered_dataset(4), batch_size=2))


WORKER_OPTION_ERRORS = [
    {"num_workers": -1},
    {"timeout": -1.0},
    {"prefetch_factor": 2},
    {"num_workers": 2, "prefetch_factor": -1},
    {"persistent_workers": True},
]


@pytest.mark.parametrize("options", WORKER_OPTION_ERRORS, ids=str)
def test_worker_option_errors_are_torchs(options: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.DataLoader(torch.zeros(4), **options)
    with pytest.raises(ValueError) as ours:
        DataLoader(numbered_dataset(4), **options)
    assert str(ours.value) == str(theirs.value)


def test_samplers_are_refused_with_what_to_use_instead() -> None:
    for options in ({"sampler": [3, 2, 1, 0]}, {"batch_sampler": [[0, 1], [2, 3]]}):
        with pytest.raises(NotImplementedError, match="not supported.*shuffle=True"):
            DataLoader(numbered_dataset(4), **options)


def first_and_count(items: list[Any]) -> tuple[Any, int]:
    """A collate_fn: the first item's label (as a number) and the number of items."""
    label = items[0][1]
    return float(label.item() if hasattr(label, "item") else label), len(items)


def test_collate_fn_gets_the_list_of_items_like_torch() -> None:
    """A collate_fn receives each batch's list of dataset items, for a TensorDataset as for
    any dataset; the shuffled order is the one the default collation sees."""
    torch = pytest.importorskip("torch")
    rows = np.arange(10, dtype=np.float32)
    ours = DataLoader(TensorDataset(tge.tensor(rows), tge.arange(10)), batch_size=4,
                      collate_fn=first_and_count)
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.tensor(rows), torch.arange(10)), batch_size=4,
        collate_fn=first_and_count)
    assert list(ours) == list(theirs) == [(0.0, 4), (4.0, 4), (8.0, 2)]
    assert list(DataLoader(PairsDataset(5), batch_size=2, collate_fn=first_and_count)) == [
        (0.0, 2), (2.0, 2), (1.0, 1)]
    data = numbered_dataset(12)
    shuffled = DataLoader(data, batch_size=5, shuffle=True, seed=4, drop_last=True,
                          collate_fn=first_and_count)
    default = DataLoader(data, batch_size=5, shuffle=True, seed=4, drop_last=True)
    assert [first for first, _ in shuffled] == [labels.tolist()[0] for _, labels in default]
    assert DataLoader(data).collate_fn is collate


# ----------------------------------------------------------------------------- MNIST, real files
def read_idx_independently(path: Path, header_size: int) -> np.ndarray:
    with gzip.open(path, "rb") as file:
        return np.frombuffer(file.read(), dtype=np.uint8, offset=header_size)


@pytest.fixture(scope="module")
def mnist_train(mnist_dir: Path) -> MNIST:
    return MNIST(root=mnist_dir, train=True)


@pytest.fixture(scope="module")
def mnist_test(mnist_dir: Path) -> MNIST:
    return MNIST(root=mnist_dir, train=False)


def test_mnist_shapes_dtypes_and_labels(mnist_train: MNIST, mnist_test: MNIST) -> None:
    assert mnist_train.images.shape == (60000, 28, 28) and len(mnist_train) == 60000
    assert mnist_test.images.shape == (10000, 28, 28) and len(mnist_test) == 10000
    for split in (mnist_train, mnist_test):
        assert split.images.dtype == np.uint8 and split.labels.dtype == np.int64
        assert split.labels.shape == (len(split),)
        assert split.labels.min() == 0 and split.labels.max() == 9
    # The well-known class counts of the two splits.
    assert np.bincount(mnist_train.labels).tolist() == \
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(mnist_test.labels).tolist() == \
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_mnist_matches_an_independent_reading(mnist_train: MNIST, mnist_test: MNIST,
                                              mnist_dir: Path) -> None:
    pixels = read_idx_independently(mnist_dir / "train-images-idx3-ubyte.gz", 16)
    assert np.array_equal(mnist_train.images.reshape(-1), pixels)
    assert mnist_train.images.sum(dtype=np.int64) == pixels.sum(dtype=np.int64)
    mean = mnist_train.images.mean(dtype=np.float64)
    assert mean == pixels.mean(dtype=np.float64)
    assert abs(mean - 33.3184) < 1e-3  # MNIST's usual normalisation mean, 0.1307 * 255
    labels = read_idx_independently(mnist_dir / TEST_LABELS, 8)
    assert np.array_equal(mnist_test.labels, labels.astype(np.int64))


def test_mnist_items(mnist_train: MNIST, mnist_test: MNIST) -> None:
    image, label = mnist_train[0]
    assert label == 5 and isinstance(label, int)
    assert mnist_test[0][1] == 7 and mnist_test[-1][1] == int(mnist_test.labels[-1])
    assert isinstance(image, tge.Tensor) and image.dtype == np.float32 and image.shape == (28, 28)
    assert np.array_equal(image._data, mnist_train.images[0].astype(np.float32) / np.float32(255))
    assert image._data.min() == 0.0 and image._data.max() == 1.0
    assert "Number of datapoints: 10000" in repr(mnist_test)


def test_mnist_through_data_loader(mnist_test: MNIST) -> None:
    images, labels = next(iter(DataLoader(mnist_test, batch_size=16)))
    assert images.shape == (16, 28, 28) and images.dtype == np.float32
    assert labels.tolist() == mnist_test.labels[:16].tolist()


def test_md5_sums_match_the_files(mnist_dir: Path) -> None:
    assert sorted(mnist_module.MD5SUMS) == sorted(TRAIN_FILES + TEST_FILES)
    for name, expected in mnist_module.MD5SUMS.items():
        assert md5_of(mnist_dir / name) == expected
        assert hashlib.md5((mnist_dir / name).read_bytes()).hexdigest() == expected
    listing = mnist_dir / "MD5SUMS"  # the shared folder also lists the sums (a download does not)
    if listing.exists():
        listed = dict(line.split()[::-1] for line in listing.read_text().splitlines())
        assert listed == mnist_module.MD5SUMS


def test_resolution_order(monkeypatch, tmp_path: Path) -> None:
    """Explicit argument, then $TINYGRAD_EDU_DATA, then ../shared when present, then the cache."""
    shared = tmp_path / "shared_folder"  # stands for the folder beside the checkout
    environment = {"TINYGRAD_EDU_DATA": str(tmp_path / "from_variable"),
                   "XDG_CACHE_HOME": str(tmp_path / "cache")}
    explicit = locate_mnist(tmp_path / "explicit", environment, shared)
    assert (explicit.folder, explicit.source) == (tmp_path / "explicit", SOURCE_ARGUMENT)
    assert not explicit.downloads_by_default
    from_variable = locate_mnist(None, environment, shared)
    assert (from_variable.folder, from_variable.source) == (tmp_path / "from_variable",
                                                            SOURCE_ENVIRONMENT)
    del environment["TINYGRAD_EDU_DATA"]
    cache = locate_mnist(None, environment, shared)  # the shared folder does not exist yet
    assert (cache.folder, cache.source) == (tmp_path / "cache" / "tinygrad_edu" / "mnist",
                                            SOURCE_CACHE)
    assert cache.downloads_by_default
    shared.mkdir(parents=True)
    for name in TRAIN_FILES + TEST_FILES[:1]:
        (shared / name).write_bytes(b"")
    # Three of the four files: not "present", so the cache (which downloads) comes next.
    assert locate_mnist(None, environment, shared).source == SOURCE_CACHE
    (shared / TEST_FILES[1]).write_bytes(b"")
    from_shared = locate_mnist(None, environment, shared)
    assert (from_shared.folder, from_shared.source) == (shared, SOURCE_SHARED)
    # An empty variable counts as unset; a relative one is made absolute.
    assert locate_mnist(None, {**environment, "TINYGRAD_EDU_DATA": ""}, shared).folder == shared
    monkeypatch.chdir(tmp_path)
    relative = locate_mnist(None, {"TINYGRAD_EDU_DATA": "data/mnist"}, shared)
    assert relative.folder == tmp_path / "data" / "mnist" and relative.folder.is_absolute()
    assert locate_mnist(None, environment, None).source == SOURCE_CACHE
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert locate_mnist(None, {}, None).folder == tmp_path / "home" / ".cache" / "tinygrad_edu" / \
        "mnist"
    assert default_root({"TINYGRAD_EDU_DATA": str(shared)}) == shared


def test_shared_folder_is_found_beside_this_checkout() -> None:
    checkout = Path(__file__).resolve().parents[1]
    assert shared_data_dir() == checkout.parent / "shared" / "data" / "mnist"


def test_environment_variable_is_used_by_mnist(monkeypatch, mnist_dir: Path) -> None:
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(mnist_dir))
    data = MNIST(train=False)
    assert data.root == mnist_dir and data.location.source == "$TINYGRAD_EDU_DATA"
    assert len(data) == 10_000


def test_a_named_folder_is_never_downloaded_into(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path / "empty"))
    with pytest.raises(MnistNotFoundError) as caught:
        MNIST(train=False)
    assert caught.value.location.source == "$TINYGRAD_EDU_DATA"
    assert caught.value.path == tmp_path / "empty" / TEST_IMAGES
    assert "TINYGRAD_EDU_DATA" in str(caught.value) and not (tmp_path / "empty").exists()


def without_shared_folder(monkeypatch, tmp_path: Path) -> Path:
    """Make the resolution order end in a user cache under ``tmp_path``; return that cache."""
    monkeypatch.delenv("TINYGRAD_EDU_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(locate_module, "shared_data_dir", lambda: None)
    return tmp_path / "cache" / "tinygrad_edu" / "mnist"


def test_the_user_cache_is_filled_by_download(mirror, monkeypatch, tmp_path: Path) -> None:
    url, requests = mirror
    cache = without_shared_folder(monkeypatch, tmp_path)
    data = MNIST(train=False, mirrors=[url + "/good/"])
    assert data.location.source == "user cache" and data.root == cache
    assert sorted(path.name for path in cache.iterdir()) == sorted([TEST_IMAGES, TEST_LABELS])
    MNIST(train=False, mirrors=[url + "/good/"])  # the second time, nothing is downloaded
    assert len(requests) == 2
    with pytest.raises(MnistNotFoundError):
        MNIST(train=True, download=False)  # download=False is never overruled


def test_failed_download_into_the_cache_leaves_no_folder(mirror, monkeypatch,
                                                         tmp_path: Path) -> None:
    url, _ = mirror
    monkeypatch.setattr(mnist_module, "DOWNLOAD_BACKOFF_SECONDS", 0.0)
    without_shared_folder(monkeypatch, tmp_path)
    # The labels exist on the mirror, the images do not: all of the split or nothing.
    (tmp_path / "served" / "partial").mkdir()
    (tmp_path / "served" / "partial" / TEST_LABELS).write_bytes(
        (tmp_path / "served" / "good" / TEST_LABELS).read_bytes())
    with pytest.raises(DatasetError, match=f"could not download {TEST_IMAGES}") as caught:
        MNIST(train=False, mirrors=[url + "/partial/"])
    assert caught.value.path is not None and caught.value.path.name == TEST_IMAGES
    assert not (tmp_path / "cache").exists()


# ----------------------------------------------------------------------------- MNIST, bad files
def copy_test_split(folder: Path, source: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in (TEST_IMAGES, TEST_LABELS):
        (folder / name).write_bytes((source / name).read_bytes())
    return folder


def write_accepted_fake(monkeypatch, path: Path, raw: bytes) -> None:
    """Write ``raw`` gzipped to ``path`` and make its md5 the expected one."""
    path.write_bytes(gzip.compress(raw, compresslevel=1))
    monkeypatch.setitem(mnist_module.MD5SUMS, path.name, md5_of(path))


def test_missing_file_says_what_to_do(tmp_path: Path, mnist_dir: Path) -> None:
    root = copy_test_split(tmp_path / "mnist", mnist_dir)
    (root / TEST_LABELS).unlink()
    with pytest.raises(FileNotFoundError) as caught:
        MNIST(root=root, train=False)
    message = str(caught.value)
    for expected in (TEST_LABELS, str(root), "TINYGRAD_EDU_DATA", "download=True"):
        assert expected in message


def test_corrupt_byte_is_an_md5_mismatch(tmp_path: Path, mnist_dir: Path) -> None:
    root = copy_test_split(tmp_path / "mnist", mnist_dir)
    damaged = bytearray((root / TEST_IMAGES).read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    (root / TEST_IMAGES).write_bytes(bytes(damaged))
    with pytest.raises(DatasetError, match="md5 mismatch") as caught:
        MNIST(root=root, train=False)
    message = str(caught.value)
    assert TEST_IMAGES in message and mnist_module.MD5SUMS[TEST_IMAGES] in message
    assert hashlib.md5(bytes(damaged)).hexdigest() in message and "download=True" in message
    assert isinstance(caught.value, ValueError)


def test_truncated_gz_file(monkeypatch, tmp_path: Path, mnist_dir: Path) -> None:
    root = copy_test_split(tmp_path / "mnist", mnist_dir)
    whole = (root / TEST_IMAGES).read_bytes()
    (root / TEST_IMAGES).write_bytes(whole[:len(whole) // 2])
    with pytest.raises(DatasetError, match=f"md5 mismatch.*{len(whole) // 2} bytes"):
        MNIST(root=root, train=False)
    # Even with its md5 accepted, the cut gzip stream is reported, not parsed.
    monkeypatch.setitem(mnist_module.MD5SUMS, TEST_IMAGES, md5_of(root / TEST_IMAGES))
    with pytest.raises(DatasetError, match="not a complete gzip file"):
        MNIST(root=root, train=False)


def test_wrong_magic_number(monkeypatch, tmp_path: Path, mnist_dir: Path) -> None:
    root = copy_test_split(tmp_path / "mnist", mnist_dir)
    raw = gzip.decompress((root / TEST_LABELS).read_bytes())
    write_accepted_fake(monkeypatch, root / TEST_LABELS, (2051).to_bytes(4, "big") + raw[4:])
    with pytest.raises(DatasetError, match="magic number: expected 2049, found 2051") as caught:
        MNIST(root=root, train=False)
    assert TEST_LABELS in str(caught.value)


def test_truncated_idx_payload(monkeypatch, tmp_path: Path, mnist_dir: Path) -> None:
    root = copy_test_split(tmp_path / "mnist", mnist_dir)
    raw = gzip.decompress((root / TEST_IMAGES).read_bytes())
    write_accepted_fake(monkeypatch, root / TEST_IMAGES, raw[:-100])
    expected = f"truncated IDX file.*{len(raw)} bytes are expected, found {len(raw) - 100}"
    with pytest.raises(DatasetError, match=expected):
        MNIST(root=root, train=False)


def test_label_count_must_match_images(monkeypatch, tmp_path: Path, mnist_dir: Path) -> None:
    root = copy_test_split(tmp_path / "mnist", mnist_dir)
    raw = gzip.decompress((root / TEST_LABELS).read_bytes())
    fake = raw[:4] + (9999).to_bytes(4, "big") + raw[8:-1]
    write_accepted_fake(monkeypatch, root / TEST_LABELS, fake)
    with pytest.raises(DatasetError, match="expected 10000 labels"):
        MNIST(root=root, train=False)


def test_parse_idx_header_checks() -> None:
    header = (2051).to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in (2, 1, 3))
    values = parse_idx(header + bytes(range(6)), 2051)
    assert values.shape == (2, 1, 3) and values.dtype == np.uint8
    assert values.flags["WRITEABLE"]
    with pytest.raises(DatasetError, match="trailing bytes"):
        parse_idx(header + bytes(7), 2051)
    with pytest.raises(DatasetError, match="truncated IDX header"):
        parse_idx(header[:10], 2051)
    with pytest.raises(DatasetError, match="shorter than the 4-byte"):
        parse_idx(b"\x00\x00", 2051)


# ----------------------------------------------------------------------------- download
class MirrorServer(http.server.ThreadingHTTPServer):
    """An HTTP server that remembers the paths it was asked for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.requests: list[str] = []


class MirrorHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; under /truncated/ it announces the whole file but sends half of it."""

    def do_GET(self) -> None:
        assert isinstance(self.server, MirrorServer)
        self.server.requests.append(self.path)
        if self.path.startswith("/truncated/"):
            body = (Path(self.directory) / "good" / Path(self.path).name).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:len(body) // 2])
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def mirror(tmp_path: Path, mnist_dir: Path) -> Iterator[tuple[str, list[str]]]:
    """A local server: /good/ holds the test split, /corrupt/ a damaged copy; (url, requests)."""
    served = tmp_path / "served"
    copy_test_split(served / "good", mnist_dir)
    corrupt = copy_test_split(served / "corrupt", mnist_dir)
    damaged = bytearray((corrupt / TEST_IMAGES).read_bytes())
    damaged[1000] ^= 0x01
    (corrupt / TEST_IMAGES).write_bytes(bytes(damaged))
    server = MirrorServer(("127.0.0.1", 0), functools.partial(MirrorHandler, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_download_fetches_verifies_and_loads(mirror, tmp_path: Path) -> None:
    url, requests = mirror
    root = tmp_path / "cache" / "mnist"
    data = MNIST(root=root, train=False, download=True, mirrors=[url + "/good/"])
    assert sorted(path.name for path in root.iterdir()) == sorted([TEST_IMAGES, TEST_LABELS])
    for name in (TEST_IMAGES, TEST_LABELS):
        assert md5_of(root / name) == mnist_module.MD5SUMS[name]
    assert data.images.shape == (10000, 28, 28) and data.labels[0] == 7
    assert sorted(requests) == sorted(["/good/" + TEST_IMAGES, "/good/" + TEST_LABELS])
    # A second construction finds the files and downloads nothing.
    MNIST(root=root, train=False, download=True, mirrors=[url + "/good/"])
    assert len(requests) == 2


def test_download_fetches_only_missing_files(mirror, tmp_path: Path, mnist_dir: Path) -> None:
    url, requests = mirror
    root = tmp_path / "mnist"
    root.mkdir()
    (root / TEST_LABELS).write_bytes((mnist_dir / TEST_LABELS).read_bytes())
    MNIST(root=root, train=False, download=True, mirrors=[url + "/good"])
    assert requests == ["/good/" + TEST_IMAGES]


def test_download_moves_on_after_a_failing_mirror(mirror, tmp_path: Path) -> None:
    url, requests = mirror
    root = tmp_path / "mnist"
    data = MNIST(root=root, train=False, download=True,
                 mirrors=[url + "/missing/", url + "/good/"])
    assert len(data) == 10000
    assert requests[:2] == ["/missing/" + TEST_IMAGES, "/good/" + TEST_IMAGES]


def test_download_writes_through_a_temporary_file_in_the_same_folder(
        mirror, monkeypatch, tmp_path: Path) -> None:
    url, _ = mirror
    replaced: list[tuple[Path, Path]] = []
    original_replace = mnist_module.os.replace

    def recording_replace(source: str, destination: Path) -> None:
        replaced.append((Path(source), Path(destination)))
        assert md5_of(Path(source)) == mnist_module.MD5SUMS[Path(destination).name]
        original_replace(source, destination)

    monkeypatch.setattr(mnist_module.os, "replace", recording_replace)
    root = tmp_path / "mnist"
    MNIST(root=root, train=False, download=True, mirrors=[url + "/good/"])
    assert [destination.name for _, destination in replaced] == [TEST_IMAGES, TEST_LABELS]
    for source, destination in replaced:
        assert source.parent == destination.parent == root
        assert source.name.endswith(".part") and not source.exists()


def test_corrupt_download_leaves_nothing_and_says_why(mirror, monkeypatch,
                                                      tmp_path: Path) -> None:
    url, requests = mirror
    monkeypatch.setattr(mnist_module, "DOWNLOAD_BACKOFF_SECONDS", 0.0)
    root = tmp_path / "mnist"
    with pytest.raises(DatasetError) as caught:
        MNIST(root=root, train=False, download=True, mirrors=[url + "/corrupt/"])
    message = str(caught.value)
    assert f"could not download {TEST_IMAGES}" in message
    assert message.count("md5 mismatch") == mnist_module.DOWNLOAD_ATTEMPTS == len(requests)
    assert mnist_module.MD5SUMS[TEST_IMAGES] in message and "TINYGRAD_EDU_DATA" in message
    assert "mirrors=" in message
    assert not root.exists()  # the folder this call created is removed again
    assert list(tmp_path.iterdir()) == [tmp_path / "served"]


def test_failed_download_never_replaces_an_existing_file(mirror, tmp_path: Path) -> None:
    url, _ = mirror
    root = tmp_path / "mnist"
    root.mkdir()
    (root / TEST_IMAGES).write_bytes(b"an older file")
    for broken in ("/corrupt/", "/truncated/"):
        with pytest.raises(DatasetError, match="could not download"):
            download_file(TEST_IMAGES, root, [url + broken], attempts=1)
        assert (root / TEST_IMAGES).read_bytes() == b"an older file"
        assert [path.name for path in root.iterdir()] == [TEST_IMAGES]


def test_download_retries_with_growing_pauses(mirror, monkeypatch, tmp_path: Path) -> None:
    url, requests = mirror
    pauses: list[float] = []
    monkeypatch.setattr(mnist_module.time, "sleep", pauses.append)
    root = tmp_path / "mnist"
    with pytest.raises(DatasetError) as caught:
        download_file(TEST_IMAGES, root, [url + "/missing/", url + "/truncated/"],
                      attempts=3, backoff=0.5, timeout=5)
    assert pauses == [0.5, 1.0]
    assert len(requests) == 6 and str(caught.value).count("attempt 3") == 2
    assert str(caught.value).count("404") == 3
    assert str(caught.value).count("truncated transfer: received 824438 of 1648877 bytes") == 3
    assert not root.exists()  # created by the call, removed again when it failed
