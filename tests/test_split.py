"""split, chunk and unbind against torch: pieces, views, autograd, in-place rules and errors.

The three are built on one primitive op with several outputs, ``Split``: its forward returns
the pieces as NumPy views of the input, its backward joins the pieces' gradients along the
split dimension (zeros for a piece that received none). Each test runs the same code with
``tinygrad_edu`` and with ``torch`` as ``T`` and compares:

* the pieces (how many, shapes, dtypes, values) for int sizes, lists of sections, chunk counts,
  negative dims, empty dimensions and unbind, drawn by hypothesis;
* that they are views: an in-place change of the input shows in the pieces and the other way
  round, and they share the input's version counter;
* their ``requires_grad``, ``is_leaf`` and ``grad_fn``, with grad mode on and off;
* first- and second-order gradients in float64 (``autograd.grad`` with ``create_graph=True``),
  with only some pieces used;
* torch's in-place rules for the outputs of a function that returns several views: refused
  (RuntimeError) where the change would be recorded, allowed where nothing requires grad or
  under no_grad, and a piece whose memory changed afterwards refuses to be used with grad mode
  on when it has a history;
* the error types of bad arguments.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

import tinygrad_edu  # noqa: E402
from tinygrad_edu import Tensor  # noqa: E402

# Same math in the same precision: only rounding differences are allowed.
RTOL = 1e-10
ATOL = 1e-10
LIBRARIES = (tinygrad_edu, torch)


def to_array(tensor: Any) -> np.ndarray:
    """A copy of the values of a tensor of either library."""
    if isinstance(tensor, Tensor):
        return np.array(tensor.detach().numpy(), copy=True)
    return np.array(tensor.detach().numpy(force=True), copy=True)


def dtype_name(tensor: Any) -> str:
    """'float64', 'int64', 'bool'... for a tensor of either library."""
    return str(tensor.dtype).replace("torch.", "")


def assert_same_tensor(ours: Any, theirs: Any, label: str) -> None:
    """Same shape, dtype and values."""
    assert isinstance(ours, Tensor), f"{label}: got {type(ours).__name__}"
    assert ours.shape == tuple(theirs.shape), f"{label}: shape {ours.shape} vs {theirs.shape}"
    assert dtype_name(ours) == dtype_name(theirs), f"{label}: dtype"
    np.testing.assert_allclose(to_array(ours), to_array(theirs), rtol=RTOL, atol=ATOL,
                               err_msg=label)


def assert_same_pieces(ours: Any, theirs: Any) -> None:
    """Two tuples of pieces, equal piece by piece."""
    assert type(ours) is tuple, f"got {type(ours).__name__}, torch returns a tuple"
    assert len(ours) == len(theirs), f"{len(ours)} pieces, torch has {len(theirs)}"
    for index, (mine, reference) in enumerate(zip(ours, theirs)):
        assert_same_tensor(mine, reference, f"piece {index}")


def version(tensor: Any) -> int:
    """The version counter's value (torch's ``_version`` is the number itself)."""
    if isinstance(tensor, Tensor):
        return tensor._version.value
    return int(tensor._version)


def error_of(function: Callable[[Any], Any], module: Any) -> tuple[str, str] | None:
    """The name of the built-in exception type ``function(module)`` raises and its message,
    or None."""
    try:
        function(module)
    except Exception as error:  # the comparison is about the type
        for cls in type(error).__mro__:
            if cls.__module__ == "builtins":
                return cls.__name__, str(error)
        return type(error).__name__, str(error)
    return None


def error_kind(function: Callable[[Any], Any], module: Any) -> str | None:
    """The name of the built-in exception type ``function(module)`` raises, or None."""
    error = error_of(function, module)
    return None if error is None else error[0]


# ---------------------------------------------------------------------------------------------
# The pieces: how many, their shapes, dtypes and values
# ---------------------------------------------------------------------------------------------


@st.composite
def split_calls(draw: st.DrawFn) -> tuple[tuple[int, ...], str, Any, int]:
    """(shape, kind, argument, dim): a tensor shape with 1 to 3 sides of 0 to 5 and a call of
    ``split`` (int or sections), ``chunk`` or ``unbind`` along a dim (negative too)."""
    shape = tuple(draw(st.lists(st.integers(0, 5), min_size=1, max_size=3)))
    ndim = len(shape)
    dim = draw(st.integers(-ndim, ndim - 1))
    size = shape[dim]
    kind = draw(st.sampled_from(("split_int", "split_sections", "chunk", "unbind")))
    argument: Any = None
    if kind == "split_int":
        argument = 0 if size == 0 and draw(st.booleans()) else draw(st.integers(1, size + 2))
    elif kind == "split_sections":
        cuts = sorted(draw(st.lists(st.integers(0, size), max_size=4)))
        bounds = [0, *cuts, size]
        argument = [stop - start for start, stop in zip(bounds, bounds[1:])]
        if draw(st.booleans()):
            argument = tuple(argument)
    elif kind == "chunk":
        argument = draw(st.integers(1, size + 3))
    return shape, kind, argument, dim


def call(kind: str, tensor: Any, argument: Any, dim: int, module: Any = None) -> Any:
    """The call as a method, or with ``module`` as the free function ``module.split``..."""
    if module is not None:
        if kind == "unbind":
            return module.unbind(tensor, dim)
        if kind == "chunk":
            return module.chunk(tensor, argument, dim)
        return module.split(tensor, argument, dim)
    if kind == "unbind":
        return tensor.unbind(dim)
    if kind == "chunk":
        return tensor.chunk(argument, dim=dim)
    return tensor.split(argument, dim=dim)


@given(drawn=split_calls(), free_function=st.booleans(),
       dtype=st.sampled_from(("float64", "float32", "int64", "bool")))
def test_pieces_match_torch(drawn: tuple[tuple[int, ...], str, Any, int], free_function: bool,
                            dtype: str) -> None:
    """Number, shapes, dtypes and values of the pieces, as methods and as free functions."""
    shape, kind, argument, dim = drawn
    values = np.arange(int(np.prod(shape))).reshape(shape) % 7 - 3
    ours_input = tinygrad_edu.tensor(values).to(getattr(tinygrad_edu, dtype))
    theirs_input = torch.tensor(values).to(getattr(torch, dtype))
    ours = call(kind, ours_input, argument, dim, tinygrad_edu if free_function else None)
    theirs = call(kind, theirs_input, argument, dim, torch if free_function else None)
    assert_same_pieces(ours, theirs)


@pytest.mark.parametrize("size", range(0, 8))
@pytest.mark.parametrize("chunks", range(1, 10))
def test_chunk_returns_torch_number_of_pieces(size: int, chunks: int) -> None:
    """chunk's rule: pieces of ceil(size / chunks), so sometimes fewer pieces than asked (5 in
    4 chunks: 2, 2, 1), and ``chunks`` empty pieces for an empty dimension."""
    ours = tinygrad_edu.zeros(size, 2).chunk(chunks)
    theirs = torch.zeros(size, 2).chunk(chunks)
    assert [piece.shape for piece in ours] == [tuple(piece.shape) for piece in theirs]


def test_split_examples() -> None:
    """A few splits written out: the last piece is smaller; sections as given."""
    x = tinygrad_edu.arange(10)
    assert [piece.tolist() for piece in x.split(4)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    sections = [[], [0, 1, 2, 3, 4, 5, 6], [7, 8, 9]]
    assert [piece.tolist() for piece in x.split([0, 7, 3])] == sections
    assert [piece.shape for piece in x.split(20)] == [(10,)]
    assert [piece.shape for piece in tinygrad_edu.zeros(0, 3).split(0)] == [(0, 3)]
    assert tinygrad_edu.zeros(0).split([]) == ()
    assert tinygrad_edu.zeros(0, 2).unbind() == ()
    assert [piece.tolist() for piece in tinygrad_edu.tensor([[1, 2], [3, 4]]).unbind(-1)] == [
        [1, 3], [2, 4]]


# ---------------------------------------------------------------------------------------------
# Views: shared memory and version counter
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["split", "chunk", "unbind"])
def test_pieces_share_memory_with_the_input(kind: str) -> None:
    """An in-place change of the input shows in the pieces and one of a piece in the input;
    the pieces are views of the input with its version counter, as in torch."""
    results = {}
    for T in LIBRARIES:
        x = T.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], dtype=T.float64)
        if kind == "split":
            pieces = x.split([1, 2], dim=1)
        elif kind == "chunk":
            pieces = x.chunk(2, dim=1)
        else:
            pieces = x.unbind(1)
        assert all(piece._base is x for piece in pieces)
        x.mul_(2)
        assert version(x) == 1
        assert [version(piece) for piece in pieces] == [1] * len(pieces)
        pieces[-1].add_(1)  # nothing requires grad: allowed
        assert version(x) == 2
        assert [version(piece) for piece in pieces] == [2] * len(pieces)
        results[T] = [to_array(piece) for piece in pieces] + [to_array(x)]
    for mine, reference in zip(results[tinygrad_edu], results[torch]):
        np.testing.assert_array_equal(mine, reference)


def test_pieces_are_numpy_views_of_the_input() -> None:
    """No copy is made: every piece's array shares the input's memory."""
    x = tinygrad_edu.zeros(4, 6)
    for piece in (*x.split(4, dim=1), *x.chunk(3), *x.unbind(-1)):
        assert np.shares_memory(piece._data, x._data)


def test_a_piece_of_a_view_has_the_root_as_base() -> None:
    """Pieces of a view are views of the tensor that owns the memory, as in torch."""
    for T in LIBRARIES:
        x = T.zeros(3, 4)
        view = x[1:]
        pieces = view.split(2, dim=1)
        assert all(piece._base is x for piece in pieces)
        x.fill_(1)
        assert float(pieces[0].sum()) == 4.0


# ---------------------------------------------------------------------------------------------
# requires_grad, is_leaf, grad_fn
# ---------------------------------------------------------------------------------------------


def flags(T: Any, how: str) -> list[tuple[bool, bool, bool]]:
    """(requires_grad, is_leaf, has grad_fn) of the pieces of x.split(2), for an x that is a
    leaf requiring grad, a computed tensor, or a constant, split with or without grad mode."""
    leaf = T.tensor([1.0, 2.0, 3.0], dtype=T.float64, requires_grad=how != "constant")
    base = leaf * 2 if how.startswith("computed") else leaf
    if how.endswith("no_grad"):
        with T.no_grad():
            pieces = base.split(2)
    else:
        pieces = base.split(2)
    return [(piece.requires_grad, piece.is_leaf, piece.grad_fn is not None) for piece in pieces]


@pytest.mark.parametrize("how", ["leaf", "computed", "constant", "leaf_no_grad",
                                 "computed_no_grad"])
def test_grad_flags_of_pieces_match_torch(how: str) -> None:
    """Pieces of a tensor that requires grad require grad and are not leaves (in no_grad they
    require grad but have no history, as any view made there); pieces of a constant are
    leaves."""
    assert flags(tinygrad_edu, how) == flags(torch, how)


def test_all_pieces_share_one_split_node() -> None:
    """One op, one node: every piece points to it, each with its own output index."""
    x = tinygrad_edu.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    pieces = x.split([1, 3])
    assert pieces[0].grad_fn is pieces[1].grad_fn
    assert pieces[0].grad_fn.name() == "SplitBackward"
    assert [piece._output_nr for piece in pieces] == [0, 1]
    assert pieces[0].grad_fn.next_functions == ((x, 0),)


# ---------------------------------------------------------------------------------------------
# Gradients, first and second order, with only some pieces used
# ---------------------------------------------------------------------------------------------


@st.composite
def used_pieces_programs(draw: st.DrawFn) -> tuple[Any, ...]:
    """A split call on a float64 input of values in [-2, 2], which pieces are used, and the
    upstream gradients and directions for the second-order product."""
    shape, kind, argument, dim = draw(split_calls())
    values = np.linspace(-2.0, 2.0, int(np.prod(shape))).reshape(shape)
    permutation = draw(st.permutations(range(values.size)))
    values = values.reshape(-1)[list(permutation)].reshape(shape)
    count = len(call(kind, torch.zeros(shape), argument, dim))
    used = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    seed = draw(st.integers(0, 2**16))
    return shape, kind, argument, dim, values, used, seed


def gradients(T: Any, program: tuple[Any, ...]) -> list[np.ndarray]:
    """y = x * x cut into pieces; the used pieces go to ``autograd.grad`` with random upstream
    gradients v_k (create_graph=True), then s = <dx, u> is differentiated with respect to x and
    every v_k. Returns [dx, ds/dx, ds/dv_k...] (zeros where nothing was used)."""
    shape, kind, argument, dim, values, used, seed = program
    generator = np.random.default_rng(seed)
    x = T.tensor(values, dtype=T.float64, requires_grad=True)
    pieces = call(kind, x * x, argument, dim)
    outputs = [piece for piece, wanted in zip(pieces, used) if wanted]
    if not outputs:
        return [np.zeros(shape)]
    upstream = [T.tensor(generator.uniform(-1, 1, tuple(piece.shape)), dtype=T.float64,
                         requires_grad=True) for piece in outputs]
    (first,) = T.autograd.grad(outputs, [x], upstream, create_graph=True)
    direction = T.tensor(generator.uniform(-1, 1, shape), dtype=T.float64)
    inner = (first * direction).sum()
    second = T.autograd.grad([inner], [x, *upstream], allow_unused=True)
    return [to_array(first)] + [np.zeros(tuple(target.shape)) if gradient is None
                                else to_array(gradient)
                                for gradient, target in zip(second, [x, *upstream])]


@given(program=used_pieces_programs())
def test_first_and_second_order_gradients_match_torch(program: tuple[Any, ...]) -> None:
    """The gradient of x joins the used pieces' gradients (zeros elsewhere), and the backward
    is itself differentiable: second-order gradients with respect to x and to the upstream
    gradients equal torch's."""
    ours = gradients(tinygrad_edu, program)
    theirs = gradients(torch, program)
    assert len(ours) == len(theirs)
    for index, (mine, reference) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(mine, reference, rtol=RTOL, atol=ATOL,
                                   err_msg=f"gradient {index}")


def test_unused_pieces_get_zero_gradient() -> None:
    """Only the middle piece is used: the rest of x.grad is exactly 0."""
    x = tinygrad_edu.tensor([1.0, 2.0, 3.0, 4.0, 5.0], requires_grad=True)
    first, middle, last = x.split([1, 3, 1])
    (middle * middle).sum().backward()
    assert x.grad.tolist() == [0.0, 4.0, 6.0, 8.0, 0.0]


def test_pieces_used_downstream_and_several_backwards_accumulate() -> None:
    """Pieces consumed by further ops, two backward calls: x.grad accumulates, as in torch."""
    results = []
    for T in LIBRARIES:
        x = T.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], dtype=T.float64, requires_grad=True)
        rows = x.unbind(0)
        columns = x.chunk(3, dim=1)
        loss = (rows[0].exp() * rows[1]).sum() + (columns[2] ** 2).sum()
        loss.backward(retain_graph=True)
        loss.backward()
        results.append(to_array(x.grad))
    np.testing.assert_allclose(results[0], results[1], rtol=RTOL, atol=ATOL)


def test_float32_pieces_and_gradients_stay_float32() -> None:
    """dtype is kept through the pieces and the joined gradient."""
    x = tinygrad_edu.ones(4, 2, requires_grad=True)
    a, b = x.chunk(2)
    (a.sum() * 2).backward()
    assert a.dtype == np.float32 and x.grad is not None and x.grad.dtype == np.float32
    assert x.grad.tolist() == [[2.0, 2.0], [2.0, 2.0], [0.0, 0.0], [0.0, 0.0]]


# ---------------------------------------------------------------------------------------------
# In-place rules: torch's for the outputs of a function that returns several views
# ---------------------------------------------------------------------------------------------


def computed(T: Any) -> Any:
    """A computed float64 tensor of 6 elements that requires grad (x * 1)."""
    return T.tensor([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], dtype=T.float64, requires_grad=True) * 1


def constant(T: Any) -> Any:
    """A float64 tensor of 6 elements that does not require grad."""
    return T.tensor([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], dtype=T.float64)


def inplace_on_piece_of_leaf(T: Any) -> Any:
    """A piece of a leaf that requires grad, changed in place."""
    leaf = T.tensor([1.0, 2.0, 3.0, 4.0], dtype=T.float64, requires_grad=True)
    return leaf.split(2)[0].add_(1)


def inplace_on_piece(T: Any) -> Any:
    """A piece of a computed tensor, changed in place."""
    return computed(T).split(3)[0].mul_(2)


def inplace_on_only_piece(T: Any) -> Any:
    """The only piece (split(6) of 6 elements) is still one of a multi-view function."""
    (piece,) = computed(T).split(6)
    return piece.add_(1)


def inplace_on_chunk(T: Any) -> Any:
    """A piece of chunk, zeroed."""
    return computed(T).chunk(2)[1].zero_()


def inplace_on_unbind(T: Any) -> Any:
    """A piece of unbind, filled."""
    return computed(T).reshape(2, 3).unbind(1)[0].fill_(7.0)


def setitem_on_view_of_piece(T: Any) -> Any:
    """An element of a piece assigned: a view of a piece is refused too."""
    piece = computed(T).split(3)[1]
    piece[0] = 5.0
    return piece


def inplace_on_reshaped_piece(T: Any) -> Any:
    """A reshape of a piece, changed in place."""
    return computed(T).split([2, 4])[1].reshape(2, 2).add_(1)


def inplace_with_grad_operand_on_piece_of_constant(T: Any) -> Any:
    """A piece of a constant changed by a tensor that requires grad: torch refuses."""
    weight = T.ones(3, dtype=T.float64, requires_grad=True)
    return constant(T).split(3)[0].add_(weight)


def copy_with_grad_operand_on_piece_of_constant(T: Any) -> Any:
    """As above with copy_."""
    weight = T.ones(3, dtype=T.float64, requires_grad=True)
    return constant(T).chunk(2)[0].copy_(weight)


def inplace_on_piece_of_constant(T: Any) -> Any:
    """Nothing requires grad: allowed, and the base sees it."""
    x = constant(T)
    x.split(3)[1].add_(1)
    return x


def inplace_on_piece_in_no_grad(T: Any) -> Any:
    """Under no_grad: allowed, the base sees it."""
    x = computed(T)
    piece = x.split(3)[0]
    with T.no_grad():
        piece.mul_(2)
    return x


def pieces_made_and_changed_in_no_grad(T: Any) -> Any:
    """Split and in-place change both under no_grad: allowed."""
    x = computed(T)
    with T.no_grad():
        x.split(3)[1].add_(1)
    return x


def piece_made_in_no_grad_changed_with_grad(T: Any) -> Any:
    """A piece made under no_grad (of a tensor requiring grad), changed with grad mode on."""
    x = computed(T)
    with T.no_grad():
        piece = x.split(3)[0]
    return piece.add_(1)


def piece_used_after_its_base_changed(T: Any) -> Any:
    """The base changed in place after the split: using a piece with grad mode on raises."""
    x = computed(T)
    first, second = x.split(3)
    x.mul_(2)
    return first * 2


def piece_used_after_another_piece_changed_in_no_grad(T: Any) -> Any:
    """Another piece changed under no_grad: the shared memory changed, the first piece's
    history no longer holds."""
    x = computed(T)
    first, second = x.split(3)
    with T.no_grad():
        second.add_(1)
    return first.exp()


def piece_used_after_a_detached_change(T: Any) -> Any:
    """Even a change through ``detach()`` (same memory, same version counter) counts."""
    x = computed(T)
    first, second = x.split(3)
    second.detach().add_(1)
    return first + 1


def requires_grad_of_piece_after_base_changed(T: Any) -> Any:
    """requires_grad is a flag of the piece: read without asking for the history."""
    x = computed(T)
    first, second = x.split(3)
    x.add_(1)
    return first.requires_grad


def is_leaf_of_piece_after_base_changed(T: Any) -> Any:
    """is_leaf asks for the history: torch raises."""
    x = computed(T)
    first, second = x.split(3)
    x.add_(1)
    return first.is_leaf


def piece_of_leaf_used_after_no_grad_update(T: Any) -> Any:
    """An optimiser-style update of the leaf under no_grad, then a piece used: raises."""
    leaf = T.tensor([1.0, 2.0, 3.0, 4.0], dtype=T.float64, requires_grad=True)
    first, second = leaf.split(2)
    with T.no_grad():
        leaf.sub_(1)
    return first * 2


def backward_of_piece_after_base_changed(T: Any) -> Any:
    """A stale piece as an output of backward: its history is asked for, torch raises."""
    x = computed(T)
    first, second = x.split(3)
    x.mul_(2)
    T.autograd.backward([first], [T.ones(3, dtype=T.float64)])
    return x


def backward_in_no_grad_of_piece_after_base_changed(T: Any) -> Any:
    """The same inside no_grad: backward asks for the history in any mode."""
    x = computed(T)
    first, second = x.split(3)
    x.mul_(2)
    with T.no_grad():
        T.autograd.backward([first], [T.ones(3, dtype=T.float64)])
    return x


def grad_with_respect_to_piece_after_base_changed(T: Any) -> Any:
    """A stale piece as an input of autograd.grad: raises too."""
    x = computed(T)
    first, second = x.split(3)
    output = (second * 2).sum()
    x.mul_(2)
    return T.autograd.grad([output], [first], allow_unused=True)[0]


def piece_used_in_no_grad_after_base_changed(T: Any) -> Any:
    """Under no_grad no history is needed: allowed, with the new values."""
    x = computed(T)
    first, second = x.split(3)
    x.add_(1)
    with T.no_grad():
        return first * 2


def piece_of_constant_used_after_base_changed(T: Any) -> Any:
    """No history anywhere: allowed."""
    x = constant(T)
    first, second = x.split(3)
    x.add_(1)
    return first * 2


def piece_of_constant_used_after_base_gets_a_history(T: Any) -> Any:
    """The base now requires grad through an in-place op: the piece may not be used."""
    x = constant(T)
    first, second = x.split(3)
    x.add_(T.ones(6, dtype=T.float64, requires_grad=True))
    return first * 2


def requires_grad_of_piece_of_constant_after_base_gets_a_history(T: Any) -> Any:
    """requires_grad of a piece follows its base, read without asking for the history."""
    x = constant(T)
    first, second = x.split(3)
    x.add_(T.ones(6, dtype=T.float64, requires_grad=True))
    return T.tensor([first.requires_grad, second.requires_grad])


def fresh_pieces_after_base_changed(T: Any) -> Any:
    """Splitting again after the change is the fix: gradients flow through the change."""
    leaf = T.tensor([1.0, 2.0, 3.0, 4.0], dtype=T.float64, requires_grad=True)
    x = leaf * 1
    x.split(2)  # old pieces, never used again
    x.mul_(3)
    first, second = x.split(2)
    (first * second).sum().backward()
    return leaf.grad


def clone_of_piece_changed(T: Any) -> Any:
    """A clone owns its memory: allowed, and differentiable."""
    leaf = T.tensor([1.0, 2.0, 3.0, 4.0], dtype=T.float64, requires_grad=True)
    piece = leaf.split(2)[1].clone()
    piece.mul_(3)
    (piece * piece).sum().backward()
    return leaf.grad


INPLACE_SCENARIOS = [
    inplace_on_piece_of_leaf,
    inplace_on_piece,
    inplace_on_only_piece,
    inplace_on_chunk,
    inplace_on_unbind,
    setitem_on_view_of_piece,
    inplace_on_reshaped_piece,
    inplace_with_grad_operand_on_piece_of_constant,
    copy_with_grad_operand_on_piece_of_constant,
    inplace_on_piece_of_constant,
    inplace_on_piece_in_no_grad,
    pieces_made_and_changed_in_no_grad,
    piece_made_in_no_grad_changed_with_grad,
    piece_used_after_its_base_changed,
    piece_used_after_another_piece_changed_in_no_grad,
    piece_used_after_a_detached_change,
    requires_grad_of_piece_after_base_changed,
    is_leaf_of_piece_after_base_changed,
    piece_of_leaf_used_after_no_grad_update,
    backward_of_piece_after_base_changed,
    backward_in_no_grad_of_piece_after_base_changed,
    grad_with_respect_to_piece_after_base_changed,
    piece_used_in_no_grad_after_base_changed,
    piece_of_constant_used_after_base_changed,
    piece_of_constant_used_after_base_gets_a_history,
    requires_grad_of_piece_of_constant_after_base_gets_a_history,
    fresh_pieces_after_base_changed,
    clone_of_piece_changed,
]


@pytest.mark.parametrize("scenario", INPLACE_SCENARIOS, ids=lambda scenario: scenario.__name__)
def test_inplace_rules_for_pieces_match_torch(scenario: Callable[[Any], Any]) -> None:
    """Both libraries raise the same error type (both citing the rule for functions that
    return multiple views when torch does), or both succeed with the same result."""
    ours_error = error_of(scenario, tinygrad_edu)
    theirs_error = error_of(scenario, torch)
    assert (ours_error and ours_error[0]) == (theirs_error and theirs_error[0]), ours_error
    if theirs_error is not None and ours_error is not None:
        rule = "returns multiple views"
        assert (rule in ours_error[1]) == (rule in theirs_error[1]), ours_error[1]
    if theirs_error is None:
        ours, theirs = scenario(tinygrad_edu), scenario(torch)
        if isinstance(theirs, bool):
            assert ours == theirs
        else:
            assert_same_tensor(ours, theirs, "result")


def test_refused_inplace_names_the_rule_and_the_fix() -> None:
    """The message says which output, that the function returns several views, and what to
    do instead."""
    with pytest.raises(RuntimeError, match=r"Output 1 of Split is a view and is being "
                                           r"modified inplace\. This view is the output of a "
                                           r"function that returns multiple views"):
        computed(tinygrad_edu).split(3)[1].add_(1)
    with pytest.raises(RuntimeError, match="its base or another view of its base has been "
                                           "modified inplace.*out-of-place"):
        piece_used_after_its_base_changed(tinygrad_edu)


# ---------------------------------------------------------------------------------------------
# Bad arguments: torch's error types
# ---------------------------------------------------------------------------------------------


BAD_CALLS: list[tuple[str, Callable[[Any], Any]]] = [
    ("sections_not_summing", lambda T: T.zeros(10).split([2, 7])),
    ("sections_too_many", lambda T: T.zeros(10).split([2, 7, 2])),
    ("negative_section", lambda T: T.zeros(10).split([-1, 11])),
    ("empty_sections", lambda T: T.zeros(10).split([])),
    ("zero_split_size", lambda T: T.zeros(10).split(0)),
    ("negative_split_size", lambda T: T.zeros(10).split(-1)),
    ("negative_split_size_bad_dim", lambda T: T.zeros(10).split(-1, 5)),
    ("float_split_size", lambda T: T.zeros(10).split(2.0)),
    ("bool_split_size", lambda T: T.zeros(10).split(True)),
    ("float_section", lambda T: T.zeros(10).split([3.0, 7])),
    ("split_0d", lambda T: T.tensor(1.0).split(1)),
    ("split_0d_bad_dim", lambda T: T.tensor(1.0).split(1, 5)),
    ("split_dim_out_of_range", lambda T: T.zeros(2, 3).split(1, 2)),
    ("split_negative_dim_out_of_range", lambda T: T.zeros(2, 3).split(1, -3)),
    ("sections_dim_out_of_range", lambda T: T.zeros(3).split([1, 2], 1)),
    ("chunk_zero", lambda T: T.zeros(10).chunk(0)),
    ("chunk_negative", lambda T: T.zeros(10).chunk(-2)),
    ("chunk_float", lambda T: T.zeros(10).chunk(2.0)),
    ("chunk_bool", lambda T: T.zeros(10).chunk(True)),
    ("chunk_0d", lambda T: T.tensor(1.0).chunk(1)),
    ("chunk_dim_out_of_range", lambda T: T.zeros(10).chunk(2, 1)),
    ("unbind_0d", lambda T: T.tensor(1.0).unbind()),
    ("unbind_dim_out_of_range", lambda T: T.zeros(2).unbind(1)),
    ("unbind_negative_dim_out_of_range", lambda T: T.zeros(2, 2).unbind(-3)),
]


@pytest.mark.parametrize("bad_call", [call for _, call in BAD_CALLS],
                         ids=[name for name, _ in BAD_CALLS])
def test_bad_arguments_raise_torch_error_types(bad_call: Callable[[Any], Any]) -> None:
    """Each bad call raises, in both libraries, the same built-in exception type."""
    theirs = error_kind(bad_call, torch)
    assert theirs is not None
    assert error_kind(bad_call, tinygrad_edu) == theirs


def test_bad_arguments_say_what_was_expected() -> None:
    """The messages give the sizes involved."""
    with pytest.raises(RuntimeError, match=r"sum exactly to 10 .*split_sizes=\[2, 7\]"):
        tinygrad_edu.zeros(10).split([2, 7])
    with pytest.raises(RuntimeError, match="greater than 0, got: 0"):
        tinygrad_edu.zeros(10).chunk(0)
    with pytest.raises(TypeError, match="float"):
        tinygrad_edu.zeros(10).split(2.5)
