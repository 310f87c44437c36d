"""PyTorch's tutorials, rewritten only in their imports, print what torch prints.

Each script in ``tests/tutorials/`` is written against real torch, following one official
PyTorch tutorial page (its docstring says which, and what it changes so that two libraries can
agree: NumPy for every random value, float64 for long runs, smaller data). Each test runs a
script twice, in fresh subprocesses: as written, under torch; and with its import lines
rewritten by the table below, under tinygrad_edu. The two standard outputs must agree: the same
text around the numbers, and every number, in order, within the tolerance of ``compare``.

The rewrite changes import lines and nothing else (``rewrite_imports`` asserts it); every other
line of a tutorial runs verbatim on tinygrad_edu. A script that does not yet run or agree on
tinygrad_edu is listed in ``EXPECTED_TO_FAIL`` with the reason, as a strict xfail: it shows in
every run, and the day it passes the test errors until the entry is removed.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = REPO_ROOT / "tests" / "tutorials"
SCRIPTS = sorted(path.name for path in TUTORIALS.glob("*.py") if path.name != "conftest.py")

# ---------------------------------------------------------------------------- the import rewrite
#
# Every torch name a script uses is reached through its imports, so rewriting the module name in
# the import lines sends the whole script to tinygrad_edu: ``torch`` becomes ``tinygrad_edu``
# (bound to the name ``torch``), and ``torch.X`` becomes ``tinygrad_edu.X``. This is the table,
# one rule per form of import line:
#
# | torch line                  | tinygrad_edu line                  |
# |-----------------------------|------------------------------------|
# | import torch                | import tinygrad_edu as torch       |
# | import torch.SUB as NAME    | import tinygrad_edu.SUB as NAME    |
# | from torch import NAMES     | from tinygrad_edu import NAMES     |
# | from torch.SUB import NAMES | from tinygrad_edu.SUB import NAMES |
#
# For example ``import torch.nn.functional as F`` becomes ``import tinygrad_edu.nn.functional as
# F`` and ``from torch.utils.data import DataLoader`` becomes ``from tinygrad_edu.utils.data
# import DataLoader`` (REWRITE_EXAMPLES, tested below). A trailing comment is kept. Any other
# line that imports torch (``import torch.nn`` without ``as``, ``import numpy, torch``...) is
# refused: the rewrite stays this small and explicit.

_COMMENT = r"(?P<comment>\s*#.*)?"
IMPORT_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(?P<indent>\s*)import torch" + _COMMENT + "$"),
     r"\g<indent>import tinygrad_edu as torch\g<comment>"),
    (re.compile(r"^(?P<indent>\s*)import torch\.(?P<sub>[\w.]+) as (?P<name>\w+)"
                + _COMMENT + "$"),
     r"\g<indent>import tinygrad_edu.\g<sub> as \g<name>\g<comment>"),
    (re.compile(r"^(?P<indent>\s*)from torch import (?P<names>[\w, ]+?)" + _COMMENT + "$"),
     r"\g<indent>from tinygrad_edu import \g<names>\g<comment>"),
    (re.compile(r"^(?P<indent>\s*)from torch\.(?P<sub>[\w.]+) import (?P<names>[\w, ]+?)"
                + _COMMENT + "$"),
     r"\g<indent>from tinygrad_edu.\g<sub> import \g<names>\g<comment>"),
]

# A line that imports torch in any form: each must be rewritten by one of the rules above.
TORCH_IMPORT = re.compile(r"^\s*(import|from)\s.*\btorch\b")

REWRITE_EXAMPLES = [
    ("import torch", "import tinygrad_edu as torch"),
    ("import torch.nn.functional as F", "import tinygrad_edu.nn.functional as F"),
    ("from torch import nn, optim", "from tinygrad_edu import nn, optim"),
    ("from torch.utils.data import DataLoader", "from tinygrad_edu.utils.data import DataLoader"),
    ("    from torch import nn  # noqa: E402", "    from tinygrad_edu import nn  # noqa: E402"),
]


def rewrite_line(line: str) -> str:
    """One torch import line as its tinygrad_edu import; any other line unchanged."""
    if not TORCH_IMPORT.match(line):
        return line
    for pattern, replacement in IMPORT_RULES:
        if pattern.match(line):
            return pattern.sub(replacement, line)
    raise ValueError(f"this line imports torch in a form the rewrite table does not cover: "
                     f"{line!r}; write it as one of the table's forms")


def rewrite_imports(source: str) -> str:
    """The script with its torch imports rewritten; asserts that nothing else changed."""
    original = source.splitlines(keepends=True)
    rewritten = [rewrite_line(line) for line in original]
    for before, after in zip(original, rewritten):
        # Only import lines change, and each of them does.
        assert (before != after) == bool(TORCH_IMPORT.match(before)), (before, after)
        assert before == after or re.match(r"\s*(import|from) tinygrad_edu\b", after), after
    assert len(rewritten) == len(original)
    return "".join(rewritten)


# --------------------------------------------------------------------------- comparing outputs
#
# Each output is cut into its numbers (see NUMBER) and the pieces of text between them. The two
# outputs must have the same pieces of text, character for character (line breaks and spaces
# included: they are what a learner sees), and the same numbers, in order, equal in kind and
# value. The two checks are independent: text that wraps differently does not stop the numbers
# from being compared, and the report names each difference with its line numbers. Numbers:
#
# - integers (no decimal point, no exponent: shapes, counts, labels, indices) exactly;
# - nan and inf exactly;
# - other floats to |a - b| <= rtol * max(|a|, |b|) + atol + q, where q is one unit in the last
#   digit printed (of the coarser of the two). The q term is the rounding of printing itself: if
#   two values differ by d, their printed forms can differ by up to d + q (0.12345 and 0.12346
#   print as 0.1234 and 0.1235 with four decimals). Floats printed without fraction digits
#   ("12.") are printed so only when integral, so their q is 0.
#
# rtol and atol depend on the precision a script computes in (PRECISION below):
#
# - float64: the same formulas in both libraries, but sums and matrix products add in different
#   orders (NumPy's pairwise sums, torch's vectorised kernels), each rounding at ~1e-16 relative.
#   The sin fits iterate 1300 to 3000 stable gradient-descent steps, which do not amplify such a
#   perturbation: measured, the largest relative difference is 2e-14 and values that are
#   rounding noise around zero (an intercept fitted to an odd function, ~1e-19 in torch) differ
#   by 3e-17. The project's float64 tolerance against torch, rtol = atol = 1e-10
#   (DESIGN.md, section 5: "same math"), holds with a margin of 5,000; a wrong gradient or update
#   moves the numbers from the first printed step on by far more.
# - float32: unit roundoff 6e-8; a dot product over 784 pixels in a different order differs by up
#   to ~n * 6e-8 (5e-5) in the worst case, typically sqrt(n) * 6e-8 (2e-6), and the short
#   training runs here do not amplify that: measured, the numbers printed to full precision
#   differ by at most 1e-7 relative (one float32 ulp). rtol = 1e-5 keeps a margin of 100, and
#   atol = 1e-6 (16 ulps of 1.0) covers values of order one that should be zero; a wrong
#   operation (a missing term, a wrong axis, a wrong step) moves numbers by percents.

NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf)(?![\w.])")


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float


FLOAT64 = Tolerance(rtol=1e-10, atol=1e-10)
FLOAT32 = Tolerance(rtol=1e-5, atol=1e-6)

# The precision each script computes in (its docstring says why).
PRECISION: dict[str, Tolerance] = {
    "basics_autograd.py": FLOAT32,
    "basics_buildmodel.py": FLOAT32,
    "basics_data.py": FLOAT32,
    "basics_optimization.py": FLOAT32,
    "basics_saveload.py": FLOAT32,
    "basics_tensors.py": FLOAT32,
    "basics_transforms.py": FLOAT32,
    "examples_autograd.py": FLOAT64,
    "examples_custom_function.py": FLOAT64,
    "examples_custom_module.py": FLOAT64,
    "examples_dynamic_net.py": FLOAT64,
    "examples_nn.py": FLOAT64,
    "examples_optim.py": FLOAT64,
    "examples_tensors.py": FLOAT64,
    "nn_tutorial.py": FLOAT32,
    "nn_tutorial_cnn.py": FLOAT32,
    "official_mnist_example.py": FLOAT64,
}

# The normalisations applied to both outputs before comparing: the only differences in text
# that are accepted. Each one is a documented difference, not a tolerance for bugs.
NORMALISATIONS: list[tuple[str, re.Pattern[str], str]] = [
    # Memory addresses in object reprs (``<AddBackward0 object at 0x7f...>``) differ between any
    # two runs, even two runs of torch.
    ("memory address", re.compile(r" at 0x[0-9a-fA-F]+"), " at 0x?"),
    # Autograd node names (``grad_fn=<AddmmBackward0>``) name each library's own kernels: torch's
    # matmul-plus-bias is AddmmBackward0, tinygrad_edu records its primitive ops. Which node an
    # operation records is an implementation detail; that there is one, and where, is compared.
    ("autograd node name", re.compile(r"\b\w+Backward\d*\b"), "?Backward"),
    # torch prints its shape and dtype objects with the module's name (``torch.Size([2, 3])``,
    # ``torch.float32``); tinygrad_edu's are ``Size([2, 3])`` and NumPy's dtypes (``float32``).
    # README, "Coming from PyTorch", lists it.
    ("torch. before Size and dtype names",
     re.compile(r"\btorch\.(?=Size\(|(?:float|int|uint|bool|complex)\d*\b)"), ""),
]


def normalise(output: str) -> str:
    for _, pattern, replacement in NORMALISATIONS:
        output = pattern.sub(replacement, output)
    return output


def _is_integer(token: str) -> bool:
    return re.fullmatch(r"[-+]?\d+", token) is not None


def _last_digit_unit(token: str) -> float:
    """One unit in the last printed digit of a float token (0 when printed without fraction
    digits: such floats are integral)."""
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    if decimals == 0 and not exponent:
        return 0.0
    return 10.0 ** (int(exponent or 0) - decimals)


def numbers_agree(expected: str, actual: str, tolerance: Tolerance) -> bool:
    """Whether two number tokens agree: integers, nan and inf exactly, floats within
    rtol * max(|a|, |b|) + atol + one unit in the coarser last printed digit."""
    if _is_integer(expected) or _is_integer(actual) or not math.isfinite(float(expected)):
        return expected == actual
    if not math.isfinite(float(actual)):
        return False
    a, b = float(expected), float(actual)
    quantum = max(_last_digit_unit(expected), _last_digit_unit(actual))
    return abs(a - b) <= tolerance.rtol * max(abs(a), abs(b)) + tolerance.atol + quantum


@dataclass(frozen=True)
class Pieces:
    """An output cut into numbers and the texts around them: ``texts[i]`` comes before
    ``numbers[i]``, and the last text after the last number."""

    output: str
    numbers: list[str]
    number_starts: list[int]  # offset of each number in output
    texts: list[str]
    text_starts: list[int]  # offset of each text in output

    @classmethod
    def of(cls, output: str) -> Pieces:
        matches = list(NUMBER.finditer(output))
        texts, text_starts, start = [], [], 0
        for match in matches:
            texts.append(output[start:match.start()])
            text_starts.append(start)
            start = match.end()
        texts.append(output[start:])
        text_starts.append(start)
        return cls(output, [match.group() for match in matches],
                   [match.start() for match in matches], texts, text_starts)

    def line_at(self, offset: int) -> str:
        """``line N: <the whole line holding offset>``."""
        number = self.output.count("\n", 0, offset) + 1
        lines = self.output.splitlines()
        return f"line {number}: {lines[number - 1] if number <= len(lines) else ''}"


def compare(expected: str, actual: str, tolerance: Tolerance) -> list[str]:
    """Every difference between two outputs, as readable lines; empty when they agree.

    ``expected`` is torch's output and ``actual`` tinygrad_edu's. Both are normalised first.
    Pieces of text and numbers are paired in order; when the counts differ, that is reported
    and the pairs after the first missing number are compared as they fall.
    """
    ours, theirs = Pieces.of(normalise(expected)), Pieces.of(normalise(actual))
    differences = []
    if len(ours.numbers) != len(theirs.numbers):
        differences.append(f"torch printed {len(ours.numbers)} numbers, tinygrad_edu "
                           f"{len(theirs.numbers)}")
    for index, (want, got) in enumerate(zip(ours.texts, theirs.texts)):
        if want != got:
            # Show the line of each output where the two texts start to differ.
            same = len(os.path.commonprefix([want, got]))
            where = (f"before number {index + 1}" if index < len(ours.numbers)
                     else "after the last number")
            differences.append(
                f"text {where} differs: torch {want!r}, tinygrad_edu {got!r}"
                f"\n  torch        {ours.line_at(ours.text_starts[index] + same)}"
                f"\n  tinygrad_edu {theirs.line_at(theirs.text_starts[index] + same)}")
    for index, (want, got) in enumerate(zip(ours.numbers, theirs.numbers)):
        if not numbers_agree(want, got, tolerance):
            differences.append(
                f"number {index + 1} differs: torch {want}, tinygrad_edu {got}"
                f"\n  torch        {ours.line_at(ours.number_starts[index])}"
                f"\n  tinygrad_edu {theirs.line_at(theirs.number_starts[index])}")
    return differences


# ------------------------------------------------------------------------------- running them

# Each script that does not (yet) run or agree on tinygrad_edu, and every reason found: the
# first error stops a script, so the reasons behind it were found by getting past it by hand.
EXPECTED_TO_FAIL: dict[str, str] = {
}


def run_script(path: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run one script in a fresh interpreter; the checkout's tinygrad_edu comes first on the
    path. One thread per library: thread pools change summation orders, and the machines that
    run the tests are small and shared (torch's backward with two threads is ten times slower
    there)."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(REPO_ROOT)] + [p for p in [environment.get("PYTHONPATH")] if p])
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        environment[variable] = "1"
    return subprocess.run([sys.executable, str(path)], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=600)


def _script_params() -> list[pytest.param]:
    params = []
    for name in SCRIPTS:
        marks = []
        if name in EXPECTED_TO_FAIL:
            marks.append(pytest.mark.xfail(strict=True, reason=EXPECTED_TO_FAIL[name]))
        params.append(pytest.param(name, marks=marks, id=name.removesuffix(".py")))
    return params


@pytest.mark.parametrize("name", _script_params())
def test_tutorial_prints_what_torch_prints(name: str, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    script = TUTORIALS / name
    under_torch = run_script(script, tmp_path)
    assert under_torch.returncode == 0, f"{name} fails under torch:\n{under_torch.stderr}"

    rewritten = tmp_path / name
    rewritten.write_text(rewrite_imports(script.read_text()))
    under_ours = run_script(rewritten, tmp_path)
    assert under_ours.returncode == 0, (
        f"{name} fails under tinygrad_edu:\n{under_ours.stderr[-3000:]}")

    differences = compare(under_torch.stdout, under_ours.stdout, PRECISION[name])
    shown = "\n".join(differences[:20])
    assert not differences, (f"{name}: {len(differences)} difference(s) from torch's output "
                             f"(the first 20):\n{shown}")


# ---------------------------------------------------------------- the harness itself is tested


def test_every_script_has_a_precision() -> None:
    assert sorted(PRECISION) == SCRIPTS
    assert set(EXPECTED_TO_FAIL) <= set(SCRIPTS)


@pytest.mark.parametrize("line, expected", REWRITE_EXAMPLES)
def test_the_rewrite_table_examples(line: str, expected: str) -> None:
    assert rewrite_line(line) == expected


@pytest.mark.parametrize("line", ["import torch.nn", "import numpy, torch",
                                  "from torch import (nn,", "import torch as t"])
def test_an_import_form_outside_the_table_is_refused(line: str) -> None:
    with pytest.raises(ValueError, match="does not cover"):
        rewrite_line(line)


def test_lines_that_only_mention_torch_are_kept() -> None:
    source = "x = torch.ones(2)\n# import torch here\nimport torchvision_like\n"
    assert rewrite_imports(source) == source


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_script_changes_only_in_its_import_lines(name: str) -> None:
    source = (TUTORIALS / name).read_text()
    rewritten = rewrite_imports(source)
    changed = [line for line, new in zip(source.splitlines(), rewritten.splitlines())
               if line != new]
    assert changed and all(TORCH_IMPORT.match(line) for line in changed)


TORCH_OUTPUT = """\
0 tensor([[ 0.1559, -0.0828]], grad_fn=<AddmmBackward0>)
Gradient function for z = <AddBackward0 object at 0x7f85668562c0>
1999 9.086012216057796 torch.Size([64, 1, 28, 28])
"""


def test_identical_outputs_agree() -> None:
    assert compare(TORCH_OUTPUT, TORCH_OUTPUT, FLOAT64) == []


def test_the_normalisations_accept_other_node_names_and_addresses() -> None:
    ours = (TORCH_OUTPUT.replace("AddmmBackward0", "AddBackward")
            .replace("0x7f85668562c0", "0x10a2b3"))
    assert compare(TORCH_OUTPUT, ours, FLOAT64) == []


def test_one_different_number_is_reported() -> None:
    # A change of 1e-8 relative in one number, a hundred times float64's rtol.
    ours = TORCH_OUTPUT.replace("9.086012216057796", "9.086012306057796")
    differences = compare(TORCH_OUTPUT, ours, FLOAT64)
    assert len(differences) == 1
    assert differences[0].startswith(
        "number 5 differs: torch 9.086012216057796, tinygrad_edu 9.086012306057796\n"
        "  torch        line 3: 1999 9.086012216057796")
    # The same change within float32's tolerance, and one of 1e-4 relative outside it.
    assert compare(TORCH_OUTPUT, ours, FLOAT32) == []
    ours = TORCH_OUTPUT.replace("9.086012216057796", "9.086912216057796")
    assert len(compare(TORCH_OUTPUT, ours, FLOAT32)) == 1


def test_a_rounding_flip_in_the_last_printed_digit_is_accepted_and_no_more() -> None:
    assert compare("tensor(0.1559)", "tensor(0.1560)", FLOAT64) == []
    assert len(compare("tensor(0.1559)", "tensor(0.1561)", FLOAT64)) == 1


def test_integers_must_be_equal() -> None:
    assert len(compare("[   64/  640]", "[   65/  640]", FLOAT32)) == 1
    assert len(compare("tensor(12.)", "tensor(13.)", FLOAT32)) == 1


def test_different_text_is_reported_and_the_numbers_still_compared() -> None:
    ours = TORCH_OUTPUT.replace("torch.Size([64, 1, 28, 28])", "(64, 1, 28, 28)")
    assert compare(TORCH_OUTPUT, ours, FLOAT64) == [
        # The lines are shown normalised (torch.Size is compared as Size, see NORMALISATIONS).
        "text before number 6 differs: torch ' Size([', tinygrad_edu ' ('\n"
        "  torch        line 3: 1999 9.086012216057796 Size([64, 1, 28, 28])\n"
        "  tinygrad_edu line 3: 1999 9.086012216057796 (64, 1, 28, 28)",
        "text after the last number differs: torch '])\\n', tinygrad_edu ')\\n'\n"
        "  torch        line 3: 1999 9.086012216057796 Size([64, 1, 28, 28])\n"
        "  tinygrad_edu line 3: 1999 9.086012216057796 (64, 1, 28, 28)",
    ]
    # Wrapped one element earlier: the text differs, every number is still compared.
    wrapped = TORCH_OUTPUT.replace("0.1559, -0.0828", "0.1559,\n         -0.0828")
    assert [d.partition(":")[0] for d in compare(TORCH_OUTPUT, wrapped, FLOAT64)] == [
        "text before number 3 differs"]
    wrapped_and_wrong = wrapped.replace("-0.0828", "-0.0830")
    assert [d.partition(":")[0] for d in compare(TORCH_OUTPUT, wrapped_and_wrong, FLOAT64)] == [
        "text before number 3 differs", "number 3 differs"]


def test_a_missing_line_is_reported() -> None:
    shorter = "\n".join(TORCH_OUTPUT.splitlines()[:2]) + "\n"
    assert compare(TORCH_OUTPUT, shorter, FLOAT64)[0] == (
        "torch printed 9 numbers, tinygrad_edu 3")
