"""Which data a plan uses, per provider: the newest valid of the user cache and the snapshot.

The only module that chooses between cache and snapshot.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from sovbundle.atomic import read_regular
from sovbundle.catalog.cache import read_cached, read_meta
from sovbundle.catalog.files import (
    MAX_CATALOG_BYTES,
    LoadedCatalog,
    load_catalog_file,
    parse_timestamp,
    snapshot_dir,
)
from sovbundle.catalog.query import Catalog, staleness_warnings
from sovbundle.errors import CatalogError
from sovbundle.models import PROVIDER_IDS

__all__ = ["load_catalogs"]


def load_catalogs(
    providers: Iterable[str] | None = None,
    *,
    cache_dir: Path | None = None,
    now: datetime | None = None,
) -> Catalog:
    """The catalogs a plan uses now: per provider, the newest valid data of cache and snapshot.

    ``cache_dir`` is the folder of cached catalogs (default: the configured user cache). A cache
    that cannot be trusted, and a snapshot file that cannot be read, are skipped with a warning
    in ``Catalog.warnings`` naming the file. With ``now``, data older than ``MAX_AGE`` is warned
    about too, and a cache is judged against it (without it, the cache's sanity check reads
    the clock).
    """
    if cache_dir is None:
        from sovbundle.config import load_config

        cache_dir = load_config().catalog_dir
    wanted = list(providers) if providers is not None else list(PROVIDER_IDS)
    folder = snapshot_dir()
    catalog = Catalog()
    for pid in wanted:
        snapshot = folder / f"{pid}.json"
        chosen = _newest(pid, snapshot, cache_dir, catalog.warnings, now)
        if chosen is not None:
            catalog.providers[pid] = chosen
        elif not os.path.lexists(snapshot):  # else the unusable snapshot has been named
            catalog.warnings.append(
                f"{pid}: no catalog data (no packaged snapshot, no cache); "
                f"run `sovbundle catalog refresh {pid}`"
            )
    if now is not None:
        catalog.warnings.extend(staleness_warnings(catalog, now))
    return catalog


def _newest(
    pid: str, snapshot: Path, cache_dir: Path, warnings: list[str], now: datetime | None
) -> LoadedCatalog | None:
    """The newer of cache and snapshot (the cache on a tie: the user refreshed on purpose).

    Only the winner is parsed and validated: the dates come from the cache record and from a
    peek at the snapshot's canonical header, which keeps a plan's start-up fast. A snapshot
    file that cannot be used is named in a warning and the provider left out (or served from
    its cache): one broken file must not stop the other providers.
    """
    has_snapshot = os.path.lexists(snapshot)
    try:
        meta = read_meta(cache_dir, pid)
    except CatalogError as exc:
        warnings.append(_ignored(exc, has_snapshot))
        meta = None
    if meta is not None:
        peeked = _peek_fetched_at(snapshot) if has_snapshot else None
        loaded_snapshot = None
        if has_snapshot and peeked is None:  # not in canonical form: read it to know its date
            loaded_snapshot = _snapshot_or_warn(snapshot, warnings)
            has_snapshot = loaded_snapshot is not None
            peeked = loaded_snapshot.data.fetched_at if loaded_snapshot else None
        if peeked is None or parse_timestamp(meta.fetched_at) >= parse_timestamp(peeked):
            try:
                return read_cached(cache_dir, pid, meta, now=now)
            except CatalogError as exc:
                warnings.append(_ignored(exc, has_snapshot))
        if loaded_snapshot is not None:
            return loaded_snapshot
    return _snapshot_or_warn(snapshot, warnings) if has_snapshot else None


def _snapshot_or_warn(path: Path, warnings: list[str]) -> LoadedCatalog | None:
    try:
        return load_catalog_file(path)
    except CatalogError as exc:
        warnings.append(f"{exc.message}; {exc.provider} left out")
        return None


def _ignored(exc: CatalogError, has_snapshot: bool) -> str:
    fallback = "the packaged snapshot" if has_snapshot else "no data"
    return f"{exc.message}; ignored (using {fallback})"


_FETCHED_AT = b'\n "fetched_at": "'


def _peek_fetched_at(path: Path) -> str | None:
    """``fetched_at`` of a catalog file in canonical form (``dump_catalog``), without parsing.

    In that form it is the only key indented by exactly one space; ``None`` otherwise.
    """
    try:
        raw = read_regular(path, MAX_CATALOG_BYTES)
    except OSError:
        return None
    start = raw.find(_FETCHED_AT)
    if start < 0:
        return None
    start += len(_FETCHED_AT)
    end = raw.find(b'"', start)
    try:
        value = raw[start:end].decode()
        parse_timestamp(value)
    except ValueError:
        return None
    return value
