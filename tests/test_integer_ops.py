"""The operators on integers and bools, and rounding division, against torch.

``//``, ``%``, ``&``, ``|``, ``^``, ``<<``, ``>>`` (and their in-place forms) were missing or
answered differently from torch; ``-`` and ``**`` accepted bool and integer operands that torch
refuses; ``x -= t`` negated t in its own dtype (a uint8 255 became 1). These tests run every
operator over bools, signed and unsigned integers and floats, with Python numbers and tensors on
either side, in both libraries, and compare dtypes, values (for floats the sign of zero too) and
exception types. float16 is left out: its arithmetic with a Python number is a known difference
(README, pinned in test_torch_surface.py).

The gradient of ``%`` has three oracles: torch (``op_cases.py``: the cases ``remainder`` and
``remainder_scalar``, first and second order, in test_ops_vs_torch.py), central differences
(test_finite_differences.py, the same cases) and the hand-derived formula below.
"""

from __future__ import annotations

import operator
import warnings
from typing import Any, Callable

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import tinygrad_edu as tge  # noqa: E402
from tinygrad_edu.testing import check_function  # noqa: E402
from tinygrad_edu.ops import Remainder  # noqa: E402

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float32", "float64"]
VALUES = {  # three values each, the extremes of the integer dtypes among them
    "bool": [True, False, True], "uint8": [0, 7, 255], "int8": [-128, -3, 5],
    "int16": [-7, 0, 300], "int32": [-7, 0, 2**31 - 1], "int64": [-7, 3, 2**40],
    "float32": [-2.5, 0.0, 1e30], "float64": [-2.5, -0.0, 1e300],
}
NUMBERS = [True, 0, 3, -2, 2**40, 0.5, -0.0, 1e300, float("inf")]
OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "&": operator.and_,
    "|": operator.or_, "^": operator.xor, "<<": operator.lshift, ">>": operator.rshift,
}
IN_PLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "&=": operator.iand,
    "|=": operator.ior, "^=": operator.ixor, "<<=": operator.ilshift, ">>=": operator.irshift,
}


def make(library: Any, dtype: str, reverse: bool = False) -> Any:
    """A 1-d tensor of ``VALUES[dtype]`` (reversed: a different value at each position)."""
    values = VALUES[dtype][::-1] if reverse else VALUES[dtype]
    return library.tensor(values, dtype=getattr(library, dtype))


def outcome(function: Callable[[Any, Any], Any], first: Any, second: Any) -> tuple[Any, ...]:
    """("ok", dtype name, values, sign bits, result is first) or ("error", exception type)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # NumPy's overflow warnings (torch is silent)
            result = function(first, second)
    except Exception as error:  # noqa: BLE001 - the type is what is compared
        return ("error", type(error).__name__)
    values = np.asarray(result.tolist())
    signs = np.signbit(values) if values.dtype.kind == "f" else None
    return ("ok", str(result.dtype).split(".")[-1], values, signs, result is first)


def same(theirs: tuple[Any, ...], ours: tuple[Any, ...]) -> bool:
    """Equal outcomes: the same exception type, or the same dtype, values (NaN where torch has
    NaN; floats to 1e-6 relative, as torch's kernels may round the last bit differently),
    signs of zero and identity."""
    if theirs[0] != ours[0] or theirs[1] != ours[1]:
        return False
    if theirs[0] == "error":
        return True
    their_values, our_values = theirs[2], ours[2]
    if their_values.dtype.kind != "f":
        return bool(np.array_equal(their_values, our_values)) and theirs[4] == ours[4]
    zeros = their_values == 0
    return (bool(np.allclose(our_values, their_values, rtol=1e-6, atol=0, equal_nan=True))
            and bool(np.array_equal(theirs[3][zeros], ours[3][zeros])) and theirs[4] == ours[4])


def differences(function: Callable[[Any, Any], Any], swapped: bool) -> list[str]:
    """Every (dtype, operand) pair where the two libraries differ: numbers on either side (when
    ``swapped``) and tensors of every dtype."""
    found = []
    for dtype in DTYPES:
        for number in NUMBERS:
            pairs = [((make(torch, dtype), number), (make(tge, dtype), number),
                      f"{dtype}, {number!r}")]
            if swapped:
                pairs.append(((number, make(torch, dtype)), (number, make(tge, dtype)),
                              f"{number!r}, {dtype}"))
            for their_operands, our_operands, label in pairs:
                theirs = outcome(function, *their_operands)
                ours = outcome(function, *our_operands)
                if not same(theirs, ours):
                    found.append(f"({label}): torch {theirs[:2]}, here {ours[:2]}")
        for other in DTYPES:
            theirs = outcome(function, make(torch, dtype), make(torch, other, reverse=True))
            ours = outcome(function, make(tge, dtype), make(tge, other, reverse=True))
            if not same(theirs, ours):
                found.append(f"({dtype}, {other}): torch {theirs[:2]}, here {ours[:2]}")
    return found


@pytest.mark.parametrize("symbol", sorted(OPERATORS))
def test_operators_match_torch_for_every_dtype_and_operand(symbol: str) -> None:
    """``a <op> b`` for a tensor of each dtype with each number (on both sides) and with a
    tensor of each dtype: the same dtype and values as torch, or the same exception type."""
    assert differences(OPERATORS[symbol], swapped=True) == []


@pytest.mark.parametrize("symbol", sorted(IN_PLACE))
def test_in_place_operators_match_torch_for_every_dtype_and_operand(symbol: str) -> None:
    """``a <op>= b`` changes a itself (the result is a), in a's dtype, as torch does; torch's
    first check is that the promoted dtype can be written into a's (int64 into uint8 can, a
    float into integers cannot)."""
    assert differences(IN_PLACE[symbol], swapped=False) == []


def test_subtracting_in_place_negates_in_the_promoted_dtype() -> None:
    """``x -= t`` with t uint8 (or int8 -128) negated t in t's own dtype, where it wraps around:
    int32 [0] -= uint8 [255] gave 1 - 0 = ... 1, not -255."""
    x = tge.tensor([0, 0], dtype=tge.int32)
    x -= tge.tensor([255, 1], dtype=tge.uint8)
    assert x.tolist() == [-255, -1]
    y = tge.tensor([1.5])
    y -= tge.tensor([-128], dtype=tge.int8)
    assert y.tolist() == [129.5]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_floor_division_and_remainder_of_special_floats_match_torch_bit_for_bit(
        dtype: str) -> None:
    """Every pair of signed zeros, ±1, ±2.5, ±7, 0.1, a huge number, ±inf and NaN: the same
    quotient and remainder as torch, with the same sign of zero (NumPy's remainder makes
    -4.0 % 2.0 +0.0; torch keeps fmod's -0.0).

    Tiny divisors are left out: where a / b overflows (1.0 % 5e-324), torch's vectorised
    float64 kernel returns NaN for all but the last elements of a tensor, and its scalar code,
    like this library, the exact remainder (0.0)."""
    specials = [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 7.0, -7.0, 0.1, 3.0, 3e300,
                float("inf"), float("-inf"), float("nan")]
    with np.errstate(all="ignore"):
        grid = np.array(specials).astype(dtype)
    first, second = np.repeat(grid, len(grid)), np.tile(grid, len(grid))
    for ours_op, their_op in [(tge.floor_divide, torch.floor_divide),
                              (tge.remainder, torch.remainder)]:
        ours = ours_op(tge.tensor(first), tge.tensor(second)).numpy()
        theirs = their_op(torch.tensor(first), torch.tensor(second)).numpy()
        assert ours.dtype == theirs.dtype
        assert np.array_equal(ours, theirs, equal_nan=True)
        numbers = ~np.isnan(theirs)  # (the sign bit of a NaN carries no meaning)
        assert np.array_equal(np.signbit(ours[numbers]), np.signbit(theirs[numbers]))


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "int64"])
def test_shifts_by_every_count_match_torch(dtype: str) -> None:
    """Counts from -3 to 70: within [0, bits) the usual shift; a negative count or one of at
    least the width gives 0 (left) or the sign fill, 0 or -1 (right), as in torch (C leaves
    those undefined)."""
    info = np.iinfo(dtype)
    values = np.array([info.min, -5 if info.min < 0 else 5, 0, 1, 100, info.max], dtype=dtype)
    for count in range(-3, 71):
        if count < 0 and info.min == 0:  # a negative count of an unsigned dtype does not exist
            continue
        counts = np.full(values.shape, count).astype(dtype)
        ours_values, our_counts = tge.tensor(values), tge.tensor(counts)
        their_values, their_counts = torch.tensor(values), torch.tensor(counts)
        for ours, theirs in [(ours_values << our_counts, their_values << their_counts),
                             (ours_values >> our_counts, their_values >> their_counts),
                             (ours_values << count, their_values << count),
                             (ours_values >> count, their_values >> count)]:
            assert ours.numpy().tolist() == theirs.numpy().tolist(), count
            assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]


def test_floor_divide_is_recorded_and_its_backward_raises_like_torch() -> None:
    """torch has no derivative for ``//``: the result requires grad and a backward through it
    raises a RuntimeError. A detached quotient has none to raise."""
    x = tge.tensor([3.5, -3.5], requires_grad=True)
    quotient = x // 2
    assert quotient.requires_grad and quotient.tolist() == [1.0, -2.0]
    with pytest.raises(RuntimeError, match="floor_divide"):
        quotient.sum().backward()
    (x.detach() // 2 * x).sum().backward()
    assert x.grad.tolist() == [1.0, -2.0]


@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64"])
def test_integer_division_by_zero_raises_like_torch(dtype: str) -> None:
    """NumPy returns 0 and warns; torch raises RuntimeError("ZeroDivisionError")."""
    values = tge.tensor([4, 6]).to(getattr(tge, dtype))
    for divide in (operator.floordiv, operator.mod):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            divide(values, tge.tensor([2, 0]).to(getattr(tge, dtype)))
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            divide(values, 0)
    assert (tge.tensor([1.0, -1.0, 0.0]) // 0).tolist()[:2] == [float("inf"), float("-inf")]


def test_remainder_gradient_is_the_hand_derived_formula() -> None:
    """a % b = a - q b with q = floor(a / b) constant between the jumps: d/da = 1 and
    d/db = -q (float64, away from the jumps)."""
    a_values = np.array([[3.7, -3.7, 0.4], [5.2, -0.3, 9.9]])
    b_values = np.array([2.0, -1.5, 0.75])
    a = tge.tensor(a_values, requires_grad=True)
    b = tge.tensor(b_values, requires_grad=True)
    upstream = np.array([[1.0, -2.0, 0.5], [3.0, 1.5, -1.0]])
    (a % b).backward(tge.tensor(upstream))
    assert np.array_equal(a.grad.numpy(), upstream)
    quotient = np.floor(a_values / b_values)
    assert np.allclose(b.grad.numpy(), (-upstream * quotient).sum(axis=0), rtol=1e-12, atol=0)


def test_remainder_passes_the_gradient_check() -> None:
    """Central differences (first and second order) on inputs away from the jumps."""
    from hypothesis import strategies as st

    dividends = st.builds(lambda k, u: k / 4 + u, st.sampled_from(range(-11, 12, 2)),
                          st.floats(-0.05, 0.05))
    divisors = st.sampled_from([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0])
    check_function(Remainder, lambda a, b: a - np.floor(a / b) * b,
                   domains=[dividends, divisors], max_examples=20)


def test_a_number_modulo_a_tensor_is_differentiable_where_torch_raises() -> None:
    """Known difference (README): ``2.25 % b`` has the gradient -floor(2.25 / b) here; torch
    has no derivative for a number divided by a tensor and raises on backward."""
    b = tge.tensor([0.5, -1.0, 2.0], requires_grad=True)
    (2.25 % b).sum().backward()
    assert b.grad.tolist() == [-4.0, 3.0, -1.0]
    their_b = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="not implemented"):
        (2.25 % their_b).sum().backward()


def test_a_jitted_step_computes_the_remainder_gradient_from_each_steps_values() -> None:
    """The quotient that b's gradient reads is made by the forward op on every replay, not
    kept from the capture."""
    b = tge.tensor([0.7, -1.3], requires_grad=True)

    @tge.jit
    def step(a: tge.Tensor) -> tge.Tensor:
        loss = (a % b).sum()
        loss.backward()
        return loss

    for values in ([3.1, 2.9], [5.5, -4.2], [0.2, 7.7], [-9.4, 0.1]):
        b.grad = None
        step(tge.tensor(values))
        expected = -np.floor(np.array(values) / np.array([0.7, -1.3]))
        assert np.allclose(b.grad.numpy(), expected.astype(np.float32)), values


def test_a_remainder_whose_quotient_overflows_is_the_exact_one() -> None:
    """Known difference (README): 1.0 % 5e-324 is 0.0 (fmod is exact), as torch's scalar code
    gives it for a one-element tensor; torch's vectorised float64 kernel may return NaN for the
    elements of a longer tensor."""
    ours = tge.remainder(tge.tensor([1.0] * 9, dtype=tge.float64), 5e-324)
    assert ours.tolist() == [0.0] * 9
    theirs = torch.remainder(torch.tensor([1.0], dtype=torch.float64), 5e-324)
    assert theirs.tolist() == [0.0]


def test_the_divisors_gradient_made_with_create_graph_is_differentiable_like_torch() -> None:
    """torch differentiates the quotient in b's gradient -g·floor(a / b) as 0, but it is an op
    on a and b: with ``create_graph=True`` b's gradient requires grad even where the upstream
    gradient does not (found by the long fuzz run: here it was a constant), and its own
    gradient with respect to a and b is 0."""
    results = []
    for library in (tge, torch):
        a = library.tensor([0.0, 3.5], dtype=library.float64, requires_grad=True)
        b = library.tensor(1.5, dtype=library.float64, requires_grad=True)
        (grad_b,) = library.autograd.grad((a % b).sum(), (b,), create_graph=True)
        (second_a, second_b) = library.autograd.grad(grad_b, (a, b))
        results.append((grad_b.item(), grad_b.requires_grad, second_a.tolist(),
                        second_b.item()))
    assert results[0] == results[1] == (-2.0, True, [0.0, 0.0], 0.0)
