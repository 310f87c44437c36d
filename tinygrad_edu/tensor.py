"""``Tensor``: a NumPy array plus what autograd needs (``requires_grad``, ``grad``, ``grad_fn``).

One class, in sections: construction and properties, conversion, autograd methods; arithmetic,
comparisons, elementwise functions and reductions; shapes, views, indexing and matmul; in-place
ops. Every method that computes calls a primitive op from ``tinygrad_edu.ops`` (where its forward
and derivative live) or combines a few of them. The helpers at the top of the file turn user
arguments (dims, shapes, indices) into what the ops expect.

In-place ops follow torch's rules: an in-place op on a leaf that requires grad is refused outside
``no_grad``; every in-place op bumps the tensor's version counter, so a backward that saved the
old value refuses to run; with grad mode on, an in-place op on a computed tensor is recorded like
any other op. Through a view (``base[0].add_(w)``, ``x.T.mul_(2)``), the memory written is the
base's, and so is the history: the base gets a new node, ``WriteView`` (torch's CopySlices), whose
inputs are the base's old history and the view's new value, and the view's history is made again
from the base's new one. A view of a leaf that requires grad is refused, as in torch.
"""

from __future__ import annotations

import math
import warnings
import weakref
from typing import Any, Callable, Iterator, NamedTuple, Sequence

import numpy as np

from tinygrad_edu import devices, dtypes, ops, printing
from tinygrad_edu.capture_state import CaptureState, refuse_in_capture
from tinygrad_edu.function import Context, Function, _run_unrecorded_binary, constant
from tinygrad_edu.grad_mode import GradMode, enable_grad
from tinygrad_edu.size import Size
from tinygrad_edu.ops.indexing import check_index
from tinygrad_edu.ops.movement import has_array_index
from tinygrad_edu.torch_names import missing_name, public_names


class ValuesIndices(NamedTuple):
    """What ``max(dim)``/``min(dim)`` return, like torch: the values and their indices."""

    values: Tensor
    indices: Tensor


def normalize_dims(dim: int | tuple[int, ...] | list[int] | None, ndim: int, op: str) -> tuple:
    """Turn ``dim`` (None, an int or a sequence; negatives count from the end) into axes.

    None and () mean every axis. A 0-d tensor accepts dim 0 or -1 and reduces nothing.
    """
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if len(dims) == 0:
        return tuple(range(ndim))
    low, high = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    axes = []
    for single in dims:
        if not low <= single <= high:
            raise IndexError(
                f"{op}: Dimension out of range (expected to be in range of [{low}, {high}], "
                f"but got {single})"
            )
        axes.append(int(single) % max(ndim, 1))
    if ndim == 0:
        return ()
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"{op}: dim {dims} names the same dimension twice")
    return tuple(sorted(axes))


def apply_binary(function: type[Function], a: Tensor, b: Tensor, op: str,
                 **params: Any) -> Tensor:
    """``function.apply(a, b)``, turning NumPy's broadcasting error into one that names the op."""
    try:
        if not GradMode.enabled:
            # Fast path: with nothing to record (inference, and every op that a backward pass
            # runs), go straight to apply's lean path, skipping its argument packing.
            return _run_unrecorded_binary(function, a, b, params)
        return function.apply(a, b, **params) if params else function.apply(a, b)
    except ValueError:
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise RuntimeError(
                f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be broadcast together "
                f"(sizes must "
                "be equal or 1 when aligned from the last dimension); reshape or unsqueeze one "
                "operand"
            ) from None
        raise


def shape_argument(sizes: tuple[Any, ...]) -> tuple[int, ...]:
    """Accept both ``reshape(2, 3)`` and ``reshape((2, 3))``."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    return tuple([int(size) for size in sizes])  # (a list is made faster than a generator runs)


def new_shape(sizes: tuple[Any, ...], op: str) -> tuple[int, ...]:
    """The shape of a new tensor, refusing negative sizes."""
    shape = shape_argument(sizes)
    if any(size < 0 for size in shape):
        raise RuntimeError(f"{op}: trying to create tensor with negative dimension: {shape}")
    return shape


def is_integer(value: Any) -> bool:
    """An int or a NumPy integer, but not a bool (torch refuses True as a size)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def split_size_argument(split_size: Any) -> int | tuple[int, ...]:
    """``split``'s first argument checked for its type: an int, or a tuple of the ints of a
    list or tuple of sections."""
    if isinstance(split_size, (list, tuple)):
        for position, section in enumerate(split_size):
            if not is_integer(section):
                raise TypeError(
                    "split: the sections must be ints, but found element of type "
                    f"{type(section).__name__} at position {position}"
                )
        return tuple([int(section) for section in split_size])
    if not is_integer(split_size):
        raise TypeError(
            f"split: split_size must be an int or a list of ints, not {type(split_size).__name__}"
        )
    return int(split_size)


def even_split_sizes(split_size: int, size: int) -> tuple[int, ...]:
    """Pieces of ``split_size`` elements along a dimension of ``size``, the last one smaller
    when ``split_size`` does not divide ``size``. As in torch there is always at least one
    piece: the whole dimension when ``split_size`` is larger, or when ``size`` is 0."""
    if split_size == 0:  # allowed only when size is 0 (checked by the caller)
        return (size,)
    count = max(-(-size // split_size), 1)  # ceil(size / split_size), at least 1
    return (split_size,) * (count - 1) + (size - split_size * (count - 1),)


def normalize_index(index: Any) -> Any:
    """Turn an index into one NumPy understands the same way torch does.

    Tensors and lists become arrays; a boolean mask becomes the integer arrays of its True
    positions (what NumPy does too), so the scatter-add in backward sees plain integer indices.
    """
    parts = index if isinstance(index, tuple) else (index,)
    normalized: list[Any] = []
    recorder = CaptureState.recorder  # (tinygrad_edu.jit: which index arrays are constants)
    for part in parts:
        from_tensor = isinstance(part, Tensor)
        if from_tensor:
            part = part._data
        elif isinstance(part, list):
            part = np.asarray(part)
        if isinstance(part, slice) and part.step is not None and part.step <= 0:
            raise ValueError(f"step must be greater than zero (got {part.step}); torch has no "
                             "negative steps: use flip() to reverse")
        if isinstance(part, np.ndarray):
            # The caller's own index (a list, a NumPy array, a tensor made by tge.tensor) is a
            # constant for a jitted step; a mask computed from the step's values is not.
            constant = recorder is not None and (not from_tensor or id(part) in recorder.constants)
            if part.dtype.kind == "b" and recorder is not None and not constant:
                refuse_in_capture(
                    "indexing with a boolean mask computed in the step (x[x > 0])",
                    why="picks a number of elements that depends on the values, which a replay "
                        "cannot follow; select with tge.where(mask, x, 0) instead")
            if part.dtype.kind == "b" and part.ndim > 0:
                positions = np.nonzero(part)
                if constant:
                    for array in positions:
                        recorder.note_constant(array)
                normalized.extend(positions)
                continue
            if constant:
                recorder.note_constant(part)
            if part.dtype.kind == "b":  # a 0-d mask adds an axis of length 1 (True) or 0
                normalized.append(part)
                continue
            if part.dtype.kind not in "iu":
                raise IndexError(
                    f"tensors used as indices must be long, int or bool tensors, got {part.dtype}"
                )
        normalized.append(part)
    return tuple(normalized)


def int64_copy(index: Tensor) -> np.ndarray:
    """A copy of an index tensor's values as int64, made by an op (``Cast``), so that a step
    compiled with ``tinygrad_edu.jit`` makes it again from each call's index."""
    return ops.Cast.apply(index, dtype=np.dtype(np.int64))._data


def mark_view(view: Tensor, base: Tensor, make_view: Callable[[Tensor], Tensor],
              one_of_several: bool = False) -> Tensor:
    """When ``view`` shares memory with ``base``, make it a view as torch has them: one version
    counter with its root base (the tensor that owns the memory), and ``_view_fn``, which makes
    the view again from that root with Tensor ops. An in-place op through the view uses it to
    update the root's history (see ``Tensor._inplace``).

    ``make_view(base)`` must make ``view`` from ``base``. ``one_of_several``: the view is one of
    the outputs of an op that returns several views (``split``); such a view, and a view of it,
    made with grad mode on, may not be changed in place (see ``multiple_views_error``).
    """
    # An empty slice shares no bytes, but NumPy still made it as a view of the base's array
    # (an empty result of integer-array indexing is a copy: made from another array).
    empty_view = view._data.size == 0 and made_from(view._data, base._data)
    if empty_view or np.may_share_memory(view._data, base._data):
        counter = base._version
        view._version_counter = counter
        view._view_version = counter.value
        if not GradMode.enabled or base._made_in_no_grad:
            # torch's rule for views made in no_grad (and views of them): no history, and no
            # in-place change with grad mode on (see ``_refresh_view`` and ``_inplace``).
            view._made_in_no_grad = True
        view._multi_output_view = GradMode.enabled and (one_of_several
                                                        or base._multi_output_view)
        if not GradMode.enabled and base._requires_grad:
            view._requires_grad = True
        if base._base is None or base._view_fn is None:
            view._base = base
            view._view_fn = make_view
        else:
            view._base = base._base
            view._view_fn = compose_views(base._view_fn, make_view)
    return view


def made_from(array: np.ndarray, other: np.ndarray) -> bool:
    """Whether NumPy made ``array`` as a view of ``other`` (or of the array ``other`` views)."""
    owners = {id(other)} if other.base is None else {id(other), id(other.base)}
    current = array.base
    while isinstance(current, np.ndarray):
        if id(current) in owners:
            return True
        current = current.base
    return False


def compose_views(first: Callable[[Tensor], Tensor],
                  then: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    """The view function that applies ``first``, then ``then``."""
    def composed(root: Tensor) -> Tensor:
        return then(first(root))
    return composed


def view_of_region(index: tuple[Any, ...]) -> Callable[[Tensor], Tensor]:
    """The view function of basic indexing with ``index`` (how a piece of ``split`` is made
    again from its base)."""
    def make_view(base: Tensor) -> Tensor:
        return ops.GetItem.apply(base, index=index)
    return make_view


def multiple_views_error(view: Tensor, what_happened: str) -> RuntimeError:
    """torch's refusal to change in place a piece of ``split``/``chunk``/``unbind`` (or a view
    of one) where the change would be recorded.

    One node holds the history of all the pieces. An in-place op through an ordinary view
    rewrites its base's history and makes the view's again from it (``WriteView``); for one
    output of a node with several, torch does not do that, and refuses instead.
    """
    subject = "This tensor"
    if view.grad_fn is not None:
        subject = f"Output {view._output_nr} of {view.grad_fn.function.__name__}"
    return RuntimeError(
        f"{subject} is a view and {what_happened}. This view is the output of a function that "
        "returns multiple views (split, chunk, unbind), or a view of such an output. Such "
        "functions do not allow the output views to be modified inplace. You should replace the "
        "inplace operation by an out-of-place one, or clone() the piece first."
    )


def refuse_overlap(target: np.ndarray, value: np.ndarray) -> None:
    """torch refuses to write a tensor into memory that the value partly occupies (the result
    would depend on the order of the writes); the very same memory is allowed."""
    same_memory = (target.__array_interface__["data"][0] == value.__array_interface__["data"][0]
                   and target.nbytes == value.nbytes)
    if not same_memory and np.may_share_memory(target, value) and \
            np.shares_memory(target, value):
        raise RuntimeError(
            "unsupported operation: some elements of the input tensor and the written-to tensor "
            "refer to a single memory location. Please clone() the tensor before performing the "
            "operation."
        )


class VersionCounter:
    """How many times a tensor's memory was changed in place; views share their base's counter."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list[Callable[[Tensor], Tensor | None]], hook: Callable) -> None:
        self.hooks = hooks
        self.hook = hook

    def remove(self) -> None:
        """Unregister the hook (does nothing if it is already gone)."""
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


class Tensor:
    """An n-dimensional array that records the ops applied to it for reverse-mode autodiff.

    Args:
        data: a number, a nested list, a NumPy array or a Tensor (copied).
        requires_grad: record ops on this tensor so ``backward`` computes ``.grad`` for it.
        dtype: the element type; float32 for Python floats by default, like torch.

    Example:
        >>> import tinygrad_edu as tge
        >>> w = tge.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        >>> loss = (w * w).sum()
        >>> loss.backward()
        >>> w.grad
        tensor([[2., 4.],
                [6., 8.]])
    """

    __slots__ = (
        "_data", "grad", "grad_fn", "_output_nr", "_requires_grad", "_version_counter", "_base",
        "_view_fn", "_view_version", "_made_in_no_grad", "_multi_output_view",
        "_hooks", "__weakref__",
    )
    # Make NumPy hand ``array * tensor`` over to Tensor.__rmul__ instead of looping over it.
    __array_ufunc__ = None

    _data: np.ndarray  # the values; the library reads and writes this array directly
    grad: Tensor | None
    grad_fn: Context | None
    _output_nr: int  # which output of ``grad_fn``'s op this tensor is (ops may have several)
    _requires_grad: bool
    # Made the first time it is needed (see ``_version``): most tensors never change in place.
    _version_counter: VersionCounter | None
    _base: Tensor | None
    # For a view: how to make it again from ``_base`` with Tensor ops (in-place ops need it).
    _view_fn: Callable[[Tensor], Tensor] | None
    # A view made under no_grad of a tensor that requires grad: it requires grad too (torch),
    # but no gradient flows through it, and it may not be changed in place with grad mode on.
    _made_in_no_grad: bool
    # A piece of split/chunk/unbind (one of several views one op returned), or a view of one,
    # made with grad mode on: torch refuses to change it in place where that would be recorded.
    _multi_output_view: bool
    # For a view: the version of the shared memory when its history was last made. After an
    # in-place change of the base the history is made again.
    _view_version: int
    _hooks: list[Callable[[Tensor], Tensor | None]] | None

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        target = None if dtype is None else dtypes.to_dtype(dtype)
        if isinstance(data, Tensor):
            array = np.array(data._data, dtype=target, copy=True)
        elif isinstance(data, (np.ndarray, np.generic)):
            # NumPy data keeps its dtype, as with torch.tensor(array).
            array = np.array(data, dtype=target, copy=True)
        else:
            try:
                array = np.array(data, dtype=target)
            except (ValueError, TypeError) as error:
                # A ragged nested list is a ValueError in torch, an unusable type a TypeError.
                raise type(error)(
                    f"Tensor: cannot convert {type(data).__name__} to a tensor ({error}); pass a "
                    "number, a rectangular nested list or a NumPy array"
                ) from None
            if target is None and array.dtype == dtypes.float64:
                array = array.astype(dtypes.DEFAULT_FLOAT)
        dtypes.check_supported(array.dtype, "Tensor")
        self._init(array, False)
        if CaptureState.recorder is not None and not isinstance(data, Tensor):
            CaptureState.recorder.note_constant(array)  # the caller's values, not a tensor's
        if requires_grad:
            self.requires_grad = True

    def _init(self, array: np.ndarray, requires_grad: bool) -> None:
        self._data = array
        self.grad = None
        self.grad_fn = None
        self._output_nr = 0
        self._requires_grad = requires_grad
        self._version_counter = None
        self._base = None
        self._view_fn = None
        self._made_in_no_grad = False
        self._multi_output_view = False
        self._view_version = 0
        self._hooks = None

    @staticmethod
    def _wrap(array: Any, requires_grad: bool) -> Tensor:
        """Make a Tensor around ``array`` without copying or checking (the ops' fast path).

        Every op's output is made here, so the fields of ``_init`` are set inline rather than
        by calling it (the call would cost a third of the time); keep the two lists equal
        (``test_wrap_sets_every_field``).
        """
        tensor = Tensor.__new__(Tensor)
        if type(array) is not np.ndarray:
            array = np.asarray(array)
        tensor._data = array
        tensor.grad = None
        tensor.grad_fn = None
        tensor._output_nr = 0
        tensor._requires_grad = requires_grad
        tensor._version_counter = None
        tensor._base = None
        tensor._view_fn = None
        tensor._made_in_no_grad = False
        tensor._multi_output_view = False
        tensor._view_version = 0
        tensor._hooks = None
        return tensor

    @property
    def _version(self) -> VersionCounter:
        """How many times this tensor's memory was changed in place, shared with its views and
        ``detach``: made the first time it is asked for. Most tensors (op outputs, gradients)
        never are, and an op saves the version of a tensor that has none as 0
        (``_current_version``)."""
        counter = self._version_counter
        if counter is None:
            counter = self._version_counter = VersionCounter()
        return counter

    def _current_version(self) -> int:
        """``_version.value``, without making a counter for a tensor that has none yet."""
        counter = self._version_counter
        return 0 if counter is None else counter.value

    def __getattr__(self, name: str) -> Any:
        """Only for a name Tensor does not have: an AttributeError that suggests the nearest."""
        raise missing_name("tinygrad_edu.Tensor", name, public_names(Tensor))

    # ----------------------------------------------------------------- properties, conversion
    @property
    def requires_grad(self) -> bool:
        """Whether backward computes a gradient for this tensor.

        Reading it never makes a view's history again (nor raises): a view whose base was
        changed in place since it was made follows its base, as in torch."""
        if self._view_fn is None:  # (not a view: the flag itself, without a call)
            return self._requires_grad
        return self._requires_grad_as_recorded()

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and not dtypes.is_floating(self.dtype):
            raise RuntimeError(
                "only Tensors of floating point dtype can require gradients (this one is "
                f"{self.dtype}); convert it first with .float()"
            )
        if self.grad_fn is not None and not value:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        self._requires_grad = bool(value)

    def _refresh_view(self, history_asked: bool = False) -> None:
        """A view whose base was changed in place since its history was made gets its history
        made again from the base's new one (torch does the same). A view made in no_grad may
        not be used once its base's history changed that way (torch's error), nor may a piece
        of split that has a history: an op refuses it with grad mode on; ``history_asked``
        (``is_leaf``, ``retain_grad``, ``register_hook``, backward) refuses it in any mode."""
        base = self._base
        if base is None or self._view_fn is None or self._view_version == self._version.value:
            return
        if self._made_in_no_grad:
            if self.grad_fn is None and not base._requires_grad:
                self._view_version = self._version.value
                return
            raise RuntimeError(
                "A view was created in no_grad mode and its base or another view of its base has "
                "been modified inplace with grad mode enabled. Given that this use case is "
                "ambiguous and error-prone, it is forbidden. Move both the view and the in-place "
                "change inside the no_grad block, or both outside it."
            )
        if self._multi_output_view and (self.grad_fn is not None or base._requires_grad):
            if not (GradMode.enabled or history_asked):
                return  # an op under no_grad needs no history; torch does not refuse it
            raise multiple_views_error(
                self, "its base or another view of its base has been modified inplace")
        # Made again from the root base even when the change was made under no_grad and the
        # base's history is the same, as torch does: the view's new node hangs from the base
        # directly, so a retain_grad on an intermediate view no longer applies to it.
        self._view_version = self._version.value
        with enable_grad():
            remade = self._view_fn(base)
        previous, previous_output = self.grad_fn, self._output_nr
        self.grad_fn, self._output_nr = remade.grad_fn, remade._output_nr
        self._requires_grad = remade._requires_grad
        self._keep_retained_grad(previous, previous_output)

    def _requires_grad_as_recorded(self) -> bool:
        """``requires_grad`` without making a view's history again (torch's flag): a view
        whose base was changed in place since it was made follows its base."""
        if self._view_fn is None or self._view_version == self._version.value:
            return self._requires_grad
        assert self._base is not None
        return self._requires_grad or self.grad_fn is not None or self._base._requires_grad

    def _dims(self, dim: Any, op: str) -> tuple:
        """``normalize_dims`` for this tensor's dims. torch checks a view's history before an
        op's other arguments: with grad mode on, a view whose base changed in place gets its
        history made again (or refused, with torch's error) before a bad ``dim`` is reported."""
        if GradMode.enabled and self._view_fn is not None:
            self._refresh_view()
        return normalize_dims(dim, self.ndim, op)

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than computed by a recorded op."""
        if self._view_fn is not None:
            self._refresh_view(history_asked=True)
        return self.grad_fn is None

    @property
    def shape(self) -> Size:
        """The size of each dimension, a tuple that prints as ``Size([2, 3])``."""
        return Size(self._data.shape)

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        """The element type, a NumPy dtype."""
        return self._data.dtype

    @property
    def device(self) -> devices.device:
        """Where the data lives: always the CPU (``device(type='cpu')``), NumPy's memory."""
        return devices.CPU

    @property
    def is_cuda(self) -> bool:
        """False: tensors live on the CPU."""
        return False

    def get_device(self) -> int:
        """-1, torch's answer for a tensor on the CPU."""
        return -1

    def dim(self) -> int:
        """The number of dimensions (torch's method spelling)."""
        return self._data.ndim

    def size(self, dim: int | None = None) -> Any:
        """The shape (a ``Size``), or the size of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        if not -self.ndim <= dim < self.ndim:
            raise IndexError(
                f"size: Dimension out of range (expected to be in range of [{-self.ndim}, "
                f"{self.ndim - 1}], but got {dim})"
            )
        return self._data.shape[dim]

    def numel(self) -> int:
        """The number of elements."""
        return int(self._data.size)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[index] for index in range(self._data.shape[0]))

    # Hashed by identity, as in torch (``==`` is elementwise, so Python would leave Tensor
    # unhashable): object's own hash, which dicts call without running Python code; the engine
    # keys its gradients by leaf tensor.
    __hash__ = object.__hash__

    @property
    def data(self) -> Tensor:
        """The values as a new Tensor that shares memory but not history (torch's ``.data``).

        The result never requires grad and has its own version counter: a change made through
        it is invisible to autograd's checks, which is why old training loops used
        ``p.data -= lr * p.grad``. Today's code writes ``with torch.no_grad(): p -= lr * p.grad``
        (checked) or ``p.detach()`` (shares the version counter). The NumPy array itself is
        ``.detach().numpy()``.

        Assigning a tensor to ``.data`` makes this tensor use that tensor's memory, shape and
        dtype, keeping its own history flags.

        Example:
            >>> import tinygrad_edu as tge
            >>> w = tge.tensor([1.0, 2.0], requires_grad=True)
            >>> w.data.mul_(10)
            tensor([10., 20.])
            >>> w
            tensor([10., 20.], requires_grad=True)
            >>> w.data = tge.zeros(3)
            >>> w
            tensor([0., 0., 0.], requires_grad=True)
        """
        return Tensor._wrap(self._data, False)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(
                f"Variable data has to be a tensor, but got {type(value).__name__}. Fix: assign a "
                "Tensor (tinygrad_edu.tensor(...)) to .data"
            )
        if self._requires_grad and value.dtype.kind != "f":
            raise RuntimeError(
                "data set to a tensor that requires gradients must be floating point or complex "
                f"dtype (got {value.dtype}). Fix: convert it with .float() first"
            )
        if self._base is not None:
            raise RuntimeError(
                f"Tensor.data: cannot replace the memory of a view (shape {tuple(self.shape)}) "
                "of another tensor; assign to the base tensor's .data, or copy_ the values in"
            )
        refuse_in_capture("setting .data", "gives the tensor a new array, which a replay would "
                          "not see; change it in place (tensor.data.copy_(value))")
        self._data = value._data

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array sharing memory with the tensor."""
        if self._requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        refuse_in_capture("numpy()")
        return self._data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        refuse_in_capture("converting a tensor to a NumPy array")
        if dtype is not None and np.dtype(dtype) != self.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        refuse_in_capture("item()")
        return self._data.item()

    def tolist(self) -> Any:
        """The data as (nested) Python lists of numbers."""
        refuse_in_capture("tolist()")
        return self._data.tolist()

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous (it has "
                f"{self._data.size}); use .any() or .all()"
            )
        refuse_in_capture("bool(tensor) (an if or while on a tensor)")
        return bool(self._data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __format__(self, format_spec: str) -> str:
        """``f"{t:.2f}"``: a 0-d tensor formats as its number, as in torch; others as ``str(t)``.

        Example:
            >>> import tinygrad_edu as tge
            >>> f"{tge.tensor(3.14159):.2f} and {tge.tensor(2.5)}"
            '3.14 and 2.5'
        """
        if self._data.ndim == 0:
            return format(self._data.item(), format_spec)
        if format_spec:
            raise TypeError(
                f"unsupported format string passed to Tensor.__format__ ({format_spec!r} for a "
                f"tensor of shape {tuple(self._data.shape)}); only 0-d tensors take a format: "
                "format t.item() or the elements"
            )
        return str(self)

    def __repr__(self) -> str:
        """``tensor([...], dtype=..., grad_fn=<...>)``, laid out as torch does (printing.py)."""
        grad_fn = None if self.grad_fn is None else self.grad_fn.name()
        return printing.tensor_repr(self._data, grad_fn=grad_fn, requires_grad=self._requires_grad)

    def to(self, *args: Any, dtype: Any = None, device: Any = None, non_blocking: bool = False,
           copy: bool = False) -> Tensor:
        """This tensor converted to a dtype and device, in torch's forms (differentiable).

        ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)`` (other's dtype and
        device), or keywords. The only device is the CPU: a device is checked, then changes
        nothing. Like torch, the result is self when nothing changes, unless ``copy=True``.

        Example:
            >>> import tinygrad_edu as tge
            >>> x = tge.ones(2)
            >>> x.to("cpu") is x, x.to("cpu", tge.float64).dtype
            (True, dtype('float64'))
        """
        if len(args) > 2:
            raise TypeError(f"to() takes at most 2 positional arguments ({len(args)} given)")
        for argument in args:
            if isinstance(argument, Tensor):
                dtype, device = argument.dtype, argument.device
            elif devices.is_device(argument):
                device = argument
            else:
                dtype = argument
        devices.check_device(device, "to")
        target = self.dtype if dtype is None else dtypes.to_dtype(dtype)
        if target != self.dtype:
            return ops.Cast.apply(self, dtype=target)
        return self.clone() if copy else self

    def cpu(self) -> Tensor:
        """This tensor on the CPU: self, as the data is always there."""
        return self

    def cuda(self, device: Any = None) -> Tensor:
        """Refused: tinygrad_edu has no GPU backend (RuntimeError)."""
        devices.check_device("cuda" if device is None else device, "cuda")
        raise RuntimeError("cuda: tinygrad_edu has no GPU backend yet; use .to('cpu')")

    # ----------------------------------------------------------------------------- autograd
    def backward(
        self,
        gradient: Tensor | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
    ) -> None:
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf that requires grad.

        ``gradient`` is needed when self is not a scalar (it is the vector of a vector-Jacobian
        product); ``retain_graph`` keeps the graph for another backward; ``create_graph`` records
        the backward pass itself so the gradients can be differentiated again.
        """
        from tinygrad_edu.autograd import backward

        backward(self, gradient, retain_graph, create_graph)

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory and version counter)."""
        detached = Tensor._wrap(self._data, False)
        detached._version_counter = self._version
        return detached

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return self."""
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this computed (non-leaf) tensor after backward.

        A leaf keeps its ``.grad`` anyway: nothing to do. So is a view made while its base did
        not require grad, even after the base was changed in place by a value that does: as in
        torch, it counts as a leaf until its history is made again at its next use.
        """
        if not self._requires_grad_as_recorded():
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None:
            return
        if self._view_fn is not None:  # the history from the base's newest version
            self._refresh_view(history_asked=True)  # (a piece of split refuses: torch's rule)
        if self.grad_fn is not None:
            if self.grad_fn.retained is None:
                self.grad_fn.retained = {}
            self.grad_fn.retained[self._output_nr] = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        """Whether ``retain_grad()`` made this computed tensor keep its ``.grad`` (False for a
        leaf, which keeps it anyway).

        Example:
            >>> import tinygrad_edu as tge
            >>> y = tge.ones(2, requires_grad=True) * 3
            >>> y.retain_grad()
            >>> y.retains_grad
            True
        """
        node = self.grad_fn
        if node is None or node.retained is None:
            return False
        reference = node.retained.get(self._output_nr)
        return reference is not None and reference() is self

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned Tensor
        replaces the gradient."""
        if not self._requires_grad_as_recorded():
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._view_fn is not None:  # the hook goes on the history from the base's newest
            self._refresh_view(history_asked=True)  # version (a piece of split refuses)
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if self.grad_fn.hooks is None:
                self.grad_fn.hooks = {}
            hooks = self.grad_fn.hooks.setdefault(self._output_nr, [])
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def clone(self) -> Tensor:
        """A copy with its own memory; gradients flow back to self."""
        return ops.Clone.apply(self)

    # ---------------------------- arithmetic, comparisons, elementwise functions, reductions

    # ------------------------------------------------------------------ operand handling
    def _operand(self, other: Any) -> Tensor:
        """``other`` as a Tensor; a Python scalar takes self's dtype (never upcasting floats)."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (bool, int, float, np.bool_, np.integer, np.floating)):
            dtype = dtypes.scalar_dtype(self.dtype, other)
            if isinstance(other, int) and np.dtype(dtype).kind in "iu":
                # torch wraps an integer that does not fit (uint8 * -1 is uint8 * 255);
                # NumPy refuses it, so wrap it through int64 first.
                scalar = np.array(other, dtype=np.int64).astype(dtype)
            else:
                scalar = np.array(other, dtype=dtype)
            return constant(scalar)
        return Tensor(other)

    def _promoted(self, other: Any) -> tuple[Tensor, Tensor]:
        """Self and other converted to their common dtype (torch's promotion rules)."""
        if type(other) is not Tensor:
            dtype = self._data.dtype
            if (type(other) is float or type(other) is int) and dtype.kind == "f":
                # The common case (x * 2.0, x + 1 on a floating tensor), taken first: the
                # number takes x's dtype, as ``_operand`` gives it, so nothing is left to promote.
                return self, constant(np.array(other, dtype=dtype))
            other = self._operand(other)
        if self._data.dtype == other._data.dtype:
            return self, other
        target = dtypes.result_dtype(self.dtype, self.ndim, other.dtype, other.ndim)
        return self.to(target), other.to(target)

    def _floating(self) -> Tensor:
        """Self, converted to float32 when it holds integers (exp, log... of ints)."""
        return self if self.dtype.kind == "f" else self.to(dtypes.DEFAULT_FLOAT)

    # -------------------------------------------------------------------------- arithmetic
    def __add__(self, other: Any) -> Tensor:
        a, b = self._promoted(other)
        return apply_binary(ops.Add, a, b, "add")

    def __radd__(self, other: Any) -> Tensor:
        b, a = self._promoted(other)
        return apply_binary(ops.Add, a, b, "add")

    def __sub__(self, other: Any) -> Tensor:
        self._refuse_bool_subtraction(other)
        a, b = self._promoted(other)
        return apply_binary(ops.Add, a, ops.Neg.apply(b), "sub")

    def __rsub__(self, other: Any) -> Tensor:
        self._refuse_bool_subtraction(other)
        b, a = self._promoted(other)
        return apply_binary(ops.Add, a, ops.Neg.apply(b), "sub")

    def _refuse_bool_subtraction(self, other: Any) -> None:
        """torch refuses ``-`` with a bool operand (tensor or number), whatever the other is."""
        if (self._data.dtype.kind == "b" or isinstance(other, (bool, np.bool_))
                or (isinstance(other, Tensor) and other._data.dtype.kind == "b")):
            raise RuntimeError(
                "Subtraction, the `-` operator, with a bool tensor or number is not supported "
                "(as in torch). To invert a mask use `~` or `^ True`; to count, convert the "
                "bools first with .long() or .float()"
            )

    def __floordiv__(self, other: Any) -> Tensor:
        a, b = self._operands_of_kinds(other, "floor_divide (//)", "iuf")
        return apply_binary(ops.FloorDivide, a, b, "floor_divide")

    def __rfloordiv__(self, other: Any) -> Tensor:
        b, a = self._operands_of_kinds(other, "floor_divide (//)", "iuf")
        return apply_binary(ops.FloorDivide, a, b, "floor_divide")

    def __mod__(self, other: Any) -> Tensor:
        a, b = self._operands_of_kinds(other, "remainder (%)", "iuf")
        return apply_binary(ops.Remainder, a, b, "remainder")

    def __rmod__(self, other: Any) -> Tensor:
        b, a = self._operands_of_kinds(other, "remainder (%)", "iuf")
        return apply_binary(ops.Remainder, a, b, "remainder")

    def floor_divide(self, value: Any) -> Tensor:
        """self // value: the quotient rounded toward -inf, as Python rounds it. Integers
        divided by 0 raise; floats give inf or NaN. No derivative: a backward through it raises,
        as in torch.

        Example:
            >>> import tinygrad_edu as tge
            >>> tge.tensor([7, -7]) // 2, tge.tensor([7.5]) // -2
            (tensor([ 3, -4]), tensor([-4.]))
        """
        return self // value

    def remainder(self, divisor: Any) -> Tensor:
        """self % divisor = self - (self // divisor) * divisor: the remainder with the
        divisor's sign, as Python's. Its gradient is 1 for self and -(self // divisor) for the
        divisor.

        Example:
            >>> import tinygrad_edu as tge
            >>> tge.tensor([7, -7]) % 3, tge.tensor([7.5]) % -2
            (tensor([1, 2]), tensor([-0.5000]))
        """
        return self % divisor

    def __mul__(self, other: Any) -> Tensor:
        a, b = self._promoted(other)
        return apply_binary(ops.Mul, a, b, "mul")

    def __rmul__(self, other: Any) -> Tensor:
        b, a = self._promoted(other)
        return apply_binary(ops.Mul, a, b, "mul")

    def __truediv__(self, other: Any) -> Tensor:
        a, b = self._floating()._promoted(other)
        # x / 0 is ±inf and 0 / 0 NaN, silently as in torch (0 * inf inside a * b ** -1).
        with np.errstate(invalid="ignore"):
            return apply_binary(ops.Mul, a, b._floating() ** -1, "div")

    def __rtruediv__(self, other: Any) -> Tensor:
        b, a = self._floating()._promoted(other)
        with np.errstate(invalid="ignore"):
            return apply_binary(ops.Mul, a._floating(), b ** -1, "div")

    def _check_exponent(self, exponent: Any, op: str) -> None:
        """torch's checks of ``self ** exponent`` before computing it. Integers (or bools) to a
        negative integer number: refused, as in torch (checked on the number itself: promoted to
        uint8 first, -2 would be 254); a tensor of exponents gets torch's integer answer from
        the op (``integer_power``). A Python integer exponent of an integer tensor must fit its
        dtype; bools have no power of a bool tensor."""
        if isinstance(exponent, Tensor):
            if exponent._data.dtype.kind == "b" and self._data.dtype.kind == "b":
                raise NotImplementedError(
                    f"{op}: a bool tensor has no power of a bool tensor (as in torch); convert "
                    "one of them with .long() first"
                )
            return
        if self._data.dtype.kind not in "biu":
            return
        values = np.asarray(exponent)
        if values.dtype.kind in "iu" and np.any(values < 0):
            raise RuntimeError(
                f"{op}: Integers to negative integer powers are not allowed; convert the base "
                "with .float() first"
            )
        if (isinstance(exponent, (int, np.integer)) and not isinstance(exponent, bool)
                and self._data.dtype.kind in "iu" and exponent > np.iinfo(self._data.dtype).max):
            raise RuntimeError(
                f"{op}: the exponent {exponent} does not fit in the base's dtype {self.dtype} "
                "(value cannot be converted without overflow); convert the base with .long() "
                "or .float() first"
            )

    def __pow__(self, exponent: Any) -> Tensor:
        self._check_exponent(exponent, "pow")
        base, power = self._promoted(exponent)
        return apply_binary(ops.Pow, base, power, "pow",
                            number_exponent=not isinstance(exponent, Tensor))

    def __rpow__(self, base: Any) -> Tensor:
        if isinstance(base, (bool, np.bool_)) and self._data.dtype.kind == "b":
            raise NotImplementedError(
                "pow: a bool has no power of a bool tensor (as in torch); convert the tensor "
                "with .long() first"
            )
        power, base_tensor = self._promoted(base)
        return apply_binary(ops.Pow, base_tensor, power, "pow")

    def __neg__(self) -> Tensor:
        if self._data.dtype.kind == "b":
            raise RuntimeError(
                "Negation, the `-` operator, on a bool tensor is not supported (as in torch); "
                "to invert a mask use `~`"
            )
        return ops.Neg.apply(self)

    # torch's method spellings of the operators, for code that writes ``x.add(y)``.
    def add(self, other: Any, alpha: float = 1) -> Tensor:
        """self + alpha * other."""
        return self + (other if alpha == 1 else self._operand(other) * alpha)

    def sub(self, other: Any, alpha: float = 1) -> Tensor:
        """self - alpha * other."""
        self._refuse_bool_subtraction(other)
        return self - (other if alpha == 1 else self._operand(other) * alpha)

    def mul(self, other: Any) -> Tensor:
        """self * other."""
        return self * other

    def div(self, other: Any) -> Tensor:
        """self / other (true division)."""
        return self / other

    def pow(self, exponent: Any) -> Tensor:
        """self ** exponent."""
        return self ** exponent

    def neg(self) -> Tensor:
        """-self."""
        return -self

    def __matmul__(self, other: Any) -> Tensor:
        return self.matmul(other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return self._operand(other).matmul(self)

    def __abs__(self) -> Tensor:
        return self.abs()

    # --------------------------------------------------------- comparisons (no gradient)
    def _compare(self, other: Any, comparison: np.ufunc) -> Tensor:
        if not isinstance(other, Tensor):
            other = constant(np.asarray(other))
        try:
            return ops.Comparison.apply(self, other, ufunc=comparison)
        except ValueError:
            raise RuntimeError(
                f"comparison: shapes {tuple(self.shape)} and {tuple(other.shape)} cannot be "
                f"broadcast "
                "together"
            ) from None

    def _compare_promoted(self, other: Any, comparison: np.ufunc) -> Tensor:
        """A comparison (<, ==, ...) made in the dtype torch makes it in, the dtype arithmetic
        would give (``_promoted``): ``x == 0.1`` compares a float32 x with 0.1 rounded to
        float32, and an int32 tensor with a float32 one compares in float32. NumPy alone would
        compare in float64, and ``tensor([0.1]) == 0.1`` would be False."""
        if isinstance(other, (Tensor, bool, int, float, np.bool_, np.integer, np.floating)):
            a, b = self._promoted(other)
            return a._compare(b, comparison)
        return self._compare(other, comparison)

    def __lt__(self, other: Any) -> Tensor:
        return self._compare_promoted(other, np.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare_promoted(other, np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare_promoted(other, np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare_promoted(other, np.greater_equal)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare_promoted(other, np.equal)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare_promoted(other, np.not_equal)

    def eq(self, other: Any) -> Tensor:
        """self == other, elementwise (a bool tensor)."""
        return self == other

    def ne(self, other: Any) -> Tensor:
        """self != other, elementwise (a bool tensor)."""
        return self != other

    def lt(self, other: Any) -> Tensor:
        """self < other, elementwise (a bool tensor)."""
        return self < other

    def le(self, other: Any) -> Tensor:
        """self <= other, elementwise (a bool tensor)."""
        return self <= other

    def gt(self, other: Any) -> Tensor:
        """self > other, elementwise (a bool tensor)."""
        return self > other

    def ge(self, other: Any) -> Tensor:
        """self >= other, elementwise (a bool tensor)."""
        return self >= other

    # ------------------------------------------- bitwise ops and shifts (no gradient)
    def _operands_of_kinds(self, other: Any, op: str, kinds: str) -> tuple[Tensor, Tensor]:
        """Self and other in their promoted dtype, for an op that torch defines only for some
        kinds of dtype (``kinds``: "biu" for &, |, ^; "iu" for shifts; "iuf" for // and %):
        NotImplementedError for the others, as in torch."""
        a, b = self._promoted(other)
        if a._data.dtype.kind not in kinds:
            other_kind = other.dtype if isinstance(other, Tensor) else type(other).__name__
            raise NotImplementedError(
                f"{op}: not defined for these operands (as in torch): {self.dtype} and "
                f"{other_kind} compute in {a.dtype}. Convert them first, e.g. with .long()"
            )
        return a, b

    def __invert__(self) -> Tensor:
        if self.dtype.kind not in "biu":
            raise TypeError(
                f"~ (bitwise_not) is defined for integer and bool tensors only, got {self.dtype}; "
                "for a mask of a float tensor compare it first (x == 0)"
            )
        return ops.Invert.apply(self)

    def bitwise_not(self) -> Tensor:
        """~self: logical not of bools, bitwise not of integers (no gradient)."""
        return ~self

    def _bitwise(self, other: Any, ufunc: np.ufunc, op: str, reflected: bool = False) -> Tensor:
        """``ufunc(self, other)`` (``ufunc(other, self)`` when ``reflected``): &, | or ^ of
        integer or bool operands in their promoted dtype."""
        a, b = self._operands_of_kinds(other, op, "biu")
        if reflected:
            a, b = b, a
        return apply_binary(ops.Comparison, a, b, op, ufunc=ufunc)

    def _shift(self, other: Any, function: type[Function], op: str,
               reflected: bool = False) -> Tensor:
        """``function`` (``LeftShift`` or ``RightShift``) of self by other (other by self when
        ``reflected``), integers only, in their promoted dtype."""
        a, b = self._operands_of_kinds(other, op, "iu")
        if reflected:
            a, b = b, a
        return apply_binary(function, a, b, op)

    def __and__(self, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_and, "bitwise_and (&)")

    def __rand__(self, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_and, "bitwise_and (&)", reflected=True)

    def __or__(self, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_or, "bitwise_or (|)")

    def __ror__(self, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_or, "bitwise_or (|)", reflected=True)

    def __xor__(self, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_xor, "bitwise_xor (^)")

    def __rxor__(self, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_xor, "bitwise_xor (^)", reflected=True)

    def __lshift__(self, other: Any) -> Tensor:
        return self._shift(other, ops.LeftShift, "bitwise_left_shift (<<)")

    def __rlshift__(self, other: Any) -> Tensor:
        return self._shift(other, ops.LeftShift, "bitwise_left_shift (<<)", reflected=True)

    def __rshift__(self, other: Any) -> Tensor:
        return self._shift(other, ops.RightShift, "bitwise_right_shift (>>)")

    def __rrshift__(self, other: Any) -> Tensor:
        return self._shift(other, ops.RightShift, "bitwise_right_shift (>>)", reflected=True)

    def bitwise_and(self, other: Any) -> Tensor:
        """self & other: logical and of bools, bitwise and of integers (no gradient)."""
        return self & other

    def bitwise_or(self, other: Any) -> Tensor:
        """self | other: logical or of bools, bitwise or of integers (no gradient)."""
        return self | other

    def bitwise_xor(self, other: Any) -> Tensor:
        """self ^ other: logical xor of bools, bitwise xor of integers (no gradient).

        Example:
            >>> import tinygrad_edu as tge
            >>> tge.tensor([True, True]) ^ tge.tensor([True, False]), tge.tensor([6]) ^ 3
            (tensor([False,  True]), tensor([5]))
        """
        return self ^ other

    def any(self) -> Tensor:
        """True if any element is nonzero (no gradient); for uint8, 1 or 0 as uint8, as in
        torch."""
        return ops.Truth.apply(self, reduce=np.any)

    def all(self) -> Tensor:
        """True if every element is nonzero (no gradient); for uint8, 1 or 0 as uint8, as in
        torch."""
        return ops.Truth.apply(self, reduce=np.all)

    # ----------------------------------------------------------------- elementwise functions
    def exp(self) -> Tensor:
        """e ** self, elementwise."""
        return ops.Exp.apply(self._floating())

    def log(self) -> Tensor:
        """Natural logarithm, elementwise (nan below 0, -inf at 0, like torch)."""
        return ops.Log.apply(self._floating())

    def log1p(self) -> Tensor:
        """log(1 + self), elementwise, exact for tiny values (where 1 + x would round to 1)."""
        return ops.Log1p.apply(self._floating())

    def sin(self) -> Tensor:
        """Sine, elementwise (radians)."""
        return ops.Sin.apply(self._floating())

    def cos(self) -> Tensor:
        """Cosine, elementwise (radians)."""
        return ops.Cos.apply(self._floating())

    def sqrt(self) -> Tensor:
        """Square root, elementwise (its derivative is 1 / (2 sqrt(self)), as in torch)."""
        return ops.Sqrt.apply(self._floating())

    def tanh(self) -> Tensor:
        """Hyperbolic tangent, elementwise."""
        return ops.Tanh.apply(self._floating())

    def sigmoid(self) -> Tensor:
        """1 / (1 + exp(-self)), elementwise and stable for large |self|."""
        return ops.Sigmoid.apply(self._floating())

    def relu(self) -> Tensor:
        """max(self, 0), elementwise."""
        if self.dtype.kind == "b":
            raise RuntimeError("relu: Boolean inputs not supported for relu; convert with "
                               ".float() or .long() first")
        return ops.Relu.apply(self)

    def abs(self) -> Tensor:
        """|self|, elementwise."""
        if self._data.dtype.kind == "b":
            raise NotImplementedError(
                "abs: not implemented for bool tensors (as in torch); convert with .long() first")
        return ops.Abs.apply(self)

    def sign(self) -> Tensor:
        """-1, 0 or +1 elementwise (0 at 0 and at NaN); its gradient is zero.

        Example:
            >>> import tinygrad_edu as tge
            >>> tge.tensor([-2.0, 0.0, 3.0]).sign()
            tensor([-1.,  0.,  1.])
        """
        if self._data.dtype.kind == "b":  # the sign of True is True, as in torch
            return self.clone()
        return ops.Sign.apply(self)

    def sgn(self) -> Tensor:
        """The same as ``sign`` for real numbers (torch's name for complex support)."""
        return self.sign()

    def maximum(self, other: Any) -> Tensor:
        """Elementwise maximum of self and other (broadcasting)."""
        a, b = self._promoted(other)
        return apply_binary(ops.Maximum, a, b, "maximum")

    def minimum(self, other: Any) -> Tensor:
        """Elementwise minimum: the maximum of the order-reversed operands, reversed back."""
        a, b = self._promoted(other)
        return apply_binary(ops.Maximum, a._reversed(), b._reversed(), "minimum")._reversed()

    def _reversed(self) -> Tensor:
        """An order-reversing map, its own inverse: -x for floats, ~x for integers and bools.

        -x would wrap around for unsigned integers (-0 = 0 but -1 = 255 in uint8) and is not
        defined for bools; ~x = -x - 1 (or 255 - x, or not x) reverses their order exactly.
        Integers never require grad, so only the float branch needs a gradient.
        """
        if dtypes.is_floating(self.dtype):
            return -self
        return ~self

    def where(self, condition: Any, other: Any) -> Tensor:
        """self where ``condition`` is true, else ``other`` (torch's ``x.where(cond, y)``)."""
        from tinygrad_edu.functional import where

        return where(condition, self, other)

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:
        """Limit every element to [min, max]; the gradient passes where min <= self <= max.

        The bounds themselves pass the gradient, NaN stays NaN with gradient 0 (as in torch).
        The result's dtype follows torch's promotion: an integer tensor with a float bound is
        clamped in float32, a bool tensor with int bounds in int64.
        """
        if min is None and max is None:
            raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
        source = self
        for bound in (min, max):
            if bound is not None:
                target = dtypes.scalar_dtype(source.dtype, bound)
                source = source if target == source.dtype else source.to(target)
        return ops.Clamp.apply(source, low=min, high=max)

    # --------------------------------------------------------------------------- reductions
    def sum(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Sum over ``dim`` (an int, a tuple, or None for all dimensions)."""
        axes = self._dims(dim, "sum")
        return ops.Sum.apply(self, axes=axes, keepdim=keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Mean over ``dim``: the sum divided by the number of elements summed (NaN for none)."""
        if self.dtype.kind != "f":
            raise RuntimeError(
                f"mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {self.dtype}; convert with .float() first"
            )
        axes = self._dims(dim, "mean")
        count = math.prod([self.shape[axis] for axis in axes])
        total = ops.Sum.apply(self, axes=axes, keepdim=keepdim)
        if count == 0:
            # The mean of nothing is NaN. Added, not multiplied: the gradient of the (empty)
            # input stays empty and that of the upstream gradient 0, as torch's grad / 0 over
            # an expanded empty gradient gives.
            return total + float("nan")
        return total * (1.0 / count)

    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: float | None = None) -> Tensor:
        """Variance over ``dim``: Σ (x - mean)² / (N - correction); correction=1 is unbiased.

        torch's older form ``var(dim, unbiased, keepdim)`` is accepted too: ``unbiased=False``
        means correction=0, so ``x.var(0, True)`` is the unbiased variance over dim 0, and
        ``x.var(False)`` the biased variance of all elements.

        Like torch, N - correction <= 0 warns and divides by 0 (NaN for a zero sum of squares,
        inf otherwise); the variance over an empty dimension is NaN.

        Example:
            >>> import tinygrad_edu as tge
            >>> x = tge.tensor([[1.0, 2.0], [3.0, 6.0]])
            >>> x.var(0)
            tensor([2., 8.])
            >>> x.var(0, False, True)
            tensor([[1., 4.]])
        """
        if isinstance(dim, bool):  # torch's var(unbiased)
            dim, unbiased = None, dim
        if unbiased is not None and correction is not None:
            raise TypeError(
                "var: pass either unbiased= (torch's older form) or correction=, not both; "
                "unbiased=False is correction=0"
            )
        if correction is None:
            correction = 0 if unbiased is False else 1
        if self.dtype.kind != "f":
            raise RuntimeError(
                f"var: std and var only support floating point and complex dtypes, got "
                f"{self.dtype}; convert with .float() first"
            )
        if self._data.dtype == np.float16:
            # As torch, in float32 (a float16 square overflows from 256 on), rounded once.
            return self.float().var(dim, keepdim=keepdim, correction=correction).half()
        axes = self._dims(dim, "var")
        count = math.prod([self.shape[axis] for axis in axes])
        # torch's "reduction factor": input numel / output numel, 0 when the output is empty.
        output_numel = math.prod([size for axis, size in enumerate(self.shape) if axis not in axes])
        reduction_factor = self.numel() // output_numel if output_numel else 0
        if reduction_factor - correction <= 0:
            warnings.warn(
                "var(): degrees of freedom is <= 0. Correction should be strictly less than the "
                "reduction factor (input numel divided by output numel).", UserWarning,
                stacklevel=2)
        deviation = self - self.mean(axes, keepdim=True)
        squares = (deviation * deviation).sum(axes, keepdim=keepdim)
        if count == 0:
            return squares + float("nan")
        with np.errstate(divide="ignore", invalid="ignore"):
            return squares / max(count - correction, 0)

    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: float | None = None) -> Tensor:
        """Standard deviation over ``dim``: the square root of ``var`` with the same arguments.

        Example:
            >>> import tinygrad_edu as tge
            >>> tge.tensor([[1.0, 2.0], [3.0, 6.0]]).std(0, False)
            tensor([1., 2.])
        """
        if self._data.dtype == np.float16:  # in float32, as var
            return self.float().std(dim, unbiased, keepdim, correction=correction).half()
        variance = self.var(dim, unbiased, keepdim, correction=correction)
        # Where the variance is 0 (constant values) the gradient is 0, as in torch, not the
        # 0 / 0 of sqrt's derivative: a where picks it, as in norm.
        nonzero = variance != 0
        return variance.where(nonzero, 1.0).sqrt().where(nonzero, 0.0)

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
        """The p-norm over ``dim`` (all elements by default): (Σ |x|^p)^(1/p); p=2 ("fro") is
        the Euclidean length, p=1 the sum of magnitudes, p=inf the largest magnitude.

        The 2-norm is sqrt(Σ x²), with gradient x / norm; where the norm is 0 the gradient is
        0, as in torch (a ``where`` picks it, so no 0 / 0 is computed). So for any p: 0 where the
        norm is 0, and at zero elements. The inf-norm shares its gradient equally among tied
        largest magnitudes, as torch's does (``max(dim)`` would give it to one of them).

        Example:
            >>> import tinygrad_edu as tge
            >>> tge.tensor([3.0, -4.0]).norm(), tge.tensor([3.0, -4.0]).norm(1)
            (tensor(5.), tensor(7.))
        """
        if self.dtype.kind != "f":
            raise RuntimeError(f"linalg.vector_norm: Expected a floating point tensor as input "
                               f"(got {self.dtype}); convert with .float() first")
        if self._data.dtype == np.float16:  # in float32 (300² overflows float16), as in torch
            return self.float().norm(p, dim, keepdim).half()
        if p == "fro" or p == 2:
            squares = (self * self).sum(dim, keepdim)
            nonzero = squares != 0
            return squares.where(nonzero, 1.0).sqrt().where(nonzero, 0.0)
        if p == 1:
            return self.abs().sum(dim, keepdim)
        if p == math.inf:
            axes = self._dims(dim, "norm")
            if any(self.shape[axis] == 0 for axis in axes):
                raise RuntimeError(
                    f"linalg.vector_norm cannot compute the inf norm on an empty tensor because "
                    f"the operation does not have an identity (shape {tuple(self.shape)}, dim "
                    f"{dim}); reduce over dimensions that are not empty"
                )
            return ops.Max.apply(self.abs(), axes=axes, keepdim=keepdim, spread_ties=True)
        if isinstance(p, str) or p <= 0:
            raise ValueError(f"norm: p must be 'fro' or a number > 0 (got {p!r})")
        magnitudes = self.abs()
        nonzero_elements = magnitudes != 0  # |0|^p, and its derivative for p < 1, would be 0/inf
        powers = (magnitudes.where(nonzero_elements, 1.0) ** p).where(nonzero_elements, 0.0)
        total = powers.sum(dim, keepdim)
        nonzero = total != 0
        return (total.where(nonzero, 1.0) ** (1.0 / p)).where(nonzero, 0.0)

    def _check_reducible(self, axes: tuple[int, ...] | None, op: str) -> None:
        """Raise torch's errors for a max/min/argmax/argmin over nothing.

        ``axes`` None means "all elements": an empty tensor then has no answer (RuntimeError
        for max/min, IndexError for argmax/argmin, as in torch). Over ``axes``, only a reduced
        dimension of size 0 is an error; other empty dimensions just give an empty result.
        """
        empty = self.numel() == 0 if axes is None else any(self.shape[axis] == 0 for axis in axes)
        if empty and not op.startswith("arg") and self._view_fn is not None and GradMode.enabled:
            # torch checks a view's history before max/min run (argmax has no gradient, and no
            # such check): a view made in no_grad whose base changed raises that error first.
            self._refresh_view()
        if axes is None:
            if self.numel() == 0:
                error = IndexError if op.startswith("arg") else RuntimeError
                raise error(
                    f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                    f"Specify the reduction dim with the 'dim' argument (shape "
                    f"{tuple(self.shape)})."
                )
            return
        for axis in axes:
            if self.shape[axis] == 0:
                raise IndexError(
                    f"{op}(): Expected reduction dim {axis} to have non-zero size (shape "
                    f"{tuple(self.shape)}); the {op} of an empty set is undefined"
                )

    def _max(self, dim: Any, keepdim: bool, op: str) -> Any:
        if dim is None:
            self._check_reducible(None, op)
            return ops.Max.apply(self, axes=tuple(range(self.ndim)), keepdim=False,
                                 spread_ties=True)
        if isinstance(dim, Tensor):
            return self.maximum(dim)
        axes = self._dims(dim, op)
        self._check_reducible(axes, op)
        axis = axes[0] if axes else 0
        values, indices = ops.MaxDim.apply(self, dim=axis, keepdim=keepdim)
        return ValuesIndices(values, indices)

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The maximum: of all elements (a tensor), or over ``dim`` (values, indices).

        NaN is the maximum of any set holding one, as in torch; ``max()`` shares the gradient
        among tied maxima, ``max(dim)`` gives it to the returned (first) index.
        """
        return self._max(dim, keepdim, "max")

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The minimum: of all elements (a tensor), or over ``dim`` (values, indices)."""
        if dim is not None and not isinstance(dim, (int, np.integer)):
            return self.minimum(dim)
        result = self._reversed()._max(dim, keepdim, "min")
        if dim is None:
            return result._reversed()
        return ValuesIndices(result.values._reversed(), result.indices)

    def _index_of_extreme(self, find: Any, dim: int | None, keepdim: bool,
                          op: str) -> Tensor:
        """``find`` (np.argmax or np.argmin) over the flattened tensor or over ``dim``, int64.

        NumPy, like torch, returns the first extreme, and the first NaN if there is one.
        """
        if dim is None:  # keepdim: every dim kept with size 1, as torch does
            self._check_reducible(None, op)
            return ops.IndexOfExtreme.apply(self, find=find, axis=None, keepdims=keepdim)
        axes = normalize_dims(dim, self.ndim, op)
        if not axes:  # a 0-d tensor: its one element is at index 0
            return ops.IndexOfExtreme.apply(self, find=find, axis=None, keepdims=False)
        self._check_reducible(axes, op)
        return ops.IndexOfExtreme.apply(self, find=find, axis=axes[0], keepdims=keepdim)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the maximum (over the flattened tensor when ``dim`` is None)."""
        if self.dtype.kind == "b":
            raise RuntimeError("argmax(): does not support bool input; convert with .long()")
        return self._index_of_extreme(np.argmax, dim, keepdim, "argmax")

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the minimum (over the flattened tensor when ``dim`` is None)."""
        if self.dtype.kind == "b":
            raise RuntimeError("argmin(): does not support bool input; convert with .long()")
        return self._index_of_extreme(np.argmin, dim, keepdim, "argmin")

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Tensor:
        """log Σ exp(self) over ``dim``, computed stably."""
        from tinygrad_edu.functional import logsumexp

        return logsumexp(self, dim, keepdim)

    def softmax(self, dim: int) -> Tensor:
        """exp(self) / Σ exp(self) over ``dim``, computed stably."""
        from tinygrad_edu.functional import softmax

        return softmax(self, dim)

    def log_softmax(self, dim: int) -> Tensor:
        """self - logsumexp(self, dim), one fused and stable op."""
        from tinygrad_edu.functional import log_softmax

        return log_softmax(self, dim)

    # -------------------------------------------------------- shape, views, indexing, matmul

    def reshape(self, *shape: Any) -> Tensor:
        """The same elements with a new shape (one size may be -1: inferred)."""
        target = shape_argument(shape)
        count = self._data.size
        inferred = -1 in target  # one size is inferred from the others
        known = math.prod([size for size in target if size != -1]) if inferred else 0
        if inferred:
            valid = target.count(-1) == 1 and known != 0 and count % known == 0
        else:
            valid = math.prod(target) == count
        if not valid:
            raise RuntimeError(
                f"reshape: shape {list(target)} is invalid for input of size {count} "
                f"(shape {tuple(self.shape)}); the sizes must multiply to {count} (at most "
                f"one -1)"
            )
        shape_now = target
        if inferred:
            shape_now = tuple([size if size != -1 else count // known for size in target])
        # Like torch, even the same shape gives a new view (a tensor of its own, not self).
        return mark_view(ops.Reshape.apply(self, shape=shape_now), self,
                         lambda base: ops.Reshape.apply(base, shape=shape_now))

    def view(self, *shape: Any) -> Tensor:
        """``reshape`` that always shares memory: like torch, it refuses a shape that would need
        a copy (after ``transpose``, ``expand`` or a step slice), where ``reshape`` copies."""
        result = self.reshape(*shape)
        copied = result._data.size > 0 and not np.shares_memory(result._data, self._data)
        if copied:
            raise RuntimeError(
                f"view size is not compatible with input tensor's size and stride (at least one "
                f"dimension spans across two contiguous subspaces): shape {tuple(self.shape)} with "
                f"strides {self._data.strides} cannot be viewed as {tuple(result.shape)}. Use "
                ".reshape(...) instead."
            )
        return result

    def view_as(self, other: Tensor) -> Tensor:
        """``view`` with the shape of ``other``."""
        return self.view(other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge dimensions start_dim..end_dim into one."""
        if self.ndim == 0:
            return self.reshape(1)
        start, end = (self._dims(dim, "flatten")[0] for dim in (start_dim, end_dim))
        if start > end:
            raise RuntimeError(
                f"flatten: start_dim {start_dim} cannot come after end_dim {end_dim}"
            )
        if start == end:
            return self  # nothing to merge: torch returns the tensor itself
        merged = math.prod(self.shape[start:end + 1])
        return self.reshape(self.shape[:start] + (merged,) + self.shape[end + 1:])

    def permute(self, *dims: Any) -> Tensor:
        """Reorder the dimensions: output dimension i is input dimension dims[i]."""
        order = shape_argument(dims)
        if sorted(axis % max(self.ndim, 1) for axis in order) != list(range(self.ndim)):
            raise RuntimeError(
                f"permute: dims {list(order)} are not a permutation of the {self.ndim} "
                f"dimensions of a tensor of shape {tuple(self.shape)}"
            )
        order = tuple(axis % self.ndim for axis in order) if self.ndim else ()
        return mark_view(ops.Permute.apply(self, dims=order), self,
                         lambda base: ops.Permute.apply(base, dims=order))

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dimensions."""
        if self.ndim == 0:
            normalize_dims((dim0, dim1), 0, "transpose")
            return self.reshape(())
        axis0 = self._dims(dim0, "transpose")[0]
        axis1 = self._dims(dim1, "transpose")[0]
        order = list(range(self.ndim))
        order[axis0], order[axis1] = order[axis1], order[axis0]
        return self.permute(order)

    @property
    def T(self) -> Tensor:
        """All dimensions reversed (the matrix transpose for 2-D tensors)."""
        return self.permute(tuple(reversed(range(self.ndim))))

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a dimension of size 1 at ``dim``."""
        if not -self.ndim - 1 <= dim <= self.ndim:
            raise IndexError(
                f"unsqueeze: Dimension out of range (expected to be in range of "
                f"[{-self.ndim - 1}, {self.ndim}], but got {dim})"
            )
        position = dim % (self.ndim + 1)
        return self.reshape(self.shape[:position] + (1,) + self.shape[position:])

    def squeeze(self, dim: int | None = None) -> Tensor:
        """Remove dimensions of size 1 (only ``dim`` when given; no-op if its size is not 1)."""
        if dim is None:
            return self.reshape(tuple(size for size in self.shape if size != 1))
        if self.ndim == 0:
            normalize_dims(dim, 0, "squeeze")
            return self.reshape(())
        (axis,) = self._dims(dim, "squeeze")
        if self.shape[axis] != 1:
            return self.reshape(self.shape)  # a new view, as in torch
        return self.reshape(self.shape[:axis] + self.shape[axis + 1:])

    def expand(self, *sizes: Any) -> Tensor:
        """Broadcast size-1 dimensions to ``sizes`` without copying (-1 keeps a size)."""
        target = list(shape_argument(sizes))
        added = len(target) - self._data.ndim
        for axis, size in enumerate(self._data.shape):
            wanted = target[axis + added] if added >= 0 else size
            if wanted == -1:
                target[axis + added] = size
            elif added < 0 or (size != 1 and size != wanted):
                raise RuntimeError(
                    f"expand: the expanded size of the tensor ({wanted}) must match the existing "
                    f"size ({size}) at non-singleton dimension {axis}. Target sizes: "
                    f"{list(sizes)}. Tensor sizes: {list(self.shape)}"
                )
        expanded = tuple(target)
        return mark_view(ops.Expand.apply(self, shape=expanded), self,
                         lambda base: ops.Expand.apply(base, shape=expanded))

    def split(self, split_size: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
        """Cut along ``dim`` into pieces of ``split_size`` elements (the last one smaller when
        the size does not divide evenly), or into pieces of the listed sizes, which must add
        up to the size of ``dim``.

        The pieces are views: they share memory (and the version counter) with self, and the
        gradient of self joins their gradients (zeros for a piece that is not used). As in
        torch, a piece may not be changed in place where the change would be recorded.

        Example:
            >>> import tinygrad_edu as tge
            >>> tge.arange(5).split(2)
            (tensor([0, 1]), tensor([2, 3]), tensor([4]))
            >>> [piece.shape for piece in tge.zeros(2, 5).split([1, 4], dim=1)]
            [Size([2, 1]), Size([2, 4])]
        """
        sizes = split_size_argument(split_size)
        if self.ndim == 0:
            raise RuntimeError("split expects at least a 1-dimensional tensor (got a 0-d one)")
        if isinstance(sizes, int) and sizes < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got "
                               f"split_size={sizes}")
        (axis,) = self._dims(dim, "split")
        size = self.shape[axis]
        if isinstance(sizes, int):
            if sizes == 0 and size != 0:
                raise RuntimeError(
                    "split_size can only be 0 if dimension size is 0, but got dimension size of "
                    f"{size}"
                )
            return self._split_into(axis, even_split_sizes(sizes, size))
        if any(section < 0 for section in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                               f"entries, but got split_sizes={list(sizes)}")
        if sum(sizes) != size:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's "
                f"size at dimension {axis}), but got split_sizes={list(sizes)}"
            )
        return self._split_into(axis, sizes)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """Cut along ``dim`` into ``chunks`` pieces of equal size, the last one smaller.

        torch's rule: every piece has ceil(size / chunks) elements, except the last, so there
        may be fewer than ``chunks`` pieces (a size of 5 in 4 chunks gives 2, 2, 1); a
        dimension of size 0 gives ``chunks`` empty pieces. The pieces are views, as in
        ``split``.

        Example:
            >>> import tinygrad_edu as tge
            >>> [piece.shape[0] for piece in tge.zeros(5).chunk(4)]
            [2, 2, 1]
        """
        if not is_integer(chunks):
            raise TypeError(f"chunk: chunks must be an int, not {type(chunks).__name__}")
        if self.ndim == 0:
            raise RuntimeError("chunk expects at least a 1-dimensional tensor (got a 0-d one)")
        if chunks <= 0:
            raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
        (axis,) = self._dims(dim, "chunk")
        size = self.shape[axis]
        if size == 0:
            return self._split_into(axis, (0,) * int(chunks))
        return self._split_into(axis, even_split_sizes(-(-size // int(chunks)), size))

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """The slices along ``dim``, with that dimension removed: ``x.unbind(1)`` is
        ``(x[:, 0], x[:, 1], ...)``, as views (see ``split``).

        Example:
            >>> import tinygrad_edu as tge
            >>> tge.tensor([[1, 2], [3, 4]]).unbind(1)
            (tensor([1, 3]), tensor([2, 4]))
        """
        if self.ndim == 0:
            raise IndexError("unbind: Dimension specified as 0 but tensor has no dimensions")
        (axis,) = self._dims(dim, "unbind")
        if self.shape[axis] == 0:
            return ()
        slices: tuple[Tensor, ...] = ops.Unbind.apply(self, dim=axis)
        leading = (slice(None),) * axis
        for index, piece in enumerate(slices):
            mark_view(piece, self, view_of_region(leading + (index, Ellipsis)),
                      one_of_several=True)
        return slices

    def _split_into(self, axis: int, sizes: tuple[int, ...]) -> tuple[Tensor, ...]:
        """The pieces of ``sizes`` elements along ``axis``, one ``Split`` op, each a view."""
        pieces: tuple[Tensor, ...] = ops.Split.apply(self, dim=axis, sizes=sizes)
        leading = (slice(None),) * axis
        start = 0
        for piece, size in zip(pieces, sizes):
            region = leading + (slice(start, start + size),)
            mark_view(piece, self, view_of_region(region), one_of_several=True)
            start += size
        return pieces

    def __getitem__(self, index: Any) -> Tensor:
        normalized = normalize_index(index)
        try:
            result = ops.GetItem.apply(self, index=normalized)
        except IndexError as error:
            raise IndexError(f"indexing a tensor of shape {tuple(self.shape)}: {error}") from None
        return mark_view(result, self, lambda base: ops.GetItem.apply(base, index=normalized))

    def gather(self, dim: int, index: Tensor) -> Tensor:
        """The elements at the positions ``index`` names along ``dim``; the result has the
        index's shape. For a 2-d tensor and dim = 1, ``out[i][j] = self[i][index[i][j]]``.

        ``index`` is an int64 (or int32) tensor with as many dimensions as self, no larger than
        self in the other dimensions, with values in [0, self.size(dim)). The gradient adds each
        output's gradient back where it was read (an element read twice gets both).

        Example:
            >>> import tinygrad_edu as tge
            >>> logits = tge.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
            >>> labels = tge.tensor([2, 0])
            >>> logits.gather(1, labels.unsqueeze(1))  # each row's entry at its label
            tensor([[3.],
                    [4.]])
        """
        axis, positions = self._index_argument("gather", dim, index)
        check_index("gather", axis, positions, self.shape)
        return ops.Gather.apply(self, dim=axis, index=int64_copy(index))

    def scatter(self, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
                reduce: str | None = None) -> Tensor:
        """A copy of self with ``src`` written at the positions ``index`` names along ``dim``:
        for a 2-d tensor and dim = 1, ``out[i][index[i][j]] = src[i][j]``.

        ``src`` is a tensor of self's dtype (only its leading block of the index's shape is
        read), or a number (also ``value=``) written at every position. The index follows
        ``gather``'s rules. When the index names one position twice, which write wins is not
        defined (torch's rule too): use unique positions, or ``scatter_add``. Gradients: self's
        is the upstream gradient with the written positions set to 0, src's is the upstream
        gradient gathered at them. ``reduce=`` (deprecated in torch) is not supported.

        Example:
            >>> import tinygrad_edu as tge
            >>> tge.zeros(2, 3).scatter(1, tge.tensor([[2], [0]]), tge.tensor([[5.0], [7.0]]))
            tensor([[0., 0., 5.],
                    [7., 0., 0.]])
            >>> tge.zeros(4).scatter(0, tge.tensor([1]), value=1.0)
            tensor([0., 1., 0., 0.])
        """
        axis, positions, source = self._scatter_arguments(
            "scatter", dim, index, src, value, reduce)
        return ops.Scatter.apply(self, source, dim=axis, index=positions)

    def scatter_add(self, dim: int, index: Tensor, src: Tensor) -> Tensor:
        """A copy of self with ``src`` added at the positions ``index`` names along ``dim``
        (positions named twice get both): for a 2-d tensor and dim = 1,
        ``out[i][index[i][j]] += src[i][j]``. Gradients: self's is the upstream gradient, src's
        is the upstream gradient gathered at the positions.

        Example:
            >>> import tinygrad_edu as tge
            >>> tge.zeros(3).scatter_add(0, tge.tensor([0, 2, 0]), tge.tensor([1.0, 2.0, 3.0]))
            tensor([4., 0., 2.])
        """
        axis, positions, source = self._scatter_arguments(
            "scatter_add", dim, index, src, None, None)
        return ops.ScatterAdd.apply(self, source, dim=axis, index=positions)

    def _index_argument(self, op: str, dim: Any, index: Any) -> tuple[int, np.ndarray]:
        """``dim`` as an axis from 0 and ``index``'s array, after torch's type checks."""
        if not is_integer(dim):
            raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
        if not isinstance(index, Tensor):
            raise TypeError(
                f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}; make it "
                "with torch.tensor([...])"
            )
        # A 0-d tensor counts as a vector of one element here, as in torch.
        return normalize_dims(dim, max(self.ndim, 1), op)[0], index._data

    def _scatter_arguments(self, op: str, dim: Any, index: Any, src: Any, value: Any,
                           reduce: str | None) -> tuple[int, np.ndarray, Tensor]:
        """The checked arguments of a scatter: the axis, the index (an int64 copy, so a later
        change of the index tensor cannot change a recorded gradient) and the tensor to scatter
        (``value`` made into one of the index's shape in self's dtype; torch then does not
        compare the index with a src)."""
        if reduce is not None and reduce not in ("add", "multiply"):
            raise RuntimeError(f"{op}(): reduce argument must be either add or multiply, got "
                               f"{reduce!r}")
        if reduce is not None:
            raise NotImplementedError(
                f"{op}(): reduce={reduce!r} is not supported (torch deprecates it and has no "
                "gradient for it): use scatter_add for 'add', or write the product out"
            )
        axis, positions = self._index_argument(op, dim, index)
        if src is not None and value is not None:
            raise TypeError(f"{op}() takes either src or value=, not both")
        if src is None and value is None:
            raise TypeError(f"{op}() missing what to write: pass src (a tensor) or value=")
        if src is not None and not isinstance(src, Tensor):
            if op.startswith("scatter_add"):
                raise TypeError(
                    f"{op}(): argument 'src' must be Tensor, not {type(src).__name__}; make "
                    "it with torch.full_like(index, value, dtype=...)"
                )
            src, value = None, src  # a number in src's place is the value, as in torch
        if src is None:
            if isinstance(value, Tensor) and value.ndim == 0 and not value.requires_grad:
                value = value.item()
            if not isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
                raise TypeError(
                    f"{op}(): value must be a number, not {type(value).__name__}; pass a tensor "
                    "as src instead"
                )
            check_index(op, axis, positions, self.shape)
            source = constant(np.full(positions.shape, value, dtype=self.dtype))
            return axis, int64_copy(index), source
        if src.dtype != self.dtype:
            raise RuntimeError(
                f"{op}(): Expected self.dtype to be equal to src.dtype, got {self.dtype} and "
                f"{src.dtype}; convert src with .to({self.dtype})"
            )
        check_index(op, axis, positions, self.shape, tuple(src.shape))
        return axis, int64_copy(index), src

    def t(self) -> Tensor:
        """The transpose of a matrix (a tensor of at most 2 dimensions, returned as it is)."""
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                               f"{self.ndim}D (shape {tuple(self.shape)}); use transpose or "
                               f"permute")
        return self.transpose(0, 1) if self.ndim == 2 else self.reshape(self.shape)

    def mm(self, mat2: Tensor) -> Tensor:
        """The product of two matrices (both 2-D; ``matmul`` also takes vectors and batches)."""
        if self.ndim != 2 or mat2.ndim != 2:
            raise RuntimeError(f"mm: both arguments must be matrices (2-D), got shapes "
                               f"{tuple(self.shape)} and {tuple(mat2.shape)}; use matmul for "
                               f"other shapes")
        return self.matmul(mat2)

    def matmul(self, other: Any) -> Tensor:
        """Matrix product with NumPy/torch rules for 1-D and batched operands."""
        a, b = self._promoted(other)
        if isinstance(other, Tensor) and self.dtype != other.dtype:
            raise RuntimeError(
                f"expected m1 and m2 to have the same dtype, but got: {self.dtype} != "
                f"{other.dtype}; convert one of them (e.g. .double() or .float()) first"
            )
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError(
                f"matmul: both arguments need to be at least 1-D, got shapes {tuple(a.shape)} and "
                f"{tuple(b.shape)}; use * for multiplication by a scalar"
            )
        if a.shape[-1] != b.shape[-2 if b.ndim > 1 else -1]:
            raise RuntimeError(
                f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied: the "
                f"last dimension "
                f"of the first ({a.shape[-1]}) must equal the "
                f"{'second-to-last' if b.ndim > 1 else 'only'} dimension of the second"
            )
        try:  # (1-D operands included: see MatMul)
            return ops.MatMul.apply(a, b)
        except ValueError as error:
            raise RuntimeError(
                f"matmul: batch dimensions of shapes {tuple(a.shape)} and {tuple(b.shape)} do not "
                f"broadcast"
            ) from error

    # -------------------------------------------------------------------------- in-place ops

    def _inplace(self, function: type[Function], *others: Tensor, **params: Any) -> Tensor:
        """Compute ``function(self, *others)`` and write the result into self's memory.

        With grad mode on and something requiring grad, the op is recorded: self becomes the
        op's output, and the op's input is a snapshot of self's old value and history.
        """
        record = GradMode.enabled and (
            self._requires_grad or any(other._requires_grad for other in others)
        )
        if record and self._made_in_no_grad:
            raise RuntimeError(
                f"A view was created in no_grad mode and is being modified inplace with grad mode "
                f"enabled ({function.__name__}). Given that this use case is ambiguous and error-"
                "prone, it is forbidden. Make the view outside no_grad, or clone() it."
            )
        if record and self._multi_output_view:
            raise multiple_views_error(self, "is being modified inplace")
        if GradMode.enabled and self._requires_grad and self.grad_fn is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation. "
                "Wrap the update in `with tinygrad_edu.no_grad():` or use an out-of-place op."
            )
        base = self._base if self._view_fn is not None else None
        if record and base is not None and base.grad_fn is None and base._requires_grad:
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place "
                f"operation ({function.__name__}). Wrap it in `with tinygrad_edu.no_grad():`, "
                "or change a clone() of the leaf instead."
            )
        if not self._data.flags.writeable and self._data.size > 0:
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to "
                f"a single memory location (in-place {function.__name__} on an expanded view). "
                "Please clone() the tensor before performing the operation."
            )
        recorder = CaptureState.recorder  # tinygrad_edu.jit capturing a step, or None
        if record:
            snapshot = Tensor._wrap(self._data.copy(), self._requires_grad)
            if recorder is not None:
                recorder.note_clone(snapshot._data, self._data)
            snapshot.grad_fn = self.grad_fn
            view_fn = self._view_fn
            if base is not None and view_fn is not None and self.grad_fn is not None:
                # The old value of a view, as a view of the base's history made anew (torch's
                # CopySlices does the same): the hooks on the view's node do not see the
                # gradient of the value this write replaces.
                with enable_grad():
                    snapshot.grad_fn = view_fn(base).grad_fn
            result = function.apply(snapshot, *others, **params)
        else:
            result = function.apply(self, *others, **params)
        if result.shape != self.shape:
            raise RuntimeError(
                f"in-place {function.__name__}: output with shape {tuple(self.shape)} doesn't "
                f"match the "
                f"broadcast shape {tuple(result.shape)}"
            )
        if not dtypes.can_cast_in_place(result._data.dtype, self._data.dtype):
            raise RuntimeError(
                f"in-place {function.__name__}: result type {result.dtype} can't be cast to the "
                f"desired output type {self.dtype}"
            )
        if self._data.size > 0:  # an empty expanded view is read-only, with nothing to write
            # (checked just above, by torch's rule: int64 into uint8 wraps around)
            np.copyto(self._data, result._data, casting="unsafe")
            if recorder is not None:
                recorder.note_write(self, result._data)
        self._version.value += 1
        if record and base is not None:
            self._rebase_through_view(base, result.to(self.dtype))
        elif record:
            result = result.to(self.dtype)
            previous, previous_output = self.grad_fn, self._output_nr
            self.grad_fn = result.grad_fn
            self._output_nr = result._output_nr
            self._requires_grad = True
            self._keep_retained_grad(previous, previous_output)
        return self

    def _keep_retained_grad(self, previous: Context | None, previous_output: int) -> None:
        """A retained gradient is the gradient of the tensor's newest version, as in torch: when
        an in-place op gives self a new node, retain_grad moves from the old node to it."""
        if previous is None or previous.retained is None or previous is self.grad_fn:
            return
        retained = previous.retained.get(previous_output)
        if retained is not None and retained() is self:
            del previous.retained[previous_output]
            self.retain_grad()

    def _rebase_through_view(self, base: Tensor, value: Tensor) -> None:
        """After writing ``value`` through this view: the base's history becomes
        ``WriteView(old base history, value)``, and the view's is made again from it."""
        assert self._view_fn is not None
        old_base = Tensor._wrap(base._data, base._requires_grad)
        old_base.grad_fn = base.grad_fn
        new_base = ops.WriteView.apply(old_base, value, view_fn=self._view_fn)
        previous, previous_output = base.grad_fn, base._output_nr
        base.grad_fn, base._output_nr = new_base.grad_fn, 0
        base._requires_grad = True
        base._keep_retained_grad(previous, previous_output)
        previous, previous_output = self.grad_fn, self._output_nr
        self.grad_fn, self._output_nr = self._view_fn(base).grad_fn, 0
        self._requires_grad = True
        self._keep_retained_grad(previous, previous_output)
        self._view_version = self._version.value

    def _inplace_binary(self, function: type[Function], other: Tensor, op: str,
                        **params: Any) -> Tensor:
        """``self._inplace(function, other, **params)`` for an elementwise op, with torch's error
        when the shapes do not broadcast (NumPy's would be a ValueError)."""
        try:
            np.broadcast_shapes(self.shape, other.shape)
        except ValueError:
            raise RuntimeError(
                f"{op}: the size of tensor a {tuple(self.shape)} must match the size of tensor b "
                f"{tuple(other.shape)} (sizes must be equal or 1 when aligned from the last "
                f"dimension)"
            ) from None
        return self._inplace(function, other, **params)

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        """self += alpha * other, in place."""
        # Computed in the promoted dtype (as the out-of-place op), then written in self's.
        _, other = self._promoted(other)
        if alpha != 1:
            other = other * alpha
        return self._inplace_binary(ops.Add, other, "add_")

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        """self -= alpha * other, in place."""
        self._refuse_bool_subtraction(other)
        # Negated in the promoted dtype: -other in other's own dtype could wrap around
        # (a uint8 255 would become 1, an int8 -128 stay -128).
        _, other = self._promoted(other)
        return self.add_(-other, alpha)

    def mul_(self, other: Any) -> Tensor:
        """self *= other, in place."""
        _, other = self._promoted(other)  # computed in the promoted dtype, written in self's
        return self._inplace_binary(ops.Mul, other, "mul_")

    def div_(self, other: Any) -> Tensor:
        """self /= other, in place."""
        _, other = self._floating()._promoted(other)
        return self.mul_(other._floating() ** -1)

    def pow_(self, exponent: Any) -> Tensor:
        """self = self ** exponent, in place."""
        self._check_exponent(exponent, "pow_")
        power = self._in_place_operand(exponent, "pow_")
        return self._inplace_binary(ops.Pow, power, "pow_",
                                    number_exponent=not isinstance(exponent, Tensor))

    # Augmented assignment (``x += y``...) changes x in place, as in torch: without these,
    # Python would fall back to ``x = x + y`` and silently bind x to a new tensor. There is no
    # ``__imatmul__``, as torch has none: ``x @= y`` is ``x = x @ y``, a new tensor.
    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    def __ipow__(self, exponent: Any) -> Tensor:
        return self.pow_(exponent)

    def _in_place_operand(self, other: Any, op: str, kinds: str = "biuf") -> Tensor:
        """``other`` promoted with self, once torch's checks of an in-place op hold: first, the
        promoted dtype must be writable into self's (``can_cast_in_place``); then the op must
        exist for it (its kind among ``kinds``: "biu" for &, |, ^, "iu" for shifts, "iuf" for
        // and %)."""
        promoted, other = self._promoted(other)
        dtype = promoted._data.dtype
        if not dtypes.can_cast_in_place(dtype, self._data.dtype):
            raise RuntimeError(
                f"{op}: result type {promoted.dtype} can't be cast to the desired output type "
                f"{self.dtype}; use the operator out of place (x = x op y) to get the wider dtype"
            )
        if dtype.kind not in kinds:
            raise NotImplementedError(
                f"{op}: not defined for {promoted.dtype} operands (as in torch); convert them "
                "first, e.g. with .long()"
            )
        return other

    def floor_divide_(self, value: Any) -> Tensor:
        """self //= value, in place."""
        other = self._in_place_operand(value, "floor_divide_ (//=)", kinds="iuf")
        return self._inplace_binary(ops.FloorDivide, other, "floor_divide_")

    def remainder_(self, divisor: Any) -> Tensor:
        """self %= divisor, in place."""
        other = self._in_place_operand(divisor, "remainder_ (%=)", kinds="iuf")
        return self._inplace_binary(ops.Remainder, other, "remainder_")

    def _in_place_bitwise(self, other: Any, function: type[Function], op: str,
                          kinds: str = "biu", **params: Any) -> Tensor:
        """An in-place &, |, ^ (``Comparison`` with a ufunc) or shift (``kinds`` "iu"),
        computed on self's array. (In self's dtype: the bits a wider dtype would keep above
        self's width are cut off when written back anyway.)"""
        other = self._in_place_operand(other, op, kinds)
        return self._inplace_binary(function, other, op, **params)

    def bitwise_and_(self, other: Any) -> Tensor:
        """self &= other, in place."""
        return self._in_place_bitwise(other, ops.Comparison, "bitwise_and_ (&=)",
                                      ufunc=np.bitwise_and)

    def bitwise_or_(self, other: Any) -> Tensor:
        """self |= other, in place."""
        return self._in_place_bitwise(other, ops.Comparison, "bitwise_or_ (|=)",
                                      ufunc=np.bitwise_or)

    def bitwise_xor_(self, other: Any) -> Tensor:
        """self ^= other, in place."""
        return self._in_place_bitwise(other, ops.Comparison, "bitwise_xor_ (^=)",
                                      ufunc=np.bitwise_xor)

    def __ifloordiv__(self, other: Any) -> Tensor:
        return self.floor_divide_(other)

    def __imod__(self, other: Any) -> Tensor:
        return self.remainder_(other)

    def __iand__(self, other: Any) -> Tensor:
        return self.bitwise_and_(other)

    def __ior__(self, other: Any) -> Tensor:
        return self.bitwise_or_(other)

    def __ixor__(self, other: Any) -> Tensor:
        return self.bitwise_xor_(other)

    def __ilshift__(self, other: Any) -> Tensor:
        return self._in_place_bitwise(other, ops.LeftShift, "bitwise_left_shift_ (<<=)",
                                      kinds="iu")

    def __irshift__(self, other: Any) -> Tensor:
        return self._in_place_bitwise(other, ops.RightShift, "bitwise_right_shift_ (>>=)",
                                      kinds="iu")

    def fill_(self, value: Any) -> Tensor:
        """Set every element to ``value``, in place."""
        self._assign((Ellipsis,), self._operand(value))
        return self

    def zero_(self) -> Tensor:
        """Set every element to 0, in place."""
        return self.fill_(0)

    def copy_(self, source: Any) -> Tensor:
        """Copy ``source`` (broadcast to self's shape) into self, in place."""
        value = self._operand(source)
        if value is not self:  # copying a tensor onto itself changes nothing (torch allows it)
            refuse_overlap(self._data, value._data)
        self._assign((Ellipsis,), value)
        return self

    def scatter_(self, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
                 reduce: str | None = None) -> Tensor:
        """``scatter`` in place: write ``src`` (or the number ``value``) into self at the
        positions ``index`` names along ``dim``, and return self.

        Example:
            >>> import tinygrad_edu as tge
            >>> tge.zeros(5).scatter_(0, tge.tensor(3), value=1)  # a one-hot vector
            tensor([0., 0., 0., 1., 0.])
        """
        axis, positions, source = self._scatter_arguments(
            "scatter_", dim, index, src, value, reduce)
        self._refuse_scatter_overlap(index, source)
        return self._inplace(ops.Scatter, source, dim=axis, index=positions)

    def scatter_add_(self, dim: int, index: Tensor, src: Tensor) -> Tensor:
        """``scatter_add`` in place: add ``src`` into self at the positions ``index`` names
        along ``dim`` (positions named twice get both), and return self."""
        axis, positions, source = self._scatter_arguments(
            "scatter_add_", dim, index, src, None, None)
        self._refuse_scatter_overlap(index, source)
        return self._inplace(ops.ScatterAdd, source, dim=axis, index=positions)

    def _refuse_scatter_overlap(self, index: Tensor, source: Tensor) -> None:
        """torch refuses an in-place scatter whose index or src shares memory with self."""
        for other in (index._data, source._data):
            if np.may_share_memory(self._data, other) and np.shares_memory(self._data, other):
                raise RuntimeError(
                    "unsupported operation: some elements of the input tensor and the written-to "
                    "tensor refer to a single memory location. Please clone() the tensor before "
                    "performing the operation."
                )

    def _assign(self, index: Any, value: Tensor) -> None:
        """self[index] = value through ``SetItem``, ``index`` already normalized."""
        if value.dtype != self.dtype:
            value = value.to(self.dtype)
        self._inplace(ops.SetItem, value, index=index)

    def __setitem__(self, index: Any, value: Any) -> None:
        value_tensor = self._operand(value)
        normalized = normalize_index(index)
        fill_under_mask = (isinstance(index, Tensor) and index.dtype == dtypes.bool_
                           and value_tensor.numel() == 1)
        if (has_array_index(normalized) and isinstance(value, Tensor)
                and value.dtype != self.dtype and not fill_under_mask):
            # torch's index_put (every write at integer or mask indices, except one value
            # under a single mask, which is a masked fill) does not convert the value.
            raise RuntimeError(
                "Index put requires the source and destination dtypes match, got "
                f"{self.dtype} for the destination and {value.dtype} for the source; convert "
                f"the value first with .to({self.dtype})"
            )
        if has_array_index(normalized):
            # Writes at array indices (torch's index_put) are scattered: a value in self's own
            # memory, even all of it (x[[1, 0]] = x), would be read while it is overwritten, so
            # torch refuses it too, except where its memory-layout rule cannot tell.
            if np.may_share_memory(self._data, value_tensor._data) and np.shares_memory(
                    self._data, value_tensor._data):
                raise RuntimeError(
                    "unsupported operation: some elements of the input tensor and the written-to "
                    "tensor refer to a single memory location. Please clone() the tensor before "
                    "performing the operation (the value of a write at array indices is read "
                    "from the memory being written)."
                )
        else:
            target = self._data[normalized] if normalized else self._data
            refuse_overlap(target, value_tensor._data)
        self._assign(normalized, value_tensor)

    # ``type`` and the dtype shortcuts come last: inside the class body their names would hide
    # the built-ins type, float, int and bool in the annotations above.
    def type(self, dtype: Any = None, non_blocking: bool = False) -> Any:
        """Without an argument, torch's name of the tensor's legacy type ('torch.FloatTensor'
        for float32, the same string as torch's, so scripts that compare it run unchanged);
        with one (a dtype, a legacy type such as ``DoubleTensor``, or its name), the tensor
        converted to it (self when the dtype is already that).

        Example:
            >>> import tinygrad_edu as tge
            >>> tge.ones(2).type(), tge.ones(2).type("torch.LongTensor")
            ('torch.FloatTensor', tensor([1, 1]))
        """
        from tinygrad_edu import legacy

        if dtype is None:
            return legacy.type_name(self.dtype)
        return self.to(legacy.dtype_of(dtype))

    def float(self) -> Tensor:
        """This tensor as float32."""
        return self.to(dtypes.float32)

    def double(self) -> Tensor:
        """This tensor as float64."""
        return self.to(dtypes.float64)

    def long(self) -> Tensor:
        """This tensor as int64."""
        return self.to(dtypes.int64)

    def int(self) -> Tensor:
        """This tensor as int32."""
        return self.to(dtypes.int32)

    def bool(self) -> Tensor:
        """This tensor as bool."""
        return self.to(dtypes.bool_)

    def half(self) -> Tensor:
        """This tensor as float16."""
        return self.to(dtypes.float16)


def as_tensors(values: Sequence[Any]) -> list[Tensor]:
    """Turn a sequence of Tensors/arrays/numbers into Tensors (used by cat, stack, where)."""
    return [value if isinstance(value, Tensor) else Tensor(value) for value in values]
