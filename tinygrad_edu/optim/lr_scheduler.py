"""Learning-rate schedulers (torch.optim.lr_scheduler's): each ``step()`` sets every group's lr.

Call ``scheduler.step()`` after ``optimizer.step()``. Building a scheduler performs its first
step (epoch 0). The recursive schedulers compute the new learning rate from the group's current
one, exactly as torch does, so chaining two schedulers multiplies their effects.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Iterable

from tinygrad_edu.optim.one_cycle import OneCycleLR
from tinygrad_edu.optim.optimizer import Optimizer
from tinygrad_edu.optim.scheduler_base import LRScheduler

__all__ = [
    "CosineAnnealingLR", "ExponentialLR", "LRScheduler", "MultiStepLR", "OneCycleLR", "StepLR",
]


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    lr_t = lr_{t-1} · γ  when t > 0 and t mod step_size = 0, else lr_{t-1}
    (so lr_t = lr_0 · γ^⌊t / step_size⌋).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.optim import SGD, lr_scheduler
        >>> optimizer = SGD([tge.tensor([1.0], requires_grad=True)], lr=1.0)
        >>> scheduler = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
        >>> lrs = []
        >>> for _ in range(4):
        ...     scheduler.step()
        ...     lrs.append(scheduler.get_last_lr()[0])
        >>> lrs
        [1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current learning rates, times gamma at each multiple of ``step_size``."""
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]


class MultiStepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` at each milestone epoch.

    lr_t = lr_{t-1} · γ^c(t), with c(t) the number of times t appears in ``milestones``.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.optim import SGD, lr_scheduler
        >>> optimizer = SGD([tge.tensor([1.0], requires_grad=True)], lr=1.0)
        >>> scheduler = lr_scheduler.MultiStepLR(optimizer, milestones=[1, 3], gamma=0.5)
        >>> lrs = []
        >>> for _ in range(4):
        ...     scheduler.step()
        ...     lrs.append(scheduler.get_last_lr()[0])
        >>> lrs
        [0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current learning rates, times gamma**count at a milestone."""
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [lr * factor for lr in self._current_lrs()]


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch: lr_t = lr_{t-1} · γ.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.optim import SGD, lr_scheduler
        >>> optimizer = SGD([tge.tensor([1.0], requires_grad=True)], lr=1.0)
        >>> scheduler = lr_scheduler.ExponentialLR(optimizer, gamma=0.5)
        >>> scheduler.step(); scheduler.step()
        >>> optimizer.param_groups[0]["lr"]
        0.25
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current learning rates times gamma (unchanged by the constructor's step)."""
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]


class CosineAnnealingLR(LRScheduler):
    r"""Cosine annealing from the initial learning rate down to ``eta_min`` over ``T_max`` epochs.

    The closed form is η_t = η_min + (η_0 - η_min)(1 + cos(π t / T_max)) / 2. Stepping one
    epoch at a time uses torch's recursive form, which follows other schedulers' changes:

        η_t = η_min + (η_{t-1} - η_min) · (1 + cos(π t / T_max)) / (1 + cos(π (t-1) / T_max))

    except after each minimum (t - 1 - T_max ≡ 0 mod 2 T_max), where the cosine restarts its
    rise: η_t = η_{t-1} + (η_0 - η_min)(1 - cos(π / T_max)) / 2.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.optim import SGD, lr_scheduler
        >>> optimizer = SGD([tge.tensor([1.0], requires_grad=True)], lr=1.0)
        >>> scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=2)
        >>> lrs = []
        >>> for _ in range(2):
        ...     scheduler.step()
        ...     lrs.append(round(scheduler.get_last_lr()[0], 6))
        >>> lrs
        [0.5, 0.0]
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,  # noqa: N803
                 last_epoch: int = -1) -> None:
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The next learning rates by torch's recursive cosine formula."""
        eta_min = self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if self._step_count == 1 and self.last_epoch > 0:
            cosine = 1 + math.cos(self.last_epoch * math.pi / self.T_max)
            return [eta_min + (base_lr - eta_min) * cosine / 2 for base_lr in self.base_lrs]
        if (self.last_epoch - 1 - self.T_max) % (2 * self.T_max) == 0:
            cosine = 1 - math.cos(math.pi / self.T_max)
            return [
                lr + (base_lr - eta_min) * cosine / 2
                for lr, base_lr in zip(self._current_lrs(), self.base_lrs)
            ]
        ratio = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / (
            1 + math.cos(math.pi * (self.last_epoch - 1) / self.T_max)
        )
        return [ratio * (lr - eta_min) + eta_min for lr in self._current_lrs()]
