"""Elementwise ops. Binary ones broadcast; the engine sums each gradient back to its input's shape.

Every backward multiplies the upstream gradient by the op's local derivative (the chain rule).
The piecewise ops, whose derivative is a mask (relu, abs, sign, maximum, where, clamp), are in
``piecewise.py``: their backwards select with ``Where`` rather than multiply by 0/1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_edu.function import Context, Function, constant
from tinygrad_edu.ops.piecewise import Where, zero_like

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor


def quiet_ieee() -> np.errstate:
    """A context in which NumPy computes IEEE results (1/0 = inf, 0/0 = NaN, log(0) = -inf)
    without RuntimeWarnings: they are answers, not errors, and torch computes them silently."""
    return np.errstate(divide="ignore", invalid="ignore", over="ignore")


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


def integer_power(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a ** b for integers, with torch's answer for a negative exponent (NumPy refuses it):
    1 / a rounded toward zero, so 1 for a = 1, ±1 for a = -1 (by the exponent's parity) and 0
    for every other base, 0 included. (A Python number as a negative exponent is refused
    before the op, as torch refuses it.)

    Example:
        >>> integer_power(np.array([2, 1, -1, -1, 0, 3]), np.array([-1, -5, -3, -2, -1, 2]))
        array([ 0,  1, -1,  1,  0,  9])
    """
    negative = b < 0
    output = np.power(a, np.where(negative, 0, b))
    if negative.any():  # (inside the op: a jitted step runs this again on each step's values)
        odd = (b % 2) != 0
        inverse = np.where(a == 1, 1, np.where(a == -1, np.where(odd, -1, 1), 0))
        output = np.where(negative, inverse, output).astype(output.dtype)
    return output


class Pow(Function):
    """out = a ** b.   Local derivatives: dout/da = b * a ** (b - 1), dout/db = out * log(a).

    Torch's conventions at the points where the formulas break down:

    * b = 0: dout/da = 0 (also at a = 0, where b * a ** (b - 1) would be 0 * inf = NaN). The
      zero is selected, so d/da of ``x ** 1``'s gradient, ``1 * x ** 0``, is 0 at x = 0 too.
    * a = 0, b >= 0: dout/db = 0 (the limit from a > 0); a = 0, b < 0: inf * log(0) = -inf.

    Both backward lines are torch's own expressions, so second-order gradients agree with torch
    as well, down to the NaN that log(0) brings into them at a = 0. ``number_exponent``: b was
    a Python number; then the gradient of ``x ** 0`` is a constant 0 (it requires no grad even
    with ``create_graph``), as in torch, where a tensor exponent keeps a selection.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray, *,
                number_exponent: bool = False) -> np.ndarray:
        ctx.number_exponent = number_exponent
        # Exponents 0.5 and -0.5 use square roots, as torch does; they keep the sign of -0.0:
        # sqrt(-0.0) = -0.0 and 1 / sqrt(-0.0) = -inf, where NumPy's power gives +0.0 and +inf.
        with quiet_ieee():
            if b.ndim == 0 and b == 0.5:
                output = np.sqrt(a)
            elif b.ndim == 0 and b == -0.5:
                output = 1 / np.sqrt(a)
            elif b.dtype.kind == "i" and a.dtype.kind in "iu":
                output = integer_power(a, b)
            elif a.dtype.kind == "b" and b.dtype.kind == "b":
                output = np.power(a, b).astype(np.bool_)  # a ** True = a, a ** False = True
            else:
                output = np.power(a, b)
        # The output is needed only for the exponent's gradient (as torch saves it): then
        # ``y = x ** 2; y[y > 3] = 0`` may change y in place and still backpropagate to x.
        ctx.save_for_backward(a, b, output if ctx.needs_input_grad[1] else None)
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b, output = ctx.saved_tensors
        zero = zero_like(grad_output)
        grad_a = grad_b = None
        with quiet_ieee():
            if ctx.needs_input_grad[0]:
                if ctx.number_exponent and b._data == 0:
                    # x ** 0 with a number as the exponent: torch's gradient is a constant 0.
                    grad_a = constant(np.zeros(a.shape, dtype=grad_output.dtype))
                else:
                    # torch: where(b == 0, 0, grad * (b * a ** (b - 1)))
                    # (b - 1 is a number exactly when b is: pass that on to the new Pow.)
                    power = Pow.apply(a, b - 1, number_exponent=ctx.number_exponent)
                    # (The masks are ops, not NumPy on b's values: tinygrad_edu.jit replays
                    # ops, and recomputes them from each step's values.)
                    grad_a = Where.apply(zero, grad_output * (b * power),
                                         condition=(b == 0)._data)
            if ctx.needs_input_grad[1]:
                # torch: grad * where(a == 0 and b >= 0, 0, out * log(a))
                zero_base = ((a == 0) & (b >= 0))._data
                grad_b = grad_output * Where.apply(zero, output * a.log(), condition=zero_base)
        return grad_a, grad_b


class Sqrt(Function):
    """out = sqrt(a).   Local derivative: dout/da = 1 / (2 sqrt(a)) = 1 / (2 out).

    Written with the output, as torch does: at a = -0.0 the output is -0.0 and the derivative
    -inf (``a ** 0.5`` gives +inf there, in torch as here).
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        with quiet_ieee():
            output = np.sqrt(a)
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (output,) = ctx.saved_tensors
        with quiet_ieee():
            return grad_output / (output * 2)


class Exp(Function):
    """out = exp(a).   Local derivative: dout/da = exp(a) = out (so the output is saved)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
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
        with quiet_ieee():
            return np.log(a)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad_output / a


class Log1p(Function):
    """out = log(1 + a), exact for tiny a.   Local derivative: dout/da = 1 / (1 + a)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        with quiet_ieee():
            return np.log1p(a)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad_output / (a + 1)


class Sin(Function):
    """out = sin(a).   Local derivative: dout/da = cos(a)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        with quiet_ieee():
            return np.sin(a)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad_output * a.cos()


class Cos(Function):
    """out = cos(a).   Local derivative: dout/da = -sin(a)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        with quiet_ieee():
            return np.cos(a)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad_output * -a.sin()


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


class Softplus(Function):
    """out = log(1 + exp(β a)) / β, or a where β a > threshold.   dout/da = σ(β a), or 1 there.

    torch's softplus, a smooth relu: above ``threshold`` the function is taken to be linear
    (out = a, the soft form's value to within rounding), as torch does. Below it, forward
    computes (max(β a, 0) + log(1 + exp(-|β a|))) / β, the same number as log(1 + exp(β a)) / β,
    but exp is only taken of -|β a| <= 0, so it never overflows.

    The derivative exp(β a) / (1 + exp(β a)) is the sigmoid σ(β a), computed by the Sigmoid op,
    so the gradient can be differentiated again: d²out/da² = β σ(β a) (1 - σ(β a)), and 0 in
    the linear region (where the 1 is selected, not multiplied).
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, beta: float, threshold: float) -> np.ndarray:
        with quiet_ieee():  # beta = 0 divides by zero: inf, as in torch
            scaled = np.asarray(a * beta)
            linear = scaled > threshold
            soft = (np.maximum(scaled, 0) + np.log1p(np.exp(-np.abs(scaled)))) / beta
        ctx.beta = beta
        ctx.linear = linear
        ctx.save_for_backward(a)
        return np.where(linear, a, soft).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        one = constant(np.ones((), dtype=grad_output.dtype))
        slope = Where.apply(one, (a * ctx.beta).sigmoid(), condition=ctx.linear)  # σ(β a)
        return grad_output * slope


class Cast(Function):
    """out = a converted to another dtype.   The gradient is converted back.

    An integer or bool result has no gradient (it never requires grad, as in torch)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, dtype: np.dtype) -> np.ndarray:
        ctx.input_dtype = a.dtype
        result = a.astype(dtype)
        if result.dtype.kind != "f":
            ctx.mark_non_differentiable(result)
        return result

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
