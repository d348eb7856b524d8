"""The packaged snapshot of clevercloud, outscale and rapidspace: sourced, dated, up to date."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from sovbundle.catalog.facts import load_facts
from sovbundle.catalog.files import load_catalog_file
from sovbundle.models import CERTIFICATIONS, HOURS_PER_MONTH, KINDS, EvidenceClass, PriceQuality
from sovbundle.refresh.snapshot import build_snapshot

ROOT = Path(__file__).resolve().parents[2]
PROVIDERS = ["clevercloud", "outscale", "rapidspace"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_facts_file_validates(provider: str) -> None:
    facts = load_facts(ROOT / "providers" / f"{provider}.yaml")
    assert facts.provider.id == provider
    for cert in facts.provider.certifications:
        assert cert.id in CERTIFICATIONS and cert.source.url and cert.source.as_of
        assert cert.regions, "every certification here is scoped to named regions"
        assert set(cert.regions) <= {r.id for r in facts.provider.regions}
    assert facts.provider.egress is not None and facts.provider.gaps


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_offer_is_sourced_dated_priced_and_placed(provider: str) -> None:
    catalog = load_catalog_file(ROOT / "providers" / "snapshot" / f"{provider}.json").data
    regions = {region.id: region for region in catalog.provider.regions}
    assert catalog.offers
    for region in regions.values():
        assert re.fullmatch(r"[A-Z]{2}", region.country) and region.source.as_of
    for offer in catalog.offers:
        assert offer.provider == provider and offer.kind in KINDS
        assert offer.kind == offer.specs.kind
        assert offer.source.url and re.match(r"\d{4}-\d{2}-\d{2}", offer.source.as_of)
        assert offer.region in regions
        if offer.price.quality is PriceQuality.UNKNOWN:
            assert offer.price.amount is None and offer.price.note
        else:
            assert offer.price.amount is not None and offer.price.amount >= 0
            if offer.price.amount == 0:  # only a plan its provider says is free
                assert "is free" in (offer.price.note or ""), offer.sku
        if offer.price.quality is PriceQuality.STALE:
            assert offer.price.note
        assert offer.price.currency == "EUR" and offer.price.vat == "excluded"


def test_snapshot_files_are_what_the_build_writes(tmp_path: Path) -> None:
    build_snapshot(ROOT / "providers" / "raw", ROOT / "providers", tmp_path, PROVIDERS)
    for provider in PROVIDERS:
        committed = ROOT / "providers" / "snapshot" / f"{provider}.json"
        assert (tmp_path / f"{provider}.json").read_bytes() == committed.read_bytes(), (
            f"run: PYTHONPATH=src python -m sovbundle.refresh.snapshot {' '.join(PROVIDERS)}"
        )


def test_clevercloud_prices_match_the_recorded_worked_examples() -> None:
    catalog = load_catalog_file(ROOT / "providers" / "snapshot" / "clevercloud.json").data
    offers = {(o.sku, o.region): o for o in catalog.offers}
    hourly = {
        "apps.XS": "0.0222222222222222",
        "apps.M": "0.105555555555556",
        "apps.nano": "0.0083333333313",
        "postgresql.xs_sml": "0.0270833333333333",
        "postgresql.m_sml": "0.122222222222222",
        "mysql.xs_sml": "0.0326388888888889",
        "redis.s": "0.0145833333333333",
    }
    for sku, amount in hourly.items():
        assert offers[sku, "par"].price.amount == Decimal(amount), sku
    assert offers["apps.ML_XS", "clevergrid"].price.amount == Decimal("0.4166538")
    assert round(offers["apps.XS", "par"].monthly or 0, 2) == Decimal("16.22")
    assert round(offers["postgresql.xs_sml", "par"].monthly or 0, 2) == Decimal("19.77")
    cellar = offers["cellar", "par"]
    assert cellar.price.amount == Decimal("2.13333333333333e-05") * HOURS_PER_MONTH
    assert round(2000 * (cellar.monthly or 0), 2) == Decimal("31.15")
    assert "hds" in offers["apps.XS", "rbxhds"].certifications
    assert "hds" not in offers["apps.XS", "par"].certifications


def test_outscale_snapshot_is_priced_from_the_2020_sheet_and_labelled_so() -> None:
    catalog = load_catalog_file(ROOT / "providers" / "snapshot" / "outscale.json").data
    assert {o.kind for o in catalog.offers} == {"vm"}
    priced = [o for o in catalog.offers if o.placeable]
    # Euro-area Regions only (the sheet states no currency), cloudgouv included.
    assert {o.region for o in priced} == {"eu-west-2", "cloudgouv-eu-west-1"}
    for offer in priced:
        evidence = offer.price_evidence
        assert evidence is not None and evidence.class_ is EvidenceClass.THIRD_PARTY
        assert evidence.as_of == "2020-08-10" and "ligoj/plugin-prov-outscale" in evidence.source
        assert offer.price.quality is PriceQuality.STALE and "2020" in (offer.price.note or "")
    by_key = {(o.sku, o.region): o for o in catalog.offers}
    # The sheet's worked example: 2 vCores v5 highest x 0.036 + 4 GiB x 0.008 (eu-west-2).
    assert by_key[("tinav5.c2r4p1", "eu-west-2")].price.amount == Decimal("0.104")
    # cloudgouv: 2 x 0.0432 + 4 x 0.0096.
    assert by_key[("tinav5.c2r4p1", "cloudgouv-eu-west-1")].price.amount == Decimal("0.1248")
    assert not by_key[("tinav5.c2r4p1", "us-east-2")].placeable
    for offer in catalog.offers:
        expected = ("secnumcloud",) if offer.region == "cloudgouv-eu-west-1" else ()
        assert offer.certifications == expected


@pytest.mark.parametrize("provider", PROVIDERS)
def test_adapter_import_does_not_load_httpx(provider: str) -> None:
    code = (
        f"import sys, sovbundle.adapters.{provider} as a; "
        "assert a.PROVIDER_ID and a.DEFAULT_BASE_URL; "
        "sys.exit('httpx' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    assert subprocess.run([sys.executable, "-c", code], env=env, check=False).returncode == 0


def test_outscale_region_cities_are_sourced_where_a_source_gives_them() -> None:
    provider = load_catalog_file(ROOT / "providers" / "snapshot" / "outscale.json").data.provider
    cities = {r.id: r.city for r in provider.regions}
    assert cities == {
        "eu-west-2": "Pantin",
        "cloudgouv-eu-west-1": "Pantin",
        "us-east-2": "Secaucus",
        "us-west-1": "San Jose",
        "ap-northeast-1": None,  # no source names it
    }
    for region in provider.regions:
        if region.city is not None:
            assert "ligoj/plugin-prov-outscale" in (region.source.note or "")


def test_clevercloud_is_complete_from_the_untrimmed_recordings() -> None:
    import json

    raw = ROOT / "providers" / "raw" / "clevercloud"
    catalog = load_catalog_file(ROOT / "providers" / "snapshot" / "clevercloud.json").data
    offers = catalog.offers
    assert all(o.placeable for o in offers)  # every flavour and plan priced (DEV: free)
    instances = json.loads((raw / "v2_products_instances.json").read_text("utf-8"))
    runtimes = {rt for o in offers if o.specs.kind == "app" for rt in o.specs.runtimes}
    assert runtimes == {i["type"].lower() for i in instances if i["enabled"]}
    flavours = {f["price_id"] for i in instances for f in i["flavors"] if f.get("available", True)}
    assert {o.sku for o in offers if o.kind == "app"} == flavours
    providers = json.loads((raw / "v2_products_addonproviders.json").read_text("utf-8"))
    plans = {
        p["price_id"]
        for a in providers
        if a["id"]
        in {"postgresql-addon", "mysql-addon", "mongodb-addon", "redis-addon", "es-addon"}
        for p in a["plans"]
        if p.get("zones", a.get("regions"))
    }
    assert {o.sku for o in offers if o.kind == "database"} == plans
    assert len({o.region for o in offers}) >= 10  # every public zone, not only par
    for sku in ("postgresql.dev", "mysql.dev", "mongodb.dev"):
        dev = [o for o in offers if o.sku == sku]
        assert dev and all(o.price.amount == 0 and "DEV plan is free" in (o.price.note or "")
                           for o in dev)  # fmt: skip
