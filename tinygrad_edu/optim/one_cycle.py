"""``OneCycleLR``: the 1cycle learning-rate (and momentum) policy of Smith & Topin."""

from __future__ import annotations

import math
from typing import Any

from tinygrad_edu.optim.optimizer import Optimizer
from tinygrad_edu.optim.scheduler_base import LRScheduler


class OneCycleLR(LRScheduler):
    r"""The 1cycle policy: warm the learning rate up to ``max_lr``, then anneal it far below.

    With N = total_steps (or epochs · steps_per_epoch), p = pct_start, lr₀ = max_lr /
    div_factor and lr_min = lr₀ / final_div_factor, the phases end at step

        two phases:   pN - 1 (lr₀ → max_lr),  N - 1 (max_lr → lr_min)
        three phases: pN - 1 (lr₀ → max_lr),  2pN - 2 (max_lr → lr₀),  N - 1 (lr₀ → lr_min)

    and inside a phase from step s to e, with x = (t - s) / (e - s), the value goes from a to b
    by cos: b + (a - b)(1 + cos(π x)) / 2, or linear: a + (b - a) x. With ``cycle_momentum``
    the momentum (SGD, RMSprop) or β₁ (Adam) moves the opposite way between ``max_momentum``
    and ``base_momentum`` (three phases: it stays at ``max_momentum`` in the last one).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.optim import SGD, lr_scheduler
        >>> optimizer = SGD([tge.tensor([1.0], requires_grad=True)], lr=0.1, momentum=0.9)
        >>> scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=10,
        ...                                     anneal_strategy="linear")
        >>> scheduler.get_last_lr(), optimizer.param_groups[0]["momentum"]
        ([0.04], 0.95)
        >>> for _ in range(2):
        ...     scheduler.step()
        >>> scheduler.get_last_lr(), optimizer.param_groups[0]["momentum"]
        ([1.0], 0.85)
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise ValueError(f"Expected positive integer epochs, but got {epochs}")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise ValueError(
                    f"Expected positive integer steps_per_epoch, but got {steps_per_epoch}"
                )
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        if not isinstance(pct_start, float) or pct_start < 0 or pct_start > 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                "anneal_strategy must be one of 'cos' or 'linear', instead got "
                f"{anneal_strategy}"
            )
        self.anneal_strategy = anneal_strategy
        # Each phase: (last step, start lr key, end lr key, start momentum key, end one).
        rise_end = float(pct_start * self.total_steps) - 1
        if three_phase:
            self.phases = [
                (rise_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (float(2 * pct_start * self.total_steps) - 2, "max_lr", "initial_lr",
                 "base_momentum", "max_momentum"),
                (float(self.total_steps - 1), "initial_lr", "min_lr", "max_momentum",
                 "max_momentum"),
            ]
        else:
            self.phases = [
                (rise_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (float(self.total_steps - 1), "max_lr", "min_lr", "base_momentum",
                 "max_momentum"),
            ]
        groups = optimizer.param_groups
        max_lrs = _per_group("max_lr", max_lr, len(groups))
        if last_epoch == -1:
            for group, group_max_lr in zip(groups, max_lrs):
                group["initial_lr"] = group_max_lr / div_factor
                group["max_lr"] = group_max_lr
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        self.use_beta1 = "betas" in optimizer.defaults
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and not self.use_beta1:
                raise ValueError(
                    "optimizer must support momentum or beta1 with `cycle_momentum` option "
                    "enabled"
                )
            max_momentums = _per_group("max_momentum", max_momentum, len(groups))
            base_momentums = _per_group("base_momentum", base_momentum, len(groups))
            if last_epoch == -1:
                for group, top, bottom in zip(groups, max_momentums, base_momentums):
                    self._set_momentum(group, top)
                    group["max_momentum"] = top
                    group["base_momentum"] = bottom
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, fraction: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * fraction) + 1)
        return (end - start) * fraction + start

    def _set_momentum(self, group: dict[str, Any], momentum: float) -> None:
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def get_lr(self) -> list[float]:
        """The learning rate at step ``last_epoch``; also sets the cycled momentum."""
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"Tried to step {step} times. The specified number of total steps is "
                f"{self.total_steps}"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for index, (end_step, lr_from, lr_to, momentum_from, momentum_to) in enumerate(
                self.phases
            ):
                if step <= end_step or index == len(self.phases) - 1:
                    fraction = (step - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[lr_from], group[lr_to], fraction))
                    if self.cycle_momentum:
                        momentum = self._anneal(
                            group[momentum_from], group[momentum_to], fraction
                        )
                        self._set_momentum(group, momentum)
                    break
                start_step = end_step
        return lrs


def _per_group(name: str, value: float | list[float], group_count: int) -> list[float]:
    """One value per param group: a list of them, or one value repeated."""
    if isinstance(value, (list, tuple)):
        if len(value) != group_count:
            raise ValueError(
                f"{name} must have the same length as optimizer.param_groups. {name} has "
                f"{len(value)} values, param_groups has {group_count}."
            )
        return list(value)
    return [value] * group_count
