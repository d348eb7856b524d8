"""``plan`` on the example bundles before and after the sovereignty work (issue 16), side by side.

    PYTHONPATH=src python -m bench.sovereignty [--before REV] [--rounds 3] [--repeats 7]

The baseline is the ``src/`` of commit ``REV`` (``git archive``, into a temporary folder). Each
round runs worker processes, alternating trees, and each worker times ``plan_bundle`` on every
example bundle (catalogs and bundles loaded once, before timing; the first plan of each bundle
is a warm-up), then again each on a freshly loaded catalog (no verdict memoised by an
earlier plan, as in a ``sovbundle plan`` process). The figure is the ratio of the medians, per
bundle, without any new option (no price book, no exit report), with both trees planning on
**today's data**: the packaged snapshot, written in the baseline's catalog format
(``bench.trees.today_data_for``). The baseline on its own, older snapshot is shown too: the
catalogs grew between the two commits (the untrimmed Clever Cloud price system and the other
data work of the same round), and that growth is not the cost of the code. The exit report's
own cost is shown for information. Writes ``bench/RESULTS_sovereignty.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from bench.trees import ROOT, git, run_worker, today_data_for, tree

BASELINE = "c325b52"
"""main when issue 16 started (after the layout change of issue 13)."""

WORKER = r"""
import json, sys, time
from datetime import UTC, datetime
from pathlib import Path
from sovbundle.catalog import select
from sovbundle.planning.resolve import plan_bundle
from sovbundle.spec.loader import load_bundle
repeats, exit_report, paths = int(sys.argv[1]), sys.argv[2] == "1", sys.argv[3:]
catalogs = select.load_catalogs()
now = datetime.now(UTC)
out = {}
for path in paths:
    extra = {"with_exit_report": True} if exit_report else {}
    try:
        loaded = load_bundle(Path(path))
        plan_bundle(loaded, catalogs, now, **extra)
    except Exception:  # a bundle this tree cannot read or place (newer keys, older data)
        continue
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        plan_bundle(loaded, catalogs, now, **extra)
        times.append(time.perf_counter() - start)
    out[Path(path).stem] = times
    if exit_report:
        continue
    cold = []
    for _ in range(repeats):
        fresh = select.load_catalogs()  # untimed: a plan on a catalog no earlier plan memoised
        start = time.perf_counter()
        plan_bundle(loaded, fresh, now)
        cold.append(time.perf_counter() - start)
    out[Path(path).stem + "@cold"] = cold
print(json.dumps(out))
"""


def _run(
    src: Path, repeats: int, exit_report: bool, cache: str, snapshot: Path | None = None
) -> dict[str, list[float]]:
    bundles = [str(p) for p in sorted((ROOT / "bundles").glob("*.yaml"))]
    flag = "1" if exit_report else "0"
    found: dict[str, list[float]] = run_worker(
        src, WORKER, [str(repeats), flag, *bundles], cache, snapshot=snapshot
    )
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default=BASELINE)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rev, head = git("rev-parse", "--short", args.before), git("rev-parse", "--short", "HEAD")
    with tempfile.TemporaryDirectory() as tmp:
        before_src = tree(rev, Path(tmp) / "before")
        today = Path(tmp) / "today-in-baseline-format"
        dropped = today_data_for(before_src, today, tmp)
        after_src = ROOT / "src"
        runs: tuple[tuple[str, Path, bool, Path | None], ...] = (
            ("before", before_src, False, today),
            ("after", after_src, False, None),
            ("exit", after_src, True, None),
            ("own", before_src, False, None),
        )
        times: dict[str, dict[str, list[float]]] = {label: {} for label, *_ in runs}
        for _ in range(args.rounds):
            for label, src, flag, snapshot in runs:
                for name, values in _run(src, args.repeats, flag, tmp, snapshot).items():
                    times[label].setdefault(name, []).extend(values)
    lines = [
        "# Sovereignty (issue 16): `plan` before and after, side by side",
        "",
        f"Produced by `PYTHONPATH=src python -m bench.sovereignty --before {rev}` at {head}: "
        f"{args.rounds} rounds x {args.repeats} timed plans per bundle and run, alternating "
        "worker processes, medians of `plan_bundle` (catalog loaded before timing). "
        "Both trees plan on today's packaged snapshot; for the baseline it is written in its "
        "catalog format, without the keys it does not read "
        f"({', '.join(dropped) or 'none'}) and without the certifications that are not "
        "`qualified` (it would count them as held). Target: after / before <= 1.2 without "
        "the new options. *Fresh catalog*: each timed plan on a catalog just loaded (the "
        "catalog memoises verdicts across plans; a `sovbundle plan` process makes one plan), "
        "ratio of the medians, also judged. The last column is the baseline on its own, "
        "smaller snapshot: the "
        "catalog data grew between the two commits, which is not the cost of the code.",
        "",
        "| bundle | before (ms) | after (ms) | after / before | after / before, fastest runs "
        "| after / before, fresh catalog | with --exit-report (ms) | before, own snapshot (ms) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    worst = 0.0
    skipped = sorted(n for n in set(times["after"]) - set(times["before"]) if "@" not in n)
    for name in sorted(n for n in set(times["before"]) & set(times["after"]) if "@" not in n):
        before = statistics.median(times["before"][name]) * 1000
        after = statistics.median(times["after"][name]) * 1000
        exits = statistics.median(times["exit"][name]) * 1000
        own = times["own"].get(name)
        own_text = f"{statistics.median(own) * 1000:.1f}" if own else "cannot place"
        fastest = min(times["after"][name]) / min(times["before"][name])
        cold = statistics.median(times["after"][f"{name}@cold"]) / statistics.median(
            times["before"][f"{name}@cold"]
        )
        worst = max(worst, after / before, cold)
        lines.append(
            f"| {name} | {before:.1f} | {after:.1f} | {after / before:.2f} | {fastest:.2f} "
            f"| {cold:.2f} | {exits:.1f} | {own_text} |"
        )
    verdict = "met" if worst <= 1.2 else "NOT met"
    lines += ["", f"Worst ratio of the medians (both columns): {worst:.2f} ({verdict})."]
    if skipped:
        lines += [
            "",
            f"Not compared (the baseline tree cannot read or place them): {', '.join(skipped)}.",
        ]
    load = os.getloadavg()
    lines += [
        "",
        f"Load average at the end of the run: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}.",
    ]
    text = "\n".join(lines) + "\n"
    (ROOT / "bench" / "RESULTS_sovereignty.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
