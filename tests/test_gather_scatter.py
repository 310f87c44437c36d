"""gather, scatter and scatter_add (and scatter_, scatter_add_) against torch, with drawn indices.

The op table (``tests/op_cases.py``) runs these ops through every oracle with indices that are a
fixed function of the input's shape. Here hypothesis draws the index too: the number of
dimensions (0-d included), the shapes, ``dim`` and the index values, repeated for gather and
scatter_add, distinct along each line of ``dim`` for scatter (where a position written twice
holds whichever write torch happened to do last: undefined, so not compared). In float64:

* values, first-order gradients (vᵀJ for a random upstream v) and second-order gradients (the
  gradients of <vᵀJ, u> with respect to the inputs and to v) equal torch.autograd's;
* the same drawn problems pass ``gradcheck`` and ``gradgradcheck`` (central differences);
* the in-place forms follow torch's in-place rules: a leaf that requires grad is refused, a
  view writes through to its base (and the base's history), the version counter moves;
* every malformed argument raises the exception type torch raises (the messages are ours: they
  name the op, the shapes and the fix).

The gradients derived by hand are in ``tests/test_hand_derived.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

torch = pytest.importorskip("torch")

import tinygrad_edu as tge  # noqa: E402
from tinygrad_edu import Tensor  # noqa: E402
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck  # noqa: E402
from tinygrad_edu.testing.strategies import real_values  # noqa: E402

RTOL = ATOL = 1e-10  # float64, same math as torch


@dataclass(frozen=True)
class Problem:
    """One drawn gather/scatter problem: the input, src (the index's shape), dim and index."""

    values: np.ndarray
    src: np.ndarray
    dim: int
    index: np.ndarray


@st.composite
def problems(draw: st.DrawFn, distinct: bool) -> Problem:
    """An input of 0 to 3 dimensions (sides 1 to 4), a dim (negative ones too) and an int64
    index with torch's shape rules: at most the input's size in every other dimension, any
    size along dim (at most the input's when ``distinct``). With ``distinct`` the positions
    along each line of dim differ (the first entries of a drawn permutation), otherwise they
    are drawn freely and repeat. A 0-d input takes a 0-d or 1-d index, as in torch."""
    ndim = draw(st.integers(0, 3))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim)))
    dim = draw(st.integers(-max(ndim, 1), max(ndim, 1) - 1))
    axis = dim % max(ndim, 1)
    vector_shape = shape if shape else (1,)
    along = vector_shape[axis]
    if ndim == 0:
        sizes: tuple[int, ...] = draw(st.sampled_from([(), (1,)] if distinct else [(), (1,), (3,)]))
    else:
        sizes = tuple(draw(st.integers(1, along if distinct else along + 2)) if d == axis
                      else draw(st.integers(1, size)) for d, size in enumerate(shape))
    if distinct:
        keys_shape = tuple(along if d == axis else size for d, size in enumerate(sizes or (1,)))
        keys = draw(hnp.arrays(np.int64, keys_shape, elements=st.integers(0, 50)))
        permutations = np.argsort(keys, axis=axis, kind="stable")
        index = permutations[tuple(slice(0, size) for size in sizes or (1,))].reshape(sizes)
    else:
        index = draw(hnp.arrays(np.int64, sizes, elements=st.integers(0, along - 1)))
    values = draw(hnp.arrays(np.float64, shape, elements=real_values()))
    src = draw(hnp.arrays(np.float64, sizes, elements=real_values()))
    return Problem(values, src, dim, index.astype(np.int64))


# name -> (ours, theirs, distinct): ours(lib, a, src, dim, index) with lib's tensors; the
# in-place forms act on a * 1, a non-leaf, as a learner's code would.
Call = Callable[[Any, Any, Any, int, Any], Any]
OPS: dict[str, tuple[Call, bool]] = {
    "gather": (lambda lib, a, src, dim, index: a.gather(dim, index) * src.sum(), False),
    "torch.gather": (lambda lib, a, src, dim, index: lib.gather(a, dim, index) + src, False),
    "scatter": (lambda lib, a, src, dim, index: a.scatter(dim, index, src), True),
    "torch.scatter": (lambda lib, a, src, dim, index: lib.scatter(a, dim, index, src), True),
    "scatter value": (lambda lib, a, src, dim, index: a.scatter(dim, index, value=-0.5) * src.sum(),
                      True),
    "scatter_": (lambda lib, a, src, dim, index: (a * 1).scatter_(dim, index, src), True),
    "scatter_add": (lambda lib, a, src, dim, index: a.scatter_add(dim, index, src), False),
    "torch.scatter_add": (lambda lib, a, src, dim, index: lib.scatter_add(a, dim, index, src),
                          False),
    "scatter_add_": (lambda lib, a, src, dim, index: (a * 1).scatter_add_(dim, index, src),
                     False),
}


def upstream_like(data: st.DataObject, shape: tuple[int, ...]) -> np.ndarray:
    """A random float64 array of ``shape`` (an upstream gradient, or a direction)."""
    return data.draw(hnp.arrays(np.float64, shape, elements=real_values(-2.0, 2.0)))


def as_arrays(gradients: tuple[Any, ...], shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """Gradients of either library as arrays; None (unused input) as zeros."""
    arrays = []
    for gradient, shape in zip(gradients, shapes):
        if gradient is None:
            arrays.append(np.zeros(shape))
        elif isinstance(gradient, Tensor):
            arrays.append(gradient.detach().numpy())
        else:
            arrays.append(gradient.detach().numpy(force=True))
    return arrays


def derivatives(lib: Any, call: Call, problem: Problem, upstream: np.ndarray,
                directions: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray],
                                                       list[np.ndarray]]:
    """The value, the first-order gradients vᵀJ and the second-order ones (of <vᵀJ, u> with
    respect to the two inputs and v) of ``call`` on ``problem``, computed with ``lib``."""
    a = lib.tensor(problem.values, requires_grad=True)
    src = lib.tensor(problem.src, requires_grad=True)
    output = call(lib, a, src, problem.dim, lib.tensor(problem.index))
    v = lib.tensor(upstream, requires_grad=True)
    first = lib.autograd.grad([output], [a, src], [v], create_graph=True, allow_unused=True)
    shapes = [problem.values.shape, problem.src.shape]
    inner = None
    for gradient, direction in zip(first, directions):
        if gradient is not None:
            term = (gradient * lib.tensor(direction)).sum()
            inner = term if inner is None else inner + term
    targets = [a, src, v]
    if inner is None or not inner.requires_grad:
        second = [np.zeros(target.shape) for target in targets]
    else:
        second = as_arrays(lib.autograd.grad([inner], targets, allow_unused=True),
                           [*shapes, upstream.shape])
    return output.detach().numpy(), as_arrays(first, shapes), second


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_values_and_gradients_match_torch(name: str, data: st.DataObject) -> None:
    """Value, vᵀJ and the second-order gradients equal torch's for drawn shapes and indices."""
    call, distinct = OPS[name]
    problem = data.draw(problems(distinct))
    with torch.no_grad():
        shape = tuple(call(torch, torch.tensor(problem.values), torch.tensor(problem.src),
                           problem.dim, torch.tensor(problem.index)).shape)
    upstream = upstream_like(data, shape)
    directions = [upstream_like(data, problem.values.shape), upstream_like(data, problem.src.shape)]
    ours = derivatives(tge, call, problem, upstream, directions)
    theirs = derivatives(torch, call, problem, upstream, directions)
    np.testing.assert_allclose(ours[0], theirs[0], err_msg="value", rtol=RTOL, atol=ATOL)
    assert ours[0].shape == theirs[0].shape
    for order, label in ((1, "first-order"), (2, "second-order")):
        for index, (mine, torchs) in enumerate(zip(ours[order], theirs[order])):
            assert mine.shape == torchs.shape, f"{label} gradient {index}"
            np.testing.assert_allclose(mine, torchs, err_msg=f"{label} gradient {index}",
                                       rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", sorted(OPS))
@settings(max_examples=10)
@given(data=st.data())
def test_drawn_problems_pass_gradcheck_and_gradgradcheck(name: str, data: st.DataObject) -> None:
    """Central differences agree with backward and with the backward of backward."""
    call, distinct = OPS[name]
    problem = data.draw(problems(distinct))
    inputs = [tge.tensor(problem.values, requires_grad=True),
              tge.tensor(problem.src, requires_grad=True)]

    def function(a: Tensor, src: Tensor) -> Tensor:
        return call(tge, a, src, problem.dim, tge.tensor(problem.index))

    assert gradcheck(function, inputs)
    assert gradgradcheck(function, inputs)


@given(problem=problems(distinct=False))
def test_a_float32_gather_stays_float32(problem: Problem) -> None:
    """float32 in, float32 out and float32 gradient, equal to torch's."""
    ours = tge.tensor(problem.values, dtype=tge.float32, requires_grad=True)
    theirs = torch.tensor(problem.values, dtype=torch.float32, requires_grad=True)
    our_output = ours.gather(problem.dim, tge.tensor(problem.index))
    their_output = theirs.gather(problem.dim, torch.tensor(problem.index))
    our_output.sum().backward()
    their_output.sum().backward()
    assert our_output.dtype == tge.float32 and ours.grad is not None
    assert ours.grad.dtype == tge.float32
    np.testing.assert_allclose(our_output.detach().numpy(), their_output.detach().numpy(),
                               rtol=1e-6)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6)


def test_scatter_with_a_repeated_position_writes_one_of_the_values() -> None:
    """Which write wins at a position named twice is undefined (in torch too): only that the
    position holds one of the values written there is promised."""
    result = tge.zeros(4).scatter(0, tge.tensor([1, 3, 1]), tge.tensor([5.0, 6.0, 7.0]))
    assert result[1].item() in (5.0, 7.0)
    assert result.tolist()[::2] == [0.0, 0.0] and result[3].item() == 6.0


# ------------------------------------------------------------------ what learners write
def test_one_hot_with_scatter_and_picking_labels_with_gather_as_in_torch() -> None:
    """zeros(10).scatter_(0, tensor(y), value=1) and logits.gather(1, labels.unsqueeze(1))."""
    for lib in (tge, torch):
        assert lib.zeros(10, dtype=lib.float).scatter_(0, lib.tensor(3), value=1).tolist() == [
            0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    logits = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]
    picked = {}
    for lib in (tge, torch):
        z = lib.tensor(logits, dtype=lib.float64, requires_grad=True)
        labels = lib.tensor([2, 0])
        one_hot = lib.zeros(2, 3, dtype=lib.float64).scatter_(1, labels.unsqueeze(1), 1.0)
        loss = -(z.log_softmax(1).gather(1, labels.unsqueeze(1))).mean()
        loss.backward()
        picked[lib.__name__] = (one_hot.tolist(), loss.item(), z.grad.tolist())
    assert picked["tinygrad_edu"][0] == picked["torch"][0]
    np.testing.assert_allclose(picked["tinygrad_edu"][1], picked["torch"][1], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(picked["tinygrad_edu"][2], picked["torch"][2], rtol=RTOL, atol=ATOL)


# ------------------------------------------------------------- in-place forms, torch's rules
@pytest.mark.parametrize("method", ["scatter_", "scatter_ value", "scatter_add_"])
def test_in_place_on_a_leaf_that_requires_grad_raises(method: str) -> None:
    """As torch: refused with grad mode on (the leaf's .grad would be wrong), allowed under
    no_grad (where optimisers and initialisers change parameters)."""
    for lib in (torch, tge):
        leaf = lib.zeros(3, requires_grad=True)

        def write() -> Any:
            if method == "scatter_ value":
                return leaf.scatter_(0, lib.tensor([1]), 2.0)
            return getattr(leaf, method)(0, lib.tensor([1]), lib.ones(1))

        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            write()
        with lib.no_grad():
            write()
        assert leaf.tolist()[1] in (1.0, 2.0) and leaf.requires_grad and leaf.is_leaf


def test_in_place_through_a_view_of_a_leaf_that_requires_grad_raises() -> None:
    for lib in (torch, tge):
        leaf = lib.zeros(2, 3, requires_grad=True)
        with pytest.raises(RuntimeError, match="view of a leaf Variable"):
            leaf[0].scatter_(0, lib.tensor([1]), lib.ones(1))


def version(lib: Any, tensor: Any) -> int:
    """How many times the tensor's memory changed in place (torch's ``_version``)."""
    return int(tensor._version) if lib is torch else int(tensor._version.value)


def written_through_views(lib: Any) -> tuple[Any, ...]:
    """scatter_ and scatter_add_ into views (a row, a transpose) of a base that requires no
    grad, with a src that does: the base changes and its history reaches src."""
    src = lib.tensor([7.0, 8.0], dtype=lib.float64, requires_grad=True)
    added = lib.tensor([[1.0, 2.0]], dtype=lib.float64, requires_grad=True)
    base = lib.zeros(2, 3, dtype=lib.float64)
    before = version(lib, base)
    row = base[1]
    row.scatter_(0, lib.tensor([2]), src[:1])
    base.T.scatter_(0, lib.tensor([[1], [0]]), src.reshape(2, 1))
    base[:, 1:].scatter_add_(1, lib.tensor([[1, 1]]), added)
    (base * lib.arange(6.0, dtype=lib.float64).reshape(2, 3)).sum().backward()
    return (base.tolist(), row.tolist(), version(lib, base) - before, base.requires_grad,
            base.is_leaf, src.grad.tolist(), added.grad.tolist())


def test_in_place_through_views_updates_the_base_as_in_torch() -> None:
    """Values, the shared version counter, requires_grad and the gradients equal torch's."""
    ours, theirs = written_through_views(tge), written_through_views(torch)
    assert ours == theirs
    assert ours[0] == [[8.0, 7.0, 3.0], [0.0, 0.0, 7.0]]


def test_in_place_bumps_the_version_so_a_saved_tensor_refuses_backward() -> None:
    """b * b saved b; scatter_ changed it: backward raises torch's error, as torch does."""
    a = tge.ones(3, requires_grad=True)
    b = a * 2
    c = b * b
    before = version(tge, b)
    b.scatter_(0, tge.tensor([0]), tge.tensor([5.0]))
    assert version(tge, b) == before + 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


def test_in_place_on_a_non_leaf_records_and_rebases_the_history() -> None:
    """After y.scatter_(...) the gradient of y's old value (its unwritten part) reaches x."""
    x = tge.tensor([1.0, 2.0, 3.0], dtype=tge.float64, requires_grad=True)
    w = tge.tensor([10.0], dtype=tge.float64, requires_grad=True)
    y = x * 2
    assert y.scatter_(0, tge.tensor([1]), w) is y
    assert y.grad_fn is not None and y.grad_fn.name() == "ScatterBackward"
    (y * tge.tensor([1.0, 2.0, 3.0], dtype=tge.float64)).sum().backward()
    assert x.grad is not None and w.grad is not None
    assert x.grad.tolist() == [2.0, 0.0, 6.0] and w.grad.tolist() == [2.0]


def test_a_later_change_of_the_index_does_not_change_the_gradient() -> None:
    """The op keeps its own copy of the index (torch instead refuses backward once the index
    tensor changed in place; here the gradient is that of the computation that ran)."""
    x = tge.zeros(3, requires_grad=True)
    index = tge.tensor([0, 0])
    y = x.gather(0, index)
    index.add_(1)
    y.sum().backward()
    assert x.grad is not None and x.grad.tolist() == [2.0, 0.0, 0.0]


# ------------------------------------------------------------------------ malformed arguments
def in_place_on_itself(lib: Any) -> Any:
    t = lib.arange(4.0)
    return t.scatter_(0, lib.tensor([1, 0, 3, 2]), t)


ERROR_CASES: dict[str, Callable[[Any], Any]] = {
    "float index": lambda lib: lib.ones(2, 3).gather(1, lib.tensor([[0.0], [1.0]])),
    "bool index": lambda lib: lib.ones(2, 3).scatter(1, lib.tensor([[True]]), 1.0),
    "int16 index": lambda lib: lib.ones(2, 3).scatter_add(
        1, lib.tensor([[0]], dtype=lib.int16), lib.ones(1, 1)),
    "list index": lambda lib: lib.ones(2, 3).gather(1, [[0], [1]]),
    "float dim": lambda lib: lib.ones(2, 3).gather(1.0, lib.tensor([[0], [1]])),
    "dim out of range": lambda lib: lib.ones(2, 3).scatter(2, lib.tensor([[0]]), 1.0),
    "fewer index dims": lambda lib: lib.ones(2, 3).gather(1, lib.tensor([0, 1])),
    "more index dims": lambda lib: lib.ones(3).scatter(0, lib.tensor([[0]]), lib.ones(1, 1)),
    "index larger in another dim": lambda lib: lib.ones(2, 3).gather(
        1, lib.zeros(3, 1, dtype=lib.long)),
    "index larger than src": lambda lib: lib.ones(2, 3).scatter(
        1, lib.tensor([[0, 1], [1, 2]]), lib.ones(2, 1)),
    "src with more dims": lambda lib: lib.ones(2, 3).scatter(
        1, lib.tensor([[0]]), lib.ones(1, 1, 1)),
    "src with fewer dims": lambda lib: lib.ones(2, 3).scatter_add(
        1, lib.tensor([[0]]), lib.ones(1)),
    "0-d src, 2-d index": lambda lib: lib.ones(2, 3).scatter(1, lib.tensor([[0]]), lib.tensor(2.0)),
    "index too large": lambda lib: lib.ones(2, 3).gather(1, lib.tensor([[3], [0]])),
    "negative index": lambda lib: lib.ones(2, 3).scatter(1, lib.tensor([[-1]]), lib.ones(1, 1)),
    "index into an empty dim": lambda lib: lib.ones(2, 0).gather(
        1, lib.zeros(2, 1, dtype=lib.long)),
    "in-place index too large": lambda lib: lib.zeros(3).scatter_(0, lib.tensor([3]), value=1.0),
    "scatter_add_ index too large": lambda lib: lib.zeros(3).scatter_add_(
        0, lib.tensor([5]), lib.ones(1)),
    "src of another dtype": lambda lib: lib.ones(2, 3).scatter(
        1, lib.tensor([[0]]), lib.ones(1, 1, dtype=lib.float64)),
    "scatter_add of a number": lambda lib: lib.ones(3).scatter_add(0, lib.tensor([1]), 1.0),
    "src and value": lambda lib: lib.ones(3).scatter(0, lib.tensor([1]), lib.ones(1), value=1.0),
    "neither src nor value": lambda lib: lib.ones(3).scatter(0, lib.tensor([1])),
    "unknown reduce": lambda lib: lib.ones(3).scatter_(0, lib.tensor([1]), 2.0, reduce="max"),
    "in place onto itself": in_place_on_itself,
    "in place on an expanded view": lambda lib: lib.zeros(1, 3).expand(2, 3).scatter_(
        1, lib.tensor([[0]]), 1.0),
}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_malformed_arguments_raise_what_torch_raises(name: str) -> None:
    case = ERROR_CASES[name]
    with pytest.raises(Exception) as theirs:
        case(torch)
    with pytest.raises(Exception) as ours:
        case(tge)
    assert type(ours.value) is type(theirs.value), (
        f"torch raises {type(theirs.value).__name__}: {theirs.value}; ours "
        f"{type(ours.value).__name__}: {ours.value}")


@pytest.mark.parametrize("call, expected", [
    (lambda: tge.ones(2, 3).gather(1, tge.tensor([[0.0], [1.0]])),
     r"gather\(\): Expected dtype int32/int64 for index, got float32; .*\.long\(\)"),
    (lambda: tge.ones(2, 3).gather(1, tge.tensor([0, 1])),
     r"gather\(\): Index tensor must have the same number of dimensions as input tensor: index "
     r"has shape \(2,\), input \(2, 3\); .*unsqueeze\(1\)"),
    (lambda: tge.ones(2, 3).scatter(1, tge.tensor([[0, 1], [1, 2]]), tge.ones(2, 1)),
     r"scatter\(\): Size does not match: expected index \(2, 2\) to be no larger than self "
     r"\(2, 3\) apart from dimension 1 and to be no larger than src \(2, 1\)"),
    (lambda: tge.zeros(3).scatter_add_(0, tge.tensor([5]), tge.ones(1)),
     r"scatter_add_\(\): index 5 is out of bounds for dimension 0 with size 3; every index value "
     r"must lie in \[0, 2\]"),
])
def test_errors_name_the_op_the_shapes_and_the_fix(call: Callable[[], Any], expected: str) -> None:
    with pytest.raises(RuntimeError, match=expected):
        call()


@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_the_deprecated_reduce_argument_is_refused_clearly(reduce: str) -> None:
    """torch deprecates scatter's reduce= and has no gradient for it: refused, pointing at
    scatter_add (NotImplementedError, which is a RuntimeError)."""
    with pytest.raises(NotImplementedError, match=f"reduce='{reduce}' is not supported.*"
                                                  "scatter_add"):
        tge.zeros(3).scatter_(0, tge.tensor([1]), tge.ones(1), reduce=reduce)
    with pytest.raises(RuntimeError):
        tge.zeros(3).scatter(0, tge.tensor([1]), 2.0, reduce=reduce)


def test_gather_sparse_grad_is_refused() -> None:
    with pytest.raises(RuntimeError, match="sparse_grad=True is not supported"):
        tge.gather(tge.ones(3), 0, tge.tensor([1]), sparse_grad=True)


# ------------------------------------------------------------------- shapes torch allows
SHAPE_CASES: dict[str, Callable[[Any], Any]] = {
    "empty index (any dtype)": lambda lib: (
        lib.ones(2, 3).gather(1, lib.zeros(0, 5)),
        lib.ones(2, 3).scatter(1, lib.zeros(0, dtype=lib.long), lib.ones(3)),
        lib.ones(3).scatter_add(0, lib.zeros(0, dtype=lib.long), lib.ones(2))),
    "index longer than the input along dim": lambda lib: lib.arange(6.0).reshape(2, 3).gather(
        1, lib.tensor([[0, 0, 2, 1, 2]])),
    "0-d input": lambda lib: (lib.tensor(5.0).gather(0, lib.tensor(0)),
                              lib.tensor(5.0).gather(-1, lib.tensor([0, 0])),
                              lib.tensor(1.0).scatter(0, lib.tensor(0), lib.tensor(4.0)),
                              lib.zeros(1).scatter(0, lib.tensor(0), lib.tensor(3.0))),
    "int32 index": lambda lib: lib.ones(2, 3).scatter_add(
        0, lib.tensor([[1, 1, 0]], dtype=lib.int32), lib.ones(1, 3)),
    "integer and bool tensors": lambda lib: (
        lib.arange(6).reshape(2, 3).gather(1, lib.tensor([[2], [0]])),
        lib.zeros(3, dtype=lib.long).scatter(0, lib.tensor([1]), 2.7),
        lib.zeros(3, dtype=lib.bool).scatter(0, lib.tensor([2]), True)),
    "value as a 0-d tensor": lambda lib: lib.zeros(3).scatter(
        0, lib.tensor([1]), value=lib.tensor(2.0)),
    "src larger than the index": lambda lib: lib.zeros(2, 4).scatter(
        1, lib.tensor([[3]]), lib.arange(6.0).reshape(2, 3)),
}


@pytest.mark.parametrize("name", sorted(SHAPE_CASES))
def test_shapes_and_dtypes_torch_accepts_give_torch_values(name: str) -> None:
    ours, theirs = SHAPE_CASES[name](tge), SHAPE_CASES[name](torch)
    ours = ours if isinstance(ours, tuple) else (ours,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    for mine, torchs in zip(ours, theirs):
        assert tuple(mine.shape) == tuple(torchs.shape)
        assert str(mine.dtype) == str(torchs.dtype).replace("torch.", "")
        assert mine.tolist() == torchs.tolist()
