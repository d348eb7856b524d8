"""All providers' catalogs as one queryable set of offers, and how old their data is."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sovbundle.catalog.files import LoadedCatalog
from sovbundle.models import PROVIDER_IDS, Offer, Provider

__all__ = ["MAX_AGE", "Catalog", "OfferQuery", "staleness_warnings"]


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
        region = self.providers[offer.provider].provider.region(offer.region)
        return region.country if region else None

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


def staleness_warnings(
    catalog: Catalog,
    now: datetime,
    max_age: timedelta = MAX_AGE,
    providers: Iterable[str] | None = None,
) -> list[str]:
    """One warning per provider (all, or those named) whose data is older than ``max_age``."""
    wanted = set(providers) if providers is not None else None
    found = []
    for pid in catalog.provider_ids():
        if wanted is not None and pid not in wanted:
            continue
        loaded = catalog.providers[pid]
        age = loaded.age(now)
        if age > max_age:
            found.append(
                f"{pid}: catalog data is {age.days} days old ({loaded.origin}, fetched "
                f"{loaded.data.fetched_at[:10]}); run `sovbundle catalog refresh {pid}`"
            )
    return found
