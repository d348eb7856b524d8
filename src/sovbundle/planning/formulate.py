"""From a bundle spec and a catalog to an optimisation problem, and back to checked constraints.

Pure. ``Relax`` names one constraint of the bundle that ``--explain`` and the infeasibility
diagnosis may drop (``relaxations``), or a strict evidence policy they may tolerate instead
(``evidence_relaxations``); ``build_problem`` applies a set of them, reusing the candidates of
components they do not touch (``CandidateCache``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from sovbundle import units
from sovbundle.catalog.query import Catalog
from sovbundle.models import Offer
from sovbundle.planning.candidates import (
    ComponentCandidates,
    Rules,
    Screening,
    build_candidates,
    dec,
    rules_for,
    without_cycle_collector,
)
from sovbundle.planning.filters import (
    FACTS,
    Verdict,
    certification_verdict,
    country_verdict,
    operator_verdict,
    passes,
    unknown_fact,
)
from sovbundle.planning.problem import LinkRule, Problem, Solution
from sovbundle.spec.model import BundleSpec

__all__ = [
    "EVIDENCE",
    "RULE_KINDS",
    "CandidateCache",
    "ConstraintCheck",
    "EvidenceItem",
    "Relax",
    "build_problem",
    "check_constraints",
    "evidence_relaxations",
    "relaxations",
]


@dataclass
class CandidateCache:
    """Candidates already built, by component and rules, and the screening of one catalog's
    offers they share (a local cache, owned by the caller; one catalog per cache)."""

    built: dict[tuple[str, Rules], ComponentCandidates] = field(default_factory=dict)
    screening: Screening | None = None
    on: date | None = None
    """The plan date certification validity is judged on (``Rules.on``); ``None``: today."""

    def screening_of(self, catalog: Catalog) -> Screening:
        if self.screening is None or self.screening.catalog is not catalog:
            self.screening = Screening(catalog)
        return self.screening


@dataclass(frozen=True, order=True)
class Relax:
    """One constraint of a bundle that can be dropped to see what it costs."""

    kind: str
    """``certification``, ``countries``, ``eu_jurisdiction``, ``providers`` (on a component),
    ``budget``, ``min_providers``, ``max_provider_share``, ``link`` (a colocate/apart), or
    ``unknown_evidence`` (the strict evidence policy of one fact: dropping it tolerates unknown
    evidence of that fact, ``evidence_relaxations``)."""
    component: str = ""
    value: str = ""
    """The certification id, the link index, or the fact (``certifications``, ``operators``,
    ``countries``)."""
    name: str = ""
    """How users read it: ``hds on db``, ``colocate provider web-db``, ``budget``."""


def _scope_settings(spec: BundleSpec, scope: str) -> dict[str, Any]:
    """Placement rules as written at one scope: the bundle defaults (``""``) or a component."""
    source = spec.constraints if scope == "" else spec.components[scope]
    return {
        "certifications": source.certifications,
        "countries": source.countries,
        "eu_jurisdiction": source.eu_jurisdiction,
        "operators_eu_only": source.operators_eu_only,
        "providers": source.providers,
        "exclude_providers": source.exclude_providers,
    }


def _inheriting(spec: BundleSpec, scope: str, setting: str) -> list[str]:
    """Components a rule written at ``scope`` governs (a component's own setting wins)."""
    if scope:
        return [scope]
    return [n for n in sorted(spec.components) if getattr(spec.components[n], setting) is None]


def _component_relaxations(spec: BundleSpec, scope: str) -> list[Relax]:
    settings = _scope_settings(spec, scope)
    where = "(all components)" if scope == "" else f"on {scope}"
    found = [
        Relax("certification", scope, cert, f"{cert} {where}")
        for cert in sorted(settings["certifications"])
    ]
    if settings["countries"] is not None and _inheriting(spec, scope, "countries"):
        found.append(Relax("countries", scope, "", f"countries {where}"))
    if settings["eu_jurisdiction"] and _inheriting(spec, scope, "eu_jurisdiction"):
        found.append(Relax("eu_jurisdiction", scope, "", f"eu_jurisdiction {where}"))
    if settings["operators_eu_only"] and _inheriting(spec, scope, "operators_eu_only"):
        found.append(Relax("operators_eu_only", scope, "", f"operators_eu_only {where}"))
    if settings["providers"] is not None or settings["exclude_providers"]:
        found.append(Relax("providers", scope, "", f"providers {where}"))
    return found


def relaxations(spec: BundleSpec) -> list[Relax]:
    """Every constraint the bundle sets, in a canonical order: defaults, components, policy,
    links."""
    found = _component_relaxations(spec, "")
    for name in sorted(spec.components):
        found.extend(_component_relaxations(spec, name))
    policy = spec.policy
    if policy.max_monthly_eur is not None:
        found.append(Relax("budget", name="budget"))
    if policy.min_providers > 1:
        found.append(Relax("min_providers", name="min_providers"))
    if policy.max_provider_share is not None:
        found.append(Relax("max_provider_share", name="max_provider_share"))
    for index, link in enumerate(spec.links):
        rule = link.colocate or link.apart
        if rule:
            verb = "colocate" if link.colocate else "apart"
            label = f"{verb} {rule} {link.from_}-{link.to}"
            found.append(Relax("link", "", str(index), label))
    return found


RULE_KINDS = ("certification", "countries", "eu_jurisdiction", "operators_eu_only", "providers")

EVIDENCE = "unknown_evidence"
"""The ``Relax.kind`` of a strict evidence policy (``evidence_relaxations``)."""


def evidence_relaxations(spec: BundleSpec) -> list[Relax]:
    """The facts whose unknown evidence the bundle's policy refuses (``policy.unknown_evidence``
    strict, explicitly or by default), in ``FACTS`` order: dropping one re-solves with that
    fact's unknown evidence tolerated. Kept apart from ``relaxations``: a policy is not a
    constraint the plan checks, and the what-if is never applied to a plan."""
    return [
        Relax(EVIDENCE, "", fact, f"strict unknown {fact} evidence")
        for fact in FACTS
        if not spec.policy.tolerates(fact)
    ]


def build_problem(
    spec: BundleSpec,
    catalog: Catalog,
    relax: frozenset[Relax] = frozenset(),
    cache: CandidateCache | None = None,
) -> Problem:
    """The optimisation problem of a bundle, with the given constraints dropped."""
    with without_cycle_collector():
        return _build_problem(spec, catalog, relax, cache)


def _build_problem(
    spec: BundleSpec,
    catalog: Catalog,
    relax: frozenset[Relax],
    cache: CandidateCache | None,
) -> Problem:
    cache = CandidateCache() if cache is None else cache
    screening = cache.screening_of(catalog)
    components = []
    for name in sorted(spec.components):
        dropped = frozenset(
            (item.kind, item.component, item.value)
            for item in relax
            if item.kind in RULE_KINDS or item.kind == EVIDENCE
        )
        rules = rules_for(spec, name, dropped, cache.on)
        key = (name, rules)
        if key not in cache.built:
            cache.built[key] = build_candidates(
                name, spec.components[name], rules, catalog, screening
            )
        components.append(cache.built[key])
    loose = {int(item.value) for item in relax if item.kind == "link"}
    links = tuple(
        LinkRule(
            index,
            link.from_,
            link.to,
            dec(link.gb_month),
            None if index in loose else link.colocate,
            None if index in loose else link.apart,
        )
        for index, link in enumerate(spec.links)
    )
    kinds = {item.kind for item in relax}
    policy = spec.policy
    return Problem(
        components=tuple(components),
        links=links,
        budget=None
        if "budget" in kinds or policy.max_monthly_eur is None
        else dec(policy.max_monthly_eur),
        min_providers=1 if "min_providers" in kinds else policy.min_providers,
        max_share=None
        if "max_provider_share" in kinds or policy.max_provider_share is None
        else dec(policy.max_provider_share),
    )


@dataclass(frozen=True)
class EvidenceItem:
    """The evidence one placed offer gives for one constraint."""

    component: str
    provider: str
    region: str
    sku: str
    basis: Literal["direct", "assumed"]
    """``direct``: the source establishes the fact; ``assumed``: it does not, and
    ``policy.unknown_evidence: tolerant`` accepted it."""
    fact: str
    """What the source says (``FR``, ``operator ovhcloud``, ``hds on clevercloud parhds``), or
    what is unknown."""
    url: str | None
    as_of: str | None
    valid_until: date | None = None

    @classmethod
    def of(cls, component: str, offer: Offer, verdict: Verdict) -> EvidenceItem:
        """The evidence a verdict on a placed offer gives: ``direct`` only when the verdict
        is, else ``assumed``."""
        return cls(
            component,
            offer.provider,
            offer.region,
            offer.sku,
            "direct" if verdict.outcome == "direct" else "assumed",
            unknown_fact(verdict),
            verdict.url,
            verdict.as_of,
            verdict.valid_until,
        )


@dataclass(frozen=True)
class ConstraintCheck:
    """A constraint of the bundle, what it requires and what the plan achieves."""

    name: str
    required: str
    actual: str
    ok: bool
    evidence: tuple[EvidenceItem, ...] | None = None
    """Per placed offer of the components it governs (placement rules on facts only)."""


def _eur(amount: Decimal) -> str:
    return f"{units.amount(amount)} EUR/month"


def check_constraints(
    spec: BundleSpec, catalog: Catalog, problem: Problem, solution: Solution
) -> list[ConstraintCheck]:
    """Check the chosen plan against every constraint, in Decimal (never solver floats)."""
    chosen = solution.chosen
    checks = [
        _rule_check(spec, catalog, problem, solution, relax)
        for relax in relaxations(spec)
        if relax.kind in RULE_KINDS
    ]
    total = solution.total or Decimal(0)
    spend = provider_spend(solution)
    if problem.budget is not None:
        checks.append(
            ConstraintCheck(
                "budget", f"<= {_eur(problem.budget)}", _eur(total), total <= problem.budget
            )
        )
    if problem.min_providers > 1:
        used = len([p for p in spend if any(c.provider == p for c in chosen.values())])
        checks.append(
            ConstraintCheck(
                "min_providers",
                f">= {problem.min_providers}",
                str(used),
                used >= problem.min_providers,
            )
        )
    if problem.max_share is not None:
        top, top_amount = max(spend.items(), key=lambda item: (item[1], item[0]))
        share = top_amount / total if total else Decimal(0)
        checks.append(
            ConstraintCheck(
                "max_provider_share",
                f"<= {problem.max_share * 100:.1f}%",
                f"{top} {share * 100:.1f}%",
                top_amount <= problem.max_share * total,
            )
        )
    for link in solution.links:
        rule = link.rule
        if rule.colocate or rule.apart:
            level = rule.colocate or rule.apart
            src, dst = chosen[rule.from_], chosen[rule.to]
            where_src = src.provider if level == "provider" else f"{src.provider}/{src.region}"
            where_dst = dst.provider if level == "provider" else f"{dst.provider}/{dst.region}"
            same = where_src == where_dst
            verb = "colocate" if rule.colocate else "apart"
            checks.append(
                ConstraintCheck(
                    f"{verb} {level} {rule.from_}-{rule.to}",
                    f"same {level}" if rule.colocate else f"different {level}s",
                    f"{where_src} / {where_dst}",
                    same if rule.colocate else not same,
                )
            )
    return checks


def _rule_check(
    spec: BundleSpec, catalog: Catalog, problem: Problem, solution: Solution, relax: Relax
) -> ConstraintCheck:
    """Check a placement rule on the components it governs."""
    settings = _scope_settings(spec, relax.component)
    rules = {cc.name: cc.rules for cc in problem.components}
    chosen = solution.chosen
    if relax.kind == "certification":
        names = [relax.component] if relax.component else sorted(spec.components)
        items, failing = _evidence(
            names,
            solution,
            rules,
            "certifications",
            lambda n, offer: certification_verdict(catalog, offer, relax.value, rules[n].day),
        )
        assumed = sum(1 for item in items if item.basis == "assumed")
        held_text = f"held ({assumed} assumed)" if assumed else "held"
        actual = f"missing on {', '.join(failing)}" if failing else held_text
        return ConstraintCheck(relax.name, relax.value, actual, not failing, items)
    if relax.kind == "countries":
        names = _inheriting(spec, relax.component, "countries")
        countries = set(settings["countries"])
        items, failing = _evidence(
            names, solution, rules, "countries", lambda n, o: country_verdict(catalog, o)
        )
        found = sorted({chosen[n].country or "unknown" for n in names})
        ok = not failing and all(
            chosen[n].country in countries or not chosen[n].country for n in names
        )
        return ConstraintCheck(
            relax.name, ", ".join(sorted(countries)), ", ".join(found), ok, items
        )
    if relax.kind == "operators_eu_only":
        names = _inheriting(spec, relax.component, "operators_eu_only")
        operators = []
        for n in names:
            for part in chosen[n].parts:
                region = catalog.provider(part.offer.provider).region(part.offer.region)
                operators.append(region.operator if region is not None else "unknown")
        items, failing = _evidence(
            names, solution, rules, "operators", lambda n, o: operator_verdict(catalog, o)
        )
        actual = ", ".join(sorted(set(operators)))
        if failing:
            actual += f" (not EU or unknown on {', '.join(failing)})"
        return ConstraintCheck(relax.name, "known EU operators", actual, not failing, items)
    if relax.kind == "eu_jurisdiction":
        names = _inheriting(spec, relax.component, "eu_jurisdiction")
        outside = sorted(
            {
                chosen[n].provider
                for n in names
                if not catalog.provider(chosen[n].provider).eu_jurisdiction
            }
        )
        actual = f"not EU: {', '.join(outside)}" if outside else "yes"
        held: list[EvidenceItem] = []
        for n in names:
            for offer in placed_offers(solution, n):
                facts = catalog.provider(offer.provider)
                verdict = "yes" if facts.eu_jurisdiction else "no"
                held.append(
                    EvidenceItem(
                        n,
                        offer.provider,
                        offer.region,
                        offer.sku,
                        "direct",
                        f"{facts.legal_entity} ({facts.hq_country}): EU jurisdiction {verdict}",
                        facts.source.url,
                        facts.source.as_of,
                    )
                )
        return ConstraintCheck(relax.name, "yes", actual, not outside, tuple(held))
    names = [relax.component] if relax.component else sorted(spec.components)
    wanted = ", ".join(sorted(settings["providers"])) if settings["providers"] else "any"
    if settings["exclude_providers"]:
        wanted += f" except {', '.join(sorted(settings['exclude_providers']))}"
    used = sorted({chosen[n].provider for n in names})
    ok = all(_allowed(rules[n], chosen[n].provider) for n in names)
    return ConstraintCheck(relax.name, wanted, ", ".join(used), ok)


def placed_offers(solution: Solution, name: str) -> list[Offer]:
    """The distinct offers a component's placement uses, in row order."""
    found: dict[int, Offer] = {}
    for part in solution.chosen[name].parts:
        found.setdefault(id(part.offer), part.offer)
    return list(found.values())


def _evidence(
    names: list[str],
    solution: Solution,
    rules: dict[str, Rules],
    fact: str,
    judge: Callable[[str, Offer], Verdict],
) -> tuple[tuple[EvidenceItem, ...], list[str]]:
    """The evidence of each placed offer of ``names`` for one fact, and the components whose
    placement fails it under their rules' evidence policy."""
    items = []
    failing = []
    for name in names:
        for offer in placed_offers(solution, name):
            verdict = judge(name, offer)
            if not passes(verdict, fact, rules[name]):
                failing.append(name)
            items.append(EvidenceItem.of(name, offer, verdict))
    return tuple(items), sorted(set(failing))


def _allowed(rules: Rules, provider: str) -> bool:
    allowed = rules.providers is None or provider in rules.providers
    return allowed and provider not in rules.exclude_providers


def provider_spend(solution: Solution) -> dict[str, Decimal]:
    """Monthly spend per provider: its placements plus the egress of links leaving it."""
    spend: dict[str, Decimal] = {}
    for cand in solution.chosen.values():
        spend[cand.provider] = spend.get(cand.provider, Decimal(0)) + cand.monthly
    for link in solution.links:
        spend[link.from_provider] = spend.get(link.from_provider, Decimal(0)) + link.monthly
    return spend
