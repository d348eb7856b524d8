"""What pricing the evidence policy adds to ``plan --explain`` (issue 16).

    PYTHONPATH=src python -m bench.explain_evidence [--repeats 5]

On every example bundle (packaged snapshot, catalogs and bundles loaded before timing, one
warm-up each), in one process, alternating: ``plan_bundle(with_explain=True)`` as it is, and
the same with the evidence pricing switched off (``explain._evidence_costs`` returning
nothing), so the ratio is what the evidence rows cost. Also counted: the solves each explain
does (``explain.solve`` calls), and that ``plan`` without ``--explain`` does exactly one
solve. Writes ``bench/RESULTS_explain_evidence.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _patch(module: object, name: str, value: object) -> None:
    setattr(module, name, value)


def _timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    for name in [n for n in os.environ if n.startswith("SOVBUNDLE_")]:
        del os.environ[name]
    from sovbundle.catalog import select
    from sovbundle.planning import explain as explain_module
    from sovbundle.planning import resolve as resolve_module
    from sovbundle.planning.formulate import CandidateCache, build_problem
    from sovbundle.planning.resolve import plan_bundle
    from sovbundle.planning.solve import solve as real_solve
    from sovbundle.spec.loader import load_bundle

    catalogs = select.load_catalogs()
    now = datetime.now(UTC)
    real_costs = explain_module._evidence_costs
    counts = {"explain": 0, "plan": 0}

    def counting(where: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def solve(*a: Any, **k: Any) -> Any:
            counts[where] += 1
            return real(*a, **k)

        return solve

    rows = []
    for path in sorted((ROOT / "bundles").glob("*.yaml")):
        loaded = load_bundle(path)

        def explained(loaded: Any = loaded) -> object:
            return plan_bundle(loaded, catalogs, now, with_explain=True)

        explained()  # warm-up
        _patch(explain_module, "_evidence_costs", lambda *a: ())
        explained()
        _patch(explain_module, "_evidence_costs", real_costs)
        on: list[float] = []
        off: list[float] = []
        for _ in range(args.repeats):
            on.append(_timed(explained))
            _patch(explain_module, "_evidence_costs", lambda *a: ())
            off.append(_timed(explained))
            _patch(explain_module, "_evidence_costs", real_costs)
        _patch(explain_module, "solve", counting("explain", real_solve))
        _patch(resolve_module, "solve", counting("plan", real_solve))
        counts.update(explain=0, plan=0)
        plan = plan_bundle(loaded, catalogs, now, with_explain=True)
        with_evidence = counts["explain"]
        _patch(explain_module, "_evidence_costs", lambda *a: ())
        counts.update(explain=0)
        explained()
        without = counts["explain"]
        _patch(explain_module, "_evidence_costs", real_costs)
        counts.update(plan=0, explain=0)
        plan_bundle(loaded, catalogs, now)
        plain = (counts["plan"], counts["explain"])
        alone = []  # the evidence pricing on its own, after the plan's build and solve
        for _ in range(args.repeats):
            cache = CandidateCache(on=now.date())
            problem = build_problem(loaded.spec, catalogs, cache=cache)
            base = real_solve(problem)
            start = time.perf_counter()
            real_costs(loaded.spec, catalogs, problem, base, cache)
            alone.append(time.perf_counter() - start)
        _patch(explain_module, "solve", real_solve)
        _patch(resolve_module, "solve", real_solve)
        assert plan.explain is not None
        facts = ", ".join(
            f"{row.fact} {row.delta_monthly:+.2f}" for row in plan.explain.unknown_evidence
        )
        rows.append((path.stem, min(off), statistics.median(off), min(on),
                     statistics.median(on), without, with_evidence, plain, facts or "none",
                     min(alone)))  # fmt: skip
        print(rows[-1], flush=True)
    rev = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "src"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    rev += " (with uncommitted changes to src/)" if dirty else ""
    load = os.getloadavg()[0]
    lines = [
        "# `plan --explain` with the evidence policy priced (issue 16)",
        "",
        f"Produced by `PYTHONPATH=src python -m bench.explain_evidence --repeats {args.repeats}`"
        f" at {rev}, load average {load:.1f} at the end: {args.repeats} timed runs per case and "
        "variant, alternating in one process; fastest and median. `off`: the same code with the "
        "evidence pricing switched off. Solves: `explain.solve` calls of one `--explain`; "
        "`plan` alone: (solves in `resolve`, solves in `explain`) of `plan` without `--explain`. "
        "Pricing alone: `explain._evidence_costs` timed by itself after the plan's own build and "
        "solve (fresh cache each run), the figure the noisy end-to-end ratio hides.",
        "",
        "| bundle | off, fastest / median (ms) | on, fastest / median (ms) | on / off, fastest "
        "| solves off / on | `plan` alone | pricing alone, fastest (ms) "
        "| strict facts priced (saving EUR/month) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, off_min, off_med, on_min, on_med, n_off, n_on, plain, facts, single in rows:
        lines.append(
            f"| {name} | {off_min * 1000:.1f} / {off_med * 1000:.1f} | {on_min * 1000:.1f} / "
            f"{on_med * 1000:.1f} | {on_min / off_min:.2f} | {n_off} / {n_on} | {plain} | "
            f"{single * 1000:.1f} | {facts} |"
        )
    worst = max(on_min / off_min for _, off_min, _, on_min, *_ in rows)
    lines += ["", f"Worst ratio of the fastest runs: {worst:.2f}.", ""]
    out = ROOT / "bench" / "RESULTS_explain_evidence.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
