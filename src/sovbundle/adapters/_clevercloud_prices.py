"""Clever Cloud's per-zone price system (``/v4/billing/price-system``): hourly runtime prices
joined by slug, and tiered countable services (Cellar storage and egress).

The price system is the authoritative price of everything Clever Cloud sells; the legacy
``price`` fields of ``/v2/products/*`` are a credit unit or a lagging list figure and are never
read. Runtime entries are priced per ``time_unit`` (``PT1H``: per hour); countable services per
``data_quantity_for_price.quantity`` bytes, per ``time_interval_for_price`` when one is set.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sovbundle.adapters._payload import Payload
from sovbundle.models import HOURS_PER_MONTH

__all__ = [
    "GB",
    "CountableTier",
    "PriceBook",
    "describe",
    "free_allowance",
    "parse_price_book",
    "price_system_key",
    "tier_for",
]

GB = Decimal(10) ** 9
"""Countable services are priced per decimal GB (10^9 bytes) of ``data_unit`` ``B``."""

_HOURS: dict[str, Decimal] = {"PT1H": Decimal(1)}
"""Runtime time units sovbundle understands, in hours; any other unit is a CatalogError."""


def price_system_key(zone: str) -> str:
    """The endpoint key of one zone's price system (path and query relative to the base URL)."""
    return f"/v4/billing/price-system?zone_id={zone}&currency=EUR"


@dataclass(frozen=True)
class CountableTier:
    """One tier of a countable service: up to ``max_gb`` (``None``: unbounded) at ``price``."""

    max_gb: Decimal | None
    price: Decimal
    """EUR per GB, or per GB-month when the service is priced per time interval."""


@dataclass(frozen=True)
class PriceBook:
    """The price system of one zone, indexed for lookups."""

    zone: str
    reader: Payload
    runtime: dict[str, tuple[int, dict[str, Any]]]
    """Lower-cased ``slug_id`` -> (index, entry): Clever Cloud's own join is case-insensitive."""
    countable: dict[str, tuple[int, dict[str, Any]]]
    """``service`` -> (index, entry)."""

    def hourly(self, price_id: str) -> Decimal | None:
        """EUR per hour of the runtime entry joined to ``price_id``, or None when it has none."""
        found = self.runtime.get(price_id.lower())
        if found is None:
            return None
        index, entry = found
        field = f"runtime[{index}]"
        unit = self.reader.string(entry, "time_unit", field)
        if unit not in _HOURS:
            raise self.reader.error(f"unknown price time unit {unit!r}", f"{field}.time_unit")
        return self.reader.decimal(entry, "price", field) / _HOURS[unit]

    def tiers(self, service: str, *, per_month: bool) -> list[CountableTier] | None:
        """Tiers of a countable service in EUR per GB (per GB-month when ``per_month``)."""
        found = self.countable.get(service)
        if found is None:
            return None
        index, entry = found
        reader, field = self.reader, f"countable[{index}]"
        if reader.string(entry, "data_unit", field) != "B":
            raise reader.error(f"unknown data unit for {service}", f"{field}.data_unit")
        quantity = reader.obj(entry, "data_quantity_for_price", field)
        bytes_per_price = reader.decimal(quantity, "quantity", f"{field}.data_quantity_for_price")
        if bytes_per_price == 0:
            raise reader.error("must be positive", f"{field}.data_quantity_for_price.quantity")
        interval = entry.get("time_interval_for_price")
        if per_month:
            # A stored quantity is billed per interval: only per-hour stays unambiguous (x 730).
            interval = reader.mapping(interval, f"{field}.time_interval_for_price")
            name = reader.string(interval, "interval", f"{field}.time_interval_for_price")
            if name != "PT1H":
                raise reader.error(f"unknown {name!r}", f"{field}.time_interval_for_price.interval")
            scale = GB / bytes_per_price * HOURS_PER_MONTH
        else:
            if interval is not None:
                raise reader.error("expected null (per GB)", f"{field}.time_interval_for_price")
            scale = GB / bytes_per_price
        plans = reader.array(entry, "price_plans", field)
        tiers: list[CountableTier] = []
        for number, raw_plan in enumerate(plans):
            plan_field = f"{field}.price_plans[{number}]"
            plan = reader.mapping(raw_plan, plan_field)
            bound = reader.get(plan, "max_quantity", plan_field)
            max_bytes = reader.number(bound, f"{plan_field}.max_quantity") if bound else None
            if bound is not None and max_bytes is None:
                raise reader.error("a tier bound must be positive", f"{plan_field}.max_quantity")
            # Tiers are bounded by cumulative quantities: each bound above the previous one.
            if tiers and (
                tiers[-1].max_gb is None
                or (max_bytes is not None and max_bytes <= tiers[-1].max_gb * GB)
            ):
                raise reader.error("tiers are not in ascending order", f"{plan_field}.max_quantity")
            price = reader.decimal(plan, "price", plan_field) * scale
            tiers.append(CountableTier(None if max_bytes is None else max_bytes / GB, price))
        if not tiers or tiers[-1].max_gb is not None:
            raise reader.error("the last tier must be unbounded", f"{field}.price_plans")
        return tiers


def parse_price_book(body: Any, zone: str, provider: str, endpoint: str) -> PriceBook:
    """Index one zone's price-system body; raise CatalogError when its shape is wrong."""
    reader = Payload(provider, endpoint)
    root = reader.mapping(body, "")
    zone_id = reader.string(root, "zone_id", "")
    if zone_id.lower() != zone.lower():
        raise reader.error(f"price system of zone {zone_id!r}, expected {zone!r}", "zone_id")
    reader.require_eur(root, "currency", "")
    runtime: dict[str, tuple[int, dict[str, Any]]] = {}
    for index, raw in enumerate(reader.array(root, "runtime", "")):
        entry = reader.mapping(raw, f"runtime[{index}]")
        slug = reader.string(entry, "slug_id", f"runtime[{index}]").lower()
        if slug in runtime and runtime[slug][1].get("price") != entry.get("price"):
            raise reader.error(f"two different prices for {slug!r}", f"runtime[{index}].slug_id")
        runtime.setdefault(slug, (index, entry))
    countable: dict[str, tuple[int, dict[str, Any]]] = {}
    for index, raw in enumerate(reader.array(root, "countable", "")):
        entry = reader.mapping(raw, f"countable[{index}]")
        service = reader.string(entry, "service", f"countable[{index}]")
        if service in countable:
            raise reader.error(f"duplicate service {service!r}", f"countable[{index}].service")
        countable[service] = (index, entry)
    return PriceBook(zone, reader, runtime, countable)


def tier_for(tiers: list[CountableTier], size_gb: Decimal) -> CountableTier:
    """The tier whose range holds ``size_gb``: Clever Cloud's simulator prices the whole
    quantity of Cellar storage and egress at that one tier (tiers are not progressive)."""
    for tier in tiers:
        if tier.max_gb is None or size_gb <= tier.max_gb:
            return tier
    return tiers[-1]


def free_allowance(tiers: list[CountableTier]) -> Decimal:
    """GB covered by the leading zero-priced tiers (Cellar's free 100 MB)."""
    free = Decimal(0)
    for tier in tiers:
        if tier.price != 0 or tier.max_gb is None:
            break
        free = tier.max_gb
    return free


def describe(tiers: list[CountableTier], unit: str) -> str:
    """Tiers in words for a source note: ``up to 1000 GB: 0.0207644 EUR/GB-month; ...``."""
    parts = []
    for tier in tiers:
        bound = "beyond" if tier.max_gb is None else f"up to {_plain(tier.max_gb)} GB"
        parts.append(f"{bound}: {_plain(round(tier.price, 8))} EUR/{unit}")
    return "; ".join(parts)


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")
