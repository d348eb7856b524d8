"""The packaged OVHcloud and Scaleway data: facts files, snapshot offers and recorded prices."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from sovbundle.catalog.facts import load_facts
from sovbundle.catalog.files import ProviderCatalog, parse_catalog
from sovbundle.models import CERTIFICATIONS, KINDS, Offer, PriceQuality
from sovbundle.refresh.snapshot import build_snapshot

PROVIDERS = Path(__file__).parents[2] / "providers"
IDS = ("ovhcloud", "scaleway")


def snapshot(pid: str) -> ProviderCatalog:
    text = (PROVIDERS / "snapshot" / f"{pid}.json").read_text(encoding="utf-8")
    return parse_catalog(text)


def offer(pid: str, sku: str, region: str, kind: str = "vm") -> Offer:
    found = [o for o in snapshot(pid).offers if (o.sku, o.region, o.kind) == (sku, region, kind)]
    assert len(found) == 1, (sku, region)
    return found[0]


@pytest.mark.parametrize("pid", IDS)
def test_facts_file_validates(pid: str) -> None:
    facts = load_facts(PROVIDERS / f"{pid}.yaml")
    provider = facts.provider
    assert provider.id == pid and provider.hq_country == "FR" and provider.eu_jurisdiction
    assert provider.regions and provider.gaps and provider.egress is not None
    for cert in provider.certifications:
        assert cert.id in CERTIFICATIONS and cert.source.url
    for curated in facts.curated_offers:
        assert curated.source.kind == "curated" and curated.source.url and curated.source.note


@pytest.mark.parametrize("pid", IDS)
def test_committed_snapshot_is_what_the_build_produces(pid: str, tmp_path: Path) -> None:
    build_snapshot(PROVIDERS / "raw", PROVIDERS, tmp_path, [pid])
    committed = (PROVIDERS / "snapshot" / f"{pid}.json").read_bytes()
    assert (tmp_path / f"{pid}.json").read_bytes() == committed


@pytest.mark.parametrize("pid", IDS)
def test_every_offer_is_sourced_dated_priced_and_placed_in_a_known_region(pid: str) -> None:
    catalog = snapshot(pid)
    provider = catalog.provider
    assert catalog.offers
    for o in catalog.offers:
        assert o.provider == pid and o.kind in KINDS and o.kind == o.specs.kind
        assert o.source.url and date.fromisoformat(o.source.as_of[:10])
        region = provider.region(o.region)
        assert region is not None and len(region.country) == 2, o.region
        if o.price.quality is PriceQuality.UNKNOWN:
            assert o.price.amount is None and o.price.note
            continue
        assert o.price.amount is not None
        if o.kind == "kubernetes":
            assert o.price.amount >= 0  # free control planes are real, sourced offers
        else:
            assert o.price.amount > 0, (o.sku, o.region)
        assert o.monthly is not None and o.monthly >= 0
        if o.price.quality is PriceQuality.STALE:
            assert o.price.note


def test_ovhcloud_worked_examples_from_the_recorded_catalog() -> None:
    b3 = offer("ovhcloud", "b3-8", "GRA11")
    assert b3.source.kind == "api" and b3.price.amount == Decimal("0.0512")
    d2 = offer("ovhcloud", "d2-2", "SBG5")
    assert d2.price.amount == Decimal("0.0104") and d2.monthly == Decimal("5.71")
    a100 = offer("ovhcloud", "a100-180", "GRA11")
    assert (a100.price.amount, a100.monthly) == (Decimal("2.75"), Decimal("1100"))
    assert a100.specs.kind == "vm" and a100.specs.gpu_model == "A100"
    assert offer("ovhcloud", "c3-8", "EU-WEST-PAR").price.amount == Decimal("0.0913")


def test_ovhcloud_has_curated_databases_storage_and_kubernetes() -> None:
    kinds = {o.kind for o in snapshot("ovhcloud").offers}
    assert kinds == {"vm", "database", "object_storage", "kubernetes"}
    pg = offer("ovhcloud", "postgresql-essential-db1-4", "GRA11", "database")
    assert pg.source.kind == "curated" and pg.price.amount == Decimal("0.07")


def test_ovhcloud_public_cloud_carries_no_secnumcloud_or_hds() -> None:
    for o in snapshot("ovhcloud").offers:
        assert "secnumcloud" not in o.certifications and "hds" not in o.certifications


def test_scaleway_worked_examples_from_the_recorded_catalog() -> None:
    l4 = offer("scaleway", "L4-1-24G", "fr-par-1")
    assert l4.source.kind == "api" and l4.price.amount == Decimal("0.7875")
    h100 = offer("scaleway", "H100-SXM-2-80G", "fr-par-2")
    assert h100.price.amount == Decimal("6.6198")
    assert offer("scaleway", "B300-SXM-8-288G", "fr-par-2").price.amount == Decimal(60)
    assert offer("scaleway", "DEV1-XL", "nl-ams-2").price.amount == Decimal("0.065075999")
    metal = offer("scaleway", "EM-A115X-SSD", "fr-par-1")
    assert (metal.price.amount, metal.monthly) == (Decimal("0.091"), Decimal("32.99"))


def test_scaleway_hds_covers_only_object_storage_in_paris_zones() -> None:
    certified = {
        (o.kind, o.region) for o in snapshot("scaleway").offers if "hds" in o.certifications
    }
    assert certified == {("object_storage", z) for z in ("fr-par-1", "fr-par-2", "fr-par-3")}


def test_scaleway_kubernetes_and_object_storage_in_every_paris_zone() -> None:
    offers = snapshot("scaleway").offers
    for zone in ("fr-par-1", "fr-par-2", "fr-par-3"):
        kinds = {o.kind for o in offers if o.region == zone}
        assert {"vm", "kubernetes", "object_storage", "database"} <= kinds
    standard = offer("scaleway", "STANDARD", "fr-par-1", "object_storage")
    assert standard.price.amount == Decimal("0.0146")  # 0.00002 EUR/GB-hour x 730


def test_importing_the_adapters_does_not_import_httpx() -> None:
    code = (
        "import sys, sovbundle.adapters.ovhcloud, sovbundle.adapters.scaleway; "
        "sys.exit('httpx' in sys.modules)"
    )
    src = str(Path(__file__).parents[2] / "src")
    done = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": src}, check=False)
    assert done.returncode == 0
