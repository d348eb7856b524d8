"""``policy.unknown_evidence``: unknown is not "yes".

A certification holds directly only when a qualified, confirmed claim covers the offer on the
plan date; an unconfirmed claim is unknown (strict refuses it with the reason and source,
tolerant accepts it with a warning per placement); in progress, expired and "no claim at all"
fail under every policy. The certificate re-checks all of it in its own words.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from rich.console import Console

from sovbundle.catalog.query import Catalog
from sovbundle.errors import InfeasibleError, PlannerBugError
from sovbundle.models import Certification, Region
from sovbundle.plan import Plan, dump_plan
from sovbundle.planning import filters
from sovbundle.planning.certify import certify
from sovbundle.planning.filters import certification_verdict, rules_for
from sovbundle.planning.formulate import CandidateCache, build_problem
from sovbundle.planning.resolve import plan_bundle
from sovbundle.render.plan import render_plan
from sovbundle.spec.loader import LoadedBundle
from sovbundle.spec.model import BundleSpec
from tests.support.synthetic import CLAIM, SOURCE, bundle, catalog, claim, provider, vm, with_claims

NOW = datetime(2026, 11, 29, tzinfo=UTC)
TODAY = NOW.date()
TOLERANT = "policy.unknown_evidence: tolerant would accept it"


def _catalog(*claims: Certification, held: bool = False) -> Catalog:
    """Provider ``cheap`` (with the given claims on ``hds``) and ``sure`` (a direct, dearer
    hds offer)."""
    cheap = with_claims(provider("ovhcloud", {"GRA": "FR"}), *claims)
    sure = with_claims(provider("scaleway", {"par": "FR"}), claim(regions=("par",)))
    return catalog(
        [cheap, sure],
        [
            vm("ovhcloud", "GRA", "small", "10", certs=("hds",) if held else ()),
            vm("scaleway", "par", "dear", "30", certs=("hds",)),
        ],
    )


def _spec(policy: object = None, **component: object) -> BundleSpec:
    api: dict[str, object] = {"kind": "vm", "vcpus": 2, "certifications": ["hds"], **component}
    top: dict[str, object] = {"constraints": {"countries": ["FR"]}}
    if policy is not None:
        top["policy"] = {"unknown_evidence": policy}
    return bundle({"api": api}, **top)


def _plan(spec: BundleSpec, cat: Catalog, now: datetime = NOW) -> Plan:
    return plan_bundle(LoadedBundle(spec, Path("b.yaml"), "0" * 64), cat, now)


def _reason(spec: BundleSpec, cat: Catalog, sku: str, on: date = TODAY) -> str:
    """The rejection reason of an offer on the plan date ``on`` (``""``: not rejected)."""
    (cc,) = build_problem(spec, cat, cache=CandidateCache(on=on)).components
    found = {r.offer.sku: r.reason for r in cc.rejections}
    return found.get(sku, "")


# -- spec -----------------------------------------------------------------------------------


def test_policy_takes_one_rule_or_a_mapping_per_fact() -> None:
    assert not _spec().policy.tolerates("certifications")  # strict by default
    everything = _spec("tolerant").policy
    assert all(everything.tolerates(f) for f in ("certifications", "operators", "countries"))
    some = _spec({"operators": "tolerant"}).policy
    assert some.tolerates("operators") and not some.tolerates("certifications")
    rules = rules_for(_spec({"certifications": "tolerant"}), "api")
    assert rules.tolerate == frozenset({"certifications"})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("tolerent", "policy.unknown_evidence: unknown rule 'tolerent' (did you mean 'tolerant'?)"),
        (
            "{certificatons: tolerant}",
            "unknown key 'certificatons' in policy.unknown_evidence (did you mean "
            "'certifications'?); allowed: certifications, operators, countries",
        ),
        ("{countries: lax}", "policy.unknown_evidence.countries: unknown rule 'lax'"),
        ("[tolerant]", "policy.unknown_evidence: must be one of strict, tolerant (got a list)"),
    ],
)
def test_bad_policy_values_get_one_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, expected: str
) -> None:
    from sovbundle.cli import main

    path = tmp_path / "b.yaml"
    path.write_text(
        "version: 1\nname: b\npolicy:\n"
        f"  unknown_evidence: {value}\n"
        "components:\n  api: {kind: vm}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 3
    err = capsys.readouterr().err
    assert "b.yaml:4:" in err and expected in err
    assert "1 error in bundle" in err


def test_the_json_schema_accepts_both_forms() -> None:
    schema = json.loads(Path("schema/bundle.schema.json").read_text(encoding="utf-8"))
    text = json.dumps(schema)
    assert "unknown_evidence" in text and "UnknownEvidence" in text


# -- filter outcomes ------------------------------------------------------------------------


def test_an_unconfirmed_claim_fails_strict_with_its_source_and_passes_tolerant() -> None:
    cat = _catalog(claim(regions=("GRA",), confirmed=False))
    reason = _reason(_spec(), cat, "small")
    assert reason == (
        "hds on ovhcloud GRA rests on an unconfirmed claim (https://claims.example.test/hds, "
        f"2026-10-01); {TOLERANT}"
    )
    assert _reason(_spec("tolerant"), cat, "small") == ""
    assert _reason(_spec({"operators": "tolerant"}), cat, "small") == reason  # other fact


def test_a_company_level_unconfirmed_claim_is_unknown_everywhere() -> None:
    cat = _catalog(claim(regions=None, confirmed=False))
    assert "rests on an unconfirmed claim" in _reason(_spec(), cat, "small")


def test_no_claim_at_all_fails_in_every_policy() -> None:
    cat = _catalog()
    for policy in (None, "tolerant"):
        assert _reason(_spec(policy), cat, "small") == "lacks hds in GRA"


def test_in_progress_never_satisfies_even_tolerant() -> None:
    cat = _catalog(claim(regions=None, status="in_progress"))
    for policy in (None, "tolerant"):
        reason = _reason(_spec(policy), cat, "small")
        assert reason.startswith("hds of ovhcloud is in progress, not held")
        assert "in progress never satisfies" in reason and CLAIM.url in reason


def test_a_status_none_claim_fails() -> None:
    cat = _catalog(claim(regions=("GRA",), status="none"))
    assert _reason(_spec("tolerant"), cat, "small").startswith("hds not held on ovhcloud GRA")


def test_validity_is_judged_on_the_plan_date() -> None:
    dated = claim(regions=("GRA",), valid_from=date(2025, 1, 1), valid_until=date(2026, 6, 30))
    cat = _catalog(dated, held=True)
    assert _reason(_spec(), cat, "small", date(2026, 6, 30)) == ""  # the last valid day
    expired = _reason(_spec("tolerant"), cat, "small", date(2026, 7, 1))
    assert expired == f"hds on ovhcloud GRA expired on 2026-06-30 ({CLAIM.url})"
    early = _reason(_spec(), cat, "small", date(2024, 12, 31))
    assert early == f"hds on ovhcloud GRA is valid only from 2025-01-01 ({CLAIM.url})"
    # The plan date is the plan's ``now``: the same bundle places elsewhere once expired.
    assert _plan(_spec(), cat, datetime(2026, 6, 1, tzinfo=UTC)).placements[0].sku == "small"
    assert _plan(_spec(), cat, datetime(2026, 7, 2, tzinfo=UTC)).placements[0].sku == "dear"


def test_verdicts_are_memoised_per_provider_region_kind_and_date() -> None:
    cat = _catalog(claim(regions=("GRA",), confirmed=False))
    offer = next(o for o in cat.offers() if o.sku == "small")
    first = certification_verdict(cat, offer, "hds", NOW.date())
    assert certification_verdict(cat, offer, "hds", NOW.date()) is first
    assert first.outcome == "unknown" and first.url == CLAIM.url


def _operators(operator: str, country: str = "FR") -> Catalog:
    prov = provider("clevercloud", {"dc": country})
    region = Region(provider="clevercloud", id="dc", country=country, operator=operator,
                    source=SOURCE)  # fmt: skip
    prov = prov.model_copy(update={"regions": (region,)})
    return catalog([prov], [vm("clevercloud", "dc", "a", "10")])


def test_an_operator_of_unknown_jurisdiction_passes_only_tolerant_with_a_warning() -> None:
    cat = _operators("Ionos")
    strict = bundle({"api": {"kind": "vm"}}, constraints={"operators_eu_only": True})
    with pytest.raises(InfeasibleError) as caught:
        _plan(strict, cat)
    assert "operator Ionos of region dc: jurisdiction unknown" in "\n".join(caught.value.lines())
    lenient = bundle(
        {"api": {"kind": "vm"}},
        constraints={"operators_eu_only": True},
        policy={"unknown_evidence": {"operators": "tolerant"}},
    )
    plan = _plan(lenient, cat)
    (check,) = [c for c in plan.constraints if c.name.startswith("operators_eu_only")]
    assert check.ok and check.evidence is not None and check.evidence.assumed == 1
    (warning,) = [w for w in plan.warnings if "assumption" in w]
    assert "operator Ionos of region dc: jurisdiction unknown" in warning
    assert certify(lenient, cat, plan, NOW.date()) == []


def test_a_region_of_unknown_country_passes_only_tolerant() -> None:
    prov = provider("scaleway", {"known": "FR"})
    cat = catalog([prov], [vm("scaleway", "elsewhere", "a", "10")])
    spec = bundle({"api": {"kind": "vm"}})
    with pytest.raises(InfeasibleError):
        _plan(spec, cat)
    lenient = bundle({"api": {"kind": "vm"}}, policy={"unknown_evidence": "tolerant"})
    assert _plan(lenient, cat).placements[0].region == "elsewhere"


# -- plans ----------------------------------------------------------------------------------


def test_strict_and_tolerant_plans_differ_and_the_tolerant_one_says_why() -> None:
    cat = _catalog(claim(regions=("GRA",), confirmed=False))
    strict = _plan(_spec(), cat)
    tolerant = _plan(_spec("tolerant"), cat)
    assert strict.placements[0].provider == "scaleway"
    assert tolerant.placements[0].provider == "ovhcloud"
    assert tolerant.total_monthly < strict.total_monthly
    assumed = [w for w in tolerant.warnings if "assumption" in w]
    assert assumed == [
        "api: ovhcloud/GRA/small is placed on an assumption: hds on ovhcloud GRA rests on an "
        "unconfirmed claim (https://claims.example.test/hds, 2026-10-01); accepted by "
        "policy.unknown_evidence: tolerant"
    ]
    assert not [w for w in strict.warnings if "assumption" in w]
    hds = next(c for c in tolerant.constraints if c.name == "hds on api")
    assert hds.ok and hds.evidence is not None
    assert (hds.evidence.placements, hds.evidence.direct, hds.evidence.assumed) == (1, 0, 1)
    (row,) = hds.evidence.rows
    assert (row.basis, row.source, row.as_of) == ("assumed", CLAIM.url, "2026-10-01")
    strict_hds = next(c for c in strict.constraints if c.name == "hds on api")
    assert strict_hds.evidence is not None and strict_hds.evidence.direct == 1
    countries = next(c for c in strict.constraints if c.name.startswith("countries"))
    assert countries.evidence is not None and countries.evidence.rows[0].fact == "FR"
    budget_like = [c for c in strict.constraints if c.evidence is None]
    assert all(not c.name.startswith(("countries", "hds")) for c in budget_like)


def test_strict_diagnosis_names_the_unknown_claim_and_the_policy() -> None:
    cat = _catalog(claim(regions=("GRA",), confirmed=False))
    spec = _spec(providers=["ovhcloud"])
    with pytest.raises(InfeasibleError) as caught:
        _plan(spec, cat)
    text = "\n".join(caught.value.lines())
    assert "hds on ovhcloud GRA rests on an unconfirmed claim" in text
    assert TOLERANT in text


def test_plan_json_carries_the_evidence_in_canonical_order() -> None:
    cat = _catalog(claim(regions=("GRA",), confirmed=False))
    data = json.loads(dump_plan(_plan(_spec("tolerant"), cat)))
    hds = next(c for c in data["constraints"] if c["name"] == "hds on api")
    assert list(hds) == ["name", "required", "actual", "ok", "evidence"]
    assert list(hds["evidence"]) == ["placements", "direct", "assumed", "rows"]
    assert list(hds["evidence"]["rows"][0]) == [
        "component", "provider", "region", "sku", "basis", "fact", "source", "as_of",
        "valid_until",
    ]  # fmt: skip
    assert data["format_version"] == "1.1"
    assert data["bundle"]["spec"]["policy"]["unknown_evidence"] == "tolerant"


def test_terminal_plan_shows_coverage_and_every_source_whole() -> None:
    cat = _catalog(claim(regions=("GRA",), confirmed=False))
    plan = _plan(_spec("tolerant"), cat)
    wide = Console(width=120, record=True, color_system=None)
    wide.print(render_plan(plan))
    assert "0 of 1 direct (1 assumed)" in wide.export_text()
    console = Console(width=60, record=True, color_system=None)
    console.print(render_plan(plan))
    flat = "".join(console.export_text().split())
    assert "hdsonapi:0of1placementondirectevidence,1onanassumption" in flat
    assert "https://claims.example.test/hds" in flat  # wrapped, never cut


# -- the certificate, independently ----------------------------------------------------------


def test_the_certificate_refuses_an_unconfirmed_claim_under_strict() -> None:
    cat = _catalog(claim(regions=("GRA",), confirmed=False))
    tolerant = _plan(_spec("tolerant"), cat)
    assert certify(_spec("tolerant"), cat, tolerant, NOW.date()) == []
    problems = certify(_spec(), cat, tolerant, NOW.date())
    assert any("api: ovhcloud/GRA/small: hds unconfirmed" in p for p in problems), problems


def test_the_certificate_knows_expiry_and_in_progress() -> None:
    dated = claim(regions=("GRA",), valid_until=date(2026, 6, 30))
    cat = _catalog(dated, held=True)
    plan = _plan(_spec(), cat, datetime(2026, 6, 1, tzinfo=UTC))
    assert certify(_spec(), cat, plan, date(2026, 6, 1)) == []
    late = certify(_spec(), cat, plan, date(2026, 7, 1))
    assert any("hds expired on 2026-06-30" in p for p in late), late
    progressing = _catalog(claim(regions=None, status="in_progress"))
    assert any(
        "hds in progress, not held" in p
        for p in certify(_spec("tolerant"), progressing, plan, NOW.date())
    )


def test_a_filter_that_trusts_unknown_evidence_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: the filters treat an unknown claim as direct; the certificate, which
    shares no code with them, refuses the plan, and the planner raises instead of printing."""
    cat = _catalog(claim(regions=("GRA",), confirmed=False))
    real = filters.passes

    def trusting(verdict: filters.Verdict, fact: str, rules: filters.Rules) -> bool:
        return verdict.outcome == "unknown" or real(verdict, fact, rules)

    monkeypatch.setattr(filters, "passes", trusting)
    with pytest.raises(PlannerBugError) as caught:
        _plan(_spec(), cat)
    assert "hds unconfirmed" in str(caught.value)


def test_a_filter_that_ignores_operators_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    cat = _operators("Ionos")
    spec = bundle({"api": {"kind": "vm"}}, constraints={"operators_eu_only": True})

    def blind(catalog: Catalog, offer: object) -> filters.Verdict:
        return filters.Verdict("direct", "operator assumed")

    monkeypatch.setattr(filters, "operator_verdict", blind)
    with pytest.raises(PlannerBugError) as caught:
        _plan(spec, cat)
    assert "operator Ionos of unknown jurisdiction" in str(caught.value)
