"""``diff`` says why each line moved: a price change, a deprecated offer, a new cheaper offer and
a spec change, each told apart on two small catalogs built here (old as the packaged snapshot,
new as the refreshed cache, as in CI)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sovbundle.catalog.cache import write_cached
from sovbundle.catalog.files import ProviderCatalog, dump_catalog
from sovbundle.catalog.query import Catalog
from sovbundle.cli import main
from sovbundle.models import Offer, OfferStatus
from sovbundle.planning.diff import diff_plans
from sovbundle.planning.resolve import plan_bundle
from sovbundle.spec.loader import LoadedBundle
from tests.support.sandbox import Sandbox
from tests.support.synthetic import bundle, catalog, database, provider, vm

NOW = datetime(2026, 12, 1, tzinfo=UTC)

PROVIDERS = {pid: provider(pid, {"r1": "FR"}) for pid in ("ovhcloud", "scaleway")}

OLD_OFFERS = [
    vm("ovhcloud", "r1", "a1", "5", vcpus=1, memory="2"),
    vm("ovhcloud", "r1", "a2", "10", vcpus=2, memory="4"),
    vm("scaleway", "r1", "b2", "12", vcpus=2, memory="4"),
    vm("ovhcloud", "r1", "a8", "40", vcpus=8, memory="16"),
    vm("scaleway", "r1", "b8", "45", vcpus=8, memory="16"),
    database("ovhcloud", "r1", "pg-a", "20"),
    database("scaleway", "r1", "pg-b", "25"),
]


def new_offers() -> list[Offer]:
    found = []
    for item in OLD_OFFERS:
        if item.sku == "a2":  # price rise: api moves to b2
            item = vm("ovhcloud", "r1", "a2", "15", vcpus=2, memory="4")
        if item.sku == "pg-a":
            item = item.model_copy(update={"status": OfferStatus.DEPRECATED})
        found.append(item)
    # A new offer, cheaper than any the old catalog had for 8 vCPUs.
    found.append(vm("scaleway", "r1", "b8-new", "30", vcpus=8, memory="16"))
    return found


BUNDLE = """\
version: 1
name: review
components:
  api: {{kind: vm, vcpus: 2, memory_gb: 4}}
  cache: {{kind: vm, vcpus: 8, memory_gb: 16}}
  db: {{kind: database, engine: postgresql}}
  web: {{kind: vm, vcpus: {web_vcpus}, memory_gb: 2}}
"""


def _catalog(pid: str, offers: list[Offer], fetched_at: str) -> ProviderCatalog:
    return ProviderCatalog(
        provider=PROVIDERS[pid],
        fetched_at=fetched_at,
        offers=tuple(o for o in offers if o.provider == pid),
    )


def write_snapshot(box: Sandbox, offers: list[Offer]) -> None:
    box.snapshot.mkdir(parents=True, exist_ok=True)
    for pid in PROVIDERS:
        path = box.snapshot / f"{pid}.json"
        path.write_bytes(dump_catalog(_catalog(pid, offers, "2026-11-01T00:00:00Z")))


def write_cache(box: Sandbox, offers: list[Offer]) -> None:
    for pid in PROVIDERS:
        write_cached(
            box.catalogs,
            _catalog(pid, offers, "2026-11-20T00:00:00Z"),
            sources=(),
            http=(),
            sovbundle_version="test",
        )


def plan_file(box: Sandbox, name: str, web_vcpus: int = 1) -> Path:
    bundle = box.root / f"{name}.yaml"
    bundle.write_text(BUNDLE.format(web_vcpus=web_vcpus))
    target = box.root / f"{name}.json"
    assert main(["plan", str(bundle), "-o", str(target), "--json"]) == 0
    return target


@pytest.fixture
def two_plans(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    write_snapshot(sandbox, OLD_OFFERS)
    old = plan_file(sandbox, "old")
    write_cache(sandbox, new_offers())
    new = plan_file(sandbox, "new", web_vcpus=2)
    capsys.readouterr()
    return old, new


def diff_json(old: Path, new: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["diff", str(old), str(new), "--json"]) == 7
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert document["format_version"] == "1.1"
    return document["diff"]  # type: ignore[no-any-return]


def reasons(data: dict[str, Any], component: str) -> list[tuple[str, str, str]]:
    (line,) = [c for c in data["components"] if c["component"] == component]
    return [(r["kind"], r["certainty"], r["message"]) for r in line["reasons"]]


def test_a_price_rise_is_the_known_reason_of_a_move(
    two_plans: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    data = diff_json(*two_plans, capsys)
    (api,) = [c for c in data["components"] if c["component"] == "api"]
    assert api["change"] == "moved"
    assert api["old"]["sku"] == "a2" and api["new"]["sku"] == "b2"
    assert api["delta"] == 2.0
    assert reasons(data, "api") == [
        (
            "price_changed",
            "known",
            "price of ovhcloud/r1/a2 rose from 10.00 to 15.00 EUR/month",
        )
    ]


def test_a_deprecated_offer_is_named(
    two_plans: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    found = reasons(diff_json(*two_plans, capsys), "db")
    assert [(kind, certainty) for kind, certainty, _ in found] == [("offer_deprecated", "known")]
    assert "ovhcloud/r1/pg-a is now deprecated (was ga)" in found[0][2]


def test_a_new_cheaper_offer_is_known_from_the_old_catalog(
    two_plans: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    data = diff_json(*two_plans, capsys)
    assert reasons(data, "cache") == [
        (
            "cheaper_offer",
            "known",
            "scaleway/r1/b8-new is new: it was not in the scaleway catalog of 2026-11-01",
        )
    ]
    (cache,) = [c for c in data["components"] if c["component"] == "cache"]
    assert cache["delta"] == -10.0


def test_a_spec_change_names_the_component_and_the_value(
    two_plans: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    data = diff_json(*two_plans, capsys)
    assert reasons(data, "web") == [("spec_changed", "known", "spec of web changed: vcpus 1 -> 2")]
    assert data["spec"] == [{"path": "components.web.vcpus", "old": 1, "new": 2}]


def test_totals_and_providers_add_up(
    two_plans: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    data = diff_json(*two_plans, capsys)
    assert data["equal"] is False
    assert data["total"]["delta"] == sum(c["delta"] for c in data["components"])
    assert data["total"]["delta"] == sum(p["delta"] for p in data["by_provider"])
    assert all(c["changed"] and c["old_found"] == "exact" for c in data["catalogs"])


def test_without_the_old_catalog_a_cheaper_offer_is_inferred(
    two_plans: tuple[Path, Path], sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    # The old plan's snapshot is gone (replaced by the new data): the diff can only infer.
    write_snapshot(sandbox, new_offers())
    data = diff_json(*two_plans, capsys)
    found = reasons(data, "cache")
    assert [(kind, certainty) for kind, certainty, _ in found] == [("cheaper_offer", "inferred")]
    assert "a new offer or a price cut" in found[0][2]
    assert any("catalogs of the old plan not found locally" in n for n in data["notes"])


def test_equal_plans_exit_0(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    write_snapshot(sandbox, OLD_OFFERS)
    first, second = plan_file(sandbox, "one"), plan_file(sandbox, "two")
    capsys.readouterr()
    assert main(["diff", str(first), str(second)]) == 0
    assert "No change: the same placements at the same prices" in capsys.readouterr().out


def test_compare_to_exits_7_and_prints_the_diff(
    two_plans: tuple[Path, Path], sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    old, _ = two_plans
    bundle = sandbox.root / "new.yaml"
    assert main(["plan", str(bundle), "--compare-to", str(old)]) == 7
    out = capsys.readouterr().out
    assert "~ api (vm): ovhcloud/r1/a2 x1 -> scaleway/r1/b2 x1" in out
    assert "why: price of ovhcloud/r1/a2 rose from 10.00 to 15.00 EUR/month" in out
    assert main(["plan", str(bundle), "--compare-to", str(two_plans[1])]) == 0


class MemoryStore:
    """A CatalogStore over catalogs held in memory."""

    def __init__(self, *catalogs: Catalog) -> None:
        self.known = {
            (pid, loaded.sha256): loaded.data
            for c in catalogs
            for pid, loaded in c.providers.items()
        }

    def by_sha256(self, provider: str, sha256: str) -> ProviderCatalog | None:
        return self.known.get((provider, sha256))

    def current(self, provider: str) -> ProviderCatalog | None:
        return None


def test_a_constraint_whose_cost_changed_explains_a_move_with_no_offer_change() -> None:
    provs = list(PROVIDERS.values())
    spec = bundle(
        {"api": {"kind": "vm", "vcpus": 2}, "db": {"kind": "database", "engine": "postgresql"}},
        policy={"min_providers": 2},
    )
    loaded = LoadedBundle(spec, Path("b.yaml"), "ab" * 32)
    before = catalog(provs, OLD_OFFERS)
    after = catalog(
        provs,
        [o if o.sku != "pg-a" else database("ovhcloud", "r1", "pg-a", "30") for o in OLD_OFFERS],
    )
    old = plan_bundle(loaded, before, NOW, with_explain=True)
    new = plan_bundle(loaded, after, NOW, with_explain=True)
    result = diff_plans(old, new, MemoryStore(before, after))
    lines = {c.component: c for c in result.components}
    assert (lines["api"].old.sku, lines["api"].new.sku) == ("b2", "a2")  # type: ignore[union-attr]
    assert [(r.kind, r.known, r.message) for r in lines["api"].reasons] == [
        ("constraint_cost", True, "keeping min_providers costs +0.00 EUR/month (was +2.00)")
    ]
    assert [(r.kind, r.known) for r in lines["db"].reasons] == [("price_changed", True)]
    (cost,) = result.constraints
    assert (cost.name, cost.old_cost, cost.new_cost) == ("min_providers", 2, 0)


def test_a_lost_certification_is_the_reason_of_a_move() -> None:
    provs = list(PROVIDERS.values())
    spec = bundle({"db": {"kind": "database", "engine": "postgresql", "certifications": ["hds"]}})
    loaded = LoadedBundle(spec, Path("b.yaml"), "cd" * 32)
    cheap, dear = (
        database("ovhcloud", "r1", "pg-a", "20", certs=("hds",)),
        database("scaleway", "r1", "pg-b", "25", certs=("hds",)),
    )
    before = catalog(provs, [cheap, dear])
    after = catalog(provs, [cheap.model_copy(update={"certifications": ()}), dear])
    old, new = plan_bundle(loaded, before, NOW), plan_bundle(loaded, after, NOW)
    (line,) = diff_plans(old, new, MemoryStore(before, after)).components
    assert line.change == "moved"
    assert [(r.kind, r.known, r.message) for r in line.reasons] == [
        ("certification_lost", True, "ovhcloud/r1/pg-a no longer holds hds in r1")
    ]
