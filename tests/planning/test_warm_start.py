"""Issue 10's warm-start repro on every solver path, and the check that caught it.

With highspy 1.16.0 the warm-started MILP reported "optimal" with objective 35.00 and returned
a plan costing 42.50; the optimum is 40.00 (``sovbundle.planning.milp``'s docstring has the cause).
Each path must give 40.00 and the same placements: the exact enumeration, the MILP cold, the
MILP warm-started from the cheapest-candidates plan, and the tie-break's solves.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sovbundle.errors import PlannerBugError
from sovbundle.planning import milp
from sovbundle.planning.formulate import build_problem
from sovbundle.planning.problem import Problem, Solution
from sovbundle.planning.solve import solve
from tests.support.synthetic import bundle, catalog, provider, storage, vm

OPTIMUM = {
    "a": "outscale/eu-west-2/sku4",
    "b": "ovhcloud/GRA/sku1",
    "c": "outscale/eu-west-2/sku4",
}


def repro(policy: dict[str, object] | None = None) -> Problem:
    """The instance of issue 10, built with ``tests/synthetic.py`` (``policy`` replaces its
    policy)."""
    provs = [
        provider("ovhcloud", {"GRA": "FR", "WAW": "PL"}, egress=None),
        provider("scaleway", {"fr-par": "FR"}, egress=None),
        provider("outscale", {"eu-west-2": "FR", "us-1": "US"}, egress=None),
    ]
    offers = [
        vm("ovhcloud", "GRA", "sku0", "5", vcpus=1),
        vm("ovhcloud", "GRA", "sku1", "10", vcpus=1),
        vm("ovhcloud", "WAW", "sku5", "10", vcpus=2),
        vm("scaleway", "fr-par", "sku2", "7.5", vcpus=2),
        vm("outscale", "us-1", "sku3", "7.5", vcpus=2),
        vm("outscale", "eu-west-2", "sku4", "5", vcpus=2),
        storage("ovhcloud", "GRA", "s3-0", "0.01"),
        storage("scaleway", "fr-par", "s3-1", "0.012"),
        storage("outscale", "eu-west-2", "s3-2", "0.02"),
    ]
    spec = bundle(
        {
            "a": {"kind": "vm", "count": 3, "vcpus": 2, "countries": ["FR"]},
            "b": {"kind": "vm", "count": 1, "vcpus": 1, "countries": ["FR"]},
            "c": {"kind": "vm", "count": 3, "vcpus": 2},
        },
        policy={"min_providers": 1, "max_provider_share": 0.75} if policy is None else policy,
    )
    return build_problem(spec, catalog(provs, offers))


PATHS: dict[str, dict[str, Any]] = {
    "enumeration": {},
    "milp-cold": {"search_nodes": 0, "warm_start": False},
    "milp-warm": {"search_nodes": 0},
    "tie-break": {"search_nodes": 0, "force_tie_break": True},
}


def _check(found: Solution) -> None:
    assert found.status == "optimal"
    assert found.total == Decimal("40.00")
    assert found.objective == found.total
    assert {name: c.label for name, c in found.chosen.items()} == OPTIMUM


@pytest.mark.parametrize("path", sorted(PATHS))
def test_repro_gives_the_optimum_on_every_path(path: str) -> None:
    found = solve(repro(), **PATHS[path])
    _check(found)
    if path == "enumeration":
        assert found.method == "enumeration"
    else:
        assert found.method == "highs"
        assert found.warm_started == (path != "milp-cold")
        # b's optimum is its rank-3 candidate: the tie-break runs on every MILP path.
        assert found.tie_break_solves >= 1


def test_a_report_that_disagrees_with_its_solution_is_solved_again_cold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = milp.Model._consistent
    calls: list[bool] = []

    def once_wrong(self: milp.Model, values: list[float]) -> bool:
        calls.append(True)
        return real(self, values) and len(calls) > 1

    # Without max_provider_share: one model, no start, so no genuine disagreement either.
    problem = repro({"min_providers": 2})
    expected = solve(problem, search_nodes=0)
    assert expected.cold_retries == 0 and not expected.warm_started
    monkeypatch.setattr(milp.Model, "_consistent", once_wrong)
    found = solve(problem, search_nodes=0)
    assert found.cold_retries == 1
    assert (found.total, found.chosen) == (expected.total, expected.chosen)


def test_a_report_wrong_even_cold_is_a_bug_not_a_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(milp.Model, "_consistent", lambda self, values: False)
    with pytest.raises(PlannerBugError, match="even when solved cold"):
        solve(repro(), search_nodes=0)


def test_the_consistency_check_rejects_a_wrong_objective() -> None:
    """``_consistent`` itself: the solution of a finished solve, then its objective doctored."""
    problem = repro()
    pools = {cc.name: list(cc.candidates) for cc in problem.components}
    ranks = {name: list(range(len(pool))) for name, pool in pools.items()}
    model = milp.Model(problem, pools, ranks, warm=False)
    status, values = model._optimise()
    assert status == "optimal" and values is not None
    assert model._consistent(values)
    doctored = list(values)
    first = model.x["a"]
    doctored[first[0]], doctored[first[1]] = doctored[first[1]], doctored[first[0]]
    assert not model._consistent(doctored)  # same report, a solution of another cost
    assert not model._consistent([0.0] * len(values))  # places nothing


class _OneRankOff:
    """A HiGHS instance whose first MIP run under the lexicographic objective reports one
    unit (one rank) more than its solution's objective; everything else is real."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.lexicographic = False
        self.doctored = 0
        self._doctor = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def run(self) -> Any:
        import highspy

        kinds = self._real.getLp().integrality_
        mip = any(kind == highspy.HighsVarType.kInteger for kind in kinds)
        self._doctor = self.lexicographic and mip and not self.doctored
        self.doctored += self._doctor
        return self._real.run()

    def getInfo(self) -> Any:
        from types import SimpleNamespace

        info = self._real.getInfo()
        if not self._doctor:
            return info
        return SimpleNamespace(
            objective_function_value=info.objective_function_value + 1,
            mip_dual_bound=info.mip_dual_bound,
            mip_gap=info.mip_gap,
            primal_solution_status=info.primal_solution_status,
        )


def test_the_lexicographic_answer_is_checked_in_its_own_units(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The one-solve tie-break (cents x M + ranks): a report one rank off the objective
    recomputed from its columns (same cost, another rank sum) is solved again cold."""
    problem = repro({"min_providers": 2})
    expected = solve(problem, search_nodes=0)
    made: list[_OneRankOff] = []
    real_new = milp._new_highs

    def new(limit: float) -> _OneRankOff:
        made.append(_OneRankOff(real_new(limit)))
        return made[-1]

    lexicographic = milp.Model._lexicographic

    def flagged(model: milp.Model) -> tuple[list[float], int, int] | None:
        found = lexicographic(model)
        model.highs.lexicographic = found is not None
        return found

    monkeypatch.setattr(milp, "_new_highs", new)
    monkeypatch.setattr(milp.Model, "_lexicographic", flagged)
    found = solve(problem, search_nodes=0)
    assert [h.doctored for h in made] == [1]  # the lexicographic solve was doctored
    assert found.cold_retries == 1
    assert (found.total, found.chosen) == (expected.total, expected.chosen)


def test_every_round_of_the_name_order_pass_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The name-order pass's rounds go through the same check (``_optimise``): checked, a
    round moves to a smaller rank vector; with every answer declared inconsistent, it is an
    internal error, not a plan."""
    problem = repro({"min_providers": 2})
    pools = {cc.name: list(cc.candidates) for cc in problem.components}
    ranks = {name: list(range(len(pool))) for name, pool in pools.items()}
    last = {name: len(pool) - 1 for name, pool in pools.items()}
    model = milp.Model(problem, pools, ranks, warm=False)
    smaller, proven = model._smallest_vector(dict(last))
    assert proven and model.tie_break_solves >= 1 and model.cold_retries == 0
    assert [smaller[n] for n in sorted(smaller)] < [last[n] for n in sorted(last)]
    monkeypatch.setattr(milp.Model, "_consistent", lambda self, values: False)
    model = milp.Model(problem, pools, ranks, warm=False)
    with pytest.raises(PlannerBugError, match="even when solved cold"):
        model._smallest_vector(dict(last))
