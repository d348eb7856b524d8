"""Property: on random small catalogs and bundles, the MILP equals a brute-force enumeration.

The enumerator walks every combination of candidates (unpruned) in canonical order, so the first
feasible combination it meets of least (cost, sum of canonical ranks) is exactly the documented
tie-break (``solver.TIE_BREAK``): the optimiser must return the same cost, the same placements,
and call infeasible what the enumerator finds empty, by either method (the pure-Python search of
small problems and the MILP).
"""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sovbundle.catalog.query import Catalog
from sovbundle.planning.explain import diagnose, explain
from sovbundle.planning.formulate import build_problem, check_constraints, relaxations
from sovbundle.planning.solve import solve
from sovbundle.spec.model import BundleSpec, link_contradictions
from tests.support.brute_force import brute_force, feasible
from tests.support.synthetic import bundle, catalog, provider, storage, vm

PROVIDERS = ("ovhcloud", "scaleway", "outscale")
REGIONS = {"ovhcloud": ("GRA", "WAW"), "scaleway": ("fr-par",), "outscale": ("eu-west-2", "us-1")}
COUNTRIES = {"GRA": "FR", "WAW": "PL", "fr-par": "FR", "eu-west-2": "FR", "us-1": "US"}


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[BundleSpec, Catalog]:
    provs = []
    for pid in PROVIDERS:
        egress = draw(st.sampled_from([None, "0", "0.01", "0.05"]))
        eu = draw(st.booleans()) if pid == "outscale" else True
        provs.append(provider(pid, {r: COUNTRIES[r] for r in REGIONS[pid]}, eu=eu, egress=egress))
    offers = []
    for index in range(draw(st.integers(3, 9))):
        pid = draw(st.sampled_from(PROVIDERS))
        region = draw(st.sampled_from(REGIONS[pid]))
        price = draw(st.sampled_from(["5", "7.5", "10", "10", "12.34", "20", "33.33"]))
        certs = draw(st.sampled_from([(), ("hds",), ("hds", "secnumcloud")]))
        vcpus = draw(st.integers(1, 4))
        offers.append(vm(pid, region, f"sku{index}", price, vcpus=vcpus, certs=certs))
    for index in range(draw(st.integers(1, 4))):
        pid = draw(st.sampled_from(PROVIDERS))
        region = draw(st.sampled_from(REGIONS[pid]))
        per_gb = draw(st.sampled_from(["0.01", "0.012", "0.02"]))
        egress = draw(st.sampled_from([None, "0", "0.01", "0.03"]))
        certs = draw(st.sampled_from([(), ("hds",)]))
        offers.append(storage(pid, region, f"s3-{index}", per_gb, egress=egress, certs=certs))
    names = ["a", "b", "c", "d"][: draw(st.integers(1, 4))]
    components: dict[str, dict[str, object]] = {}
    for name in names:
        comp: dict[str, object] = {"kind": "vm", "vcpus": draw(st.integers(1, 2))}
        comp["count"] = draw(st.integers(1, 3))
        if draw(st.integers(0, 4)) == 0:
            comp = {"kind": "object_storage", "storage_gb": draw(st.sampled_from([500, 1000]))}
        if draw(st.integers(0, 6)) == 0:
            comp["certifications"] = ["hds"]
        if draw(st.integers(0, 4)) == 0:
            comp["countries"] = ["FR"]
        if draw(st.integers(0, 5)) == 0:
            comp["providers"] = [draw(st.sampled_from(PROVIDERS))]
        components[name] = comp
    links = []
    for _ in range(draw(st.integers(0, 3))):
        if len(names) < 2:
            break
        src, dst = draw(st.permutations(names))[:2]
        link: dict[str, object] = {"from": src, "to": dst}
        link["gb_month"] = draw(st.sampled_from([0, 100, 500, 1000]))
        rule = draw(st.sampled_from([None, "colocate", "apart"]))
        if rule:
            link[rule] = draw(st.sampled_from(["provider", "region"]))
        links.append(link)
    # An apart that other links' colocations contradict is a spec error, not a solver case.
    ends = [(x["from"], x["to"], x.get("colocate"), x.get("apart")) for x in links]
    for index, _ in link_contradictions(ends):
        del links[index]["apart"]
    policy: dict[str, object] = {}
    if draw(st.booleans()):
        policy["min_providers"] = draw(st.sampled_from([1, 2, 2, 3]))
    if draw(st.booleans()):
        policy["max_provider_share"] = draw(st.sampled_from([0.5, 0.6, 0.75, 0.9]))
    if draw(st.integers(0, 3)) == 0:
        policy["max_monthly_eur"] = draw(st.sampled_from([50, 100, 200]))
    constraints: dict[str, object] = {"eu_jurisdiction": draw(st.integers(0, 3)) == 0}
    if draw(st.integers(0, 5)) == 0:
        constraints["certifications"] = ["hds"]
    if draw(st.integers(0, 3)) == 0:
        constraints["countries"] = ["FR", "PL"]
    spec = bundle(components, links=links, policy=policy, constraints=constraints)
    return spec, catalog(provs, offers)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_optimiser_matches_brute_force(scenario: tuple[BundleSpec, Catalog]) -> None:
    spec, cat = scenario
    problem = build_problem(spec, cat)
    expected = brute_force(problem)
    found = solve(problem)
    by_milp = solve(problem, search_nodes=0)
    event(f"{found.status} by {found.method}")
    if expected is None:
        assert found.status == "infeasible" and by_milp.status == "infeasible"
        return
    for solution in (found, by_milp):
        assert solution.status == "optimal"
        assert solution.total == expected[0]
        assert {n: c.label for n, c in solution.chosen.items()} == expected[1]
        assert feasible(problem, dict(solution.chosen))
        assert all(check.ok for check in check_constraints(spec, cat, problem, solution))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_explain_and_diagnosis_agree_with_brute_force(scenario: tuple[BundleSpec, Catalog]) -> None:
    spec, cat = scenario
    problem = build_problem(spec, cat)
    base = solve(problem)
    if base.total is None:
        lines = diagnose(spec, cat, problem)
        fixes = [line for line in lines if line.startswith("cheapest relaxation: drop ")]
        for relax in relaxations(spec):
            if fixes and fixes[0].startswith(f"cheapest relaxation: drop {relax.name} -> "):
                relaxed = brute_force(build_problem(spec, cat, frozenset({relax})))
                assert relaxed is not None
                assert fixes[0].endswith(f"-> {relaxed[0]:.2f} EUR/month")
        return
    info = explain(spec, cat, problem, base)
    for cost in info.constraint_costs:
        assert cost.delta >= 0
    for runner in info.runner_ups:
        if runner.candidate is not None:
            assert runner.delta is not None and runner.delta >= 0
            assert runner.candidate.label != base.chosen[runner.component].label
