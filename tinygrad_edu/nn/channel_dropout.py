"""Channel dropout: ``nn.functional.dropout2d`` and ``nn.Dropout2d``.

Neighbouring pixels of a feature map are strongly correlated, so dropping single pixels (plain
dropout) barely regularises a convolutional network: the neighbours carry the same signal.
Dropout2d drops whole channels instead, each feature map of each sample with probability p,
and scales the kept ones by 1 / (1 - p) so that every value keeps its expected value.
"""

from __future__ import annotations

import warnings

import numpy as np

from tinygrad_edu.creation import _DefaultGenerator
from tinygrad_edu.function import constant
from tinygrad_edu.nn.module import Module
from tinygrad_edu.ops.random import DropoutMask
from tinygrad_edu.tensor import Tensor

__all__ = ["Dropout2d", "dropout2d"]


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, *,
              generator: np.random.Generator | None = None) -> Tensor:
    """Zero each channel ``input[n, c]`` of (N, C, H, W) input with probability p, scale the
    kept channels by 1 / (1 - p); the identity when ``training`` is False or p is 0.

    The mask has shape (N, C, 1, ...): one draw per sample and channel, from ``generator``
    (default: the library's generator, which ``tinygrad_edu.manual_seed`` seeds). As in torch,
    input that is not 4-D is accepted with a warning: 3-D input is read as (N, C, L) (dropout
    of whole rows), 2-D as (N, C), where every element is its own channel. ``inplace=True``
    multiplies the input itself (``mul_``), as torch does.

    Raises:
        ValueError: p outside [0, 1].
        RuntimeError: input with fewer than 2 dimensions (no channel axis).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> output = F.dropout2d(tge.ones(1, 4, 2, 2), 0.5, generator=tge.manual_seed(0))
        >>> output[0, :, 0, 0], output[0, 1]
        (tensor([2., 0., 0., 0.]), tensor([[0., 0.],
                [0., 0.]]))
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and "
            "will result in an error in a future release. To retain the behavior and silence "
            "this warning, please use dropout instead. Note that dropout2d exists to provide "
            "channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, and "
            "an optional batch dimension (i.e. 3D or 4D inputs).", stacklevel=2)
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2)
    if input.ndim < 2:
        raise RuntimeError(f"dropout2d: Feature dropout requires at least 2 dimensions in the "
                           f"input, got shape {tuple(input.shape)}; give it (N, C, H, W) "
                           "input, or use dropout for elementwise dropout")
    if not training or p == 0.0:
        return input
    mask_shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)  # one draw per channel
    if p == 1.0:
        mask = constant(np.zeros(mask_shape, dtype=input.dtype))
    else:
        source = _DefaultGenerator.generator if generator is None else generator
        # Drawn by an op, so that a captured step (tinygrad_edu.jit) draws anew.
        mask = DropoutMask.apply(shape=mask_shape, p=p, dtype=input.dtype, generator=source)
    if inplace:
        return input.mul_(mask)
    return input * mask


class Dropout2d(Module):
    """Channel dropout while training (each channel of each sample zeroed with probability p,
    the others scaled by 1 / (1 - p)); the identity in eval mode. See
    ``nn.functional.dropout2d``.

    Args:
        p: probability of zeroing a channel, in [0, 1].
        inplace: multiply the input in place instead of returning a new tensor.
        generator: NumPy generator for the masks (default: the library's generator).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> layer = nn.Dropout2d(0.25)
        >>> layer
        Dropout2d(p=0.25, inplace=False)
        >>> layer.eval()(tge.ones(1, 2, 1, 1)).flatten()
        tensor([1., 1.])
    """

    def __init__(self, p: float = 0.5, inplace: bool = False,
                 generator: np.random.Generator | None = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace
        self.generator = generator

    def forward(self, input: Tensor) -> Tensor:
        """Channel dropout in training mode, the identity in eval mode."""
        return dropout2d(input, self.p, self.training, self.inplace, generator=self.generator)

    def extra_repr(self) -> str:
        """``p=..., inplace=...``."""
        return f"p={self.p}, inplace={self.inplace}"
