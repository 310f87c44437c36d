"""The exercises: every stub fails its check with a message, every reference solution passes,
each planted bug of the bug hunt is caught and located, typical mistakes get gradcheck's
diagnosis, the planted mistakes of exercises 11 (a col2im that assigns) and 12 (batch
statistics held constant) get their own, the reference fallback works, and the command line
works end to end. The solutions of 11 and 12 are compared with torch here (never in the
library)."""

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
from tinygrad_edu.exercises.checks_layers import CONV_CASES, check_col2im_case
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


def test_there_are_twelve_exercises_in_the_order_of_the_ladder() -> None:
    assert [exercise.number for exercise in EXERCISES] == list(range(1, 13))
    slugs = [exercise.slug for exercise in EXERCISES]
    assert slugs == ["ex01_chain_rule", "ex02_elementwise", "ex03_broadcasting",
                     "ex04_reductions", "ex05_matmul", "ex06_softmax_cross_entropy",
                     "ex07_linear", "ex08_article_mlp", "ex09_custom_function", "ex10_bug_hunt",
                     "ex11_conv2d_im2col", "ex12_batch_norm"]


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
    assert code == 0 and output.count("created  ") == 12
    for exercise in EXERCISES:
        assert (folder / exercise.filename).read_text() == exercise.stub_text()
    assert json.loads((folder / ".progress.json").read_text()) == {"exercises": {}, "format": 1}

    code, output = run_cli("list", "--dir", str(folder), capsys=capsys)
    assert code == 0
    assert "   1. The chain rule on scalars, by hand" in output
    assert output.count("not checked") == 12

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
    assert "passed" in output.splitlines()[1] and output.count("not checked") == 11

    code, output = run_cli("start", str(folder), capsys=capsys)
    assert code == 0 and output.count("kept     ") == 12 and "created" not in output
    assert (folder / "ex01_chain_rule.py").read_text() == mine  # never overwritten

    code, output = run_cli("start", str(folder), "--force", capsys=capsys)
    assert output.count("created  ") == 12
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
    assert main(["hint", "13"]) == 2
    assert "there is no exercise 13: exercises are numbered 1 to 12" in capsys.readouterr().err


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


# ------------------------------------------------------------ exercises 11 (conv) and 12 (BN)
ASSIGNING_COL2IM = ("padded[:, :, rows, columns] += windows[:, :, i, j]",
                    "padded[:, :, rows, columns] = windows[:, :, i, j]")

# A col2im through a writeable sliding_window_view: `view += cols` reads every window before
# writing any, so it overwrites as `=` does (the hint warns about it).
WINDOW_VIEW_COL2IM = """\
def col2im(cols, input_shape, kernel_size, stride, padding):
    N, C, H, W = input_shape
    kh, kw = kernel_size
    padded = np.zeros((N, C, H + 2 * padding, W + 2 * padding))
    windows = sliding_window_view(padded, (kh, kw), axis=(2, 3), writeable=True)
    windows = windows[:, :, ::stride, ::stride]
    OH, OW = windows.shape[2:4]
    windows += cols.reshape(N, C, kh, kw, OH, OW).transpose(0, 1, 4, 5, 2, 3)
    return padded[:, :, padding:padding + H, padding:padding + W]
"""

BATCH_NORM_DX = "grad_x = gamma / std / m * (m * grad_output - grad_beta - x_hat * grad_gamma)"


def with_col2im(text: str) -> str:
    """Exercise 11's reference solution with its col2im replaced by ``text``."""
    solution = get_exercise(11).solution_text()
    start = solution.index("def col2im(")
    end = solution.index("class Conv2d(")
    return solution[:start] + text + "\n\n" + solution[end:]


def test_exercise_11_stub_asks_for_col2im_first() -> None:
    result = check_module(get_exercise(11), load_module(STUBS / "ex11_conv2d_im2col.py"))
    assert result.message.startswith(
        "Not written yet: col2im: add the 6 columns of cols (2, 8, 6) back into the windows of "
        "an input of shape (2, 2, 4, 6) (kernel (2, 2), stride 2, padding 0)")


def test_exercise_11_a_col2im_that_assigns_is_diagnosed_at_the_overlapping_windows(
        tmp_path: Path) -> None:
    write_exercise(tmp_path, 11, mistaken(11, *ASSIGNING_COL2IM))
    result, _ = load_and_check(get_exercise(11), tmp_path)
    assert not result.passed
    assert result.message.startswith(
        "col2im, and so dL/dx, is wrong only where windows overlap (input (2, 2, 5, 6), kernel "
        "(3, 3), stride 1, padding 0): stride 1 is smaller than the kernel (3, 3), so "
        "neighbouring windows share input elements. It is wrong at 104 of the 104 input "
        "elements that lie in two or more windows, right at the 16 that lie in one window, and "
        "it passed the case kernel (2, 2), stride 2, where stride = kernel and no windows "
        "overlap. At each wrong element it holds the value of a single window instead of the "
        "sum: col2im assigns (x[...] = cols) where it must add (x[...] += cols)")
    assert ("gradcheck failed for Im2Col (output grad_fn Im2ColBackward), input 0 (Jacobian "
            "mismatch)") in result.message


def test_exercise_11_an_assigning_col2im_passes_when_stride_equals_kernel(
        tmp_path: Path) -> None:
    write_exercise(tmp_path, 11, mistaken(11, *ASSIGNING_COL2IM))
    col2im = load_module(tmp_path / "ex11_conv2d_im2col.py").col2im
    check_col2im_case(col2im, (2, 2, 4, 6), (2, 2), stride=2, padding=0)
    check_col2im_case(col2im, (1, 2, 6, 6), (3, 3), stride=3, padding=1)
    with pytest.raises(CheckFailed, match="wrong only where windows overlap"):
        check_col2im_case(col2im, (1, 2, 6, 6), (3, 3), stride=2, padding=1)


def test_exercise_11_a_writeable_window_view_overwrites_too(tmp_path: Path) -> None:
    write_exercise(tmp_path, 11, with_col2im(WINDOW_VIEW_COL2IM))
    result, _ = load_and_check(get_exercise(11), tmp_path)
    assert result.message.startswith("col2im, and so dL/dx, is wrong only where windows overlap")
    assert "col2im assigns (x[...] = cols) where it must add (x[...] += cols)" in result.message


def test_exercise_11_a_col2im_that_keeps_the_padding_is_told_to_cut_it(tmp_path: Path) -> None:
    write_exercise(tmp_path, 11, mistaken(
        11, "return padded[:, :, padding:padding + H, padding:padding + W]", "return padded"))
    result, _ = load_and_check(get_exercise(11), tmp_path)
    assert result.message == (
        "col2im(cols (1, 18, 9), ...) with input (1, 3, 5, 5), kernel (3, 2), stride 2, padding "
        "1 returned shape (1, 3, 7, 7), but it must return the input's shape (1, 3, 5, 5): it is "
        "dL/dx. That is the padded input's shape: cut the padding off at the end (it is not "
        "part of x, so it gets no gradient).")


def test_exercise_11_a_wrong_weight_gradient_gets_gradchecks_message(tmp_path: Path) -> None:
    write_exercise(tmp_path, 11, mistaken(11, "(dZ @ cols.transpose(0, 2, 1)).sum(axis=0)",
                                          "(dZ @ cols.transpose(0, 2, 1)).mean(axis=0)"))
    result, _ = load_and_check(get_exercise(11), tmp_path)
    assert result.message.startswith(
        "Conv2d with x (2, 2, 4, 6), weight (3, 2, 2, 2), bias (3,), stride 2, padding 0: "
        "gradcheck failed for Conv2d (output grad_fn Conv2dBackward), input 1 (Jacobian "
        "mismatch)")
    assert "a factor of 2 too small" in result.message


def test_exercise_12_statistics_held_constant_are_diagnosed(tmp_path: Path) -> None:
    write_exercise(tmp_path, 12, mistaken(12, BATCH_NORM_DX, "grad_x = gamma / std * grad_output"))
    result, _ = load_and_check(get_exercise(12), tmp_path)
    assert not result.passed
    assert result.message.startswith(
        "BatchNorm's dx ignores how x moves the batch statistics: it equals γ/σ·dy, the "
        "gradient you get when each channel's mean μ and variance σ² are held constant.")
    assert "the true dx sums to zero over the batch in every channel" in result.message
    assert "Yours, for a random dy, sums to (" in result.message
    assert ("BatchNorm on x (6, 3): 6 examples, 3 channels: gradcheck failed for BatchNorm "
            "(output grad_fn BatchNormBackward), input 0 (Jacobian mismatch)") in result.message


def test_exercise_12_variance_held_constant_is_diagnosed(tmp_path: Path) -> None:
    write_exercise(tmp_path, 12, mistaken(12, BATCH_NORM_DX,
                                          "grad_x = gamma / std * (grad_output - grad_beta / m)"))
    result, _ = load_and_check(get_exercise(12), tmp_path)
    assert result.message.startswith(
        "BatchNorm's dx follows x through the batch mean but holds the variance constant")


def test_exercise_12_a_dx_that_misses_the_mean_is_caught_by_its_sums(tmp_path: Path) -> None:
    write_exercise(tmp_path, 12, mistaken(12, "m * grad_output - grad_beta - x_hat * grad_gamma",
                                          "m * grad_output - x_hat * grad_gamma"))
    result, _ = load_and_check(get_exercise(12), tmp_path)
    assert result.message.startswith(
        "BatchNorm's dx ignores how x moves the batch mean: the true dx sums to zero over the "
        "batch in every channel")


def test_exercise_12_a_wrong_gamma_gradient_gets_gradchecks_message(tmp_path: Path) -> None:
    write_exercise(tmp_path, 12, mistaken(12, "        return grad_x, grad_gamma, grad_beta\n",
                                          "        return grad_x, -grad_gamma, grad_beta\n"))
    result, _ = load_and_check(get_exercise(12), tmp_path)
    assert result.message.startswith(
        "BatchNorm on x (6, 3): 6 examples, 3 channels: gradcheck failed for BatchNorm (output "
        "grad_fn BatchNormBackward), input 1 (Jacobian mismatch)")
    assert "wrong sign" in result.message


@pytest.mark.parametrize("x_shape, weight_shape, stride, padding", CONV_CASES)
def test_exercise_11_solution_equals_torch(x_shape: tuple[int, int, int, int],
                                           weight_shape: tuple[int, int, int, int],
                                           stride: int, padding: int) -> None:
    torch = pytest.importorskip("torch")
    import numpy as np
    from torch.nn import functional

    from tinygrad_edu.tensor import Tensor

    solution = reference_module(get_exercise(11))
    generator = np.random.default_rng(0)
    arrays = [generator.standard_normal(shape)
              for shape in (x_shape, weight_shape, (weight_shape[0],))]
    ours = [Tensor(array, requires_grad=True) for array in arrays]
    theirs = [torch.tensor(array, requires_grad=True) for array in arrays]
    output = solution.Conv2d.apply(*ours, stride=stride, padding=padding)
    expected = functional.conv2d(theirs[0], theirs[1], theirs[2], stride=stride,
                                 padding=padding)
    grad_output = generator.standard_normal(tuple(expected.shape))
    np.testing.assert_allclose(output.detach().numpy(), expected.detach().numpy(),
                               rtol=1e-10, atol=1e-10)
    output.backward(Tensor(grad_output))
    expected.backward(torch.tensor(grad_output))
    for mine, reference in zip(ours, theirs):
        assert mine.grad is not None and reference.grad is not None
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-10,
                                   atol=1e-10)
    # im2col is torch's unfold, and col2im its adjoint, torch's fold.
    kernel_size = weight_shape[2:]
    cols = solution.im2col(arrays[0], kernel_size, stride, padding)
    unfolded = functional.unfold(theirs[0].detach(), kernel_size, padding=padding, stride=stride)
    np.testing.assert_array_equal(cols, unfolded.numpy())
    folded = functional.fold(torch.tensor(cols), x_shape[2:], kernel_size, padding=padding,
                             stride=stride)
    np.testing.assert_allclose(solution.col2im(cols, x_shape, kernel_size, stride, padding),
                               folded.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", [(6, 3), (4, 2), (32, 5)])
def test_exercise_12_solution_equals_torch(shape: tuple[int, int]) -> None:
    torch = pytest.importorskip("torch")
    import numpy as np
    from torch.nn import functional

    from tinygrad_edu.tensor import Tensor

    solution = reference_module(get_exercise(12))
    generator = np.random.default_rng(1)
    arrays = [generator.normal(1.0, 2.0, shape), generator.uniform(-2, 2, shape[1]),
              generator.standard_normal(shape[1])]
    grad_output = generator.standard_normal(shape)
    ours = [Tensor(array, requires_grad=True) for array in arrays]
    theirs = [torch.tensor(array, requires_grad=True) for array in arrays]
    output = solution.BatchNorm.apply(*ours)
    expected = functional.batch_norm(theirs[0], None, None, theirs[1], theirs[2], training=True,
                                     eps=1e-5)
    np.testing.assert_allclose(output.detach().numpy(), expected.detach().numpy(), rtol=1e-10,
                               atol=1e-10)
    output.backward(Tensor(grad_output))
    expected.backward(torch.tensor(grad_output))
    for mine, reference in zip(ours, theirs):
        assert mine.grad is not None and reference.grad is not None
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-10,
                                   atol=1e-10)
    # The self-test the checker's message teaches: the true dx sums to zero in every channel.
    grad_x = ours[0].grad
    assert grad_x is not None
    np.testing.assert_allclose(grad_x.numpy().sum(axis=0), 0.0, atol=1e-12)


def test_exercises_11_and_12_through_the_command_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "learner"
    run_cli("start", str(folder), capsys=capsys)
    assert (folder / "ex11_conv2d_im2col.py").read_text() == get_exercise(11).stub_text()
    assert (folder / "ex12_batch_norm.py").read_text() == get_exercise(12).stub_text()

    code, output = run_cli("check", "11", "--dir", str(folder), capsys=capsys)
    assert code == 1
    assert output.startswith("FAIL: exercise 11, Conv2d backward through im2col and col2im.\n\n"
                             "Not written yet: col2im: ")
    (folder / "ex11_conv2d_im2col.py").write_text(mistaken(11, *ASSIGNING_COL2IM))
    code, output = run_cli("check", "11", "--dir", str(folder), capsys=capsys)
    assert code == 1 and "is wrong only where windows overlap" in output
    entry = json.loads((folder / ".progress.json").read_text())["exercises"]["11"]
    assert entry["status"] == "failing" and entry["attempts"] == 2
    assert entry["last_message"].startswith("col2im, and so dL/dx, is wrong only where windows")
    (folder / "ex11_conv2d_im2col.py").write_text(get_exercise(11).solution_text())
    code, output = run_cli("check", "11", "--dir", str(folder), capsys=capsys)
    assert (code, output) == (0, "PASS: exercise 11, Conv2d backward through im2col and col2im.\n")

    code, output = run_cli("hint", "12", "--dir", str(folder), capsys=capsys)
    assert output.startswith("Hint for exercise 12, BatchNorm backward through the batch "
                             "statistics:") and get_exercise(12).hint in output
    (folder / "ex12_batch_norm.py").write_text(get_exercise(12).solution_text())
    assert run_cli("check", "12", "--dir", str(folder), capsys=capsys)[0] == 0
    progress = json.loads((folder / ".progress.json").read_text())["exercises"]
    assert progress["11"]["status"] == "passed" and progress["11"]["attempts"] == 3
    assert progress["12"]["status"] == "passed" and progress["12"]["hints_shown"] == 1

    code, output = run_cli("list", "--dir", str(folder), capsys=capsys)
    lines = output.splitlines()
    assert lines[11].startswith("  11. Conv2d backward through im2col and col2im")
    assert lines[12].startswith("  12. BatchNorm backward through the batch statistics")
    assert lines[11].endswith("passed") and lines[12].endswith("passed")

    code, output = run_cli("solution", "12", capsys=capsys)
    assert (code, output) == (0, get_exercise(12).solution_text())
