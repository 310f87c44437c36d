"""``Size``: a tensor's shape, a tuple of ints that prints as ``Size([2, 3])`` (torch.Size).

Example:
    >>> import tinygrad_edu as tge
    >>> shape = tge.zeros(2, 3).shape
    >>> shape
    Size([2, 3])
    >>> shape == (2, 3), shape[1:], shape.numel()
    (True, Size([3]), 6)
"""

from __future__ import annotations

import math
from typing import Any, SupportsIndex, overload


class Size(tuple[int, ...]):
    """A tuple of dimension sizes; slicing and concatenation give a Size again."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Size({list(self)})"

    __str__ = __repr__

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds: the product of the sizes."""
        return math.prod(self)

    @overload
    def __getitem__(self, index: SupportsIndex) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> Size: ...

    def __getitem__(self, index: Any) -> Any:
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other: Any) -> Size:
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other: Any) -> Size:
        return Size(tuple(other) + tuple(self))
