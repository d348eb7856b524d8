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

from sovbundle.models import Offer, Provider

if TYPE_CHECKING:
    import httpx

__all__ = ["Adapter", "ProviderFacts", "RawCatalog"]


@dataclass(frozen=True)
class RawCatalog:
    """Parsed response bodies of one provider's public endpoints, as fetched."""

    provider: str
    fetched_at: str
    """ISO datetime (UTC) of the fetch."""
    responses: dict[str, Any] = field(default_factory=dict)
    """Endpoint key (the path and query relative to the base URL) -> parsed JSON body."""
    base_url: str = ""


@dataclass(frozen=True)
class ProviderFacts:
    """The curated facts of one provider: who it is, its regions, and offers no API gives."""

    provider: Provider
    curated_offers: tuple[Offer, ...] = ()


class Adapter(Protocol):
    """What ``sovbundle.adapters.<provider>`` modules provide."""

    PROVIDER_ID: str
    DEFAULT_BASE_URL: str

    @property
    def fetch(self) -> Callable[[httpx.AsyncClient, str], Awaitable[RawCatalog]]: ...

    @property
    def normalize(self) -> Callable[[RawCatalog, ProviderFacts], list[Offer]]: ...
