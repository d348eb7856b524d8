"""A solve stopped by its time limit is honest: ``feasible``, a numeric or null gap, strict JSON,
a warning saying why it is not proven and how far from proven it is, exit 0.

The limit is injected where the machine's speed (and the HiGHS version) cannot change the
outcome: each HiGHS instance reports its first MIP run as stopped by the time limit, with the
plan it found and either no bound (``mip_dual_bound`` -inf, gap inf: what HiGHS reports when
stopped before any bound) or a bound 1.23 EUR below the plan (above the sum of each
component's cheapest candidate, the lower bound the lexicographic objective always has).
"""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import highspy
import pytest
import yaml
from bench.generate import bundle_spec, synthetic_catalog

from sovbundle.catalog import select as catalog_module
from sovbundle.cli import main
from sovbundle.jsontext import dumps
from sovbundle.plan import dump_plan
from sovbundle.planning import milp, resolve
from sovbundle.planning.formulate import build_problem
from sovbundle.planning.resolve import plan_bundle
from sovbundle.planning.solve import solve
from sovbundle.render.plan import plan_summary
from sovbundle.spec.loader import LoadedBundle

NOW = datetime(2026, 11, 29, tzinfo=UTC)


class _StoppedEarly:
    """A HiGHS instance whose first MIP run reports the time limit (with ``gap`` cents of gap,
    or no bound when None); later runs and everything else are the real ones."""

    def __init__(self, real: Any, gap: int | None) -> None:
        self._real = real
        self._gap = gap
        self._runs = 0
        self.weight = 1
        """Objective units per cent: ``M`` under the lexicographic objective (``_stop_early``)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def run(self) -> Any:
        # Only MIP runs count: the LP relaxation of the reduced-cost fixing (``milp``) runs
        # first when the model has a starting plan.
        kinds = self._real.getLp().integrality_
        if any(kind == highspy.HighsVarType.kInteger for kind in kinds):
            self._runs += 1
        return self._real.run()

    def _stopped(self) -> bool:
        status = self._real.getModelStatus()
        return self._runs == 1 and status == highspy.HighsModelStatus.kOptimal

    def getModelStatus(self) -> Any:
        if self._stopped():
            return highspy.HighsModelStatus.kTimeLimit
        return self._real.getModelStatus()

    def getInfo(self) -> Any:
        info = self._real.getInfo()
        if not self._stopped():
            return info
        found = info.objective_function_value
        bound = -math.inf if self._gap is None else found - self._gap * self.weight
        return SimpleNamespace(
            objective_function_value=found,
            mip_dual_bound=bound,
            mip_gap=math.inf if self._gap is None else (found - bound) / found,
            primal_solution_status=2,
        )


def _stop_early(monkeypatch: pytest.MonkeyPatch, gap: int | None) -> None:
    real = milp._new_highs
    monkeypatch.setattr(milp, "_new_highs", lambda limit: _StoppedEarly(real(limit), gap))
    lexicographic = milp.Model._lexicographic

    def scaled(model: milp.Model) -> tuple[list[float], int, int] | None:
        found = lexicographic(model)
        if found is not None:
            model.highs.weight = found[1]  # the bound stays ``gap`` cents below the plan
        return found

    monkeypatch.setattr(milp.Model, "_lexicographic", scaled)


@pytest.fixture
def time_up_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    _stop_early(monkeypatch, None)


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
    (why,) = [w for w in plan.run.warnings if w.startswith("not proven optimal")]
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
    assert any("time limit of 30 s" in w for w in data["run"]["warnings"])
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


def test_a_numeric_gap_is_a_json_number_and_says_how_far(monkeypatch: pytest.MonkeyPatch) -> None:
    _stop_early(monkeypatch, 123)
    spec = bundle_spec(20)
    plan = plan_bundle(LoadedBundle(spec, Path("g.yaml"), "0" * 64), synthetic_catalog(1000), NOW)
    assert plan.status == "feasible"
    gap = strict(dump_plan(plan))["solver"]["gap"]
    assert isinstance(gap, float) and 0 < gap < 1
    (why,) = [w for w in plan.run.warnings if w.startswith("not proven optimal")]
    lower = plan.total_monthly - Decimal("1.23")
    assert f"no plan costs less than {lower:.2f} EUR/month" in why
    assert f"at most 1.23 EUR/month above the optimum (gap {gap * 100:.2f}% of its cost)" in why


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
    """The one JSON encoder refuses NaN and infinities: a bug, never invalid JSON printed."""
    assert strict(dumps({"gap": 0.25})) == {"gap": 0.25}
    for bad in (math.inf, -math.inf, math.nan):
        with pytest.raises(ValueError, match="Out of range float"):
            dumps({"gap": bad})
