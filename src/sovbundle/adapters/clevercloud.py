"""Clever Cloud adapter: PaaS app flavours, managed databases and Cellar from the public API.

Endpoints (no credentials), all relative to ``https://api.clever-cloud.com``:

* ``GET /v2/products/instances``: runtimes and their flavours -> ``app`` offers (a flavour sold
  by several runtimes is one offer listing them all; ML flavours carry their GPU);
* ``GET /v2/products/addonproviders``: add-on plans -> ``database`` offers (PostgreSQL, MySQL,
  MongoDB, Redis, Elasticsearch) and Cellar -> ``object_storage``;
* ``GET /v4/products/zones``: which zones exist, which are private (``scope:private``: never
  offered), which run applications (``for:applications``) or GPU apps
  (``for:applications-ml``), and which are HDS (``certification:hds``);
* ``GET /v4/billing/price-system?zone_id=<zone>&currency=EUR``, once per public zone: the
  authoritative prices, joined to ``price_id`` case-insensitively (see ``_clevercloud_prices``).

Where a zone has no price system of its own (none was recorded, or the API answered 404, which
it documents as "no price system"), the ``par`` price system is used and the offer's source note
says so: Clever Cloud states "prices are the same on all zones right now".

Offers exist only in zones the curated facts describe (country, city, operator come from there).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sovbundle.adapters._clevercloud_prices import (
    PriceBook,
    describe,
    free_allowance,
    parse_price_book,
    price_system_key,
    tier_for,
)
from sovbundle.adapters._payload import Payload
from sovbundle.adapters.base import RawCatalog, join_url, request_json
from sovbundle.catalog.facts import ProviderFacts
from sovbundle.errors import CatalogError
from sovbundle.models import (
    AppSpecs,
    DatabaseSpecs,
    ObjectStorageSpecs,
    Offer,
    OfferStatus,
    Price,
    PriceQuality,
    PriceUnit,
    Source,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["DEFAULT_BASE_URL", "PROVIDER_ID", "fetch", "normalize"]

PROVIDER_ID = "clevercloud"
DEFAULT_BASE_URL = "https://api.clever-cloud.com"

INSTANCES = "/v2/products/instances"
ADDON_PROVIDERS = "/v2/products/addonproviders"
ZONES = "/v4/products/zones"
REFERENCE_ZONE = "par"
"""The zone whose price system stands in for a zone without one (same prices on all zones)."""

DOCUMENTED_APP_ZONES = frozenset(
    {"par", "parhds", "fr-north-hds", "grahds", "ldn", "mtl"}
    | {"rbx", "rbxhds", "scw", "sgp", "syd", "wsw"}
)
"""Application zones listed by Clever Tools 4.4.1 (``CleverCloud/clever-tools``
``docs/applications-management.md`` @13f096cc): used for zones the zones body does not tag."""

ENGINES = {
    "postgresql-addon": "postgresql",
    "mysql-addon": "mysql",
    "mongodb-addon": "mongodb",
    "redis-addon": "redis",
    "es-addon": "elasticsearch",
}
"""Add-on providers sold as managed databases, by add-on provider id."""
CELLAR = "cellar-addon"

STATUSES = {
    "RELEASE": OfferStatus.GA,
    "BETA": OfferStatus.BETA,
    "ALPHA": OfferStatus.BETA,
    "DEPRECATED": OfferStatus.DEPRECATED,
}

REFERENCE_STORE_GB = Decimal(2000)
"""Cellar tiers are not progressive: one GB-month price must pick a tier. 2 TB (1-25 TB tier,
the README worked example and the plan text "15.36 EUR/TB/Mo") is a typical store."""
REFERENCE_EGRESS_GB = Decimal(300)
"""Egress tier picked the same way: up to 10 TB a month is 0.09 EUR/GB."""

_JOIN = "price_id joined case-insensitively to slug_id, EUR per hour excl. VAT"
_GIB = Decimal(2**30)  # Clever Cloud writes 2^30 bytes as "1 GB" in plan features
_MIB_PER_GIB = Decimal(1024)


async def fetch(client: httpx.AsyncClient, base_url: str = DEFAULT_BASE_URL) -> RawCatalog:
    """GET the products, the zones, then each public zone's price system (sequentially)."""
    fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
    responses: dict[str, Any] = {}
    for path in (INSTANCES, ADDON_PROVIDERS, ZONES):
        responses[path], _ = await request_json(
            client, PROVIDER_ID, "GET", join_url(base_url, path)
        )
    for zone in sorted(_zone_tags(responses[ZONES], join_url(base_url, ZONES))[0]):
        body, _ = await request_json(
            client,
            PROVIDER_ID,
            "GET",
            join_url(base_url, "/v4/billing/price-system"),
            params={"zone_id": zone, "currency": "EUR"},
            missing_ok=True,  # Clever Cloud documents 404 as "no price system for this zone"
        )
        if body is not None:
            responses[price_system_key(zone)] = body
    return RawCatalog(PROVIDER_ID, fetched_at, responses, base_url.rstrip("/"))


def normalize(raw: RawCatalog, facts: ProviderFacts) -> list[Offer]:
    """App, database and object storage offers in every public zone the facts describe."""
    base = (raw.base_url or DEFAULT_BASE_URL).rstrip("/")
    public, private = _zone_tags(_response(raw, ZONES), base + ZONES)
    books = _price_books(raw, base)
    context = _Context(raw, base, books)
    offered: dict[str, frozenset[str]] = {}
    for region in facts.provider.regions:
        if region.id in private:
            continue
        # A zone the (possibly old) zones body lacks comes from the curated facts: the
        # Clever Tools zone list says whether it runs applications.
        documented = {"for:applications"} if region.id in DOCUMENTED_APP_ZONES else set()
        tags = public.get(region.id, frozenset())
        offered[region.id] = tags | documented
    return [*_app_offers(context, offered), *_addon_offers(context, offered)]


class _Context:
    """What every offer builder needs: the raw catalog, base URL and per-zone price books."""

    def __init__(self, raw: RawCatalog, base: str, books: dict[str, PriceBook]) -> None:
        self.raw, self.base, self.books = raw, base, books

    def book(self, zone: str) -> PriceBook:
        """The zone's price book, or the reference zone's when the zone has none."""
        return self.books.get(zone) or self.books[REFERENCE_ZONE]

    def source(self, zone: str, what: str) -> Source:
        """An offer's source: the price system its price comes from, and how it was read."""
        book = self.book(zone)
        note = f"{what}; price: GET {price_system_key(book.zone)}"
        if book.zone != zone:
            note += (
                f" (no price system fetched for zone {zone}; Clever Cloud states 'prices are the"
                " same on all zones right now', clever-components pricing docs)"
            )
        url = f"{self.base}{price_system_key(book.zone)}"
        return Source(
            kind="api", url=url, as_of=self.raw.as_of(price_system_key(book.zone)), note=note
        )


def _response(raw: RawCatalog, key: str) -> Any:
    if key not in raw.responses:
        base = (raw.base_url or DEFAULT_BASE_URL).rstrip("/")
        raise CatalogError(PROVIDER_ID, "no response recorded", endpoint=base + key)
    return raw.responses[key]


def _zone_tags(body: Any, endpoint: str) -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """Public zones with their tags, and the names of private zones."""
    reader = Payload(PROVIDER_ID, endpoint)
    public: dict[str, frozenset[str]] = {}
    private: set[str] = set()
    for index, raw_zone in enumerate(reader.sequence(body, "")):
        field = f"[{index}]"
        zone = reader.mapping(raw_zone, field)
        name = reader.string(zone, "name", field)
        tags = frozenset(reader.strings(zone, "tags", field, default=[]))
        if "scope:private" in tags:
            private.add(name)
        else:
            public[name] = tags
    return public, frozenset(private)


def _price_books(raw: RawCatalog, base: str) -> dict[str, PriceBook]:
    prefix = "/v4/billing/price-system?zone_id="
    books: dict[str, PriceBook] = {}
    for key, body in raw.responses.items():
        if not key.startswith(prefix):
            continue
        zone = key[len(prefix) :].split("&", 1)[0]
        if key != price_system_key(zone):
            raise CatalogError(
                PROVIDER_ID, "unexpected price-system query (EUR expected)", endpoint=base + key
            )
        books[zone] = parse_price_book(body, zone, PROVIDER_ID, base + key)
    if REFERENCE_ZONE not in books:
        raise CatalogError(
            PROVIDER_ID,
            f"no price system for the reference zone {REFERENCE_ZONE!r}",
            endpoint=base + price_system_key(REFERENCE_ZONE),
        )
    return books


def _price(book: PriceBook, price_id: str) -> Price:
    hourly = book.hourly(price_id)
    if hourly is None:
        return Price(
            amount=None,
            unit=PriceUnit.HOUR,
            quality=PriceQuality.UNKNOWN,
            note=f"no price-system entry for {price_id} in zone {book.zone}; "
            "run `sovbundle catalog refresh clevercloud` for live prices",
        )
    return Price(amount=hourly, unit=PriceUnit.HOUR)


def _app_offers(context: _Context, zones: dict[str, frozenset[str]]) -> list[Offer]:
    endpoint = context.base + INSTANCES
    reader = Payload(PROVIDER_ID, endpoint)
    flavors: dict[str, tuple[str, AppSpecs, set[str], str]] = {}
    for index, raw_runtime in enumerate(reader.sequence(_response(context.raw, INSTANCES), "")):
        field = f"[{index}]"
        runtime = reader.mapping(raw_runtime, field)
        name = reader.string(runtime, "type", field).lower()
        usable = reader.boolean(runtime, "enabled", field, default=True)
        usable = usable and not reader.boolean(runtime, "comingSoon", field, default=False)
        raw_flavors = reader.array(runtime, "flavors", field)
        for number, raw_flavor in enumerate(raw_flavors):
            flavor_field = f"{field}.flavors[{number}]"
            flavor = reader.mapping(raw_flavor, flavor_field)
            price_id = reader.string(flavor, "price_id", flavor_field)
            gpus = reader.integer(flavor, "gpus", flavor_field) if "gpus" in flavor else 0
            specs = AppSpecs(
                vcpus=Decimal(reader.integer(flavor, "cpus", flavor_field)),
                memory_gb=Decimal(reader.integer(flavor, "mem", flavor_field)) / _MIB_PER_GIB,
                runtimes=(),
                gpus=gpus,
            )
            if not (usable and reader.boolean(flavor, "available", flavor_field, default=True)):
                continue
            # The same flavour appears under every runtime that sells it: one offer per flavour.
            # Microservice flavours (pico, nano) run on a shared, lower-priority CPU.
            what = f"specs: GET {INSTANCES}"
            if reader.boolean(flavor, "microservice", flavor_field, default=False):
                what += "; shared CPU (microservice flavour)"
            entry = flavors.setdefault(price_id.lower(), (price_id, specs, set(), what))
            entry[2].add(name)
    offers = []
    for price_id, specs, runtimes, what in flavors.values():
        full = specs.model_copy(update={"runtimes": tuple(sorted(runtimes))})
        wanted = "for:applications-ml" if specs.gpus > 0 else "for:applications"
        for zone, tags in zones.items():
            if wanted not in tags:
                continue
            offers.append(
                Offer(
                    provider=PROVIDER_ID,
                    kind="app",
                    sku=price_id,
                    region=zone,
                    specs=full,
                    price=_price(context.book(zone), price_id),
                    certifications=_hds(tags),
                    source=context.source(zone, f"{what}; {_JOIN}"),
                )
            )
    return offers


def _hds(tags: frozenset[str]) -> tuple[str, ...]:
    return ("hds",) if "certification:hds" in tags else ()


def _addon_offers(context: _Context, zones: dict[str, frozenset[str]]) -> list[Offer]:
    endpoint = context.base + ADDON_PROVIDERS
    reader = Payload(PROVIDER_ID, endpoint)
    offers: list[Offer] = []
    for index, raw_provider in enumerate(
        reader.sequence(_response(context.raw, ADDON_PROVIDERS), "")
    ):
        field = f"[{index}]"
        addon = reader.mapping(raw_provider, field)
        addon_id = reader.string(addon, "id", field)
        if addon_id not in ENGINES and addon_id != CELLAR:
            continue  # config, FS buckets, Jenkins...: not a kind sovbundle plans
        status_name = reader.string(addon, "status", field)
        if status_name not in STATUSES:
            raise reader.error(f"unknown add-on status {status_name!r}", f"{field}.status")
        regions = reader.strings(addon, "regions", field, default=[])
        cellar_zones: set[str] = set()
        raw_plans = reader.array(addon, "plans", field)
        for number, raw_plan in enumerate(raw_plans):
            plan_field = f"{field}.plans[{number}]"
            plan = reader.mapping(raw_plan, plan_field)
            plan_zones = reader.strings(plan, "zones", plan_field, default=regions)
            # A plan with no zones is hidden (clever-components src/lib/product.js).
            live = [zone for zone in plan_zones if zone in zones]
            if addon_id == CELLAR:
                cellar_zones.update(live)
                continue
            price_id = reader.string(plan, "price_id", plan_field)
            specs = _database_specs(reader, plan, plan_field, ENGINES[addon_id])
            free = _free_shared_plan(reader, plan, plan_field)
            for zone in sorted(live):
                price = _price(context.book(zone), price_id)
                if price.amount is None and free:
                    price = Price(amount=Decimal(0), unit=PriceUnit.MONTH, note=_FREE_NOTE)
                offers.append(
                    Offer(
                        provider=PROVIDER_ID,
                        kind="database",
                        sku=price_id,
                        region=zone,
                        specs=specs,
                        price=price,
                        certifications=_hds(zones[zone]),
                        status=STATUSES[status_name],
                        source=context.source(zone, f"specs: GET {ADDON_PROVIDERS}; {_JOIN}"),
                    )
                )
        offers.extend(_cellar_offer(context, zone, zones[zone]) for zone in sorted(cellar_zones))
    return offers


_FREE_NOTE = (
    "free DEV plan: shared resources, no price-system entry, plan price 0 in "
    f"{ADDON_PROVIDERS}; Clever Cloud's add-on docs: 'DEV plan is free, for testing purposes "
    "only. It has lower performances and no SLA'"
)


def _free_shared_plan(reader: Payload, plan: dict[str, Any], field: str) -> bool:
    """Whether a plan is a free shared (DEV) plan: ``price`` 0 and ``is-dedicated`` shared.

    Its price system has no entry (nothing is billed); the plan's legacy ``price`` of 0 and
    Clever Cloud's docs ("DEV plan is free") make it explicitly free, not unknown."""
    if reader.number(plan.get("price", 1), f"{field}.price") != 0:
        return False
    features = reader.sequence(plan.get("features", []), f"{field}.features")
    for number, raw_feature in enumerate(features):
        feature = reader.mapping(raw_feature, f"{field}.features[{number}]")
        if feature.get("name_code") == "is-dedicated":
            # "shared" (NUMBER) or the display value "Shared" (BOOLEAN_SHARED, MySQL).
            shown = (feature.get("computable_value"), feature.get("value"))
            return "shared" in {str(v).lower() for v in shown}
    return False


def _database_specs(
    reader: Payload, plan: dict[str, Any], field: str, engine: str
) -> DatabaseSpecs:
    """Specs from ``features[].computable_value`` keyed by ``name_code`` (bytes, counts)."""
    values: dict[str, Decimal] = {}
    features = reader.sequence(plan.get("features", []), f"{field}.features")
    for number, raw_feature in enumerate(features):
        feature_field = f"{field}.features[{number}]"
        feature = reader.mapping(raw_feature, feature_field)
        code = reader.optional_string(feature, "name_code", feature_field)
        if code in {"cpu", "memory", "disk-size", "max-db-size"}:
            values[code] = reader.decimal(
                feature, "computable_value", feature_field, allow_string=True
            )
    cpu = values.get("cpu")
    memory = values.get("memory")
    if memory is None and engine == "redis":
        memory = values.get("max-db-size")  # Redis holds its whole data set in memory
    storage = values.get("disk-size", values.get("max-db-size"))
    return DatabaseSpecs(
        engine=engine,
        # "0" is how a shared (dev) plan says it has no dedicated CPU or memory.
        vcpus=cpu if cpu else None,
        memory_gb=memory / _GIB if memory else None,
        storage_gb=storage / _GIB if storage else None,
    )


def _cellar_offer(context: _Context, zone: str, tags: frozenset[str]) -> Offer:
    book = context.book(zone)
    storage = book.tiers("cellar.storage", per_month=True)
    egress = book.tiers("cellar.outbound", per_month=False)
    if storage is None:
        price = Price(
            amount=None,
            unit=PriceUnit.GB_MONTH,
            quality=PriceQuality.UNKNOWN,
            note=f"no cellar.storage entry in zone {book.zone}'s price system; "
            "run `sovbundle catalog refresh clevercloud` for live prices",
        )
        free_storage, storage_note = Decimal(0), "storage: not priced"
    else:
        chosen = tier_for(storage, REFERENCE_STORE_GB)
        price = Price(amount=chosen.price, unit=PriceUnit.GB_MONTH)
        free_storage = free_allowance(storage)
        storage_note = (
            f"storage tiers (whole quantity at one tier, per Clever Cloud's simulator; this "
            f"offer uses the tier of a {REFERENCE_STORE_GB} GB store; GB-hour x 730): "
            + describe(storage, "GB-month")
        )
    egress_tier = None if egress is None else tier_for(egress, REFERENCE_EGRESS_GB)
    egress_note = "egress: not priced" if egress is None else f"egress: {describe(egress, 'GB')}"
    return Offer(
        provider=PROVIDER_ID,
        kind="object_storage",
        sku="cellar",
        region=zone,
        specs=ObjectStorageSpecs(
            storage_class="standard",
            egress_price_per_gb=None if egress_tier is None else egress_tier.price,
            free_egress_gb_month=Decimal(0) if egress is None else free_allowance(egress),
            free_storage_gb_month=free_storage,
        ),
        price=price,
        certifications=_hds(tags),
        source=context.source(
            zone, f"Cellar S3 ({ADDON_PROVIDERS}); {storage_note}; {egress_note}"
        ),
    )
