"""``bench/validate_worst.py``: its cases are what they claim, and its RESULTS.md section stays.

No timing (that is the benchmark's job): sizes, value counts, the table and the section.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bench import validate_worst as worst

from sovbundle.spec.loader import MAX_BUNDLE_BYTES, MAX_NODES
from sovbundle.spec.model import BundleSpec


def test_the_limits_it_repeats_are_the_loaders() -> None:
    assert worst.LIMIT_BYTES == MAX_BUNDLE_BYTES
    assert worst.LIMIT_VALUES == MAX_NODES
    components = BundleSpec.model_fields["components"].metadata
    assert any(getattr(m, "max_length", None) == worst.MAX_COMPONENTS for m in components)


@pytest.mark.parametrize("case", list(worst.CASES))
def test_each_1_mib_case_is_just_under_the_limits(case: str) -> None:
    raw = worst.generate(case, "1MiB")
    assert worst.FILL - 2048 < len(raw) <= worst.FILL < MAX_BUNDLE_BYTES
    values = worst.count_values(raw)
    if case == "node-limit (refused)":
        assert values > MAX_NODES
    else:
        assert 0.8 * MAX_NODES < values <= MAX_NODES, values


def test_a_worker_reports_the_time_and_the_issues(capsys: pytest.CaptureFixture[str]) -> None:
    assert worst.main(["--worker", "duplicate-links", "370KB"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["issues"] == 201  # 200 shown and the line saying how many more
    assert got["seconds"] > 0 and got["cpu"] > 0


def test_the_table_and_its_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    times = {"new": 0.5, "old": None}

    def fake(src: Path, case: str, size: str) -> dict[str, Any]:
        label = src.name
        seconds = times[label] if case != worst.BASELINE else 0.25
        return {"seconds": seconds, "cpu": seconds, "issues": 3}

    monkeypatch.setattr(worst, "_run_worker", fake)
    monkeypatch.setattr(worst, "generate", lambda case, size: b"version: 1\n")
    results = worst.measure({"new": Path("new"), "old": Path("old")}, rounds=2)
    rows = results["rows"]
    assert len(rows) == len(worst.CASES) * 2 - len(worst.NEW_IN_1MIB)
    star = next(r for r in rows if r["case"] == "colocate-star")
    assert star["ratio"] == {"new": 2.0, "old": None}  # old timed out: no ratio
    results.update(
        command="python -m bench.validate_worst",
        date="today",
        machine="2 cores",
        load_before="1 / 1 / 1",
        load_after="2 / 1 / 1",
        rounds=2,
        trees={"new": "this", "old": "that"},
    )
    text = worst.markdown(results)
    assert text.startswith("## `validate` worst cases up to the 1 MiB limit")
    row = "| colocate-star | 1MiB | 11 | 7 | 0.500 | 0.500 | 2.00x | 3 | > 60 | — | — | 3 |"
    assert row in text
    from bench.report import kept_sections, section, write_section

    report = tmp_path / "RESULTS.md"
    report.write_text("# Results\n\nthe suite's tables\n")
    write_section(report, worst.SECTION, text)
    write_section(report, worst.SECTION, text)
    kept = report.read_text()
    assert kept.count("<!-- section:validate_worst -->") == 1 and "the suite's tables" in kept
    # A full `python -m bench` rewrites the file but keeps this section as it is.
    assert kept_sections(kept) == section(worst.SECTION, text)
