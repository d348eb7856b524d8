"""Rich renderables and JSON documents for providers, offers, catalog status and refreshes.

Nothing here prints: functions return renderables or plain data, and the CLI writes them. JSON
money follows the plan's rules (SPEC §6): ``monthly`` rounded to cents half-even, unit prices
to 6 decimals, both written as JSON numbers from ``Decimal`` (never through ``float``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from sovbundle.catalog.files import LoadedCatalog
from sovbundle.catalog.query import Catalog, PriceSource, price_sources
from sovbundle.config import redact
from sovbundle.models import KINDS, Evidence, Offer, PriceQuality, PriceUnit, Provider
from sovbundle.money import money, unit_price

if TYPE_CHECKING:
    from sovbundle.refresh.run import RefreshReport

__all__ = [
    "format_age",
    "offer_json",
    "offers_table",
    "provider_json",
    "providers_view",
    "refresh_table",
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
    return f"{whole}.{frac.ljust(2, '0')}"


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
            parts.append(f"{vcpus} vCPU")
        if memory is not None:
            parts.append(f"{memory} GB")
    if s.kind == "vm":
        if s.disk_gb:
            parts.append(f"{s.disk_gb} GB disk")
        if s.arch != "x86_64":
            parts.append(s.arch)
        if s.dedicated:
            parts.append("dedicated")
    if s.kind in ("vm", "app") and s.gpus:
        gpu = f"{s.gpus}× {s.gpu_model or 'GPU'}"
        parts.append(f"{gpu} {s.gpu_memory_gb} GB" if s.gpu_memory_gb else gpu)
    if s.kind == "app":
        parts.append(", ".join(s.runtimes))
    elif s.kind == "database":
        if s.storage_gb:
            parts.append(f"{s.storage_gb} GB storage")
        if s.high_availability:
            parts.append("HA")
    elif s.kind == "object_storage":
        parts.append(s.storage_class)
        if s.egress_price_per_gb is not None:
            parts.append(f"egress {_number(s.egress_price_per_gb)}/GB")
        if s.free_egress_gb_month:
            parts.append(f"{s.free_egress_gb_month} GB/month free egress")
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

BOXED_ROWS = 200
"""Longer listings print as plain aligned columns: a boxed rich table of thousands of rows
takes seconds to lay out, plain columns a few milliseconds (and they grep well)."""


def offers_table(offers: Sequence[Offer], catalog: Catalog) -> RenderableType:
    """Offers, cheapest monthly first as given, with the price's quality and date."""
    title = f"{len(offers)} offers, cheapest first"
    rows = [_offer_cells(offer, catalog) for offer in offers]
    if len(rows) > BOXED_ROWS:
        return _plain_columns(title, rows)
    table = Table(title=title, title_justify="left")
    for name, justify in _OFFER_COLUMNS:
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for cells in rows:
        unknown = cells[9] == PriceQuality.UNKNOWN.value
        _row(table, *cells[:9], Text(cells[9], style="yellow" if unknown else ""), *cells[10:])
    return table


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
        (evidence.as_of or "undated")[:10] if evidence else offer.source.as_of[:10],
    ]


def _plain_columns(title: str, rows: list[list[str]]) -> Text:
    header = [name for name, _ in _OFFER_COLUMNS]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = (
            cell.rjust(width) if justify == "right" else cell.ljust(width)
            for cell, width, (_, justify) in zip(cells, widths, _OFFER_COLUMNS, strict=True)
        )
        return "  ".join(padded).rstrip()

    text = "\n".join([title, line(header), *(line(row) for row in rows)])
    return Text(text, no_wrap=True, overflow="ignore")


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
    _row(head, "offers", ", ".join(f"{k} {n}" for k, n in counts.items() if n) or "none")
    _row(
        head,
        "catalog",
        f"{loaded.origin}, fetched {loaded.data.fetched_at} ({format_age(loaded.age(now))} ago)",
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
        _row(head, "certification", f"{cert.id}: {cert.scope} [{where}]")
    for gap in p.gaps:
        _row(head, "gap", Text(gap, style="yellow"))
    regions = Table(show_edge=False, pad_edge=False, box=None)
    for name in ("region", "country", "city", "operator"):
        regions.add_column(name, style="dim" if name == "operator" else "")
    for r in p.regions:
        _row(regions, r.id, r.country, r.city or "", r.operator)
    title = Text(f"{p.id} — {p.name}", style="bold cyan")
    return Group(title, head, regions, Text(""))


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
            str(row["offers"]),
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
            str(r.offers),
            str(len(r.diff.added)),
            str(len(r.diff.removed)),
            str(len(r.diff.price_changes)),
            f"{r.seconds:.1f}s",
            r.error or "",
        )
    return table


def _monthly_cell(offer: Offer, monthly: Decimal | None) -> str:
    if monthly is not None:
        return f"{money(monthly)} €"
    if offer.price.amount is not None:
        return "per quantity"  # priced per GB-month or per GB: see the price column
    return "unknown"
