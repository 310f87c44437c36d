"""Containers of modules: ``Sequential`` (a pipeline) and ``ModuleList`` (a registered list).

Both name their children "0", "1", ..., so parameter names read "0.weight", "1.bias" as in torch.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterable, Iterator

from tinygrad_edu.nn.module import Module, add_indent


def _index(position: int, length: int, container: str) -> int:
    """A non-negative position for ``position`` (negatives count from the end)."""
    if not -length <= position < length:
        raise IndexError(f"index {position} is out of range for {container} of length {length}")
    return position % length


class Sequential(Module):
    """Modules applied one after another: ``Sequential(a, b)(x) == b(a(x))``.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> model = nn.Sequential(nn.Linear(784, 64), nn.ReLU())
        >>> model
        Sequential(
          (0): Linear(in_features=784, out_features=64, bias=True)
          (1): ReLU()
        )
        >>> model(tge.ones(2, 784)).shape
        Size([2, 64])
    """

    def __init__(self, *modules: Any) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for position, module in enumerate(modules):
                self.add_module(str(position), module)

    def forward(self, input: Any) -> Any:
        """Feed ``input`` through every module in order."""
        for module in self._modules.values():
            if module is not None:
                input = module(input)
        return input

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))
        return items[_index(index, len(items), "Sequential")][1]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters the parent module sees (a plain list would hide them).

    Example:
        >>> from tinygrad_edu import nn
        >>> layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
        >>> len(list(layers.parameters()))
        6
        >>> layers
        ModuleList(
          (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)
        )
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index: int | slice) -> Any:
        values = [module for module in self._modules.values() if module is not None]
        if isinstance(index, slice):
            return ModuleList(values[index])
        return values[_index(index, len(values), "ModuleList")]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(str(_index(index, len(self), "ModuleList")), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._modules.values())

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Add every module of ``modules`` at the end; returns self."""
        for module in modules:
            self.append(module)
        return self

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """A ModuleList has no forward of its own: iterate over it in the parent's forward."""
        raise NotImplementedError(
            "ModuleList is not callable: iterate over it in your module's forward instead"
        )

    def __repr__(self) -> str:
        # Like torch: runs of children with the same repr print once, as "(0-2): 3 x ...".
        reprs = [repr(module) for module in self]
        if not reprs:
            return "ModuleList()"
        runs: list[list[Any]] = []  # [first index, last index, repr]
        for position, text in enumerate(reprs):
            if runs and runs[-1][2] == text:
                runs[-1][1] = position
            else:
                runs.append([position, position, text])
        lines = []
        for first, last, text in runs:
            if first == last:
                line = f"({first}): {text}"
            else:
                line = f"({first}-{last}): {last - first + 1} x {text}"
            lines.append(add_indent(line, 2))
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"
