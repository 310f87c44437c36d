"""The exercises' command line: ``python -m tinygrad_edu.exercises COMMAND``.

    list   [--dir DIR]          the exercises, numbered, with your status in DIR
    start  DIR [--force]        copy the stub files into DIR (existing files are kept)
    check  N [--dir DIR]        import DIR's file of exercise N and check it: PASS or what is wrong
    hint   N [--dir DIR]        a hint for exercise N
    solution N                  the reference solution of exercise N
    reset  N [--dir DIR]        put the stub back, keeping your version in DIR/.backups/
    mnist  [--dir DIR]          train the article's MLP on MNIST with your Linear and loss

``check`` exits with 0 when the exercise passes and 1 when it does not.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tinygrad_edu.data.datasets.locate import RESOLUTION_ORDER
from tinygrad_edu.exercises import progress
from tinygrad_edu.exercises.catalogue import EXERCISES, get_exercise
from tinygrad_edu.exercises.learner import learner_path, load_and_check

__all__ = ["build_parser", "main"]

PROGRAM = "python -m tinygrad_edu.exercises"


def command_list(directory: Path) -> int:
    """Print each exercise's number, title and status in ``directory``."""
    record = progress.load_progress(directory)
    print(f"Exercises (status of the files in {directory}):")
    for exercise in EXERCISES:
        exists = learner_path(exercise, directory).is_file()
        status = progress.status_of(record, exercise.number, exists)
        print(f"  {exercise.number:2d}. {exercise.title:<56} {status}")
    return 0


def command_start(directory: Path, force: bool) -> int:
    """Copy every stub into ``directory``; keep existing files unless ``force`` (then back up)."""
    directory.mkdir(parents=True, exist_ok=True)
    kept = 0
    for exercise in EXERCISES:
        path = learner_path(exercise, directory)
        if path.exists() and not force:
            print(f"kept     {path.name} (it exists; --force replaces it, keeping a backup)")
            kept += 1
            continue
        note = ""
        if path.exists():
            backup = progress.backup_file(path)
            note = f" (your version is saved as {backup.relative_to(directory)})"
        progress.write_text_atomically(path, exercise.stub_text())
        print(f"created  {path.name}{note}")
    progress.ensure_progress_file(directory)
    print(f"\nNext: open {learner_path(EXERCISES[0], directory)}, then run "
          f"`{PROGRAM} check 1 --dir {directory}`.")
    return 0


def command_check(number: int, directory: Path) -> int:
    """Check the learner's exercise ``number``; print PASS or the diagnosis; 0 or 1."""
    exercise = get_exercise(number)
    result, _ = load_and_check(exercise, directory)
    if result.passed:
        print(result.message)
    else:
        print(f"FAIL: exercise {number}, {exercise.title}.\n\n{result.message}")
    if learner_path(exercise, directory).is_file():
        progress.record_check(directory, number, result.passed, result.message)
    return 0 if result.passed else 1


def command_hint(number: int, directory: Path | None) -> int:
    """Print the hint of exercise ``number`` (and count it in ``directory``'s progress)."""
    exercise = get_exercise(number)
    print(f"Hint for exercise {number}, {exercise.title}:\n\n{exercise.hint}")
    if directory is not None and directory.is_dir():
        progress.record_hint(directory, number)
    return 0


def command_solution(number: int) -> int:
    """Print the reference solution of exercise ``number``."""
    print(get_exercise(number).solution_text(), end="")
    return 0


def command_reset(number: int, directory: Path) -> int:
    """Restore the stub of exercise ``number`` in ``directory``, backing up the learner's file."""
    exercise = get_exercise(number)
    path = learner_path(exercise, directory)
    backup = progress.backup_file(path) if path.is_file() else None
    progress.write_text_atomically(path, exercise.stub_text())
    progress.record_reset(directory, number, backup)
    if backup is not None:
        print(f"saved your version as {backup.relative_to(directory)}")
    print(f"restored the stub of exercise {number} in {path}")
    return 0


def command_mnist(directory: Path, epochs: int, train_size: int, data_dir: Path | None) -> int:
    """Train on MNIST with the learner's pieces (see ``tinygrad_edu.exercises.mnist``); exit
    code 1 with one message when the data is missing or damaged."""
    from tinygrad_edu.data.datasets import DatasetError, MnistNotFoundError
    from tinygrad_edu.exercises.mnist import train_mnist  # loads data: only when asked

    try:
        train_mnist(directory, epochs=epochs, train_size=train_size, data_dir=data_dir)
    except (MnistNotFoundError, DatasetError) as error:
        print(f"error: MNIST: {error.path}: {error.problem}. Pass --data-dir DIR (a folder "
              "with the four MNIST .gz files), or set TINYGRAD_EDU_DATA to such a folder, or "
              "connect to the internet so that they are downloaded into the user cache.",
              file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the command line.

    Example:
        >>> build_parser().parse_args(["check", "3", "--dir", "work"]).number
        3
    """
    parser = argparse.ArgumentParser(prog=PROGRAM, description="Gradient-check exercises.")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="the exercises and your status")
    listing.add_argument("--dir", type=Path, default=Path("."), help="your folder (default .)")
    start = commands.add_parser("start", help="copy the stub files into DIR")
    start.add_argument("directory", type=Path)
    start.add_argument("--force", action="store_true", help="replace existing files (backed up)")
    for name, text in (("check", "check your exercise N"), ("hint", "a hint for exercise N"),
                       ("reset", "restore the stub of exercise N")):
        command = commands.add_parser(name, help=text)
        command.add_argument("number", type=int)
        default = None if name == "hint" else Path(".")
        command.add_argument("--dir", type=Path, default=default, help="your folder (default .)")
    solution = commands.add_parser("solution", help="print the reference solution of N")
    solution.add_argument("number", type=int)
    mnist = commands.add_parser("mnist", help="train on MNIST with your Linear and loss")
    mnist.add_argument("--dir", type=Path, default=Path("."), help="your folder (default .)")
    mnist.add_argument("--epochs", type=int, default=1)
    mnist.add_argument("--train-size", type=int, default=10_000)
    mnist.add_argument("--data-dir", type=Path, default=None,
                       help=f"folder of the four MNIST .gz files (default: {RESOLUTION_ORDER})")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit code (2 for a bad exercise number or progress file).

    Example:
        >>> main(["hint", "5"])  # doctest: +ELLIPSIS
        Hint for exercise 5, Matrix product backward:
        ...
        0
    """
    arguments = build_parser().parse_args(argv)
    try:
        if arguments.command == "list":
            return command_list(arguments.dir)
        if arguments.command == "start":
            return command_start(arguments.directory, arguments.force)
        if arguments.command == "check":
            return command_check(arguments.number, arguments.dir)
        if arguments.command == "hint":
            return command_hint(arguments.number, arguments.dir)
        if arguments.command == "solution":
            return command_solution(arguments.number)
        if arguments.command == "reset":
            return command_reset(arguments.number, arguments.dir)
        return command_mnist(arguments.dir, arguments.epochs, arguments.train_size,
                             arguments.data_dir)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
