"""What ``sovbundle diff`` found between two plans, as data (computed by
``sovbundle.planning.diff``, shown by ``sovbundle.render.diff``).

Two plans are *equal* when they place every component on the same provider, region and SKU(s),
in the same quantities at the same prices, on offers of the same commercial status (an offer
that became deprecated needs a look), with the same links' costs, total and plan status: the
optimum is the same, and with the same evidence basis: no constraint's evidence for a placed
offer went from direct to assumed or back, and no assumption entered or left the plan (an
``EvidenceChange`` with ``basis_changed``). What else differs (catalog dates, certifications,
the source or date of evidence on the same basis, warnings, constraint rows, the spec's
wording) is reported but does not make the plans differ.

Each ``Reason`` says whether it is **known** or **inferred**:

* known: read from the two plans themselves (the same placement at another price; a component
  added to the spec), or from the very catalog a plan was made from (matched by sha256: an offer
  that disappeared, became deprecated, or was not in the old catalog at all);
* inferred: from the *current* local catalog standing in for a plan's own (its sha256 differs),
  or from what the plans' figures imply when no catalog is at hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sovbundle.plan import CatalogRef, ConstraintEvidence, EvidenceRow, PlacementRow, Plan

__all__ = [
    "CatalogChange",
    "ComponentChange",
    "ConstraintChange",
    "EvidenceChange",
    "EvidenceRowChange",
    "LinkChange",
    "Placement",
    "PlanDiff",
    "ProviderDelta",
    "Reason",
    "ReasonKind",
    "SpecChange",
    "spec_value",
]

ReasonKind = Literal[
    "spec_changed",
    "price_changed",
    "offer_removed",
    "offer_deprecated",
    "offer_status",
    "certification_lost",
    "certification_status",
    "fact_changed",
    "cheaper_offer",
    "constraint_cost",
    "plan_wide",
]


@dataclass(frozen=True)
class Reason:
    """Why a line changed, and whether that is known or inferred."""

    kind: ReasonKind
    known: bool
    message: str


@dataclass(frozen=True)
class SpecChange:
    """One value of the normalised spec that differs (``components.web.vcpus``)."""

    path: str
    old: Any
    new: Any


# --- catalogs -----------------------------------------------------------------------------


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
class EvidenceRowChange:
    """One component's evidence for one constraint that differs between the two plans.

    On the same placement: any of ``basis``, ``fact``, ``source``, ``as_of``, ``valid_until``.
    On a component that moved, was added or removed: only a change of basis (the move itself
    is the component's line), with ``placement`` among the fields when both sides exist."""

    component: str
    old: EvidenceRow | None
    new: EvidenceRow | None
    fields: tuple[str, ...]
    reasons: tuple[Reason, ...]

    @property
    def basis_changed(self) -> bool:
        """Direct became assumed or back, or an assumption entered or left the plan."""
        return "basis" in self.fields


@dataclass(frozen=True)
class EvidenceChange:
    """A constraint on a fact whose evidence differs: its counts in each plan, and the rows."""

    constraint: str
    old: ConstraintEvidence | None
    new: ConstraintEvidence | None
    """``None``: the plan has no such constraint (or records no evidence for it)."""
    rows: tuple[EvidenceRowChange, ...]

    @property
    def basis_changed(self) -> bool:
        return any(row.basis_changed for row in self.rows)


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
    evidence: tuple[EvidenceChange, ...]
    """Constraints whose evidence changed (a change of basis makes the plans differ)."""
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
            and not any(change.basis_changed for change in self.evidence)
        )

    @property
    def delta(self) -> Decimal:
        return self.new.total_monthly - self.old.total_monthly


def spec_value(value: Any) -> str:
    """A spec value as a diff shows it: ``unset``, ``true``, ``2.5``, ``[FR, DE]``."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, list):
        return "[" + ", ".join(spec_value(v) for v in value) + "]"
    return str(value)
