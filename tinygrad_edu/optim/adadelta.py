"""Adadelta: steps scaled by running averages of squared gradients and squared updates."""

from __future__ import annotations

import numpy as np

from tinygrad_edu.optim.optimizer import (
    Optimizer,
    ParamsT,
    add_product_,
    parameter_arrays,
    signed_decayed_grad,
)


class Adadelta(Optimizer):
    r"""Adadelta (torch.optim.Adadelta, same formulas and order of operations).

    For each parameter θ with gradient g (γ learning rate, ρ decay, λ weight decay, ε eps;
    v and u start at 0):

        g ← -g if maximize
        g ← g + λ θ                              (if λ ≠ 0)
        v ← ρ v + (1 - ρ) g²
        Δ = √(u + ε) / √(v + ε) · g
        u ← ρ u + (1 - ρ) Δ²
        θ ← θ - γ Δ

    The ratio of the two running root mean squares gives each element a step in the units of
    θ itself, so the default learning rate is 1. Parameters whose ``.grad`` is None are
    skipped. State per parameter: ``step``, ``square_avg`` (v) and ``acc_delta`` (u).

    Args:
        params: tensors or param-group dicts to optimise.
        lr: learning rate γ, a factor on Δ.
        rho: ρ, the decay of both running averages, in [0, 1].
        eps: ε inside both square roots.
        weight_decay: L2 penalty λ added to the gradient.
        maximize: ascend the objective instead of descending it.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.optim import Adadelta
        >>> w = tge.tensor([1.0, -2.0], requires_grad=True)
        >>> optimizer = Adadelta([w], rho=0.0, eps=1e-2)
        >>> (w * w).sum().backward()
        >>> optimizer.step()
        >>> w
        tensor([ 0.9001, -1.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(self) -> None:
        """Update every parameter that has a gradient once (``step()`` calls this)."""
        for group in self.param_groups:
            rho = group["rho"]
            eps = group["eps"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                value, gradient = parameter_arrays(param)
                state = self.state[param]
                if len(state) == 0:
                    state["step"] = 0
                    state["square_avg"] = np.zeros_like(value)
                    state["acc_delta"] = np.zeros_like(value)
                state["step"] += 1
                grad = signed_decayed_grad(
                    gradient, value, group["weight_decay"], group["maximize"]
                )
                square_avg = state["square_avg"]
                acc_delta = state["acc_delta"]
                square_avg *= rho
                add_product_(square_avg, 1 - rho, grad, grad)
                # (asarray: for a 0-d parameter the sum is a NumPy scalar, which has no out=.)
                std = np.asarray(square_avg + eps)
                np.sqrt(std, out=std)
                delta = np.asarray(acc_delta + eps)
                np.sqrt(delta, out=delta)
                delta /= std
                delta *= grad  # Δ = √(u + ε) / √(v + ε) · g
                acc_delta *= rho
                add_product_(acc_delta, 1 - rho, delta, delta)
                value += np.multiply(delta, -group["lr"])
                param._version.value += 1
