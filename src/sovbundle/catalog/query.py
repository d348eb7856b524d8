"""All providers' catalogs as one queryable set of offers, and how old their prices are: per
price source, each with its own date (``price_sources``, ``staleness_warnings``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sovbundle.catalog.files import LoadedCatalog, ProviderCatalog
from sovbundle.models import (
    PROVIDER_IDS,
    Evidence,
    EvidenceClass,
    Offer,
    Provider,
    evidence_date,
)

__all__ = [
    "MAX_AGE",
    "Catalog",
    "OfferQuery",
    "PriceSource",
    "describe_source",
    "price_evidence_of",
    "price_sources",
    "staleness_warnings",
]


MAX_AGE = timedelta(days=30)
"""Catalogs older than this are used with a warning."""


@dataclass(frozen=True)
class OfferQuery:
    """Filters of ``sovbundle services``; ``None`` means no filter."""

    provider: str | None = None
    kind: str | None = None
    region: str | None = None
    country: str | None = None
    certification: str | None = None
    min_vcpus: Decimal | None = None
    min_memory_gb: Decimal | None = None
    gpu: bool | None = None


@dataclass
class Catalog:
    """All providers' catalogs, as one queryable set of offers."""

    providers: dict[str, LoadedCatalog] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    """Problems met while choosing the data (an unusable cache, stale data), for the user."""
    memo: dict[tuple[object, ...], object] = field(default_factory=dict, repr=False, compare=False)
    """Facts derived from the catalog alone, keyed by their inputs (the planning filters'
    certification verdicts per provider, region, kind and date), so that a 100k-offer
    catalog judges each once; never mutated but by adding entries."""

    def provider_ids(self) -> list[str]:
        return [pid for pid in PROVIDER_IDS if pid in self.providers] + sorted(
            pid for pid in self.providers if pid not in PROVIDER_IDS
        )

    def provider(self, provider_id: str) -> Provider:
        return self.providers[provider_id].provider

    def offers(self) -> Iterator[Offer]:
        for pid in self.provider_ids():
            yield from self.providers[pid].data.offers

    def country_of(self, offer: Offer) -> str | None:
        """The country of an offer's region (memoised per provider and region)."""
        key = ("country", offer.provider, offer.region)
        memo = self.memo
        if key in memo:
            return memo[key]  # type: ignore[return-value]
        region = self.providers[offer.provider].provider.region(offer.region)
        found = memo[key] = region.country if region else None
        return found

    def query(self, query: OfferQuery) -> list[Offer]:
        """Offers matching every filter, cheapest monthly price first (unknown prices last)."""
        found = [offer for offer in self.offers() if _matches(self, offer, query)]
        return sorted(found, key=_price_order)

    @classmethod
    def from_loaded(cls, loaded: Iterable[LoadedCatalog]) -> Catalog:
        return cls({item.provider.id: item for item in loaded})


def _matches(catalog: Catalog, offer: Offer, query: OfferQuery) -> bool:
    if query.provider is not None and offer.provider != query.provider:
        return False
    if query.kind is not None and offer.kind != query.kind:
        return False
    if query.region is not None and offer.region != query.region:
        return False
    if query.country is not None and catalog.country_of(offer) != query.country.upper():
        return False
    if query.certification is not None and query.certification not in offer.certifications:
        return False
    specs = offer.specs
    vcpus = getattr(specs, "vcpus", None)
    memory = getattr(specs, "memory_gb", None)
    if query.min_vcpus is not None and (vcpus is None or vcpus < query.min_vcpus):
        return False
    if query.min_memory_gb is not None and (memory is None or memory < query.min_memory_gb):
        return False
    return query.gpu is None or (getattr(specs, "gpus", 0) > 0) == query.gpu


def _price_order(offer: Offer) -> tuple[int, Decimal, tuple[str, str, str, str]]:
    monthly = offer.monthly
    if monthly is None:
        return (1, Decimal(0), offer.sort_key())
    return (0, monthly, offer.sort_key())


@dataclass(frozen=True)
class PriceSource:
    """One source the prices of a provider's catalog were read from, with its own date."""

    provider: str
    evidence_class: EvidenceClass
    source: str
    as_of: str | None
    """The source's own date (``Evidence.as_of``); ``None`` when the source states none."""
    offers: int
    """How many priced offers of the catalog were read from it."""

    def age(self, now: datetime) -> timedelta | None:
        """How old the source is at ``now`` (never negative), or ``None`` when undated.

        A source dated only by a year or month counts from its last day: never older than
        the truth."""
        if self.as_of is None:
            return None
        day = evidence_date(self.as_of)
        return max(now - datetime(day.year, day.month, day.day, tzinfo=UTC), timedelta(0))


def price_evidence_of(offer: Offer) -> Evidence | None:
    """The evidence of a priced offer's price: ``Offer.evidence``, else its curated source
    (an offer built by hand without evidence: class unknown, counted as third party)."""
    if not offer.placeable:
        return None
    evidence = offer.evidence
    if evidence is None:
        return Evidence(
            class_=EvidenceClass.THIRD_PARTY, source=offer.source.url, as_of=offer.source.as_of
        )
    return evidence


def price_sources(
    data: ProviderCatalog, offers: Iterable[Offer] | None = None, *, by_source: bool = True
) -> list[PriceSource]:
    """The sources of the priced offers of ``data`` (or of ``offers`` only), oldest first.

    Without ``by_source``, sources of one class and one date count as one (``source`` empty):
    the short form of warnings and tables."""
    counts: dict[tuple[EvidenceClass, str, str | None], int] = {}
    for offer in data.offers if offers is None else offers:
        evidence = price_evidence_of(offer)
        if evidence is not None:
            key = (evidence.class_, evidence.source if by_source else "", evidence.as_of)
            counts[key] = counts.get(key, 0) + 1
    found = [
        PriceSource(data.provider.id, cls, source, as_of, n)
        for (cls, source, as_of), n in counts.items()
    ]
    return sorted(found, key=_source_order)


def _source_order(item: PriceSource) -> tuple[int, date, int, str]:
    day = evidence_date(item.as_of) if item.as_of is not None else date.min
    return (0 if item.as_of is None else 1, day, item.evidence_class.rank, item.source)


_CLASS_WORDS = {
    EvidenceClass.API: "provider API",
    EvidenceClass.PROVIDER_DOC: "provider documentation",
    EvidenceClass.THIRD_PARTY: "third-party data",
}


def describe_source(item: PriceSource, now: datetime) -> str:
    """``2025-12-02 provider API, 365 days old (28 offers)``; the source's URL when it has one."""
    age = item.age(now)
    words = _CLASS_WORDS[item.evidence_class]
    when = (
        f"undated {words}"
        if item.as_of is None or age is None
        else (f"{item.as_of} {words}, {age.days} days old")
    )
    plural = "offer" if item.offers == 1 else "offers"
    where = f": {item.source}" if item.source else ""
    return f"{when}{where} ({item.offers} {plural})"


def staleness_warnings(
    catalog: Catalog,
    now: datetime,
    max_age: timedelta = MAX_AGE,
    providers: Iterable[str] | None = None,
    offers: Iterable[Offer] | None = None,
) -> list[str]:
    """One warning per provider (all, or those named) with price sources older than
    ``max_age`` or undated, each source with its own date; with ``offers``, only the sources
    of those offers (a plan's placements) count. A provider without a price API is never
    told to refresh."""
    wanted = set(providers) if providers is not None else None
    chosen: dict[str, list[Offer]] | None = None
    if offers is not None:
        chosen = {}
        for offer in offers:
            chosen.setdefault(offer.provider, []).append(offer)
    found = []
    for pid in catalog.provider_ids():
        if wanted is not None and pid not in wanted:
            continue
        loaded = catalog.providers[pid]
        if chosen is not None and pid not in chosen:
            continue
        sources = price_sources(
            loaded.data, None if chosen is None else chosen[pid], by_source=False
        )
        old = [s for s in sources if (age := s.age(now)) is None or age > max_age]
        if not old:
            continue
        listed = "; ".join(describe_source(s, now) for s in old)
        what = "prices"
        if loaded.provider.price_api:
            advice = f"run `sovbundle catalog refresh {pid}`"
        else:
            advice = f"{loaded.provider.name} publishes no price API: a refresh cannot update it"
        found.append(f"{pid}: {what} older than {max_age.days} days or undated: {listed}; {advice}")
    return found
