"""Fused loss ops: cross-entropy of logits against class labels, binary cross-entropy of
logits, and binary cross-entropy of probabilities.

The first two take raw scores (logits), never probabilities, so that they can subtract the
maximum before ``exp`` and never take the log of a number that rounded to 0: the loss and its
gradient stay finite for logits of any size (±1000 included). Class weights, ``ignore_index``,
label smoothing and probability targets are not ops: ``nn.functional.cross_entropy`` composes
them. ``BinaryCrossEntropy`` takes probabilities, as torch's ``binary_cross_entropy`` does, and
keeps torch's guards at p = 0 and 1 (the log clamped at -100, the gradient's denominator at
1e-12), which a composite of ``log`` and ``clamp`` would not reproduce.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_edu.function import Context, Function, constant
from tinygrad_edu.ops.elementwise import Add, Exp, Mul
from tinygrad_edu.ops.fused import LogSoftmax, stable_log_softmax
from tinygrad_edu.ops.movement import Cat

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor


def label_positions(labels: np.ndarray, class_dim: int) -> tuple[np.ndarray, ...]:
    """Where each sample's label sits in the logits: the integer-array index (n, y_n, d1, ...)
    such that ``logits[label_positions(labels, class_dim)]`` has the shape of ``labels``."""
    if labels.ndim == 1:
        # (N, C) logits, the usual batch: (0, 1, ..., N - 1) and the labels. np.arange is a
        # third of the cost of np.indices, and this runs twice in every training step.
        return (np.arange(labels.shape[0]), labels)
    positions: list[np.ndarray] = list(np.indices(labels.shape, sparse=True))
    positions.insert(class_dim, labels)
    return tuple(positions)


def labels_within(labels: np.ndarray, classes: int) -> bool:
    """Whether every integer label lies in [0, classes) (true for no labels), in one maximum:
    read as unsigned integers of the same width, a negative label is at least 2^(bits - 1),
    far above any number of classes."""
    if labels.size == 0:
        return True
    as_unsigned = labels.view(f"u{labels.dtype.itemsize}")
    return bool(np.maximum.reduce(as_unsigned, axis=None) < classes)


def check_class_targets(labels: np.ndarray, classes: int) -> None:
    """Raise IndexError for a label outside [0, classes): NumPy would read a negative one from
    the end. ``nn.functional`` checks first with a better message; this check stays in the op,
    because a replayed step (``tinygrad_edu.jit``) calls the op without the functional."""
    if not labels_within(labels, classes):
        raise IndexError(
            f"cross_entropy: a class target is out of bounds; targets must be in "
            f"[0, {classes - 1}], got values from {labels.min()} to {labels.max()} (a target "
            "equal to ignore_index is not allowed in a step compiled with tinygrad_edu.jit "
            "whose captured batches had none)"
        )


class MinusOneHot(Function):
    """-Y: an array of zeros with -1 at each sample's label (``positions``, from
    ``label_positions``). No inputs, so no gradient: the labels are integers.

    Example:
        >>> import numpy as np
        >>> labels = np.array([2, 0])
        >>> MinusOneHot.apply(shape=(2, 3), dtype=np.dtype("float64"),
        ...                   positions=label_positions(labels, 1)).tolist()
        [[0.0, 0.0, -1.0], [-1.0, 0.0, 0.0]]
    """

    @staticmethod
    def forward(ctx: Context, *, shape: tuple[int, ...], dtype: np.dtype,
                positions: tuple[np.ndarray, ...]) -> np.ndarray:
        minus_y = np.zeros(shape, dtype=dtype)
        minus_y[positions] = -1
        return minus_y

    @staticmethod
    def backward(ctx: Context, *grad_outputs: Tensor) -> tuple[()]:
        return ()  # no inputs, nothing to return


class CrossEntropy(Function):
    """L = reduce(-log softmax(Z2)[y]) over the samples.   dL/dZ2 = (A2 - Y) · scale.

    The article's notation, per sample: Z2 holds the logits (classes along ``class_dim``),
    A2 = softmax(Z2), Y is the one-hot row of the integer label y, and the loss is
    -Σ Y log A2 = -log A2[y]. Its gradient is the article's ``dZ2 = A2 - Y``, times ``scale``:
    the upstream gradient, divided by the number of samples m for ``reduction="mean"``.

    Forward takes log A2 from the stable log-softmax (the row maximum subtracted before
    ``exp``), so any logits give a finite loss. Inputs: logits of shape (C,), (N, C) or
    (N, C, d1, ...), and labels of the logits' shape without ``class_dim``, each in [0, C)
    (integers: no gradient).
    """

    @staticmethod
    def forward(ctx: Context, logits: np.ndarray, labels: np.ndarray, *, class_dim: int,
                reduction: str) -> np.ndarray:
        check_class_targets(labels, logits.shape[class_dim])
        log_a2 = stable_log_softmax(logits, class_dim)
        picked = log_a2[label_positions(labels, class_dim)]  # log A2[y], one per sample
        ctx.class_dim = class_dim
        ctx.reduction = reduction
        ctx.save_for_backward(logits, labels, log_a2)
        if reduction == "none":
            return -picked
        # (The loss is returned as a 0-d array rather than a NumPy scalar: Function.apply
        # takes a shorter path for one array output, 1.6 µs less on a batch of 32x10.)
        total = -picked.sum()  # the sum of the -log A2[y]: negating is exact
        if reduction == "sum":
            return np.asarray(total)
        samples = np.asarray(picked.size, dtype=logits.dtype)
        if picked.size == 0:
            with np.errstate(invalid="ignore"):  # no samples: 0 / 0 = NaN, as in torch
                return np.asarray(total / samples)
        # m >= 1: no division by zero, no overflow, nothing to warn about.
        return np.asarray(total / samples)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, None]:
        z2, labels, log_a2 = ctx.saved_tensors
        # dZ2 = (A2 - Y) · scale, one op (see CrossEntropyGradient).
        grad_z2 = CrossEntropyGradient.apply(z2, log_a2, labels, grad_output,
                                             class_dim=ctx.class_dim, reduction=ctx.reduction)
        return grad_z2, None


class CrossEntropyGradient(Function):
    """out = (A2 - Y) · scale: the gradient of ``CrossEntropy`` as an op of its own.

    A2 = exp(log A2) = softmax(Z2), Y is one-hot at the labels, and scale is the upstream
    gradient g of the loss (along the class axis for ``reduction="none"``; g / m for "mean").
    Inputs: Z2 (for the graph: the values are read from its log-softmax log A2, computed by the
    forward pass), log A2, the labels and g. One op instead of the five that would compose it
    (exp, -Y, add, two products), like ``ReluGradient``; its backward is the derivative of that
    composite, so ``create_graph=True`` gives the same second derivatives:

    d out / d Z2 applied to G: the softmax Jacobian of u = G · scale,
        A2 ⊙ u - A2 · Σ_classes (A2 ⊙ u)     (exp's backward, then log-softmax's);
    d out / d g: Σ G ⊙ (A2 - Y) over the classes ("none") or over everything ("sum"; and
        times 1/m for "mean").
    """

    @staticmethod
    def forward(ctx: Context, logits: np.ndarray, log_a2: np.ndarray, labels: np.ndarray,
                upstream: np.ndarray, *, class_dim: int, reduction: str) -> np.ndarray:
        positions = label_positions(labels, class_dim)
        if reduction == "none":
            scale = np.expand_dims(upstream, class_dim)  # one upstream gradient per sample
        elif reduction == "sum":
            scale = upstream
        else:
            scale = upstream * one_over(labels.size, upstream.dtype)  # the mean's g / m
        ctx.class_dim = class_dim
        ctx.reduction = reduction
        ctx.positions = positions
        ctx.save_for_backward(logits, log_a2, labels, upstream)
        a2_minus_y = np.exp(log_a2)  # A2, a new array: changed in place below
        a2_minus_y[positions] -= 1  # A2 - Y
        a2_minus_y *= scale
        return a2_minus_y

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, ...]:
        z2, log_a2, labels, upstream = ctx.saved_tensors
        needs_z2, _, _, needs_upstream = ctx.needs_input_grad
        class_dim = ctx.class_dim
        # A2 as a function of Z2 (log A2 from forward), so that this gradient has one too.
        a2 = Exp.apply(LogSoftmax.apply(z2, dim=class_dim, known_output=log_a2._data))
        if ctx.reduction == "none":
            scale = upstream.unsqueeze(class_dim)
        elif ctx.reduction == "sum":
            scale = upstream
        else:
            scale = Mul.apply(upstream, constant(one_over(labels.numel(), upstream.dtype)))
        grad_z2 = grad_upstream = None
        if needs_z2:
            weighted = Mul.apply(Mul.apply(grad_output, scale), a2)  # A2 ⊙ u, u = G · scale
            grad_z2 = weighted - a2 * weighted.sum(dim=class_dim, keepdim=True)
        if needs_upstream:
            minus_y = MinusOneHot.apply(shape=z2.shape, dtype=z2.dtype, positions=ctx.positions)
            per_class = Mul.apply(grad_output, Add.apply(a2, minus_y))  # G ⊙ (A2 - Y)
            if ctx.reduction == "none":
                grad_upstream = per_class.sum(dim=class_dim)
            else:
                grad_upstream = per_class.sum()
                if ctx.reduction == "mean":
                    grad_upstream = Mul.apply(
                        grad_upstream, constant(one_over(labels.numel(), upstream.dtype)))
        return grad_z2, None, None, grad_upstream


def one_over(samples: int, dtype: np.dtype) -> np.ndarray:
    """1/m in ``dtype``, the factor of a mean over m samples (1 when there are none)."""
    return np.asarray(1 / max(samples, 1), dtype=dtype)


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


# torch's guards for probabilities of exactly 0 or 1: log p is clamped at -100 in the loss, and
# p (1 - p) at 1e-12 in the gradient's denominator. In the gradient torch's constant is the
# float32 1e-12 (9.99999996e-13) in every dtype; its second derivatives use the float64 1e-12.
LOG_CLAMP = -100.0
GRADIENT_EPSILON = float(np.float32(1e-12))
SECOND_DERIVATIVE_EPSILON = 1e-12


def check_probabilities(values: np.ndarray, what: str) -> None:
    """Raise torch's RuntimeError unless every element of ``values`` lies in [0, 1] (NaN not)."""
    outside = ~((values >= 0) & (values <= 1))
    if outside.any():
        position = tuple(int(index) for index in np.argwhere(outside)[0])
        raise RuntimeError(
            f"binary_cross_entropy: all elements of {what} should be between 0 and 1, but "
            f"{what}{list(position)} = {values[position]}; for raw scores (logits) apply "
            "sigmoid first, or use binary_cross_entropy_with_logits, which is stable too"
        )


class BinaryCrossEntropy(Function):
    """out = -w [y log x + (1 - y) log(1 - x)] elementwise (x, y in [0, 1]; w: weight).

    Local derivatives, torch's: dout/dx = w (x - y) / max(x (1 - x), 1e-12) and
    dout/dy = w (log(1 - x) - log x) = -w logit(x).

    The first is the sum of the two logs' derivatives, -y / x + (1 - y) / (1 - x), over one
    denominator. As in torch each log is clamped at -100, so p = 0 or 1 gives a finite loss
    (y log x = 0 when y = 0 and x = 0), and the denominator is at least 1e-12, so the gradient
    there is finite too (±1e12 w for a confident wrong answer). Inputs outside [0, 1] raise
    torch's RuntimeError. The input's gradient is an op of its own,
    ``BinaryCrossEntropyGradient``, so that differentiating it again gives torch's second
    derivatives (whose guards differ from the derivative of this formula).
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, y: np.ndarray, *,
                weight: np.ndarray | None) -> np.ndarray:
        check_probabilities(x, "input")
        check_probabilities(y, "target")
        with np.errstate(divide="ignore"):  # log(0) = -inf, then clamped
            log_x = np.maximum(np.log(x), LOG_CLAMP)
            log_one_minus_x = np.maximum(np.log1p(-x), LOG_CLAMP)
        output = (y - 1) * log_one_minus_x - y * log_x
        if weight is not None:
            output = output * weight
        ctx.weight = weight
        ctx.save_for_backward(x, y)
        return np.asarray(output).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, y = ctx.saved_tensors
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            # g w (x - y) / max(x (1 - x), 1e-12)
            grad_x = BinaryCrossEntropyGradient.apply(grad_output, x, y, weight=ctx.weight)
        if ctx.needs_input_grad[1]:
            scale = grad_output if ctx.weight is None else grad_output * constant(ctx.weight)
            grad_y = scale * ((1 - x).log() - x.log())  # -g w logit(x)
        return grad_x, grad_y


class BinaryCrossEntropyGradient(Function):
    """out = g w (x - y) / max(x (1 - x), ε): the input gradient of ``BinaryCrossEntropy``.

    Local derivatives (torch's double backward, δ = 1e-12):
    dout/dg = w (x - y) / ((x + δ) (1 - x + δ)),
    dout/dx = g w (x² - 2 x y + y) / ((x + δ)² (1 - x + δ)²),
    dout/dy = -g w / max(x (1 - x), δ).

    Away from 0 and 1 these are the derivatives of g w (x - y) / (x (1 - x)); torch guards them
    by adding δ to x and to 1 - x (and clamping the last), where the derivative of the clamped
    forward would be 1 / ε at x = 0 or 1 and differ by about δ / x elsewhere. An op of its own,
    like ``ReluGradient``, so that the second derivatives of ``binary_cross_entropy`` are
    torch's; they are written with Tensor ops, so they can be differentiated in turn.
    """

    @staticmethod
    def forward(ctx: Context, grad: np.ndarray, x: np.ndarray, y: np.ndarray, *,
                weight: np.ndarray | None) -> np.ndarray:
        output = grad * (x - y) / np.maximum(x * (1 - x), GRADIENT_EPSILON)
        if weight is not None:
            output = output * weight
        ctx.weight = weight
        ctx.save_for_backward(grad, x, y)
        return np.asarray(output).astype(grad.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, ...]:
        grad, x, y = ctx.saved_tensors
        needs_grad, needs_x, needs_y = ctx.needs_input_grad
        delta = SECOND_DERIVATIVE_EPSILON
        weighted = grad_output if ctx.weight is None else grad_output * constant(ctx.weight)
        grad_of_grad = grad_x = grad_y = None
        if needs_grad:
            grad_of_grad = weighted * (x - y) / ((x + delta) * (1 - x + delta))
        if needs_x:
            curvature = (x * x - 2 * x * y + y) / ((x + delta) ** 2 * (1 - x + delta) ** 2)
            grad_x = weighted * grad * curvature
        if needs_y:
            grad_y = -(weighted * grad) / (x * (1 - x)).clamp(min=delta)
        return grad_of_grad, grad_x, grad_y
