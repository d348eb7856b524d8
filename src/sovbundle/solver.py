"""Exact optimisation: candidates -> the cheapest plan, proven optimal (MILP with HiGHS).

Pure: no file or network I/O, no clock (the caller may pass one), no module state. HiGHS is
imported lazily inside ``solve`` so that ``sovbundle --help`` stays instant; its console output
is off (and its start-up banner kept off stdout, see ``sovbundle.milp``).

The MILP itself (variables, rows, HiGHS) lives in ``sovbundle.milp``.

Tie-break among equal-cost optima (documented in the plan): components are taken in name order
and each keeps the candidate that comes first in the canonical order (monthly cost, provider,
region, SKU) among those still reaching the optimum: the lexicographically smallest vector of
canonical ranks. It is computed by fixing the total to the optimum and, component by component,
minimising the rank (skipped when the incumbent already has the best rank left).

Before the model, candidates are pruned exactly (``prune``, then ``_within`` a cost bound), and
a bundle without coupling constraints takes the cheapest candidate per component directly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sovbundle.candidates import Candidate, ComponentCandidates, cents, money
from sovbundle.milp import Model

__all__ = ["LinkCost", "LinkRule", "Problem", "Solution", "link_costs", "prune", "solve"]


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


def link_costs(problem: Problem, chosen: Mapping[str, Candidate]) -> tuple[LinkCost, ...]:
    """Each link's providers and egress cost for a choice (Decimal, rounded to cents)."""
    found = []
    for link in problem.links:
        source = chosen[link.from_]
        src, dst = source.provider, chosen[link.to].provider
        crossing = src != dst and link.gb_month > 0
        paid = Decimal(problem.egress_cents(link, source)) / 100 if crossing else Decimal(0)
        unknown = crossing and source.egress_price is None
        found.append(LinkCost(link, src, dst, money(paid), unknown, source.label))
    return tuple(found)


def _link_sources(problem: Problem) -> set[str]:
    return {link.from_ for link in problem.links if link.gb_month > 0}


def _region_level(problem: Problem) -> set[str]:
    level: set[str] = set()
    for link in problem.links:
        if "region" in (link.colocate, link.apart):
            level.update((link.from_, link.to))
    return level


def prune(
    problem: Problem, name: str, cands: list[Candidate], cheapest_only: bool = False
) -> list[Candidate]:
    """Drop candidates no optimal plan needs (exactly; the order stays canonical).

    Candidates of one component on the same provider (same region when the component is in a
    region-level colocate/apart) differ only in cost. Without ``max_provider_share`` the
    cheapest (first) of each group dominates. With it, a dearer candidate can lower *another*
    provider's share, so only candidates of equal group and equal cost are merged (unless
    ``cheapest_only``, used to find an upper bound quickly). A component that sends priced link
    traffic also groups by egress price: a cheaper bucket with dearer egress does not dominate.
    """
    by_region = name in _region_level(problem)
    by_cost = problem.max_share is not None and not cheapest_only
    by_egress = name in _link_sources(problem)
    seen: set[tuple[str, ...]] = set()
    kept = []
    for cand in cands:
        group = (cand.provider, cand.region) if by_region else (cand.provider,)
        if by_egress:
            group = (*group, str(cand.egress_price))
        key = (*group, str(cand.cents)) if by_cost else group
        if key not in seen:
            seen.add(key)
            kept.append(cand)
    return kept


def _coupled(problem: Problem) -> bool:
    return (
        problem.min_providers > 1
        or problem.max_share is not None
        or any(link.colocate or link.apart or link.gb_month > 0 for link in problem.links)
    )


Pools = dict[str, list[Candidate]]


def _total(
    problem: Problem, chosen: Mapping[str, Candidate]
) -> tuple[Decimal, tuple[LinkCost, ...]]:
    links = link_costs(problem, chosen)
    spent = sum((c.monthly for c in chosen.values()), Decimal(0))
    return spent + sum((link.monthly for link in links), Decimal(0)), links


def _upper_bound(problem: Problem, pools: Pools) -> int | None:
    """A total (cents) no optimal plan exceeds: the budget, or a plan found on fewer candidates.

    With ``max_provider_share`` the pools keep dearer candidates; solving first on the cheapest
    candidate of each group gives a feasible plan quickly, and its cost bounds the optimum.
    """
    bound = int(problem.budget * 100) if problem.budget is not None else None
    if problem.max_share is None:
        return bound
    cheapest = {
        name: prune(problem, name, pool, cheapest_only=True) for name, pool in pools.items()
    }
    if sum(map(len, cheapest.values())) == sum(map(len, pools.values())):
        return bound
    _, picks, _, _ = Model(problem, cheapest).run(tie_break=False)
    if picks is None:
        return bound
    found = cents(_total(problem, {n: cheapest[n][k] for n, k in picks.items()})[0])
    return found if bound is None else min(bound, found)


def _within(pools: Pools, bound: int) -> Pools:
    """Keep the candidates that can be part of a plan costing at most ``bound`` cents (exact:
    the other components cost at least their cheapest candidate, links at least 0)."""
    floor = {name: pool[0].cents for name, pool in pools.items()}
    rest = sum(floor.values())
    return {
        name: [c for c in pool if c.cents + rest - floor[name] <= bound]
        for name, pool in pools.items()
    }


def solve(
    problem: Problem,
    *,
    forbid: frozenset[tuple[str, str]] = frozenset(),
    clock: Callable[[], float] | None = None,
) -> Solution:
    """The cheapest plan, proven optimal; ``forbid`` removes (component, label) candidates."""
    started = clock() if clock else 0.0
    allowed = {
        cc.name: [c for c in cc.candidates if (cc.name, c.label) not in forbid]
        for cc in problem.components
    }
    offered = sum(map(len, allowed.values()))
    pools = {name: prune(problem, name, cands) for name, cands in allowed.items()}
    if all(pools.values()) and _coupled(problem):
        bound = _upper_bound(problem, pools)
        if bound is not None:
            pools = _within(pools, bound)
    count = sum(map(len, pools.values()))

    def outcome(status: str, chosen: Mapping[str, Candidate], **extra: Any) -> Solution:
        total, links = _total(problem, chosen) if chosen else (None, ())
        if status == "infeasible":
            total, links, chosen = None, (), {}
        ms = round((clock() - started) * 1000) if clock else 0
        return Solution(status, chosen, links, total, candidates=count, pruned=offered - count,
                        time_ms=ms, **extra)  # fmt: skip

    if not all(pools.values()):
        return outcome("infeasible", {}, objective=None, gap=None, method="direct")
    if not _coupled(problem):
        chosen = {name: pool[0] for name, pool in pools.items()}
        total = _total(problem, chosen)[0]
        status = (
            "infeasible" if problem.budget is not None and total > problem.budget else "optimal"
        )
        return outcome(status, chosen, objective=total, gap=0.0, method="direct")
    model = Model(problem, pools)
    status, picks, objective, gap = model.run()
    size = {"variables": model.variables, "constraints": model.rows, "nonzeros": model.nonzeros}
    if picks is None:
        return outcome("infeasible", {}, objective=None, gap=None, **size)
    chosen = {name: pools[name][k] for name, k in picks.items()}
    return outcome(status, chosen, objective=objective, gap=gap, **size)
