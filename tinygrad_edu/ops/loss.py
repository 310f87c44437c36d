"""Fused loss ops: cross-entropy on logits, and binary cross-entropy on logits.

Both take raw scores (logits), never probabilities, so that they can subtract the maximum
before ``exp`` and never take the log of a number that rounded to 0: the loss and its gradient
stay finite for logits of any size (±1000 included).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_edu.function import Context, Function, constant
from tinygrad_edu.grad_mode import is_grad_enabled
from tinygrad_edu.ops.elementwise import Where, zero_like
from tinygrad_edu.ops.fused import LogSoftmax, stable_log_softmax
from tinygrad_edu.ops.movement import Cat

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor


def along_class_axis(weight: np.ndarray, ndim: int, class_dim: int) -> np.ndarray:
    """The per-class ``weight`` reshaped to broadcast along ``class_dim`` of an ndim array."""
    return weight.reshape([weight.size if axis == class_dim else 1 for axis in range(ndim)])


def class_target_coefficients(
    shape: tuple[int, ...], target: np.ndarray, class_dim: int, weight: np.ndarray | None,
    ignore_index: int, label_smoothing: float, dtype: np.dtype,
) -> tuple[np.ndarray, float]:
    """The dense coefficients a (shape of the logits) and the 'mean' denominator.

    For class targets y the per-sample loss is -Σ_c a_c log p_c with
    a = w_c ((1 - ε) one_hot(y) + ε / C), a = 0 on samples whose target is ``ignore_index``
    (torch's formula). The mean divides by Σ w_y over the samples that are not ignored.
    """
    classes = shape[class_dim]
    valid = target != ignore_index
    safe_target = np.where(valid, target, 0)
    sample_weight = valid.astype(dtype)
    if weight is not None:
        sample_weight = sample_weight * weight[safe_target]
    class_weight = np.ones(classes, dtype) if weight is None else weight
    class_weight = along_class_axis(class_weight, len(shape), class_dim)
    coefficients = np.zeros(shape, dtype)
    if label_smoothing > 0:
        coefficients += (label_smoothing / classes) * class_weight * np.expand_dims(
            valid, class_dim)
    picked = np.expand_dims(safe_target, class_dim)
    on_target = np.take_along_axis(coefficients, picked, class_dim)
    on_target += (1 - label_smoothing) * np.expand_dims(sample_weight, class_dim)
    np.put_along_axis(coefficients, picked, on_target, class_dim)
    return coefficients, float(sample_weight.sum())


class CrossEntropy(Function):
    """loss = reduce(-Σ_c a_c log softmax(z)_c).   dL/dz = (softmax(z) Σ_c a_c - a) · scale.

    ``a`` holds the target distribution times the class weights: one-hot targets (smoothed by
    ``label_smoothing``, zero where the target is ``ignore_index``) or probability targets. With
    unweighted targets Σ_c a_c = 1 and the gradient is softmax(z) - Y, the article's
    ``dZ2 = A2 - Y``; ``scale`` is the upstream gradient, divided by the number of samples (the
    sum of their weights) for ``reduction="mean"``. Inputs: logits (class axis ``class_dim``) and
    the target (int64 classes, no gradient; or float probabilities, with gradient -a/q·log p).
    """

    @staticmethod
    def forward(
        ctx: Context, logits: np.ndarray, target: np.ndarray, *, class_dim: int,
        weight: np.ndarray | None, ignore_index: int, label_smoothing: float, reduction: str,
    ) -> np.ndarray:
        log_probabilities = stable_log_softmax(logits, class_dim)
        classes = logits.shape[class_dim]
        # The common case, (batch, classes) logits with plain class labels, skips the dense
        # coefficients: its loss picks one log-probability per row.
        plain_labels = (target.dtype.kind in "iu" and weight is None and label_smoothing == 0
                        and logits.ndim == 2 and class_dim == 1)
        coefficients = None
        if plain_labels:
            valid = target != ignore_index
            picked = log_probabilities[np.arange(len(target)), np.where(valid, target, 0)]
            per_sample = np.where(valid, -picked, 0)
            denominator = float(np.count_nonzero(valid))
        else:
            if target.dtype.kind in "iu":
                coefficients, denominator = class_target_coefficients(
                    logits.shape, target, class_dim, weight, ignore_index, label_smoothing,
                    logits.dtype)
            else:
                coefficients = target * (1 - label_smoothing) + label_smoothing / classes
                if weight is not None:
                    coefficients = coefficients * along_class_axis(weight, logits.ndim, class_dim)
                denominator = float(logits.size // classes) if logits.size else 0.0
            # Only the non-zero coefficients count: a -inf logit (a masked class) with a = 0
            # adds nothing instead of 0 * -inf = nan.
            terms = np.where(coefficients != 0, coefficients * log_probabilities, 0)
            per_sample = -terms.sum(axis=class_dim)
        ctx.coefficients = coefficients
        ctx.ignore_index = ignore_index
        ctx.class_dim = class_dim
        ctx.weight = weight
        ctx.label_smoothing = label_smoothing
        ctx.reduction = reduction
        ctx.denominator = denominator
        ctx.save_for_backward(logits, target, log_probabilities)
        if reduction == "none":
            return per_sample.astype(logits.dtype, copy=False)
        total = per_sample.sum(dtype=logits.dtype)
        if reduction == "sum":
            return np.asarray(total)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(total / np.asarray(denominator, dtype=logits.dtype))

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        logits, target, saved_log_probabilities = ctx.saved_tensors
        class_dim = ctx.class_dim
        if ctx.reduction == "none":
            scale = grad_output.unsqueeze(class_dim)
        elif ctx.reduction == "sum":
            scale = grad_output
        else:
            # Every sample ignored: torch's loss is nan but its gradient is 0; so is ours.
            scale = grad_output * (1.0 / ctx.denominator if ctx.denominator else 0.0)
        probability_target = target.dtype.kind == "f"
        if not probability_target:
            valid = target.data != ctx.ignore_index
            if not valid.all():
                # Ignored samples get exactly 0: their scale is selected away rather than
                # multiplied by their zero direction, so an inf or NaN upstream gradient never
                # reaches them (torch skips them), not even in second-order gradients.
                scale = Where.apply(scale, zero_like(grad_output),
                                    condition=np.expand_dims(valid, class_dim))
        if ctx.coefficients is None and (is_grad_enabled() or ctx.needs_input_grad[1]):
            ctx.coefficients, _ = class_target_coefficients(
                logits.shape, target.data, class_dim, None, ctx.ignore_index, 0.0, logits.dtype)
        if is_grad_enabled():
            # create_graph=True: the gradient must itself be differentiable with respect to the
            # logits (and the probability target), so softmax and a are rebuilt from the saved
            # inputs with Tensor ops, which record their own graph.
            log_probabilities = logits.log_softmax(class_dim)
            coefficients = constant(ctx.coefficients)
            if probability_target:
                classes = logits.shape[class_dim]
                coefficients = target * (1 - ctx.label_smoothing) + ctx.label_smoothing / classes
                if ctx.weight is not None:
                    coefficients = coefficients * constant(
                        along_class_axis(ctx.weight, logits.ndim, class_dim))
            probabilities = log_probabilities.exp()
            direction = probabilities * coefficients.sum(class_dim, keepdim=True) - coefficients
        elif ctx.coefficients is None:
            # Plain labels under no_grad (an ordinary backward): softmax minus one-hot, written
            # into the softmax array in place, exactly the article's dZ2 = A2 - Y.
            log_probabilities = saved_log_probabilities
            labels = target.data
            valid = labels != ctx.ignore_index
            direction_array = np.exp(saved_log_probabilities.data)
            direction_array[np.arange(len(labels)), np.where(valid, labels, 0)] -= 1
            if not valid.all():
                direction_array[~valid] = 0
            direction = constant(direction_array)
        else:
            # Plain backward runs under no_grad: nothing is recorded, so the probabilities saved
            # by forward serve as a constant and the direction is one NumPy expression.
            log_probabilities = saved_log_probabilities
            probabilities = np.exp(saved_log_probabilities.data)
            a = ctx.coefficients
            direction = constant(probabilities * a.sum(axis=class_dim, keepdims=True) - a)
        grad_logits = scale * direction if ctx.needs_input_grad[0] else None
        grad_target = None
        if ctx.needs_input_grad[1]:
            # d(-Σ a log p)/dq = -(1 - ε) w log p, the class weights broadcast along class_dim.
            grad_target = scale * log_probabilities * -(1 - ctx.label_smoothing)
            if ctx.weight is not None:
                grad_target = grad_target * constant(
                    along_class_axis(ctx.weight, logits.ndim, class_dim))
        return grad_logits, grad_target


def log_sigmoid(x: Tensor) -> Tensor:
    """log σ(x) = log softmax([x, 0])[0], smooth and finite for any x (Tensor ops)."""
    zeros = constant(np.zeros((1, *x.shape), dtype=x.dtype))
    pairs = Cat.apply(x.unsqueeze(0), zeros, dim=0)
    return LogSoftmax.apply(pairs, dim=0)[0]


class BinaryCrossEntropyWithLogits(Function):
    """out = -w [p y log σ(x) + (1 - y) log σ(-x)] elementwise (p: pos_weight, w: weight).

    Local derivatives: dout/dx = w [σ(x) (p y + 1 - y) - p y]  (w (σ(x) - y) for p = 1) and
    dout/dy = -w [(p - 1) log σ(x) + x]. Forward uses the stable form
    (1 - y) x + (1 + (p - 1) y) (max(-x, 0) + log(1 + exp(-|x|))), which for p = 1 is
    max(x, 0) - x y + log(1 + exp(-|x|)): exp is only taken of -|x| <= 0, so it never overflows.
    """

    @staticmethod
    def forward(
        ctx: Context, x: np.ndarray, y: np.ndarray, *, weight: np.ndarray | None,
        pos_weight: np.ndarray | None,
    ) -> np.ndarray:
        softplus_of_minus_x = np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))
        if pos_weight is None:
            output = (1 - y) * x + softplus_of_minus_x
        else:
            output = (1 - y) * x + (1 + (pos_weight - 1) * y) * softplus_of_minus_x
        if weight is not None:
            output = output * weight
        ctx.weight = weight
        ctx.pos_weight = pos_weight
        ctx.save_for_backward(x, y)
        return output.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, y = ctx.saved_tensors
        scale = grad_output if ctx.weight is None else grad_output * constant(ctx.weight)
        pos_weight = None if ctx.pos_weight is None else constant(ctx.pos_weight)
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            if pos_weight is None:
                grad_x = scale * (x.sigmoid() - y)
            else:
                grad_x = scale * (x.sigmoid() * (pos_weight * y + 1 - y) - pos_weight * y)
        if ctx.needs_input_grad[1]:
            if pos_weight is None:
                grad_y = -scale * x
            else:
                grad_y = -scale * ((pos_weight - 1) * log_sigmoid(x) + x)
        return grad_x, grad_y
