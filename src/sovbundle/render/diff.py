"""Views of a plan diff: rich renderables for the terminal, markdown, and the JSON document.

Terminal lines read like Terraform's: ``~`` moved or changed, ``+`` added, ``-`` removed, each
with its EUR/month change and the reasons under it (``why:`` known, ``why (inferred):``
otherwise), then the providers' totals, what changed in the spec, constraints, the evidence
behind them (per constraint and component: direct or assumed, source, date, and why) and
catalogs, and a one-line summary.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from sovbundle.envelope import envelope
from sovbundle.plan import CatalogRef, ConstraintEvidence, EvidenceRow, Plan
from sovbundle.plan_diff import (
    ComponentChange,
    EvidenceChange,
    EvidenceRowChange,
    Placement,
    PlanDiff,
    Reason,
    SpecChange,
    spec_value,
)
from sovbundle.render.markdown import escape, evidence_counts, fit, plan_sections, table
from sovbundle.render.plan import eur

__all__ = ["diff_json", "diff_markdown", "diff_summary", "render_diff"]

_MARKS = {"added": "+", "removed": "-", "moved": "~", "changed": "~"}
_STYLES = {"added": "green", "removed": "red", "moved": "yellow", "changed": "yellow"}


def _where(placement: Placement | None) -> str:
    if placement is None:
        return "-"
    return f"{placement.where} x{placement.quantity}"


def _counts(diff: PlanDiff) -> str:
    counts = {name: 0 for name in ("moved", "changed", "added", "removed")}
    for change in diff.components:
        counts[change.change] += 1
    parts = [f"{n} {name}" for name, n in counts.items() if n]
    parts.append(f"{diff.unchanged} unchanged")
    basis = sum(1 for e in diff.evidence for row in e.rows if row.basis_changed)
    if basis:
        parts.append(f"{basis} evidence basis change{'s' * (basis != 1)}")
    return ", ".join(parts)


def diff_summary(diff: PlanDiff) -> str:
    """``Diff: 1 moved, 3 unchanged; 296.03 -> 301.00 EUR/month (+4.97)``, or equal."""
    old, new = diff.old.total_monthly, diff.new.total_monthly
    if diff.equal:
        return (
            f"No change: the same placements at the same prices, {eur(new)} EUR/month "
            f"({diff.unchanged} component{'s' * (diff.unchanged != 1)})"
        )
    change = eur(diff.delta, signed=True)
    return f"Diff: {_counts(diff)}; {eur(old)} -> {eur(new)} EUR/month ({change})"


def _reason_text(reason: Reason) -> str:
    return reason.message


def _spec_line(change: SpecChange) -> str:
    if change.old is None and change.new == "present":
        return f"+ {change.path}"
    if change.new is None and change.old == "present":
        return f"- {change.path}"
    return f"~ {change.path}: {spec_value(change.old)} -> {spec_value(change.new)}"


def _catalog_text(ref: CatalogRef | None) -> str:
    return "-" if ref is None else f"{ref.fetched_at[:10]} ({ref.source}, {ref.sha256[:12]})"


def _found_text(found: str) -> str:
    return {"exact": "", "current": "; reasons use the current local catalog", "none": ""}[found]


_FIELD_WORDS = {"fact": "fact", "source": "source", "as_of": "date", "valid_until": "validity"}


def _row_where(row: EvidenceRow) -> str:
    return f"{row.provider}/{row.region}/{row.sku}"


def _row_evidence(row: EvidenceRow | None) -> str:
    """``direct FR; source URL (2026-07-24)``, with the validity where one is stated."""
    if row is None:
        return "-"
    until = f", valid until {row.valid_until}" if row.valid_until else ""
    return (
        f"{row.basis} {row.fact}; source {row.source or 'none'} ({row.as_of or 'undated'}{until})"
    )


def _evidence_mark(change: EvidenceRowChange) -> str:
    if change.old is None:
        return "+"
    return "-" if change.new is None else "~"


def _evidence_head(change: EvidenceRowChange, arrow: str = "->") -> str:
    """``records: direct at a/r/x -> assumed at b/r/y``, ``records at a/r/x: direct ->
    assumed``, ``records at a/r/x: direct, source, date changed``."""
    old, new = change.old, change.new
    if old is None and new is not None:
        return f"{change.component} at {_row_where(new)}: assumed (an assumption enters the plan)"
    if new is None and old is not None:
        return f"{change.component} at {_row_where(old)}: assumed (no longer in the plan)"
    assert old is not None and new is not None
    if "placement" in change.fields:
        return (
            f"{change.component}: {old.basis} at {_row_where(old)} {arrow} {new.basis} at "
            f"{_row_where(new)}"
        )
    if change.basis_changed:
        return f"{change.component} at {_row_where(new)}: {old.basis} {arrow} {new.basis}"
    words = ", ".join(_FIELD_WORDS[f] for f in change.fields)
    return f"{change.component} at {_row_where(new)}: {new.basis}, {words} changed"


def _counts_change(change: EvidenceChange, arrow: str = "->") -> str:
    return f"{_counts_text(change.old)} {arrow} {_counts_text(change.new)}"


def _counts_text(found: ConstraintEvidence | None) -> str:
    return "not in the plan" if found is None else evidence_counts(found)


def _evidence_lines(changes: tuple[EvidenceChange, ...]) -> list[RenderableType]:
    if not changes:
        return []
    parts: list[RenderableType] = [Text("evidence changes", style="bold")]
    for change in changes:
        parts.append(Text(f"  ~ {change.constraint}: {_counts_change(change)}"))
        for row in change.rows:
            style = "yellow" if row.basis_changed else ""
            text = Text(f"    {_evidence_mark(row)} {_evidence_head(row)}", style=style)
            if row.old is not None:
                text.append(f"\n        old: {_row_evidence(row.old)}", style="")
            if row.new is not None:
                text.append(f"\n        new: {_row_evidence(row.new)}", style="")
            for reason in row.reasons:
                label = "why" if reason.known else "why (inferred)"
                text.append(f"\n        {label}: ", style="dim" if not reason.known else "")
                text.append(reason.message, style="")
            parts.append(text)
    return parts


# --- terminal -----------------------------------------------------------------------------


def _component_lines(change: ComponentChange) -> Text:
    style = _STYLES[change.change]
    text = Text(f"{_MARKS[change.change]} ", style=style)
    text.append(f"{change.component} ({change.kind}): ", style="bold")
    before = change.old.monthly if change.old else None
    after = change.new.monthly if change.new else None
    if change.change == "added":
        text.append(f"{_where(change.new)}, {eur(after)} EUR/month")
    elif change.change == "removed":
        text.append(f"{_where(change.old)}, {eur(before)} EUR/month")
    else:
        if change.change == "moved":
            text.append(_where(change.old) + " -> " + _where(change.new))
        elif "quantity" in change.fields and change.old and change.new:
            text.append(f"{change.new.where} x{change.old.quantity} -> x{change.new.quantity}")
        else:
            text.append(_where(change.new))
        text.append(f", {eur(before)} -> {eur(after)} EUR/month")
    text.append(f" ({eur(change.delta, signed=True)})", style=style)
    for reason in change.reasons:
        label = "why" if reason.known else "why (inferred)"
        text.append(f"\n    {label}: ", style="dim" if not reason.known else "")
        text.append(_reason_text(reason))
    return text


def _provider_table(diff: PlanDiff) -> Table:
    table_ = Table(title="providers", title_justify="left", title_style="bold")
    for column in ("provider", "old EUR/month", "new EUR/month", "change"):
        table_.add_column(column, justify="left" if column == "provider" else "right")
    for row in diff.providers:
        table_.add_row(Text(row.provider), eur(row.old), eur(row.new), eur(row.delta, signed=True))
    table_.add_row(
        Text("total", style="bold"),
        eur(diff.old.total_monthly),
        eur(diff.new.total_monthly),
        eur(diff.delta, signed=True),
    )
    return table_


def render_diff(diff: PlanDiff) -> Group:
    """The whole diff for the terminal."""
    parts: list[RenderableType] = [
        Text(f"old: {diff.old_name}   new: {diff.new_name}", style="dim")
    ]
    parts.extend(_component_lines(change) for change in diff.components)
    for link in diff.links:
        parts.append(
            Text(
                f"~ link {link.from_}->{link.to}: egress {eur(link.old)} -> {eur(link.new)} "
                "EUR/month",
                style="yellow",
            )
        )
    if not diff.equal or any(p.old != p.new for p in diff.providers):
        parts.append(_provider_table(diff))
    if diff.spec:
        parts.append(Text("spec changes", style="bold"))
        parts.extend(Text(f"  {_spec_line(change)}") for change in diff.spec)
    if diff.constraints:
        parts.append(Text("constraint changes", style="bold"))
        for c in diff.constraints:
            line = f"  ~ {c.name}: {c.old_actual or '-'} -> {c.new_actual or '-'}"
            if c.old_ok != c.new_ok:
                line += f" (met: {_ok(c.old_ok)} -> {_ok(c.new_ok)})"
            if c.old_cost != c.new_cost:
                line += f"; costs {eur(c.old_cost, signed=True)} -> {eur(c.new_cost, signed=True)}"
            parts.append(Text(line))
    parts.extend(_evidence_lines(diff.evidence))
    catalogs = [c for c in diff.catalogs if c.changed]
    if catalogs:
        parts.append(Text("catalogs", style="bold"))
        for cat in catalogs:
            parts.append(
                Text(
                    f"  ~ {cat.provider}: {_catalog_text(cat.old)} -> {_catalog_text(cat.new)}"
                    f"{_found_text(cat.new_found)}"
                )
            )
    for warning in diff.warnings_added:
        parts.append(Text(f"+ warning: {warning}", style="yellow"))
    for warning in diff.warnings_removed:
        parts.append(Text(f"- warning: {warning}", style="dim"))
    for note in diff.notes:
        parts.append(Text(f"note: {note}", style="dim"))
    parts.append(Text(diff_summary(diff), style="bold"))
    return Group(*parts)


def _ok(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


# --- markdown -----------------------------------------------------------------------------


def _md_reasons(change: ComponentChange) -> str:
    if not change.reasons:
        return "-"
    return "<br>".join(
        escape(r.message) + ("" if r.known else " *(inferred)*") for r in change.reasons
    )


def _md_evidence(changes: tuple[EvidenceChange, ...]) -> list[str]:
    """The evidence changes as one table: a row per constraint and component."""
    if not changes:
        return []
    rows = []
    for change in changes:
        for row in change.rows:
            reasons = "<br>".join(
                escape(r.message) + ("" if r.known else " *(inferred)*") for r in row.reasons
            )
            rows.append(
                [
                    _evidence_mark(row),
                    escape(f"{change.constraint}: {_counts_change(change, '→')}"),
                    escape(_evidence_head(row, "→")),
                    escape(_row_evidence(row.old)),
                    escape(_row_evidence(row.new)),
                    reasons or "-",
                ]
            )
    header = ["", "constraint", "change", "old evidence", "new evidence", "why"]
    return ["**Evidence changes**", "", *table(header, rows), ""]


def diff_markdown(diff: PlanDiff, what: str = "sovbundle diff OLD.json NEW.json") -> str:
    """A diff as a pull-request comment, at most ``MARKDOWN_LIMIT`` characters."""
    old, new = diff.old.total_monthly, diff.new.total_monthly
    name = escape(diff.new.bundle.name)
    if diff.equal:
        heading = f"### sovbundle: {name} unchanged at {eur(new)} EUR/month"
    else:
        heading = (
            f"### sovbundle: {name} {eur(old)} → {eur(new)} EUR/month "
            f"({eur(diff.delta, signed=True)})"
        )
    lines = [heading, "", f"**{escape(diff_summary(diff))}**", ""]
    rows = [
        [escape(p.provider), eur(p.old), eur(p.new), eur(p.delta, signed=True)]
        for p in diff.providers
    ]
    rows.append(["**total**", f"**{eur(old)}**", f"**{eur(new)}**",
                 f"**{eur(diff.delta, signed=True)}**"])  # fmt: skip
    lines += [*table(["provider", "old EUR/month", "new EUR/month", "change"], rows,
                     right=[1, 2, 3]), ""]  # fmt: skip
    if diff.components:
        rows = [
            [
                _MARKS[c.change],
                escape(c.component),
                escape(_where(c.old)),
                escape(_where(c.new)),
                eur(c.delta, signed=True),
                _md_reasons(c),
            ]
            for c in diff.components
        ]
        lines += [*table(["", "component", "old", "new", "EUR/month", "why"], rows, right=[4]), ""]
    for link in diff.links:
        lines.append(
            f"- link {escape(link.from_)}→{escape(link.to)}: egress {eur(link.old)} → "
            f"{eur(link.new)} EUR/month"
        )
    if diff.links:
        lines.append("")
    if diff.spec:
        lines += ["**Spec changes**", ""]
        lines += [f"- {escape(_spec_line(c))}" for c in diff.spec]
        lines.append("")
    if diff.constraints:
        lines += ["**Constraint changes**", ""]
        for c in diff.constraints:
            line = (
                f"- {escape(c.name)}: {escape(c.old_actual or '-')} → {escape(c.new_actual or '-')}"
            )
            if c.old_cost != c.new_cost:
                line += f"; costs {eur(c.old_cost, signed=True)} → {eur(c.new_cost, signed=True)}"
            lines.append(line)
        lines.append("")
    lines += _md_evidence(diff.evidence)
    changed = [c for c in diff.catalogs if c.changed]
    if changed:
        lines += ["**Catalogs**", ""]
        lines += [
            f"- {escape(c.provider)}: {escape(_catalog_text(c.old))} → "
            f"{escape(_catalog_text(c.new))}{escape(_found_text(c.new_found))}"
            for c in changed
        ]
        lines.append("")
    warnings = diff.new.all_warnings
    if warnings:
        added = set(diff.warnings_added)
        lines += ["**Warnings**", ""]
        lines += [f"- {'**new:** ' if w in added else ''}{escape(w)}" for w in warnings]
        lines.append("")
    if diff.notes:
        lines += [f"> {escape(note)}" for note in diff.notes]
        lines.append("")
    nested = plan_sections(diff.new, warnings=False)
    lines += ["<details><summary>New plan</summary>", "", *nested, "", "</details>"]
    return fit(lines, what)


# --- JSON ---------------------------------------------------------------------------------


def _placement_json(placement: Placement | None) -> dict[str, Any] | None:
    if placement is None:
        return None
    return {
        "provider": placement.provider,
        "region": placement.region,
        "sku": placement.sku,
        "quantity": placement.quantity,
        "monthly": placement.monthly,
    }


def _plan_ref(plan: Plan, name: str) -> dict[str, Any]:
    return {
        "file": name,
        "format_version": plan.format_version,
        "generated_at": plan.generated_at,
        "body_sha256": plan.body_sha256,
        "bundle_sha256": plan.bundle.sha256,
        "status": plan.status,
        "total_monthly": plan.total_monthly,
    }


def _catalog_ref(ref: CatalogRef | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    return {"source": ref.source, "fetched_at": ref.fetched_at, "sha256": ref.sha256}


def _reasons_json(reasons: tuple[Reason, ...]) -> list[dict[str, Any]]:
    return [
        {"kind": r.kind, "certainty": "known" if r.known else "inferred", "message": r.message}
        for r in reasons
    ]


def _counts_json(found: ConstraintEvidence | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"placements": found.placements, "direct": found.direct, "assumed": found.assumed}


def _evidence_row_json(row: EvidenceRow | None) -> dict[str, Any] | None:
    return None if row is None else row.model_dump(mode="python")


def _evidence_json(changes: tuple[EvidenceChange, ...]) -> list[dict[str, Any]]:
    return [
        {
            "constraint": change.constraint,
            "basis_changed": change.basis_changed,
            "old": _counts_json(change.old),
            "new": _counts_json(change.new),
            "rows": [
                {
                    "component": row.component,
                    "fields": list(row.fields),
                    "basis_changed": row.basis_changed,
                    "old": _evidence_row_json(row.old),
                    "new": _evidence_row_json(row.new),
                    "reasons": _reasons_json(row.reasons),
                }
                for row in change.rows
            ],
        }
        for change in changes
    ]


def diff_json(diff: PlanDiff) -> dict[str, Any]:
    """The ``diff --json`` document: ``{"format_version", "diff": {...}}``."""
    data = {
        "equal": diff.equal,
        "old": _plan_ref(diff.old, diff.old_name),
        "new": _plan_ref(diff.new, diff.new_name),
        "total": {
            "old": diff.old.total_monthly,
            "new": diff.new.total_monthly,
            "delta": diff.delta,
        },
        "by_provider": [
            {"provider": p.provider, "old": p.old, "new": p.new, "delta": p.delta}
            for p in diff.providers
        ],
        "components": [
            {
                "component": c.component,
                "kind": c.kind,
                "change": c.change,
                "fields": list(c.fields),
                "old": _placement_json(c.old),
                "new": _placement_json(c.new),
                "delta": c.delta,
                "reasons": _reasons_json(c.reasons),
            }
            for c in diff.components
        ],
        "unchanged": diff.unchanged,
        "links": [
            {"from": link.from_, "to": link.to, "old": link.old, "new": link.new}
            for link in diff.links
        ],
        "spec": [{"path": s.path, "old": s.old, "new": s.new} for s in diff.spec],
        "constraints": [
            {
                "name": c.name,
                "old": {"actual": c.old_actual, "ok": c.old_ok, "cost": c.old_cost},
                "new": {"actual": c.new_actual, "ok": c.new_ok, "cost": c.new_cost},
            }
            for c in diff.constraints
        ],
        "evidence": _evidence_json(diff.evidence),
        "catalogs": [
            {
                "provider": c.provider,
                "changed": c.changed,
                "old": _catalog_ref(c.old),
                "new": _catalog_ref(c.new),
                "old_found": c.old_found,
                "new_found": c.new_found,
            }
            for c in diff.catalogs
        ],
        "warnings": {"added": list(diff.warnings_added), "removed": list(diff.warnings_removed)},
        "notes": list(diff.notes),
    }
    return envelope("diff", data)
