"""Outscale adapter: vCore + RAM composition, currency, flags, errors, per-Region fetch."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support.mock_fetch import fetch_with

from sovbundle.adapters import outscale
from sovbundle.adapters.base import RawCatalog
from sovbundle.catalog.facts import ProviderFacts
from sovbundle.errors import CatalogError, ProviderError
from sovbundle.models import (
    HOURS_PER_MONTH,
    Certification,
    Offer,
    Price,
    PriceQuality,
    PriceUnit,
    Provider,
    Region,
    Source,
    VmSpecs,
)
from sovbundle.refresh.snapshot import assemble

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "outscale"
CATALOG = "/ReadPublicCatalog?region=eu-west-2"
VM_TYPES = "/ReadVmTypes?region=eu-west-2"
SOURCE = Source(kind="curated", url="https://example.test/facts", as_of="2026-11-29")
UNKNOWN = Price(amount=None, unit=PriceUnit.HOUR, quality=PriceQuality.UNKNOWN, note="none")


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def curated(sku: str, region: str, cores: int, gib: int) -> Offer:
    return Offer(
        provider="outscale",
        kind="vm",
        sku=sku,
        region=region,
        specs=VmSpecs(vcpus=cores, memory_gb=Decimal(gib)),
        price=UNKNOWN,
        source=SOURCE,
    )


def facts() -> ProviderFacts:
    regions = tuple(
        Region(provider="outscale", id=rid, country=country, operator="outscale", source=SOURCE)
        for rid, country in [
            ("eu-west-2", "FR"),
            ("cloudgouv-eu-west-1", "FR"),
            ("us-east-2", "US"),
        ]
    )
    snc = Certification(
        id="secnumcloud",
        scope="IaaS in cloudgouv-eu-west-1",
        regions=("cloudgouv-eu-west-1",),
        kinds=("vm",),
        source=SOURCE,
    )
    provider = Provider(
        id="outscale",
        name="3DS Outscale",
        legal_entity="3DS Outscale SAS",
        hq_country="FR",
        eu_jurisdiction=True,
        source=SOURCE,
        certifications=(snc,),
        regions=regions,
    )
    offers = [
        curated(f"tinav5.c{c}r{r}p{p}", region.id, c, r)
        for region in regions
        for c, r in [(4, 8), (2, 4)]
        for p in (1, 2)
    ]
    return ProviderFacts(provider, tuple(offers))


def responses(region: str = "eu-west-2") -> dict[str, Any]:
    catalog = load("ReadPublicCatalog_eu-west-2.json")
    for entry in catalog["Catalog"]["Entries"]:
        entry["SubregionName"] = region
    return {
        f"/ReadPublicCatalog?region={region}": catalog,
        f"/ReadVmTypes?region={region}": load("ReadVmTypes_eu-west-2.json"),
    }


def normalize(raw_responses: dict[str, Any]) -> list[Offer]:
    raw = RawCatalog("outscale", "2026-11-29T12:00", raw_responses, outscale.DEFAULT_BASE_URL)
    return outscale.normalize(raw, facts())


def find(offers: list[Offer], sku: str, region: str = "eu-west-2") -> Offer:
    matches = [o for o in offers if o.sku == sku and o.region == region]
    assert len(matches) == 1, (sku, region)
    return matches[0]


def test_tina_price_is_vcores_times_core_plus_gib_times_ram() -> None:
    offers = normalize(responses())
    p1 = find(offers, "tinav5.c4r8p1")
    assert p1.price.amount == 4 * Decimal("0.04") + 8 * Decimal("0.005") == Decimal("0.200")
    assert p1.price.unit is PriceUnit.HOUR and p1.price.quality is PriceQuality.CURRENT
    assert p1.monthly == Decimal("0.200") * HOURS_PER_MONTH
    # BoxUsage:tinav5.c4r8p2 (0.18) exists, but a tina type is priced by composition.
    assert find(offers, "tinav5.c4r8p2").price.amount == Decimal("0.160")
    assert find(offers, "tinav5.c2r4p2").price.amount == Decimal("0.080")
    assert p1.source.kind == "api"
    assert p1.source.url == "https://api.eu-west-2.outscale.com/api/v1/ReadPublicCatalog"
    assert "CustomCore:v5-p1" in (p1.source.note or "")


def test_only_generations_in_the_catalog_are_composed() -> None:
    skus = {o.sku for o in normalize(responses())}
    assert skus == {"tinav5.c4r8p1", "tinav5.c2r4p1", "tinav5.c4r8p2", "tinav5.c2r4p2", "t2.small"}


def test_named_vm_types_are_priced_by_box_usage() -> None:
    small = find(normalize(responses()), "t2.small")
    assert small.price.amount == Decimal("0.02")
    assert small.specs == VmSpecs(vcpus=1, memory_gb=Decimal(2))
    # t2.medium has no BoxUsage entry: not listed from the API.


def test_non_euro_region_is_listed_with_an_unknown_price() -> None:
    us = find(normalize(responses("us-east-2")), "tinav5.c4r8p1", "us-east-2")
    assert us.price.amount is None and us.price.quality is PriceQuality.UNKNOWN
    assert "no currency" in (us.price.note or "")


def test_per_month_flag_gives_a_monthly_price() -> None:
    payload = responses()
    for entry in payload[CATALOG]["Catalog"]["Entries"][:3]:
        entry["Flags"] = "PER_MONTH"
    p1 = find(normalize(payload), "tinav5.c4r8p1")
    assert p1.price.unit is PriceUnit.MONTH and p1.monthly == Decimal("0.200")


def test_priced_offers_replace_their_curated_twins_and_secnumcloud_stays_scoped() -> None:
    payload = {**responses(), **responses("cloudgouv-eu-west-1")}
    catalog = assemble(facts(), normalize(payload), "2026-11-29", [])
    by_key = {(o.sku, o.region): o for o in catalog.offers}
    assert by_key["tinav5.c4r8p1", "eu-west-2"].price.amount == Decimal("0.200")
    assert by_key["tinav5.c4r8p1", "us-east-2"].price.amount is None  # not fetched: curated
    assert by_key["tinav5.c4r8p1", "cloudgouv-eu-west-1"].certifications == ("secnumcloud",)
    assert by_key["tinav5.c4r8p1", "eu-west-2"].certifications == ()


def test_missing_ram_price_leaves_the_curated_offers_unpriced() -> None:
    payload = responses()
    entries = payload[CATALOG]["Catalog"]["Entries"]
    payload[CATALOG]["Catalog"]["Entries"] = [e for e in entries if e["Type"] != "CustomRam"]
    assert {o.sku for o in normalize(payload)} == {"t2.small"}


def bad(mutate: Any, key: str = CATALOG) -> CatalogError:
    payload = responses()
    mutate(payload[key])
    with pytest.raises(CatalogError) as caught:
        normalize(payload)
    assert caught.value.provider == "outscale"
    assert caught.value.endpoint == "https://api.eu-west-2.outscale.com/api/v1" + key.split("?")[0]
    return caught.value


def test_wrong_shapes_are_catalog_errors_naming_the_field() -> None:
    assert bad(lambda b: b.pop("Catalog")).field == "Catalog"
    assert bad(lambda b: b["Catalog"].update(Entries={})).field == "Catalog.Entries"
    entry0 = "Catalog.Entries[0]"
    assert bad(lambda b: b["Catalog"]["Entries"][0].pop("UnitPrice")).field == f"{entry0}.UnitPrice"
    assert (
        bad(lambda b: b["Catalog"]["Entries"][0].update(UnitPrice="0.04")).field
        == f"{entry0}.UnitPrice"
    )
    assert (
        bad(lambda b: b["Catalog"]["Entries"][0].update(UnitPrice=-0.04)).field
        == f"{entry0}.UnitPrice"
    )
    error = bad(lambda b: b["VmTypes"][0].pop("VcoreCount"), VM_TYPES)
    assert error.field == "VmTypes[0].VcoreCount"


def test_unknown_flag_or_mixed_units_are_catalog_errors() -> None:
    error = bad(lambda b: b["Catalog"]["Entries"][0].update(Flags="PER_YEAR"))
    assert error.field == "Catalog.Entries[0].Flags"
    error = bad(lambda b: b["Catalog"]["Entries"][2].update(Flags="PER_MONTH"))
    assert "mixed" in error.message


def test_entry_of_another_region_is_a_catalog_error() -> None:
    error = bad(lambda b: b["Catalog"]["Entries"][1].update(SubregionName="us-east-2a"))
    assert error.field == "Catalog.Entries[1].SubregionName"


def test_unexpected_response_key_is_a_catalog_error() -> None:
    with pytest.raises(CatalogError):
        normalize({"/ReadCatalog": {}})


# fetch --------------------------------------------------------------------------------------


class Api:
    """A fake OUTSCALE API: every Region host answers the fixtures; ReadVmTypes in two pages."""

    def __init__(self, failing: dict[tuple[str, str], httpx.Response] | None = None) -> None:
        self.failing = failing or {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        region = request.url.host.split(".")[1]
        action = request.url.path.rsplit("/", 1)[-1]
        if (region, action) in self.failing:
            return self.failing[region, action]
        if action == "ReadPublicCatalog":
            body = load("ReadPublicCatalog_eu-west-2.json")
            for entry in body["Catalog"]["Entries"]:
                entry["SubregionName"] = region
            return httpx.Response(200, json=body)
        if action == "ReadVmTypes":
            types = load("ReadVmTypes_eu-west-2.json")["VmTypes"]
            sent = json.loads(request.content)
            if "NextPageToken" not in sent:
                return httpx.Response(200, json={"VmTypes": types[:1], "NextPageToken": "p2"})
            return httpx.Response(200, json={"VmTypes": types[1:]})
        return httpx.Response(404, json={"Errors": [{"Code": "4000", "Type": "NotFound"}]})


def run_fetch(api: Api, base_url: str = outscale.DEFAULT_BASE_URL) -> RawCatalog:
    return fetch_with(outscale, api, base_url)


def test_fetch_posts_once_per_region_and_follows_vm_type_pages() -> None:
    api = Api()
    raw = run_fetch(api)
    catalogs = [r for r in api.requests if r.url.path.endswith("/ReadPublicCatalog")]
    assert [r.url.host for r in catalogs] == [f"api.{r}.outscale.com" for r in outscale.REGIONS]
    assert all(r.method == "POST" and json.loads(r.content) == {} for r in catalogs)
    vm_pages = [r for r in api.requests if r.url.path.endswith("/ReadVmTypes")]
    assert len(vm_pages) == 2 * len(outscale.REGIONS)
    assert len(raw.responses[VM_TYPES]["VmTypes"]) == 2
    assert raw.base_url == outscale.DEFAULT_BASE_URL
    offers = outscale.normalize(raw, facts())
    assert find(offers, "tinav5.c4r8p1", "cloudgouv-eu-west-1").price.amount == Decimal("0.200")


@pytest.mark.parametrize("status", [404, 429, 500])
def test_fetch_http_errors_are_provider_errors(status: int) -> None:
    api = Api({("cloudgouv-eu-west-1", "ReadPublicCatalog"): httpx.Response(status)})
    with pytest.raises(ProviderError) as caught:
        run_fetch(api)
    assert "api.cloudgouv-eu-west-1.outscale.com" in (caught.value.url or "")
    assert str(status) in caught.value.message


def test_fetch_malformed_json_is_a_catalog_error() -> None:
    api = Api({("eu-west-2", "ReadVmTypes"): httpx.Response(200, content=b"{not json")})
    with pytest.raises(CatalogError):
        run_fetch(api)


def test_fetch_endless_pagination_is_a_catalog_error() -> None:
    looping = httpx.Response(200, json={"VmTypes": [], "NextPageToken": "again"})
    with pytest.raises(CatalogError, match="pagination"):
        run_fetch(Api({("eu-west-2", "ReadVmTypes"): looping}))


def test_fetch_needs_a_region_placeholder_in_the_base_url() -> None:
    with pytest.raises(ProviderError, match="region"):
        run_fetch(Api(), "https://mirror.test/api/v1")


def test_repeated_key_keeps_the_dearest_price_and_refuses_mixed_units() -> None:
    payload = responses()
    entries = payload[CATALOG]["Catalog"]["Entries"]
    entries.append({**entries[0], "UnitPrice": 0.05, "SubregionName": "eu-west-2b"})
    assert find(normalize(payload), "tinav5.c4r8p1").price.amount == Decimal("0.240")
    entries.append({**entries[0], "Flags": "PER_MONTH"})
    with pytest.raises(CatalogError, match="two time units"):
        normalize(payload)
