"""Datasets and mini-batch loading, with torch.utils.data's names.

Example:
    >>> import tinygrad_edu as tge
    >>> from tinygrad_edu.data import DataLoader, TensorDataset
    >>> loader = DataLoader(TensorDataset(tge.arange(4)), batch_size=3)
    >>> [batch.tolist() for (batch,) in loader]
    [[0, 1, 2], [3]]
"""

from tinygrad_edu.data import datasets
from tinygrad_edu.data.dataloader import DataLoader, collate
from tinygrad_edu.data.dataset import Dataset, Subset, TensorDataset, random_split

__all__ = ["DataLoader", "Dataset", "Subset", "TensorDataset", "collate", "datasets",
           "random_split"]
