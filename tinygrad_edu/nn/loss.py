"""Loss modules: thin wrappers that hold the options and call ``nn.functional``.

Like torch, class weights (``weight``, ``pos_weight``) are registered as buffers, so they appear
in ``state_dict`` under the same keys as torch's.
"""

from __future__ import annotations

from typing import Any

from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn.functional_arguments import legacy_reduction
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "HuberLoss", "L1Loss", "MSELoss",
    "NLLLoss", "SmoothL1Loss",
]


def _buffer(value: Any) -> Tensor | None:
    """An optional weight as a Tensor (a copy of arrays and lists)."""
    if value is None or isinstance(value, Tensor):
        return value
    return Tensor(value)


class CrossEntropyLoss(Module):
    """Cross-entropy of logits against class indices or probabilities (see
    ``nn.functional.cross_entropy``).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> loss_function = nn.CrossEntropyLoss()
        >>> round(loss_function(tge.zeros(4, 10), tge.tensor([0, 1, 2, 3])).item(), 4)
        2.3026
    """

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__()
        self.register_buffer("weight", _buffer(weight))
        self.ignore_index = ignore_index
        self.reduction = reduction
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """The loss of ``input`` (logits) against ``target``."""
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                               self.label_smoothing)


class NLLLoss(Module):
    """Negative log-likelihood of log-probabilities (see ``nn.functional.nll_loss``).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> nn.NLLLoss()(tge.tensor([[-1.0, -2.0]]), tge.tensor([1]))
        tensor(2.)
    """

    def __init__(self, weight: Any = None, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__()
        self.register_buffer("weight", _buffer(weight))
        self.ignore_index = ignore_index
        self.reduction = reduction

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """The loss of ``input`` (log-probabilities) against class indices ``target``."""
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class MSELoss(Module):
    """Mean squared error (see ``nn.functional.mse_loss``).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> nn.MSELoss(reduction="sum")(tge.tensor([1.0, 2.0]), tge.tensor([0.0, 0.0]))
        tensor(5.)
    """

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.mse_loss(input, target, self.reduction)


class BCEWithLogitsLoss(Module):
    """Binary cross-entropy of logits, stable for any logits (see
    ``nn.functional.binary_cross_entropy_with_logits``).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> round(nn.BCEWithLogitsLoss()(tge.zeros(3), tge.ones(3)).item(), 4)
        0.6931
    """

    def __init__(self, weight: Any = None, reduction: str = "mean",
                 pos_weight: Any = None) -> None:
        super().__init__()
        self.register_buffer("weight", _buffer(weight))
        self.register_buffer("pos_weight", _buffer(pos_weight))
        self.reduction = reduction

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """The loss of ``input`` (logits) against ``target`` (probabilities in [0, 1])."""
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                  self.pos_weight)


class L1Loss(Module):
    """Mean absolute error (see ``nn.functional.l1_loss``). ``size_average`` and ``reduce`` are
    torch's deprecated spellings of ``reduction`` (they warn, as in torch).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> nn.L1Loss()(tge.tensor([1.0, -3.0]), tge.tensor([0.0, 0.0]))
        tensor(2.)
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = legacy_reduction(size_average, reduce, reduction)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(Module):
    """Squared error below ``beta``, absolute error above it (see
    ``nn.functional.smooth_l1_loss``).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> nn.SmoothL1Loss(reduction="sum")(tge.tensor([0.5, 3.0]), tge.tensor([0.0, 0.0]))
        tensor(2.6250)
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__()
        self.reduction = legacy_reduction(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(Module):
    """Squared error below ``delta``, delta times the absolute error above it (see
    ``nn.functional.huber_loss``).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> nn.HuberLoss(delta=2.0)(tge.tensor([0.5, 3.0]), tge.tensor([0.0, 0.0]))
        tensor(2.0625)
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__()
        self.reduction = reduction
        self.delta = delta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(Module):
    """Binary cross-entropy of probabilities in [0, 1] (see
    ``nn.functional.binary_cross_entropy``); for logits ``BCEWithLogitsLoss`` is the stable
    choice. ``weight`` is a buffer, as in torch.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> round(nn.BCELoss()(tge.full((3,), 0.5), tge.ones(3)).item(), 4)
        0.6931
    """

    def __init__(self, weight: Any = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__()
        self.register_buffer("weight", _buffer(weight))
        self.reduction = legacy_reduction(size_average, reduce, reduction)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """The loss of ``input`` (probabilities) against ``target`` (probabilities)."""
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)
