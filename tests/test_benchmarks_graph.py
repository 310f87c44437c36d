"""Smoke test of benchmarks/bench_graph.py: a ``--quick`` run, as a user starts it, prints
every table and writes the JSON with the documented structure. Timing is never asserted here
(timing lives in benchmarks/).

The script runs in its own process: it times, collects garbage and counts the collector's
passes, none of which should touch (or be touched by) the tests around it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUICK_SIZES = [1_000, 5_000]  # bench_graph.QUICK_SIZES


def test_quick_run_writes_tables_and_json(tmp_path: Path) -> None:
    out = tmp_path / "graph.json"
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's tinygrad_edu
    finished = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_graph.py"), "--quick", "--out", str(out)],
        capture_output=True, text=True, env=environment, timeout=300, check=False)
    assert finished.returncode == 0, finished.stderr
    printed = finished.stdout
    results = json.loads(out.read_text(encoding="utf-8"))
    assert set(results) == {"config", "chain", "fan_in", "memory"}
    config = results["config"]
    assert Path(config["tinygrad_edu_path"]) == ROOT / "tinygrad_edu"
    libraries = config["libraries"]
    assert libraries[0] == "tinygrad_edu"
    assert config["sizes"] == QUICK_SIZES
    assert [(row["ops"], row["library"]) for row in results["chain"]] == [
        (ops, library) for ops in QUICK_SIZES for library in libraries]
    for row in results["chain"]:
        assert {"build_s", "backward_s", "release_s", "full_collections", "build_us_per_op",
                "backward_us_per_op"} <= set(row)
        assert row["build_s"] > 0 and row["backward_s"] > 0 and row["full_collections"] >= 0
    assert [row["library"] for row in results["fan_in"]] == libraries
    assert all(row["uses"] == 1_000 and row["build_s"] > 0 for row in results["fan_in"])
    assert set(results["memory"]) == {"eager", "jit"}
    for memory in results["memory"].values():
        assert memory["steps"] == 200
        assert {"growth_bytes", "growth_after_collect_bytes", "seconds_traced"} <= set(memory)
    for heading in ("Chain `y = y * 1.0001`", "Fan-in:", "Memory:"):
        assert heading in printed
    assert printed.count("| 1,000 |") == len(libraries)
