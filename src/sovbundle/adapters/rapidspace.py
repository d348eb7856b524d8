"""Rapid.Space adapter: no public catalog API, so the catalog is the curated, dated facts file.

Rapid.Space publishes no listing or pricing endpoint (its SlapOS master needs X509 user
certificates and only orders). ``fetch`` therefore makes no request and returns an empty
``RawCatalog``: a refresh of every provider succeeds and keeps this static catalog, rather than
failing the run over an API that does not exist. ``normalize`` returns the curated offers of
``providers/rapidspace.yaml`` unchanged, each with its curated source and date; the only price
(a 2018 reference) is marked ``stale`` with its reason.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sovbundle.adapters.base import RawCatalog
from sovbundle.catalog.facts import ProviderFacts
from sovbundle.errors import CatalogError
from sovbundle.models import Offer

if TYPE_CHECKING:
    import httpx

__all__ = ["DEFAULT_BASE_URL", "PROVIDER_ID", "fetch", "normalize"]

PROVIDER_ID = "rapidspace"
DEFAULT_BASE_URL = "https://rapid.space"
"""Rapid.Space's website: there is no API under it to call."""


async def fetch(client: httpx.AsyncClient, base_url: str = DEFAULT_BASE_URL) -> RawCatalog:
    """No request: an empty raw catalog, dated now, so the static catalog is kept as it is."""
    del client  # part of the adapter contract; nothing to fetch
    fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
    return RawCatalog(PROVIDER_ID, fetched_at, {}, base_url)


def normalize(raw: RawCatalog, facts: ProviderFacts) -> list[Offer]:
    """The curated static catalog; a raw catalog with responses is a mistake, not data."""
    if raw.responses:
        first = sorted(raw.responses)[0]
        message = "Rapid.Space has no catalog API: no response can be normalised"
        raise CatalogError(PROVIDER_ID, message, endpoint=first)
    for offer in facts.curated_offers:
        if offer.source.kind != "curated" or offer.provider != PROVIDER_ID:
            raise CatalogError(
                PROVIDER_ID, f"offer {offer.sku} is not a curated Rapid.Space offer", field="source"
            )
    return list(facts.curated_offers)
