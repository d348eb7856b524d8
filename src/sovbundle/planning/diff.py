"""Compare two plans: what moved, what it costs, and why (where that can be known).

Pure: it reads two ``Plan`` objects and, for the reasons that need them, the catalogs the plans
were made from, through a ``CatalogStore`` (``sovbundle.catalog.local`` finds them on disk by
sha256). The ``run`` object of each plan is ignored. What equal, known and inferred mean:
``sovbundle.plan_diff``.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

from sovbundle.plan import PlacementRow, Plan
from sovbundle.plan_diff import (
    CatalogChange,
    ComponentChange,
    ConstraintChange,
    LinkChange,
    Placement,
    PlanDiff,
    ProviderDelta,
    Reason,
    SpecChange,
)
from sovbundle.planning.diff_evidence import (
    certification_reasons,
    evidence_changes,
    evidence_notes,
)
from sovbundle.planning.diff_reasons import (
    CatalogStore,
    Side,
    component_reasons,
    side_of,
    spec_changes,
)

__all__ = ["CatalogStore", "diff_plans"]


# --- placements ---------------------------------------------------------------------------


def _placements(plan: Plan) -> dict[str, Placement]:
    rows: dict[str, list[PlacementRow]] = {}
    for row in plan.placements:
        rows.setdefault(row.component, []).append(row)
    found = {}
    for name, parts in rows.items():
        head = parts[0]
        skus = [r.sku for r in parts if r.part in ("instance", "control_plane", "nodes", "storage")]
        found[name] = Placement(
            provider=head.provider,
            region=head.region,
            sku="+".join(skus) or head.sku,
            quantity="+".join(_qty(r.quantity) for r in parts),
            monthly=sum((r.monthly for r in parts), Decimal("0.00")),
            rows=tuple(parts),
        )
    return found


def _qty(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _differences(old: Placement, new: Placement) -> tuple[str, ...]:
    found = [
        name for name in ("provider", "region", "sku") if getattr(old, name) != getattr(new, name)
    ]
    old_lines = [(r.part, r.quantity) for r in old.rows]
    new_lines = [(r.part, r.quantity) for r in new.rows]
    if old_lines != new_lines:
        found.append("quantity")
    old_units = [(r.part, r.unit_price, r.price_unit, r.monthly) for r in old.rows]
    new_units = [(r.part, r.unit_price, r.price_unit, r.monthly) for r in new.rows]
    if old_units != new_units:
        found.append("price")
    if [r.offer_status for r in old.rows] != [r.offer_status for r in new.rows]:
        found.append("status")
    return tuple(found)


# --- constraints, links, providers, catalogs ----------------------------------------------


def _constraint_changes(old: Plan, new: Plan) -> list[ConstraintChange]:
    before = {row.name: row for row in old.constraints}
    after = {row.name: row for row in new.constraints}
    costs_old = (
        {c.name: c.delta_monthly for c in old.explain.constraint_costs} if old.explain else {}
    )
    costs_new = (
        {c.name: c.delta_monthly for c in new.explain.constraint_costs} if new.explain else {}
    )
    both_costs = old.explain is not None and new.explain is not None
    found = []
    for name in dict.fromkeys([*before, *after]):
        a, b = before.get(name), after.get(name)
        cost_a, cost_b = costs_old.get(name), costs_new.get(name)
        row_changed = (a is None) != (b is None) or (
            a is not None and b is not None and (a.actual, a.ok) != (b.actual, b.ok)
        )
        cost_changed = both_costs and cost_a != cost_b
        if row_changed or cost_changed:
            found.append(
                ConstraintChange(
                    name,
                    a.actual if a else None,
                    b.actual if b else None,
                    a.ok if a else None,
                    b.ok if b else None,
                    cost_a if both_costs else None,
                    cost_b if both_costs else None,
                )
            )
    return found


def _link_changes(old: Plan, new: Plan) -> list[LinkChange]:
    before = {(link.from_, link.to): link.monthly for link in old.links}
    after = {(link.from_, link.to): link.monthly for link in new.links}
    return [
        LinkChange(key[0], key[1], before.get(key), after.get(key))
        for key in dict.fromkeys([*before, *after])
        if before.get(key) != after.get(key)
    ]


def _provider_deltas(old: Plan, new: Plan) -> list[ProviderDelta]:
    names = dict.fromkeys([*new.by_provider, *old.by_provider])
    zero = Decimal("0.00")
    return [
        ProviderDelta(pid, old.by_provider.get(pid, zero), new.by_provider.get(pid, zero))
        for pid in names
    ]


def _catalog_changes(old: Plan, new: Plan, old_side: Side, new_side: Side) -> list[CatalogChange]:
    before = {ref.provider: ref for ref in old.catalogs}
    after = {ref.provider: ref for ref in new.catalogs}
    found = []
    for pid in dict.fromkeys([*after, *before]):
        old_found: Literal["exact", "none"] = "exact" if old_side.exact.get(pid) else "none"
        new_found: Literal["exact", "current", "none"] = (
            "none"
            if pid not in new_side.catalogs
            else ("exact" if new_side.exact.get(pid) else "current")
        )
        found.append(CatalogChange(pid, before.get(pid), after.get(pid), old_found, new_found))
    return found


def _notes(old: Plan, new: Plan, catalogs: Iterable[CatalogChange], store: bool) -> list[str]:
    notes = []
    for which, plan in (("old", old), ("new", new)):
        if plan.bundle.spec is None:
            notes.append(
                f"the {which} plan (format 1.0) does not record its spec: spec changes are "
                "known only from the bundle's sha256"
            )
    if not store:
        notes.append("no catalog was consulted: reasons come from the two plans only")
        return notes
    changed = [c for c in catalogs if c.changed]
    missing_old = [c.provider for c in changed if c.old is not None and c.old_found == "none"]
    if missing_old:
        notes.append(
            "catalogs of the old plan not found locally (by sha256): "
            f"{', '.join(missing_old)}; what was in them is inferred from the old plan"
        )
    current = [c.provider for c in changed if c.new is not None and c.new_found == "current"]
    if current:
        notes.append(
            "catalogs of the new plan not found locally (by sha256): "
            f"{', '.join(current)}; the current local catalogs stand in (inferred)"
        )
    return notes


def diff_plans(
    old: Plan,
    new: Plan,
    store: CatalogStore | None = None,
    *,
    old_name: str = "old",
    new_name: str = "new",
) -> PlanDiff:
    """What differs between two plans and why; ``store`` gives the catalogs they used."""
    old_side = side_of(old, store, fallback=False)
    new_side = side_of(new, store, fallback=True)
    found_spec = spec_changes(old.bundle.spec, new.bundle.spec)
    unrecorded = old.bundle.spec is None or new.bundle.spec is None
    if unrecorded and old.bundle.sha256 != new.bundle.sha256:
        found_spec.append(SpecChange("bundle.sha256", old.bundle.sha256, new.bundle.sha256))
    global_changes = [
        c
        for c in found_spec
        if not c.path.startswith("components.")
        and c.path.split(".")[0] not in ("description", "name", "version")
    ]
    constraints = _constraint_changes(old, new)
    costs = [c for c in constraints if c.old_cost != c.new_cost and c.new_cost is not None]
    before, after = _placements(old), _placements(new)
    changes = []
    unchanged = 0
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name), after.get(name)
        if a is not None and b is not None:
            fields = _differences(a, b)
            if not fields:
                unchanged += 1
                continue
            change: Literal["added", "removed", "moved", "changed"] = (
                "moved" if {"provider", "region", "sku"} & set(fields) else "changed"
            )
        else:
            fields = ()
            change = "added" if a is None else "removed"
        kind = (b or a).rows[0].kind  # type: ignore[union-attr]
        claims = (
            certification_reasons(name, old, old_side, new_side)
            if change == "moved" and store is not None
            else []
        )
        reasons = component_reasons(
            name, a, b, found_spec, old_side, new_side, global_changes, costs, claims
        )
        changes.append(ComponentChange(name, kind, change, a, b, fields, tuple(_unique(reasons))))
    catalogs = _catalog_changes(old, new, old_side, new_side)
    old_warnings, new_warnings = set(old.warnings), set(new.warnings)
    return PlanDiff(
        old=old,
        new=new,
        old_name=old_name,
        new_name=new_name,
        components=tuple(changes),
        unchanged=unchanged,
        providers=tuple(_provider_deltas(old, new)),
        links=tuple(_link_changes(old, new)),
        spec=tuple(found_spec),
        constraints=tuple(constraints),
        catalogs=tuple(catalogs),
        evidence=tuple(evidence_changes(old, new, old_side, new_side)),
        warnings_added=tuple(sorted(new_warnings - old_warnings)),
        warnings_removed=tuple(sorted(old_warnings - new_warnings)),
        notes=tuple([*_notes(old, new, catalogs, store is not None), *evidence_notes(old, new)]),
    )


def _unique(reasons: Iterable[Reason]) -> list[Reason]:
    return list(dict.fromkeys(reasons))
