"""The exercises, listed explicitly in the order a learner does them.

Each exercise is a stub file the learner completes (``stubs/<slug>.py``), a reference solution
(``solutions/<slug>.py``), a hint, and a check that takes the learner's imported module and
raises ``CheckFailed`` with gradcheck's diagnosis when something is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from types import ModuleType

from tinygrad_edu.exercises import checks_layers, checks_models, checks_ops, hints

__all__ = ["EXERCISES", "Exercise", "get_exercise"]


@dataclass(frozen=True)
class Exercise:
    """One exercise of the ladder.

    Attributes:
        number: Its place in the ladder, from 1.
        slug: The file name without ``.py``, the same for stub, solution and learner's file.
        title: One line, shown by ``list``.
        check: Raises ``CheckFailed`` (or the learner's own exception) unless the module is right.
        hint: Shown by ``hint N``.

    Example:
        >>> get_exercise(1).filename
        'ex01_chain_rule.py'
    """

    number: int
    slug: str
    title: str
    check: Callable[[ModuleType], None]
    hint: str

    @property
    def filename(self) -> str:
        """The file name of the stub, the solution and the learner's copy."""
        return f"{self.slug}.py"

    def stub_text(self) -> str:
        """The text of the stub the learner starts from (package data).

        Example:
            >>> "NotImplementedError" in get_exercise(1).stub_text()
            True
        """
        return resources.files("tinygrad_edu.exercises.stubs").joinpath(
            self.filename).read_text(encoding="utf-8")

    def solution_text(self) -> str:
        """The text of the reference solution (package data).

        Example:
            >>> "def backward" in get_exercise(1).solution_text()
            True
        """
        return resources.files("tinygrad_edu.exercises.solutions").joinpath(
            self.filename).read_text(encoding="utf-8")


EXERCISES: tuple[Exercise, ...] = (
    Exercise(1, "ex01_chain_rule", "The chain rule on scalars, by hand",
             checks_ops.check_chain_rule, hints.CHAIN_RULE),
    Exercise(2, "ex02_elementwise", "Elementwise ops: backward of mul, exp and log",
             checks_ops.check_elementwise, hints.ELEMENTWISE),
    Exercise(3, "ex03_broadcasting", "Broadcasting and the un-broadcast sum",
             checks_ops.check_broadcasting, hints.BROADCASTING),
    Exercise(4, "ex04_reductions", "Reductions: sum, mean, and max with ties",
             checks_ops.check_reductions, hints.REDUCTIONS),
    Exercise(5, "ex05_matmul", "Matrix product backward",
             checks_ops.check_matmul, hints.MATMUL),
    Exercise(6, "ex06_softmax_cross_entropy", "Softmax + cross-entropy: derive dZ2 = A2 - Y",
             checks_models.check_softmax_cross_entropy, hints.SOFTMAX_CROSS_ENTROPY),
    Exercise(7, "ex07_linear", "A Linear layer, forward and backward",
             checks_models.check_linear, hints.LINEAR),
    Exercise(8, "ex08_article_mlp", "The article's MLP backward by hand, against autograd",
             checks_models.check_article_mlp, hints.ARTICLE_MLP),
    Exercise(9, "ex09_custom_function", "A custom Function: Swish",
             checks_models.check_custom_function, hints.CUSTOM_FUNCTION),
    Exercise(10, "ex10_bug_hunt", "Bug hunt: five ops with planted backward bugs",
             checks_models.check_bug_hunt, hints.BUG_HUNT),
    Exercise(11, "ex11_conv2d_im2col", "Conv2d backward through im2col and col2im",
             checks_layers.check_conv2d, hints.CONV2D_IM2COL),
    Exercise(12, "ex12_batch_norm", "BatchNorm backward through the batch statistics",
             checks_layers.check_batch_norm, hints.BATCH_NORM),
)


def get_exercise(number: int) -> Exercise:
    """The exercise numbered ``number``.

    Raises:
        ValueError: There is no such exercise.

    Example:
        >>> get_exercise(10).title
        'Bug hunt: five ops with planted backward bugs'
    """
    if not 1 <= number <= len(EXERCISES):
        raise ValueError(f"there is no exercise {number}: exercises are numbered 1 to "
                         f"{len(EXERCISES)} (`python -m tinygrad_edu.exercises list`)")
    return EXERCISES[number - 1]
