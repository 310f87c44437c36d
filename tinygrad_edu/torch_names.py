"""Which of torch's public names tinygrad_edu provides, and a helpful error for the others.

``NAMESPACES`` pairs each torch namespace that learners' scripts use with the tinygrad_edu object
that stands for it. Two uses:

* ``missing_name(namespace, name)`` is the ``AttributeError`` raised for a name tinygrad_edu does
  not have: it says so, and suggests the nearest name it does have (``tinygrad_edu.flaot`` ->
  "Did you mean 'float'?"). The package, ``nn``, ``nn.functional``, ``optim``, ``data`` (and
  ``utils.data``, its torch path), ``utils`` and ``Tensor`` raise it.
* ``python -m tests.torch_coverage`` writes docs/TORCH_COVERAGE.md from these pairs.

Example:
    >>> import tinygrad_edu as tge
    >>> tge.zeroes(2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AttributeError: module 'tinygrad_edu' has no attribute 'zeroes': ... Did you mean 'zeros'?
"""

from __future__ import annotations

import difflib
import importlib
from typing import Any

# (torch's name for the namespace, the tinygrad_edu module or class that stands for it)
NAMESPACES: list[tuple[str, str]] = [
    ("torch", "tinygrad_edu"),
    ("torch.Tensor", "tinygrad_edu.Tensor"),
    ("torch.autograd", "tinygrad_edu.autograd"),
    ("torch.nn", "tinygrad_edu.nn"),
    ("torch.nn.functional", "tinygrad_edu.nn.functional"),
    ("torch.optim", "tinygrad_edu.optim"),
    ("torch.optim.lr_scheduler", "tinygrad_edu.optim.lr_scheduler"),
    ("torch.utils.data", "tinygrad_edu.utils.data"),
]


def public_names(namespace: Any) -> list[str]:
    """The names of ``namespace`` (a module or a class) that do not start with an underscore."""
    return sorted(name for name in dir(namespace) if not name.startswith("_"))


def resolve(dotted: str) -> Any:
    """The module or class named by a dotted path such as ``tinygrad_edu.nn.functional``."""
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError:
        module_name, _, attribute = dotted.rpartition(".")
        return getattr(importlib.import_module(module_name), attribute)


def missing_name(namespace: str, name: str, available: list[str],
                 torch_namespace: str | None = None) -> AttributeError:
    """The error for ``namespace.name`` that tinygrad_edu does not provide, with the nearest
    provided name when one is close (``namespace`` as the user wrote it, e.g. 'tinygrad_edu').
    Private and special names (``_x``, ``__array_struct__``, which NumPy and Python probe) get a
    plain error, without the search. ``torch_namespace``: torch's name for the namespace, where
    it is not ``namespace`` with 'tinygrad_edu' read as 'torch' (``tinygrad_edu.data`` stands
    for ``torch.utils.data``)."""
    if name.startswith("_"):
        return AttributeError(f"'{namespace}' has no attribute '{name}'")
    if torch_namespace is None:
        torch_namespace = "torch" + namespace[len("tinygrad_edu"):]
    if namespace.endswith(".Tensor"):
        head = f"'Tensor' object has no attribute '{name}'"
    else:
        head = f"module '{namespace}' has no attribute '{name}'"
    message = (f"{head}: tinygrad_edu does not provide {torch_namespace}.{name} "
               "(docs/TORCH_COVERAGE.md lists what it provides).")
    close = difflib.get_close_matches(name, available, n=1)
    if close:
        message += f" Did you mean '{close[0]}'?"
    return AttributeError(message)
