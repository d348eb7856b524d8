"""Rapid.Space adapter: no request, the curated static catalog, its one stale price."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from tests.support.mock_fetch import fetch_with

from sovbundle.adapters import rapidspace
from sovbundle.adapters.base import RawCatalog
from sovbundle.catalog.facts import load_facts
from sovbundle.errors import CatalogError
from sovbundle.models import EvidenceClass, PriceQuality, PriceUnit, VmSpecs

FACTS = Path(__file__).resolve().parents[2] / "providers" / "rapidspace.yaml"


def test_fetch_makes_no_request_and_returns_an_empty_catalog() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"unexpected request to {request.url}")

    raw = fetch_with(rapidspace, refuse)
    assert raw.provider == "rapidspace" and raw.responses == {}
    assert raw.fetched_at.endswith("+00:00")


def test_normalize_returns_the_curated_catalog_with_its_stale_price() -> None:
    facts = load_facts(FACTS)
    raw = RawCatalog("rapidspace", "2026-11-29T12:00:00+00:00", {})
    offers = rapidspace.normalize(raw, facts)
    assert offers == list(facts.curated_offers)
    (vps,) = offers
    assert vps.kind == "vm" and vps.region == "fr"
    assert vps.price.amount == Decimal(195) and vps.price.unit is PriceUnit.MONTH
    assert vps.price.quality is PriceQuality.STALE and "2018" in (vps.price.note or "")
    assert vps.monthly == Decimal(195)
    assert vps.placeable  # stale prices are placed, with a warning
    assert vps.source.kind == "curated" and vps.source.as_of == "2021-01-11"  # the page's date
    # The price is of 2018 (the page says so), not of the day the page was edited.
    assert vps.price_evidence is not None and vps.price_evidence.as_of == "2018"
    assert vps.price_evidence.class_ is EvidenceClass.PROVIDER_DOC
    assert isinstance(vps.specs, VmSpecs) and vps.specs.dedicated
    # The current VPS of the operator's SlapOS software release: 40 cores, 256 GB, 4 TB.
    assert (vps.specs.vcpus, vps.specs.memory_gb, vps.specs.disk_gb) == (40, 256, 4000)
    assert facts.provider.certifications == ()


def test_a_response_to_normalise_is_a_catalog_error() -> None:
    raw = RawCatalog("rapidspace", "2026-11-29T12:00:00+00:00", {"/api/v1/instance": {}})
    with pytest.raises(CatalogError) as caught:
        rapidspace.normalize(raw, load_facts(FACTS))
    assert caught.value.provider == "rapidspace" and caught.value.endpoint == "/api/v1/instance"
