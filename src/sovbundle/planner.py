"""From a bundle spec and a catalog to an optimisation problem, and back to checked constraints.

Pure. ``Relax`` names one constraint of the bundle that ``--explain`` and the infeasibility
diagnosis may drop; ``build_problem`` applies a set of them, reusing the candidates of
components they do not touch (``CandidateCache``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from sovbundle.candidates import ComponentCandidates, Rules, build_candidates, dec, rules_for
from sovbundle.catalog import Catalog
from sovbundle.solver import LinkRule, Problem, Solution
from sovbundle.spec import BundleSpec

__all__ = [
    "CandidateCache",
    "ConstraintCheck",
    "Relax",
    "build_problem",
    "check_constraints",
    "relaxations",
]

CandidateCache = dict[tuple[str, Rules], ComponentCandidates]
"""Candidates already built, by component and rules (a local cache, owned by the caller)."""


@dataclass(frozen=True, order=True)
class Relax:
    """One constraint of a bundle that can be dropped to see what it costs."""

    kind: str
    """``certification``, ``countries``, ``eu_jurisdiction``, ``providers`` (on a component),
    ``budget``, ``min_providers``, ``max_provider_share``, or ``link`` (a colocate/apart)."""
    component: str = ""
    value: str = ""
    """The certification id, or the link index."""
    name: str = ""
    """How users read it: ``hds on db``, ``colocate provider web-db``, ``budget``."""


def relaxations(spec: BundleSpec) -> list[Relax]:
    """Every constraint the bundle sets, in a canonical order (components by name first)."""
    found: list[Relax] = []
    for name in sorted(spec.components):
        rules = rules_for(spec, name)
        for cert in sorted(rules.certifications):
            found.append(Relax("certification", name, cert, f"{cert} on {name}"))
        if rules.countries is not None:
            found.append(Relax("countries", name, "", f"countries on {name}"))
        if rules.eu_jurisdiction:
            found.append(Relax("eu_jurisdiction", name, "", f"eu_jurisdiction on {name}"))
        if rules.providers is not None or rules.exclude_providers:
            found.append(Relax("providers", name, "", f"providers on {name}"))
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


def _relaxed_rules(rules: Rules, name: str, relax: frozenset[Relax]) -> Rules:
    for item in sorted(relax):
        if item.component != name:
            continue
        if item.kind == "certification":
            rules = replace(rules, certifications=rules.certifications - {item.value})
        elif item.kind == "countries":
            rules = replace(rules, countries=None)
        elif item.kind == "eu_jurisdiction":
            rules = replace(rules, eu_jurisdiction=False)
        elif item.kind == "providers":
            rules = replace(rules, providers=None, exclude_providers=frozenset())
    return rules


def build_problem(
    spec: BundleSpec,
    catalog: Catalog,
    relax: frozenset[Relax] = frozenset(),
    cache: CandidateCache | None = None,
) -> Problem:
    """The optimisation problem of a bundle, with the given constraints dropped."""
    cache = {} if cache is None else cache
    components = []
    for name in sorted(spec.components):
        rules = _relaxed_rules(rules_for(spec, name), name, relax)
        key = (name, rules)
        if key not in cache:
            cache[key] = build_candidates(name, spec.components[name], rules, catalog)
        components.append(cache[key])
    dropped = {int(item.value) for item in relax if item.kind == "link"}
    links = tuple(
        LinkRule(
            index,
            link.from_,
            link.to,
            dec(link.gb_month),
            None if index in dropped else link.colocate,
            None if index in dropped else link.apart,
        )
        for index, link in enumerate(spec.links)
    )
    kinds = {item.kind for item in relax}
    policy = spec.policy
    egress = {
        pid: (loaded.provider.egress.price_per_gb if loaded.provider.egress else None)
        for pid, loaded in catalog.providers.items()
    }
    return Problem(
        components=tuple(components),
        links=links,
        egress_price=egress,
        budget=None
        if "budget" in kinds or policy.max_monthly_eur is None
        else dec(policy.max_monthly_eur),
        min_providers=1 if "min_providers" in kinds else policy.min_providers,
        max_share=None
        if "max_provider_share" in kinds or policy.max_provider_share is None
        else dec(policy.max_provider_share),
    )


@dataclass(frozen=True)
class ConstraintCheck:
    """A constraint of the bundle, what it requires and what the plan achieves."""

    name: str
    required: str
    actual: str
    ok: bool


def _eur(amount: Decimal) -> str:
    return f"{amount:.2f} EUR/month"


def check_constraints(
    spec: BundleSpec, catalog: Catalog, problem: Problem, solution: Solution
) -> list[ConstraintCheck]:
    """Check the chosen plan against every constraint, in Decimal (never solver floats)."""
    checks: list[ConstraintCheck] = []
    chosen = solution.chosen
    for cc in problem.components:
        cand, rules = chosen[cc.name], cc.rules
        offers = [part.offer for part in cand.parts]
        held = set.intersection(*(set(offer.certifications) for offer in offers))
        provider = catalog.provider(cand.provider)
        if rules.certifications:
            checks.append(
                ConstraintCheck(
                    f"{cc.name}: certifications",
                    ", ".join(sorted(rules.certifications)),
                    ", ".join(sorted(held)) or "none",
                    rules.certifications <= held,
                )
            )
        if rules.countries is not None:
            checks.append(
                ConstraintCheck(
                    f"{cc.name}: countries",
                    ", ".join(sorted(rules.countries)),
                    cand.country,
                    cand.country in rules.countries,
                )
            )
        if rules.eu_jurisdiction:
            eu = provider.eu_jurisdiction
            checks.append(
                ConstraintCheck(
                    f"{cc.name}: eu_jurisdiction", "yes", "yes" if eu else "no", eu is True
                )
            )
        if rules.providers is not None or rules.exclude_providers:
            allowed = (rules.providers is None or cand.provider in rules.providers) and (
                cand.provider not in rules.exclude_providers
            )
            wanted = ", ".join(sorted(rules.providers)) if rules.providers else "any"
            if rules.exclude_providers:
                wanted += f" except {', '.join(sorted(rules.exclude_providers))}"
            checks.append(ConstraintCheck(f"{cc.name}: providers", wanted, cand.provider, allowed))
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


def provider_spend(solution: Solution) -> dict[str, Decimal]:
    """Monthly spend per provider: its placements plus the egress of links leaving it."""
    spend: dict[str, Decimal] = {}
    for cand in solution.chosen.values():
        spend[cand.provider] = spend.get(cand.provider, Decimal(0)) + cand.monthly
    for link in solution.links:
        spend[link.from_provider] = spend.get(link.from_provider, Decimal(0)) + link.monthly
    return spend
