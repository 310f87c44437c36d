"""``Module``, the base of every layer (its ``Parameter``s are in parameter.py).

A module finds its parameters and submodules the plain way: assigning ``self.weight =
Parameter(...)`` or ``self.layer = Linear(...)`` in ``__init__`` goes through ``__setattr__``,
which files the value in ``_parameters`` or ``_modules`` by its type. Everything else
(``parameters()``, ``state_dict()``, ``train()``, ``repr``) walks those two dictionaries, in
the order the attributes were assigned, exactly as torch does, so names and order match torch's.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterator, Mapping, NamedTuple

import numpy as np

from tinygrad_edu import devices, dtypes
from tinygrad_edu.capture_state import CaptureState
from tinygrad_edu.grad_mode import no_grad
from tinygrad_edu.nn.parameter import Parameter
from tinygrad_edu.tensor import Tensor


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` returns: the keys that did not match (``strict=False``).

    It prints as torch's does: ``<All keys matched successfully>`` when both lists are empty,
    otherwise with the name of torch's class, ``_IncompatibleKeys(missing_keys=[...], ...)``.

    Example:
        >>> IncompatibleKeys([], [])
        <All keys matched successfully>
        >>> IncompatibleKeys(["bias"], ["extra"])
        _IncompatibleKeys(missing_keys=['bias'], unexpected_keys=['extra'])
    """

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys!r}, "
                f"unexpected_keys={self.unexpected_keys!r})")


def add_indent(text: str, spaces: int) -> str:
    """Indent every line of ``text`` but the first (how torch nests child reprs)."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


class Module:
    """Base class of layers and models: holds parameters, buffers and submodules.

    Subclasses assign parameters and submodules as attributes in ``__init__`` (after calling
    ``super().__init__()``) and define ``forward``; calling the module calls ``forward``.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> class TwoLayers(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.hidden = nn.Linear(4, 3)
        ...         self.output = nn.Linear(3, 2)
        ...     def forward(self, x):
        ...         return self.output(self.hidden(x).relu())
        >>> model = TwoLayers()
        >>> [name for name, _ in model.named_parameters()]
        ['hidden.weight', 'hidden.bias', 'output.weight', 'output.bias']
        >>> model(tge.ones(5, 4)).shape
        Size([5, 2])
    """

    training: bool
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _modules: dict[str, Module | None]

    def __init__(self) -> None:
        # object.__setattr__: our own __setattr__ needs these dictionaries to exist already.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation of the module; subclasses define it."""
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if CaptureState.recorder is not None:  # tinygrad_edu.jit: a replay needs this mode
            CaptureState.recorder.note_module(self)
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------------------ registration
    def _check_initialized(self, name: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign '{name}' before Module.__init__() call; call "
                "super().__init__() first in your module's __init__"
            )

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Parameter):
            self._check_initialized(name)
            self._forget(name)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._check_initialized(name)
            self._forget(name)
            self._modules[name] = value
        elif "_parameters" in self.__dict__ and name in self._parameters:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                    "(nn.Parameter or None expected)"
                )
            self._parameters[name] = None
        elif "_modules" in self.__dict__ and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' "
                    "(nn.Module or None expected)"
                )
            self._modules[name] = None
        elif "_buffers" in self.__dict__ and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                    "(Tensor or None expected)"
                )
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str) -> None:
        """Remove ``name`` from every place it might be registered (before re-registering)."""
        self.__dict__.pop(name, None)
        self._parameters.pop(name, None)
        self._buffers.pop(name, None)
        self._modules.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: parameters, buffers and modules live in dicts.
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, parameter: Parameter | None) -> None:
        """Register ``parameter`` (or None, a declared but absent parameter) under ``name``."""
        if parameter is not None and not isinstance(parameter, Parameter):
            raise TypeError(
                f"cannot assign '{type(parameter).__name__}' object to parameter '{name}' "
                "(nn.Parameter or None required)"
            )
        self._check_initialized(name)
        self._forget(name)
        self._parameters[name] = parameter

    def register_buffer(self, name: str, tensor: Tensor | None) -> None:
        """Register a tensor that is state but not learned; it appears in ``state_dict``."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                "(Tensor or None required)"
            )
        self._check_initialized(name)
        self._forget(name)
        self._buffers[name] = tensor

    def add_module(self, name: str, module: Module | None) -> None:
        """Register a submodule under ``name`` (any string, e.g. "0" in Sequential)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._check_initialized(name)
        self._forget(name)
        self._modules[name] = module

    # ---------------------------------------------------------------------------- traversal
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and all submodules, depth first, each once, with dotted names."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [
                (f"{name}.{child_name}" if name else child_name, child)
                for child_name, child in module._modules.items() if child is not None
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and all submodules, depth first."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct submodules with their names."""
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        """The direct submodules."""
        for _, module in self.named_children():
            yield module

    def named_parameters(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Every parameter with its dotted name ("0.weight"), each shared one once."""
        seen: set[int] = set()
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for module_name, module in modules:
            for name, parameter in module._parameters.items():
                if parameter is None or id(parameter) in seen:
                    continue
                seen.add(id(parameter))
                yield (f"{module_name}.{name}" if module_name else name), parameter

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter, in registration order (what an optimiser is given)."""
        for _, parameter in self.named_parameters(recurse=recurse):
            yield parameter

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        """Every buffer with its dotted name."""
        for module_name, module in self.named_modules(prefix):
            for name, buffer in module._buffers.items():
                if buffer is not None:
                    yield (f"{module_name}.{name}" if module_name else name), buffer

    def buffers(self) -> Iterator[Tensor]:
        """Every buffer."""
        for _, buffer in self.named_buffers():
            yield buffer

    # ------------------------------------------------------------------------------- modes
    def train(self, mode: bool = True) -> Module:
        """Set training mode (Dropout active) on this module and every submodule; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Set evaluation mode (Dropout is the identity); same as ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (freeze with False); returns self."""
        for parameter in self.parameters():
            parameter.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of every parameter: to None (default) or to zeros in place."""
        if CaptureState.recorder is not None:  # tinygrad_edu.jit: replayed as a call
            CaptureState.recorder.run_as_call(self.zero_grad, set_to_none)
            return
        for parameter in self.parameters():
            if parameter.grad is None:
                continue
            if set_to_none:
                parameter.grad = None
            else:
                if parameter.grad.grad_fn is not None or parameter.grad.requires_grad:
                    parameter.grad = parameter.grad.detach()
                with no_grad():
                    parameter.grad.zero_()

    def to(self, *args: Any, dtype: Any = None, device: Any = None,
           non_blocking: bool = False) -> Module:
        """Convert every floating parameter and buffer to a dtype, in place, and return self.

        torch's forms: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(tensor)`` or
        keywords. The objects stay the same, so an optimiser built before still holds them.
        The only device is the CPU, so a device is checked and changes nothing.

        Example:
            >>> from tinygrad_edu import nn
            >>> model = nn.Linear(2, 1)
            >>> model.to("cpu") is model
            True
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
        devices.check_device(device, "Module.to")
        if dtype is None:
            return self
        target = dtypes.to_dtype(dtype)
        if not dtypes.is_floating(target):
            raise TypeError(f"Module.to only accepts floating point dtypes, got {target}")
        for tensor in [*self.parameters(), *self.buffers()]:
            if tensor.dtype.kind == "f" and tensor.dtype != target:
                tensor._data = tensor._data.astype(target)
                tensor._version.value += 1
                if tensor.grad is not None:
                    tensor.grad = Tensor._wrap(tensor.grad._data.astype(target), False)
        return self

    def cpu(self) -> Module:
        """Returns self: parameters and buffers always live on the CPU."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """Refused: tinygrad_edu has no GPU backend (RuntimeError)."""
        devices.check_device("cuda" if device is None else device, "Module.cuda")
        raise RuntimeError("Module.cuda: tinygrad_edu has no GPU backend yet; use .to('cpu')")

    def double(self) -> Module:
        """Convert floating parameters and buffers to float64; returns self."""
        return self.to(dtypes.float64)

    def float(self) -> Module:
        """Convert floating parameters and buffers to float32; returns self."""
        return self.to(dtypes.float32)

    # ------------------------------------------------------------------------- state dict
    def state_dict(self) -> OrderedDict[str, Tensor]:
        """Name -> a detached copy of every parameter and buffer, with torch's key names.

        Unlike torch the values are copies, not views: a state dict saved during training
        (say, the best epoch's) does not change when training goes on.

        Example:
            >>> from tinygrad_edu import nn
            >>> [(name, value.shape) for name, value in nn.Linear(3, 2).state_dict().items()]
            [('weight', Size([2, 3])), ('bias', Size([2]))]
        """
        state: OrderedDict[str, Tensor] = OrderedDict()
        for module_name, module in self.named_modules():
            for registry in (module._parameters, module._buffers):
                for name, tensor in registry.items():
                    if tensor is not None:
                        key = f"{module_name}.{name}" if module_name else name
                        state[key] = Tensor._wrap(tensor._data.copy(), False)
        return state

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy values into the existing parameters and buffers, in place, under ``no_grad``.

        Values may be Tensors, NumPy arrays or anything ``numpy.asarray`` converts, which
        includes CPU torch tensors that do not require grad: ``model.load_state_dict(
        torch_model.state_dict())`` works. Values are converted to each parameter's dtype.

        Raises:
            RuntimeError: a key is missing or unexpected (with ``strict=True``), or a value's
                shape differs from the parameter's (always); every problem is listed at once.

        Example:
            >>> from tinygrad_edu import nn
            >>> source, target = nn.Linear(3, 2), nn.Linear(3, 2)
            >>> target.load_state_dict(source.state_dict())
            <All keys matched successfully>
            >>> bool((target.weight == source.weight).all())
            True
        """
        own: dict[str, Tensor] = {}
        for module_name, module in self.named_modules():
            for registry in (module._parameters, module._buffers):
                for name, tensor in registry.items():
                    if tensor is not None:
                        own[f"{module_name}.{name}" if module_name else name] = tensor
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        problems = []
        if strict and missing:
            problems.append("Missing key(s) in state_dict: " + ", ".join(
                f'"{key}"' for key in missing) + ".")
        if strict and unexpected:
            problems.append("Unexpected key(s) in state_dict: " + ", ".join(
                f'"{key}"' for key in unexpected) + ".")
        arrays: dict[str, np.ndarray] = {}
        for key, tensor in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            array = value._data if isinstance(value, Tensor) else np.asarray(value)
            if array.shape != tensor.shape:
                problems.append(
                    f"size mismatch for {key}: copying a param with shape {tuple(array.shape)} "
                    f"from "
                    f"checkpoint, the shape in current model is {tuple(tensor.shape)}."
                )
            arrays[key] = array
        if problems:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(problems)
            )
        with no_grad():
            for key, array in arrays.items():
                own[key].copy_(Tensor._wrap(array.astype(own[key].dtype), False))
        return IncompatibleKeys(missing, unexpected)

    # ----------------------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """The text inside the parentheses of the repr (e.g. "in_features=2, ..."); override."""
        return ""

    def __repr__(self) -> str:
        extra_lines = self.extra_repr().split("\n") if self.extra_repr() else []
        child_lines = [
            f"({name}): " + add_indent(repr(module), 2) for name, module in self._modules.items()
        ]
        lines = extra_lines + child_lines
        text = type(self).__name__ + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"
