"""The greedy baseline: the cheapest candidate per component, then repair broken constraints.

Repair moves one component at a time to the candidate that fixes the most violations for the
least added cost, until the plan is feasible or no move helps (then the baseline has failed).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from sovbundle.planning.candidates import Candidate
from sovbundle.planning.problem import Problem
from sovbundle.planning.solve import link_costs


def total(problem: Problem, chosen: Mapping[str, Candidate]) -> Decimal:
    spent = sum((c.monthly for c in chosen.values()), Decimal(0))
    return spent + sum((link.monthly for link in link_costs(problem, chosen)), Decimal(0))


def violations(problem: Problem, chosen: Mapping[str, Candidate]) -> int:
    """How many constraints the choice breaks (a share excess counts once per provider)."""
    broken = 0
    for link in problem.links:
        level = link.colocate or link.apart
        if level is None:
            continue
        a, b = chosen[link.from_], chosen[link.to]
        same = a.provider == b.provider and (level == "provider" or a.region == b.region)
        broken += same != bool(link.colocate)
    cost = total(problem, chosen)
    if problem.budget is not None and cost > problem.budget:
        broken += 1
    broken += max(0, problem.min_providers - len({c.provider for c in chosen.values()}))
    if problem.max_share is not None:
        spend: dict[str, Decimal] = {}
        for cand in chosen.values():
            spend[cand.provider] = spend.get(cand.provider, Decimal(0)) + cand.monthly
        for link in link_costs(problem, chosen):
            spend[link.from_provider] = spend.get(link.from_provider, Decimal(0)) + link.monthly
        broken += sum(1 for amount in spend.values() if amount > problem.max_share * cost)
    return broken


def greedy(problem: Problem, max_moves: int = 200) -> tuple[Decimal | None, int]:
    """(cost, repair moves) of the greedy plan; cost None when repair gives up."""
    if not all(cc.candidates for cc in problem.components):
        return None, 0
    chosen = {cc.name: cc.candidates[0] for cc in problem.components}
    pools = {cc.name: _per_provider(cc.candidates) for cc in problem.components}
    broken = violations(problem, chosen)
    moves = 0
    while broken and moves < max_moves:
        best: tuple[int, Decimal, str, Candidate] | None = None
        for name, pool in pools.items():
            for cand in pool:
                if cand is chosen[name]:
                    continue
                trial = {**chosen, name: cand}
                left = violations(problem, trial)
                if left >= broken:
                    continue
                key = (left, total(problem, trial), name, cand)
                if best is None or key[:2] < best[:2]:
                    best = key
        if best is None:
            return None, moves
        broken, _, name, cand = best
        chosen[name] = cand
        moves += 1
    return (total(problem, chosen), moves) if not broken else (None, moves)


def _per_provider(cands: tuple[Candidate, ...]) -> list[Candidate]:
    """The cheapest candidate per (provider, region): the moves repair considers."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for cand in cands:
        if (cand.provider, cand.region) not in seen:
            seen.add((cand.provider, cand.region))
            kept.append(cand)
    return kept
