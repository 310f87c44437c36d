"""The losses of ``nn.functional`` (``F.cross_entropy``, ``F.mse_loss``, ...), with torch's
names and arguments. Each checks its arguments and raises an error that names the loss, then
calls a fused op (``ops.CrossEntropy``, ``ops.BinaryCrossEntropyWithLogits``, ...) or composes
Tensor ops; ``nn.functional`` exports them all, and ``nn.loss``'s modules call them."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from tinygrad_edu import dtypes, ops
from tinygrad_edu.function import constant
from tinygrad_edu.functional import where
from tinygrad_edu.ops.loss import label_positions, labels_within
from tinygrad_edu.tensor import Tensor

REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction: str, op: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction; use one of "
                         f"{REDUCTIONS}")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """torch's reading of the deprecated ``size_average`` and ``reduce`` arguments, with its
    warning: "mean" if both are true (None counts as true), "sum" if only ``reduce`` is, else
    "none". ``reduction`` itself when both are None."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    legacy = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{legacy}' instead.", stacklevel=3)
    return legacy


def require_floating(input: Any, op: str) -> None:
    """torch computes ``op`` for floating point tensors only: a TypeError for anything that is
    not a Tensor, torch's NotImplementedError for an integer or bool one."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if not dtypes.is_floating(input.dtype):
        raise NotImplementedError(
            f"{op}: not implemented for {input.dtype} tensors (torch computes it for floating "
            "point tensors only); convert the input with .float() first")


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


def _class_weight(weight: Any, classes: int, dtype: np.dtype, op: str) -> np.ndarray | None:
    """The class weights as an array of the logits' dtype, checked to have C entries."""
    if weight is None:
        return None
    array = weight._data if isinstance(weight, Tensor) else np.asarray(weight)
    if array.shape != (classes,):
        raise ValueError(f"{op}: weight should have one entry per class, shape ({classes},), "
                         f"got {tuple(array.shape)}")
    return array.astype(dtype)


def _class_targets(target: np.ndarray, input: Tensor, class_dim: int, ignore_index: int,
                   op: str) -> bool:
    """Check class-index targets: shape = input's without the class axis, values in [0, C) or
    ``ignore_index``. Returns whether some target is ``ignore_index``."""
    shape = input._data.shape  # (a tuple: Tensor.shape would build a Size on every call)
    classes = shape[class_dim]
    expected = shape[:class_dim] + shape[class_dim + 1:]
    if target.shape != expected:
        raise ValueError(
            f"{op}: expected class targets of shape {expected} for input of shape {shape} "
            f"(class dimension {class_dim}), got {tuple(target.shape)}"
        )
    # The common case, checked with one reduction: every target is a class and ignore_index
    # is none (it lies outside [0, C)). Anything else gets the element-wise look below.
    if target.size and labels_within(target, classes) and not (0 <= ignore_index < classes):
        return False
    valid = target != ignore_index
    wrong = valid & ((target < 0) | (target >= classes))
    if wrong.any():
        raise IndexError(
            f"{op}: target {int(target[wrong].flat[0])} is out of bounds; class targets must be "
            f"in [0, {classes - 1}] (or ignore_index={ignore_index})"
        )
    return not valid.all()


def cross_entropy(input: Tensor, target: Any, weight: Any = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits against class indices or class probabilities.

    ``input``: logits of shape (C,), (N, C) or (N, C, d1, ...). ``target``: int class indices
    of shape (), (N,) or (N, d1, ...) (``ignore_index`` entries are skipped), or float
    probabilities of the input's shape. ``weight``: one weight per class. Plain class labels
    (no weight, no smoothing, nothing ignored) run the fused ``CrossEntropy`` op: log-softmax with
    the maximum shifted out, so any logits give a finite loss, and the gradient softmax − one-hot,
    the article's ``dZ2 = A2 − Y`` (divided by N for "mean"). Every other case is composed from
    ``log_softmax`` and Tensor ops, with torch's formulas.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> logits = tge.tensor([[1000.0, 0.0], [0.0, 0.0]], requires_grad=True)
        >>> loss = F.cross_entropy(logits, tge.tensor([0, 1]))
        >>> round(loss.item(), 4)
        0.3466
        >>> loss.backward(); logits.grad
        tensor([[ 0.0000,  0.0000],
                [ 0.2500, -0.2500]])
    """
    op = "cross_entropy"
    _check_reduction(reduction, op)
    if not isinstance(input, Tensor) or input.dtype.kind != "f" or input.ndim == 0:
        raise TypeError(f"{op}: input must be a floating point Tensor of logits with at least "
                        "one dimension (C,), (N, C) or (N, C, d1, ...)")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be between 0.0 and 1.0, got "
                         f"{label_smoothing}")
    class_dim = 0 if input.ndim == 1 else 1
    target_tensor = target if isinstance(target, Tensor) else Tensor(np.asarray(target))
    class_weight = _class_weight(weight, input._data.shape[class_dim], input.dtype, op)
    labels = target_tensor._data
    if labels.dtype.kind in "iu":
        some_ignored = _class_targets(labels, input, class_dim, ignore_index, op)
        if class_weight is None and label_smoothing == 0 and not some_ignored:
            if labels.dtype != np.int64:
                target_tensor = target_tensor.to(dtypes.int64)
            return ops.CrossEntropy.apply(input, target_tensor, class_dim=class_dim,
                                          reduction=reduction)
        return _class_target_loss(input.log_softmax(class_dim), labels, class_dim, class_weight,
                                  ignore_index, reduction, float(label_smoothing))
    if target_tensor.dtype.kind != "f":
        raise TypeError(f"{op}: target must hold integer class indices or float probabilities, "
                        f"got dtype {target_tensor.dtype}")
    if target_tensor.shape != input.shape:
        raise ValueError(
            f"{op}: probability targets must have the input's shape {tuple(input.shape)}, got "
            f"{tuple(target_tensor.shape)}; class-index targets must be an integer tensor"
        )
    if ignore_index >= 0:
        raise ValueError(f"{op}: ignore_index is not supported for probability targets")
    return _probability_target_loss(input.log_softmax(class_dim), target_tensor.to(input.dtype),
                                    class_dim, class_weight, reduction, float(label_smoothing))


def _along_class_dim(values: np.ndarray, ndim: int, class_dim: int) -> np.ndarray:
    """Per-class ``values`` (shape (C,)) shaped to broadcast along ``class_dim`` of ndim axes."""
    return values.reshape([values.size if axis == class_dim else 1 for axis in range(ndim)])


def _without_unused_infinities(log_probabilities: Tensor, coefficients: np.ndarray) -> Tensor:
    """``log_probabilities`` with 0 in place of -inf where the coefficient is 0.

    A class whose logit is -inf (masked out) has log p = -inf; with coefficient 0 its term
    a · log p counts as 0 rather than 0 · -inf = NaN (torch gives NaN there). Selected, not
    multiplied, so no NaN reaches the gradient either. Everywhere else nothing changes.
    """
    unused = (coefficients == 0) & (log_probabilities._data == -np.inf)
    if not unused.any():
        return log_probabilities
    zero = constant(np.zeros((), dtype=log_probabilities.dtype))
    return ops.Where.apply(zero, log_probabilities, condition=unused)


def _mean(total: Tensor, count: float) -> Tensor:
    """``total / count``; for count 0 (no samples, or all ignored) NaN with gradient 0, as torch."""
    if count == 0:
        return total * 0.0 + float("nan")
    return total / count


def _class_target_loss(log_probabilities: Tensor, labels: np.ndarray, class_dim: int,
                       class_weight: np.ndarray | None, ignore_index: int, reduction: str,
                       label_smoothing: float) -> Tensor:
    """-Σ_c a_c log p_c per sample for class targets y, with torch's coefficients
    a_c = w_c ((1 - ε) one_hot(y)_c + ε / C), and a = 0 for a sample whose y is ``ignore_index``.

    Composed as torch does: the label term -(1 - ε) w_y log p_y picks each label's entry (other
    classes never enter it), plus the smoothing term -(ε / C) Σ_c w_c log p_c. "mean" divides by
    Σ w_y over the samples not ignored (also for the smoothing term, as torch). Ignored samples
    are selected away last, so they get exactly 0 even from an inf upstream gradient.
    """
    classes = log_probabilities.shape[class_dim]
    dtype = log_probabilities.dtype
    valid = labels != ignore_index
    safe_labels = np.where(valid, labels, 0)
    weight = np.ones(classes, dtype=dtype) if class_weight is None else class_weight
    sample_weight = np.where(valid, weight[safe_labels], 0).astype(dtype)  # w_y, 0 if ignored
    terms = []
    if label_smoothing < 1:
        coefficient = ((1 - label_smoothing) * sample_weight).astype(dtype)
        # log p_y: integer-array indexing, which is twice differentiable.
        picked = log_probabilities[label_positions(safe_labels, class_dim)]
        terms.append(_without_unused_infinities(picked, coefficient) * constant(-coefficient))
    if label_smoothing > 0:
        smoothing = _along_class_dim(weight * (label_smoothing / classes), labels.ndim + 1,
                                     class_dim) * np.expand_dims(valid, class_dim)
        smoothing = smoothing.astype(dtype)
        spread = _without_unused_infinities(log_probabilities, smoothing) * constant(-smoothing)
        terms.append(spread.sum(class_dim))
    losses = terms[0] if len(terms) == 1 else terms[0] + terms[1]
    if not valid.all():
        losses = ops.Where.apply(losses, constant(np.zeros((), dtype=dtype)), condition=valid)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return _mean(losses.sum(), float(sample_weight.sum()))


def _probability_target_loss(log_probabilities: Tensor, target: Tensor, class_dim: int,
                             class_weight: np.ndarray | None, reduction: str,
                             label_smoothing: float) -> Tensor:
    """-Σ_c a_c log p_c per sample for probability targets q, with torch's coefficients
    a = w_c ((1 - ε) q_c + ε / C); "mean" divides by the number of samples (N · d1 ⋯).

    The target may require grad: dL/dq_c = -(1 - ε) w_c log p_c comes from the same expression.
    """
    classes = log_probabilities.shape[class_dim]
    coefficients = target
    if label_smoothing > 0:
        coefficients = target * (1 - label_smoothing) + label_smoothing / classes
    if class_weight is not None:
        coefficients = coefficients * constant(
            _along_class_dim(class_weight, target.ndim, class_dim))
    terms = _without_unused_infinities(log_probabilities, coefficients._data) * coefficients
    losses = -terms.sum(class_dim)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return _mean(losses.sum(), float(losses.numel()))


def nll_loss(input: Tensor, target: Any, weight: Any = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood: -weight[y] · input[n, y] for log-probabilities ``input``.

    ``nll_loss(log_softmax(z, 1), y)`` equals ``cross_entropy(z, y)``; the mean divides by the
    sum of the weights of the targets that are not ``ignore_index``.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> F.nll_loss(tge.tensor([[-1.0, -2.0], [-3.0, -4.0]]), tge.tensor([0, 1]))
        tensor(2.5000)
    """
    op = "nll_loss"
    _check_reduction(reduction, op)
    if not isinstance(input, Tensor) or input.dtype.kind != "f" or input.ndim == 0:
        raise TypeError(f"{op}: input must be a floating point Tensor of log-probabilities "
                        "with at least one dimension")
    class_dim = 0 if input.ndim == 1 else 1
    labels = target._data if isinstance(target, Tensor) else np.asarray(target)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold integer class indices, got {labels.dtype}")
    _class_targets(labels, input, class_dim, ignore_index, op)
    class_weight = _class_weight(weight, input.shape[class_dim], input.dtype, op)
    return _class_target_loss(input, labels, class_dim, class_weight, ignore_index, reduction,
                              0.0)


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error: reduce((input - target)²).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> F.mse_loss(tge.tensor([1.0, 3.0]), tge.tensor([0.0, 0.0]))
        tensor(5.)
    """
    _check_reduction(reduction, "mse_loss")
    difference = input - _target_of(target, input, "mse_loss")
    return _reduce(difference * difference, reduction)


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
    _check_reduction(reduction, "l1_loss")
    errors = (input - _target_of(target, input, "l1_loss")).abs()
    if weight is None:
        return _reduce(errors, reduction)
    weight_tensor = _same_size_weight(weight, input, "l1_loss")
    weighted = errors * weight_tensor
    if reduction == "mean":
        return weighted.sum() / weight_tensor.sum()
    return _reduce(weighted, reduction)


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
    _check_reduction(reduction, op)
    if beta == 0.0:  # torch's l1_loss
        return _reduce((input - _target_of(target, input, op)).abs(), reduction)
    require_floating(input, op)
    if beta < 0:
        raise RuntimeError(f"{op} does not support negative values for beta (got beta={beta}); "
                           "use beta >= 0 (beta=0 is l1_loss)")
    difference = input - _target_of(target, input, op)
    return _reduce(_quadratic_near_zero(difference, float(beta), 1.0), reduction)


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
    _check_reduction(reduction, op)
    require_floating(input, op)
    if not delta > 0:
        raise RuntimeError(f"{op} does not support non-positive values for delta (got "
                           f"delta={delta}); use delta > 0")
    difference = input - _target_of(target, input, op)
    losses = _quadratic_near_zero(difference, float(delta), float(delta))
    if weight is not None:
        losses = losses * _same_size_weight(weight, input, op)
    return _reduce(losses, reduction)


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
    _check_reduction(reduction, op)
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
    return _reduce(losses, reduction)


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
    _check_reduction(reduction, op)
    if not isinstance(input, Tensor) or input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be a floating point Tensor of logits")
    target_tensor = target if isinstance(target, Tensor) else Tensor(target, dtype=input.dtype)
    if target_tensor.shape != input.shape:
        raise ValueError(f"{op}: target size ({tuple(target_tensor.shape)}) must be the same as "
                         f"input "
                         f"size ({tuple(input.shape)})")
    extra: dict[str, np.ndarray | None] = {}
    for name, value in (("weight", weight), ("pos_weight", pos_weight)):
        array = None if value is None else (
            value._data if isinstance(value, Tensor) else np.asarray(value)).astype(input.dtype)
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
    return _reduce(losses, reduction)
