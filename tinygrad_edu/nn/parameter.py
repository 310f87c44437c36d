"""``Parameter``: a tensor that a module learns (``requires_grad=True`` by default)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import dtypes
from tinygrad_edu.tensor import Tensor


class Parameter(Tensor):
    """A tensor that is a module's learnable weight: ``requires_grad=True`` by default.

    It shares memory with the data it is made from (like torch), and the ops applied to it
    return plain Tensors.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import Parameter
        >>> Parameter(tge.ones(2))
        Parameter containing:
        tensor([1., 1.], requires_grad=True)
    """

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            array = np.empty(0, dtype=dtypes.DEFAULT_FLOAT)
        elif isinstance(data, Tensor):
            array = data._data
        else:
            array = Tensor(data)._data
        self._init(array, False)
        if requires_grad:
            self.requires_grad = True

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
