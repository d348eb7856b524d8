"""The independent certificate: it holds on right plans and catches injected faults.

Each fault is made on a right plan (a copy with one field doctored), so that the test shows
the certificate notices that very thing; then the planner's own reaction: a plan that fails
its certificate is re-solved cold, and one that fails twice is a bug (exit 1), not a plan.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sovbundle.catalog.query import Catalog
from sovbundle.errors import PlannerBugError
from sovbundle.plan import Plan
from sovbundle.planning import resolve
from sovbundle.planning.certify import certify
from sovbundle.planning.problem import Solution
from sovbundle.planning.resolve import plan_bundle
from sovbundle.planning.solve import solve as real_solve
from sovbundle.spec.loader import LoadedBundle
from sovbundle.spec.model import BundleSpec
from tests.support.synthetic import bundle, catalog, database, kube, provider, storage, vm

NOW = datetime(2026, 11, 29, tzinfo=UTC)


def sample() -> tuple[BundleSpec, Catalog]:
    """Every kind, a priced link across providers, a colocation, a share and a budget."""
    provs = [
        provider("ovhcloud", {"GRA": "FR", "WAW": "PL"}, egress="0.01"),
        provider("scaleway", {"fr-par": "FR"}, egress="0.02"),
        provider("outscale", {"eu-west-2": "FR"}, eu=False),
    ]
    offers = [
        vm("ovhcloud", "GRA", "b3-8", "30", vcpus=4, certs=("hds",)),
        vm("ovhcloud", "WAW", "b3-8", "20", vcpus=4, certs=("hds",)),
        vm("scaleway", "fr-par", "POP2", "32", vcpus=4, certs=("hds",)),
        vm("outscale", "eu-west-2", "tinav6", "10", vcpus=4, certs=("hds",)),
        database("ovhcloud", "GRA", "pg", "40", storage_gb=Decimal(50)),
        database(
            "scaleway",
            "fr-par",
            "pg",
            "45",
            storage_gb=Decimal(20),
            extra_storage_gb_month=Decimal("0.1"),
        ),
        storage("ovhcloud", "GRA", "s3", "0.01", egress="0.011"),
        storage("scaleway", "fr-par", "s3", "0.012", egress="0.009"),
        kube("scaleway", "fr-par", "kapsule", "0"),
        vm("scaleway", "fr-par", "DEV1-S", "6", vcpus=2),
    ]
    spec = bundle(
        {
            "api": {"kind": "vm", "count": 2, "vcpus": 4, "certifications": ["hds"]},
            "db": {"kind": "database", "engine": "postgresql", "storage_gb": 80},
            "files": {"kind": "object_storage", "storage_gb": 1000, "egress_gb_month": 200},
            "k8s": {"kind": "kubernetes", "nodes": 3, "vcpus": 2},
        },
        constraints={"countries": ["FR"], "eu_jurisdiction": True},
        links=[
            {"from": "files", "to": "api", "gb_month": 500},
            {"from": "api", "to": "db", "gb_month": 100, "colocate": "region"},
        ],
        policy={"min_providers": 2, "max_provider_share": 0.9, "max_monthly_eur": 500},
    )
    return spec, catalog(provs, offers)


def make_plan(spec: BundleSpec, cat: Catalog, **kw: Any) -> Plan:
    return plan_bundle(LoadedBundle(spec, Path("b.yaml"), "0" * 64), cat, NOW, **kw)


@pytest.fixture(scope="module")
def right() -> tuple[BundleSpec, Catalog, Plan]:
    spec, cat = sample()
    return spec, cat, make_plan(spec, cat)


def test_a_right_plan_holds(right: tuple[BundleSpec, Catalog, Plan]) -> None:
    spec, cat, plan = right
    assert certify(spec, cat, plan) == []
    # The sample exercises what it claims: every kind, extra storage, egress, a paid link.
    parts = {(row.component, row.part) for row in plan.placements}
    assert {("db", "extra_storage"), ("files", "egress"), ("k8s", "nodes")} <= parts
    assert any(link.monthly > 0 for link in plan.links)
    assert not any("certificate" in w for w in plan.warnings)


def _rows(plan: Plan, **change: Any) -> Plan:
    """The plan with the first placement row changed."""
    first = plan.placements[0].model_copy(update=change)
    return plan.model_copy(update={"placements": (first, *plan.placements[1:])})


def test_it_catches_a_wrong_total(right: tuple[BundleSpec, Catalog, Plan]) -> None:
    spec, cat, plan = right
    wrong = plan.model_copy(update={"total_monthly": plan.total_monthly + Decimal("0.01")})
    assert any(p.startswith("total ") for p in certify(spec, cat, wrong))


def test_it_catches_a_wrong_objective(right: tuple[BundleSpec, Catalog, Plan]) -> None:
    spec, cat, plan = right
    solver = plan.solver.model_copy(update={"objective": plan.total_monthly - 7})
    problems = certify(spec, cat, plan.model_copy(update={"solver": solver}))
    assert problems == [
        f"the solver's objective {plan.total_monthly - 7} is not the recomputed total "
        f"{plan.total_monthly}"
    ]


def test_it_catches_a_row_priced_wrong(right: tuple[BundleSpec, Catalog, Plan]) -> None:
    spec, cat, plan = right
    row = plan.placements[0]
    problems = certify(spec, cat, _rows(plan, monthly=row.monthly - 1))
    assert any("costs" in p for p in problems)
    assert any(p.startswith("total ") for p in problems)  # and the total no longer adds up
    assert any("quantity" in p for p in certify(spec, cat, _rows(plan, quantity=Decimal(1))))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"provider": "ovhcloud", "region": "WAW", "sku": "b3-8", "country": "PL"},
            "country PL not allowed",
        ),
        ({"provider": "outscale", "region": "eu-west-2", "sku": "tinav6"}, "EU jurisdiction"),
        ({"sku": "DEV1-S"}, "vCPUs 2 below the 4 required"),
        ({"sku": "DEV1-S"}, "lacks hds"),
        ({"sku": "nope"}, "no such vm offer"),
    ],
)
def test_it_catches_a_broken_placement_filter(
    right: tuple[BundleSpec, Catalog, Plan], change: dict[str, Any], expected: str
) -> None:
    spec, cat, plan = right
    api = next(row for row in plan.placements if row.component == "api")
    index = plan.placements.index(api)
    moved = api.model_copy(update=change)
    doctored = plan.model_copy(
        update={"placements": (*plan.placements[:index], moved, *plan.placements[index + 1 :])}
    )
    assert any(expected in p for p in certify(spec, cat, doctored)), certify(spec, cat, doctored)


def test_it_catches_a_broken_global_constraint(right: tuple[BundleSpec, Catalog, Plan]) -> None:
    spec, cat, plan = right
    tight = spec.model_copy(
        update={"policy": spec.policy.model_copy(update={"max_monthly_eur": 100.0})}
    )
    assert any("above the budget" in p for p in certify(tight, cat, plan))
    many = spec.model_copy(update={"policy": spec.policy.model_copy(update={"min_providers": 3})})
    assert any("min_providers is 3" in p for p in certify(many, cat, plan))
    share = spec.model_copy(
        update={"policy": spec.policy.model_copy(update={"max_provider_share": 0.5})}
    )
    assert any("max_provider_share" in p for p in certify(share, cat, plan))
    apart = spec.model_copy(
        update={"links": (spec.links[0], spec.links[1].model_copy(update={"colocate": None,
                                                                          "apart": "region"}))}
    )  # fmt: skip
    assert any("apart region broken" in p for p in certify(apart, cat, plan))


def test_it_catches_a_wrong_link_cost(right: tuple[BundleSpec, Catalog, Plan]) -> None:
    spec, cat, plan = right
    paid = plan.links[0]
    free = paid.model_copy(update={"monthly": Decimal(0)})
    doctored = plan.model_copy(update={"links": (free, *plan.links[1:])})
    assert any("of egress is" in p for p in certify(spec, cat, doctored))


def _doctored(solution: Solution) -> Solution:
    """The solver's answer with its objective off by one euro."""
    assert solution.objective is not None
    return dataclasses.replace(solution, objective=solution.objective + 1)


def test_a_plan_failing_its_certificate_is_re_solved_cold(monkeypatch: pytest.MonkeyPatch) -> None:
    spec, cat = sample()
    calls: list[dict[str, Any]] = []

    def first_wrong(*args: Any, **kw: Any) -> Solution:
        calls.append(kw)
        found = real_solve(*args, **kw)
        return _doctored(found) if len(calls) == 1 else found

    monkeypatch.setattr(resolve, "solve", first_wrong)
    plan = make_plan(spec, cat)
    assert calls[1]["warm_start"] is False and calls[1]["search_nodes"] == 0
    assert certify(spec, cat, plan) == []
    assert any("failed its certificate" in w and "re-solved cold" in w for w in plan.warnings)


def test_a_plan_failing_twice_is_a_bug_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    spec, cat = sample()
    monkeypatch.setattr(resolve, "solve", lambda *a, **k: _doctored(real_solve(*a, **k)))
    with pytest.raises(PlannerBugError, match="even re-solved cold") as info:
        make_plan(spec, cat)
    assert info.value.exit_code == 1
    assert "this is a bug" in " ".join(info.value.lines())


def test_the_certificate_shares_no_code_with_the_planner() -> None:
    """Its own code: it imports no other module of ``sovbundle.planning`` (no candidates,
    filters, formulation, model or solver), so a bug there cannot hide from it."""
    import ast

    from sovbundle.planning import certify as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not {name for name in imported if name.startswith("sovbundle.planning")}
    assert "sovbundle.catalog.query" in imported  # it reads the catalog, and the plan
