"""Which data a plan uses, per provider: the newest valid of the user cache and the snapshot.

The only module that chooses between cache and snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from sovbundle.catalog.cache import read_cached, read_meta
from sovbundle.catalog.files import LoadedCatalog, load_catalog_file, parse_timestamp, snapshot_dir
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
    that cannot be trusted is skipped with a warning in ``Catalog.warnings``; a packaged snapshot
    that cannot be read raises CatalogError. With ``now``, data older than ``MAX_AGE`` is warned
    about too (the caller passes the clock: this module never reads it).
    """
    if cache_dir is None:
        from sovbundle.config import load_config

        cache_dir = load_config().catalog_dir
    wanted = list(providers) if providers is not None else list(PROVIDER_IDS)
    folder = snapshot_dir()
    catalog = Catalog()
    for pid in wanted:
        chosen = _newest(pid, folder / f"{pid}.json", cache_dir, catalog.warnings)
        if chosen is None:
            catalog.warnings.append(
                f"{pid}: no catalog data (no packaged snapshot, no cache); "
                f"run `sovbundle catalog refresh {pid}`"
            )
        else:
            catalog.providers[pid] = chosen
    if now is not None:
        catalog.warnings.extend(staleness_warnings(catalog, now))
    return catalog


def _newest(pid: str, snapshot: Path, cache_dir: Path, warnings: list[str]) -> LoadedCatalog | None:
    """The newer of cache and snapshot (the cache on a tie: the user refreshed on purpose).

    Only the winner is parsed and validated: the dates come from the cache record and from a
    peek at the snapshot's canonical header, which keeps a plan's start-up fast.
    """
    has_snapshot = snapshot.is_file()
    try:
        meta = read_meta(cache_dir, pid)
    except CatalogError as exc:
        warnings.append(_ignored(exc, has_snapshot))
        meta = None
    if meta is not None:
        peeked = _peek_fetched_at(snapshot) if has_snapshot else None
        loaded_snapshot = None
        if has_snapshot and peeked is None:  # not in canonical form: read it to know its date
            loaded_snapshot = load_catalog_file(snapshot)
            peeked = loaded_snapshot.data.fetched_at
        if peeked is None or parse_timestamp(meta.fetched_at) >= parse_timestamp(peeked):
            try:
                return read_cached(cache_dir, pid, meta)
            except CatalogError as exc:
                warnings.append(_ignored(exc, has_snapshot))
        if loaded_snapshot is not None:
            return loaded_snapshot
    return load_catalog_file(snapshot) if has_snapshot else None


def _ignored(exc: CatalogError, has_snapshot: bool) -> str:
    fallback = "the packaged snapshot" if has_snapshot else "no data"
    return f"{exc.message}; ignored (using {fallback})"


_FETCHED_AT = b'\n "fetched_at": "'


def _peek_fetched_at(path: Path) -> str | None:
    """``fetched_at`` of a catalog file in canonical form (``dump_catalog``), without parsing.

    In that form it is the only key indented by exactly one space; ``None`` otherwise.
    """
    try:
        raw = path.read_bytes()
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
