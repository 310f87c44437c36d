"""Whether a step is being captured by ``tinygrad_edu.jit``, one answer per thread.

The engine's few recording points (``Function.apply``, the leaf gradients of ``backward``, the
in-place write of ``Tensor._inplace``, the optimisers' update, ``zero_grad``) read
``CaptureState.recorder``: None in ordinary eager use, so each point costs one attribute read;
the active ``tinygrad_edu.jit.Recorder`` while a jitted function runs its capture calls. Values
read into Python (``item()``, ``bool()``) cannot be captured, and ``refuse_in_capture`` turns
them into an error there. Arrays made from no tensor's values (``tge.zeros``, ``tge.tensor``, a
Python number as an operand, an op's constant) are reported with ``note_constant``: a replay may
reuse such an array when both capture calls made it with the same values, and no other array
made outside the ops.
"""

from __future__ import annotations

import threading
from typing import Any


class NotCapturableError(RuntimeError):
    """A jitted step did something that a recorded program cannot replay (see ``jit``)."""


class _ThreadCaptureState(threading.local):
    """The recorder of the capture running in this thread, or None."""

    def __init__(self) -> None:
        self.recorder: Any = None


CaptureState = _ThreadCaptureState()


def refuse_in_capture(what: str, why: str = "") -> None:
    """Raise ``NotCapturableError`` when a capture is running: ``what`` cannot be replayed.
    By default, because it reads a tensor's value into Python, which a replayed step would
    freeze at its capture-time value; ``why`` gives another reason.

    Example:
        >>> refuse_in_capture("item()")  # outside a capture: nothing happens
    """
    if CaptureState.recorder is None:
        return
    if not why:
        why = ("reads a tensor's value into Python, and a replayed step would reuse the value "
               "of the capture (a Python branch on it would always take the same way); return "
               "the tensor from the step and read it outside")
    raise NotCapturableError(
        f"{what} inside a function compiled with tinygrad_edu.jit: it {why}. Or run this "
        "function without jit."
    )


def note_constant(array: Any) -> None:
    """Tell a running capture that ``array`` was made from no tensor's values (a creation
    function, a Python number, an op's constant), so a replay may reuse it. Code that computes
    an array from a tensor's values outside the ops must not call this: such an array has to be
    an op's output for a replay to follow new values.

    Example:
        >>> import numpy as np
        >>> note_constant(np.zeros(3))  # outside a capture: nothing happens
    """
    recorder = CaptureState.recorder
    if recorder is not None:
        recorder.note_constant(array)
