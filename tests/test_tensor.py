"""Tests of the Tensor surface that is not about gradients: creation, dtype rules, metadata and
conversions, repr, indexing results, comparisons, max/argmax, and the errors raised for bad
inputs.

Expected dtypes follow PyTorch (float32 default, a Python scalar never upcasts a float32 tensor,
integer tensors promote to the float operand's dtype); every expected value here was chosen so
it can be checked against NumPy directly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu
import tinygrad_edu as tge
from tinygrad_edu import (
    Tensor,
    arange,
    cat,
    eye,
    from_numpy,
    full,
    manual_seed,
    ones,
    ones_like,
    rand,
    randn,
    tensor,
    zeros,
    zeros_like,
)


def shape_spellings(shape: tuple[int, ...]) -> list[str]:
    """Spellings of a shape in a message, spaces removed: (2,3) [2,3] 2x3; (4,) [4]."""
    inside = ",".join(str(size) for size in shape)
    if len(shape) == 1:
        return [f"[{inside}]", f"({inside},)"]
    return [f"[{inside}]", f"({inside})", "x".join(str(size) for size in shape)]


def assert_names_op_and_shapes(
    error: pytest.ExceptionInfo[BaseException], op_names: tuple[str, ...], *shapes: tuple[int, ...]
) -> None:
    """The message must name the op (any of ``op_names``) and every one of ``shapes``."""
    message = str(error.value)
    compact = message.replace(" ", "")
    assert any(name in message.lower() for name in op_names), message
    for shape in shapes:
        assert any(spelling in compact for spelling in shape_spellings(shape)), (shape, message)


# --------------------------------------------------------------------------------------------
# Creation and dtype rules.
# --------------------------------------------------------------------------------------------


def test_dtype_objects_are_numpy_dtypes() -> None:
    """The exported dtypes are NumPy dtype objects."""
    assert tinygrad_edu.float32 == np.dtype("float32")
    assert tinygrad_edu.float64 == np.dtype("float64")
    assert tinygrad_edu.int32 == np.dtype("int32")
    assert tinygrad_edu.int64 == np.dtype("int64")
    assert tinygrad_edu.uint8 == np.dtype("uint8")
    assert tinygrad_edu.bool == np.dtype("bool")


@pytest.mark.parametrize(
    ("data", "expected_dtype"),
    [
        ([1.0, 2.0], np.float32),
        (1.5, np.float32),
        ([[1, 2], [3, 4]], np.int64),
        (7, np.int64),
        ([True, False], np.bool_),
        ([1, 2.5], np.float32),
        (np.array([1.0, 2.0], dtype=np.float64), np.float64),
        (np.array([1, 2], dtype=np.int32), np.int32),
        (np.array([1, 2], dtype=np.uint8), np.uint8),
        (np.array([1.0], dtype=np.float32), np.float32),
        (np.float64(0.5), np.float64),
        (np.int32(3), np.int32),
    ],
)
def test_tensor_default_dtypes(data: Any, expected_dtype: type) -> None:
    """Python floats/lists -> float32, ints -> int64, bools -> bool; NumPy arrays and NumPy
    scalars keep their dtype (torch.tensor(np.float64(0.5)) is float64)."""
    result = tensor(data)
    assert result.dtype == np.dtype(expected_dtype)
    assert result._data.dtype == np.dtype(expected_dtype)
    np.testing.assert_array_equal(result._data, np.asarray(data))


def test_tensor_constructor_and_explicit_dtype() -> None:
    """Tensor(...) and tensor(..., dtype=...) honour an explicit dtype."""
    direct = Tensor([1.0, 2.0])
    assert direct.dtype == np.float32
    requested = tensor([1.0, 2.0], dtype=tinygrad_edu.float64)
    assert requested.dtype == np.float64
    assert Tensor([1, 2], dtype=tinygrad_edu.float64).dtype == np.float64
    assert tensor([1.5, 2.5], dtype=tinygrad_edu.float32).dtype == np.float32


def test_explicit_float64_keeps_python_float_precision() -> None:
    """tensor(0.3, dtype=float64) holds the double 0.3, not 0.3 rounded to float32 first."""
    assert tensor(0.3, dtype=tinygrad_edu.float64).item() == 0.3
    assert tensor([0.1, 0.3], dtype=tinygrad_edu.float64).tolist() == [0.1, 0.3]
    assert Tensor(1e-50, dtype=tinygrad_edu.float64).item() == 1e-50


def test_wrap_sets_every_field() -> None:
    """Tensor._wrap sets the fields inline that _init sets for the constructor: both set every
    slot, to the same values for a fresh tensor."""
    made = Tensor([1.0])
    wrapped = Tensor._wrap(np.array([1.0], dtype=np.float32), False)
    for name in Tensor.__slots__:
        if name == "__weakref__":
            continue
        made_value, wrapped_value = getattr(made, name), getattr(wrapped, name)
        if name == "_data":
            np.testing.assert_array_equal(made_value, wrapped_value)
        else:
            assert made_value == wrapped_value, name


def test_tensor_copies_its_input() -> None:
    """Like torch.tensor, tensor(array) copies: writing to the array later changes nothing."""
    source = np.array([1.0, 2.0])
    result = tensor(source)
    source[0] = 100.0
    np.testing.assert_array_equal(result._data, [1.0, 2.0])


def test_from_numpy_keeps_dtype_and_shares_memory() -> None:
    """from_numpy keeps the dtype and, like torch.from_numpy, shares the array's memory."""
    source = np.array([[1, 2], [3, 4]], dtype=np.int32)
    result = from_numpy(source)
    assert result.dtype == np.int32
    assert result.shape == (2, 2)
    source[0, 0] = 9
    assert result._data[0, 0] == 9


@pytest.mark.parametrize("factory", [zeros, ones])
def test_zeros_and_ones(factory: Any) -> None:
    """Sizes as separate ints or one tuple; float32 by default; dtype and requires_grad."""
    fill_value = 1.0 if factory is ones else 0.0
    for result in (factory(2, 3), factory((2, 3))):
        assert result.shape == (2, 3)
        assert result.dtype == np.float32
        np.testing.assert_array_equal(result._data, np.full((2, 3), fill_value))
        assert not result.requires_grad
    assert factory(4, dtype=tinygrad_edu.float64).dtype == np.float64
    assert factory(4, dtype=tinygrad_edu.int64).dtype == np.int64
    trainable = factory(2, requires_grad=True)
    assert trainable.requires_grad and trainable.is_leaf


def test_full_arange_eye() -> None:
    """full, arange (int64 for ints, float32 for floats like torch) and eye."""
    filled = full((2, 2), 1.5)
    assert filled.dtype == np.float32
    np.testing.assert_array_equal(filled._data, [[1.5, 1.5], [1.5, 1.5]])
    assert full((3,), 2.0, dtype=tinygrad_edu.float64).dtype == np.float64

    counting = arange(5)
    assert counting.dtype == np.int64
    np.testing.assert_array_equal(counting._data, [0, 1, 2, 3, 4])
    stepped = arange(0, 1, 0.25)
    assert stepped.dtype == np.float32
    np.testing.assert_array_equal(stepped._data, [0.0, 0.25, 0.5, 0.75])
    np.testing.assert_array_equal(arange(2, 8, 3)._data, [2, 5])

    identity = eye(3)
    assert identity.dtype == np.float32
    np.testing.assert_array_equal(identity._data, np.eye(3))


def test_zeros_like_and_ones_like() -> None:
    """*_like copy shape and dtype but never requires_grad."""
    source = tensor(np.ones((2, 3), dtype=np.float64), requires_grad=True)
    for factory, value in ((zeros_like, 0.0), (ones_like, 1.0)):
        result = factory(source)
        assert result.shape == (2, 3)
        assert result.dtype == np.float64
        assert not result.requires_grad
        np.testing.assert_array_equal(result._data, np.full((2, 3), value))


def test_rand_and_randn_are_reproducible_with_manual_seed() -> None:
    """Same seed, same numbers; the stream moves on between calls; rand lies in [0, 1)."""
    manual_seed(1234)
    first_uniform = rand(3, 4)
    first_normal = randn(50)
    manual_seed(1234)
    second_uniform = rand(3, 4)
    second_normal = randn(50)
    third_uniform = rand(3, 4)

    assert first_uniform.shape == (3, 4) and first_uniform.dtype == np.float32
    assert first_normal.shape == (50,) and first_normal.dtype == np.float32
    np.testing.assert_array_equal(first_uniform._data, second_uniform._data)
    np.testing.assert_array_equal(first_normal._data, second_normal._data)
    assert not np.array_equal(first_uniform._data, third_uniform._data)
    assert np.all(first_uniform._data >= 0.0) and np.all(first_uniform._data < 1.0)
    assert np.any(first_normal._data < 0.0) and np.any(first_normal._data > 0.0)

    manual_seed(99)
    other_seed = rand(3, 4)
    assert not np.array_equal(first_uniform._data, other_seed._data)
    assert randn(2, 2, dtype=tinygrad_edu.float64).dtype == np.float64


# --------------------------------------------------------------------------------------------
# Promotion.
# --------------------------------------------------------------------------------------------

FLOAT32_VECTOR = np.array([1.0, 2.0], dtype=np.float32)
FLOAT64_VECTOR = np.array([1.0, 2.0], dtype=np.float64)
INT64_VECTOR = np.array([1, 2], dtype=np.int64)
INT32_VECTOR = np.array([1, 2], dtype=np.int32)
BOOL_VECTOR = np.array([True, False])


@pytest.mark.parametrize(
    ("left", "right", "expected_dtype"),
    [
        (FLOAT32_VECTOR, 2.5, np.float32),
        (FLOAT32_VECTOR, 3, np.float32),
        (FLOAT32_VECTOR, FLOAT64_VECTOR, np.float64),
        (FLOAT64_VECTOR, FLOAT32_VECTOR, np.float64),
        (INT64_VECTOR, FLOAT32_VECTOR, np.float32),
        (INT64_VECTOR, FLOAT64_VECTOR, np.float64),
        (INT32_VECTOR, INT64_VECTOR, np.int64),
        (INT64_VECTOR, 2, np.int64),
        (INT64_VECTOR, 2.5, np.float32),
        (INT32_VECTOR, 2, np.int32),
        (BOOL_VECTOR, FLOAT32_VECTOR, np.float32),
        (FLOAT32_VECTOR, np.array(2.0, dtype=np.float64), np.float32),
        (INT32_VECTOR, np.array(2, dtype=np.int64), np.int32),
        (INT64_VECTOR, np.array(2.5, dtype=np.float64), np.float64),
    ],
)
def test_binary_op_promotion_like_torch(left: Any, right: Any, expected_dtype: type) -> None:
    """Result dtypes of +, -, * in both operand orders follow torch's promotion rules.

    A Python scalar never upcasts (float32 + 2.5 stays float32); a 0-d tensor does not upcast a
    dimensioned tensor of the same category (float32 vector + float64 0-d stays float32); a
    higher category wins (int vector + float64 0-d -> float64).
    """
    left_operand = tensor(left) if isinstance(left, np.ndarray) else left
    right_operand = tensor(right) if isinstance(right, np.ndarray) else right
    results = [left_operand + right_operand, right_operand + left_operand,
               left_operand * right_operand]
    if left is not BOOL_VECTOR:  # torch refuses - with a bool (test_integer_ops.py)
        results.append(left_operand - right_operand)
    for result in results:
        assert result.dtype == np.dtype(expected_dtype)
        assert result._data.dtype == np.dtype(expected_dtype)


def test_integer_true_division_gives_default_float() -> None:
    """Like torch, int / int is true division with the default float dtype (float32)."""
    result = tensor([1, 3]) / tensor([2, 2])
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result._data, [0.5, 1.5])


def test_integer_tensor_cannot_require_grad() -> None:
    """Only floating-point tensors may require gradients."""
    with pytest.raises(RuntimeError, match="(?i)floating point.*require gradients"):
        tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="(?i)floating point.*require gradients"):
        tensor([1, 2]).requires_grad_()
    assert tensor([1.0, 2.0]).requires_grad_().requires_grad


def test_conversions() -> None:
    """to(dtype), float(), double(), long(), bool() convert the data."""
    values = tensor([1.5, -2.0, 0.0])
    assert values.to(tinygrad_edu.float64).dtype == np.float64
    assert values.double().dtype == np.float64
    assert values.double().float().dtype == np.float32
    as_long = values.long()
    assert as_long.dtype == np.int64
    np.testing.assert_array_equal(as_long._data, [1, -2, 0])
    as_bool = values.bool()
    assert as_bool.dtype == np.bool_
    np.testing.assert_array_equal(as_bool._data, [True, True, False])


# --------------------------------------------------------------------------------------------
# Metadata and conversions to Python / NumPy.
# --------------------------------------------------------------------------------------------


def test_shape_ndim_size_numel_len() -> None:
    """Shape is a tuple; size(dim) accepts negative dims; len is the first dimension."""
    values = tensor(np.zeros((2, 3, 4), dtype=np.float32))
    assert values.shape == (2, 3, 4)
    assert isinstance(values.shape, tuple)
    assert values.ndim == 3
    assert tuple(values.size()) == (2, 3, 4)
    assert values.size(1) == 3
    assert values.size(-1) == 4
    assert values.numel() == 24
    assert len(values) == 2
    scalar_tensor = tensor(3.0)
    assert scalar_tensor.shape == ()
    assert scalar_tensor.ndim == 0
    assert scalar_tensor.numel() == 1


def test_len_of_zero_dim_tensor_raises_type_error() -> None:
    """Like torch: len() of a 0-d tensor is a TypeError."""
    with pytest.raises(TypeError):
        len(tensor(3.0))


def test_item_and_tolist() -> None:
    """item() gives a Python number; tolist() gives nested Python lists."""
    single = tensor([2.5])
    assert single.item() == 2.5
    assert isinstance(single.item(), float)
    assert isinstance(tensor(4).item(), int)
    nested = tensor([[1.0, 2.0], [3.0, 4.0]]).tolist()
    assert nested == [[1.0, 2.0], [3.0, 4.0]]
    assert isinstance(nested, list) and isinstance(nested[0][0], float)
    assert tensor(5).tolist() == 5


def test_item_of_many_elements_raises() -> None:
    """item() needs exactly one element; the message says how many there are."""
    with pytest.raises((RuntimeError, ValueError)) as caught:
        tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).item()
    assert "6" in str(caught.value)


def test_numpy_and_array_protocol() -> None:
    """numpy() and np.asarray give the data; numpy() refuses when grad is required."""
    data = np.array([1.0, 2.0], dtype=np.float64)
    plain = tensor(data)
    assert isinstance(plain.numpy(), np.ndarray)
    np.testing.assert_array_equal(plain.numpy(), data)
    np.testing.assert_array_equal(np.asarray(plain), data)
    assert np.asarray(plain).dtype == np.float64
    assert np.array(plain, dtype=np.float32).dtype == np.float32

    trainable = tensor(data, requires_grad=True)
    with pytest.raises(RuntimeError, match="(?i)numpy"):
        trainable.numpy()
    np.testing.assert_array_equal(trainable.detach().numpy(), data)


def test_detach_and_clone() -> None:
    """detach() drops the history; clone() copies the data but keeps the history."""
    x = tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 2.0
    detached = y.detach()
    assert not detached.requires_grad and detached.grad_fn is None and detached.is_leaf
    copied = y.clone()
    assert copied.requires_grad and copied.grad_fn is not None
    assert not np.shares_memory(copied._data, y._data)
    np.testing.assert_array_equal(copied._data, y._data)


def test_repr_shows_data_dtype_and_grad_fn() -> None:
    """repr is torch-like: tensor(data, [dtype=...,] [requires_grad=True | grad_fn=<...>])."""
    leaf = tensor([1.5, -2.25], requires_grad=True)
    text = repr(leaf)
    assert text.startswith("tensor(")
    assert "1.5" in text and "-2.25" in text
    assert "requires_grad=True" in text
    assert "dtype" not in text

    result = tensor(np.array([1.5, -2.25]), requires_grad=True) * 2.0
    text = repr(result)
    assert text.startswith("tensor(")
    assert "3." in text and "-4.5" in text
    assert "dtype=float64" in text
    assert "grad_fn=<MulBackward" in text

    default_integer = repr(tensor([7, 8]))
    assert "7" in default_integer and "8" in default_integer and "dtype" not in default_integer
    assert "dtype=int32" in repr(tensor(np.array([7, 8], dtype=np.int32)))


# --------------------------------------------------------------------------------------------
# Indexing results equal NumPy's.
# --------------------------------------------------------------------------------------------

CUBE = np.arange(60.0).reshape(3, 4, 5)

INDEX_CASES: list[tuple[str, Any]] = [
    ("int", 1),
    ("negative_int", -1),
    ("two_ints", (2, 3)),
    ("three_ints", (0, -1, 2)),
    ("slice", slice(1, None)),
    ("slice_with_step", (slice(None), slice(None, None, 2))),
    ("negative_slice_bounds", (slice(-2, None), slice(None, -1))),
    ("empty_slice", slice(2, 1)),
    ("none", None),
    ("none_between", (slice(None), None, 1)),
    ("ellipsis", (Ellipsis, 2)),
    ("ellipsis_middle", (0, Ellipsis, slice(1, 3))),
    ("bool_mask_full", CUBE > 30.0),
    ("bool_mask_first_dim", np.array([True, False, True])),
    ("bool_mask_two_dims", (CUBE[:, :, 0] % 2 == 0)),
    ("int_list", [0, 2, 2]),
    ("int_array", np.array([2, 0, -1])),
    ("int_array_2d", np.array([[0, 1], [2, 2]])),
    ("two_int_arrays", (np.array([0, 2]), np.array([1, 3]))),
    ("int_array_then_slice", (np.array([1, 0]), slice(1, 3))),
    ("slice_then_int_array", (slice(None), np.array([3, 3, 0]))),
    ("int_and_int_array", (1, np.array([0, 2]), slice(None))),
    ("separated_int_arrays", (np.array([0, 1]), slice(None), np.array([4, 0]))),
]


@pytest.mark.parametrize(("name", "index"), INDEX_CASES, ids=[case[0] for case in INDEX_CASES])
def test_getitem_matches_numpy(name: str, index: Any) -> None:
    """Forward indexing results (values and shapes) equal NumPy's for every index kind."""
    result = tensor(CUBE)[index]
    expected = CUBE[index]
    assert result.shape == expected.shape, name
    assert result.dtype == np.float64
    np.testing.assert_array_equal(result._data, expected)


def test_getitem_with_tensor_indices_matches_numpy() -> None:
    """Integer and bool Tensors work as indices too."""
    values = tensor(CUBE)
    integer_index = tensor([2, 0, 1])
    np.testing.assert_array_equal(values[integer_index]._data, CUBE[np.array([2, 0, 1])])
    mask = tensor(CUBE > 40.0)
    np.testing.assert_array_equal(values[mask]._data, CUBE[CUBE > 40.0])
    np.testing.assert_array_equal(values[:, tensor([1, 1])]._data, CUBE[:, np.array([1, 1])])


def test_getitem_scalar_result_is_zero_dim_tensor() -> None:
    """Indexing every dimension with ints gives a 0-d tensor, whose item() is the element."""
    element = tensor(CUBE)[1, 2, 3]
    assert isinstance(element, Tensor)
    assert element.shape == ()
    assert element.item() == CUBE[1, 2, 3]


# --------------------------------------------------------------------------------------------
# Comparisons, max, argmax.
# --------------------------------------------------------------------------------------------


def test_comparisons_return_bool_tensors_without_grad() -> None:
    """< <= > >= == != give bool tensors that never require grad, also vs Python scalars."""
    left_values = np.array([1.0, 2.0, 3.0])
    right_values = np.array([3.0, 2.0, 1.0])
    left = tensor(left_values, requires_grad=True)
    right = tensor(right_values)
    results = {
        "lt": (left < right, left_values < right_values),
        "le": (left <= right, left_values <= right_values),
        "gt": (left > right, left_values > right_values),
        "ge": (left >= right, left_values >= right_values),
        "eq": (left == right, left_values == right_values),
        "ne": (left != right, left_values != right_values),
        "gt_scalar": (left > 1.5, left_values > 1.5),
        "eq_scalar": (left == 2.0, left_values == 2.0),
    }
    for name, (result, expected) in results.items():
        assert isinstance(result, Tensor), name
        assert result.dtype == np.bool_, name
        assert not result.requires_grad, name
        assert result.grad_fn is None, name
        np.testing.assert_array_equal(result._data, expected, err_msg=name)


def test_max_and_min_with_dim_return_values_and_indices() -> None:
    """max(dim) / min(dim) give (values, indices) like torch, with keepdim."""
    data = np.array([[3.0, 7.0, 1.0], [9.0, 2.0, 5.0]])
    values = tensor(data)
    maximum_values, maximum_indices = values.max(dim=1)
    np.testing.assert_array_equal(maximum_values._data, [7.0, 9.0])
    np.testing.assert_array_equal(maximum_indices._data, [1, 0])
    assert maximum_indices.dtype == np.int64

    minimum_values, minimum_indices = values.min(dim=0, keepdim=True)
    assert minimum_values.shape == (1, 3) and minimum_indices.shape == (1, 3)
    np.testing.assert_array_equal(minimum_values._data, [[3.0, 2.0, 1.0]])
    np.testing.assert_array_equal(minimum_indices._data, [[0, 1, 0]])

    overall = values.max()
    assert isinstance(overall, Tensor)
    assert overall.shape == () and overall.item() == 9.0


def test_argmax_and_argmin() -> None:
    """argmax with and without dim (flattened index), argmin, keepdim."""
    data = np.array([[3.0, 7.0, 1.0], [9.0, 2.0, 5.0]])
    values = tensor(data)
    assert values.argmax().item() == 3
    assert values.argmin().item() == 2
    np.testing.assert_array_equal(values.argmax(dim=1)._data, [1, 0])
    np.testing.assert_array_equal(values.argmin(dim=0)._data, [0, 1, 0])
    assert values.argmax(dim=1, keepdim=True).shape == (2, 1)
    assert values.argmax(dim=1).dtype == np.int64


# --------------------------------------------------------------------------------------------
# Errors for bad inputs.
# --------------------------------------------------------------------------------------------


def test_matmul_shape_mismatch_error() -> None:
    """(2, 3) @ (2, 3) cannot be multiplied: the message names matmul and both shapes."""
    with pytest.raises((RuntimeError, ValueError)) as caught:
        tensor(np.ones((2, 3))) @ tensor(np.ones((2, 3)))
    assert_names_op_and_shapes(caught, ("matmul", "@"), (2, 3))
    message = str(caught.value).replace(" ", "")
    assert message.count("(2,3)") + message.count("[2,3]") + message.count("2x3") >= 2


def test_reshape_incompatible_size_error() -> None:
    """6 elements cannot become shape (4,): the message names reshape and both shapes."""
    with pytest.raises((RuntimeError, ValueError)) as caught:
        tensor(np.ones((2, 3))).reshape(4)
    assert_names_op_and_shapes(caught, ("reshape", "view"), (2, 3), (4,))


def test_cat_mismatched_shapes_error() -> None:
    """(2, 3) and (2, 4) cannot be joined along dim 0: the message names cat and both shapes."""
    with pytest.raises((RuntimeError, ValueError)) as caught:
        cat([tensor(np.ones((2, 3))), tensor(np.ones((2, 4)))], dim=0)
    assert_names_op_and_shapes(caught, ("cat",), (2, 3), (2, 4))


def test_broadcasting_failure_error() -> None:
    """(2, 3) + (4,) do not broadcast: the message names the op and both shapes."""
    with pytest.raises((RuntimeError, ValueError)) as caught:
        tensor(np.ones((2, 3))) + tensor(np.ones(4))
    assert_names_op_and_shapes(caught, ("add", "+"), (2, 3), (4,))


def test_broadcasting_failure_error_in_mul() -> None:
    """(2, 3) * (4,) do not broadcast: the message names the op and both shapes."""
    with pytest.raises((RuntimeError, ValueError)) as caught:
        tensor(np.ones((2, 3))) * tensor(np.ones(4))
    assert_names_op_and_shapes(caught, ("mul", "*"), (2, 3), (4,))


def test_stack_and_expand_errors() -> None:
    """stack of different shapes, expand of a non-singleton dimension: op and shapes named."""
    with pytest.raises((RuntimeError, ValueError)) as caught:
        tinygrad_edu.stack([tensor(np.ones((2, 3))), tensor(np.ones((3, 2)))])
    assert_names_op_and_shapes(caught, ("stack",), (2, 3), (3, 2))
    with pytest.raises((RuntimeError, ValueError)) as caught:
        tensor(np.ones((2, 3))).expand(4, 3)
    assert_names_op_and_shapes(caught, ("expand",), (2, 3), (4, 3))


def test_truth_value_of_many_elements_raises() -> None:
    """bool() of a tensor with several elements is ambiguous, as in torch."""
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(tensor([1.0, 2.0]) > 0.0)
    assert bool(tensor([1.0]) > 0.0)


def test_bad_index_error() -> None:
    """An out-of-range index raises IndexError, like torch and NumPy."""
    with pytest.raises(IndexError):
        tensor(np.ones((2, 3)))[5]


def test_negative_slice_step_is_refused_like_torch() -> None:
    x = tge.arange(4)
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::-1]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::-1] = 0


def test_zero_dimensional_bool_mask_adds_an_axis_like_torch() -> None:
    x = tge.tensor(0.5, requires_grad=True)
    picked = x[x > 0]
    assert picked.shape == (1,) and picked.tolist() == [0.5]
    assert x[x < 0].shape == (0,)
    picked.sum().backward()
    assert x.grad.item() == 1.0


def test_assigning_overlapping_memory_is_refused_like_torch() -> None:
    x = tge.tensor([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="refer to a single memory location"):
        x[None] = x[1]
    x[0] = x[1]  # disjoint elements of one tensor: allowed, as in torch
    assert x.tolist() == [2.0, 2.0, 3.0]
    x.copy_(x)  # copying a tensor onto itself is allowed too
    assert x.tolist() == [2.0, 2.0, 3.0]


def test_matmul_of_different_float_dtypes_is_refused_like_torch() -> None:
    with pytest.raises(RuntimeError, match="same dtype"):
        tge.ones(2, 2, dtype=tge.float64) @ tge.ones(2, 2, dtype=tge.float32)


def test_views_made_in_no_grad_require_grad_but_pass_no_gradient() -> None:
    x = tge.ones(3, requires_grad=True)
    with tge.no_grad():
        view = x[0:1]
    assert view.requires_grad and view.is_leaf and view.grad_fn is None
    (view * 2).sum().backward()
    assert x.grad is None and view.grad is None
    with pytest.raises(RuntimeError, match="created in no_grad mode"):
        view.mul_(2)
