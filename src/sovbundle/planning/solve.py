"""Exact optimisation: candidates -> the cheapest plan, proven optimal (MILP with HiGHS).

Pure: no file or network I/O, no clock (the caller may pass one), no module state. HiGHS is
imported lazily inside ``solve`` so that ``sovbundle --help`` stays instant; its console output
is off (and its start-up banner kept off stdout, see ``sovbundle.planning.milp``).

The MILP itself (variables, rows, HiGHS) lives in ``sovbundle.planning.milp``.

Tie-break among equal-cost optima (``TIE_BREAK``, printed in the plan): a candidate's canonical
rank is its position in its component's canonical order (monthly cost, provider, region, SKU,
then the offers' own data). Among the plans of least cost, the plan keeps the smallest sum of
ranks; among those, the lexicographically smallest vector of ranks, components in name order.
The MILP computes least cost and least rank sum in one solve when the numbers allow it (a
lexicographic objective, ``(cents - floor) x M + rank``, exact in a double while below
``milp.EXACT_FLOAT``; otherwise a second solve with the total held at the optimum), then the
smallest rank vector by rounds of one solve each asking for a lexicographically smaller plan
(``milp.Model._smallest_vector``); the first round that finds none proves it. The rounds are
bounded by a work count, not a clock (``milp.NAME_ORDER_WORK``): past it the plan keeps least
cost and least rank sum, and says so in its warnings (``Solution.tie_break_complete``). Pruned
candidates never matter: each is dominated by a kept one of lower rank that is interchangeable
in every constraint.

Before the model, candidates are pruned exactly (``prune``; with ``max_provider_share``, then
``_unpadded`` by the gap between an upper bound and the optimum without the share rule, then
``_within`` a cost bound; the MILP then closes columns by reduced cost), and
a bundle without coupling constraints takes the cheapest candidate per component directly. A
small coupled bundle is solved by exact enumeration (``planning.enumeration``, same rule, no
HiGHS import) when its search stays under ``ENUMERATION_NODES``.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, TypeVar

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
    problem: Problem,
    name: str,
    cands: Sequence[Candidate],
    cheapest_only: bool = False,
    roles: _Roles | None = None,
) -> list[int]:
    """The positions ``prune`` keeps (the candidates' canonical ranks)."""
    roles = roles if roles is not None else _Roles.of(problem)
    by_region = name in roles.region_level
    by_cost = problem.max_share is not None and not cheapest_only
    by_egress = name in roles.link_sources
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


@dataclass(frozen=True)
class _Roles:
    """What pruning needs to know of each component's links, computed once per problem (not
    once per component: a 1000-component bundle has ~1000 links)."""

    link_sources: frozenset[str]
    region_level: frozenset[str]

    @staticmethod
    def of(problem: Problem) -> _Roles:
        return _Roles(frozenset(_link_sources(problem)), frozenset(_region_level(problem)))


def _group_key(roles: _Roles, name: str, cand: Candidate) -> tuple[object, ...]:
    """The candidates of one component that differ only in cost (``prune``'s groups with
    ``cheapest_only``): same provider, region if it matters, egress price if it matters."""
    key: tuple[object, ...] = (
        (cand.provider, cand.region) if name in roles.region_level else (cand.provider,)
    )
    return (*key, cand.egress_price) if name in roles.link_sources else key


def _shared(
    pools: Mapping[str, Sequence[Candidate]], roles: _Roles, make: Callable[[str], _T]
) -> dict[str, _T]:
    """``make(name)`` for each pool, computed once per (pool object, link roles): alike
    components share their candidates (``ComponentCandidates``), so a 1000-component bundle
    prunes ~150 distinct lists, not 1000 (and the pruned pools stay shared too)."""
    done: dict[tuple[int, bool, bool], _T] = {}
    found = {}
    for name, pool in pools.items():
        key = (id(pool), name in roles.region_level, name in roles.link_sources)
        if key not in done:
            done[key] = make(name)
        found[name] = done[key]
    return found


def _coupled(problem: Problem) -> bool:
    return (
        problem.min_providers > 1
        or problem.max_share is not None
        or any(link.colocate or link.apart or link.gb_month > 0 for link in problem.links)
    )


_T = TypeVar("_T")

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
    problem: Problem, pools: Pools, ranks: Ranks, roles: _Roles
) -> tuple[int | None, dict[str, int] | None, int | None]:
    """A total (cents) no optimal plan exceeds: the budget, or a plan found on fewer candidates
    (then also that plan, as canonical ranks, for the MILP to start from); and a total no plan
    is below (cents), or None.

    With ``max_provider_share`` the pools keep dearer candidates; solving first on the cheapest
    candidate of each group gives a feasible plan quickly, and its cost bounds the optimum.
    The same pools without ``max_provider_share`` give a lower bound (``_lower_bound``).
    """
    bound = int(problem.budget * 100) if problem.budget is not None else None
    if problem.max_share is None:
        return bound, None, None
    kept = _shared(
        pools,
        roles,
        lambda name: _kept(problem, name, pools[name], cheapest_only=True, roles=roles),
    )
    if sum(map(len, kept.values())) == sum(map(len, pools.values())):
        return bound, None, None
    cheapest = _shared(pools, roles, lambda name: [pools[name][k] for k in kept[name]])
    cheap_ranks = _shared(pools, roles, lambda name: [ranks[name][k] for k in kept[name]])
    lower = _lower_bound(problem, cheapest, cheap_ranks)
    _, picks, _, _ = Model(problem, cheapest, cheap_ranks).run(tie_break=False)
    if picks is None:
        return bound, None, lower
    found = cents(_total(problem, {n: cheapest[n][k] for n, k in picks.items()})[0])
    plan = {name: cheap_ranks[name][k] for name, k in picks.items()}
    return (found, plan, lower) if bound is None or found <= bound else (bound, None, lower)


def _lower_bound(problem: Problem, cheapest: Pools, cheap_ranks: Ranks) -> int | None:
    """The least total (cents) of the problem without ``max_provider_share``, which no plan of
    the problem is below: for that problem the cheapest candidate of each group is exact
    (``prune``), so the model is as small as the upper bound's. Solved cold (no start); None
    unless proven."""
    free = replace(problem, max_share=None)
    model = Model(free, cheapest, cheap_ranks)
    status, picks, _, _ = model.run(tie_break=False)
    if status != "optimal" or picks is None or model.dual_bound is None:
        return None
    # Totals are whole cents: the bound rounds up (less a float's noise).
    return math.ceil(model.dual_bound - 1e-6)


def _unpadded(pools: Pools, ranks: Ranks, roles: _Roles, slack: int) -> tuple[Pools, Ranks]:
    """Drop the candidates dearer by more than ``slack`` cents than the cheapest of their group
    (``_group_key``) in the same pool.

    Exact when ``slack`` is an upper bound minus a lower bound of the problem without
    ``max_provider_share``: swapping each candidate of a plan for the cheapest of its group
    changes neither a link, a colocate/apart, the providers used, nor an egress price, so the
    swapped plan meets every constraint but the share (and the budget, more easily) and costs at
    least the lower bound; the plan costs that plus its candidates' excess over their groups'
    cheapest, so a candidate whose excess alone passes ``slack`` is in no plan within the upper
    bound. Pools are in cost order, so the first of a group is its cheapest.
    """
    if slack < 0:
        slack = 0  # only the infeasible or the optimal-at-the-bound cases: keep the cheapest

    def keep(name: str) -> list[int]:
        least: dict[tuple[object, ...], int] = {}
        found = []
        for k, cand in enumerate(pools[name]):
            price = cand.cents
            if price - least.setdefault(_group_key(roles, name, cand), price) <= slack:
                found.append(k)
        return found

    kept = _shared(pools, roles, keep)
    return (
        _shared(pools, roles, lambda name: [pools[name][k] for k in kept[name]]),
        _shared(pools, roles, lambda name: [ranks[name][k] for k in kept[name]]),
    )


def _within(pools: Pools, ranks: Ranks, bound: int) -> tuple[Pools, Ranks]:
    """Keep the candidates that can be part of a plan costing at most ``bound`` cents (exact:
    the other components cost at least their cheapest candidate, links at least 0). Pools are
    in cost order, so each keeps a prefix."""
    floor = {name: pool[0].cents for name, pool in pools.items()}
    rest = sum(floor.values())
    cut: dict[int, int] = {}  # by pool object: alike components share theirs
    for name, pool in pools.items():
        if id(pool) not in cut:
            limit = bound - rest + floor[name]
            cut[id(pool)] = bisect_right(pool, limit, key=lambda c: c.cents)
    pruned: dict[tuple[int, int], tuple[list[Candidate], list[int]]] = {}
    for name, pool in pools.items():
        key = (id(pool), id(ranks[name]))
        if key not in pruned:
            end = cut[id(pool)]
            pruned[key] = (pool[:end], ranks[name][:end])
    return (
        {name: pruned[id(pool), id(ranks[name])][0] for name, pool in pools.items()},
        {name: pruned[id(pools[name]), id(ranks[name])][1] for name in ranks},
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
    touched = {name for name, _ in forbid}
    allowed: dict[str, Sequence[Candidate]] = {
        cc.name: [c for c in cc.candidates if (cc.name, c.label) not in forbid]
        if cc.name in touched
        else cc.candidates
        for cc in problem.components
    }
    offered = sum(map(len, allowed.values()))
    roles = _Roles.of(problem)
    ranks = _shared(allowed, roles, lambda name: _kept(problem, name, allowed[name], roles=roles))
    pools = _shared(allowed, roles, lambda name: [allowed[name][k] for k in ranks[name]])
    coupled = _coupled(problem)
    searched = None
    start = None
    if all(pools.values()) and coupled:
        searched = search(problem, pools, ranks, search_nodes) if search_nodes > 0 else None
        if searched is None:
            bound, start_ranks, lower = _upper_bound(problem, pools, ranks, roles)
            if bound is not None:
                if lower is not None:
                    pools, ranks = _unpadded(pools, ranks, roles, bound - lower)
                pools, ranks = _within(pools, ranks, bound)
            if start_ranks is not None:
                # The plan's candidates are each the cheapest of their group, within the bound.
                start = {name: ranks[name].index(r) for name, r in start_ranks.items()}
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
