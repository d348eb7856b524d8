"""``diff`` reports what became of the evidence behind a plan's constraints.

A constraint held on direct evidence that now rests on an assumption (or the reverse), an
assumption that enters or leaves the plan, a source or date that changed, a certification
claim whose status changed: each with the reason where the plans and their catalogs tell it.
A change of basis makes the plans differ (exit 7); the source or date alone does not.
Catalogs are built here in the real shapes (``Certification`` claims in the provider facts).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from sovbundle.catalog.files import ProviderCatalog
from sovbundle.catalog.query import Catalog
from sovbundle.cli import main
from sovbundle.models import Certification, Provider, Region, Source
from sovbundle.plan import Plan, dump_plan
from sovbundle.plan_diff import PlanDiff
from sovbundle.planning.diff import diff_plans
from sovbundle.planning.resolve import plan_bundle
from sovbundle.render.diff import diff_json, diff_markdown, diff_summary, render_diff
from sovbundle.spec.loader import LoadedBundle
from sovbundle.spec.model import BundleSpec
from tests.render.test_review_golden import text_of
from tests.support.synthetic import bundle, catalog, provider, vm

NOW = datetime(2026, 11, 29, tzinfo=UTC)
CLAIM = Source(kind="curated", url="https://claims.example.test/hds", as_of="2026-10-01")
REGIONS = Source(kind="curated", url="https://regions.example.test/", as_of="2026-09-01")


class Store:
    """A CatalogStore over catalogs in memory; ``current`` stands in when a plan's is gone."""

    def __init__(self, *catalogs: Catalog, current: Catalog | None = None) -> None:
        self.known = {
            (pid, loaded.sha256): loaded.data
            for c in catalogs
            for pid, loaded in c.providers.items()
        }
        self.now = current

    def by_sha256(self, provider: str, sha256: str) -> ProviderCatalog | None:
        return self.known.get((provider, sha256))

    def current(self, provider: str) -> ProviderCatalog | None:
        if self.now is None or provider not in self.now.providers:
            return None
        return self.now.providers[provider].data


def claim(**kw: Any) -> Certification:
    data: dict[str, Any] = {"id": "hds", "scope": "test scope", "source": CLAIM}
    data.update(kw)
    return Certification(**data)


def hds_catalog(cheap_claim: Certification | None, *, sure: bool = True) -> Catalog:
    """``ovhcloud`` (cheap, its hds claim as given) and ``scaleway`` (dearer, a direct claim)."""
    cheap = provider("ovhcloud", {"GRA": "FR"})
    if cheap_claim is not None:
        cheap = cheap.model_copy(update={"certifications": (cheap_claim,)})
    dear = provider("scaleway", {"par": "FR"})
    if sure:
        dear = dear.model_copy(update={"certifications": (claim(regions=("par",)),)})
    return catalog(
        [cheap, dear],
        [vm("ovhcloud", "GRA", "small", "10"), vm("scaleway", "par", "dear", "30")],
    )


def spec(policy: object = None, **extra: dict[str, object]) -> BundleSpec:
    components: dict[str, dict[str, object]] = {
        "api": {"kind": "vm", "vcpus": 2, "certifications": ["hds"]},
        **extra,
    }
    top: dict[str, object] = {"constraints": {"countries": ["FR"]}}
    if policy is not None:
        top["policy"] = {"unknown_evidence": policy}
    return bundle(components, **top)


def plan(spec_: BundleSpec, cat: Catalog) -> Plan:
    return plan_bundle(LoadedBundle(spec_, Path("b.yaml"), "0" * 64), cat, NOW)


def rows(result: PlanDiff) -> list[tuple[str, str, tuple[str, ...], str | None, str | None]]:
    return [
        (
            change.constraint,
            row.component,
            row.fields,
            row.old.basis if row.old else None,
            row.new.basis if row.new else None,
        )
        for change in result.evidence
        for row in change.rows
    ]


def test_a_claim_no_longer_confirmed_turns_direct_into_assumed_on_the_same_placement() -> None:
    before = hds_catalog(claim(regions=("GRA",)))
    after = hds_catalog(claim(regions=("GRA",), confirmed=False))
    old, new = plan(spec("tolerant"), before), plan(spec("tolerant"), after)
    result = diff_plans(old, new, Store(before, after))
    assert result.components == ()  # the same placement, the same price
    assert rows(result) == [("hds on api", "api", ("basis", "fact"), "direct", "assumed")]
    ((row,),) = [c.rows for c in result.evidence]
    assert [(r.kind, r.known, r.message) for r in row.reasons] == [
        (
            "certification_status",
            True,
            "the hds claim of ovhcloud for GRA was qualified "
            "(https://claims.example.test/hds, 2026-10-01), now qualified, unconfirmed "
            "(https://claims.example.test/hds, 2026-10-01)",
        )
    ]
    assert not result.equal  # a change of basis makes the plans differ
    assert diff_summary(result) == (
        "Diff: 1 unchanged, 1 evidence basis change; 10.00 -> 10.00 EUR/month (+0.00)"
    )
    text = text_of(render_diff(result))
    assert "evidence changes\n  ~ hds on api: 1 of 1 direct -> 0 of 1 direct (1 assumed)\n" in text
    assert "    ~ api at ovhcloud/GRA/small: direct -> assumed\n" in text
    assert "        old: direct hds on ovhcloud GRA; source https://claims.example.test/hds" in text
    assert "        why: the hds claim of ovhcloud for GRA was qualified" in text


def test_a_confirmed_claim_turns_assumed_into_direct() -> None:
    before = hds_catalog(claim(regions=("GRA",), confirmed=False))
    after = hds_catalog(claim(regions=("GRA",)))
    old, new = plan(spec("tolerant"), before), plan(spec("tolerant"), after)
    result = diff_plans(old, new, Store(before, after))
    assert rows(result) == [("hds on api", "api", ("basis", "fact"), "assumed", "direct")]
    assert not result.equal
    document = diff_json(result)["diff"]
    (entry,) = document["evidence"]
    assert (entry["constraint"], entry["basis_changed"]) == ("hds on api", True)
    assert entry["old"] == {"placements": 1, "direct": 0, "assumed": 1}
    assert entry["new"] == {"placements": 1, "direct": 1, "assumed": 0}
    (row,) = entry["rows"]
    assert row["old"]["fact"] == "hds on ovhcloud GRA rests on an unconfirmed claim"
    assert row["new"]["fact"] == "hds on ovhcloud GRA"
    assert [r["kind"] for r in row["reasons"]] == ["certification_status"]


def test_a_new_source_or_date_on_the_same_basis_is_shown_but_the_plans_are_equal() -> None:
    renewed = CLAIM.model_copy(update={"url": "https://claims.example.test/hds-2027"})
    before = hds_catalog(claim(regions=("GRA",), valid_until=date(2026, 12, 31)))
    after = hds_catalog(claim(regions=("GRA",), valid_until=date(2029, 12, 31), source=renewed))
    old, new = plan(spec(), before), plan(spec(), after)
    result = diff_plans(old, new, Store(before, after))
    assert rows(result) == [("hds on api", "api", ("source", "valid_until"), "direct", "direct")]
    assert result.equal
    assert diff_summary(result).startswith("No change: the same placements at the same prices")
    text = text_of(render_diff(result))
    assert "    ~ api at ovhcloud/GRA/small: direct, source, validity changed\n" in text
    ((row,),) = [c.rows for c in result.evidence]
    assert (row.old.valid_until, row.new.valid_until) == ("2026-12-31", "2029-12-31")  # type: ignore[union-attr]
    assert [r.kind for r in row.reasons] == ["certification_status"]


def test_a_claim_now_in_progress_is_the_known_reason_of_a_move() -> None:
    before = hds_catalog(claim(regions=("GRA",)))
    after = hds_catalog(claim(regions=("GRA",), status="in_progress"))
    old, new = plan(spec(), before), plan(spec(), after)
    result = diff_plans(old, new, Store(before, after))
    (line,) = result.components
    assert (line.change, line.old.provider, line.new.provider) == (  # type: ignore[union-attr]
        "moved",
        "ovhcloud",
        "scaleway",
    )
    assert [(r.kind, r.known, r.message) for r in line.reasons] == [
        (
            "certification_status",
            True,
            "the hds claim of ovhcloud for GRA was qualified "
            "(https://claims.example.test/hds, 2026-10-01), now in_progress "
            "(https://claims.example.test/hds, 2026-10-01)",
        )
    ]
    assert result.evidence == ()  # direct before and after: the move is the component's line


def test_the_evidence_rule_of_the_spec_is_the_reason_of_a_basis_change() -> None:
    cat = hds_catalog(claim(regions=("GRA",), confirmed=False))
    old, new = plan(spec(), cat), plan(spec({"certifications": "tolerant"}), cat)
    result = diff_plans(old, new, Store(cat))
    assert rows(result) == [
        ("hds on api", "api", ("placement", "basis"), "direct", "assumed"),
    ]
    # One rule for all facts (strict) against a mapping: compared fact by fact.
    assert [(c.path, c.old, c.new) for c in result.spec] == [
        ("policy.unknown_evidence.certifications", "strict", "tolerant")
    ]
    ((row,),) = [c.rows for c in result.evidence]
    assert [(r.kind, r.known, r.message) for r in row.reasons] == [
        (
            "spec_changed",
            True,
            "the bundle's evidence rule for certifications changed: strict -> tolerant "
            "(policy.unknown_evidence)",
        )
    ]
    markdown = diff_markdown(result)
    assert "**Evidence changes**" in markdown
    assert (
        "| ~ | hds on api: 1 of 1 direct → 0 of 1 direct (1 assumed) | api: direct at "
        "scaleway/par/dear → assumed at ovhcloud/GRA/small |"
    ) in markdown
    assert "the bundle's evidence rule for certifications changed: strict -\\> tolerant" in markdown


def test_an_added_component_on_an_assumption_is_an_assumption_entering_the_plan() -> None:
    cat = hds_catalog(claim(regions=("GRA",), confirmed=False))
    old = plan(spec("tolerant"), cat)
    new = plan(spec("tolerant", db={"kind": "vm", "vcpus": 2, "certifications": ["hds"]}), cat)
    result = diff_plans(old, new, Store(cat))
    assert ("hds on db", "db", ("basis",), None, "assumed") in rows(result)
    assert not result.equal
    text = text_of(render_diff(result))
    assert "    + db at ovhcloud/GRA/small: assumed (an assumption enters the plan)" in text
    # The direct rows of the added component are its own line, not an evidence change.
    assert all(r[0] != "countries (all components)" for r in rows(result))


def test_a_region_whose_country_became_known_is_the_reason() -> None:
    def with_country(known: bool) -> Catalog:
        """GRA is in the curated facts (in FR) or not at all (its country unknown)."""
        region = Region(provider="ovhcloud", id="GRA", country="FR", operator="ovhcloud",
                        source=REGIONS)  # fmt: skip
        regions = (region,) if known else ()
        cheap: Provider = provider("ovhcloud").model_copy(update={"regions": regions})
        return catalog([cheap], [vm("ovhcloud", "GRA", "small", "10")])

    before, after = with_country(False), with_country(True)
    countries = {"api": {"kind": "vm", "vcpus": 2}}
    rule = {"constraints": {"countries": ["FR"]}, "policy": {"unknown_evidence": "tolerant"}}
    old = plan(bundle(countries, **rule), before)
    new = plan(bundle(countries, **rule), after)
    result = diff_plans(old, new, Store(before, after))
    assert rows(result) == [
        ("countries (all components)", "api", ("basis", "fact", "source", "as_of"), "assumed",
         "direct"),
    ]  # fmt: skip
    ((row,),) = [c.rows for c in result.evidence]
    assert [(r.kind, r.message) for r in row.reasons] == [
        (
            "fact_changed",
            "the country of ovhcloud region GRA was unknown (the region is not in the curated "
            "facts), now FR "
            "(https://regions.example.test/, 2026-09-01)",
        )
    ]


def test_from_the_current_catalog_the_reason_is_inferred() -> None:
    before = hds_catalog(claim(regions=("GRA",)))
    after = hds_catalog(claim(regions=("GRA",), confirmed=False))
    old, new = plan(spec("tolerant"), before), plan(spec("tolerant"), after)
    result = diff_plans(old, new, Store(before, current=after))  # the new plan's own is gone
    ((row,),) = [c.rows for c in result.evidence]
    ((kind, known, message),) = [(r.kind, r.known, r.message) for r in row.reasons]
    assert (kind, known) == ("certification_status", False)
    assert message.endswith("(inferred: from the current local catalog, not the new plan's own)")


def test_a_plan_that_records_no_evidence_is_not_compared_and_says_so() -> None:
    before = hds_catalog(claim(regions=("GRA",)))
    after = hds_catalog(claim(regions=("GRA",), confirmed=False))
    old, new = plan(spec("tolerant"), before), plan(spec("tolerant"), after)
    bare = old.model_copy(
        update={
            "constraints": tuple(c.model_copy(update={"evidence": None}) for c in old.constraints)
        }
    )
    result = diff_plans(bare, new, Store(before, after))
    assert result.evidence == ()
    assert (
        "the old plan records no evidence for countries (all components), hds on api (written "
        "before evidence was recorded): its evidence is not compared"
    ) in result.notes


def test_diff_exits_7_on_a_basis_change_alone_even_without_catalogs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOVBUNDLE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    before = hds_catalog(claim(regions=("GRA",)))
    after = hds_catalog(claim(regions=("GRA",), confirmed=False))
    files = []
    for name, cat in (("old", before), ("new", after)):
        target = tmp_path / f"{name}.json"
        target.write_text(dump_plan(plan(spec("tolerant"), cat)), encoding="utf-8")
        files.append(str(target))
    assert main(["diff", *files, "--json"]) == 7
    data = json.loads(capsys.readouterr().out)["diff"]
    assert data["equal"] is False and data["components"] == []
    ((row,),) = [e["rows"] for e in data["evidence"]]
    assert (row["old"]["basis"], row["new"]["basis"], row["reasons"]) == (
        "direct",
        "assumed",
        [],  # no catalog at hand: nothing is claimed about why
    )
    # The same two plans, the source date alone changed: equal, exit 0.
    moved_date = CLAIM.model_copy(update={"as_of": "2026-11-01"})
    later = hds_catalog(claim(regions=("GRA",), source=moved_date))
    Path(files[1]).write_text(dump_plan(plan(spec("tolerant"), later)), encoding="utf-8")
    assert main(["diff", *files]) == 0
    out = capsys.readouterr().out
    assert "~ api at ovhcloud/GRA/small: direct, date changed" in out
