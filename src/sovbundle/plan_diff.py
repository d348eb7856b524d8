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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, Protocol

from sovbundle.catalog import ProviderCatalog
from sovbundle.models import DatabaseSpecs, ObjectStorageSpecs, Offer
from sovbundle.plan import CatalogRef, PlacementRow, Plan, unit_price

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

ReasonKind = Literal[
    "spec_changed",
    "price_changed",
    "offer_removed",
    "offer_deprecated",
    "offer_status",
    "cheaper_offer",
    "constraint_cost",
    "plan_wide",
]


class CatalogStore(Protocol):
    """Where ``diff`` finds the catalogs a plan was made from."""

    def by_sha256(self, provider: str, sha256: str) -> ProviderCatalog | None:
        """The catalog of ``provider`` whose file has this sha256, if one is at hand."""

    def current(self, provider: str) -> ProviderCatalog | None:
        """The catalog a plan would use now (cache, else snapshot), if any."""


@dataclass(frozen=True)
class Reason:
    """Why a line changed, and whether that is known or inferred."""

    kind: ReasonKind
    known: bool
    message: str


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
class SpecChange:
    """One value of the normalised spec that differs (``components.web.vcpus``)."""

    path: str
    old: Any
    new: Any


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
    old_units = [(r.part, r.unit_price, r.price_unit) for r in old.rows]
    new_units = [(r.part, r.unit_price, r.price_unit) for r in new.rows]
    if old_units != new_units:
        found.append("price")
    if [r.offer_status for r in old.rows] != [r.offer_status for r in new.rows]:
        found.append("status")
    return tuple(found)


# --- catalogs -----------------------------------------------------------------------------


@dataclass
class _Side:
    """The catalogs of one plan, as far as they are at hand."""

    refs: dict[str, CatalogRef]
    catalogs: dict[str, ProviderCatalog]
    exact: dict[str, bool]
    index: dict[str, dict[tuple[str, str, str], Offer]] = field(default_factory=dict)

    def offer(self, provider: str, kind: str, sku: str, region: str) -> Offer | bool | None:
        """The offer, ``None`` when the provider's catalog lacks it, ``False`` when that
        catalog is not at hand."""
        catalog = self.catalogs.get(provider)
        if catalog is None:
            return False
        if provider not in self.index:
            self.index[provider] = {(o.kind, o.sku, o.region): o for o in catalog.offers}
        return self.index[provider].get((kind, sku, region))

    def date(self, provider: str) -> str:
        ref = self.refs.get(provider)
        catalog = self.catalogs.get(provider)
        value = catalog.fetched_at if catalog is not None else (ref.fetched_at if ref else "?")
        return value[:10]


def _side(plan: Plan, store: CatalogStore | None, fallback: bool) -> _Side:
    refs = {ref.provider: ref for ref in plan.catalogs}
    side = _Side(refs, {}, {})
    if store is None:
        return side
    for pid, ref in refs.items():
        found = store.by_sha256(pid, ref.sha256)
        if found is not None:
            side.catalogs[pid], side.exact[pid] = found, True
        elif fallback:
            current = store.current(pid)
            if current is not None:
                side.catalogs[pid], side.exact[pid] = current, False
    return side


def _offer_kind(row: PlacementRow) -> str:
    return "vm" if row.part == "nodes" else row.kind


def _part_price(row: PlacementRow, offer: Offer) -> Decimal | None:
    """The unit price ``row`` would have with ``offer`` as it is in a catalog."""
    specs = offer.specs
    if row.part == "egress":
        value = specs.egress_price_per_gb if isinstance(specs, ObjectStorageSpecs) else None
    elif row.part == "extra_storage":
        value = specs.extra_storage_gb_month if isinstance(specs, DatabaseSpecs) else None
    else:
        value = offer.monthly
    return None if value is None else unit_price(value)


_UNIT_WORDS = {"month": "EUR/month", "gb_month": "EUR per GB-month", "gb": "EUR per GB"}


def _price(value: Decimal) -> str:
    """A unit price with at least 2 decimals and no trailing zeros beyond them."""
    text = f"{value.normalize():f}"
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def _label(row: PlacementRow) -> str:
    what = f"{row.provider}/{row.region}/{row.sku}"
    return what if row.part in ("instance", "storage") else f"{what} ({row.part.replace('_', ' ')})"


# --- reasons ------------------------------------------------------------------------------


def _certainty(side: _Side, provider: str, inferred_why: str) -> tuple[bool, str]:
    if side.exact.get(provider, False):
        return True, ""
    return False, f" (inferred: {inferred_why})"


def _old_offer_reasons(row: PlacementRow, new_side: _Side) -> list[Reason]:
    """What became of an old placement's offer in the new plan's catalog."""
    found = new_side.offer(row.provider, _offer_kind(row), row.sku, row.region)
    if found is False:
        return []
    known, suffix = _certainty(
        new_side, row.provider, "from the current local catalog, not the new plan's own"
    )
    date = new_side.date(row.provider)
    if found is None or isinstance(found, bool):
        return [
            Reason(
                "offer_removed",
                known,
                f"{_label(row)} is no longer in the {row.provider} catalog of {date}{suffix}",
            )
        ]
    reasons = []
    if found.status.value != row.offer_status:
        kind: ReasonKind = (
            "offer_deprecated" if found.status.value == "deprecated" else "offer_status"
        )
        reasons.append(
            Reason(
                kind,
                known,
                f"{_label(row)} is now {found.status.value} (was {row.offer_status}){suffix}",
            )
        )
    price = _part_price(row, found)
    if price is not None and price != row.unit_price:
        verb = "rose" if price > row.unit_price else "fell"
        reasons.append(
            Reason(
                "price_changed",
                known,
                f"price of {_label(row)} {verb} from {_price(row.unit_price)} to {_price(price)} "
                f"{_UNIT_WORDS.get(row.price_unit, row.price_unit)}{suffix}",
            )
        )
    return reasons


def _new_offer_reasons(row: PlacementRow, old_side: _Side) -> list[Reason]:
    """What a new placement's offer was in the old plan's catalog."""
    found = old_side.offer(row.provider, _offer_kind(row), row.sku, row.region)
    if found is False:
        return []
    date = old_side.date(row.provider)
    if found is None or isinstance(found, bool):
        return [
            Reason(
                "cheaper_offer",
                True,
                f"{_label(row)} is new: it was not in the {row.provider} catalog of {date}",
            )
        ]
    reasons = []
    if found.status.value != row.offer_status:
        reasons.append(
            Reason(
                "offer_status",
                True,
                f"{_label(row)} was {found.status.value} in the catalog of {date}, "
                f"now {row.offer_status}",
            )
        )
    price = _part_price(row, found)
    if price is not None and price != row.unit_price:
        verb = "fell" if price > row.unit_price else "rose"
        reasons.append(
            Reason(
                "price_changed",
                True,
                f"price of {_label(row)} {verb} from {_price(price)} to {_price(row.unit_price)} "
                f"{_UNIT_WORDS.get(row.price_unit, row.price_unit)}",
            )
        )
    return reasons


def _same_place_reasons(old: Placement, new: Placement) -> list[Reason]:
    """Known from the two plans: the same offer, another price."""
    reasons = []
    new_rows = {(r.part, r.sku): r for r in new.rows}
    for row in old.rows:
        other = new_rows.get((row.part, row.sku))
        if other is not None and other.unit_price != row.unit_price:
            verb = "rose" if other.unit_price > row.unit_price else "fell"
            reasons.append(
                Reason(
                    "price_changed",
                    True,
                    f"price of {_label(row)} {verb} from {_price(row.unit_price)} to "
                    f"{_price(other.unit_price)} {_UNIT_WORDS.get(row.price_unit, row.price_unit)}",
                )
            )
        if other is not None and other.offer_status != row.offer_status:
            kind: ReasonKind = (
                "offer_deprecated" if other.offer_status == "deprecated" else "offer_status"
            )
            reasons.append(
                Reason(
                    kind,
                    True,
                    f"{_label(row)} is now {other.offer_status} (was {row.offer_status})",
                )
            )
    return reasons


def _component_reasons(
    name: str,
    old: Placement | None,
    new: Placement | None,
    spec_changes: list[SpecChange],
    old_side: _Side,
    new_side: _Side,
    global_changes: list[SpecChange],
    constraint_costs: list[ConstraintChange],
) -> list[Reason]:
    prefix = f"components.{name}"
    own = [c for c in spec_changes if c.path == prefix or c.path.startswith(prefix + ".")]
    if old is None:
        return [Reason("spec_changed", True, f"component {name} was added to the bundle")]
    if new is None:
        return [Reason("spec_changed", True, f"component {name} was removed from the bundle")]
    reasons: list[Reason] = []
    if own:
        details = ", ".join(_spec_text(c, prefix) for c in own)
        reasons.append(Reason("spec_changed", True, f"spec of {name} changed: {details}"))
    if (old.provider, old.region, old.sku) == (new.provider, new.region, new.sku):
        reasons.extend(_same_place_reasons(old, new))
        return reasons or _fallback(reasons, global_changes, constraint_costs, old, new)
    for row in old.rows:
        reasons.extend(_old_offer_reasons(row, new_side))
    for row in new.rows:
        reasons.extend(_new_offer_reasons(row, old_side))
    explained = any(r.kind == "cheaper_offer" for r in reasons)
    old_unknown = any(r.provider not in old_side.catalogs for r in new.rows)
    if not explained and new.monthly < old.monthly and old_unknown:
        reasons.append(
            Reason(
                "cheaper_offer",
                False,
                f"{new.where} costs {_price(new.monthly)} EUR/month, less than "
                f"{old.where} did ({_price(old.monthly)}): a new offer or a price cut "
                f"(inferred: the {new.provider} catalog of the old plan is not at hand)",
            )
        )
    return reasons or _fallback(reasons, global_changes, constraint_costs, old, new)


def _fallback(
    reasons: list[Reason],
    global_changes: list[SpecChange],
    constraint_costs: list[ConstraintChange],
    old: Placement,
    new: Placement,
) -> list[Reason]:
    """When nothing about the component itself explains the move."""
    found = list(reasons)
    if global_changes:
        details = ", ".join(_spec_text(c, "") for c in global_changes)
        found.append(Reason("spec_changed", True, f"bundle-wide constraints changed: {details}"))
    for change in constraint_costs:
        found.append(
            Reason(
                "constraint_cost",
                True,
                f"keeping {change.name} costs {_signed(change.new_cost)} EUR/month "
                f"(was {_signed(change.old_cost)})",
            )
        )
    if not found:
        found.append(
            Reason(
                "plan_wide",
                False,
                f"{old.where} and {new.where} are unchanged as far as the plans and catalogs "
                "at hand tell: the move comes from the rest of the plan (links, provider count "
                "or share, or catalogs not at hand)",
            )
        )
    return found


def _signed(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return f"{'-' if value < 0 else '+'}{abs(value):.2f}"


# --- spec ---------------------------------------------------------------------------------


def _flatten(value: Any, path: str, out: dict[str, Any]) -> None:
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            _flatten(item, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list | tuple) and value and isinstance(value[0], Mapping):
        for index, item in enumerate(value):
            _flatten(item, f"{path}[{index}]", out)
    else:
        out[path] = value


def _spec_changes(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[SpecChange]:
    if old is None or new is None:
        return []
    found: list[SpecChange] = []
    old_components, new_components = old.get("components", {}), new.get("components", {})
    for name in sorted(set(old_components) | set(new_components)):
        if name not in new_components:
            found.append(SpecChange(f"components.{name}", "present", None))
        elif name not in old_components:
            found.append(SpecChange(f"components.{name}", None, "present"))
    flat_old: dict[str, Any] = {}
    flat_new: dict[str, Any] = {}
    _flatten({k: v for k, v in old.items()}, "", flat_old)
    _flatten({k: v for k, v in new.items()}, "", flat_new)
    for path in sorted(set(flat_old) | set(flat_new)):
        parts = path.split(".")
        if (
            parts[0] == "components"
            and len(parts) > 1
            and (parts[1] not in old_components or parts[1] not in new_components)
        ):
            continue
        before, after = flat_old.get(path), flat_new.get(path)
        if _plain(before) != _plain(after):
            found.append(SpecChange(path, _plain(before), _plain(after)))
    return found


def _plain(value: Any) -> Any:
    """Spec values as compared and shown: numbers as Decimal (``2`` equals ``2.0``)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value)).normalize()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _spec_text(change: SpecChange, prefix: str) -> str:
    path = change.path[len(prefix) + 1 :] if prefix and change.path != prefix else change.path
    if change.old is None and change.new == "present":
        return f"{path or change.path} added"
    if change.new is None and change.old == "present":
        return f"{path or change.path} removed"
    return f"{path} {_value(change.old)} -> {_value(change.new)}"


def _value(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return str(value)


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


def _catalog_changes(old: Plan, new: Plan, old_side: _Side, new_side: _Side) -> list[CatalogChange]:
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
    old_side = _side(old, store, fallback=False)
    new_side = _side(new, store, fallback=True)
    spec_changes = _spec_changes(old.bundle.spec, new.bundle.spec)
    unrecorded = old.bundle.spec is None or new.bundle.spec is None
    if unrecorded and old.bundle.sha256 != new.bundle.sha256:
        spec_changes.append(SpecChange("bundle.sha256", old.bundle.sha256, new.bundle.sha256))
    global_changes = [
        c
        for c in spec_changes
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
        reasons = _component_reasons(
            name, a, b, spec_changes, old_side, new_side, global_changes, costs
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
        spec=tuple(spec_changes),
        constraints=tuple(constraints),
        catalogs=tuple(catalogs),
        warnings_added=tuple(sorted(new_warnings - old_warnings)),
        warnings_removed=tuple(sorted(old_warnings - new_warnings)),
        notes=tuple(_notes(old, new, catalogs, store is not None)),
    )


def _unique(reasons: Iterable[Reason]) -> list[Reason]:
    return list(dict.fromkeys(reasons))
