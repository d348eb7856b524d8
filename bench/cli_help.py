"""``--help`` latency of every command against ``python -c pass``, measured in one run.

Run: ``PYTHONPATH=src:. python -m bench.cli_help [--repeats N] [--baseline OTHER/src]``.
Commands are run interleaved (one round runs each once), so that machine load affects them
alike; the figure is the median over rounds, and the ratio is against ``python -c pass`` of the
same rounds. The target (issue 15): every ``--help`` within 10x ``python -c pass``.

Every command's ``--help`` and ``--version`` are measured as a user runs them (stdout a pipe, so
80 columns: answered from the stored help screens without typer, ``sovbundle.cli._quick``),
with a global flag before the command (``-q plan --help``, answered the same way), and a
command line that goes through typer: a terminal narrower than 80 columns (``COLUMNS=60``),
the way every ``--help`` went before the stored screens.
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
    ["schema"],
    ["providers"],
    ["services"],
    ["show"],
    ["diff"],
    ["catalog"],
    ["catalog", "refresh"],
    ["catalog", "status"],
    ["export"],
    ["export", "tofu"],
]
"""Every command and group (the keys of ``sovbundle.cli._help_text.HELP``; a test checks)."""
EXTRA_RUNS: dict[str, tuple[list[str], dict[str, str]]] = {
    "sovbundle -q plan --help": (["-q", "plan", "--help"], {}),
    "COLUMNS=60 sovbundle plan --help (through typer)": (["plan", "--help"], {"COLUMNS": "60"}),
}


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
        runs["sovbundle --version" + suffix] = ([py, "-m", "sovbundle", "--version"], env)
        for label, (args, extra) in EXTRA_RUNS.items():
            runs[label + suffix] = ([py, "-m", "sovbundle", *args], env | extra)
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
    load_before = os.getloadavg()[0]
    medians = measure(args.repeats, args.baseline)
    load_after = os.getloadavg()[0]
    base = medians["python -c pass"]
    print(
        f"{args.repeats} rounds; load average (1 min) {load_before:.1f} before, "
        f"{load_after:.1f} after; Python {sys.version.split()[0]}\n"
    )
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
