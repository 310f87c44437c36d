"""``conv1d`` and ``conv2d`` (torch.nn.functional's, also ``tinygrad_edu.conv2d``): the
arguments are checked here, with errors that name the call and the shapes, and the convolution
itself is one op, ``ops.Conv2d`` (im2col and one matrix product per group; see
``tinygrad_edu/ops/convolution.py``). A 1-D convolution is the 2-D one on images of height 1.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from tinygrad_edu import ops
from tinygrad_edu.ops.convolution import ConvGeometry
from tinygrad_edu.tensor import Tensor

__all__ = ["conv1d", "conv2d"]

PADDING_STRINGS = ("same", "valid")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation, as in torch) of a batch of images.

    Args:
        input: (N, C, H, W), or (C, H, W) for one image.
        weight: (O, C / groups, kh, kw): O kernels.
        bias: (O,), added to every pixel of output channel o; None for no bias.
        stride: step between windows: an int or (vertical, horizontal).
        padding: zeros around the input: an int, (vertical, horizontal), ``"valid"`` (none) or
            ``"same"`` (the output keeps the input's size; needs stride 1; when the total
            dilation · (k − 1) is odd the extra zero goes to the bottom / right, as in torch).
        dilation: step between the kernel's taps: an int or a pair.
        groups: cut the channels into this many groups, each with its own O / groups kernels.

    Returns:
        (N, O, OH, OW) with OH = ⌊(H + 2·padding − dilation·(kh − 1) − 1) / stride⌋ + 1 (and OW
        alike), or (O, OH, OW) for one image.

    Raises:
        TypeError: input or weight is not a Tensor, or stride, padding or dilation is not an
            int or a sequence of ints.
        RuntimeError: shapes, dtypes or sizes that do not fit (torch's type); the message names
            the shapes and the fix.
        NotImplementedError: bool tensors (torch's error).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> images = tge.ones(8, 1, 28, 28)
        >>> F.conv2d(images, tge.ones(16, 1, 3, 3)).shape
        Size([8, 16, 26, 26])
        >>> F.conv2d(images, tge.ones(16, 1, 3, 3), stride=2, padding=1).shape
        Size([8, 16, 14, 14])
        >>> F.conv2d(images, tge.ones(16, 1, 4, 4), padding="same").shape
        Size([8, 16, 28, 28])
    """
    return convolution(input, weight, bias, stride, padding, dilation, groups,
                       spatial_dims=2, name="conv2d")


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D convolution of a batch of signals: ``conv2d`` on images of height 1.

    Args:
        input: (N, C, L), or (C, L) for one signal.
        weight: (O, C / groups, k).
        bias, stride, padding, dilation, groups: as in ``conv2d``, with one int per argument
            (or a sequence of one), ``"same"`` or ``"valid"``.

    Returns:
        (N, O, OL) with OL = ⌊(L + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> F.conv1d(tge.tensor([[[1.0, 2.0, 3.0, 4.0]]]), tge.tensor([[[1.0, -1.0]]]))
        tensor([[[-1., -1., -1.]]])
    """
    return convolution(input, weight, bias, stride, padding, dilation, groups,
                       spatial_dims=1, name="conv1d")


def convolution(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
                dilation: Any, groups: int, *, spatial_dims: int, name: str) -> Tensor:
    """Check the arguments of a 1-D or 2-D convolution and run it as ``ops.Conv2d``.

    ``name`` is what the error messages call the caller: ``"conv2d"`` for the function,
    ``"Conv2d"`` for the layer.
    """
    _check_tensors(input, weight, bias, name)
    strides = _int_sizes(stride, "stride", spatial_dims, name)
    dilations = _int_sizes(dilation, "dilation", spatial_dims, name)
    padding_sizes = None if isinstance(padding, str) else _int_sizes(
        padding, "padding", spatial_dims, name)
    batched = _check_shapes(input, weight, bias, groups, spatial_dims, name)
    if any(step <= 0 for step in strides):
        raise RuntimeError(f"{name}: non-positive stride is not supported (got stride="
                           f"{strides}); use strides >= 1")
    if any(step <= 0 for step in dilations):
        raise RuntimeError(f"{name}: dilation should be greater than zero, but got dilation="
                           f"{dilations}")
    if padding_sizes is not None and any(size < 0 for size in padding_sizes):
        raise RuntimeError(f"{name}: negative padding is not supported (got padding="
                           f"{padding_sizes}); crop the input instead")
    kernel_size = tuple(weight.shape[2:])
    if padding_sizes is None:
        pairs = _string_padding(padding, kernel_size, strides, dilations, name)
    else:
        pairs = tuple([(size, size) for size in padding_sizes])
    spatial = tuple(input.shape[-spatial_dims:])
    _check_window_fits(spatial, kernel_size, pairs, dilations, name)

    images = input if batched else input.unsqueeze(0)
    if spatial_dims == 1:  # a signal of length L is an image of height 1 and width L
        images = images.unsqueeze(2)
        weight = weight.unsqueeze(2)
        geometry = ConvGeometry((1, strides[0]), ((0, 0), pairs[0]), (1, dilations[0]), groups)
    else:
        geometry = ConvGeometry((strides[0], strides[1]), (pairs[0], pairs[1]),
                                (dilations[0], dilations[1]), groups)
    if bias is None:
        output = ops.Conv2d.apply(images, weight, geometry=geometry)
    else:
        output = ops.Conv2d.apply(images, weight, bias, geometry=geometry)
    if spatial_dims == 1:
        output = output.squeeze(2)
    return output if batched else output.squeeze(0)


def _check_tensors(input: Any, weight: Any, bias: Any, name: str) -> None:
    """Tensors of one dtype (bias too), not bool: torch's TypeError, RuntimeError and
    NotImplementedError."""
    for argument, value in (("input", input), ("weight", weight)):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name}: {argument} must be a Tensor, got {type(value).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"{name}: bias must be a Tensor or None, got {type(bias).__name__}")
    if input.dtype == np.bool_ or weight.dtype == np.bool_:
        raise NotImplementedError(f"{name}: not implemented for bool tensors; convert them with "
                                  ".float()")
    if input.dtype != weight.dtype:
        raise RuntimeError(f"{name}: input and weight must have the same dtype, got input "
                           f"{input.dtype} and weight {weight.dtype}; convert one with "
                           f".to({weight.dtype}) (or the layer with .to(dtype))")
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(f"{name}: input and bias must have the same dtype, got input "
                           f"{input.dtype} and bias {bias.dtype}; convert the bias with "
                           f".to({input.dtype})")


def _int_sizes(value: Any, argument: str, spatial_dims: int, name: str) -> tuple[int, ...]:
    """stride, padding or dilation as one int per spatial dimension: an int is repeated, a
    sequence needs 1 or ``spatial_dims`` ints (torch's rule)."""
    if _is_int(value):
        return (int(value),) * spatial_dims
    if not isinstance(value, Sequence) or isinstance(value, str) or not all(
            _is_int(item) for item in value):
        raise TypeError(f"{name}: {argument} must be an int or a tuple of {spatial_dims} ints, "
                        f"got {value!r}")
    sizes = tuple([int(item) for item in value])
    if len(sizes) == 1:
        return sizes * spatial_dims
    if len(sizes) != spatial_dims:
        raise RuntimeError(f"{name}: expected {argument} to be a single integer value or a list "
                           f"of {spatial_dims} values to match the convolution dimensions, but "
                           f"got {argument}={list(sizes)}")
    return sizes


def _is_int(value: Any) -> bool:
    """An int (Python's or NumPy's), but not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _check_shapes(input: Tensor, weight: Tensor, bias: Tensor | None, groups: int,
                  spatial_dims: int, name: str) -> bool:
    """Ranks, groups, channels and bias as torch checks them; returns whether input is batched."""
    if input.ndim not in (spatial_dims + 1, spatial_dims + 2):
        raise RuntimeError(
            f"{name}: Expected {spatial_dims + 1}D (unbatched) or {spatial_dims + 2}D (batched) "
            f"input to {name.lower()}, but got input of shape {tuple(input.shape)}; a batch is "
            f"(N, C{', H, W' if spatial_dims == 2 else ', L'})")
    kernel_axes = "kernel_height, kernel_width" if spatial_dims == 2 else "kernel_size"
    if weight.ndim != spatial_dims + 2:
        raise RuntimeError(
            f"{name}: expected a weight of {spatial_dims + 2} dimensions (out_channels, "
            f"in_channels / groups, {kernel_axes}), got weight of shape {tuple(weight.shape)}")
    if not _is_int(groups):
        raise TypeError(f"{name}: groups must be an int, got {groups!r}")
    if groups <= 0:
        raise RuntimeError(f"{name}: non-positive groups is not supported (got groups={groups});"
                           " use groups >= 1")
    out_channels = weight.shape[0]
    if out_channels == 0 or out_channels % groups != 0:
        raise RuntimeError(
            f"{name}: Given groups={groups}, expected weight to be at least 1 and divisible by "
            f"{groups} at dimension 0 (out_channels), but got weight of shape "
            f"{tuple(weight.shape)}")
    batched = input.ndim == spatial_dims + 2
    channels = input.shape[1 if batched else 0]
    expected = weight.shape[1] * groups
    if channels != expected:
        grouped = f", groups={groups}" if groups != 1 else ""
        raise RuntimeError(
            f"{name}: expected input with {expected} channels (weight of shape "
            f"{tuple(weight.shape)}{grouped}), got input of shape {tuple(input.shape)}; the "
            f"input's channel dimension (dim {1 if batched else 0}) must equal in_channels = "
            "weight.shape[1] * groups")
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(
            f"{name}: expected a bias of shape ({out_channels},), one per output channel of the "
            f"weight of shape {tuple(weight.shape)}, got bias of shape {tuple(bias.shape)}")
    if any(size <= 0 for size in weight.shape[2:]):
        raise RuntimeError(f"{name}: kernel size should be greater than zero, but got weight of "
                           f"shape {tuple(weight.shape)}")
    return batched


def _string_padding(padding: str, kernel_size: tuple[int, ...], strides: tuple[int, ...],
                    dilations: tuple[int, ...], name: str) -> tuple[tuple[int, int], ...]:
    """``"valid"``: no padding. ``"same"``: dilation · (k − 1) zeros in all per dimension, half
    before and half after, the odd one after (torch's choice), so that (at stride 1) the output
    has the input's size."""
    if padding not in PADDING_STRINGS:
        raise RuntimeError(f"{name}: Invalid padding string {padding!r}; use one of "
                           f"{PADDING_STRINGS}, an int or a tuple of ints")
    if padding == "valid":
        return tuple([(0, 0)] * len(kernel_size))
    if any(step != 1 for step in strides):
        raise RuntimeError(f"{name}: padding='same' is not supported for strided convolutions "
                           f"(got stride={strides}); use stride=1 or give the padding as ints")
    pairs = []
    for size, step in zip(kernel_size, dilations):
        total = step * (size - 1)
        pairs.append((total // 2, total - total // 2))
    return tuple(pairs)


def _check_window_fits(spatial: tuple[int, ...], kernel_size: tuple[int, ...],
                       pairs: tuple[tuple[int, int], ...], dilations: tuple[int, ...],
                       name: str) -> None:
    """The padded input is at least as large as the dilated kernel (else no window fits)."""
    padded_sizes = tuple([size + before + after for size, (before, after) in zip(spatial, pairs)])
    spans = tuple([step * (size - 1) + 1 for size, step in zip(kernel_size, dilations)])
    if any(size < span for size, span in zip(padded_sizes, spans)):
        raise RuntimeError(
            f"{name}: Calculated padded input size per channel: {_by(padded_sizes)}. Kernel size: "
            f"{_by(spans)}. Kernel size can't be greater than actual input size (the kernel "
            f"spans dilation · (k − 1) + 1 pixels); use a larger input, more padding, or a "
            "smaller kernel or dilation")


def _by(sizes: tuple[int, ...]) -> str:
    """(2 x 2), torch's way of printing a size in this message."""
    return "(" + " x ".join(str(size) for size in sizes) + ")"
