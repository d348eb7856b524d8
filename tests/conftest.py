"""Shared fixtures: an isolated environment, a synthetic snapshot, fake adapters, an HTTP server.

Test modules import helpers as ``from tests.support.catalogs import ...``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sovbundle.adapters.base import Adapter
from sovbundle.models import PROVIDER_IDS
from tests.support.catalogs import FakeAdapter, StaticAdapter, default_offers, write_catalog
from tests.support.http_server import FaultServer
from tests.support.sandbox import Sandbox

# Stable, colourless rich output in every test, whatever terminal runs them.
os.environ["NO_COLOR"] = "1"
os.environ["COLUMNS"] = "200"
os.environ.pop("FORCE_COLOR", None)


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """No user config, cache or overrides leak in; snapshot and cache live in ``tmp_path``."""
    for name in list(os.environ):
        # A proxy from the developer's shell would capture the requests to 127.0.0.1.
        if name.startswith("SOVBUNDLE_") or name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    box = Sandbox(tmp_path, tmp_path / "snapshot", tmp_path / "cache")
    monkeypatch.setenv("SOVBUNDLE_SNAPSHOT_DIR", str(box.snapshot))
    monkeypatch.setenv("SOVBUNDLE_CACHE_DIR", str(box.cache))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "240")
    return box


@pytest.fixture
def synthetic(sandbox: Sandbox) -> Sandbox:
    """A packaged snapshot of every provider: two API offers and one unpriced curated offer."""
    for pid in PROVIDER_IDS:
        write_catalog(sandbox.snapshot, pid, default_offers(pid))
    return sandbox


@pytest.fixture
def fake_adapters(monkeypatch: pytest.MonkeyPatch) -> dict[str, Adapter]:
    """Fake adapters for every provider (Rapid.Space without an API), swapped in for the real."""
    fakes: dict[str, Adapter] = {
        pid: FakeAdapter(pid) if pid != "rapidspace" else StaticAdapter(pid) for pid in PROVIDER_IDS
    }
    monkeypatch.setattr("sovbundle.adapters.get_adapter", lambda pid: fakes[pid])
    return fakes


@pytest.fixture
def fast_http(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short waits and timeouts for refreshes run through the CLI."""
    from sovbundle.refresh.transport import HttpPolicy

    policy = HttpPolicy(backoff_base=0.02, backoff_max=0.1, read_timeout=1.0, provider_budget=10)
    monkeypatch.setattr("sovbundle.refresh.run.DEFAULT_POLICY", policy)


@pytest.fixture
def http_server() -> Iterator[FaultServer]:
    """A running ``FaultServer`` on 127.0.0.1 (see ``support/http_server.py``)."""
    with FaultServer() as server:
        yield server
