"""The peers and scale-target benchmarks: they run, and write only their own section.

No timing assertion. PuLP is a bench-only extra: without it the peers' run measures sovbundle
alone and says so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench import peers, targets
from bench.report import kept_sections


def test_write_section_replaces_only_its_own_block(tmp_path: Path) -> None:
    report = tmp_path / "RESULTS.md"
    report.write_text("# head\n\nother text\n")
    peers.write_section(report, f"{peers.BEGIN}\nfirst\n{peers.END}\n")
    peers.write_section(
        report, f"{targets.BEGIN}\nmine\n{targets.END}\n", targets.BEGIN, targets.END
    )
    peers.write_section(report, f"{peers.BEGIN}\nsecond\n{peers.END}\n")
    text = report.read_text()
    assert text.startswith("# head\n\nother text\n")
    assert "second" in text and "first" not in text and "mine" in text
    # The whole suite's rewrite keeps both blocks, in order.
    kept = kept_sections(text)
    assert kept.index("second") < kept.index("mine") and "other text" not in kept


@pytest.mark.timeout(300)
def test_peers_tiny_run(tmp_path: Path) -> None:
    assert peers.main(["--sizes", "5", "--time-limit", "30", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "peers.json").read_text())
    rows = {row["solver"]: row for row in results["rows"]}
    assert rows["sovbundle"]["status"] == "optimal", rows
    if peers.pulp_version() is not None:
        costs = {name: row["cost_cents"] for name, row in rows.items()}
        assert set(rows) == {"sovbundle", "cbc", "highs"}
        assert len(set(costs.values())) == 1, costs  # the same optimum, three ways
    else:
        assert set(rows) == {"sovbundle"}
    text = (tmp_path / "RESULTS.md").read_text()
    assert text.startswith(peers.BEGIN) and peers.END in text


def test_targets_section_marks_unmet_targets() -> None:
    row = {
        "offers": 10000, "build_s": 50.0, "solve_s": 20.0, "status": "optimal",
        "checks_ok": True, "tie_break_complete": True, "candidates_before_pruning": 9,
        "candidates": 3, "peak_rss_mb": 2000.0, "catalog_rss_mb": 100.0,
    }  # fmt: skip
    full = {**row, "components": 1000, "catalog": "10000", "tie_break": True}
    bare = {**row, "components": 1000, "catalog": "10000", "tie_break": False, "solve_s": 10.0}
    results = {
        "date": "d", "suite_s": 1.0, "rows": [full, bare],
        "machine": {"cpu": "c", "cores": 2, "python": "3", "highspy": "1"},
    }  # fmt: skip
    text = targets.markdown(results)
    unmet = "in under 60 s | 70.0 s, optimal | **no** |"
    assert "| 1000 components x 10k offers proven optimal, tie-break complete, " + unmet in text
    assert (
        "| tie-break at most 30% of solve time, 1000 components, 10000 catalog | 50% | **no** |"
        in text
    )
    assert "2000 MiB | **no** |" in text


@pytest.mark.parametrize("tie_break", ["1", "0"])
def test_a_targets_case_runs_with_and_without_the_tie_break(tie_break: str) -> None:
    """A small case through the real worker process, both ways: the tie-break-off path patches
    ``milp.Model.run`` and must keep up with its signature (it once broke silently)."""
    row = targets._spawn_targets(["50", "1000", tie_break])
    assert "error" not in row, row
    assert row["status"] == "optimal" and row["method"] == "highs" and row["checks_ok"], row
