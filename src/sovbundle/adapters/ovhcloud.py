"""OVHcloud adapter: the public order catalogs -> Public Cloud instances and dedicated servers.

``GET {base}/order/catalog/public/cloud?ovhSubsidiary=FR`` and ``.../eco?ovhSubsidiary=FR``
(no authentication, one large JSON document each, no paging; dedicated servers are read by
``_ovhcloud_dedicated``). Public Cloud instances are ``addons`` of product
``publiccloud-instance`` whose plan code tells the billing plan and the price zone:

* ``<flavor>.consumption``: hourly, ``<flavor>.monthly.postpaid``: monthly (where present it is
  the offer's monthly price, which is not hourly x 730: ``d2-2`` is 5.71, not 7.59);
* a further suffix (``.3AZ``, ``.LZ.EU``...) names a price zone; no suffix is zone ``default``.

Prices are integers in 1e-8 of the catalog currency (EUR), excluding VAT. The catalog does not
say which regions sell a flavor (only authenticated APIs do), so each flavor is expanded to the
curated regions whose ``Region.price_zone`` matches its zone, and the offer's source says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sovbundle.adapters._ovhcloud_dedicated import ECO_PATH, PRICE_SCALE, dedicated_offers
from sovbundle.adapters._payload import Payload, plain
from sovbundle.adapters.base import RawCatalog, join_url, request_json, response_keys
from sovbundle.catalog.facts import ProviderFacts
from sovbundle.errors import CatalogError
from sovbundle.models import (
    Evidence,
    Offer,
    OfferStatus,
    Price,
    PriceUnit,
    Source,
    VmSpecs,
)

if TYPE_CHECKING:
    import httpx

__all__ = [
    "CLOUD_ENDPOINT",
    "DEDICATED_ZONE",
    "DEFAULT_BASE_URL",
    "ECO_ENDPOINT",
    "PROVIDER_ID",
    "fetch",
    "normalize",
    "normalize_dataset",
]

PROVIDER_ID = "ovhcloud"
DEFAULT_BASE_URL = "https://eu.api.ovh.com/1.0"
CATALOG_PATH = "/order/catalog/public/cloud"
CLOUD_ENDPOINT = f"{CATALOG_PATH}?ovhSubsidiary=FR"
ECO_ENDPOINT = f"{ECO_PATH}?ovhSubsidiary=FR"

DEDICATED_ZONE = "dedicated"
"""The ``Region.price_zone`` of dedicated-server datacentres (``gra``, ``rbx``...)."""

DEFAULT_ZONE = "default"
"""The price zone of plan codes without a zone suffix (``b3-8.consumption``)."""

_INSTANCE_PRODUCT = "publiccloud-instance"
_PLAN_CODE = re.compile(
    r"^(?P<flavor>[a-z0-9][a-z0-9-]*)\.(?P<plan>consumption|monthly\.postpaid)(?:\.(?P<zone>.+))?$"
)
_INTERVAL_UNITS = {"hour": PriceUnit.HOUR, "month": PriceUnit.MONTH}


async def fetch(client: httpx.AsyncClient, base_url: str = DEFAULT_BASE_URL) -> RawCatalog:
    """Fetch the FR-subsidiary Public Cloud and dedicated-server (eco) catalogs."""
    from datetime import UTC, datetime

    fetched_at = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    responses: dict[str, Any] = {}
    for endpoint in (CLOUD_ENDPOINT, ECO_ENDPOINT):
        url = join_url(base_url, endpoint)
        responses[endpoint], _ = await request_json(client, PROVIDER_ID, "GET", url)
    return RawCatalog(PROVIDER_ID, fetched_at, responses, base_url)


@dataclass
class _Flavor:
    """The plans of one flavor in one price zone, gathered across addons."""

    flavor: str
    zone: str
    specs: VmSpecs
    status: OfferStatus
    prices: dict[PriceUnit, Decimal] = field(default_factory=dict)
    plan_codes: list[str] = field(default_factory=list)


def normalize(raw: RawCatalog, facts: ProviderFacts) -> list[Offer]:
    """Offers of every catalog body in ``raw``: instances per flavor, zone and region, and
    dedicated servers per datacentre."""
    offers: list[Offer] = []
    cloud, eco = response_keys(raw, CATALOG_PATH), response_keys(raw, ECO_PATH)
    if not cloud:
        raise CatalogError(PROVIDER_ID, f"no {CATALOG_PATH} response in the raw catalog")
    zones: dict[str, list[str]] = {}
    for region in facts.provider.regions:
        zones.setdefault(region.price_zone or DEFAULT_ZONE, []).append(region.id)
    for key in sorted([*cloud, *eco]):
        source_url = join_url(raw.base_url, key)
        reader = Payload(PROVIDER_ID, source_url)
        if key in eco:
            datacentres = set(zones.get(DEDICATED_ZONE, []))
            body = raw.responses[key]
            offers.extend(dedicated_offers(reader, body, datacentres, source_url, raw.as_of(key)))
            continue
        for flavor in _flavors(reader, raw.responses[key]).values():
            offers.extend(_offers(flavor, zones.get(flavor.zone, []), source_url, raw.as_of(key)))
    return offers


def _flavors(reader: Payload, body: Any) -> dict[tuple[str, str], _Flavor]:
    catalog = reader.mapping(body, "")
    _check_currency(reader, catalog)
    flavors: dict[tuple[str, str], _Flavor] = {}
    for i, item in enumerate(reader.array(catalog, "addons", "")):
        path = f"addons[{i}]"
        addon = reader.mapping(item, path)
        if addon.get("product") != _INSTANCE_PRODUCT:
            continue  # volumes, IPs, options...: not instance offers
        plan_code = reader.string(addon, "planCode", path)
        match = _PLAN_CODE.match(plan_code)
        if match is None:
            continue  # other billing forms (savings plans, options) are not list prices
        zone = match["zone"] or DEFAULT_ZONE
        unit = PriceUnit.HOUR if match["plan"] == "consumption" else PriceUnit.MONTH
        amount = _price(reader, addon, path, plan_code, unit)
        key = (match["flavor"], zone)
        if key not in flavors:
            specs = _specs(reader, addon, path)
            flavors[key] = _Flavor(match["flavor"], zone, specs, _status(addon))
        entry = flavors[key]
        if unit in entry.prices and entry.prices[unit] != amount:
            raise reader.error(
                f"two different {unit.value}ly prices for {match['flavor']} in zone {zone}",
                f"{path}.pricings",
            )
        entry.prices[unit] = amount
        entry.plan_codes.append(plan_code)
    return flavors


def _check_currency(reader: Payload, catalog: dict[str, Any]) -> None:
    # Some recorded bodies lack ``locale``; then every formattedPrice must still read in euros.
    if "locale" in catalog:
        reader.require_eur(reader.obj(catalog, "locale", ""), "currencyCode", "locale")


def _price(
    reader: Payload, addon: dict[str, Any], path: str, plan_code: str, expected: PriceUnit
) -> Decimal:
    """The list price of an instance addon: its default-mode consumption row, per ``expected``
    (an hourly plan priced per month, or the reverse, is a shape error, not a conversion)."""
    rows = []
    for j, item in enumerate(reader.array(addon, "pricings", path)):
        row_path = f"{path}.pricings[{j}]"
        row = reader.mapping(item, row_path)
        capacities = reader.array(row, "capacities", row_path)
        if "consumption" in capacities and row.get("mode", "default") == "default":
            rows.append((row_path, row))
    if len(rows) != 1:
        raise reader.error(
            f"{plan_code}: expected one default consumption pricing, found {len(rows)}",
            f"{path}.pricings",
        )
    row_path, row = rows[0]
    interval_unit = reader.string(row, "intervalUnit", row_path)
    unit = _INTERVAL_UNITS.get(interval_unit)
    if unit is None:
        raise reader.error(f"unknown price unit {interval_unit!r}", f"{row_path}.intervalUnit")
    if unit is not expected:
        raise reader.error(
            f"{plan_code} is priced per {interval_unit}, expected per {expected.value}",
            f"{row_path}.intervalUnit",
        )
    interval = reader.integer(row, "interval", row_path, minimum=1)
    formatted = row.get("formattedPrice")
    if isinstance(formatted, str) and "€" not in formatted:
        raise reader.error(f"price not in EUR: {formatted!r}", f"{row_path}.formattedPrice")
    amount = reader.integer(row, "price", row_path) * PRICE_SCALE / interval
    return plain(amount)


def _specs(reader: Payload, addon: dict[str, Any], path: str) -> VmSpecs:
    blobs = reader.obj(addon, "blobs", path)
    tech_path = f"{path}.blobs.technical"
    technical = reader.obj(blobs, "technical", f"{path}.blobs")
    cpu = reader.obj(technical, "cpu", tech_path)
    memory = reader.obj(technical, "memory", tech_path)
    disk_gb: Decimal | None = None
    if "storage" in technical:
        storage = reader.obj(technical, "storage", tech_path)
        total = Decimal(0)
        for k, item in enumerate(reader.array(storage, "disks", f"{tech_path}.storage")):
            disk_path = f"{tech_path}.storage.disks[{k}]"
            disk = reader.mapping(item, disk_path)
            number = reader.integer(disk, "number", disk_path) if "number" in disk else 1
            total += reader.decimal(disk, "capacity", disk_path) * number
        disk_gb = total or None
    gpus, gpu_model, gpu_memory = 0, None, None
    if technical.get("gpu") is not None:
        gpu = reader.obj(technical, "gpu", tech_path)
        gpus = reader.integer(gpu, "number", f"{tech_path}.gpu", minimum=1)
        gpu_model = reader.string(gpu, "model", f"{tech_path}.gpu")
        if "memory" in gpu:
            gpu_mem = reader.obj(gpu, "memory", f"{tech_path}.gpu")
            gpu_memory = reader.decimal(gpu_mem, "size", f"{tech_path}.gpu.memory")
    return VmSpecs(
        vcpus=reader.integer(cpu, "cores", f"{tech_path}.cpu", minimum=1),
        memory_gb=reader.decimal(memory, "size", f"{tech_path}.memory"),
        disk_gb=disk_gb,
        # Public Cloud flavors are x86_64; the catalog has no architecture field.
        arch="x86_64",
        gpus=gpus,
        gpu_model=gpu_model,
        gpu_memory_gb=gpu_memory,
    )


def _status(addon: dict[str, Any]) -> OfferStatus:
    blobs = addon.get("blobs")
    tags = blobs.get("tags") if isinstance(blobs, dict) else None
    tags = tags if isinstance(tags, list) else []
    # ``coming_soon`` alone (without ``active``) announces a flavor not yet generally sold.
    if "coming_soon" in tags and "active" not in tags:
        return OfferStatus.BETA
    return OfferStatus.GA


def _offers(flavor: _Flavor, regions: list[str], source_url: str, as_of: str) -> list[Offer]:
    hourly = flavor.prices.get(PriceUnit.HOUR)
    monthly = flavor.prices.get(PriceUnit.MONTH)
    if hourly is not None:
        price = Price(amount=hourly, unit=PriceUnit.HOUR)
    else:
        assert monthly is not None  # every flavor entry holds at least one price
        price = Price(amount=monthly, unit=PriceUnit.MONTH)
    note = (
        f"plan codes {', '.join(sorted(flavor.plan_codes))}; price zone {flavor.zone!r}, "
        "expanded to every curated region of that zone: the public catalog does not list "
        "regions (per-region availability is only in authenticated APIs)"
    )
    return [
        Offer(
            provider=PROVIDER_ID,
            kind="vm",
            sku=flavor.flavor,
            region=region,
            specs=flavor.specs,
            price=price,
            monthly_amount=monthly if hourly is not None else None,
            status=flavor.status,
            source=Source(kind="api", url=source_url, as_of=as_of, note=note),
        )
        for region in regions
    ]


_MONTHLY_MATCH = Decimal("0.005")
"""How far an offer's hourly price may be from the rendering's (rounded to 0.01 EUR) for the
two to be read as one price list."""


def normalize_dataset(
    name: str,
    body: Any,
    facts: ProviderFacts,
    evidence: Evidence,
    offers: Sequence[Offer] = (),
) -> list[Offer]:
    """Offers completed from a third-party dataset of ``providers/raw/ovhcloud`` (snapshot build).

    ``feoche-monthly``: ``{monthly_eur: {flavour: "24.20"}, hourly_eur: {flavour: "0.07"}}``,
    OVHcloud's published monthly plans (``<flavour>.monthly.postpaid``) as a third party rendered
    the order catalog. A curated hourly-only VM of the default price zone whose hourly price is
    that rendering's (within its rounding) gets the monthly plan as its monthly price; the
    offer's evidence becomes the rendering's (the plan uses the monthly figure), its note keeps
    where the hourly figure came from.
    """
    if name != "feoche-monthly":
        raise CatalogError(PROVIDER_ID, f"unknown dataset {name!r}")
    reader = Payload(PROVIDER_ID, evidence.source)
    root = reader.mapping(body, "")
    monthly = reader.obj(root, "monthly_eur", "")
    hourly = reader.obj(root, "hourly_eur", "")
    zones = {r.id: r.price_zone or DEFAULT_ZONE for r in facts.provider.regions}
    offers = []
    for offer in facts.curated_offers:
        amount = offer.price.amount
        if (
            offer.kind != "vm"
            or offer.sku not in monthly
            or offer.sku not in hourly
            or offer.monthly_amount is not None
            or offer.price.unit is not PriceUnit.HOUR
            or amount is None
            or zones.get(offer.region) != DEFAULT_ZONE
        ):
            continue
        rendered = reader.decimal(hourly, offer.sku, "hourly_eur", allow_string=True)
        if abs(amount - rendered) > _MONTHLY_MATCH:
            continue  # another price list (subsidiary or date): the monthly plan is not its own
        month = reader.decimal(monthly, offer.sku, "monthly_eur", allow_string=True)
        where = offer.price_evidence.source if offer.price_evidence else offer.source.url
        offers.append(
            offer.model_copy(
                update={
                    "monthly_amount": month,
                    "price_evidence": evidence.model_copy(
                        update={
                            "note": f"monthly plan {offer.sku}.monthly.postpaid {month} EUR from "
                            f"this rendering; the hourly price {amount} from {where}"
                        }
                    ),
                }
            )
        )
    return offers
