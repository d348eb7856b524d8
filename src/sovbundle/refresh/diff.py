"""What a refresh changed in a provider's offers: added, removed, repriced."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sovbundle.catalog.files import ProviderCatalog
from sovbundle.models import Offer

__all__ = ["CatalogDiff", "PriceChange", "diff_catalogs"]


OfferKey = tuple[str, str, str]


@dataclass(frozen=True)
class PriceChange:
    """An offer whose unit price or monthly price changed."""

    offer: str
    old: Decimal | None
    new: Decimal | None
    unit: str


@dataclass(frozen=True)
class CatalogDiff:
    """What a refresh changed in a provider's offers (keys read ``kind sku @ region``)."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    price_changes: tuple[PriceChange, ...] = ()


def diff_catalogs(old: ProviderCatalog | None, new: ProviderCatalog) -> CatalogDiff:
    """Offers added, removed, and whose price changed between two catalogs of one provider."""
    before = {_key(o): o for o in old.offers} if old else {}
    after = {_key(o): o for o in new.offers}
    changes = []
    for key in sorted(before.keys() & after.keys()):
        was, now = before[key], after[key]
        if _price_of(was) != _price_of(now):
            price = now.price
            changes.append(PriceChange(_label(key), was.price.amount, price.amount, price.unit))
    return CatalogDiff(
        added=tuple(_label(k) for k in sorted(after.keys() - before.keys())),
        removed=tuple(_label(k) for k in sorted(before.keys() - after.keys())),
        price_changes=tuple(changes),
    )


def _price_of(offer: Offer) -> tuple[Decimal | None, str, Decimal | None]:
    return (offer.price.amount, offer.price.unit, offer.monthly)


def _key(offer: Offer) -> OfferKey:
    return (offer.kind, offer.sku, offer.region)


def _label(key: OfferKey) -> str:
    return f"{key[0]} {key[1]} @ {key[2]}"
