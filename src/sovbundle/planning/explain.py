"""Why this plan: runner-ups, what each constraint costs, and why no plan exists.

Pure (solves through ``planning.solve``). Everything here is a re-solve of the same bundle
with one thing changed, so its answers are exact, not estimates:

* runner-up of a component: the plan re-solved with the chosen SKU of the chosen provider
  forbidden in every region (the same product one zone over is no alternative worth showing);
* cost of a constraint: the plan re-solved without it (``+38.40 EUR/month`` is what keeping it
  costs);
* cost of the evidence policy: per fact whose unknown evidence the policy refuses
  (``policy.unknown_evidence: strict``), the plan re-solved with it tolerated, and the
  assumptions that cheaper plan would rest on (a priced what-if, never applied);
* diagnosis of an infeasible bundle: the funnel of each component whose filters leave nothing,
  then the cheapest single (or, failing that, pair of) constraint(s) whose removal gives a plan,
  a tolerant evidence policy included (named as such, with the assumptions it would take).
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
from sovbundle.planning.filters import (
    TOLERANT,
    Rules,
    Verdict,
    certification_verdict,
    country_verdict,
    operator_verdict,
    rule_failure,
    rules_for,
)
from sovbundle.planning.formulate import (
    EVIDENCE,
    RULE_KINDS,
    CandidateCache,
    EvidenceItem,
    Relax,
    build_problem,
    evidence_relaxations,
    placed_offers,
    relaxations,
)
from sovbundle.planning.problem import Problem, Solution
from sovbundle.planning.solve import solve
from sovbundle.spec.model import BundleSpec

__all__ = [
    "ConstraintCost",
    "EvidenceCost",
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
class EvidenceCost:
    """What the strict evidence policy of one fact costs: the plan's total minus the total of
    the same bundle with that fact's unknown evidence tolerated (a what-if, never applied)."""

    fact: str
    """``certifications``, ``operators`` or ``countries`` (``policy.unknown_evidence``)."""
    delta: Decimal
    tolerant_total: Decimal
    admitted: int
    """Offers that qualify for some component only with the fact's unknown evidence tolerated
    (0: tolerating it changes no candidate, so the plan would be the same)."""
    assumptions: tuple[EvidenceItem, ...]
    """The tolerant plan's placements that rest on unknown evidence of the fact."""


@dataclass(frozen=True)
class Explanation:
    """Everything ``--explain`` shows."""

    runner_ups: tuple[RunnerUp, ...]
    constraint_costs: tuple[ConstraintCost, ...]
    rejections: tuple[tuple[str, int, tuple[tuple[str, int], ...]], ...]
    """Per component: candidates kept, and rejected offers counted per reason stage."""
    evidence_costs: tuple[EvidenceCost, ...] = ()
    """Per strict fact the bundle constrains (or whose tolerance would admit an offer)."""


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
    evidence = _evidence_costs(spec, catalog, problem, base, cache)
    return Explanation(tuple(runner_ups), tuple(costs), rejections, evidence)


def _evidence_costs(
    spec: BundleSpec, catalog: Catalog, problem: Problem, base: Solution, cache: CandidateCache
) -> tuple[EvidenceCost, ...]:
    """Each strict fact priced: re-solved tolerant on the same cache, when tolerating it lets
    some offer in; otherwise the candidates are the same and so is the plan (no solve)."""
    assert base.total is not None
    found = []
    for relax in evidence_relaxations(spec):
        relaxed = _tolerant_problem(spec, catalog, problem, relax, cache)
        admitted = _admitted(problem, relaxed) if relaxed is not None else 0
        if relaxed is None or not admitted:
            if _constrains(problem, relax.value):
                nothing = base.total - base.total  # 0.00, in the plan's cents
                found.append(EvidenceCost(relax.value, nothing, base.total, 0, ()))
            continue
        tolerant = solve(relaxed)
        # Tolerating only widens the choice, so a tolerant plan always exists.
        assert tolerant.total is not None
        assumed = _assumptions(catalog, relaxed, tolerant, (relax.value,))
        cost = EvidenceCost(
            relax.value, base.total - tolerant.total, tolerant.total, admitted, assumed
        )
        found.append(cost)
    return tuple(found)


def _constrains(problem: Problem, fact: str) -> bool:
    """Whether a placement rule of the plan consults ``fact``."""
    if fact == "certifications":
        return any(cc.rules.certifications for cc in problem.components)
    if fact == "operators":
        return any(cc.rules.operators_eu_only for cc in problem.components)
    return any(cc.rules.countries is not None for cc in problem.components)


def _tolerant_problem(
    spec: BundleSpec, catalog: Catalog, problem: Problem, relax: Relax, cache: CandidateCache
) -> Problem | None:
    """The problem with ``relax`` (a strict evidence policy) dropped, or None when tolerating
    it lets no offer pass a rule filter that refuses it for some component (its kind's offers,
    and the VM node offers of a cluster): then the candidates, and the plan, are the same.

    Exact and cheap: a tolerance changes only its own filter stage (named as the fact), so
    only offers whose first failure under the plan's rules is at that stage can pass (those
    before it fail there again, those after it passed it already); only they are re-judged.
    The relaxed problem reuses every component's candidates its tolerance does not touch."""
    screening = cache.screening_of(catalog)
    dropped = frozenset({(relax.kind, relax.component, relax.value)})
    seen: set[tuple[str, Rules]] = set()
    for cc in problem.components:
        rules = rules_for(spec, cc.name, dropped, cache.on)
        if rules == cc.rules:
            continue
        for kind in (cc.kind, "vm") if cc.kind == "kubernetes" else (cc.kind,):
            if (kind, cc.rules) in seen:
                continue
            seen.add((kind, cc.rules))
            verdicts = screening.rule_verdicts(kind, cc.rules)
            for offer, verdict in zip(screening.offers(kind), verdicts, strict=True):
                refused_here = verdict is not None and verdict[0] == relax.value
                if refused_here and rule_failure(offer, rules, catalog) is None:
                    return build_problem(spec, catalog, frozenset({relax}), cache)
    return None


def _admitted(problem: Problem, relaxed: Problem) -> int:
    """Distinct offers in some component's candidates of ``relaxed`` and not of ``problem``."""
    found: set[int] = set()
    done: set[tuple[int, int]] = set()
    for before, after in zip(problem.components, relaxed.components, strict=True):
        pair = (id(before.candidates), id(after.candidates))
        if before.candidates is after.candidates or pair in done:
            continue
        done.add(pair)
        known = {id(part.offer) for cand in before.candidates for part in cand.parts}
        found.update(
            id(part.offer)
            for cand in after.candidates
            for part in cand.parts
            if id(part.offer) not in known
        )
    return len(found)


def _verdicts(catalog: Catalog, offer: Offer, rules: Rules, fact: str) -> list[Verdict]:
    """What the evidence says of ``fact`` for a placed offer, under the component's rules."""
    if fact == "certifications":
        return [
            certification_verdict(catalog, offer, cert, rules.day)
            for cert in sorted(rules.certifications)
        ]
    if fact == "operators":
        return [operator_verdict(catalog, offer)] if rules.operators_eu_only else []
    return [country_verdict(catalog, offer)]


def _assumptions(
    catalog: Catalog, problem: Problem, solution: Solution, facts: tuple[str, ...]
) -> tuple[EvidenceItem, ...]:
    """The placements of ``solution`` that rest on unknown evidence of ``facts``, per
    component (name order), offer (row order) and fact."""
    rules = {cc.name: cc.rules for cc in problem.components}
    items = []
    for name in sorted(solution.chosen):
        for offer in placed_offers(solution, name):
            for fact in facts:
                for verdict in _verdicts(catalog, offer, rules[name], fact):
                    if verdict.outcome == "unknown":
                        items.append(EvidenceItem.of(name, offer, verdict))
    return tuple(items)


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
    evidence = evidence_relaxations(spec)
    # (total, constraints dropped, words): at equal cost, the fix that drops fewer constraints
    # first (tolerating unknown evidence keeps the requirement for what the data confirms).
    fixes: list[tuple[Decimal, int, str]] = []
    for relax in options:
        found = solve(build_problem(spec, catalog, frozenset({relax}), cache))
        if found.total is not None:
            fixes.append((found.total, 1, _fix_words((relax,), catalog, None, found)))
    for relax in evidence:
        relaxed = _tolerant_problem(spec, catalog, problem, relax, cache)
        if relaxed is None:
            continue  # tolerating it lets no offer in: it cannot give a plan on its own
        found = solve(relaxed)
        if found.total is not None:
            fixes.append((found.total, 0, _fix_words((relax,), catalog, relaxed, found)))
    if not fixes:
        pairs = list(combinations(options, 2))[:MAX_PAIRS]
        # With an evidence policy: tolerate one fact and drop one constraint, or tolerate two.
        pairs += [(rule, relax) for relax in evidence for rule in options][:MAX_PAIRS]
        pairs += list(combinations(evidence, 2))
        for pair in pairs:
            relaxed = build_problem(spec, catalog, frozenset(pair), cache)
            found = solve(relaxed)
            if found.total is not None:
                drops = sum(1 for relax in pair if relax.kind != EVIDENCE)
                fixes.append((found.total, drops, _fix_words(pair, catalog, relaxed, found)))
    if not fixes:
        # Several components each blocked by their own rule: drop one rule per component.
        combo = _per_component_fix(spec, catalog, problem, cache)
        if len(combo) > 2:
            found = solve(build_problem(spec, catalog, frozenset(combo), cache))
            if found.total is not None:
                words = _fix_words(tuple(combo), catalog, None, found)
                fixes.append((found.total, len(combo), words))
    if not fixes:
        lines.append("no relaxation of one or two constraints gives a plan")
        return lines
    fixes.sort()
    total, _, words = fixes[0]
    lines.append(f"cheapest relaxation: {words} -> {_eur(total)}")
    for other_total, _, other in fixes[1:4]:
        lines.append(f"  or {other} -> {_eur(other_total)}")
    return lines


_FACT_NOUNS = {"certifications": "certification", "operators": "operator", "countries": "country"}


def _fix_words(
    relaxes: tuple[Relax, ...], catalog: Catalog, relaxed: Problem | None, found: Solution
) -> str:
    """A relaxation as the diagnosis names it: ``drop hds on db``, or for an evidence policy
    ``tolerate unknown certification evidence (policy.unknown_evidence: {certifications:
    tolerant}; the plan would rest on 1 assumption: ...)``."""
    drops = [relax for relax in relaxes if relax.kind != EVIDENCE]
    facts = tuple(relax.value for relax in relaxes if relax.kind == EVIDENCE)
    words = [f"drop {_names(drops)}"] if drops else []
    if facts:
        assert relaxed is not None
        assumed = _assumptions(catalog, relaxed, found, facts)
        setting = ", ".join(f"{fact}: tolerant" for fact in facts)
        nouns = " and ".join(_FACT_NOUNS[fact] for fact in facts)
        words.append(
            f"tolerate unknown {nouns} evidence (policy.unknown_evidence: "
            f"{{{setting}}}; the plan would rest on {_assumed_words(assumed)})"
        )
    return " and ".join(words)


def _assumed_words(items: tuple[EvidenceItem, ...], limit: int = 2) -> str:
    """``1 assumption: db at ovhcloud/GRA: hds on ovhcloud GRA rests on an unconfirmed claim``
    (the first ``limit`` of them named)."""
    noun = "assumption" if len(items) == 1 else "assumptions"
    named = [f"{i.component} at {i.provider}/{i.region}: {i.fact}" for i in items[:limit]]
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return f"{len(items)} {noun}: {'; '.join(named)}{more}" if items else f"0 {noun}"
