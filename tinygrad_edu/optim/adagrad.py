"""Adagrad: each parameter element's step shrinks with the sum of its squared gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.optim.optimizer import (
    Optimizer,
    ParamsT,
    add_product_,
    add_quotient_,
    parameter_arrays,
    signed_decayed_grad,
)


class Adagrad(Optimizer):
    r"""Adagrad (torch.optim.Adagrad, same formulas and order of operations).

    For each parameter θ with gradient g, at step t = 1, 2, ... (γ learning rate, η lr_decay,
    λ weight decay, ε eps; the sum s starts at initial_accumulator_value):

        g ← -g if maximize
        g ← g + λ θ                              (if λ ≠ 0)
        γ_t = γ / (1 + (t - 1) η)
        s ← s + g²
        θ ← θ - γ_t g / (√s + ε)

    Elements with large past gradients take small steps, rarely-updated ones large steps.
    Parameters whose ``.grad`` is None are skipped. State per parameter: ``step`` and ``sum``
    (s). As in torch, the state of every parameter given to the constructor is created there
    (step 0), and s always starts at the optimiser's own ``initial_accumulator_value``, even for
    a param group that names another one (torch reads only the default).

    Args:
        params: tensors or param-group dicts to optimise.
        lr: learning rate γ.
        lr_decay: η; the learning rate at step t is γ / (1 + (t - 1) η).
        weight_decay: L2 penalty λ added to the gradient.
        initial_accumulator_value: the starting value of the sum of squared gradients.
        eps: ε added to the denominator.
        maximize: ascend the objective instead of descending it.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.optim import Adagrad
        >>> w = tge.tensor([1.0, -2.0], requires_grad=True)
        >>> optimizer = Adagrad([w], lr=0.5)
        >>> (w * w).sum().backward()
        >>> optimizer.step()
        >>> w
        tensor([ 0.5000, -1.5000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
            )
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for param in group["params"]:
                self._initial_state(param)

    def _initial_state(self, param: Any) -> dict[str, Any]:
        """Step 0 and the sum filled with the default initial_accumulator_value (torch's)."""
        state = self.state[param]
        state["step"] = 0
        state["sum"] = np.full(param.shape, self.defaults["initial_accumulator_value"],
                               dtype=param.dtype)
        return state

    def _update(self) -> None:
        """Update every parameter that has a gradient once (``step()`` calls this)."""
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                value, gradient = parameter_arrays(param)
                state = self.state[param]
                if len(state) == 0:  # a parameter added with add_param_group
                    state = self._initial_state(param)
                state["step"] += 1
                grad = signed_decayed_grad(
                    gradient, value, group["weight_decay"], group["maximize"]
                )
                decayed_lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
                state_sum = state["sum"]
                add_product_(state_sum, 1, grad, grad)
                denominator = np.sqrt(state_sum)
                denominator += group["eps"]
                add_quotient_(value, -decayed_lr, grad, denominator)
                param._version.value += 1
