"""Cross-entropy and the negative log-likelihood of ``nn.functional`` (``F.cross_entropy``,
``F.nll_loss``), with torch's arguments. Plain class labels run the fused ``ops.CrossEntropy``;
class weights, ``ignore_index``, label smoothing and probability targets are composed here from
``log_softmax`` and Tensor ops, with torch's formulas."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import dtypes, ops
from tinygrad_edu.function import constant
from tinygrad_edu.functional import where
from tinygrad_edu.nn.functional_arguments import check_reduction
from tinygrad_edu.ops.loss import labels_within
from tinygrad_edu.tensor import Tensor


def _class_weight(weight: Any, classes: int, dtype: np.dtype, op: str) -> Tensor | None:
    """The class weights as a new tensor of the logits' dtype, checked to have C entries (a
    copy made by an op, so that a jitted step reads a weight tensor's values at each replay)."""
    if weight is None:
        return None
    tensor = weight if isinstance(weight, Tensor) else Tensor(np.asarray(weight))
    if tensor._data.shape != (classes,):
        raise ValueError(f"{op}: weight should have one entry per class, shape ({classes},), "
                         f"got {tuple(tensor._data.shape)}")
    return ops.Cast.apply(tensor.detach(), dtype=dtype)


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
    (no weight, no smoothing, nothing ignored, ``ignore_index`` outside [0, C) as the default
    -100 is) run the fused ``CrossEntropy`` op: log-softmax with
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
    check_reduction(reduction, op)
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
        # The fused op when nothing needs coefficients. It refuses a label outside [0, C), so an
        # ignore_index there (-100, the default) is never taken for a class, even in a jitted
        # step replayed on a batch that holds it; one inside [0, C) always takes the composite.
        classes = input._data.shape[class_dim]
        if (class_weight is None and label_smoothing == 0 and not some_ignored
                and not 0 <= ignore_index < classes):
            if labels.dtype != np.int64:
                target_tensor = target_tensor.to(dtypes.int64)
            return ops.CrossEntropy.apply(input, target_tensor, class_dim=class_dim,
                                          reduction=reduction)
        return _class_target_loss(input.log_softmax(class_dim), target_tensor, class_dim,
                                  class_weight, ignore_index, reduction, float(label_smoothing))
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


def _along_class_dim(values: Tensor, ndim: int, class_dim: int) -> Tensor:
    """Per-class ``values`` (shape (C,)) shaped to broadcast along ``class_dim`` of ndim axes."""
    return values.reshape([values.numel() if axis == class_dim else 1 for axis in range(ndim)])


def _without_unused_infinities(log_probabilities: Tensor,
                               coefficients: Tensor | np.ndarray) -> Tensor:
    """``log_probabilities`` with 0 in place of -inf where the coefficient is 0.

    A class whose logit is -inf (masked out) has log p = -inf; with coefficient 0 its term
    a · log p counts as 0 rather than 0 · -inf = NaN (torch gives NaN there). Selected, not
    multiplied, so no NaN reaches the gradient either. Everywhere else nothing changes.
    """
    if not isinstance(coefficients, Tensor):
        coefficients = constant(coefficients)
    # Ops rather than NumPy on the values, so that a jitted step recomputes the mask.
    unused = (coefficients == 0) & (log_probabilities.detach() == -np.inf)
    zero = constant(np.zeros((), dtype=log_probabilities.dtype))
    return ops.Where.apply(zero, log_probabilities, condition=unused._data)


def _mean(total: Tensor, count: float) -> Tensor:
    """``total / count``; for count 0 (no samples, or all ignored) NaN with gradient 0, as torch."""
    if count == 0:
        return total * 0.0 + float("nan")
    return total / count


def _class_target_loss(log_probabilities: Tensor, labels: Tensor, class_dim: int,
                       class_weight: Tensor | None, ignore_index: int, reduction: str,
                       label_smoothing: float) -> Tensor:
    """-Σ_c a_c log p_c per sample for class targets y, with torch's coefficients
    a_c = w_c ((1 - ε) one_hot(y)_c + ε / C), and a = 0 for a sample whose y is ``ignore_index``.

    Composed as torch does: the label term -(1 - ε) w_y log p_y picks each label's entry (other
    classes never enter it), plus the smoothing term -(ε / C) Σ_c w_c log p_c. "mean" divides by
    Σ w_y over the samples not ignored (also for the smoothing term, as torch). Ignored samples
    are selected away last, so they get exactly 0 even from an inf upstream gradient. Everything
    that depends on the labels is a Tensor op, so that a jitted step recomputes it; the gathers
    check the labels' range in the op itself.
    """
    classes = log_probabilities.shape[class_dim]
    dtype = log_probabilities.dtype
    valid = labels != ignore_index
    safe_labels = where(valid, labels, 0)  # an ignored sample reads class 0, then counts 0
    weight = class_weight if class_weight is not None else constant(np.ones(classes, dtype))
    # w_y, 0 if ignored: one gather over the flattened labels (the op checks their range).
    picked_weight = weight.gather(0, safe_labels.reshape(-1)).reshape(labels.shape)
    sample_weight = where(valid, picked_weight, 0.0)
    terms = []
    if label_smoothing < 1:
        coefficient = sample_weight * (1 - label_smoothing)
        # log p_y: a gather along the class axis, which is twice differentiable.
        picked = log_probabilities.gather(class_dim, safe_labels.unsqueeze(class_dim))
        picked = picked.squeeze(class_dim)
        terms.append(_without_unused_infinities(picked, coefficient) * -coefficient)
    if label_smoothing > 0:
        smoothing = _along_class_dim(weight * (label_smoothing / classes), labels.ndim + 1,
                                     class_dim) * valid.unsqueeze(class_dim)
        spread = _without_unused_infinities(log_probabilities, smoothing) * -smoothing
        terms.append(spread.sum(class_dim))
    losses = terms[0] if len(terms) == 1 else terms[0] + terms[1]
    losses = ops.Where.apply(losses, constant(np.zeros((), dtype=dtype)), condition=valid._data)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    # The mean over Σ w_y; for a count of 0 (every sample ignored) NaN with gradient 0, as
    # torch, selected rather than tested in Python, so that a jitted step follows the labels.
    count = sample_weight.sum()
    empty = count == 0
    mean = losses.sum() / where(empty, 1.0, count)
    return where(empty, float("nan"), mean)


def _probability_target_loss(log_probabilities: Tensor, target: Tensor, class_dim: int,
                             class_weight: Tensor | None, reduction: str,
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
        coefficients = coefficients * _along_class_dim(class_weight, target.ndim, class_dim)
    terms = _without_unused_infinities(log_probabilities, coefficients.detach()) * coefficients
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
    check_reduction(reduction, op)
    if not isinstance(input, Tensor) or input.dtype.kind != "f" or input.ndim == 0:
        raise TypeError(f"{op}: input must be a floating point Tensor of log-probabilities "
                        "with at least one dimension")
    class_dim = 0 if input.ndim == 1 else 1
    target_tensor = target if isinstance(target, Tensor) else Tensor(np.asarray(target))
    labels = target_tensor._data
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold integer class indices, got {labels.dtype}")
    _class_targets(labels, input, class_dim, ignore_index, op)
    class_weight = _class_weight(weight, input.shape[class_dim], input.dtype, op)
    return _class_target_loss(input, target_tensor, class_dim, class_weight, ignore_index,
                              reduction, 0.0)
