"""``tinygrad_edu.data`` under torch's path, ``torch.utils.data``: the very same objects.

A script that says ``from torch.utils.data import DataLoader, TensorDataset`` runs here as
``from tinygrad_edu.utils.data import DataLoader, TensorDataset``; the names are those of
``tinygrad_edu.data`` (``tests/test_data.py`` checks that the two lists stay equal).

Example:
    >>> import tinygrad_edu as tge
    >>> from tinygrad_edu.utils.data import DataLoader, TensorDataset, random_split
    >>> train, val = random_split(TensorDataset(tge.arange(10)), [0.8, 0.2])
    >>> [len(batch) for (batch,) in DataLoader(train, batch_size=3)]
    [3, 3, 2]
"""

from typing import Any

from tinygrad_edu.data import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    collate,
    datasets,
    random_split,
)
from tinygrad_edu.torch_names import missing_name

__all__ = ["DataLoader", "Dataset", "Subset", "TensorDataset", "collate", "datasets",
           "random_split"]


def __getattr__(name: str) -> Any:
    """A name this module does not provide: an AttributeError that suggests the nearest one."""
    raise missing_name(__name__, name, list(globals().get("__all__", globals())))
