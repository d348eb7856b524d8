"""Rich renderables and JSON documents for providers, offers, catalog status and refreshes.

Nothing here prints: functions return renderables or plain data, and the CLI writes them. JSON
money follows the plan's rules (SPEC §6): ``monthly`` rounded to cents half-even, unit prices
to 6 decimals, both written as JSON numbers from ``Decimal`` (never through ``float``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from sovbundle.catalog.files import LoadedCatalog
from sovbundle.catalog.query import Catalog, PriceSource, price_sources
from sovbundle.config import redact
from sovbundle.models import KINDS, Certification, Evidence, Offer, PriceUnit, Provider
from sovbundle.money import money, unit_price
from sovbundle.units import amount as money_text
from sovbundle.units import count, iso_date, size

if TYPE_CHECKING:
    from sovbundle.refresh.run import RefreshReport

__all__ = [
    "ColumnsTable",
    "GpuGroup",
    "format_age",
    "gpu_groups",
    "gpu_groups_json",
    "gpu_table",
    "offer_json",
    "offers_table",
    "provider_json",
    "providers_view",
    "refresh_table",
    "region_notes",
    "status_json",
    "status_table",
]


def _row(table: Table, *cells: str | Text) -> None:
    """Add a row whose strings are data, not markup (a scope may well contain ``[brackets]``)."""
    table.add_row(*(Text(c) if isinstance(c, str) else c for c in cells))


def format_age(age: timedelta) -> str:
    """``5 min``, ``3 h``, ``12 d``: how old data is, at a glance."""
    seconds = int(age.total_seconds())
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def _number(value: Decimal) -> str:
    """A unit price for people: at least 2 decimals, at most 6, no trailing zeros beyond."""
    text = format(unit_price(value), "f").rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{count(int(whole))}.{frac.ljust(2, '0')}"


def specs_summary(offer: Offer) -> str:
    """The specs that tell offers apart, in one short line."""
    s = offer.specs
    parts: list[str] = []
    if s.kind in ("vm", "app", "database"):
        vcpus = getattr(s, "vcpus", None)
        memory = getattr(s, "memory_gb", None)
        if s.kind == "database":
            parts.append(s.engine)
        if vcpus is not None:
            parts.append(f"{size(vcpus)} vCPU")
        if memory is not None:
            parts.append(f"{size(memory)} GB")
    if s.kind == "vm":
        if s.disk_gb:
            parts.append(f"{size(s.disk_gb)} GB disk")
        if s.arch != "x86_64":
            parts.append(s.arch)
        if s.dedicated:
            parts.append("dedicated")
    if s.kind in ("vm", "app") and s.gpus:
        gpu = f"{s.gpus}× {s.gpu_model or 'GPU'}"
        parts.append(f"{gpu} {size(s.gpu_memory_gb)} GB" if s.gpu_memory_gb else gpu)
    if s.kind == "app":
        parts.append(", ".join(s.runtimes))
    elif s.kind == "database":
        if s.storage_gb:
            parts.append(f"{size(s.storage_gb)} GB storage")
        if s.high_availability:
            parts.append("HA")
    elif s.kind == "object_storage":
        parts.append(s.storage_class)
        if s.egress_price_per_gb is not None:
            parts.append(f"egress {_number(s.egress_price_per_gb)}/GB")
        if s.free_egress_gb_month:
            parts.append(f"{size(s.free_egress_gb_month)} GB/month free egress")
    elif s.kind == "kubernetes":
        parts.append(f"{s.control_plane} control plane")
        if s.high_availability:
            parts.append("HA")
    return " · ".join(parts)


def monthly_of_one(offer: Offer) -> Decimal | None:
    """The monthly price of one instance of a time-priced offer (hour or month); ``None`` for a
    quantity-priced one (per GB-month, per GB), whose bill depends on the quantity."""
    if offer.price.unit not in (PriceUnit.HOUR, PriceUnit.MONTH):
        return None
    return offer.monthly


def offer_json(offer: Offer, catalog: Catalog) -> dict[str, Any]:
    """One offer as ``services --json`` prints it."""
    price = offer.price
    monthly = monthly_of_one(offer)
    return {
        "provider": offer.provider,
        "kind": offer.kind,
        "sku": offer.sku,
        "region": offer.region,
        "country": catalog.country_of(offer),
        "specs": offer.specs.model_dump(mode="python", exclude={"kind"}),
        "price": {
            "amount": unit_price(price.amount) if price.amount is not None else None,
            "currency": price.currency,
            "unit": price.unit.value,
            "quality": price.quality.value,
            "note": price.note,
        },
        "monthly": money(monthly) if monthly is not None else None,
        "certifications": list(offer.certifications),
        "status": offer.status.value,
        "source": redact(offer.source.url),
        "source_kind": offer.source.kind,
        "as_of": offer.source.as_of,
        "monthly_published": offer.monthly_amount is not None
        or (price.unit is PriceUnit.MONTH and price.amount is not None),
        "evidence": _evidence_json(offer.evidence),
        "price_history": [
            {
                "amount": unit_price(record.amount),
                "unit": record.unit.value,
                "monthly": money(record.monthly_amount)
                if record.monthly_amount is not None
                else None,
                "evidence": _evidence_json(record.evidence),
            }
            for record in offer.price_history
        ],
    }


def _evidence_json(evidence: Evidence | None) -> dict[str, Any] | None:
    if evidence is None:
        return None
    return {
        "class": evidence.class_.value,
        "source": redact(evidence.source),
        "as_of": evidence.as_of,
        "note": evidence.note,
    }


def source_json(item: PriceSource, now: datetime) -> dict[str, Any]:
    """One price source of a provider, with its own date and age."""
    age = item.age(now)
    return {
        "class": item.evidence_class.value,
        "source": redact(item.source),
        "as_of": item.as_of,
        "age_days": age.days if age is not None else None,
        "offers": item.offers,
    }


def _source_line(item: PriceSource, now: datetime) -> str:
    age = item.age(now)
    when = "undated" if item.as_of is None or age is None else f"{item.as_of} ({age.days} d)"
    where = f": {redact(item.source)}" if item.source else ""
    return f"{when} {item.evidence_class.value}, {item.offers} offers{where}"


_OFFER_COLUMNS = [
    ("provider", "left"),
    ("kind", "left"),
    ("sku", "left"),
    ("region", "left"),
    ("country", "left"),
    ("specs", "left"),
    ("price", "right"),
    ("monthly", "right"),
    ("certifications", "left"),
    ("quality", "left"),
    ("evidence", "left"),
    ("as of", "left"),
]

_OPTIONAL_OFFER_COLUMNS = (
    "as of",
    "evidence",
    "quality",
    "certifications",
    "country",
    "price",
    "specs",
)
"""Columns a narrow terminal drops, in this order; provider, kind, SKU, region and monthly
price always stay, uncut. Piped output keeps them all."""


def offers_table(offers: Sequence[Offer], catalog: Catalog) -> RenderableType:
    """Offers, cheapest monthly first as given, with the price's quality and date: aligned
    columns in one style at any length (a boxed rich table of thousands of rows takes seconds
    to lay out; these columns take milliseconds, and they grep well)."""
    title = f"{count(len(offers))} offer{'s' * (len(offers) != 1)}, cheapest first"
    rows = [_offer_cells(offer, catalog) for offer in offers]
    return ColumnsTable(title, _OFFER_COLUMNS, rows, _OPTIONAL_OFFER_COLUMNS)


class ColumnsTable:
    """Plain aligned columns with a bold header: the same on a terminal and in a pipe, except
    that a terminal narrower than the table drops the optional columns (in order) rather than
    cut an identifier; past that, lines are left long (the terminal wraps them whole)."""

    def __init__(
        self,
        title: str,
        columns: Sequence[tuple[str, str]],
        rows: Sequence[Sequence[str]],
        optional: Sequence[str] = (),
    ) -> None:
        self.title = title
        self.columns = list(columns)
        self.rows = rows
        self.optional = optional

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        names = [name for name, _ in self.columns]
        widths = [
            max([len(names[i]), *(len(row[i]) for row in self.rows)]) for i in range(len(names))
        ]
        kept = list(range(len(names)))
        for column in self.optional:
            if sum(widths[i] + 2 for i in kept) - 2 <= options.max_width:
                break
            kept.remove(names.index(column))

        def line(cells: Sequence[str]) -> str:
            padded = (
                cells[i].rjust(widths[i])
                if self.columns[i][1] == "right"
                else cells[i].ljust(widths[i])
                for i in kept
            )
            return "  ".join(padded).rstrip()

        yield Text(self.title, no_wrap=True, overflow="ignore")
        yield Text(line(names), style="bold", no_wrap=True, overflow="ignore")
        body = "\n".join(line(row) for row in self.rows)
        yield Text(body, no_wrap=True, overflow="ignore")


def _offer_cells(offer: Offer, catalog: Catalog) -> list[str]:
    price, monthly, evidence = offer.price, monthly_of_one(offer), offer.evidence
    return [
        offer.provider,
        offer.kind,
        offer.sku,
        offer.region,
        catalog.country_of(offer) or "?",
        specs_summary(offer),
        "unknown" if price.amount is None else f"{_number(price.amount)} €/{price.unit}",
        _monthly_cell(offer, monthly),
        ", ".join(offer.certifications),
        price.quality.value,
        evidence.class_.value if evidence else "-",
        iso_date(evidence.as_of or "undated") if evidence else iso_date(offer.source.as_of),
    ]


def provider_json(loaded: LoadedCatalog, now: datetime) -> dict[str, Any]:
    """One provider as ``providers --json`` prints it."""
    p = loaded.provider
    return {
        "id": p.id,
        "name": p.name,
        "legal_entity": p.legal_entity,
        "hq_country": p.hq_country,
        "eu_jurisdiction": p.eu_jurisdiction,
        "jurisdiction_note": p.jurisdiction_note,
        "certifications": [
            {
                "id": c.id,
                "scope": c.scope,
                "regions": list(c.regions) if c.regions is not None else None,
                "kinds": list(c.kinds) if c.kinds is not None else None,
                "status": c.status,
                "confirmed": c.confirmed,
                "valid_from": c.valid_from.isoformat() if c.valid_from else None,
                "valid_until": c.valid_until.isoformat() if c.valid_until else None,
                "source": redact(c.source.url),
                "as_of": c.source.as_of,
            }
            for c in p.certifications
        ],
        "regions": [
            {"id": r.id, "country": r.country, "city": r.city, "operator": r.operator}
            for r in p.regions
        ],
        "offers": _offer_counts(loaded.data.offers),
        "price_api": p.price_api,
        "price_sources": [source_json(item, now) for item in price_sources(loaded.data)],
        "gaps": list(p.gaps),
        "catalog": {
            "source": loaded.origin,
            "fetched_at": loaded.data.fetched_at,
            "sha256": loaded.sha256,
        },
    }


def _offer_counts(offers: Iterable[Offer]) -> dict[str, int]:
    counts = dict.fromkeys(KINDS, 0)
    for offer in offers:
        counts[offer.kind] = counts.get(offer.kind, 0) + 1
    return counts


def providers_view(catalog: Catalog, now: datetime) -> RenderableType:
    """Every provider: who it is, certifications with scope, regions, offers, data age, gaps."""
    parts: list[RenderableType] = []
    for pid in catalog.provider_ids():
        loaded = catalog.providers[pid]
        parts.append(_provider_block(loaded.provider, loaded, now))
    return Group(*parts)


def _certification_line(cert: Certification, where: str) -> str:
    """``hds (qualified, scope unconfirmed; valid until 2027-01-31): scope [regions]; source
    URL (as of DATE)``."""
    status = cert.status.replace("_", " ")
    if not cert.confirmed:
        status += ", scope unconfirmed"
    if cert.valid_from is not None:
        status += f"; valid from {cert.valid_from.isoformat()}"
    if cert.valid_until is not None:
        status += f"; valid until {cert.valid_until.isoformat()}"
    return (
        f"{cert.id} ({status}): {cert.scope} [{where}]; source {redact(cert.source.url)} "
        f"(as of {cert.source.as_of})"
    )


def _provider_block(p: Provider, loaded: LoadedCatalog, now: datetime) -> RenderableType:
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    jurisdiction = "EU" if p.eu_jurisdiction else "not EU-only"
    if p.jurisdiction_note:
        jurisdiction += f" ({p.jurisdiction_note})"
    counts = _offer_counts(loaded.data.offers)
    _row(head, "legal entity", f"{p.legal_entity} (HQ {p.hq_country})")
    _row(head, "jurisdiction", jurisdiction)
    _row(head, "offers", ", ".join(f"{k} {count(n)}" for k, n in counts.items() if n) or "none")
    _row(
        head,
        "catalog",
        f"{loaded.origin}, fetched {iso_date(loaded.data.fetched_at)} "
        f"({format_age(loaded.age(now))} ago)",
    )
    for item in price_sources(loaded.data):
        _row(head, "prices", _source_line(item, now))
    if not p.price_api:
        _row(head, "prices", Text("no price API: no refresh can update them", style="yellow"))
    for cert in p.certifications:
        if cert.regions is None:
            where = "company-wide"
        elif cert.regions:
            where = ", ".join(cert.regions)
        else:  # scoped to services outside the catalog: no offer here carries it
            where = "no region in the catalog"
        _row(head, "certification", _certification_line(cert, where))
    for gap in p.gaps:
        _row(head, "gap", Text(gap, style="yellow"))
    regions = Table(show_edge=False, pad_edge=False, box=None)
    for name in ("region", "country", "city", "operator"):
        regions.add_column(name, style="dim" if name == "operator" else "")
    for r in p.regions:
        _row(regions, r.id, r.country, r.city or "", r.operator)
    title = Text(f"{p.id} — {p.name}", style="bold cyan")
    notes = [Text(f"note: {note}", style="dim") for _, note in _region_families(loaded)]
    return Group(title, head, regions, *notes, Text(""))


def status_json(catalog: Catalog, now: datetime) -> list[dict[str, Any]]:
    """What a plan would use now, per provider, as data."""
    return [
        {
            "provider": pid,
            "source": loaded.origin,
            "path": str(loaded.path) if loaded.path else None,
            "fetched_at": loaded.data.fetched_at,
            "age_days": loaded.age(now).days,
            "offers": len(loaded.data.offers),
            "price_sources": [source_json(item, now) for item in price_sources(loaded.data)],
            "endpoints": [redact(url) for url in loaded.data.endpoints],
            "sha256": loaded.sha256,
        }
        for pid, loaded in ((pid, catalog.providers[pid]) for pid in catalog.provider_ids())
    ]


def status_table(catalog: Catalog, now: datetime, cache_dir: Path) -> Table:
    """Per provider: the data a plan would use now, its age, size and sources."""
    table = Table(title=f"catalog data in use (cache: {cache_dir})", title_justify="left")
    for name in ("provider", "data", "fetched", "age", "offers", "prices (own date each)"):
        table.add_column(name, justify="right" if name in ("age", "offers") else "left")
    for row in status_json(catalog, now):
        loaded = catalog.providers[row["provider"]]
        age = format_age(loaded.age(now))
        _row(
            table,
            row["provider"],
            row["source"],
            row["fetched_at"],
            Text(age, style="yellow" if row["age_days"] > 30 else ""),
            count(row["offers"]),
            "\n".join(
                _source_line(item, now) for item in price_sources(loaded.data, by_source=False)
            )
            or "(no priced offer)",
        )
    return table


def refresh_table(report: RefreshReport) -> Table:
    """The summary of a refresh: per provider, outcome, offers, changes, time, error."""
    table = Table(title=f"catalog refresh ({report.seconds:.1f}s)", title_justify="left")
    for name in ("provider", "status", "offers", "added", "removed", "price changes", "time"):
        table.add_column(name, justify="left" if name in ("provider", "status") else "right")
    table.add_column("error")
    styles = {"updated": "green", "static": "", "failed": "bold red"}
    for r in report.results:
        _row(
            table,
            r.provider,
            Text(r.status.value, style=styles[r.status.value]),
            count(r.offers),
            count(len(r.diff.added)),
            count(len(r.diff.removed)),
            count(len(r.diff.price_changes)),
            f"{r.seconds:.1f}s",
            r.error or "",
        )
    return table


def _monthly_cell(offer: Offer, monthly: Decimal | None) -> str:
    if monthly is not None:
        return f"{money_text(money(monthly))} €"
    if offer.price.amount is not None:
        return "per quantity"  # priced per GB-month or per GB: see the price column
    return "unknown"


@dataclass(frozen=True)
class GpuGroup:
    """Offers of one GPU model: how many, in which sizes, and the cheapest machine."""

    model: str
    offers: int
    gpus_per_machine: tuple[int, ...]
    gpu_memory_gb: tuple[Decimal, ...]
    """Memory of one GPU, as the offers state it (none when no offer says)."""
    providers: tuple[str, ...]
    cheapest: Offer | None
    """The cheapest priced machine (fewest GPUs first among equal prices); None: no price."""
    cheapest_country: str | None
    also_at: int = 0
    """Other (provider, region) pairs selling a machine of this model at the cheapest price."""


def gpu_groups(offers: Sequence[Offer], catalog: Catalog) -> list[GpuGroup]:
    """Offers with GPUs grouped by GPU model, the model with the cheapest machine first."""
    by_model: dict[str, list[Offer]] = {}
    for offer in offers:
        specs = offer.specs
        gpus = getattr(specs, "gpus", 0)
        if not gpus:
            continue
        model = getattr(specs, "gpu_model", None) or "unknown model"
        by_model.setdefault(model, []).append(offer)
    groups = []
    for model, found in by_model.items():
        priced = [o for o in found if monthly_of_one(o) is not None]
        cheapest = min(
            priced,
            key=lambda o: (monthly_of_one(o), getattr(o.specs, "gpus", 0), o.provider, o.sku),
            default=None,
        )
        memories = {getattr(o.specs, "gpu_memory_gb", None) for o in found}
        best = monthly_of_one(cheapest) if cheapest else None
        places = {(o.provider, o.region) for o in priced if monthly_of_one(o) == best}
        groups.append(
            GpuGroup(
                model=model,
                offers=len(found),
                gpus_per_machine=tuple(sorted({getattr(o.specs, "gpus", 0) for o in found})),
                gpu_memory_gb=tuple(sorted(m for m in memories if m is not None)),
                providers=tuple(sorted({o.provider for o in found})),
                cheapest=cheapest,
                cheapest_country=catalog.country_of(cheapest) if cheapest else None,
                also_at=max(0, len(places) - 1),
            )
        )

    def order(group: GpuGroup) -> tuple[int, Decimal, str]:
        price = monthly_of_one(group.cheapest) if group.cheapest else None
        return (price is None, price or Decimal(0), group.model.lower())

    return sorted(groups, key=order)


def gpu_groups_json(groups: Sequence[GpuGroup]) -> list[dict[str, Any]]:
    """``services --by-gpu --json``: one object per GPU model."""
    found = []
    for g in groups:
        cheapest = g.cheapest
        monthly = monthly_of_one(cheapest) if cheapest else None
        found.append(
            {
                "gpu_model": g.model,
                "offers": g.offers,
                "gpus_per_machine": list(g.gpus_per_machine),
                "gpu_memory_gb": list(g.gpu_memory_gb),
                "providers": list(g.providers),
                "cheapest": None
                if cheapest is None
                else {
                    "provider": cheapest.provider,
                    "region": cheapest.region,
                    "country": g.cheapest_country,
                    "sku": cheapest.sku,
                    "gpus": getattr(cheapest.specs, "gpus", 0),
                    "monthly": money(monthly) if monthly is not None else None,
                },
            }
        )
    return found


_GPU_COLUMNS = [
    ("GPU model", "left"),
    ("offers", "right"),
    ("GPUs per machine", "left"),
    ("GB per GPU", "left"),
    ("cheapest €/month", "right"),
    ("GPUs", "right"),
    ("provider", "left"),
    ("region", "left"),
    ("sku", "left"),
    ("providers", "left"),
]


def gpu_table(groups: Sequence[GpuGroup]) -> RenderableType:
    """The ``services --by-gpu`` view: one line per GPU model."""
    rows = []
    for g in groups:
        c = g.cheapest
        monthly = monthly_of_one(c) if c else None
        rows.append(
            [
                g.model,
                count(g.offers),
                ", ".join(str(n) for n in g.gpus_per_machine),
                ", ".join(size(m) for m in g.gpu_memory_gb) or "?",
                money_text(money(monthly)) if monthly is not None else "unknown",
                str(getattr(c.specs, "gpus", "")) if c else "",
                c.provider if c else "",
                f"{c.region} ({g.cheapest_country or '?'})"
                + (f" and {g.also_at} more" if g.also_at else "")
                if c
                else "",
                c.sku if c else "",
                ", ".join(g.providers),
            ]
        )
    title = (
        f"{count(len(groups))} GPU model{'s' * (len(groups) != 1)} in "
        f"{count(sum(g.offers for g in groups))} offers, cheapest machine first"
    )
    return ColumnsTable(title, _GPU_COLUMNS, rows, ("providers", "GB per GPU", "GPUs per machine"))


def region_notes(catalog: Catalog, used: Iterable[tuple[str, str]] | None = None) -> list[str]:
    """Region ids of one provider that read alike but are different places to buy from
    (OVHcloud's ``gra``, a dedicated-server datacentre of the eco catalog, and ``GRA11``, a
    Public Cloud region, both in Gravelines): what each sells, from the offers themselves.

    ``used``: (provider, region) pairs on screen; only notes touching them are given.
    """
    wanted = set(used) if used is not None else None
    notes = []
    for pid in catalog.provider_ids():
        for ids, note in _region_families(catalog.providers[pid]):
            if wanted is None or any((pid, i) in wanted for i in ids):
                notes.append(note)
    return notes


def _region_families(loaded: LoadedCatalog) -> list[tuple[list[str], str]]:
    """A provider's look-alike region ids (``gra`` and ``GRA7``, ``GRA11``) and what tells
    them apart."""
    import re

    pid = loaded.provider.id
    families: dict[str, list[str]] = {}
    for region in loaded.provider.regions:
        stem = re.match(r"[a-z]+", region.id.lower())
        if stem:
            families.setdefault(stem.group(0), []).append(region.id)
    found = []
    for ids in families.values():
        lower = [i for i in ids if i == i.lower()]
        upper = [i for i in ids if i != i.lower()]
        if not lower or not upper:
            continue
        sells = {i: _what_is_sold(loaded.data.offers, i) for i in ids}
        parts = [
            f"{', '.join(group)} {'sells' if len(group) == 1 else 'sell'} {sold}"
            for sold, group in _grouped(sells).items()
        ]
        found.append(
            (
                ids,
                f"{pid} regions {', '.join(lower)} and {', '.join(upper)} are different "
                f"regions: {'; '.join(parts)}",
            )
        )
    return found


def _what_is_sold(offers: Iterable[Offer], region: str) -> str:
    here = [o for o in offers if o.region == region]
    if not here:
        return "nothing in this catalog"
    dedicated = [o for o in here if getattr(o.specs, "dedicated", False)]
    if len(dedicated) == len(here):
        return "dedicated servers only"
    kinds = sorted({o.kind for o in here}, key=KINDS.index)
    return f"{', '.join(kinds)} offers (cloud instances and managed services)"


def _grouped(sells: dict[str, str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for region, sold in sells.items():
        found.setdefault(sold, []).append(region)
    return found
