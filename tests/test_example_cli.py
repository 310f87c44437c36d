"""The command line of examples/mlp_mnist.py, run as a user runs it (in a subprocess).

- A bad argument ends in one argparse-style line and exit status 2, before any data is read or
  anything trained; missing or damaged MNIST in one message (the file, the problem, the three
  fixes) and exit status 1; never a traceback, unless --debug asks for it.
- Ctrl-C writes the results of the finished epochs and exits with status 130.
- Without a terminal: one line per contestant and epoch, no progress bars; the terminal table
  fits in 100 columns; the Markdown table goes to OUT/results.md.
- The metrics in the JSON are the same in two fresh runs, and the environment is recorded.
- --jit adds (6), (3) with its step compiled by tge.jit: its own row, (3)'s metrics and weights.
- A run killed (SIGKILL) in the middle of an epoch and resumed from its checkpoint ends with
  the weights, bit for bit, and the metrics of an uninterrupted run.

Every run is tiny (--quick with 1 epoch, or the first 64 images). MNIST is found only by the
library's resolution order (``locate_mnist``, the ``mnist_dir`` fixture of conftest.py), never by
a path written here.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import tinygrad_edu as tge

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPT = EXAMPLES / "mlp_mnist.py"
sys.path.insert(0, str(EXAMPLES))

import mlp_mnist  # noqa: E402
import mlp_mnist_report  # noqa: E402

from tinygrad_edu.data.datasets import DatasetError, MnistLocation, locate_mnist  # noqa: E402
from tinygrad_edu.data.datasets.mnist import SOURCE_SHARED, TRAIN_FILES  # noqa: E402

# The first 64 training and evaluation images, one epoch: each run takes a few seconds.
TINY = ["--quick", "--epochs", "1", "--train-limit", "64", "--eval-limit", "64"]
EPOCH_LINE = re.compile(r"^\((\d)\) (\S+) +epoch +(\d+)/(\d+)  loss (\S+)  \w+ [\d.]+ %  ")
THREE_FIXES = ("--data-dir DIR", "TINYGRAD_EDU_DATA environment variable",
               "connect to the internet")


def inherited_environment() -> dict[str, str]:
    """This process's environment without the variables the script pins itself (thread counts,
    kernel choices), so that a run shows the script's own choices."""
    return {name: value for name, value in os.environ.items()
            if name not in mlp_mnist.NUMERICS_VARIABLES}


def run_script(*arguments: str, env: dict[str, str] | None = None,
               timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``python examples/mlp_mnist.py ARGUMENTS``, its output captured (so not a terminal).

    The output is decoded without newline translation, which would turn a progress bar's
    carriage returns into newlines and hide them.
    """
    completed = subprocess.run([sys.executable, str(SCRIPT), *arguments], capture_output=True,
                               timeout=timeout, stdin=subprocess.DEVNULL,
                               env={**inherited_environment(), **(env or {})})
    return subprocess.CompletedProcess(completed.args, completed.returncode,
                                       completed.stdout.decode("utf-8"),
                                       completed.stderr.decode("utf-8"))


def flat(text: str) -> str:
    """``text`` with every run of whitespace made one space (messages are wrapped)."""
    return " ".join(text.split())


def epoch_lines(stdout: str) -> list[str]:
    """The lines that report a finished epoch."""
    return [line for line in stdout.splitlines() if EPOCH_LINE.match(line)]


def assert_stopped_before_training(completed: subprocess.CompletedProcess[str],
                                   out: Path) -> None:
    """No epoch was trained, nothing was written, no traceback was shown."""
    assert epoch_lines(completed.stdout) == []
    assert "Traceback" not in completed.stderr
    assert not out.exists()  # not even the folder: it is removed again when the run stops


def load_json(out: Path, stem: str = "mlp_mnist_article_quick") -> dict[str, Any]:
    return json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------ bad arguments
@pytest.mark.parametrize("arguments, message", [
    (["--epochs", "0"], "argument --epochs: must be a positive integer (1 or more), got 0"),
    (["--epochs", "-1"], "argument --epochs: must be a positive integer (1 or more), got -1"),
    (["--epochs", "many"], "argument --epochs: expected a positive integer, got 'many'"),
    (["--batch-size", "0"],
     "argument --batch-size: must be a positive integer (1 or more), got 0"),
    (["--seed", "-5"], "argument --seed: must be in 0..4294967295 (2**32 - 1), got -5"),
    (["--seed", str(2**32)],
     f"argument --seed: must be in 0..4294967295 (2**32 - 1), got {2**32}"),
    (["--progress", "--no-progress"], "argument --no-progress: not allowed with argument"),
], ids=["epochs 0", "epochs -1", "epochs many", "batch-size 0", "seed -5", "seed 2**32",
        "progress and no-progress"])
def test_bad_value_is_one_error_line_and_status_2(tmp_path: Path, arguments: list[str],
                                                  message: str) -> None:
    out = tmp_path / "out"
    completed = run_script(*arguments, "--out", str(out))
    assert completed.returncode == 2, completed.stderr
    last_line = completed.stderr.strip().splitlines()[-1]
    assert last_line.startswith(f"mlp_mnist.py: error: {message}")
    assert completed.stderr.count("error:") == 1
    assert_stopped_before_training(completed, out)
    assert completed.stdout == ""  # stopped before MNIST was even looked for


def test_out_under_a_regular_file_is_refused_at_once(tmp_path: Path) -> None:
    blocking = tmp_path / "a_file.txt"
    blocking.write_text("not a folder\n")
    out = blocking / "out"
    completed = run_script("--out", str(out), *TINY)
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines()[-1] == (
        f"mlp_mnist.py: error: argument --out: cannot create the folder {out}: {blocking} is a "
        "file, not a folder")
    assert_stopped_before_training(completed, out)
    assert completed.stdout == ""


def test_out_where_no_file_can_be_written_is_refused_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A folder that exists but takes no file (read-only, full disk): the probe file fails.
    (Simulated: the tests may run as root, who can write into a read-only folder.)"""
    out = tmp_path / "read_only"

    def refuse(*arguments: Any, **keywords: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(mlp_mnist.tempfile, "NamedTemporaryFile", refuse)
    with pytest.raises(SystemExit) as caught:
        mlp_mnist.main(["--out", str(out), *TINY])
    assert caught.value.code == 2
    last_line = capsys.readouterr().err.strip().splitlines()[-1]
    assert last_line == (f"mlp_mnist.py: error: argument --out: cannot write into {out}: "
                         "Permission denied")
    assert not out.exists()  # the folder the run created is removed again


# ------------------------------------------------------------------------------------ bad data
def test_empty_data_dir_names_the_file_and_the_three_fixes(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out"
    completed = run_script("--data-dir", str(empty), "--out", str(out), *TINY)
    assert completed.returncode == 1
    message = flat(completed.stderr)
    assert message.startswith(f"mlp_mnist.py: error: MNIST file {empty / TRAIN_FILES[0]}: "
                              "file not found")
    assert f"(the folder {empty}, given by --data-dir)" in message
    for fix in THREE_FIXES:
        assert fix in message
    assert "--debug" in message
    assert_stopped_before_training(completed, out)


@pytest.mark.parametrize("damage, given_by", [("flip a byte", "--data-dir"),
                                              ("truncate", "TINYGRAD_EDU_DATA")])
def test_damaged_copy_names_the_file_and_md5(tmp_path: Path, mnist_dir: Path, damage: str,
                                             given_by: str) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in TRAIN_FILES:
        shutil.copyfile(mnist_dir / name, copy / name)
    damaged = copy / TRAIN_FILES[1]
    data = bytearray(damaged.read_bytes())
    if damage == "truncate":
        del data[len(data) // 2:]
    else:
        data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    out = tmp_path / "out"
    if given_by == "--data-dir":
        completed = run_script("--data-dir", str(copy), "--out", str(out), *TINY)
    else:
        completed = run_script("--out", str(out), *TINY, env={"TINYGRAD_EDU_DATA": str(copy)})
    assert completed.returncode == 1
    message = flat(completed.stderr)
    assert message.startswith(f"mlp_mnist.py: error: MNIST file {damaged}: md5 mismatch")
    assert f"({len(data)} bytes)" in message
    chooser = "--data-dir" if given_by == "--data-dir" else "the TINYGRAD_EDU_DATA environment"
    assert f"(the folder {copy}, given by {chooser}" in message
    for fix in THREE_FIXES:
        assert fix in message
    assert_stopped_before_training(completed, out)


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    completed = run_script("--data-dir", str(missing), "--out", str(tmp_path / "out"), "--debug",
                           *TINY)
    assert completed.returncode == 1
    assert "Traceback (most recent call last)" in completed.stderr
    assert "MnistNotFoundError" in completed.stderr
    assert "Three ways to fix it" not in completed.stderr


def test_failed_download_into_the_user_cache_is_one_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No folder named, no shared copy, no network (a mirror that does not exist): the
    download into the user cache fails, and main says so in one message, status 1."""
    from tinygrad_edu.data.datasets import locate, mnist

    monkeypatch.delenv("TINYGRAD_EDU_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(locate, "shared_data_dir", lambda: None)
    monkeypatch.setattr(mnist, "MIRRORS", ((tmp_path / "no_mirror").as_uri() + "/",))
    monkeypatch.setattr(mnist, "DOWNLOAD_ATTEMPTS", 1)
    out = tmp_path / "out"
    assert mlp_mnist.main(["--out", str(out), *TINY]) == 1
    captured = capsys.readouterr()
    message = flat(captured.err)
    cache = tmp_path / "cache" / "tinygrad_edu" / "mnist"
    assert message.startswith(f"mlp_mnist.py: error: MNIST file {cache / TRAIN_FILES[0]}: could "
                              "not be downloaded (1 failed attempts; last: attempt 1, file:")
    assert f"(the folder {cache}, the user cache, where missing files are downloaded)" in message
    for fix in THREE_FIXES:
        assert fix in message
    assert "Traceback" not in captured.err and epoch_lines(captured.out) == []
    assert not out.exists() and not cache.exists()  # neither folder is left behind


def test_damaged_file_in_the_shared_folder_says_what_comes_first(tmp_path: Path) -> None:
    damaged = tmp_path / TRAIN_FILES[0]
    damaged.write_bytes(b"not gzip")
    error = DatasetError("...", damaged, "md5 mismatch: expected ..., found ...")
    message = flat(mlp_mnist.data_problem_message(error, MnistLocation(tmp_path,
                                                                       SOURCE_SHARED)))
    assert f"({tmp_path} comes before the user cache: repair it, or use 1 or 2)" in message
    assert f"(or replace {damaged} by a good copy)" in message


# --------------------------------------------------------------------------------------- Ctrl-C
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is a POSIX signal")
def test_ctrl_c_writes_the_finished_epochs_and_exits_130(mnist_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    stderr_path = tmp_path / "stderr.txt"
    with open(stderr_path, "w") as stderr:
        # A shell that starts a program in the background makes it ignore SIGINT; this one
        # gets the default handling back, as in a terminal.
        process = subprocess.Popen(
            [sys.executable, str(SCRIPT), "--quick", "--epochs", "300", "--out", str(out)],
            stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL, text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        try:
            assert process.stdout is not None
            first = ""
            for line in process.stdout:
                if EPOCH_LINE.match(line):
                    first = line
                    break
            assert first, "the run ended before its first epoch"
            process.send_signal(signal.SIGINT)
            rest, _ = process.communicate(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    message = stderr_path.read_text()
    assert process.returncode == 130, message
    assert "Traceback" not in message
    assert f"interrupted (Ctrl-C); the results so far were written to {out}" in message
    results = load_json(out)
    assert results["interrupted"] is True
    statuses = [run["status"] for run in results["contestants"]]
    assert statuses[0] == "interrupted" and set(statuses[1:]) == {"not run"}
    history = results["contestants"][0]["history"]
    assert len(history) >= 1
    assert [record["epoch"] for record in history] == list(range(1, len(history) + 1))
    assert f"loss {history[0]['loss']:.4f}" in first  # the epoch printed is the one kept
    assert (out / "results.md").read_text(encoding="utf-8").count("| 1 | article-numpy |") == 1
    assert "not run (interrupted)" in rest  # the table of the results so far


# ----------------------------------------------------------------------------- a normal run
@pytest.fixture(scope="module")
def quick_run(mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[subprocess.CompletedProcess[str], Path]:
    """``--quick --epochs 1`` without a terminal and without progress flags."""
    out = tmp_path_factory.mktemp("quick") / "out"
    completed = run_script("--quick", "--epochs", "1", "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    return completed, out


def test_without_a_terminal_one_line_per_epoch_and_no_bars(
        quick_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    completed, _ = quick_run
    assert "\r" not in completed.stdout and "\r" not in completed.stderr
    assert completed.stderr == ""
    trained = [key for key in mlp_mnist.KEYS
               if key != "torch-article-adam" or mlp_mnist.torch_available()]
    lines = epoch_lines(completed.stdout)
    assert [line.split()[1] for line in lines] == trained
    assert all(" epoch 1/1 " in line for line in lines)


def test_terminal_table_is_plain_and_fits_100_columns(
        quick_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    completed, out = quick_run
    lines = completed.stdout.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("#  contestant"))
    end = lines.index("", start)
    table = lines[start:end]
    assert len(table) == 2 + len(mlp_mnist.KEYS)  # header, rule, one row per contestant
    for line in lines:
        if str(out) not in line and locate_mnist().folder.as_posix() not in line:
            assert len(line) <= 100, line
    for line in table:
        assert "|" not in line and "**" not in line
    for index, key in enumerate(mlp_mnist.KEYS, start=1):
        assert any(line.split()[:2] == [str(index), key] for line in table), key
    assert "Recipes:" in lines and "Notes:" in lines
    assert f"Written to {out}:" in completed.stdout


def test_results_md_json_and_png_in_the_out_folder(
        quick_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, out = quick_run
    markdown = (out / "results.md").read_text(encoding="utf-8")
    for index, key in enumerate(mlp_mnist.KEYS, start=1):
        assert f"\n| {index} | {key} |" in markdown, key
    assert "|---|---|---|---:|" in markdown
    results = load_json(out)
    assert [run["key"] for run in results["contestants"]] == mlp_mnist.KEYS
    assert results["train_count"] == mlp_mnist.QUICK_TRAIN
    assert results["eval_count"] == mlp_mnist.QUICK_EVAL
    assert results["data"] == {"folder": str(locate_mnist().folder),
                               "source": locate_mnist().source}
    assert results["files"]["markdown"] == str(out / "results.md")
    for run in results["contestants"]:
        if run["status"] == "skipped":
            assert run["key"] == "torch-article-adam"
            continue
        assert run["status"] == "finished"
        assert [record["epoch"] for record in run["history"]] == [1]
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert results["files"]["png"] is None
    else:
        png = out / "mlp_mnist_article_quick.png"
        assert results["files"]["png"] == str(png)
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_json_records_the_environment(
        quick_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, out = quick_run
    environment = load_json(out)["environment"]
    versions = environment["versions"]
    assert versions["python"] == ".".join(map(str, sys.version_info[:3]))
    assert versions["numpy"] and versions["tinygrad_edu"]
    if mlp_mnist.torch_available():
        assert versions["torch"] and environment["torch"]["threads"] == 1
        assert environment["torch"]["cpu_capability"]
    blas = environment["blas"]
    assert set(blas) == {"name", "version", "configuration", "openblas_kernels"}
    # The script chose every variable itself (the test removed them from its environment).
    variables = environment["variables"]
    assert set(variables) == set(mlp_mnist.NUMERICS_VARIABLES)
    for name in mlp_mnist.THREAD_VARIABLES:
        assert variables[name] == "1" and name in environment["variables_set_by_this_script"]
    flags = mlp_mnist.cpu_flags()
    if platform.machine() == "x86_64" and {"avx2", "fma"} <= flags:
        for name, value in mlp_mnist.AVX2_KERNEL_VARIABLES.items():
            assert variables[name] == value, name
        if blas["name"] and "openblas" in blas["name"]:
            assert blas["openblas_kernels"] == "Haswell"  # the pinned kernels did run
        if mlp_mnist.torch_available():
            assert environment["torch"]["cpu_capability"] == "AVX2"
    assert environment["cpu_model"] is None or isinstance(environment["cpu_model"], str)
    assert environment["platform"] and environment["cpu_count"] == os.cpu_count()


def test_the_user_choice_of_kernels_and_threads_is_kept(tmp_path: Path) -> None:
    completed = run_script("--quick", "--epochs", "1", "--train-limit", "64", "--eval-limit",
                           "64", "--out", str(tmp_path),
                           env={"OMP_NUM_THREADS": "2", "OPENBLAS_CORETYPE": "Haswell"})
    assert completed.returncode == 0, completed.stderr
    environment = load_json(tmp_path)["environment"]
    assert environment["variables"]["OMP_NUM_THREADS"] == "2"
    assert "OMP_NUM_THREADS" not in environment["variables_set_by_this_script"]
    assert "OPENBLAS_CORETYPE" not in environment["variables_set_by_this_script"]


def test_metrics_are_the_same_in_a_second_fresh_run(
        quick_run: tuple[subprocess.CompletedProcess[str], Path], tmp_path: Path) -> None:
    _, first_out = quick_run
    completed = run_script("--quick", "--epochs", "1", "--out", str(tmp_path))
    assert completed.returncode == 0, completed.stderr

    def metrics(results: dict[str, Any]) -> list[Any]:
        return [(run["key"], run["status"], run["history"]) for run in results["contestants"]]

    first, second = load_json(first_out), load_json(tmp_path)
    for run in first["contestants"]:
        for record in run["history"]:  # metrics only: the timings are kept apart
            assert set(record) == {"epoch", "loss", "train_accuracy", "eval_accuracy"}
    assert metrics(first) == metrics(second)
    assert first["max_weight_difference_1_2"] == second["max_weight_difference_1_2"]


# --------------------------------------------------------------------------- flags and torch
def test_jit_adds_contestant_6_with_the_metrics_and_weights_of_3(
        mnist_dir: Path, tmp_path: Path) -> None:
    """--jit: (6) is (3) with its step compiled by tge.jit; three epochs of 200 images (the
    third replays every batch) give it exactly (3)'s losses, accuracies and weights, and it
    has its own row in both tables and its own recipe line."""
    out = tmp_path / "out"
    completed = run_script("--quick", "--jit", "--epochs", "3", "--train-limit", "200",
                           "--eval-limit", "100", "--out", str(out), "--save-weights",
                           str(tmp_path / "weights.npz"))
    assert completed.returncode == 0, completed.stderr
    results = load_json(out)
    keys = [*mlp_mnist.KEYS, "tge-article-adam-jit"]
    assert mlp_mnist.contestant_keys(jit=True) == keys
    assert [run["key"] for run in results["contestants"]] == keys
    runs = {run["key"]: run for run in results["contestants"]}
    eager, compiled = runs["tge-article-adam"], runs["tge-article-adam-jit"]
    assert compiled["index"] == 6 and compiled["status"] == "finished"
    assert [record["epoch"] for record in compiled["history"]] == [1, 2, 3]
    assert compiled["history"] == eager["history"]  # losses and accuracies, exactly
    assert results["jit_weights_identical"] is True
    weights = tge.load(tmp_path / "weights.npz")
    for name, value in weights["tge-article-adam"].items():
        identical = weights["tge-article-adam-jit"][name].tobytes() == value.tobytes()
        assert identical, name

    lines = completed.stdout.splitlines()
    assert [line.split()[:2] for line in epoch_lines(completed.stdout)][-3:] == [
        ["(6)", "tge-article-adam-jit"]] * 3
    start = next(index for index, line in enumerate(lines) if line.startswith("#  contestant"))
    table = lines[start:lines.index("", start)]
    assert len(table) == 2 + len(keys)
    rows = {line.split()[1]: line.split()[2:] for line in table[2:]}
    assert rows["tge-article-adam-jit"][0] == "3"  # epochs
    float(rows["tge-article-adam-jit"][1])  # its own seconds per epoch
    # Train, eval at the common epoch, final and best accuracies: the same cells as (3)'s.
    assert rows["tge-article-adam-jit"][2:] == rows["tge-article-adam"][2:]
    for line in lines:
        if str(out) not in line and str(tmp_path) not in line:
            assert len(line) <= 100, line
    assert ("  (6) tinygrad_edu, recipe and initial weights of (3), its step compiled with "
            "tge.jit") in lines
    notes = flat(completed.stdout)
    assert ("(3) vs (6), the same step run eagerly and compiled with tge.jit: final weights "
            "identical bit for bit") in notes
    assert re.search(r"tge\.jit: \(6\) trains in [\d.]+ s / epoch, \(3\) eagerly in [\d.]+ s",
                     notes)
    markdown = (out / "results.md").read_text(encoding="utf-8")
    row = next(line for line in markdown.splitlines()
               if line.startswith("| 6 | tge-article-adam-jit |"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    eager_row = next(line for line in markdown.splitlines()
                     if line.startswith("| 3 | tge-article-adam |"))
    eager_cells = [cell.strip() for cell in eager_row.strip("|").split("|")]
    assert cells[3] == "3" and float(cells[4]) >= 0  # epochs, s / epoch
    assert cells[5:] == eager_cells[5:]


def test_progress_flag_shows_bars_without_a_terminal(mnist_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("tqdm")
    completed = run_script(*TINY, "--progress", "--out", str(tmp_path))
    assert completed.returncode == 0, completed.stderr
    assert "\r" in completed.stderr and "epoch" in completed.stderr
    assert epoch_lines(completed.stdout) == []


def test_missing_torch_skips_contestant_4(mnist_dir: Path, tmp_path: Path) -> None:
    """torch made unimportable: (4) is skipped and said so in the table, the rest runs."""
    hidden = tmp_path / "hide_torch" / "torch"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text('raise ImportError("torch hidden by the test")\n')
    out = tmp_path / "out"
    completed = run_script(*TINY, "--out", str(out),
                           env={"PYTHONPATH": os.pathsep.join(
                               [str(hidden.parent), os.environ.get("PYTHONPATH", "")])})
    assert completed.returncode == 0, completed.stderr
    runs = load_json(out)["contestants"]
    assert [run["status"] for run in runs] == ["finished"] * 3 + ["skipped", "finished"]
    assert runs[3]["skipped"] == "torch not installed"
    assert mlp_mnist_report.curve_label(runs[3]) == (
        "(4) torch-article-adam: skipped (torch not installed)")
    assert re.search(r"^4  torch-article-adam +skipped \(torch not installed\)$",
                     completed.stdout, re.MULTILINE)
    assert "| 4 | torch-article-adam |" in (out / "results.md").read_text(encoding="utf-8")


def test_default_out_folder_per_protocol() -> None:
    root = Path(mlp_mnist.__file__).resolve().parent / "out"
    assert mlp_mnist.default_out("article", quick=False) == root / "article"
    assert mlp_mnist.default_out("standard", quick=True) == root / "standard-quick"
    assert mlp_mnist.output_stem("standard", quick=True) == "mlp_mnist_standard_quick"


# ------------------------------------------------------------------------ checkpoint and resume
def file_identity(path: Path) -> tuple[int, int] | None:
    """(inode, mtime) of ``path``, None while it does not exist: a new checkpoint (written
    beside the old one and renamed over it) always changes it."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_ino, status.st_mtime_ns


def kill_mid_epoch(arguments: list[str], checkpoint: Path, after_line: str) -> None:
    """Start the script, wait for the epoch line that starts with ``after_line`` (its epoch
    is saved before it is printed), then for the next checkpoint, which is written within the
    following epoch, and SIGKILL the process at once."""
    process = subprocess.Popen([sys.executable, str(SCRIPT), *arguments],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL, env=inherited_environment(), text=True)
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(after_line):
                break
        else:
            raise AssertionError(f"the run ended before {after_line!r}")
        seen = file_identity(checkpoint)
        while file_identity(checkpoint) == seen:
            assert process.poll() is None, "the run ended without another checkpoint"
            time.sleep(0.001)
        process.kill()  # SIGKILL: nothing of the program runs any more
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        assert process.stdout is not None
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL


def test_a_run_killed_mid_epoch_resumes_to_bit_identical_weights(
        mnist_dir: Path, tmp_path: Path) -> None:
    """Killed (SIGKILL) twice in the middle of an epoch, in (4) torch and in (5) (scheduler,
    dropout and shifts), and resumed each time: the final weights of all five contestants are
    bit for bit, and the metrics exactly, those of an uninterrupted run."""
    quick = ["--quick", "--no-progress", "--checkpoint-every", "3"]
    whole = tmp_path / "whole"
    completed = run_script(*quick, "--out", str(whole / "out"), "--checkpoint",
                           str(whole / "checkpoints"), "--save-weights",
                           str(whole / "weights.npz"))
    assert completed.returncode == 0, completed.stderr

    folder = tmp_path / "killed" / "checkpoints"
    checkpoint = folder / mlp_mnist.CHECKPOINT_FILE
    resumed = [*quick, "--out", str(tmp_path / "killed" / "out"), "--checkpoint", str(folder),
               "--save-weights", str(tmp_path / "killed" / "weights.npz")]
    kill_mid_epoch(resumed, checkpoint, "(4) torch-article-adam  epoch 1/2")
    state = tge.load(checkpoint)["current"]
    assert (state["key"], state["epoch"]) == ("torch-article-adam", 1) and state["batch"] > 0
    kill_mid_epoch([*resumed, "--resume"], checkpoint, "(5) tge-recommended     epoch 1/2")
    state = tge.load(checkpoint)["current"]
    assert (state["key"], state["epoch"]) == ("tge-recommended", 1) and state["batch"] > 0
    completed = run_script(*resumed, "--resume")
    assert completed.returncode == 0, completed.stderr
    assert f"(5) tge-recommended: resumed after 1 epochs and {state['batch']} batches" in (
        completed.stdout)
    assert [line.split("  loss")[0] for line in epoch_lines(completed.stdout)] == [
        "(5) tge-recommended     epoch 2/2"]  # only what was left was trained

    expected, got = tge.load(whole / "weights.npz"), tge.load(tmp_path / "killed" / "weights.npz")
    assert list(got) == list(expected) == mlp_mnist.KEYS
    for key, weights in expected.items():
        assert list(got[key]) == list(weights)
        for name, value in weights.items():
            assert got[key][name].dtype == value.dtype
            identical = got[key][name].tobytes() == value.tobytes()  # a bool: no huge diff
            assert identical, f"{key} {name} differs from the uninterrupted run"

    def metrics(results: dict[str, Any]) -> list[Any]:
        return [(run["key"], run["status"], run["history"]) for run in results["contestants"]]

    first, second = load_json(whole / "out"), load_json(tmp_path / "killed" / "out")
    assert metrics(second) == metrics(first)
    assert second["notes"] == first["notes"] and second["resumed"] is True


def test_resume_refuses_a_checkpoint_of_other_settings(mnist_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "checkpoints"
    completed = run_script(*TINY, "--out", str(tmp_path / "out"), "--checkpoint", str(folder))
    assert completed.returncode == 0, completed.stderr
    completed = run_script(*TINY, "--seed", "1", "--out", str(tmp_path / "out"),
                           "--checkpoint", str(folder), "--resume")
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines()[-1] == (
        f"mlp_mnist.py: error: argument --checkpoint: {folder / mlp_mnist.CHECKPOINT_FILE} was "
        "written with other settings: seed 0 (now 1)")
    completed = run_script(*TINY, "--out", str(tmp_path / "out"), "--resume")
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines()[-1] == (
        "mlp_mnist.py: error: argument --resume: needs --checkpoint DIR, the folder of the "
        "checkpoint")
