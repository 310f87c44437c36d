"""``DataLoader``: iterate over a dataset in (optionally shuffled) mini-batches, like torch's.

For a ``TensorDataset``, or a ``Subset`` of one, every batch is one fancy-indexing take per
tensor from the whole arrays (``np.take(array, batch_indices, axis=0)``): a fresh contiguous
array holding just that batch. Shuffling permutes an array of indices, never the data, so no
epoch copies the data set. Any other dataset is read item by item and each field is stacked.
"""

from __future__ import annotations

import numbers
from typing import Any, Iterator

import numpy as np

from tinygrad_edu.creation import _DefaultGenerator
from tinygrad_edu.data.dataset import Subset, TensorDataset
from tinygrad_edu.tensor import Tensor


def _tensor_source(dataset: Any) -> tuple[TensorDataset, np.ndarray | None] | None:
    """``(tensor_dataset, indices)`` when ``dataset`` is a TensorDataset or (nested) Subset of
    one (``indices`` is None for the TensorDataset itself); None for any other dataset."""
    if isinstance(dataset, TensorDataset):
        return dataset, None
    if isinstance(dataset, Subset):
        inner = _tensor_source(dataset.dataset)
        if inner is None:
            return None
        tensor_dataset, inner_indices = inner
        if inner_indices is None:
            return tensor_dataset, dataset.indices
        return tensor_dataset, inner_indices[dataset.indices]
    return None


def _stack(values: list[Any]) -> Tensor:
    """One batch tensor from the same field of several items (Tensors, arrays or numbers)."""
    first = values[0]
    if isinstance(first, Tensor):
        return Tensor._wrap(np.stack([value._data for value in values]), False)
    if isinstance(first, (np.ndarray, np.generic, numbers.Number)):
        return Tensor._wrap(np.stack([np.asarray(value) for value in values]), False)
    raise TypeError(f"DataLoader: cannot batch items of type {type(first).__name__}; a dataset "
                    "item must be a Tensor, a NumPy array, a number, or a tuple of those")


def collate(items: list[Any]) -> Any:
    """Stack a list of dataset items into one batch (torch's default_collate, simplified).

    A tuple (or list) item gives a tuple of batched Tensors, one per field; a single Tensor,
    array or number gives one batched Tensor. Python ints become int64, floats float64.

    Example:
        >>> import tinygrad_edu as tge
        >>> images, labels = collate([(tge.zeros(2), 3), (tge.ones(2), 5)])
        >>> images.shape, labels
        (Size([2, 2]), tensor([3, 5]))
    """
    if isinstance(items[0], (tuple, list)):
        return tuple(_stack([item[field] for item in items]) for field in range(len(items[0])))
    return _stack(items)


class DataLoader:
    """Mini-batches of a dataset, reshuffled every epoch when ``shuffle`` is true.

    Args:
        dataset: a ``TensorDataset`` (or a ``Subset`` of one) for the fast path, or any dataset
            with ``__getitem__`` and ``__len__``.
        batch_size: items per batch (a positive integer).
        shuffle: draw a new random order at the start of every epoch (every ``iter``).
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        generator: the ``numpy.random.Generator`` that draws the orders; by default the global
            one that ``tinygrad_edu.manual_seed`` resets.
        seed: instead of ``generator``: make a private generator from this seed, so the
            sequence of epoch orders is reproducible.

    Raises:
        ValueError: a ``batch_size`` that is not a positive integer, or both ``generator`` and
            ``seed`` given.

    Example:
        >>> import tinygrad_edu as tge
        >>> data = TensorDataset(tge.arange(5) * 10, tge.arange(5))
        >>> loader = DataLoader(data, batch_size=2)
        >>> len(loader), [labels.tolist() for inputs, labels in loader]
        (3, [[0, 1], [2, 3], [4]])
        >>> shuffled = DataLoader(data, batch_size=2, shuffle=True, drop_last=True, seed=0)
        >>> [len(labels) for inputs, labels in shuffled]
        [2, 2]
    """

    dataset: Any
    batch_size: int
    shuffle: bool
    drop_last: bool
    generator: np.random.Generator | None

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, generator: np.random.Generator | None = None,
                 seed: int | None = None) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) \
                or batch_size < 1:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size!r}")
        if generator is not None and seed is not None:
            raise ValueError("DataLoader: give either generator or seed, not both")
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(f"DataLoader: generator must be a numpy.random.Generator (got "
                            f"{type(generator).__name__}); np.random.default_rng(seed) makes one")
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(f"DataLoader: the dataset ({type(dataset).__name__}) needs "
                            "__getitem__ and __len__")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = np.random.default_rng(seed) if seed is not None else generator

    def __len__(self) -> int:
        """The number of batches per epoch: floor(n / batch_size) with drop_last, else ceil."""
        if self.drop_last:
            return len(self.dataset) // self.batch_size
        return -(-len(self.dataset) // self.batch_size)

    def _order(self) -> np.ndarray:
        """The indices of one epoch, in the order batches take them."""
        count = len(self.dataset)
        if not self.shuffle:
            return np.arange(count)
        source = _DefaultGenerator.generator if self.generator is None else self.generator
        return source.permutation(count)

    def __iter__(self) -> Iterator[Any]:
        # The order is drawn here, when the epoch starts, rather than at the first batch.
        order = self._order()
        source = _tensor_source(self.dataset)
        if source is None:
            return self._collated_batches(order)
        tensor_dataset, indices = source
        if indices is not None:
            order = indices[order]  # positions in the Subset -> rows of the whole tensors
        return self._taken_batches(tensor_dataset, order)

    def _batch_starts(self, count: int) -> range:
        stop = count - count % self.batch_size if self.drop_last else count
        return range(0, stop, self.batch_size)

    def _taken_batches(self, dataset: TensorDataset,
                       order: np.ndarray) -> Iterator[tuple[Tensor, ...]]:
        arrays = [tensor._data for tensor in dataset.tensors]
        for start in self._batch_starts(len(order)):
            rows = order[start:start + self.batch_size]
            yield tuple(Tensor._wrap(np.take(array, rows, axis=0), False) for array in arrays)

    def _collated_batches(self, order: np.ndarray) -> Iterator[Any]:
        for start in self._batch_starts(len(order)):
            rows = order[start:start + self.batch_size]
            yield collate([self.dataset[int(row)] for row in rows])
