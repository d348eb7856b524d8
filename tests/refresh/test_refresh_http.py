"""Refresh against a real local HTTP server: retries, limits, faults, fallback, cache safety.

Providers use fake adapters (``tests.support.catalogs.FakeAdapter``) pointed at the server through
``SOVBUNDLE_<PROVIDER>_BASE_URL``; each provider ``pid`` is served under ``/<pid>/products``.
No test bounds the wall-clock time: waits are read from a virtual clock
(``tests.support.clock``), concurrency is shown by the server's ``barrier`` and ``gate``, and
a test proving a hang cannot happen asserts why the refresh stopped, with a pytest timeout only
as a safety net.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import pathlib
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from sovbundle.catalog.cache import read_cached, write_cached
from sovbundle.catalog.files import ProviderCatalog
from sovbundle.catalog.select import load_catalogs
from sovbundle.config import base_url_env, load_config
from sovbundle.errors import ProviderError
from sovbundle.refresh.run import RefreshReport, RefreshStatus, refresh_async
from sovbundle.refresh.transport import HttpPolicy, retry_after_seconds
from tests.support.catalogs import cache_record, products
from tests.support.clock import VirtualClock
from tests.support.http_server import FaultServer, Reply
from tests.support.sandbox import Sandbox

FAST = HttpPolicy(
    connect_timeout=1.0,
    read_timeout=0.4,
    max_attempts=3,
    backoff_base=0.01,
    backoff_max=0.05,
    provider_budget=10.0,
    max_bytes=100_000,
)
GOOD = products(("small", "r1", "0.02"), ("new", "r2", "0.50"))


def point(monkeypatch: pytest.MonkeyPatch, server: FaultServer, *pids: str) -> None:
    for pid in pids:
        monkeypatch.setenv(base_url_env(pid), server.url(f"/{pid}"))


def refresh(
    pids: Sequence[str], policy: HttpPolicy = FAST, clock: VirtualClock | None = None
) -> RefreshReport:
    """Refresh ``pids``; with ``clock``, every wait goes to it instead of being waited."""
    if clock is None:
        return asyncio.run(refresh_async(load_config(), pids, policy=policy))
    run = refresh_async(
        load_config(), pids, policy=policy, sleep=clock.sleep, monotonic=clock.monotonic
    )
    return asyncio.run(run)


@pytest.fixture
def env(
    synthetic: Sandbox,
    fake_adapters: object,
    http_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
) -> FaultServer:
    point(monkeypatch, http_server, "ovhcloud", "scaleway", "clevercloud", "outscale")
    return http_server


def test_500_then_success_is_retried_and_cached(env: FaultServer, synthetic: Sandbox) -> None:
    env.route("/ovhcloud/products", Reply(500), Reply(200, json_body=GOOD))
    report = refresh(["ovhcloud"])
    (result,) = report.results
    assert result.status is RefreshStatus.UPDATED, result.error
    assert env.hits("/ovhcloud/products") == 2
    assert report.exit_code == 0
    # Diff against the snapshot: one added, one removed, one price change; curated kept.
    assert result.diff.added == ("vm new @ r2",)
    assert result.diff.removed == ("vm big @ r2",)
    assert [(c.offer, str(c.old), str(c.new)) for c in result.diff.price_changes] == [
        ("vm small @ r1", "0.01", "0.02")
    ]
    used = load_catalogs(["ovhcloud"]).providers["ovhcloud"]
    assert used.origin == "cache"
    assert {o.sku for o in used.data.offers} == {"small", "new", "special"}
    meta = cache_record(synthetic.catalogs / "ovhcloud.jsonl")
    assert meta["http"] == [{"url": env.url("/ovhcloud/products"), "status": 200}]
    assert meta["sources"] == [env.url("/ovhcloud/products")]
    assert meta["fetched_at"] == "2026-11-20T12:00:00+00:00"
    assert meta["format_version"] == 3 and meta["sha256"] == used.sha256


def test_refresh_takes_curated_facts_from_the_packaged_snapshot(
    env: FaultServer, synthetic: Sandbox, good_cache: bytes
) -> None:
    """Facts corrected in a release reach the cache, even though the cache is newer."""
    from tests.support.catalogs import default_offers, make_offer, write_catalog

    offers = [
        *default_offers("ovhcloud"),
        make_offer("ovhcloud", "new-curated", "r1", None, kind_of_source="curated"),
    ]
    write_catalog(synthetic.snapshot, "ovhcloud", offers)
    assert load_catalogs(["ovhcloud"]).providers["ovhcloud"].origin == "cache"
    (result,) = refresh(["ovhcloud"]).results
    assert result.diff.added == ("vm new-curated @ r1",)
    used = load_catalogs(["ovhcloud"]).providers["ovhcloud"]
    assert used.origin == "cache" and "new-curated" in {o.sku for o in used.data.offers}


def test_429_retry_after_seconds_is_honoured(env: FaultServer) -> None:
    env.route(
        "/ovhcloud/products",
        Reply(429, headers={"Retry-After": "1"}),
        Reply(200, json_body=GOOD),
    )
    clock = VirtualClock()
    (result,) = refresh(["ovhcloud"], clock=clock).results
    assert result.status is RefreshStatus.UPDATED
    assert env.hits("/ovhcloud/products") == 2
    assert clock.sleeps == [1.0]  # the server's wait, not the policy's backoff (under 0.01 s)


def test_retry_after_beyond_the_cap_fails_at_once(env: FaultServer) -> None:
    env.route("/ovhcloud/products", Reply(503, headers={"Retry-After": "3600"}))
    clock = VirtualClock()
    (result,) = refresh(["ovhcloud"], clock=clock).results
    assert result.status is RefreshStatus.FAILED
    assert "HTTP 503" in (result.error or "")
    assert env.hits("/ovhcloud/products") == 1
    assert clock.sleeps == []


def test_retry_after_http_date() -> None:
    now = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=7), usegmt=True)
    assert retry_after_seconds(later, now) == 7.0
    assert retry_after_seconds("12", now) == 12.0
    assert retry_after_seconds(format_datetime(now - timedelta(hours=1), usegmt=True), now) == 0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


def test_persistent_5xx_exhausts_attempts_and_keeps_data(env: FaultServer) -> None:
    env.route("/ovhcloud/products", Reply(502))
    report = refresh(["ovhcloud"])
    (result,) = report.results
    assert result.status is RefreshStatus.FAILED
    assert env.hits("/ovhcloud/products") == FAST.max_attempts
    assert report.exit_code == 5
    assert result.in_use == "snapshot, fetched 2026-10-01T00:00:00+00:00"
    assert load_catalogs(["ovhcloud"]).providers["ovhcloud"].origin == "snapshot"


def test_timeout_is_retried_then_fails(env: FaultServer) -> None:
    env.route("/ovhcloud/products", Reply(200, json_body=GOOD, delay=2.0))
    (result,) = refresh(["ovhcloud"]).results
    assert result.status is RefreshStatus.FAILED
    assert (result.error or "").startswith("127.0.0.1 stopped answering mid-response")
    assert env.hits("/ovhcloud/products") == FAST.max_attempts


def test_the_provider_budget_stops_retries_that_would_end_past_it(env: FaultServer) -> None:
    """Backoffs of 15-30 s then 30-60 s against a 40 s budget: the first wait fits, the second
    would end past the budget, so the second 500 is the answer (not 5 attempts over ~3 min)."""
    policy = HttpPolicy(
        read_timeout=5.0, provider_budget=40, max_attempts=5, backoff_base=30, backoff_max=100
    )
    env.route("/ovhcloud/products", Reply(500))
    clock = VirtualClock()
    (result,) = refresh(["ovhcloud"], policy, clock).results
    assert result.status is RefreshStatus.FAILED
    assert "HTTP 500" in (result.error or "")
    assert env.hits("/ovhcloud/products") == 2
    (waited,) = clock.sleeps
    assert 15 <= waited <= 30


@pytest.mark.timeout(30)  # a safety net: the budget below ends the refresh after 0.5 s
def test_the_provider_budget_ends_a_request_in_flight(env: FaultServer) -> None:
    env.route("/ovhcloud/products", Reply(200, json_body=GOOD, delay=60))  # never in time
    policy = HttpPolicy(read_timeout=120.0, provider_budget=0.5, max_attempts=5)
    (result,) = refresh(["ovhcloud"], policy).results
    assert result.status is RefreshStatus.FAILED
    assert result.error == "gave up after 0.5s (the time budget)"
    assert env.hits("/ovhcloud/products") == 1


@pytest.fixture
def good_cache(env: FaultServer, synthetic: Sandbox) -> bytes:
    """A first successful refresh of ovhcloud; returns the cached catalog's bytes."""
    env.route("/ovhcloud/products", Reply(200, json_body=GOOD))
    assert refresh(["ovhcloud"]).results[0].status is RefreshStatus.UPDATED
    return (synthetic.catalogs / "ovhcloud.jsonl").read_bytes()


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(200, body=b'{"products": [{"sku": "x", "reg'), "not valid JSON"),
        (Reply(200, json_body={"items": []}), "expected a products list"),
        (Reply(200, json_body={"products": []}), "the API returned no offers"),
        (Reply(200, json_body=products(("x", "mars-1", "1"))), "unknown region 'mars-1'"),
        (Reply(200, json_body=GOOD, truncate=True), "closed the connection"),
        (Reply(200, body=b" " * 200_000), "exceeds the 100000-byte limit"),
        (Reply(200, body=b" " * 200_000, no_length=True), "exceeds the 100000-byte limit"),
        (
            Reply(200, body=gzip.compress(b" " * 5_000_000), headers={"Content-Encoding": "gzip"}),
            "exceeds the 100000-byte limit",
        ),
    ],
    ids=[
        "truncated-json",
        "wrong-shape",
        "empty",
        "unknown-region",
        "cut-connection",
        "oversized",
        "oversized-unannounced",
        "gzip-bomb",
    ],
)
def test_bad_response_never_overwrites_good_data(
    env: FaultServer, synthetic: Sandbox, good_cache: bytes, reply: Reply, message: str
) -> None:
    env.route("/ovhcloud/products", reply)
    report = refresh(["ovhcloud"])
    (result,) = report.results
    assert result.status is RefreshStatus.FAILED
    assert message in (result.error or "")
    assert report.exit_code == 5
    assert result.in_use is not None and result.in_use.startswith("cache")
    assert (synthetic.catalogs / "ovhcloud.jsonl").read_bytes() == good_cache
    assert read_cached(synthetic.catalogs, "ovhcloud") is not None
    assert sorted(p.name for p in synthetic.catalogs.iterdir()) == [".lock", "ovhcloud.jsonl"]


def test_connection_refused_is_retried_and_reported(
    synthetic: Sandbox, fake_adapters: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv(base_url_env("scaleway"), f"http://127.0.0.1:{port}")
    (result,) = refresh(["scaleway"]).results
    assert result.status is RefreshStatus.FAILED
    assert (result.error or "").startswith("could not connect to 127.0.0.1: "), result.error
    assert result.requests == FAST.max_attempts


def test_redirect_to_another_host_is_refused(env: FaultServer) -> None:
    elsewhere = f"http://localhost:{env.port}/ovhcloud/products"
    env.route("/ovhcloud/products", Reply(302, headers={"Location": elsewhere}))
    (result,) = refresh(["ovhcloud"]).results
    assert result.status is RefreshStatus.FAILED
    assert "redirect to another scheme, host or port refused" in (result.error or "")
    assert env.hits("/ovhcloud/products") == 1


def test_redirect_to_the_same_host_on_another_port_is_refused(env: FaultServer) -> None:
    with FaultServer() as other:
        other.route("/ovhcloud/products", Reply(200, json_body=GOOD))
        target = other.url("/ovhcloud/products?token=s3cr3t")
        env.route("/ovhcloud/products", Reply(302, headers={"Location": target}))
        (result,) = refresh(["ovhcloud"]).results
        assert result.status is RefreshStatus.FAILED
        assert result.error is not None
        assert "redirect to another scheme, host or port refused" in result.error
        assert "s3cr3t" not in result.error
        assert other.hits("/ovhcloud/products") == 0


def test_redirect_on_the_same_host_is_followed(env: FaultServer) -> None:
    env.route("/ovhcloud/products", Reply(301, headers={"Location": "/ovhcloud/v2/products"}))
    env.route("/ovhcloud/v2/products", Reply(200, json_body=GOOD))
    (result,) = refresh(["ovhcloud"]).results
    assert result.status is RefreshStatus.UPDATED, result.error


def test_providers_run_concurrently(env: FaultServer) -> None:
    """The server answers none of the four requests before it has received all four: one after
    the other, the first would wait at the barrier until it breaks (then every answer is a 500).
    How much faster together than alone is measured in bench/ (the refresh section)."""
    pids = ["ovhcloud", "scaleway", "clevercloud", "outscale"]
    all_asked = threading.Barrier(len(pids), timeout=60)
    for pid in pids:
        env.route(f"/{pid}/products", Reply(200, json_body=GOOD, barrier=all_asked))
    policy = HttpPolicy(read_timeout=90.0, max_attempts=1)
    report = refresh(pids, policy)
    assert [r.status for r in report.results] == [RefreshStatus.UPDATED] * len(pids), [
        r.error for r in report.results
    ]
    assert not all_asked.broken
    assert [env.hits(f"/{pid}/products") for pid in pids] == [1] * len(pids)


def test_one_failure_does_not_stop_the_others(env: FaultServer) -> None:
    env.route("/ovhcloud/products", Reply(200, json_body=GOOD))
    env.route("/scaleway/products", Reply(500))
    report = refresh(["ovhcloud", "scaleway", "rapidspace"])
    statuses = {r.provider: r.status for r in report.results}
    assert statuses == {
        "ovhcloud": RefreshStatus.UPDATED,
        "scaleway": RefreshStatus.FAILED,
        "rapidspace": RefreshStatus.STATIC,
    }
    assert report.exit_code == 5
    assert [r.provider for r in report.failed] == ["scaleway"]


def test_provider_without_api_is_a_success(env: FaultServer, synthetic: Sandbox) -> None:
    report = refresh(["rapidspace"])
    (result,) = report.results
    assert result.status is RefreshStatus.STATIC
    assert result.offers == 3 and result.requests == 0
    assert report.exit_code == 0
    assert not synthetic.catalogs.exists()  # nothing new to cache: the static data stays


def test_adapter_bug_is_reported_for_that_provider_only(
    env: FaultServer, fake_adapters: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(raw: object, facts: object) -> list[object]:
        raise KeyError("plans")

    monkeypatch.setattr(fake_adapters["ovhcloud"], "normalize", broken)
    env.route("/ovhcloud/products", Reply(200, json_body=GOOD))
    (result,) = refresh(["ovhcloud"]).results
    assert result.status is RefreshStatus.FAILED
    assert result.error == "internal error in the ovhcloud adapter: KeyError: 'plans'"


@pytest.mark.parametrize("step", ["write", "fsync", "replace"])
def test_disk_full_while_caching_names_the_cause_and_keeps_the_old_file(
    env: FaultServer,
    synthetic: Sandbox,
    good_cache: bytes,
    monkeypatch: pytest.MonkeyPatch,
    step: str,
) -> None:
    import errno
    import os

    def no_space(*args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(f"sovbundle.atomic.os.{step}", no_space)
    env.route("/ovhcloud/products", Reply(200, json_body=products(("other", "r1", "9"))))
    (result,) = refresh(["ovhcloud"]).results
    assert result.status is RefreshStatus.FAILED
    path = synthetic.catalogs / "ovhcloud.jsonl"
    assert result.error == f"disk full writing the cache at {path}"
    assert result.error_exit_code == 5
    assert path.read_bytes() == good_cache
    loaded = load_catalogs(["ovhcloud"])
    assert loaded.warnings == [] and loaded.providers["ovhcloud"].origin == "cache"
    assert not [p for p in synthetic.catalogs.iterdir() if p.name.endswith(".tmp")]


def test_retries_are_logged_redacted(
    synthetic: Sandbox,
    fake_adapters: object,
    http_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = http_server.port
    monkeypatch.setenv(
        base_url_env("ovhcloud"), f"http://user:s3cr3t@127.0.0.1:{port}/ovhcloud?token=s3cr3t"
    )
    http_server.route("/ovhcloud/products", Reply(500), Reply(200, json_body=GOOD))
    with caplog.at_level(logging.DEBUG, logger="sovbundle"):
        (result,) = refresh(["ovhcloud"]).results
    assert result.status is RefreshStatus.UPDATED, result.error
    assert "retry 1" in caplog.text
    seen = http_server.requests[0]
    assert seen.query == "token=s3cr3t"  # the credential is used...
    assert "s3cr3t" not in caplog.text  # ...and never shown or written
    for path in synthetic.catalogs.iterdir():
        assert "s3cr3t" not in path.read_text(), path.name
    http_server.route("/ovhcloud/products", Reply(404))
    (failed,) = refresh(["ovhcloud"]).results
    assert failed.error is not None and "HTTP 404" in failed.error
    assert "s3cr3t" not in failed.error and "***@127.0.0.1" in failed.error


KILLER = """
import os, signal, sys
from tests.support.catalogs import default_offers, make_offer, make_provider
from sovbundle import atomic
from sovbundle.catalog.cache import HttpStatus, write_cached
from sovbundle.catalog.files import ProviderCatalog
from pathlib import Path

folder, step, nth = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
def catalog(sku, when):
    offers = (*default_offers("ovhcloud"), make_offer("ovhcloud", sku))
    return ProviderCatalog(provider=make_provider("ovhcloud"), fetched_at=when, offers=offers)
write_cached(folder, catalog("old", "2026-11-01T00:00:00+00:00"), sources=(), http=(),
             sovbundle_version="t")
real, calls = getattr(os, step), []
def killer(*args):
    calls.append(args)
    if len(calls) == nth:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*args)
setattr(atomic.os, step, killer)
write_cached(folder, catalog("new", "2026-11-20T00:00:00+00:00"), sources=(), http=(),
             sovbundle_version="t")
"""

# Each step of a cache commit, in order; a kill before the rename leaves the old file, after
# it the new one (the second fsync is the folder's, after the rename).
KILL_POINTS = {
    "before-write": ("write", 1, "old"),
    "before-file-fsync": ("fsync", 1, "old"),
    "before-rename": ("replace", 1, "old"),
    "after-rename": ("fsync", 2, "new"),
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_refresh_killed_at_any_step_leaves_the_old_or_the_new_commit(
    synthetic: Sandbox, point: str
) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.support.catalogs import default_offers, make_offer, make_provider

    step, nth, expected = KILL_POINTS[point]
    tests = Path(__file__).resolve().parents[1]
    path = os.pathsep.join([str(tests.parent / "src"), str(tests.parent)])
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, str(synthetic.catalogs), step, str(nth)],
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == -9, proc.stderr
    loaded = load_catalogs(["ovhcloud"])
    used = loaded.providers["ovhcloud"]
    assert used.origin == "cache" and loaded.warnings == []
    assert expected in {o.sku for o in used.data.offers}
    # The killed writer held the lock: the kernel released it with the process.
    offers = (*default_offers("ovhcloud"), make_offer("ovhcloud", "later"))
    later = ProviderCatalog(
        provider=make_provider("ovhcloud"), fetched_at="2026-11-21T00:00:00Z", offers=offers
    )
    # lock_timeout=0: one try, no wait; a lock still held would raise CatalogError here.
    write_cached(
        synthetic.catalogs, later, sources=(), http=(), sovbundle_version="t", lock_timeout=0
    )


def test_a_failed_rename_leaves_the_old_commit(
    synthetic: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.catalogs import default_offers, make_offer, make_provider

    def catalog(sku: str, when: str) -> ProviderCatalog:
        offers = (*default_offers("ovhcloud"), make_offer("ovhcloud", sku))
        return ProviderCatalog(provider=make_provider("ovhcloud"), fetched_at=when, offers=offers)

    write_cached(
        synthetic.catalogs,
        catalog("old", "2026-11-01T00:00:00Z"),
        sources=(),
        http=(),
        sovbundle_version="t",
    )
    before = (synthetic.catalogs / "ovhcloud.jsonl").read_bytes()

    def refuse(src: str, dst: str) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("sovbundle.atomic.os.replace", refuse)
    with pytest.raises(ProviderError, match="Input/output error writing the cache at"):
        write_cached(
            synthetic.catalogs,
            catalog("new", "2026-11-20T00:00:00Z"),
            sources=(),
            http=(),
            sovbundle_version="t",
        )
    assert (synthetic.catalogs / "ovhcloud.jsonl").read_bytes() == before
    used = load_catalogs(["ovhcloud"]).providers["ovhcloud"]
    assert used.origin == "cache" and "old" in {o.sku for o in used.data.offers}


def test_no_query_value_of_a_base_url_is_kept_or_shown(
    synthetic: Sandbox,
    fake_adapters: object,
    http_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 11, item 8: names outside any list of secret-looking names leak nothing."""
    from sovbundle.cli import main

    query = "pass=S1&jwt=S2&code=S3&private=S4&access=S5&AWSAccessKeyId=S6"
    base = f"http://u:AT@xS7@127.0.0.1:{http_server.port}/ovhcloud?{query}"
    monkeypatch.setenv(base_url_env("ovhcloud"), base)
    http_server.route("/ovhcloud/products", Reply(500), Reply(200, json_body=GOOD))
    with caplog.at_level(logging.DEBUG, logger="sovbundle"):
        assert main(["--debug", "catalog", "refresh", "ovhcloud"]) == 0
        assert main(["catalog", "status"]) == 0
        assert main(["services", "ovhcloud", "--json"]) == 0
    shown = capsys.readouterr()
    written = "".join(p.read_text() for p in synthetic.catalogs.iterdir())
    for secret in ["S1", "S2", "S3", "S4", "S5", "S6", "xS7", "AT@"]:
        for where, text in [
            ("stdout", shown.out),
            ("stderr", shown.err),
            ("log", caplog.text),
            ("cache", written),
        ]:
            assert f"{secret}&" not in text and f"={secret}" not in text, (secret, where)
        assert secret not in written.replace("AWSAccessKeyId", ""), secret
    assert "pass=***&jwt=***" in written


# -- issue 11, item 5: an overall deadline, a minimum transfer rate, who is slow ----------


@pytest.mark.timeout(30)  # a safety net: the server holds ovhcloud for 60 s, the budget is 120 s
def test_the_refresh_deadline_ends_a_black_holed_provider_and_keeps_the_others(
    env: FaultServer,
) -> None:
    import dataclasses

    env.route("/ovhcloud/products", Reply(200, json_body=GOOD, delay=60))  # never answers
    env.route("/scaleway/products", Reply(200, json_body=GOOD))
    policy = dataclasses.replace(FAST, read_timeout=60, provider_budget=120, deadline=1.5)
    ovh, scw = refresh(["ovhcloud", "scaleway"], policy).results
    assert ovh.status is RefreshStatus.FAILED
    assert ovh.error == "gave up after 1.5s (the refresh deadline)"
    assert scw.status is RefreshStatus.UPDATED, scw.error


def test_the_deadline_comes_from_the_environment(
    env: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    env.route("/ovhcloud/products", Reply(200, json_body=GOOD, delay=30))
    monkeypatch.setenv("SOVBUNDLE_REFRESH_DEADLINE", "1")
    policy = dataclasses.replace(FAST, read_timeout=60, provider_budget=120)
    (result,) = refresh(["ovhcloud"], policy).results
    assert result.error == "gave up after 1s (the refresh deadline)"


@pytest.mark.parametrize("value", ["abc", "0", "-5", "99999", "nan"])
def test_a_bad_deadline_is_a_usage_error(value: str, sandbox: Sandbox) -> None:
    from sovbundle.errors import UsageError

    with pytest.raises(UsageError, match="SOVBUNDLE_REFRESH_DEADLINE: must be a number"):
        load_config({"SOVBUNDLE_REFRESH_DEADLINE": value})


def test_the_deadline_in_the_config_file(tmp_path: pathlib.Path, sandbox: Sandbox) -> None:
    path = tmp_path / "config.toml"
    path.write_text("refresh_deadline = 20\n")
    assert load_config({"SOVBUNDLE_CONFIG": str(path)}).refresh_deadline == 20


@pytest.mark.timeout(30)  # a safety net: the whole body at 5 bytes/s would take 35 s
def test_a_trickling_body_is_abandoned_below_the_minimum_rate(env: FaultServer) -> None:
    import dataclasses

    env.route("/ovhcloud/products", Reply(200, json_body=GOOD, trickle=0.2))  # 5 bytes/s
    policy = dataclasses.replace(FAST, read_timeout=5, min_rate=100, rate_grace=0.5)
    (result,) = refresh(["ovhcloud"], policy).results
    assert result.status is RefreshStatus.FAILED
    assert result.error is not None and "transfer slower than 100 bytes/s" in result.error


def test_the_listener_hears_which_provider_is_slow(env: FaultServer) -> None:
    """Virtual time passes only once scaleway is done: then ovhcloud, still waiting on its
    request (held by the server until the listener hears it), is reported slow, and only it."""
    import dataclasses

    from sovbundle.refresh.run import ProviderResult

    heard = threading.Event()  # ovhcloud's answer waits for it
    scaleway_done = asyncio.Event()
    now = [0.0]

    class Listener:
        def __init__(self) -> None:
            self.slow_calls: list[tuple[str, float, str | None]] = []

        def started(self, provider: str) -> None:
            pass

        def finished(self, result: ProviderResult) -> None:
            if result.provider == "scaleway":
                scaleway_done.set()

        def slow(self, provider: str, seconds: float, waiting_on: str | None) -> None:
            self.slow_calls.append((provider, seconds, waiting_on))
            heard.set()

    async def sleep(seconds: float) -> None:
        if now[0]:  # the first report was made: no more time passes (the watch is cancelled)
            await asyncio.Event().wait()
        await scaleway_done.wait()
        now[0] += seconds

    env.route("/ovhcloud/products", Reply(200, json_body=GOOD, gate=heard))
    env.route("/scaleway/products", Reply(200, json_body=GOOD))
    listener = Listener()
    policy = dataclasses.replace(FAST, read_timeout=30, slow_after=0.4)
    report = asyncio.run(
        refresh_async(
            load_config(),
            ["ovhcloud", "scaleway"],
            policy=policy,
            listener=listener,
            sleep=sleep,
            monotonic=lambda: now[0],
        )
    )
    assert [r.status for r in report.results] == [RefreshStatus.UPDATED] * 2
    assert listener.slow_calls == [("ovhcloud", 0.4, f"GET {env.url('/ovhcloud/products')}")]
