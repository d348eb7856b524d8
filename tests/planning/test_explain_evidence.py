"""``--explain`` prices the strict evidence policy: per fact, the same bundle re-solved with
that fact's unknown evidence tolerated, exactly, never applied.

Every saving is checked against two independent ``plan_bundle`` runs: the strict bundle and the
same bundle with ``policy.unknown_evidence`` tolerant for the fact.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from sovbundle.catalog.query import Catalog
from sovbundle.errors import InfeasibleError
from sovbundle.models import Region
from sovbundle.plan import Plan, dump_plan
from sovbundle.plan_file import parse_plan
from sovbundle.planning import explain as explain_module
from sovbundle.planning import resolve as resolve_module
from sovbundle.planning.filters import FACTS, STAGES
from sovbundle.planning.resolve import plan_bundle
from sovbundle.planning.solve import solve as real_solve
from sovbundle.render.markdown import plan_markdown
from sovbundle.render.plan import render_plan
from sovbundle.spec.loader import LoadedBundle
from sovbundle.spec.model import BundleSpec
from tests.support.synthetic import (
    CLAIM,
    SOURCE,
    bundle,
    catalog,
    claim,
    kube,
    provider,
    vm,
    with_claims,
)

NOW = datetime(2026, 11, 29, tzinfo=UTC)
UNCONFIRMED = "hds on ovhcloud GRA rests on an unconfirmed claim"


def _catalog(cheap: str = "10", confirmed: bool = False) -> Catalog:
    """``ovhcloud`` GRA (an hds claim, unconfirmed unless ``confirmed``) at ``cheap`` EUR and
    ``scaleway`` par (a confirmed hds claim) at 30 EUR, both in France."""
    ovh = with_claims(
        provider("ovhcloud", {"GRA": "FR"}), claim(regions=("GRA",), confirmed=confirmed)
    )
    scw = with_claims(provider("scaleway", {"par": "FR"}), claim(regions=("par",)))
    return catalog(
        [ovh, scw], [vm("ovhcloud", "GRA", "small", cheap), vm("scaleway", "par", "dear", "30")]
    )


def _spec(policy: object = None, constraints: object = None, **component: object) -> BundleSpec:
    api: dict[str, object] = {"kind": "vm", "vcpus": 2, "certifications": ["hds"], **component}
    top: dict[str, object] = {"constraints": constraints or {"countries": ["FR"]}}
    if policy is not None:
        top["policy"] = {"unknown_evidence": policy}
    return bundle({"api": api}, **top)


def _plan(spec: BundleSpec, cat: Catalog, explain: bool = False) -> Plan:
    loaded = LoadedBundle(spec, Path("b.yaml"), "0" * 64)
    return plan_bundle(loaded, cat, NOW, with_explain=explain)


def _costs(plan: Plan) -> dict[str, Any]:
    assert plan.explain is not None
    return {row.fact: row for row in plan.explain.unknown_evidence}


def _assumed(plan: Plan) -> list[tuple[str, str, str, str, str, str | None]]:
    """The assumed evidence rows of a plan's constraints, as (component, provider, region,
    sku, fact, source)."""
    return [
        (r.component, r.provider, r.region, r.sku, r.fact, r.source)
        for c in plan.constraints
        if c.evidence is not None
        for r in c.evidence.rows
        if r.basis == "assumed"
    ]


def test_the_saving_is_the_difference_of_two_independent_plans() -> None:
    cat = _catalog()
    strict = _plan(_spec(), cat, explain=True)
    tolerant = _plan(_spec({"certifications": "tolerant"}), cat)
    cost = _costs(strict)["certifications"]
    assert strict.total_monthly == Decimal("30.00")
    assert tolerant.total_monthly == Decimal("10.00")
    assert cost.delta_monthly == strict.total_monthly - tolerant.total_monthly == Decimal("20.00")
    assert cost.tolerant_total_monthly == tolerant.total_monthly
    assert cost.admitted_offers == 1
    # The assumptions are the tolerant plan's own assumed evidence, with their source.
    assert (
        [(r.component, r.provider, r.region, r.sku, r.fact, r.source) for r in cost.assumptions]
        == _assumed(tolerant)
        == [("api", "ovhcloud", "GRA", "small", UNCONFIRMED, CLAIM.url)]
    )
    assert all(r.basis == "assumed" for r in cost.assumptions)


def test_the_what_if_is_never_applied() -> None:
    cat = _catalog()
    explained = _plan(_spec(), cat, explain=True)
    plain = _plan(_spec(), cat)
    # The plan stays strict: same placements, no assumption, no warning about one.
    assert explained.placements == plain.placements
    assert explained.constraints == plain.constraints
    assert explained.warnings == plain.warnings
    assert not _assumed(explained)
    assert not [w for w in explained.warnings if "assumption" in w]
    assert {p.provider for p in explained.placements} == {"scaleway"}


def test_plan_without_explain_makes_no_extra_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"resolve": 0, "explain": 0}

    def counting(where: str) -> Any:
        def solve(*args: Any, **kwargs: Any) -> Any:
            calls[where] += 1
            return real_solve(*args, **kwargs)

        return solve

    monkeypatch.setattr(resolve_module, "solve", counting("resolve"))
    monkeypatch.setattr(explain_module, "solve", counting("explain"))
    _plan(_spec(), _catalog())
    assert calls == {"resolve": 1, "explain": 0}
    _plan(_spec(), _catalog(), explain=True)
    # 1 runner-up, 2 constraints (hds, countries), 1 evidence policy (certifications; the
    # countries policy lets no offer in, so it needs no solve).
    assert calls == {"resolve": 2, "explain": 4}


def test_a_strict_policy_that_changes_nothing_reports_zero_without_pretending() -> None:
    cat = _catalog(confirmed=True)  # every claim confirmed: nothing is unknown
    strict = _plan(_spec(), cat, explain=True)
    tolerant = _plan(_spec("tolerant"), cat)
    costs = _costs(strict)
    assert set(costs) == {"certifications", "countries"}  # the facts the bundle constrains
    for row in costs.values():
        assert row.delta_monthly == strict.total_monthly - tolerant.total_monthly == 0
        assert row.admitted_offers == 0 and row.assumptions == ()
        assert row.tolerant_total_monthly == strict.total_monthly
    text = _terminal(strict)
    assert (
        "tolerating unknown certification evidence would change nothing: no offer is refused "
        "on unknown certification evidence alone"
    ) in text


def test_an_admitted_offer_that_is_dearer_saves_nothing() -> None:
    cat = _catalog(cheap="40")  # the unconfirmed offer is now the dearer one
    strict = _plan(_spec(), cat, explain=True)
    tolerant = _plan(_spec("tolerant"), cat)
    cost = _costs(strict)["certifications"]
    assert cost.admitted_offers == 1
    assert cost.delta_monthly == strict.total_monthly - tolerant.total_monthly == 0
    assert cost.assumptions == ()
    assert (
        "tolerating unknown certification evidence would save nothing: 1 more offer would "
        "qualify, none gives a cheaper plan"
    ) in _terminal(strict)


def test_a_bundle_without_fact_rules_and_no_unknown_fact_has_no_rows() -> None:
    cat = catalog([provider("scaleway", {"par": "FR"})], [vm("scaleway", "par", "a", "10")])
    plan = _plan(bundle({"api": {"kind": "vm"}}), cat, explain=True)
    assert plan.explain is not None and plan.explain.unknown_evidence == ()
    assert "evidence policy" not in _terminal(plan)


def test_a_tolerant_fact_is_not_priced_but_a_strict_one_is() -> None:
    prov = provider("clevercloud", {"dc": "FR", "own": "FR"})
    regions = (
        Region(provider="clevercloud", id="dc", country="FR", operator="Ionos", source=SOURCE),
        Region(provider="clevercloud", id="own", country="FR", operator="clevercloud",
               source=SOURCE),
    )  # fmt: skip
    cat = catalog(
        [prov.model_copy(update={"regions": regions})],
        [vm("clevercloud", "dc", "a", "10"), vm("clevercloud", "own", "b", "25")],
    )
    comps: dict[str, dict[str, object]] = {"api": {"kind": "vm"}}
    rules = {"operators_eu_only": True}
    strict = _plan(
        bundle(comps, constraints=rules, policy={"unknown_evidence": {"countries": "tolerant"}}),
        cat,
        explain=True,
    )
    tolerant = _plan(bundle(comps, constraints=rules, policy={"unknown_evidence": "tolerant"}), cat)
    costs = _costs(strict)
    assert set(costs) == {"operators"}  # certifications: no rule; countries: tolerant already
    row = costs["operators"]
    assert row.delta_monthly == strict.total_monthly - tolerant.total_monthly == Decimal("15.00")
    assert [(a.region, a.fact) for a in row.assumptions] == [
        ("dc", "operator Ionos of region dc: jurisdiction unknown")
    ]
    assert "the plan would rest on 1 operator of unknown jurisdiction" in _terminal(strict)


def test_an_unknown_country_is_priced_even_without_a_countries_rule() -> None:
    prov = provider("scaleway", {"known": "FR"})
    cat = catalog(
        [prov], [vm("scaleway", "elsewhere", "cheap", "5"), vm("scaleway", "known", "b", "9")]
    )
    strict = _plan(bundle({"api": {"kind": "vm"}}), cat, explain=True)
    tolerant = _plan(bundle({"api": {"kind": "vm"}}, policy={"unknown_evidence": "tolerant"}), cat)
    (row,) = _costs(strict).values()
    assert row.fact == "countries"
    assert row.delta_monthly == strict.total_monthly - tolerant.total_monthly == Decimal("4.00")
    assert [a.fact for a in row.assumptions] == ["region elsewhere has no known country"]


def test_a_cluster_whose_nodes_rest_on_unknown_evidence_is_priced() -> None:
    # The control planes are direct; only the cheaper nodes sit on an unconfirmed claim.
    ovh = with_claims(
        provider("ovhcloud", {"GRA": "FR"}),
        claim(regions=("GRA",), kinds=("kubernetes",)),
        claim(regions=("GRA",), kinds=("vm",), confirmed=False),
    )
    cat = catalog(
        [ovh],
        [
            kube("ovhcloud", "GRA", "mks", "0"),
            vm("ovhcloud", "GRA", "node-cheap", "10", vcpus=4, memory="8"),
            vm("ovhcloud", "GRA", "node-dear", "50", vcpus=4, memory="8", certs=("hds",)),
        ],
    )
    comps: dict[str, dict[str, object]] = {
        "k8s": {"kind": "kubernetes", "nodes": 2, "vcpus": 4, "memory_gb": 8,
                "certifications": ["hds"]},
    }  # fmt: skip
    strict = _plan(bundle(comps), cat, explain=True)
    tolerant = _plan(bundle(comps, policy={"unknown_evidence": "tolerant"}), cat)
    row = _costs(strict)["certifications"]
    assert row.delta_monthly == strict.total_monthly - tolerant.total_monthly == Decimal("80.00")
    assert [a.sku for a in row.assumptions] == ["node-cheap"]


def test_diagnose_names_the_tolerant_policy_when_it_makes_the_bundle_feasible() -> None:
    cat = _catalog()
    spec = _spec(providers=["ovhcloud"])  # hds where only an unconfirmed claim exists
    with pytest.raises(InfeasibleError) as caught:
        _plan(spec, cat)
    lines = caught.value.diagnosis
    tolerant = _plan(_spec({"certifications": "tolerant"}, providers=["ovhcloud"]), cat)
    fix = (
        "cheapest relaxation: tolerate unknown certification evidence (policy.unknown_evidence: "
        "{certifications: tolerant}; the plan would rest on 1 assumption: api at ovhcloud/GRA: "
        f"{UNCONFIRMED}) -> {tolerant.total_monthly:.2f} EUR/month"
    )
    assert fix in lines
    # Dropping hds costs the same: the milder fix (fewer constraints dropped) comes first.
    assert lines.index("  or drop hds on api -> 10.00 EUR/month") == lines.index(fix) + 1
    assert caught.value.exit_code == 4


def test_diagnose_pairs_a_tolerant_policy_with_a_dropped_constraint() -> None:
    cat = _catalog()
    spec = _spec(constraints={"countries": ["DE"]}, providers=["ovhcloud"])
    with pytest.raises(InfeasibleError) as caught:
        _plan(spec, cat)
    lines = caught.value.diagnosis
    assert any(
        line.startswith(
            "cheapest relaxation: drop countries (all components) and tolerate unknown "
            "certification evidence (policy.unknown_evidence: {certifications: tolerant}; the "
            "plan would rest on 1 assumption"
        )
        and line.endswith("-> 10.00 EUR/month")
        for line in lines
    ), lines
    relaxed = _plan(
        _spec({"certifications": "tolerant"}, constraints={}, providers=["ovhcloud"]), cat
    )
    assert relaxed.total_monthly == Decimal("10.00")


def test_diagnose_does_not_offer_a_policy_that_lets_nothing_in() -> None:
    cat = _catalog(confirmed=True)
    spec = _spec(constraints={"countries": ["DE"]})
    with pytest.raises(InfeasibleError) as caught:
        _plan(spec, cat)
    assert not [line for line in caught.value.lines() if "tolerate" in line]


def test_json_rows_are_canonical_and_read_back() -> None:
    plan = _plan(_spec(), _catalog(), explain=True)
    text = dump_plan(plan)
    data = json.loads(text)
    assert data["format_version"] == "1.1"
    assert list(data["explain"]) == ["runner_ups", "constraint_costs", "unknown_evidence"]
    first, second = data["explain"]["unknown_evidence"]
    assert (first["fact"], second["fact"]) == ("certifications", "countries")
    assert list(first) == [
        "fact", "delta_monthly", "tolerant_total_monthly", "admitted_offers", "assumptions",
    ]  # fmt: skip
    assert first["delta_monthly"] == 20.0 and second["delta_monthly"] == 0.0
    assert first["assumptions"][0]["basis"] == "assumed"
    assert parse_plan(text).plan.explain == plan.explain


def test_terminal_and_markdown_say_what_strictness_costs() -> None:
    plan = _plan(_spec(), _catalog(), explain=True)
    sentence = (
        "tolerating unknown certification evidence would save 20.00 EUR/month (10.00 instead "
        "of 30.00; 1 more offer would qualify); the plan would rest on 1 unconfirmed "
        "certification claim"
    )
    text = _terminal(plan)
    assert "cost of the evidence policy (policy.unknown_evidence: strict" in text
    assert sentence in text
    assert f"assumed api at ovhcloud/GRA/small: {UNCONFIRMED}; source {CLAIM.url}" in text
    markdown = plan_markdown(plan)
    assert f"- {sentence}" in markdown
    assert "  - assumed api at ovhcloud/GRA/small" in markdown


def _terminal(plan: Plan) -> str:
    console = Console(width=400, record=True, color_system=None)
    console.print(render_plan(plan))
    return console.export_text()


def test_each_fact_names_its_filter_stage() -> None:
    # The shortcut re-judges only the offers refused at the fact's own stage.
    assert set(FACTS) <= set(STAGES)
