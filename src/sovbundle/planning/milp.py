"""The mixed-integer model of one plan, solved with HiGHS (imported lazily, output silenced).

Model (all money in integer cents, so the objective is exactly the total the plan prints):

* ``x[c,k]`` binary: component ``c`` uses candidate ``k``; exactly one per component;
* ``w[l,p]`` in [0,1]: link ``l`` leaves provider ``p`` for another one, priced ``gb_month`` x
  ``p``'s egress price (the provider's free allowance is not applied: all traffic shares it).
  It is exact, not a relaxation (``w >= Xf - Xt``, ``w <= Xf``, ``w <= 1 - Xt``), so
  ``max_provider_share`` cannot be met with phantom egress;
* ``u[p]`` binary: provider ``p`` hosts something (``u <= sum x``) for ``min_providers``;
* colocate/apart rows per provider (or per provider and region), the budget row, and one share
  row per provider: ``b * (cost on p + egress out of p) <= a * total`` with ``share = a / b``.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from sovbundle.errors import SovbundleError
from sovbundle.money import money
from sovbundle.planning.candidates import Candidate

if TYPE_CHECKING:
    from sovbundle.planning.problem import Problem

__all__ = ["NAME_ORDER_WORK", "TIME_LIMIT_S", "Model"]

TIME_LIMIT_S = 60.0
"""Per solve; past it a plan found so far is reported as ``feasible`` with its gap."""

NAME_ORDER_WORK = 100_000
"""Solves times variables the name-order pass of the tie-break may spend (at least one solve;
past it the plan says so). A count, not a clock, so the outcome stays deterministic."""


def _new_highs() -> Any:
    """A silent HiGHS instance.

    HiGHS prints its banner from C++ on the first construction in a process, before any option
    can be set; ``--json`` promises a stdout holding only JSON, so file descriptor 1 is pointed
    at /dev/null for the construction only.
    """
    import os
    import sys

    import highspy

    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no stdout at all: nothing to protect
        highs = highspy.Highs()  # type: ignore[no-untyped-call]
    else:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
            highs = highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("mip_rel_gap", 0.0)
    # Costs are integer cents: an absolute gap below one cent proves optimality.
    highs.setOptionValue("mip_abs_gap", 0.5)
    highs.setOptionValue("time_limit", TIME_LIMIT_S)
    return highs


class Model:
    """The MILP of one solve (built in canonical order so the model is always the same)."""

    def __init__(
        self, problem: Problem, pools: dict[str, list[Candidate]], ranks: dict[str, list[int]]
    ) -> None:
        self.problem = problem
        self.pools = pools
        self.ranks = ranks
        self.costs: list[float] = []
        self.integer: list[int] = []
        self.derived: list[tuple[int, list[int], list[int], str]] = []
        """How ``w`` and ``u`` columns follow from the ``x``: (column, plus, minus, rule)."""
        self.values: list[float] = []
        """The last solution, given to the next solve as its starting incumbent."""
        self.rows_lo: list[float] = []
        self.rows_hi: list[float] = []
        self.rows_idx: list[list[int]] = []
        self.rows_val: list[list[float]] = []
        self.x: dict[str, list[int]] = {}
        for name, pool in pools.items():
            self.x[name] = [self._col(c.cents, True) for c in pool]
            self._row(1, 1, [(col, 1.0) for col in self.x[name]])
        self.spend: dict[str, list[tuple[int, float]]] = {}
        for name, pool in pools.items():
            for col, cand in zip(self.x[name], pool, strict=True):
                self.spend.setdefault(cand.provider, []).append((col, float(cand.cents)))
        self._links()
        self._policy()
        self.highs = _new_highs()
        self._load()

    def _col(self, cost: float, integer: bool) -> int:
        self.costs.append(float(cost))
        self.integer.append(1 if integer else 0)
        return len(self.costs) - 1

    def _row(self, lo: float, hi: float, terms: list[tuple[int, float]]) -> None:
        self.rows_lo.append(lo)
        self.rows_hi.append(hi)
        self.rows_idx.append([col for col, _ in terms])
        self.rows_val.append([val for _, val in terms])

    def _on(self, name: str, region_level: bool) -> dict[tuple[str, ...], list[int]]:
        groups: dict[tuple[str, ...], list[int]] = {}
        for col, cand in zip(self.x[name], self.pools[name], strict=True):
            key = (cand.provider, cand.region) if region_level else (cand.provider,)
            groups.setdefault(key, []).append(col)
        return groups

    def _links(self) -> None:
        inf = float("inf")
        for link in self.problem.links:
            rule = link.colocate or link.apart
            if rule:
                src, dst = (
                    self._on(link.from_, rule == "region"),
                    self._on(link.to, rule == "region"),
                )
                for key in sorted(set(src) | set(dst)):
                    terms = [(c, 1.0) for c in src.get(key, [])]
                    if link.colocate:
                        terms += [(c, -1.0) for c in dst.get(key, [])]
                        self._row(0, 0, terms)
                    elif key in src and key in dst:
                        self._row(-inf, 1, terms + [(c, 1.0) for c in dst[key]])
            if link.gb_month <= 0:
                continue
            # One w per (provider, price) of the sending side: the x of one component sum to
            # at most 1 within a group, so each w stays exact.
            groups: dict[tuple[str, int], list[int]] = {}
            for col, cand in zip(self.x[link.from_], self.pools[link.from_], strict=True):
                price = self.problem.egress_cents(link, cand)
                if price > 0:
                    groups.setdefault((cand.provider, price), []).append(col)
            dst = self._on(link.to, False)
            for (provider, price), cols in sorted(groups.items()):
                w = self._col(price, False)
                to_cols = dst.get((provider,), [])
                self.derived.append((w, cols, to_cols, "leaves"))
                # w >= Xf - Xt, w <= Xf, w <= 1 - Xt: w is exactly "leaves provider".
                self._row(
                    0, inf, [(w, 1.0)] + [(c, -1.0) for c in cols] + [(c, 1.0) for c in to_cols]
                )
                self._row(-inf, 0, [(w, 1.0)] + [(c, -1.0) for c in cols])
                self._row(-inf, 1, [(w, 1.0)] + [(c, 1.0) for c in to_cols])
                self.spend.setdefault(provider, []).append((w, float(price)))

    def _policy(self) -> None:
        inf = float("inf")
        problem = self.problem
        total = [(col, cost) for terms in self.spend.values() for col, cost in terms]
        if problem.min_providers > 1:
            used = []
            for provider in sorted(self.spend):
                u = self._col(0, True)
                used_cols = [
                    col for name in self.x for col in self._on(name, False).get((provider,), [])
                ]
                self.derived.append((u, used_cols, [], "any"))
                used.append((u, 1.0))
                self._row(-inf, 0, [(u, 1.0), *((col, -1.0) for col in used_cols)])
            self._row(problem.min_providers, inf, used)
        if problem.budget is not None:
            self._row(-inf, float(int(problem.budget * 100)), total)
        if problem.max_share is not None:
            share = Fraction(problem.max_share)
            a, b = share.numerator, share.denominator
            for provider in sorted(self.spend):
                mine = {col: cost for col, cost in self.spend[provider]}
                terms = [(col, cost * (b * (col in mine) - a)) for col, cost in total]
                self._row(-inf, 0, terms)

    def _load(self) -> None:
        import numpy as np

        h = self.highs
        n = len(self.costs)
        h.addVars(n, np.zeros(n), np.ones(n))
        h.changeColsCost(n, np.arange(n, dtype=np.int32), np.array(self.costs))
        h.changeColsIntegrality(
            n, np.arange(n, dtype=np.int32), np.array(self.integer, dtype=np.uint8)
        )
        # All rows in one call (one addRow per row costs a Python round trip each).
        starts = np.zeros(len(self.rows_idx), dtype=np.int32)
        if len(self.rows_idx) > 1:
            np.cumsum([len(idx) for idx in self.rows_idx[:-1]], out=starts[1:])
        flat_idx = [col for idx in self.rows_idx for col in idx]
        flat_val = [val for vals in self.rows_val for val in vals]
        h.addRows(
            len(self.rows_idx),
            np.array(self.rows_lo, dtype=np.float64),
            np.array(self.rows_hi, dtype=np.float64),
            len(flat_idx),
            starts,
            np.array(flat_idx, dtype=np.int32),
            np.array(flat_val, dtype=np.float64),
        )
        self.variables, self.rows, self.nonzeros = n, h.getNumRow(), h.getNumNz()

    def _optimise(self) -> tuple[str, list[float] | None]:
        import highspy

        h = self.highs
        h.run()
        status = h.getModelStatus()
        values = list(h.getSolution().col_value)
        if status in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kTimeLimit):
            self.values = values
        if status == highspy.HighsModelStatus.kOptimal:
            return "optimal", values
        if status == highspy.HighsModelStatus.kInfeasible:
            return "infeasible", None
        if (
            status == highspy.HighsModelStatus.kTimeLimit
            and h.getInfo().primal_solution_status == 2
        ):
            return "feasible", values
        raise SovbundleError(f"the solver stopped with status {h.modelStatusToString(status)}")

    def _picks(self, values: list[float]) -> dict[str, int]:
        return {
            name: next(k for k, col in enumerate(cols) if values[col] > 0.5)
            for name, cols in self.x.items()
        }

    def _rank_costs(self, only: str | None = None) -> list[float]:
        """An objective of canonical ranks: every component's, or ``only`` one's."""
        costs = [0.0] * len(self.costs)
        for name, cols in self.x.items():
            if only is None or name == only:
                for col, rank in zip(cols, self.ranks[name], strict=True):
                    costs[col] = float(rank)
        return costs

    def _hold(self, terms: list[tuple[int, float]], at_most: float) -> None:
        """Add the row ``terms <= at_most`` (integer sums: half a unit of slack is exact)."""
        import numpy as np

        self.highs.addRow(
            -np.inf,
            at_most + 0.5,
            len(terms),
            np.array([col for col, _ in terms], dtype=np.int32),
            np.array([val for _, val in terms]),
        )

    def _fix_beyond(self, optimum: int) -> None:
        """Fix to 0 the candidates no plan of cost ``optimum`` can hold (exact: every other
        component costs at least its cheapest candidate, links at least 0)."""
        import numpy as np

        floor = {name: pool[0].cents for name, pool in self.pools.items()}
        slack = optimum - sum(floor.values())
        out = [
            col
            for name, pool in self.pools.items()
            for col, cand in zip(self.x[name], pool, strict=True)
            if cand.cents - floor[name] > slack
        ]
        if out:
            zeros = np.zeros(len(out))
            self.highs.changeColsBounds(len(out), np.array(out, dtype=np.int32), zeros, zeros)

    def start(self, picks: dict[str, int]) -> None:
        """Give HiGHS a feasible plan to start from (its cost bounds the search at once)."""
        values = [0.0] * len(self.costs)
        for name, k in picks.items():
            values[self.x[name][k]] = 1.0
        for col, plus, minus, rule in self.derived:
            on = sum(values[c] for c in plus)
            values[col] = max(0.0, on - sum(values[c] for c in minus)) if rule == "leaves" else on
        self.values = values
        import highspy

        solution = highspy.HighsSolution()
        solution.col_value = values
        solution.value_valid = True
        self.highs.setSolution(solution)

    def _minimise(self, costs: list[float]) -> dict[str, int] | None:
        import numpy as np

        n = len(costs)
        self.highs.changeColsCost(n, np.arange(n, dtype=np.int32), np.array(costs))
        self.start(self._picks(self.values))  # the incumbent, rebuilt without float noise
        status, found = self._optimise()
        return self._picks(found) if found is not None and status == "optimal" else None

    def run(
        self, tie_break: bool = True
    ) -> tuple[str, dict[str, int] | None, Decimal | None, float | None]:
        """Solve for the least cost, then apply the tie-break; returns picks by component.

        ``tie_break_complete`` says afterwards whether the name-order pass ran to its end."""
        self.tie_break_complete = True
        status, values = self._optimise()
        if values is None:
            return "infeasible", None, None, None
        h = self.highs
        objective = money(Decimal(round(h.getInfo().objective_function_value)) / 100)
        gap = max(0.0, float(h.getInfo().mip_gap))
        picks = self._picks(values)
        if status != "optimal" or not tie_break or not any(picks.values()):
            # Every component on its first pooled candidate (rank 0): nothing can beat it.
            return status, picks, objective, gap
        # Hold the total at the optimum, then minimise the sum of canonical ranks.
        optimum = round(objective * 100)
        total = [(col, cost) for terms in self.spend.values() for col, cost in terms]
        self._hold(total, optimum)
        self._fix_beyond(optimum)
        found = self._minimise(self._rank_costs())
        if found is None:
            self.tie_break_complete = False
            return "optimal", picks, objective, gap  # keep the proven-optimal incumbent
        picks = found
        ranks = [
            (col, float(rank))
            for name, cols in self.x.items()
            for col, rank in zip(cols, self.ranks[name], strict=True)
            if rank
        ]
        self._hold(ranks, sum(self.ranks[n][k] for n, k in picks.items()))
        # Equal sums: components in name order each take their lowest rank left. Only a
        # component off its first candidate needs a solve, and the later ones rarely do.
        names = list(self.x)
        solves, allowed = 0, max(1, NAME_ORDER_WORK // len(self.costs))
        for i, name in enumerate(names):
            if not any(picks[later] for later in names[i:]):
                break
            if picks[name] != 0:
                found = None
                if solves < allowed:
                    solves += 1
                    found = self._minimise(self._rank_costs(name))
                if found is None:
                    self.tie_break_complete = False
                    break
                picks = found
            h.changeColBounds(self.x[name][picks[name]], 1.0, 1.0)
        return "optimal", picks, objective, gap
