"""The documentation runs as written.

- Every Python block of README.md and of examples/exercise_walkthrough.md runs verbatim, each in
  a fresh interpreter started in an empty folder; when a ```text block follows it directly, that
  is what the block must print. A block that cannot run alone is marked in the document by the
  line ``<!-- excerpt: why -->`` right above it; the marked blocks are listed here too, so that
  none is excluded without a test noticing.
- The walkthrough's first shell sessions (before the learner edits a file) are replayed and must
  print what the walkthrough shows.
- README names every command-line subcommand and flag the project has, and lists every exercise.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
README = REPO_ROOT / "README.md"
WALKTHROUGH = REPO_ROOT / "examples" / "exercise_walkthrough.md"
# The blocks deliberately not run, by document: (line of the block's opening fence, reason).
EXPECTED_EXCERPTS = {
    "README.md": [],
    "exercise_walkthrough.md": ["the body of a backward method in a learner's exercise file",
                                "the inner loop of col2im in a learner's exercise file",
                                "the dx line of BatchNorm.backward in a learner's exercise file"],
}
FENCE = re.compile(r"^```(\S*)\s*$")
EXCERPT = re.compile(r"^<!-- excerpt: (.+) -->$")


@dataclass
class Block:
    """One fenced block of a Markdown document."""

    language: str
    text: str
    line: int  # 1-based line of the opening fence
    excerpt: str | None  # why it is not run, when it is marked as an excerpt
    output: str | None  # the ```text block right after it, if any


def fenced_blocks(path: Path) -> list[Block]:
    """The fenced blocks of a document, each Python block paired with the output shown below."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    previous_text_line = ""
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            if lines[index].strip():
                previous_text_line = lines[index].strip()
            index += 1
            continue
        end = index + 1
        while not lines[end].startswith("```"):
            end += 1
        marked = EXCERPT.match(previous_text_line)
        blocks.append(Block(opening.group(1), "\n".join(lines[index + 1:end]) + "\n", index + 1,
                            marked.group(1) if marked else None, None))
        previous_text_line = ""
        index = end + 1
        # Blank lines only between a Python block and a ```text block: that is its output.
        following = index
        while following < len(lines) and not lines[following].strip():
            following += 1
        if (blocks[-1].language == "python" and following < len(lines)
                and lines[following].strip() == "```text"):
            close = following + 1
            while not lines[close].startswith("```"):
                close += 1
            blocks[-1].output = "\n".join(lines[following + 1:close]) + "\n"
            index = close + 1
    return blocks


def python_blocks(path: Path) -> list[Block]:
    return [block for block in fenced_blocks(path) if block.language == "python"]


def run_python(code: str, folder: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONHASHSEED": "0"}
    return subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True,
                          text=True, timeout=600, env=environment)


def block_id(block: Block) -> str:
    return f"line{block.line}"


RUNNABLE = [(path, block) for path in (README, WALKTHROUGH) for block in python_blocks(path)
            if block.excerpt is None]


@pytest.mark.parametrize("path, block", RUNNABLE,
                         ids=[f"{path.name}:{block_id(block)}" for path, block in RUNNABLE])
def test_python_block_runs_verbatim(path: Path, block: Block, tmp_path: Path,
                                    mnist_dir: Path) -> None:
    completed = run_python(block.text, tmp_path)
    assert completed.returncode == 0, (f"{path.name}, block at line {block.line} failed:\n"
                                       f"{completed.stderr}")
    if block.output is not None:
        assert completed.stdout == block.output, (
            f"{path.name}, block at line {block.line} printed:\n{completed.stdout}\n"
            f"but the document shows:\n{block.output}")


def test_excerpts_are_marked_and_listed() -> None:
    for path in (README, WALKTHROUGH):
        reasons = [block.excerpt for block in python_blocks(path) if block.excerpt is not None]
        assert reasons == EXPECTED_EXCERPTS[path.name], path.name
    assert len(RUNNABLE) >= 4  # the README's examples are really run


def test_the_block_parser_pairs_code_with_its_output(tmp_path: Path) -> None:
    document = tmp_path / "doc.md"
    document.write_text("text\n\n```python\nprint(1)\n```\n\n```text\n1\n```\n\n"
                        "<!-- excerpt: a fragment -->\n```python\n    return x\n```\n"
                        "```bash\nls\n```\n", encoding="utf-8")
    first, second, third = fenced_blocks(document)
    assert (first.text, first.output, first.excerpt) == ("print(1)\n", "1\n", None)
    assert (second.excerpt, second.output) == ("a fragment", None)
    assert third.language == "bash"


# ------------------------------------------------------------------ the walkthrough's sessions
def shell_sessions(path: Path) -> list[tuple[str, str]]:
    """(command, shown output) of each plain block that starts with ``$ python -m``, up to the
    first Python block (from there on, the learner has edited files)."""
    sessions = []
    for block in fenced_blocks(path):
        if block.language == "python":
            break
        first, _, rest = block.text.partition("\n")
        if block.language == "" and first.startswith("$ python -m tinygrad_edu.exercises"):
            sessions.append((first[2:], rest))
    return sessions


def test_walkthrough_sessions_print_what_it_shows(tmp_path: Path) -> None:
    sessions = shell_sessions(WALKTHROUGH)
    assert [command.split()[3] for command, _ in sessions] == ["start", "list", "check"]
    for command, shown in sessions:
        arguments = shlex.split(command)
        completed = subprocess.run([sys.executable, *arguments[1:]], cwd=tmp_path,
                                   capture_output=True, text=True, timeout=300,
                                   env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
        printed = completed.stdout + completed.stderr
        assert printed.strip() == shown.strip(), f"{command} printed:\n{printed}"


# ------------------------------------------------------------------ command lines in README
def subcommands(parser: argparse.ArgumentParser) -> list[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    return []


def test_readme_names_every_exercise_subcommand() -> None:
    from tinygrad_edu.exercises.cli import build_parser

    readme = README.read_text(encoding="utf-8")
    names = subcommands(build_parser())
    assert set(names) == {"list", "start", "check", "hint", "solution", "reset", "mnist"}
    for name in names:
        assert f"python -m tinygrad_edu.exercises {name}" in readme, name


def test_readme_lists_every_exercise() -> None:
    from tinygrad_edu.exercises import EXERCISES

    readme = README.read_text(encoding="utf-8")
    for exercise in EXERCISES:
        assert f"| {exercise.number} | {exercise.title} | " in readme, exercise.title


def test_readme_names_every_flag_of_the_example() -> None:
    sys.path.insert(0, str(REPO_ROOT / "examples"))
    try:
        import mlp_mnist
    finally:
        sys.path.remove(str(REPO_ROOT / "examples"))
    readme = README.read_text(encoding="utf-8")
    flags = [option for action in mlp_mnist.build_parser()._actions
             if action.help != argparse.SUPPRESS  # hidden flags are for the tests
             for option in action.option_strings if option.startswith("--")]
    assert "--data-dir" in flags and "--debug" in flags
    for flag in flags:
        if flag != "--help":
            assert f"`{flag}" in readme, flag
