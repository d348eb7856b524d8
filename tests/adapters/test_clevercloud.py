"""Clever Cloud adapter: price-system join, zones, Cellar tiers, errors, and fetch over a mock."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support.mock_fetch import fetch_with

from sovbundle.adapters import clevercloud
from sovbundle.adapters.base import RawCatalog
from sovbundle.catalog.facts import ProviderFacts
from sovbundle.errors import CatalogError, ProviderError
from sovbundle.models import (
    HOURS_PER_MONTH,
    AppSpecs,
    DatabaseSpecs,
    ObjectStorageSpecs,
    Offer,
    PriceQuality,
    Provider,
    Region,
    Source,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "clevercloud"
BASE = "https://api.clever-cloud.com"
PAR = "/v4/billing/price-system?zone_id=par&currency=EUR"
RBXHDS = "/v4/billing/price-system?zone_id=rbxhds&currency=EUR"
SOURCE = Source(kind="curated", url="https://example.test/facts", as_of="2026-11-29")


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def responses(*, rbxhds_prices: bool = False) -> dict[str, Any]:
    found = {
        "/v2/products/instances": load("instances.json"),
        "/v2/products/addonproviders": load("addonproviders.json"),
        "/v4/products/zones": load("zones.json"),
        PAR: load("price_system_par.json"),
    }
    if rbxhds_prices:
        found[RBXHDS] = load("price_system_rbxhds.json")
    return found


def facts(*zones: str) -> ProviderFacts:
    """Facts naming the given zones (all in FR here: the adapter reads only their ids)."""
    regions = tuple(
        Region(provider="clevercloud", id=z, country="FR", operator="clevercloud", source=SOURCE)
        for z in zones or ("par", "par0", "rbxhds", "clevergrid", "mtl", "parhds")
    )
    provider = Provider(
        id="clevercloud",
        name="Clever Cloud",
        legal_entity="Clever Cloud SAS",
        hq_country="FR",
        eu_jurisdiction=True,
        source=SOURCE,
        regions=regions,
    )
    return ProviderFacts(provider)


def normalize(raw_responses: dict[str, Any], *zones: str) -> list[Offer]:
    raw = RawCatalog("clevercloud", "2026-01-23T00:00:00+00:00", raw_responses, BASE)
    return clevercloud.normalize(raw, facts(*zones))


def find(offers: list[Offer], sku: str, region: str) -> Offer:
    matches = [o for o in offers if o.sku == sku and o.region == region]
    assert len(matches) == 1, (sku, region, [(o.sku, o.region) for o in offers])
    return matches[0]


def test_app_price_joins_price_id_to_slug_case_insensitively() -> None:
    offers = normalize(responses())
    xs = find(offers, "apps.xs", "par")  # price_id "apps.xs" / "apps.XS", slug "apps.XS"
    assert xs.price.amount == Decimal("0.0222222222222222")
    assert xs.monthly == Decimal("0.0222222222222222") * HOURS_PER_MONTH
    assert isinstance(xs.specs, AppSpecs)
    assert xs.specs.runtimes == ("docker", "python")
    assert (xs.specs.vcpus, xs.specs.memory_gb) == (Decimal(1), Decimal(1))
    assert xs.source.kind == "api" and xs.source.url == BASE + PAR


def test_database_plan_joins_lower_case_price_id_to_upper_case_slug() -> None:
    offers = normalize(responses())
    pg = find(offers, "postgresql.xs_sml", "par")
    assert pg.price.amount == Decimal("0.0270833333333333")  # not the legacy 17.5 list figure
    assert pg.specs == DatabaseSpecs(
        engine="postgresql", vcpus=Decimal(1), memory_gb=Decimal(1), storage_gb=Decimal(5)
    )
    redis = find(offers, "redis.s", "par")
    assert isinstance(redis.specs, DatabaseSpecs)
    assert redis.specs.memory_gb == redis.specs.storage_gb == Decimal("0.09765625")


def test_legacy_price_fields_are_never_used() -> None:
    legacy = {Decimal("0.3436"), Decimal("0.1073"), Decimal("7.159"), Decimal("17.5")}
    assert not {o.price.amount for o in normalize(responses())} & legacy


def test_unavailable_disabled_private_and_hidden_are_not_offered() -> None:
    offers = normalize(responses())
    skus = {o.sku for o in offers}
    assert "apps.M" not in skus  # available: false in the only runtime selling it
    assert "apps.S" not in skus  # only a disabled runtime sells it
    assert "postgresql.hidden" not in skus  # zones: [] is a hidden plan
    assert "fs-bucket.s" not in skus  # not a kind sovbundle plans
    assert not [o for o in offers if o.region == "par0"]  # scope:private
    assert find(offers, "apps.pico", "par").specs == AppSpecs(
        vcpus=Decimal(1), memory_gb=Decimal("0.25"), runtimes=("python",)
    )


def test_ml_flavours_are_gpu_apps_in_the_gpu_zone_only() -> None:
    offers = normalize(responses())
    ml = [o for o in offers if o.sku == "apps.ML_XS"]
    assert [o.region for o in ml] == ["clevergrid"]
    assert isinstance(ml[0].specs, AppSpecs) and ml[0].specs.gpus == 1
    assert ml[0].price.amount == Decimal("0.4166538")
    assert not [o for o in offers if o.region == "clevergrid" and o.sku != "apps.ML_XS"]


def test_zone_without_price_system_uses_par_and_says_so() -> None:
    offers = normalize(responses())
    mtl = find(offers, "apps.xs", "mtl")
    assert mtl.price.amount == Decimal("0.0222222222222222")
    assert mtl.source.url == BASE + PAR
    assert "prices are the same on all zones" in (mtl.source.note or "")
    # parhds is not in the zones body: the Clever Tools zone list makes it an app zone.
    assert find(offers, "apps.xs", "parhds").price.amount == Decimal("0.0222222222222222")


def test_zone_with_its_own_price_system_uses_it_and_hds_tag_applies() -> None:
    offers = normalize(responses(rbxhds_prices=True))
    xs = find(offers, "apps.xs", "rbxhds")
    assert xs.price.amount == Decimal("0.03")
    assert xs.source.url == BASE + RBXHDS
    assert xs.certifications == ("hds",)
    assert find(offers, "apps.xs", "par").certifications == ()
    # rbxhds's own price system has no postgresql entry: unknown, not par's price.
    pg = find(offers, "postgresql.xs_sml", "rbxhds")
    assert pg.price.amount is None and pg.price.quality is PriceQuality.UNKNOWN


def test_plan_without_price_system_entry_is_listed_unknown_with_a_note() -> None:
    dev = find(normalize(responses()), "postgresql.dev", "par")
    assert dev.price.amount is None and dev.price.quality is PriceQuality.UNKNOWN
    assert "sovbundle catalog refresh clevercloud" in (dev.price.note or "")
    assert dev.placeable is False
    assert isinstance(dev.specs, DatabaseSpecs) and dev.specs.vcpus is None


def test_cellar_uses_the_tier_of_a_2tb_store_and_its_allowances() -> None:
    cellar = find(normalize(responses()), "cellar", "par")
    assert cellar.kind == "object_storage"
    assert cellar.price.amount == Decimal("2.13333333333333e-05") * HOURS_PER_MONTH
    assert isinstance(cellar.specs, ObjectStorageSpecs)
    assert cellar.specs.egress_price_per_gb == Decimal("0.09")
    assert cellar.specs.free_storage_gb_month == Decimal("0.1")
    assert cellar.specs.free_egress_gb_month == 0
    # README worked example: 2000 GB for a 730 h month is 31.15 EUR, 300 GB egress 27 EUR.
    assert cellar.monthly is not None
    assert round(2000 * cellar.monthly, 2) == Decimal("31.15")
    assert 300 * cellar.specs.egress_price_per_gb == Decimal("27.00")


def test_zones_outside_the_facts_get_no_offer() -> None:
    offers = normalize(responses(), "par")
    assert {o.region for o in offers} == {"par"}


def bad(mutate: Any, key: str = PAR) -> CatalogError:
    payload = responses()
    mutate(payload[key])
    with pytest.raises(CatalogError) as caught:
        normalize(payload)
    assert caught.value.provider == "clevercloud"
    assert caught.value.endpoint == BASE + key
    return caught.value


def test_other_currency_is_a_catalog_error() -> None:
    error = bad(lambda body: body.update(currency="USD"))
    assert error.field == "currency"


def test_unknown_time_unit_is_a_catalog_error() -> None:
    error = bad(lambda body: body["runtime"][3].update(time_unit="P1M"))
    assert error.field == "runtime[3].time_unit"


def test_missing_price_is_a_catalog_error() -> None:
    error = bad(lambda body: body["runtime"][3].pop("price"))
    assert error.field == "runtime[3].price"


def test_negative_or_non_numeric_price_is_a_catalog_error() -> None:
    assert bad(lambda body: body["runtime"][3].update(price=-1)).field == "runtime[3].price"
    assert bad(lambda body: body["runtime"][3].update(price="0.1")).field == "runtime[3].price"


def test_unordered_cellar_tiers_are_a_catalog_error() -> None:
    error = bad(lambda body: body["countable"][1]["price_plans"].reverse())
    assert error.field is not None and error.field.startswith("countable[1].price_plans")


def test_wrong_shapes_in_products_name_the_field() -> None:
    def flavors_not_a_list(body: Any) -> None:
        body[0]["flavors"] = {"XS": 1}

    error = bad(flavors_not_a_list, "/v2/products/instances")
    assert error.field == "[0].flavors"
    error = bad(lambda body: body[0]["plans"][0].pop("price_id"), "/v2/products/addonproviders")
    assert error.field == "[0].plans[0].price_id"
    error = bad(lambda body: body[1].update(tags="scope:private"), "/v4/products/zones")
    assert error.field == "[1].tags"


def test_no_price_system_for_par_is_a_catalog_error() -> None:
    payload = responses()
    del payload[PAR]
    with pytest.raises(CatalogError, match="reference zone"):
        normalize(payload)


def test_price_system_of_another_zone_is_a_catalog_error() -> None:
    payload = responses()
    payload[RBXHDS] = copy.deepcopy(payload[PAR])  # zone_id "par" under rbxhds's key
    with pytest.raises(CatalogError) as caught:
        normalize(payload)
    assert caught.value.field == "zone_id"


# fetch --------------------------------------------------------------------------------------


class Api:
    """A fake Clever Cloud API serving the fixtures, recording every request."""

    def __init__(self, overrides: dict[str, httpx.Response] | None = None) -> None:
        self.overrides = overrides or {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/mirror")
        zone = request.url.params.get("zone_id")
        key = f"{path}:{zone}" if zone else path
        if key in self.overrides:
            return self.overrides[key]
        bodies = {
            "/v2/products/instances": "instances.json",
            "/v2/products/addonproviders": "addonproviders.json",
            "/v4/products/zones": "zones.json",
            "/v4/billing/price-system:par": "price_system_par.json",
            "/v4/billing/price-system:rbxhds": "price_system_rbxhds.json",
        }
        if key not in bodies:
            return httpx.Response(404, json={"id": 404, "message": "Not found", "type": "error"})
        return httpx.Response(200, content=(FIXTURES / bodies[key]).read_bytes())


def run_fetch(api: Api) -> RawCatalog:
    return fetch_with(clevercloud, api)


def test_fetch_reads_products_zones_and_each_public_zone_price_system() -> None:
    api = Api()
    raw = run_fetch(api)
    zones = [r.url.params["zone_id"] for r in api.requests if "price-system" in r.url.path]
    assert zones == ["clevergrid", "mtl", "par", "rbxhds"]  # every public zone, not par0
    assert all(r.url.params["currency"] == "EUR" for r in api.requests if r.url.params)
    assert all(r.method == "GET" and r.url.host == "api.clever-cloud.com" for r in api.requests)
    # 404 is Clever Cloud's "no price system" for clevergrid and mtl: skipped, not fatal.
    assert sorted(raw.responses) == sorted(
        ["/v2/products/instances", "/v2/products/addonproviders", "/v4/products/zones", PAR, RBXHDS]
    )
    assert raw.base_url == BASE and raw.provider == "clevercloud"
    assert find(clevercloud.normalize(raw, facts()), "apps.xs", "rbxhds").price.amount == Decimal(
        "0.03"
    )


def test_fetch_honours_a_base_url_override() -> None:
    api = Api()
    raw = fetch_with(clevercloud, api, "http://127.0.0.1:8080/mirror/")
    assert raw.base_url == "http://127.0.0.1:8080/mirror"
    assert all(str(r.url).startswith("http://127.0.0.1:8080/mirror/") for r in api.requests)


@pytest.mark.parametrize("status", [404, 429, 500])
def test_fetch_http_errors_are_provider_errors(status: int) -> None:
    api = Api({"/v2/products/addonproviders": httpx.Response(status, json={"message": "no"})})
    with pytest.raises(ProviderError, match=str(status)):
        run_fetch(api)


@pytest.mark.parametrize("status", [429, 500])
def test_fetch_price_system_errors_other_than_404_are_provider_errors(status: int) -> None:
    api = Api({"/v4/billing/price-system:par": httpx.Response(status)})
    with pytest.raises(ProviderError) as caught:
        run_fetch(api)
    assert caught.value.provider == "clevercloud"
    assert "zone_id=par" in (caught.value.url or "")


def test_fetch_malformed_json_is_a_catalog_error() -> None:
    api = Api({"/v4/products/zones": httpx.Response(200, content=b'[{"name": "par",')})
    with pytest.raises(CatalogError) as caught:
        run_fetch(api)
    assert caught.value.endpoint == BASE + "/v4/products/zones"


def test_fetch_zones_of_the_wrong_shape_is_a_catalog_error() -> None:
    api = Api({"/v4/products/zones": httpx.Response(200, json={"zones": []})})
    with pytest.raises(CatalogError):
        run_fetch(api)
