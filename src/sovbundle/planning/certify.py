"""The independent certificate of a plan: recomputed from the catalog, before it is printed.

Pure. It reads the bundle spec, the catalog and the finished ``Plan`` (what would be printed),
and deliberately shares no code with the planner: it imports neither the candidates, the
filters, the planner, nor the solver or its model. From the placements alone it

* finds each placement's offer in the catalog (by provider, kind, region and SKU) and checks
  the row against it: country, certifications, unit price, quantity from the component's
  spec, and ``monthly`` = quantity x unit price rounded to the cent;
* re-applies every placement filter of SPEC §4-5 in its own words: kind, specs (minimums,
  arch, engine, runtime, GPU, storage class, high availability, node count), the merged
  countries / providers / exclude_providers / certifications / eu_jurisdiction /
  operators_eu_only rules under ``policy.unknown_evidence`` (a certification holds when a
  qualified, confirmed claim covers the offer on the plan date; an unconfirmed one only when
  tolerant; in progress never), a known price, price evidence no weaker than
  ``policy.min_price_evidence``, and no deprecated offer unless ``policy.allow_deprecated``;
* recomputes each link (crossing providers or not, ``gb_month`` x the egress price of the
  ``from`` side) and checks colocate / apart;
* recomputes the total and the spend per provider, and checks the budget, ``min_providers``
  and ``max_provider_share`` on them, exactly in Decimal;
* requires the solver's own objective to equal that total to the cent.

``certify`` returns the problems found (empty: the plan holds). ``resolve.plan_bundle``
re-solves cold on any problem and refuses to print a plan that fails twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from sovbundle.catalog.query import Catalog
from sovbundle.models import (
    AppSpecs,
    DatabaseSpecs,
    KubernetesSpecs,
    ObjectStorageSpecs,
    Offer,
    OfferStatus,
    PriceQuality,
    Provider,
    VmSpecs,
)
from sovbundle.plan import PlacementRow, Plan
from sovbundle.spec.model import (
    AppComponent,
    BundleSpec,
    Component,
    DatabaseComponent,
    KubernetesComponent,
    ObjectStorageComponent,
    VmComponent,
)

__all__ = ["certify"]

_CENT = Decimal("0.01")

_PARTS = {
    "vm": ("instance",),
    "app": ("instance",),
    "database": ("instance", "extra_storage"),
    "object_storage": ("storage", "egress"),
    "kubernetes": ("control_plane", "nodes"),
}
"""The rows each kind may give, in order; the first is always present."""


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(_CENT, rounding=ROUND_HALF_EVEN)


def _number(value: float | int) -> Decimal:
    """A spec number as written (``0.6`` is 0.6, not the float's binary expansion)."""
    return Decimal(str(value))


@dataclass(frozen=True)
class _Rules:
    countries: frozenset[str] | None
    providers: frozenset[str] | None
    excluded: frozenset[str]
    certifications: frozenset[str]
    eu_only: bool
    operators_eu: bool
    lenient: frozenset[str]
    """Facts ``policy.unknown_evidence`` lets pass unknown."""


def _rules(spec: BundleSpec, name: str) -> _Rules:
    """SPEC §4: a component's countries, providers, eu_jurisdiction and operators_eu_only
    replace the bundle's; its exclude_providers and certifications add to them."""
    base, comp = spec.constraints, spec.components[name]
    countries = comp.countries if comp.countries is not None else base.countries
    providers = comp.providers if comp.providers is not None else base.providers
    eu_only = comp.eu_jurisdiction if comp.eu_jurisdiction is not None else base.eu_jurisdiction
    operators = (
        comp.operators_eu_only if comp.operators_eu_only is not None else base.operators_eu_only
    )
    rule = spec.policy.unknown_evidence
    lenient = frozenset(
        fact
        for fact in ("certifications", "operators", "countries")
        if (rule if isinstance(rule, str) else getattr(rule, fact)) == "tolerant"
    )
    return _Rules(
        None if countries is None else frozenset(countries),
        None if providers is None else frozenset(providers),
        frozenset((*base.exclude_providers, *comp.exclude_providers)),
        frozenset((*base.certifications, *comp.certifications)),
        eu_only,
        operators,
        lenient,
    )


def _standing(provider: Provider, offer: Offer, cert: str, on: date) -> str:
    """``held``, ``unconfirmed`` or why ``cert`` does not hold for the offer on ``on``, read
    from the provider's claims in this module's own words (SPEC: evidence policy)."""
    expired = ""
    unconfirmed = False
    progressing = False
    for claim in provider.certifications:
        if claim.id != cert:
            continue
        if claim.regions is not None and offer.region not in claim.regions:
            continue
        if claim.kinds is not None and offer.kind not in claim.kinds:
            continue
        if claim.status == "in_progress":
            progressing = True
            continue
        if claim.status != "qualified":
            continue
        if claim.valid_until is not None and on > claim.valid_until:
            expired = f"expired on {claim.valid_until}"
            continue
        if claim.valid_from is not None and on < claim.valid_from:
            expired = f"not valid before {claim.valid_from}"
            continue
        if claim.confirmed:
            return "held"
        unconfirmed = True
    if expired:
        return expired
    if cert in offer.certifications:
        return "held"
    if unconfirmed:
        return "unconfirmed"
    return "in progress, not held" if progressing else "not held"


def _short(label: str, have: Decimal | int | None, need: float | int | None) -> Iterator[str]:
    if need is not None and (have is None or Decimal(have) < _number(need)):
        yield f"{label} {have} below the {need:g} required"


def _spec_problems(offer: Offer, comp: Component) -> Iterator[str]:
    """Why the offer's specs cannot host the component (nothing when they can)."""
    specs = offer.specs
    if isinstance(comp, VmComponent) and isinstance(specs, VmSpecs):
        if comp.arch is not None and specs.arch != comp.arch:
            yield f"arch {specs.arch}, not {comp.arch}"
        if comp.dedicated is not None and specs.dedicated != comp.dedicated:
            yield "dedicated" if specs.dedicated else "shared"
        if (
            comp.gpu_model is not None
            and comp.gpu_model.lower() not in (specs.gpu_model or "").lower()
        ):
            yield f"GPU {specs.gpu_model}, not {comp.gpu_model}"
        yield from _short("vCPUs", specs.vcpus, comp.vcpus)
        yield from _short("memory GB", specs.memory_gb, comp.memory_gb)
        yield from _short("disk GB", specs.disk_gb, comp.disk_gb)
        yield from _short("GPUs", specs.gpus, comp.gpus or None)
        yield from _short("GPU memory GB", specs.gpu_memory_gb, comp.gpu_memory_gb)
    elif isinstance(comp, AppComponent) and isinstance(specs, AppSpecs):
        if comp.runtime not in specs.runtimes:
            yield f"no {comp.runtime} runtime"
        yield from _short("vCPUs", specs.vcpus, comp.vcpus)
        yield from _short("memory GB", specs.memory_gb, comp.memory_gb)
    elif isinstance(comp, DatabaseComponent) and isinstance(specs, DatabaseSpecs):
        if specs.engine.lower() != comp.engine:
            yield f"engine {specs.engine}, not {comp.engine}"
        if comp.high_availability and not specs.high_availability:
            yield "not highly available"
        yield from _short("vCPUs", specs.vcpus, comp.vcpus)
        yield from _short("memory GB", specs.memory_gb, comp.memory_gb)
    elif isinstance(comp, ObjectStorageComponent) and isinstance(specs, ObjectStorageSpecs):
        if specs.storage_class != comp.storage_class:
            yield f"storage class {specs.storage_class}, not {comp.storage_class}"
    elif isinstance(comp, KubernetesComponent) and isinstance(specs, KubernetesSpecs):
        if comp.high_availability and not specs.high_availability:
            yield "control plane not highly available"
        if specs.max_nodes is not None and comp.nodes > specs.max_nodes:
            yield f"at most {specs.max_nodes} nodes, {comp.nodes} required"
    else:
        yield f"an offer of kind {offer.kind} cannot host a {comp.kind}"


def _node_problems(offer: Offer, comp: KubernetesComponent) -> Iterator[str]:
    """Worker nodes are shared VMs without GPUs that meet the node specs."""
    specs = offer.specs
    if not isinstance(specs, VmSpecs):
        yield f"worker nodes on an offer of kind {offer.kind}"
        return
    if specs.dedicated or specs.gpus:
        yield "worker nodes on a dedicated or GPU machine"
    if comp.arch is not None and specs.arch != comp.arch:
        yield f"worker arch {specs.arch}, not {comp.arch}"
    yield from _short("worker vCPUs", specs.vcpus, comp.vcpus)
    yield from _short("worker memory GB", specs.memory_gb, comp.memory_gb)


class _Checker:
    def __init__(self, spec: BundleSpec, catalog: Catalog, plan: Plan, on: date) -> None:
        self.spec = spec
        self.catalog = catalog
        self.plan = plan
        self.on = on
        self.problems: list[str] = []
        self.offers: dict[tuple[str, str, str, str], Offer] = {}
        wanted: dict[str, set[tuple[str, str]]] = {}
        for row in plan.placements:
            wanted.setdefault(row.provider, set()).add((row.sku, row.region))
        skus = {sku for placed in wanted.values() for sku, _ in placed}
        for pid, placed in wanted.items():
            loaded = catalog.providers.get(pid)
            for offer in loaded.data.offers if loaded is not None else ():
                # A set lookup on the SKU alone first: most offers are not placed at all.
                if offer.sku in skus and (offer.sku, offer.region) in placed:
                    self.offers[(pid, offer.kind, offer.region, offer.sku)] = offer

    def fail(self, message: str) -> None:
        self.problems.append(message)

    # -- placements -------------------------------------------------------------------

    def placements(self) -> dict[str, list[PlacementRow]]:
        rows: dict[str, list[PlacementRow]] = {}
        for row in self.plan.placements:
            rows.setdefault(row.component, []).append(row)
        for name in sorted(set(rows) - set(self.spec.components)):
            self.fail(f"placement of {name}, which the bundle does not have")
        for name in sorted(self.spec.components):
            comp = self.spec.components[name]
            mine = rows.get(name, [])
            parts = [row.part for row in mine]
            allowed = _PARTS[comp.kind]
            if not mine or parts[0] != allowed[0] or len(set(parts)) != len(parts):
                self.fail(f"{name}: placement rows {parts} do not place a {comp.kind}")
                continue
            if any(part not in allowed for part in parts):
                self.fail(f"{name}: placement rows {parts} do not place a {comp.kind}")
                continue
            for row in mine:
                self.row(name, comp, row, mine[0])
        return rows

    def row(self, name: str, comp: Component, row: PlacementRow, head: PlacementRow) -> None:
        where = f"{name}: {row.provider}/{row.region}/{row.sku}"
        if row.kind != comp.kind:
            self.fail(f"{where}: kind {row.kind}, the component is a {comp.kind}")
        if (row.provider, row.region) != (head.provider, head.region):
            self.fail(f"{where}: not in the region of the component's {head.part} row")
        offer_kind = "vm" if row.part == "nodes" else comp.kind
        offer = self.offers.get((row.provider, offer_kind, row.region, row.sku))
        if offer is None:
            self.fail(f"{where}: no such {offer_kind} offer in the catalog")
            return
        self.offer_rules(where, name, offer)
        if row.part == head.part:
            for problem in _spec_problems(offer, comp):
                self.fail(f"{where}: {problem}")
        elif row.part == "nodes":
            assert isinstance(comp, KubernetesComponent)
            for problem in _node_problems(offer, comp):
                self.fail(f"{where}: {problem}")
        region = self.catalog.providers[offer.provider].provider.region(offer.region)
        known = region.country if region is not None else ""  # "": no known country
        if row.country != known:
            self.fail(f"{where}: country {row.country}, the region's is {known or 'unknown'}")
        if tuple(sorted(row.certifications)) != tuple(sorted(offer.certifications)):
            self.fail(f"{where}: certifications {list(row.certifications)} are not the offer's")
        expected = self.priced(comp, row.part, offer)
        if expected is None:
            self.fail(f"{where}: the {row.part} row cannot be priced from the catalog")
            return
        quantity, unit = expected
        if row.quantity != quantity:
            self.fail(f"{where}: {row.part} quantity {row.quantity}, the spec asks {quantity}")
        if row.unit_price != unit.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN):
            self.fail(f"{where}: unit price {row.unit_price}, the catalog says {unit}")
        if row.monthly != _cents(quantity * unit):
            self.fail(
                f"{where}: {row.part} costs {row.monthly}, {quantity} x {unit} is "
                f"{_cents(quantity * unit)}"
            )

    def offer_rules(self, where: str, name: str, offer: Offer) -> None:
        rules = _rules(self.spec, name)
        provider = self.catalog.providers[offer.provider].provider
        if rules.providers is not None and offer.provider not in rules.providers:
            self.fail(f"{where}: provider not in the allowed providers")
        if offer.provider in rules.excluded:
            self.fail(f"{where}: provider excluded")
        if rules.eu_only and not provider.eu_jurisdiction:
            self.fail(f"{where}: provider not under EU jurisdiction only")
        region = provider.region(offer.region)
        country = region.country if region else None
        if country is None:
            if "countries" not in rules.lenient:
                self.fail(f"{where}: country unknown (policy.unknown_evidence is strict)")
        elif rules.countries is not None and country not in rules.countries:
            self.fail(f"{where}: country {country} not allowed")
        if rules.operators_eu:
            operator = region.operator if region is not None else "unknown"
            if operator in ("", "unknown") or operator not in self.catalog.providers:
                if "operators" not in rules.lenient:
                    self.fail(f"{where}: operator {operator or 'unknown'} of unknown jurisdiction")
            elif not self.catalog.providers[operator].provider.eu_jurisdiction:
                self.fail(f"{where}: operator {operator} not under EU jurisdiction only")
        for cert in sorted(rules.certifications):
            standing = _standing(provider, offer, cert, self.on)
            if standing == "held":
                continue
            if standing == "unconfirmed" and "certifications" in rules.lenient:
                continue
            self.fail(
                f"{where}: lacks {cert}"
                if standing == "not held"
                else f"{where}: {cert} {standing}"
            )
        if offer.price.amount is None or offer.price.quality is PriceQuality.UNKNOWN:
            self.fail(f"{where}: price unknown")
        if offer.status is OfferStatus.DEPRECATED and not self.spec.policy.allow_deprecated:
            self.fail(f"{where}: deprecated offer, and policy.allow_deprecated is not set")
        weakest = self.spec.policy.min_price_evidence
        if weakest is not None:
            order = ("api", "provider_doc", "third_party")  # best first (SPEC: evidence)
            evidence = offer.evidence
            have = evidence.class_.value if evidence is not None else None
            if have is None or order.index(have) > order.index(weakest):
                self.fail(f"{where}: price evidence {have} weaker than {weakest}")

    def priced(self, comp: Component, part: str, offer: Offer) -> tuple[Decimal, Decimal] | None:
        """(quantity, unit price) of one row by SPEC §5, or None if the row cannot exist."""
        unit = offer.monthly
        specs = offer.specs
        if isinstance(comp, VmComponent | AppComponent) and part == "instance":
            count = comp.count if isinstance(comp, VmComponent) else comp.instances
            return (Decimal(count), unit) if unit is not None else None
        if isinstance(comp, DatabaseComponent) and isinstance(specs, DatabaseSpecs):
            need = _number(comp.storage_gb or 0)
            included = specs.storage_gb or Decimal(0)
            if part == "instance":
                return (Decimal(1), unit) if unit is not None else None
            extra = specs.extra_storage_gb_month
            fits = specs.max_storage_gb is None or need <= specs.max_storage_gb
            if part == "extra_storage" and need > included and extra is not None and fits:
                return need - included, extra
            return None
        if isinstance(comp, ObjectStorageComponent) and isinstance(specs, ObjectStorageSpecs):
            if part == "storage" and unit is not None:
                return max(Decimal(0), _number(comp.storage_gb) - specs.free_storage_gb_month), unit
            downloads = _number(comp.egress_gb_month) - specs.free_egress_gb_month
            if part == "egress" and downloads > 0 and specs.egress_price_per_gb is not None:
                return downloads, specs.egress_price_per_gb
            return None
        if isinstance(comp, KubernetesComponent) and unit is not None:
            if part == "control_plane":
                return Decimal(1), unit
            if part == "nodes":
                return Decimal(comp.nodes), unit
        return None

    def missing_rows(self, rows: dict[str, list[PlacementRow]]) -> None:
        """Rows a placement needs but lacks (extra storage, downloads, worker nodes)."""
        for name, comp in self.spec.components.items():
            mine = rows.get(name, [])
            if not mine:
                continue
            head = mine[0]
            offer = self.offers.get((head.provider, comp.kind, head.region, head.sku))
            if offer is None:
                continue
            parts = {row.part for row in mine}
            for part in _PARTS[comp.kind][1:]:
                needed = part == "nodes" or self.priced(comp, part, offer) is not None
                if needed and part not in parts:
                    self.fail(f"{name}: no {part} row")

    # -- links and totals -----------------------------------------------------------

    def links(self, rows: dict[str, list[PlacementRow]]) -> Decimal:
        plan_links = self.plan.links
        if len(plan_links) != len(self.spec.links):
            self.fail(f"{len(plan_links)} link rows for {len(self.spec.links)} links")
            return Decimal(0)
        spent = Decimal(0)
        for index, (link, row) in enumerate(zip(self.spec.links, plan_links, strict=True)):
            label = f"link {index} {link.from_}->{link.to}"
            if (row.from_, row.to) != (link.from_, link.to) or row.gb_month != _number(
                link.gb_month
            ):
                self.fail(f"{label}: the link row is {row.from_}->{row.to} {row.gb_month} GB")
                continue
            if link.from_ not in rows or link.to not in rows:
                continue
            src, dst = rows[link.from_][0], rows[link.to][0]
            crossing = src.provider != dst.provider
            if row.cross_provider != crossing:
                self.fail(f"{label}: cross_provider {row.cross_provider}, it is {crossing}")
            level = link.colocate or link.apart
            if level is not None:
                same = src.provider == dst.provider and (
                    level == "provider" or src.region == dst.region
                )
                if same != bool(link.colocate):
                    verb = "colocate" if link.colocate else "apart"
                    self.fail(f"{label}: {verb} {level} broken ({src.region} / {dst.region})")
            price = self.egress_price(link.from_, src)
            cost = _cents(row.gb_month * price) if crossing and price else Decimal(0)
            if row.monthly != cost:
                self.fail(f"{label}: costs {row.monthly}, {row.gb_month} GB of egress is {cost}")
            spent += cost
        return spent

    def egress_price(self, name: str, row: PlacementRow) -> Decimal | None:
        """The price per GB of traffic leaving a placement: a bucket's own egress price,
        else the provider's internet egress price (None: unknown, counted 0 and warned)."""
        comp = self.spec.components[name]
        if comp.kind == "object_storage":
            offer = self.offers.get((row.provider, comp.kind, row.region, row.sku))
            specs = offer.specs if offer is not None else None
            return specs.egress_price_per_gb if isinstance(specs, ObjectStorageSpecs) else None
        egress = self.catalog.providers[row.provider].provider.egress
        return egress.price_per_gb if egress is not None else None

    def totals(self, link_spend: Decimal) -> None:
        plan = self.plan
        spend: dict[str, Decimal] = {}
        for row in plan.placements:
            spend[row.provider] = spend.get(row.provider, Decimal(0)) + row.monthly
        rows = {r.component: r for r in plan.placements if r.part == _PARTS[r.kind][0]}
        for link in plan.links:
            if link.from_ in rows:
                source = rows[link.from_].provider
                spend[source] = spend.get(source, Decimal(0)) + link.monthly
        total = sum((row.monthly for row in plan.placements), Decimal(0)) + link_spend
        if plan.total_monthly != total:
            self.fail(f"total {plan.total_monthly}, the placements and links add up to {total}")
        if dict(plan.by_provider) != spend:
            self.fail(f"spend by provider {dict(plan.by_provider)} is not {spend}")
        objective = plan.solver.objective
        if objective is None or _cents(objective) != total:
            self.fail(f"the solver's objective {objective} is not the recomputed total {total}")
        policy = self.spec.policy
        if policy.max_monthly_eur is not None and total > _number(policy.max_monthly_eur):
            self.fail(f"total {total} above the budget {policy.max_monthly_eur}")
        if len(spend) < policy.min_providers:
            self.fail(f"{len(spend)} providers, min_providers is {policy.min_providers}")
        if policy.max_provider_share is not None:
            share = _number(policy.max_provider_share)
            for pid, amount in sorted(spend.items()):
                if amount > share * total:
                    self.fail(f"{pid} takes {amount} of {total}, above max_provider_share {share}")
        for check in plan.constraints:
            if not check.ok:
                self.fail(f"constraint {check.name} reported broken: {check.actual}")


def certify(spec: BundleSpec, catalog: Catalog, plan: Plan, on: date | None = None) -> list[str]:
    """Every way the plan breaks the bundle or its own arithmetic (empty: it holds);
    certification validity is judged on the plan date ``on`` (``None``: today, UTC)."""
    checker = _Checker(spec, catalog, plan, on or datetime.now(UTC).date())
    rows = checker.placements()
    checker.missing_rows(rows)
    checker.totals(checker.links(rows))
    return checker.problems
