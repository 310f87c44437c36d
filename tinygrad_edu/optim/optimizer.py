"""``Optimizer``: the base class of every optimiser, with param groups, state and checkpoints.

An optimiser holds ``param_groups``, a list of dicts; each has a ``"params"`` list of leaf
tensors and its own hyperparameters (``"lr"``, ``"momentum"``, ...), filled in from the
optimiser's ``defaults`` where the group leaves them out. ``state`` maps each parameter tensor to
a dict of NumPy arrays (momentum buffers, moment estimates) and step counts; like torch's,
it is a ``defaultdict``, so ``state[param]`` is an empty dict before the first step.

Subclasses implement ``step()``: they read ``param.grad._data`` and update ``param._data`` in place
with NumPy, outside autograd, and bump the parameter's version counter.
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from typing import Any, Callable, Iterable

import numpy as np

from tinygrad_edu.capture_state import CaptureState, NotCapturableError
from tinygrad_edu.grad_mode import enable_grad
from tinygrad_edu.tensor import Tensor

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]


class Optimizer:
    """Base class: keeps the parameter groups and per-parameter state; ``step`` is abstract.

    Args:
        params: an iterable of tensors, or of dicts (param groups) each with a ``"params"`` entry
            and any hyperparameters that override ``defaults`` for that group.
        defaults: the hyperparameters used where a group does not give its own.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.optim import SGD
        >>> w = tge.tensor([1.0], requires_grad=True)
        >>> b = tge.tensor([0.0], requires_grad=True)
        >>> optimizer = SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
        >>> [group["lr"] for group in optimizer.param_groups]
        [0.1, 0.5]
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                "dicts, but got a Tensor; wrap it in a list: [tensor]"
            )
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups: list[Any] = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (missing ones: ``defaults``).

        Example:
            >>> import tinygrad_edu as tge
            >>> from tinygrad_edu.optim import SGD
            >>> optimizer = SGD([tge.tensor([1.0], requires_grad=True)], lr=0.1)
            >>> optimizer.add_param_group({"params": [tge.tensor([2.0], requires_grad=True)]})
            >>> len(optimizer.param_groups), optimizer.param_groups[1]["lr"]
            (2, 0.1)
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        params = list(params)
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is "
                    f"{type(param).__name__}"
                )
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group = dict(param_group)
        group["params"] = params
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        new_ids = [id(param) for param in params]
        if len(new_ids) != len(set(new_ids)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, "
                "this will cause an error",
                stacklevel=3,
            )
        existing_ids = {id(param) for old in self.param_groups for param in old["params"]}
        if not existing_ids.isdisjoint(new_ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients: ``.grad = None`` (default) or zero them in place.

        Example:
            >>> import tinygrad_edu as tge
            >>> from tinygrad_edu.optim import SGD
            >>> w = tge.tensor([3.0], requires_grad=True)
            >>> optimizer = SGD([w], lr=0.1)
            >>> (w * w).sum().backward()
            >>> optimizer.zero_grad(set_to_none=False)
            >>> w.grad
            tensor([0.])
            >>> optimizer.zero_grad()
            >>> w.grad is None
            True
        """
        if CaptureState.recorder is not None:  # tinygrad_edu.jit: replayed as a call
            CaptureState.recorder.run_as_call(self.zero_grad, set_to_none)
            return
        for group in self.param_groups:
            for param in group["params"]:
                grad = param.grad
                if grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                    continue
                if grad.grad_fn is not None or grad.requires_grad:
                    # A gradient recorded with create_graph: cut it from its graph first.
                    grad = grad.detach()
                    param.grad = grad
                if grad._data.flags.writeable:
                    grad._data.fill(0)
                else:
                    grad._data = np.zeros_like(grad._data)
                grad._version.value += 1

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update the parameters once from their ``.grad``; returns ``closure()`` if given.

        ``closure`` (optional) recomputes the loss and its gradients first. The update rule is
        each optimiser's ``_update``. A subclass may instead override ``step`` itself, as in
        torch.
        """
        recorder = CaptureState.recorder  # tinygrad_edu.jit capturing a step, or None
        if recorder is None:
            loss = self._evaluate_closure(closure)
            self._update()
            return loss
        if closure is not None:
            raise NotCapturableError(
                "optimizer.step(closure) inside a function compiled with tinygrad_edu.jit: "
                "call the forward and backward in the step itself, then optimizer.step()"
            )
        recorder.run_as_call(self._update)  # replayed as a call: it reads lr and state anew
        return None

    def _update(self) -> None:
        """Update every parameter that has a gradient once: the optimiser's rule."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement step(closure=None) (or _update())"
        )

    def _evaluate_closure(self, closure: Callable[[], Any] | None) -> Any:
        """Call ``closure`` (which recomputes the loss and its gradients) with grad mode on."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ------------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """The optimiser's state in torch's format, with copied arrays.

        ``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``, where a
        parameter's index is its position counting through all groups in order.

        Example:
            >>> import tinygrad_edu as tge
            >>> from tinygrad_edu.optim import SGD
            >>> w = tge.tensor([1.0], requires_grad=True)
            >>> optimizer = SGD([w], lr=0.1, momentum=0.9)
            >>> (w * w).sum().backward()
            >>> optimizer.step()
            >>> saved = optimizer.state_dict()
            >>> saved["state"][0]["momentum_buffer"], saved["param_groups"][0]["params"]
            (array([2.], dtype=float32), [0])
        """
        index_of: dict[int, int] = {}
        packed_groups = []
        for group in self.param_groups:
            packed = {key: copy.deepcopy(value) for key, value in group.items() if key != "params"}
            indices = []
            for param in group["params"]:
                index_of.setdefault(id(param), len(index_of))
                indices.append(index_of[id(param)])
            packed["params"] = indices
            packed_groups.append(packed)
        packed_state = {}
        for param, state in self.state.items():
            packed_state[index_of[id(param)]] = {
                key: _copy_value(value, None) for key, value in state.items()
            }
        return {"state": packed_state, "param_groups": packed_groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and state saved by ``state_dict`` (arrays are copied).

        The optimiser must have been built with the same number of groups, each with the same
        number of parameters; saved state arrays must have their parameter's shape.

        Example:
            >>> import tinygrad_edu as tge
            >>> from tinygrad_edu.optim import SGD
            >>> w = tge.tensor([1.0], requires_grad=True)
            >>> first = SGD([w], lr=0.1, momentum=0.9)
            >>> (w * w).sum().backward()
            >>> first.step()
            >>> second = SGD([w], lr=0.5)
            >>> second.load_state_dict(first.state_dict())
            >>> second.param_groups[0]["lr"], second.state[w]["momentum_buffer"]
            (0.1, array([2.], dtype=float32))
        """
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                "loaded state dict has a different number of parameter groups: it has "
                f"{len(saved_groups)}, this optimizer has {len(self.param_groups)}"
            )
        for index, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size "
                    f"of optimizer's group: group {index} has {len(saved['params'])} parameters "
                    f"in the state dict and {len(group['params'])} in this optimizer"
                )
        param_of: dict[Any, Tensor] = {}
        for group, saved in zip(self.param_groups, saved_groups):
            param_of.update(zip(saved["params"], group["params"]))
        new_state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, saved_state in state_dict["state"].items():
            if key not in param_of:
                raise ValueError(
                    f"loaded state dict has state for parameter {key!r}, which no parameter "
                    "group lists"
                )
            param = param_of[key]
            new_state[param] = {
                name: _copy_value(value, param, name) for name, value in saved_state.items()
            }
        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            new_group = {
                key: copy.deepcopy(value) for key, value in saved.items() if key != "params"
            }
            new_group["params"] = group["params"]
            new_groups.append(new_group)
        self.state = new_state
        self.param_groups = new_groups

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for index, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {index}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _copy_value(value: Any, param: Tensor | None, name: str = "") -> Any:
    """A copy of one state entry; arrays (and Tensors) become NumPy arrays.

    With ``param`` given (loading), floating arrays take the parameter's dtype and must have its
    shape, and a saved step count (torch keeps it as a 0-d tensor) becomes an int.
    """
    if isinstance(value, Tensor):
        value = value._data
    if name == "step":
        return int(np.asarray(value).item())
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.array(value, copy=True)
        if param is not None:
            if array.shape != param.shape:
                raise ValueError(
                    f"loaded state dict has '{name}' of shape {tuple(array.shape)} for a "
                    f"parameter of "
                    f"shape {tuple(param.shape)}; was it saved from a different model?"
                )
            if array.dtype.kind == "f":
                array = array.astype(param.dtype, copy=False)
        return array
    return copy.deepcopy(value)


def signed_decayed_grad(
    grad: np.ndarray, data: np.ndarray, weight_decay: float, maximize: bool
) -> np.ndarray:
    """``g = (-grad if maximize else grad) + weight_decay * param``.

    Returns ``grad`` itself when nothing changes it (callers must not write to the result then),
    otherwise a new array.

    Example:
        >>> import numpy as np
        >>> signed_decayed_grad(np.array([1.0, -2.0]), np.array([10.0, 10.0]), 0.1, True)
        array([0., 3.])
    """
    if maximize:
        grad = np.negative(grad)
    if weight_decay != 0:
        decayed = np.multiply(data, weight_decay)
        decayed += grad
        grad = decayed
    return grad


def lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """``start <- start + weight * (end - start)`` in place, rounded like torch's ``lerp_``.

    torch uses ``end - (end - start) * (1 - weight)`` when ``|weight| >= 0.5``.

    Example:
        >>> import numpy as np
        >>> average = np.array([0.0, 4.0])
        >>> lerp_(average, np.array([1.0, 0.0]), 0.25)
        >>> average
        array([0.25, 3.  ])
    """
    difference = np.subtract(end, start)
    if abs(weight) < 0.5:
        difference *= weight
        start += difference
    else:
        difference *= 1 - weight
        np.subtract(end, difference, out=start)


def add_product_(target: np.ndarray, value: float, first: np.ndarray,
                 second: np.ndarray) -> None:
    """``target <- target + value * first * second`` in place (torch's ``addcmul_``).

    Example:
        >>> import numpy as np
        >>> target = np.array([1.0, 1.0])
        >>> add_product_(target, 0.5, np.array([2.0, 4.0]), np.array([3.0, 1.0]))
        >>> target
        array([4., 3.])
    """
    product = np.multiply(first, value)
    product *= second
    target += product


def add_quotient_(target: np.ndarray, value: float, numerator: np.ndarray,
                  denominator: np.ndarray) -> None:
    """``target <- target + value * numerator / denominator`` in place (torch's ``addcdiv_``).

    Example:
        >>> import numpy as np
        >>> target = np.array([1.0, 1.0])
        >>> add_quotient_(target, -1.0, np.array([2.0, 4.0]), np.array([4.0, 2.0]))
        >>> target
        array([ 0.5, -1. ])
    """
    quotient = np.multiply(numerator, value)
    quotient /= denominator
    target += quotient


def parameter_arrays(param: Tensor) -> tuple[np.ndarray, np.ndarray]:
    """``(value, gradient)``: the NumPy arrays of a parameter and of its ``.grad``.

    Read through ``detach().numpy()``, which shares memory with the tensor (as in torch), so a
    step that writes into ``value`` updates the parameter in place, outside autograd. The caller
    bumps the parameter's version counter afterwards.

    Example:
        >>> import tinygrad_edu as tge
        >>> w = tge.tensor([1.0, 2.0], requires_grad=True)
        >>> w.grad = tge.tensor([0.5, 0.5])
        >>> value, gradient = parameter_arrays(w)
        >>> value -= gradient
        >>> w
        tensor([0.5000, 1.5000], requires_grad=True)
    """
    assert param.grad is not None, "parameter_arrays needs a parameter with a gradient"
    return param.detach().numpy(), param.grad.detach().numpy()
