"""Scaleway adapter: units + nanos, per-minute GPUs, Elastic Metal, paging, statuses, errors."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.fuzz import mutated_json
from tests.support.mock_fetch import fetch_with

from sovbundle.adapters import scaleway
from sovbundle.adapters.base import RawCatalog
from sovbundle.catalog.facts import ProviderFacts
from sovbundle.errors import CatalogError, ProviderError
from sovbundle.models import Offer, OfferStatus, PriceUnit, Provider, Region, Source

FIXTURES = Path(__file__).parents[1] / "fixtures" / "scaleway"
BASE = "https://api.scaleway.com"
PATH = scaleway.PRODUCTS_PATH
KEY1 = f"{PATH}?product_types=instance&product_types=elastic_metal&page=1&page_size=100"
KEY2 = KEY1.replace("page=1", "page=2")
SRC = Source(kind="curated", url="https://example.test/facts", as_of="2026-11-29")

FACTS = ProviderFacts(
    Provider(
        id="scaleway",
        name="Scaleway",
        legal_entity="Scaleway SAS",
        hq_country="FR",
        eu_jurisdiction=True,
        source=SRC,
        regions=tuple(
            Region(
                provider="scaleway",
                id=zone,
                country="FR",
                operator="scaleway",
                price_zone="fr-par",
                source=SRC,
            )
            for zone in ("fr-par-1", "fr-par-2")
        ),
    )
)


def page(number: int) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"products_page{number}.json").read_text("utf-8"))
    return data


def normalize(*pages: Any) -> list[Offer]:
    responses = {KEY1.replace("page=1", f"page={i}"): p for i, p in enumerate(pages, start=1)}
    return scaleway.normalize(RawCatalog("scaleway", "2026-07-01", responses, BASE), FACTS)


def offers() -> dict[tuple[str, str], Offer]:
    return {(o.sku, o.region): o for o in normalize(page(1), page(2))}


# --------------------------------------------------------------------------- prices


def test_units_and_nanos_give_an_exact_hourly_price() -> None:
    offer = offers()[("BASIC3-X2C-4G", "fr-par-1")]
    assert offer.price.amount == Decimal("0.039449")  # units 0, nanos 39449000
    assert offer.price.unit is PriceUnit.HOUR
    assert offer.monthly == Decimal("28.79777")
    assert offer.specs.kind == "vm"
    assert (offer.specs.vcpus, offer.specs.memory_gb, offer.specs.disk_gb) == (2, Decimal(4), None)
    assert offer.specs.arch == "x86_64"
    assert offer.source.kind == "api" and offer.source.url == BASE + KEY1


def test_arm64_instance_keeps_its_architecture() -> None:
    offer = offers()[("BASIC2-A2C-4G", "fr-par-1")]
    assert offer.specs.kind == "vm" and offer.specs.arch == "arm64"


def test_per_minute_gpu_price_becomes_per_hour_exactly() -> None:
    l4 = offers()[("L4-1-24G", "fr-par-1")]
    assert l4.price.amount == Decimal("0.7875")  # 0.013125 EUR/min x 60
    assert l4.price.unit is PriceUnit.HOUR
    assert l4.monthly == Decimal("574.875")
    assert l4.specs.kind == "vm"
    assert (l4.specs.gpus, l4.specs.gpu_model, l4.specs.gpu_memory_gb) == (1, "L4", Decimal(24))
    assert "per minute" in (l4.source.note or "")
    b300 = offers()[("B300-SXM-8-288G", "fr-par-2")]
    assert b300.price.amount == Decimal(60)  # units 1, nanos 0 per minute
    assert b300.specs.kind == "vm" and b300.specs.gpu_memory_gb == 288


def test_gpu_without_memory_in_its_name_has_unknown_gpu_memory() -> None:
    render = offers()[("RENDER-S", "fr-par-1")]
    assert render.specs.kind == "vm"
    assert (render.specs.gpus, render.specs.gpu_memory_gb) == (1, None)
    assert render.price.amount == Decimal("1.221")


def test_elastic_metal_skus_merge_into_one_dedicated_offer() -> None:
    metal = offers()[("EM-A115X-SSD", "fr-par-1")]
    assert metal.specs.kind == "vm" and metal.specs.dedicated
    assert metal.price.amount == Decimal("0.091") and metal.price.unit is PriceUnit.HOUR
    assert metal.monthly == Decimal("32.99")  # the monthly SKU, not 0.091 x 730
    assert metal.specs.disk_gb == Decimal("2048.419086336")
    assert "setup fee 32.99" in (metal.source.note or "")
    assert metal.status is OfferStatus.DEPRECATED  # end_of_sale


def test_retired_and_apple_silicon_products_are_skipped() -> None:
    skus = {sku for sku, _ in offers()}
    assert "VC1-S" not in skus  # retired, priced 0
    assert not any(s.startswith("Mac") for s in skus)
    assert skus == {
        "BASIC3-X2C-4G",
        "BASIC2-A2C-4G",
        "L4-1-24G",
        "B300-SXM-8-288G",
        "RENDER-S",
        "EM-A115X-SSD",
    }


def test_every_page_is_read_and_duplicates_are_read_once() -> None:
    assert len(normalize(page(1), page(2))) == 6
    assert len(normalize(page(1), page(1), page(2))) == 6


def test_each_offer_carries_the_date_of_its_own_body_and_a_newer_body_supersedes() -> None:
    old, new = page(1), page(1)
    product = next(p for p in new["products"] if p["unit_of_measure"]["unit"] == "hour")
    before = Decimal(product["price"]["retail_price"]["nanos"]) / 10**9
    product["price"]["retail_price"]["nanos"] += 1_000_000  # +0.001 EUR in the newer body
    key_old, key_new = KEY1, KEY1 + "&zone=fr-par-1"
    raw = RawCatalog(
        "scaleway",
        "2026-08-14",
        {key_new: new, key_old: old, KEY2: page(2)},
        BASE,
        recorded={key_old: "2026-07-01", key_new: "2026-08-14", KEY2: "2025-12-02"},
    )
    found = {(o.sku, o.region): o for o in scaleway.normalize(raw, FACTS)}
    name = product["properties"]["instance"]["offer_id"]
    changed = found[(name, product["locality"]["zone"])]
    assert changed.source.as_of == "2026-08-14" and changed.source.url.endswith("zone=fr-par-1")
    assert changed.price.amount == product["price"]["retail_price"]["units"] + before + Decimal(
        "0.001"
    )
    (history,) = changed.price_history  # the older price is kept, not dropped
    assert history.amount == changed.price.amount - Decimal("0.001")
    assert history.evidence.as_of == "2026-07-01" and history.evidence.class_ == "api"
    # An offer only the 2025 body has keeps the 2025 date: no body makes another look younger.
    dates = {
        o.source.as_of for o in found.values() if o.source.url.endswith("page=2&page_size=100")
    }
    assert dates == {"2025-12-02"}


def test_zone_missing_from_the_curated_regions_is_dropped() -> None:
    payload = page(1)
    payload["products"][0]["locality"] = {"zone": "nl-ams-9"}
    assert ("BASIC3-X2C-4G", "nl-ams-9") not in {(o.sku, o.region) for o in normalize(payload)}


# --------------------------------------------------------------------------- malformed payloads

_DELETE = object()


def _set(path: str, value: Any) -> dict[str, Any]:
    payload = page(1)
    node: Any = payload
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is _DELETE:
        del node[parts[-1]]
    else:
        node[parts[-1]] = value
    return payload


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    [
        ("products", _DELETE, "products", "missing field"),
        ("products.0.price.retail_price.currency_code", "USD", "currency_code", "currency"),
        ("products.0.price.retail_price.units", 0.5, "retail_price.units", "integer"),
        ("products.0.price.retail_price.nanos", 10**9, "retail_price.nanos", "out of range"),
        ("products.0.price.retail_price.nanos", -5, "retail_price.nanos", ">= 0"),
        ("products.0.price", _DELETE, "products[0].price", "missing"),
        ("products.0.unit_of_measure.unit", "gigabyte_day", "unit_of_measure.unit", "unit"),
        ("products.0.unit_of_measure.size", 0, "unit_of_measure.size", ">= 1"),
        ("products.0.status", "sunset", "products[0].status", "status"),
        ("products.0.locality", {"region": "fr-par"}, "products[0].locality", "zone"),
        ("products.0.properties.hardware.cpu.arch", "sparc", "cpu.arch", "architecture"),
        ("products.0.properties.hardware.ram.size", "4 GiB", "ram.size", "integer"),
        ("products.0.properties.instance", [], "properties.instance", "object"),
    ],
)
def test_malformed_payload_raises_catalog_error_naming_the_field(
    path: str, value: Any, field: str, message: str
) -> None:
    with pytest.raises(CatalogError) as info:
        normalize(_set(path, value))
    assert info.value.provider == "scaleway"
    assert info.value.endpoint == BASE + KEY1
    assert info.value.field is not None and info.value.field.endswith(field)
    assert message in info.value.message


def test_no_products_response_is_an_error() -> None:
    with pytest.raises(CatalogError, match="no /product-catalog"):
        scaleway.normalize(RawCatalog("scaleway", "2026-07-01", {}, BASE), FACTS)


# --------------------------------------------------------------------------- fetch


def _fetch(handler: Any) -> RawCatalog:
    return fetch_with(scaleway, handler, BASE)


def test_fetch_follows_pages_until_total_count() -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        number = int(request.url.params["page"])
        return httpx.Response(200, json=page(number))

    raw = _fetch(handler)
    assert [u.params["page"] for u in seen] == ["1", "2"]
    assert all(u.params["page_size"] == "100" for u in seen)
    assert seen[0].params.get_list("product_types") == ["instance", "elastic_metal"]
    assert list(raw.responses) == [KEY1, KEY2]
    assert len(scaleway.normalize(raw, FACTS)) == 6


def test_fetch_stops_on_an_empty_page() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            return httpx.Response(200, json={**page(1), "total_count": 500})
        return httpx.Response(200, json={"products": [], "total_count": 500})

    assert len(_fetch(handler).responses) == 2


def test_fetch_page_without_total_count_is_a_catalog_error() -> None:
    with pytest.raises(CatalogError, match="total_count"):
        _fetch(lambda request: httpx.Response(200, json={"products": []}))


@pytest.mark.parametrize("status", [404, 429, 500])
def test_fetch_http_error_is_a_provider_error(status: int) -> None:
    body = {"type": "not_found", "message": "resource is not found"}
    with pytest.raises(ProviderError, match=f"HTTP {status}"):
        _fetch(lambda request: httpx.Response(status, json=body))


def test_fetch_error_on_a_later_page_is_a_provider_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["page"] == "1":
            return httpx.Response(200, json=page(1))
        return httpx.Response(503)

    with pytest.raises(ProviderError, match="HTTP 503"):
        _fetch(handler)


def test_fetch_malformed_json_is_a_catalog_error() -> None:
    with pytest.raises(CatalogError, match="not valid JSON"):
        _fetch(lambda request: httpx.Response(200, content=b"<html>"))


# --------------------------------------------------------------------------- fuzz


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([1, 2]).flatmap(lambda n: mutated_json(page(n))))
def test_normalize_on_mutated_payloads_raises_only_catalog_error(payload: Any) -> None:
    try:
        result = normalize(payload)
    except CatalogError:
        return
    for offer in result:
        assert offer.price.amount is None or offer.price.amount >= 0


EM_KEY = f"{PATH}?page=1&product_types=elastic_metal&zone=fr-par-1"
EM_EVIDENCE_2026 = scaleway.Evidence(
    class_=scaleway.EvidenceClass.THIRD_PARTY,
    source="https://github.com/scaleway/scaleway-cli/blob/5af8ee30/x.cassette.yaml",
    as_of="2026-09-25",
    note="hand-transcribed projection, count-checked",
)


def em_offers_2025() -> list[Offer]:
    body = json.loads((FIXTURES / "em_catalog_2025-12-02_subset.json").read_text("utf-8"))
    raw = RawCatalog(
        "scaleway", "2025-12-02", {EM_KEY: body}, BASE, recorded={EM_KEY: "2025-12-02"}
    )
    return scaleway.normalize(raw, FACTS)


def em_projection() -> dict[str, Any]:
    text = (FIXTURES / "em_projection_2026-09-25_subset.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def test_the_2026_09_25_elastic_metal_reading_supersedes_a_changed_price_and_keeps_history() -> (
    None
):
    older = {o.sku: o for o in em_offers_2025()}
    assert set(older) == {"EM-A610R-NVMe", "EM-I120E-NVMe"}
    (new,) = scaleway.normalize_dataset(
        scaleway.EM_PROJECTION, em_projection(), FACTS, EM_EVIDENCE_2026, list(older.values())
    )
    # Only the changed price is superseded: EM-A610R-NVMe (unchanged) keeps its API evidence.
    assert new.sku == "EM-I120E-NVMe" and new.region == "fr-par-1"
    assert (new.price.amount, new.monthly_amount) == (Decimal("0.37"), Decimal("134.99"))
    assert new.price_evidence == EM_EVIDENCE_2026  # dated by the body, not by today
    (record,) = new.price_history
    assert (record.amount, record.monthly_amount) == (Decimal("0.356"), Decimal("129.99"))
    assert record.evidence.class_ == "api" and record.evidence.as_of == "2025-12-02"
    assert new.specs == older["EM-I120E-NVMe"].specs  # the specs of the recorded body
    assert new.price.note is not None and "hand-transcribed" in new.price.note
    assert "setup fee 134.99" in new.price.note


def test_a_new_elastic_metal_product_without_specs_is_not_an_offer() -> None:
    projection = em_projection()
    assert "EM-B130E-NVMe" in {r["product"] for r in projection["products"]}
    offers = scaleway.normalize_dataset(
        scaleway.EM_PROJECTION, projection, FACTS, EM_EVIDENCE_2026, em_offers_2025()
    )
    assert "EM-B130E-NVMe" not in {o.sku for o in offers}


def test_an_older_reading_never_supersedes_a_newer_price() -> None:
    old = EM_EVIDENCE_2026.model_copy(update={"as_of": "2025-01-01"})
    assert not scaleway.normalize_dataset(
        scaleway.EM_PROJECTION, em_projection(), FACTS, old, em_offers_2025()
    )


def test_the_elastic_metal_projection_must_count_its_body_total() -> None:
    projection = em_projection()
    projection["_provenance"]["total_count_in_body"] += 1
    with pytest.raises(CatalogError, match="SKUs in the products, total_count says"):
        scaleway.normalize_dataset(
            scaleway.EM_PROJECTION, projection, FACTS, EM_EVIDENCE_2026, em_offers_2025()
        )
