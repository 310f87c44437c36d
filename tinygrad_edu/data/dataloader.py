"""``DataLoader``: iterate over a dataset in (optionally shuffled) mini-batches, like torch's.

For a ``TensorDataset``, or a ``Subset`` of one, every batch is one fancy-indexing take per
tensor from the whole arrays (``np.take(array, batch_indices, axis=0)``): a fresh contiguous
array holding just that batch. Shuffling permutes an array of indices, never the data, so no
epoch copies the data set. Any other dataset, or a loader given its own ``collate_fn``, reads
the dataset item by item and collates each batch's list of items.

Loading always runs in the calling process: torch's worker options (``num_workers``,
``persistent_workers``, ``prefetch_factor``, ``worker_init_fn``, ``timeout``...) are accepted
and checked as torch checks them, so a script written for torch runs unchanged, but no worker
process is started.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any, Callable, Iterator

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


def _check_worker_options(num_workers: int, timeout: float, prefetch_factor: int | None,
                          persistent_workers: bool) -> int | None:
    """torch's checks of the worker options, with its ValueErrors; returns the prefetch factor
    torch records (2 by default when there are workers). Loading stays in-process either way."""
    if num_workers < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                         "disable multiprocessing.")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                         "let num_workers > 0 to enable multiprocessing, otherwise set "
                         "prefetch_factor to None.")
    if num_workers > 0 and prefetch_factor is None:
        prefetch_factor = 2
    elif prefetch_factor is not None and prefetch_factor < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")
    return prefetch_factor


class DataLoader:
    """Mini-batches of a dataset, reshuffled every epoch when ``shuffle`` is true.

    The signature is torch's. Loading stays in the calling process (as torch's
    ``num_workers=0``), whatever ``num_workers`` says: the worker options are accepted and
    checked like torch's (a negative ``num_workers`` or ``timeout``, ``prefetch_factor`` or
    ``persistent_workers`` without workers raise torch's ValueError), but no worker starts, so
    ``worker_init_fn`` is never called and ``timeout`` has nothing to wait for.

    Args:
        dataset: a ``TensorDataset`` (or a ``Subset`` of one) for the fast path, or any dataset
            with ``__getitem__`` and ``__len__``.
        batch_size: items per batch (a positive integer).
        shuffle: draw a new random order at the start of every epoch (every ``iter``).
        sampler, batch_sampler: not supported (NotImplementedError if given); ``shuffle``
            with ``generator`` or ``seed``, and ``Subset``, choose the items instead.
        num_workers: accepted (>= 0); loading runs in this process.
        collate_fn: makes one batch from the list of a batch's items; by default ``collate``
            (for a TensorDataset the same batches, taken from the whole arrays at once).
        pin_memory: accepted; there is no accelerator to pin memory for, so iterating warns
            as torch does on a machine without one.
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        timeout, worker_init_fn, multiprocessing_context, prefetch_factor,
            persistent_workers, pin_memory_device, in_order: torch's worker options, accepted
            (and checked as torch checks them) with no effect.
        generator: the ``numpy.random.Generator`` that draws the orders; by default the global
            one that ``tinygrad_edu.manual_seed`` resets.
        seed: instead of ``generator``: make a private generator from this seed, so the
            sequence of epoch orders is reproducible (tinygrad_edu's own option).

    Raises:
        ValueError: a ``batch_size`` that is not a positive integer, both ``generator`` and
            ``seed`` given, or worker options torch rejects.
        NotImplementedError: a ``sampler`` or ``batch_sampler``.

    Example:
        >>> import tinygrad_edu as tge
        >>> data = TensorDataset(tge.arange(5) * 10, tge.arange(5))
        >>> loader = DataLoader(data, batch_size=2)
        >>> len(loader), [labels.tolist() for inputs, labels in loader]
        (3, [[0, 1], [2, 3], [4]])
        >>> shuffled = DataLoader(data, batch_size=2, shuffle=True, drop_last=True, seed=0,
        ...                       num_workers=4, persistent_workers=True)
        >>> [len(labels) for inputs, labels in shuffled]
        [2, 2]
        >>> pairs = DataLoader(data, batch_size=2, collate_fn=lambda items: len(items))
        >>> list(pairs)
        [2, 2, 1]
    """

    dataset: Any
    batch_size: int
    shuffle: bool
    drop_last: bool
    generator: np.random.Generator | None
    collate_fn: Callable[[list[Any]], Any]
    num_workers: int
    prefetch_factor: int | None
    persistent_workers: bool
    pin_memory: bool
    pin_memory_device: str
    timeout: float
    worker_init_fn: Callable[[int], None] | None
    multiprocessing_context: Any
    in_order: bool

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool | None = None,
                 sampler: Any = None, batch_sampler: Any = None, num_workers: int = 0,
                 collate_fn: Callable[[list[Any]], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context: Any = None,
                 generator: np.random.Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True,
                 seed: int | None = None) -> None:
        prefetch_factor = _check_worker_options(num_workers, timeout, prefetch_factor,
                                                persistent_workers)
        for name, value in (("sampler", sampler), ("batch_sampler", batch_sampler)):
            if value is not None:
                raise NotImplementedError(
                    f"DataLoader: {name} is not supported by tinygrad_edu; use shuffle=True "
                    "(with generator= or seed=) for random orders, or a Subset for a fixed "
                    "choice of items")
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
        self.collate_fn = collate if collate_fn is None else collate_fn
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

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
        if self.pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", stacklevel=2)
        # The order is drawn here, when the epoch starts, rather than at the first batch.
        order = self._order()
        source = _tensor_source(self.dataset)
        if source is None or self.collate_fn is not collate:
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
            yield self.collate_fn([self.dataset[int(row)] for row in rows])
