"""Exact optimisation: candidates -> the cheapest plan, proven optimal (MILP with HiGHS).

Pure: no file or network I/O, no clock (the caller may pass one), no module state. HiGHS is
imported lazily inside ``solve`` so that ``sovbundle --help`` stays instant; its console output
is off (and its start-up banner kept off stdout, see ``sovbundle.planning.milp``).

The MILP itself (variables, rows, HiGHS) lives in ``sovbundle.planning.milp``.

Tie-break among equal-cost optima (``TIE_BREAK``, printed in the plan): a candidate's canonical
rank is its position in its component's canonical order (monthly cost, provider, region, SKU,
then the offers' own data). Among the plans of least cost, the plan keeps the smallest sum of
ranks; among those, the lexicographically smallest vector of ranks, components in name order.
The MILP computes it with one more solve (the total held at the optimum, minimising the sum of
ranks, started from the optimum found), skipped when every component already holds its rank-0
candidate, then fixes the components in name order while some component is off rank 0 (one
solve per such component). That last pass is bounded by a work count, not a clock
(``milp.NAME_ORDER_WORK``): past it the plan keeps least cost and least rank sum, and says so
in its warnings (``Solution.tie_break_complete``). Pruned candidates never matter: each is
dominated by a kept one of lower rank that is interchangeable in every constraint.

Before the model, candidates are pruned exactly (``prune``, then ``_within`` a cost bound), and
a bundle without coupling constraints takes the cheapest candidate per component directly. A
small coupled bundle is solved by exact enumeration (``planning.enumeration``, same rule, no
HiGHS import) when its search stays under ``ENUMERATION_NODES``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from sovbundle.money import cents, money
from sovbundle.plan import TIE_BREAK
from sovbundle.planning import enumeration
from sovbundle.planning.candidates import Candidate, without_cycle_collector
from sovbundle.planning.enumeration import ENUMERATION_NODES, search
from sovbundle.planning.milp import Model
from sovbundle.planning.problem import LinkCost, Problem, Solution

__all__ = [
    "ENUMERATION_NODES",
    "TIE_BREAK",
    "link_costs",
    "prune",
    "solve",
]


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
    return [cands[k] for k in _kept(problem, name, cands, cheapest_only)]


def _kept(
    problem: Problem, name: str, cands: list[Candidate], cheapest_only: bool = False
) -> list[int]:
    """The positions ``prune`` keeps (the candidates' canonical ranks)."""
    by_region = name in _region_level(problem)
    by_cost = problem.max_share is not None and not cheapest_only
    by_egress = name in _link_sources(problem)
    seen: set[tuple[object, ...]] = set()
    kept = []
    for rank, cand in enumerate(cands):
        key: tuple[object, ...] = (cand.provider, cand.region) if by_region else (cand.provider,)
        if by_egress:
            key = (*key, cand.egress_price)
        if by_cost:
            key = (*key, cand.monthly)
        if key not in seen:
            seen.add(key)
            kept.append(rank)
    return kept


def _coupled(problem: Problem) -> bool:
    return (
        problem.min_providers > 1
        or problem.max_share is not None
        or any(link.colocate or link.apart or link.gb_month > 0 for link in problem.links)
    )


Pools = dict[str, list[Candidate]]
Ranks = dict[str, list[int]]
"""The canonical rank of each pooled candidate (its position before pruning), pool by pool."""


def _total(
    problem: Problem, chosen: Mapping[str, Candidate]
) -> tuple[Decimal, tuple[LinkCost, ...]]:
    links = link_costs(problem, chosen)
    spent = sum((c.monthly for c in chosen.values()), Decimal(0))
    return spent + sum((link.monthly for link in links), Decimal(0)), links


def _upper_bound(
    problem: Problem, pools: Pools, ranks: Ranks
) -> tuple[int | None, dict[str, int] | None]:
    """A total (cents) no optimal plan exceeds: the budget, or a plan found on fewer candidates
    (then also that plan, as positions in ``pools``, for the MILP to start from).

    With ``max_provider_share`` the pools keep dearer candidates; solving first on the cheapest
    candidate of each group gives a feasible plan quickly, and its cost bounds the optimum.
    """
    bound = int(problem.budget * 100) if problem.budget is not None else None
    if problem.max_share is None:
        return bound, None
    kept = {name: _kept(problem, name, pool, cheapest_only=True) for name, pool in pools.items()}
    if sum(map(len, kept.values())) == sum(map(len, pools.values())):
        return bound, None
    cheapest = {name: [pools[name][k] for k in kept[name]] for name in pools}
    cheap_ranks = {name: [ranks[name][k] for k in kept[name]] for name in pools}
    _, picks, _, _ = Model(problem, cheapest, cheap_ranks).run(tie_break=False)
    if picks is None:
        return bound, None
    found = cents(_total(problem, {n: cheapest[n][k] for n, k in picks.items()})[0])
    plan = {name: kept[name][k] for name, k in picks.items()}
    return (found, plan) if bound is None or found <= bound else (bound, None)


def _within(pools: Pools, ranks: Ranks, bound: int) -> tuple[Pools, Ranks]:
    """Keep the candidates that can be part of a plan costing at most ``bound`` cents (exact:
    the other components cost at least their cheapest candidate, links at least 0). Pools are
    in cost order, so each keeps a prefix."""
    floor = {name: pool[0].cents for name, pool in pools.items()}
    rest = sum(floor.values())
    cut = {}
    for name, pool in pools.items():
        limit = bound - rest + floor[name]
        cut[name] = next((k for k, c in enumerate(pool) if c.cents > limit), len(pool))
    return (
        {name: pool[: cut[name]] for name, pool in pools.items()},
        {name: rank[: cut[name]] for name, rank in ranks.items()},
    )


def solve(
    problem: Problem,
    *,
    forbid: frozenset[tuple[str, str]] = frozenset(),
    clock: Callable[[], float] | None = None,
    search_nodes: int | None = None,
) -> Solution:
    """The cheapest plan, proven optimal; ``forbid`` removes (component, label) candidates.

    ``search_nodes`` bounds the exact enumeration tried before the MILP (0: straight to HiGHS;
    default ``enumeration.ENUMERATION_NODES``, read at each call).
    """
    if search_nodes is None:
        search_nodes = enumeration.ENUMERATION_NODES
    with without_cycle_collector():
        return _solve(problem, forbid, clock, search_nodes)


def _solve(
    problem: Problem,
    forbid: frozenset[tuple[str, str]],
    clock: Callable[[], float] | None,
    search_nodes: int,
) -> Solution:
    started = clock() if clock else 0.0
    allowed = {
        cc.name: [c for c in cc.candidates if (cc.name, c.label) not in forbid]
        if any(name == cc.name for name, _ in forbid)
        else list(cc.candidates)
        for cc in problem.components
    }
    offered = sum(map(len, allowed.values()))
    ranks = {name: _kept(problem, name, cands) for name, cands in allowed.items()}
    pools = {name: [allowed[name][k] for k in ranks[name]] for name in allowed}
    coupled = _coupled(problem)
    searched = None
    start = None
    if all(pools.values()) and coupled:
        searched = search(problem, pools, ranks, search_nodes) if search_nodes > 0 else None
        if searched is None:
            bound, start = _upper_bound(problem, pools, ranks)
            if bound is not None:
                pools, ranks = _within(pools, ranks, bound)
    count = sum(map(len, pools.values()))

    def outcome(status: str, chosen: Mapping[str, Candidate], **extra: Any) -> Solution:
        chosen = {name: cand.named(name) for name, cand in chosen.items()}
        total, links = _total(problem, chosen) if chosen else (None, ())
        if status == "infeasible":
            total, links, chosen = None, (), {}
        ms = round((clock() - started) * 1000) if clock else 0
        return Solution(status, chosen, links, total, candidates=count, pruned=offered - count,
                        time_ms=ms, **extra)  # fmt: skip

    if not all(pools.values()):
        return outcome("infeasible", {}, objective=None, gap=None, method="direct")
    if not coupled:
        chosen = {name: pool[0] for name, pool in pools.items()}
        total = _total(problem, chosen)[0]
        status = (
            "infeasible" if problem.budget is not None and total > problem.budget else "optimal"
        )
        return outcome(status, chosen, objective=total, gap=0.0, method="direct")
    if searched is not None:
        if searched.picks is None:
            return outcome("infeasible", {}, objective=None, gap=None, method="enumeration")
        chosen = {name: pools[name][k] for name, k in searched.picks.items()}
        found = money(Decimal(searched.cost) / 100)
        return outcome("optimal", chosen, objective=found, gap=0.0, method="enumeration")
    model = Model(problem, pools, ranks)
    if start is not None:
        model.start(start)
    status, picks, objective, gap = model.run()
    size: dict[str, Any] = {
        "variables": model.variables,
        "constraints": model.rows,
        "nonzeros": model.nonzeros,
        "tie_break_complete": model.tie_break_complete,
    }
    if picks is None:
        return outcome("infeasible", {}, objective=None, gap=None, **size)
    chosen = {name: pools[name][k] for name, k in picks.items()}
    return outcome(status, chosen, objective=objective, gap=gap, **size)
