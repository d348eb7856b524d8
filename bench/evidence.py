"""The evidence policy (issue 16 part 1): ``plan`` before and after, side by side.

    PYTHONPATH=src python -m bench.evidence [--before REV] [--rounds 3] [--repeats 5]

The baseline is the ``src/`` and ``providers/`` of commit ``REV`` (``git archive``, into a
temporary folder). Each round runs one worker process per tree, alternating; each worker times

* ``plan_bundle`` on every example bundle both trees can read (catalogs and bundles loaded
  before timing; the first plan of each is a warm-up), and
* ``build_problem`` (the filters and candidates, cold) of a two-component bundle requiring
  ``hds``, two countries and ``operators_eu_only`` on the 100,000-offer synthetic catalog of
  ``bench.generate``: every offer goes through the certification, operator and country checks.

The figures are the ratios of the fastest runs (other processes on a shared machine only add
time) and of the medians. Writes ``bench/RESULTS_evidence.md``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from bench.trees import ROOT, git, run_worker, tree

BASELINE = "73f6901"
"""main when the evidence policy work started."""
NEW_BUNDLES = ("health-records-tolerant",)
"""Example bundles the baseline cannot read (they use ``policy.unknown_evidence``)."""

WORKER = r"""
import json, sys, time
from datetime import UTC, datetime
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from bench.generate import synthetic_catalog
from sovbundle.catalog import select
from sovbundle.planning.formulate import build_problem
from sovbundle.planning.resolve import plan_bundle
from sovbundle.spec.loader import load_bundle
from tests.support.synthetic import bundle
repeats, paths = int(sys.argv[1]), sys.argv[3:]
catalogs = select.load_catalogs()
now = datetime.now(UTC)
out = {}
for path in paths:
    loaded = load_bundle(Path(path))
    plan_bundle(loaded, catalogs, now)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        plan_bundle(loaded, catalogs, now)
        times.append(time.perf_counter() - start)
    out[Path(path).stem] = times
big = synthetic_catalog(100_000)
spec = bundle(
    {"a": {"kind": "vm", "vcpus": 2, "certifications": ["hds"]},
     "b": {"kind": "database", "engine": "postgresql", "certifications": ["hds"]}},
    constraints={"countries": ["FR", "DE"], "operators_eu_only": True},
)
times = []
for _ in range(repeats):
    start = time.perf_counter()
    build_problem(spec, big)
    times.append(time.perf_counter() - start)
out["screening 100k offers (hds, countries, operators)"] = times
print(json.dumps(out))
"""


def _run(src: Path, repeats: int, cache: str) -> dict[str, list[float]]:
    bundles = [
        str(p) for p in sorted((ROOT / "bundles").glob("*.yaml")) if p.stem not in NEW_BUNDLES
    ]
    found: dict[str, list[float]] = run_worker(
        src, WORKER, [str(repeats), str(ROOT), *bundles], cache
    )
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default=BASELINE)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rev, head = git("rev-parse", "--short", args.before), git("rev-parse", "--short", "HEAD")
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"before": tree(rev, Path(tmp) / "before"), "after": ROOT / "src"}
        times: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
        for _ in range(args.rounds):
            for label, src in trees.items():
                for name, values in _run(src, args.repeats, tmp).items():
                    times[label].setdefault(name, []).extend(values)
    lines = [
        "# Evidence policy (issue 16 part 1): `plan` before and after, side by side",
        "",
        f"Produced by `PYTHONPATH=src python -m bench.evidence --before {rev}` at {head}: "
        f"{args.rounds} rounds x {args.repeats} timed runs per case and tree, alternating "
        "worker processes; fastest run and median of each. Example bundles: `plan_bundle` on the packaged snapshot "
        "of each tree, default policy. Screening: `build_problem` (cold) on the 100,000-offer "
        "synthetic catalog.",
        "",
        "| case | before, fastest / median (ms) | after, fastest / median (ms) | after / before, "
        "fastest | after / before, median |",
        "|---|---|---|---|---|",
    ]
    worst = 0.0
    for name in sorted(times["before"]):
        before, after = times["before"][name], times["after"][name]
        fast = min(after) / min(before)
        middle = statistics.median(after) / statistics.median(before)
        worst = max(worst, fast)
        lines.append(
            f"| {name} | {min(before) * 1000:.1f} / {statistics.median(before) * 1000:.1f} | "
            f"{min(after) * 1000:.1f} / {statistics.median(after) * 1000:.1f} | {fast:.2f} | "
            f"{middle:.2f} |"
        )
    lines += ["", f"Worst ratio of the fastest runs: {worst:.2f}."]
    text = "\n".join(lines) + "\n"
    (ROOT / "bench" / "RESULTS_evidence.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
