"""Smoke runs of the benchmarks' quick modes: they run, print a Markdown table and write JSON of
the documented structure. Timing lives in benchmarks/, never in tests: nothing here looks at
how long anything took, only at the shape of what was written.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def run_benchmark(script: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """``python benchmarks/<script> <arguments>``, its output captured."""
    return subprocess.run([sys.executable, str(BENCHMARKS / script), *arguments],
                          capture_output=True, text=True, timeout=300)


def is_number(value: Any) -> bool:
    """A finite int or float (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_timing(record: dict[str, Any], keys: tuple[str, ...], count_key: str,
                 expected_count: int) -> None:
    """A timing record has its summary numbers and one entry per timed loop."""
    for key in keys:
        assert is_number(record[key]), (key, record)
    assert len(record[count_key]) == expected_count
    assert all(is_number(value) for value in record[count_key])


def test_bench_mlp_quick_synthetic_writes_table_and_json(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "bench_mlp.json"
    completed = run_benchmark("bench_mlp.py", "--quick", "--synthetic", "--pause", "0",
                              "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    assert "| setting | contestant |" in completed.stdout
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["benchmark"] == "bench_mlp" and results["quick"] is True
    assert results["complete"] is True
    assert results["data"] == {"source": "synthetic", "folder": None, "location": None,
                               "samples": 5000, "dtype": "float32"}
    assert results["arguments"]["epochs"] == 1 and results["arguments"]["threads"] == 1
    assert results["environment"]["thread_variables"] == {
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    # The benchmark measures the tinygrad_edu of its own checkout.
    assert Path(results["environment"]["tinygrad_edu_path"]).parent == BENCHMARKS.parent
    keys = [contestant["key"] for contestant in results["contestants"]]
    assert keys == [key for key in ("numpy", "tinygrad_edu", "tinygrad_edu.jit", "torch")
                    if key not in results["skipped"]]
    assert set(results["skipped"]) <= {"torch"}
    assert [setting["name"] for setting in results["settings"]] == [
        "784-64-10, batch 32", "784-128-10, full batch"]
    for setting in results["settings"]:
        assert set(setting["results"]) == set(keys)
        for result in setting["results"].values():
            check_timing(result, ("median_seconds_per_epoch", "min_seconds_per_epoch",
                                  "max_seconds_per_epoch", "median_ms_per_step", "last_loss"),
                         "seconds_per_run", 1)
        expected_ratios = {f"{key}/{baseline}" for baseline in ("numpy", "torch")
                           for key in ("tinygrad_edu", "tinygrad_edu.jit") if baseline in keys}
        # The last losses: the jitted step computes exactly what the eager one does.
        assert setting["results"]["tinygrad_edu.jit"]["last_loss"] == setting["results"][
            "tinygrad_edu"]["last_loss"]
        assert set(setting["ratios"]) == expected_ratios
        assert all(is_number(ratio) for ratio in setting["ratios"].values())
    assert results["settings"][0]["steps_per_run"] == 157  # ceil(5000 / 32)
    assert results["settings"][1]["batch_size"] == 5000
    assert results["markdown"] in completed.stdout


def test_bench_ops_quick_writes_tables_and_json(tmp_path: Path) -> None:
    out = tmp_path / "bench_ops.json"
    completed = run_benchmark("bench_ops.py", "--quick", "--repeats", "2", "--target-ms", "0.5",
                              "--backward-graphs", "20", "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    assert "| op | inputs |" in completed.stdout
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["benchmark"] == "bench_ops" and results["complete"] is True
    libraries = results["libraries"]
    assert libraries == [name for name in ("numpy", "tinygrad_edu", "torch")
                         if name not in results["skipped"]]
    ops = ["add", "mul", "matmul", "relu", "exp", "log", "sum", "mean", "cross_entropy",
           "linear", "softmax"]
    assert [(record["op"], record["size"]) for record in results["ops"]] == [
        (op, size) for size in ("tiny", "mnist") for op in ops]
    assert set(results["modes"]) == {"forward_no_grad", "forward_recorded", "forward_backward"}
    for record in results["ops"]:
        assert set(record["modes"]) == set(results["modes"])
        for timings in record["modes"].values():
            assert set(timings) == set(libraries)
            for timing in timings.values():
                check_timing(timing, ("median_us", "min_us", "max_us", "calls_per_loop"),
                             "us_per_call", 2)
        for ratios in record["ratios"].values():
            assert set(ratios) == {f"tinygrad_edu/{name}" for name in libraries
                                   if name != "tinygrad_edu"}
    assert set(results["backward_fixed_cost"]) == set(libraries)
    for timing in results["backward_fixed_cost"].values():
        check_timing(timing, ("median_us", "min_us", "max_us"), "us_per_call", 2)
    assert results["markdown"] in completed.stdout


def test_bench_time_to_accuracy_quick_writes_table_and_json(
        tmp_path: Path, mnist_dir: Path) -> None:
    out = tmp_path / "time_to_accuracy.json"
    completed = run_benchmark("bench_time_to_accuracy.py", "--quick", "--data-dir",
                              str(mnist_dir), "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    assert "| contestant | epoch reached |" in completed.stdout
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["benchmark"] == "bench_time_to_accuracy" and results["quick"] is True
    keys = ["tinygrad_edu", "tinygrad_edu.jit"] + ([] if results["skipped"] else ["torch"])
    assert list(results["runs"]) == keys
    for runs in results["runs"].values():
        assert len(runs) == 1 and is_number(runs[0]["seconds"])
        assert all(is_number(accuracy) for accuracy in runs[0]["accuracies"])
    # Eager and jit train bit for bit alike: the same accuracy after every epoch.
    assert results["runs"]["tinygrad_edu"][0]["accuracies"] == results["runs"][
        "tinygrad_edu.jit"][0]["accuracies"]
