"""Does issue 11's work slow ``plan`` down? Side by side, in one run, against a baseline tree.

    PYTHONPATH=src:. python -m bench.reliability_plan BASELINE_SRC [--rounds N]

``BASELINE_SRC`` is the ``src`` folder of a checkout without the change (for example
``git worktree add /tmp/base main`` then ``/tmp/base/src``). For every example bundle, the
two trees run ``python -m sovbundle plan BUNDLE --json`` in alternation, ``N`` rounds each, in
an empty cache (the packaged snapshot is used: the path every fresh install takes) and then
with a cache of every provider written by that tree's own ``catalog refresh`` format (the
path where the cache's sanity checks run). Reported: median wall time of each and the ratio.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLES = sorted((ROOT / "bundles").glob("*.yaml"))

# Fills a cache from the packaged snapshot with the tree's own cache writer (no network).
FILL = """
import sys
from pathlib import Path
try:
    from sovbundle.catalog.cache import HttpStatus, write_cached
    from sovbundle.catalog.files import load_catalog_file, snapshot_dir
except ImportError:
    from sovbundle.cache import HttpStatus, write_cached
    from sovbundle.catalog import load_catalog_file, snapshot_dir
folder = Path(sys.argv[1])
folder.mkdir(parents=True, exist_ok=True)
for path in sorted(snapshot_dir().glob("*.json")):
    loaded = load_catalog_file(path)
    data = loaded.data.model_copy(update={"fetched_at": "2026-12-01T00:00:00+00:00"})
    write_cached(folder, data, sources=(), http=(), sovbundle_version="bench")
"""


def run(src: str, bundle: Path, cache: Path) -> float:
    env = {
        **os.environ,
        "PYTHONPATH": src,
        "SOVBUNDLE_CACHE_DIR": str(cache),
        "SOVBUNDLE_SNAPSHOT_DIR": str(ROOT / "providers" / "snapshot"),
    }
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sovbundle", "plan", str(bundle), "--json"],
        env=env,
        capture_output=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 4):
        raise SystemExit(f"{src}: plan {bundle.name} exited {proc.returncode}: {proc.stderr!r}")
    return elapsed


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    baseline, rounds = argv[0], 7
    if "--rounds" in argv:
        rounds = int(argv[argv.index("--rounds") + 1])
    trees = {"baseline": baseline, "this branch": str(ROOT / "src")}
    with tempfile.TemporaryDirectory() as tmp:
        caches = {}
        for name, src in trees.items():
            empty = Path(tmp) / name.replace(" ", "-") / "empty"
            filled = Path(tmp) / name.replace(" ", "-") / "filled"
            empty.mkdir(parents=True)
            env = {**os.environ, "PYTHONPATH": src}
            env["SOVBUNDLE_SNAPSHOT_DIR"] = str(ROOT / "providers" / "snapshot")
            subprocess.run(
                [sys.executable, "-c", FILL, str(filled / "catalogs")], env=env, check=True
            )
            caches[name] = {"snapshot": empty, "cache": filled}
        print("| bundle | data | baseline (ms) | this branch (ms) | ratio |")
        print("|---|---|---:|---:|---:|")
        ratios = []
        for bundle in BUNDLES:
            for data in ("snapshot", "cache"):
                times: dict[str, list[float]] = {name: [] for name in trees}
                for _ in range(rounds):
                    for name, src in trees.items():  # alternate: drift hits both alike
                        times[name].append(run(src, bundle, caches[name][data]))
                base = statistics.median(times["baseline"])
                ours = statistics.median(times["this branch"])
                ratios.append(ours / base)
                print(
                    f"| {bundle.stem} | {data} | {base * 1000:.0f} | {ours * 1000:.0f} "
                    f"| {ours / base:.3f} |"
                )
        print(f"\nmedian ratio {statistics.median(ratios):.3f}, worst {max(ratios):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
