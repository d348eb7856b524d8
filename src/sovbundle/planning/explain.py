"""Why this plan: runner-ups, what each constraint costs, and why no plan exists.

Pure (solves through ``planning.solve``). Everything here is a re-solve of the same bundle
with one thing changed, so its answers are exact, not estimates:

* runner-up of a component: the plan re-solved with the chosen SKU of the chosen provider
  forbidden in every region (the same product one zone over is no alternative worth showing);
* cost of a constraint: the plan re-solved without it (``+38.40 EUR/month`` is what keeping it
  costs);
* diagnosis of an infeasible bundle: the funnel of each component whose filters leave nothing,
  then the cheapest single (or, failing that, pair of) constraint(s) whose removal gives a plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations

from sovbundle import units
from sovbundle.catalog.query import Catalog
from sovbundle.models import Offer
from sovbundle.planning.candidates import Candidate, ComponentCandidates
from sovbundle.planning.diagnosis import LinkSide, blocking_field, link_conflicts
from sovbundle.planning.filters import TOLERANT
from sovbundle.planning.formulate import (
    RULE_KINDS,
    CandidateCache,
    Relax,
    build_problem,
    relaxations,
)
from sovbundle.planning.problem import Problem, Solution
from sovbundle.planning.solve import solve
from sovbundle.spec.model import BundleSpec

__all__ = [
    "ConstraintCost",
    "Explanation",
    "RunnerUp",
    "describe_empty",
    "diagnose",
    "explain",
    "rejection_summary",
]

MAX_PAIRS = 120
"""Pairs of constraints tried by the diagnosis when no single relaxation is enough."""


@dataclass(frozen=True)
class RunnerUp:
    """The best plan's alternative for one component, and what switching to it costs."""

    component: str
    candidate: Candidate | None
    delta: Decimal | None


@dataclass(frozen=True)
class ConstraintCost:
    """What a constraint costs: the plan's total minus the total without it."""

    name: str
    delta: Decimal


@dataclass(frozen=True)
class Explanation:
    """Everything ``--explain`` shows."""

    runner_ups: tuple[RunnerUp, ...]
    constraint_costs: tuple[ConstraintCost, ...]
    rejections: tuple[tuple[str, int, tuple[tuple[str, int], ...]], ...]
    """Per component: candidates kept, and rejected offers counted per reason stage."""


def rejection_summary(cc: ComponentCandidates) -> tuple[tuple[str, int], ...]:
    """Rejected offers of a component counted by filter stage, in stage order."""
    return cc.rejected_by_stage


def explain(
    spec: BundleSpec,
    catalog: Catalog,
    problem: Problem,
    base: Solution,
    cache: CandidateCache | None = None,
) -> Explanation:
    """Runner-ups and constraint costs of a feasible plan (``cache``: the one ``problem`` was
    built with, so that the re-solves reuse its candidates)."""
    assert base.total is not None
    runner_ups = []
    for cc in problem.components:
        chosen = base.chosen[cc.name]
        same_product = frozenset(
            (cc.name, cand.label)
            for cand in cc.candidates
            if cand.provider == chosen.provider and cand.sku == chosen.sku
        )
        alt = solve(problem, forbid=same_product | {(cc.name, chosen.label)})
        if alt.total is None:
            runner_ups.append(RunnerUp(cc.name, None, None))
        else:
            runner_ups.append(RunnerUp(cc.name, alt.chosen[cc.name], alt.total - base.total))
    cache = CandidateCache() if cache is None else cache
    costs = []
    for relax in relaxations(spec):
        relaxed = solve(build_problem(spec, catalog, frozenset({relax}), cache))
        # Dropping a constraint only widens the choice, so a relaxed plan always exists.
        assert relaxed.total is not None
        costs.append(ConstraintCost(relax.name, base.total - relaxed.total))
    rejections = tuple(
        (cc.name, len(cc.candidates), rejection_summary(cc)) for cc in problem.components
    )
    return Explanation(tuple(runner_ups), tuple(costs), rejections)


_STAGE_WORDS = {
    "specs": "with the specs",
    "providers": "among allowed providers",
    "eu_jurisdiction": "under EU jurisdiction",
    "operators": "run by a known EU-jurisdiction operator",
    "countries": "in {countries}",
    "certifications": "with {certifications}",
    "status": "not deprecated",
    "evidence": "priced from {evidence} evidence or better",
    "price": "with a usable price",
}


def describe_empty(cc: ComponentCandidates) -> str:
    """Why a component has no candidate, as a funnel: where the offers run out."""
    countries = ", ".join(sorted(cc.rules.countries or ()))
    certs = ", ".join(sorted(cc.rules.certifications))
    kind = cc.kind.replace("_", " ")
    steps = []
    blocking = ""
    blocked_at = ""
    rules = cc.rules
    unconstrained = {
        "providers": rules.providers is None and not rules.exclude_providers,
        "eu_jurisdiction": not rules.eu_jurisdiction,
        "operators": not rules.operators_eu_only,
        "countries": rules.countries is None,
        "certifications": not rules.certifications,
        "evidence": rules.min_evidence is None,
    }
    for stage, count in cc.funnel:
        if stage == "offers":
            steps.append(f"{count} {kind} offers")
            continue
        if unconstrained.get(stage, False):
            continue  # no such rule on this component: nothing to say (no "36 in ,")
        evidence = cc.rules.min_evidence.value if cc.rules.min_evidence else "any"
        words = _STAGE_WORDS[stage].format(
            countries=countries, certifications=certs, evidence=evidence
        )
        steps.append(f"{count} {words}")
        if count == 0 and not blocking:
            blocking = words
            blocked_at = stage
        if count == 0:
            break
    if cc.funnel[0][1] == 0:
        blocking = "in any catalog"
    line = f"{cc.name}: no {kind} offer {blocking} ({', '.join(steps)})"
    if blocking == _STAGE_WORDS["price"]:
        # Say why the prices are missing (offline data, a refresh away): the notes tell how.
        notes = sorted({r.reason for r in cc.rejections if r.stage == "price"})
        line += f"; {'; '.join(notes[:2])}"
    if blocked_at in ("operators", "countries", "certifications"):
        # Offers refused on unknown evidence, not on a known fact: say which, and the policy.
        unknown = sorted(
            {r.reason for r in cc.rejections if r.stage == blocked_at and TOLERANT in r.reason}
        )
        if unknown:
            more = f" (and {len(unknown) - 1} more like it)" if len(unknown) > 1 else ""
            line += f"; {unknown[0]}{more}"
    return line


def _eur(amount: Decimal) -> str:
    return f"{units.amount(amount)} EUR/month"


def _names(relaxes: tuple[Relax, ...] | list[Relax]) -> str:
    names = [relax.name for relax in relaxes]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _per_component_fix(
    spec: BundleSpec, catalog: Catalog, problem: Problem, cache: CandidateCache
) -> list[Relax]:
    """For each component left without candidates, the first rule whose removal gives it some
    (its own rules before the bundle's defaults)."""
    options = relaxations(spec)
    chosen: list[Relax] = []
    for cc in problem.components:
        if cc.candidates:
            continue
        own = [r for r in options if r.component == cc.name]
        shared = [r for r in options if r.component == "" and r.kind in RULE_KINDS]
        for relax in own + shared:
            if relax in chosen:
                break
            relaxed = build_problem(spec, catalog, frozenset({relax}), cache)
            if any(c.name == cc.name and c.candidates for c in relaxed.components):
                chosen.append(relax)
                break
        else:
            return []
    return chosen


def _link_lines(spec: BundleSpec, catalog: Catalog, problem: Problem) -> list[str]:
    """Colocated links whose ends share no provider or region, and the field that blocks."""
    by_name = {cc.name: cc for cc in problem.components}
    by_kind: dict[str, list[Offer]] = {}

    def offers_of(kind: str) -> list[Offer]:
        if kind not in by_kind:
            by_kind[kind] = [offer for offer in catalog.offers() if offer.kind == kind]
        return by_kind[kind]

    def side(name: str) -> LinkSide:
        cc = by_name[name]
        places = frozenset((c.provider, c.region) for c in cc.candidates)
        return LinkSide(name, spec.components[name], cc.rules, places)

    ends = [
        (side(link.from_), side(link.to), link.colocate)
        for link in spec.links
        if link.colocate is not None and link.from_ in by_name and link.to in by_name
    ]
    return link_conflicts(ends, offers_of, catalog)


def diagnose(
    spec: BundleSpec, catalog: Catalog, problem: Problem, cache: CandidateCache | None = None
) -> list[str]:
    """Lines saying which constraints empty the set, and the cheapest relaxation (``cache``:
    the one ``problem`` was built with, reused by the re-solves)."""
    lines = [
        blocking_field(
            cc.name,
            spec.components[cc.name],
            cc.rules,
            [offer for offer in catalog.offers() if offer.kind == cc.kind],
            catalog,
        )
        or describe_empty(cc)
        for cc in problem.components
        if not cc.candidates
    ]
    if not lines:
        lines = _link_lines(spec, catalog, problem)
    if not lines:
        lines.append("every component has candidates, but no combination meets all constraints")
    cache = CandidateCache() if cache is None else cache
    options = relaxations(spec)
    fixes: list[tuple[Decimal, str]] = []
    for relax in options:
        found = solve(build_problem(spec, catalog, frozenset({relax}), cache))
        if found.total is not None:
            fixes.append((found.total, relax.name))
    if not fixes:
        for pair in list(combinations(options, 2))[:MAX_PAIRS]:
            found = solve(build_problem(spec, catalog, frozenset(pair), cache))
            if found.total is not None:
                fixes.append((found.total, _names(pair)))
    if not fixes:
        # Several components each blocked by their own rule: drop one rule per component.
        combo = _per_component_fix(spec, catalog, problem, cache)
        if len(combo) > 2:
            found = solve(build_problem(spec, catalog, frozenset(combo), cache))
            if found.total is not None:
                fixes.append((found.total, _names(combo)))
    if not fixes:
        lines.append("no relaxation of one or two constraints gives a plan")
        return lines
    fixes.sort()
    total, name = fixes[0]
    lines.append(f"cheapest relaxation: drop {name} -> {_eur(total)}")
    for other_total, other in fixes[1:4]:
        lines.append(f"  or drop {other} -> {_eur(other_total)}")
    return lines
