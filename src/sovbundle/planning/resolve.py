"""Resolve a bundle into a Plan: candidates -> optimum -> checked, explained, exportable plan.

Pure: the caller passes the loaded bundle, the catalogs, ``now`` and (optionally) a clock.
Raises ``InfeasibleError`` (exit 4) with a diagnosis when no plan exists.

Every plan passes its independent certificate (``sovbundle.planning.certify``) before it is
returned: a plan that fails it is re-solved cold (straight to HiGHS, no starting solution) and
says so in its warnings; one that fails again raises ``PlannerBugError`` (exit 1), so a wrong
plan is never printed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sovbundle._version import __version__
from sovbundle.catalog.pricing import PricedCatalog, apply_price_book, list_unit_price
from sovbundle.catalog.query import Catalog, price_evidence_of, staleness_warnings
from sovbundle.errors import CatalogError, InfeasibleError, PlannerBugError
from sovbundle.models import EvidenceClass, Offer, evidence_date
from sovbundle.money import money, unit_price
from sovbundle.plan import (
    BundleRef,
    CatalogRef,
    ConstraintCostRow,
    ConstraintEvidence,
    ConstraintRow,
    Coverage,
    CoverageRow,
    EvidenceCostRow,
    EvidenceRef,
    EvidenceRow,
    ExitMoveRow,
    ExitReportInfo,
    ExplainInfo,
    LinkRow,
    ModelSize,
    PlacementRow,
    Plan,
    PriceBookRef,
    PricingInfo,
    ProviderExitRow,
    RunInfo,
    RunnerUpRow,
    SingleProviderRow,
    SolverInfo,
    SourceRef,
    with_body_sha256,
)
from sovbundle.planning.certify import certify
from sovbundle.planning.exit import ExitReport, exit_report
from sovbundle.planning.explain import Explanation, diagnose, explain
from sovbundle.planning.formulate import (
    CandidateCache,
    ConstraintCheck,
    EvidenceItem,
    build_problem,
    check_constraints,
    provider_spend,
)
from sovbundle.planning.problem import Problem, Solution
from sovbundle.planning.solve import solve
from sovbundle.spec.loader import LoadedBundle
from sovbundle.spec.model import BundleSpec
from sovbundle.spec.pricebook import LoadedPriceBook

__all__ = ["normalised_spec", "plan_bundle"]


def _class_of(offer: Offer) -> EvidenceClass | None:
    evidence = price_evidence_of(offer)
    return evidence.class_ if evidence is not None else None


def plan_bundle(
    bundle: LoadedBundle,
    catalog: Catalog,
    now: datetime,
    *,
    with_explain: bool = False,
    with_exit_report: bool = False,
    prices: LoadedPriceBook | None = None,
    clock: Callable[[], float] | None = None,
    time_limit: float | None = None,
) -> Plan:
    """The cheapest plan of a bundle, proven optimal (or ``feasible`` when ``time_limit``
    seconds of solving did not prove it), certified; InfeasibleError when there is none.

    With ``prices``, the catalog is first overlaid with the price book: the plan is optimised
    on the prices paid and shows list prices next to them."""
    spec = bundle.spec
    if not catalog.providers:
        raise CatalogError(
            "catalog", "no provider catalog found: the packaged snapshot is missing or empty"
        )
    priced = apply_price_book(catalog, prices) if prices is not None else None
    if priced is not None:
        catalog = priced.catalog
    # One cache for the plan and its re-solves: they screen the catalog once.
    cache = CandidateCache(on=now.date())
    problem = build_problem(spec, catalog, cache=cache)
    solution = solve(problem, clock=clock, time_limit=time_limit)
    if solution.total is None:
        raise InfeasibleError(
            f"no plan of bundle {spec.name!r} satisfies every constraint",
            diagnose(spec, catalog, problem, cache),
        )
    explanation = explain(spec, catalog, problem, solution, cache) if with_explain else None
    # The exit re-solves forbid candidates of the problem already built: no new screening.
    exits = exit_report(problem, solution) if with_exit_report else None
    exit_info = _exit_info(exits, catalog, solution) if exits is not None else None
    plan = _plan(bundle, catalog, problem, solution, now, explanation, priced, exit_info)
    problems = certify(spec, catalog, plan, now.date())
    if not problems:
        return plan
    cold = solve(problem, clock=clock, time_limit=time_limit, search_nodes=0, warm_start=False)
    if cold.total is None:
        raise PlannerBugError(
            f"the plan failed its certificate ({problems[0]}) and the cold re-solve found none"
        )
    explanation = explain(spec, catalog, problem, cold, cache) if with_explain else None
    exits = exit_report(problem, cold) if with_exit_report else None
    exit_info = _exit_info(exits, catalog, cold) if exits is not None else None
    note = (
        f"the first solve's plan failed its certificate ({problems[0]}); this plan was "
        "re-solved cold and passes it (please report this bug)"
    )
    plan = _plan(bundle, catalog, problem, cold, now, explanation, priced, exit_info, (note,))
    again = certify(spec, catalog, plan, now.date())
    if again:
        raise PlannerBugError(
            "the plan fails its certificate, even re-solved cold: " + "; ".join(again[:3])
        )
    return plan


def _not_proven(solution: Solution) -> str:
    """Why a ``feasible`` plan is not proven optimal, and how far from proven it is."""
    assert solution.total is not None
    stopped = solution.stopped_by or "time limit"
    why = f"the solver stopped at its {stopped}"
    if stopped == "time limit":
        why += f" of {solution.time_limit:g} s"
    if solution.bound is None or solution.gap is None:
        far = "it has no lower bound on the cost yet, so the gap is unknown"
    else:
        far = (
            f"no plan costs less than {solution.bound:.2f} EUR/month, so this one is at most "
            f"{solution.total - solution.bound:.2f} EUR/month above the optimum (gap "
            f"{solution.gap * 100:.2f}% of its cost)"
        )
    return (
        f"not proven optimal: {why} with this plan at {solution.total:.2f} EUR/month; {far} "
        "(plan --time-limit SECONDS allows more time)"
    )


def _exit_info(report: ExitReport, catalog: Catalog, solution: Solution) -> ExitReportInfo:
    rows = []
    for item in report.providers:
        facts = catalog.provider(item.provider)
        rows.append(
            ProviderExitRow(
                provider=item.provider,
                name=facts.name,
                legal_entity=facts.legal_entity,
                hq_country=facts.hq_country,
                components=item.components,
                functions=tuple(sorted({solution.chosen[n].kind for n in item.components})),
                monthly=item.monthly,
                share=item.share,
                substitutable=item.feasible,
                substitute_total_monthly=item.substitute_total,
                exit_extra_monthly=item.extra_monthly,
                moves=tuple(ExitMoveRow(component=c, from_=a, to=b) for c, a, b in item.moves),
                reason=item.reason,
            )
        )
    return ExitReportInfo(
        providers=tuple(rows),
        single_provider_components=tuple(
            SingleProviderRow(component=c, provider=p) for c, p in report.single_provider
        ),
    )


def _iso(now: datetime) -> str:
    return now.isoformat(timespec="seconds").replace("+00:00", "Z")


def _rows(solution: Solution, priced: PricedCatalog | None) -> list[PlacementRow]:
    rows = []
    for name in sorted(solution.chosen):
        cand = solution.chosen[name]
        for part in cand.parts:
            offer = part.offer
            listing: dict[str, object] = {}
            if priced is not None:
                listed, channel = priced.lookup(offer)
                unit = list_unit_price(part.role, listed) if listed is not None else None
                listing = {
                    "list_unit_price": None if unit is None else unit_price(unit),
                    "list_monthly": None if unit is None else money(part.quantity * unit),
                    "channel": channel,
                }
            rows.append(
                PlacementRow(
                    component=name,
                    kind=cand.kind,
                    part=part.role,
                    provider=offer.provider,
                    region=offer.region,
                    country=cand.country,
                    sku=offer.sku,
                    quantity=part.quantity,
                    unit_price=unit_price(part.unit_price),
                    price_unit=part.price_unit,
                    monthly=part.monthly,
                    certifications=tuple(sorted(offer.certifications)),
                    source=SourceRef(
                        kind=offer.source.kind, url=offer.source.url, as_of=offer.source.as_of
                    ),
                    **listing,
                    offer_status=offer.status.value,
                    evidence=_evidence_ref(offer),
                )
            )
    return rows


def _pricing(
    priced: PricedCatalog, rows: list[PlacementRow], links: Decimal, paid: Decimal
) -> PricingInfo:
    book = priced.book.book
    listed = [row.list_monthly for row in rows]
    return PricingInfo(
        book=PriceBookRef(
            name=book.name,
            path=str(priced.book.path),
            sha256=priced.book.sha256,
            channel=book.channel,
            valid_from=book.valid_from.isoformat() if book.valid_from else None,
            valid_until=book.valid_until.isoformat(),
        ),
        paid_total_monthly=paid,
        list_total_monthly=None
        if any(item is None for item in listed)
        else sum((item for item in listed if item is not None), links),
    )


def normalised_spec(spec: BundleSpec) -> dict[str, Any]:
    """The spec as the plan records it: every default filled in, components in name order with
    their ``kind`` first, lists as lists (``bundle.spec``)."""
    data = spec.model_dump(mode="json", by_alias=True)
    components = data["components"]
    data["components"] = {
        name: {"kind": components[name]["kind"], **components[name]} for name in sorted(components)
    }
    return data


def _evidence_ref(offer: Offer) -> EvidenceRef:
    evidence = price_evidence_of(offer)
    assert evidence is not None  # the planner places priced offers only
    return EvidenceRef(class_=evidence.class_.value, source=evidence.source, as_of=evidence.as_of)


def _coverage(rows: list[PlacementRow]) -> Coverage:
    """Placement rows per evidence class, best class first, with the dates of their sources."""
    found = []
    for cls in EvidenceClass:
        mine = [e for row in rows if (e := row.evidence) is not None and e.class_ == cls.value]
        if not mine:
            continue
        dated = sorted(e.as_of for e in mine if e.as_of is not None)
        found.append(
            CoverageRow(
                class_=cls.value,
                placements=len(mine),
                oldest=min(dated, key=evidence_date) if dated else None,
                newest=max(dated, key=evidence_date) if dated else None,
                undated=len(mine) - len(dated),
            )
        )
    return Coverage(placements=len(rows), by_evidence=tuple(found))


def _evidence_row(item: EvidenceItem) -> EvidenceRow:
    return EvidenceRow(
        component=item.component,
        provider=item.provider,
        region=item.region,
        sku=item.sku,
        basis=item.basis,
        fact=item.fact,
        source=item.url,
        as_of=item.as_of,
        valid_until=item.valid_until.isoformat() if item.valid_until else None,
    )


def _constraint_evidence(check: ConstraintCheck) -> ConstraintEvidence | None:
    if check.evidence is None:
        return None
    rows = tuple(_evidence_row(item) for item in check.evidence)
    direct = sum(1 for row in rows if row.basis == "direct")
    return ConstraintEvidence(
        placements=len(rows), direct=direct, assumed=len(rows) - direct, rows=rows
    )


def _assumption_warnings(checks: list[ConstraintCheck]) -> set[str]:
    """One warning per placed offer and unknown fact the evidence policy accepted."""
    found = set()
    for check in checks:
        for item in check.evidence or ():
            if item.basis == "assumed":
                source = f" ({item.url}, {item.as_of})" if item.url else ""
                found.add(
                    f"{item.component}: {item.provider}/{item.region}/{item.sku} is placed on an "
                    f"assumption: {item.fact}{source}; accepted by policy.unknown_evidence: "
                    "tolerant"
                )
    return found


def _explain_info(explanation: Explanation) -> ExplainInfo:
    return ExplainInfo(
        runner_ups=tuple(
            RunnerUpRow(
                component=r.component,
                provider=r.candidate.provider if r.candidate else None,
                region=r.candidate.region if r.candidate else None,
                sku=r.candidate.sku if r.candidate else None,
                delta_monthly=r.delta,
            )
            for r in explanation.runner_ups
        ),
        constraint_costs=tuple(
            ConstraintCostRow(name=c.name, delta_monthly=c.delta)
            for c in explanation.constraint_costs
        ),
        unknown_evidence=tuple(
            EvidenceCostRow(
                fact=e.fact,
                delta_monthly=e.delta,
                tolerant_total_monthly=e.tolerant_total,
                admitted_offers=e.admitted,
                assumptions=tuple(_evidence_row(item) for item in e.assumptions),
            )
            for e in explanation.evidence_costs
        ),
    )


def _plan(
    bundle: LoadedBundle,
    catalog: Catalog,
    problem: Problem,
    solution: Solution,
    now: datetime,
    explanation: Explanation | None,
    priced: PricedCatalog | None = None,
    exit_info: ExitReportInfo | None = None,
    notes: tuple[str, ...] = (),
) -> Plan:
    assert solution.total is not None
    spend = provider_spend(solution)
    order = catalog.provider_ids()
    by_provider = {pid: spend[pid] for pid in order if pid in spend}
    # About the run, not the inputs (``run.warnings``): old data where the plan spends (the age
    # is measured at ``now``), and what happened while loading (an untrusted cache, a failed
    # refresh, a provider without data).
    placed = [part.offer for cand in solution.chosen.values() for part in cand.parts]
    run_warnings = set(staleness_warnings(catalog, now, providers=by_provider, offers=placed))
    run_warnings.update(catalog.warnings)
    warnings: set[str] = set(notes)
    for cand in solution.chosen.values():
        warnings.update(cand.warnings)
    weak = sorted(
        name
        for name, cand in solution.chosen.items()
        if any(_class_of(part.offer) is EvidenceClass.THIRD_PARTY for part in cand.parts)
    )
    if weak:
        warnings.add(
            "prices from third-party data, not from the provider (each placement names its "
            f"source and date; see the coverage line): {', '.join(weak)}"
        )
    documented = sorted(
        name
        for name, cand in solution.chosen.items()
        if name not in weak
        and any(_class_of(part.offer) is EvidenceClass.PROVIDER_DOC for part in cand.parts)
    )
    if documented:
        warnings.add(
            "prices from provider documentation, not from a provider API (each placement "
            f"names its source and date): {', '.join(documented)}"
        )
    for link in solution.links:
        if link.price_unknown:
            warnings.add(
                f"link {link.rule.from_}->{link.rule.to}: egress price of {link.source} "
                "unknown, counted as 0"
            )
    if solution.status == "feasible":
        # How far from proven depends on the machine's speed: about the run, not the plan.
        run_warnings.add(_not_proven(solution))
    if not solution.tie_break_complete:
        warnings.add(
            "tie-break: equal-cost plans were ordered by their sum of canonical ranks, but the "
            "name-order pass stopped early (too many equal plans to order exactly)"
        )
    checks = check_constraints(bundle.spec, catalog, problem, solution)
    warnings.update(_assumption_warnings(checks))
    rows = _rows(solution, priced)
    total = sum(by_provider.values(), Decimal("0.00"))
    egress = sum((link.monthly for link in solution.links), Decimal("0.00"))
    if priced is not None:
        used = sorted({row.channel for row in rows if row.channel and row.channel != "list"})
        if not used:
            warnings.add(
                f"price book {priced.book.book.name}: no rule matched a placement of the plan"
            )
    plan = Plan(
        sovbundle_version=__version__,
        generated_at=_iso(now),
        bundle=BundleRef(
            name=bundle.spec.name,
            path=str(bundle.path),
            sha256=bundle.sha256,
            spec=normalised_spec(bundle.spec),
        ),
        catalogs=tuple(
            CatalogRef(
                provider=pid,
                source=catalog.providers[pid].origin,
                fetched_at=catalog.providers[pid].data.fetched_at,
                sha256=catalog.providers[pid].sha256,
            )
            for pid in order
        ),
        status="optimal" if solution.status == "optimal" else "feasible",
        total_monthly=total,
        by_provider=by_provider,
        placements=tuple(rows),
        coverage=_coverage(rows),
        links=tuple(
            LinkRow(
                from_=link.rule.from_,
                to=link.rule.to,
                cross_provider=link.cross_provider,
                gb_month=link.rule.gb_month,
                monthly=link.monthly,
            )
            for link in solution.links
        ),
        constraints=tuple(
            ConstraintRow(
                name=c.name,
                required=c.required,
                actual=c.actual,
                ok=c.ok,
                evidence=_constraint_evidence(c),
            )
            for c in checks
        ),
        solver=SolverInfo(
            name=solution.method,
            status=solution.status,
            objective=solution.objective,
            gap=solution.gap,
            candidates=solution.candidates,
            pruned=solution.pruned,
            model=ModelSize(
                variables=solution.variables,
                constraints=solution.constraints,
                nonzeros=solution.nonzeros,
            ),
        ),
        warnings=tuple(sorted(warnings)),
        explain=_explain_info(explanation) if explanation else None,
        pricing=_pricing(priced, rows, egress, total) if priced is not None else None,
        exit_report=exit_info,
        run=RunInfo(time_ms=solution.time_ms, warnings=tuple(sorted(run_warnings))),
    )
    return with_body_sha256(plan)
