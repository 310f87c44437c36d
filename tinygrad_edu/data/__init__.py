"""Datasets and mini-batch loading, with torch.utils.data's names (also importable under that
path, as ``tinygrad_edu.utils.data``).

Example:
    >>> import tinygrad_edu as tge
    >>> from tinygrad_edu.data import DataLoader, TensorDataset
    >>> loader = DataLoader(TensorDataset(tge.arange(4)), batch_size=3)
    >>> [batch.tolist() for (batch,) in loader]
    [[0, 1, 2], [3]]
"""

from typing import Any

from tinygrad_edu.data import datasets
from tinygrad_edu.data.dataloader import DataLoader, collate
from tinygrad_edu.data.dataset import Dataset, Subset, TensorDataset, random_split
from tinygrad_edu.torch_names import missing_name

__all__ = ["DataLoader", "Dataset", "Subset", "TensorDataset", "collate", "datasets",
           "random_split"]


def __getattr__(name: str) -> Any:
    """A name this module does not provide: an AttributeError that suggests the nearest one."""
    raise missing_name(__name__, name, list(globals().get("__all__", globals())),
                       torch_namespace="torch.utils.data")
