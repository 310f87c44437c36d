"""Exercise 1: the chain rule on scalars, by hand.

    f(x, y) = log(exp(x * y) + x)

As a graph of small steps:  a = x * y,  b = exp(a),  c = b + x,  f = log(c).
Going backwards, each step multiplies the gradient that reaches it by its local derivative.
``x`` is used twice (in ``a`` and in ``c``), so df/dx is the sum over both paths.
"""

from __future__ import annotations

import math


def forward(x: float, y: float) -> float:
    """f(x, y) = log(exp(x * y) + x), one step per line.

    Example:
        >>> round(forward(1.0, 0.0), 6)
        0.693147
    """
    a = x * y
    b = math.exp(a)
    c = b + x
    return math.log(c)


def backward(x: float, y: float) -> tuple[float, float]:
    """(df/dx, df/dy) at (x, y), by the chain rule.

    Example:
        >>> backward(1.0, 0.0)
        (0.5, 0.5)
    """
    a = x * y
    b = math.exp(a)
    c = b + x
    df_dc = 1 / c  # f = log(c): df/dc = 1 / c
    df_db = df_dc  # c = b + x: dc/db = 1
    df_da = df_db * b  # b = exp(a): db/da = exp(a) = b
    # x reaches f along two paths, through a (da/dx = y) and through c (dc/dx = 1): add them.
    df_dx = df_da * y + df_dc
    df_dy = df_da * x  # da/dy = x
    return df_dx, df_dy
