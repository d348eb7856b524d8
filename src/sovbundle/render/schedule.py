"""A plan's line items as a price schedule CSV, the shape of a public tender's unit-price list
(bordereau de prix unitaires) times estimated quantities.

One row per priced line of a placement (as in the plan JSON), then one per cross-provider link
with egress, then the total. Columns: line number, component, part, provider, region, country,
SKU, unit, unit price, quantity, monthly amount (EUR excluding VAT), list unit price, list
monthly, channel, source kind, source URL, source date. Numbers are written with a dot and no
thousands separator, exactly as in the plan JSON; the text is UTF-8 with CRLF line ends (RFC
4180), so spreadsheets and procurement tools read it as is. Deterministic: no clock value.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from sovbundle.plan import Plan

__all__ = ["COLUMNS", "price_schedule_csv"]

COLUMNS = (
    "line",
    "component",
    "part",
    "provider",
    "region",
    "country",
    "sku",
    "unit",
    "unit_price_eur",
    "quantity",
    "monthly_eur",
    "list_unit_price_eur",
    "list_monthly_eur",
    "channel",
    "source_kind",
    "source_url",
    "source_as_of",
)

_UNITS = {"month": "unit-month", "gb_month": "GB-month", "gb": "GB"}


def _num(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def price_schedule_csv(plan: Plan) -> str:
    """The CSV text (header, line items, links, total)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    priced = plan.pricing is not None
    line = 0
    for row in plan.placements:
        line += 1
        listed_unit = row.list_unit_price if priced else row.unit_price
        listed = row.list_monthly if priced else row.monthly
        writer.writerow(
            (
                line,
                row.component,
                row.part,
                row.provider,
                row.region,
                row.country,
                row.sku,
                _UNITS.get(row.price_unit, row.price_unit),
                _num(row.unit_price),
                _num(row.quantity),
                _num(row.monthly),
                _num(listed_unit),
                _num(listed),
                row.channel or "list",
                row.source.kind,
                row.source.url,
                row.source.as_of,
            )
        )
    for link in plan.links:
        if not link.cross_provider or not link.monthly:
            continue
        line += 1
        writer.writerow(
            (
                line,
                f"{link.from_}->{link.to}",
                "link_egress",
                "",
                "",
                "",
                "",
                "GB",
                "",
                _num(link.gb_month),
                _num(link.monthly),
                "",
                _num(link.monthly),
                "list",
                "",
                "",
                "",
            )
        )
    listed_total = plan.pricing.list_total_monthly if plan.pricing else plan.total_monthly
    total = ["", "total", "", "", "", "", "", "", "", "", _num(plan.total_monthly), ""]
    writer.writerow((*total, _num(listed_total), "", "", "", ""))
    return out.getvalue()
