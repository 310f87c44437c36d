"""Every case of the shared op table against torch.autograd.

For each ``OpCase`` (see ``op_cases.py``) and hypothesis-drawn inputs, in float64:

* the forward value equals torch's (and NumPy's for the ops NumPy has) to atol=rtol=1e-10;
* the first-order gradients for a random upstream gradient ``v`` (the vector-Jacobian products
  ``vᵀ J``) equal torch.autograd's to atol=rtol=1e-10;
* the second-order gradients equal torch's: with ``g = vᵀ J`` computed with
  ``create_graph=True`` and a random direction ``u``, the gradient of ``s = <g, u>`` with respect
  to every input and to ``v`` itself (this exercises that each backward is built from
  differentiable Tensor ops);
* invariants hold: gradient shape and dtype equal the input's, inputs and the upstream gradient
  are not mutated, gradients of different inputs do not share memory, a second backward through
  a graph kept with ``retain_graph=True`` doubles ``.grad``, and once a backward ran without
  ``retain_graph`` the tensors the output's node saved are freed (a further backward raises).

In float32, outputs and gradients stay float32 and match torch's float32 results.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

torch = pytest.importorskip("torch")

from tests.op_cases import OP_CASES, OpCase, index_positions  # noqa: E402
from tinygrad_edu import Tensor  # noqa: E402
from tinygrad_edu.autograd import grad as autograd_grad  # noqa: E402

# Same math in the same precision: only rounding differences are allowed.
FLOAT64_RTOL = 1e-10
FLOAT64_ATOL = 1e-10
# float32 has a unit roundoff of about 6e-8; a few ulps of difference per op are allowed.
FLOAT32_RTOL = 1e-5
FLOAT32_ATOL = 1e-5

CASE_IDS = [case.name for case in OP_CASES]
CASES_BY_NAME = {case.name: case for case in OP_CASES}


def numpy_sigmoid(array: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-x))."""
    return 1.0 / (1.0 + np.exp(-array))


def numpy_softmax(array: np.ndarray, axis: int) -> np.ndarray:
    """exp(x - max) / sum(exp(x - max)) along ``axis`` (shifted for stability)."""
    shifted = np.exp(array - array.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def numpy_gather_last_dim(array: np.ndarray, index: np.ndarray) -> np.ndarray:
    """out[..., j] = array[..., index[..., j]], the index smaller than ``array`` in the leading
    dimensions (NumPy's take_along_axis wants the same sizes there: the block is cut first)."""
    block = array[tuple(slice(0, size) for size in index.shape[:-1])]
    return np.take_along_axis(block, index, axis=-1)


# Independent NumPy formulas for the cases where NumPy has a direct equivalent.
NUMPY_REFERENCES: dict[str, Any] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow_tensor": lambda a, b: a**b,
    "pow_half": np.sqrt,
    "neg": np.negative,
    "abs": np.abs,
    "sign": np.sign,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "tanh": np.tanh,
    "sigmoid": numpy_sigmoid,
    "softplus": lambda a: np.logaddexp(0.0, a),
    "relu": lambda a: np.maximum(a, 0.0),
    "clamp_both": lambda a: np.clip(a, -0.5, 0.5),
    "maximum": np.maximum,
    "minimum": np.minimum,
    "where_condition_from_first": lambda a, b: np.where(a > 0, a, b),
    "sum_all": np.sum,
    "sum_tuple_dims": lambda a: a.sum(axis=(0, -1)),
    "mean_dim": lambda a: a.mean(axis=-1),
    "var_dim_correction_1": lambda a: a.var(axis=-1, ddof=1),
    "var_dim_correction_0": lambda a: a.var(axis=0, ddof=0),
    "max_dim": lambda a: a.max(axis=-1),
    "min_all": np.min,
    "softmax_first": lambda a: numpy_softmax(a, 0),
    "log_softmax_last": lambda a: np.log(numpy_softmax(a, -1)),
    "T": np.transpose,
    "permute_4d": lambda a: np.transpose(a, (1, 3, 0, 2)),
    "getitem_int_array_duplicates": lambda a: a[[0, 2, 0, 1, 2, 2]],
    "gather_last_dim_repeats": lambda a: numpy_gather_last_dim(a, index_positions(a.shape, -1, 1)),
    "cat_three_last_dim": lambda a, b, c: np.concatenate([a, b, c], axis=-1),
    "stack_two_first_dim": lambda a, b: np.stack([a, b], axis=0),
    "unbind_first_times_last": lambda a: a[0] * a[-1],
    "pad_last_two_dims_value": lambda a: np.pad(
        a, [(0, 0)] * (a.ndim - 2) + [(2, 0), (0, 1)], constant_values=1.5
    ),
    "matmul_vector_vector": np.matmul,
    "matmul_matrix_vector": np.matmul,
    "matmul_batched_broadcast": np.matmul,
    "l1_loss_none": lambda a, b: np.abs(a - b),
}


def draw_like(
    data: st.DataObject, shape: tuple[int, ...], dtype: np.dtype[Any] | type = np.float64
) -> np.ndarray:
    """Draw a random array of ``shape`` with values in [-2, 2] (upstream gradients, directions)."""
    elements = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    return data.draw(hnp.arrays(np.float64, shape, elements=elements)).astype(dtype)


def our_leaves(arrays: list[np.ndarray], dtype: type = np.float64) -> list[Tensor]:
    """tinygrad_edu leaf tensors that require grad, one per array (copied, cast to dtype)."""
    return [Tensor(array.astype(dtype), requires_grad=True) for array in arrays]


def torch_leaves(arrays: list[np.ndarray], dtype: type = np.float64) -> list[Any]:
    """torch leaf tensors that require grad, one per array (copied, cast to dtype)."""
    return [torch.tensor(array.astype(dtype), requires_grad=True) for array in arrays]


def torch_gradients_or_zeros(gradients: tuple[Any, ...], tensors: list[Any]) -> list[np.ndarray]:
    """torch.autograd.grad results as arrays; an unused input (None) contributes zeros.

    ``force=True`` materialises torch's lazy all-zero tensors (second derivatives of
    piecewise-linear ops), which refuse a plain ``.numpy()``.
    """
    return [
        np.zeros(tuple(tensor.shape)) if gradient is None else gradient.detach().numpy(force=True)
        for gradient, tensor in zip(gradients, tensors)
    ]


def our_gradients_or_zeros(
    gradients: tuple[Tensor | None, ...], tensors: list[Tensor]
) -> list[np.ndarray]:
    """tinygrad_edu.autograd.grad results as arrays; an unused input (None) contributes zeros."""
    return [
        np.zeros(tensor.shape) if gradient is None else gradient._data
        for gradient, tensor in zip(gradients, tensors)
    ]


def draw_case_inputs(case: OpCase, data: st.DataObject) -> list[np.ndarray]:
    """Draw the case's float64 input arrays through the hypothesis data object."""
    # DataObject.draw is the drawing function @st.composite would pass (typed differently).
    arrays = case.inputs(data.draw)  # type: ignore[arg-type]
    assert all(type(array) is np.ndarray and array.dtype == np.float64 for array in arrays)
    return arrays


@pytest.mark.parametrize("case", OP_CASES, ids=CASE_IDS)
@given(data=st.data())
def test_forward_matches_torch(case: OpCase, data: st.DataObject) -> None:
    """The forward value has torch's shape, dtype float64, and torch's values."""
    arrays = draw_case_inputs(case, data)
    ours = case.ours(*[Tensor(array) for array in arrays])
    theirs = case.theirs(torch, *[torch.tensor(array) for array in arrays])
    assert isinstance(ours, Tensor)
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == np.float64
    assert not ours.requires_grad
    np.testing.assert_allclose(ours._data, theirs.numpy(), rtol=FLOAT64_RTOL, atol=FLOAT64_ATOL)


@pytest.mark.parametrize("name", sorted(NUMPY_REFERENCES))
@given(data=st.data())
def test_forward_matches_numpy(name: str, data: st.DataObject) -> None:
    """The forward value equals an independent NumPy formula."""
    case = CASES_BY_NAME[name]
    arrays = draw_case_inputs(case, data)
    ours = case.ours(*[Tensor(array) for array in arrays])
    expected = np.asarray(NUMPY_REFERENCES[name](*arrays))
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours._data, expected, rtol=FLOAT64_RTOL, atol=FLOAT64_ATOL)


@pytest.mark.parametrize("case", OP_CASES, ids=CASE_IDS)
@given(data=st.data())
def test_first_order_gradients_match_torch(case: OpCase, data: st.DataObject) -> None:
    """``backward(v)`` leaves torch's vector-Jacobian product vᵀJ in every input's ``.grad``."""
    arrays = draw_case_inputs(case, data)
    our_inputs = our_leaves(arrays)
    torch_inputs = torch_leaves(arrays)
    our_output = case.ours(*our_inputs)
    torch_output = case.theirs(torch, *torch_inputs)
    assert our_output.requires_grad

    upstream = draw_like(data, our_output.shape)
    our_output.backward(Tensor(upstream.copy()))
    expected = torch_gradients_or_zeros(
        torch.autograd.grad(
            [torch_output], torch_inputs, [torch.tensor(upstream)], allow_unused=True
        ),
        torch_inputs,
    )
    for index, (leaf, expected_gradient) in enumerate(zip(our_inputs, expected)):
        assert leaf.grad is not None, f"input {index} got no gradient"
        np.testing.assert_allclose(
            leaf.grad._data,
            expected_gradient,
            err_msg=f"input {index}",
            rtol=FLOAT64_RTOL,
            atol=FLOAT64_ATOL,
        )


@pytest.mark.parametrize("case", OP_CASES, ids=CASE_IDS)
@given(data=st.data())
def test_second_order_gradients_match_torch(case: OpCase, data: st.DataObject) -> None:
    """Differentiating the first-order gradients again gives torch's second-order gradients.

    With g = vᵀJ(x) built with create_graph=True and a random direction u, s = <g, u> has
    ds/dx = uᵀ H v (the Hessian-vector products of the op) and ds/dv = J u. Both are compared.
    For piecewise-linear selection ops (second_order=False) the Hessian part is also asserted to
    be exactly zero.
    """
    arrays = draw_case_inputs(case, data)

    our_inputs = our_leaves(arrays)
    our_output = case.ours(*our_inputs)
    upstream = draw_like(data, our_output.shape)
    directions = [draw_like(data, array.shape) for array in arrays]
    our_upstream = Tensor(upstream.copy(), requires_grad=True)
    our_first = autograd_grad(
        [our_output],
        our_inputs,
        grad_outputs=[our_upstream],
        create_graph=True,
        allow_unused=True,
    )
    our_targets = [*our_inputs, our_upstream]
    our_inner_product = None
    for gradient, direction in zip(our_first, directions):
        if gradient is not None:
            term = (gradient * Tensor(direction)).sum()
            our_inner_product = term if our_inner_product is None else our_inner_product + term
    if our_inner_product is None or not our_inner_product.requires_grad:
        our_second = [np.zeros(target.shape) for target in our_targets]
    else:
        our_second = our_gradients_or_zeros(
            autograd_grad([our_inner_product], our_targets, allow_unused=True), our_targets
        )

    torch_inputs = torch_leaves(arrays)
    torch_output = case.theirs(torch, *torch_inputs)
    torch_upstream = torch.tensor(upstream, requires_grad=True)
    torch_first = torch.autograd.grad(
        [torch_output], torch_inputs, [torch_upstream], create_graph=True, allow_unused=True
    )
    torch_targets = [*torch_inputs, torch_upstream]
    torch_inner_product = sum(
        (gradient * torch.tensor(direction)).sum()
        for gradient, direction in zip(torch_first, directions)
        if gradient is not None
    )
    if not isinstance(torch_inner_product, torch.Tensor) or not torch_inner_product.requires_grad:
        torch_second = [np.zeros(tuple(target.shape)) for target in torch_targets]
    else:
        torch_second = torch_gradients_or_zeros(
            torch.autograd.grad([torch_inner_product], torch_targets, allow_unused=True),
            torch_targets,
        )

    for index, (ours, theirs) in enumerate(zip(our_second, torch_second)):
        label = "upstream gradient" if index == len(arrays) else f"input {index}"
        assert ours.shape == theirs.shape, label
        np.testing.assert_allclose(
            ours, theirs, err_msg=label, rtol=FLOAT64_RTOL, atol=FLOAT64_ATOL
        )
    if not case.second_order:
        for index, ours in enumerate(our_second[: len(arrays)]):
            assert not np.any(ours), f"input {index}: piecewise-linear op has nonzero Hessian"


@pytest.mark.parametrize("case", OP_CASES, ids=CASE_IDS)
@given(data=st.data())
def test_gradient_invariants(case: OpCase, data: st.DataObject) -> None:
    """Shapes, dtypes, no mutation, no aliasing, accumulation and graph freeing."""
    arrays = draw_case_inputs(case, data)
    our_inputs = our_leaves(arrays)
    input_copies = [leaf._data.copy() for leaf in our_inputs]
    our_output = case.ours(*our_inputs)
    upstream = draw_like(data, our_output.shape)
    upstream_copy = upstream.copy()
    upstream_tensor = Tensor(upstream)

    our_output.backward(upstream_tensor, retain_graph=True)
    gradient_arrays = []
    for index, leaf in enumerate(our_inputs):
        gradient = leaf.grad
        assert isinstance(gradient, Tensor), f"input {index}"
        assert gradient.shape == leaf.shape, f"input {index}"
        assert gradient.dtype == leaf.dtype, f"input {index}"
        assert gradient._data.shape == leaf._data.shape, f"input {index}"
        assert gradient._data.dtype == leaf._data.dtype, f"input {index}"
        gradient_arrays.append(gradient._data)
    for first in range(len(gradient_arrays)):
        for second in range(first + 1, len(gradient_arrays)):
            assert not np.shares_memory(gradient_arrays[first], gradient_arrays[second]), (
                f"gradients of inputs {first} and {second} share memory"
            )
    first_gradients = [array.copy() for array in gradient_arrays]
    for leaf, copy in zip(our_inputs, input_copies):
        np.testing.assert_array_equal(leaf._data, copy)
    np.testing.assert_array_equal(upstream, upstream_copy)
    np.testing.assert_array_equal(upstream_tensor._data, upstream_copy)

    # Read while the graph is still retained: how many tensors the output's node saved.
    saved_count = 0 if our_output.grad_fn is None else len(our_output.grad_fn.saved_tensors)

    # A second identical backward through the retained graph accumulates: .grad doubles.
    our_output.backward(upstream_tensor)
    for index, (leaf, first_gradient) in enumerate(zip(our_inputs, first_gradients)):
        gradient = leaf.grad
        assert gradient is not None, f"input {index}"
        np.testing.assert_allclose(
            gradient._data, 2.0 * first_gradient, rtol=1e-12, atol=0.0, err_msg=f"input {index}"
        )
    for leaf, copy in zip(our_inputs, input_copies):
        np.testing.assert_array_equal(leaf._data, copy)
    np.testing.assert_array_equal(upstream, upstream_copy)
    np.testing.assert_array_equal(upstream_tensor._data, upstream_copy)

    # The second backward did not retain the graph: if the output's node saved tensors for
    # backward, they are freed now and a third backward must raise torch's error.
    if saved_count > 0:
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            our_output.backward(upstream_tensor)


@pytest.mark.parametrize("case", OP_CASES, ids=CASE_IDS)
@given(data=st.data())
def test_float32_stays_float32_and_matches_torch(case: OpCase, data: st.DataObject) -> None:
    """float32 inputs give a float32 output and float32 gradients equal to torch's float32."""
    arrays = draw_case_inputs(case, data)
    our_inputs = our_leaves(arrays, np.float32)
    torch_inputs = torch_leaves(arrays, np.float32)
    our_output = case.ours(*our_inputs)
    torch_output = case.theirs(torch, *torch_inputs)
    assert our_output.dtype == np.float32
    assert our_output._data.dtype == np.float32
    np.testing.assert_allclose(
        our_output._data, torch_output.detach().numpy(), rtol=FLOAT32_RTOL, atol=FLOAT32_ATOL
    )

    upstream = draw_like(data, our_output.shape, np.float32)
    our_output.backward(Tensor(upstream.copy()))
    expected = torch_gradients_or_zeros(
        torch.autograd.grad(
            [torch_output], torch_inputs, [torch.tensor(upstream)], allow_unused=True
        ),
        torch_inputs,
    )
    for index, (leaf, expected_gradient) in enumerate(zip(our_inputs, expected)):
        assert leaf.grad is not None, f"input {index} got no gradient"
        assert leaf.grad.dtype == np.float32, f"input {index}"
        assert leaf.grad._data.dtype == np.float32, f"input {index}"
        np.testing.assert_allclose(
            leaf.grad._data,
            expected_gradient,
            err_msg=f"input {index}",
            rtol=FLOAT32_RTOL,
            atol=FLOAT32_ATOL,
        )
