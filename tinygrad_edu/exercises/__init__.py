"""Gradient-check exercises: a ladder from the chain rule by hand to a bug hunt, then a
convolution through im2col and batch norm through its batch statistics.

Run ``python -m tinygrad_edu.exercises list`` to see them, ``start DIR`` to copy the stubs
into your own folder, and ``check N --dir DIR`` to have gradcheck judge your gradients.

Example:
    >>> from tinygrad_edu.exercises import EXERCISES
    >>> len(EXERCISES), EXERCISES[0].title
    (12, 'The chain rule on scalars, by hand')
"""

from tinygrad_edu.exercises.catalogue import EXERCISES, Exercise, get_exercise
from tinygrad_edu.exercises.checks import CheckFailed, CheckResult
from tinygrad_edu.exercises.cli import main
from tinygrad_edu.exercises.fallback import piece
from tinygrad_edu.exercises.learner import check_module, load_and_check, reference_module

__all__ = [
    "EXERCISES", "CheckFailed", "CheckResult", "Exercise", "check_module", "get_exercise",
    "load_and_check", "main", "piece", "reference_module",
]
