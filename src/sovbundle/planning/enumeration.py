"""Exact search of a small coupled problem, in pure Python (no HiGHS, no numpy import).

A depth-first branch and bound over the pruned pools, components in name order and each pool in
canonical order, so that combinations are met in lexicographic order of their rank vectors. A
combination is kept when it beats the best so far on (total cents, sum of canonical ranks):
the first one met of least key is the plan the documented tie-break (``solver.TIE_BREAK``)
names, the very plan the MILP returns. Partial combinations are cut when they break a link's
``colocate``/``apart`` or when their cost so far plus the cheapest rest cannot beat the best.

The search gives up (``None``) after ``limit`` nodes, a count that depends only on the problem,
so which method solves a bundle is deterministic too.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from sovbundle.planning.candidates import Candidate

if TYPE_CHECKING:
    from sovbundle.planning.problem import LinkRule, Problem

__all__ = ["ENUMERATION_DEPTH", "ENUMERATION_NODES", "Found", "search"]

ENUMERATION_NODES = 20_000
"""Search nodes (partial combinations) tried before leaving the problem to the MILP."""

ENUMERATION_DEPTH = 64
"""Components beyond which the search is not tried (the recursion goes one level each)."""


@dataclass(frozen=True)
class Found:
    """The outcome of a finished search: pool positions by component, or None if infeasible."""

    picks: dict[str, int] | None
    cost: int
    """The total in cents (0 when infeasible)."""


class _GaveUp(Exception):
    """The node limit was reached."""


def _same_place(a: Candidate, b: Candidate, level: str) -> bool:
    return a.provider == b.provider and (level == "provider" or a.region == b.region)


def search(
    problem: Problem, pools: dict[str, list[Candidate]], ranks: dict[str, list[int]], limit: int
) -> Found | None:
    """The least (cost, rank sum) plan, first in rank-vector order; None past ``limit`` nodes."""
    names = [cc.name for cc in problem.components]
    if len(names) > ENUMERATION_DEPTH:
        return None
    index = {name: i for i, name in enumerate(names)}
    cands = [pools[name] for name in names]
    rank = [ranks[name] for name in names]
    cost = [[c.cents for c in pool] for pool in cands]
    # Links are checked (and priced) at the later of their two components.
    due: list[list[tuple[LinkRule, int]]] = [[] for _ in names]
    for link in problem.links:
        a, b = index[link.from_], index[link.to]
        due[max(a, b)].append((link, min(a, b) if a != b else a))
    rest = [0] * (len(names) + 1)
    for i in range(len(names) - 1, -1, -1):
        rest[i] = rest[i + 1] + cost[i][0]
    budget = int(problem.budget * 100) if problem.budget is not None else None
    share = Fraction(problem.max_share) if problem.max_share is not None else None
    egress: dict[tuple[int, int], int] = {}

    def egress_cents(link: LinkRule, source: Candidate) -> int:
        key = (link.index, id(source))
        if key not in egress:
            egress[key] = problem.egress_cents(link, source)
        return egress[key]

    chosen: list[Candidate] = []
    best: list[tuple[int, int] | None] = [None]
    best_picks: list[list[int]] = [[]]
    picks: list[int] = []
    nodes = [0]

    def leaf(total: int, rank_sum: int) -> None:
        spend: dict[str, int] = {}
        for cand in chosen:
            spend[cand.provider] = spend.get(cand.provider, 0) + cand.cents
        if len(spend) < problem.min_providers:
            return
        for link in problem.links:
            source, target = chosen[index[link.from_]], chosen[index[link.to]]
            if source.provider != target.provider and link.gb_month > 0:
                paid = egress_cents(link, source)
                spend[source.provider] = spend.get(source.provider, 0) + paid
        if share is not None and any(
            amount * share.denominator > share.numerator * total for amount in spend.values()
        ):
            return
        best[0] = (total, rank_sum)
        best_picks[0] = list(picks)

    def visit(i: int, spent: int, rank_sum: int) -> None:
        if i == len(names):
            fits = budget is None or spent <= budget
            if fits and (best[0] is None or (spent, rank_sum) < best[0]):
                leaf(spent, rank_sum)
            return
        for k, cand in enumerate(cands[i]):
            nodes[0] += 1
            if nodes[0] > limit:
                raise _GaveUp
            floor = spent + cost[i][k] + rest[i + 1]
            key = (floor, rank_sum + rank[i][k])
            if (budget is not None and floor > budget) or (best[0] is not None and key >= best[0]):
                break  # later candidates cost and rank no less
            added = 0
            fits = True
            for link, other in due[i]:
                mate = chosen[other] if other != i else cand
                level = link.colocate or link.apart
                if level and _same_place(cand, mate, level) != bool(link.colocate):
                    fits = False
                    break
                if link.gb_month > 0:
                    source, target = (cand, mate) if index[link.from_] == i else (mate, cand)
                    if source.provider != target.provider:
                        added += egress_cents(link, source)
            if not fits:
                continue
            chosen.append(cand)
            picks.append(k)
            visit(i + 1, spent + cost[i][k] + added, rank_sum + rank[i][k])
            chosen.pop()
            picks.pop()

    try:
        visit(0, 0, 0)
    except _GaveUp:
        return None
    if best[0] is None:
        return Found(None, 0)
    return Found(dict(zip(names, best_picks[0], strict=True)), best[0][0])
