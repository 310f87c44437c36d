"""Loss modules: thin wrappers that hold the options and call ``nn.functional``.

Like torch, class weights (``weight``, ``pos_weight``) are registered as buffers, so they appear
in ``state_dict`` under the same keys as torch's.
"""

from __future__ import annotations

from typing import Any

from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor

__all__ = ["BCEWithLogitsLoss", "CrossEntropyLoss", "MSELoss", "NLLLoss"]


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
