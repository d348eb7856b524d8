"""Build the packaged catalog snapshot from recorded raw payloads and curated facts, or check it.

    python -m sovbundle.refresh.snapshot [--raw DIR] [--facts DIR] [--out DIR] [PROVIDER...]
    python -m sovbundle.refresh.snapshot --check [--out DIR] [PROVIDER...]

``--check`` reads the snapshot files and asserts the invariants of ``check_catalog``; it exits 6
naming every violation (0 when there is none).

For each provider, ``providers/raw/<id>/manifest.json`` names the recorded response bodies
(endpoint key -> file) and when they were fetched; the adapter's ``normalize`` (the same code a
live refresh runs) turns them into offers, the curated offers of ``providers/<id>.yaml`` are
added where the API has no offer of the same kind, sku and region, and the result is written as
``<out>/<id>.json`` in canonical form.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sovbundle.adapters import get_adapter
from sovbundle.adapters.base import RawCatalog, join_url
from sovbundle.atomic import atomic_write_bytes
from sovbundle.catalog.facts import ProviderFacts, certifications_for, load_facts
from sovbundle.catalog.files import (
    ProviderCatalog,
    checked_timestamp,
    dump_catalog,
    load_catalog_file,
    parse_timestamp,
)
from sovbundle.errors import CatalogError, SovbundleError
from sovbundle.models import (
    HOURS_PER_MONTH,
    PROVIDER_IDS,
    Evidence,
    EvidenceClass,
    Offer,
    PriceUnit,
    evidence_date,
)

__all__ = ["assemble", "build_snapshot", "check_catalog", "check_snapshot", "load_raw"]

MONTHLY_ROUNDING = Decimal("0.01")
"""How far a published monthly price may exceed hourly x 730: a cent, plus 730 times the
rounding of the hourly price itself (half a unit of its last decimal: 0.3511 may be 0.35114)."""


def load_raw(folder: Path, provider: str) -> RawCatalog:
    """Read recorded response bodies described by ``folder/manifest.json``.

    Each ``responses`` entry maps an endpoint key to ``{"file", "recorded", "from"}``: the
    body's file, the ISO date it was recorded (its response ``Date`` header, or the archiving
    commit's date; ``null`` for an undated body that carries no price) and where it was kept
    (repository, path, commit). The manifest's ``fetched_at`` is the newest of those dates;
    every offer carries its own body's date.
    """
    manifest_path = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        responses, recorded, provenance = {}, {}, {}
        for key, entry in manifest["responses"].items():
            responses[key] = json.loads((folder / entry["file"]).read_text(encoding="utf-8"))
            if entry["recorded"] is not None:
                recorded[key] = checked_timestamp(entry["recorded"])
            provenance[key] = str(entry["from"])
        dated = [
            *recorded.values(),
            *(d["recorded"] for d in manifest.get("datasets", {}).values()),
        ]
        newest = max(dated, key=parse_timestamp)
        if parse_timestamp(manifest["fetched_at"]) != parse_timestamp(newest):
            raise ValueError(f"fetched_at must be the newest recording date, {newest}")
        return RawCatalog(
            provider,
            manifest["fetched_at"],
            responses,
            manifest.get("base_url", ""),
            recorded,
            provenance,
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CatalogError(provider, f"cannot read recorded payloads in {folder}: {exc}") from exc


def _dataset_offers(
    folder: Path, provider: str, facts: ProviderFacts, api_offers: Sequence[Offer] = ()
) -> list[Offer]:
    """Offers priced from the third-party datasets the manifest lists under ``datasets``.

    Each entry is ``{"file", "recorded", "from", "url", "trust"}`` (and optionally ``sha256``,
    the file's digest, checked); the adapter's ``normalize_dataset(name, body, facts,
    evidence, api_offers)`` reads it, every price labelled ``third_party`` with the dataset's
    own date. ``api_offers`` are the offers read from the recorded responses, which a newer
    dataset may supersede (the returned offers replace them in ``assemble``).
    """
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    datasets = manifest.get("datasets", {})
    if not datasets:
        return []
    reader = getattr(get_adapter(provider), "normalize_dataset", None)
    if reader is None:
        raise CatalogError(provider, "the manifest lists datasets this adapter cannot read")
    offers: list[Offer] = []
    for name, entry in sorted(datasets.items()):
        try:
            data = (folder / entry["file"]).read_bytes()
            digest = entry.get("sha256")
            if digest is not None and hashlib.sha256(data).hexdigest() != digest:
                raise ValueError(f"{entry['file']} does not match its sha256 in the manifest")
            body = json.loads(data.decode("utf-8"))
            evidence = Evidence(
                class_=EvidenceClass.THIRD_PARTY,
                source=entry["url"],
                as_of=entry["recorded"],
                note=f"{entry['from']}; trust: {entry['trust']}",
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CatalogError(provider, f"cannot read dataset {name} in {folder}: {exc}") from exc
        offers.extend(reader(name, body, facts, evidence, api_offers))
    return offers


def _with_evidence(offer: Offer, recorded_in: dict[str, str]) -> Offer:
    """``offer`` with its ``price_evidence`` set (from its API source when it has none) and,
    for a recorded API body (of its price or of an older price in its history), a note naming
    where the body was kept."""
    evidence = offer.evidence
    if evidence is None:
        return offer  # a curated offer without evidence: ``--check`` reports it
    where = recorded_in.get(evidence.source)
    if where is not None and evidence.note is None:
        evidence = evidence.model_copy(update={"note": f"recorded response, kept in {where}"})
    history = tuple(
        record.model_copy(
            update={
                "evidence": record.evidence.model_copy(
                    update={
                        "note": f"recorded response, kept in {recorded_in[record.evidence.source]}"
                    }
                )
            }
        )
        if record.evidence.note is None and record.evidence.source in recorded_in
        else record
        for record in offer.price_history
    )
    if evidence == offer.price_evidence and history == offer.price_history:
        return offer
    return offer.model_copy(update={"price_evidence": evidence, "price_history": history})


def assemble(
    facts: ProviderFacts,
    api_offers: Iterable[Offer],
    fetched_at: str,
    endpoints: Iterable[str],
    recorded_in: dict[str, str] | None = None,
) -> ProviderCatalog:
    """One provider catalog: API offers, curated offers the API lacks, certifications applied.

    Every API offer gets its ``price_evidence`` (class ``api``, its endpoint and date; with
    ``recorded_in``, endpoint URL -> where the recorded body was kept, named in the note).
    """
    provider = facts.provider
    merged: dict[tuple[str, str, str], Offer] = {}
    for offer in [*facts.curated_offers, *api_offers]:  # API offers replace curated twins
        merged[(offer.kind, offer.sku, offer.region)] = offer
    offers = []
    for offer in merged.values():
        offer = _with_evidence(offer, recorded_in or {})
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
            adapter = get_adapter(pid)
            api_offers = adapter.normalize(raw, facts) if raw.responses else []
            api_offers.extend(_dataset_offers(raw_folder, pid, facts, api_offers))
            fetched_at, endpoints = raw.fetched_at, [raw.base_url + k for k in raw.responses]
            recorded_in = {join_url(raw.base_url, k): v for k, v in raw.provenance.items()}
        else:  # no public API (Rapid.Space): the curated facts are the whole catalog
            api_offers, fetched_at, endpoints = [], facts.provider.source.as_of, []
            recorded_in = {}
        catalog = assemble(facts, api_offers, fetched_at, endpoints, recorded_in)
        path = out_dir / f"{pid}.json"
        out_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, dump_catalog(catalog))
        written.append(path)
    return written


def check_catalog(catalog: ProviderCatalog, today: date) -> list[str]:
    """Every violation of the snapshot invariants in one provider catalog, one line each.

    * every offer has a source (URL and date); every priced offer has a price evidence with a
      class, a source and a date (or an evidence note saying its source states none);
    * no price, monthly price or older price is negative or not a number;
    * a published monthly price is never above hourly x 730 by more than a cent;
    * every certification on an offer is backed by a certification fact of the provider whose
      scope (regions, kinds) covers that offer;
    * no date (the catalog's, a source's, an evidence's) lies after ``today``.
    """
    found: list[str] = []
    provider = catalog.provider

    def future(what: str, value: str | None) -> None:
        if value is not None and _day(value) > today:
            found.append(f"{what}: date {value} is in the future")

    future("fetched_at", catalog.fetched_at)
    for offer in catalog.offers:
        name = f"{offer.kind} {offer.sku} @ {offer.region}"
        if not offer.source.url or not offer.source.as_of:
            found.append(f"{name}: no source or no source date")
        future(f"{name} source", offer.source.as_of)
        evidence = offer.price_evidence
        if offer.placeable:
            if evidence is None:
                found.append(f"{name}: a price without evidence (class, source, date)")
            elif not evidence.source:
                found.append(f"{name}: price evidence without a source")
            elif evidence.as_of is None and not evidence.note:
                found.append(f"{name}: undated price evidence that does not say so")
        if evidence is not None:
            future(f"{name} evidence", evidence.as_of)
        amounts = [offer.price.amount, offer.monthly_amount]
        for record in offer.price_history:
            amounts.extend([record.amount, record.monthly_amount])
            future(f"{name} history", record.evidence.as_of)
        for amount in amounts:
            if amount is not None and (not amount.is_finite() or amount < 0):
                found.append(f"{name}: price {amount} is negative or not a number")
        hourly = offer.price.amount if offer.price.unit is PriceUnit.HOUR else None
        finite = all(a is None or a.is_finite() for a in amounts)
        if finite and hourly is not None and offer.monthly_amount is not None:
            exponent = hourly.as_tuple().exponent
            half_unit = Decimal(5).scaleb(exponent - 1) if isinstance(exponent, int) else 0
            ceiling = (hourly + half_unit) * HOURS_PER_MONTH + MONTHLY_ROUNDING
            if offer.monthly_amount > ceiling:
                found.append(
                    f"{name}: monthly price {offer.monthly_amount} above hourly {hourly} x 730"
                )
        for cert in offer.certifications:
            backing = [
                c
                for c in provider.certifications
                if c.id == cert
                and (c.regions is None or offer.region in c.regions)
                and (c.kinds is None or offer.kind in c.kinds)
            ]
            if not backing:
                found.append(f"{name}: certification {cert} not backed by a fact covering it")
    for fact in provider.certifications:
        future(f"certification {fact.id}", fact.source.as_of)
    return [f"{provider.id}: {line}" for line in found]


def check_snapshot(folder: Path, providers: Iterable[str], today: date) -> list[str]:
    """``check_catalog`` over the snapshot files in ``folder``; a file that cannot be read is
    a violation too."""
    found = []
    for pid in providers:
        try:
            loaded = load_catalog_file(folder / f"{pid}.json")
        except CatalogError as exc:
            found.append(f"{pid}: {exc.message}")
            continue
        found.extend(check_catalog(loaded.data, today))
    return found


def _day(value: str) -> date:
    return evidence_date(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sovbundle.refresh.snapshot", description=__doc__
    )
    parser.add_argument("--raw", type=Path, default=Path("providers/raw"))
    parser.add_argument("--facts", type=Path, default=Path("providers"))
    parser.add_argument("--out", type=Path, default=Path("providers/snapshot"))
    parser.add_argument("--check", action="store_true", help="check the snapshot, build nothing")
    parser.add_argument("providers", nargs="*", default=list(PROVIDER_IDS))
    args = parser.parse_args(argv)
    if args.check:
        today = datetime.now(UTC).date()
        problems = check_snapshot(args.out, args.providers, today)
        for line in problems:
            print(line, file=sys.stderr)
        if problems:
            print(f"{len(problems)} snapshot invariant violations", file=sys.stderr)
            return CatalogError.exit_code
        print(f"snapshot ok: {', '.join(args.providers)} ({args.out})")
        return 0
    try:
        for path in build_snapshot(args.raw, args.facts, args.out, args.providers):
            print(f"wrote {path}")
    except SovbundleError as exc:
        print("\n".join(exc.lines()), file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
