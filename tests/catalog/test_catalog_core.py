"""Catalog files (canonical bytes, atomic writes, validation), queries, and snapshot assembly."""

from __future__ import annotations

import json
import os
import random
from decimal import Decimal
from pathlib import Path

import pytest

from sovbundle.atomic import atomic_write_bytes
from sovbundle.catalog.facts import ProviderFacts, certifications_for, load_facts
from sovbundle.catalog.files import (
    CATALOG_FORMAT_VERSION,
    LoadedCatalog,
    ProviderCatalog,
    dump_catalog,
    load_catalog_file,
    packaged_data_dir,
    parse_catalog,
)
from sovbundle.catalog.query import Catalog, OfferQuery
from sovbundle.errors import CatalogError
from sovbundle.models import (
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

CURATED = Source(kind="curated", url="https://example.invalid/doc", as_of="2026-01-01")
API = Source(kind="api", url="https://example.invalid/api", as_of="2026-08-14")


def provider() -> Provider:
    return Provider(
        id="outscale",
        name="3DS Outscale",
        legal_entity="3DS Outscale SAS",
        hq_country="FR",
        eu_jurisdiction=True,
        source=CURATED,
        certifications=(
            Certification(
                id="secnumcloud",
                scope="IaaS in cloudgouv-eu-west-1",
                regions=("cloudgouv-eu-west-1",),
                kinds=("vm",),
                source=CURATED,
            ),
            Certification(id="iso27001", scope="company", source=CURATED),
        ),
        regions=(
            Region(
                provider="outscale",
                id="eu-west-2",
                country="FR",
                operator="outscale",
                source=CURATED,
            ),
            Region(
                provider="outscale",
                id="cloudgouv-eu-west-1",
                country="FR",
                operator="outscale",
                source=CURATED,
            ),
            Region(
                provider="outscale",
                id="us-east-2",
                country="US",
                operator="outscale",
                source=CURATED,
            ),
        ),
    )


def offer(sku: str, region: str, amount: str | None, vcpus: int = 2, source: Source = API) -> Offer:
    quality = PriceQuality.UNKNOWN if amount is None else PriceQuality.CURRENT
    return Offer(
        provider="outscale",
        kind="vm",
        sku=sku,
        region=region,
        specs=VmSpecs(vcpus=vcpus, memory_gb=Decimal(vcpus * 4)),
        price=Price(
            amount=None if amount is None else Decimal(amount), unit=PriceUnit.HOUR, quality=quality
        ),
        source=source,
    )


def catalog_of(offers: list[Offer]) -> Catalog:
    data = ProviderCatalog(
        provider=provider(), fetched_at="2026-08-14T00:00:00Z", offers=tuple(offers)
    )
    return Catalog.from_loaded([LoadedCatalog(data, "snapshot", None, "0" * 64)])


def test_dump_is_canonical_whatever_the_offer_order(tmp_path: Path) -> None:
    offers = [offer(f"tina-{i}", "eu-west-2", f"0.0{i}") for i in range(1, 8)]
    shuffled = offers[:]
    random.Random(7).shuffle(shuffled)
    first = dump_catalog(
        ProviderCatalog(
            provider=provider(), fetched_at="2026-08-14T00:00:00Z", offers=tuple(offers)
        )
    )
    second = dump_catalog(
        ProviderCatalog(
            provider=provider(), fetched_at="2026-08-14T00:00:00Z", offers=tuple(shuffled)
        )
    )
    assert first == second
    path = tmp_path / "outscale.json"
    atomic_write_bytes(path, first)
    loaded = load_catalog_file(path)
    assert [o.sku for o in loaded.data.offers] == sorted(o.sku for o in offers)
    assert len(loaded.sha256) == 64


def test_atomic_write_leaves_the_old_file_when_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "file.json"
    atomic_write_bytes(path, b"old")

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.json"]


def test_atomic_write_gives_the_usual_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    atomic_write_bytes(path, b"{}")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b"[]", b'{"format_version": 1}', b"\xff\xfe garbage"],
    ids=["empty", "truncated", "wrong-type", "wrong-version", "binary"],
)
def test_a_broken_catalog_file_is_a_catalog_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "scaleway.json"
    path.write_bytes(content)
    with pytest.raises(CatalogError) as err:
        load_catalog_file(path)
    assert err.value.exit_code == 6
    assert str(path) in err.value.message


def test_truncated_real_catalog_is_detected(tmp_path: Path) -> None:
    raw = dump_catalog(
        ProviderCatalog(
            provider=provider(),
            fetched_at="2026-08-14T00:00:00Z",
            offers=(offer("a", "eu-west-2", "1"),),
        )
    )
    path = tmp_path / "outscale.json"
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(CatalogError):
        load_catalog_file(path)


def test_query_filters_and_orders_cheapest_first_unknown_last() -> None:
    catalog = catalog_of(
        [
            offer("big", "eu-west-2", "0.50", vcpus=16),
            offer("small", "eu-west-2", "0.05", vcpus=2),
            offer("gov", "cloudgouv-eu-west-1", None, vcpus=4),
            offer("usa", "us-east-2", "0.01", vcpus=2),
        ]
    )
    assert [o.sku for o in catalog.query(OfferQuery())] == ["usa", "small", "big", "gov"]
    assert [o.sku for o in catalog.query(OfferQuery(country="fr"))] == ["small", "big", "gov"]
    assert [o.sku for o in catalog.query(OfferQuery(min_vcpus=Decimal(4)))] == ["big", "gov"]
    assert [o.sku for o in catalog.query(OfferQuery(region="us-east-2"))] == ["usa"]
    assert catalog.query(OfferQuery(kind="database")) == []


def test_certifications_follow_their_scope() -> None:
    p = provider()
    assert certifications_for(p, "cloudgouv-eu-west-1", "vm") == ("iso27001", "secnumcloud")
    assert certifications_for(p, "eu-west-2", "vm") == ("iso27001",)
    assert certifications_for(p, "cloudgouv-eu-west-1", "object_storage") == ("iso27001",)


def test_assemble_prefers_api_offers_and_applies_certifications() -> None:
    curated = offer("tinav5.c2r8p2", "cloudgouv-eu-west-1", None, source=CURATED)
    live = offer("tinav5.c2r8p2", "cloudgouv-eu-west-1", "0.12")
    facts = ProviderFacts(
        provider(), (curated, offer("only-curated", "eu-west-2", "1", source=CURATED))
    )
    catalog = assemble(facts, [live], "2026-08-14T00:00:00Z", ["/api/v1/ReadPublicCatalog"])
    by_sku = {o.sku: o for o in catalog.offers}
    assert by_sku["tinav5.c2r8p2"].price.amount == Decimal("0.12")
    assert by_sku["tinav5.c2r8p2"].certifications == ("iso27001", "secnumcloud")
    assert by_sku["only-curated"].source.kind == "curated"


def test_assemble_refuses_an_offer_in_an_unknown_region() -> None:
    with pytest.raises(CatalogError, match="unknown region"):
        assemble(ProviderFacts(provider()), [offer("x", "mars-1", "1")], "2026-08-14T00:00:00Z", [])


def test_facts_file_errors_name_the_field(tmp_path: Path) -> None:
    path = tmp_path / "outscale.yaml"
    data = {"provider": json.loads(provider().model_dump_json())}
    data["provider"]["hq_country"] = None
    path.write_text(json.dumps(data))
    with pytest.raises(CatalogError) as err:
        load_facts(path)
    assert err.value.field == "provider.hq_country"
    good = {"provider": json.loads(provider().model_dump_json())}
    path.write_text(json.dumps(good))
    assert load_facts(path).provider == provider()
    (tmp_path / "scaleway.yaml").write_text(json.dumps(good))
    with pytest.raises(CatalogError, match="describes 'outscale'"):
        load_facts(tmp_path / "scaleway.yaml")


# --------------------------------------------------------------------------- file format 2


@pytest.mark.parametrize("pid", ["ovhcloud", "scaleway", "clevercloud", "outscale", "rapidspace"])
def test_packaged_snapshot_round_trips_through_the_file_format(pid: str) -> None:
    path = packaged_data_dir() / "snapshot" / f"{pid}.json"
    raw = path.read_bytes()
    catalog = parse_catalog(raw)
    assert dump_catalog(catalog) == raw  # canonical: rebuilt by ``make snapshot``
    assert parse_catalog(dump_catalog(catalog)) == catalog


def test_offers_differing_only_by_region_are_stored_once() -> None:
    offers = [offer("tina", region, "0.04") for region in ("eu-west-2", "us-east-2")]
    offers.append(offer("tina-big", "eu-west-2", "0.08"))
    catalog = ProviderCatalog(provider=provider(), fetched_at="2026-08-14", offers=tuple(offers))
    data = json.loads(dump_catalog(catalog))
    assert data["format_version"] == CATALOG_FORMAT_VERSION
    assert [(r["sku"], r.get("regions"), r.get("region")) for r in data["offers"]] == [
        ("tina", ["eu-west-2", "us-east-2"], None),
        ("tina-big", None, "eu-west-2"),  # one region: stored as the offer it is
    ]
    assert parse_catalog(dump_catalog(catalog)).offers == tuple(sorted(offers, key=Offer.sort_key))


def test_a_catalog_file_of_format_1_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "outscale.json"
    path.write_text(json.dumps({"format_version": 1, "offers": []}))
    with pytest.raises(
        CatalogError, match="format_version 1; this sovbundle reads format_version 3"
    ):
        load_catalog_file(path)


def test_a_catalog_file_of_format_2_without_evidence_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "ovhcloud.json"
    path.write_text(json.dumps({"format_version": 2, "offers": []}))
    with pytest.raises(
        CatalogError, match="format_version 2; this sovbundle reads format_version 3"
    ):
        load_catalog_file(path)


@pytest.mark.parametrize("damage", ["region-in-row", "no-regions", "bad-price-in-row"])
def test_a_row_is_validated_as_an_offer(tmp_path: Path, damage: str) -> None:
    offers = (offer("a", "eu-west-2", "1"), offer("a", "us-east-2", "1"))
    catalog = ProviderCatalog(provider=provider(), fetched_at="2026-08-14", offers=offers)
    data = json.loads(dump_catalog(catalog))
    row = data["offers"][0]
    if damage == "region-in-row":
        row["region"] = "eu-west-2"
    elif damage == "no-regions":
        row["regions"] = []
    else:
        row["price"]["amount"] = "one euro"
    path = tmp_path / "outscale.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CatalogError, match="not a valid catalog file"):
        load_catalog_file(path)


def test_two_offers_of_one_key_are_refused() -> None:
    twins = (offer("a", "eu-west-2", "1"), offer("a", "eu-west-2", "2"))
    with pytest.raises(ValueError, match="two offers of vm a @ eu-west-2"):
        ProviderCatalog(provider=provider(), fetched_at="2026-08-14", offers=twins)
