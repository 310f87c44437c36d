"""Weight initialisation, in place, with torch's names and formulas.

Every function overwrites ``tensor`` (usually a Parameter) under ``no_grad`` and returns it.
The random ones draw from ``generator`` (a ``numpy.random.Generator``) or, by default, from the
global generator that ``tinygrad_edu.manual_seed`` resets.

The scaled schemes keep the variance of activations steady from layer to layer:
``xavier_*`` (Glorot) uses std = gain · sqrt(2 / (fan_in + fan_out)); ``kaiming_*`` (He) uses
std = gain / sqrt(fan), with gain = sqrt(2) for ReLU. A uniform U(-b, b) has std b / sqrt(3),
hence the bounds sqrt(3) · std.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from tinygrad_edu.creation import _DefaultGenerator
from tinygrad_edu.tensor import Tensor

__all__ = [
    "article_uniform_", "calculate_fan_in_and_fan_out", "calculate_gain", "constant_",
    "kaiming_normal_", "kaiming_uniform_", "normal_", "ones_", "uniform_", "xavier_normal_",
    "xavier_uniform_", "zeros_",
]


def _write(tensor: Tensor, values: np.ndarray | float) -> Tensor:
    """Overwrite the tensor's memory with ``values`` and count it as an in-place change."""
    if tensor.dtype.kind != "f":
        raise TypeError(f"init: expected a floating point tensor, got {tensor.dtype}")
    np.copyto(tensor._data, values, casting="unsafe")
    tensor._version.value += 1
    return tensor


def _generator(generator: np.random.Generator | None) -> np.random.Generator:
    return _DefaultGenerator.generator if generator is None else generator


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (torch.nn.init.calculate_gain).

    Example:
        >>> from tinygrad_edu.nn import init
        >>> round(init.calculate_gain("relu"), 4), init.calculate_gain("tanh")
        (1.4142, 1.6666666666666667)
    """
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"negative_slope {slope} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel): (in·k, out·k), k = Π kernel.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import init
        >>> init.calculate_fan_in_and_fan_out(tge.zeros(64, 784))
        (784, 64)
    """
    if tensor.ndim < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {tuple(tensor.shape)})"
        )
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0,
             generator: np.random.Generator | None = None) -> Tensor:
    """Fill with U(a, b).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import init
        >>> weight = init.uniform_(tge.zeros(1000), -0.5, 0.5)
        >>> bool((weight >= -0.5).all() and (weight < 0.5).all())
        True
    """
    return _write(tensor, _generator(generator).uniform(a, b, size=tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: np.random.Generator | None = None) -> Tensor:
    """Fill with N(mean, std²).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import init
        >>> init.normal_(tge.zeros(3), std=0.0)
        tensor([0., 0., 0.])
    """
    return _write(tensor, _generator(generator).normal(mean, std, size=tensor.shape))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import init
        >>> init.constant_(tge.zeros(2), 0.5)
        tensor([0.5000, 0.5000])
    """
    return _write(tensor, val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import init
        >>> init.ones_(tge.zeros(2))
        tensor([1., 1.])
    """
    return _write(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import init
        >>> init.zeros_(tge.ones(2))
        tensor([0., 0.])
    """
    return _write(tensor, 0.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0,
                    generator: np.random.Generator | None = None) -> Tensor:
    """Fill with U(-b, b), b = gain · sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import init
        >>> weight = init.xavier_uniform_(tge.zeros(10, 14))
        >>> bool((weight.abs() <= 0.5).all())
        True
    """
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0,
                   generator: np.random.Generator | None = None) -> Tensor:
    """Fill with N(0, std²), std = gain · sqrt(2 / (fan_in + fan_out)).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import init
        >>> init.xavier_normal_(tge.zeros(3, 5)).shape
        Size([3, 5])
    """
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float | None:
    """gain / sqrt(fan) for the kaiming schemes; None for a tensor with no elements."""
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    if tensor.numel() == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return None
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu",
                     generator: np.random.Generator | None = None) -> Tensor:
    """Fill with U(-b, b), b = sqrt(3) · gain / sqrt(fan) (He et al., 2015).

    ``a`` is the negative slope of the leaky ReLU that follows. torch's Linear uses
    ``a=sqrt(5)``, which gives b = 1 / sqrt(fan_in).

    Example:
        >>> import math, tinygrad_edu as tge
        >>> from tinygrad_edu.nn import init
        >>> weight = init.kaiming_uniform_(tge.zeros(64, 784), a=math.sqrt(5))
        >>> bool((weight.abs() <= 1 / math.sqrt(784)).all())
        True
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu",
                    generator: np.random.Generator | None = None) -> Tensor:
    """Fill with N(0, std²), std = gain / sqrt(fan) (He et al., 2015).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import init
        >>> init.kaiming_normal_(tge.zeros(4, 3), nonlinearity="relu").shape
        Size([4, 3])
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return normal_(tensor, 0.0, std, generator)


def article_uniform_(tensor: Tensor, generator: np.random.Generator | None = None) -> Tensor:
    """Fill with U(-0.5, 0.5), the seed article's initialisation (``np.random.rand() - 0.5``).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import init
        >>> weight = init.article_uniform_(tge.zeros(10, 784))
        >>> bool((weight.abs() <= 0.5).all())
        True
    """
    return uniform_(tensor, -0.5, 0.5, generator)
