"""The packaged OVHcloud and Scaleway data: facts files, snapshot offers and recorded prices."""

from __future__ import annotations

import hashlib
import json
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


def test_ovhcloud_database_high_availability_follows_ovh_documentation() -> None:
    dbs = [o for o in snapshot("ovhcloud").offers if o.kind == "database"]
    by_plan: dict[tuple[str, str], set[bool]] = {}
    for o in dbs:
        assert o.specs.kind == "database"
        plan = o.sku.split("-")[1]
        by_plan.setdefault((o.specs.engine, plan), set()).add(o.specs.high_availability)
    for engine in ("postgresql", "mysql"):
        assert by_plan[(engine, "business")] == {True}  # 2 nodes by default
        assert by_plan[(engine, "enterprise")] == {True}  # 3 nodes by default
        assert by_plan[(engine, "essential")] == {False}  # at most one node
    assert by_plan[("mongodb", "production")] == by_plan[("mongodb", "advanced")] == {True}
    # Plans OVHcloud's pages do not describe are not claimed to be highly available.
    assert by_plan[("redis", "business")] == {False}
    ha = offer("ovhcloud", "postgresql-business-db1-4", "GRA11", kind="database")
    assert ha.source.note and "delivered with 2 nodes by default" in ha.source.note


def test_a_high_availability_database_bundle_places_on_ovhcloud() -> None:
    from datetime import UTC, datetime

    from tests.support.synthetic import bundle

    from sovbundle.catalog.files import LoadedCatalog
    from sovbundle.catalog.query import Catalog
    from sovbundle.planning.resolve import plan_bundle
    from sovbundle.spec.loader import LoadedBundle

    data = snapshot("ovhcloud")
    catalog = Catalog.from_loaded([LoadedCatalog(data, "snapshot", None, "0" * 64)])
    spec = bundle(
        {"db": {"kind": "database", "engine": "postgresql", "high_availability": True}},
        constraints={"providers": ["ovhcloud"]},
    )
    plan = plan_bundle(LoadedBundle(spec, Path("b.yaml"), "0" * 64), catalog, datetime.now(UTC))
    (row,) = plan.placements
    assert row.provider == "ovhcloud"
    assert "-business-" in row.sku or "-enterprise-" in row.sku


def test_ovhcloud_iso27001_soc2_and_hds_are_unconfirmed_claims_on_no_offer() -> None:
    data = snapshot("ovhcloud")
    facts = {c.id: c for c in data.provider.certifications}
    for cert in ("iso27001", "soc2"):  # company-level claims: no region scope, unconfirmed
        assert facts[cert].regions is None and not facts[cert].confirmed
    assert not facts["hds"].confirmed and "GRA11" in (facts["hds"].regions or ())
    assert facts["secnumcloud"].regions == ()  # Hosted Private Cloud only: no offer in scope
    held = {"iso27001", "soc2", "hds", "secnumcloud"}
    assert not any(held & set(o.certifications) for o in data.offers)


def test_scaleway_secnumcloud_is_recorded_in_progress_and_on_no_offer() -> None:
    data = snapshot("scaleway")
    (snc,) = [c for c in data.provider.certifications if c.id == "secnumcloud"]
    assert snc.status == "in_progress" and snc.source.url.startswith("https://")
    assert not any("secnumcloud" in o.certifications for o in data.offers)


@pytest.mark.parametrize(
    ("sku", "hourly", "monthly"),
    [("b2-7", "0.0709", "24.20"), ("d2-8", "0.0372", "19.80"), ("t2-le-45", "0.8", "576.00")],
)
def test_ovhcloud_published_monthly_plans_are_the_monthly_price(
    sku: str, hourly: str, monthly: str
) -> None:
    o = offer("ovhcloud", sku, "GRA11")
    assert o.price.amount == Decimal(hourly) and o.monthly_amount == Decimal(monthly)
    assert o.monthly == Decimal(monthly) < Decimal(hourly) * 730  # both shown, monthly used
    assert o.price_evidence is not None and o.price_evidence.as_of == "2026-01-27"
    assert o.price_evidence.class_ == "third_party" and f"{sku}.monthly.postpaid" in str(
        o.price_evidence.note
    )


def test_scaleway_elastic_metal_has_its_monthly_sku() -> None:
    o = offer("scaleway", "EM-A116X-SSD", "fr-par-1")
    assert o.price.amount == Decimal("0.077") and o.monthly_amount == Decimal("27.99")
    assert o.price_evidence is not None and o.price_evidence.as_of == "2025-12-02"


def test_every_api_offer_carries_the_date_of_its_own_body() -> None:
    dates = {
        o.source.url.split("?")[-1]: o.source.as_of
        for o in snapshot("scaleway").offers
        if o.source.kind == "api"
    }
    assert dates["page=1&product_types=elastic_metal&zone=fr-par-1"] == "2025-12-02"
    assert dates["api_ids=PRO2-M&page=1&product_types=instance&zone=pl-waw-3"] == "2026-07-30"
    assert set(dates.values()) == {"2025-12-02", "2026-07-01", "2026-07-30", "2026-08-14"}
    ovh = {
        o.source.url: o.source.as_of for o in snapshot("ovhcloud").offers if o.source.kind == "api"
    }
    assert ovh == {
        "https://api.ovh.com/v1/order/catalog/public/cloud?ovhSubsidiary=DE": "2026-08-14",
        "https://api.ovh.com/v1/order/catalog/public/eco?ovhSubsidiary=FR": "2025-05-13",
    }
    for o in snapshot("scaleway").offers:
        if o.source.kind == "api":
            assert o.price_evidence is not None
            if o.price_evidence.class_ == "api":
                assert o.price_evidence.as_of == o.source.as_of
            else:  # superseded by a newer dataset: the body's price is the history
                assert o.price_evidence.as_of == "2026-09-25", o.sku
                assert o.price_history[0].evidence.as_of == o.source.as_of


@pytest.mark.parametrize(
    ("sku", "new", "old"),
    [("POP2-6C-24G", "0.2205", "0.225"), ("STANDARD2-A32C-128G", "1.0078", "1.1978")],
)
def test_scaleway_prices_superseded_by_the_2026_08_14_catalog_keep_their_history(
    sku: str, new: str, old: str
) -> None:
    o = offer("scaleway", sku, "fr-par-1")
    assert o.price.amount == Decimal(new) and o.monthly_amount is None
    assert o.price_evidence is not None and o.price_evidence.as_of == "2026-08-14"
    (record,) = o.price_history
    assert record.amount == Decimal(old) and record.evidence.as_of == "2026-07-30"
    assert record.evidence.class_ == "api"
    # Another zone, not in the newer dataset, keeps the July price.
    other = offer("scaleway", sku, "fr-par-2")
    assert other.price.amount == Decimal(old) and not other.price_history


def test_scaleway_database_nodes_have_the_specs_of_their_instance_type() -> None:
    dbs = [o for o in snapshot("scaleway").offers if o.kind == "database"]
    assert len(dbs) == 9
    for o in dbs:
        assert o.specs.kind == "database"
        assert (o.specs.vcpus, o.specs.memory_gb) == (Decimal(1), Decimal(2)), o.region
        assert o.source.note and "db-dev1-l database node uses a dev1-l Instance" in o.source.note
        assert o.price_evidence is not None and o.price_evidence.as_of is None  # undated, says so


IRIDIUM_RISES = {
    "EM-I120E-NVMe": ("0.37", "134.99", "0.356", "129.99"),
    "EM-I220E-NVMe": ("0.63", "229.99", "0.548", "199.99"),
    "EM-I320E-NVMe": ("0.959", "349.99", "0.822", "299.99"),
    "EM-I420E-NVMe": ("1.233", "449.99", "1.096", "399.99"),
    "EM-I520E-NVMe": ("1.562", "569.99", "1.37", "499.99"),
    "EM-I525E-NVMe": ("2.877", "1049.99", "1.781", "649.99"),
    "EM-I620E-NVMe": ("1.863", "679.99", "1.644", "599.99"),
}
EM_NEW = (
    "EM-B130E-NVMe",
    "EM-B130E-NVMe-64G",
    "EM-B230E-NVMe",
    "EM-B230E-NVMe-128G",
    "EM-B330E-NVMe",
    "EM-B330E-NVMe-128G",
    "EM-B430E-NVMe",
    "EM-B430E-NVMe-128G",
    "EM-L520E-NVMe",
)


def test_scaleway_elastic_metal_2026_09_25_prices_supersede_2025_12_02_with_history() -> None:
    em = [o for o in snapshot("scaleway").offers if o.sku.startswith("EM-")]
    assert len(em) == 28  # the 28 products of the 2025-12-02 body; none new (no specs)
    superseded = {o.sku: o for o in em if o.price_history}
    assert set(superseded) == set(IRIDIUM_RISES)
    for sku, (hourly, monthly, old_hourly, old_monthly) in IRIDIUM_RISES.items():
        o = superseded[sku]
        assert (o.price.amount, o.monthly_amount) == (Decimal(hourly), Decimal(monthly))
        ev = o.price_evidence
        assert ev is not None and ev.class_ == "third_party" and ev.as_of == "2026-09-25"
        assert ev.note is not None and ev.note.startswith("hand-transcribed projection")
        assert "5af8ee301467e0035a728ed7f99a4cfa4f25d65d" in ev.source
        (record,) = o.price_history
        assert (record.amount, record.monthly_amount) == (Decimal(old_hourly), Decimal(old_monthly))
        assert record.evidence.class_ == "api" and record.evidence.as_of == "2025-12-02"
        assert record.evidence.note and "c2d470d8" in record.evidence.note
        assert o.specs.vcpus and o.specs.memory_gb and o.specs.dedicated  # from the API body
    for o in em:
        if o.sku not in IRIDIUM_RISES:
            assert o.price_evidence is not None and o.price_evidence.as_of == "2025-12-02"


def test_scaleway_elastic_metal_projection_counts_102_skus_and_its_new_products_are_gaps() -> None:
    raw = PROVIDERS / "raw" / "scaleway"
    manifest = json.loads((raw / "manifest.json").read_text("utf-8"))
    entry = manifest["datasets"]["scaleway-cli-em-2026-09-25"]
    data = (raw / entry["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    body = json.loads(data)
    rows = body["products"]
    assert len(rows) == 37
    skus = sum(3 if r["setup_fee_sku"] else 2 for r in rows)
    assert skus == body["_provenance"]["total_count_in_body"] == 102
    new = {r["product"] for r in rows if r["vs_2025-12-02"].startswith("new")}
    assert new == set(EM_NEW)
    listed = {o.sku for o in snapshot("scaleway").offers}
    gaps = " ".join(load_facts(PROVIDERS / "scaleway.yaml").provider.gaps)
    for sku in EM_NEW:
        assert sku not in listed and sku in gaps
