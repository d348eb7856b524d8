"""The adapter contract: ``fetch`` (the only I/O) and ``normalize`` (pure), plus shared helpers.

Each provider module in this package exposes:

* ``PROVIDER_ID``: its id (``ovhcloud``...);
* ``DEFAULT_BASE_URL``: the public API base URL (overridable by configuration);
* ``async def fetch(client: httpx.AsyncClient, base_url: str) -> RawCatalog``: call the public
  endpoints through the injected client and return the parsed bodies, keyed by endpoint;
* ``def normalize(raw: RawCatalog, facts: ProviderFacts) -> list[Offer]``: turn those bodies
  and the curated facts into offers, raising ``CatalogError`` (naming provider, endpoint and
  field) on any payload of the wrong shape.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sovbundle.catalog.facts import ProviderFacts
from sovbundle.errors import CatalogError, ProviderError
from sovbundle.models import Offer

if TYPE_CHECKING:
    import httpx

__all__ = [
    "Adapter",
    "RawCatalog",
    "join_url",
    "request_json",
    "response_keys",
]

USER_AGENT = "sovbundle (+https://github.com/sovbundle/sovbundle)"


async def request_json(
    client: httpx.AsyncClient,
    provider: str,
    method: str,
    url: str,
    *,
    params: dict[str, str] | None = None,
    json_body: Any = None,
    missing_ok: bool = False,
) -> tuple[Any, httpx.Response]:
    """One request to a public endpoint; its parsed JSON body and the response.

    Raises ProviderError (exit 5) on a transport failure or an HTTP error status, and
    CatalogError (exit 6) when the body is not JSON. Retries, timeouts and size limits belong to
    the client the caller injects (see ``sovbundle.refresh.run``), not to each adapter.

    With ``missing_ok``, a 404 is an answer, not a failure: the body is ``None``. It is for
    endpoints whose API documents 404 as "nothing here" (Clever Cloud's per-zone price system).
    """
    import httpx

    try:
        response = await client.request(
            method, url, params=params, json=json_body, headers={"User-Agent": USER_AGENT}
        )
    except httpx.HTTPError as exc:
        from sovbundle.http_words import describe_failure

        raise ProviderError(provider, describe_failure(exc), url) from exc
    if missing_ok and response.status_code == 404:
        return None, response
    if response.status_code >= 400:
        raise ProviderError(
            provider, f"HTTP {response.status_code} {response.reason_phrase}", str(response.url)
        )
    try:
        return response.json(), response
    except ValueError as exc:
        raise CatalogError(
            provider, f"response is not valid JSON ({exc})", endpoint=str(response.url)
        ) from exc


@dataclass(frozen=True)
class RawCatalog:
    """Parsed response bodies of one provider's public endpoints, as fetched."""

    provider: str
    fetched_at: str
    """ISO datetime (UTC) of the fetch."""
    responses: dict[str, Any] = field(default_factory=dict)
    """Endpoint key (the path and query relative to the base URL) -> parsed JSON body."""
    base_url: str = ""
    recorded: dict[str, str] = field(default_factory=dict)
    """Endpoint key -> ISO date its body was recorded, where it differs from ``fetched_at``
    (the packaged snapshot is built from bodies recorded on different days)."""
    provenance: dict[str, str] = field(default_factory=dict)
    """Endpoint key -> where a recorded body was kept (repository, path, commit), if recorded."""

    def as_of(self, key: str) -> str:
        """The date of the body of ``key``: its own recording date, else the fetch time."""
        return self.recorded.get(key, self.fetched_at)


def join_url(base_url: str, path: str) -> str:
    """``path`` (and its query) under ``base_url``, keeping any query the base URL carries.

    Plain concatenation breaks a mirror URL with a query (``https://m.example/x?token=T``): the
    path would land inside the query string.
    """
    from urllib.parse import urlsplit, urlunsplit

    base, extra = urlsplit(base_url), urlsplit(path)
    joined = base.path.rstrip("/") + "/" + extra.path.lstrip("/")
    query = "&".join(part for part in (extra.query, base.query) if part)
    return urlunsplit((base.scheme, base.netloc, joined, query, ""))


def response_keys(raw: RawCatalog, path: str) -> list[str]:
    """The keys of ``raw.responses`` for the endpoint ``path``, whatever their query, sorted."""
    return sorted(key for key in raw.responses if key.split("?")[0].rstrip("/").endswith(path))


class Adapter(Protocol):
    """What ``sovbundle.adapters.<provider>`` modules provide."""

    PROVIDER_ID: str
    DEFAULT_BASE_URL: str

    @property
    def fetch(self) -> Callable[[httpx.AsyncClient, str], Awaitable[RawCatalog]]: ...

    @property
    def normalize(self) -> Callable[[RawCatalog, ProviderFacts], list[Offer]]: ...
