"""The benchmark suite's smoke test: ``python -m bench --tiny`` completes with sane results.

Not a timing assertion (CI machines vary): it checks that every section ran, the results are
well formed, and the optimiser equals brute force on the small instances.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench.run import main


@pytest.mark.timeout(300)
def test_bench_tiny_runs_and_writes_well_formed_results(tmp_path: Path) -> None:
    assert main(["--tiny", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["command"] == "python -m bench --tiny"
    assert results["quality"]["brute_force"]["mismatches"] == 0
    assert results["quality"]["brute_force"]["instances"] > 0
    assert all(row["greedy_worse_or_equal"] for row in results["quality"]["greedy"])
    cli = results["cli"]
    assert cli["sovbundle --help"]["exit"] == 0
    assert all(row["median_s"] > 0 for row in cli.values())
    assert results["catalog_load"]["offers"] > 0
    assert all(ref["all_ok"] for ref in results["refresh"])
    assert results["scale"], "no scale case ran"
    for row in results["scale"]:
        assert "error" not in row, row
        assert row["status"] == "optimal" and row["checks_ok"], row
    text = (tmp_path / "RESULTS.md").read_text()
    for heading in ("## Targets", "## 1. CLI latency", "## 2. Solver scale", "## 3. Plan quality"):
        assert heading in text
