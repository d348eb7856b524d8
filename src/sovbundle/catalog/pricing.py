"""A price book laid over the catalog: the offers at the prices paid, and their list prices.

Pure. ``apply_price_book`` returns a new ``Catalog`` whose offers carry the paid prices (the
planner optimises on them, unchanged), and, per offer, its catalog (list) offer and the channel
its price comes from. Offers no rule matches keep their list price, channel ``list``.

A discount scales every price the offer holds: its unit price, a published monthly price, the
extra storage price of a database and the egress price of object storage. An absolute
``monthly_price`` replaces the price of one unit per month (per GB-month for object storage):
the offer becomes priced monthly at that figure (even an offer whose list price is unknown, since
the buyer's contract states it), and its other prices stay as listed. Prices are kept exact;
the plan rounds each line to cents as it does for list prices.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from fnmatch import fnmatchcase

from sovbundle.catalog.files import LoadedCatalog
from sovbundle.catalog.query import Catalog
from sovbundle.models import (
    DatabaseSpecs,
    ObjectStorageSpecs,
    Offer,
    Price,
    PriceQuality,
    PriceUnit,
)
from sovbundle.spec.pricebook import LoadedPriceBook, PriceRule

__all__ = ["LIST", "OfferKey", "Paid", "PricedCatalog", "apply_price_book", "list_unit_price"]

LIST = "list"
"""The channel of a catalog price no rule of the book changes."""

OfferKey = tuple[str, str, str, str]
"""(provider, kind, region, sku): one offer of a catalog (``ProviderCatalog.offers``)."""


@dataclass(frozen=True)
class Paid:
    """How an offer of the priced catalog relates to the catalog's own."""

    listed: Offer
    """The catalog's offer, at list price."""
    channel: str
    rule: int
    """Index of the rule that priced it (in the book's ``rules``)."""


@dataclass(frozen=True)
class PricedCatalog:
    """The catalog at the prices paid, and what each changed offer was listed at."""

    catalog: Catalog
    book: LoadedPriceBook
    paid: dict[OfferKey, Paid]
    """Offers a rule matched; the others are at list price (``LIST``)."""

    def lookup(self, offer: Offer) -> tuple[Offer | None, str]:
        """The list offer and channel of an offer of ``catalog`` (itself and ``list`` when no
        rule matched it)."""
        found = self.paid.get((offer.provider, offer.kind, offer.region, offer.sku))
        return (offer, LIST) if found is None else (found.listed, found.channel)


def _match(rule: PriceRule, offer: Offer) -> bool:
    return (
        rule.provider == offer.provider
        and (rule.kind is None or rule.kind == offer.kind)
        and fnmatchcase(offer.region, rule.region)
        and fnmatchcase(offer.sku, rule.sku)
    )


def _scaled(value: Decimal | None, factor: Decimal) -> Decimal | None:
    return None if value is None else value * factor


def _overlay(offer: Offer, rule: PriceRule, book: str) -> Offer:
    if rule.monthly_price is not None:
        unit = PriceUnit.GB_MONTH if offer.kind == "object_storage" else PriceUnit.MONTH
        price = Price(
            amount=rule.monthly_price,
            unit=unit,
            quality=PriceQuality.CURRENT,
            note=f"price book {book}",
        )
        return offer.model_copy(update={"price": price, "monthly_amount": None})
    assert rule.discount_percent is not None
    factor = (Decimal(100) - rule.discount_percent) / Decimal(100)
    price = offer.price.model_copy(update={"amount": _scaled(offer.price.amount, factor)})
    specs = offer.specs
    if isinstance(specs, DatabaseSpecs):
        specs = specs.model_copy(
            update={"extra_storage_gb_month": _scaled(specs.extra_storage_gb_month, factor)}
        )
    elif isinstance(specs, ObjectStorageSpecs):
        specs = specs.model_copy(
            update={"egress_price_per_gb": _scaled(specs.egress_price_per_gb, factor)}
        )
    return offer.model_copy(
        update={
            "price": price,
            "specs": specs,
            "monthly_amount": _scaled(offer.monthly_amount, factor),
        }
    )


def apply_price_book(catalog: Catalog, loaded: LoadedPriceBook) -> PricedCatalog:
    """The catalog at the book's prices (first matching rule per offer)."""
    book = loaded.book
    paid: dict[OfferKey, Paid] = {}
    providers: dict[str, LoadedCatalog] = {}
    for pid in catalog.provider_ids():
        item = catalog.providers[pid]
        rules = [(k, rule) for k, rule in enumerate(book.rules) if rule.provider == pid]
        if not rules:
            providers[pid] = item
            continue
        offers = []
        for offer in item.data.offers:
            hit = next(((k, r) for k, r in rules if _match(r, offer)), None)
            if hit is None:
                offers.append(offer)
                continue
            index, rule = hit
            priced = _overlay(offer, rule, book.name)
            key = (offer.provider, offer.kind, offer.region, offer.sku)
            paid[key] = Paid(offer, rule.channel or book.channel, index)
            offers.append(priced)
        data = item.data.model_copy(update={"offers": tuple(offers)})
        providers[pid] = replace(item, data=data)
    return PricedCatalog(Catalog(providers, list(catalog.warnings)), loaded, paid)


def list_unit_price(role: str, offer: Offer) -> Decimal | None:
    """The unit price of a placement line (``Part.role``) at an offer's prices, as the
    planner prices it (``planning.candidates``); None when unknown."""
    specs = offer.specs
    if role == "extra_storage":
        return specs.extra_storage_gb_month if isinstance(specs, DatabaseSpecs) else None
    if role == "egress":
        return specs.egress_price_per_gb if isinstance(specs, ObjectStorageSpecs) else None
    return offer.monthly if offer.placeable else None
