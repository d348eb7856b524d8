"""The reference optimiser: every combination of candidates, in canonical order (tests, bench).

The first feasible combination met of least (cost, sum of canonical ranks) is exactly the
documented tie-break (``TIE_BREAK``).
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from sovbundle.money import money
from sovbundle.planning.candidates import Candidate
from sovbundle.planning.problem import Problem

__all__ = ["brute_force", "feasible", "plan_cost"]


def plan_cost(problem: Problem, combo: dict[str, Candidate]) -> tuple[Decimal, dict[str, Decimal]]:
    spend: dict[str, Decimal] = {}
    for cand in combo.values():
        spend[cand.provider] = spend.get(cand.provider, Decimal(0)) + cand.monthly
    for link in problem.links:
        src, dst = combo[link.from_].provider, combo[link.to].provider
        price = combo[link.from_].egress_price
        if src != dst and price:
            spend[src] = spend.get(src, Decimal(0)) + money(link.gb_month * price)
    return sum(spend.values(), Decimal(0)), spend


def feasible(problem: Problem, combo: dict[str, Candidate]) -> bool:
    total, spend = plan_cost(problem, combo)
    for link in problem.links:
        a, b = combo[link.from_], combo[link.to]
        level = link.colocate or link.apart
        if level is None:
            continue
        same = a.provider == b.provider and (level == "provider" or a.region == b.region)
        if same != bool(link.colocate):
            return False
    if problem.budget is not None and total > problem.budget:
        return False
    if len({c.provider for c in combo.values()}) < problem.min_providers:
        return False
    share = problem.max_share
    return share is None or all(amount <= share * total for amount in spend.values())


def brute_force(problem: Problem) -> tuple[Decimal, dict[str, str]] | None:
    names = [cc.name for cc in problem.components]
    best: tuple[Decimal, int, dict[str, str]] | None = None
    ranked = [list(enumerate(cc.candidates)) for cc in problem.components]
    for picks in itertools.product(*ranked):
        combo = dict(zip(names, (cand for _, cand in picks), strict=True))
        if not feasible(problem, combo):
            continue
        total = plan_cost(problem, combo)[0]
        ranks = sum(rank for rank, _ in picks)
        if best is None or (total, ranks) < best[:2]:
            best = (total, ranks, {n: c.label for n, c in combo.items()})
    return None if best is None else (best[0], best[2])
