"""The normalisation functions of ``nn.functional``: ``batch_norm``, ``layer_norm`` and
``group_norm``, with torch's arguments, checks and error types.

All three standardise their input with one op, ``ops.Normalize``, and differ only in the axes:

* batch norm: each channel over the batch and the spatial axes, (N, C, ...) over N and ...;
* layer norm: each sample over its last dimensions (``normalized_shape``);
* group norm: each sample over each group of C / G channels and the spatial axes.

The layers (``nn.BatchNorm2d`` ...) call the ``*_named`` forms with their own name, so that an
error says which layer failed, the shapes it expected and got, and how to fix it; the public
functions name themselves.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_edu import ops
from tinygrad_edu.function import constant
from tinygrad_edu.grad_mode import no_grad
from tinygrad_edu.nn.functional_arguments import require_floating
from tinygrad_edu.tensor import Tensor

__all__ = ["batch_norm", "group_norm", "layer_norm"]


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation of (N, C, ...) input, per channel: y = γ (x - μ) / sqrt(σ² + eps) + β.

    ``training=True`` uses the batch's statistics, the mean μ and the biased variance σ² of each
    channel over N and the spatial axes, and the gradient goes through them (``ops.Normalize``).
    Given running buffers it also updates them in place:
    running = (1 - momentum) · running + momentum · batch statistic, where the variance is the
    unbiased one, σ² m / (m - 1) with m values per channel (as torch). An empty batch leaves
    them unchanged. ``training=False`` normalises with ``running_mean`` and ``running_var``
    instead, an affine map of x per channel.

    Raises:
        ValueError: training with one value per channel, or eps <= 0 in training (< 0 else),
            or only one of the two running buffers in training.
        RuntimeError: a running buffer, weight or bias without one entry per channel, of
            another dtype than the input, or no running buffers in evaluation.
        TypeError: momentum is not a number (the layers take momentum=None, this does not).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> running_mean, running_var = tge.zeros(2), tge.ones(2)
        >>> x = tge.tensor([[1.0, 10.0], [3.0, 30.0]])
        >>> F.batch_norm(x, running_mean, running_var, training=True)
        tensor([[-1.0000, -1.0000],
                [ 1.0000,  1.0000]])
        >>> running_mean, running_var
        (tensor([0.2000, 2.0000]), tensor([ 1.1000, 20.9000]))
    """
    return batch_norm_named(input, running_mean, running_var, weight, bias, training, momentum,
                            eps, "batch_norm")


def layer_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Layer normalisation: each sample standardised over its last dimensions, whose sizes are
    ``normalized_shape``, then scaled by ``weight`` and shifted by ``bias`` (both of that shape,
    one value per normalised element).

    Raises:
        RuntimeError: the input's last dimensions are not ``normalized_shape``, ``weight`` or
            ``bias`` has another shape or dtype, or ``normalized_shape`` is empty.
        TypeError: ``normalized_shape`` is not a sequence of ints (give ``(4,)``, not ``4``).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> F.layer_norm(tge.tensor([[1.0, 3.0], [5.0, 5.0]]), (2,))
        tensor([[-1.0000,  1.0000],
                [ 0.0000,  0.0000]])
    """
    return layer_norm_named(input, normalized_shape, weight, bias, eps, "layer_norm")


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Group normalisation of (N, C, ...) input: the C channels of each sample are split into
    ``num_groups`` groups of C / num_groups; each group is standardised over its channels and the
    spatial axes, then each channel is scaled by ``weight`` and shifted by ``bias`` (shape (C,)).

    Raises:
        RuntimeError: fewer than 2 dimensions, C not divisible by ``num_groups``,
            ``num_groups`` < 0, or ``weight``/``bias`` not of shape (C,) or of another dtype.
        ValueError: one value per group in the whole batch (torch's check).
        ZeroDivisionError: ``num_groups`` is 0 (as in torch).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> F.group_norm(tge.tensor([[1.0, 3.0, 0.0, 10.0]]), 2)
        tensor([[-1.0000,  1.0000, -1.0000,  1.0000]])
    """
    return group_norm_named(input, num_groups, weight, bias, eps, "group_norm")


# ------------------------------------------------------------------------------------- checks
def _fix_for_channels(caller: str, channels: int) -> str:
    """How to fix a per-channel size mismatch: rebuild the layer, or pass matching tensors."""
    if caller[:1].isupper():  # a layer
        return (f"build the layer for {channels} channels ({caller}({channels}, ...)), or give "
                "it input with as many channels as it was built for")
    return f"pass tensors of shape ({channels},), one entry per channel of the input"


def verify_batch_size(size: tuple[int, ...], caller: str) -> None:
    """torch's check that training sees more than one value per channel: size[0] times the
    sizes after the channel axis must not be 1 (one value has variance 0, so x̂ would be 0)."""
    if size[0] * math.prod(size[2:]) == 1:
        raise ValueError(
            f"{caller}: Expected more than 1 value per channel when training, got input size "
            f"{list(size)}. Train on batches of at least 2 samples, or call .eval() on the "
            "model to normalise with the running statistics")


def _check_same_dtype(input: Tensor, name: str, tensor: Tensor, fix: str, caller: str) -> None:
    """torch's 'mixed dtype' RuntimeError when ``tensor`` is not of the input's dtype."""
    if tensor.dtype != input.dtype:
        raise RuntimeError(
            f"{caller}: mixed dtype: all inputs must share the same datatype, but the input is "
            f"{input.dtype} and {name} is {tensor.dtype}; {fix}")


def _dtype_fix(caller: str) -> str:
    """How to fix a dtype mismatch: convert the layer (or the arguments) to the input's dtype."""
    if caller[:1].isupper():
        return ("convert the layer to the input's dtype (layer.double() or layer.float()), or "
                "the input to the layer's")
    return "convert them with .to(input.dtype)"


def _check_per_channel(input: Tensor, name: str, tensor: Any, caller: str) -> None:
    """``tensor`` (running_mean, running_var, weight or bias) has one entry per channel of the
    input, shape (C,), and the input's dtype: torch's RuntimeErrors otherwise."""
    if tensor is None:
        return
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{caller}: {name} must be a Tensor or None, got "
                        f"{type(tensor).__name__}")
    channels = input.shape[1]
    if tensor.shape != (channels,):
        what = (f"should contain {channels} elements not {tensor.numel()}"
                if tensor.numel() != channels else f"should have shape ({channels},)")
        if caller[:1].isupper():  # a layer: its parameters and buffers say what it was built for
            expected = (f"{caller} was built for {tensor.numel()} (its {name} has shape "
                        f"{tuple(tensor.shape)})")
        else:
            expected = f"{name} has shape {tuple(tensor.shape)}"
        raise RuntimeError(
            f"{caller}: {name} {what}: the input of shape {tuple(input.shape)} has {channels} "
            f"channels (dimension 1), {expected}; " + _fix_for_channels(caller, channels))
    _check_same_dtype(input, name, tensor, _dtype_fix(caller), caller)


# ------------------------------------------------------------------------------ batch norm
def batch_norm_named(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
                     weight: Tensor | None, bias: Tensor | None, training: bool,
                     momentum: Any, eps: float, caller: str) -> Tensor:
    """``batch_norm``, with errors that name ``caller`` (a layer or the function)."""
    require_floating(input, caller)
    if input.ndim < 2:
        raise RuntimeError(f"{caller}: expected input of shape (N, C) or (N, C, ...), with at "
                           f"least 2 dimensions, got shape {tuple(input.shape)}; add the batch "
                           "dimension with input.unsqueeze(0)")
    if training:
        verify_batch_size(tuple(input.shape), caller)
    if training and eps <= 0.0:
        raise ValueError(f"{caller}: batch_norm eps must be positive during training, but got "
                         f"{eps}")
    if eps < 0.0:
        raise ValueError(f"{caller}: batch_norm eps must be non-negative, but got {eps}")
    if isinstance(momentum, bool) or not isinstance(momentum, (int, float)):
        raise TypeError(f"{caller}: momentum must be a float, not {type(momentum).__name__}; "
                        "pass a number (momentum=None, the cumulative average, is understood by "
                        "the BatchNorm layers only: here it is 1 / the number of batches so far)")
    if training and (running_mean is None) != (running_var is None):
        raise ValueError(f"{caller}: running_mean and running_var must either both be None or "
                         "neither be None")
    for name, tensor in (("running_mean", running_mean), ("running_var", running_var)):
        if not training and tensor is None:
            raise RuntimeError(f"{caller}: {name} must be defined in evaluation mode; pass the "
                               "running statistics, or training=True to use the batch's")
    for name, tensor in (("running_mean", running_mean), ("running_var", running_var),
                         ("weight", weight), ("bias", bias)):
        _check_per_channel(input, name, tensor, caller)
    channels = input.shape[1]
    kept = (1, channels) + (1,) * (input.ndim - 2)  # per-channel values, broadcast over the rest
    if not training:
        assert running_mean is not None and running_var is not None
        # y = γ (x - running_mean) / sqrt(running_var + eps) + β = x · scale + shift
        scale = (running_var + eps) ** -0.5
        if weight is not None:
            scale = weight * scale
        shift = -(running_mean * scale) if bias is None else bias - running_mean * scale
        return input * scale.reshape(kept) + shift.reshape(kept)
    affine: list[Tensor] = []
    if weight is not None or bias is not None:
        affine.append(weight.reshape(kept) if weight is not None else constant(
            np.ones(kept, dtype=input.dtype)))  # Normalize takes a bias only with a weight
    if bias is not None:
        affine.append(bias.reshape(kept))
    axes = (0,) + tuple(range(2, input.ndim))
    output, batch_mean, batch_variance = ops.Normalize.apply(input, *affine, axes=axes,
                                                             eps=float(eps))
    count = input.numel() // channels if channels else 0  # m, the values per channel
    if running_mean is not None and running_var is not None and count > 0:
        _update_running_statistics(running_mean, running_var, batch_mean.reshape(-1),
                                   batch_variance.reshape(-1), count, float(momentum))
    return output


def _update_running_statistics(running_mean: Tensor, running_var: Tensor, mean: Tensor,
                               variance: Tensor, count: int, momentum: float) -> None:
    """running = (1 - momentum) · running + momentum · batch, in place (torch's update).

    The running variance estimates the variance of the whole population, so it takes the
    batch's unbiased variance, σ² m / (m - 1), while the normalisation itself used σ². Tensor
    ops, not NumPy on the arrays, so that a step compiled with ``tinygrad_edu.jit`` replays the
    update with each batch's statistics.
    """
    with no_grad():
        unbiased = variance * (count / (count - 1))
        for running, batch in ((running_mean, mean), (running_var, unbiased)):
            running.copy_(running * (1 - momentum) + batch * momentum)


# ------------------------------------------------------------------------------ layer norm
def layer_norm_named(input: Tensor, normalized_shape: Any, weight: Tensor | None,
                     bias: Tensor | None, eps: float, caller: str) -> Tensor:
    """``layer_norm``, with errors that name ``caller`` (a layer or the function)."""
    require_floating(input, caller)
    if (isinstance(normalized_shape, (int, float, str)) or not all(
            isinstance(size, (int, np.integer)) for size in normalized_shape)):
        raise TypeError(f"{caller}: normalized_shape must be a tuple of ints, got "
                        f"{normalized_shape!r}; write ({normalized_shape},) for the last "
                        "dimension alone")
    shape = tuple(int(size) for size in normalized_shape)
    if not shape:
        raise RuntimeError(
            f"{caller}: Expected normalized_shape to be at least 1-dimensional, i.e., "
            "containing at least one element, but got normalized_shape = []; give the sizes "
            "of the last dimensions to normalise over")
    count = len(shape)
    if input.ndim < count or tuple(input.shape[input.ndim - count:]) != shape:
        fix = (f"build the layer as {caller}({tuple(input.shape[-count:])}) to normalise over "
               "the input's last dimensions, or reshape the input"
               if caller[:1].isupper() and input.ndim >= count else
               "give normalized_shape the sizes of the input's last dimensions")
        raise RuntimeError(
            f"{caller}: Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(str(size) for size in shape)}], but got input of size "
            f"{list(input.shape)}; {fix}")
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is None:
            continue
        if tensor.shape != shape:
            raise RuntimeError(
                f"{caller}: Expected {name} to be of same shape as normalized_shape, but got "
                f"{name} of shape {list(tensor.shape)} and normalized_shape = {list(shape)}")
        _check_same_dtype(input, name, tensor, _dtype_fix(caller), caller)
    axes = tuple(range(input.ndim - count, input.ndim))
    output = ops.Normalize.apply(input, axes=axes, eps=float(eps))[0]
    # γ and β hold one value per normalised element: applied here, outside the op.
    if weight is not None:
        output = output * weight
    if bias is not None:
        output = output + bias
    return output


# ------------------------------------------------------------------------------ group norm
def group_norm_named(input: Tensor, num_groups: int, weight: Tensor | None,
                     bias: Tensor | None, eps: float, caller: str) -> Tensor:
    """``group_norm``, with errors that name ``caller`` (a layer or the function)."""
    require_floating(input, caller)
    if input.ndim < 2:
        raise RuntimeError(f"{caller}: Expected at least 2 dimensions for input tensor but "
                           f"received {input.ndim} (shape {tuple(input.shape)}); group norm "
                           "takes (N, C, ...): add the batch dimension with input.unsqueeze(0)")
    if num_groups == 0:
        raise ZeroDivisionError(f"{caller}: num_groups must be positive, got 0")
    batch, channels = input.shape[0], input.shape[1]
    verify_batch_size((batch * channels // num_groups, num_groups, *input.shape[2:]), caller)
    if num_groups < 0:
        raise RuntimeError(f"{caller}: Expected num groups to be greater than 0, got "
                           f"{num_groups}")
    if channels % num_groups != 0:
        raise RuntimeError(
            f"{caller}: Expected number of channels in input to be divisible by num_groups, "
            f"but got input of shape {list(input.shape)} and num_groups={num_groups}; choose "
            f"a number of groups that divides {channels}")
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is None:
            continue
        if tensor.shape != (channels,):
            fix = (f"build the layer as {caller}({num_groups}, {channels})"
                   if caller[:1].isupper() else f"pass a {name} of shape ({channels},)")
            raise RuntimeError(
                f"{caller}: Expected {name} to be a vector of size equal to the number of "
                f"channels in input, but got {name} of shape {list(tensor.shape)} and input of "
                f"shape {list(input.shape)}; {fix}")
        _check_same_dtype(input, name, tensor, _dtype_fix(caller), caller)
    per_group = channels // num_groups * math.prod(input.shape[2:])
    grouped = input.reshape(batch, num_groups, per_group)
    output = ops.Normalize.apply(grouped, axes=(2,), eps=float(eps))[0].reshape(input.shape)
    # γ and β are per channel, and a group holds several channels: applied outside the op.
    kept = (1, channels) + (1,) * (input.ndim - 2)
    if weight is not None:
        output = output * weight.reshape(kept)
    if bias is not None:
        output = output + bias.reshape(kept)
    return output
