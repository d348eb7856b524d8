"""The guarded httpx client every catalog fetch goes through: retries, limits, safe redirects.

Adapters call ``request_json`` once per request and know nothing of this; the client given to
them (``GuardedClient``) makes each request:

* time out per phase (connect, read) and give up once the provider's time budget is spent;
* retry connection failures, timeouts, 429 and 5xx with exponential backoff and jitter,
  honouring ``Retry-After`` (seconds or an HTTP date) up to a cap;
* follow redirects only to the same scheme, host and port;
* abort a body beyond ``max_bytes`` (counted after gzip decoding, so a compressed bomb is
  stopped too), reading it as a stream;
* verify TLS certificates (not configurable: catalogs are public, there is no reason to).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from sovbundle.config import LOOPBACK_HOSTS, is_loopback, redact

__all__ = [
    "GuardedClient",
    "HttpPolicy",
    "InsecureURL",
    "RedirectRefused",
    "ResponseTooLarge",
    "TransferTooSlow",
    "retry_after_seconds",
]

log = logging.getLogger("sovbundle.refresh")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Failures worth another attempt: the network, a timeout, a connection cut mid-body. Not TLS
# or protocol refusals of our own making (they would fail the same way again).
_RETRYABLE = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class HttpPolicy:
    """Limits of the catalog HTTP client; seconds unless said otherwise."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    """Longest wait for any chunk of a response (not for the whole body)."""
    max_attempts: int = 4
    """Attempts per request, the first included."""
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    retry_after_max: float = 60.0
    """A server asking to wait longer than this is not retried: the provider fails now."""
    max_bytes: int = 64 * 1024 * 1024
    """Largest decoded response body."""
    max_redirects: int = 5
    provider_budget: float = 180.0
    """Total time one provider's refresh may take, retries and waits included."""
    deadline: float = 60.0
    """Total time a whole refresh may take (all providers run at once): each provider's budget
    is cut to what is left of it. ``SOVBUNDLE_REFRESH_DEADLINE``, the config file's
    ``refresh_deadline`` and ``catalog refresh --deadline`` change it."""
    min_rate: float = 1024.0
    """Bytes per second below which a body transfer is abandoned, once ``rate_grace`` seconds
    into it (a server trickling 1 byte/s would otherwise hold a refresh for minutes)."""
    rate_grace: float = 5.0
    slow_after: float = 10.0
    """Seconds after which, and then every as many seconds, a provider still waiting is
    reported to the listener (``RefreshListener.slow``)."""

    def backoff(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Delay before attempt ``attempt + 1``: exponential, with half of it jittered."""
        ceiling = min(self.backoff_max, self.backoff_base * 2.0 ** (attempt - 1))
        return ceiling / 2 + rng() * ceiling / 2


class ResponseTooLarge(httpx.RequestError):
    """A response body is larger than the policy allows."""


class RedirectRefused(httpx.RequestError):
    """A redirect leads to another host, downgrades to http, or loops."""


class TransferTooSlow(httpx.RequestError):
    """A response body arrives slower than the policy's minimum rate."""


class InsecureURL(httpx.RequestError):
    """A request over plain http to a host that is not loopback."""


class BudgetExhausted(httpx.RequestError):
    """The provider's time budget is spent; no further attempt is made."""


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """Scheme, host and port (the default one when none is written) of a URL."""
    return (url.scheme, url.host.lower(), url.port or _DEFAULT_PORTS.get(url.scheme))


class GuardedClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` whose every ``send`` follows ``HttpPolicy``.

    It records each final exchange (redacted URL and status) in ``exchanges`` for the cache
    meta file and counts attempts in ``attempts``.
    """

    def __init__(
        self,
        policy: HttpPolicy,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        tls: ssl.SSLContext | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(
            timeout=httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout),
            follow_redirects=False,  # done in ``send``, where the origin is known
            # TLS verification is always on; a shared context saves loading the CA bundle
            # (~30 ms of CPU) once per provider.
            verify=tls if tls is not None else True,
            transport=transport,
            headers={"Accept": "application/json", "Accept-Encoding": "gzip"},
            limits=httpx.Limits(max_connections=8, max_keepalive_connections=4),
        )
        self.policy = policy
        self._sleep = sleep
        self._monotonic = monotonic
        self._rng = rng
        self._deadline = monotonic() + policy.provider_budget
        self.exchanges: list[tuple[str, int]] = []
        self.current: str | None = None
        """The (redacted) URL being fetched now, for a "still waiting" message."""
        self.attempts = 0

    async def send(  # type: ignore[override]  # same signature; mypy sees the default's type
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: httpx.Auth | httpx._client.UseClientDefault | None = httpx.USE_CLIENT_DEFAULT,
        follow_redirects: bool | httpx._client.UseClientDefault = httpx.USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        """Send with retries and same-host redirects; the body is always read (bounded)."""
        if request.url.scheme != "https" and not (
            request.url.scheme == "http" and is_loopback(request.url.host)
        ):
            raise InsecureURL(
                f"plain {request.url.scheme} refused for {request.url.host} (https required; "
                f"http only for {LOOPBACK_HOSTS})",
                request=request,
            )
        redirects = 0
        attempt = 0
        while True:
            attempt += 1
            self._check_budget(request)
            self.attempts += 1
            self.current = f"{request.method} {redact(str(request.url))}"
            try:
                response = await super().send(request, stream=True, auth=auth)
                if response.next_request is not None:
                    await response.aclose()
                    request = self._redirect(request, response.next_request, redirects)
                    redirects, attempt = redirects + 1, 0
                    continue
                delay = self._status_retry_delay(response, attempt)
                if delay is not None:
                    await response.aclose()
                    self._log_retry(request, f"HTTP {response.status_code}", attempt, delay)
                    await self._sleep(delay)
                    continue
                await self._read_bounded(response)
            except _RETRYABLE as exc:
                delay = self.policy.backoff(attempt, self._rng)
                if attempt >= self.policy.max_attempts or not self._fits(delay):
                    raise
                self._log_retry(request, type(exc).__name__, attempt, delay)
                await self._sleep(delay)
                continue
            self.exchanges.append((redact(str(request.url)), response.status_code))
            return response

    def _fits(self, delay: float) -> bool:
        return self._monotonic() + delay < self._deadline

    def _check_budget(self, request: httpx.Request) -> None:
        if self._monotonic() >= self._deadline:
            raise BudgetExhausted(
                f"time budget of {self.policy.provider_budget:g}s spent", request=request
            )

    def _status_retry_delay(self, response: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before retrying this response, or None to hand it to the caller."""
        if response.status_code not in RETRY_STATUSES or attempt >= self.policy.max_attempts:
            return None
        asked = retry_after_seconds(response.headers.get("Retry-After"), datetime.now(UTC))
        if asked is not None and asked > self.policy.retry_after_max:
            log.info("%s asks to retry after %.0fs: not waiting", redact(str(response.url)), asked)
            return None
        delay = asked if asked is not None else self.policy.backoff(attempt, self._rng)
        return delay if self._fits(delay) else None

    def _redirect(
        self, request: httpx.Request, target: httpx.Request, redirects: int
    ) -> httpx.Request:
        source, dest = request.url, target.url
        if _origin(dest) != _origin(source):
            raise RedirectRefused(
                f"redirect to another scheme, host or port refused: {redact(str(dest))}",
                request=request,
            )
        if redirects >= self.policy.max_redirects:
            limit = self.policy.max_redirects
            raise RedirectRefused(f"more than {limit} redirects", request=request)
        return target

    async def _read_bounded(self, response: httpx.Response) -> None:
        limit = self.policy.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            await response.aclose()
            raise ResponseTooLarge(
                f"response of {declared} bytes exceeds the {limit}-byte limit",
                request=response.request,
            )
        chunks: list[bytes] = []
        size = 0
        started = self._monotonic()
        min_rate, grace = self.policy.min_rate, self.policy.rate_grace
        try:
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise ResponseTooLarge(
                        f"response exceeds the {limit}-byte limit", request=response.request
                    )
                chunks.append(chunk)
                elapsed = self._monotonic() - started
                if elapsed > grace and size < min_rate * elapsed:
                    raise TransferTooSlow(
                        f"transfer slower than {min_rate:g} bytes/s ({size} bytes in "
                        f"{elapsed:.0f}s)",
                        request=response.request,
                    )
        finally:
            await response.aclose()
        # Exactly what ``Response.aread`` stores: later ``.json()`` / ``.content`` read it.
        response._content = b"".join(chunks)

    def _log_retry(self, request: httpx.Request, why: str, attempt: int, delay: float) -> None:
        log.info(
            "%s %s: %s; retry %d in %.1fs",
            request.method,
            redact(str(request.url)),
            why,
            attempt,
            delay,
        )
