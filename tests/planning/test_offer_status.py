"""Deprecated offers are never placed unless the bundle allows them; beta ones with a warning."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sovbundle.cli import main
from sovbundle.errors import InfeasibleError
from sovbundle.models import OfferStatus
from sovbundle.planning.certify import certify
from sovbundle.planning.formulate import build_problem
from sovbundle.planning.resolve import plan_bundle
from sovbundle.spec.loader import LoadedBundle
from sovbundle.spec.model import BundleSpec
from tests.support.synthetic import bundle, catalog, provider, vm

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 29, tzinfo=UTC)
PROVS = [provider("ovhcloud", {"GRA": "FR"}), provider("scaleway", {"fr-par": "FR"})]


def offers(status: OfferStatus) -> list[object]:
    cheap = vm("scaleway", "fr-par", "OLD-1", "5").model_copy(update={"status": status})
    return [cheap, vm("ovhcloud", "GRA", "b3-8", "30")]


def plan(spec: BundleSpec, status: OfferStatus) -> tuple[object, list[str]]:
    cat = catalog(PROVS, offers(status))  # type: ignore[arg-type]
    found = plan_bundle(LoadedBundle(spec, Path("b.yaml"), "0" * 64), cat, NOW)
    assert certify(spec, cat, found) == []
    return found.placements[0].sku, list(found.warnings)


def test_a_deprecated_offer_is_rejected_with_its_reason() -> None:
    spec = bundle({"api": {"kind": "vm"}})
    sku, warnings = plan(spec, OfferStatus.DEPRECATED)
    assert sku == "b3-8" and not any("deprecated" in w for w in warnings)
    (cc,) = build_problem(spec, catalog(PROVS, offers(OfferStatus.DEPRECATED))).components  # type: ignore[arg-type]
    (rejected,) = [r for r in cc.rejections if r.offer.sku == "OLD-1"]
    assert rejected.stage == "status"
    assert "deprecated" in rejected.reason and "policy.allow_deprecated" in rejected.reason


def test_allow_deprecated_places_it_with_a_warning() -> None:
    spec = bundle({"api": {"kind": "vm"}}, policy={"allow_deprecated": True})
    sku, warnings = plan(spec, OfferStatus.DEPRECATED)
    assert sku == "OLD-1"
    assert any("OLD-1 is deprecated" in w for w in warnings)


def test_a_beta_offer_is_placed_with_a_warning() -> None:
    sku, warnings = plan(bundle({"api": {"kind": "vm"}}), OfferStatus.BETA)
    assert sku == "OLD-1"
    assert any(w.startswith("api: ") and "OLD-1 is a beta offer" in w for w in warnings)


def test_only_deprecated_offers_is_infeasible_and_says_so() -> None:
    spec = bundle({"api": {"kind": "vm", "providers": ["scaleway"]}})
    cat = catalog(PROVS, offers(OfferStatus.DEPRECATED))  # type: ignore[arg-type]
    with pytest.raises(InfeasibleError) as info:
        plan_bundle(LoadedBundle(spec, Path("b.yaml"), "0" * 64), cat, NOW)
    assert any("0 not deprecated" in line for line in info.value.diagnosis)


def test_the_resilient_example_no_longer_places_a_deprecated_scaleway_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in list(os.environ):
        if name.startswith("SOVBUNDLE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SOVBUNDLE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    snapshot = json.loads((ROOT / "providers" / "snapshot" / "scaleway.json").read_text())
    statuses = {o.get("status") for o in snapshot["offers"] if o["sku"] == "EM-A115X-SSD"}
    assert statuses == {"deprecated"}  # the snapshot does mark it deprecated
    assert main(["plan", str(ROOT / "bundles" / "multi-cloud-resilient.yaml"), "--json"]) == 0
    placed = json.loads(capsys.readouterr().out)["placements"]
    assert all(row["sku"] != "EM-A115X-SSD" for row in placed)
