"""The other losses of ``nn.functional`` (``F.mse_loss``, ``F.l1_loss``, ``F.smooth_l1_loss``,
``F.huber_loss``, ``F.binary_cross_entropy`` and its form on logits), with torch's names and
arguments. Each checks its arguments and raises an error that names the loss, then calls a fused
op (``ops.BinaryCrossEntropyWithLogits``, ...) or composes Tensor ops; cross-entropy and NLL are
in ``functional_cross_entropy.py``. ``nn.functional`` exports them all, and ``nn.loss``'s
modules call them."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from tinygrad_edu import ops
from tinygrad_edu.capture_state import note_constant
from tinygrad_edu.functional import where
from tinygrad_edu.nn.functional_arguments import (
    check_reduction,
    legacy_reduction,
    reduce_loss,
    require_floating,
)
from tinygrad_edu.tensor import Tensor


def _target_of(target: Any, input: Tensor, op: str) -> Tensor:
    """``target`` as a Tensor (numbers, lists and arrays take the input's dtype), with torch's
    warning when its shape differs from the input's (the two then broadcast)."""
    target_tensor = target if isinstance(target, Tensor) else Tensor(target, dtype=input.dtype)
    if target_tensor.shape != input.shape:
        warnings.warn(
            f"{op}: using a target size {tuple(target_tensor.shape)} that is different to the "
            f"input "
            f"size {tuple(input.shape)}. This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.", stacklevel=3)
    return target_tensor


def _same_size_weight(weight: Any, input: Tensor, op: str) -> Tensor:
    """A per-element ``weight`` as a Tensor of the input's shape (torch's ValueError if not)."""
    weight_tensor = weight if isinstance(weight, Tensor) else Tensor(weight, dtype=input.dtype)
    if weight_tensor.shape != input.shape:
        raise ValueError(f"{op}: Weights and input must have the same size: weight has shape "
                         f"{tuple(weight_tensor.shape)}, input {tuple(input.shape)}")
    return weight_tensor


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error: reduce((input - target)²).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> F.mse_loss(tge.tensor([1.0, 3.0]), tge.tensor([0.0, 0.0]))
        tensor(5.)
    """
    check_reduction(reduction, "mse_loss")
    difference = input - _target_of(target, input, "mse_loss")
    return reduce_loss(difference * difference, reduction)


def l1_loss(input: Tensor, target: Any, size_average: bool | None = None,
            reduce: bool | None = None, reduction: str = "mean", weight: Any = None) -> Tensor:
    """Mean absolute error: reduce(|input - target|); the gradient is sign(input - target)
    (0 where they are equal, as in torch).

    ``weight`` (the input's shape) weighs each element; the mean then divides by Σ weight, as
    torch does. ``size_average`` and ``reduce`` are torch's deprecated spellings of
    ``reduction`` (they warn). A target of another shape broadcasts, with torch's warning.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> F.l1_loss(tge.tensor([1.0, -3.0]), tge.tensor([0.0, 0.0]))
        tensor(2.)
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction, "l1_loss")
    errors = (input - _target_of(target, input, "l1_loss")).abs()
    if weight is None:
        return reduce_loss(errors, reduction)
    weight_tensor = _same_size_weight(weight, input, "l1_loss")
    weighted = errors * weight_tensor
    if reduction == "mean":
        return weighted.sum() / weight_tensor.sum()
    return reduce_loss(weighted, reduction)


def _quadratic_near_zero(difference: Tensor, width: float, slope: float) -> Tensor:
    """slope · (d² / (2 width)) where |d| < width, else slope · (|d| - width / 2), elementwise:
    a parabola that continues into straight lines with the same value and slope at |d| = width
    (``where`` selects between the two, so each side's gradient is its own)."""
    absolute = difference.abs()
    quadratic = difference * difference * (0.5 * slope / width)
    linear = (absolute - 0.5 * width) * slope
    return where(absolute < width, quadratic, linear)


def smooth_l1_loss(input: Tensor, target: Any, size_average: bool | None = None,
                   reduce: bool | None = None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """reduce of 0.5 d² / beta where |d| < beta, else |d| - 0.5 beta, with d = input - target.

    The gradient is d / beta inside, sign(d) outside. ``beta=0`` is ``l1_loss``, as in torch;
    a negative beta raises torch's RuntimeError. ``size_average`` and ``reduce``: see
    ``l1_loss``.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> F.smooth_l1_loss(tge.tensor([0.5, 3.0]), tge.tensor([0.0, 0.0]), reduction="none")
        tensor([0.1250, 2.5000])
    """
    op = "smooth_l1_loss"
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction, op)
    if beta == 0.0:  # torch's l1_loss
        return reduce_loss((input - _target_of(target, input, op)).abs(), reduction)
    require_floating(input, op)
    if beta < 0:
        raise RuntimeError(f"{op} does not support negative values for beta (got beta={beta}); "
                           "use beta >= 0 (beta=0 is l1_loss)")
    difference = input - _target_of(target, input, op)
    return reduce_loss(_quadratic_near_zero(difference, float(beta), 1.0), reduction)


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0,
               weight: Any = None) -> Tensor:
    """reduce of 0.5 d² where |d| < delta, else delta (|d| - 0.5 delta), with d = input - target:
    ``delta * smooth_l1_loss(..., beta=delta)``.

    The gradient is d inside, delta · sign(d) outside. ``delta`` must be positive (torch's
    RuntimeError). ``weight`` (the input's shape) weighs each element; the mean is then the
    mean of the weighted losses, as in torch.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> F.huber_loss(tge.tensor([0.5, 3.0]), tge.tensor([0.0, 0.0]), reduction="none",
        ...              delta=2.0)
        tensor([0.1250, 4.0000])
    """
    op = "huber_loss"
    check_reduction(reduction, op)
    require_floating(input, op)
    if not delta > 0:
        raise RuntimeError(f"{op} does not support non-positive values for delta (got "
                           f"delta={delta}); use delta > 0")
    difference = input - _target_of(target, input, op)
    losses = _quadratic_near_zero(difference, float(delta), float(delta))
    if weight is not None:
        losses = losses * _same_size_weight(weight, input, op)
    return reduce_loss(losses, reduction)


def binary_cross_entropy(input: Tensor, target: Any, weight: Any = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities: reduce(-w [y log x + (1 - y) log(1 - x)]).

    ``input`` x and ``target`` y hold probabilities in [0, 1] (anything else raises torch's
    RuntimeError) of one shape and dtype. As in torch each log is clamped at -100, so x = 0 or 1
    gives a finite loss, and the gradient w (x - y) / max(x (1 - x), 1e-12) stays finite too:
    one fused op, ``ops.BinaryCrossEntropy``. ``weight`` weighs each element and must broadcast
    to the input's shape. For raw scores (logits) use ``binary_cross_entropy_with_logits``,
    which needs no clamp. ``size_average`` and ``reduce``: see ``l1_loss``.

    Raises:
        ValueError: target and input shapes differ, or an unknown ``reduction``.
        RuntimeError: a value outside [0, 1], target and input dtypes differ, or a weight that
            does not broadcast to the input's shape.
        NotImplementedError: an integer or bool input (torch's error).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> F.binary_cross_entropy(tge.tensor([0.0, 0.9, 0.5]), tge.tensor([1.0, 1.0, 0.0]),
        ...                        reduction="none")
        tensor([100.0000,   0.1054,   0.6931])
    """
    op = "binary_cross_entropy"
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction, op)
    require_floating(input, op)
    target_tensor = target if isinstance(target, Tensor) else Tensor(target, dtype=input.dtype)
    if target_tensor.shape != input.shape:
        raise ValueError(f"{op}: Using a target size ({tuple(target_tensor.shape)}) that is "
                         f"different to "
                         f"the input size ({tuple(input.shape)}) is deprecated. Please ensure "
                         f"they have "
                         "the same size.")
    if target_tensor.dtype != input.dtype:
        raise RuntimeError(f"{op}: Found dtype {target_tensor.dtype} but expected "
                           f"{input.dtype}: the target must have the input's dtype; convert it "
                           "with target.to(input.dtype)")
    weight_array = None
    if weight is not None:
        weight_array = np.array(weight, dtype=input.dtype)
        try:
            fits = np.broadcast_shapes(weight_array.shape, input.shape) == input.shape
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(f"{op}: weight of shape {tuple(weight_array.shape)} does not "
                               f"broadcast "
                               f"to the input's shape {tuple(input.shape)}")
    losses = ops.BinaryCrossEntropy.apply(input, target_tensor, weight=weight_array)
    return reduce_loss(losses, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Any, weight: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Tensor:
    """Binary cross-entropy of logits, -[y log σ(x) + (1 - y) log σ(-x)], stable for any x.

    Computed as max(x, 0) - x·y + log(1 + exp(-|x|)) in one fused op, so logits of ±1000 give
    finite losses and gradients (σ(x) - y). ``pos_weight`` weighs the positive term (one entry
    per class, broadcast along the last dimension); ``weight`` weighs each element.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> F.binary_cross_entropy_with_logits(tge.tensor([1000.0, -1000.0]),
        ...                                    tge.tensor([0.0, 0.0]), reduction="none")
        tensor([1000.,    0.])
    """
    op = "binary_cross_entropy_with_logits"
    check_reduction(reduction, op)
    if not isinstance(input, Tensor) or input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be a floating point Tensor of logits")
    target_tensor = target if isinstance(target, Tensor) else Tensor(target, dtype=input.dtype)
    if target_tensor.shape != input.shape:
        raise ValueError(f"{op}: target size ({tuple(target_tensor.shape)}) must be the same as "
                         f"input "
                         f"size ({tuple(input.shape)})")
    extra: dict[str, np.ndarray | None] = {}
    for name, value in (("weight", weight), ("pos_weight", pos_weight)):
        array = None
        if isinstance(value, Tensor):
            # A copy made by an op, so that a jitted step makes it again at every replay.
            array = ops.Cast.apply(value.detach(), dtype=input.dtype)._data
        elif value is not None:
            array = np.asarray(value).astype(input.dtype)
            note_constant(array)  # the caller's numbers (for tinygrad_edu.jit)
        if array is not None:
            try:
                np.broadcast_shapes(array.shape, input.shape)
            except ValueError:
                raise ValueError(f"{op}: {name} of shape {tuple(array.shape)} does not broadcast "
                                 f"with "
                                 f"input of shape {tuple(input.shape)}") from None
        extra[name] = array
    losses = ops.BinaryCrossEntropyWithLogits.apply(
        input, target_tensor.to(input.dtype), weight=extra["weight"],
        pos_weight=extra["pos_weight"])
    return reduce_loss(losses, reduction)
