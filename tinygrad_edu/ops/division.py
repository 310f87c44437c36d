"""Division that rounds: floor division (``a // b``) and the remainder (``a % b``).

Both follow torch, which follows Python: the quotient is rounded toward -inf and the remainder
takes the sign of the divisor (``-7 // 2 == -4``, ``-7 % 2 == 1``). Integers divided by zero
raise torch's ``RuntimeError: ZeroDivisionError``; floats divided by zero give inf or NaN.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_edu.function import Context, Function, constant
from tinygrad_edu.ops.elementwise import quiet_ieee

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor


def refuse_integer_zero_divisor(divisor: np.ndarray) -> None:
    """Raise torch's error for an integer division by zero (NumPy would return 0 and warn).

    The check runs inside the ops, not before them, so that a step compiled with
    ``tinygrad_edu.jit`` makes it again on every step's values."""
    if divisor.dtype.kind in "biu" and not divisor.all():
        raise RuntimeError(
            "ZeroDivisionError: integer division or remainder by zero (in // or %); divide "
            "floats instead (.float()) to get inf and NaN"
        )


def floor_quotient(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """floor(a / b), elementwise, as torch and Python round it (NumPy's ``floor_divide``:
    computed from ``fmod`` so that 1.0 // 0.1 is 9.0, as 1.0 is 9 · 0.1 plus a little).
    Integers: no division by zero allowed; the most negative integer // -1 wraps around."""
    refuse_integer_zero_divisor(b)
    with quiet_ieee():
        return np.asarray(np.floor_divide(a, b))


def floor_remainder(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a - floor(a / b) · b, elementwise, with the sign of b: torch's ``remainder``.

    For floats it is ``fmod`` (exact, with a's sign) moved by b when the signs differ. A zero
    result keeps fmod's sign (-4.0 % 2.0 is -0.0, as in torch; NumPy's ``remainder`` gives
    +0.0 there and so differs from torch in the sign of zeros).

    Example:
        >>> floor_remainder(np.array([-7.0, 7.0, -4.0]), np.array([2.0, -2.0, 2.0])).tolist()
        [1.0, -1.0, -0.0]
    """
    refuse_integer_zero_divisor(b)
    if a.dtype.kind not in "fc":
        with np.errstate(over="ignore"):  # the most negative integer % -1 is 0
            return np.asarray(np.remainder(a, b))
    with quiet_ieee():
        remainder = np.fmod(a, b)
        moved = (remainder != 0) & ((b < 0) != (remainder < 0))
        return np.asarray(np.where(moved, remainder + b, remainder))


class FloorDivide(Function):
    """out = a // b = floor(a / b).   No derivative, as in torch (or, with ``zero_gradient``,
    the derivative 0).

    The quotient is a step function of a and b: its derivative is 0 almost everywhere and does
    not exist at the steps. torch records ``a // b`` and raises when a backward reaches it (it
    has no formula for ``floor_divide``); so does this op. Where a zero gradient is meant,
    divide detached values: ``a.detach() // b.detach()``. ``zero_gradient=True`` is the
    quotient inside ``Remainder``'s backward, which torch differentiates as 0 (its
    ``div(rounding_mode="floor")``).

    Example:
        >>> import tinygrad_edu as tge
        >>> FloorDivide.apply(tge.tensor([7, -7]), tge.tensor(2))
        tensor([ 3, -4])
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray, *,
                zero_gradient: bool = False) -> np.ndarray:
        ctx.zero_gradient = zero_gradient
        ctx.shapes = (a.shape, b.shape)
        return floor_quotient(a, b)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        if not ctx.zero_gradient:
            raise RuntimeError(
                "derivative for floor_divide (//) is not implemented, as in torch: the quotient "
                "is a step function. Compute it from detached values (a.detach() // b) if a "
                "zero gradient is meant"
            )
        a_shape, b_shape = ctx.shapes
        return (constant(np.zeros(a_shape, dtype=grad_output.dtype)),
                constant(np.zeros(b_shape, dtype=grad_output.dtype)))


class Remainder(Function):
    """out = a % b = a - floor(a / b) · b.   Local derivatives: dout/da = 1,
    dout/db = -floor(a / b).

    Between the jumps (where a / b crosses an integer) the quotient q = floor(a / b) is
    constant, so out = a - q b is linear in a and b. torch's backward uses these same two
    formulas, and differentiates q again as 0: here q is a ``FloorDivide`` with a zero
    gradient, so that b's gradient made with ``create_graph=True`` requires grad as torch's does.

    Example:
        >>> import tinygrad_edu as tge
        >>> a = tge.tensor([3.5, -3.5], requires_grad=True)
        >>> b = tge.tensor([2.0, 2.0], requires_grad=True)
        >>> (a % b).sum().backward()
        >>> a.grad, b.grad
        (tensor([1., 1.]), tensor([-1.,  2.]))
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if ctx.needs_input_grad[1]:
            ctx.save_for_backward(a, b)  # for q = a // b in b's gradient, as torch saves them
        return floor_remainder(a, b)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor | None, Tensor | None]:
        grad_a = grad_output if ctx.needs_input_grad[0] else None
        grad_b = None
        if ctx.needs_input_grad[1]:
            a, b = ctx.saved_tensors
            quotient = FloorDivide.apply(a, b, zero_gradient=True)
            grad_b = -(grad_output * quotient)
        return grad_a, grad_b
