"""Every example bundle plans, proven optimal, offline on the packaged snapshot."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sovbundle.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "bundles").glob("*.yaml"))
LIVE_ONLY = sorted((ROOT / "bundles" / "live").glob("*.yaml"))


@pytest.fixture(autouse=True)
def packaged_data_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The packaged snapshot only: no user cache, config or override leaks in."""
    for name in list(os.environ):
        if name.startswith("SOVBUNDLE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SOVBUNDLE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def plan_json(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code = main(["plan", str(path), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    plan = json.loads(out)
    assert isinstance(plan, dict)
    return plan


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_plans_proven_optimal_offline(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = plan_json(path, capsys)
    assert plan["status"] == "optimal"
    assert all(c["source"] == "snapshot" for c in plan["catalogs"])  # type: ignore[attr-defined,index]
    assert all(c["ok"] for c in plan["constraints"])  # type: ignore[attr-defined,index]


def test_one_example_spans_three_providers_with_links(capsys: pytest.CaptureFixture[str]) -> None:
    spans = []
    for path in EXAMPLES:
        plan = plan_json(path, capsys)
        if len(plan["by_provider"]) >= 3 and plan["links"]:  # type: ignore[arg-type]
            spans.append(path.stem)
    assert spans


@pytest.mark.parametrize("path", LIVE_ONLY, ids=lambda p: p.stem)
def test_live_only_example_explains_why_it_needs_a_refresh(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["plan", str(path)])
    _, err = capsys.readouterr()
    assert code == 4
    assert "sovbundle catalog refresh outscale" in err
    assert "cheapest relaxation" in err
    assert "Traceback" not in err
