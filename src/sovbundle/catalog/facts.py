"""Read a provider's curated facts file (``providers/<id>.yaml``): who it is, regions, offers.

The file is the YAML form of ``ProviderFacts``: a ``provider`` mapping (the ``Provider`` model)
and ``curated_offers`` (``Offer`` models for what no public API prices), every fact with its
``source`` and ``as_of``. Only the snapshot build reads these files; a plan reads the snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from sovbundle.errors import CatalogError
from sovbundle.models import Certification, Offer, Provider

__all__ = ["ProviderFacts", "certifications_for", "covers", "load_facts"]


class _FactsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: Provider
    curated_offers: tuple[Offer, ...] = ()


def load_facts(path: Path) -> ProviderFacts:
    """Load and validate one provider facts file; raise CatalogError naming the bad field."""
    provider = path.stem
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(provider, f"cannot read facts file {path}: {exc}") from exc
    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # C loader when available
    try:
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise CatalogError(provider, f"facts file {path} is not valid YAML: {exc}") from exc
    try:
        parsed = _FactsFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CatalogError(
            provider,
            f"facts file {path}: {first['msg']}",
            field=".".join(str(p) for p in first["loc"]),
        ) from exc
    if parsed.provider.id != provider:
        raise CatalogError(provider, f"facts file {path} describes {parsed.provider.id!r}")
    return ProviderFacts(parsed.provider, parsed.curated_offers)


def certifications_for(provider: Provider, region: str, kind: str) -> tuple[str, ...]:
    """Certification ids ``kind`` offers in ``region`` carry: the provider's ``qualified``,
    ``confirmed`` claims whose scope covers them (validity dates are judged at plan time).
    An ``in_progress``, ``none`` or unconfirmed claim is never carried."""
    found = {
        cert.id
        for cert in provider.certifications
        if cert.status == "qualified" and cert.confirmed and covers(cert, region, kind)
    }
    return tuple(sorted(found))


def covers(cert: Certification, region: str, kind: str) -> bool:
    """Whether a claim's stated scope (``regions``, ``kinds``) includes ``kind`` in ``region``."""
    if cert.regions is not None and region not in cert.regions:
        return False
    return cert.kinds is None or kind in cert.kinds


@dataclass(frozen=True)
class ProviderFacts:
    """The curated facts of one provider: who it is, its regions, and offers no API gives."""

    provider: Provider
    curated_offers: tuple[Offer, ...] = ()
