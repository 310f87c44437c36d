"""Programs that once gave a wrong answer without any error, each now run in tinygrad_edu and
in torch with the same code (``T`` is the library) and compared.

They cover history rewritten by an in-place op, in-place ops that use their own target, the
same output given twice, thread-local grad mode, elements as views, in-place through views of
tensors without grad, in-place on matmul results, masks over saved values, infinite and NaN
upstream gradients under masks, powers at zero, max/min over a dim of 0-d and empty tensors,
retain_grad across an in-place op, views whose base changed in place, and norms and standard
deviations at zeros and ties. Each function returns what the program computed; the test
compares the two libraries' results (None, lists of numbers, or an error type).
"""

from __future__ import annotations

import threading
from typing import Any, Callable

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import tinygrad_edu  # noqa: E402


def leaf(T: Any) -> Any:
    """x = [1, 2] (float64) that requires grad."""
    return T.tensor([1.0, 2.0], dtype=T.float64, requires_grad=True)


def grad_list(tensor: Any) -> Any:
    """A gradient as a plain list (None stays None)."""
    return None if tensor is None else tensor.detach().numpy().tolist()


def in_place_after_use_keeps_the_recorded_history(T: Any) -> Any:
    x = leaf(T)
    y = x * 2
    z = y.exp()
    y.mul_(3)
    z.sum().backward()
    return grad_list(x.grad)


def add_with_itself(T: Any) -> Any:
    x = leaf(T)
    y = x * 2
    y.add_(y)
    y.sum().backward()
    return grad_list(x.grad)


def set_an_element_from_another_element(T: Any) -> Any:
    x = leaf(T)
    y = x * 2
    y[0] = y[1]
    y.sum().backward()
    return grad_list(x.grad)


def add_a_product_of_itself(T: Any) -> Any:
    x = leaf(T)
    y = x * 2
    y.add_(y * 1)
    y.sum().backward()
    return grad_list(x.grad)


def the_same_output_twice(T: Any) -> Any:
    x = leaf(T)
    s = (x * x).sum()
    T.autograd.backward([s, s])
    through_grad = T.autograd.grad([(x * x).sum()] * 2, [x])[0]
    return grad_list(x.grad), grad_list(through_grad)


def no_grad_in_another_thread(T: Any) -> Any:
    """One thread sits in no_grad while another trains: only the first records nothing."""
    entered, leave = threading.Event(), threading.Event()

    def idle_in_no_grad() -> None:
        with T.no_grad():
            entered.set()
            leave.wait(10)

    worker = threading.Thread(target=idle_in_no_grad)
    worker.start()
    entered.wait(10)
    x = leaf(T)
    (x * x).sum().backward()
    enabled = T.is_grad_enabled()
    leave.set()
    worker.join()
    return grad_list(x.grad), enabled, T.is_grad_enabled()


def an_element_is_a_view(T: Any) -> Any:
    z = T.zeros(3, dtype=T.float64)
    z[1].fill_(5.0)
    a = T.tensor([1.0, 2.0], dtype=T.float64)
    v = a[0]
    a.mul_(2)
    return z.tolist(), v.item()


def in_place_through_a_view_of_a_tensor_without_grad(T: Any) -> Any:
    w = T.tensor([1.0, 2.0], dtype=T.float64, requires_grad=True)
    out = T.zeros(2, 2, dtype=T.float64)
    out[0].add_(w)
    (out * out).sum().backward()
    return out.requires_grad, grad_list(w.grad)


def in_place_on_a_product_of_vectors(T: Any) -> Any:
    x3 = T.tensor([1.0, 2.0, 3.0], dtype=T.float64, requires_grad=True)
    w3 = T.tensor([0.5, -1.0, 2.0], dtype=T.float64, requires_grad=True)
    product = x3 @ w3
    product.add_(1)
    product.backward()
    return product.item(), grad_list(x3.grad)


def mask_over_a_power(T: Any) -> Any:
    x = leaf(T)
    y = x**2
    y[y > 3] = 0
    y.sum().backward()
    return grad_list(x.grad)


def masks_select_infinite_and_nan_gradients(T: Any) -> Any:
    a = T.tensor([-1.0, 0.0, 4.0], dtype=T.float64, requires_grad=True)
    a.relu().sqrt().sum().backward()
    b = T.tensor([1.0, float("nan"), 3.0], dtype=T.float64, requires_grad=True)
    b.max().backward()
    return grad_list(a.grad), grad_list(b.grad)


def powers_at_zero(T: Any) -> Any:
    x = T.tensor([0.0, 2.0], dtype=T.float64, requires_grad=True)
    (x**0).sum().backward()
    first = grad_list(x.grad)
    y = T.tensor([0.0, 2.0], dtype=T.float64, requires_grad=True)
    (gradient,) = T.autograd.grad((y**1).sum(), y, create_graph=True)
    (second,) = T.autograd.grad(gradient.sum(), y, allow_unused=True)
    return first, grad_list(second)


def max_over_a_dim_of_0d_and_empty_tensors(T: Any) -> Any:
    values, indices = T.tensor(3.0, dtype=T.float64).max(dim=0)
    empty_values, empty_indices = T.zeros(0, 2, dtype=T.float64).max(dim=1)
    return values.item(), indices.item(), tuple(empty_values.shape), tuple(empty_indices.shape)


def retain_grad_then_in_place(T: Any) -> Any:
    x = leaf(T)
    y = x * 2
    y.retain_grad()
    y.mul_(3)
    y.sum().backward()
    return grad_list(y.grad), grad_list(x.grad)


def comparisons_of_a_no_grad_view_after_its_base_changed(T: Any) -> Any:
    """Found by the long fuzz run (seed 99) once comparisons became ops: a view made in no_grad
    whose base then changed may not enter a differentiable op, but torch lets comparisons,
    argmax and any (no gradient) read it."""
    x = T.tensor(0.5, dtype=T.float64, requires_grad=True)
    with T.no_grad():
        view = x[()]
        x[()] = view * 2
    return ((view > 0.0).item(), (view == 1.0).item(), view.argmax().item(),
            (view < 0).any().item(), (~(view > 2)).item())


def retained_view_after_a_no_grad_change_of_its_base(T: Any) -> Any:
    """Found by the long fuzz run (seed 99): after its base changes in place, even under
    no_grad, a view's history is made again from the base, so a view of a view (v[:1]) built
    before the change no longer passes through the first view: its retained .grad stays None.
    A product of the view built before the change still does."""
    results = []
    for second in (lambda view: view[:1], lambda view: view * 1):
        x = leaf(T)
        view = x.view(-1)
        view.retain_grad()
        out = second(view)
        with T.no_grad():
            x.mul_(2)
        out.sum().backward()
        results.append((grad_list(view.grad), grad_list(x.grad)))
    return results


def max_of_an_empty_no_grad_view_after_its_base_changed(T: Any) -> Any:
    """Found by the long fuzz run (seed 31337): max over an empty dimension of a view made in
    no_grad whose base then changed raises the view's error first, as torch (argmax, which has
    no gradient, the empty-dimension error)."""
    x = T.zeros((0,), dtype=T.float64, requires_grad=True)
    with T.no_grad():
        view = x[()]
        x[()] = view
    return outcome(lambda T: view.max(dim=0), T), outcome(lambda T: view.argmax(0), T)


def retain_grad_on_a_view_of_a_no_grad_view_after_its_base_changed(T: Any) -> Any:
    """A view made in grad mode of a piece of split made in no_grad, then a change of the base
    under no_grad: retain_grad() refuses, as torch does (it kept the gradient's place before;
    found by the long fuzz run with seed 5150)."""
    x = T.zeros(2, 2, dtype=T.float64, requires_grad=True)
    with T.no_grad():
        piece = x.split(1, dim=0)[0]
    view = piece.transpose(0, 1)
    with T.no_grad():
        x.add_(1.0)
    return outcome(lambda T: view.retain_grad(), T), view.requires_grad


def gradients_of(T: Any, values: Any, function: Callable[[Any], Any]) -> Any:
    """``function(x)``'s values and the gradient of their sum, x a float64 leaf of ``values``."""
    x = T.tensor(values, dtype=T.float64, requires_grad=True)
    result = function(x)
    result.sum().backward()
    return result.tolist(), grad_list(x.grad)


def norms_at_zeros_and_ties(T: Any) -> Any:
    """Found by comparing norms with torch: the p-norm of zeros (p = 3) and at a zero element
    (p = 0.5) had NaN gradients, torch 0; the inf-norm over a dim gave a tie's gradient to one
    element, torch shares it."""
    return (gradients_of(T, [0.0, 0.0], lambda x: x.norm(3)),
            gradients_of(T, [0.0, 2.0], lambda x: x.norm(0.5)),
            gradients_of(T, [[1.0, -1.0, 0.5]], lambda x: x.norm(float("inf"), dim=1)))


def std_of_constant_values(T: Any) -> Any:
    """The standard deviation of equal values: gradient 0 as in torch (it was NaN, 0 / 0)."""
    return (gradients_of(T, [1.0, 1.0], lambda x: x.std()),
            gradients_of(T, [[1.0, 1.0], [1.0, 2.0]], lambda x: x.std(dim=1)))


def argmax_of_all_elements_with_keepdim(T: Any) -> Any:
    """argmax/argmin over all elements with keepdim=True keep every dim with size 1, as in
    torch (the result was 0-d; found by the differential fuzzer)."""
    x = T.tensor([[[0.5, 2.0], [-1.0, 3.0]]], dtype=T.float64)
    return [(list(result.shape), result.tolist())
            for result in (x.argmax(dim=None, keepdim=True), x.argmin(keepdim=True))]


def a_bad_dim_of_a_stale_piece_of_split(T: Any) -> Any:
    """A piece of split whose base then changed in place under no_grad: an op on it with a bad
    dim raises the view's error first, as torch does (it raised the dim's IndexError; found
    by the long fuzz run with seed 9090)."""
    x = T.zeros(1, 1, dtype=T.float64, requires_grad=True)
    (piece,) = x.split(1, dim=0)
    with T.no_grad():
        x.zero_()
    return [outcome(use, T) for use in (lambda T: piece.sum(dim=2),
                                        lambda T: piece.transpose(0, 5),
                                        lambda T: piece.squeeze(4))]


PROGRAMS: list[Callable[[Any], Any]] = [
    in_place_after_use_keeps_the_recorded_history,
    add_with_itself,
    set_an_element_from_another_element,
    add_a_product_of_itself,
    the_same_output_twice,
    no_grad_in_another_thread,
    an_element_is_a_view,
    in_place_through_a_view_of_a_tensor_without_grad,
    in_place_on_a_product_of_vectors,
    mask_over_a_power,
    masks_select_infinite_and_nan_gradients,
    powers_at_zero,
    max_over_a_dim_of_0d_and_empty_tensors,
    retain_grad_then_in_place,
    comparisons_of_a_no_grad_view_after_its_base_changed,
    retained_view_after_a_no_grad_change_of_its_base,
    max_of_an_empty_no_grad_view_after_its_base_changed,
    retain_grad_on_a_view_of_a_no_grad_view_after_its_base_changed,
    norms_at_zeros_and_ties,
    std_of_constant_values,
    argmax_of_all_elements_with_keepdim,
    a_bad_dim_of_a_stale_piece_of_split,
]


def outcome(program: Callable[[Any], Any], T: Any) -> Any:
    """What ``program`` returned, or the name of the error it raised."""
    try:
        return program(T)
    except Exception as error:  # noqa: BLE001 - the error type is the outcome compared
        return f"raises {type(error).__name__}"


def same(ours: Any, theirs: Any) -> bool:
    """Equal results, nested lists and tuples compared number by number (NaN equals NaN)."""
    if isinstance(ours, (list, tuple)) and isinstance(theirs, (list, tuple)):
        return len(ours) == len(theirs) and all(map(same, ours, theirs))
    if isinstance(ours, float) and isinstance(theirs, float):
        return bool(np.isclose(ours, theirs, rtol=1e-12, atol=0, equal_nan=True))
    return bool(ours == theirs)


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda program: program.__name__)
def test_program_gives_torchs_answer(program: Callable[[Any], Any]) -> None:
    ours = outcome(program, tinygrad_edu)
    theirs = outcome(program, torch)
    assert not (isinstance(theirs, str) and theirs.startswith("raises")), theirs
    assert same(ours, theirs), f"tinygrad_edu {ours!r}, torch {theirs!r}"
