"""Run an adapter's ``fetch`` against an ``httpx.MockTransport`` handler, no network."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

from sovbundle.adapters.base import RawCatalog


def fetch_with(
    adapter: Any, handler: Callable[[httpx.Request], httpx.Response], base_url: str | None = None
) -> RawCatalog:
    """``adapter.fetch`` through a client whose every request ``handler`` answers; without
    ``base_url``, the adapter's own default."""

    async def run() -> RawCatalog:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            args = () if base_url is None else (base_url,)
            raw: RawCatalog = await adapter.fetch(client, *args)
            return raw

    return asyncio.run(run())
