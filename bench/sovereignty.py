"""``plan`` on the example bundles before and after the sovereignty work (issue 16), side by side.

    PYTHONPATH=src python -m bench.sovereignty [--before REV] [--rounds 3] [--repeats 7]

The baseline is the ``src/`` of commit ``REV`` (``git archive``, into a temporary folder). Each
round runs one worker process per tree, alternating, and each worker times ``plan_bundle`` on
every example bundle (catalogs and bundles loaded once, before timing; the first plan of each
bundle is a warm-up). The figure is the ratio of the medians, per bundle, without any new
option (no price book, no exit report). The exit report's own cost is shown for information.
Writes the "Sovereignty" section of ``bench/RESULTS_sovereignty.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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
print(json.dumps(out))
"""


def _tree(rev: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "archive", "--format=tar", rev, "src", "providers"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def _run(src: Path, repeats: int, exit_report: bool, cache: str) -> dict[str, list[float]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOVBUNDLE_")}
    env.update(PYTHONPATH=str(src), SOVBUNDLE_CACHE_DIR=cache, XDG_CONFIG_HOME=cache)
    bundles = [str(p) for p in sorted((ROOT / "bundles").glob("*.yaml"))]
    flag = "1" if exit_report else "0"
    done = subprocess.run(
        [sys.executable, "-c", WORKER, str(repeats), flag, *bundles],
        env=env, capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"worker on {src} failed: {done.stderr.strip().splitlines()[-1:]}")
    result: dict[str, list[float]] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default=BASELINE)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rev = subprocess.run(
        ["git", "rev-parse", "--short", args.before], cwd=ROOT, capture_output=True, text=True,
        check=True,
    ).stdout.strip()  # fmt: skip
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
        check=True,
    ).stdout.strip()  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        before_src = _tree(rev, Path(tmp) / "before")
        after_src = ROOT / "src"
        times: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}, "exit": {}}
        for _ in range(args.rounds):
            for label, src, flag in (
                ("before", before_src, False),
                ("after", after_src, False),
                ("exit", after_src, True),
            ):
                for name, values in _run(src, args.repeats, flag, tmp).items():
                    times[label].setdefault(name, []).extend(values)
    lines = [
        "# Sovereignty (issue 16): `plan` before and after, side by side",
        "",
        f"Produced by `PYTHONPATH=src python -m bench.sovereignty --before {rev}` at {head}: "
        f"{args.rounds} rounds x {args.repeats} timed plans per bundle and tree, alternating "
        "worker processes, medians of `plan_bundle` on the packaged snapshot (catalog loaded "
        "before timing). Target: after / before <= 1.2 without the new options.",
        "",
        "| bundle | before (ms) | after (ms) | after / before | with --exit-report (ms) |",
        "|---|---|---|---|---|",
    ]
    worst = 0.0
    skipped = sorted(set(times["after"]) - set(times["before"]))
    for name in sorted(set(times["before"]) & set(times["after"])):
        before = statistics.median(times["before"][name]) * 1000
        after = statistics.median(times["after"][name]) * 1000
        exits = statistics.median(times["exit"][name]) * 1000
        worst = max(worst, after / before)
        lines.append(
            f"| {name} | {before:.1f} | {after:.1f} | {after / before:.2f} | {exits:.1f} |"
        )
    lines += ["", f"Worst ratio: {worst:.2f} ({'met' if worst <= 1.2 else 'NOT met'})."]
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
