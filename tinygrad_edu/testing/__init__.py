"""The public test kit: hypothesis strategies and ``check_function`` for differentiable ops.

The project tests its own ops with these (``tests/op_cases.py``,
``tests/test_finite_differences.py``); a learner tests a new op the same way. The kit needs the
hypothesis package (``pip install hypothesis``), which the library itself does not: it is only
imported when ``tinygrad_edu.testing`` is.

Example:
    >>> import numpy as np
    >>> from tinygrad_edu.testing import check_function, positive_values
    >>> check_function(lambda x: x.log(), reference=np.log, domains=positive_values(),
    ...                max_examples=5)
"""

from tinygrad_edu.testing.check import check_function
from tinygrad_edu.testing.strategies import (
    MAX_DIMS,
    MAX_SIDE,
    arrays,
    away_from_zero,
    broadcastable_shapes,
    distinct_values,
    input_arrays,
    positive_values,
    real_values,
    same_shape,
    shapes,
    tensors,
)

__all__ = [
    "MAX_DIMS", "MAX_SIDE", "arrays", "away_from_zero", "broadcastable_shapes", "check_function",
    "distinct_values", "input_arrays", "positive_values", "real_values", "same_shape", "shapes",
    "tensors",
]
