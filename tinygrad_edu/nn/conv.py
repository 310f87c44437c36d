"""Convolution layers, ``Conv1d`` and ``Conv2d``, with torch's arguments, attributes, default
initialisation, repr and state_dict keys (``weight``, ``bias``). Each forward is one call of
``nn.functional``'s convolution (see ``conv_functional.py``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_edu import devices, dtypes
from tinygrad_edu.nn import init
from tinygrad_edu.nn.conv_functional import PADDING_STRINGS, convolution
from tinygrad_edu.nn.module import Module
from tinygrad_edu.nn.parameter import Parameter
from tinygrad_edu.tensor import Tensor

__all__ = ["Conv1d", "Conv2d"]

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _sizes(value: Any, count: int) -> tuple[Any, ...]:
    """An int repeated ``count`` times, or a sequence as a tuple (torch's ``_pair``/``_single``;
    the functional call checks the values)."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,) * count


class _ConvNd(Module):
    """What Conv1d and Conv2d share: the arguments' checks, the parameters, their default
    initialisation and the repr. ``spatial_dims`` is 1 or 2."""

    spatial_dims = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, groups: int, bias: bool, padding_mode: str,
                 device: Any, dtype: Any) -> None:
        super().__init__()
        name = type(self).__name__
        devices.check_device(device, name)
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups != 0:
            raise ValueError(f"{name}: in_channels must be divisible by groups (got in_channels="
                             f"{in_channels}, groups={groups})")
        if out_channels % groups != 0:
            raise ValueError(f"{name}: out_channels must be divisible by groups (got "
                             f"out_channels={out_channels}, groups={groups})")
        if isinstance(padding, str):
            if padding not in PADDING_STRINGS:
                raise ValueError(f"{name}: Invalid padding string {padding!r}, should be one of "
                                 f"{set(PADDING_STRINGS)}")
            if padding == "same" and any(step != 1 for step in _sizes(stride, self.spatial_dims)):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 f"convolutions (got stride={stride!r}); use stride=1")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {set(PADDING_MODES)}, but got "
                             f"padding_mode={padding_mode!r}")
        if padding_mode != "zeros":
            raise NotImplementedError(
                f"{name}: padding_mode={padding_mode!r} is not implemented in tinygrad_edu, only "
                "'zeros'; pad the input yourself (e.g. with numpy.pad) and use padding=0")
        count = self.spatial_dims
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _sizes(kernel_size, count)
        self.stride = _sizes(stride, count)
        self.padding = padding if isinstance(padding, str) else _sizes(padding, count)
        self.dilation = _sizes(dilation, count)
        self.transposed = False
        self.output_padding = (0,) * count
        self.groups = groups
        self.padding_mode = padding_mode
        target = dtypes.DEFAULT_FLOAT if dtype is None else dtypes.to_dtype(dtype)
        shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(Tensor._wrap(np.empty(shape, target), False))
        if bias:
            self.bias: Parameter | None = Parameter(Tensor._wrap(np.empty(out_channels, target),
                                                                 False))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """Draw the parameters again with torch's default initialisation:
        W ~ kaiming_uniform_(a=sqrt(5)), which is U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
        fan_in = in_channels / groups · kh · kw, and b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound, generator)

    def forward(self, input: Tensor) -> Tensor:
        """The convolution of ``input`` with the layer's kernels, plus the bias."""
        return convolution(input, self.weight, self.bias, self.stride, self.padding,
                           self.dilation, self.groups, spatial_dims=self.spatial_dims,
                           name=type(self).__name__)

    def extra_repr(self) -> str:
        """``in, out, kernel_size=..., stride=...`` and the options that differ from their
        defaults, as torch prints them."""
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * len(self.padding):
            text += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv2d(_ConvNd):
    """2-D convolution layer: y = conv2d(x, W) + b, with W of shape
    (out_channels, in_channels / groups, kh, kw) and b of shape (out_channels,).

    The default initialisation is torch's: W ~ kaiming_uniform_(a=sqrt(5)), which is
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels / groups · kh · kw, and
    b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

    Args:
        in_channels: channels of the input images (C).
        out_channels: kernels, so channels of the output (O).
        kernel_size: an int or (kh, kw).
        stride, padding, dilation, groups: as in ``nn.functional.conv2d`` (``padding`` may be
            ``"same"`` or ``"valid"``).
        bias: learn an additive bias per output channel.
        padding_mode: only ``"zeros"``; torch's ``"reflect"``, ``"replicate"`` and
            ``"circular"`` raise NotImplementedError.
        device: only the CPU.
        dtype: dtype of the parameters (float32 by default).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> layer = nn.Conv2d(1, 32, 3)
        >>> layer
        Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1))
        >>> layer.weight.shape, layer(tge.ones(64, 1, 28, 28)).shape
        (Size([32, 1, 3, 3]), Size([64, 32, 26, 26]))
    """

    spatial_dims = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype)


class Conv1d(_ConvNd):
    """1-D convolution layer over signals (N, C, L): ``Conv2d`` on images of height 1, with
    W of shape (out_channels, in_channels / groups, k).

    Arguments and initialisation as ``Conv2d``'s, with one int per size.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> layer = nn.Conv1d(2, 4, 3, padding=1, bias=False)
        >>> layer
        Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=(1,), bias=False)
        >>> layer(tge.ones(5, 2, 10)).shape
        Size([5, 4, 10])
    """

    spatial_dims = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype)
