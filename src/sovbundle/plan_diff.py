"""Compare two plans: what moved, what it costs, and why (where that can be known).

Pure: it reads two ``Plan`` objects and, for the reasons that need them, the catalogs the plans
were made from, through a ``CatalogStore`` (``sovbundle.local_catalogs`` finds them on disk by
sha256). The ``run`` object of each plan is ignored.

Two plans are *equal* when they place every component on the same provider, region and SKU(s),
in the same quantities at the same prices, on offers of the same commercial status (an offer
that became deprecated needs a look), with the same links' costs, total and plan status: the
optimum is the same. What else differs (catalog dates, certifications, warnings, constraint
rows, the spec's wording) is reported but does not make the plans differ.

Each reason says whether it is **known** or **inferred**:

* known: read from the two plans themselves (the same placement at another price; a component
  added to the spec), or from the very catalog a plan was made from (matched by sha256: an offer
  that disappeared, became deprecated, or was not in the old catalog at all);
* inferred: from the *current* local catalog standing in for a plan's own (its sha256 differs),
  or from what the plans' figures imply when no catalog is at hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from sovbundle.plan import CatalogRef, PlacementRow, Plan
from sovbundle.plan_reasons import (
    CatalogStore,
    Reason,
    Side,
    SpecChange,
    component_reasons,
    side_of,
    spec_changes,
)

__all__ = [
    "CatalogChange",
    "CatalogStore",
    "ComponentChange",
    "ConstraintChange",
    "LinkChange",
    "Placement",
    "PlanDiff",
    "ProviderDelta",
    "Reason",
    "SpecChange",
    "diff_plans",
]


@dataclass(frozen=True)
class Placement:
    """Where one component is placed in one plan, and what it costs."""

    provider: str
    region: str
    sku: str
    """The SKU, or ``control-plane+node`` SKUs."""
    quantity: str
    """The quantities of its priced lines, ``2`` or ``1+3``."""
    monthly: Decimal
    rows: tuple[PlacementRow, ...]

    @property
    def where(self) -> str:
        return f"{self.provider}/{self.region}/{self.sku}"


@dataclass(frozen=True)
class ComponentChange:
    """One component whose placement, quantity or price differs between the two plans."""

    component: str
    kind: str
    change: Literal["added", "removed", "moved", "changed"]
    """``moved``: another provider, region or SKU; ``changed``: the same, other quantity or
    price."""
    old: Placement | None
    new: Placement | None
    fields: tuple[str, ...]
    """What differs: ``provider``, ``region``, ``sku``, ``quantity``, ``price``, ``status``
    (the offer's commercial status)."""
    reasons: tuple[Reason, ...]

    @property
    def delta(self) -> Decimal:
        before = self.old.monthly if self.old else Decimal("0.00")
        after = self.new.monthly if self.new else Decimal("0.00")
        return after - before


@dataclass(frozen=True)
class ProviderDelta:
    provider: str
    old: Decimal
    new: Decimal

    @property
    def delta(self) -> Decimal:
        return self.new - self.old


@dataclass(frozen=True)
class LinkChange:
    from_: str
    to: str
    old: Decimal | None
    new: Decimal | None


@dataclass(frozen=True)
class ConstraintChange:
    """A constraint whose check or whose cost (with ``--explain``) differs."""

    name: str
    old_actual: str | None
    new_actual: str | None
    old_ok: bool | None
    new_ok: bool | None
    old_cost: Decimal | None = None
    new_cost: Decimal | None = None


@dataclass(frozen=True)
class CatalogChange:
    """One provider's catalog in the two plans, and whether ``diff`` could read it."""

    provider: str
    old: CatalogRef | None
    new: CatalogRef | None
    old_found: Literal["exact", "none"]
    new_found: Literal["exact", "current", "none"]

    @property
    def changed(self) -> bool:
        return (self.old.sha256 if self.old else None) != (self.new.sha256 if self.new else None)


@dataclass(frozen=True)
class PlanDiff:
    """Everything ``sovbundle diff`` shows."""

    old: Plan
    new: Plan
    old_name: str
    new_name: str
    components: tuple[ComponentChange, ...]
    unchanged: int
    """Components placed alike in both plans."""
    providers: tuple[ProviderDelta, ...]
    links: tuple[LinkChange, ...]
    spec: tuple[SpecChange, ...]
    constraints: tuple[ConstraintChange, ...]
    catalogs: tuple[CatalogChange, ...]
    warnings_added: tuple[str, ...]
    warnings_removed: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())
    """What limits the diff (a 1.0 plan without its spec, catalogs not at hand)."""

    @property
    def equal(self) -> bool:
        """The optimum is the same (see the module docstring)."""
        return (
            not self.components
            and not self.links
            and self.old.total_monthly == self.new.total_monthly
            and self.old.status == self.new.status
        )

    @property
    def delta(self) -> Decimal:
        return self.new.total_monthly - self.old.total_monthly


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
        reasons = component_reasons(
            name, a, b, found_spec, old_side, new_side, global_changes, costs
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
        warnings_added=tuple(sorted(new_warnings - old_warnings)),
        warnings_removed=tuple(sorted(old_warnings - new_warnings)),
        notes=tuple(_notes(old, new, catalogs, store is not None)),
    )


def _unique(reasons: Iterable[Reason]) -> list[Reason]:
    return list(dict.fromkeys(reasons))
