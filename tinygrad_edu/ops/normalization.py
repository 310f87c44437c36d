"""Normalisation: ``Normalize``, the one op behind batch, layer and group norm.

The three layers standardise x over different axes (batch norm over the batch and the spatial
axes of each channel, layer norm over the last dimensions of each sample, group norm over a
group of channels of each sample) and otherwise compute the same thing. The op is fused because
the gradient of a standardised value runs through the mean and the variance, which depend on
every value of the slice: as one node its backward is the article-style closed formula, about
half the passes over the data that the composite (mean, sub, mul, mean, pow, mul) takes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from tinygrad_edu.function import Context, Function
from tinygrad_edu.ops.reduce import Sum

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor

# x̂, μ and σ² of one call, handed back to the op (see ``Normalize``'s ``known``).
Statistics = tuple[np.ndarray, np.ndarray, np.ndarray]


def standardize(x: np.ndarray, axes: tuple[int, ...],
                eps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x̂, μ, σ²): x standardised over ``axes``, and the mean and the biased variance there
    (shaped with the axes kept, size 1). x̂ = (x - μ) / sqrt(σ² + eps).

    A slice of no values has a NaN mean and variance (as in torch), without NumPy's warning.
    """
    count = math.prod(x.shape[axis] for axis in axes)
    with np.errstate(invalid="ignore", divide="ignore"):  # (0 / 0 for an empty slice)
        mean = x.sum(axis=axes, keepdims=True) / count
        x_hat = x - mean
        variance = np.square(x_hat).sum(axis=axes, keepdims=True) / count
        x_hat *= 1 / np.sqrt(variance + eps)
    return x_hat, mean, variance


class Normalize(Function):
    """(y, μ, σ²): y = γ x̂ + β, with x̂ = (x - μ) / sqrt(σ² + ε) and μ, σ² the mean and the
    biased variance of x over ``axes``; three outputs.

    In the article's notation, for one channel of batch norm with its m values x_i:
    μ = (1/m) Σ x_i,  σ² = (1/m) Σ (x_i - μ)²,  σ = sqrt(σ² + ε),  x̂_i = (x_i - μ) / σ,
    y_i = γ x̂_i + β. Every x_i enters μ and σ², so the gradient goes through them too:

        dγ = Σ dy·x̂,    dβ = Σ dy,
        dx = (1/m)·γ/σ·(m·dy − Σdy − x̂·Σ(dy·x̂))

    (the first term is the direct path, −Σdy the path through μ, −x̂·Σ(dy·x̂) the path through
    σ²). Outputs μ and σ² get a gradient only from a second-order pass, which adds
    dμ/dx_i = 1/m and dσ²/dx_i = 2 (x_i − μ) / m. The backward is written with Tensor ops on
    x̂, μ and σ² as functions of x (this op again, given the forward's values through ``known``
    so they are not recomputed), so it can itself be differentiated: gradients of every order
    follow without a hand-written double backward.

    Inputs: x, and optionally γ (``weight``) and β (``bias``), each shaped like μ (the reduced
    axes kept with size 1): constant along ``axes``, as batch norm's per-channel parameters are.
    A bias comes only with a weight. Layer and group norm, whose parameters vary along the
    normalised axes, apply them outside the op.
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, weight: np.ndarray | None = None,
                bias: np.ndarray | None = None, *, axes: tuple[int, ...], eps: float,
                known: Statistics | None = None) -> Statistics:
        x_hat, mean, variance = standardize(x, axes, eps) if known is None else known
        output = x_hat if weight is None else x_hat * weight
        if bias is not None:
            output += bias
        ctx.axes = axes
        ctx.eps = eps
        ctx.count = math.prod(x.shape[axis] for axis in axes)
        # Outputs μ and σ² get no gradient in a first-order pass: None, not zeros.
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(x, weight, x_hat, mean, variance)
        return output, mean, variance

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor | None, grad_mean: Tensor | None,
                 grad_variance: Tensor | None) -> tuple[Tensor | None, ...]:
        x, weight, x_hat_value, mean_value, variance_value = ctx.saved_tensors
        axes, eps, m = ctx.axes, ctx.eps, ctx.count
        # x̂, μ and σ² as functions of x: the forward's values, in a node that differentiates.
        x_hat, mean, variance = Normalize.apply(
            x, axes=axes, eps=eps,
            known=(x_hat_value._data, mean_value._data, variance_value._data))
        # (False for a weight or bias the call did not pass)
        needs_x, needs_weight, needs_bias = (*ctx.needs_input_grad, False, False)[:3]
        grad_x = grad_weight = grad_bias = None
        if grad_output is not None:
            sum_dy = Sum.apply(grad_output, axes=axes, keepdim=True)  # Σdy
            sum_dy_x_hat = Sum.apply(grad_output * x_hat, axes=axes, keepdim=True)  # Σ(dy·x̂)
            if needs_x:
                inverse_sigma = (variance + eps) ** -0.5
                gamma_over_sigma = inverse_sigma if weight is None else weight * inverse_sigma
                # dx = (1/m)·γ/σ·(m·dy − Σdy − x̂·Σ(dy·x̂)), multiplied out so that the
                # per-channel factors are formed first (small) and the full-size arrays are
                # touched four times: dy·(γ/σ) + x̂·(−Σ(dy·x̂)·γ/(σm)) + (−Σdy·γ/(σm)).
                per_value = gamma_over_sigma / -m
                grad_x = (grad_output * gamma_over_sigma + x_hat * (sum_dy_x_hat * per_value)
                          + sum_dy * per_value)
            if needs_weight:
                grad_weight = sum_dy_x_hat  # dγ = Σ dy·x̂
            if needs_bias:
                grad_bias = sum_dy  # dβ = Σ dy
        if needs_x and grad_mean is not None:  # dμ/dx_i = 1/m
            through_mean = (grad_mean / m).expand(x.shape)
            grad_x = through_mean if grad_x is None else grad_x + through_mean
        if needs_x and grad_variance is not None:  # dσ²/dx_i = 2 (x_i − μ) / m
            through_variance = grad_variance * (x - mean) * (2 / m)
            grad_x = through_variance if grad_x is None else grad_x + through_variance
        gradients = (grad_x, grad_weight, grad_bias)
        return gradients[:len(ctx.needs_input_grad)]
