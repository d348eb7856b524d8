"""Candidate generation: hard filters with reasons, rule merging, exact costs."""

from __future__ import annotations

from decimal import Decimal

from sovbundle.models import PriceQuality, PriceUnit, VmSpecs
from sovbundle.money import money
from sovbundle.planning.candidates import build_candidates, rules_for
from sovbundle.planning.explain import describe_empty
from tests.support.synthetic import (
    app,
    bundle,
    catalog,
    database,
    kube,
    provider,
    storage,
    vm,
)

P1 = provider("ovhcloud", {"GRA": "FR", "WAW": "PL"})
P2 = provider("scaleway", {"fr-par": "FR", "nl-ams": "NL"})
P3 = provider("outscale", {"eu-west-2": "FR"}, eu=False)


def _cands(components: dict[str, dict[str, object]], offers: list, **top: object):  # type: ignore[no-untyped-def]
    spec = bundle(components, **top)
    cat = catalog([P1, P2, P3], offers)
    name = next(iter(components))
    return build_candidates(name, spec.components[name], rules_for(spec, name), cat)


def test_specs_are_minimums_and_counts_multiply() -> None:
    offers = [
        vm("ovhcloud", "GRA", "small", "10", vcpus=2, memory="4"),
        vm("ovhcloud", "GRA", "big", "30", vcpus=8, memory="32"),
        vm("scaleway", "fr-par", "mid", "20", vcpus=4, memory="16"),
    ]
    cc = _cands({"api": {"kind": "vm", "count": 3, "vcpus": 4, "memory_gb": 16}}, offers)
    assert [c.sku for c in cc.candidates] == ["mid", "big"]
    assert cc.candidates[0].monthly == Decimal("60.00")
    [rejected] = cc.rejections
    assert rejected.offer.sku == "small"
    assert rejected.stage == "specs" and "vCPUs 2 < 4" in rejected.reason


def test_every_filter_has_a_reason() -> None:
    offers = [
        vm("ovhcloud", "WAW", "pl", "1"),
        vm("outscale", "eu-west-2", "us-law", "1", certs=("hds",)),
        vm("scaleway", "fr-par", "nocert", "1"),
        vm("ovhcloud", "GRA", "arm", "1", arch="arm64"),
        vm("ovhcloud", "GRA", "unknown", None, certs=("hds",), note="ask sales"),
        vm("ovhcloud", "GRA", "ok", "5", certs=("hds",)),
    ]
    cc = _cands(
        {"api": {"kind": "vm", "arch": "x86_64"}},
        offers,
        constraints={"countries": ["FR"], "eu_jurisdiction": True, "certifications": ["hds"]},
    )
    reasons = {r.offer.sku: (r.stage, r.reason) for r in cc.rejections}
    assert reasons["pl"] == ("countries", "region WAW is in PL, not in FR")
    assert reasons["us-law"][0] == "eu_jurisdiction"
    assert reasons["nocert"] == ("certifications", "lacks hds in fr-par")
    assert reasons["arm"] == ("specs", "arch arm64, not x86_64")
    assert reasons["unknown"] == ("price", "price unknown: ask sales")
    assert [c.sku for c in cc.candidates] == ["ok"]
    assert len(cc.rejections) + len(cc.candidates) == len(offers)


def test_component_rules_replace_or_add_to_bundle_defaults() -> None:
    spec = bundle(
        {
            "a": {
                "kind": "vm",
                "countries": ["PL"],
                "providers": ["ovhcloud"],
                "eu_jurisdiction": False,
                "exclude_providers": ["scaleway"],
                "certifications": ["hds"],
            },
            "b": {"kind": "vm"},
        },
        constraints={
            "countries": ["FR"],
            "providers": ["scaleway"],
            "exclude_providers": ["outscale"],
            "certifications": ["iso27001"],
            "eu_jurisdiction": True,
        },
    )
    a, b = rules_for(spec, "a"), rules_for(spec, "b")
    assert a.countries == {"PL"} and a.providers == {"ovhcloud"} and a.eu_jurisdiction is False
    assert a.exclude_providers == {"scaleway", "outscale"}
    assert a.certifications == {"hds", "iso27001"}
    assert b.countries == {"FR"} and b.providers == {"scaleway"} and b.eu_jurisdiction is True


def test_provider_allow_list_and_exclusion() -> None:
    offers = [vm("ovhcloud", "GRA", "o", "1"), vm("scaleway", "fr-par", "s", "1")]
    cc = _cands({"a": {"kind": "vm", "providers": ["ovhcloud"]}}, offers)
    assert [c.provider for c in cc.candidates] == ["ovhcloud"]
    assert "not in the allowed providers" in cc.rejections[0].reason
    cc = _cands({"a": {"kind": "vm", "exclude_providers": ["ovhcloud"]}}, offers)
    assert [c.provider for c in cc.candidates] == ["scaleway"]
    assert cc.rejections[0].reason == "provider ovhcloud is excluded"


def test_gpu_model_is_a_case_insensitive_substring() -> None:
    offers = [
        vm("ovhcloud", "GRA", "l4", "100", gpus=1, gpu_model="NVIDIA L4", gpu_memory_gb=24),
        vm("ovhcloud", "GRA", "h100", "900", gpus=1, gpu_model="NVIDIA H100", gpu_memory_gb=80),
        vm("ovhcloud", "GRA", "cpu", "10"),
    ]
    cc = _cands({"g": {"kind": "vm", "gpu_model": "h100"}}, offers)
    assert [c.sku for c in cc.candidates] == ["h100"]
    cc = _cands({"g": {"kind": "vm", "gpus": 1, "gpu_memory_gb": 24}}, offers)
    assert [c.sku for c in cc.candidates] == ["l4", "h100"]


def test_app_runtime_and_instances() -> None:
    offers = [
        app("scaleway", "fr-par", "php", "5", runtimes=("php",)),
        app("scaleway", "fr-par", "py", "7.5", runtimes=("python", "node")),
    ]
    cc = _cands({"web": {"kind": "app", "runtime": "python", "instances": 2}}, offers)
    assert [(c.sku, c.monthly) for c in cc.candidates] == [("py", Decimal("15.00"))]
    assert cc.rejections[0].reason.startswith("runtime python not offered")


def test_hourly_prices_use_730_hours() -> None:
    offers = [vm("ovhcloud", "GRA", "h", "0.0123", unit=PriceUnit.HOUR)]
    cc = _cands({"a": {"kind": "vm", "count": 2}}, offers)
    assert cc.candidates[0].monthly == money(Decimal("0.0123") * 730 * 2)


def test_database_extra_storage_engine_and_ha() -> None:
    offers = [
        database("ovhcloud", "GRA", "fixed", "20", storage_gb=Decimal(20)),
        database(
            "ovhcloud",
            "GRA",
            "grow",
            "30",
            storage_gb=Decimal(20),
            extra_storage_gb_month=Decimal("0.2"),
            max_storage_gb=Decimal(500),
            high_availability=True,
        ),
        database(
            "ovhcloud",
            "GRA",
            "capped",
            "25",
            storage_gb=Decimal(20),
            extra_storage_gb_month=Decimal("0.1"),
            max_storage_gb=Decimal(50),
            high_availability=True,
        ),
        database("ovhcloud", "GRA", "my", "1", engine="mysql"),
        database("scaleway", "fr-par", "single", "1", storage_gb=Decimal(100)),
    ]
    cc = _cands(
        {
            "db": {
                "kind": "database",
                "engine": "postgresql",
                "storage_gb": 80,
                "high_availability": True,
            }
        },
        offers,
    )
    [cand] = cc.candidates
    assert cand.sku == "grow"
    assert cand.monthly == Decimal("42.00")  # 30 + 60 GB x 0.20
    assert [p.role for p in cand.parts] == ["instance", "extra_storage"]
    reasons = {r.offer.sku: r.reason for r in cc.rejections}
    assert reasons["fixed"] == "not highly available"
    assert reasons["capped"] == "storage at most 50 GB, 80 GB needed"
    assert reasons["my"] == "engine mysql, not postgresql"
    cc = _cands({"db": {"kind": "database", "engine": "postgresql", "storage_gb": 80}}, offers[:1])
    assert "cannot be extended" in cc.rejections[0].reason


def test_object_storage_allowances_and_unknown_egress() -> None:
    offers = [
        storage(
            "ovhcloud",
            "GRA",
            "std",
            "0.01",
            egress="0.02",
            free_storage_gb_month=Decimal(75),
            free_egress_gb_month=Decimal(100),
        ),
        storage("scaleway", "fr-par", "noegress", "0.001", egress=None),
        storage("scaleway", "fr-par", "cold", "0.001", storage_class="archive"),
    ]
    cc = _cands(
        {"f": {"kind": "object_storage", "storage_gb": 2000, "egress_gb_month": 300}}, offers
    )
    [cand] = cc.candidates
    # (2000 - 75) x 0.01 + (300 - 100) x 0.02
    assert cand.monthly == Decimal("19.25") + Decimal("4.00")
    reasons = {r.offer.sku: r.reason for r in cc.rejections}
    assert reasons["noegress"] == "egress price unknown"
    assert reasons["cold"] == "storage class archive, not standard"
    cc = _cands({"f": {"kind": "object_storage", "storage_gb": 10}}, offers[1:2])
    assert cc.candidates[0].monthly == Decimal("0.01")


def test_kubernetes_pairs_control_plane_with_nodes_of_the_same_region() -> None:
    offers = [
        kube("scaleway", "fr-par", "kapsule", "0"),
        kube("scaleway", "nl-ams", "kapsule", "0"),
        kube("ovhcloud", "GRA", "mks", "10", high_availability=True),
        vm("scaleway", "fr-par", "node-s", "20", vcpus=4, memory="16"),
        vm("scaleway", "fr-par", "node-l", "40", vcpus=8, memory="32"),
        vm("scaleway", "fr-par", "tiny", "5", vcpus=1, memory="2"),
        vm("ovhcloud", "WAW", "far-node", "1", vcpus=4, memory="16"),
        vm("scaleway", "fr-par", "metal", "10", vcpus=8, memory="32", dedicated=True),
    ]
    cc = _cands({"k": {"kind": "kubernetes", "nodes": 3, "vcpus": 4, "memory_gb": 16}}, offers)
    assert [(c.region, c.sku, c.monthly) for c in cc.candidates] == [
        ("fr-par", "kapsule+node-s", Decimal("60.00")),
        ("fr-par", "kapsule+node-l", Decimal("120.00")),
    ]
    reasons = {(r.offer.provider, r.offer.region): r.reason for r in cc.rejections}
    assert "no worker node offer in nl-ams" in reasons[("scaleway", "nl-ams")]
    assert "no worker node offer in GRA" in reasons[("ovhcloud", "GRA")]
    cc = _cands({"k": {"kind": "kubernetes", "high_availability": True}}, offers)
    assert all(c.provider == "ovhcloud" for c in cc.candidates) or not cc.candidates


def test_stale_and_curated_prices_are_placed_with_warnings() -> None:
    offers = [
        vm("ovhcloud", "GRA", "old", "3", quality=PriceQuality.STALE, note="2025 price list"),
        vm("scaleway", "fr-par", "doc", "4", curated=True),
    ]
    cc = _cands({"a": {"kind": "vm"}}, offers)
    warnings = {c.sku: c.named("a").warnings for c in cc.candidates}
    assert warnings["old"] == ("a: price of ovhcloud/GRA/old is stale: 2025 price list",)
    assert warnings["doc"] == ()  # curated prices are grouped by the plan, not per candidate


def test_funnel_names_where_offers_run_out() -> None:
    offers = [
        database("ovhcloud", "GRA", f"pg{i}", str(10 + i), certs=("iso27001",)) for i in range(3)
    ] + [database("ovhcloud", "GRA", "my", "1", engine="mysql", certs=("hds",))]
    cc = _cands(
        {
            "db": {
                "kind": "database",
                "engine": "postgresql",
                "certifications": ["hds"],
                "countries": ["FR"],
            }
        },
        offers,
    )
    assert not cc.candidates
    line = describe_empty(cc)
    assert line.startswith("db: no database offer with hds")
    assert "4 database offers, 3 with the specs" in line and "0 with hds" in line
    # operators_eu_only is not set: the funnel does not claim an operator check it did not make
    assert "operator" not in line


def test_canonical_order_is_offer_key_order_even_when_offers_share_sku_and_region() -> None:
    # _canonical sorts on (provider, kind, region, sku) and breaks ties with the whole
    # offer_key: on offers sharing all four, the order must still be sort(key=offer_key)'s.
    import random

    from sovbundle.planning.candidates import _canonical, offer_key

    offers = [
        vm(pid, region, sku, monthly, vcpus=vcpus)
        for pid in ("ovhcloud", "scaleway")
        for region in ("GRA", "fr-par")
        for sku in ("a", "b")
        for monthly in ("10", "9", "10.5")
        for vcpus in (2, 4)
    ]
    for seed in range(5):
        shuffled = random.Random(seed).sample(offers, len(offers))
        # Offers equal on the whole key (here: specs differ) keep their order, as in sorted().
        assert _canonical(list(shuffled)) == sorted(shuffled, key=offer_key)
    # Offers whose whole keys differ: one order, whatever the input order.
    unique = [o for o in offers if isinstance(o.specs, VmSpecs) and o.specs.vcpus == 2]
    assert _canonical(random.Random(3).sample(unique, len(unique))) == sorted(unique, key=offer_key)
