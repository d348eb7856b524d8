"""Peers: the same instances as textbook MILPs in PuLP, solved with CBC and with HiGHS.

    PYTHONPATH=src:. python -m bench.peers                  sizes 20 to 1000, packaged catalog
    PYTHONPATH=src:. python -m bench.peers --sizes 20 50    fewer sizes

This is what a user would write without sovbundle (SkyPilot's optimizer models its placement
problem the same way: PuLP, one binary per candidate, CBC as bundled by PuLP). Every size is a
generated bundle (``bench/generate.py``, seed 1: links, ``min_providers`` 3,
``max_provider_share`` 0.6, a budget, colocate, apart, priced cross-provider traffic). The
candidates come from sovbundle's ``build_problem`` (the filters and prices are not what is
compared); each solver then starts from the same ``Problem``:

* ``sovbundle``: ``solver.solve`` (pruning, the MILP or the enumeration, and the tie-break);
* ``cbc`` / ``highs``: the textbook model below, built with PuLP on every candidate (no
  pruning), solved by CBC (the binary PuLP bundles) or by HiGHS (PuLP's ``HiGHS`` API,
  highspy), both asked for a proven optimum (absolute gap half a cent, relative gap 0).

Each (size, solver) runs in a fresh process with a time limit; the times are of model building
plus solving (PuLP's model building included: that is what its user pays). The section this
writes in ``bench/RESULTS.md`` (between its markers, nothing else in the file) gives the
ratios per size, and whether every solver found the same optimal cost.

Textbook model (money in integer cents): ``x[c,k]`` binary per candidate, one per component;
colocate: per provider (or provider and region) the two components' sums are equal; apart:
their sum is at most 1; priced link traffic: ``w[l,g]`` in [0,1] per (provider, egress price)
group ``g`` of the sending component, exactly "the link leaves g's provider" (``w >= X_g -
X_to,p``, ``w <= X_g``, ``w <= 1 - X_to,p``), costing ``gb_month`` x price; ``u[p]`` binary,
``u <= X_p`` and ``sum u >= min_providers``; total <= budget; per provider ``b * spend_p <= a *
total`` for a share ``a/b``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sovbundle.planning.problem import Problem

ROOT = Path(__file__).resolve().parent.parent
SOLVERS = ("sovbundle", "cbc", "highs")
SIZES = (20, 50, 100, 200, 1000)
TIME_LIMIT_S = 60.0
BEGIN = "<!-- bench.peers: begin (written by `python -m bench.peers`) -->"
END = "<!-- bench.peers: end -->"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _problem(components: int, catalog_name: str) -> Problem:
    from bench.generate import bundle_spec, synthetic_catalog
    from sovbundle.catalog.select import load_catalogs
    from sovbundle.planning.formulate import build_problem

    with tempfile.TemporaryDirectory() as empty:
        if catalog_name == "packaged":
            cat = load_catalogs(cache_dir=Path(empty))
        else:
            cat = synthetic_catalog(int(catalog_name), seed=1)
    return build_problem(bundle_spec(components, seed=1), cat)


def textbook(problem: Problem, solver: str, time_limit: float) -> dict[str, Any]:
    """The textbook PuLP model of ``problem`` solved by ``solver`` (``cbc`` or ``highs``)."""
    import pulp

    began = time.perf_counter()
    model = pulp.LpProblem("bundle", pulp.LpMinimize)
    x: dict[str, list[Any]] = {}
    spend: dict[str, list[tuple[Any, int]]] = {}
    on: dict[tuple[str, str, str], list[Any]] = {}  # (component, provider, region) -> x
    for ci, cc in enumerate(problem.components):
        row = []
        for k, cand in enumerate(cc.candidates):
            var = pulp.LpVariable(f"x_{ci}_{k}", cat=pulp.LpBinary)
            row.append(var)
            spend.setdefault(cand.provider, []).append((var, cand.cents))
            on.setdefault((cc.name, cand.provider, cand.region), []).append(var)
        x[cc.name] = row
        model += pulp.lpSum(row) == 1, f"one_{ci}"
    providers = sorted(spend)

    def at(name: str, provider: str, region: str | None = None) -> list[Any]:
        if region is not None:
            return on.get((name, provider, region), [])
        return [v for (n, p, _), vs in on.items() if n == name and p == provider for v in vs]

    places = sorted({(p, r) for (_, p, r) in on})
    by_name = {cc.name: cc for cc in problem.components}
    for li, link in enumerate(problem.links):
        rule = link.colocate or link.apart
        if rule:
            keys = places if rule == "region" else [(p, None) for p in providers]
            for p, r in keys:
                src, dst = at(link.from_, p, r), at(link.to, p, r)
                if not src and not dst:
                    continue
                if link.colocate:
                    model += pulp.lpSum(src) == pulp.lpSum(dst), f"colocate_{li}_{p}_{r}"
                elif src and dst:
                    model += pulp.lpSum(src) + pulp.lpSum(dst) <= 1, f"apart_{li}_{p}_{r}"
        if link.gb_month <= 0:
            continue
        groups: dict[tuple[str, int], list[Any]] = {}
        for var, cand in zip(x[link.from_], by_name[link.from_].candidates, strict=True):
            price = problem.egress_cents(link, cand)
            if price > 0:
                groups.setdefault((cand.provider, price), []).append(var)
        for gi, ((p, price), cols) in enumerate(sorted(groups.items(), key=lambda g: g[0])):
            w = pulp.LpVariable(f"w_{li}_{gi}", 0, 1)
            to_p = pulp.lpSum(at(link.to, p))
            model += w >= pulp.lpSum(cols) - to_p, f"leaves_{li}_{gi}"
            model += w <= pulp.lpSum(cols), f"from_{li}_{gi}"
            model += w <= 1 - to_p, f"notto_{li}_{gi}"
            spend[p].append((w, price))
    total = pulp.lpSum(coef * var for terms in spend.values() for var, coef in terms)
    model += total
    if problem.min_providers > 1:
        used = []
        for pi, p in enumerate(providers):
            u = pulp.LpVariable(f"u_{pi}", cat=pulp.LpBinary)
            model += u <= pulp.lpSum(var for var, _ in spend[p] if var.name.startswith("x_"))
            used.append(u)
        model += pulp.lpSum(used) >= problem.min_providers, "min_providers"
    if problem.budget is not None:
        model += total <= int(problem.budget * 100), "budget"
    if problem.max_share is not None:
        share = Fraction(problem.max_share)
        for pi, p in enumerate(providers):
            mine = pulp.lpSum(coef * var for var, coef in spend[p])
            model += share.denominator * mine <= share.numerator * total, f"share_{pi}"
    built = time.perf_counter()
    if solver == "cbc":
        engine = pulp.COIN_CMD(
            path=pulp.apis.coin_api.pulp_cbc_path,
            msg=False,
            timeLimit=time_limit,
            gapRel=0.0,
            gapAbs=0.5,
            threads=1,
        )
    else:
        engine = pulp.HiGHS(msg=False, timeLimit=time_limit, gapRel=0.0, gapAbs=0.5, threads=1)
    model.solve(engine)
    solved = time.perf_counter()
    status = pulp.LpStatus[model.status]
    value = pulp.value(model.objective)
    # PuLP's status alone can say "Infeasible" for a solver that stopped at its time limit
    # with no solution: the solution status tells them apart.
    found = pulp.LpSolution.get(model.sol_status, str(model.sol_status))
    return {
        "model_s": built - began,
        "solve_s": solved - built,
        "total_s": solved - began,
        "status": {"Optimal": "optimal", "Infeasible": "infeasible"}.get(status, status.lower()),
        "solution_status": found,
        "cost_cents": None if value is None or status != "Optimal" else round(value),
        "variables": len(model.variables()),
        "rows": len(model.constraints),
    }


def one(components: int, catalog_name: str, solver: str, time_limit: float) -> dict[str, Any]:
    """One (size, solver) measurement in this process."""
    began = time.perf_counter()
    problem = _problem(components, catalog_name)
    built = time.perf_counter()
    result: dict[str, Any] = {
        "components": components,
        "catalog": catalog_name,
        "solver": solver,
        "build_candidates_s": built - began,
        "candidates": sum(len(cc.candidates) for cc in problem.components),
    }
    if solver == "sovbundle":
        from sovbundle.money import cents
        from sovbundle.planning.solve import solve

        solution = solve(problem)
        done = time.perf_counter()
        result.update(
            total_s=done - built,
            status=solution.status,
            cost_cents=cents(solution.total) if solution.total is not None else None,
            method=solution.method,
            tie_break_complete=solution.tie_break_complete,
            variables=solution.variables,
            rows=solution.constraints,
        )
    else:
        result.update(textbook(problem, solver, time_limit))
    result["peak_rss_mb"] = _rss_mb()
    return result


def _spawn(args: list[str], timeout: float, module: str = "bench.peers") -> dict[str, Any]:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    argv = [sys.executable, "-m", module, "--one", *args]
    try:
        done = subprocess.run(
            argv, env=env, capture_output=True, cwd=ROOT, timeout=timeout, text=True
        )
    except subprocess.TimeoutExpired:
        return {"error": f"killed after {timeout:g} s", "killed_s": timeout}
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        return {"error": lines[-1] if lines else f"exit {done.returncode}"}
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def pulp_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pulp")
    except PackageNotFoundError:
        return None


def run(sizes: list[int], catalog_name: str, time_limit: float) -> dict[str, Any]:
    from bench.run import machine

    solvers = SOLVERS if pulp_version() else ("sovbundle",)
    rows = []
    started = time.perf_counter()
    for size in sizes:
        for solver in solvers:
            # The solver's own limit, plus model building and a margin, bounds the process.
            row = _spawn([str(size), catalog_name, solver, str(time_limit)], 2 * time_limit + 60)
            row.update(components=size, catalog=catalog_name, solver=solver)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine(),
        "pulp": pulp_version(),
        "catalog": catalog_name,
        "time_limit_s": time_limit,
        "rows": rows,
        "suite_s": time.perf_counter() - started,
    }


def _cell(row: dict[str, Any]) -> str:
    if "error" in row:
        return row["error"]
    status = row["status"]
    if row.get("solution_status") == "No Solution Found":
        # PuLP's status reads "Infeasible" when CBC stops at its limit with nothing found.
        status = f"no solution found; PuLP status {status!r}"
    elif row.get("solution_status") and "Optimal" not in row["solution_status"]:
        status += f"; PuLP: {row['solution_status']}"
    if row.get("tie_break_complete") is False:
        status += ", tie-break partial"
    return f"{row['total_s']:.2f} s ({status})"


def markdown(r: dict[str, Any]) -> str:
    m = r["machine"]
    out = [
        BEGIN,
        "## Peers: PuLP + CBC and PuLP + HiGHS on the same instances",
        "",
        f"Produced by `PYTHONPATH=src:. python -m bench.peers` on {r['date']} "
        f"({r['suite_s']:.0f} s); every figure side by side in this one run, each (size, "
        f"solver) in a fresh process. Machine: {m['cpu']}, {m['cores']} cores shared with up "
        "to 7 other jobs (absolute times are inflated; the ratios are the figures to read), "
        f"Python {m['python']}, highspy {m['highspy']}, PuLP {r['pulp'] or 'not installed'}.",
        "",
        f"Generated bundles (seed 1) on the {r['catalog']} catalog; the candidates are built once per "
        "process by sovbundle and handed to each solver (candidate building is in the *build* "
        "column and in no ratio). *sovbundle* is `solve` with pruning and the full tie-break; "
        "the peers are the textbook model of `bench/peers.py` (every candidate a binary) built "
        f"with PuLP and solved to a proven optimum, time limit {r['time_limit_s']:g} s. "
        "Ratio: sovbundle's time / the peer's (below 1: sovbundle faster).",
        "",
        "| components | candidates | catalog + candidates | sovbundle | CBC | HiGHS | sovbundle/CBC | "
        "sovbundle/HiGHS | same optimal cost |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    sizes = sorted({row["components"] for row in r["rows"]})
    for size in sizes:
        cell = {row["solver"]: row for row in r["rows"] if row["components"] == size}
        ours = cell.get("sovbundle", {})
        ratios = []
        for peer in ("cbc", "highs"):
            theirs = cell.get(peer)
            if theirs is not None and "killed_s" in theirs and "error" not in ours:
                ratios.append(f"< {ours['total_s'] / theirs['killed_s']:.3f}")
            elif theirs is None or "error" in theirs or "error" in ours:
                ratios.append("—")
            elif theirs["status"] != "optimal":
                ratios.append(f"< {ours['total_s'] / theirs['total_s']:.3f}")
            else:
                ratios.append(f"{ours['total_s'] / theirs['total_s']:.3f}")
        costs = {
            name: row.get("cost_cents")
            for name, row in cell.items()
            if "error" not in row and row.get("status") == "optimal"
        }
        if len(costs) < 2:
            same = "— (fewer than two optima)"
        elif len(set(costs.values())) == 1:
            same = f"yes ({next(iter(costs.values())) / 100:.2f} EUR)"
        else:
            same = "**no**: " + ", ".join(f"{n} {c / 100:.2f}" for n, c in costs.items())
        build = ours.get("build_candidates_s")
        out.append(
            f"| {size} | {ours.get('candidates', '—')} | "
            f"{'—' if build is None else f'{build:.2f} s'} | {_cell(ours)} | "
            f"{_cell(cell['cbc']) if 'cbc' in cell else 'PuLP missing'} | "
            f"{_cell(cell['highs']) if 'highs' in cell else 'PuLP missing'} | "
            f"{ratios[0]} | {ratios[1]} | {same} |"
        )
    out += [
        "",
        "A peer stopped by its time limit, or killed (its process is bounded at twice the "
        "limit plus 60 s: PuLP's model building counts), has no proven optimum: its ratio is "
        "then an upper bound (`< r`, sovbundle's time over the time the peer was given). Peak "
        "memory per process is in `bench/peers.json`.",
        END,
    ]
    return "\n".join(out) + "\n"


def write_section(results_md: Path, section: str, begin: str = BEGIN, end: str = END) -> None:
    """Put ``section`` between its markers in ``results_md`` (appended if absent); nothing
    else in the file changes. Written atomically."""
    text = results_md.read_text() if results_md.is_file() else ""
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1]
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section
    temp = results_md.with_suffix(".md.tmp")
    temp.write_text(text)
    temp.replace(results_md)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.peers", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--catalog", default="packaged", help="packaged, or a generated size")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT_S)
    parser.add_argument("--out", type=Path, default=ROOT / "bench")
    parser.add_argument("--render", action="store_true", help="only rewrite the section")
    parser.add_argument("--one", nargs=4, metavar=("SIZE", "CATALOG", "SOLVER", "LIMIT"))
    args = parser.parse_args(argv)
    if args.one:
        size, cat, solver, limit = args.one
        sys.stdout.write(json.dumps(one(int(size), cat, solver, float(limit))) + "\n")
        return 0
    path = args.out / "peers.json"
    if args.render:
        results = json.loads(path.read_text())
    else:
        results = run(args.sizes, args.catalog, args.time_limit)
        args.out.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=1) + "\n")
    write_section(args.out / "RESULTS.md", markdown(results))
    print(f"wrote the peers section of {args.out / 'RESULTS.md'} in {results['suite_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
