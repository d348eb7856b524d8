"""Read and write normalised catalog files: the one place that knows their format.

A provider's catalog (``ProviderCatalog``: the provider's curated facts, its offers and where
they came from) is one JSON file. The packaged snapshot lives in ``providers/snapshot/`` (shipped
inside the wheel as ``sovbundle/_providers/snapshot/``); the user cache written by
``sovbundle catalog refresh`` has the same format. ``dump_catalog`` writes it and
``parse_catalog`` reads it: nothing else knows the file format.

File format 3 (format 2 plus each offer's ``price_evidence`` and ``price_history``; files of
format 2 are refused with a message, and a cache of format 2 is ignored for the snapshot)
stores offers that are identical but for their region once, with the list of their
``regions`` (OVHcloud prices a flavor per price zone and sells it alike in a dozen regions); an
offer sold in one region is stored as it is. Each row is validated as an ``Offer``, then
expanded to one offer per region, validated again (cheaply: its parts are shared, already
validated instances). The files are a third of the size, load in about half the time, and give
the same offers in memory after the same checks.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from sovbundle.atomic import describe_os_error, read_regular
from sovbundle.errors import CatalogError, UsageError
from sovbundle.models import Offer, Provider

__all__ = [
    "CATALOG_FORMAT_VERSION",
    "MAX_CATALOG_BYTES",
    "SNAPSHOT_DIR_ENV",
    "LoadedCatalog",
    "ProviderCatalog",
    "checked_timestamp",
    "load_catalog_file",
    "packaged_data_dir",
    "parse_catalog",
    "parse_timestamp",
    "snapshot_dir",
]

CATALOG_FORMAT_VERSION = 3
"""Version of the catalog file format (snapshot and cache); other versions are refused."""

SNAPSHOT_DIR_ENV = "SOVBUNDLE_SNAPSHOT_DIR"

MAX_CATALOG_BYTES = 256 * 1024 * 1024
"""Largest catalog file read (the packaged ones are under 1 MiB); checked before reading."""


class ProviderCatalog(BaseModel):
    """One provider's catalog (snapshot or cache); its file form is ``dump_catalog``'s."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: Provider
    fetched_at: str
    """When the API data was fetched (ISO datetime, UTC); curated offers carry their own as_of."""
    endpoints: tuple[str, ...] = ()
    """The API endpoints the offers were read from."""
    offers: tuple[Offer, ...]
    """At most one offer per kind, sku and region."""

    @field_validator("fetched_at")
    @classmethod
    def _iso_time(cls, value: str) -> str:
        return checked_timestamp(value)

    @model_validator(mode="after")
    def _one_offer_per_key(self) -> ProviderCatalog:
        keys = {(o.kind, o.sku, o.region) for o in self.offers}
        if len(keys) != len(self.offers):
            seen: set[tuple[str, str, str]] = set()
            for o in self.offers:
                key = (o.kind, o.sku, o.region)
                if key in seen:
                    raise ValueError(f"two offers of {o.kind} {o.sku} @ {o.region}")
                seen.add(key)
        return self


class _OfferRow(Offer):
    """File form of offers identical but for their region: one row, every region listed."""

    region: Literal[""] = ""  # the regions are in ``regions``; a row never names one
    regions: tuple[str, ...] = Field(min_length=1)


# An offer sold in one region is stored as it is; tried first, it is validated once.
_Row = Annotated[Offer | _OfferRow, Field(union_mode="left_to_right")]


class _CatalogFile(BaseModel):
    """The JSON file of one provider's catalog, format 3."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: Literal[3]
    provider: Provider
    fetched_at: str
    endpoints: tuple[str, ...] = ()
    offers: tuple[_Row, ...]


_OFFER_FIELDS = tuple(name for name in Offer.model_fields if name != "region")
_OFFERS = TypeAdapter(list[Offer])


def parse_catalog(raw: bytes | str) -> ProviderCatalog:
    """A catalog from its file bytes; raise ValueError (or its ValidationError) when invalid.

    Each row is validated as an ``Offer`` (``_OfferRow`` inherits every field and check), then
    each of its regions' offers is validated as an ``Offer`` too: cheap, since its parts are
    validated model instances already, shared by the offers of a row.
    """
    try:
        stored = _CatalogFile.model_validate_json(raw)
    except ValidationError as exc:
        version = _version_error(exc)
        if version is not None:
            raise ValueError(version) from exc
        raise
    offers: list[Offer] = []
    expanded: list[dict[str, Any]] = []
    for row in stored.offers:
        if isinstance(row, _OfferRow):
            values = {name: getattr(row, name) for name in _OFFER_FIELDS}
            expanded.extend({**values, "region": region} for region in row.regions)
        else:
            offers.append(row)
    offers.extend(_OFFERS.validate_python(expanded))
    return ProviderCatalog(
        provider=stored.provider,
        fetched_at=stored.fetched_at,
        endpoints=stored.endpoints,
        offers=tuple(sorted(offers, key=Offer.sort_key)),
    )


def _version_error(exc: ValidationError) -> str | None:
    """A message for a file of another format version, rather than pydantic's list of errors."""
    for error in exc.errors():
        if error["loc"] == ("format_version",):
            found = error.get("input")
            what = f"format_version {found}" if isinstance(found, int) else "no format_version"
            return (
                f"catalog file of {what}; this sovbundle reads format_version "
                f"{CATALOG_FORMAT_VERSION} (refresh the cache or reinstall the snapshot)"
            )
    return None


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

    @property
    def fetched_at(self) -> datetime:
        """When the data was fetched, as an aware UTC datetime."""
        return parse_timestamp(self.data.fetched_at)

    def age(self, now: datetime) -> timedelta:
        """How old the data is at ``now`` (never negative)."""
        return max(now - self.fetched_at, timedelta(0))


def checked_timestamp(value: str) -> str:
    """``value`` unchanged if it is an ISO date or datetime, else ValueError (for validators)."""
    parse_timestamp(value)
    return value


def parse_timestamp(value: str) -> datetime:
    """An ISO date or datetime as an aware datetime; dates and naive times are taken as UTC."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def packaged_data_dir() -> Path:
    """The ``providers/`` data folder: inside the installed wheel, or at the source tree's top."""
    here = Path(__file__).resolve().parent.parent  # the sovbundle package folder
    installed = here / "_providers"
    if installed.is_dir():
        return installed
    return here.parent.parent / "providers"


def snapshot_dir() -> Path:
    """Folder of the packaged catalog snapshot, one ``<provider>.json`` per provider.

    ``$SOVBUNDLE_SNAPSHOT_DIR`` replaces it (tests, and packagers who ship the data apart); a
    value that is not a directory is a UsageError naming the variable.
    """
    override = os.environ.get(SNAPSHOT_DIR_ENV)
    if not override:
        return packaged_data_dir() / "snapshot"
    folder = Path(override).expanduser()
    if not folder.is_dir():
        what = "does not exist" if not os.path.lexists(folder) else "is not a directory"
        raise UsageError(f"{SNAPSHOT_DIR_ENV} names {folder}, which {what}")
    return folder


def load_catalog_file(
    path: Path, origin: Literal["snapshot", "cache", "live"] = "snapshot"
) -> LoadedCatalog:
    """Read and validate one provider catalog file; raise CatalogError when it is unusable."""
    provider = path.stem
    try:
        raw = read_regular(path, MAX_CATALOG_BYTES)
    except OSError as exc:
        raise CatalogError(provider, f"cannot read {path}: {describe_os_error(exc)}") from exc
    try:
        data = parse_catalog(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CatalogError(
            provider,
            f"{path} is not a valid catalog file (format_version {CATALOG_FORMAT_VERSION} "
            f"expected): {first['msg']}",
            field=where or None,
        ) from exc
    except ValueError as exc:
        raise CatalogError(provider, f"{path} is not usable: {exc}") from exc
    return LoadedCatalog(data, origin, path, hashlib.sha256(raw).hexdigest())


def dump_catalog(catalog: ProviderCatalog, *, indent: bool = True) -> bytes:
    """Canonical JSON bytes of a provider catalog in file format ``CATALOG_FORMAT_VERSION``.

    Offers equal but for their region become one row listing the regions; rows, regions and
    keys are sorted (no two offers share kind, sku and region, so neither do two rows' first
    regions), so the bytes depend only on the content. ``indent`` makes a file people review
    (the packaged snapshot); without it the JSON is compact and written by the C encoder, about
    ten times faster (the user cache).
    """
    regions: dict[Offer, list[str]] = {}
    for offer in catalog.offers:
        regions.setdefault(offer.model_copy(update={"region": ""}), []).append(offer.region)
    rows = []
    for template, names in regions.items():
        if len(names) == 1:
            row = template.model_copy(update={"region": names[0]}).model_dump(mode="json")
        else:
            row = template.model_dump(mode="json", exclude={"region"})
            row["regions"] = sorted(names)
        rows.append(row)
    rows.sort(key=lambda row: (row["kind"], row["sku"], row.get("regions") or [row["region"]]))
    data = {
        "format_version": CATALOG_FORMAT_VERSION,
        **catalog.model_dump(mode="json", exclude={"offers"}),
        "offers": rows,
    }
    if indent:
        text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)
    else:
        text = json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return (text + "\n").encode()
