"""``--help`` latency of every command against ``python -c pass``, measured in one run.

Run: ``PYTHONPATH=src:. python -m bench.cli_help [--repeats N]``. Commands are run
interleaved (one round runs each once), so that machine load affects them alike; the figure is
the median over rounds, and the ratio is against ``python -c pass`` of the same rounds. The
target (issue 15): every ``--help`` within 10x ``python -c pass``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = [
    [],
    ["plan"],
    ["validate"],
    ["services"],
    ["providers"],
    ["catalog"],
    ["catalog", "refresh"],
    ["catalog", "status"],
    ["schema"],
]


def measure(repeats: int, baseline: Path | None = None) -> dict[str, float]:
    """Median seconds per command; with ``baseline`` (another checkout's ``src``), the same
    commands run from it too, interleaved, labelled ``(baseline)``."""
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("SOVBUNDLE_")}
    trees = {"": ROOT / "src"} | ({" (baseline)": baseline} if baseline else {})
    py = sys.executable
    runs: dict[str, tuple[list[str], dict[str, str]]] = {
        "python -c pass": ([py, "-c", "pass"], base_env)
    }
    for suffix, src in trees.items():
        env = base_env | {"PYTHONPATH": str(src)}
        for words in COMMANDS:
            label = " ".join(["sovbundle", *words, "--help"]) + suffix
            runs[label] = ([py, "-m", "sovbundle", *words, "--help"], env)
    times: dict[str, list[float]] = {label: [] for label in runs}
    for _ in range(repeats):
        for label, (argv, env) in runs.items():
            began = time.perf_counter()
            done = subprocess.run(argv, env=env, capture_output=True, cwd=ROOT, check=False)
            times[label].append(time.perf_counter() - began)
            if done.returncode != 0:
                raise SystemExit(f"{label} exited {done.returncode}: {done.stderr.decode()}")
    return {label: statistics.median(values) for label, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--baseline", type=Path, help="another checkout's src/ to compare")
    args = parser.parse_args(argv)
    medians = measure(args.repeats, args.baseline)
    base = medians["python -c pass"]
    print("| command | median | x `python -c pass` | within 10x |")
    print("|---|---:|---:|---|")
    for label, seconds in medians.items():
        ratio = seconds / base
        print(
            f"| `{label}` | {seconds * 1000:.0f} ms | {ratio:.1f} | {'yes' if ratio <= 10 else 'NO'} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
