"""Hostile files where catalogs are read (issue 11, items 4, 6, 7): no hang, no blow-up, named.

Cache files, snapshot files and the config file are read only if they are regular files under
a size cap checked before reading, opened without blocking; a cache whose contents cannot be
real data is refused with a warning and the snapshot used instead.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from sovbundle.catalog.cache import MAX_CACHE_BYTES, HttpStatus, write_cached
from sovbundle.catalog.files import MAX_CATALOG_BYTES, ProviderCatalog
from sovbundle.catalog.select import load_catalogs
from sovbundle.cli import main
from sovbundle.config import load_config
from sovbundle.errors import UsageError
from sovbundle.models import PROVIDER_IDS, Price, PriceUnit
from tests.support.catalogs import (
    cache_payload,
    cache_record,
    default_offers,
    make_offer,
    make_provider,
    write_cache_file,
)
from tests.support.sandbox import Sandbox

pytestmark = pytest.mark.timeout(30)  # a regression here is a hang: fail it, do not wait


def cache(box: Sandbox, pid: str = "ovhcloud", fetched_at: str = "2026-11-20T00:00:00Z") -> Path:
    catalog = ProviderCatalog(
        provider=make_provider(pid),
        fetched_at=fetched_at,
        offers=(*default_offers(pid), make_offer(pid, "cached")),
    )
    write_cached(box.catalogs, catalog, sources=(), http=(), sovbundle_version="test")
    return box.catalogs / f"{pid}.jsonl"


def _fifo(path: Path) -> str:
    os.mkfifo(path)
    return "a FIFO"


def _dev_zero(path: Path) -> str:
    path.symlink_to("/dev/zero")
    return "a character device"


def _directory(path: Path) -> str:
    path.mkdir()
    return "a directory"


def _huge(path: Path) -> str:
    with path.open("wb") as handle:  # sparse: no disk is used
        handle.truncate(max(MAX_CACHE_BYTES, MAX_CATALOG_BYTES) + 1)
    return "larger than the"


SPECIAL = {"fifo": _fifo, "dev-zero": _dev_zero, "directory": _directory, "huge": _huge}


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_a_special_or_huge_cache_file_is_refused_at_once(synthetic: Sandbox, kind: str) -> None:
    path = cache(synthetic)
    path.unlink()
    what = SPECIAL[kind](path)
    catalog = load_catalogs()
    assert catalog.providers["ovhcloud"].origin == "snapshot"
    (warning,) = catalog.warnings
    assert warning.startswith(f"ovhcloud: cache file {path} unreadable: ")
    assert what in warning and warning.endswith("ignored (using the packaged snapshot)")


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_a_special_or_huge_snapshot_file_is_named_and_the_others_stay_usable(
    synthetic: Sandbox, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = synthetic.snapshot / "scaleway.json"
    path.unlink()
    what = SPECIAL[kind](path)
    catalog = load_catalogs()
    assert set(catalog.providers) == set(PROVIDER_IDS) - {"scaleway"}
    (warning,) = catalog.warnings
    assert warning.startswith(f"scaleway: cannot read {path}: ") and what in warning
    assert main(["catalog", "status"]) == 0
    assert "scaleway left out" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory", "huge"])
def test_a_special_or_huge_config_file_is_a_usage_error(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    path = sandbox.root / "config.toml"
    what = SPECIAL[kind](path) if kind != "huge" else "larger than the"
    if kind == "huge":
        with path.open("wb") as handle:
            handle.truncate(1024 * 1024 + 1)
    monkeypatch.setenv("SOVBUNDLE_CONFIG", str(path))
    with pytest.raises(UsageError) as info:
        load_config()
    assert info.value.message.startswith(f"cannot read config file {path}: ")
    assert what in info.value.message


@pytest.mark.parametrize("value", ["missing", "a-file"])
def test_a_bad_snapshot_dir_variable_is_named(
    synthetic: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    value: str,
) -> None:
    target = synthetic.root / value
    if value == "a-file":
        target.write_text("")
    monkeypatch.setenv("SOVBUNDLE_SNAPSHOT_DIR", str(target))
    what = "does not exist" if value == "missing" else "is not a directory"
    for command in (["catalog", "status"], ["services"]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert err == f"error: SOVBUNDLE_SNAPSHOT_DIR names {target}, which {what}\n"


def _reprice(path: Path, amount: str) -> None:
    """Every offer of a cache file priced ``amount`` an hour, the record's sha256 updated."""
    data = json.loads(cache_payload(path))
    for row in data["offers"]:
        if row["price"]["amount"] is not None:
            row["price"]["amount"] = amount
    payload = (json.dumps(data, separators=(",", ":")) + "\n").encode()
    record = {**cache_record(path), "sha256": hashlib.sha256(payload).hexdigest()}
    write_cache_file(path, record, payload)


def _no_offers(path: Path) -> None:
    data = json.loads(cache_payload(path))
    data["offers"] = []
    payload = (json.dumps(data, separators=(",", ":")) + "\n").encode()
    record = {**cache_record(path), "sha256": hashlib.sha256(payload).hexdigest()}
    write_cache_file(path, record, payload)


def _future(path: Path) -> None:
    data = json.loads(cache_payload(path))
    data["fetched_at"] = "2099-01-01T00:00:00Z"
    payload = (json.dumps(data, separators=(",", ":")) + "\n").encode()
    record = {
        **cache_record(path),
        "fetched_at": "2099-01-01T00:00:00Z",
        "sha256": hashlib.sha256(payload).hexdigest(),
    }
    write_cache_file(path, record, payload)


INSANE = {
    "negative-price": (lambda p: _reprice(p, "-500"), "has a negative price (-500 EUR/hour)"),
    "absurd-price": (lambda p: _reprice(p, "5000"), "beyond any real offer"),
    "nan-price": (lambda p: _reprice(p, "NaN"), "is not a valid catalog"),
    "no-offers": (_no_offers, "it has no offers"),
    "fetched-in-the-future": (_future, "fetched_at 2099-01-01T00:00:00Z is in the future"),
}


@pytest.mark.parametrize("case", sorted(INSANE))
def test_a_cache_that_cannot_be_real_is_refused_with_a_warning(
    synthetic: Sandbox, case: str
) -> None:
    path = cache(synthetic)
    damage, message = INSANE[case]
    damage(path)
    catalog = load_catalogs()
    assert catalog.providers["ovhcloud"].origin == "snapshot"
    (warning,) = catalog.warnings
    assert warning.startswith("ovhcloud: cached catalog in ")
    assert message in warning and "ignored (using the packaged snapshot)" in warning


def test_the_future_is_judged_against_the_callers_clock(synthetic: Sandbox) -> None:
    cache(synthetic, fetched_at="2026-11-20T00:00:00Z")
    before = datetime(2026, 11, 19, 22, 0, tzinfo=UTC)  # two hours before the fetch time
    catalog = load_catalogs(now=before)
    assert catalog.providers["ovhcloud"].origin == "snapshot"
    assert "in the future" in catalog.warnings[0]
    within_skew = load_catalogs(now=before + timedelta(hours=1, minutes=30))
    assert within_skew.providers["ovhcloud"].origin == "cache"


def test_a_refresh_never_caches_what_a_reader_would_refuse(
    synthetic: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last good data stays: negative prices from an API are not written."""
    from sovbundle.adapters.base import RawCatalog
    from sovbundle.catalog.facts import ProviderFacts
    from sovbundle.errors import CatalogError
    from sovbundle.refresh.run import _build

    good = cache(synthetic)
    before = good.read_bytes()
    negative = make_offer("ovhcloud", "bad").model_copy(
        update={"price": Price(amount=Decimal("-1"), unit=PriceUnit.HOUR)}
    )
    current = load_catalogs(["ovhcloud"]).providers["ovhcloud"]
    facts = ProviderFacts(make_provider("ovhcloud"), ())
    raw = RawCatalog("ovhcloud", "2026-11-21T00:00:00Z", {"x": {}}, "https://api.example")
    with pytest.raises(CatalogError, match="refusing to cache the new data: vm bad @ r1 has a"):
        _build(
            "ovhcloud",
            lambda raw, facts: [negative],
            raw,
            facts,
            [],
            current,
            lambda: datetime(2026, 11, 21, tzinfo=UTC),
        )
    assert good.read_bytes() == before
    _ = HttpStatus
