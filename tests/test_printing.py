"""Tensors, graph nodes, load_state_dict results and modules print what torch prints.

The oracle is torch itself: every test builds the same values in both libraries and compares
``repr``. Two differences are accepted, because the names differ by design (README, "Coming
from PyTorch"), and are normalised away before comparing:

- torch writes dtypes with its module's name, ``dtype=torch.float64``; tinygrad_edu writes
  NumPy's dtype, ``dtype=float64``;
- graph nodes are named after each library's own ops (torch's ``MulBackward0``, our
  ``MulBackward``); both become ``?Backward``.

Because those names have different lengths, a suffix near the end of an 80-column line can fit
in one library and not in the other. The hypothesis tests therefore come in two kinds: one over
every dtype and graph, comparing with the suffixes' line breaks joined; one with nothing but
equal-length suffixes (float32, int64 and bool tensors, which name no dtype; ``requires_grad``;
a user-defined Function, whose node is ``SameBackward`` in both libraries), comparing the text
exactly. The cases where the accepted name difference moves a suffix are strict xfails below.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tge
from tinygrad_edu import nn, printing

torch = pytest.importorskip("torch")
TorchFunction: Any = torch.autograd.Function

# --------------------------------------------------------------------------- building both sides


class TorchFunctions:
    """torch's Functions, in a namespace of their own so that they keep our classes' names."""

    class Same(TorchFunction):
        """The identity as a user-defined Function: its node is ``SameBackward`` in torch."""

        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return x.clone()

        @staticmethod
        def backward(ctx: Any, grad_output: Any) -> Any:
            return grad_output


class Same(tge.autograd.Function):
    """The same Function in tinygrad_edu: its node is ``SameBackward`` too."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return x.clone()

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        return grad_output


# How the tensor was made: a plain tensor, a leaf that requires grad, the output of a node
# named alike in both libraries (SameBackward), or of a built-in op (x * 1: MulBackward0 in
# torch, MulBackward here).
GRAPHS = ("plain", "leaf", "same", "mul")


def both(array: np.ndarray, graph: str = "plain") -> tuple[tge.Tensor, Any]:
    """The tensor holding ``array`` in tinygrad_edu and in torch, made as ``graph`` says."""
    ours = tge.tensor(array.copy(), requires_grad=graph != "plain")
    theirs = torch.tensor(array.copy(), requires_grad=graph != "plain")
    if graph == "same":
        ours, theirs = Same.apply(ours), TorchFunctions.Same.apply(theirs)
    elif graph == "mul":
        ours, theirs = ours * 1, theirs * 1
    return ours, theirs


def normalise(text: str) -> str:
    """The two accepted differences removed: ``torch.`` before a dtype, node names."""
    text = re.sub(r"\btorch\.(?=(?:float|int|uint|bool)\d*\b)", "", text)
    return re.sub(r"\b\w+Backward\d*\b", "?Backward", text)


def join_suffix_lines(text: str) -> str:
    """A suffix moved onto a line of its own joined back to the line before it."""
    return re.sub(r",\n +(?=(?:size|dtype|grad_fn|requires_grad)=)", ", ", text)


# ---------------------------------------------------------------------------------- strategies

SPECIAL_FLOATS = [0.0, -0.0, math.nan, math.inf, -math.inf, 0.5, 1e-4, 9.999e-5, 1e-5, 1e8,
                  1.5e8, 1e-30, 1e30, 123456.789, 65504.0, 1e-8, 999.0, 1000.0, 1001.0]
FLOAT_VALUES = st.one_of(
    st.integers(-10**9, 10**9).map(float),  # whole numbers: "1."
    st.integers(-99999, 99999).map(lambda n: n / 100),  # few decimals
    st.floats(-1e3, 1e3),
    st.floats(allow_nan=True, allow_infinity=True),  # anything, huge and tiny included
    st.sampled_from(SPECIAL_FLOATS),
)
INTEGER_VALUES = st.one_of(st.integers(-10, 10), st.integers(-2**40, 2**40),
                           st.sampled_from([-2**63, 2**63 - 1, 0]))
SIZES = st.one_of(st.integers(0, 8), st.integers(0, 8),
                  st.sampled_from([9, 13, 40, 100, 334, 1001, 1500]))
SHAPES = st.lists(SIZES, max_size=3).map(tuple).filter(lambda shape: math.prod(shape) <= 30000)
ALL_DTYPES = [np.float32, np.float64, np.float16, np.int64, np.int32, np.uint8, np.bool_]
UNNAMED_DTYPES = [np.float32, np.int64, np.bool_]  # dtypes a repr does not name


@st.composite
def arrays(draw: st.DrawFn, dtypes: list[Any]) -> np.ndarray:
    """An array of one of ``dtypes``: up to 3-D, empty ones and ones large enough to be
    summarised included; its values drawn from a few (so that whole numbers, nan, huge and
    tiny values meet in one tensor) or from a normal distribution of some scale."""
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    shape = draw(SHAPES)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if dtype.kind == "b":
        return rng.random(shape) < draw(st.sampled_from([0.0, 0.5, 1.0]))
    if dtype.kind in "iu":
        integers = draw(st.lists(INTEGER_VALUES, min_size=1, max_size=6))
        info = np.iinfo(dtype)
        clipped = np.array([min(max(value, info.min), info.max) for value in integers])
        return rng.choice(clipped, size=shape).astype(dtype)
    if draw(st.booleans()):
        palette = np.array(draw(st.lists(FLOAT_VALUES, min_size=1, max_size=6)))
        values = rng.choice(palette, size=shape)
    else:
        scale = draw(st.sampled_from([1e-9, 1e-3, 1.0, 100.0, 1e5, 1e12]))
        values = rng.standard_normal(shape) * scale
    with np.errstate(over="ignore"):  # a float64 too large for float16 becomes inf, as in torch
        return values.astype(dtype)


# ------------------------------------------------------------------------ tensors, differential


@settings(max_examples=150, deadline=None)
@given(array=arrays(ALL_DTYPES), graph=st.sampled_from(GRAPHS))
def test_repr_matches_torch_for_any_tensor(array: np.ndarray, graph: str) -> None:
    """Every dtype and graph: the same text once the names are normalised (and with them the
    line breaks before suffixes, which depend on the names' lengths; see the next test)."""
    if array.dtype.kind != "f":
        graph = "plain"  # only floats can require grad
    ours, theirs = both(array, graph)
    expected = join_suffix_lines(normalise(repr(theirs)))
    assert join_suffix_lines(normalise(repr(ours))) == expected


@settings(max_examples=150, deadline=None)
@given(array=arrays(UNNAMED_DTYPES), graph=st.sampled_from(("plain", "leaf", "same")))
def test_repr_matches_torch_exactly_when_the_names_agree(array: np.ndarray, graph: str) -> None:
    """No dtype suffix and a node named alike: the text is torch's, character for character,
    including where a suffix goes on a line of its own. (Only an empty int64 or bool tensor
    names its dtype, and its one short line leaves every suffix on it.)"""
    if array.dtype.kind != "f":
        graph = "plain"
    ours, theirs = both(array, graph)
    if array.size:
        assert repr(ours) == repr(theirs)
    else:
        assert normalise(repr(ours)) == normalise(repr(theirs))


def _whole(n: int, dtype: Any = np.float32) -> np.ndarray:
    return np.arange(n, dtype=dtype)


# Named cases, one per rule of the format (see tinygrad_edu/printing.py).
CASES: dict[str, tuple[np.ndarray, str]] = {
    "whole floats print as '1.'": (np.array([1.0, -20.0, 3.0], np.float32), "plain"),
    "four decimals": (np.array([0.12345, -2.5, 3.0], np.float32), "plain"),
    "scientific: ratio over 1000": (np.array([1.0, 1001.0], np.float32), "plain"),
    "fixed: ratio of exactly 1000": (np.array([0.5, 500.0], np.float32), "plain"),
    "scientific: above 1e8": (np.array([1.5e8, 2.0], np.float64), "plain"),
    "scientific: below 1e-4": (np.array([9.9e-5], np.float32), "plain"),
    "scientific whole numbers": (np.array([1.0, 1e9]), "plain"),
    "e-05 exponents": (np.array([1e-5, 2e-5], np.float32), "plain"),
    "nan and inf in whole numbers": (np.array([1.0, math.nan, math.inf, -math.inf]), "plain"),
    "nan and inf in decimals": (np.array([1.5, math.nan, -math.inf], np.float32), "plain"),
    "nan and inf in scientific": (np.array([1e-6, math.nan, -math.inf], np.float32), "plain"),
    "only nan, inf and zeros": (np.array([0.0, math.nan, -math.inf], np.float32), "plain"),
    "negative zero alone": (np.array(-0.0, np.float32), "plain"),
    "negative zero in decimals": (np.array([-0.0, 0.25], np.float32), "plain"),
    "negative zero in scientific": (np.array([-0.0, 1e-7], np.float32), "plain"),
    "0-d float": (np.array(3.14159, np.float32), "plain"),
    "0-d with grad_fn": (np.array(2.0, np.float32), "mul"),
    "0-d int": (np.array(7), "plain"),
    "0-d bool": (np.array(False), "plain"),
    "bools": (np.array([[True, False], [False, False]]), "plain"),
    "integers": (np.array([-3, 10, 2**40]), "plain"),
    "empty": (np.zeros(0, np.float32), "plain"),
    "empty int64 names its dtype": (np.zeros(0, np.int64), "plain"),
    "empty 2-D": (np.zeros((0, 3), np.float32), "plain"),
    "empty 3-D float64 requires grad": (np.zeros((2, 0, 1), np.float64), "leaf"),
    "empty bool": (np.zeros((3, 0), np.bool_), "plain"),
    "float64": (np.array([1.5, 2.0]), "plain"),
    "float16": (np.array([1000.0, 0.1, 65504.0], np.float16), "plain"),
    "int32": (np.array([[1, 2], [3, 4]], np.int32), "plain"),
    "uint8": (np.array([0, 255, 7], np.uint8), "plain"),
    "8 floats per line": (_whole(20) + 0.5, "plain"),
    "24 integers per line": (np.arange(64), "plain"),
    "wrapping rows of a 3-D tensor": (np.linspace(-1, 1, 60).reshape(2, 3, 10), "plain"),
    "summarised 1-D": (_whole(1001), "plain"),
    "1000 elements are not summarised": (_whole(1000), "plain"),
    "summarised 2-D": (np.linspace(-5, 5, 4000).reshape(40, 100), "leaf"),
    "summarised 2-D, few rows": (np.arange(2000).reshape(2, 1000), "plain"),
    "summarised 3-D": (_whole(3000).reshape(30, 10, 10) * 1.5, "plain"),
    "summarised, the format from the shown elements only":
        (np.concatenate([[0.5], np.ones(1000), [2e-7, 0.25, 1.0]]), "plain"),
    "summarised with a short last dimension": (np.arange(3000.0).reshape(1000, 3), "plain"),
    "4-D": (np.arange(16).reshape(2, 2, 2, 2), "plain"),
    "grad_fn of a multi-line tensor": (np.linspace(0, 1, 24).reshape(3, 8), "mul"),
    "requires_grad fits after a short last line": (np.linspace(0, 1, 10), "leaf"),
}


@pytest.mark.parametrize("array, graph", CASES.values(), ids=list(CASES))
def test_repr_matches_torch(array: np.ndarray, graph: str) -> None:
    ours, theirs = both(array, graph)
    assert normalise(repr(ours)) == normalise(repr(theirs))


# Where a name's length decides the line of a suffix. torch's names are longer (torch.float64,
# MulBackward0), so near column 80 torch moves a suffix to a line of its own that tinygrad_edu
# keeps on the line: the accepted name difference, seen in the layout.
NAME_LENGTH_CASES: dict[str, tuple[np.ndarray, str]] = {
    # "tensor([0.1000, ..., 0.7000]" is 63 columns: ", dtype=float64)" ends in column 80, and
    # ", dtype=torch.float64)" would not fit.
    "dtype=torch.float64 is 6 columns longer": (np.linspace(0.1, 0.7, 7), "plain"),
    # 55 columns of tensor: ", grad_fn=<MulBackward>)" fits in torch's rule (which keeps a
    # column spare) and ", grad_fn=<MulBackward0>)" does not.
    "MulBackward0 is one column longer": (np.linspace(0.1, 0.6, 6).astype(np.float32), "mul"),
}


@pytest.mark.xfail(strict=True, reason="torch's dtype and node names are longer than ours "
                   "(torch.float64, MulBackward0): near column 80 the same suffix goes on a "
                   "new line in torch and stays on the line here")
@pytest.mark.parametrize("array, graph", NAME_LENGTH_CASES.values(), ids=list(NAME_LENGTH_CASES))
def test_a_name_length_can_move_a_suffix(array: np.ndarray, graph: str) -> None:
    ours, theirs = both(array, graph)
    # The text agrees but for the line breaks before suffixes...
    assert join_suffix_lines(normalise(repr(ours))) == join_suffix_lines(normalise(repr(theirs)))
    # ...which differ.
    assert normalise(repr(ours)) == normalise(repr(theirs))


def test_the_layout_rules_by_hand() -> None:
    """The rules of printing.py on values small enough to check by eye."""
    # 8 elements of width 7 ("-0.1235") per line: (80 - 7) // (7 + 2) == 8.
    text = printing.tensor_repr(np.full(9, -0.12345, np.float32))
    assert text.splitlines()[0].count(",") == 8
    assert text.splitlines()[1] == "        -0.1235])"
    # Summarised: three elements, " ...", three elements.
    assert printing.tensor_repr(np.arange(1001)) == (
        "tensor([   0,    1,    2,  ...,  998,  999, 1000])")


def test_parameter_repr_matches_torch() -> None:
    values = np.linspace(-1, 1, 12).reshape(3, 4).astype(np.float32)
    ours = nn.Parameter(tge.tensor(values))
    theirs = torch.nn.Parameter(torch.tensor(values))
    assert repr(ours) == repr(theirs)


# -------------------------------------------------------------------------------- other objects


def test_a_graph_node_prints_as_an_object_at_an_address() -> None:
    x = tge.tensor([1.0, 2.0], requires_grad=True)
    z = x + x
    assert re.fullmatch(r"<AddBackward object at 0x[0-9a-f]+>", str(z.grad_fn))
    assert repr(z.grad_fn) == str(z.grad_fn)
    x_torch = torch.tensor([1.0, 2.0], requires_grad=True)
    z_torch = x_torch + x_torch
    address = re.compile(r" at 0x[0-9a-f]+")
    assert address.sub("", normalise(str(z.grad_fn))) == address.sub(
        "", normalise(str(z_torch.grad_fn)))


def test_load_state_dict_results_print_as_torch_prints_them() -> None:
    ours, theirs = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    assert str(ours.load_state_dict(ours.state_dict())) == str(
        theirs.load_state_dict(theirs.state_dict())) == "<All keys matched successfully>"

    state = {"weight": np.zeros((2, 3), np.float32), "extra": np.zeros(1, np.float32)}
    result = ours.load_state_dict(state, strict=False)
    expected = theirs.load_state_dict({key: torch.tensor(value) for key, value in state.items()},
                                      strict=False)
    assert repr(result) == repr(expected) == (
        "_IncompatibleKeys(missing_keys=['bias'], unexpected_keys=['extra'])")
    assert result.missing_keys == ["bias"] and result == (["bias"], ["extra"])


def test_module_reprs_match_torch() -> None:
    def model(library: Any) -> Any:
        return library.nn.Sequential(
            library.nn.Flatten(),
            library.nn.Linear(28 * 28, 512),
            library.nn.ReLU(),
            library.nn.Dropout(0.2),
            library.nn.Linear(512, 10, bias=False),
            library.nn.Tanh(),
            library.nn.Sigmoid(),
            library.nn.Softmax(dim=1),
            library.nn.LogSoftmax(dim=1),
            library.nn.Identity(),
            library.nn.Sequential(library.nn.Linear(2, 2), library.nn.ReLU()),
            library.nn.ModuleList([library.nn.Linear(2, 2), library.nn.Linear(2, 2)]),
        )

    assert repr(model(tge)) == repr(model(torch))
    for name in ("MSELoss", "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss"):
        assert repr(getattr(nn, name)()) == repr(getattr(torch.nn, name)()), name
