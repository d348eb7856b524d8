"""Synthetic providers, offers, snapshot files and fake adapters for catalog and refresh tests.

The fake adapter speaks a tiny API: ``GET {base_url}/products`` returns
``{"products": [{"sku", "region", "vcpus", "memory_gb", "hourly"}]}``; anything else is a
payload of the wrong shape and ``normalize`` raises CatalogError, as real adapters must.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from sovbundle.adapters.base import RawCatalog, request_json
from sovbundle.catalog.facts import ProviderFacts
from sovbundle.catalog.files import ProviderCatalog, dump_catalog
from sovbundle.errors import CatalogError
from sovbundle.models import (
    Certification,
    Offer,
    Price,
    PriceQuality,
    PriceUnit,
    Provider,
    Region,
    Source,
    VmSpecs,
)

AS_OF = "2026-10-01"


def source(kind: str = "curated", url: str = "https://example.org/facts") -> Source:
    return Source(kind=kind, url=url, as_of=AS_OF)  # type: ignore[arg-type]


def make_provider(pid: str) -> Provider:
    return Provider(
        id=pid,
        name=pid.title(),
        legal_entity=f"{pid.title()} SAS",
        hq_country="FR",
        eu_jurisdiction=True,
        source=source(),
        certifications=(
            Certification(
                id="hds", scope="IaaS in r1", regions=("r1",), kinds=("vm",), source=source()
            ),
            Certification(id="iso27001", scope="whole company", source=source()),
        ),
        regions=(
            Region(
                provider=pid, id="r1", country="FR", city="Paris", operator=pid, source=source()
            ),
            Region(
                provider=pid, id="r2", country="DE", city="Frankfurt", operator=pid, source=source()
            ),
        ),
        gaps=("no object storage data",),
    )


def make_offer(
    pid: str,
    sku: str,
    region: str = "r1",
    hourly: str | None = "0.01",
    *,
    kind_of_source: str = "api",
    vcpus: int = 2,
    memory_gb: int = 4,
    gpus: int = 0,
    certifications: tuple[str, ...] = (),
) -> Offer:
    price = (
        Price(amount=Decimal(hourly), unit=PriceUnit.HOUR)
        if hourly is not None
        else Price(
            amount=None,
            unit=PriceUnit.HOUR,
            quality=PriceQuality.UNKNOWN,
            note="no public price",
        )
    )
    return Offer(
        provider=pid,
        kind="vm",
        sku=sku,
        region=region,
        specs=VmSpecs(vcpus=vcpus, memory_gb=Decimal(memory_gb), gpus=gpus),
        price=price,
        certifications=certifications,
        source=source(kind_of_source, f"https://api.{pid}.example/products"),
    )


def write_catalog(
    folder: Path, pid: str, offers: list[Offer], fetched_at: str = "2026-10-01T00:00:00+00:00"
) -> Path:
    """Write a snapshot-format catalog file ``folder/<pid>.json``; return its path."""
    catalog = ProviderCatalog(
        provider=make_provider(pid),
        fetched_at=fetched_at,
        endpoints=(f"https://api.{pid}.example/products",),
        offers=tuple(offers),
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{pid}.json"
    path.write_bytes(dump_catalog(catalog))
    return path


def default_offers(pid: str) -> list[Offer]:
    """Two API offers and one curated offer with an unknown price."""
    return [
        make_offer(pid, "small", "r1", "0.01"),
        make_offer(pid, "big", "r2", "0.10", vcpus=8, memory_gb=32, gpus=1),
        make_offer(pid, "special", "r1", None, kind_of_source="curated"),
    ]


def products(*rows: tuple[str, str, str], vcpus: int = 2) -> dict[str, Any]:
    """The fake API's payload: (sku, region, hourly) rows."""
    return {
        "products": [
            {"sku": sku, "region": region, "vcpus": vcpus, "memory_gb": 4, "hourly": hourly}
            for sku, region, hourly in rows
        ]
    }


@dataclass
class FakeAdapter:
    """An adapter module stand-in for provider ``PROVIDER_ID``."""

    PROVIDER_ID: str
    DEFAULT_BASE_URL: str = "https://api.invalid"
    paths: tuple[str, ...] = ("/products",)
    calls: list[str] = field(default_factory=list)

    async def fetch(self, client: httpx.AsyncClient, base_url: str) -> RawCatalog:
        responses: dict[str, Any] = {}
        base = httpx.URL(base_url)
        for path in self.paths:
            # Keep the base URL's query (a mirror token) as a real adapter would.
            url = base.copy_with(path=base.path.rstrip("/") + path)
            self.calls.append(path)
            body, _ = await request_json(client, self.PROVIDER_ID, "GET", str(url))
            responses[path] = body
        return RawCatalog(self.PROVIDER_ID, "2026-11-20T12:00:00+00:00", responses, base_url)

    def normalize(self, raw: RawCatalog, facts: ProviderFacts) -> list[Offer]:
        pid = self.PROVIDER_ID
        offers = []
        for key, body in raw.responses.items():
            rows = body.get("products") if isinstance(body, dict) else None
            if not isinstance(rows, list):
                raise CatalogError(pid, "expected a products list", endpoint=key, field="products")
            for row in rows:
                try:
                    offers.append(
                        Offer(
                            provider=pid,
                            kind="vm",
                            sku=row["sku"],
                            region=row["region"],
                            specs=VmSpecs(vcpus=row["vcpus"], memory_gb=row["memory_gb"]),
                            price=Price(amount=Decimal(row["hourly"]), unit=PriceUnit.HOUR),
                            source=Source(kind="api", url=raw.base_url + key, as_of=raw.fetched_at),
                        )
                    )
                except (KeyError, TypeError, ValueError) as exc:
                    raise CatalogError(pid, f"bad product row: {exc}", endpoint=key) from exc
        return offers


@dataclass
class StaticAdapter:
    """An adapter with no API (Rapid.Space): fetches nothing."""

    PROVIDER_ID: str
    DEFAULT_BASE_URL: str = ""

    async def fetch(self, client: httpx.AsyncClient, base_url: str) -> RawCatalog:
        return RawCatalog(self.PROVIDER_ID, "", {}, base_url)

    def normalize(self, raw: RawCatalog, facts: ProviderFacts) -> list[Offer]:
        return []


def cache_record(path: Path) -> dict[str, Any]:
    """The record (line 1) of a cache file ``<cache>/catalogs/<id>.jsonl``."""
    import json

    return dict(json.loads(path.read_bytes().split(b"\n", 1)[0]))


def cache_payload(path: Path) -> bytes:
    """The catalog line (line 2) of a cache file, as written."""
    return path.read_bytes().split(b"\n", 1)[1]


def write_cache_file(path: Path, record: dict[str, Any], payload: bytes) -> None:
    """A cache file from its two parts (for tests that damage one of them)."""
    import json

    path.write_bytes(json.dumps(record, separators=(",", ":")).encode() + b"\n" + payload)
