"""Why a plan's line changed: what became of its offers, what the spec says, and how sure that is.

Pure helpers of ``sovbundle.planning.diff`` (see its docstring for known vs inferred). A plan's
catalogs are looked up through a ``CatalogStore``; ``_Side`` holds one plan's catalogs as far
as they are at hand, exact (its sha256 matches) or the current local one standing in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from sovbundle.catalog.files import ProviderCatalog
from sovbundle.models import DatabaseSpecs, ObjectStorageSpecs, Offer
from sovbundle.money import unit_price
from sovbundle.plan import CatalogRef, PlacementRow, Plan
from sovbundle.plan_diff import (
    ConstraintChange,
    Placement,
    Reason,
    ReasonKind,
    SpecChange,
    spec_value,
)
from sovbundle.planning.filters import FACTS

__all__ = [
    "CatalogStore",
    "Side",
    "component_reasons",
    "evidence_rules",
    "side_of",
    "spec_changes",
]


class CatalogStore(Protocol):
    """Where ``diff`` finds the catalogs a plan was made from."""

    def by_sha256(self, provider: str, sha256: str) -> ProviderCatalog | None:
        """The catalog of ``provider`` whose file has this sha256, if one is at hand."""

    def current(self, provider: str) -> ProviderCatalog | None:
        """The catalog a plan would use now (cache, else snapshot), if any."""


@dataclass
class Side:
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


def side_of(plan: Plan, store: CatalogStore | None, fallback: bool) -> Side:
    refs = {ref.provider: ref for ref in plan.catalogs}
    side = Side(refs, {}, {})
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


def _certainty(side: Side, provider: str, inferred_why: str) -> tuple[bool, str]:
    if side.exact.get(provider, False):
        return True, ""
    return False, f" (inferred: {inferred_why})"


def _old_offer_reasons(row: PlacementRow, new_side: Side) -> list[Reason]:
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
    lost = sorted(set(row.certifications) - set(found.certifications))
    if lost:
        reasons.append(
            Reason(
                "certification_lost",
                known,
                f"{_label(row)} no longer holds {', '.join(lost)} in {row.region}{suffix}",
            )
        )
    return reasons


def _new_offer_reasons(row: PlacementRow, old_side: Side) -> list[Reason]:
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


def component_reasons(
    name: str,
    old: Placement | None,
    new: Placement | None,
    spec_changes: list[SpecChange],
    old_side: Side,
    new_side: Side,
    global_changes: list[SpecChange],
    constraint_costs: list[ConstraintChange],
    claims: Sequence[Reason] = (),
) -> list[Reason]:
    """Why one component's line changed; ``claims``: the changes of the certification claims
    behind its old placement (``diff_evidence.certification_reasons``), for a move."""
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
    reasons.extend(claims)
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
    if not found and old.where == new.where:
        found.append(
            Reason(
                "plan_wide",
                False,
                f"{old.where} costs {_price(new.monthly)} EUR/month instead of "
                f"{_price(old.monthly)} at the same unit prices and quantities: neither plan "
                "says why (was a plan file edited?)",
            )
        )
    elif not found:
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


def evidence_rules(spec: Mapping[str, Any]) -> dict[str, str]:
    """``policy.unknown_evidence`` as one rule per fact (``strict`` where unnamed), however
    the bundle wrote it: ``tolerant`` and ``{certifications: tolerant}`` compare fact by fact."""
    value = (spec.get("policy") or {}).get("unknown_evidence", "strict")
    if isinstance(value, Mapping):
        return {fact: str(value.get(fact, "strict")) for fact in FACTS}
    return {fact: str(value) for fact in FACTS}


def _with_rules(spec: dict[str, Any]) -> dict[str, Any]:
    policy = spec.get("policy")
    if not isinstance(policy, Mapping) or "unknown_evidence" not in policy:
        return spec
    return {**spec, "policy": {**policy, "unknown_evidence": evidence_rules(spec)}}


def spec_changes(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[SpecChange]:
    if old is None or new is None:
        return []
    old, new = _with_rules(old), _with_rules(new)
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
    return f"{path} {spec_value(change.old)} -> {spec_value(change.new)}"
