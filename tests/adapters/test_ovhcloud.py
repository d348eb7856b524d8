"""OVHcloud adapter: 1e-8 integer prices, hourly vs monthly plans, price zones, errors."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from tests.support.fuzz import mutated_json
from tests.support.mock_fetch import fetch_with

from sovbundle.adapters import ovhcloud
from sovbundle.adapters.base import RawCatalog
from sovbundle.catalog.facts import ProviderFacts
from sovbundle.errors import CatalogError, ProviderError
from sovbundle.models import Offer, PriceUnit, Provider, Region, Source

FIXTURE = Path(__file__).parents[1] / "fixtures" / "ovhcloud" / "cloud_catalog.json"
ECO_FIXTURE = FIXTURE.with_name("eco_catalog.json")
BASE = "https://eu.api.ovh.com/1.0"
KEY = ovhcloud.CLOUD_ENDPOINT
ECO_KEY = ovhcloud.ECO_ENDPOINT
SRC = Source(kind="curated", url="https://example.test/facts", as_of="2026-11-29")


def _region(region_id: str, zone: str) -> Region:
    return Region(
        provider="ovhcloud",
        id=region_id,
        country="FR",
        operator="ovhcloud",
        price_zone=zone,
        source=SRC,
    )


FACTS = ProviderFacts(
    Provider(
        id="ovhcloud",
        name="OVHcloud",
        legal_entity="OVH SAS",
        hq_country="FR",
        eu_jurisdiction=True,
        source=SRC,
        regions=(
            _region("GRA11", "default"),
            _region("SBG5", "default"),
            _region("EU-WEST-PAR", "3AZ"),
            _region("gra", "dedicated"),
            _region("rbx", "dedicated"),
        ),
    )
)


def body() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


def normalize(payload: Any) -> list[Offer]:
    return ovhcloud.normalize(RawCatalog("ovhcloud", "2026-08-14", {KEY: payload}, BASE), FACTS)


def eco() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ECO_FIXTURE.read_text(encoding="utf-8"))
    return data


def normalize_eco(payload: Any) -> list[Offer]:
    responses = {KEY: body(), ECO_KEY: payload}
    offers = ovhcloud.normalize(RawCatalog("ovhcloud", "2025-05-13", responses, BASE), FACTS)
    return [o for o in offers if o.specs.kind == "vm" and o.specs.dedicated]


def by_sku_region(offers: list[Offer]) -> dict[tuple[str, str], Offer]:
    return {(o.sku, o.region): o for o in offers}


def addon(payload: dict[str, Any], plan_code: str) -> dict[str, Any]:
    found: dict[str, Any] = next(a for a in payload["addons"] if a["planCode"] == plan_code)
    return found


# --------------------------------------------------------------------------- prices and regions


def test_hourly_price_is_the_1e8_integer_in_euros() -> None:
    offer = by_sku_region(normalize(body()))[("b3-8", "GRA11")]
    assert offer.price.amount == Decimal("0.0512")  # 5120000 x 1e-8
    assert offer.price.unit is PriceUnit.HOUR
    assert offer.monthly == Decimal("0.0512") * 730  # no monthly plan: hourly x 730
    assert offer.specs.kind == "vm"
    assert (offer.specs.vcpus, offer.specs.memory_gb, offer.specs.disk_gb) == (
        2,
        Decimal(8),
        Decimal(50),
    )
    assert offer.source.kind == "api"
    assert offer.source.url == BASE + KEY
    assert offer.source.as_of == "2026-08-14"


def test_monthly_postpaid_plan_is_the_monthly_price_not_hourly_x_730() -> None:
    offer = by_sku_region(normalize(body()))[("d2-2", "GRA11")]
    assert offer.price.amount == Decimal("0.0104")
    assert offer.monthly_amount == Decimal("5.71")
    assert offer.monthly == Decimal("5.71")


def test_gpu_flavor_has_gpu_specs_and_both_prices() -> None:
    offer = by_sku_region(normalize(body()))[("a100-180", "SBG5")]
    assert offer.specs.kind == "vm"
    assert (offer.specs.gpus, offer.specs.gpu_model, offer.specs.gpu_memory_gb) == (
        1,
        "A100",
        Decimal(80),
    )
    assert offer.price.amount == Decimal("2.75")
    assert offer.monthly == Decimal("1100")


def test_price_zone_suffix_selects_the_curated_regions_of_that_zone() -> None:
    offers = normalize(body())
    regions = {sku: sorted(o.region for o in offers if o.sku == sku) for sku in ("b3-8", "d2-2")}
    # b3-8 has default and .3AZ plans; .LZ.EU has no curated region and yields nothing.
    assert regions["b3-8"] == ["EU-WEST-PAR", "GRA11", "SBG5"]
    assert regions["d2-2"] == ["GRA11", "SBG5"]
    note = by_sku_region(offers)[("b3-8", "EU-WEST-PAR")].source.note or ""
    assert "b3-8.consumption.3AZ" in note and "authenticated" in note


def test_only_instance_addons_become_offers() -> None:
    skus = {o.sku for o in normalize(body())}
    assert skus == {"a100-180", "b3-8", "d2-2"}


def test_monthly_only_flavor_is_priced_per_month() -> None:
    payload = body()
    payload["addons"] = [a for a in payload["addons"] if a["planCode"] != "d2-2.consumption"]
    offer = by_sku_region(normalize(payload))[("d2-2", "GRA11")]
    assert offer.price.unit is PriceUnit.MONTH
    assert offer.price.amount == Decimal("5.71")
    assert offer.monthly_amount is None


def test_a_pricing_interval_of_several_units_is_divided() -> None:
    payload = body()
    row = addon(payload, "d2-2.monthly.postpaid")["pricings"][0]
    row["interval"], row["price"] = 12, 571000000 * 12
    assert by_sku_region(normalize(payload))[("d2-2", "GRA11")].monthly == Decimal("5.71")


# --------------------------------------------------------------------------- dedicated servers


def test_dedicated_server_monthly_price_and_default_hardware() -> None:
    offers = normalize_eco(eco())
    assert sorted(o.region for o in offers) == ["gra", "rbx"]  # datacentres known to the facts
    ks1 = offers[0]
    assert ks1.sku == "KS-1" and ks1.source.url == BASE + ECO_KEY
    assert ks1.price.amount == Decimal("16.99") and ks1.price.unit is PriceUnit.MONTH
    assert ks1.specs.kind == "vm" and ks1.specs.dedicated
    assert (ks1.specs.vcpus, ks1.specs.memory_gb, ks1.specs.disk_gb) == (
        8,
        Decimal(32),
        Decimal(4000),
    )
    assert "installation fee 16.99 EUR not included" in (ks1.source.note or "")


def test_paid_default_addon_is_added_to_the_monthly_price() -> None:
    payload = eco()
    ram = next(a for a in payload["addons"] if a["planCode"].startswith("ram-"))
    next(r for r in ram["pricings"] if "renew" in r["capacities"])["price"] = 300000000
    ks1 = normalize_eco(payload)[0]
    assert ks1.price.amount == Decimal("19.99")
    assert "+3 EUR" in (ks1.source.note or "")


def test_dedicated_plan_without_a_no_commitment_price_is_skipped() -> None:
    payload = eco()
    plan = payload["plans"][0]
    plan["pricings"] = [r for r in plan["pricings"] if r["mode"] != "default"]
    assert normalize_eco(payload) == []


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: p["locale"].update(currencyCode="CAD"), "locale.currencyCode"),
        (lambda p: p["plans"][0]["addonFamilies"][1].update(default="ram-1t"), "default"),
        (lambda p: p["plans"][0].update(configurations=[]), "plans[0].configurations"),
        (lambda p: p["plans"][0].update(product="nope"), "plans[0].product"),
        (lambda p: p.pop("products"), "products"),
    ],
)
def test_malformed_dedicated_catalog_raises_catalog_error(mutate: Any, field: str) -> None:
    payload = eco()
    mutate(payload)
    with pytest.raises(CatalogError) as info:
        normalize_eco(payload)
    assert info.value.endpoint == BASE + ECO_KEY
    assert info.value.field is not None and info.value.field.endswith(field)


# --------------------------------------------------------------------------- malformed payloads


def _set(path: str, value: Any) -> dict[str, Any]:
    payload = body()
    node: Any = payload
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is _DELETE:
        del node[parts[-1]]
    else:
        node[parts[-1]] = value
    return payload


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    [
        ("addons", _DELETE, "addons", "missing field"),
        ("addons", {"b3-8": 1}, "addons", "expected an array"),
        ("addons.0.pricings.0.price", 1.1e8, "addons[0].pricings[0].price", "integer"),
        ("addons.0.pricings.0.price", "275000000", "addons[0].pricings[0].price", "integer"),
        ("addons.0.pricings.0.price", -1, "addons[0].pricings[0].price", ">= 0"),
        ("addons.0.pricings.0.intervalUnit", "day", "addons[0].pricings[0].intervalUnit", "unit"),
        (
            "addons.0.pricings.0.intervalUnit",
            "month",
            "addons[0].pricings[0].intervalUnit",
            "per hour",
        ),
        (
            "addons.0.pricings.0.formattedPrice",
            "$2.75",
            "addons[0].pricings[0].formattedPrice",
            "EUR",
        ),
        ("addons.0.pricings", [], "addons[0].pricings", "found 0"),
        ("addons.0.blobs.technical", _DELETE, "addons[0].blobs.technical", "missing"),
        (
            "addons.0.blobs.technical.cpu.cores",
            "15",
            "addons[0].blobs.technical.cpu.cores",
            "integer",
        ),
        (
            "addons.0.blobs.technical.gpu.model",
            None,
            "addons[0].blobs.technical.gpu.model",
            "string",
        ),
        ("addons.0.planCode", 7, "addons[0].planCode", "string"),
        ("locale.currencyCode", "USD", "locale.currencyCode", "currency"),
    ],
)
def test_malformed_payload_raises_catalog_error_naming_the_field(
    path: str, value: Any, field: str, message: str
) -> None:
    assert body()["addons"][0]["planCode"] == "a100-180.consumption"
    with pytest.raises(CatalogError) as info:
        normalize(_set(path, value))
    assert info.value.provider == "ovhcloud"
    assert info.value.endpoint == BASE + KEY
    assert info.value.field == field
    assert message in info.value.message


def test_two_different_prices_for_one_plan_are_refused() -> None:
    payload = body()
    twin = copy.deepcopy(addon(payload, "d2-2.consumption"))
    twin["pricings"][0]["price"] = 2000000
    payload["addons"].append(twin)
    with pytest.raises(CatalogError, match="two different"):
        normalize(payload)


@pytest.mark.parametrize("payload", [[], None, "catalog"])
def test_body_of_the_wrong_type_raises_catalog_error(payload: Any) -> None:
    with pytest.raises(CatalogError, match="expected an object"):
        normalize(payload)


def test_raw_catalog_without_the_cloud_endpoint_is_an_error() -> None:
    with pytest.raises(CatalogError, match="no /order/catalog/public/cloud"):
        ovhcloud.normalize(RawCatalog("ovhcloud", "2026-08-14", {"/other": {}}, BASE), FACTS)


# --------------------------------------------------------------------------- fetch


def _fetch(handler: Any) -> RawCatalog:
    return fetch_with(ovhcloud, handler, BASE)


def test_fetch_calls_the_fr_catalogs_once_each_and_keys_them_by_endpoint() -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        fixture = ECO_FIXTURE if request.url.path.endswith("/eco") else FIXTURE
        return httpx.Response(200, content=fixture.read_bytes())

    raw = _fetch(handler)
    assert [str(u) for u in seen] == [
        f"{BASE}/order/catalog/public/cloud?ovhSubsidiary=FR",
        f"{BASE}/order/catalog/public/eco?ovhSubsidiary=FR",
    ]
    assert list(raw.responses) == [KEY, ECO_KEY]
    assert raw.base_url == BASE and raw.provider == "ovhcloud"
    assert raw.fetched_at.endswith("Z")
    assert len(ovhcloud.normalize(raw, FACTS)) == 7 + 2


@pytest.mark.parametrize("status", [404, 429, 500])
def test_fetch_http_error_is_a_provider_error(status: int) -> None:
    with pytest.raises(ProviderError, match=f"HTTP {status}"):
        _fetch(lambda request: httpx.Response(status, json={"message": "nope"}))


def test_fetch_malformed_json_is_a_catalog_error() -> None:
    with pytest.raises(CatalogError, match="not valid JSON"):
        _fetch(lambda request: httpx.Response(200, content=b'{"addons": ['))


# --------------------------------------------------------------------------- fuzz


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_json(body()))
def test_normalize_on_mutated_payloads_raises_only_catalog_error(payload: Any) -> None:
    try:
        offers = normalize(payload)
    except CatalogError:
        return
    for offer in offers:
        assert offer.price.amount is not None and offer.price.amount >= 0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_json(eco()))
def test_normalize_on_mutated_dedicated_catalogs_raises_only_catalog_error(payload: Any) -> None:
    try:
        offers = normalize_eco(payload)
    except CatalogError:
        return
    for offer in offers:
        assert offer.price.amount is not None and offer.price.amount >= 0
