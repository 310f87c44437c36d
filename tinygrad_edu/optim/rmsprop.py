"""RMSprop: divide the gradient by a running root mean square of recent gradients."""

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


class RMSprop(Optimizer):
    r"""RMSprop (torch.optim.RMSprop, same formulas and order of operations).

    For each parameter θ with gradient g (γ learning rate, α smoothing constant, λ weight decay,
    μ momentum, ε eps; v, ḡ, b start at 0):

        g ← -g if maximize
        g ← g + λ θ                              (if λ ≠ 0)
        v ← α v + (1 - α) g²
        ḡ ← ḡ + (1 - α)(g - ḡ)                   (if centered)
        avg = √(v - ḡ²) + ε  if centered,  else  √v + ε
        b ← μ b + g / avg,  θ ← θ - γ b          (if μ > 0)
        θ ← θ - γ g / avg                        (otherwise)

    Parameters whose ``.grad`` is None are skipped. State per parameter: ``step``,
    ``square_avg`` (v), ``momentum_buffer`` (b, if μ > 0), ``grad_avg`` (ḡ, if centered).

    Args:
        params: tensors or param-group dicts to optimise.
        lr: learning rate γ.
        alpha: smoothing constant α of the squared-gradient average.
        eps: ε added to the denominator.
        weight_decay: L2 penalty λ added to the gradient.
        momentum: momentum factor μ.
        centered: normalise by an estimate of the gradient's variance instead of its second
            moment.
        maximize: ascend the objective instead of descending it.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.optim import RMSprop
        >>> w = tge.tensor([1.0, -2.0], requires_grad=True)
        >>> optimizer = RMSprop([w], lr=0.01, alpha=0.75)
        >>> (w * w).sum().backward()
        >>> optimizer.step()
        >>> w
        tensor([ 0.9800, -1.9800], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(self) -> None:
        """Update every parameter that has a gradient once (``step()`` calls this)."""
        for group in self.param_groups:
            lr = group["lr"]
            alpha = group["alpha"]
            momentum = group["momentum"]
            centered = group["centered"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                data = param._data
                state = self.state[param]
                if len(state) == 0:
                    state["step"] = 0
                    state["square_avg"] = np.zeros_like(data)
                    if momentum > 0:
                        state["momentum_buffer"] = np.zeros_like(data)
                    if centered:
                        state["grad_avg"] = np.zeros_like(data)
                state["step"] += 1
                grad = signed_decayed_grad(
                    param.grad._data, data, group["weight_decay"], group["maximize"]
                )
                square_avg = state["square_avg"]
                square_avg *= alpha
                add_product_(square_avg, 1 - alpha, grad, grad)
                if centered:
                    grad_avg = state["grad_avg"]
                    lerp_(grad_avg, grad, 1 - alpha)
                    average = np.array(square_avg, copy=True)
                    add_product_(average, -1, grad_avg, grad_avg)
                    np.sqrt(average, out=average)
                else:
                    average = np.sqrt(square_avg)
                average += group["eps"]
                if momentum > 0:
                    buffer = state["momentum_buffer"]
                    buffer *= momentum
                    add_quotient_(buffer, 1, grad, average)
                    data += np.multiply(buffer, -lr)
                else:
                    add_quotient_(data, -lr, grad, average)
                param._version.value += 1
