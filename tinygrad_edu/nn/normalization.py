"""Normalisation layers: ``BatchNorm1d``, ``BatchNorm2d``, ``LayerNorm`` and ``GroupNorm``,
with torch's arguments, parameters, buffers, state_dict keys and reprs.

Batch norm keeps state besides its parameters: the running mean and variance of each channel
(and how many batches went into them), buffers that training updates and evaluation uses.
The computation itself is in ``nn.functional_normalization`` (``F.batch_norm`` ...).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from tinygrad_edu import devices, dtypes
from tinygrad_edu.grad_mode import no_grad
from tinygrad_edu.nn.functional_normalization import (
    batch_norm_named,
    group_norm_named,
    layer_norm_named,
)
from tinygrad_edu.nn.module import Module
from tinygrad_edu.nn.parameter import Parameter
from tinygrad_edu.tensor import Tensor

__all__ = ["BatchNorm1d", "BatchNorm2d", "GroupNorm", "LayerNorm"]


def _filled(shape: tuple[int, ...], value: float, dtype: np.dtype) -> Tensor:
    """A new tensor of ``shape`` filled with ``value`` (no gradient: wrap it as needed)."""
    return Tensor._wrap(np.full(shape, value, dtype=dtype), False)


def _affine_parameters(module: Module, shape: tuple[int, ...], affine: bool, bias: bool,
                       dtype: np.dtype) -> None:
    """Register ``weight`` (ones) and ``bias`` (zeros) of ``shape`` on ``module``, or None for
    those it has not: torch's initialisation, γ = 1 and β = 0, starts as the identity map."""
    module.register_parameter(
        "weight", Parameter(_filled(shape, 1.0, dtype)) if affine else None)
    module.register_parameter(
        "bias", Parameter(_filled(shape, 0.0, dtype)) if affine and bias else None)


class _BatchNorm(Module):
    """What BatchNorm1d and BatchNorm2d share; they differ in the input dimensions they take.

    Training normalises each channel with the batch's mean and biased variance and updates the
    running statistics: running = (1 - momentum) · running + momentum · batch (the unbiased
    variance for running_var); with ``momentum=None`` the running statistics are the plain
    average over all batches so far (momentum = 1 / num_batches_tracked). Evaluation normalises
    with the running statistics. ``track_running_stats=False`` keeps none and always uses the
    batch's.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        devices.check_device(device, type(self).__name__)
        target = dtypes.DEFAULT_FLOAT if dtype is None else dtypes.to_dtype(dtype)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _affine_parameters(self, (num_features,), affine, bias, target)
        if track_running_stats:
            self.register_buffer("running_mean", _filled((num_features,), 0.0, target))
            self.register_buffer("running_var", _filled((num_features,), 1.0, target))
            self.register_buffer("num_batches_tracked",
                                 Tensor._wrap(np.zeros((), dtype=np.int64), False))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked."""
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics, and γ to 1, β to 0."""
        self.reset_running_stats()
        with no_grad():
            if self.weight is not None:
                self.weight.fill_(1)
            if self.bias is not None:
                self.bias.zero_()

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

    def forward(self, input: Tensor) -> Tensor:
        """Normalise with the batch's statistics (training) or the running ones (eval)."""
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # the cumulative moving average: all batches count alike
                factor = 1.0 / float(self.num_batches_tracked.item())
        # The batch's statistics in training, and in eval when there are no running ones.
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        # The running buffers are passed when they are updated (training with
        # track_running_stats) or used (eval).
        keep = not self.training or self.track_running_stats
        return batch_norm_named(
            input, self.running_mean if keep else None, self.running_var if keep else None,
            self.weight, self.bias, use_batch, factor, self.eps, type(self).__name__)

    def extra_repr(self) -> str:
        """torch's: ``3, eps=1e-05, momentum=0.1, affine=True, bias=True, ...``."""
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) input, each channel over N (and L):
    y = γ (x - μ) / sqrt(σ² + eps) + β, with γ, β learnt per channel (see ``_BatchNorm``).

    Args:
        num_features: C, the number of channels (features).
        eps: added to the variance, so that a constant channel does not divide by 0.
        momentum: weight of the new batch in the running statistics; None for the plain
            average over all batches.
        affine: learn γ (``weight``, initially 1) and β (``bias``, initially 0).
        track_running_stats: keep running statistics (buffers ``running_mean``,
            ``running_var``, ``num_batches_tracked``) and normalise with them in eval mode.
        device: only the CPU.
        dtype: of the parameters and running statistics (float32 by default).
        bias: learn β too (with ``affine``).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> layer = nn.BatchNorm1d(2)
        >>> layer(tge.tensor([[1.0, 10.0], [3.0, 30.0]]))
        tensor([[-1.0000, -1.0000],
                [ 1.0000,  1.0000]], grad_fn=<NormalizeBackward>)
        >>> layer.running_mean, layer.num_batches_tracked
        (tensor([0.2000, 2.0000]), tensor(1))
        >>> list(layer.state_dict())
        ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim not in (2, 3):
            raise ValueError(
                f"BatchNorm1d: expected 2D or 3D input (got {input.ndim}D input of shape "
                f"{tuple(input.shape)}): BatchNorm1d takes (N, C) or (N, C, L); use "
                "BatchNorm2d for (N, C, H, W) images, and add a batch dimension to a single "
                "sample with input.unsqueeze(0)")


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) images, each channel over N, H and W:
    y = γ (x - μ) / sqrt(σ² + eps) + β, with γ, β learnt per channel. Arguments, buffers and
    behaviour are ``BatchNorm1d``'s.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> layer = nn.BatchNorm2d(3)
        >>> layer
        BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
        >>> output = layer(tge.randn(8, 3, 5, 5))
        >>> means = output.mean(dim=(0, 2, 3))
        >>> bool((means.abs() < 1e-5).all())
        True
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim != 4:
            raise ValueError(
                f"BatchNorm2d: expected 4D input (got {input.ndim}D input of shape "
                f"{tuple(input.shape)}): BatchNorm2d takes (N, C, H, W); use BatchNorm1d for "
                "(N, C) or (N, C, L), and add a batch dimension to a single image with "
                "input.unsqueeze(0)")


class LayerNorm(Module):
    """Layer normalisation: each sample standardised over its last dimensions (sizes
    ``normalized_shape``), then scaled and shifted elementwise by ``weight`` and ``bias`` of
    that shape. No running statistics: training and evaluation compute the same.

    Args:
        normalized_shape: the sizes of the last dimensions (an int for the last one alone).
        eps: added to the variance.
        elementwise_affine: learn ``weight`` (initially 1) and ``bias`` (initially 0).
        bias: learn the bias too (with ``elementwise_affine``).
        device: only the CPU.
        dtype: of the parameters (float32 by default).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> layer = nn.LayerNorm(2)
        >>> layer
        LayerNorm((2,), eps=1e-05, elementwise_affine=True, bias=True)
        >>> layer(tge.tensor([[1.0, 3.0], [5.0, 5.0]]))
        tensor([[-1.0000,  1.0000],
                [ 0.0000,  0.0000]], grad_fn=<AddBackward>)
    """

    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        devices.check_device(device, "LayerNorm")
        target = dtypes.DEFAULT_FLOAT if dtype is None else dtypes.to_dtype(dtype)
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(size) for size in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_parameters(self, self.normalized_shape, elementwise_affine, bias, target)

    def reset_parameters(self) -> None:
        """weight 1, bias 0."""
        with no_grad():
            if self.weight is not None:
                self.weight.fill_(1)
            if self.bias is not None:
                self.bias.zero_()

    def forward(self, input: Tensor) -> Tensor:
        """Standardise over the last dimensions, then weight and bias."""
        return layer_norm_named(input, self.normalized_shape, self.weight, self.bias, self.eps,
                                "LayerNorm")

    def extra_repr(self) -> str:
        """torch's: ``(4,), eps=1e-05, elementwise_affine=True, bias=True``."""
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Group normalisation of (N, C, ...) input: the C channels are split into ``num_groups``
    groups, each group of each sample is standardised over its channels and the spatial axes,
    then every channel is scaled and shifted by its own ``weight`` and ``bias``. Independent of
    the batch size, and the same in training and evaluation. GroupNorm(1, C) normalises each
    sample over everything (as LayerNorm over (C, ...)), GroupNorm(C, C) each channel alone.

    Args:
        num_groups: G; it must divide num_channels.
        num_channels: C.
        eps: added to the variance.
        affine: learn ``weight`` (initially 1) and ``bias`` (initially 0), shape (C,).
        device: only the CPU.
        dtype: of the parameters (float32 by default).
        bias: learn the bias too (with ``affine``).

    Raises:
        ValueError: num_channels is not divisible by num_groups.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> layer = nn.GroupNorm(2, 4)
        >>> layer
        GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)
        >>> layer(tge.tensor([[1.0, 3.0, 0.0, 10.0]]))
        tensor([[-1.0000,  1.0000, -1.0000,  1.0000]], grad_fn=<AddBackward>)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        devices.check_device(device, "GroupNorm")
        if num_channels % num_groups != 0:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups}); choose a number of groups that "
                             f"divides {num_channels}")
        target = dtypes.DEFAULT_FLOAT if dtype is None else dtypes.to_dtype(dtype)
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _affine_parameters(self, (num_channels,), affine, bias, target)

    def reset_parameters(self) -> None:
        """weight 1, bias 0."""
        with no_grad():
            if self.weight is not None:
                self.weight.fill_(1)
            if self.bias is not None:
                self.bias.zero_()

    def forward(self, input: Tensor) -> Tensor:
        """Standardise each group, then weight and bias per channel."""
        return group_norm_named(input, self.num_groups, self.weight, self.bias, self.eps,
                                "GroupNorm")

    def extra_repr(self) -> str:
        """torch's: ``2, 4, eps=1e-05, affine=True, bias=True``."""
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")
