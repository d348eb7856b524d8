"""What became of the evidence behind a plan's constraints: direct or assumed, its source and date.

Pure helpers of ``sovbundle.planning.diff``. Each constraint on a fact (countries,
eu_jurisdiction, operators_eu_only, each certification) records, per placed offer, whether
the fact rests on direct evidence or on an assumption that ``policy.unknown_evidence:
tolerant`` accepted, with its source and date (``Plan.constraints[].evidence``). Two plans'
rows are compared per constraint and component:

* the component is placed alike: any change of basis, fact, source, date or validity;
* it moved, or was added or removed: a change of basis only (the move is the component's own
  line), an assumption that entered or left the plan included.

Why, where the data can tell: the evidence rule in the spec (``policy.unknown_evidence``) and
the curated facts in the two plans' catalogs (a certification claim's status, confirmation,
validity or source; a region's country or operator; a provider's jurisdiction), known when
both catalogs are the plans' own (by sha256), inferred when the current local catalog stands
in for the new plan's.
"""

from __future__ import annotations

from itertools import zip_longest
from typing import Literal

from sovbundle.catalog.facts import covers
from sovbundle.models import CERTIFICATIONS, Certification, Offer
from sovbundle.plan import ConstraintEvidence, ConstraintRow, EvidenceRow, Plan
from sovbundle.plan_diff import (
    EvidenceChange,
    EvidenceRowChange,
    Reason,
    ReasonKind,
)
from sovbundle.planning.diff_reasons import Side, evidence_rules

__all__ = ["certification_reasons", "evidence_changes", "evidence_notes"]

_COMPARED = ("basis", "fact", "source", "as_of", "valid_until")

Fact = Literal["certification", "countries", "operators", "eu_jurisdiction"]
_Offer = tuple[str, str, str, str]
"""A placed offer as the facts are looked up: provider, region, kind, SKU."""


def _fact_of(row: ConstraintRow) -> tuple[Fact, str] | None:
    """What a constraint is about: (fact, certification id or ``""``), or None when it is not
    a constraint on a fact (providers, budget, links ...)."""
    head = row.name.split(" ", 1)[0]
    if head in CERTIFICATIONS and row.required == head:
        return "certification", head
    if head == "countries":
        return "countries", ""
    if head == "operators_eu_only":
        return "operators", ""
    if head == "eu_jurisdiction":
        return "eu_jurisdiction", ""
    return None


def _recorded(plan: Plan) -> tuple[dict[str, ConstraintRow], list[str]]:
    """A plan's constraints on facts with their evidence, and those that record none (a file
    written before evidence was recorded)."""
    found: dict[str, ConstraintRow] = {}
    missing = []
    for row in plan.constraints:
        if _fact_of(row) is None:
            continue
        if row.evidence is None:
            missing.append(row.name)
        else:
            found[row.name] = row
    return found, missing


def evidence_notes(old: Plan, new: Plan) -> list[str]:
    """What limits the evidence comparison: constraints a plan records no evidence for."""
    notes = []
    for which, plan in (("old", old), ("new", new)):
        _, missing = _recorded(plan)
        if missing:
            notes.append(
                f"the {which} plan records no evidence for {', '.join(missing)} (written "
                "before evidence was recorded): its evidence is not compared"
            )
    return notes


def _by_component(evidence: ConstraintEvidence | None) -> dict[str, list[EvidenceRow]]:
    found: dict[str, list[EvidenceRow]] = {}
    for row in evidence.rows if evidence is not None else ():
        found.setdefault(row.component, []).append(row)
    return found


def _where(row: EvidenceRow) -> tuple[str, str, str]:
    return row.provider, row.region, row.sku


def _row_changes(
    old_rows: list[EvidenceRow], new_rows: list[EvidenceRow]
) -> list[tuple[EvidenceRow | None, EvidenceRow | None, tuple[str, ...]]]:
    """The pairs of one component's rows that differ, with what differs."""
    found: list[tuple[EvidenceRow | None, EvidenceRow | None, tuple[str, ...]]] = []
    if old_rows and [_where(r) for r in old_rows] == [_where(r) for r in new_rows]:
        for a, b in zip(old_rows, new_rows, strict=True):
            fields = tuple(f for f in _COMPARED if getattr(a, f) != getattr(b, f))
            if fields:
                found.append((a, b, fields))
        return found
    for a, b in zip_longest(old_rows, new_rows):
        if a is not None and b is not None:
            if a.basis != b.basis:
                found.append((a, b, ("placement", "basis")))
        elif (a or b) is not None and (a or b).basis == "assumed":
            found.append((a, b, ("basis",)))
    return found


def _offer_kind(plan: Plan, row: EvidenceRow) -> str | None:
    """The catalog kind of the placed offer an evidence row is about."""
    for placement in plan.placements:
        if (placement.component, placement.provider, placement.sku) == (
            row.component,
            row.provider,
            row.sku,
        ):
            return "vm" if placement.part == "nodes" else placement.kind
    return None


# --- what the curated facts said ----------------------------------------------------------


def _claim_text(claim: Certification) -> str:
    words: list[str] = [claim.status]
    if claim.status == "qualified" and not claim.confirmed:
        words.append("unconfirmed")
    if claim.valid_from is not None:
        words.append(f"valid from {claim.valid_from.isoformat()}")
    if claim.valid_until is not None:
        words.append(f"valid until {claim.valid_until.isoformat()}")
    return f"{', '.join(words)} ({claim.source.url}, {claim.source.as_of})"


def _facts_text(side: Side, fact: Fact, cert: str, offer: _Offer) -> str | None:
    """What one plan's catalog says about ``fact`` for an offer, in words; None when that
    catalog is not at hand. With ``offer.sku`` empty, only the certification claims count
    (not the offer's own tags, which ``certification_lost`` reports)."""
    provider, region, kind, sku = offer
    catalog = side.catalogs.get(provider)
    if catalog is None:
        return None
    facts = catalog.provider
    if fact == "certification":
        claims = [c for c in facts.certifications if c.id == cert and covers(c, region, kind)]
        found = side.offer(provider, kind, sku, region) if sku else None
        held = isinstance(found, Offer) and cert in found.certifications
        texts = [_claim_text(c) for c in claims]
        if held and not claims:
            texts.append("carried by the offers' own data")
        return "; ".join(texts) or "no claim"
    if fact == "eu_jurisdiction":
        verdict = "yes" if facts.eu_jurisdiction else "no"
        return (
            f"{facts.legal_entity} ({facts.hq_country}), EU jurisdiction {verdict} "
            f"({facts.source.url}, {facts.source.as_of})"
        )
    place = facts.region(region)
    if place is None:
        return "unknown (the region is not in the curated facts)"
    value = (place.country if fact == "countries" else place.operator) or "unknown"
    return f"{value} ({place.source.url}, {place.source.as_of})"


def _subject(fact: Fact, cert: str, provider: str, region: str) -> str:
    if fact == "certification":
        return f"the {cert} claim of {provider} for {region}"
    if fact == "countries":
        return f"the country of {provider} region {region}"
    if fact == "operators":
        return f"the operator of {provider} region {region}"
    return f"the jurisdiction of {provider}"


def _fact_reason(
    fact: Fact, cert: str, offer: _Offer, old_side: Side, new_side: Side
) -> Reason | None:
    """What changed in the curated facts about one offer between the two plans' catalogs."""
    provider, region = offer[0], offer[1]
    before = _facts_text(old_side, fact, cert, offer)
    after = _facts_text(new_side, fact, cert, offer)
    if before is None or after is None or before == after:
        return None
    known = old_side.exact.get(provider, False) and new_side.exact.get(provider, False)
    suffix = "" if known else " (inferred: from the current local catalog, not the new plan's own)"
    what: ReasonKind = "certification_status" if fact == "certification" else "fact_changed"
    return Reason(
        what,
        known,
        f"{_subject(fact, cert, provider, region)} was {before}, now {after}{suffix}",
    )


def certification_reasons(
    component: str, old: Plan, old_side: Side, new_side: Side
) -> list[Reason]:
    """Why a moved component's old placement may no longer do: the claims behind its
    certifications that changed between the two plans' catalogs."""
    found = []
    for row in old.constraints:
        about = _fact_of(row)
        if about is None or about[0] != "certification" or row.evidence is None:
            continue
        for item in row.evidence.rows:
            kind = _offer_kind(old, item) if item.component == component else None
            if kind is None:
                continue
            where = (item.provider, item.region, kind, "")
            reason = _fact_reason("certification", about[1], where, old_side, new_side)
            if reason is not None:
                found.append(reason)
    return found


def _rule(plan: Plan, fact: Fact) -> str | None:
    """The evidence rule a plan's spec sets for a fact; None when the plan does not record
    its spec."""
    spec = plan.bundle.spec
    if spec is None:
        return None
    return evidence_rules(spec)["certifications" if fact == "certification" else fact]


def _policy_reason(fact: Fact, plans: tuple[Plan, Plan]) -> Reason | None:
    before, after = _rule(plans[0], fact), _rule(plans[1], fact)
    if before is None or after is None or before == after:
        return None
    name = "certifications" if fact == "certification" else fact
    return Reason(
        "spec_changed",
        True,
        f"the bundle's evidence rule for {name} changed: {before} -> {after} "
        "(policy.unknown_evidence)",
    )


def _reasons(
    fact: Fact,
    cert: str,
    pair: tuple[EvidenceRow | None, EvidenceRow | None, tuple[str, ...]],
    plans: tuple[Plan, Plan],
    sides: tuple[Side, Side],
) -> list[Reason]:
    old_row, new_row, fields = pair
    found: list[Reason] = []
    if "basis" in fields:
        policy = _policy_reason(fact, plans)
        if policy is not None:
            found.append(policy)
    for plan, row in zip(plans, (old_row, new_row), strict=True):
        if row is None:
            continue
        kind = _offer_kind(plan, row)
        if kind is None:
            continue
        where = (row.provider, row.region, kind, row.sku)
        reason = _fact_reason(fact, cert, where, *sides)
        if reason is not None and reason not in found:
            found.append(reason)
    return found


def evidence_changes(old: Plan, new: Plan, old_side: Side, new_side: Side) -> list[EvidenceChange]:
    """The constraints whose evidence differs between two plans, old plan's order first."""
    before, missing_old = _recorded(old)
    after, missing_new = _recorded(new)
    skipped = {*missing_old, *missing_new}
    found = []
    for name in dict.fromkeys([*before, *after]):
        if name in skipped:
            continue
        a, b = before.get(name), after.get(name)
        about = _fact_of(a or b)  # type: ignore[arg-type]
        assert about is not None
        fact, cert = about
        old_rows = _by_component(a.evidence if a else None)
        new_rows = _by_component(b.evidence if b else None)
        rows = []
        for component in sorted({*old_rows, *new_rows}):
            for pair in _row_changes(old_rows.get(component, []), new_rows.get(component, [])):
                reasons = _reasons(fact, cert, pair, (old, new), (old_side, new_side))
                rows.append(EvidenceRowChange(component, pair[0], pair[1], pair[2], tuple(reasons)))
        if rows:
            found.append(
                EvidenceChange(
                    name, a.evidence if a else None, b.evidence if b else None, tuple(rows)
                )
            )
    return found
