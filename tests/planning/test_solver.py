"""The optimiser: each constraint binds, tie-breaks are canonical, exactness of the model."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from sovbundle.catalog.query import Catalog
from sovbundle.errors import InfeasibleError
from sovbundle.planning.explain import explain
from sovbundle.planning.formulate import build_problem
from sovbundle.planning.problem import Solution
from sovbundle.planning.resolve import plan_bundle
from sovbundle.planning.solve import ENUMERATION_NODES, solve
from sovbundle.spec.loader import LoadedBundle
from sovbundle.spec.model import BundleSpec
from tests.support.synthetic import bundle, catalog, database, provider, storage, vm

OVH = provider("ovhcloud", {"GRA": "FR", "SBG": "FR"})
SCW = provider("scaleway", {"fr-par": "FR"})
OSC = provider("outscale", {"eu-west-2": "FR"})
NOW = datetime(2026, 11, 29, tzinfo=UTC)


def run(spec: BundleSpec, cat: Catalog, milp: bool = False) -> Solution:
    """Solve, by default as ``plan`` does; ``milp`` skips the enumeration of small problems."""
    return solve(build_problem(spec, cat), search_nodes=0 if milp else ENUMERATION_NODES)


def where(solution: Solution) -> dict[str, str]:
    return {name: c.label for name, c in solution.chosen.items()}


def loaded(spec: BundleSpec) -> LoadedBundle:
    return LoadedBundle(spec, Path("bundle.yaml"), "0" * 64)


def test_unconstrained_takes_cheapest_per_component_on_the_fast_path() -> None:
    cat = catalog(
        [OVH, SCW], [vm("ovhcloud", "GRA", "a", "10"), vm("scaleway", "fr-par", "b", "9")]
    )
    found = run(bundle({"x": {"kind": "vm"}, "y": {"kind": "vm", "count": 2}}), cat)
    assert found.status == "optimal" and found.method == "direct"
    assert where(found) == {"x": "scaleway/fr-par/b", "y": "scaleway/fr-par/b"}
    assert found.total == Decimal("27.00")


def test_min_providers_binds() -> None:
    offers = [
        vm("ovhcloud", "GRA", "a", "10"),
        vm("scaleway", "fr-par", "b", "12"),
    ]
    cat = catalog([OVH, SCW], offers)
    comps = {"x": {"kind": "vm"}, "y": {"kind": "vm", "count": 3}}
    free = run(bundle(comps), cat)
    assert {c.provider for c in free.chosen.values()} == {"ovhcloud"}
    bound = run(bundle(comps, policy={"min_providers": 2}), cat, milp=True)
    assert bound.status == "optimal" and bound.method == "highs"
    assert run(bundle(comps, policy={"min_providers": 2}), cat).method == "enumeration"
    # Moving the single VM costs +2, moving the three VMs +6.
    assert where(bound) == {"x": "scaleway/fr-par/b", "y": "ovhcloud/GRA/a"}
    assert bound.total == Decimal("42.00")
    assert run(bundle(comps, policy={"min_providers": 3}), cat).status == "infeasible"


def test_max_provider_share_binds() -> None:
    offers = [
        vm("ovhcloud", "GRA", "a50", "50", vcpus=8),
        vm("ovhcloud", "GRA", "b30", "30", vcpus=4),
        vm("ovhcloud", "GRA", "c20", "20", vcpus=2),
        vm("scaleway", "fr-par", "a55", "55", vcpus=8),
        vm("scaleway", "fr-par", "b35", "35", vcpus=4),
        vm("scaleway", "fr-par", "c25", "25", vcpus=2),
    ]
    cat = catalog([OVH, SCW], offers)
    comps = {n: {"kind": "vm", "vcpus": v} for n, v in (("a", 8), ("b", 4), ("c", 2))}
    free = run(bundle(comps), cat)
    assert free.total == Decimal("100.00")
    bound = run(bundle(comps, policy={"max_provider_share": 0.6}), cat)
    assert where(bound)["a"] == "scaleway/fr-par/a55"
    assert bound.total == Decimal("105.00")


def test_share_may_need_a_dearer_offer_of_the_same_provider() -> None:
    # Pruning to the cheapest offer per provider would make this infeasible.
    offers = [
        vm("ovhcloud", "GRA", "big", "60", vcpus=8),
        vm("scaleway", "fr-par", "s1", "20", vcpus=2),
        vm("scaleway", "fr-par", "s2", "45", vcpus=2),
    ]
    cat = catalog([OVH, SCW], offers)
    comps = {
        "a": {"kind": "vm", "vcpus": 8},
        "b": {"kind": "vm", "vcpus": 2, "providers": ["scaleway"]},
    }
    bound = run(bundle(comps, policy={"max_provider_share": 0.6}), cat)
    assert where(bound)["b"] == "scaleway/fr-par/s2"
    assert bound.total == Decimal("105.00")


def test_share_cannot_be_met_with_phantom_egress() -> None:
    # a -> b on one provider has no egress; counting some anyway would lower ovhcloud's share.
    offers = [
        vm("scaleway", "fr-par", "a", "15", vcpus=1),
        vm("outscale", "eu-west-2", "a-osc", "50", vcpus=1),
        vm("scaleway", "fr-par", "b", "15", vcpus=2),
        vm("ovhcloud", "GRA", "c", "70", vcpus=4),
    ]
    cat = catalog([OVH, SCW, OSC], offers)
    comps = {
        "a": {"kind": "vm", "vcpus": 1, "providers": ["scaleway", "outscale"]},
        "b": {"kind": "vm", "vcpus": 2, "providers": ["scaleway"]},
        "c": {"kind": "vm", "vcpus": 4},
    }
    links = [{"from": "a", "to": "b", "gb_month": 3000}]
    found = run(bundle(comps, links=links, policy={"max_provider_share": 0.6}), cat)
    assert where(found)["a"] == "outscale/eu-west-2/a-osc"
    assert found.links[0].cross_provider and found.links[0].monthly == Decimal("30.00")
    assert found.total == Decimal("165.00")


def test_budget_binds_exactly() -> None:
    cat = catalog([OVH], [vm("ovhcloud", "GRA", "a", "10.01")])
    comps = {"x": {"kind": "vm"}}
    assert run(bundle(comps, policy={"max_monthly_eur": 10.01}), cat).total == Decimal("10.01")
    assert run(bundle(comps, policy={"max_monthly_eur": 10}), cat).status == "infeasible"


def test_colocate_provider_binds() -> None:
    offers = [
        vm("ovhcloud", "GRA", "web-o", "12", vcpus=1),
        vm("scaleway", "fr-par", "web-s", "10", vcpus=1),
        database("ovhcloud", "GRA", "db-o", "20"),
        database("scaleway", "fr-par", "db-s", "25"),
    ]
    cat = catalog([OVH, SCW], offers)
    comps = {"web": {"kind": "vm", "vcpus": 1}, "db": {"kind": "database", "engine": "postgresql"}}
    free = run(bundle(comps), cat)
    assert free.chosen["web"].provider != free.chosen["db"].provider
    links = [{"from": "web", "to": "db", "colocate": "provider"}]
    bound = run(bundle(comps, links=links), cat)
    assert where(bound) == {"web": "ovhcloud/GRA/web-o", "db": "ovhcloud/GRA/db-o"}
    assert bound.total == Decimal("32.00")


def test_colocate_region_binds() -> None:
    offers = [
        vm("ovhcloud", "GRA", "web", "10", vcpus=1),
        vm("ovhcloud", "SBG", "web", "11", vcpus=1),
        database("ovhcloud", "SBG", "db", "20"),
    ]
    cat = catalog([OVH], offers)
    comps = {"web": {"kind": "vm", "vcpus": 1}, "db": {"kind": "database", "engine": "postgresql"}}
    assert run(bundle(comps), cat).chosen["web"].region == "GRA"
    links = [{"from": "web", "to": "db", "colocate": "region"}]
    assert run(bundle(comps, links=links), cat).chosen["web"].region == "SBG"


def test_apart_provider_and_region_bind() -> None:
    offers = [
        storage("ovhcloud", "GRA", "s3", "0.01"),
        storage("ovhcloud", "SBG", "s3", "0.011"),
        storage("scaleway", "fr-par", "s3", "0.012"),
    ]
    cat = catalog([OVH, SCW], offers)
    comps = {
        "files": {"kind": "object_storage", "storage_gb": 1000},
        "backup": {"kind": "object_storage", "storage_gb": 1000},
    }
    free = run(bundle(comps), cat)
    assert {c.label for c in free.chosen.values()} == {"ovhcloud/GRA/s3"}
    region = run(bundle(comps, links=[{"from": "files", "to": "backup", "apart": "region"}]), cat)
    assert {c.label for c in region.chosen.values()} == {"ovhcloud/GRA/s3", "ovhcloud/SBG/s3"}
    assert region.total == Decimal("21.00")
    prov = run(bundle(comps, links=[{"from": "files", "to": "backup", "apart": "provider"}]), cat)
    assert {c.provider for c in prov.chosen.values()} == {"ovhcloud", "scaleway"}
    assert prov.total == Decimal("22.00")


def test_cross_provider_egress_is_priced_on_the_from_side() -> None:
    offers = [
        vm("ovhcloud", "GRA", "web-o", "15", vcpus=1),
        vm("scaleway", "fr-par", "web-s", "10", vcpus=1),
        database("ovhcloud", "GRA", "db", "20"),
    ]
    cat = catalog([OVH, SCW], offers)
    comps = {"web": {"kind": "vm", "vcpus": 1}, "db": {"kind": "database", "engine": "postgresql"}}
    cheap_link = run(bundle(comps, links=[{"from": "web", "to": "db", "gb_month": 200}]), cat)
    assert cheap_link.chosen["web"].provider == "scaleway"  # 10 + 2.00 egress < 15
    assert cheap_link.total == Decimal("32.00")
    heavy = run(bundle(comps, links=[{"from": "web", "to": "db", "gb_month": 1000}]), cat)
    assert heavy.chosen["web"].provider == "ovhcloud"  # 10 + 10.00 egress > 15
    assert not heavy.links[0].cross_provider and heavy.total == Decimal("35.00")


def test_filters_bind_certifications_countries_jurisdiction() -> None:
    us = provider("outscale", {"us-east-2": "US", "eu-west-2": "FR"}, eu=False)
    offers = [
        vm("outscale", "us-east-2", "cheapest", "1", certs=("hds",)),
        vm("outscale", "eu-west-2", "non-eu", "2", certs=("hds",)),
        vm("scaleway", "fr-par", "nohds", "3"),
        vm("ovhcloud", "GRA", "ok", "4", certs=("hds",)),
    ]
    cat = catalog([OVH, SCW, us], offers)
    steps = [
        ({}, "outscale/us-east-2/cheapest"),
        ({"countries": ["FR"]}, "outscale/eu-west-2/non-eu"),
        ({"countries": ["FR"], "eu_jurisdiction": True}, "scaleway/fr-par/nohds"),
        (
            {"countries": ["FR"], "eu_jurisdiction": True, "certifications": ["hds"]},
            "ovhcloud/GRA/ok",
        ),
    ]
    for constraints, expected in steps:
        assert where(run(bundle({"x": {"kind": "vm"}}, constraints=constraints), cat)) == {
            "x": expected
        }


def test_equal_costs_break_by_canonical_order() -> None:
    offers = [
        vm("scaleway", "fr-par", "b", "10"),
        vm("ovhcloud", "SBG", "z", "10"),
        vm("ovhcloud", "GRA", "y", "10"),
    ]
    cat = catalog([OVH, SCW], offers)
    found = run(bundle({"x": {"kind": "vm"}, "w": {"kind": "vm"}}), cat)
    assert set(where(found).values()) == {"ovhcloud/GRA/y"}
    # Coupled: one of them must move to scaleway (rank 2 either way, sum 2); then the first
    # component in name order keeps its first candidate. Both methods apply the rule.
    spec = bundle({"x": {"kind": "vm"}, "w": {"kind": "vm"}}, policy={"min_providers": 2})
    for milp, method in ((True, "highs"), (False, "enumeration")):
        coupled = run(spec, cat, milp=milp)
        assert coupled.method == method
        assert where(coupled) == {"w": "ovhcloud/GRA/y", "x": "scaleway/fr-par/b"}


def test_equal_costs_prefer_the_least_sum_of_ranks() -> None:
    # Every plan costs 30 and one side must be on scaleway (rank 1 for every component). Name
    # order alone would keep a on ovhcloud and move the colocated pair b, c (ranks 0, 1, 1);
    # the least sum of ranks moves a alone (ranks 1, 0, 0).
    offers = [vm("ovhcloud", "GRA", "o", "10"), vm("scaleway", "fr-par", "s", "10")]
    cat = catalog([OVH, SCW], offers)
    comps = {name: {"kind": "vm"} for name in ("a", "b", "c")}
    links = [{"from": "b", "to": "c", "colocate": "provider"}]
    spec = bundle(comps, links=links, policy={"min_providers": 2})
    for milp in (True, False):
        found = run(spec, cat, milp=milp)
        assert found.total == Decimal("30.00")
        assert where(found) == {
            "a": "scaleway/fr-par/s",
            "b": "ovhcloud/GRA/o",
            "c": "ovhcloud/GRA/o",
        }


def test_explain_runner_up_and_constraint_costs() -> None:
    offers = [
        database("ovhcloud", "GRA", "hds-db", "58.40", certs=("hds",)),
        database("scaleway", "fr-par", "plain-db", "20"),
        database("ovhcloud", "SBG", "hds-db2", "60", certs=("hds",)),
    ]
    cat = catalog([OVH, SCW], offers)
    spec = bundle({"db": {"kind": "database", "engine": "postgresql", "certifications": ["hds"]}})
    problem = build_problem(spec, cat)
    base = solve(problem)
    info = explain(spec, cat, problem, base)
    [runner] = info.runner_ups
    assert runner.candidate is not None and runner.candidate.sku == "hds-db2"
    assert runner.delta == Decimal("1.60")
    assert [(c.name, c.delta) for c in info.constraint_costs] == [("hds on db", Decimal("38.40"))]


def test_infeasible_names_the_empty_component_and_the_cheapest_relaxation() -> None:
    offers = [database("ovhcloud", "GRA", "pg", "30"), database("scaleway", "fr-par", "pg", "20")]
    cat = catalog([OVH, SCW], offers)
    spec = bundle({"db": {"kind": "database", "engine": "postgresql", "certifications": ["hds"]}})
    with pytest.raises(InfeasibleError) as info:
        plan_bundle(loaded(spec), cat, NOW)
    lines = info.value.diagnosis
    assert lines[0].startswith("db: no database offer with hds (2 database offers")
    assert lines[1] == "cheapest relaxation: drop hds on db -> 20.00 EUR/month"
    assert info.value.exit_code == 4


def test_infeasible_combination_is_diagnosed() -> None:
    offers = [vm("ovhcloud", "GRA", "a", "10"), vm("ovhcloud", "GRA", "b", "12")]
    cat = catalog([OVH, SCW], offers)
    spec = bundle(
        {"x": {"kind": "vm"}, "y": {"kind": "vm"}},
        policy={"min_providers": 2, "max_monthly_eur": 100},
    )
    with pytest.raises(InfeasibleError) as info:
        plan_bundle(loaded(spec), cat, NOW)
    lines = info.value.diagnosis
    assert "no combination meets all constraints" in lines[0]
    assert lines[1] == "cheapest relaxation: drop min_providers -> 20.00 EUR/month"


def test_unknown_prices_and_one_rule_per_component_are_diagnosed() -> None:
    offers = [
        vm("outscale", "eu-west-2", "snc", None, certs=("secnumcloud",), note="run refresh"),
        vm("ovhcloud", "GRA", "plain", "10"),
    ]
    cat = catalog([OVH, OSC], offers)
    comps = {n: {"kind": "vm", "certifications": ["secnumcloud"]} for n in ("a", "b", "c")}
    with pytest.raises(InfeasibleError) as info:
        plan_bundle(loaded(bundle(comps)), cat, NOW)
    lines = info.value.diagnosis
    assert lines[0].startswith("a: no vm offer with a usable price (2 vm offers")
    assert lines[0].endswith("; price unknown: run refresh")
    assert lines[-1] == (
        "cheapest relaxation: drop secnumcloud on a, secnumcloud on b and secnumcloud on c "
        "-> 30.00 EUR/month"
    )


def test_links_leaving_a_bucket_pay_the_bucket_egress_price() -> None:
    # Scaleway's instance egress is free here, but its bucket charges 0.05/GB: a cheaper bucket
    # with dear egress loses to a dearer one next to the reader.
    scw = provider("scaleway", {"fr-par": "FR"}, egress="0")
    offers = [
        storage("scaleway", "fr-par", "s3", "0.01", egress="0.05"),
        storage("ovhcloud", "GRA", "s3", "0.012", egress="0.01"),
        vm("ovhcloud", "GRA", "web", "10"),
    ]
    cat = catalog([OVH, scw], offers)
    comps = {"files": {"kind": "object_storage", "storage_gb": 1000}, "web": {"kind": "vm"}}
    alone = run(bundle(comps), cat)
    assert alone.chosen["files"].provider == "scaleway"
    linked = run(bundle(comps, links=[{"from": "files", "to": "web", "gb_month": 100}]), cat)
    # scaleway: 10 + 100 x 0.05 = 15 > ovhcloud: 12 (no crossing)
    assert linked.chosen["files"].provider == "ovhcloud"
    assert linked.total == Decimal("22.00")
