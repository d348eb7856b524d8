"""Live catalog refresh, the only place that orchestrates network I/O: fetch, normalise, cache.

For each provider, concurrently::

    current data (cache or snapshot) -> curated facts
    adapter.fetch(GuardedClient, base_url) -> RawCatalog            (network, refresh.transport)
    adapter.normalize(raw, facts) -> offers -> snapshot.assemble     (pure, validates the shape)
    cache.write_cached                                                (atomic, only if all passed)

A provider that fails at any step keeps the data it had; nothing of a bad response is written.
A provider whose adapter fetches nothing (Rapid.Space has no API) keeps its static catalog and
counts as a success. Every message and every URL kept is redacted (``sovbundle.config.redact``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import ssl
import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

import httpx

from sovbundle import adapters
from sovbundle._version import __version__
from sovbundle.adapters.base import RawCatalog
from sovbundle.catalog.cache import HttpStatus, sanity_problem, write_cached
from sovbundle.catalog.facts import ProviderFacts
from sovbundle.catalog.files import LoadedCatalog, ProviderCatalog, load_catalog_file, snapshot_dir
from sovbundle.catalog.select import load_catalogs
from sovbundle.config import Config, redact
from sovbundle.errors import CatalogError, ProviderError, SovbundleError
from sovbundle.http_words import describe_failure
from sovbundle.models import PROVIDER_IDS, Offer, Source
from sovbundle.refresh.diff import CatalogDiff, diff_catalogs
from sovbundle.refresh.snapshot import assemble
from sovbundle.refresh.transport import GuardedClient, HttpPolicy

__all__ = [
    "ProviderResult",
    "RefreshListener",
    "RefreshReport",
    "RefreshStatus",
    "SlowListener",
    "refresh_async",
    "refresh_catalogs",
]

log = logging.getLogger("sovbundle.refresh")
# A library's logs are shown only when the CLI asks (``--debug``), never by logging's fallback.
log.addHandler(logging.NullHandler())


DEFAULT_POLICY = HttpPolicy()
"""The limits a refresh uses unless told otherwise (tests shorten the waits)."""


@dataclass(frozen=True)
class _Timer:
    """How a refresh waits and measures time: the real clock, unless a test passes its own."""

    sleep: Callable[[float], Awaitable[None]]
    monotonic: Callable[[], float]


class RefreshStatus(StrEnum):
    """Outcome of one provider's refresh."""

    UPDATED = "updated"
    """Fetched, validated and written to the cache."""
    STATIC = "static"
    """The provider has no API: nothing fetched, its static catalog stays in use."""
    FAILED = "failed"
    """Something failed; the previous data stays in use."""


@dataclass(frozen=True)
class ProviderResult:
    """One provider's refresh; ``error`` is already redacted."""

    provider: str
    status: RefreshStatus
    offers: int
    """Offers of the data now in use for the provider."""
    seconds: float
    diff: CatalogDiff = field(default_factory=CatalogDiff)
    error: str | None = None
    error_exit_code: int | None = None
    in_use: str | None = None
    """Which data a plan uses now, in words (``cache, fetched 2026-11-02T10:00:00Z``)."""
    requests: int = 0


@dataclass(frozen=True)
class RefreshReport:
    """All providers' results, in the order asked."""

    results: tuple[ProviderResult, ...]
    seconds: float

    @property
    def failed(self) -> list[ProviderResult]:
        return [r for r in self.results if r.status is RefreshStatus.FAILED]

    @property
    def exit_code(self) -> int:
        """5 when any provider failed (``ProviderError.exit_code``), else 0."""
        return ProviderError.exit_code if self.failed else 0


class RefreshListener(Protocol):
    """Progress callbacks, called from the event loop (keep them quick)."""

    def started(self, provider: str) -> None: ...

    def finished(self, result: ProviderResult) -> None: ...


class SlowListener(Protocol):
    """Optional: a listener with ``slow`` is told about each provider still waiting."""

    def slow(self, provider: str, seconds: float, waiting_on: str | None) -> None:
        """``provider`` has been refreshing for ``seconds``; ``waiting_on`` is the (redacted)
        request in flight, when there is one. Called every ``HttpPolicy.slow_after`` seconds."""


def refresh_catalogs(
    config: Config,
    providers: Sequence[str] | None = None,
    *,
    policy: HttpPolicy | None = None,
    listener: RefreshListener | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> RefreshReport:
    """Refresh the named (default: all) providers' catalogs into the user cache."""
    return asyncio.run(
        refresh_async(
            config, providers, policy=policy, listener=listener, sleep=sleep, monotonic=monotonic
        )
    )


async def refresh_async(
    config: Config,
    providers: Sequence[str] | None = None,
    *,
    policy: HttpPolicy | None = None,
    listener: RefreshListener | None = None,
    transport_factory: Callable[[], httpx.AsyncBaseTransport] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> RefreshReport:
    """Refresh providers concurrently; never raises for a provider's failure (see the report).

    ``sleep`` and ``monotonic`` are how the refresh waits and measures time: the waits before
    retries (``Retry-After`` included), the provider budget checked between attempts, the
    minimum transfer rate, the slow-provider reports and the seconds reported. Tests pass
    virtual ones; a request in flight is still bounded by the event loop's own clock
    (``asyncio.timeout`` of the provider budget and deadline).
    """
    wanted = list(dict.fromkeys(providers)) if providers else list(PROVIDER_IDS)
    policy = policy or DEFAULT_POLICY
    if config.refresh_deadline is not None:
        policy = dataclasses.replace(policy, deadline=config.refresh_deadline)
    # Every provider starts now and runs at once: a budget cut to the deadline ends them all
    # by then, retries and waits included.
    if policy.deadline < policy.provider_budget:
        policy = dataclasses.replace(policy, provider_budget=policy.deadline)
    timer = _Timer(sleep, monotonic)
    start = timer.monotonic()
    tls = httpx.create_ssl_context()  # verifying, with the CA bundle loaded once for all
    results = await asyncio.gather(
        *(
            _refresh_one(pid, config, policy, listener, transport_factory, clock, tls, timer)
            for pid in wanted
        )
    )
    return RefreshReport(tuple(results), timer.monotonic() - start)


async def _refresh_one(
    pid: str,
    config: Config,
    policy: HttpPolicy,
    listener: RefreshListener | None,
    transport_factory: Callable[[], httpx.AsyncBaseTransport] | None,
    clock: Callable[[], datetime],
    tls: ssl.SSLContext,
    timer: _Timer,
) -> ProviderResult:
    if listener:
        listener.started(pid)
    start = timer.monotonic()
    current: LoadedCatalog | None = None
    client: GuardedClient | None = None
    try:
        current = _current(pid, config)
        adapter = adapters.get_adapter(pid)
        base_url = config.base_url(pid, adapter.DEFAULT_BASE_URL)
        facts = _facts(pid, current)
        transport = transport_factory() if transport_factory else None
        # The client enforces the budget between attempts; this bounds a request in flight.
        async with asyncio.timeout(policy.provider_budget):
            async with GuardedClient(
                policy, transport=transport, tls=tls, sleep=timer.sleep, monotonic=timer.monotonic
            ) as client:
                watch = _watch_slow(pid, policy, listener, client, start, timer)
                try:
                    raw = await adapter.fetch(client, base_url)
                finally:
                    if watch is not None:
                        watch.cancel()
        if not raw.responses:
            result = _result(pid, RefreshStatus.STATIC, current, start, client, timer)
        else:
            read = sorted({url for url, status in client.exchanges if status < 400})
            catalog = _build(pid, adapter.normalize, raw, facts, read, current, clock)
            # In a thread: the cache lock may be held by another sovbundle for a moment, and
            # the fsyncs take time; the other providers' transfers go on meanwhile.
            written = await asyncio.to_thread(
                write_cached,
                config.catalog_dir,
                catalog,
                sources=catalog.endpoints,
                http=tuple(HttpStatus(url=u, status=s) for u, s in client.exchanges),
                sovbundle_version=__version__,
            )
            diff = diff_catalogs(current.data, catalog)
            result = _result(pid, RefreshStatus.UPDATED, written, start, client, timer, diff=diff)
    except Exception as exc:  # one provider's failure, whatever it is, must not stop the others
        result = _failure(pid, exc, policy, current, start, client, timer)
    if listener:
        listener.finished(result)
    return result


def _watch_slow(
    pid: str,
    policy: HttpPolicy,
    listener: RefreshListener | None,
    client: GuardedClient,
    start: float,
    timer: _Timer,
) -> asyncio.Task[None] | None:
    """A task telling ``listener.slow`` every ``slow_after`` seconds that ``pid`` still waits."""
    slow = getattr(listener, "slow", None)
    if slow is None or policy.slow_after <= 0:
        return None

    async def watch() -> None:
        while True:
            await timer.sleep(policy.slow_after)
            slow(pid, timer.monotonic() - start, client.current)

    return asyncio.get_running_loop().create_task(watch())


def _current(pid: str, config: Config) -> LoadedCatalog:
    """The data a plan would use now for ``pid``: its curated facts are the refresh's input."""
    loaded = load_catalogs([pid], cache_dir=config.catalog_dir)
    for warning in loaded.warnings:
        log.warning("%s", redact(warning))
    if pid not in loaded.providers:
        raise CatalogError(pid, "no curated facts to normalise against (no snapshot, no cache)")
    return loaded.providers[pid]


def _facts(pid: str, current: LoadedCatalog) -> ProviderFacts:
    """Curated facts to normalise against: the packaged snapshot's when there is one.

    The snapshot ships with this sovbundle version, so facts corrected in a release (a new
    region, a certification) reach the cache at the next refresh, even though a cache fetched
    after the release date would otherwise always win over the snapshot.
    """
    path = snapshot_dir() / f"{pid}.json"
    source = load_catalog_file(path) if current.origin != "snapshot" and path.is_file() else current
    curated = tuple(o for o in source.data.offers if o.source.kind == "curated")
    return ProviderFacts(source.provider, curated)


def _build(
    pid: str,
    normalize: Callable[[RawCatalog, ProviderFacts], list[Offer]],
    raw: RawCatalog,
    facts: ProviderFacts,
    read: list[str],
    current: LoadedCatalog,
    clock: Callable[[], datetime],
) -> ProviderCatalog:
    """Normalise and assemble; raise CatalogError on anything that should not be cached.

    ``read`` are the (redacted) URLs that answered: the catalog's endpoints. They are taken
    from the client rather than rebuilt from the base URL and the response keys, which for
    Outscale would give ``https://api.{region}.outscale.com/...?region=eu-west-2``.
    """
    offers = [_redacted(o) for o in normalize(raw, facts)]
    strangers = sorted({o.provider for o in offers if o.provider != pid})
    if strangers:
        raise CatalogError(pid, f"the adapter returned offers of {', '.join(strangers)}")
    had_api = any(o.source.kind == "api" for o in current.data.offers)
    if had_api and not any(o.source.kind == "api" for o in offers):
        # An API answering with an empty list is far likelier broken than sold out.
        raise CatalogError(pid, "the API returned no offers; keeping the previous data")
    now = clock()
    fetched_at = raw.fetched_at or now.isoformat(timespec="seconds")
    catalog = assemble(facts, offers, fetched_at, read)
    problem = sanity_problem(catalog, now)
    if problem is not None:  # the same check a reader applies: never cache what it would refuse
        raise CatalogError(pid, f"refusing to cache the new data: {problem}")
    return catalog


def _redacted(offer: Offer) -> Offer:
    """The offer with its source URL redacted (adapters build it from the base URL)."""
    url = redact(offer.source.url)
    if url == offer.source.url:
        return offer
    source: Source = offer.source.model_copy(update={"url": url})
    return offer.model_copy(update={"source": source})


def _result(
    pid: str,
    status: RefreshStatus,
    in_use: LoadedCatalog,
    start: float,
    client: GuardedClient | None,
    timer: _Timer,
    *,
    diff: CatalogDiff | None = None,
) -> ProviderResult:
    return ProviderResult(
        provider=pid,
        status=status,
        offers=len(in_use.data.offers),
        seconds=timer.monotonic() - start,
        diff=diff or CatalogDiff(),
        in_use=f"{in_use.origin}, fetched {in_use.data.fetched_at}",
        requests=client.attempts if client else 0,
    )


def _failure(
    pid: str,
    exc: Exception,
    policy: HttpPolicy,
    current: LoadedCatalog | None,
    start: float,
    client: GuardedClient | None,
    timer: _Timer,
) -> ProviderResult:
    if isinstance(exc, SovbundleError):
        message, code = exc.message, exc.exit_code
        message = message.removeprefix(f"{pid}: ")
    elif isinstance(exc, TimeoutError):
        what = "refresh deadline" if policy.provider_budget >= policy.deadline else "time budget"
        message = f"gave up after {policy.provider_budget:g}s (the {what})"
        code = ProviderError.exit_code
    elif isinstance(exc, httpx.HTTPError):
        message, code = describe_failure(exc), ProviderError.exit_code
    else:  # a bug in an adapter: reported for this provider, traceback in the debug log
        message = f"internal error in the {pid} adapter: {type(exc).__name__}: {exc}"
        code = 1
        log.debug("%s", redact("".join(traceback.format_exception(exc))))
    message = redact(message)
    log.warning("%s: refresh failed: %s", pid, message)
    return ProviderResult(
        provider=pid,
        status=RefreshStatus.FAILED,
        offers=len(current.data.offers) if current else 0,
        seconds=timer.monotonic() - start,
        error=message,
        error_exit_code=code,
        in_use=f"{current.origin}, fetched {current.data.fetched_at}" if current else None,
        requests=client.attempts if client else 0,
    )
