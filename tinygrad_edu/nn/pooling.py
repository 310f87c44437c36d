"""Pooling layers: ``MaxPool1d``, ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d`` and
``AdaptiveMaxPool2d``. Each keeps torch's attributes (``stride`` defaults to the kernel size),
prints as torch's does, and calls one function of ``nn.functional``."""

from __future__ import annotations

from typing import Any

from tinygrad_edu.nn import functional_pooling as F
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor

__all__ = ["AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "AvgPool2d", "MaxPool1d", "MaxPool2d"]


class MaxPool2d(Module):
    """The maximum of each window of the last two dimensions: ``F.max_pool2d``.

    Args (torch's, in torch's order):
        kernel_size: the window, an int or (height, width).
        stride: how far the window moves (default: ``kernel_size``).
        padding: -inf added on both sides, at most half the kernel.
        dilation: spacing of the window's positions.
        return_indices: also return where each maximum is (flat in its (H, W) plane).
        ceil_mode: keep a last partial window.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> pool = nn.MaxPool2d(2)
        >>> pool
        MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
        >>> pool(tge.zeros(8, 3, 28, 28)).shape
        Size([8, 3, 14, 14])
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Any:
        """F.max_pool2d with this layer's settings."""
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        """torch's: kernel_size, stride, padding, dilation, ceil_mode."""
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(Module):
    """The maximum of each window of the last dimension of (N, C, L) or (C, L):
    ``F.max_pool1d`` (arguments as ``MaxPool2d``'s, each one int).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> nn.MaxPool1d(3, stride=2)
        MaxPool1d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=False)
        >>> nn.MaxPool1d(2)(tge.tensor([[1.0, 4.0, 2.0, 3.0]]))
        tensor([[4., 3.]])
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Any:
        """F.max_pool1d with this layer's settings."""
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        """torch's: kernel_size, stride, padding, dilation, ceil_mode."""
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """The mean of each window of the last two dimensions: ``F.avg_pool2d``.

    Args (torch's, in torch's order): kernel_size, stride (default: kernel_size), padding
    (zeros), ceil_mode, count_include_pad (divide by the whole window, padding included),
    divisor_override (divide by this instead).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> pool = nn.AvgPool2d(3, stride=2, padding=1)
        >>> pool
        AvgPool2d(kernel_size=3, stride=2, padding=1)
        >>> pool(tge.ones(1, 5, 5))
        tensor([[[0.4444, 0.6667, 0.4444],
                 [0.6667, 1.0000, 0.6667],
                 [0.4444, 0.6667, 0.4444]]])
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        """F.avg_pool2d with this layer's settings."""
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        """torch's: kernel_size, stride, padding."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size: ``F.adaptive_avg_pool2d``.

    Args:
        output_size: an int, or (height, width) with None keeping the input's size.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> pool = nn.AdaptiveAvgPool2d((1, 1))
        >>> pool
        AdaptiveAvgPool2d(output_size=(1, 1))
        >>> pool(tge.ones(8, 16, 7, 7)).shape
        Size([8, 16, 1, 1])
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        """F.adaptive_avg_pool2d to this layer's output size."""
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        """torch's: output_size."""
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max pooling to a fixed output size: ``F.adaptive_max_pool2d``.

    Args:
        output_size: an int, or (height, width) with None keeping the input's size.
        return_indices: also return where each maximum is.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> nn.AdaptiveMaxPool2d(1)(tge.tensor([[[1.0, 9.0], [4.0, 3.0]]]))
        tensor([[[9.]]])
    """

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Any:
        """F.adaptive_max_pool2d to this layer's output size."""
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        """torch's: output_size."""
        return f"output_size={self.output_size}"
