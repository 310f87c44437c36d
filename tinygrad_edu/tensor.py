"""``Tensor``: a NumPy array plus what autograd needs (``requires_grad``, ``grad``, ``grad_fn``).

The class is split by topic so that each file stays short: this file holds construction,
conversion and the autograd methods; ``tensor_math.py`` the arithmetic, elementwise functions and
reductions; ``tensor_shape.py`` reshaping, indexing and matmul; ``tensor_inplace.py`` the
in-place ops.
"""

from __future__ import annotations

import weakref
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from tinygrad_edu import dtypes, ops
from tinygrad_edu.function import Context
from tinygrad_edu.grad_mode import enable_grad
from tinygrad_edu.tensor_inplace import InPlaceMethods
from tinygrad_edu.tensor_math import MathMethods
from tinygrad_edu.tensor_shape import ShapeMethods


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


class Tensor(MathMethods, ShapeMethods, InPlaceMethods):
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
        "data", "grad", "grad_fn", "_output_nr", "_requires_grad", "_version", "_base",
        "_view_fn", "_view_version", "_view_base_node", "_made_in_no_grad", "_hooks",
        "__weakref__",
    )
    # Make NumPy hand ``array * tensor`` over to Tensor.__rmul__ instead of looping over it.
    __array_ufunc__ = None

    data: np.ndarray
    grad: Tensor | None
    grad_fn: Context | None
    _output_nr: int  # which output of ``grad_fn``'s op this tensor is (ops may have several)
    _requires_grad: bool
    _version: VersionCounter
    _base: Tensor | None
    # For a view: how to make it again from ``_base`` with Tensor ops (in-place ops need it).
    _view_fn: Callable[[Tensor], Tensor] | None
    # A view made under no_grad of a tensor that requires grad: it requires grad too (torch),
    # but no gradient flows through it, and it may not be changed in place with grad mode on.
    _made_in_no_grad: bool
    # For a view: the version of the shared memory when its history was last made, and the
    # base's node then. After an in-place change of the base the history is made again.
    _view_version: int
    _view_base_node: Context | None
    _hooks: list[Callable[[Tensor], Tensor | None]] | None

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        target = None if dtype is None else dtypes.to_dtype(dtype)
        if isinstance(data, Tensor):
            array = np.array(data.data, dtype=target, copy=True)
        elif isinstance(data, (np.ndarray, np.generic)):
            # NumPy data keeps its dtype, as with torch.tensor(array).
            array = np.array(data, dtype=target, copy=True)
        else:
            try:
                array = np.array(data, dtype=target)
            except (ValueError, TypeError) as error:
                raise TypeError(
                    f"Tensor: cannot convert {type(data).__name__} to a tensor ({error}); pass a "
                    "number, a rectangular nested list or a NumPy array"
                ) from None
            if target is None and array.dtype == dtypes.float64:
                array = array.astype(dtypes.DEFAULT_FLOAT)
        dtypes.check_supported(array.dtype, "Tensor")
        self._init(array, False)
        if requires_grad:
            self.requires_grad = True

    def _init(self, array: np.ndarray, requires_grad: bool) -> None:
        self.data = array
        self.grad = None
        self.grad_fn = None
        self._output_nr = 0
        self._requires_grad = requires_grad
        self._version = VersionCounter()
        self._base = None
        self._view_fn = None
        self._made_in_no_grad = False
        self._view_version = 0
        self._view_base_node = None
        self._hooks = None

    @staticmethod
    def _wrap(array: Any, requires_grad: bool) -> Tensor:
        """Make a Tensor around ``array`` without copying or checking (the ops' fast path)."""
        tensor = Tensor.__new__(Tensor)
        if type(array) is not np.ndarray:
            array = np.asarray(array)
        tensor._init(array, requires_grad)
        return tensor

    # ----------------------------------------------------------------- properties, conversion
    @property
    def requires_grad(self) -> bool:
        """Whether backward computes a gradient for this tensor."""
        if self._view_fn is not None and not self._made_in_no_grad:
            self._refresh_view()
        return self._requires_grad

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

    def _refresh_view(self) -> None:
        """A view whose base was changed in place since its history was made gets its history
        made again from the base's new one (torch does the same). A view made in no_grad may
        not be used once its base's history changed that way (torch's error)."""
        base = self._base
        if base is None or self._view_fn is None or self._view_version == self._version.value:
            return
        if self._made_in_no_grad:
            if not base._requires_grad:
                self._view_version = self._version.value
                return
            raise RuntimeError(
                "A view was created in no_grad mode and its base or another view of its base has "
                "been modified inplace with grad mode enabled. Given that this use case is "
                "ambiguous and error-prone, it is forbidden. Move both the view and the in-place "
                "change inside the no_grad block, or both outside it."
            )
        self._view_version = self._version.value
        if base.grad_fn is self._view_base_node:
            return  # changed without recording (under no_grad): the history still holds
        self._view_base_node = base.grad_fn
        with enable_grad():
            remade = self._view_fn(base)
        self.grad_fn, self._output_nr = remade.grad_fn, remade._output_nr
        self._requires_grad = remade._requires_grad

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than computed by a recorded op."""
        if self._view_fn is not None:
            self._refresh_view()
        return self.grad_fn is None

    @property
    def shape(self) -> tuple[int, ...]:
        """The size of each dimension."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        """The element type, a NumPy dtype."""
        return self.data.dtype

    def dim(self) -> int:
        """The number of dimensions (torch's method spelling)."""
        return self.data.ndim

    def size(self, dim: int | None = None) -> Any:
        """The shape, or the size of dimension ``dim``."""
        if dim is None:
            return self.data.shape
        if not -self.ndim <= dim < self.ndim:
            raise IndexError(
                f"size: Dimension out of range (expected to be in range of [{-self.ndim}, "
                f"{self.ndim - 1}], but got {dim})"
            )
        return self.data.shape[dim]

    def numel(self) -> int:
        """The number of elements."""
        return int(self.data.size)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[index] for index in range(self.data.shape[0]))

    def __hash__(self) -> int:
        return id(self)

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array sharing memory with the tensor."""
        if self._requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        return self.data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self.data.size} elements cannot be converted to Scalar"
            )
        return self.data.item()

    def tolist(self) -> Any:
        """The data as (nested) Python lists of numbers."""
        return self.data.tolist()

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous (it has "
                f"{self.data.size}); use .any() or .all()"
            )
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __repr__(self) -> str:
        data = self.data
        finite = data[np.isfinite(data)] if data.dtype.kind == "f" else data
        # Like torch: whole numbers print as "1.", others with 4 decimals.
        fixed = data.dtype.kind == "f" and bool(np.any(finite != np.round(finite)))
        body = np.array2string(data, separator=", ", prefix="tensor(",
                               precision=4 if fixed else None,
                               floatmode="fixed" if fixed else "maxprec")
        parts = [f"tensor({body}"]
        if self.dtype not in (dtypes.DEFAULT_FLOAT, dtypes.int64, dtypes.bool_):
            parts.append(f"dtype={self.dtype}")
        if self.grad_fn is not None:
            parts.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self._requires_grad:
            parts.append("requires_grad=True")
        return ", ".join(parts) + ")"

    def to(self, dtype: Any) -> Tensor:
        """This tensor converted to ``dtype`` (differentiable); ``to("cpu")`` returns self."""
        if isinstance(dtype, str) and dtype == "cpu":
            return self
        target = dtypes.to_dtype(dtype)
        if target == self.dtype:
            return self
        return ops.Cast.apply(self, dtype=target)

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
        detached = Tensor._wrap(self.data, False)
        detached._version = self._version
        return detached

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return self."""
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this computed (non-leaf) tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            if self.grad_fn.retained is None:
                self.grad_fn.retained = {}
            self.grad_fn.retained[self._output_nr] = weakref.ref(self)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned Tensor
        replaces the gradient."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
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

    # The dtype shortcuts come last: inside the class body their names would hide the
    # built-in types float, int and bool in the annotations above.
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


def as_tensors(values: Sequence[Any]) -> list[Tensor]:
    """Turn a sequence of Tensors/arrays/numbers into Tensors (used by cat, stack, where)."""
    return [value if isinstance(value, Tensor) else Tensor(value) for value in values]
