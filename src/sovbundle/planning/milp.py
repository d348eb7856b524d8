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

import math
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from sovbundle.errors import SovbundleError
from sovbundle.money import money
from sovbundle.planning.candidates import Candidate

if TYPE_CHECKING:
    from sovbundle.planning.problem import Problem

__all__ = ["EXACT_FLOAT", "NAME_ORDER_WORK", "TIME_LIMIT_S", "Model"]

TIME_LIMIT_S = 60.0
"""Per solve; past it a plan found so far is reported as ``feasible`` with its gap."""

NAME_ORDER_WORK = 100_000
"""Rounds times variables the tie-break's last pass (the smallest rank vector, one solve a
round) may spend (at least one round; past it the plan says so). A count, not a clock, so the
outcome stays deterministic."""


EXACT_FLOAT = 2**53
"""Integers up to this are exact in a double: the lexicographic objective (``Model.run``) is
used only when every value it can take stays below it."""


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
        self.dual_bound: float | None = None
        """The last solve's proven lower bound on its objective (None before a solve)."""
        self.closed: set[int] = set()
        """Candidate columns fixed to 0 (no optimal plan holds them)."""
        self.lexicographic = False
        """Whether the last ``run`` found the least cost and least rank sum in one solve."""
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
        bound = h.getInfo().mip_dual_bound
        self.dual_bound = float(bound) if math.isfinite(bound) else None
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

    def _lexicographic(self) -> tuple[list[float], int, int] | None:
        """An objective ranking plans by (total cost, sum of canonical ranks) in one number:
        ``(cents - floor) * M + (rank - least rank)`` per candidate, ``cents * M`` per egress
        column, with ``M`` above every rank sum the pools allow. Each component's floor (its
        pool's cheapest) and least rank are constants of every plan, so subtracting them keeps
        the order and the numbers small. Returns the costs, ``M`` and the floors' sum, or None
        when the largest value the objective can take is not below ``EXACT_FLOAT``.
        """
        spread = sum(self.ranks[name][-1] - self.ranks[name][0] for name in self.x)
        weight = spread + 1
        floors = {name: pool[0].cents for name, pool in self.pools.items()}
        costs = [cost * weight for cost in self.costs]  # egress columns; x columns below
        x_cols = {col for cols in self.x.values() for col in cols}
        egress = sum(cost for col, cost in enumerate(self.costs) if col not in x_cols)
        top = egress + sum(pool[-1].cents - floors[name] for name, pool in self.pools.items())
        if (top + 1) * weight >= EXACT_FLOAT:
            return None
        for name, cols in self.x.items():
            least = self.ranks[name][0]
            for col, cand, rank in zip(cols, self.pools[name], self.ranks[name], strict=True):
                costs[col] = float((cand.cents - floors[name]) * weight + rank - least)
        return costs, weight, sum(floors.values())

    def _objective_of(self, costs: list[float], values: list[float]) -> float:
        return math.fsum(cost * values[col] for col, cost in enumerate(costs) if values[col])

    def _reduced_cost_fix(self, costs: list[float], upper: float) -> int:
        """Fix to 0 the candidate columns that no solution of objective (``costs``) at most
        ``upper`` can use, by reduced cost; returns how many were fixed.

        The row duals of the LP relaxation (solved once per objective, by HiGHS) serve as
        Lagrange multipliers: for *any* multipliers ``y``, with ``d = c - A'y``, every solution
        has ``c'x >= sum_i min(y_i lo_i, y_i hi_i) + sum_j min(d_j lb_j, d_j ub_j) = L``, and one
        with ``x_j = 1`` has ``c'x >= L + d_j`` when ``d_j > 0`` and ``lb_j = 0``. The bound is
        recomputed here from ``y`` (a multiplier on an infinite side is taken as 0), with a
        margin for the float sums, so the fixing does not rest on the LP's tolerances: it is
        exact, and ``x_j = 1`` would cost more than ``upper`` (objectives are integers).
        """
        import highspy
        import numpy as np

        h = self.highs
        n = len(self.costs)
        every = np.arange(n, dtype=np.int32)
        h.changeColsCost(n, every, np.array(costs, dtype=np.float64))
        h.changeColsIntegrality(n, every, np.zeros(n, dtype=np.uint8))
        try:
            h.run()
            solved = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
            duals = np.array(h.getSolution().row_dual, dtype=np.float64) if solved else None
        finally:
            h.changeColsIntegrality(n, every, np.array(self.integer, dtype=np.uint8))
        if duals is None or len(duals) == 0:
            return 0
        lp = h.getLp()
        matrix = lp.a_matrix_
        start = np.array(matrix.start_, dtype=np.int64)
        index = np.array(matrix.index_, dtype=np.int64)
        value = np.array(matrix.value_, dtype=np.float64)
        if matrix.format_ == highspy.MatrixFormat.kColwise:
            cols, rows = np.repeat(np.arange(n), np.diff(start)), index
        else:
            rows, cols = np.repeat(np.arange(len(duals)), np.diff(start)), index
        lo = np.array(lp.row_lower_, dtype=np.float64)
        hi = np.array(lp.row_upper_, dtype=np.float64)
        y = np.where((duals > 0) & np.isfinite(lo), duals, 0.0)
        y = np.where((duals < 0) & np.isfinite(hi), duals, y)
        row_term = np.where(y > 0, y * np.where(np.isfinite(lo), lo, 0.0), 0.0)
        row_term += np.where(y < 0, y * np.where(np.isfinite(hi), hi, 0.0), 0.0)
        c = np.array(costs, dtype=np.float64)
        products = value * y[rows]
        d = c - np.bincount(cols, weights=products, minlength=n)
        size = np.abs(c) + np.bincount(cols, weights=np.abs(products), minlength=n)
        lb = np.array(lp.col_lower_, dtype=np.float64)
        ub = np.array(lp.col_upper_, dtype=np.float64)
        col_term = np.minimum(d * lb, d * ub)
        bound = float(row_term.sum() + col_term.sum())
        # Float sums err by at most (terms x 2^-53) x their magnitudes: a wide margin of it.
        slack = 1e-9 * (float(np.abs(row_term).sum() + np.abs(col_term).sum() + size.sum()) + 1)
        candidate = np.zeros(n, dtype=bool)
        candidate[[col for cols in self.x.values() for col in cols]] = True
        out = np.flatnonzero(
            candidate & (lb == 0) & (ub > 0) & (d > 0) & (bound + d - 1e-9 * size - slack > upper)
        )
        if len(out):
            zeros = np.zeros(len(out))
            h.changeColsBounds(len(out), out.astype(np.int32), zeros, zeros)
            for col in out.tolist():
                self.closed.add(col)
        return len(out)

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
            self.closed.update(out)

    def _smallest_vector(self, picks: dict[str, int]) -> tuple[dict[str, int], bool]:
        """Among the plans the rows hold (least cost, least rank sum), the one whose vector of
        ranks, components in name order, is lexicographically smallest; and whether that is
        proven (False: the work bound ``NAME_ORDER_WORK`` or the time limit stopped it).

        Each round asks HiGHS for a plan *lexicographically smaller* than the incumbent, a
        linear condition: ``e_j`` ("components before j all keep their pick", ``e_0 = 1``,
        ``e_j+1 <= e_j``, ``e_j+1 <= x[j, pick_j]``) and ``y_i <= e_i``, ``y_i <= sum of i's
        lower-ranked columns``, ``sum y >= 1``. With the ``x`` integral, ``y_i > 0`` forces
        every earlier component to its pick and ``i`` below it, so any solution is smaller;
        continuous ``e`` and ``y`` suffice. Found: it is the new incumbent (the objective, a
        name-weighted sum of pool positions, steers towards the smallest); infeasible: the
        incumbent is the smallest. Components whose lower-ranked columns are all closed
        cannot go lower and get no ``y``. One solve per round, not one per component.
        """
        import highspy
        import numpy as np

        h = self.highs
        names = list(self.x)
        n = len(self.costs)
        weights = [0.0] * n
        for i, name in enumerate(names):
            for position, col in enumerate(self.x[name]):
                weights[col] = float((len(names) - i) * position)
        rounds = max(1, NAME_ORDER_WORK // n)
        for _ in range(rounds):
            lower = {
                i: [col for col in self.x[name][: picks[name]] if col not in self.closed]
                for i, name in enumerate(names)
            }
            need = [i for i in range(len(names)) if lower[i]]
            if not need:
                return picks, True
            last = need[-1]
            e = list(range(n, n + last + 1))
            y = {i: n + last + 1 + k for k, i in enumerate(need)}
            extra = len(e) + len(y)
            lo = np.zeros(extra)
            lo[0] = 1.0  # e_0: nothing comes before the first component
            h.addVars(extra, lo, np.ones(extra))
            rows: list[tuple[float, float, list[tuple[int, float]]]] = []
            for j in range(last):
                rows.append((-np.inf, 0.0, [(e[j + 1], 1.0), (e[j], -1.0)]))
                kept = self.x[names[j]][picks[names[j]]]
                rows.append((-np.inf, 0.0, [(e[j + 1], 1.0), (kept, -1.0)]))
            for i, col in y.items():
                rows.append((-np.inf, 0.0, [(col, 1.0), (e[i], -1.0)]))
                rows.append((-np.inf, 0.0, [(col, 1.0), *((c, -1.0) for c in lower[i])]))
            rows.append((1.0, np.inf, [(col, 1.0) for col in y.values()]))
            first_row = h.getNumRow()
            starts = np.cumsum([0] + [len(terms) for _, _, terms in rows[:-1]]).astype(np.int32)
            h.addRows(
                len(rows),
                np.array([r[0] for r in rows]),
                np.array([r[1] for r in rows]),
                int(sum(len(r[2]) for r in rows)),
                starts,
                np.array([c for r in rows for c, _ in r[2]], dtype=np.int32),
                np.array([v for r in rows for _, v in r[2]], dtype=np.float64),
            )
            h.changeColsCost(n + extra, np.arange(n + extra, dtype=np.int32),
                             np.array(weights + [0.0] * extra))  # fmt: skip
            h.run()
            status = h.getModelStatus()
            found = None
            if status == highspy.HighsModelStatus.kOptimal or (
                status == highspy.HighsModelStatus.kTimeLimit
                and h.getInfo().primal_solution_status == 2
            ):
                found = self._picks(list(h.getSolution().col_value))
            h.deleteRows(len(rows), np.arange(first_row, first_row + len(rows), dtype=np.int32))
            h.deleteCols(extra, np.arange(n, n + extra, dtype=np.int32))
            if status == highspy.HighsModelStatus.kInfeasible:
                return picks, True
            if found is None:
                return picks, False
            picks = found
        return picks, False

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
        import numpy as np

        self.tie_break_complete = True
        h = self.highs
        lexicographic = self._lexicographic() if tie_break else None
        self.lexicographic = lexicographic is not None
        if lexicographic is not None:
            n = len(self.costs)
            h.changeColsCost(n, np.arange(n, dtype=np.int32), np.array(lexicographic[0]))
            if self.values:
                # A starting plan bounds the optimum: close what cannot beat it, then restart.
                start = self._picks(self.values)
                self._reduced_cost_fix(
                    lexicographic[0], self._objective_of(lexicographic[0], self.values)
                )
                self.start(start)
        status, values = self._optimise()
        if values is None:
            return "infeasible", None, None, None
        picks = self._picks(values)
        if lexicographic is not None:
            # The total in cents from the plan's own columns (not decoded from the objective).
            optimum = round(sum(cost * values[col] for col, cost in enumerate(self.costs)))
            objective = money(Decimal(optimum) / 100)
            _, weight, floors = lexicographic
            bound = self.dual_bound if self.dual_bound is not None else 0.0
            least = floors + math.floor(max(bound, 0.0) / weight + 1e-9)
            gap = max(0.0, (optimum - least) / optimum) if status != "optimal" and optimum else 0.0
        else:
            objective = money(Decimal(round(h.getInfo().objective_function_value)) / 100)
            gap = max(0.0, float(h.getInfo().mip_gap))
            optimum = round(objective * 100)
        if status != "optimal" or not tie_break or not any(picks.values()):
            # Every component on its first pooled candidate (rank 0): nothing can beat it.
            return status, picks, objective, gap
        # Hold the total at the optimum, then (unless the lexicographic objective already did)
        # minimise the sum of canonical ranks.
        total = [(col, cost) for terms in self.spend.values() for col, cost in terms]
        self._hold(total, optimum)
        self._fix_beyond(optimum)
        if lexicographic is not None:
            found: dict[str, int] | None = picks
            self._reduced_cost_fix(lexicographic[0], self._objective_of(lexicographic[0], values))
        else:
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
        # Equal sums: the lexicographically smallest vector of ranks, components in name order.
        picks, self.tie_break_complete = self._smallest_vector(picks)
        return "optimal", picks, objective, gap
