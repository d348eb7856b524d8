"""The user catalog cache: ``<cache>/catalogs/<id>.json`` and its ``<id>.meta.json`` record.

The meta file is written after the catalog and vouches for it: the sha256 of the catalog bytes,
when the data was fetched, from which endpoints (redacted) with which HTTP statuses, and by which
sovbundle. A catalog whose meta is missing, of another format or whose hash does not match (a
truncated write, a hand edit, a crash between the two renames) is not used.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from sovbundle.atomic import atomic_write_bytes
from sovbundle.catalog.files import (
    LoadedCatalog,
    ProviderCatalog,
    checked_timestamp,
    dump_catalog,
    parse_catalog,
)
from sovbundle.errors import CatalogError

__all__ = [
    "CacheMeta",
    "HttpStatus",
    "catalog_path",
    "meta_path",
    "read_cached",
    "read_meta",
    "write_cached",
]


class HttpStatus(BaseModel):
    """One HTTP exchange of a refresh: the (redacted) URL and the final status code."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str
    status: int


class CacheMeta(BaseModel):
    """The record written beside a cached catalog."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: Literal[3] = 3
    """Equal to ``CATALOG_FORMAT_VERSION``; any other value makes the cache unusable."""
    provider: str
    fetched_at: str
    sha256: str
    """Of the catalog file's bytes."""
    sources: tuple[str, ...] = ()
    """The endpoints the offers were read from, credentials redacted."""
    http: tuple[HttpStatus, ...] = ()
    sovbundle_version: str

    @field_validator("fetched_at")
    @classmethod
    def _iso_time(cls, value: str) -> str:
        return checked_timestamp(value)


def catalog_path(folder: Path, provider: str) -> Path:
    return folder / f"{provider}.json"


def meta_path(folder: Path, provider: str) -> Path:
    return folder / f"{provider}.meta.json"


def read_meta(folder: Path, provider: str) -> CacheMeta | None:
    """The cache record of ``provider``; ``None`` when nothing is cached.

    Raises CatalogError when a cache exists but its record is missing or unreadable.
    """
    path, meta_file = catalog_path(folder, provider), meta_path(folder, provider)
    if not path.exists() and not meta_file.exists():
        return None
    try:
        return CacheMeta.model_validate_json(meta_file.read_bytes())
    except OSError as exc:
        raise CatalogError(provider, f"cache record {meta_file} unreadable: {exc}") from exc
    except ValidationError as exc:
        raise CatalogError(
            provider, f"cache record {meta_file} is invalid or of another format version"
        ) from exc


def read_cached(folder: Path, provider: str, meta: CacheMeta | None = None) -> LoadedCatalog | None:
    """The cached catalog of ``provider``, verified against its record; ``None`` when none.

    Raises CatalogError when a cache exists but cannot be trusted; the caller ignores it and
    warns (the cache is a convenience, the packaged snapshot the fallback).
    """
    meta = meta or read_meta(folder, provider)
    if meta is None:
        return None
    path = catalog_path(folder, provider)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CatalogError(provider, f"cached catalog {path} unreadable: {exc}") from exc
    digest = hashlib.sha256(raw).hexdigest()
    if digest != meta.sha256:
        raise CatalogError(provider, f"cached catalog {path} does not match its record (sha256)")
    try:
        data = parse_catalog(raw)
    except ValueError as exc:  # a ValidationError is a ValueError
        raise CatalogError(provider, f"cached catalog {path} is not a valid catalog") from exc
    if data.provider.id != provider or meta.provider != provider:
        raise CatalogError(provider, f"cached catalog {path} describes another provider")
    return LoadedCatalog(data, "cache", path, digest)


def write_cached(
    folder: Path,
    catalog: ProviderCatalog,
    *,
    sources: tuple[str, ...],
    http: tuple[HttpStatus, ...],
    sovbundle_version: str,
) -> LoadedCatalog:
    """Write a catalog and then its record, each atomically; return it as loaded from cache.

    If writing the record fails, the previous catalog bytes are put back so that the old pair
    stays consistent; a crash between the two renames leaves a pair that ``read_cached`` rejects.
    """
    provider = catalog.provider.id
    path, meta_file = catalog_path(folder, provider), meta_path(folder, provider)
    payload = dump_catalog(catalog, indent=False)
    digest = hashlib.sha256(payload).hexdigest()
    meta = CacheMeta(
        provider=provider,
        fetched_at=catalog.fetched_at,
        sha256=digest,
        sources=sources,
        http=http,
        sovbundle_version=sovbundle_version,
    )
    meta_json = json.dumps(meta.model_dump(mode="json"), indent=1, sort_keys=True)
    meta_bytes = (meta_json + "\n").encode()
    previous = path.read_bytes() if path.is_file() else None
    atomic_write_bytes(path, payload)
    try:
        atomic_write_bytes(meta_file, meta_bytes)
    except BaseException:
        if previous is not None:
            atomic_write_bytes(path, previous)
        else:
            path.unlink(missing_ok=True)
        raise
    return LoadedCatalog(catalog, "cache", path, digest)
