"""A solve stopped by its time limit is honest: ``feasible``, a numeric or null gap, strict JSON,
a warning saying why it is not proven and how far from proven it is, exit 0.

The limit is injected where the machine's speed cannot change the outcome: the time is made
up just as the main MILP starts from its warm start (a generated 20-component bundle), so
HiGHS stops at once with that plan and no bound.
"""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from bench.generate import bundle_spec, synthetic_catalog

from sovbundle.catalog import select as catalog_module
from sovbundle.cli import main
from sovbundle.jsontext import _encode
from sovbundle.plan import SolverInfo, dump_plan
from sovbundle.planning import milp, resolve
from sovbundle.planning.formulate import build_problem
from sovbundle.planning.resolve import plan_bundle
from sovbundle.planning.solve import solve
from sovbundle.render.plan import plan_summary
from sovbundle.spec.loader import LoadedBundle

NOW = datetime(2026, 11, 29, tzinfo=UTC)


@pytest.fixture
def time_up_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    real = milp.Model.start

    def start(self: milp.Model, picks: dict[str, int]) -> None:
        real(self, picks)
        self.budget.deadline = time.monotonic()  # the time is up as the main solve begins

    monkeypatch.setattr(milp.Model, "start", start)


def strict(text: str) -> Any:
    """json.loads that refuses NaN, Infinity and -Infinity."""

    def refuse(name: str) -> None:
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.usefixtures("time_up_at_start")
def test_a_time_limited_plan_is_feasible_with_its_reason() -> None:
    spec = bundle_spec(20)
    plan = plan_bundle(LoadedBundle(spec, Path("g.yaml"), "0" * 64), synthetic_catalog(1000), NOW)
    assert plan.status == "feasible" and plan.solver.status == "feasible"
    assert plan.solver.gap is None  # HiGHS had no bound yet: null, not Infinity
    assert plan.solver.objective == plan.total_monthly
    (why,) = [w for w in plan.warnings if w.startswith("not proven optimal")]
    assert "stopped at its time limit of 60 s" in why and "gap is unknown" in why
    data = strict(dump_plan(plan))
    assert data["status"] == "feasible" and data["solver"]["gap"] is None
    assert str(plan_summary(plan)).endswith("EUR/month, feasible, not proven optimal")


@pytest.mark.usefixtures("time_up_at_start")
def test_the_cli_prints_it_and_exits_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = bundle_spec(20)
    path = tmp_path / "generated.yaml"
    path.write_text(yaml.safe_dump(spec.model_dump(mode="json", by_alias=True, exclude_none=True)))
    monkeypatch.setattr(catalog_module, "load_catalogs", lambda *a, **k: synthetic_catalog(1000))
    assert main(["plan", str(path), "--json", "--time-limit", "30"]) == 0
    data = strict(capsys.readouterr().out)
    assert data["status"] == "feasible"
    assert any("time limit of 30 s" in w for w in data["warnings"])
    assert main(["plan", str(path), "--time-limit", "30"]) == 0
    assert "feasible, not proven optimal" in capsys.readouterr().out


def test_the_option_reaches_the_solver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[float | None] = []

    def spy(*args: Any, **kw: Any) -> Any:
        seen.append(kw.get("time_limit"))
        return solve(*args, **kw)

    monkeypatch.setattr(resolve, "solve", spy)
    monkeypatch.setattr(catalog_module, "load_catalogs", lambda *a, **k: synthetic_catalog(300))
    path = tmp_path / "b.yaml"
    path.write_text("version: 1\nname: b\ncomponents:\n  a: {kind: vm}\n")
    assert main(["plan", str(path), "--time-limit", "2.5"]) == 0
    assert seen == [2.5]
    for bad in ("0", "-1", "nan", "inf", "1e9"):
        assert main(["plan", str(path), "--time-limit", bad]) == 2
        assert "--time-limit must be a number of seconds" in capsys.readouterr().err


def test_a_numeric_gap_says_how_far_from_proven() -> None:
    spec = bundle_spec(20)
    base = solve(build_problem(spec, synthetic_catalog(1000)))
    assert base.total is not None
    stopped = dataclasses.replace(
        base, status="feasible", bound=base.total - Decimal("12.34"), gap=0.0412, time_limit=5.0
    )
    why = resolve._not_proven(stopped)
    assert "time limit of 5 s" in why
    assert f"no plan costs less than {base.total - Decimal('12.34'):.2f} EUR/month" in why
    assert "at most 12.34 EUR/month above the optimum (gap 4.12% of its cost)" in why


def test_plan_json_never_holds_a_non_finite_number() -> None:
    info = SolverInfo.model_validate(
        {
            "name": "highs",
            "status": "feasible",
            "objective": 1,
            "gap": float("inf"),
            "time_ms": 0,
            "candidates": 1,
            "pruned": 0,
            "model": {"variables": 1, "constraints": 1, "nonzeros": 1},
        }
    )
    with pytest.raises(ValueError, match="Out of range float"):
        _encode(info.model_dump(), 0)
