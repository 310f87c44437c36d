"""torch.utils's place in tinygrad_edu: ``tinygrad_edu.utils.data`` is torch.utils.data's path.

Example:
    >>> import tinygrad_edu as torch
    >>> from tinygrad_edu.utils.data import DataLoader
    >>> DataLoader is torch.utils.data.DataLoader is torch.data.DataLoader
    True
"""

from typing import Any

from tinygrad_edu.torch_names import missing_name
from tinygrad_edu.utils import data

__all__ = ["data"]


def __getattr__(name: str) -> Any:
    """A name this module does not provide: an AttributeError that suggests the nearest one."""
    raise missing_name(__name__, name, list(globals().get("__all__", globals())))
