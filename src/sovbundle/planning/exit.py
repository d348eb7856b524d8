"""Provider exit and concentration: what leaving each provider of a plan would cost.

Pure (solves through ``planning.solve``). For each provider the optimal plan uses, the same
problem is re-solved exactly with every candidate on that provider forbidden; that is the
bundle with the provider added to ``exclude_providers`` everywhere, but on the candidates the
plan already built (no catalog screening again). The answer is the substitute plan's extra
monthly cost, or the reason no substitute exists, derived from the candidates:

* components whose every candidate is on that provider ("only clevercloud offers db");
* fewer providers left than ``policy.min_providers`` asks for;
* a substitute that exists only above the budget (its cost, from a re-solve without it);
* otherwise the links and the provider share rule, which no remaining combination meets.

Alongside: each provider's share of the plan's spend, and the components that have a single
possible provider under the bundle's constraints (they cannot move without changing them).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sovbundle.planning.formulate import provider_spend
from sovbundle.planning.problem import Problem, Solution
from sovbundle.planning.solve import solve

__all__ = ["ExitReport", "ProviderExit", "exit_report"]


@dataclass(frozen=True)
class ProviderExit:
    """Leaving one provider of the plan."""

    provider: str
    monthly: Decimal
    """What the plan spends there (placements and egress of links leaving it)."""
    share: Decimal
    """``monthly`` over the plan's total, 0..1, 4 decimals."""
    components: tuple[str, ...]
    """The plan's components placed there, name order."""
    feasible: bool
    substitute_total: Decimal | None
    """The cheapest plan without this provider, proven optimal by the same solver."""
    extra_monthly: Decimal | None
    """``substitute_total`` minus the plan's total."""
    moves: tuple[tuple[str, str, str], ...]
    """Components that change placement in the substitute: (component, from label, to label)."""
    reason: str | None
    """Why no plan exists without this provider (``feasible`` False)."""


@dataclass(frozen=True)
class ExitReport:
    """The exit report of a plan: one entry per provider it uses, and the lock-ins."""

    providers: tuple[ProviderExit, ...]
    single_provider: tuple[tuple[str, str], ...]
    """Components whose every candidate is on one provider: (component, provider)."""


def _share(amount: Decimal, total: Decimal) -> Decimal:
    return (amount / total).quantize(Decimal("0.0001")) if total else Decimal(0)


def _reason(problem: Problem, provider: str) -> str:
    """Why the problem has no plan once ``provider`` is gone, from its candidates."""
    stuck = [
        cc.name
        for cc in problem.components
        if cc.candidates and all(c.provider == provider for c in cc.candidates)
    ]
    if stuck:
        names = ", ".join(stuck)
        return f"only {provider} offers a placement meeting the constraints of {names}"
    left = {c.provider for cc in problem.components for c in cc.candidates} - {provider}
    if len(left) < problem.min_providers:
        return (
            f"min_providers is {problem.min_providers} and only {len(left)} other provider"
            f"{'s' * (len(left) != 1)} can host a component ({', '.join(sorted(left)) or 'none'})"
        )
    if problem.budget is not None:
        loose = Problem(
            problem.components, problem.links, None, problem.min_providers, problem.max_share
        )
        found = solve(loose, forbid=_on(problem, provider))
        if found.total is not None:
            return (
                f"the cheapest plan without {provider} costs {found.total:.2f} EUR/month, "
                f"over the budget of {problem.budget:.2f}"
            )
    return (
        f"no combination of the other providers' candidates meets the links and the "
        f"provider rules (min_providers {problem.min_providers}"
        + (f", max_provider_share {problem.max_share}" if problem.max_share is not None else "")
        + ")"
    )


def _on(problem: Problem, provider: str) -> frozenset[tuple[str, str]]:
    """Every (component, label) candidate on ``provider``."""
    return frozenset(
        (cc.name, cand.label)
        for cc in problem.components
        for cand in cc.candidates
        if cand.provider == provider
    )


def exit_report(problem: Problem, base: Solution) -> ExitReport:
    """The exit report of the optimal ``base`` plan of ``problem``."""
    assert base.total is not None
    spend = provider_spend(base)
    total = base.total
    placed: dict[str, list[str]] = {}
    for name in sorted(base.chosen):
        placed.setdefault(base.chosen[name].provider, []).append(name)
    exits = []
    for provider in sorted(spend, key=lambda p: (-spend[p], p)):
        alt = solve(problem, forbid=_on(problem, provider))
        if alt.total is None:
            exits.append(
                ProviderExit(
                    provider,
                    spend[provider],
                    _share(spend[provider], total),
                    tuple(placed.get(provider, ())),
                    False,
                    None,
                    None,
                    (),
                    _reason(problem, provider),
                )
            )
            continue
        moves = tuple(
            (name, base.chosen[name].label, alt.chosen[name].label)
            for name in sorted(base.chosen)
            if alt.chosen[name].label != base.chosen[name].label
        )
        exits.append(
            ProviderExit(
                provider,
                spend[provider],
                _share(spend[provider], total),
                tuple(placed.get(provider, ())),
                True,
                alt.total,
                alt.total - total,
                moves,
                None,
            )
        )
    single = tuple(
        (cc.name, cc.candidates[0].provider)
        for cc in problem.components
        if cc.candidates and len({c.provider for c in cc.candidates}) == 1
    )
    return ExitReport(tuple(exits), single)
