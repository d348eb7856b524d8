"""The optimisation problem and its solution, below both solver backends (``milp``,
``enumeration``) and the dispatcher (``solve``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sovbundle.money import cents
from sovbundle.planning.candidates import Candidate, ComponentCandidates

__all__ = ["LinkCost", "LinkRule", "Problem", "Solution"]


@dataclass(frozen=True)
class LinkRule:
    """A bundle link as the model sees it."""

    index: int
    from_: str
    to: str
    gb_month: Decimal
    colocate: str | None = None
    apart: str | None = None


@dataclass(frozen=True)
class Problem:
    """What the optimiser needs: candidates per component (name order), links and policy."""

    components: tuple[ComponentCandidates, ...]
    links: tuple[LinkRule, ...] = ()
    budget: Decimal | None = None
    min_providers: int = 1
    max_share: Decimal | None = None

    @staticmethod
    def egress_cents(link: LinkRule, source: Candidate) -> int:
        """What the link costs when it leaves ``source`` for another provider (unknown: 0)."""
        price = source.egress_price
        return cents(link.gb_month * price) if price else 0


@dataclass(frozen=True)
class LinkCost:
    """A link in a solution: crossing providers or not, and its egress cost."""

    rule: LinkRule
    from_provider: str
    to_provider: str
    monthly: Decimal
    price_unknown: bool
    source: str = ""
    """The placement the traffic leaves (``provider/region/sku``), named in warnings."""

    @property
    def cross_provider(self) -> bool:
        return self.from_provider != self.to_provider


@dataclass(frozen=True)
class Solution:
    """The outcome of one optimisation."""

    status: str
    """``optimal``, ``feasible`` (time limit hit with a plan) or ``infeasible``."""
    chosen: Mapping[str, Candidate]
    links: tuple[LinkCost, ...]
    total: Decimal | None
    objective: Decimal | None
    """The solver's own objective, in EUR (cross-checks ``total``, never used for money)."""
    gap: float | None
    candidates: int
    pruned: int
    variables: int = 0
    constraints: int = 0
    nonzeros: int = 0
    time_ms: int = 0
    method: str = "highs"
    tie_break_complete: bool = True
    """False when the tie-break's last pass (the smallest rank vector) stopped unproven
    (``milp.NAME_ORDER_WORK``, or a solve's time limit):
    the plan is still of least cost and least sum of ranks."""
    """``highs`` (the MILP), ``enumeration`` (exact search of a small problem) or ``direct``."""
