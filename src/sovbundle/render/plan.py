"""Rich renderables for the terminal (returned, never printed: the CLI owns the console).

Plans read like Terraform's: placements grouped by provider, cross-provider links with their
egress cost, constraints required vs actual, warnings, and a one-line summary. Colour and box
characters follow the console the CLI creates (plain when piped or under ``NO_COLOR``).
"""

from __future__ import annotations

from decimal import Decimal

from rich.console import (
    Console,
    ConsoleOptions,
    Group,
    JustifyMethod,
    RenderableType,
    RenderResult,
)
from rich.table import Table
from rich.text import Text

from sovbundle import units
from sovbundle.plan import (
    ConstraintRow,
    EvidenceCostRow,
    EvidenceRow,
    PlacementRow,
    Plan,
    coverage_line,
)

__all__ = [
    "EVIDENCE_POLICY_TITLE",
    "assumption_line",
    "candidates_table",
    "eur",
    "evidence_cost_line",
    "plan_summary",
    "render_plan",
]


def _row(table: Table, *cells: str | Text) -> None:
    """Add a row whose strings are data, never rich markup (a SKU may contain brackets)."""
    table.add_row(*(cell if isinstance(cell, Text) else Text(cell) for cell in cells))


def eur(amount: Decimal | None, signed: bool = False) -> str:
    """``1 234.56`` (space as thousands separator), optionally with a sign."""
    return units.amount(amount, signed)


def plan_summary(plan: Plan) -> Text:
    """``Plan: 7 components on 3 providers, 1 234.56 EUR/month, proven optimal``."""
    components = len({row.component for row in plan.placements})
    providers = len({row.provider for row in plan.placements})
    proof = "proven optimal" if plan.status == "optimal" else f"{plan.status}, not proven optimal"
    text = Text("Plan: ", style="bold")
    text.append(
        f"{components} component{'s' * (components != 1)} on {providers} "
        f"provider{'s' * (providers != 1)}, {eur(plan.total_monthly)} EUR/month, {proof}"
    )
    return text


_UNITS = {"gb_month": " GB", "gb": " GB"}


def _quantity(value: Decimal) -> str:
    return units.size(value)


_COLUMNS: dict[str, JustifyMethod] = {
    "component": "left",
    "kind": "left",
    "region": "left",
    "SKU": "left",
    "quantity": "right",
    "EUR/month": "right",
    "certifications": "left",
}
_OPTIONAL = ("certifications", "kind")
"""Columns a narrow terminal drops, in this order, so that identifiers are never cut."""


class _ProviderTable:
    """One provider's placements; on a narrow terminal it drops descriptive columns rather
    than cut a component, region or SKU with an ellipsis (they are what a reader acts on)."""

    def __init__(self, title: str, rows: list[PlacementRow], priced: bool = False) -> None:
        self.title = title
        self.rows = rows
        self.columns = dict(_COLUMNS)
        if priced:  # with a price book: the list price and the channel next to the price paid
            self.columns = {
                **{k: v for k, v in _COLUMNS.items() if k != "certifications"},
                "list EUR/month": "right",
                "channel": "left",
                "certifications": "left",
            }

    def _cells(self, row: PlacementRow) -> dict[str, Text]:
        kind = row.kind if row.part in ("instance", "storage") else f"{row.kind} {row.part}"
        return {
            "component": Text("+ ", style="green") + Text(row.component),
            "kind": Text(kind),
            "region": Text(f"{row.region} ({row.country})"),
            "SKU": Text(row.sku),
            "quantity": Text(f"{_quantity(row.quantity)}{_UNITS.get(row.price_unit, '')}"),
            "EUR/month": Text(eur(row.monthly)),
            "certifications": Text(", ".join(row.certifications) or "-"),
            "list EUR/month": Text(eur(row.list_monthly)),
            "channel": Text(row.channel or "list"),
        }

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        cells = [self._cells(row) for row in self.rows]
        widths = {name: max(len(name), *(c[name].cell_len for c in cells)) for name in self.columns}
        kept = list(self.columns)
        for column in _OPTIONAL:
            # A rich table row is 1 + (width + 3) per column: a border and one space each side.
            if 1 + sum(widths[name] + 3 for name in kept) <= options.max_width:
                break
            kept.remove(column)
        if "kind" not in kept:  # keep a storage line and its egress line apart
            for row, row_cells in zip(self.rows, cells, strict=True):
                if row.part not in ("instance", "storage"):
                    row_cells["component"].append(f" ({row.part})")
        table = Table(title=Text(self.title), title_justify="left", title_style="bold")
        for name in kept:
            table.add_column(name, justify=self.columns[name], overflow="fold")
        for row_cells in cells:
            table.add_row(*(row_cells[name] for name in kept))
        yield table


def _placements(plan: Plan) -> list[RenderableType]:
    tables: list[RenderableType] = []
    for provider, amount in plan.by_provider.items():
        rows = [row for row in plan.placements if row.provider == provider]
        if rows:
            title = f"{provider}: {eur(amount)} EUR/month"
            tables.append(_ProviderTable(title, rows, plan.pricing is not None))
    return tables


def _links(plan: Plan) -> RenderableType | None:
    if not plan.links:
        return None
    table = Table(title="links", title_justify="left", title_style="bold")
    ends = {"from": [link.from_ for link in plan.links], "to": [link.to for link in plan.links]}
    for column, names in ends.items():  # identifiers: never cut, never folded
        width = max(len(column), *(len(name) for name in names))
        table.add_column(column, no_wrap=True, min_width=width)
    for column in ("crosses providers", "GB/month", "egress EUR/month"):
        table.add_column(column, justify="right" if "/" in column else "left")
    for link in plan.links:
        _row(
            table,
            link.from_,
            link.to,
            "yes" if link.cross_provider else "no",
            units.size(link.gb_month),
            eur(link.monthly),
        )
    return table


def _constraints(plan: Plan) -> RenderableType | None:
    if not plan.constraints:
        return None
    table = Table(title="constraints", title_justify="left", title_style="bold")
    for column in ("", "constraint", "required", "actual", "evidence"):
        table.add_column(column, overflow="fold")
    for row in plan.constraints:
        mark = Text("✓", style="green") if row.ok else Text("✗", style="red bold")
        _row(table, mark, row.name, row.required, row.actual, _coverage(row))
    return table


def _coverage(row: ConstraintRow) -> Text:
    """``2 of 3 direct (1 assumed)``, or ``-`` for a constraint on no sourced fact."""
    found = row.evidence
    if found is None:
        return Text("-")
    text = Text(f"{found.direct} of {found.placements} direct")
    if found.assumed:
        text.append(f" ({found.assumed} assumed)", style="yellow")
    return text


def _evidence(plan: Plan) -> list[RenderableType]:
    """Each constraint's evidence: placements that rest on the same fact and source grouped
    on one line (``direct FR: web, api at scaleway/fr-par-1; source URL (2026-07-30)``).
    Lines wrap, never cut: a piped plan keeps every source whole."""
    lines: list[RenderableType] = []
    for constraint in plan.constraints:
        found = constraint.evidence
        if found is None or not found.rows:
            continue
        noun = "placement" if found.placements == 1 else "placements"
        head = Text(f"  {constraint.name}: ", style="bold")
        head.append(f"{found.direct} of {found.placements} {noun} on direct evidence")
        if found.assumed:
            head.append(f", {found.assumed} on an assumption", style="yellow")
        lines.append(head)
        groups: dict[tuple[str, str, str | None, str | None, str | None], list[str]] = {}
        for item in found.rows:
            key = (item.basis, item.fact, item.source, item.as_of, item.valid_until)
            where = f"{item.component} at {item.provider}/{item.region}"
            if where not in groups.setdefault(key, []):
                groups[key].append(where)
        for (basis, fact, source, as_of, until), places in groups.items():
            line = Text("    ")
            line.append(basis, style="yellow" if basis == "assumed" else "green")
            line.append(f" {fact}: {', '.join(places)}; source {source or 'none'}")
            line.append(f" ({as_of or 'undated'}")
            line.append(f", valid until {until})" if until else ")")
            lines.append(line)
    if lines:
        lines.insert(0, Text("evidence", style="bold"))
    return lines


def _explain(plan: Plan) -> list[RenderableType]:
    if plan.explain is None:
        return []
    runner = Table(title="runner-up per component", title_justify="left", title_style="bold")
    for column in ("component", "runner-up", "EUR/month"):
        runner.add_column(
            column, justify="right" if column == "EUR/month" else "left", overflow="fold"
        )
    for item in plan.explain.runner_ups:
        if item.provider is None:
            _row(runner, item.component, "none: no other placement is feasible", "-")
        else:
            where = f"{item.provider}/{item.region}/{item.sku}"
            _row(runner, item.component, where, eur(item.delta_monthly, signed=True))
    costs = Table(title="cost of each constraint", title_justify="left", title_style="bold")
    costs.add_column("constraint")
    costs.add_column("EUR/month", justify="right")
    # Dearest constraints first: they are the ones worth discussing.
    for cost in sorted(plan.explain.constraint_costs, key=lambda c: -c.delta_monthly):
        _row(costs, cost.name, eur(cost.delta_monthly, signed=True))
    return [runner, costs, *_evidence_policy(plan)]


EVIDENCE_POLICY_TITLE = (
    "cost of the evidence policy (policy.unknown_evidence: strict; each a what-if, not applied)"
)

_FACT_NOUNS = {"certifications": "certification", "operators": "operator", "countries": "country"}
_ASSUMED_NOUNS = {
    "certifications": ("unconfirmed certification claim", "unconfirmed certification claims"),
    "operators": ("operator of unknown jurisdiction", "operators of unknown jurisdiction"),
    "countries": ("region of unknown country", "regions of unknown country"),
}


def evidence_cost_line(row: EvidenceCostRow, total: Decimal) -> str:
    """What strictness on one fact costs, in words (the plan's total is ``total``):
    ``tolerating unknown certification evidence would save 27.17 EUR/month (153.30 instead of
    180.47); the plan would rest on 1 unconfirmed certification claim``."""
    noun = _FACT_NOUNS[row.fact]
    head = f"tolerating unknown {noun} evidence would"
    if not row.admitted_offers:
        return f"{head} change nothing: no offer is refused on unknown {noun} evidence alone"
    offers = f"{row.admitted_offers} more offer{'s' * (row.admitted_offers != 1)}"
    count = len(row.assumptions)
    one, many = _ASSUMED_NOUNS[row.fact]
    rest = f"the plan would rest on {count} {one if count == 1 else many}"
    if row.delta_monthly <= 0:
        line = f"{head} save nothing: {offers} would qualify, none gives a cheaper plan"
        return f"{line}; {rest}" if count else line
    return (
        f"{head} save {eur(row.delta_monthly)} EUR/month ({eur(row.tolerant_total_monthly)} "
        f"instead of {eur(total)}; {offers} would qualify); {rest}"
    )


def assumption_line(item: EvidenceRow) -> str:
    """``records at ovhcloud/GRA11/sku: hds on ... rests on an unconfirmed claim; source URL
    (2026-11-29)``."""
    return (
        f"{item.component} at {item.provider}/{item.region}/{item.sku}: {item.fact}; source "
        f"{item.source or 'none'} ({item.as_of or 'undated'})"
    )


def _evidence_policy(plan: Plan) -> list[RenderableType]:
    assert plan.explain is not None
    rows = plan.explain.unknown_evidence
    if not rows:
        return []
    lines: list[RenderableType] = [Text(EVIDENCE_POLICY_TITLE, style="bold")]
    for row in rows:
        lines.append(Text(f"  {evidence_cost_line(row, plan.total_monthly)}"))
        for item in row.assumptions:
            line = Text("    ")
            line.append("assumed", style="yellow")
            line.append(f" {assumption_line(item)}")
            lines.append(line)
    return lines


def candidates_table(rows: list[tuple[str, str, Decimal, bool]], top: int) -> Table:
    """``plan --explain --top N``: each component's cheapest placements on their own, the
    plan's marked CHOSEN."""
    table = Table(
        title=f"top {top} placements per component, on their own",
        title_justify="left",
        title_style="bold",
    )
    table.add_column("component", no_wrap=True)
    table.add_column("placement", overflow="fold")
    table.add_column("EUR/month", justify="right")
    table.add_column("")
    last = ""
    for component, where, monthly, chosen in rows:
        mark = Text("CHOSEN", style="green bold") if chosen else Text("")
        _row(table, component if component != last else "", where, eur(monthly), mark)
        last = component
    return table


def _exit_report(plan: Plan) -> list[RenderableType]:
    report = plan.exit_report
    if report is None:
        return []
    table = Table(
        title="provider exit (each provider re-solved away)", title_justify="left",
        title_style="bold",
    )  # fmt: skip
    for column in ("provider", "share", "EUR/month", "components", "exit cost EUR/month"):
        table.add_column(column, justify="right" if column in ("share", "EUR/month") else "left")
    for row in report.providers:
        if row.substitutable:
            cost = Text(eur(row.exit_extra_monthly, signed=True))
        else:
            cost = Text(f"no plan: {row.reason}", style="red")
        _row(
            table,
            row.provider,
            f"{row.share * 100:.1f}%",
            eur(row.monthly),
            ", ".join(row.components) or "-",
            cost,
        )
    parts: list[RenderableType] = [table]
    for row in report.providers:
        for move in row.moves:
            parts.append(
                Text(f"  without {row.provider}: {move.component} {move.from_} -> {move.to}")
            )
    if report.single_provider_components:
        locked = ", ".join(
            f"{r.component} ({r.provider})" for r in report.single_provider_components
        )
        parts.append(Text(f"single possible provider: {locked}"))
    return parts


def render_plan(plan: Plan) -> Group:
    """The whole plan for the terminal."""
    parts: list[RenderableType] = [*_placements(plan)]
    for extra in (_links(plan), _constraints(plan)):
        if extra is not None:
            parts.append(extra)
    parts.extend(_evidence(plan))
    parts.extend(_explain(plan))
    parts.extend(_exit_report(plan))
    if plan.pricing is not None:
        book = plan.pricing.book
        listed = plan.pricing.list_total_monthly
        line = f"prices: book {book.name} ({book.channel}, valid until {book.valid_until}); "
        line += f"paid {eur(plan.pricing.paid_total_monthly)} EUR/month, list "
        line += "unknown for some placements" if listed is None else f"{eur(listed)} EUR/month"
        parts.append(Text(line))
    for warning in plan.all_warnings:
        parts.append(Text(f"warning: {warning}", style="yellow"))
    parts.append(plan_summary(plan))
    if plan.coverage is not None:
        parts.append(Text(f"Prices: {coverage_line(plan.coverage)}"))
    return Group(*parts)
