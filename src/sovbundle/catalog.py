"""Load and save normalised catalogs, and query their offers (file I/O only, no network).

A provider's catalog is one JSON file (``ProviderCatalog``): the provider's curated facts, its
offers and where they came from. The packaged snapshot lives in ``providers/snapshot/`` (shipped
inside the wheel as ``sovbundle/_providers/snapshot/``); the user cache written by
``sovbundle catalog refresh`` has the same format.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from sovbundle.errors import CatalogError
from sovbundle.models import PROVIDER_IDS, Offer, Provider

__all__ = [
    "CATALOG_FORMAT_VERSION",
    "Catalog",
    "LoadedCatalog",
    "OfferQuery",
    "ProviderCatalog",
    "atomic_write_bytes",
    "load_catalog_file",
    "load_catalogs",
    "packaged_data_dir",
    "snapshot_dir",
]

CATALOG_FORMAT_VERSION = 1


class ProviderCatalog(BaseModel):
    """The file format of one provider's catalog (snapshot or cache)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: Literal[1] = 1
    provider: Provider
    fetched_at: str
    """When the API data was fetched (ISO datetime, UTC); curated offers carry their own as_of."""
    endpoints: tuple[str, ...] = ()
    """The API endpoints the offers were read from."""
    offers: tuple[Offer, ...]


@dataclass(frozen=True)
class LoadedCatalog:
    """A provider catalog as loaded for use, with where it came from."""

    data: ProviderCatalog
    origin: Literal["snapshot", "cache", "live"]
    path: Path | None
    sha256: str

    @property
    def provider(self) -> Provider:
        return self.data.provider


def packaged_data_dir() -> Path:
    """The ``providers/`` data folder: inside the installed wheel, or at the source tree's top."""
    here = Path(__file__).resolve().parent
    installed = here / "_providers"
    if installed.is_dir():
        return installed
    return here.parent.parent / "providers"


def snapshot_dir() -> Path:
    """Folder of the packaged catalog snapshot, one ``<provider>.json`` per provider."""
    return packaged_data_dir() / "snapshot"


def load_catalog_file(
    path: Path, origin: Literal["snapshot", "cache", "live"] = "snapshot"
) -> LoadedCatalog:
    """Read and validate one provider catalog file; raise CatalogError when it is unusable."""
    provider = path.stem
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CatalogError(provider, f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        data = ProviderCatalog.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CatalogError(
            provider,
            f"{path} is not a valid catalog file (format_version {CATALOG_FORMAT_VERSION} "
            f"expected): {first['msg']}",
            field=where or None,
        ) from exc
    return LoadedCatalog(data, origin, path, hashlib.sha256(raw).hexdigest())


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Write a file through a temporary file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates the file 0600; give it the mode a plain open() would (0666 - umask).
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dump_catalog(catalog: ProviderCatalog) -> bytes:
    """Canonical JSON bytes of a provider catalog (sorted offers, stable key order)."""
    ordered = catalog.model_copy(
        update={"offers": tuple(sorted(catalog.offers, key=Offer.sort_key))}
    )
    text = ordered.model_dump_json(indent=1, exclude_defaults=False)
    # Round-trip through json to sort keys: the bytes depend only on the content.
    return (
        json.dumps(json.loads(text), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    ).encode()


@dataclass(frozen=True)
class OfferQuery:
    """Filters of ``sovbundle services``; ``None`` means no filter."""

    provider: str | None = None
    kind: str | None = None
    region: str | None = None
    country: str | None = None
    certification: str | None = None
    min_vcpus: Decimal | None = None
    min_memory_gb: Decimal | None = None
    gpu: bool | None = None


@dataclass
class Catalog:
    """All providers' catalogs, as one queryable set of offers."""

    providers: dict[str, LoadedCatalog] = field(default_factory=dict)

    def provider_ids(self) -> list[str]:
        return [pid for pid in PROVIDER_IDS if pid in self.providers] + sorted(
            pid for pid in self.providers if pid not in PROVIDER_IDS
        )

    def provider(self, provider_id: str) -> Provider:
        return self.providers[provider_id].provider

    def offers(self) -> Iterator[Offer]:
        for pid in self.provider_ids():
            yield from self.providers[pid].data.offers

    def country_of(self, offer: Offer) -> str | None:
        region = self.providers[offer.provider].provider.region(offer.region)
        return region.country if region else None

    def query(self, query: OfferQuery) -> list[Offer]:
        """Offers matching every filter, cheapest monthly price first (unknown prices last)."""
        found = [offer for offer in self.offers() if _matches(self, offer, query)]
        return sorted(found, key=_price_order)

    @classmethod
    def from_loaded(cls, loaded: Iterable[LoadedCatalog]) -> Catalog:
        return cls({item.provider.id: item for item in loaded})


def _matches(catalog: Catalog, offer: Offer, query: OfferQuery) -> bool:
    if query.provider is not None and offer.provider != query.provider:
        return False
    if query.kind is not None and offer.kind != query.kind:
        return False
    if query.region is not None and offer.region != query.region:
        return False
    if query.country is not None and catalog.country_of(offer) != query.country.upper():
        return False
    if query.certification is not None and query.certification not in offer.certifications:
        return False
    specs = offer.specs
    vcpus = getattr(specs, "vcpus", None)
    memory = getattr(specs, "memory_gb", None)
    if query.min_vcpus is not None and (vcpus is None or vcpus < query.min_vcpus):
        return False
    if query.min_memory_gb is not None and (memory is None or memory < query.min_memory_gb):
        return False
    return query.gpu is None or (getattr(specs, "gpus", 0) > 0) == query.gpu


def _price_order(offer: Offer) -> tuple[int, Decimal, tuple[str, str, str, str]]:
    monthly = offer.monthly
    if monthly is None:
        return (1, Decimal(0), offer.sort_key())
    return (0, monthly, offer.sort_key())


def load_catalogs(providers: Iterable[str] | None = None) -> Catalog:
    """The catalogs a plan uses now: the packaged snapshot of each (or each named) provider."""
    wanted = list(providers) if providers is not None else list(PROVIDER_IDS)
    folder = snapshot_dir()
    loaded = [
        load_catalog_file(folder / f"{pid}.json")
        for pid in wanted
        if (folder / f"{pid}.json").is_file()
    ]
    return Catalog.from_loaded(loaded)
