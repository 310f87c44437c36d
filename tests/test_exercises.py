"""The exercises: every stub fails its check with a message, every reference solution passes,
each planted bug of the bug hunt is caught and located, typical mistakes get gradcheck's
diagnosis, the reference fallback works, and the command line works end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from setuptools import find_packages

from tinygrad_edu.exercises import EXERCISES, check_module, get_exercise, main, piece
from tinygrad_edu.exercises.checks_models import BUG_HUNT_OPS, bug_hunt_failure, check_bug_hunt
from tinygrad_edu.exercises.checks import CheckFailed
from tinygrad_edu.exercises.learner import load_and_check, load_module, reference_module
from tinygrad_edu.exercises import stubs

REPO_ROOT = Path(__file__).resolve().parent.parent
STUBS = Path(stubs.__file__).parent

# Each planted bug: the op, the input whose gradient is wrong, and a word of the diagnosis.
PLANTED_BUGS = [
    ("Mul", 1, "wrong input"),
    ("Tanh", 0, "sign"),
    ("Pow", 0, "factor of 2"),
    ("MatMul", 1, "transposed"),
    ("AddBias", 1, "broadcast"),
]


def write_exercise(directory: Path, number: int, text: str) -> None:
    (directory / get_exercise(number).filename).write_text(text, encoding="utf-8")


def mistaken(number: int, old: str, new: str) -> str:
    """The reference solution of exercise ``number`` with one line made wrong."""
    text = get_exercise(number).solution_text()
    assert text.count(old) == 1
    return text.replace(old, new)


def test_there_are_ten_exercises_in_the_order_of_the_issue() -> None:
    assert [exercise.number for exercise in EXERCISES] == list(range(1, 11))
    slugs = [exercise.slug for exercise in EXERCISES]
    assert slugs == ["ex01_chain_rule", "ex02_elementwise", "ex03_broadcasting",
                     "ex04_reductions", "ex05_matmul", "ex06_softmax_cross_entropy",
                     "ex07_linear", "ex08_article_mlp", "ex09_custom_function", "ex10_bug_hunt"]


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.slug)
def test_every_stub_fails_its_check_with_a_message(exercise) -> None:
    result = check_module(exercise, load_module(STUBS / exercise.filename))
    assert not result.passed
    assert "Traceback" not in result.message
    if exercise.number == 10:
        assert result.message.startswith("5 of 5 ops still have a wrong backward")
    else:
        assert result.message.startswith("Not written yet: ")
        assert f"hint {exercise.number}" in result.message


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.slug)
def test_every_reference_solution_passes(exercise) -> None:
    result = check_module(exercise, reference_module(exercise))
    assert result.passed, result.message
    assert result.message == f"PASS: exercise {exercise.number}, {exercise.title}."


@pytest.mark.parametrize("op, input_index, diagnosis", PLANTED_BUGS)
def test_each_planted_bug_is_caught_and_located(op: str, input_index: int, diagnosis: str) -> None:
    message = bug_hunt_failure(load_module(STUBS / "ex10_bug_hunt.py"), op)
    assert message is not None
    assert message.startswith(f"{op} on ")
    assert f"gradcheck failed for {op} (output grad_fn {op}Backward), input {input_index} " in (
        message)
    assert "Likely mistake" in message and diagnosis in message.lower()
    assert bug_hunt_failure(reference_module(get_exercise(10)), op) is None


def test_the_bug_hunt_lists_the_ops_still_broken(tmp_path: Path) -> None:
    stub = (STUBS / "ex10_bug_hunt.py").read_text(encoding="utf-8")
    fixed_tanh = stub.replace("grad_output * (output * output - 1)",
                              "grad_output * (1 - output * output)")
    write_exercise(tmp_path, 10, fixed_tanh)
    with pytest.raises(CheckFailed) as failure:
        check_bug_hunt(load_module(tmp_path / "ex10_bug_hunt.py"))
    message = str(failure.value)
    assert message.startswith("4 of 5 ops still have a wrong backward (fixed: Tanh):")
    assert [op for op in BUG_HUNT_OPS if f"gradcheck failed for {op} " in message] == [
        "Mul", "Pow", "MatMul", "AddBias"]


@pytest.mark.parametrize("number, old, new, expected", [
    # Exercise 1: only one of the two paths from x to f.
    (1, "    df_dx = df_da * y + df_dc\n", "    df_dx = df_da * y\n",
     "gradcheck failed for ChainRuleByHand (output grad_fn ChainRuleByHandBackward), input 0"),
    # Exercise 2: the derivative of log with a sign error.
    (2, "        return grad_output / a\n", "        return -grad_output / a\n",
     "gradcheck failed for Log (output grad_fn LogBackward), input 0"),
    # Exercise 4: max gives all of the gradient to one of two tied maxima.
    (4, "is_max / is_max.sum()", "is_max * (np.cumsum(is_max) == 1).reshape(a.shape)",
     "a tie: each of the two should get half of the gradient: gradcheck failed for Max"),
    # Exercise 5: dL/db transposed.
    (5, "return grad_output @ b.T, a.T @ grad_output",
     "return grad_output @ b.T, grad_output.T @ a",
     "gradcheck failed for MatMul (output grad_fn MatMulBackward), input 1"),
    # Exercise 6: the 1/m of the mean forgotten.
    (6, "return grad_output * (A - Y) / m, None", "return grad_output * (A - Y), None",
     "gradcheck failed for SoftmaxCrossEntropy (output grad_fn SoftmaxCrossEntropyBackward), "
     "input 0"),
    # Exercise 8: db2 without the 1/m.
    (8, "db2 = dZ2.sum(axis=1, keepdims=True) / m", "db2 = dZ2.sum(axis=1, keepdims=True)",
     "gradcheck failed for ArticleMLPLoss (output grad_fn ArticleMLPLossBackward), input 3"),
    # Exercise 9: a backward computed on .data cannot be differentiated again.
    (9, "s = x.sigmoid()", "s = Tensor(1 / (1 + np.exp(-x.detach().numpy())))",
     "Swish's second derivative (gradgradcheck"),
])
def test_a_typical_mistake_gets_gradchecks_message(tmp_path: Path, number: int, old: str,
                                                   new: str, expected: str) -> None:
    write_exercise(tmp_path, number, mistaken(number, old, new))
    result, _ = load_and_check(get_exercise(number), tmp_path)
    assert not result.passed
    assert expected in result.message
    assert "Jacobian mismatch" in result.message and "(where input 0 = " in result.message


def test_a_wrong_shape_is_explained_not_crashed(tmp_path: Path) -> None:
    write_exercise(tmp_path, 3, mistaken(3, "return summed.sum(axis=stretched, keepdims=True)",
                                         "return summed"))
    result, _ = load_and_check(get_exercise(3), tmp_path)
    assert not result.passed
    assert result.message.startswith(
        "unbroadcast(grad of shape (2, 3, 4), (3, 1)) returned shape (3, 4), but a gradient has "
        "its input's shape (3, 1).")
    assert "the stretched axes (2,) (summed, keepdims" not in result.message
    assert "the added axes (0,) (summed away) and the stretched axes (2,)" in result.message


def test_an_exception_in_the_learners_backward_names_the_line(tmp_path: Path) -> None:
    write_exercise(tmp_path, 5, mistaken(5, "return grad_output @ b.T, a.T @ grad_output",
                                         "return grad_output @ b.T, a.T @ grad_outptu"))
    result, _ = load_and_check(get_exercise(5), tmp_path)
    assert not result.passed
    assert result.message.startswith(
        "Your code raised NameError: name 'grad_outptu' is not defined")
    assert "at ex05_matmul.py, line " in result.message and "in backward:" in result.message


def test_a_syntax_error_is_reported(tmp_path: Path) -> None:
    write_exercise(tmp_path, 2, "def broken(:\n")
    result, module = load_and_check(get_exercise(2), tmp_path)
    assert module is None and not result.passed
    assert result.message.startswith(f"Could not import {tmp_path / 'ex02_elementwise.py'}:")
    assert "SyntaxError" in result.message


def test_a_missing_file_says_how_to_start(tmp_path: Path) -> None:
    result, _ = load_and_check(get_exercise(4), tmp_path)
    assert not result.passed
    assert f"python -m tinygrad_edu.exercises start {tmp_path}" in result.message


def test_fallback_uses_the_reference_until_the_learners_piece_passes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_exercise(tmp_path, 5, (STUBS / "ex05_matmul.py").read_text(encoding="utf-8"))
    MatMul = piece(5, "MatMul", tmp_path / "ex08_article_mlp.py")
    assert MatMul is reference_module(get_exercise(5)).MatMul
    note = capsys.readouterr().out
    assert note.startswith("note: exercise 5 (Matrix product backward) does not pass its check "
                           "yet, so the reference solution's MatMul is used instead.")
    write_exercise(tmp_path, 5, get_exercise(5).solution_text())
    os.utime(tmp_path / "ex05_matmul.py", ns=(1, 1))  # a new modification time: checked again
    MatMul = piece(5, "MatMul", tmp_path)
    assert MatMul.__module__.startswith("tinygrad_edu_learner_")
    assert capsys.readouterr().out == ""


def test_exercise_8_runs_on_the_reference_pieces_while_5_and_6_are_stubs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for number in (5, 6):
        write_exercise(tmp_path, number, get_exercise(number).stub_text())
    write_exercise(tmp_path, 8, get_exercise(8).solution_text())
    result, _ = load_and_check(get_exercise(8), tmp_path)
    assert result.passed, result.message
    notes = capsys.readouterr().out
    assert "note: exercise 5" in notes and "note: exercise 6" in notes


def run_cli(*arguments: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(list(arguments))
    return code, capsys.readouterr().out


def test_the_command_line_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "learner"
    code, output = run_cli("start", str(folder), capsys=capsys)
    assert code == 0 and output.count("created  ") == 10
    for exercise in EXERCISES:
        assert (folder / exercise.filename).read_text() == exercise.stub_text()
    assert json.loads((folder / ".progress.json").read_text()) == {"exercises": {}, "format": 1}

    code, output = run_cli("list", "--dir", str(folder), capsys=capsys)
    assert code == 0
    assert "   1. The chain rule on scalars, by hand" in output
    assert output.count("not checked") == 10

    code, output = run_cli("check", "1", "--dir", str(folder), capsys=capsys)
    assert code == 1
    assert output.startswith("FAIL: exercise 1, The chain rule on scalars, by hand.\n\nNot written")
    entry = json.loads((folder / ".progress.json").read_text())["exercises"]["1"]
    assert entry["status"] == "failing" and entry["attempts"] == 1
    assert entry["last_message"].startswith("Not written yet: backward of exercise 1")

    mine = get_exercise(1).solution_text()
    (folder / "ex01_chain_rule.py").write_text(mine)
    code, output = run_cli("check", "1", "--dir", str(folder), capsys=capsys)
    assert (code, output) == (0, "PASS: exercise 1, The chain rule on scalars, by hand.\n")
    entry = json.loads((folder / ".progress.json").read_text())["exercises"]["1"]
    assert entry["status"] == "passed" and entry["attempts"] == 2
    assert entry["first_passed"] == entry["last_checked"]

    code, output = run_cli("list", "--dir", str(folder), capsys=capsys)
    assert "passed" in output.splitlines()[1] and output.count("not checked") == 9

    code, output = run_cli("start", str(folder), capsys=capsys)
    assert code == 0 and output.count("kept     ") == 10 and "created" not in output
    assert (folder / "ex01_chain_rule.py").read_text() == mine  # never overwritten

    code, output = run_cli("start", str(folder), "--force", capsys=capsys)
    assert output.count("created  ") == 10
    assert (folder / "ex01_chain_rule.py").read_text() == get_exercise(1).stub_text()
    assert (folder / ".backups" / "ex01_chain_rule.1.py").read_text() == mine

    code, output = run_cli("hint", "6", "--dir", str(folder), capsys=capsys)
    assert code == 0 and output.startswith("Hint for exercise 6, Softmax + cross-entropy")
    assert get_exercise(6).hint in output
    progress = json.loads((folder / ".progress.json").read_text())
    assert progress["exercises"]["6"]["hints_shown"] == 1

    code, output = run_cli("solution", "7", capsys=capsys)
    assert (code, output) == (0, get_exercise(7).solution_text())

    (folder / "ex02_elementwise.py").write_text("# my attempt\n")
    code, output = run_cli("reset", "2", "--dir", str(folder), capsys=capsys)
    assert code == 0
    # ex02_elementwise.1.py is the stub that start --force replaced above.
    assert output == (f"saved your version as {Path('.backups') / 'ex02_elementwise.2.py'}\n"
                      f"restored the stub of exercise 2 in {folder / 'ex02_elementwise.py'}\n")
    assert (folder / "ex02_elementwise.py").read_text() == get_exercise(2).stub_text()
    assert (folder / ".backups" / "ex02_elementwise.2.py").read_text() == "# my attempt\n"
    entry = json.loads((folder / ".progress.json").read_text())["exercises"]["2"]
    assert entry["resets"] == 1 and entry["last_backup"] == "ex02_elementwise.2.py"

    # Atomic writes leave no temporary files behind.
    assert not [path for path in folder.rglob("*.tmp")]


def test_a_bad_number_is_an_error_not_a_crash(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hint", "11"]) == 2
    assert "there is no exercise 11: exercises are numbered 1 to 10" in capsys.readouterr().err


def test_a_corrupt_progress_file_is_reported(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".progress.json").write_text("{not json")
    assert main(["list", "--dir", str(tmp_path)]) == 2
    assert "delete it to start the record afresh" in capsys.readouterr().err


def test_python_dash_m_runs_the_command_line(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu.exercises", "check", "10", "--dir", str(tmp_path)],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=60, check=False)
    assert completed.returncode == 1
    assert completed.stdout.startswith("FAIL: exercise 10")
    assert "start" in completed.stdout


def test_stubs_and_solutions_are_packaged() -> None:
    packages = find_packages(str(REPO_ROOT), include=["tinygrad_edu*"])
    assert "tinygrad_edu.exercises.stubs" in packages
    assert "tinygrad_edu.exercises.solutions" in packages
    for exercise in EXERCISES:
        assert exercise.stub_text() and exercise.solution_text()


def test_mnist_trains_on_the_reference_pieces_of_an_unfinished_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], mnist_dir: Path) -> None:
    from tinygrad_edu.exercises.mnist import train_mnist

    accuracy = train_mnist(tmp_path, epochs=1, train_size=4_000, test_size=1_000)
    output = capsys.readouterr().out
    assert "reference solution's Linear" in output
    assert "reference solution's SoftmaxCrossEntropy" in output
    assert "accuracy on 1000 test images" in output
    assert accuracy > 0.75  # far above chance (0.1) after one epoch on 4,000 images


def test_mnist_command_without_data_prints_one_message(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tinygrad_edu.exercises.cli import main

    code = main(["mnist", "--dir", str(tmp_path), "--data-dir", str(tmp_path / "nothing")])
    error = capsys.readouterr().err
    assert code == 1
    assert error.count("\n") == 1 and "Traceback" not in error
    for expected in ("train-images-idx3-ubyte.gz", "file not found", "--data-dir",
                     "TINYGRAD_EDU_DATA", "downloaded"):
        assert expected in error
