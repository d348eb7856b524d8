"""Build the packaged catalog snapshot from recorded raw payloads and curated facts.

    python -m sovbundle.refresh.snapshot [--raw DIR] [--facts DIR] [--out DIR] [PROVIDER...]

For each provider, ``providers/raw/<id>/manifest.json`` names the recorded response bodies
(endpoint key -> file) and when they were fetched; the adapter's ``normalize`` (the same code a
live refresh runs) turns them into offers, the curated offers of ``providers/<id>.yaml`` are
added where the API has no offer of the same kind, sku and region, and the result is written as
``<out>/<id>.json`` in canonical form.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from sovbundle.adapters import get_adapter
from sovbundle.adapters.base import RawCatalog
from sovbundle.atomic import atomic_write_bytes
from sovbundle.catalog.facts import ProviderFacts, certifications_for, load_facts
from sovbundle.catalog.files import ProviderCatalog, dump_catalog
from sovbundle.errors import CatalogError, SovbundleError
from sovbundle.models import PROVIDER_IDS, Offer

__all__ = ["assemble", "build_snapshot", "load_raw"]


def load_raw(folder: Path, provider: str) -> RawCatalog:
    """Read recorded response bodies described by ``folder/manifest.json``."""
    manifest_path = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        responses = {
            key: json.loads((folder / name).read_text(encoding="utf-8"))
            for key, name in manifest["responses"].items()
        }
        return RawCatalog(provider, manifest["fetched_at"], responses, manifest.get("base_url", ""))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CatalogError(provider, f"cannot read recorded payloads in {folder}: {exc}") from exc


def assemble(
    facts: ProviderFacts, api_offers: Iterable[Offer], fetched_at: str, endpoints: Iterable[str]
) -> ProviderCatalog:
    """One provider catalog: API offers, curated offers the API lacks, certifications applied."""
    provider = facts.provider
    merged: dict[tuple[str, str, str], Offer] = {}
    for offer in [*facts.curated_offers, *api_offers]:  # API offers replace curated twins
        merged[(offer.kind, offer.sku, offer.region)] = offer
    offers = []
    for offer in merged.values():
        if provider.region(offer.region) is None:
            raise CatalogError(
                provider.id, f"offer {offer.sku} names unknown region {offer.region!r}"
            )
        certs = tuple(
            sorted({*offer.certifications, *certifications_for(provider, offer.region, offer.kind)})
        )
        # Copy only what changes: a refresh assembles thousands of offers.
        if certs != offer.certifications:
            offer = offer.model_copy(update={"certifications": certs})
        offers.append(offer)
    return ProviderCatalog(
        provider=provider,
        fetched_at=fetched_at,
        endpoints=tuple(sorted(endpoints)),
        offers=tuple(sorted(offers, key=Offer.sort_key)),
    )


def build_snapshot(
    raw_dir: Path, facts_dir: Path, out_dir: Path, providers: Iterable[str]
) -> list[Path]:
    """Normalise every provider's recorded payloads and write its snapshot file."""
    written = []
    for pid in providers:
        facts = load_facts(facts_dir / f"{pid}.yaml")
        raw_folder = raw_dir / pid
        if (raw_folder / "manifest.json").is_file():
            raw = load_raw(raw_folder, pid)
            api_offers = get_adapter(pid).normalize(raw, facts)
            fetched_at, endpoints = raw.fetched_at, [raw.base_url + k for k in raw.responses]
        else:  # no public API (Rapid.Space): the curated facts are the whole catalog
            api_offers, fetched_at, endpoints = [], facts.provider.source.as_of, []
        catalog = assemble(facts, api_offers, fetched_at, endpoints)
        path = out_dir / f"{pid}.json"
        atomic_write_bytes(path, dump_catalog(catalog))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sovbundle.refresh.snapshot", description=__doc__
    )
    parser.add_argument("--raw", type=Path, default=Path("providers/raw"))
    parser.add_argument("--facts", type=Path, default=Path("providers"))
    parser.add_argument("--out", type=Path, default=Path("providers/snapshot"))
    parser.add_argument("providers", nargs="*", default=list(PROVIDER_IDS))
    args = parser.parse_args(argv)
    try:
        for path in build_snapshot(args.raw, args.facts, args.out, args.providers):
            print(f"wrote {path}")
    except SovbundleError as exc:
        print("\n".join(exc.lines()), file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
