"""Ops that draw random numbers: the dropout mask.

A mask drawn by an op is part of the recorded program: ``tinygrad_edu.jit`` replays the op, so
each replayed step draws a fresh mask from the same generator, exactly as eager steps do. A
mask drawn by plain NumPy outside an op would be frozen into the first captured step.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.function import Context, Function


class DropoutMask(Function):
    """keep / (1 - p), where keep = (u >= p) for u drawn uniformly from [0, 1).

    The inverted-dropout mask: 0 for a dropped element, 1 / (1 - p) for a kept one, so that
    ``input * mask`` keeps every element's expected value. It has no inputs, hence no gradient;
    the gradient of ``input * mask`` with respect to the input is the mask itself (``Mul``).

    Example:
        >>> import numpy as np
        >>> mask = DropoutMask.apply(shape=(2, 3), p=0.5, dtype=np.dtype("float32"),
        ...                          generator=np.random.default_rng(0))
        >>> sorted(set(mask.tolist()[0] + mask.tolist()[1]))
        [0.0, 2.0]
    """

    @staticmethod
    def forward(ctx: Context, *, shape: tuple[int, ...], p: float, dtype: np.dtype,
                generator: Any) -> np.ndarray:
        keep = generator.random(shape) >= p
        return (keep * (1.0 / (1.0 - p))).astype(dtype)

    @staticmethod
    def backward(ctx: Context, *grad_outputs: Any) -> tuple[()]:
        return ()  # no inputs, nothing to return
