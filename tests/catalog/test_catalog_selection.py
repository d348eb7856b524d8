"""Choosing each provider's data among cache and packaged snapshot; distrusting bad caches."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sovbundle.catalog.cache import HttpStatus, read_cached, write_cached
from sovbundle.catalog.files import ProviderCatalog
from sovbundle.catalog.query import staleness_warnings
from sovbundle.catalog.select import load_catalogs
from sovbundle.errors import CatalogError
from sovbundle.models import PROVIDER_IDS
from tests.support.catalogs import (
    cache_payload,
    cache_record,
    default_offers,
    make_offer,
    make_provider,
    write_cache_file,
    write_catalog,
)
from tests.support.sandbox import Sandbox


def cache(box: Sandbox, pid: str, fetched_at: str, extra_sku: str = "cached") -> None:
    catalog = ProviderCatalog(
        provider=make_provider(pid),
        fetched_at=fetched_at,
        offers=(*default_offers(pid), make_offer(pid, extra_sku)),
    )
    write_cached(
        box.catalogs,
        catalog,
        sources=("https://api.example/products",),
        http=(HttpStatus(url="https://api.example/products", status=200),),
        sovbundle_version="test",
    )


def skus(box: Sandbox, pid: str) -> set[str]:
    return {o.sku for o in load_catalogs([pid]).providers[pid].data.offers}


def test_snapshot_only(synthetic: Sandbox) -> None:
    catalog = load_catalogs()
    assert catalog.provider_ids() == list(PROVIDER_IDS)
    assert {c.origin for c in catalog.providers.values()} == {"snapshot"}
    assert catalog.warnings == []


def test_newer_cache_wins_older_cache_loses(synthetic: Sandbox) -> None:
    cache(synthetic, "ovhcloud", "2026-11-20T00:00:00+00:00")
    cache(synthetic, "scaleway", "2026-01-01T00:00:00Z")
    catalog = load_catalogs()
    assert catalog.providers["ovhcloud"].origin == "cache"
    assert "cached" in skus(synthetic, "ovhcloud")
    assert catalog.providers["scaleway"].origin == "snapshot"
    assert catalog.warnings == []


@pytest.mark.parametrize(
    "damage",
    [
        "truncate",
        "edit",
        "record_missing",
        "record_version",
        "record_garbage",
        "record_bad_date",
        "catalog_missing",
        "legacy_two_files",
    ],
)
def test_untrusted_cache_is_ignored_with_a_warning(synthetic: Sandbox, damage: str) -> None:
    cache(synthetic, "ovhcloud", "2026-11-20T00:00:00+00:00")
    path = synthetic.catalogs / "ovhcloud.jsonl"
    record, payload = cache_record(path), cache_payload(path)
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:2000])
    elif damage == "edit":
        write_cache_file(path, record, payload.replace(b'"small"', b'"smell"'))
    elif damage == "record_missing":
        path.write_bytes(payload)
    elif damage == "record_version":
        write_cache_file(path, {**record, "format_version": 2}, payload)  # an older sovbundle's
    elif damage == "record_bad_date":
        write_cache_file(path, {**record, "fetched_at": "yesterday"}, payload)
    elif damage == "record_garbage":
        path.write_bytes(b"\x00\x01{\n" + payload)
    elif damage == "catalog_missing":
        path.write_bytes(path.read_bytes().split(b"\n", 1)[0] + b"\n")
    else:  # what sovbundle wrote before the one-file commit
        path.rename(synthetic.catalogs / "ovhcloud.json")
        (synthetic.catalogs / "ovhcloud.meta.json").write_text(json.dumps(record))
    catalog = load_catalogs()
    assert catalog.providers["ovhcloud"].origin == "snapshot"
    assert len(catalog.warnings) == 1
    assert catalog.warnings[0].startswith("ovhcloud:")
    assert "ignored (using the packaged snapshot)" in catalog.warnings[0]


def test_cache_with_matching_hash_but_wrong_format_is_rejected(synthetic: Sandbox) -> None:
    cache(synthetic, "ovhcloud", "2026-11-20T00:00:00+00:00")
    path = synthetic.catalogs / "ovhcloud.jsonl"
    data = json.loads(cache_payload(path))
    data["format_version"] = 1
    payload = json.dumps(data).encode()
    record = {**cache_record(path), "sha256": hashlib.sha256(payload).hexdigest()}
    write_cache_file(path, record, payload)
    with pytest.raises(CatalogError, match="not a valid catalog"):
        read_cached(synthetic.catalogs, "ovhcloud")


def test_a_truncated_snapshot_file_is_named_and_the_others_stay_usable(
    synthetic: Sandbox,
) -> None:
    path = synthetic.snapshot / "scaleway.json"
    path.write_bytes(path.read_bytes()[:-40])
    catalog = load_catalogs()
    assert "scaleway" not in catalog.providers
    assert set(catalog.providers) == set(PROVIDER_IDS) - {"scaleway"}
    (warning,) = catalog.warnings
    assert warning.startswith(f"scaleway: {path} is not a valid catalog file")
    assert warning.endswith("; scaleway left out")


def test_provider_without_any_data_is_warned_about(sandbox: Sandbox) -> None:
    write_catalog(sandbox.snapshot, "ovhcloud", default_offers("ovhcloud"))
    catalog = load_catalogs(["ovhcloud", "outscale"])
    assert catalog.provider_ids() == ["ovhcloud"]
    assert catalog.warnings == [
        "outscale: no catalog data (no packaged snapshot, no cache); "
        "run `sovbundle catalog refresh outscale`"
    ]


def test_staleness_uses_the_callers_clock(synthetic: Sandbox) -> None:
    fetched = datetime(2026, 10, 1, tzinfo=UTC)
    assert load_catalogs(now=fetched + timedelta(days=30)).warnings == []
    late = load_catalogs(now=fetched + timedelta(days=31))
    assert len(late.warnings) == len(PROVIDER_IDS)
    assert "31 days old" in late.warnings[0]
    assert staleness_warnings(late, fetched + timedelta(days=3), timedelta(days=2))


def test_cache_file_names(synthetic: Sandbox, tmp_path: Path) -> None:
    cache(synthetic, "outscale", "2026-11-20T00:00:00+00:00")
    names = sorted(p.name for p in synthetic.catalogs.iterdir())
    assert names == [".lock", "outscale.jsonl"]


def test_snapshot_not_in_canonical_form_is_still_dated(synthetic: Sandbox) -> None:
    """A hand-written (compact) snapshot cannot be peeked at: it is read to learn its date."""
    path = synthetic.snapshot / "ovhcloud.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | {"fetched_at": "2026-12-01"}))
    cache(synthetic, "ovhcloud", "2026-11-20T00:00:00+00:00")
    used = load_catalogs(["ovhcloud"]).providers["ovhcloud"]
    assert used.origin == "snapshot"
    cache(synthetic, "ovhcloud", "2026-12-02T00:00:00+00:00")
    assert load_catalogs(["ovhcloud"]).providers["ovhcloud"].origin == "cache"
