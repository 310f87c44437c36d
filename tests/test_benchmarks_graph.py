"""Smoke test of benchmarks/bench_graph.py: a ``--quick`` run produces every table and the JSON
with the documented structure. Timing is never asserted here (timing lives in benchmarks/)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_graph  # noqa: E402


def test_quick_run_writes_tables_and_json(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "graph.json"
    returned = bench_graph.main(["--quick", "--out", str(out)])
    printed = capsys.readouterr().out
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results == json.loads(json.dumps(returned))
    assert set(results) == {"config", "chain", "fan_in", "memory"}
    libraries = results["config"]["libraries"]
    assert libraries[0] == "tinygrad_edu"
    sizes = results["config"]["sizes"]
    assert sizes == list(bench_graph.QUICK_SIZES)
    assert [(row["ops"], row["library"]) for row in results["chain"]] == [
        (ops, library) for ops in sizes for library in libraries]
    for row in results["chain"]:
        assert {"build_s", "backward_s", "release_s", "full_collections", "build_us_per_op",
                "backward_us_per_op"} <= set(row)
        assert row["build_s"] > 0 and row["backward_s"] > 0 and row["full_collections"] >= 0
    assert [row["library"] for row in results["fan_in"]] == libraries
    assert all(row["uses"] == 1_000 and row["build_s"] > 0 for row in results["fan_in"])
    memory = results["memory"]
    assert memory["steps"] == 200
    assert {"growth_bytes", "growth_after_collect_bytes", "seconds_traced"} <= set(memory)
    for heading in ("Chain `y = y * 1.0001`", "Fan-in:", "Memory:"):
        assert heading in printed
    assert printed.count("| 1,000 |") == len(libraries)
