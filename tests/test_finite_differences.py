"""Every op of the shared case table against central differences.

The third oracle: no torch here, only the definition of the derivative. For each case of
``tests/op_cases.py`` the inputs are drawn by hypothesis from the op's domain (float64, shapes
including 0-d tensors and broadcast pairs), and ``gradcheck`` compares the backward pass with
``(f(x + eps e_k) - f(x - eps e_k)) / (2 eps)`` at eps=1e-6, atol=1e-7, rtol=1e-6. Cases marked
``second_order`` also go through ``gradgradcheck``, which differentiates the backward pass itself.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.op_cases import OP_CASES, OpCase
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.tensor import Tensor

EPS = 1e-6
ATOL = 1e-7
RTOL = 1e-6

SECOND_ORDER_CASES = [case for case in OP_CASES if case.second_order]


def case_name(case: OpCase) -> str:
    """Test id of a case: its name."""
    return case.name


def draw_leaves(case: OpCase, data: st.DataObject) -> list[Tensor]:
    """Draw the case's inputs and wrap them as float64 leaves that require grad."""
    arrays = data.draw(st.composite(case.inputs)())
    for index, array in enumerate(arrays):
        assert array.dtype == np.float64, f"{case.name}: input {index} is {array.dtype}"
    return [Tensor(array, requires_grad=True) for array in arrays]


def test_case_table_is_usable() -> None:
    """The table has cases, unique names, and some second-order cases."""
    names = [case.name for case in OP_CASES]
    assert names
    assert len(set(names)) == len(names)
    assert SECOND_ORDER_CASES


@pytest.mark.parametrize("case", OP_CASES, ids=case_name)
@given(data=st.data())
def test_first_derivatives_match_central_differences(case: OpCase, data: st.DataObject) -> None:
    """Backward agrees with central differences for every input of every op."""
    inputs = draw_leaves(case, data)
    assert gradcheck(case.ours, inputs, eps=EPS, atol=ATOL, rtol=RTOL)


@pytest.mark.parametrize("case", SECOND_ORDER_CASES, ids=case_name)
@settings(max_examples=5)
@given(data=st.data())
def test_second_derivatives_match_central_differences(case: OpCase, data: st.DataObject) -> None:
    """The backward pass is itself differentiated correctly (create_graph=True)."""
    inputs = draw_leaves(case, data)
    assert gradgradcheck(case.ours, inputs, eps=EPS, atol=ATOL, rtol=RTOL)
