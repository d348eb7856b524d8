"""The plan export: cents half-even, totals of rounded lines, canonical and deterministic JSON."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sovbundle.catalog.query import Catalog
from sovbundle.models import PriceQuality, PriceUnit
from sovbundle.money import money, unit_price
from sovbundle.plan import FORMAT_VERSION, dump_plan
from sovbundle.planning.resolve import plan_bundle
from sovbundle.spec.loader import LoadedBundle
from sovbundle.spec.model import BundleSpec
from tests.support.synthetic import bundle, catalog, database, kube, provider, storage, vm

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
OVH = provider("ovhcloud", {"GRA": "FR", "SBG": "FR"})
SCW = provider("scaleway", {"fr-par": "FR"})
CC = provider("clevercloud", {"par": "FR"}, egress=None)


def loaded(spec: BundleSpec) -> LoadedBundle:
    return LoadedBundle(spec, Path("bundles/test.yaml"), "ab" * 32)


def test_money_rounds_half_even() -> None:
    assert money(Decimal("0.125")) == Decimal("0.12")
    assert money(Decimal("0.135")) == Decimal("0.14")
    assert unit_price(Decimal("0.0000125")) == Decimal("0.000012")


def test_totals_are_sums_of_rounded_lines() -> None:
    cat = catalog([OVH], [storage("ovhcloud", "GRA", "s3", "0.000125", egress="0")])
    comps = {n: {"kind": "object_storage", "storage_gb": 1000} for n in ("a", "b")}
    plan = plan_bundle(loaded(bundle(comps)), cat, NOW)
    assert [row.monthly for row in plan.placements] == [Decimal("0.12"), Decimal("0.12")]
    assert plan.total_monthly == Decimal("0.24")  # not round(0.25)
    data = json.loads(dump_plan(plan), parse_float=Decimal)
    assert data["total_monthly"] == Decimal("0.24")
    assert data["placements"][0]["unit_price"] == Decimal("0.000125")
    assert str(data["placements"][0]["unit_price"]) == "0.000125"


def _rich_catalog(offers_order: int = 0, providers_order: int = 0) -> Catalog:
    offers = [
        vm("ovhcloud", "GRA", "b3-8", "0.0493", vcpus=2, memory="8", unit=PriceUnit.HOUR),
        vm("ovhcloud", "SBG", "b3-8", "0.0493", vcpus=2, memory="8", unit=PriceUnit.HOUR),
        vm("scaleway", "fr-par", "POP2-2C-8G", "36", vcpus=2, memory="8"),
        vm("scaleway", "fr-par", "DEV1-L", "36", vcpus=4, memory="8", curated=True),
        database("ovhcloud", "GRA", "db-hds", "58.40", certs=("hds",)),
        database(
            "clevercloud",
            "par",
            "pg",
            "50",
            certs=("hds",),
            quality=PriceQuality.STALE,
            note="price list of 2025",
        ),
        database("scaleway", "fr-par", "pg", "20"),
        storage("scaleway", "fr-par", "s3", "0.0146", egress="0.01"),
        storage("ovhcloud", "GRA", "s3", "0.0146", egress="0.011"),
        kube("scaleway", "fr-par", "kapsule", "0"),
        kube("ovhcloud", "GRA", "mks", "0"),
    ]
    provs = [OVH, SCW, CC]
    random.Random(offers_order).shuffle(offers)
    random.Random(providers_order).shuffle(provs)
    return catalog(provs, offers)


SPEC = bundle(
    {
        "api": {"kind": "vm", "count": 2, "vcpus": 2, "memory_gb": 8},
        "db": {"kind": "database", "engine": "postgresql", "certifications": ["hds"]},
        "files": {"kind": "object_storage", "storage_gb": 500, "egress_gb_month": 100},
        "k8s": {"kind": "kubernetes", "nodes": 2, "vcpus": 2, "memory_gb": 8},
    },
    constraints={"countries": ["FR"]},
    policy={"min_providers": 2, "max_monthly_eur": 1000},
    links=[
        {"from": "api", "to": "db", "gb_month": 100},
        {"from": "db", "to": "files", "apart": "provider"},
    ],
)


def test_shuffled_catalogs_give_identical_json() -> None:
    first = dump_plan(plan_bundle(loaded(SPEC), _rich_catalog(), NOW, with_explain=True))
    for seed in range(1, 8):
        again = dump_plan(
            plan_bundle(loaded(SPEC), _rich_catalog(seed, seed + 3), NOW, with_explain=True)
        )
        assert again == first


def test_json_has_the_canonical_shape() -> None:
    text = dump_plan(plan_bundle(loaded(SPEC), _rich_catalog(), NOW))
    data = json.loads(text)
    assert list(data) == [
        "format_version", "sovbundle_version", "generated_at", "body_sha256", "bundle",
        "catalogs", "status", "currency", "total_monthly", "by_provider", "placements", "links",
        "constraints", "solver", "warnings", "run",
    ]  # fmt: skip
    assert data["format_version"] == FORMAT_VERSION == "1.1"
    assert list(data["run"]) == ["time_ms", "warnings"] and "time_ms" not in data["solver"]
    assert data["generated_at"] == "2026-11-29T12:00:00Z"
    assert data["status"] == "optimal" and data["solver"]["status"] == "optimal"
    assert data["solver"]["gap"] == 0.0
    assert [c["provider"] for c in data["catalogs"]] == ["ovhcloud", "scaleway", "clevercloud"]
    rows = data["placements"]
    assert rows == sorted(rows, key=lambda r: r["component"])
    assert list(rows[0]) == [
        "component", "kind", "part", "provider", "region", "country", "sku", "quantity",
        "unit_price", "price_unit", "monthly", "certifications", "source", "offer_status",
    ]  # fmt: skip
    k8s = [r for r in rows if r["component"] == "k8s"]
    assert [r["part"] for r in k8s] == ["control_plane", "nodes"]
    exact = json.loads(text, parse_float=Decimal)
    lines = [r["monthly"] for r in exact["placements"]] + [
        link["monthly"] for link in exact["links"]
    ]
    assert sum(lines) == exact["total_monthly"] == sum(exact["by_provider"].values())
    for row in exact["placements"]:
        assert (
            money(row["quantity"] * row["unit_price"]) == row["monthly"]
            or row["price_unit"] == "month"
        )
    assert all(c["ok"] for c in data["constraints"])
    assert text.endswith("}\n")
    assert not re.search(r"[:\[,]\s*-?[0-9.]+[eE]", text)  # numbers never use exponents


def test_warnings_name_stale_curated_prices_and_old_catalogs() -> None:
    cat = catalog(
        [OVH, CC],
        [
            database(
                "clevercloud", "par", "pg", "50", quality=PriceQuality.STALE, note="2025 list"
            ),
            vm("ovhcloud", "GRA", "doc", "4", curated=True),
        ],
        fetched_at="2026-09-01T00:00:00Z",
    )
    spec = bundle(
        {"db": {"kind": "database", "engine": "postgresql"}, "x": {"kind": "vm"}},
        links=[{"from": "db", "to": "x", "gb_month": 10}],
    )
    plan = plan_bundle(loaded(spec), cat, NOW)
    text = "\n".join(plan.all_warnings)
    assert "db: price of clevercloud/par/pg is stale: 2025 list" in text
    assert (
        "prices from documentation, not from a provider API (each placement names its source "
        "and date): x" in text
    )
    assert "ovhcloud: catalog data is 89 days old (snapshot, fetched 2026-09-01" in text
    assert "link db->x: egress price of clevercloud/par/pg unknown, counted as 0" in text
    assert list(plan.warnings) == sorted(plan.warnings)
    # The age is measured at NOW: a fact about the run, outside the canonical body.
    assert [w for w in plan.run.warnings if "days old" in w] == [
        w for w in plan.all_warnings if "days old" in w
    ]
    assert not [w for w in plan.warnings if "days old" in w]


def test_old_catalogs_are_warned_only_for_providers_the_plan_uses() -> None:
    cat = catalog(
        [OVH, CC],
        [vm("ovhcloud", "GRA", "cheap", "1"), vm("clevercloud", "par", "dear", "9")],
        fetched_at="2026-09-01T00:00:00Z",
    )
    plan = plan_bundle(loaded(bundle({"x": {"kind": "vm"}})), cat, NOW)
    text = "\n".join(plan.all_warnings)
    assert "ovhcloud: catalog data is 89 days old" in text
    assert "clevercloud" not in text
