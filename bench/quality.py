"""Plan quality: the optimiser against brute force (small instances) and a greedy baseline."""

from __future__ import annotations

import random
from typing import Any

from tests.support.brute_force import brute_force
from tests.support.synthetic import bundle, catalog, provider, storage, vm

from bench.generate import bundle_spec
from bench.greedy import greedy
from sovbundle.catalog.query import Catalog
from sovbundle.planning.formulate import build_problem
from sovbundle.planning.solve import solve
from sovbundle.spec.model import BundleSpec, link_contradictions

PROVIDERS = ("ovhcloud", "scaleway", "outscale")
REGIONS = {"ovhcloud": ("GRA", "WAW"), "scaleway": ("fr-par",), "outscale": ("eu-west-2", "us-1")}
COUNTRIES = {"GRA": "FR", "WAW": "PL", "fr-par": "FR", "eu-west-2": "FR", "us-1": "US"}


def small_instance(rng: random.Random) -> tuple[BundleSpec, Catalog]:
    """A random small instance, drawn like the property test's (seeded, not by hypothesis)."""
    provs = [
        provider(
            pid,
            {r: COUNTRIES[r] for r in REGIONS[pid]},
            eu=pid != "outscale" or rng.random() < 0.5,
            egress=rng.choice([None, "0", "0.01", "0.05"]),
        )
        for pid in PROVIDERS
    ]
    offers = []
    for index in range(rng.randint(3, 9)):
        pid = rng.choice(PROVIDERS)
        offers.append(
            vm(pid, rng.choice(REGIONS[pid]), f"sku{index}",
               rng.choice(["5", "7.5", "10", "10", "12.34", "20", "33.33"]),
               vcpus=rng.randint(1, 4), certs=rng.choice([(), ("hds",), ("hds", "secnumcloud")]))
        )  # fmt: skip
    for index in range(rng.randint(1, 4)):
        pid = rng.choice(PROVIDERS)
        offers.append(
            storage(pid, rng.choice(REGIONS[pid]), f"s3-{index}",
                    rng.choice(["0.01", "0.012", "0.02"]),
                    egress=rng.choice([None, "0", "0.01", "0.03"]),
                    certs=rng.choice([(), ("hds",)]))
        )  # fmt: skip
    names = ["a", "b", "c", "d"][: rng.randint(1, 4)]
    comps: dict[str, dict[str, object]] = {}
    for name in names:
        comp: dict[str, object] = {"kind": "vm", "vcpus": rng.randint(1, 2), "count": rng.randint(1, 3)}  # fmt: skip
        if rng.randint(0, 4) == 0:
            comp = {"kind": "object_storage", "storage_gb": rng.choice([500, 1000])}
        if rng.randint(0, 6) == 0:
            comp["certifications"] = ["hds"]
        if rng.randint(0, 4) == 0:
            comp["countries"] = ["FR"]
        comps[name] = comp
    links = []
    for _ in range(rng.randint(0, 3) if len(names) > 1 else 0):
        src, dst = rng.sample(names, 2)
        link: dict[str, object] = {"from": src, "to": dst}
        link["gb_month"] = rng.choice([0, 100, 500, 1000])
        rule = rng.choice([None, "colocate", "apart"])
        if rule:
            link[rule] = rng.choice(["provider", "region"])
        links.append(link)
    # An apart that other links' colocations contradict is a spec error, not a solver case.
    ends = [(x["from"], x["to"], x.get("colocate"), x.get("apart")) for x in links]
    for index, _ in link_contradictions(ends):
        del links[index]["apart"]
    policy: dict[str, object] = {}
    if rng.random() < 0.5:
        policy["min_providers"] = rng.choice([1, 2, 2, 3])
    if rng.random() < 0.5:
        policy["max_provider_share"] = rng.choice([0.5, 0.6, 0.75, 0.9])
    if rng.randint(0, 3) == 0:
        policy["max_monthly_eur"] = rng.choice([50, 100, 200])
    constraints: dict[str, object] = {"eu_jurisdiction": rng.randint(0, 3) == 0}
    spec = bundle(comps, links=links, policy=policy, constraints=constraints)
    return spec, catalog(provs, offers)


def brute_force_check(instances: int, seed: int = 11) -> dict[str, Any]:
    """Optimiser vs brute force on ``instances`` random small instances: cost mismatches
    counted, and plans (placements under the documented tie-break) that differ, by either
    method (the default, which enumerates small problems, and the MILP alone)."""
    rng = random.Random(seed)
    mismatches: list[int] = []
    plan_mismatches: list[int] = []
    feasible = 0
    for number in range(instances):
        spec, cat = small_instance(rng)
        problem = build_problem(spec, cat)
        expected = brute_force(problem)
        feasible += expected is not None
        for found in (solve(problem), solve(problem, search_nodes=0)):
            same = found.total is None if expected is None else found.total == expected[0]
            if not same or (expected is not None and found.status != "optimal"):
                mismatches.append(number)
            elif (
                expected is not None
                and {n: c.label for n, c in found.chosen.items()} != expected[1]
            ):
                plan_mismatches.append(number)
    return {"instances": instances, "feasible": feasible, "mismatches": len(mismatches),
            "mismatched": mismatches[:10], "plan_mismatches": len(plan_mismatches)}  # fmt: skip


def greedy_comparison(
    cases: list[tuple[str, BundleSpec, Catalog]],
) -> list[dict[str, Any]]:
    """Optimal cost vs the greedy baseline (cheapest per component, then repair)."""
    rows = []
    for label, spec, cat in cases:
        problem = build_problem(spec, cat)
        best = solve(problem)
        cost, moves = greedy(problem)
        saved = None
        if cost is not None and best.total is not None and cost > 0:
            saved = float((cost - best.total) / cost * 100)
        rows.append({
            "case": label,
            "optimal": None if best.total is None else str(best.total),
            "greedy": None if cost is None else str(cost),
            "repair_moves": moves,
            "saved_pct": saved,
            "greedy_worse_or_equal": cost is None or best.total is None or cost >= best.total,
        })  # fmt: skip
    return rows


def generated_cases(sizes: list[int], cat: Catalog, label: str) -> list[tuple[str, BundleSpec, Catalog]]:  # fmt: skip
    return [(f"generated {n} on {label}", bundle_spec(n, seed=seed), cat)
            for n in sizes for seed in (1, 2)]  # fmt: skip
