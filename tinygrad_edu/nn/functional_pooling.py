"""Pooling functions of ``nn.functional``: ``max_pool1d``, ``max_pool2d``, ``avg_pool2d``,
``adaptive_avg_pool2d``, ``adaptive_max_pool2d``.

Each one checks its arguments as torch does, in torch's order and with torch's exception types
(the messages are ours: they name the function, the shapes and a fix), then calls one op of
``tinygrad_edu/ops/pooling.py`` (max) or ``tinygrad_edu/ops/average_pooling.py``. Inputs are
(C, H, W) or (N, C, H, W) as in torch ((C, L) or (N, C, L) for ``max_pool1d``, which runs the
2-D op on (..., 1, L)).
"""

from __future__ import annotations

import operator
from typing import Any

from tinygrad_edu import dtypes, ops
from tinygrad_edu.ops.pooling import pooled_size
from tinygrad_edu.tensor import Tensor

__all__ = [
    "adaptive_avg_pool2d", "adaptive_max_pool2d", "avg_pool2d", "max_pool1d", "max_pool2d",
]

Pair = tuple[int, int]


# ----------------------------------------------------------------------- argument checking
def _integer(value: Any, name: str, op: str) -> int:
    """``value`` as an int (ints, NumPy ints, 0-d integer tensors); torch's TypeError if not."""
    if isinstance(value, bool):
        raise TypeError(f"{op}(): argument '{name}' must be an int or a tuple of ints, not bool")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{op}(): argument '{name}' must be an int or a tuple of ints, not "
                        f"{type(value).__name__}") from None


def _pair(value: Any, name: str, op: str, default: Pair | None = None) -> Pair:
    """An int or a sequence of one or two ints as (height, width), torch's rule for kernel_size,
    stride, padding and dilation. ``default``: what None or an empty sequence means (the
    kernel, for stride); otherwise those are refused."""
    if default is not None and (value is None or (isinstance(value, (tuple, list))
                                                  and len(value) == 0)):
        return default
    if isinstance(value, (tuple, list)):
        numbers = [_integer(item, name, op) for item in value]
        if len(numbers) in (1, 2):
            return (numbers[0], numbers[-1])
        omitted = "be omitted, " if name == "stride" else ""
        raise RuntimeError(f"{op}: {name} must either {omitted}be a single int, or a tuple of "
                           f"two ints, got {tuple(value)}")
    number = _integer(value, name, op)
    return (number, number)


def _require_tensor(input: Any, op: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be a Tensor, not {type(input).__name__}")


def _check_rank(input: Tensor, op: str) -> None:
    """3-D (C, H, W) or 4-D (N, C, H, W) input, else torch's RuntimeError."""
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"{op}: non-empty 3D or 4D (batch mode) tensor expected for input, got shape "
            f"{tuple(input.shape)}; pass (C, H, W) or (N, C, H, W) (x.unsqueeze(0) adds a "
            "leading dimension)")


def _check_not_empty(input: Tensor, op: str, first: int) -> None:
    """Dimensions ``first``.. of the input must not be empty (the batch dimension may be)."""
    for dim in range(first, input.ndim):
        if input.shape[dim] == 0:
            raise RuntimeError(
                f"{op}: Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size "
                f"for input, got shape {tuple(input.shape)} with dimension {dim} empty; only "
                "the batch dimension may be 0")


def _output_sizes(input: Tensor, kernel_size: Pair, stride: Pair, padding: Pair,
                  dilation: Pair, ceil_mode: bool, op: str) -> Pair:
    """The output's (height, width), with the checks torch makes while computing them, in
    torch's order (height first), then those of its shape check: every one a RuntimeError."""
    sizes = []
    for axis, size in enumerate(input.shape[-2:]):
        kernel, step, pad, spread = kernel_size[axis], stride[axis], padding[axis], dilation[axis]
        if step == 0:
            raise RuntimeError(f"{op}: stride should not be zero (got stride {stride}); a "
                               "window moves at least one position")
        if pad < 0:
            raise RuntimeError(f"{op}: pad must be non-negative, but got padding {padding}")
        half_span = int((kernel - 1) * spread + 1) // 2 if kernel > 0 else 0
        if pad > half_span:
            raise RuntimeError(
                f"{op}: pad should be at most half of effective kernel size, but got padding "
                f"{padding} for kernel_size {kernel_size} and dilation {dilation}; use "
                f"padding <= ((kernel_size - 1) * dilation + 1) // 2 = {half_span} here")
        sizes.append(pooled_size(size, kernel, step, pad, spread, ceil_mode) if step > 0 else 0)
    if min(kernel_size) <= 0:
        raise RuntimeError(f"{op}: kernel size should be greater than zero, but got "
                           f"kernel_size {kernel_size}")
    if min(stride) <= 0:
        raise RuntimeError(f"{op}: stride should be greater than zero, but got stride {stride}")
    if min(dilation) <= 0:
        raise RuntimeError(f"{op}: dilation should be greater than zero, but got dilation "
                           f"{dilation}")
    _check_not_empty(input, op, input.ndim - 3)
    if padding[0] > kernel_size[0] // 2 or padding[1] > kernel_size[1] // 2:
        raise RuntimeError(
            f"{op}: pad should be smaller than or equal to half of kernel size, but got padding "
            f"{padding} for kernel_size {kernel_size}; use padding <= kernel_size // 2 = "
            f"{(kernel_size[0] // 2, kernel_size[1] // 2)}")
    if min(sizes) < 1:
        raise RuntimeError(
            f"{op}: Output size is too small: an input of shape {tuple(input.shape)} with "
            f"kernel_size {kernel_size}, stride {stride}, padding {padding}, dilation {dilation}"
            f"{' and ceil_mode' if ceil_mode else ''} gives an output of {sizes[0]}x{sizes[1]}; "
            "use a smaller kernel_size, dilation or stride, more padding, or a larger input")
    return (sizes[0], sizes[1])


# ------------------------------------------------------------------------------ max pooling
def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """The maximum of each kernel_size window, moving by stride (default: the kernel size).

    ``padding`` adds -inf on both sides (at most half the kernel), ``dilation`` spaces the
    window's positions, ``ceil_mode`` keeps a last partial window (one that starts inside the
    input or the left padding). With ``return_indices`` also the int64 position of each maximum
    in its (H, W) plane, ``row * W + column``. Ties and NaN as in torch: the first of equal
    maxima is chosen (and gets the gradient), a window holding NaN gives NaN (its last NaN).

    Args:
        input: (N, C, H, W) or (C, H, W); floating point or integer.
        kernel_size, stride, padding, dilation: an int, or a pair (height, width).
        ceil_mode: round the number of windows up instead of down.
        return_indices: also return the positions of the maxima.

    Returns:
        The pooled tensor, or (pooled, indices).

    Raises:
        TypeError: a non-Tensor input or a non-integer size.
        RuntimeError: an input that is not 3-D or 4-D, a size that is not one or two ints, a
            kernel, stride or dilation <= 0, padding < 0 or above half the kernel, or an output
            that would be empty.
        NotImplementedError: a bool input.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> x = tge.tensor([[[1.0, 5.0, 2.0, 0.0],
        ...                  [3.0, 4.0, 7.0, 8.0]]])
        >>> F.max_pool2d(x, 2)
        tensor([[[5., 8.]]])
        >>> F.max_pool2d(x, 2, return_indices=True)[1]
        tensor([[[1, 7]]])
    """
    op = "max_pool2d"
    _require_tensor(input, op)
    kernel = _pair(kernel_size, "kernel_size", op)
    steps = _pair(stride, "stride", op, default=kernel)
    pads = _pair(padding, "padding", op)
    spreads = _pair(dilation, "dilation", op)
    _check_rank(input, op)
    _output_sizes(input, kernel, steps, pads, spreads, ceil_mode, op)
    if input.dtype == dtypes.bool_:
        raise NotImplementedError(f"{op}: not implemented for bool tensors (torch pools numbers "
                                  "only); convert the input with .float() or .int() first")
    values, indices = ops.MaxPool2d.apply(input, kernel_size=kernel, stride=steps,
                                          padding=pads, dilation=spreads,
                                          ceil_mode=bool(ceil_mode))
    return (values, indices) if return_indices else values


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """The maximum of each window along the last dimension of (N, C, L) or (C, L).

    ``max_pool2d`` over (..., 1, L) with a (1, kernel_size) window: the same rules for padding,
    dilation, ceil_mode, ties and NaN; indices are positions along L. As torch, integer inputs
    are pooled only with ``return_indices=True`` (torch has no integer kernel for the other
    path: NotImplementedError).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> F.max_pool1d(tge.tensor([[1.0, 3.0, 2.0, 2.0, 0.0]]), 2, stride=1)
        tensor([[3., 3., 2., 2.]])
    """
    op = "max_pool1d"
    _require_tensor(input, op)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"{op}: Expected 2D or 3D (batch mode) tensor for input, got shape "
            f"{tuple(input.shape)}; pass (C, L) or (N, C, L)")
    sizes = {}
    for name, value, default in (("kernel_size", kernel_size, None), ("stride", stride, True),
                                 ("padding", padding, None), ("dilation", dilation, None)):
        if default and (value is None or (isinstance(value, (tuple, list)) and not value)):
            continue
        numbers = value if isinstance(value, (tuple, list)) else [value]
        if len(numbers) != 1:
            raise RuntimeError(f"{op}: {name} must be an int, list of ints or tuple of ints of "
                               f"size 1 but got size {len(numbers)}")
        sizes[name] = _integer(numbers[0], name, op)
    kernel = sizes["kernel_size"]
    step = sizes.get("stride", kernel)
    pad, spread = sizes["padding"], sizes["dilation"]
    for name, number, lowest in (("kernel_size", kernel, 1), ("stride", step, 1),
                                 ("padding", pad, 0)):
        if number < lowest:
            relation = "non-negative" if lowest == 0 else "greater than zero"
            raise RuntimeError(f"{op}: {name} must be {relation}, but got {number}")
    if pad > kernel // 2:
        raise RuntimeError(f"{op}: padding should be at most half of kernel size, but got "
                           f"padding={pad} and kernel_size={kernel}; use padding <= "
                           f"{kernel // 2}")
    if spread < 1:
        raise RuntimeError(f"{op}: dilation must be greater than zero, but got {spread}")
    for dim in range(input.ndim - 2, input.ndim):
        if input.shape[dim] == 0:
            raise RuntimeError(
                f"{op}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size "
                f"for input, got shape {tuple(input.shape)} with dimension {dim} empty")
    length = pooled_size(input.shape[-1], kernel, step, pad, spread, bool(ceil_mode))
    if length < 1:
        raise RuntimeError(
            f"{op}: Invalid computed output size: {length}, for an input of length "
            f"{input.shape[-1]} with kernel_size {kernel}, stride {step}, padding {pad}, "
            f"dilation {spread}; use a smaller kernel_size or more padding")
    if input.dtype == dtypes.bool_ or (not dtypes.is_floating(input.dtype) and not return_indices):
        raise NotImplementedError(
            f"{op}: not implemented for {input.dtype} tensors without return_indices (as in "
            "torch); convert the input with .float() first")
    values, indices = ops.MaxPool2d.apply(input.unsqueeze(-2), kernel_size=(1, kernel),
                                          stride=(1, step), padding=(0, pad),
                                          dilation=(1, spread), ceil_mode=bool(ceil_mode))
    values, indices = values.squeeze(-2), indices.squeeze(-2)
    return (values, indices) if return_indices else values


# -------------------------------------------------------------------------- average pooling
def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """The mean of each kernel_size window, moving by stride (default: the kernel size).

    ``padding`` adds zeros on both sides (at most half the kernel). The divisor is torch's:
    kernel_h · kernel_w, or, with ``count_include_pad=False``, the number of the window's
    positions inside the input; a ceil_mode window that reaches past the right padding counts
    only up to the padding; ``divisor_override`` replaces it. Integer (int64) input gives
    torch's integer mean (rounded toward 0).

    Raises:
        TypeError: a non-Tensor input, a non-integer size or divisor_override.
        IndexError: an input of fewer than 3 dimensions (torch's type here).
        RuntimeError: more than 4 dimensions, a bad size, padding above half the kernel, an
            output that would be empty, or divisor_override = 0.
        NotImplementedError: an input that is neither floating point nor int64.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> x = tge.arange(16.0).reshape(1, 4, 4)
        >>> F.avg_pool2d(x, 2)
        tensor([[[ 2.5000,  4.5000],
                 [10.5000, 12.5000]]])
        >>> F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
        tensor([[[ 2.5000,  4.0000],
                 [ 8.5000, 10.0000]]])
    """
    op = "avg_pool2d"
    _require_tensor(input, op)
    kernel = _pair(kernel_size, "kernel_size", op)
    steps = _pair(stride, "stride", op, default=kernel)
    pads = _pair(padding, "padding", op)
    if divisor_override is not None:
        if isinstance(divisor_override, bool):
            raise TypeError(f"{op}(): argument 'divisor_override' must be int, not bool")
        divisor_override = _integer(divisor_override, "divisor_override", op)
        if divisor_override == 0:
            raise RuntimeError(f"{op}: divisor must be not zero (divisor_override=0); leave it "
                               "None to divide by the window size")
    if input.ndim < 3:
        raise IndexError(
            f"{op}: Dimension out of range: expected a (C, H, W) or (N, C, H, W) input, got "
            f"shape {tuple(input.shape)}; x.unsqueeze(0) adds a leading dimension")
    if input.ndim > 4:
        raise RuntimeError(
            f"{op}: Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for "
            f"input, got shape {tuple(input.shape)}")
    _output_sizes(input, kernel, steps, pads, (1, 1), ceil_mode, op)
    if not (dtypes.is_floating(input.dtype) or input.dtype == dtypes.int64):
        raise NotImplementedError(f"{op}: not implemented for {input.dtype} tensors (torch "
                                  "averages floating point and int64 tensors); convert the "
                                  "input with .float() first")
    return ops.AvgPool2d.apply(input, kernel_size=kernel, stride=steps, padding=pads,
                               ceil_mode=bool(ceil_mode),
                               count_include_pad=bool(count_include_pad),
                               divisor_override=divisor_override)


# ------------------------------------------------------------------------ adaptive pooling
def _adaptive_output_size(output_size: Any, input: Tensor, op: str) -> Pair:
    """torch's reading of an adaptive output_size: an int for both sides, or a pair whose None
    entries keep the input's size. Errors as torch's: TypeError for something that is not an
    int or a sequence of ints, ValueError for an input too small to fill a None, RuntimeError
    for a sequence of another length or a negative size."""
    if isinstance(output_size, (tuple, list)):
        if input.ndim <= len(output_size):
            raise ValueError(f"{op}: Input dimension should be at least {len(output_size) + 1}: "
                             f"got shape {tuple(input.shape)} for output_size "
                             f"{tuple(output_size)}")
        defaults = input.shape[input.ndim - len(output_size):]
        sizes = [default if size is None else _integer(size, "output_size", op)
                 for size, default in zip(output_size, defaults)]
        if len(sizes) != 2:
            raise RuntimeError(f"{op}: output_size must be 2 (an int, or a pair of ints or "
                               f"None), got {tuple(output_size)}")
        pair = (int(sizes[0]), int(sizes[1]))
    elif output_size is None:
        raise TypeError(f"{op}(): output_size must be an int or a pair (height, width) whose "
                        "None entries keep the input's size, not None")
    else:
        number = _integer(output_size, "output_size", op)
        pair = (number, number)
    return pair


def _check_adaptive_input(input: Tensor, output_size: Pair, op: str, first_nonempty: int) -> None:
    """Rank 3 or 4, no empty dimension from ``first_nonempty`` on, no negative output size."""
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{op}: Expected 3D or 4D tensor, but got shape "
                           f"{tuple(input.shape)}; pass (C, H, W) or (N, C, H, W)")
    for dim in range(first_nonempty, input.ndim):
        if input.shape[dim] == 0:
            raise RuntimeError(
                f"{op}: Expected input to have non-zero size for non-batch dimensions, but "
                f"input has shape {tuple(input.shape)} with dimension {dim} being empty")
    if min(output_size) < 0:
        raise RuntimeError(f"{op}: elements of output_size must be greater than or equal to 0, "
                           f"but got {output_size}")
    if not dtypes.is_floating(input.dtype):
        raise NotImplementedError(f"{op}: not implemented for {input.dtype} tensors (torch "
                                  "pools floating point tensors only); convert the input with "
                                  ".float() first")


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling to a given output size, whatever the input's (H, W).

    Output (i, j) is the mean of rows floor(i H / out_h) .. ceil((i + 1) H / out_h) - 1 and the
    same columns for W (torch's bins: they cover the input and may overlap by one).
    ``output_size``: an int, or a pair whose None entries keep the input's size.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> x = tge.arange(9.0).reshape(1, 3, 3)
        >>> F.adaptive_avg_pool2d(x, 2)
        tensor([[[2., 3.],
                 [5., 6.]]])
        >>> F.adaptive_avg_pool2d(x, (1, None)).shape
        Size([1, 1, 3])
    """
    op = "adaptive_avg_pool2d"
    _require_tensor(input, op)
    sizes = _adaptive_output_size(output_size, input, op)
    _check_adaptive_input(input, sizes, op, input.ndim - 2)
    return ops.AdaptiveAvgPool2d.apply(input, output_size=sizes)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling to a given output size: the maximum of each of torch's adaptive bins (see
    ``adaptive_avg_pool2d``), with ties and NaN as in ``max_pool2d``.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> x = tge.tensor([[[1.0, 9.0, 2.0], [4.0, 3.0, 8.0]]])
        >>> F.adaptive_max_pool2d(x, (1, 2), return_indices=True)
        (tensor([[[9., 9.]]]), tensor([[[1, 1]]]))
    """
    op = "adaptive_max_pool2d"
    _require_tensor(input, op)
    sizes = _adaptive_output_size(output_size, input, op)
    _check_adaptive_input(input, sizes, op, 1)
    values, indices = ops.AdaptiveMaxPool2d.apply(input, output_size=sizes)
    return (values, indices) if return_indices else values
