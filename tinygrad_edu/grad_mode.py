"""Grad mode: whether ops record a graph for backward.

``no_grad`` is the switch for inference and optimiser steps; ``enable_grad`` turns recording back
on inside it; ``set_grad_enabled(mode)`` does either. All three are context managers and
decorators, and all restore the previous mode when their block ends, also after an exception.

The mode belongs to the thread, as in torch: ``no_grad`` in one thread (a data-loading or
evaluation thread, say) leaves every other thread recording, and a new thread starts with
recording on.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable, TypeVar

FunctionType = TypeVar("FunctionType", bound=Callable[..., Any])


class _ThreadGradMode(threading.local):
    """The switch read by ``Function.apply``: record the graph or not, one per thread.

    ``threading.local`` gives every thread its own ``enabled``, set to True by ``__init__`` the
    first time that thread reads it.
    """

    def __init__(self) -> None:
        self.enabled = True


GradMode = _ThreadGradMode()


def is_grad_enabled() -> bool:
    """Return True when ops record a graph for backward.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.is_grad_enabled()
        True
    """
    return GradMode.enabled


class set_grad_enabled:
    """Turn graph recording on or off; usable as a call, a context manager or a decorator.

    The previous mode comes back when the ``with`` block ends, also after an exception.

    Example:
        >>> import tinygrad_edu as tge
        >>> x = tge.tensor([1.0], requires_grad=True)
        >>> with tge.set_grad_enabled(False):
        ...     y = x * 2
        >>> y.requires_grad
        False
    """

    def __init__(self, mode: bool) -> None:
        self.previous: list[bool] = [GradMode.enabled]
        self.mode = bool(mode)
        GradMode.enabled = self.mode

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        GradMode.enabled = self.previous.pop() if self.previous else True

    def __call__(self, function: FunctionType) -> FunctionType:
        # Used as a decorator the constructor already switched the mode: undo that first.
        GradMode.enabled = self.previous[0]
        return with_grad_mode(function, self.mode)


def with_grad_mode(function: FunctionType, mode: bool) -> FunctionType:
    """``function`` wrapped so that it always runs with grad mode ``mode`` (the decorator form)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with set_grad_enabled(mode):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class _GradModeSwitch:
    """Shared body of ``no_grad`` and ``enable_grad``: a re-entrant context manager/decorator."""

    mode: bool = False

    def __init__(self) -> None:
        # One stack of earlier modes per thread: the same object may be entered in several
        # threads at once (a shared ``no_grad()`` instance, or a decorated function).
        self.stacks = threading.local()

    def _previous(self) -> list[bool]:
        if not hasattr(self.stacks, "previous"):
            self.stacks.previous = []
        return self.stacks.previous

    def __enter__(self) -> None:
        self._previous().append(GradMode.enabled)
        GradMode.enabled = self.mode

    def __exit__(self, *exc_info: object) -> None:
        GradMode.enabled = self._previous().pop()

    def __call__(self, function: FunctionType) -> FunctionType:
        return with_grad_mode(function, self.mode)


class no_grad(_GradModeSwitch):
    """Context manager and decorator that stops graph recording (inference, optimiser steps).

    Example:
        >>> import tinygrad_edu as tge
        >>> x = tge.tensor([1.0, 2.0], requires_grad=True)
        >>> with tge.no_grad():
        ...     y = x * 2
        >>> y.requires_grad, y.grad_fn
        (False, None)
    """

    mode = False


class enable_grad(_GradModeSwitch):
    """Context manager and decorator that turns graph recording back on inside ``no_grad``.

    Example:
        >>> import tinygrad_edu as tge
        >>> x = tge.tensor([1.0], requires_grad=True)
        >>> with tge.no_grad():
        ...     with tge.enable_grad():
        ...         y = x * 2
        >>> y.requires_grad
        True
    """

    mode = True
