"""Loading a learner's exercise file and running its check without ever crashing.

The learner's file is imported from its path with ``importlib`` (never with ``exec`` of its
text). Whatever goes wrong, a missing file, a syntax error, a ``NotImplementedError`` left in a
stub or an exception deep in a backward pass, becomes a failed ``CheckResult`` whose message
says what happened and where in the learner's file.
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import sys
import traceback
from pathlib import Path
from types import ModuleType

from tinygrad_edu.exercises.catalogue import Exercise
from tinygrad_edu.exercises.checks import CheckFailed, CheckResult

__all__ = ["check_module", "learner_path", "load_and_check", "load_module", "reference_module"]

_serial_numbers = itertools.count()


def learner_path(exercise: Exercise, directory: str | Path) -> Path:
    """Where the learner's file of ``exercise`` lives in ``directory``.

    Example:
        >>> from tinygrad_edu.exercises.catalogue import get_exercise
        >>> learner_path(get_exercise(1), "work").as_posix()
        'work/ex01_chain_rule.py'
    """
    return Path(directory) / exercise.filename


def load_module(path: Path) -> ModuleType:
    """Import the Python file at ``path`` afresh (edits since the last import are seen).

    Each load gets its own module name, so two folders' files never mix.

    Example:
        >>> from tinygrad_edu.exercises import solutions
        >>> module = load_module(Path(solutions.__file__).parent / "ex01_chain_rule.py")
        >>> module.backward(1.0, 0.0)
        (0.5, 0.5)
    """
    name = f"tinygrad_edu_learner_{next(_serial_numbers)}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up here
    spec.loader.exec_module(module)
    return module


def reference_module(exercise: Exercise) -> ModuleType:
    """The reference solution of ``exercise``, imported from the package.

    Example:
        >>> from tinygrad_edu.exercises.catalogue import get_exercise
        >>> reference_module(get_exercise(5)).MatMul.__name__
        'MatMul'
    """
    return importlib.import_module(f"tinygrad_edu.exercises.solutions.{exercise.slug}")


def _where(error: BaseException, file_name: str | None) -> str:
    """The last line of ``file_name`` in the traceback of ``error``, as 'line N, in f: code'."""
    frames = traceback.extract_tb(error.__traceback__)
    own = [frame for frame in frames if file_name and Path(frame.filename) == Path(file_name)]
    if not own:
        return ""
    frame = own[-1]
    return f"\n  at {Path(frame.filename).name}, line {frame.lineno}, in {frame.name}: {frame.line}"


def check_module(exercise: Exercise, module: ModuleType) -> CheckResult:
    """Run the check of ``exercise`` on an imported module; never raises for the learner's bugs.

    Example:
        >>> from tinygrad_edu.exercises.catalogue import get_exercise
        >>> check_module(get_exercise(2), reference_module(get_exercise(2))).passed
        True
    """
    file_name = getattr(module, "__file__", None)
    try:
        exercise.check(module)
    except CheckFailed as failure:
        return CheckResult(False, str(failure))
    except NotImplementedError as error:
        message = f"Not written yet: {error}" if str(error) else "Not written yet."
        message += _where(error, file_name)
        message += ("\nReplace the `raise NotImplementedError(...)` line with your code, then run "
                    f"the check again (a hint: `python -m tinygrad_edu.exercises hint "
                    f"{exercise.number}`).")
        return CheckResult(False, message)
    except Exception as error:  # the learner's code may raise anything; report, never crash
        message = f"Your code raised {type(error).__name__}: {error}{_where(error, file_name)}"
        return CheckResult(False, message)
    return CheckResult(True, f"PASS: exercise {exercise.number}, {exercise.title}.")


def load_and_check(exercise: Exercise, directory: str | Path
                   ) -> tuple[CheckResult, ModuleType | None]:
    """Import the learner's file of ``exercise`` from ``directory`` and check it.

    Returns:
        The result and the imported module (``None`` when it could not be imported).

    Example:
        >>> from tinygrad_edu.exercises.catalogue import get_exercise
        >>> result, module = load_and_check(get_exercise(1), "/nonexistent")
        >>> result.passed, module is None
        (False, True)
    """
    path = learner_path(exercise, directory)
    if not path.is_file():
        message = (f"There is no {path}. Copy the exercises there first: "
                   f"`python -m tinygrad_edu.exercises start {directory}`.")
        return CheckResult(False, message), None
    try:
        module = load_module(path)
    except Exception as error:  # a syntax error or a failing import in the learner's file
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        message = f"Could not import {path}:\n{detail}{_where(error, str(path))}"
        return CheckResult(False, message), None
    return check_module(exercise, module), module
