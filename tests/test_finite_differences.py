"""Every op of the shared case table against central differences, through the public test kit.

The third oracle: no torch here, only the definition of the derivative. Each case of
``tests/op_cases.py`` goes through ``tinygrad_edu.testing.check_function``, the checker learners
use on their own ops: hypothesis draws the inputs from the op's domain (float64, shapes including
0-d tensors and broadcast pairs), the forward and one backward pass are checked for the
invariants (inputs and ``grad_output`` unchanged, gradient shape and dtype, no aliasing), and
``gradcheck`` compares the backward pass with ``(f(x + eps e_k) - f(x - eps e_k)) / (2 eps)`` at
eps=1e-6, atol=1e-7, rtol=1e-6. Cases marked ``second_order`` also go through
``gradgradcheck``, which differentiates the backward pass itself.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st

from tests.op_cases import OP_CASES, OpCase
from tinygrad_edu.testing import check_function

EPS = 1e-6
ATOL = 1e-7
RTOL = 1e-6
# gradgradcheck differentiates numerically with respect to every input and grad_output
# element, so the second-order test runs fewer examples.
SECOND_ORDER_EXAMPLES = 5

SECOND_ORDER_CASES = [case for case in OP_CASES if case.second_order]


def case_name(case: OpCase) -> str:
    """Test id of a case: its name."""
    return case.name


def case_inputs(case: OpCase) -> st.SearchStrategy[list[np.ndarray]]:
    """The case's input-drawing function as a hypothesis strategy of float64 arrays."""
    return st.composite(case.inputs)()


def test_case_table_is_usable() -> None:
    """The table has cases, unique names, and some second-order cases."""
    names = [case.name for case in OP_CASES]
    assert names
    assert len(set(names)) == len(names)
    assert SECOND_ORDER_CASES


@pytest.mark.parametrize("case", OP_CASES, ids=case_name)
def test_first_derivatives_match_central_differences(case: OpCase) -> None:
    """Backward agrees with central differences for every input of every op."""
    check_function(
        case.ours, inputs=case_inputs(case), second_order=False, eps=EPS, atol=ATOL, rtol=RTOL,
        name=case.name,
    )


@pytest.mark.parametrize("case", SECOND_ORDER_CASES, ids=case_name)
def test_second_derivatives_match_central_differences(case: OpCase) -> None:
    """The backward pass is itself differentiated correctly (create_graph=True)."""
    check_function(
        case.ours, inputs=case_inputs(case), second_order=True, eps=EPS, atol=ATOL, rtol=RTOL,
        max_examples=SECOND_ORDER_EXAMPLES, name=case.name,
    )
