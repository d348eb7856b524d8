"""Resolve a bundle into a Plan: candidates -> optimum -> checked, explained, exportable plan.

Pure: the caller passes the loaded bundle, the catalogs, ``now`` and (optionally) a clock.
Raises ``InfeasibleError`` (exit 4) with a diagnosis when no plan exists.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sovbundle._version import __version__
from sovbundle.catalog.pricing import PricedCatalog, apply_price_book, list_unit_price
from sovbundle.catalog.query import Catalog, price_evidence_of, staleness_warnings
from sovbundle.errors import CatalogError, InfeasibleError
from sovbundle.models import EvidenceClass, Offer, evidence_date
from sovbundle.money import money, unit_price
from sovbundle.plan import (
    BundleRef,
    CatalogRef,
    ConstraintCostRow,
    ConstraintRow,
    Coverage,
    CoverageRow,
    EvidenceRef,
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
from sovbundle.planning.exit import ExitReport, exit_report
from sovbundle.planning.explain import Explanation, diagnose, explain
from sovbundle.planning.formulate import (
    CandidateCache,
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
) -> Plan:
    """The cheapest plan of a bundle, proven optimal; InfeasibleError when there is none.

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
    cache = CandidateCache()
    problem = build_problem(spec, catalog, cache=cache)
    solution = solve(problem, clock=clock)
    if solution.total is None:
        raise InfeasibleError(
            f"no plan of bundle {spec.name!r} satisfies every constraint",
            diagnose(spec, catalog, problem, cache),
        )
    explanation = explain(spec, catalog, problem, solution, cache) if with_explain else None
    # The exit re-solves forbid candidates of the problem already built: no new screening.
    exits = exit_report(problem, solution) if with_exit_report else None
    exit_info = _exit_info(exits, catalog, solution) if exits is not None else None
    return _plan(bundle, catalog, problem, solution, now, explanation, priced, exit_info)


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
    warnings: set[str] = set()
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
    if not solution.tie_break_complete:
        warnings.add(
            "tie-break: equal-cost plans were ordered by their sum of canonical ranks, but the "
            "name-order pass stopped early (too many equal plans to order exactly)"
        )
    checks = check_constraints(bundle.spec, catalog, problem, solution)
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
            ConstraintRow(name=c.name, required=c.required, actual=c.actual, ok=c.ok)
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
