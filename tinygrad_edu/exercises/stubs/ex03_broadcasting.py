"""Exercise 3: broadcasting, and the sum that undoes it in the backward pass.

When ``a`` of shape (3, 1) is broadcast to (2, 3, 4), each element of ``a`` is used 2 * 4 times,
so its gradient is the sum of the 8 gradients it received.

Your task: complete ``unbroadcast(grad, shape)``: sum ``grad`` (the gradient of the broadcast
result) back to ``shape``. The check wraps it as the backward of a broadcast and gradchecks it.

Check it:  python -m tinygrad_edu.exercises check 3 --dir <this folder>
"""

from __future__ import annotations

import numpy as np


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` (the gradient of a broadcast result) back to ``shape``."""
    raise NotImplementedError(
        f"unbroadcast: sum a gradient of shape {grad.shape} back to shape {shape}"
    )
