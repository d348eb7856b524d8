"""The catalogs on this machine, found by sha256: what ``diff`` reads to say why a plan moved.

A plan records the sha256 of each catalog file it was made from. The packaged snapshot and the
user cache hold at most one version each per provider; a plan's own catalog is found when one
of them (or a catalog the caller passes, such as the one ``plan --compare-to`` just used) has
that sha256. Only the file whose sha256 matches is parsed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from sovbundle.catalog.files import LoadedCatalog, ProviderCatalog, parse_catalog, snapshot_dir
from sovbundle.catalog.select import load_catalogs
from sovbundle.errors import CatalogError

__all__ = ["LocalCatalogs"]


class LocalCatalogs:
    """A ``planning.diff.CatalogStore`` over the packaged snapshot, the user cache and ``extra``."""

    def __init__(self, cache_dir: Path, extra: Iterable[LoadedCatalog] = ()) -> None:
        self.cache_dir = cache_dir
        self._known: dict[tuple[str, str], ProviderCatalog] = {
            (loaded.provider.id, loaded.sha256): loaded.data for loaded in extra
        }
        self._current: dict[str, ProviderCatalog | None] = {}

    def by_sha256(self, provider: str, sha256: str) -> ProviderCatalog | None:
        key = (provider, sha256)
        if key not in self._known:
            found = self._snapshot(provider, sha256) or self._cached(provider, sha256)
            if found is None:
                return None
            self._known[key] = found
        return self._known[key]

    def current(self, provider: str) -> ProviderCatalog | None:
        if provider not in self._current:
            try:
                loaded = load_catalogs([provider], cache_dir=self.cache_dir)
            except CatalogError:
                loaded = None
            chosen = loaded.providers.get(provider) if loaded is not None else None
            self._current[provider] = chosen.data if chosen is not None else None
        return self._current[provider]

    def _snapshot(self, provider: str, sha256: str) -> ProviderCatalog | None:
        path = snapshot_dir() / f"{provider}.json"
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        if hashlib.sha256(raw).hexdigest() != sha256:
            return None
        try:
            return parse_catalog(raw)
        except ValueError:
            return None

    def _cached(self, provider: str, sha256: str) -> ProviderCatalog | None:
        from sovbundle.catalog.cache import read_cached, read_meta

        try:
            meta = read_meta(self.cache_dir, provider)
            if meta is None or meta.sha256 != sha256:
                return None
            loaded = read_cached(self.cache_dir, provider, meta)
        except CatalogError:
            return None
        return loaded.data if loaded is not None else None
