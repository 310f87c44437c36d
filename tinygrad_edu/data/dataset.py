"""Datasets: a base class, a dataset made of tensors, subsets and ``random_split`` (torch names).

A dataset is anything with ``__getitem__(index)`` and ``__len__()``. ``TensorDataset`` keeps its
tensors whole; ``Subset`` keeps a reference to its dataset plus an array of indices, so neither
copies the data. ``DataLoader`` reads both directly to take each batch in one step.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from tinygrad_edu.creation import _DefaultGenerator
from tinygrad_edu.tensor import Tensor


class Dataset:
    """Base class for datasets: subclasses define ``__getitem__`` and ``__len__``.

    Example:
        >>> class Squares(Dataset):
        ...     def __getitem__(self, index):
        ...         return index * index
        ...     def __len__(self):
        ...         return 4
        >>> [Squares()[i] for i in range(len(Squares()))]
        [0, 1, 4, 9]
    """

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Item ``i`` is the tuple of row ``i`` of each tensor (torch.utils.data.TensorDataset).

    Args:
        *tensors: Tensors (or NumPy arrays, wrapped without a copy) with the same first dimension,
            e.g. inputs of shape (N, 784) and labels of shape (N,).

    Raises:
        ValueError: no tensors, a 0-d tensor, or first dimensions that differ.

    Example:
        >>> import tinygrad_edu as tge
        >>> data = TensorDataset(tge.tensor([[1.0, 2.0], [3.0, 4.0]]), tge.tensor([0, 1]))
        >>> len(data), data[1]
        (2, (tensor([3., 4.]), tensor(1)))
    """

    def __init__(self, *tensors: Tensor | np.ndarray) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        wrapped = []
        for position, tensor in enumerate(tensors):
            if isinstance(tensor, np.ndarray):
                tensor = Tensor._wrap(tensor, False)
            if not isinstance(tensor, Tensor):
                raise TypeError(f"TensorDataset: argument {position} is a "
                                f"{type(tensor).__name__}; expected a Tensor or a NumPy array")
            if tensor.ndim == 0:
                raise ValueError(f"TensorDataset: argument {position} is a 0-d tensor; each "
                                 "tensor needs a first dimension that indexes the samples")
            wrapped.append(tensor)
        sizes = [tensor.shape[0] for tensor in wrapped]
        if len(set(sizes)) != 1:
            raise ValueError(
                f"Size mismatch between tensors: first dimensions are {sizes}; every tensor of a "
                "TensorDataset needs the same number of samples (rows)"
            )
        self.tensors: tuple[Tensor, ...] = tuple(wrapped)

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The items of ``dataset`` at ``indices``, in that order (torch.utils.data.Subset).

    Example:
        >>> import tinygrad_edu as tge
        >>> part = Subset(TensorDataset(tge.arange(10)), [7, 2])
        >>> len(part), part[0]
        (2, (tensor(7),))
    """

    def __init__(self, dataset: Any, indices: Sequence[int] | np.ndarray) -> None:
        index_array = np.asarray(indices)
        if index_array.size == 0:
            index_array = index_array.astype(np.int64)
        if index_array.ndim != 1 or not np.issubdtype(index_array.dtype, np.integer):
            raise TypeError(f"Subset: indices must be a 1-D sequence of integers, got an array of "
                            f"shape {tuple(index_array.shape)} and dtype {index_array.dtype}")
        self.dataset = dataset
        self.indices: np.ndarray = index_array.astype(np.int64, copy=False)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, (list, np.ndarray)):
            return self.dataset[self.indices[np.asarray(index, dtype=np.int64)]]
        return self.dataset[int(self.indices[index])]

    def __len__(self) -> int:
        return len(self.indices)


def _split_lengths(total: int, lengths: Sequence[float]) -> list[int]:
    """Counts from ``lengths`` (counts, or fractions summing to 1), as torch computes them."""
    values = list(lengths)
    if not values:
        raise ValueError("random_split: lengths must not be empty")
    if math.isclose(sum(values), 1) and sum(values) <= 1:
        for position, fraction in enumerate(values):
            if not 0 <= fraction <= 1:
                raise ValueError(f"random_split: fraction at index {position} is {fraction}, "
                                 "not between 0 and 1")
        counts = [int(math.floor(total * fraction)) for fraction in values]
        # torch hands the rows lost to rounding down out one by one, from the first subset on.
        for step in range(total - sum(counts)):
            counts[step % len(counts)] += 1
        return counts
    counts = []
    for position, length in enumerate(values):
        if isinstance(length, bool) or not float(length).is_integer() or length < 0:
            raise ValueError(f"random_split: length at index {position} is {length}; give "
                             "non-negative integer counts or fractions that sum to 1")
        counts.append(int(length))
    if sum(counts) != total:
        raise ValueError(f"random_split: the lengths {counts} sum to {sum(counts)}, but the "
                         f"dataset has {total} items; give counts summing to {total} or "
                         "fractions summing to 1")
    return counts


def random_split(dataset: Any, lengths: Sequence[float],
                 generator: np.random.Generator | None = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets (torch.utils.data.random_split).

    Args:
        dataset: any dataset with ``__len__``.
        lengths: the subset sizes (summing to ``len(dataset)``), or fractions summing to 1; rows
            lost when rounding fractions down go one each to the first subsets, like torch.
        generator: a ``numpy.random.Generator`` for the permutation; by default the global one
            that ``tinygrad_edu.manual_seed`` resets.

    Raises:
        ValueError: lengths that neither sum to the dataset's length nor are fractions summing
            to 1.

    Example:
        >>> import numpy as np, tinygrad_edu as tge
        >>> train, val = random_split(TensorDataset(tge.arange(10)), [0.8, 0.2],
        ...                           generator=np.random.default_rng(0))
        >>> len(train), len(val), sorted(train.indices.tolist() + val.indices.tolist())
        (8, 2, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    counts = _split_lengths(len(dataset), lengths)
    source = _DefaultGenerator.generator if generator is None else generator
    permutation = source.permutation(len(dataset))
    subsets = []
    start = 0
    for count in counts:
        subsets.append(Subset(dataset, permutation[start:start + count]))
        start += count
    return subsets
