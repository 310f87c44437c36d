"""Elementwise ops. Binary ones broadcast; the engine sums each gradient back to its input's shape.

Every backward multiplies the upstream gradient by the op's local derivative (the chain rule).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_edu.function import Context, Function, constant

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor


class Add(Function):
    """out = a + b.   Local derivatives: dout/da = 1, dout/db = 1."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        return grad_output, grad_output


class Mul(Function):
    """out = a * b.   Local derivatives: dout/da = b, dout/db = a."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        # Save only what a needed gradient reads (as torch): b for a's gradient, a for b's.
        # ``y * 2`` then saves nothing of y, so y may later change in place.
        a_needed, b_needed = ctx.needs_input_grad
        ctx.save_for_backward(a if b_needed else None, b if a_needed else None)
        return a * b

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        grad_a = grad_output * b if ctx.needs_input_grad[0] else None
        grad_b = grad_output * a if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Neg(Function):
    """out = -a.   Local derivative: dout/da = -1."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        return -a

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return -grad_output


class Pow(Function):
    """out = a ** b.   Local derivatives: dout/da = b * a ** (b - 1), dout/db = out * log(a)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        output = np.power(a, b)
        ctx.save_for_backward(a, b, output)
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b, output = ctx.saved_tensors
        grad_a = grad_output * b * a ** (b - 1) if ctx.needs_input_grad[0] else None
        grad_b = None
        if ctx.needs_input_grad[1]:
            # d(a^b)/db = a^b log(a); like torch, the term is 0 where a == 0 and b >= 0.
            zero_base = (a.data == 0) & (b.data >= 0)
            one = constant(np.ones((), dtype=a.dtype))
            log_a = Where.apply(one, a, condition=zero_base).log()
            grad_b = grad_output * output * log_a
        return grad_a, grad_b


class Exp(Function):
    """out = exp(a).   Local derivative: dout/da = exp(a) = out (so the output is saved)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        output = np.exp(a)
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (output,) = ctx.saved_tensors
        return grad_output * output


class Log(Function):
    """out = log(a).   Local derivative: dout/da = 1 / a."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad_output / a


class Tanh(Function):
    """out = tanh(a).   Local derivative: dout/da = 1 - out ** 2."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        output = np.tanh(a)
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (output,) = ctx.saved_tensors
        return grad_output * (1 - output * output)


class Sigmoid(Function):
    """out = 1 / (1 + exp(-a)).   Local derivative: dout/da = out * (1 - out)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        # exp(-|a|) never overflows: for a < 0 use the equal form exp(a) / (1 + exp(a)).
        exp_minus_abs = np.exp(-np.abs(a))
        output = np.where(a >= 0, 1 / (1 + exp_minus_abs), exp_minus_abs / (1 + exp_minus_abs))
        output = output.astype(a.dtype, copy=False)
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (output,) = ctx.saved_tensors
        return grad_output * output * (1 - output)


class Relu(Function):
    """out = max(a, 0).   Local derivative: dout/da = 1[a > 0] (0 at a = 0, like torch)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward((a > 0).astype(a.dtype))
        return np.maximum(a, 0)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (mask,) = ctx.saved_tensors
        return grad_output * mask


class Abs(Function):
    """out = |a|.   Local derivative: dout/da = sign(a) (0 at a = 0, like torch)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(np.sign(a))
        return np.abs(a)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (sign,) = ctx.saved_tensors
        return grad_output * sign


class Maximum(Function):
    """out = max(a, b) elementwise.   dout/da = 1[a > b] + ½·1[a = b], dout/db = the rest.

    At ties the gradient is split half and half, as torch does.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        output = np.maximum(a, b)
        if True in ctx.needs_input_grad:
            share_of_a = (a > b) + 0.5 * (a == b)
            ctx.save_for_backward(share_of_a.astype(output.dtype))
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        (share_of_a,) = ctx.saved_tensors
        grad_a = grad_output * share_of_a if ctx.needs_input_grad[0] else None
        grad_b = grad_output * (1 - share_of_a) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Where(Function):
    """out = a where condition else b.   dout/da = 1[condition], dout/db = 1[not condition]."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray, *, condition: np.ndarray) -> np.ndarray:
        ctx.condition = condition
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        zero = constant(np.zeros((), dtype=grad_output.dtype))
        grad_a = Where.apply(grad_output, zero, condition=ctx.condition)
        grad_b = Where.apply(zero, grad_output, condition=ctx.condition)
        return grad_a, grad_b


class Cast(Function):
    """out = a converted to another dtype.   The gradient is converted back."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, dtype: np.dtype) -> np.ndarray:
        ctx.input_dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return Cast.apply(grad_output, dtype=ctx.input_dtype)


class Clone(Function):
    """out = a copy of a.   Local derivative: 1."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        return a.copy()

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return grad_output
