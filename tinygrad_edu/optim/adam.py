"""Adam and AdamW: adaptive moment estimation, with L2 or decoupled weight decay and AMSGrad."""

from __future__ import annotations

import numpy as np

from tinygrad_edu.optim.optimizer import (
    Optimizer,
    ParamsT,
    add_product_,
    add_quotient_,
    lerp_,
    signed_decayed_grad,
)


class Adam(Optimizer):
    r"""Adam (torch.optim.Adam, same formulas and order of operations).

    For each parameter θ with gradient g, at step t = 1, 2, ... (γ learning rate, β₁, β₂ betas,
    λ weight decay, ε eps; m, v start at 0):

        g ← -g if maximize
        θ ← θ (1 - γ λ)            if decoupled_weight_decay (AdamW)
        g ← g + λ θ                otherwise, if λ ≠ 0 (L2 penalty)
        m ← m + (1 - β₁)(g - m)               (lerp, i.e. β₁ m + (1 - β₁) g)
        v ← β₂ v + (1 - β₂) g²
        v̂ ← max(v̂, v) if amsgrad, else v̂ = v
        denom = √v̂ / √(1 - β₂ᵗ) + ε
        θ ← θ - (γ / (1 - β₁ᵗ)) · m / denom

    Parameters whose ``.grad`` is None are skipped. State per parameter: ``step``, ``exp_avg``
    (m), ``exp_avg_sq`` (v) and, with amsgrad, ``max_exp_avg_sq`` (v̂).

    Args:
        params: tensors or param-group dicts to optimise.
        lr: learning rate γ.
        betas: (β₁, β₂), the decay rates of the first and second moment estimates, in [0, 1).
        eps: ε added to the denominator for numerical stability.
        weight_decay: λ; an L2 penalty added to the gradient (Adam) or a decoupled decay of
            the parameter (AdamW).
        amsgrad: normalise by the running maximum of the second moment (AMSGrad).
        maximize: ascend the objective instead of descending it.
        decoupled_weight_decay: apply weight decay to the parameter directly (AdamW).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.optim import Adam
        >>> w = tge.tensor([1.0, -2.0], requires_grad=True)
        >>> optimizer = Adam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> optimizer.step()
        >>> w
        tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "betas": (float(betas[0]), float(betas[1])),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _update(self) -> None:
        """Update every parameter that has a gradient once (``step()`` calls this)."""
        for group in self.param_groups:
            lr = group["lr"]
            beta1, beta2 = group["betas"]
            eps = group["eps"]
            weight_decay = group["weight_decay"]
            amsgrad = group["amsgrad"]
            decoupled = group["decoupled_weight_decay"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                data = param._data
                state = self.state[param]
                if len(state) == 0:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(data)
                    state["exp_avg_sq"] = np.zeros_like(data)
                    if amsgrad:
                        state["max_exp_avg_sq"] = np.zeros_like(data)
                state["step"] += 1
                step = state["step"]
                if decoupled:
                    grad = signed_decayed_grad(param.grad._data, data, 0, group["maximize"])
                    if weight_decay != 0:
                        data *= 1 - lr * weight_decay
                else:
                    grad = signed_decayed_grad(
                        param.grad._data, data, weight_decay, group["maximize"]
                    )
                exp_avg = state["exp_avg"]
                exp_avg_sq = state["exp_avg_sq"]
                lerp_(exp_avg, grad, 1 - beta1)
                exp_avg_sq *= beta2
                add_product_(exp_avg_sq, 1 - beta2, grad, grad)

                bias_correction1 = 1 - beta1**step
                bias_correction2 = 1 - beta2**step
                step_size = lr / bias_correction1
                bias_correction2_sqrt = bias_correction2**0.5
                if amsgrad:
                    second_moment = state["max_exp_avg_sq"]
                    np.maximum(second_moment, exp_avg_sq, out=second_moment)
                else:
                    second_moment = exp_avg_sq
                denominator = np.sqrt(second_moment)
                denominator /= bias_correction2_sqrt
                denominator += eps
                add_quotient_(data, -step_size, exp_avg, denominator)
                param._version.value += 1


class AdamW(Adam):
    r"""Adam with decoupled weight decay (torch.optim.AdamW).

    The same update as ``Adam`` except for weight decay, which shrinks the parameter directly
    before the moment updates instead of entering the gradient:

        θ ← θ (1 - γ λ),   then the Adam step with the undecayed gradient.

    Args:
        params: tensors or param-group dicts to optimise.
        lr: learning rate γ.
        betas: (β₁, β₂) in [0, 1).
        eps: ε added to the denominator.
        weight_decay: decoupled weight decay λ (default 1e-2).
        amsgrad: use the running maximum of the second moment.
        maximize: ascend the objective instead of descending it.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.optim import AdamW
        >>> w = tge.tensor([1.0, -2.0], requires_grad=True)
        >>> optimizer = AdamW([w], lr=0.1, weight_decay=0.5)
        >>> (w * w).sum().backward()
        >>> optimizer.step()
        >>> w
        tensor([ 0.8500, -1.8000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params, lr, betas, eps, weight_decay, amsgrad,
            maximize=maximize, decoupled_weight_decay=True,
        )
