"""In-place ops of ``Tensor``: ``add_``, ``sub_``, ``mul_``, ``div_``, ``fill_``, ``zero_``,
``copy_`` and ``t[index] = value``, all through one mechanism, ``_inplace``.

torch's rules: an in-place op on a leaf that requires grad is refused outside ``no_grad``; every
in-place op bumps the tensor's version counter, so a backward that saved the old value refuses
to run; with grad mode on, an in-place op on a computed tensor is recorded like any other op.

Through a view (``base[0].add_(w)``, ``x.T.mul_(2)``), the memory written is the base's, and so
is the history: the base gets a new node, ``WriteView`` (torch's CopySlices), whose inputs are
the base's old history and the view's new value, and the view's history is made again from the
base's new one. A view of a leaf that requires grad is refused, as in torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tinygrad_edu import ops
import tinygrad_edu.tensor as tensor_module
from tinygrad_edu.grad_mode import GradMode
from tinygrad_edu.ops.movement import has_array_index
from tinygrad_edu.tensor_shape import normalize_index

if TYPE_CHECKING:
    from tinygrad_edu.function import Function
    from tinygrad_edu.tensor import Tensor


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


class InPlaceMethods:
    """In-place methods of ``Tensor``."""

    __slots__ = ()

    def _inplace(self: Tensor, function: type[Function], *others: Tensor, **params: Any) -> Tensor:
        """Compute ``function(self, *others)`` and write the result into self's memory.

        With grad mode on and something requiring grad, the op is recorded: self becomes the
        op's output, and the op's input is a snapshot of self's old value and history.
        """
        record = GradMode.enabled and (
            self._requires_grad or any(other._requires_grad for other in others)
        )
        if GradMode.enabled and self._made_in_no_grad:
            raise RuntimeError(
                f"A view was created in no_grad mode and is being modified inplace with grad mode "
                f"enabled ({function.__name__}). Given that this use case is ambiguous and error-"
                "prone, it is forbidden. Make the view outside no_grad, or clone() it."
            )
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
        if not self.data.flags.writeable:
            raise RuntimeError(
                f"in-place {function.__name__}: this tensor is an expanded (read-only) view; "
                "clone() it before modifying it in place."
            )
        if record:
            snapshot = tensor_module.Tensor._wrap(self.data.copy(), self._requires_grad)
            snapshot.grad_fn = self.grad_fn
            result = function.apply(snapshot, *others, **params)
        else:
            result = function.apply(self, *others, **params)
        if result.shape != self.shape:
            raise RuntimeError(
                f"in-place {function.__name__}: output with shape {self.shape} doesn't match the "
                f"broadcast shape {result.shape}"
            )
        if not np.can_cast(result.dtype, self.dtype, casting="same_kind"):
            raise RuntimeError(
                f"in-place {function.__name__}: result type {result.dtype} can't be cast to the "
                f"desired output type {self.dtype}"
            )
        np.copyto(self.data, result.data, casting="same_kind")
        self._version.value += 1
        if record and base is not None:
            self._rebase_through_view(base, result.to(self.dtype))
        elif record:
            result = result.to(self.dtype)
            previous, previous_output = self.grad_fn, self._output_nr
            self.grad_fn = result.grad_fn
            self._output_nr = result._output_nr
            self._requires_grad = True
            # A retained gradient is the gradient of the tensor's newest version, as in torch.
            if previous is not None and previous.retained is not None:
                retained = previous.retained.get(previous_output)
                if retained is not None and retained() is self:
                    del previous.retained[previous_output]
                    self.retain_grad()
        return self

    def _rebase_through_view(self: Tensor, base: Tensor, value: Tensor) -> None:
        """After writing ``value`` through this view: the base's history becomes
        ``WriteView(old base history, value)``, and the view's is made again from it."""
        assert self._view_fn is not None
        old_base = tensor_module.Tensor._wrap(base.data, base._requires_grad)
        old_base.grad_fn = base.grad_fn
        new_base = ops.WriteView.apply(old_base, value, view_fn=self._view_fn)
        base.grad_fn, base._output_nr = new_base.grad_fn, 0
        base._requires_grad = True
        self.grad_fn, self._output_nr = self._view_fn(base).grad_fn, 0
        self._requires_grad = True
        self._view_version, self._view_base_node = self._version.value, base.grad_fn

    def add_(self: Tensor, other: Any, alpha: float = 1) -> Tensor:
        """self += alpha * other, in place."""
        other = self._operand(other)
        if alpha != 1:
            other = other * alpha
        return self._inplace(ops.Add, other)

    def sub_(self: Tensor, other: Any, alpha: float = 1) -> Tensor:
        """self -= alpha * other, in place."""
        return self.add_(-self._operand(other), alpha)

    def mul_(self: Tensor, other: Any) -> Tensor:
        """self *= other, in place."""
        return self._inplace(ops.Mul, self._operand(other))

    def div_(self: Tensor, other: Any) -> Tensor:
        """self /= other, in place."""
        return self.mul_(self._operand(other) ** -1)

    def fill_(self: Tensor, value: Any) -> Tensor:
        """Set every element to ``value``, in place."""
        self._assign((Ellipsis,), self._operand(value))
        return self

    def zero_(self: Tensor) -> Tensor:
        """Set every element to 0, in place."""
        return self.fill_(0)

    def copy_(self: Tensor, source: Any) -> Tensor:
        """Copy ``source`` (broadcast to self's shape) into self, in place."""
        value = self._operand(source)
        if value is not self:  # copying a tensor onto itself changes nothing (torch allows it)
            refuse_overlap(self.data, value.data)
        self._assign((Ellipsis,), value)
        return self

    def _assign(self: Tensor, index: Any, value: Tensor) -> None:
        """self[index] = value through ``SetItem``, ``index`` already normalized."""
        if value.dtype != self.dtype:
            value = value.to(self.dtype)
        self._inplace(ops.SetItem, value, index=index)

    def __setitem__(self: Tensor, index: Any, value: Any) -> None:
        value_tensor = self._operand(value)
        normalized = normalize_index(index)
        if has_array_index(normalized):
            target: np.ndarray = self.data
        else:
            target = self.data[normalized] if normalized else self.data
        refuse_overlap(target, value_tensor.data)
        self._assign(normalized, value_tensor)
