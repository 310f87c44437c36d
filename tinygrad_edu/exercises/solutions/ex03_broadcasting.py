"""Exercise 3: broadcasting, and the sum that undoes it in the backward pass.

When ``a`` of shape (3, 1) is broadcast to (2, 3, 4), each element of ``a`` is used 2 * 4 times,
so its gradient is the sum of the 8 gradients it received: sum over the axes that broadcasting
added in front (axis 0 here) and over the axes of size 1 that it stretched (axis 2 here).
"""

from __future__ import annotations

import numpy as np


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` (the gradient of a broadcast result) back to ``shape``.

    Example:
        >>> unbroadcast(np.ones((2, 3, 4)), (3, 1))
        array([[8.],
               [8.],
               [8.]])
    """
    added = grad.ndim - len(shape)
    summed = grad.sum(axis=tuple(range(added)))  # the axes added in front
    stretched = tuple(
        axis for axis, size in enumerate(shape) if size == 1 and summed.shape[axis] != 1
    )
    return summed.sum(axis=stretched, keepdims=True)  # size-1 axes stay, with size 1
