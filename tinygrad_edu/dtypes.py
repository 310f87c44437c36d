"""Data types and the promotion rules that decide the dtype of an op's result.

The rules are torch's: float32 is the default float; a Python scalar never widens a tensor's
float dtype; a float beats an int, an int beats a bool; within one kind a tensor with dimensions
decides over a 0-d tensor; otherwise the wider type wins (float32 with float64 gives float64).
"""

from __future__ import annotations

from typing import Any

import numpy as np

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)

DEFAULT_FLOAT = float32
SUPPORTED_KINDS = "fiub"  # float, signed int, unsigned int, bool

# Ranks used by promotion: bool < integer < float.
_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2}


def to_dtype(dtype: Any) -> np.dtype:
    """Turn ``float``, ``"float64"``, ``np.float32``, ``tinygrad_edu.int64``... into a dtype.

    Example:
        >>> to_dtype(float), to_dtype("float64"), to_dtype(bool)
        (dtype('float32'), dtype('float64'), dtype('bool'))
    """
    if dtype is float:
        return DEFAULT_FLOAT
    if dtype is int:
        return int64
    try:
        result = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"{dtype!r} is not a dtype; use e.g. tinygrad_edu.float32") from error
    check_supported(result, "dtype")
    return result


def check_supported(dtype: np.dtype, where: str) -> None:
    """Raise TypeError for dtypes a Tensor cannot hold (complex, strings, objects)."""
    if dtype.kind not in SUPPORTED_KINDS:
        raise TypeError(
            f"{where}: dtype {dtype} is not supported; tensors hold float16/32/64, signed or "
            "unsigned integers, or bool. Convert the data first (e.g. np.asarray(x, np.float32))."
        )


def is_floating(dtype: np.dtype) -> bool:
    """True for float dtypes, the only ones that can require grad."""
    return dtype.kind == "f"


def scalar_dtype(tensor_dtype: np.dtype, value: Any) -> np.dtype:
    """The dtype a Python scalar takes next to a tensor of ``tensor_dtype``.

    Example:
        >>> scalar_dtype(float32, 2.0), scalar_dtype(int64, 2.5), scalar_dtype(bool_, 3)
        (dtype('float32'), dtype('float32'), dtype('int64'))
    """
    if isinstance(value, (bool, np.bool_)):
        return tensor_dtype
    if isinstance(value, (int, np.integer)):
        return tensor_dtype if tensor_dtype.kind != "b" else int64
    if isinstance(value, (float, np.floating)):
        return tensor_dtype if tensor_dtype.kind == "f" else DEFAULT_FLOAT
    raise TypeError(f"unsupported scalar {value!r} of type {type(value).__name__}")


def result_dtype(
    first: np.dtype, first_ndim: int, second: np.dtype, second_ndim: int
) -> np.dtype:
    """The dtype of a binary op's result, by torch's promotion rules.

    Example:
        >>> result_dtype(float32, 1, float64, 1), result_dtype(int64, 1, float32, 1)
        (dtype('float64'), dtype('float32'))
        >>> result_dtype(float32, 2, float64, 0)
        dtype('float32')
    """
    if first == second:
        return first
    first_rank = _KIND_RANK[first.kind]
    second_rank = _KIND_RANK[second.kind]
    if first_rank != second_rank:
        return first if first_rank > second_rank else second
    if (first_ndim == 0) != (second_ndim == 0):
        return second if first_ndim == 0 else first
    return np.promote_types(first, second)


def can_cast_in_place(source: np.dtype, target: np.dtype) -> bool:
    """Whether a result of dtype ``source`` may be written into a tensor of dtype ``target``
    (an in-place op, ``out=``), by torch's rule: integers go into any integer dtype (wrapping
    around: a uint8 tensor ``+=`` an int64 one stays uint8), floats into any float dtype; a float
    never goes into integers, nor anything but a bool into bools. (NumPy's "same_kind" casting
    also refuses int64 into uint8.)

    Example:
        >>> can_cast_in_place(np.dtype("int64"), np.dtype("uint8"))
        True
        >>> can_cast_in_place(np.dtype("float32"), np.dtype("int64"))
        False
    """
    if target.kind == "b":
        return source.kind == "b"
    if target.kind in "iu":
        return source.kind in "biu"
    if target.kind == "f":
        return source.kind in "biuf"
    return True  # complex takes every number
