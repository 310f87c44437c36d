"""torch's legacy tensor types: ``FloatTensor([1, 2])``, ``x.type()``, ``isinstance(x, ...)``.

Old tutorials make tensors with one constructor per dtype (``torch.FloatTensor``,
``torch.LongTensor``...) and ask ``x.type()`` for a name such as ``'torch.FloatTensor'``. Here
each of those names is a ``LegacyTensorType``: an object that makes tensors of its dtype when
called, and that ``isinstance`` asks through ``__instancecheck__`` (Python's protocol for
objects that answer isinstance; torch's types answer it the same way, by the tensor's dtype).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import devices, dtypes
from tinygrad_edu.function import constant
from tinygrad_edu.tensor import Tensor


class LegacyTensorType:
    """A legacy tensor type: ``FloatTensor(data)``, ``FloatTensor(2, 3)`` (zeros), or
    ``FloatTensor()`` (empty); ``isinstance(x, FloatTensor)`` is ``x.dtype == float32``.

    torch leaves the memory of ``FloatTensor(2, 3)`` as it finds it; here it holds zeros.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.FloatTensor([1, 2]), tge.LongTensor(2, 3).shape
        (tensor([1., 2.]), Size([2, 3]))
        >>> isinstance(tge.ones(2), tge.FloatTensor), tge.ones(2).type()
        (True, 'torch.FloatTensor')
    """

    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype: np.dtype) -> None:
        self.name = name
        self.dtype = dtype

    def __call__(self, *data: Any, device: Any = None) -> Tensor:
        devices.check_device(device, self.name)
        if not data:
            return constant(np.zeros(0, dtype=self.dtype))
        if all(isinstance(size, (int, np.integer)) and not isinstance(size, bool)
               for size in data):
            return constant(np.zeros(tuple(int(size) for size in data), self.dtype))
        if len(data) > 1:
            raise TypeError(f"{self.name}: expected sizes (ints) or one sequence of data, got "
                            f"{len(data)} arguments")
        (values,) = data
        if isinstance(values, Tensor):
            if values.dtype != self.dtype:
                raise TypeError(
                    f"{self.name}: expected a tensor of dtype {self.dtype} (got {values.dtype}); "
                    f"convert it with .to({self.dtype}) instead"
                )
            return values.detach()
        if not isinstance(values, (list, tuple, np.ndarray)):
            raise TypeError(f"{self.name}: data must be a sequence (got "
                            f"{type(values).__name__})")
        return Tensor(values, dtype=self.dtype)

    def __instancecheck__(self, instance: Any) -> bool:
        return isinstance(instance, Tensor) and instance.dtype == self.dtype

    def __repr__(self) -> str:
        return f"<legacy tensor type torch.{self.name}>"


FloatTensor = LegacyTensorType("FloatTensor", dtypes.float32)
DoubleTensor = LegacyTensorType("DoubleTensor", dtypes.float64)
HalfTensor = LegacyTensorType("HalfTensor", dtypes.float16)
LongTensor = LegacyTensorType("LongTensor", dtypes.int64)
IntTensor = LegacyTensorType("IntTensor", dtypes.int32)
ShortTensor = LegacyTensorType("ShortTensor", dtypes.int16)
CharTensor = LegacyTensorType("CharTensor", dtypes.int8)
ByteTensor = LegacyTensorType("ByteTensor", dtypes.uint8)
BoolTensor = LegacyTensorType("BoolTensor", dtypes.bool_)

LEGACY_TYPES = (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor,
                CharTensor, ByteTensor, BoolTensor)


def type_name(dtype: np.dtype) -> str:
    """torch's name of the legacy type of ``dtype``: 'torch.FloatTensor' for float32.

    The name says "torch." as torch's does, so a script that compares ``x.type()`` with
    ``'torch.FloatTensor'`` runs unchanged.

    Example:
        >>> type_name(dtypes.int64)
        'torch.LongTensor'
    """
    for legacy in LEGACY_TYPES:
        if legacy.dtype == dtype:
            return f"torch.{legacy.name}"
    raise TypeError(f"type: dtype {dtype} has no legacy tensor type name")


def dtype_of(target: Any) -> np.dtype:
    """The dtype a ``Tensor.type(target)`` converts to: a legacy type, its name
    ('torch.DoubleTensor'), or a dtype.

    Example:
        >>> dtype_of("torch.DoubleTensor"), dtype_of(LongTensor)
        (dtype('float64'), dtype('int64'))
    """
    if isinstance(target, LegacyTensorType):
        return target.dtype
    if isinstance(target, str):
        for legacy in LEGACY_TYPES:
            if target in (f"torch.{legacy.name}", f"tinygrad_edu.{legacy.name}"):
                return legacy.dtype
        raise ValueError(f"invalid type: {target!r}; expected a name such as "
                         "'torch.FloatTensor', or a dtype such as tinygrad_edu.float32")
    return dtypes.to_dtype(target)
