"""``LRScheduler``: the base class of the learning-rate schedulers in ``lr_scheduler``.

A scheduler changes each param group's ``"lr"`` once per ``step()``; building one performs its
first step (epoch 0). Subclasses implement ``get_lr``.
"""

from __future__ import annotations

import copy
from typing import Any

from tinygrad_edu.optim.optimizer import Optimizer


class LRScheduler:
    """Base class: keeps ``last_epoch`` and ``base_lrs``; subclasses implement ``get_lr``.

    Args:
        optimizer: the optimiser whose learning rates are scheduled.
        last_epoch: the index of the last epoch, -1 to start afresh; resuming (>= 0) needs an
            ``"initial_lr"`` in every param group.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.optim import SGD, lr_scheduler
        >>> optimizer = SGD([tge.tensor([1.0], requires_grad=True)], lr=1.0)
        >>> scheduler = lr_scheduler.ExponentialLR(optimizer, gamma=0.5)
        >>> scheduler.step()
        >>> scheduler.get_last_lr(), scheduler.last_epoch
        ([0.5], 1)
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for index, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{index}] when "
                        "resuming scheduler with last_epoch >= 0; load the optimizer's state "
                        "dict first, or start with last_epoch=-1"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._last_lr: list[float] = []
        self._is_initial = True
        self._step_count = 0
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rate of each group for epoch ``last_epoch`` (implemented by subclasses)."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr()")

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the most recent ``step`` (one per param group)."""
        return self._last_lr

    def step(self) -> None:
        """Advance one epoch and write the new learning rates into the param groups."""
        self._step_count += 1
        self.last_epoch += 1
        values = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimiser (copied), as in torch.

        Example:
            >>> import tinygrad_edu as tge
            >>> from tinygrad_edu.optim import SGD, lr_scheduler
            >>> optimizer = SGD([tge.tensor([1.0], requires_grad=True)], lr=1.0)
            >>> scheduler = lr_scheduler.StepLR(optimizer, step_size=2)
            >>> scheduler.state_dict()["last_epoch"], scheduler.state_dict()["step_size"]
            (0, 2)
        """
        return {
            key: copy.deepcopy(value)
            for key, value in self.__dict__.items()
            if key != "optimizer"
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes saved by ``state_dict``."""
        self.__dict__.update(copy.deepcopy(state_dict))
