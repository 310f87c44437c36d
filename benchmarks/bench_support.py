"""What bench_mlp.py and bench_ops.py share: threads, the environment record, tables, JSON.

This module imports neither NumPy nor torch at load time, so that a benchmark can import it,
read its command line and set the thread count (``pin_threads``) before the math libraries
load and read their thread variables.

Example:
    >>> print(markdown_table(["op", "µs"], [["add", "1.5"]], align="lr"))
    | op | µs |
    |:---|---:|
    | add | 1.5 |
    >>> summary([3.0, 1.0, 2.0])
    {'median': 2.0, 'min': 1.0, 'max': 3.0}
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any, Sequence

REPO_ROOT = Path(__file__).resolve().parent.parent
# The variables OpenBLAS (NumPy), OpenMP (torch) and MKL read when they load.
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def use_this_checkout() -> None:
    """Put this checkout's root first on ``sys.path``: a benchmark measures the tinygrad_edu
    next to it, not whichever copy an (editable) install points to."""
    root = str(REPO_ROOT)
    if root in sys.path:
        sys.path.remove(root)
    sys.path.insert(0, root)


def positive_integer(text: str) -> int:
    """argparse type: an integer ≥ 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text}")
    return value


def non_negative_float(text: str) -> float:
    """argparse type: a float ≥ 0."""
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text}")
    return value


def pin_threads(threads: int) -> None:
    """Set every thread variable to ``threads`` (overriding the environment), so that NumPy's
    BLAS and torch use the same count. Must run before NumPy and torch load; torch also needs
    ``torch.set_num_threads(threads)`` once imported."""
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)


def environment_record(threads: int) -> dict[str, Any]:
    """Versions, machine and thread settings, for the JSON (call after the imports)."""
    import numpy

    import tinygrad_edu

    record: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "numpy": numpy.__version__,
        "tinygrad_edu": tinygrad_edu.__version__,
        "tinygrad_edu_path": str(Path(tinygrad_edu.__file__).resolve().parent),
        "threads": threads,
        "thread_variables": {name: os.environ.get(name) for name in THREAD_VARIABLES},
        "torch": None,
        "torch_threads": None,
    }
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        record["torch"] = torch.__version__
        record["torch_threads"] = torch.get_num_threads()
    try:
        record["load_average"] = list(os.getloadavg())
    except OSError:
        record["load_average"] = None
    return record


def import_torch(threads: int) -> tuple[Any, str | None]:
    """``(torch, None)`` with torch set to ``threads`` threads, or ``(None, reason)`` when
    torch cannot be imported (torch is optional: its contestant is then skipped)."""
    try:
        import torch
    except ImportError as error:
        return None, f"torch is not installed ({error})"
    torch.set_num_threads(threads)
    return torch, None


def command_line(script: str, argv: Sequence[str]) -> str:
    """The command as it would be typed again, from the repository root."""
    return shlex.join(["python", f"benchmarks/{script}", *argv])


def summary(values: Sequence[float]) -> dict[str, float]:
    """Median, min and max of some timings."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> str:
    """A Markdown table; ``align`` has one letter per column, ``l`` (left) or ``r`` (right)."""
    rules = [":---" if letter == "l" else "---:" for letter in align]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(rules) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def ratio_text(numerator: float | None, denominator: float | None) -> str:
    """``numerator / denominator`` as ``2.34x``, or ``n/a`` when either is missing."""
    if numerator is None or denominator is None or denominator <= 0:
        return "n/a"
    return f"{numerator / denominator:.2f}x"


def write_json_atomically(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to a temporary file beside ``path``, then rename it over
    ``path``: a reader, or a run stopped half-way, never sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent,
                                     prefix=f".{path.name}.", suffix=".part",
                                     delete=False) as temporary:
        json.dump(data, temporary, indent=1, ensure_ascii=False)
        temporary.write("\n")
    os.replace(temporary.name, path)
