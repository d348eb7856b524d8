"""``operators_eu_only``: a region counts only when its datacentre operator is sourced and is a
provider under EU jurisdiction; an unknown operator fails (never assumed)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sovbundle.catalog.query import Catalog
from sovbundle.errors import InfeasibleError
from sovbundle.models import Provider, Region
from sovbundle.planning.formulate import build_problem, check_constraints
from sovbundle.planning.resolve import plan_bundle
from sovbundle.planning.solve import solve
from sovbundle.spec.loader import LoadedBundle
from sovbundle.spec.model import BundleSpec
from tests.support.synthetic import SOURCE, bundle, catalog, provider, vm

TOLERANT = "; policy.unknown_evidence: tolerant would accept it"


def _with_operators(pid: str, operators: dict[str, str], eu: bool = True) -> Provider:
    base = provider(pid, dict.fromkeys(operators, "FR"), eu=eu)
    regions = tuple(
        Region(provider=pid, id=rid, country="FR", operator=op, source=SOURCE)
        for rid, op in operators.items()
    )
    return base.model_copy(update={"regions": regions})


def _catalog() -> Catalog:
    return catalog(
        [
            _with_operators(
                "clevercloud",
                {"own": "clevercloud", "dc-ovh": "ovhcloud", "dc-x": "unknown", "dc-us": "uscloud"},
            ),
            _with_operators("ovhcloud", {"GRA": "ovhcloud"}),
            _with_operators("scaleway", {"dc-green": "Green Data"}),
            provider("outscale", {"us-east-2": "US"}, eu=False),
        ],
        [
            vm("clevercloud", "dc-x", "x", "10"),
            vm("clevercloud", "dc-us", "us", "11"),
            vm("scaleway", "dc-green", "g", "12"),
            vm("clevercloud", "dc-ovh", "o", "13"),
            vm("clevercloud", "own", "c", "14"),
        ],
    )


def _spec(**constraints: object) -> BundleSpec:
    return bundle({"api": {"kind": "vm", "vcpus": 2}}, constraints=constraints)


def test_unknown_or_non_eu_operators_are_rejected_with_a_reason() -> None:
    spec = _spec(operators_eu_only=True)
    cat = _catalog()
    problem = build_problem(spec, cat)
    (cc,) = problem.components
    reasons = {r.offer.sku: (r.stage, r.reason) for r in cc.rejections}
    assert reasons["x"] == ("operators", "operator of region dc-x unknown" + TOLERANT)
    assert reasons["us"] == (
        "operators",
        "operator uscloud of region dc-us: jurisdiction unknown" + TOLERANT,
    )
    assert reasons["g"] == (
        "operators",
        "operator Green Data of region dc-green: jurisdiction unknown" + TOLERANT,
    )
    # A zone in another EU provider's datacentre is fine.
    chosen = solve(problem).chosen["api"]
    assert chosen.label == "clevercloud/dc-ovh/o"
    (check,) = [c for c in check_constraints(spec, cat, problem, solve(problem))
                if c.name.startswith("operators_eu_only")]  # fmt: skip
    assert check.ok and check.actual == "ovhcloud"


def test_without_the_rule_the_cheapest_region_wins() -> None:
    problem = build_problem(_spec(), _catalog())
    assert solve(problem).chosen["api"].label == "clevercloud/dc-x/x"


def test_a_component_can_turn_it_off() -> None:
    spec = bundle(
        {"api": {"kind": "vm", "vcpus": 2, "operators_eu_only": False}},
        constraints={"operators_eu_only": True},
    )
    assert solve(build_problem(spec, _catalog())).chosen["api"].label == "clevercloud/dc-x/x"


def test_non_eu_operator_provider_is_rejected() -> None:
    cat = catalog(
        [
            _with_operators("clevercloud", {"dc-os": "outscale"}),
            provider("outscale", {"r": "FR"}, eu=False),
        ],
        [vm("clevercloud", "dc-os", "a", "10")],
    )
    spec = _spec(operators_eu_only=True)
    (cc,) = build_problem(spec, cat).components
    assert [r.reason for r in cc.rejections] == [
        "operator outscale of region dc-os is not under EU jurisdiction only"
    ]
    loaded = LoadedBundle(spec, Path("b.yaml"), "0" * 64)
    with pytest.raises(InfeasibleError) as caught:
        plan_bundle(loaded, cat, datetime(2026, 12, 1, tzinfo=UTC))
    text = "\n".join(caught.value.lines())
    assert "run by a known EU-jurisdiction operator" in text
    assert "drop operators_eu_only (all components)" in text


def test_rule_is_part_of_the_candidate_key() -> None:
    # Two components of equal specs and different rules never share candidates.
    spec = bundle(
        {
            "a": {"kind": "vm", "vcpus": 2, "operators_eu_only": True},
            "b": {"kind": "vm", "vcpus": 2},
        }
    )
    chosen = solve(build_problem(spec, _catalog())).chosen
    assert chosen["a"].label == "clevercloud/dc-ovh/o"
    assert chosen["b"].label == "clevercloud/dc-x/x"
