"""Layers: ``Linear`` (with torch's default initialisation), activations, ``Flatten``,
``Dropout`` and ``Identity``. Each forward is one call into ``nn.functional`` or a Tensor
method; the reprs match torch's."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from tinygrad_edu import dtypes
from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn import init
from tinygrad_edu.nn.module import Module
from tinygrad_edu.nn.parameter import Parameter
from tinygrad_edu.tensor import Tensor

__all__ = [
    "Dropout", "Flatten", "Identity", "Linear", "LogSoftmax", "ReLU", "Sigmoid", "Softmax",
    "Softplus", "Tanh",
]


class Linear(Module):
    """y = x Wᵀ + b, with W of shape (out_features, in_features), as one fused op.

    The default initialisation is torch's: W ~ kaiming_uniform_(a=sqrt(5)), which is
    U(-1/sqrt(in), 1/sqrt(in)), and b ~ U(-1/sqrt(in), 1/sqrt(in)).

    Args:
        in_features: size of each input row.
        out_features: size of each output row.
        bias: learn an additive bias.
        dtype: dtype of the parameters (float32 by default).
        generator: NumPy generator for the initialisation (default: the global one).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> layer = nn.Linear(784, 64)
        >>> layer.weight.shape, layer(tge.ones(32, 784)).shape
        (Size([64, 784]), Size([32, 64]))
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = None, generator: np.random.Generator | None = None) -> None:
        super().__init__()
        target = dtypes.DEFAULT_FLOAT if dtype is None else dtypes.to_dtype(dtype)
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(Tensor._wrap(np.empty((out_features, in_features), target),
                                             False))
        if bias:
            self.bias: Parameter | None = Parameter(Tensor._wrap(np.empty(out_features, target),
                                                                 False))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """Draw the weights again with torch's default initialisation."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound, generator)

    def forward(self, input: Tensor) -> Tensor:
        """x Wᵀ + b."""
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        """``in_features=..., out_features=..., bias=...`` as torch prints it."""
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class ReLU(Module):
    """max(x, 0), elementwise.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> nn.ReLU()(tge.tensor([-1.0, 1.0]))
        tensor([0., 1.])
    """

    def forward(self, input: Tensor) -> Tensor:
        """max(x, 0)."""
        return F.relu(input)


class Sigmoid(Module):
    """1 / (1 + exp(-x)), elementwise.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> nn.Sigmoid()(tge.tensor([0.0]))
        tensor([0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        """σ(x)."""
        return F.sigmoid(input)


class Tanh(Module):
    """tanh(x), elementwise.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> nn.Tanh()(tge.tensor([0.0]))
        tensor([0.])
    """

    def forward(self, input: Tensor) -> Tensor:
        """tanh(x)."""
        return F.tanh(input)


class Softplus(Module):
    """log(1 + exp(beta · x)) / beta elementwise, a smooth relu; x where beta · x > threshold
    (see ``nn.functional.softplus``).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> nn.Softplus()(tge.tensor([0.0]))
        tensor([0.6931])
        >>> nn.Softplus(beta=2.0)
        Softplus(beta=2.0, threshold=20.0)
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        """softplus(x, beta, threshold)."""
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


def _legacy_softmax_dim(name: str, ndim: int) -> int:
    """torch's choice when no dim is given (deprecated there too): 0 for 0-, 1- and 3-D input."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """exp(x) / Σ exp(x) along ``dim`` (rows sum to 1).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> nn.Softmax(dim=1)(tge.zeros(1, 4))
        tensor([[0.2500, 0.2500, 0.2500, 0.2500]])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """softmax(x, dim)."""
        dim = _legacy_softmax_dim("softmax", input.ndim) if self.dim is None else self.dim
        return F.softmax(input, dim)

    def extra_repr(self) -> str:
        """``dim=...``."""
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log softmax(x) along ``dim``, computed stably in one fused op.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> nn.LogSoftmax(dim=0)(tge.tensor([1000.0, 1000.0]))
        tensor([-0.6931, -0.6931])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """log_softmax(x, dim)."""
        dim = _legacy_softmax_dim("log_softmax", input.ndim) if self.dim is None else self.dim
        return F.log_softmax(input, dim)

    def extra_repr(self) -> str:
        """``dim=...``."""
        return f"dim={self.dim}"


class Flatten(Module):
    """Merge dimensions ``start_dim`` .. ``end_dim`` into one (images to rows by default).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> nn.Flatten()(tge.zeros(32, 28, 28)).shape
        Size([32, 784])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        """input.flatten(start_dim, end_dim)."""
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        """``start_dim=..., end_dim=...``."""
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout while training (zero with probability p, scale by 1 / (1 - p));
    the identity in eval mode.

    Args:
        p: probability of zeroing an element, in [0, 1].
        inplace: accepted for torch compatibility; must be False.
        generator: NumPy generator for the masks (default: the global one).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> layer = nn.Dropout(0.5).eval()
        >>> layer(tge.ones(3))
        tensor([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, inplace: bool = False,
                 generator: np.random.Generator | None = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        if inplace:
            raise ValueError("Dropout(inplace=True) is not supported; use inplace=False")
        self.p = p
        self.inplace = inplace
        self.generator = generator

    def forward(self, input: Tensor) -> Tensor:
        """Dropout in training mode, the identity in eval mode."""
        return F.dropout(input, self.p, self.training, self.generator)

    def extra_repr(self) -> str:
        """``p=..., inplace=...``."""
        return f"p={self.p}, inplace={self.inplace}"


class Identity(Module):
    """Returns its input unchanged (a placeholder layer).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> nn.Identity()(tge.ones(2))
        tensor([1., 1.])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        """The input itself."""
        return input
