"""Exercise 1: the chain rule on scalars, by hand.

    f(x, y) = log(exp(x * y) + x)

As a graph of small steps:  a = x * y,  b = exp(a),  c = b + x,  f = log(c).

Your task: complete ``backward`` so that it returns (df/dx, df/dy) at (x, y). Go backwards
through the steps; each one multiplies the gradient that reaches it by its local derivative.
Watch out: ``x`` is used twice.

Check it:  python -m tinygrad_edu.exercises check 1 --dir <this folder>
"""

from __future__ import annotations

import math


def forward(x: float, y: float) -> float:
    """f(x, y) = log(exp(x * y) + x), one step per line (given)."""
    a = x * y
    b = math.exp(a)
    c = b + x
    return math.log(c)


def backward(x: float, y: float) -> tuple[float, float]:
    """(df/dx, df/dy) at (x, y), by the chain rule."""
    a = x * y
    b = math.exp(a)
    c = b + x
    # Your code: df_dc, df_db, df_da, then df_dx and df_dy.
    raise NotImplementedError(
        f"backward of exercise 1 (at a={a:.3g}, b={b:.3g}, c={c:.3g}): return (df_dx, df_dy)"
    )
