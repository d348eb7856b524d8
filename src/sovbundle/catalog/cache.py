"""The user catalog cache: one file ``<cache>/catalogs/<id>.jsonl`` per provider.

Each file is the whole commit of one refresh of one provider, in two JSON lines:

1. the record (``CacheMeta``): the sha256 of line 2's bytes, when the data was fetched, from
   which endpoints (redacted) with which HTTP statuses, and by which sovbundle;
2. the catalog, in the compact form of ``dump_catalog``.

The file is written by ``atomic_write_bytes`` (temporary file, fsync, one rename): a crash at
any instant leaves the previous file or the new one, so a reader never sees a catalog with
another refresh's record. Writers hold an inter-process lock (``fcntl.flock`` on
``<cache>/catalogs/.lock``) so that two refreshes at once commit one after the other; readers
need no lock, since each commit is a single rename.

A file is read only if it is a regular file under ``MAX_CACHE_BYTES`` (``read_regular``); a
catalog whose record is missing, of another format, or whose hash does not match is not used,
nor one that fails the sanity checks (``sanity_problem``: negative or absurd prices, no
offers, a fetch time in the future). Whoever reads it falls back to the packaged snapshot.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from sovbundle.atomic import (
    FileRefused,
    atomic_write_bytes,
    describe_os_error,
    open_regular,
    read_regular,
)
from sovbundle.catalog.files import (
    LoadedCatalog,
    ProviderCatalog,
    checked_timestamp,
    dump_catalog,
    parse_catalog,
    parse_timestamp,
)
from sovbundle.errors import CatalogError, ProviderError
from sovbundle.models import PriceUnit

__all__ = [
    "ABSURD_MONTHLY_EUR",
    "CLOCK_SKEW",
    "LOCK_TIMEOUT",
    "MAX_CACHE_BYTES",
    "CacheMeta",
    "HttpStatus",
    "cache_lock",
    "cache_path",
    "read_cached",
    "read_meta",
    "sanity_problem",
    "write_cached",
]

MAX_CACHE_BYTES = 256 * 1024 * 1024
"""Largest cache file read (the packaged catalogs are under 1 MiB each)."""
_MAX_RECORD_BYTES = 1024 * 1024
"""Largest record line (a few hundred bytes in practice)."""
LOCK_TIMEOUT = 30.0
"""Seconds a writer waits for another sovbundle's cache lock before giving up."""
CLOCK_SKEW = timedelta(hours=1)
"""A fetch time later than now by more than this makes the cache unusable."""
ABSURD_MONTHLY_EUR = Decimal(1_000_000)
"""A unit price above this per month (or per GB, per request) is taken for corrupt data."""
_ABSURD_PER_USE = Decimal(1_000)
"""The same for prices per GB transferred or per request."""


class HttpStatus(BaseModel):
    """One HTTP exchange of a refresh: the (redacted) URL and the final status code."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str
    status: int


class CacheMeta(BaseModel):
    """The record of a cached catalog (line 1 of its file)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: Literal[3] = 3
    """Version of the cache file (3: record and catalog in one file); others are unusable."""
    provider: str
    fetched_at: str
    sha256: str
    """Of the catalog line's bytes (its newline included)."""
    sources: tuple[str, ...] = ()
    """The endpoints the offers were read from, credentials redacted."""
    http: tuple[HttpStatus, ...] = ()
    sovbundle_version: str

    @field_validator("fetched_at")
    @classmethod
    def _iso_time(cls, value: str) -> str:
        return checked_timestamp(value)


def cache_path(folder: Path, provider: str) -> Path:
    """The cache file of ``provider`` in the catalog cache ``folder``."""
    return folder / f"{provider}.jsonl"


def _legacy_paths(folder: Path, provider: str) -> tuple[Path, Path]:
    """The two files of the cache format 2 (sovbundle 0.x before the one-file commit)."""
    return folder / f"{provider}.json", folder / f"{provider}.meta.json"


def _parse_meta(provider: str, path: Path, line: bytes) -> CacheMeta:
    try:
        meta = CacheMeta.model_validate_json(line)
    except ValidationError as exc:
        raise CatalogError(
            provider, f"cache record in {path} is invalid or of another format version"
        ) from exc
    if meta.provider != provider:
        raise CatalogError(provider, f"cache file {path} describes another provider")
    return meta


def _read_first_line(path: Path) -> bytes:
    """Line 1 of a cache file, read without blocking on a special file and bounded."""
    fd = open_regular(path, MAX_CACHE_BYTES)
    try:
        chunks: list[bytes] = []
        size = 0
        while size <= _MAX_RECORD_BYTES:
            chunk = os.read(fd, 64 * 1024)
            if not chunk:
                break
            end = chunk.find(b"\n")
            if end >= 0:
                chunks.append(chunk[:end])
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
        raise FileRefused(errno.EINVAL, "its record line is missing or too long")
    finally:
        os.close(fd)


def read_meta(folder: Path, provider: str) -> CacheMeta | None:
    """The cache record of ``provider``; ``None`` when nothing is cached.

    Raises CatalogError when a cache file exists but its record is unusable, and when only a
    cache of the previous format (two files) is there.
    """
    path = cache_path(folder, provider)
    try:
        line = _read_first_line(path)
    except FileNotFoundError:
        if any(p.exists() for p in _legacy_paths(folder, provider)):
            raise CatalogError(
                provider,
                f"cache in {folder} was written by an older sovbundle (two files per provider); "
                f"run `sovbundle catalog refresh {provider}`",
            ) from None
        return None
    except OSError as exc:
        raise CatalogError(
            provider, f"cache file {path} unreadable: {describe_os_error(exc)}"
        ) from exc
    return _parse_meta(provider, path, line)


def read_cached(
    folder: Path,
    provider: str,
    meta: CacheMeta | None = None,
    *,
    now: datetime | None = None,
) -> LoadedCatalog | None:
    """The cached catalog of ``provider``, verified against its record; ``None`` when none.

    The record and the catalog come from one read of one file, so they always belong to the
    same commit (``meta``, if given, is not trusted for that: a refresh may have committed
    since). Raises CatalogError when a cache exists but cannot be trusted; the caller ignores
    it and warns (the cache is a convenience, the packaged snapshot the fallback).
    """
    path = cache_path(folder, provider)
    try:
        raw = read_regular(path, MAX_CACHE_BYTES)
    except FileNotFoundError:
        if meta is None and read_meta(folder, provider) is None:
            return None
        raise CatalogError(provider, f"cache file {path} disappeared while being read") from None
    except OSError as exc:
        raise CatalogError(
            provider, f"cache file {path} unreadable: {describe_os_error(exc)}"
        ) from exc
    end = raw.find(b"\n")
    if end < 0:
        raise CatalogError(provider, f"cache file {path} is truncated (no catalog line)")
    record = _parse_meta(provider, path, raw[:end])
    payload = raw[end + 1 :]
    digest = hashlib.sha256(payload).hexdigest()
    if digest != record.sha256:
        raise CatalogError(provider, f"cached catalog in {path} does not match its record (sha256)")
    try:
        data = parse_catalog(payload)
    except ValueError as exc:  # a ValidationError is a ValueError
        raise CatalogError(provider, f"cached catalog in {path} is not a valid catalog") from exc
    if data.provider.id != provider:
        raise CatalogError(provider, f"cached catalog in {path} describes another provider")
    problem = sanity_problem(data, now or datetime.now(UTC))
    if problem is not None:
        raise CatalogError(provider, f"cached catalog in {path} is not credible: {problem}")
    return LoadedCatalog(data, "cache", path, digest)


def sanity_problem(catalog: ProviderCatalog, now: datetime) -> str | None:
    """Why ``catalog`` cannot be real data (first reason found), or ``None``.

    No offers; a negative price; a unit price above ``ABSURD_MONTHLY_EUR`` a month (or above
    1,000 EUR per GB transferred or per request); a fetch time after ``now + CLOCK_SKEW``.
    NaN and infinite prices never get this far: the catalog parser refuses them.
    """
    if not catalog.offers:
        return "it has no offers"
    fetched = parse_timestamp(catalog.fetched_at)
    if fetched > now + CLOCK_SKEW:
        return f"fetched_at {catalog.fetched_at} is in the future"
    for offer in catalog.offers:
        amount = offer.price.amount
        if amount is None:
            continue
        label = f"{offer.kind} {offer.sku} @ {offer.region}"
        monthly = offer.monthly
        if amount < 0 or (monthly is not None and monthly < 0):
            return f"{label} has a negative price ({amount} EUR/{offer.price.unit})"
        if monthly is not None and monthly > ABSURD_MONTHLY_EUR:
            return f"{label} costs {monthly} EUR a month, beyond any real offer"
        if offer.price.unit in (PriceUnit.GB, PriceUnit.REQUEST) and amount > _ABSURD_PER_USE:
            return f"{label} costs {amount} EUR/{offer.price.unit}, beyond any real offer"
    return None


@contextmanager
def cache_lock(folder: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the cache's inter-process write lock (``flock`` on ``folder/.lock``).

    Waits up to ``timeout`` seconds for another process (or another open of the lock in this
    one) to release it, then raises CatalogError. The lock goes with the process: a writer
    killed while holding it releases it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    lock_file = folder / ".lock"
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise CatalogError(
                        "cache",
                        f"{lock_file} is held by another sovbundle for more than {timeout:g}s",
                    ) from None
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def write_cached(
    folder: Path,
    catalog: ProviderCatalog,
    *,
    sources: tuple[str, ...],
    http: tuple[HttpStatus, ...],
    sovbundle_version: str,
    lock_timeout: float = LOCK_TIMEOUT,
) -> LoadedCatalog:
    """Commit a catalog and its record as one file, under the cache lock; return it as loaded.

    Raises ProviderError (exit 5) naming the cause and the path when the file cannot be
    written (``disk full writing the cache at PATH``); the previous file is then untouched.
    """
    provider = catalog.provider.id
    path = cache_path(folder, provider)
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
    record = json.dumps(meta.model_dump(mode="json"), separators=(",", ":"), sort_keys=True)
    try:
        with cache_lock(folder, lock_timeout):
            atomic_write_bytes(path, record.encode() + b"\n" + payload)
            for legacy in _legacy_paths(folder, provider):
                legacy.unlink(missing_ok=True)
    except OSError as exc:
        raise ProviderError(
            provider, f"{describe_os_error(exc)} writing the cache at {path}"
        ) from exc
    return LoadedCatalog(catalog, "cache", path, digest)
