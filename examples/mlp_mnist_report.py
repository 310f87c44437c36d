"""Reporting for examples/mlp_mnist.py: the run's environment, the tables and the plot.

``mlp_mnist.py`` trains and measures; this module turns its results (the dict that is also
written as JSON) into what people read: a plain table for the terminal (100 columns), the
Markdown table of ``results.md`` (the one the README shows), and the PNG of the curves. It also
records the environment a rerun has to match: versions, the BLAS library and the kernels it
chose, thread settings, the processor.
"""

from __future__ import annotations

import ctypes
import json
import os
import platform
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import numpy as np

import tinygrad_edu as tge

TARGET_ACCURACY = 0.98  # what (5) must reach on the evaluation set
TERMINAL_WIDTH = 100  # the terminal table and notes are wrapped to this many columns
# What the article reports, for reference (validation accuracy, article protocol), and the
# contestant of ours that it corresponds to.
ARTICLE_REPORTED = {
    "article-numpy": (0.9101, "NumPy by hand, SGD, 100 epochs"),
    "torch-article-adam": (0.9717, "PyTorch, Adam (softmax applied twice)"),
}


def contestant_index(results: dict[str, Any], key: str) -> int:
    """The number, (1) to (5), or (6) with --jit, of the contestant named ``key``."""
    return next(run["index"] for run in results["contestants"] if run["key"] == key)


# ------------------------------------------------------------------------------- environment
def numpy_blas() -> dict[str, Any]:
    """The BLAS library NumPy was built with: name, version and configuration (NumPy >= 1.26
    reports it; older versions only print it, and these fields are then None)."""
    try:
        config: Any = np.show_config(mode="dicts")
    except TypeError:  # NumPy < 1.26: show_config has no mode, it only prints
        config = None
    blas = (config or {}).get("Build Dependencies", {}).get("blas", {})
    return {"name": blas.get("name"), "version": blas.get("version"),
            "configuration": blas.get("openblas configuration")}


def openblas_kernels() -> str | None:
    """The kernel family OpenBLAS chose for this processor ("Haswell", "SkylakeX", ...), read
    from the OpenBLAS library NumPy loaded; None when NumPy uses another BLAS."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in ("scipy_openblas_get_corename64_", "openblas_get_corename64_",
                       "openblas_get_corename"):
            function = getattr(library, symbol, None)
            if function is not None:
                function.restype = ctypes.c_char_p
                name = function()
                return name.decode() if name else None
    return None


def cpu_model() -> str | None:
    """The processor's name: /proc/cpuinfo's "model name" (Linux), else platform.processor()."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def environment_record(variables: tuple[str, ...], set_here: list[str]) -> dict[str, Any]:
    """What a rerun needs to compare with: versions, BLAS and the kernels it chose, the thread
    and kernel settings, the processor.

    Args:
        variables: the environment variables that steer the numerics (thread counts, kernel
            choices); their values are recorded.
        set_here: those of them that mlp_mnist.py set itself (the user had left them unset).

    torch's version, thread count and kernel level are added when contestant (4) runs.
    """
    return {
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "tinygrad_edu": tge.__version__},
        "blas": {**numpy_blas(), "openblas_kernels": openblas_kernels()},
        "variables": {name: os.environ.get(name) for name in variables},
        "variables_set_by_this_script": set_here,
        "cpu_model": cpu_model(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
    }


def percent(value: float | None) -> str:
    """0.98765 -> '98.77 %'; None -> '–'."""
    return "–" if value is None else f"{100 * value:.2f} %"


def common_epochs(results: dict[str, Any]) -> int:
    """The number of epochs every contestant that trained has finished."""
    lengths = [len(run["history"]) for run in results["contestants"] if run["history"]]
    return min(lengths) if lengths else 0


def status_text(run: dict[str, Any]) -> str:
    """Why a contestant has no numbers, or '' when it has them."""
    if run["status"] == "skipped":
        return f"skipped ({run['skipped']})"
    if run["status"] == "not run":
        return "not run (interrupted)"
    if not run["history"]:
        return "interrupted during epoch 1"
    return ""


def summary_cells(run: dict[str, Any], common: int) -> list[str]:
    """Epochs, s / epoch, final train accuracy, eval accuracy at epoch ``common`` and at the
    end, best eval accuracy (its epoch)."""
    history = run["history"]
    done = len(history)
    epochs = str(done) if done == run["epochs"] else f"{done}/{run['epochs']}"
    seconds = float(np.mean(run["timing"]["train_seconds"][:done]))
    best = max(history, key=lambda record: record["eval_accuracy"])
    return [epochs, f"{seconds:.2f}", percent(history[-1]["train_accuracy"]),
            percent(history[common - 1]["eval_accuracy"]),
            percent(history[-1]["eval_accuracy"]),
            f"{percent(best['eval_accuracy'])} ({best['epoch']})"]


def shows_article_values(results: dict[str, Any]) -> bool:
    """The article's numbers are comparable with a full run of the article protocol only."""
    return results["protocol"] == "article" and not results["quick"]


def heading(results: dict[str, Any]) -> str:
    """The line above the table: what was trained on, and how it was measured."""
    return (f"MNIST, {results['description']}; {results['dtype']}; accuracy measured on the "
            "whole sets after every epoch; s / epoch = training steps only")


def jit_speed_note(results: dict[str, Any]) -> list[str]:
    """With --jit: the seconds per epoch of (3), eager, and of (6), its step compiled with
    tge.jit, over the epochs both finished (timings: not part of the metrics)."""
    runs = {run["key"]: run for run in results["contestants"]}
    eager, compiled = runs.get("tge-article-adam"), runs.get("tge-article-adam-jit")
    if eager is None or compiled is None:
        return []
    done = min(len(eager["history"]), len(compiled["history"]))
    if done == 0:
        return []
    eager_seconds = float(np.mean(eager["timing"]["train_seconds"][:done]))
    compiled_seconds = float(np.mean(compiled["timing"]["train_seconds"][:done]))
    return [f"tge.jit: ({compiled['index']}) trains in {compiled_seconds:.2f} s / epoch, "
            f"({eager['index']}) eagerly in {eager_seconds:.2f} s: "
            f"{eager_seconds / compiled_seconds:.1f}× as fast"]


def closing_notes(results: dict[str, Any]) -> list[str]:
    """The notes of the run, the speed of the compiled step (with --jit), then the run's wall
    time (the last two are timings, not part of the metrics)."""
    environment = results["environment"]
    threads = environment["variables"]["OPENBLAS_NUM_THREADS"]
    kernels = environment["blas"]["openblas_kernels"]
    return [*results["notes"], *jit_speed_note(results),
            f"total wall time of the run: {results['timing']['total_seconds']:.0f} s on "
            f"{environment['cpu_count']} cores, OPENBLAS_NUM_THREADS={threads}"
            + (f", OpenBLAS kernels: {kernels}" if kernels else "")]


def format_table(results: dict[str, Any]) -> str:
    """The one table of a run in Markdown (results.md, embedded in the README), notes below."""
    name = results["eval_name"]
    common = common_epochs(results)
    lines = [
        heading(results),
        "",
        f"| # | contestant | recipe | epochs | s / epoch | train acc | {name} acc @ epoch "
        f"{common} | {name} acc (final) | best {name} acc (epoch) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in results["contestants"]:
        start = f"| {run['index']} | {run['key']} | {run['recipe']} |"
        if not run["history"]:
            lines.append(f"{start} – | – | – | – | – | {status_text(run)} |")
            continue
        epochs, seconds, train, at_common, final, best = summary_cells(run, common)
        lines.append(f"{start} {epochs} | {seconds} | {train} | {at_common} | **{final}** | "
                     f"{best} |")
    if shows_article_values(results):
        for key, (accuracy, what) in ARTICLE_REPORTED.items():
            lines.append(f"| – | {key} (article) | reported in the article: {what} | – | – | – |"
                         f" – | {percent(accuracy)} | – |")
    lines.append("")
    lines.extend(closing_notes(results))
    return "\n".join(lines)


def wrap(text: str, indent: str = "", hanging: str = "  ", width: int = TERMINAL_WIDTH) -> str:
    """``text`` wrapped to ``width`` columns: the first line starts with ``indent``, the others
    with as many spaces plus ``hanging``; words (paths, say) are never cut.

    Example:
        >>> print(wrap("one two three", "  (1) ", "", width=14))
          (1) one two
              three
    """
    return textwrap.fill(text, width, initial_indent=indent,
                         subsequent_indent=" " * len(indent) + hanging,
                         break_long_words=False, break_on_hyphens=False)


def aligned(rows: list[list[str]], right: set[int], gap: str = "  ") -> list[str]:
    """Rows of cells as aligned columns, a rule of dashes under the first (the header); a row
    with fewer cells than the header spans its last cell to the end of the line.

    Example:
        >>> rows = [["#", "name", "size"], ["1", "x", "10"], ["2", "y: skipped (why)"]]
        >>> print("\\n".join(aligned(rows, right={2})))
        #  name  size
        -  ----  ----
        1  x       10
        2  y: skipped (why)
    """
    columns = len(rows[0])
    # A spanning row's last cell takes what room it needs; its other cells count.
    widths = [max(len(row[column]) for row in rows
                  if column < len(row) - 1 or len(row) == columns)
              for column in range(columns)]
    rows = [rows[0], ["-" * width for width in widths], *rows[1:]]
    lines = []
    for row in rows:
        cells = [cell.rjust(widths[column]) if column in right and len(row) == columns
                 else cell.ljust(widths[column]) if column < len(row) - 1 else cell
                 for column, cell in enumerate(row)]
        lines.append(gap.join(cells).rstrip())
    return lines


def terminal_table(results: dict[str, Any]) -> str:
    """The table for a terminal: plain aligned columns within TERMINAL_WIDTH, the recipes and
    the notes below it as numbered, wrapped lines."""
    name = results["eval_name"]
    common = common_epochs(results)
    header = ["#", "contestant", "epochs", "s/epoch", "train acc", f"{name} @ ep {common}",
              f"{name} final", f"best {name} (ep)"]
    rows = [header]
    for run in results["contestants"]:
        if run["history"]:
            rows.append([str(run["index"]), run["key"], *summary_cells(run, common)])
        else:
            rows.append([str(run["index"]), run["key"], status_text(run)])
    reported = shows_article_values(results)
    if reported:
        for key, (accuracy, _) in ARTICLE_REPORTED.items():
            index = contestant_index(results, key)
            rows.append(["–", f"({index}) in the article", "100", "–", "–", "–",
                         percent(accuracy), "–"])
    lines = [wrap(heading(results)), "", *aligned(rows, right={2, 3, 4, 5, 6}), "",
             "Recipes:"]
    for run in results["contestants"]:
        lines.append(wrap(run["recipe"], f"  ({run['index']}) ", ""))
    if reported:
        for key, (accuracy, what) in ARTICLE_REPORTED.items():
            lines.append(wrap(f"{what}: {percent(accuracy)} {name} accuracy",
                              f"  ({contestant_index(results, key)}) in the article: ", ""))
    lines.append("Notes:")
    lines.extend(wrap(note, "  - ", "") for note in closing_notes(results))
    return "\n".join(lines)


PLOT_STYLES: list[dict[str, Any]] = [
    {"color": "tab:blue", "linewidth": 5, "alpha": 0.35},
    {"color": "tab:blue", "linewidth": 1.5, "linestyle": "--"},
    {"color": "tab:green", "linewidth": 5, "alpha": 0.35},
    {"color": "tab:red", "linewidth": 1.5, "linestyle": "--"},
    {"color": "tab:purple", "linewidth": 2},
    {"color": "tab:olive", "linewidth": 1.5, "linestyle": ":"},  # (6), on top of (3)
]
REFERENCE_STYLES: dict[str, dict[str, Any]] = {
    "article-numpy": {"color": "tab:blue", "linestyle": ":", "linewidth": 1.2},
    "torch-article-adam": {"color": "tab:red", "linestyle": ":", "linewidth": 1.2},
}
TARGET_STYLE: dict[str, Any] = {"color": "black", "linestyle": "--", "linewidth": 1}


def curve_label(run: dict[str, Any]) -> str:
    """A contestant's legend entry, saying why it has no curve or why its curve is short.

    Example:
        >>> curve_label({"index": 4, "key": "torch-article-adam", "status": "skipped",
        ...              "skipped": "torch not installed", "history": [], "epochs": 2})
        '(4) torch-article-adam: skipped (torch not installed)'
    """
    label = f"({run['index']}) {run['key']}"
    if status_text(run):
        return f"{label}: {status_text(run)}"
    if run["status"] == "interrupted":
        return f"{label}: interrupted after {len(run['history'])} of {run['epochs']} epochs"
    return label


def save_plot(results: dict[str, Any], path: Path) -> bool:
    """Three panels per epoch: evaluation accuracy over the whole range reached, evaluation
    error (100 − accuracy) on a log scale, where the best recipes are told apart, and the
    training loss; one legend below them. Returns False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib import ticker
        from matplotlib.lines import Line2D
    except ImportError:
        return False
    name = results["eval_name"]
    figure, (accuracy_axes, error_axes, loss_axes) = plt.subplots(
        1, 3, figsize=(16, 6.2), layout="constrained")
    # An error of 0 (every image right) cannot be drawn on a log scale: half an image's worth.
    smallest_error = 50 / results["eval_count"]
    handles: list[Any] = []
    labels: list[str] = []
    lowest = 100 * TARGET_ACCURACY
    for run in results["contestants"]:
        history = run["history"]
        if not history:
            handles.append(Line2D([], [], linestyle="none"))
            labels.append(curve_label(run))
            continue
        epochs = [record["epoch"] for record in history]
        accuracy = np.array([100 * record["eval_accuracy"] for record in history])
        lowest = min(lowest, float(accuracy.min()))
        # The pairs (1, 2) and (3, 4) overlap, and (6) is (3): wide pale lines under thin
        # dashed and dotted ones.
        style = dict(PLOT_STYLES[run["index"] - 1])
        if len(history) <= 10:
            style.update(marker="o", markersize=4)
        (line,) = accuracy_axes.plot(epochs, accuracy, **style)
        error_axes.plot(epochs, np.maximum(100 - accuracy, smallest_error), **style)
        loss_axes.plot(epochs, [record["loss"] for record in history], **style)
        handles.append(line)
        labels.append(curve_label(run))
    if shows_article_values(results):
        for key, (reported, what) in ARTICLE_REPORTED.items():
            lowest = min(lowest, 100 * reported)
            line = accuracy_axes.axhline(100 * reported, **REFERENCE_STYLES[key])
            error_axes.axhline(100 - 100 * reported, **REFERENCE_STYLES[key])
            handles.append(line)
            labels.append(f"({contestant_index(results, key)}) as reported in the article: "
                          f"{100 * reported:.2f} % ({what})")
    handles.append(accuracy_axes.axhline(100 * TARGET_ACCURACY, **TARGET_STYLE))
    error_axes.axhline(100 - 100 * TARGET_ACCURACY, **TARGET_STYLE)
    labels.append(f"target of (5): {name} accuracy ≥ {100 * TARGET_ACCURACY:.0f} % "
                  f"(error ≤ {100 - 100 * TARGET_ACCURACY:.0f} %)")

    accuracy_axes.set_ylim(max(0.0, lowest - 0.04 * (100 - lowest) - 0.1), 100)
    accuracy_axes.set_ylabel(f"{name} accuracy (%)")
    accuracy_axes.set_title(f"{name} accuracy, whole set")
    error_axes.set_yscale("log")
    error_axes.set_ylabel(f"{name} error = 100 − accuracy (%)")
    error_axes.set_title(f"{name} error, log scale (lower is better)")
    loss_axes.set_yscale("log")
    loss_axes.set_ylabel("mean training loss over the epoch's steps")
    loss_axes.set_title("training loss, log scale ((5): label smoothing, dropout)")
    for axes, unit in ((error_axes, " %"), (loss_axes, "")):
        axes.yaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        axes.yaxis.set_major_formatter(ticker.FuncFormatter(
            lambda value, _, unit=unit: f"{value:g}{unit}"))
        axes.yaxis.set_minor_formatter(ticker.NullFormatter())
    for axes in (accuracy_axes, error_axes, loss_axes):
        axes.set_xlabel("epoch")
        axes.xaxis.set_major_locator(ticker.MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
        axes.grid(alpha=0.3)
    figure.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=9,
                  frameon=False)
    figure.suptitle(textwrap.fill(f"MNIST, {results['description']}", 160), fontsize=10)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def write_outputs(results: dict[str, Any], out: Path, stem: str) -> dict[str, Path | None]:
    """Write the PNG (when matplotlib is there and something was trained), results.md and the
    JSON into ``out``; returns their paths (``None`` for a plot not made)."""
    markdown, numbers, png = out / "results.md", out / f"{stem}.json", out / f"{stem}.png"
    trained = any(run["history"] for run in results["contestants"])
    plotted = trained and save_plot(results, png)
    if not plotted:
        png.unlink(missing_ok=True)  # no stale plot of an earlier run next to these numbers
        if trained:
            results["notes"].append("no plot: matplotlib is not installed (pip install "
                                    "matplotlib)")
    paths = {"markdown": markdown, "json": numbers, "png": png if plotted else None}
    results["files"] = {kind: None if path is None else str(path) for kind, path in paths.items()}
    write_text_atomically(markdown, format_table(results) + "\n")
    write_text_atomically(numbers, json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    return paths


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``: a
    reader (or a run stopped half-way) never sees a half-written file."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent,
                                     prefix=f".{path.name}.", suffix=".part",
                                     delete=False) as temporary:
        temporary.write(text)
    os.replace(temporary.name, path)


def files_listing(out: Path, paths: dict[str, Path | None]) -> str:
    """Where the outputs went, one line each."""
    what = {"markdown": "the table in Markdown", "json": "every number: metrics, timings, "
            "environment", "png": "the curves"}
    lines = [f"Written to {out}:"]
    for kind, path in paths.items():
        lines.append(f"  {path.name:<34} {what[kind]}" if path is not None
                     else "  (no plot: matplotlib is not installed, or nothing was trained)")
    return "\n".join(lines)
