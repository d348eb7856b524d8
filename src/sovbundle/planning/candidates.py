"""Candidate placements of each bundle component: hard filters, exact costs, rejection reasons.

Pure: reads a ``BundleSpec`` component and a ``Catalog``, returns data. Every offer of the
component's kind either becomes (part of) a ``Candidate`` or gets a ``Rejection`` with the first
filter it fails (``sovbundle.filters``), so ``--explain`` and the infeasibility diagnosis can
show the funnel. ``Rules``, ``rules_for`` and ``dec`` are re-exported from there.

Money: every priced line (``Part``) is rounded to cents half-even, and a candidate's monthly
cost is the sum of its rounded lines, so the optimiser minimises exactly the total the plan
prints (totals are sums of rounded lines, SPEC §6).
"""

from __future__ import annotations

import gc
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from sovbundle.catalog.query import Catalog
from sovbundle.models import (
    DatabaseSpecs,
    ObjectStorageSpecs,
    Offer,
    OfferStatus,
    PriceQuality,
    VmSpecs,
)
from sovbundle.money import money
from sovbundle.planning.filters import (
    STAGES,
    Dropped,
    Rules,
    country_of,
    dec,
    rule_failure,
    rules_for,
    spec_check,
    spec_failure,
)
from sovbundle.spec.model import (
    AppComponent,
    Component,
    DatabaseComponent,
    KubernetesComponent,
    ObjectStorageComponent,
    VmComponent,
)

__all__ = [
    "STAGES",
    "Candidate",
    "ComponentCandidates",
    "Dropped",
    "Part",
    "Rejection",
    "Rules",
    "Screening",
    "build_candidates",
    "dec",
    "rules_for",
    "without_cycle_collector",
]


@contextmanager
def without_cycle_collector() -> Iterator[None]:
    """Pause the cyclic garbage collector, then restore it as it was.

    Building and pruning candidates allocates hundreds of thousands of small acyclic objects
    (1000 components: ~560,000 candidates), and the allocation bursts set off collections
    that walk the whole catalog: about 40% of building, and 90% of pruning on a 100k-offer
    catalog. Reference counting still frees everything; nothing built there forms a cycle.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True, slots=True)
class Part:
    """One priced line of a placement: ``quantity`` x ``unit_price`` = ``monthly`` (cents)."""

    role: str
    """``instance``, ``control_plane``, ``nodes``, ``extra_storage``, ``storage``, ``egress``."""
    offer: Offer
    quantity: Decimal
    unit_price: Decimal
    price_unit: str
    monthly: Decimal
    """Rounded to cents, half-even."""


_PRICED_BY_OFFER = ("instance", "control_plane", "nodes", "storage")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A way to place one component: an offer (plus a node offer for Kubernetes) and its cost."""

    component: str
    """The component it places; ``""`` while shared by all components of equal specs and
    rules (``ComponentCandidates``); the solver names the candidates it chooses (``named``)."""
    kind: str
    provider: str
    region: str
    country: str
    parts: tuple[Part, ...]
    monthly: Decimal
    """Sum of the rounded parts."""
    notes: tuple[str, ...] = ()
    """Warnings about the offers' prices, without the component name (see ``warnings``)."""
    egress_price: Decimal | None = None
    """EUR per GB of link traffic leaving this placement for another provider: the object
    storage offer's egress price, else the provider's internet egress price; None if unknown."""
    cents: int = field(init=False, repr=False, compare=False)
    """``monthly`` in integer cents (stored: the solver reads it millions of times)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "cents", int(self.monthly * 100))

    def named(self, component: str) -> Candidate:
        """This candidate placing ``component`` (the solver names the ones it chooses)."""
        named = object.__new__(Candidate)
        for slot in Candidate.__slots__:  # a field copy: the frozen constructor is slower
            object.__setattr__(named, slot, getattr(self, slot))
        object.__setattr__(named, "component", component)
        return named

    @property
    def warnings(self) -> tuple[str, ...]:
        """The ``notes``, each prefixed with the component name (as the plan prints them)."""
        return tuple(f"{self.component}: {note}" for note in self.notes)

    @property
    def sku(self) -> str:
        """The SKU, or ``control-plane+node`` SKUs for a Kubernetes cluster."""
        return "+".join(p.offer.sku for p in self.parts if p.role in _PRICED_BY_OFFER)

    @property
    def label(self) -> str:
        return f"{self.provider}/{self.region}/{self.sku}"

    def sort_key(self) -> tuple[Decimal, str, str, str, tuple[tuple[str, ...], ...]]:
        """Canonical order: monthly cost, provider, region, SKU(s), then the offers' own data
        (so that even two offers with one SKU never leave the order to the catalog's)."""
        offers = tuple(offer_key(p.offer) for p in self.parts)
        return (self.monthly, self.provider, self.region, self.sku, offers)


def offer_key(offer: Offer) -> tuple[str, ...]:
    """A total canonical order of offers: ``Offer.sort_key`` then price and source."""
    price = offer.price
    return (
        *offer.sort_key(),
        str(price.amount),
        price.unit.value,
        str(offer.monthly_amount),
        offer.source.url,
        offer.source.as_of,
    )


def _canonical(offers: list[Offer]) -> list[Offer]:
    """``offers`` in the order of ``sort(key=offer_key)``, building the full key only where
    it decides.

    ``offer_key`` begins with ``Offer.sort_key``: offers are sorted on that prefix, and only a
    run of offers equal on it (rare: a catalog sells a SKU once per region) is sorted on the
    whole key. Both sorts are stable, so the order is exactly ``offer_key``'s."""
    # Offer.sort_key's fields, inlined (this runs on every offer of a kind, every plan).
    prefixes = [(o.provider, o.kind, o.region, o.sku) for o in offers]
    order = sorted(range(len(offers)), key=prefixes.__getitem__)
    found = [offers[k] for k in order]
    if len(set(prefixes)) == len(prefixes):
        return found
    start = 0
    for end in range(1, len(found) + 1):
        if end < len(found) and prefixes[order[end]] == prefixes[order[start]]:
            continue
        if end - start > 1:
            found[start:end] = sorted(found[start:end], key=offer_key)
        start = end
    return found


@dataclass(frozen=True)
class Rejection:
    """An offer that cannot place a component, with the first filter it fails."""

    offer: Offer
    stage: str
    reason: str


@dataclass(frozen=True)
class ComponentCandidates:
    """Everything the planner knows about one component's placements."""

    name: str
    kind: str
    rules: Rules
    candidates: tuple[Candidate, ...]
    """Canonical order (``Candidate.sort_key``); shared with alike components, so unnamed
    (``Candidate.named(name)`` gives this component's)."""
    funnel: tuple[tuple[str, int], ...]
    """Offers of the kind still standing after each stage, e.g. ``(("offers", 40), ...)``."""
    rejected_by_stage: tuple[tuple[str, int], ...]
    """Rejected offers counted by the stage that rejected them, in stage order."""
    _rejections: Callable[[], tuple[Rejection, ...]] = field(repr=False, compare=False)

    @cached_property
    def rejections(self) -> tuple[Rejection, ...]:
        """Every rejected offer with the first filter it fails: filter rejections in the kind's
        canonical order, then pricing rejections.

        Rebuilt on first use from compact indices (the filters are pure): on a 100,000-offer
        catalog, keeping a reason object per offer and per distinct component cost gigabytes.
        """
        return self._rejections()


class Screening:
    """What components of equal specs and rules share, for one catalog: offers of each kind in
    canonical order, filter verdicts and priced candidates.

    A local memo owned by the caller (``planner.CandidateCache``), never module state: a bundle
    of many alike components (or the re-solves of ``--explain``) filters each offer once per
    distinct (component specs, rules), not once per component.
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._by_kind: dict[str, list[Offer]] = {}
        self._unsorted: dict[str, list[Offer]] = {}
        self._done: dict[tuple[Component, Rules], _Screened] = {}
        self.position: dict[int, int] = {}
        """An offer's place in its kind's canonical order, by ``id``: sorting candidates on it
        is sorting on ``offer_key`` (a total order), without rebuilding the keys."""
        self._rule_verdicts: dict[tuple[str, Rules], list[tuple[str, str] | None]] = {}
        self._places: dict[Rules, dict[tuple[str, str], tuple[str, str] | None]] = {}
        self._warnings: dict[int, tuple[str, ...]] = {}
        self._numbers: dict[int, Decimal] = {}

    def offers(self, kind: str) -> list[Offer]:
        """The catalog's offers of ``kind``, in the canonical order (``offer_key``)."""
        if not self._by_kind:
            # One pass over the catalog buckets every kind; each is sorted on first use.
            for offer in self.catalog.offers():
                self._unsorted.setdefault(offer.kind, []).append(offer)
        if kind not in self._by_kind:
            found = _canonical(self._unsorted.pop(kind, []))
            self._by_kind[kind] = found
            self.position.update((id(offer), k) for k, offer in enumerate(found))
        return self._by_kind[kind]

    def rule_verdicts(self, kind: str, rules: Rules) -> list[tuple[str, str] | None]:
        """The rule filters' verdict (``filters.rule_failure``) on each offer of ``kind``: they
        depend on the rules only, not on the component's specs."""
        key = (kind, rules)
        if key not in self._rule_verdicts:
            # The place stages (providers to countries) are judged once per provider, region
            # and rules, for every kind.
            places = self._places.setdefault(rules, {})
            catalog = self.catalog
            self._rule_verdicts[key] = [
                rule_failure(offer, rules, catalog, places) for offer in self.offers(kind)
            ]
        return self._rule_verdicts[key]

    def number(self, value: int) -> Decimal:
        """``Decimal(value)``, one object per value (each candidate's quantity refers to it)."""
        found = self._numbers.get(value)
        if found is None:
            found = self._numbers[value] = Decimal(value)
        return found

    def warnings(self, offer: Offer) -> tuple[str, ...]:
        """``_offer_warnings`` of an offer, computed once."""
        found = self._warnings.get(id(offer))
        if found is None:
            found = self._warnings[id(offer)] = tuple(_offer_warnings(offer))
        return found

    def screened(self, component: Component, rules: Rules) -> _Screened:
        key = (component, rules)
        if key not in self._done:
            self._done[key] = _screen(component, rules, self)
        return self._done[key]


@dataclass(frozen=True)
class _Screened:
    """The filter and pricing outcome of one (component specs, rules), for any component name.

    Candidates are built for the component name ``""`` and shared by every component of equal
    specs and rules (1000 components: ~560,000 candidates, not named copies of them)."""

    offers: int
    candidates: tuple[Candidate, ...]
    rejected: array[int]
    """Positions (in the kind's canonical order) of the offers a filter rejected."""
    priced_out: tuple[Rejection, ...]
    """Offers that passed the filters but cannot be priced for the component (few)."""
    stage_counts: dict[str, int]
    rejected_by_stage: tuple[tuple[str, int], ...]


def build_candidates(
    name: str,
    component: Component,
    rules: Rules,
    catalog: Catalog,
    screening: Screening | None = None,
) -> ComponentCandidates:
    """Filter the catalog's offers for one component and price those that qualify."""
    screening = screening if screening is not None else Screening(catalog)
    done = screening.screened(component, rules)
    counts = done.stage_counts
    funnel = (("offers", done.offers), *((s, counts[s]) for s in STAGES))
    return ComponentCandidates(
        name,
        component.kind,
        rules,
        done.candidates,
        funnel,
        done.rejected_by_stage,
        lambda: _rejections(component, rules, screening, done),
    )


def _rejections(
    component: Component, rules: Rules, screening: Screening, done: _Screened
) -> tuple[Rejection, ...]:
    """The Rejection records of a screening, rebuilt with the same pure filters."""
    offers = screening.offers(component.kind)
    verdicts = screening.rule_verdicts(component.kind, rules)
    found = []
    for index in done.rejected:
        offer = offers[index]
        problem = spec_failure(offer, component)
        failure = ("specs", problem) if problem is not None else verdicts[index]
        assert failure is not None  # it was rejected by one of them
        found.append(Rejection(offer, *failure))
    return (*found, *done.priced_out)


def _screen(component: Component, rules: Rules, screening: Screening) -> _Screened:
    catalog = screening.catalog
    kind = component.kind
    offers = screening.offers(kind)
    rejected: array[int] = array("I")
    priced_out: list[Rejection] = []
    by_stage = dict.fromkeys(STAGES, 0)
    passed: list[Offer] = []
    verdicts = screening.rule_verdicts(kind, rules)
    fits = spec_check(component)
    for index, (offer, verdict) in enumerate(zip(offers, verdicts, strict=True)):
        if not fits(offer):
            stage = "specs"
        elif verdict is None:
            passed.append(offer)
            continue
        else:
            stage = verdict[0]
        rejected.append(index)
        by_stage[stage] += 1
    # Offers standing after a stage: those that passed them all, and those a later one rejected.
    stage_counts = {}
    standing = len(passed)
    for stage in reversed(STAGES):
        stage_counts[stage] = standing
        standing += by_stage[stage]
    stage_counts = {stage: stage_counts[stage] for stage in STAGES}
    candidates: list[Candidate] = []
    nodes = _node_offers(component, rules, screening) if kind == "kubernetes" else []
    node_lines: dict[int, Part] = {}
    for offer in passed:
        country = country_of(catalog, offer) or ""
        egress = catalog.providers[offer.provider].provider.egress
        price = egress.price_per_gb if egress is not None else None
        priced = _price("", component, offer, country, nodes, price, screening, node_lines)
        if isinstance(priced, str):
            priced_out.append(Rejection(offer, "price", priced))
            by_stage["price"] += 1
            stage_counts["price"] -= 1
        else:
            candidates.extend(priced)
    position = screening.position
    # Candidate.sort_key, with each offer's canonical place standing for its offer_key.
    candidates.sort(
        key=lambda c: (
            c.monthly,
            c.provider,
            c.region,
            c.sku,
            tuple(position[id(part.offer)] for part in c.parts),
        )
    )
    counted = tuple((stage, n) for stage, n in by_stage.items() if n)
    return _Screened(
        len(offers), tuple(candidates), rejected, tuple(priced_out), stage_counts, counted
    )


def _node_offers(component: Component, rules: Rules, screening: Screening) -> list[Offer]:
    """VM offers fit to be this cluster's worker nodes (same filters as any placement).

    Managed Kubernetes runs its workers on the provider's shared VMs: dedicated servers and GPU
    machines are not node offers.
    """
    assert isinstance(component, KubernetesComponent)
    node_need = VmComponent(
        kind="vm",
        vcpus=component.vcpus,
        memory_gb=component.memory_gb,
        arch=component.arch,
        dedicated=False,
    )
    # first_failure(offer, node_need, ...) is None, from the memoised rule verdicts and the
    # fast spec check (no reason is built: a node offer that fails is simply not one).
    fits = spec_check(node_need)
    return [
        offer
        for offer, verdict in zip(
            screening.offers("vm"), screening.rule_verdicts("vm", rules), strict=True
        )
        if verdict is None
        and fits(offer)
        and not (isinstance(offer.specs, VmSpecs) and offer.specs.gpus > 0)
    ]


def _line(role: str, offer: Offer, quantity: Decimal, unit: Decimal, price_unit: str) -> Part:
    amount = money(quantity * unit)
    if amount == unit and unit.as_tuple().exponent == -2:
        amount = unit  # the same value and digits: one Decimal object, not two per candidate
    return Part(role, offer, quantity, unit, price_unit, amount)


def _offer_warnings(offer: Offer) -> list[str]:
    """Warnings about an offer's price, without the component name (added when named).

    Curated (documentation-sourced) prices are not warned here, one by one: the plan groups
    them in one line, and each placement carries its source."""
    found = []
    where = f"{offer.provider}/{offer.region}/{offer.sku}"
    if offer.price.quality is PriceQuality.STALE:
        found.append(f"price of {where} is stale: {offer.price.note or 'no note'}")
    if offer.status is OfferStatus.BETA:
        found.append(f"{where} is a beta offer: its provider may change or withdraw it")
    if offer.status is OfferStatus.DEPRECATED:
        found.append(f"{where} is deprecated by its provider (placed: policy.allow_deprecated)")
    return found


def _candidate(
    name: str,
    kind: str,
    country: str,
    parts: Iterable[Part],
    offers: Iterable[Offer],
    egress: Decimal | None,
    screening: Screening,
) -> Candidate:
    rows = tuple(parts)
    head = rows[0].offer
    warnings = tuple(w for offer in offers for w in screening.warnings(offer))
    # One line: its amount is the total (one Decimal object, not two: millions of candidates).
    total = rows[0].monthly if len(rows) == 1 else sum((p.monthly for p in rows), Decimal(0))
    return Candidate(name, kind, head.provider, head.region, country, rows, total, warnings, egress)


def _price(
    name: str,
    component: Component,
    offer: Offer,
    country: str,
    nodes: list[Offer],
    egress: Decimal | None,
    screening: Screening,
    node_lines: dict[int, Part] | None = None,
) -> list[Candidate] | str:
    """The candidates an offer gives (one, or one per node offer), or why it gives none."""
    monthly = offer.monthly
    assert monthly is not None  # placeable offers only reach pricing
    specs = offer.specs
    kind = component.kind
    if isinstance(component, VmComponent | AppComponent):
        quantity = component.count if isinstance(component, VmComponent) else component.instances
        part = _line("instance", offer, screening.number(quantity), monthly, "month")
        return [_candidate(name, kind, country, [part], [offer], egress, screening)]
    if isinstance(component, DatabaseComponent) and isinstance(specs, DatabaseSpecs):
        parts = [_line("instance", offer, screening.number(1), monthly, "month")]
        need = dec(component.storage_gb or 0)
        included = specs.storage_gb or Decimal(0)
        if need > included:
            if specs.extra_storage_gb_month is None:
                return f"includes {included} GB of storage and cannot be extended to {need} GB"
            if specs.max_storage_gb is not None and need > specs.max_storage_gb:
                return f"storage at most {specs.max_storage_gb} GB, {need} GB needed"
            extra = need - included
            parts.append(
                _line("extra_storage", offer, extra, specs.extra_storage_gb_month, "gb_month")
            )
        return [_candidate(name, kind, country, parts, [offer], egress, screening)]
    if isinstance(component, ObjectStorageComponent) and isinstance(specs, ObjectStorageSpecs):
        stored = max(Decimal(0), dec(component.storage_gb) - specs.free_storage_gb_month)
        parts = [_line("storage", offer, stored, monthly, "gb_month")]
        downloads = max(Decimal(0), dec(component.egress_gb_month) - specs.free_egress_gb_month)
        if downloads > 0:
            if specs.egress_price_per_gb is None:
                return "egress price unknown"
            parts.append(_line("egress", offer, downloads, specs.egress_price_per_gb, "gb"))
        # Links leaving a bucket are downloads from it: priced at the bucket's egress price.
        bucket_egress = specs.egress_price_per_gb
        return [_candidate(name, kind, country, parts, [offer], bucket_egress, screening)]
    if isinstance(component, KubernetesComponent):
        fitting = [n for n in nodes if n.provider == offer.provider and n.region == offer.region]
        if not fitting:
            return f"no worker node offer in {offer.region} meets the node specs and constraints"
        control = _line("control_plane", offer, screening.number(1), monthly, "month")
        found = []
        for node in fitting:
            workers = node_lines.get(id(node)) if node_lines is not None else None
            if workers is None:  # one line per node offer, shared by every control plane
                node_monthly = node.monthly
                assert node_monthly is not None
                workers = _line("nodes", node, Decimal(component.nodes), node_monthly, "month")
                if node_lines is not None:
                    node_lines[id(node)] = workers
            pair = _candidate(
                name, kind, country, [control, workers], [offer, node], egress, screening
            )
            found.append(pair)
        return found
    return f"specs of kind {specs.kind}, not {kind}"
