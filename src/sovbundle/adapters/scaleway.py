"""Scaleway adapter: the public Product Catalog -> Instance and Elastic Metal offers per zone.

``GET {base}/product-catalog/v2alpha1/public-catalog/products`` (no authentication), paged by
``page`` / ``page_size`` until ``total_count`` products are read. Each product has a
``retail_price {currency_code, units, nanos}`` for one ``unit_of_measure {unit, size}``:
``amount = units + nanos / 1e9`` per ``size`` units; GPU Instances are priced per minute and
become per-hour prices (x 60, exact in Decimal).

Instances and Elastic Metal are sold per zone (``fr-par-1``), which is what sovbundle calls a
region. Elastic Metal has hourly and monthly SKUs of one server, plus a one-time setup fee;
they become one offer (hourly price, the monthly SKU as its monthly price). Apple silicon
(macOS hosts) is not modelled, and the catalog's database, object storage and Kubernetes
entries have no recorded body to learn their shape from: the curated facts price those.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from sovbundle.adapters._payload import Payload, plain
from sovbundle.adapters.base import RawCatalog, join_url, request_json, response_keys
from sovbundle.catalog.facts import ProviderFacts
from sovbundle.errors import CatalogError
from sovbundle.models import (
    Evidence,
    EvidenceClass,
    Offer,
    OfferStatus,
    Price,
    PriceQuality,
    PriceRecord,
    PriceUnit,
    Source,
    VmSpecs,
)

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_BASE_URL",
    "PAGE_SIZE",
    "PRODUCTS_PATH",
    "PROVIDER_ID",
    "fetch",
    "normalize",
    "normalize_dataset",
]

PROVIDER_ID = "scaleway"
DEFAULT_BASE_URL = "https://api.scaleway.com"
PRODUCTS_PATH = "/product-catalog/v2alpha1/public-catalog/products"
PRODUCT_TYPES = ("instance", "elastic_metal")
"""The product types ``fetch`` asks for: those ``normalize`` turns into offers."""
PAGE_SIZE = 100
MAX_PAGES = 200
"""A guard against a server that never reaches ``total_count`` (5452 products = 55 pages)."""

_NANO = Decimal("1E-9")
_MINUTES_PER_HOUR = 60

_STATUSES: dict[str, OfferStatus | None] = {
    "general_availability": OfferStatus.GA,
    "public_beta": OfferStatus.BETA,
    "preview": OfferStatus.BETA,
    "end_of_new_features": OfferStatus.DEPRECATED,
    "end_of_growth": OfferStatus.DEPRECATED,
    "end_of_deployment": OfferStatus.DEPRECATED,
    "end_of_support": OfferStatus.DEPRECATED,
    "end_of_sale": OfferStatus.DEPRECATED,
    # No longer sold: retired products even carry a price of 0 (VC1-S), so they are skipped.
    "end_of_life": None,
    "retired": None,
}
_ARCHES: dict[str, Literal["x86_64", "arm64"] | None] = {
    "x64": "x86_64",
    "arm64": "arm64",
    "apple_silicon": None,  # macOS hosts: not a general-purpose VM
    "riscv": None,
}
_GPU_NAME = re.compile(r"-(?P<count>\d+)-(?P<memory>\d+)G$")
"""GPU memory is only in the offer name (``L4-1-24G``: 1 GPU of 24 GB); the catalog lacks it."""
_GIB = Decimal(2**30)
_GB = Decimal(10**9)


async def fetch(client: httpx.AsyncClient, base_url: str = DEFAULT_BASE_URL) -> RawCatalog:
    """Fetch every page of the Instance and Elastic Metal products, keyed by page."""
    from datetime import UTC, datetime

    fetched_at = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    types = "&".join(f"product_types={t}" for t in PRODUCT_TYPES)
    responses: dict[str, Any] = {}
    seen = 0
    for page in range(1, MAX_PAGES + 1):
        key = f"{PRODUCTS_PATH}?{types}&page={page}&page_size={PAGE_SIZE}"
        url = join_url(base_url, key)
        body, _ = await request_json(client, PROVIDER_ID, "GET", url)
        reader = Payload(PROVIDER_ID, url)
        page_body = reader.mapping(body, "")
        count = len(reader.array(page_body, "products", ""))
        total = reader.integer(page_body, "total_count", "")
        responses[key] = body
        seen += count
        if seen >= total or count == 0:
            return RawCatalog(PROVIDER_ID, fetched_at, responses, base_url)
    raise CatalogError(
        PROVIDER_ID,
        f"more than {MAX_PAGES} pages without reaching total_count",
        endpoint=join_url(base_url, PRODUCTS_PATH),
    )


@dataclass
class _Server:
    """One server type in one zone, gathered across its hourly / monthly / setup SKUs."""

    sku: str
    zone: str
    specs: VmSpecs
    status: OfferStatus
    prices: dict[str, Decimal] = field(default_factory=dict)
    """``hour``, ``month`` or ``setup`` -> EUR."""
    skus: list[str] = field(default_factory=list)
    endpoint: str = ""
    as_of: str = ""
    """Recording date of the newest body that priced this server."""
    per_minute: bool = False
    history: list[tuple[str, Decimal, str, str]] = field(default_factory=list)
    """Superseded prices: (unit, EUR, as_of, endpoint) of an older body."""


def normalize(raw: RawCatalog, facts: ProviderFacts) -> list[Offer]:
    """Offers of every products page in ``raw``.

    Bodies are read oldest first (by their recording date): a product seen in two bodies takes
    the newer one's price, and a different older price is kept as the offer's history.
    """
    keys = response_keys(raw, PRODUCTS_PATH)
    if not keys:
        raise CatalogError(PROVIDER_ID, f"no {PRODUCTS_PATH} response in the raw catalog")
    servers: dict[tuple[str, str], _Server] = {}
    seen_skus: dict[tuple[str, str], str] = {}
    for key in sorted(keys, key=lambda k: (raw.as_of(k)[:10], k)):
        reader = Payload(PROVIDER_ID, join_url(raw.base_url, key))
        body = reader.mapping(raw.responses[key], "")
        as_of = raw.as_of(key)
        for i, item in enumerate(reader.array(body, "products", "")):
            product = reader.mapping(item, f"products[{i}]")
            _read_product(reader, product, i, as_of, servers, seen_skus)
    known = {region.id for region in facts.provider.regions}
    return [
        _offer(server)
        for _, server in sorted(servers.items())
        if server.zone in known  # a zone the curated table lacks has no country: not placeable
    ]


def _read_product(
    reader: Payload,
    product: dict[str, Any],
    index: int,
    as_of: str,
    servers: dict[tuple[str, str], _Server],
    seen_skus: dict[tuple[str, str], str],
) -> None:
    path = f"products[{index}]"
    properties = reader.obj(product, "properties", path)
    family = "instance" if "instance" in properties else None
    family = "elastic_metal" if "elastic_metal" in properties else family
    if family is None:
        return  # Apple silicon, databases, storage...: see the module docstring
    status_name = reader.string(product, "status", path)
    if status_name not in _STATUSES:
        raise reader.error(f"unknown product status {status_name!r}", f"{path}.status")
    status = _STATUSES[status_name]
    if status is None:
        return
    locality = reader.obj(product, "locality", path)
    if "zone" not in locality:
        raise reader.error("Instance / Elastic Metal product without a zone", f"{path}.locality")
    zone = reader.string(locality, "zone", f"{path}.locality")
    catalog_sku = reader.string(product, "sku", path)
    if seen_skus.get((catalog_sku, zone)) == as_of:
        return  # the same product recorded under two queries of one day
    newer = (catalog_sku, zone) in seen_skus  # read again from a newer body
    seen_skus[(catalog_sku, zone)] = as_of
    unit, amount, per_minute = _price(reader, product, path)
    name = reader.string(properties[family], "offer_id", f"{path}.properties.{family}")
    if family == "elastic_metal":
        # Elastic Metal offer ids are UUIDs shared by a server's SKUs; its name is readable.
        name = (
            reader.string(product, "product", path).removeprefix("Elastic Metal ").strip() or name
        )
    specs = _specs(reader, product, path, name, dedicated=family == "elastic_metal")
    if specs is None:
        return
    server = servers.setdefault(
        (name, zone), _Server(name, zone, specs, status, endpoint=reader.endpoint, as_of=as_of)
    )
    if unit in server.prices and server.prices[unit] != amount:
        if not newer:
            raise reader.error(f"two different {unit} prices for {name} in {zone}", f"{path}.price")
        server.history.append((unit, server.prices[unit], server.as_of, server.endpoint))
    if newer or as_of > server.as_of:
        server.endpoint, server.as_of, server.status = reader.endpoint, as_of, status
    server.prices[unit] = amount
    if catalog_sku not in server.skus:
        server.skus.append(catalog_sku)
    server.per_minute = server.per_minute or per_minute


def _price(reader: Payload, product: dict[str, Any], path: str) -> tuple[str, Decimal, bool]:
    """The retail price as (``hour`` | ``month`` | ``setup``, EUR per one, was per minute)."""
    price_path = f"{path}.price.retail_price"
    retail = reader.obj(reader.obj(product, "price", path), "retail_price", f"{path}.price")
    reader.require_eur(retail, "currency_code", price_path)
    nanos = reader.integer(retail, "nanos", price_path)
    if nanos >= 10**9:
        raise reader.error(f"nanos out of range: {nanos}", f"{price_path}.nanos")
    amount = reader.integer(retail, "units", price_path) + nanos * _NANO
    measure = reader.obj(product, "unit_of_measure", path)
    unit = reader.string(measure, "unit", f"{path}.unit_of_measure")
    size = reader.integer(measure, "size", f"{path}.unit_of_measure", minimum=1)
    if unit == "minute":
        return "hour", plain(amount * _MINUTES_PER_HOUR / size), True
    if unit in ("hour", "month", "setup"):
        return unit, plain(amount / size), False
    raise reader.error(f"unknown price unit {unit!r}", f"{path}.unit_of_measure.unit")


def _specs(
    reader: Payload, product: dict[str, Any], path: str, name: str, *, dedicated: bool
) -> VmSpecs | None:
    hw_path = f"{path}.properties.hardware"
    properties = reader.obj(product, "properties", path)
    hardware = reader.obj(properties, "hardware", f"{path}.properties")
    cpu = reader.obj(hardware, "cpu", hw_path)
    arch_name = reader.string(cpu, "arch", f"{hw_path}.cpu")
    if arch_name not in _ARCHES:
        raise reader.error(f"unknown CPU architecture {arch_name!r}", f"{hw_path}.cpu.arch")
    arch = _ARCHES[arch_name]
    if arch is None:
        return None
    ram = reader.obj(hardware, "ram", hw_path)
    disk_bytes = 0
    if hardware.get("storage") is not None:
        disk_bytes = reader.integer(hardware["storage"], "total", f"{hw_path}.storage")
    gpus, gpu_model, gpu_memory = 0, None, None
    if hardware.get("gpu") is not None:
        gpu = reader.obj(hardware, "gpu", hw_path)
        gpus = reader.integer(gpu, "count", f"{hw_path}.gpu")
        gpu_model = reader.string(gpu, "type", f"{hw_path}.gpu") if gpus else None
        match = _GPU_NAME.search(name)
        if gpus and match and int(match["count"]) == gpus:
            gpu_memory = Decimal(match["memory"])
    return VmSpecs(
        vcpus=reader.integer(cpu, "threads", f"{hw_path}.cpu", minimum=1),
        memory_gb=plain(reader.integer(ram, "size", f"{hw_path}.ram", minimum=1) / _GIB),
        # Block-storage Instances report 0 local bytes: their disk is bought separately.
        disk_gb=plain(disk_bytes / _GB) if disk_bytes else None,
        arch=arch,
        gpus=gpus,
        gpu_model=gpu_model,
        gpu_memory_gb=gpu_memory,
        dedicated=dedicated,
    )


def _offer(server: _Server) -> Offer:
    hourly, monthly = server.prices.get("hour"), server.prices.get("month")
    notes = [f"catalog SKUs {', '.join(sorted(server.skus))}"]
    if server.per_minute:
        notes.append("priced per minute in the catalog; per hour = x 60")
    if hourly is not None:
        price = Price(amount=hourly, unit=PriceUnit.HOUR)
        monthly_amount = monthly
    elif monthly is not None:
        price, monthly_amount = Price(amount=monthly, unit=PriceUnit.MONTH), None
    else:
        price = Price(
            amount=None,
            unit=PriceUnit.MONTH,
            quality=PriceQuality.UNKNOWN,
            note="the catalog lists only a setup fee for this server",
        )
        monthly_amount = None
    if "setup" in server.prices:
        notes.append(f"one-time setup fee {server.prices['setup']} EUR not included")
    history = tuple(
        PriceRecord(
            amount=amount,
            unit=PriceUnit.HOUR if unit == "hour" else PriceUnit.MONTH,
            evidence=Evidence(class_=EvidenceClass.API, source=endpoint, as_of=as_of),
        )
        for unit, amount, as_of, endpoint in reversed(server.history)
        if unit in ("hour", "month")
    )
    return Offer(
        provider=PROVIDER_ID,
        kind="vm",
        sku=server.sku,
        region=server.zone,
        specs=server.specs,
        price=price,
        monthly_amount=monthly_amount,
        status=server.status,
        source=Source(kind="api", url=server.endpoint, as_of=server.as_of, note="; ".join(notes)),
        price_evidence=Evidence(
            class_=EvidenceClass.API, source=server.endpoint, as_of=server.as_of
        ),
        price_history=history,
    )


_FOUR_DECIMALS = Decimal("0.00005")
"""Half a unit of the dataset's rounding: closer prices are the same price."""


EM_PROJECTION = "scaleway-cli-em-2026-09-25"
"""The hand-transcribed projection of the 2026-09-25 Elastic Metal Product Catalog body."""


def normalize_dataset(
    name: str,
    body: Any,
    facts: ProviderFacts,
    evidence: Evidence,
    offers: Sequence[Offer] = (),
) -> list[Offer]:
    """Offers superseded by a newer third-party dataset (the snapshot build).

    ``scaleway-cli-em-2026-09-25``: see ``_elastic_metal_projection``; it supersedes Elastic
    Metal ``offers`` read from the recorded responses.

    ``mixxor-2026-08-14``: ``{source_zone, instances: [{id, location, price_hourly}]}``, an
    automated normalisation of the Product Catalog of one zone. Where a curated Instance of that
    zone, from an older source, has another hourly price (beyond the dataset's 4-decimal
    rounding), the newer figure wins and the older price is kept in ``price_history``; the
    dataset's monthly figure is hourly x 730, not a published price, so no monthly price stays.
    """
    if name == EM_PROJECTION:
        return _elastic_metal_projection(body, offers, evidence)
    if name != "mixxor-2026-08-14":
        raise CatalogError(PROVIDER_ID, f"unknown dataset {name!r}")
    reader = Payload(PROVIDER_ID, evidence.source)
    root = reader.mapping(body, "")
    newer: dict[tuple[str, str], Decimal] = {}
    for i, raw_item in enumerate(reader.array(root, "instances", "")):
        item = reader.mapping(raw_item, f"instances[{i}]")
        key = (reader.string(item, "id", f"instances[{i}]"), reader.string(item, "location", ""))
        newer[key] = reader.decimal(item, "price_hourly", f"instances[{i}]")
    assert evidence.as_of is not None
    offers = []
    for offer in facts.curated_offers:
        hourly = newer.get((offer.sku, offer.region))
        old = offer.evidence
        if (
            hourly is None
            or offer.kind != "vm"
            or offer.price.unit is not PriceUnit.HOUR
            or offer.price.amount is None
            or abs(offer.price.amount - hourly) <= _FOUR_DECIMALS
            or old is None
            or old.as_of is None
            or old.as_of[:10] >= evidence.as_of[:10]
        ):
            continue
        note = (
            f"hourly price {hourly} from the {evidence.as_of[:10]} catalog supersedes "
            f"{offer.price.amount} of {old.as_of} (kept in price_history)"
        )
        offers.append(_superseded(offer, old, hourly, None, note, evidence))
    return offers


def _elastic_metal_projection(
    body: Any, offers: Sequence[Offer], evidence: Evidence
) -> list[Offer]:
    """Elastic Metal offers whose price the 2026-09-25 reading of the catalog changed.

    The body is ``{_provenance: {total_count_in_body}, products: [{product, zone, status,
    sku_hourly, hourly_eur, sku_monthly, monthly_eur, setup_fee_sku, setup_fee_eur}]}``: one row
    per server, its hourly, monthly and (when listed) setup fee SKUs. The SKUs are counted
    against the body's ``total_count``. Where an offer read from an older recorded body has
    another hourly or monthly price, the newer figures win and the older ones are kept in
    ``price_history`` with their own evidence. The rows carry no hardware, so a product that
    no recorded body describes is not an offer (the provider's gaps name them).
    """
    reader = Payload(PROVIDER_ID, evidence.source)
    root = reader.mapping(body, "")
    provenance = reader.obj(root, "_provenance", "")
    total = reader.integer(provenance, "total_count_in_body", "_provenance")
    rows = reader.array(root, "products", "")
    assert evidence.as_of is not None
    day = evidence.as_of[:10]
    known = {(o.sku, o.region): o for o in offers if o.kind == "vm"}
    skus = 0
    superseded = []
    for i, raw_row in enumerate(rows):
        path = f"products[{i}]"
        row = reader.mapping(raw_row, path)
        sku = reader.string(row, "product", path)
        zone = reader.string(row, "zone", path)
        hourly = reader.decimal(row, "hourly_eur", path, allow_string=True)
        monthly = reader.decimal(row, "monthly_eur", path, allow_string=True)
        fee = (
            None
            if row.get("setup_fee_sku") is None
            else reader.decimal(row, "setup_fee_eur", path, allow_string=True)
        )
        skus += 2 if fee is None else 3
        offer = known.get((sku, zone))
        old = None if offer is None else offer.evidence
        if (
            offer is None
            or old is None
            or old.as_of is None
            or old.as_of[:10] >= day
            or offer.price.unit is not PriceUnit.HOUR
            or offer.price.amount is None
            or (offer.price.amount, offer.monthly_amount) == (hourly, monthly)
        ):
            continue
        note = (
            f"{hourly} EUR/h and {monthly} EUR/month from the {day} catalog (hand-transcribed) "
            f"supersede {offer.price.amount} and {offer.monthly_amount} of {old.as_of[:10]} "
            "(kept in price_history)"
        )
        if fee is not None:
            note += f"; one-time setup fee {fee} EUR not included"
        superseded.append(_superseded(offer, old, hourly, monthly, note, evidence))
    if skus != total:
        raise reader.error(f"{skus} SKUs in the products, total_count says {total}", "_provenance")
    return superseded


def _superseded(
    offer: Offer,
    old: Evidence,
    hourly: Decimal,
    monthly: Decimal | None,
    note: str,
    evidence: Evidence,
) -> Offer:
    """``offer`` repriced from a newer source: ``hourly`` (and ``monthly``, or no monthly
    figure) with ``evidence``; its former price goes first in ``price_history`` with ``old``,
    the evidence it was read with."""
    record = PriceRecord(
        amount=offer.price.amount,
        unit=offer.price.unit,
        monthly_amount=offer.monthly_amount,
        evidence=old,
    )
    return offer.model_copy(
        update={
            "price": offer.price.model_copy(update={"amount": hourly, "note": note}),
            "monthly_amount": monthly,
            "price_evidence": evidence,
            "price_history": (record, *offer.price_history),
        }
    )
