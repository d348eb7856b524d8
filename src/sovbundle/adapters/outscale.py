"""3DS Outscale adapter: tina VM prices composed from each Region's public catalog.

Endpoints (no credentials), one host per Region (``https://api.{region}.outscale.com/api/v1``),
each action a ``POST`` with a JSON body:

* ``POST /ReadPublicCatalog`` ``{}``: the Region's price list, ``Catalog.Entries[]`` of
  ``{Service, Type, Operation, UnitPrice, Flags?, SubregionName?}``;
* ``POST /ReadVmTypes`` (paged by ``NextPageToken``): predefined VM types with their vCores and
  GiB of RAM, priced by ``BoxUsage:{name}`` entries.

A tina VM ``tinav{G}.c{C}r{R}p{P}`` costs C x ``CustomCore:v{G}-p{P}`` + R x ``CustomRam`` (+
the Linux licence entry when the catalog has one) per hour, per Outscale's "Getting the Price of
Your Resources". The shapes listed are the curated grid of ``providers/outscale.yaml`` (any
C and R can be ordered); the generations and performance levels are those the catalog prices.
Public entries carry no currency: prices are taken as EUR only in euro-area Regions; elsewhere
the offers are listed with an unknown price rather than a guessed currency.

Responses are keyed ``/ReadPublicCatalog?region=<region>`` (the Region is in the host name of
the templated base URL, so the key carries it as a pseudo-query).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sovbundle.adapters._payload import Payload
from sovbundle.adapters.base import RawCatalog, join_url, request_json
from sovbundle.catalog.facts import ProviderFacts
from sovbundle.errors import CatalogError, ProviderError
from sovbundle.models import (
    Evidence,
    Offer,
    Price,
    PriceQuality,
    PriceUnit,
    Source,
    VmSpecs,
)

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_BASE_URL",
    "PROVIDER_ID",
    "REGIONS",
    "fetch",
    "normalize",
    "normalize_dataset",
    "response_key",
]

PROVIDER_ID = "outscale"
DEFAULT_BASE_URL = "https://api.{region}.outscale.com/api/v1"
REGIONS = ("eu-west-2", "cloudgouv-eu-west-1", "us-east-2", "us-west-1", "ap-northeast-1")
"""Public Regions (docs "Regions, Endpoints and Subregions Reference"); ReadRegions omits some."""

CATALOG = "/ReadPublicCatalog"
VM_TYPES = "/ReadVmTypes"
FCU = "TinaOS-FCU"
ON_DEMAND = "RunInstances-OD"
LINUX_LICENCE = (FCU, "ProductUsage", "RunInstances-0001-OD")
EURO_AREA = frozenset(
    {"AT", "BE", "HR", "CY", "EE", "FI", "FR", "DE", "GR", "IE", "IT", "LV", "LT", "LU"}
    | {"MT", "NL", "PT", "SK", "SI", "ES"}
)
"""Countries whose Regions are assumed to price in EUR (public entries carry no currency)."""

TINA = re.compile(r"^tinav(?P<gen>\d+)\.c(?P<cores>\d+)r(?P<ram>\d+)p(?P<perf>[123])$")
_CORE = re.compile(r"^CustomCore:v(?P<gen>\d+)-p(?P<perf>[123])$")
_KEY = re.compile(r"^(?P<action>/ReadPublicCatalog|/ReadVmTypes)\?region=(?P<region>[a-z0-9-]+)$")
_MAX_PAGES = 100
_PRICE_DOC = "https://docs.outscale.com/en/userguide/Getting-the-Price-of-Your-Resources.html"


def response_key(action: str, region: str) -> str:
    """The key of one Region's response in ``RawCatalog.responses``."""
    return f"{action}?region={region}"


def region_url(base_url: str, region: str) -> str:
    """The API root of one Region: the base URL with its ``{region}`` placeholder filled.

    A mirror or proxy must keep the placeholder: without it every Region would read the same
    catalog and each would be attributed the others' prices.
    """
    if "{region}" not in base_url:
        raise ValueError(f"the base URL {base_url!r} has no {{region}} placeholder")
    return base_url.replace("{region}", region).rstrip("/")


async def fetch(client: httpx.AsyncClient, base_url: str = DEFAULT_BASE_URL) -> RawCatalog:
    """One ReadPublicCatalog POST and the ReadVmTypes pages of every Region, in order."""
    fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
    responses: dict[str, Any] = {}
    for region in REGIONS:
        try:
            root = region_url(base_url, region)
        except ValueError as exc:
            raise ProviderError(PROVIDER_ID, str(exc)) from exc
        body, _ = await request_json(
            client, PROVIDER_ID, "POST", join_url(root, CATALOG), json_body={}
        )
        responses[response_key(CATALOG, region)] = body
        responses[response_key(VM_TYPES, region)] = await _vm_types(
            client, join_url(root, VM_TYPES)
        )
    return RawCatalog(PROVIDER_ID, fetched_at, responses, base_url)


async def _vm_types(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    """Every page of ReadVmTypes, merged into one ``{"VmTypes": [...]}`` body."""
    reader = Payload(PROVIDER_ID, url)
    types: list[Any] = []
    request: dict[str, Any] = {"ResultsPerPage": 1000}
    for _ in range(_MAX_PAGES):
        body, _response = await request_json(client, PROVIDER_ID, "POST", url, json_body=request)
        page = reader.mapping(body, "")
        types.extend(reader.sequence(page.get("VmTypes", []), "VmTypes"))
        token = page.get("NextPageToken")
        if not token:
            return {"VmTypes": types}
        request = {"ResultsPerPage": 1000, "NextPageToken": reader.text(token, "NextPageToken")}
    raise reader.error(f"pagination did not end after {_MAX_PAGES} pages", "NextPageToken")


def normalize(raw: RawCatalog, facts: ProviderFacts) -> list[Offer]:
    """VM offers of every Region whose public catalog was fetched."""
    by_region: dict[str, dict[str, tuple[Any, str]]] = {}
    for key, body in raw.responses.items():
        match = _KEY.match(key)
        if match is None:
            raise CatalogError(PROVIDER_ID, "unexpected response key", endpoint=key)
        by_region.setdefault(match["region"], {})[match["action"]] = (body, raw.as_of(key))
    shapes = _shapes(facts.curated_offers)
    base = raw.base_url or DEFAULT_BASE_URL
    if "{region}" not in base:
        raise CatalogError(PROVIDER_ID, f"base URL {base!r} has no {{region}} placeholder")
    offers: list[Offer] = []
    for region in facts.provider.regions:
        bodies = by_region.get(region.id, {})
        if CATALOG not in bodies:
            continue  # not fetched: the curated offers (unknown price) stay
        root = region_url(base, region.id)
        body, as_of = bodies[CATALOG]
        prices = _Catalog.parse(body, region.id, Payload(PROVIDER_ID, root + CATALOG))
        source = Source(kind="api", url=root + CATALOG, as_of=as_of)
        euro = region.country in EURO_AREA
        offers.extend(_tina_offers(prices, region.id, shapes, source, euro))
        if VM_TYPES in bodies:
            reader = Payload(PROVIDER_ID, root + VM_TYPES)
            types = bodies[VM_TYPES][0]
            offers.extend(_named_offers(prices, region.id, types, reader, source, euro))
    return offers


class _Catalog:
    """One Region's catalog entries, indexed by (Service, Type, Operation)."""

    def __init__(
        self,
        reader: Payload,
        entries: dict[tuple[str, str, str], tuple[int, Decimal]],
        flags: dict[int, str | None],
    ) -> None:
        self.reader = reader
        self.entries = entries
        """(Service, Type, Operation) -> (entry index, unit price)."""
        self.flags = flags
        """Entry index -> its ``Flags``, checked only when the entry is used."""

    @classmethod
    def parse(cls, body: Any, region: str, reader: Payload) -> _Catalog:
        root = reader.mapping(body, "")
        catalog = reader.obj(root, "Catalog", "")
        raw_entries = reader.array(catalog, "Entries", "Catalog")
        index: dict[tuple[str, str, str], tuple[int, Decimal]] = {}
        flags: dict[int, str | None] = {}
        for number, raw_entry in enumerate(raw_entries):
            field = f"Catalog.Entries[{number}]"
            entry = reader.mapping(raw_entry, field)
            subregion = reader.optional_string(entry, "SubregionName", field)
            if subregion is not None and not subregion.startswith(region):
                raise reader.error(
                    f"entry of {subregion!r}, not {region}", f"{field}.SubregionName"
                )
            key = (
                reader.string(entry, "Service", field),
                reader.string(entry, "Type", field),
                reader.string(entry, "Operation", field),
            )
            price = reader.decimal(entry, "UnitPrice", field)
            flags[number] = reader.optional_string(entry, "Flags", field)
            # Subregions of one Region may repeat a key; if their prices differ, the dearest
            # is kept so a plan never understates the cost (comparable only in one unit).
            if key in index and flags[index[key][0]] != flags[number]:
                raise reader.error(f"{key[1]} is priced in two time units", f"{field}.Flags")
            if key not in index or index[key][1] < price:
                index[key] = (number, price)
        return cls(reader, index, flags)

    def get(self, key: tuple[str, str, str]) -> tuple[Decimal, PriceUnit] | None:
        """A unit price and its time unit (hour, or month when flagged ``PER_MONTH``)."""
        found = self.entries.get(key)
        if found is None:
            return None
        number, price = found
        flag = self.flags.get(number)
        if flag not in (None, "", "PER_MONTH"):
            raise self.reader.error(f"unknown flag {flag!r}", f"Catalog.Entries[{number}].Flags")
        return price, PriceUnit.MONTH if flag == "PER_MONTH" else PriceUnit.HOUR

    def generations(self) -> list[tuple[int, int]]:
        """(generation, performance) pairs the catalog has a vCore price for."""
        found = set()
        for service, type_, operation in self.entries:
            match = _CORE.match(type_)
            if match and service == FCU and operation == ON_DEMAND:
                found.add((int(match["gen"]), int(match["perf"])))
        return sorted(found)


def _shapes(curated: Iterable[Offer]) -> list[tuple[int, int]]:
    """(vCores, GiB) of the curated tina grid: the sizes listed for every generation."""
    found = set()
    for offer in curated:
        match = TINA.match(offer.sku)
        if offer.kind == "vm" and match:
            found.add((int(match["cores"]), int(match["ram"])))
    return sorted(found)


def _unknown(note: str) -> Price:
    return Price(amount=None, unit=PriceUnit.HOUR, quality=PriceQuality.UNKNOWN, note=note)


_NOT_EUR = (
    "ReadPublicCatalog entries carry no currency and this Region is outside the euro area: "
    "its prices are not assumed to be EUR"
)


def _tina_offers(
    prices: _Catalog,
    region: str,
    shapes: list[tuple[int, int]],
    source: Source,
    euro: bool,
) -> list[Offer]:
    ram = prices.get((FCU, "CustomRam", ON_DEMAND))
    if ram is None:
        return []  # no RAM price: no tina type can be composed; curated offers stay unknown
    licence = prices.get(LINUX_LICENCE)
    offers = []
    for gen, perf in prices.generations():
        core = prices.get((FCU, f"CustomCore:v{gen}-p{perf}", ON_DEMAND))
        if core is None:  # generations() lists only keys that exist
            continue
        units = {core[1], ram[1], *([licence[1]] if licence else [])}
        if len(units) > 1:
            raise prices.reader.error(f"v{gen}-p{perf}: mixed hour/month prices", "Catalog.Entries")
        for cores, gib in shapes:
            amount = cores * core[0] + gib * ram[0] + (licence[0] if licence else 0)
            how = (
                f"{cores} vCores x CustomCore:v{gen}-p{perf} ({core[0]}) + {gib} GiB x "
                f"CustomRam ({ram[0]})"
                + (f" + Linux licence ({licence[0]}, once per VM)" if licence else "")
                + f", EUR excl. VAT assumed (public entries carry no currency); {_PRICE_DOC}"
            )
            price = Price(amount=amount, unit=core[1]) if euro else _unknown(_NOT_EUR)
            offers.append(
                Offer(
                    provider=PROVIDER_ID,
                    kind="vm",
                    sku=f"tinav{gen}.c{cores}r{gib}p{perf}",
                    region=region,
                    specs=VmSpecs(vcpus=cores, memory_gb=Decimal(gib)),
                    price=price,
                    source=source.model_copy(update={"note": how}),
                )
            )
    return offers


def _named_offers(
    prices: _Catalog, region: str, body: Any, reader: Payload, source: Source, euro: bool
) -> list[Offer]:
    """Predefined VM types (ReadVmTypes) priced by their ``BoxUsage:{name}`` entry."""
    offers = []
    types = reader.array(body, "VmTypes", "")
    for number, raw_type in enumerate(types):
        field = f"VmTypes[{number}]"
        vm_type = reader.mapping(raw_type, field)
        name = reader.string(vm_type, "VmTypeName", field)
        box = prices.get((FCU, f"BoxUsage:{name}", ON_DEMAND))
        # tina types are priced by composition; GPU types' GPU attributes are not documented
        # well enough to describe them: neither is listed from here.
        if box is None or TINA.match(name) or vm_type.get("Gpu"):
            continue
        volume_count = vm_type.get("VolumeCount", 0)
        disk = None
        if volume_count and "VolumeSize" in vm_type:
            count = reader.number(volume_count, f"{field}.VolumeCount")
            disk = count * reader.decimal(vm_type, "VolumeSize", field)
        offers.append(
            Offer(
                provider=PROVIDER_ID,
                kind="vm",
                sku=name,
                region=region,
                specs=VmSpecs(
                    vcpus=reader.integer(vm_type, "VcoreCount", field),
                    memory_gb=reader.decimal(vm_type, "MemorySize", field),
                    disk_gb=disk or None,
                ),
                price=Price(amount=box[0], unit=box[1]) if euro else _unknown(_NOT_EUR),
                source=source.model_copy(
                    update={
                        "note": f"specs: ReadVmTypes; price: BoxUsage:{name}, EUR excl. VAT "
                        "assumed (public entries carry no currency)"
                    }
                ),
            )
        )
    return offers


_SHEET_PERFORMANCE = {1: "highest", 2: "high", 3: "medium"}
"""tina ``p{N}`` -> the performance word of the 2020 price sheet's vCore rows."""


def normalize_dataset(
    name: str,
    body: Any,
    facts: ProviderFacts,
    evidence: Evidence,
    offers: Sequence[Offer] = (),
) -> list[Offer]:
    """Offers priced from a third-party dataset of ``providers/raw/outscale`` (the snapshot build).

    ``ligoj-2020``: the projection of the 2020 Outscale price sheet kept by ligoj as test data
    (``{prices: [{code, price_eur_excl_vat: {Region: "0.017"}}]}``). Each tina VM of the curated
    grid is priced as vCores x ``c_fcu_vcorev{G}_{performance}`` + GiB x ``c_fcu_ram``, per
    hour, in the euro-area Regions the sheet has a column for; ``evidence`` labels every price
    (third party, 2020). A live ``ReadPublicCatalog`` refresh replaces them with API prices.
    """
    if name != "ligoj-2020":
        raise CatalogError(PROVIDER_ID, f"unknown dataset {name!r}")
    reader = Payload(PROVIDER_ID, evidence.source)
    rows: dict[str, dict[str, Any]] = {}
    for number, raw_row in enumerate(reader.array(reader.mapping(body, ""), "prices", "")):
        row = reader.mapping(raw_row, f"prices[{number}]")
        rows[reader.string(row, "code", f"prices[{number}]")] = reader.obj(
            row, "price_eur_excl_vat", f"prices[{number}]"
        )
    offers = []
    for region in facts.provider.regions:
        if region.country not in EURO_AREA or region.id not in rows.get("c_fcu_ram", {}):
            continue  # the sheet states no currency: only euro-area Regions are read as EUR
        ram = reader.decimal(rows["c_fcu_ram"], region.id, "c_fcu_ram", allow_string=True)
        for offer in facts.curated_offers:
            match = TINA.match(offer.sku)
            if offer.region != region.id or offer.kind != "vm" or match is None:
                continue
            gen, cores, gib = match["gen"], int(match["cores"]), int(match["ram"])
            code = f"c_fcu_vcorev{gen}_{_SHEET_PERFORMANCE[int(match['perf'])]}"
            if code not in rows or rows[code].get(region.id) is None:
                continue
            core = reader.decimal(rows[code], region.id, code, allow_string=True)
            how = (
                f"{cores} vCores x {code} ({core}) + {gib} GiB x c_fcu_ram ({ram}) per hour, "
                "from Outscale's public price sheet of August 2020 as copied by a third party "
                "(ligoj test data): INDICATIVE ONLY, not a current price; refresh for live prices"
            )
            offers.append(
                offer.model_copy(
                    update={
                        "price": Price(
                            amount=cores * core + gib * ram,
                            unit=PriceUnit.HOUR,
                            quality=PriceQuality.STALE,
                            note="indicative (2020), third-party copy of the price sheet",
                        ),
                        "specs": VmSpecs(vcpus=cores, memory_gb=Decimal(gib)),
                        "source": Source(
                            kind="curated", url=evidence.source, as_of=str(evidence.as_of), note=how
                        ),
                        "price_evidence": evidence,
                    }
                )
            )
    return offers
