"""Stochastic gradient descent, with momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

import numpy as np

from tinygrad_edu.optim.optimizer import Optimizer, ParamsT, signed_decayed_grad


class SGD(Optimizer):
    r"""Stochastic gradient descent (torch.optim.SGD, same update order and rounding).

    For each parameter θ with gradient g, at step t (λ weight decay, μ momentum, τ dampening,
    γ learning rate):

        g ← -g if maximize
        g ← g + λ θ                                  (if λ ≠ 0)
        b ← g  (first step);  b ← μ b + (1 - τ) g     (later steps)   (if μ ≠ 0)
        g ← g + μ b  if nesterov,  else  g ← b        (if μ ≠ 0)
        θ ← θ - γ g

    The first momentum buffer is a copy of the gradient, not ``(1 - τ) g``, exactly as in torch.
    Parameters whose ``.grad`` is None are skipped.

    Args:
        params: tensors or param-group dicts to optimise.
        lr: learning rate γ.
        momentum: momentum factor μ (0 turns momentum off).
        dampening: dampening τ of the gradient added to the momentum buffer.
        weight_decay: L2 penalty λ added to the gradient.
        nesterov: use Nesterov momentum (needs μ > 0 and τ = 0).
        maximize: ascend the objective instead of descending it.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.optim import SGD
        >>> w = tge.tensor([1.0, 2.0], requires_grad=True)
        >>> optimizer = SGD([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> optimizer.step()
        >>> w
        tensor([0.8000, 1.6000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(self) -> None:
        """Update every parameter that has a gradient once (``step()`` calls this)."""
        for group in self.param_groups:
            lr = group["lr"]
            momentum = group["momentum"]
            dampening = group["dampening"]
            nesterov = group["nesterov"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                data = param._data
                grad = signed_decayed_grad(
                    param.grad._data, data, group["weight_decay"], group["maximize"]
                )
                if momentum != 0:
                    state = self.state[param]
                    buffer = state.get("momentum_buffer")
                    if buffer is None:
                        buffer = np.array(grad, copy=True)
                        state["momentum_buffer"] = buffer
                    else:
                        buffer *= momentum
                        if dampening == 0:
                            buffer += grad
                        else:
                            buffer += np.multiply(grad, 1 - dampening)
                    if nesterov:
                        grad = grad + np.multiply(buffer, momentum)
                    else:
                        grad = buffer
                data += np.multiply(grad, -lr)
                param._version.value += 1
