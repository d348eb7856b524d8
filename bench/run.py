"""Run the benchmark suite and write ``bench/RESULTS.md`` (and ``bench/results.json``).

    python -m bench            full suite (under 10 minutes on 2 cores)
    python -m bench --quick    smaller sizes, fewer repeats (the CI smoke test uses --tiny)

Every figure is measured in this one run, side by side with its baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCALE_TIMEOUT_S = 90.0

MODES: dict[str, dict[str, Any]] = {
    "full": {"repeats": 7, "sizes": [10, 50, 200, 1000], "catalogs": ["packaged", "10000", "100000"],
             "brute": 300, "greedy_sizes": [10, 30], "refresh_rows": [200, 2000]},
    "quick": {"repeats": 3, "sizes": [10, 50, 200], "catalogs": ["packaged", "10000"],
              "brute": 100, "greedy_sizes": [10], "refresh_rows": [200]},
    "tiny": {"repeats": 1, "sizes": [5], "catalogs": ["packaged", "300"],
             "brute": 20, "greedy_sizes": [5], "refresh_rows": [20]},
}  # fmt: skip


def _env(cache: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOVBUNDLE_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    env.update(NO_COLOR="1", SOVBUNDLE_CACHE_DIR=cache, XDG_CONFIG_HOME=cache)
    return env


def _median_run(argv: list[str], env: dict[str, str], repeats: int) -> tuple[float, int]:
    times, code = [], 0
    for _ in range(repeats):
        began = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - began)
        code = done.returncode
    return statistics.median(times), code


def cli_latency(repeats: int, env: dict[str, str]) -> dict[str, Any]:
    py = sys.executable
    cmds: dict[str, list[str]] = {
        "python -c pass": [py, "-c", "pass"],
        'python -c "import json"': [py, "-c", "import json"],
        "sovbundle --help": [py, "-m", "sovbundle", "--help"],
    }
    for bundle in sorted((ROOT / "bundles").glob("*.yaml")):
        rel = bundle.relative_to(ROOT)
        cmds[f"sovbundle validate {rel}"] = [py, "-m", "sovbundle", "validate", str(rel)]
        cmds[f"sovbundle plan {rel}"] = [py, "-m", "sovbundle", "plan", str(rel), "--json"]
    cmds["sovbundle services --json"] = [py, "-m", "sovbundle", "services", "--json"]
    cmds["sovbundle services"] = [py, "-m", "sovbundle", "services"]
    rows = {}
    for label, argv in cmds.items():
        seconds, code = _median_run(argv, env, repeats)
        rows[label] = {"median_s": seconds, "exit": code}
    base = rows["python -c pass"]["median_s"]
    for row in rows.values():
        row["x_python_pass"] = row["median_s"] / base
    return rows


def _worker(args: list[str], env: dict[str, str], timeout: float) -> dict[str, Any]:
    argv = [sys.executable, "-m", "bench.worker", *args]
    try:
        done = subprocess.run(argv, env=env, capture_output=True, cwd=ROOT, timeout=timeout, text=True)  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:g}s"}
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def scale(sizes: list[int], catalogs: list[str], env: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for cat in catalogs:
        for size in sizes:
            row = _worker(["scale", str(size), cat, "1"], env, SCALE_TIMEOUT_S)
            row.setdefault("components", size)
            row.setdefault("catalog", cat)
            rows.append(row)
            if "error" in row:
                break  # bigger sizes on this catalog would only time out too
    return rows


def quality(mode: dict[str, Any]) -> dict[str, Any]:
    from bench.generate import synthetic_catalog
    from bench.quality import brute_force_check, generated_cases, greedy_comparison
    from sovbundle.catalog.select import load_catalogs
    from sovbundle.spec.loader import load_bundle

    with tempfile.TemporaryDirectory() as empty:
        packaged = load_catalogs(cache_dir=Path(empty))
    examples = [
        (f"example {p.name}", load_bundle(p).spec, packaged)
        for p in sorted((ROOT / "bundles").glob("*.yaml"))
    ]
    cases = examples + generated_cases(mode["greedy_sizes"], packaged, "packaged")
    cases += generated_cases(mode["greedy_sizes"], synthetic_catalog(2000), "generated 2k")
    return {"brute_force": brute_force_check(mode["brute"]), "greedy": greedy_comparison(cases)}


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    import highspy  # noqa: F401  (its version comes from the distribution metadata)

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "highspy": version("highspy"),
        "pydantic": version("pydantic"),
        "typer": version("typer"),
    }


def run(mode_name: str) -> dict[str, Any]:
    mode = MODES[mode_name]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as cache:
        env = _env(cache)
        results: dict[str, Any] = {
            "mode": mode_name,
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "cli": cli_latency(mode["repeats"], env),
            "catalog_load": _worker(["load"], env, 120),
            "refresh": [_worker(["refresh", str(rows)], env, 120) for rows in mode["refresh_rows"]],
            "quality": quality(mode),
            "scale": scale(mode["sizes"], mode["catalogs"], env),
        }
    results["suite_s"] = time.perf_counter() - started
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    group.add_argument("--tiny", action="store_true", help="smoke-test sizes (seconds)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench", help="folder for the results")
    args = parser.parse_args(argv)
    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    command = "python -m bench" + {"full": "", "quick": " --quick", "tiny": " --tiny"}[mode]
    results = run(mode)
    results["command"] = command
    from bench.report import lost_headings, markdown, rewrite

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    report = args.out / "RESULTS.md"
    previous = report.read_text(encoding="utf-8") if report.is_file() else ""
    text = rewrite(previous, markdown(results))  # keeps every <!-- section:NAME --> block
    temp = report.with_name(report.name + ".tmp")
    temp.write_text(text, encoding="utf-8")
    temp.replace(report)
    for heading in lost_headings(previous, text):
        print(f"warning: {report}: {heading!r} was outside any section markers: not kept", file=sys.stderr)  # fmt: skip
    print(f"wrote {args.out / 'RESULTS.md'} in {results['suite_s']:.0f} s")
    return 0
