"""The plan export: cents half-even, totals of rounded lines, canonical and deterministic JSON."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from sovbundle.catalog.query import Catalog
from sovbundle.errors import InfeasibleError
from sovbundle.models import EvidenceClass, PriceQuality, PriceUnit
from sovbundle.money import money, unit_price
from sovbundle.plan import FORMAT_VERSION, coverage_line, dump_plan
from sovbundle.planning.formulate import build_problem
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
        "catalogs", "status", "currency", "total_monthly", "by_provider", "placements",
        "coverage", "links", "constraints", "solver", "warnings", "run",
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
        "evidence",
    ]  # fmt: skip
    assert list(rows[0]["evidence"]) == ["class", "source", "as_of"]
    assert list(data["coverage"]) == ["placements", "by_evidence"]
    assert data["coverage"]["placements"] == len(rows)
    assert sum(c["placements"] for c in data["coverage"]["by_evidence"]) == len(rows)
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
            vm("ovhcloud", "GRA", "doc", "4", curated=True, as_of="2026-09-01"),
        ],
        fetched_at="2026-11-28T00:00:00Z",  # a fresh catalog does not make an old price young
    )
    spec = bundle(
        {"db": {"kind": "database", "engine": "postgresql"}, "x": {"kind": "vm"}},
        links=[{"from": "db", "to": "x", "gb_month": 10}],
    )
    plan = plan_bundle(loaded(spec), cat, NOW)
    text = "\n".join(plan.all_warnings)
    assert "db: price of clevercloud/par/pg is stale: 2025 list" in text
    assert (
        "prices from provider documentation, not from a provider API (each placement names "
        "its source and date): x" in text
    )
    assert (
        "ovhcloud: prices older than 30 days or undated: 2026-09-01 provider documentation, "
        "89 days old (1 offer); run `sovbundle catalog refresh ovhcloud`" in text
    )
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
        [
            vm("ovhcloud", "GRA", "cheap", "1", as_of="2026-09-01"),
            vm("ovhcloud", "GRA", "other", "2", as_of="2025-01-01"),  # not placed: not warned
            vm("clevercloud", "par", "dear", "9", as_of="2026-09-01"),
        ],
    )
    plan = plan_bundle(loaded(bundle({"x": {"kind": "vm"}})), cat, NOW)
    text = "\n".join(plan.all_warnings)
    assert (
        "ovhcloud: prices older than 30 days or undated: 2026-09-01 provider API, 89 days" in text
    )
    assert "2025-01-01" not in text  # the sources of the placed offers only
    assert "clevercloud" not in text


def test_third_party_prices_are_warned_and_counted_in_the_coverage_line() -> None:
    cat = catalog(
        [OVH, CC],
        [
            vm("ovhcloud", "GRA", "api", "1", vcpus=8),
            vm("clevercloud", "par", "doc", "1", curated=True, as_of="2018"),
            vm("clevercloud", "par", "sheet", "1", vcpus=4, evidence=EvidenceClass.THIRD_PARTY,
               as_of="2020-08-10"),
        ],
    )  # fmt: skip
    spec = bundle(
        {
            "a": {"kind": "vm", "vcpus": 8},
            "b": {"kind": "vm", "providers": ["clevercloud"], "vcpus": 2},
            "c": {"kind": "vm", "providers": ["clevercloud"], "vcpus": 4},
        }
    )
    plan = plan_bundle(loaded(spec), cat, NOW)
    assert [(r.component, r.evidence.class_, r.evidence.as_of) for r in plan.placements] == [
        ("a", "api", "2026-11-20"),
        ("b", "provider_doc", "2018"),
        ("c", "third_party", "2020-08-10"),
    ]
    text = "\n".join(plan.warnings)
    assert "prices from third-party data, not from the provider" in text and "): c" in text
    assert "prices from provider documentation, not from a provider API" in text
    assert coverage_line(plan.coverage) == (
        "3 placements: 1 priced from provider APIs of 2026, 1 from provider documentation of "
        "2018, 1 from third-party data of 2020"
    )
    data = json.loads(dump_plan(plan))
    assert data["coverage"] == {
        "placements": 3,
        "by_evidence": [
            {"class": "api", "placements": 1, "oldest": "2026-11-20", "newest": "2026-11-20",
             "undated": 0},
            {"class": "provider_doc", "placements": 1, "oldest": "2018", "newest": "2018",
             "undated": 0},
            {"class": "third_party", "placements": 1, "oldest": "2020-08-10",
             "newest": "2020-08-10", "undated": 0},
        ],
    }  # fmt: skip


def test_min_price_evidence_filters_weaker_offers_with_a_reason() -> None:
    cat = catalog(
        [OVH, CC],
        [
            vm("ovhcloud", "GRA", "api", "9"),
            vm("clevercloud", "par", "doc", "5", curated=True),
            vm("clevercloud", "par", "sheet", "1", evidence=EvidenceClass.THIRD_PARTY),
        ],
    )
    picks = {}
    for level in (None, "third_party", "provider_doc", "api"):
        policy = {} if level is None else {"policy": {"min_price_evidence": level}}
        plan = plan_bundle(loaded(bundle({"x": {"kind": "vm"}}, **policy)), cat, NOW)
        picks[level] = plan.placements[0].sku
    assert picks == {None: "sheet", "third_party": "sheet", "provider_doc": "doc", "api": "api"}
    only_api = bundle({"x": {"kind": "vm", "providers": ["clevercloud"]}},
                      policy={"min_price_evidence": "api"})  # fmt: skip
    with pytest.raises(InfeasibleError) as info:
        plan_bundle(loaded(only_api), cat, NOW)
    assert "no vm offer priced from api evidence or better" in str(info.value.lines())
    problem = build_problem(only_api, cat)
    (cc,) = problem.components
    reasons = {r.offer.sku: (r.stage, r.reason) for r in cc.rejections}
    assert reasons["doc"] == (
        "evidence",
        "price evidence provider_doc is weaker than policy.min_price_evidence api",
    )
