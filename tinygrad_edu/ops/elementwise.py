"""Elementwise ops. Binary ones broadcast; the engine sums each gradient back to its input's shape.

Every backward multiplies the upstream gradient by the op's local derivative (the chain rule).
Where the derivative is a mask (relu, maximum, where) the backward *selects* with ``Where``
instead of multiplying by 0/1: an inf or NaN upstream gradient times a 0 mask would be NaN, and
torch gives exactly 0 at masked-out positions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_edu.function import Context, Function, constant

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor


def quiet_ieee() -> np.errstate:
    """A context in which NumPy computes IEEE results (1/0 = inf, 0/0 = NaN, log(0) = -inf)
    without RuntimeWarnings: they are answers, not errors, and torch computes them silently."""
    return np.errstate(divide="ignore", invalid="ignore", over="ignore")


def zero_like(tensor: Tensor) -> Tensor:
    """A 0-d zero of ``tensor``'s dtype: the "nothing flows here" branch of a ``Where``."""
    return constant(np.zeros((), dtype=tensor.dtype))


# The unsigned integer dtype of each floating point width, looked up once (``zero_where``
# runs in every ReLU's backward; building the dtype from its name costs a fifth of a µs).
UNSIGNED_OF_WIDTH: dict[int, np.dtype] = {
    2: np.dtype(np.uint16), 4: np.dtype(np.uint32), 8: np.dtype(np.uint64)}


def zero_where(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.where(mask, 0, values)`` bit for bit (``values`` floating point, of mask's shape).

    A selection, not a product: +0 where ``mask`` is set even if the value there is inf or NaN,
    and every other value's own bits (-0 and NaN included). It is computed as an AND of the
    values' bits with all zeros (masked) or all ones (kept), which runs without a branch per
    element: ``np.where`` branches, and on a mask as random as a ReLU's it takes about six
    times as long as the article's ``g * (Z1 > 0)``; the AND takes as long as that product.

    Example:
        >>> zero_where(np.array([True, True, False]), np.array([np.inf, 2.0, -0.0]))
        array([ 0.,  0., -0.])
        >>> zero_where(np.float64(1.0) <= 0, np.array(np.nan))
        array(nan)
    """
    bits = UNSIGNED_OF_WIDTH[values.dtype.itemsize]  # an unsigned integer as wide as a value
    # mask - 1 in those integers (one pass): 0 where masked, all ones where kept (0 - 1 wraps
    # around). np.asarray: a 0-d comparison gives a NumPy scalar, and the AND writes in place.
    keep = np.asarray(np.subtract(mask, 1, dtype=bits))
    return np.bitwise_and(values.view(bits), keep, out=keep).view(values.dtype)


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


class Relu(Function):
    """out = max(a, 0).   Local derivative: dout/da = 1[out > 0] (0 at a = 0, like torch).

    The gradient is selected, not multiplied by the mask (see ``ReluGradient``); like torch it
    passes at a = NaN (relu(NaN) = NaN), where "out <= 0" is false.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        output = np.maximum(a, 0)
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (output,) = ctx.saved_tensors
        return ReluGradient.apply(grad_output, output)


class ReluGradient(Function):
    """out = g where relu_output > 0 else 0: the gradient of relu as an op of its own.

    It takes the relu's output as a second input, as torch does, so that a gradient made with
    ``create_graph=True`` depends on it and requires grad (its derivative with respect to the
    output is zero: the mask is piecewise constant). dout/dg = 1[relu_output > 0].
    """

    @staticmethod
    def forward(ctx: Context, grad: np.ndarray, relu_output: np.ndarray) -> np.ndarray:
        off = relu_output <= 0
        ctx.off = off
        return zero_where(off, grad)  # np.where(off, 0, grad), without a branch per element

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        grad_of_grad = Where.apply(zero_like(grad_output), grad_output, condition=ctx.off)
        return grad_of_grad, constant(np.zeros(grad_output.shape, grad_output.dtype))


class Abs(Function):
    """out = |a|.   Local derivative: dout/da = sgn(a), which is 0 at a = 0 and at a = NaN.

    This is torch's derivative, and torch multiplies by it: sgn(a) is a value (-1, 0 or +1), not
    a selection, so an inf upstream gradient at exactly a = 0 gives 0 * inf = NaN in both.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad_output * Sign.apply(a)


class Sign(Function):
    """out = sgn(a): -1, 0 or +1 (0 at a = 0 and at NaN, like torch).   dout/da = 0.

    The derivative is zero wherever it exists, and zero is what torch uses everywhere. The op
    still records its input, so ``abs``'s gradient g * sgn(a) made with ``create_graph=True``
    requires grad and can be differentiated again (to zero), as in torch.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        return (a > 0).astype(a.dtype) - (a < 0).astype(a.dtype)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return constant(np.zeros(grad_output.shape, grad_output.dtype))


class Maximum(Function):
    """out = max(a, b) elementwise.   dout/da = 1[not a < b], dout/db = 1[not a > b], ½ at ties.

    torch's rule: the gradient is halved where a == b, then a gets nothing where a < b and b
    nothing where a > b. NaN compares false both ways, so where either input is NaN (and the
    output is NaN) both inputs receive the full gradient. The masks select, never multiply.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        output = np.maximum(a, b)
        if True in ctx.needs_input_grad:
            ctx.save_for_backward(a < b, a > b, a == b)
        return output

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a_smaller, a_larger, tied = (saved._data for saved in ctx.saved_tensors)
        zero = zero_like(grad_output)
        # (Selected even where nothing is tied, not behind a Python test of the values: a step
        # compiled with tinygrad_edu.jit replays the ops, and the next batch may have ties.)
        shared = Where.apply(grad_output * 0.5, grad_output, condition=tied)
        grad_a = Where.apply(zero, shared, condition=a_smaller) if ctx.needs_input_grad[0] else None
        grad_b = Where.apply(zero, shared, condition=a_larger) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Where(Function):
    """out = a where condition else b.   dout/da = 1[condition], dout/db = 1[not condition]."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray, *, condition: np.ndarray) -> np.ndarray:
        ctx.condition = condition
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        zero = zero_like(grad_output)
        grad_a = Where.apply(grad_output, zero, condition=ctx.condition)
        grad_b = Where.apply(zero, grad_output, condition=ctx.condition)
        return grad_a, grad_b


class Clamp(Function):
    """out = a limited to [low, high] (either bound may be None).   dout/da = 1[low <= a <= high].

    The bounds themselves pass the gradient; NaN stays NaN with gradient 0 (NaN is not inside),
    as in torch. Where a is inside, out is a itself (-0.0 stays -0.0).
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, low: float | None,
                high: float | None) -> np.ndarray:
        inside = np.ones(a.shape, dtype=bool)
        if low is not None:
            inside &= a >= low
        if high is not None:
            inside &= a <= high
        ctx.inside = inside
        return np.where(inside, a, np.clip(a, low, high).astype(a.dtype))

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return Where.apply(grad_output, zero_like(grad_output), condition=ctx.inside)


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
