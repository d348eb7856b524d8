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


def test_the_quality_sweep_runs_every_path_without_a_mismatch(tmp_path: Path) -> None:
    """``bench/sweep.py`` on a few seeds: every path solved every instance, none differs from
    brute force, and its RESULTS.md section replaces only itself."""
    from bench.sweep import PATHS, markdown, sweep, write_section

    run = sweep(12, seed=7)
    assert set(run["paths"]) == set(PATHS)
    for path, row in run["paths"].items():
        assert row["solved"] == 12 and row["mismatches"] == 0, (path, row)
    assert run["paths"]["milp-warm"]["warm_started"] > 0
    assert run["paths"]["tie-break"]["tie_break_solves"] > 0
    results = tmp_path / "RESULTS.md"
    results.write_text("# Results\n\nsection of another script\n")
    write_section(markdown([run]), results)
    write_section(markdown([run]), results)
    text = results.read_text()
    assert text.count("<!-- sweep:start -->") == 1 and "section of another script" in text


def test_the_suite_keeps_the_sections_other_scripts_own() -> None:
    from bench.report import rewrite

    old = "old\n<!-- sweep:start -->\n## mine\n<!-- sweep:end -->\nold tail\n"
    assert rewrite(old, "new\n") == "new\n\n<!-- sweep:start -->\n## mine\n<!-- sweep:end -->\n"


def test_today_data_for_an_older_tree_keeps_every_offer_it_can_read(tmp_path: Path) -> None:
    """``bench.trees.today_data_for`` on this very tree (a tree that reads today's format):
    nothing to drop, every packaged catalog rewritten, and the rewritten files load with the
    same offers as the snapshot."""
    from bench.trees import ROOT, today_data_for

    from sovbundle.catalog.files import load_catalog_file

    into = tmp_path / "today"
    assert today_data_for(ROOT / "src", into, str(tmp_path)) == []
    snapshot = ROOT / "providers" / "snapshot"
    names = sorted(p.name for p in snapshot.glob("*.json"))
    assert sorted(p.name for p in into.glob("*.json")) == names
    for name in names:
        ours = load_catalog_file(into / name).data.offers
        assert ours == load_catalog_file(snapshot / name).data.offers
