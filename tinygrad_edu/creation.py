"""Functions that make new tensors: from data, filled with a value, ranges and random numbers.

Random tensors come from one NumPy generator that ``manual_seed`` resets, so a seed reproduces a
run; each function also takes its own ``generator`` (a ``numpy.random.Generator``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import devices, dtypes
from tinygrad_edu.capture_state import note_constant
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.tensor import new_shape


class _DefaultGenerator:
    """Holds the generator used when no ``generator`` argument is given."""

    generator = np.random.default_rng(0)


def manual_seed(seed: int) -> np.random.Generator:
    """Reset the default random generator; returns it.

    Example:
        >>> import tinygrad_edu as tge
        >>> _ = tge.manual_seed(0); first = tge.rand(2)
        >>> _ = tge.manual_seed(0); bool((tge.rand(2) == first).all())
        True
    """
    _DefaultGenerator.generator = np.random.default_rng(seed)
    return _DefaultGenerator.generator


def _float_dtype(dtype: Any) -> np.dtype:
    return dtypes.DEFAULT_FLOAT if dtype is None else dtypes.to_dtype(dtype)


def _random_dtype(dtype: Any, op: str) -> np.dtype:
    """The float dtype of a random tensor; torch has no uniform or normal integers."""
    target = _float_dtype(dtype)
    if not dtypes.is_floating(target):
        raise NotImplementedError(f"{op}: \"{op}\" not implemented for {target}; random "
                                  "numbers of this kind are floats (use randint for integers)")
    return target


def _made(array: np.ndarray, requires_grad: bool) -> Tensor:
    note_constant(array)  # made from no tensor's values (for tinygrad_edu.jit)
    tensor = Tensor._wrap(array, False)
    if requires_grad:
        tensor.requires_grad = True
    return tensor


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
           ) -> Tensor:
    """A new tensor holding a copy of ``data`` (torch.tensor).

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.tensor([1, 2]).dtype, tge.tensor([1.0, 2.0]).dtype
        (dtype('int64'), dtype('float32'))
    """
    devices.check_device(device, "tensor")
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (dtype kept).

    Example:
        >>> import numpy as np, tinygrad_edu as tge
        >>> tge.from_numpy(np.zeros(2)).dtype
        dtype('float64')
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(array).__name__})")
    dtypes.check_supported(array.dtype, "from_numpy")
    note_constant(array)  # the caller's array (for tinygrad_edu.jit)
    return Tensor._wrap(array, False)


def full(size: Any, fill_value: float, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value``.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.full((2,), 7.0)
        tensor([7., 7.])
    """
    devices.check_device(device, "full")
    if dtype is None:
        dtype = dtypes.scalar_dtype(dtypes.DEFAULT_FLOAT, fill_value) if isinstance(
            fill_value, float) else np.array(fill_value).dtype
    shape = new_shape((size,), "full")
    return _made(np.full(shape, fill_value, dtype=dtypes.to_dtype(dtype)), requires_grad)


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
          ) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.zeros(2)
        tensor([0., 0.])
    """
    devices.check_device(device, "zeros")
    array = np.zeros(new_shape(size, "zeros"), dtype=_float_dtype(dtype))
    return _made(array, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
         ) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.ones(2, dtype=tge.float64)
        tensor([1., 1.], dtype=float64)
    """
    devices.check_device(device, "ones")
    array = np.ones(new_shape(size, "ones"), dtype=_float_dtype(dtype))
    return _made(array, requires_grad)


def zeros_like(input: Tensor, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and by default the dtype) of ``input``."""
    devices.check_device(device, "zeros_like")
    array = np.zeros(input.shape, dtype=input.dtype if dtype is None else dtypes.to_dtype(dtype))
    return _made(array, requires_grad)


def ones_like(input: Tensor, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and by default the dtype) of ``input``."""
    devices.check_device(device, "ones_like")
    array = np.ones(input.shape, dtype=input.dtype if dtype is None else dtypes.to_dtype(dtype))
    return _made(array, requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, end): int64 for integer arguments, else float32.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.arange(3), tge.arange(0, 1, 0.5)
        (tensor([0, 1, 2]), tensor([0.0000, 0.5000]))
    """
    devices.check_device(device, "arange")
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype is None:
        integral = all(isinstance(value, (int, np.integer)) for value in (start, end, step))
        dtype = dtypes.int64 if integral else dtypes.DEFAULT_FLOAT
    return _made(np.arange(start, end, step, dtype=dtypes.to_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The identity matrix (n x m, m = n by default).

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.eye(2)
        tensor([[1., 0.],
                [0., 1.]])
    """
    devices.check_device(device, "eye")
    return _made(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


def rand(*size: Any, generator: np.random.Generator | None = None, dtype: Any = None,
         device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform random numbers in [0, 1).

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.rand(2, 3).shape
        Size([2, 3])
    """
    devices.check_device(device, "rand")
    source = _DefaultGenerator.generator if generator is None else generator
    array = source.random(new_shape(size, "rand")).astype(_random_dtype(dtype, "rand"))
    return _made(array, requires_grad)


def randn(*size: Any, generator: np.random.Generator | None = None, dtype: Any = None,
          device: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal random numbers.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.randn(4).dtype
        dtype('float32')
    """
    devices.check_device(device, "randn")
    source = _DefaultGenerator.generator if generator is None else generator
    array = source.standard_normal(new_shape(size, "randn")).astype(_random_dtype(dtype, "randn"))
    return _made(array, requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
          ) -> Tensor:
    """A tensor whose values are not meant to be read before they are written (torch.empty).

    torch leaves the memory as it finds it; here it holds zeros, so a bug that reads it is
    at least reproducible.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.empty(2, 3).shape
        Size([2, 3])
    """
    devices.check_device(device, "empty")
    array = np.zeros(new_shape(size, "empty"), dtype=_float_dtype(dtype))
    return _made(array, requires_grad)


def empty_like(input: Tensor, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """``empty`` with the shape (and by default the dtype) of ``input``.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.empty_like(tge.ones(2, dtype=tge.float64)).dtype
        dtype('float64')
    """
    devices.check_device(device, "empty_like")
    return zeros_like(input, dtype=dtype, requires_grad=requires_grad)


def full_like(input: Tensor, fill_value: float, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """``fill_value`` in the shape (and by default the dtype) of ``input``.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.full_like(tge.zeros(2), 3)
        tensor([3., 3.])
    """
    devices.check_device(device, "full_like")
    target = input.dtype if dtype is None else dtypes.to_dtype(dtype)
    return _made(np.full(input.shape, fill_value, dtype=target), requires_grad)


def rand_like(input: Tensor, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Uniform random numbers in [0, 1) with the shape (and by default the dtype) of ``input``.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.rand_like(tge.zeros(2, 3)).shape
        Size([2, 3])
    """
    devices.check_device(device, "rand_like")
    target = input.dtype if dtype is None else dtype
    return rand(input.shape, dtype=target, requires_grad=requires_grad)


def randn_like(input: Tensor, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """Standard normal random numbers with the shape (and by default the dtype) of ``input``.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.randn_like(tge.zeros(2, dtype=tge.float64)).dtype
        dtype('float64')
    """
    devices.check_device(device, "randn_like")
    target = input.dtype if dtype is None else dtype
    return randn(input.shape, dtype=target, requires_grad=requires_grad)


def randint(low: int, high: int | None = None, size: Any = None,
            generator: np.random.Generator | None = None, dtype: Any = None, device: Any = None,
            requires_grad: bool = False) -> Tensor:
    """Random integers in [low, high), int64: ``randint(high, size)`` or
    ``randint(low, high, size)`` (torch's two forms).

    Example:
        >>> import tinygrad_edu as tge
        >>> values = tge.randint(0, 10, (3, 4))
        >>> values.shape, values.dtype, bool(((values >= 0) & (values < 10)).all())
        (Size([3, 4]), dtype('int64'), True)
    """
    devices.check_device(device, "randint")
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    if high is None or size is None:
        raise TypeError("randint: expected randint(high, size) or randint(low, high, size), "
                        "size a tuple of ints")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    source = _DefaultGenerator.generator if generator is None else generator
    target = dtypes.int64 if dtype is None else dtypes.to_dtype(dtype)
    shape = new_shape((size,), "randint")
    return _made(source.integers(low, high, shape).astype(target), requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included (float32).

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.linspace(0, 1, 5)
        tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    devices.check_device(device, "linspace")
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative (got {steps})")
    array = np.linspace(start, end, steps, dtype=np.float64).astype(_float_dtype(dtype))
    return _made(array, requires_grad)


def normal(mean: Any, std: Any = 1.0, size: Any = None,
           generator: np.random.Generator | None = None, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Normal random numbers: ``normal(mean, std, size)`` with numbers, or one number per
    element of ``mean`` and/or ``std`` when they are tensors (they broadcast).

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.normal(0.0, 1.0, (2, 3)).shape, tge.normal(tge.zeros(4), 2.0).shape
        (Size([2, 3]), Size([4]))
    """
    devices.check_device(device, "normal")
    tensors = [value for value in (mean, std) if isinstance(value, Tensor)]
    if tensors:
        if size is not None:
            raise TypeError("normal: size is given by the shapes of mean and std, do not pass it")
        shape = np.broadcast_shapes(*(value.shape for value in tensors))
        target = tensors[0].dtype if dtype is None else dtypes.to_dtype(dtype)
    else:
        if size is None:
            raise TypeError("normal: with a number mean and std, pass size (a tuple of ints)")
        shape = new_shape((size,), "normal")
        target = _random_dtype(dtype, "normal")
    if not dtypes.is_floating(target):
        raise RuntimeError(f"normal: expected a floating point dtype (got {target})")
    mean_array = mean._data if isinstance(mean, Tensor) else mean
    std_array = std._data if isinstance(std, Tensor) else std
    if np.any(np.asarray(std_array) < 0):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    source = _DefaultGenerator.generator if generator is None else generator
    array = np.asarray(mean_array + std_array * source.standard_normal(shape)).astype(target)
    if tensors:  # computed from the tensors' values: not a constant for tinygrad_edu.jit
        return Tensor._wrap(array, False).requires_grad_(requires_grad)
    return _made(array, requires_grad)
