"""Worst-case bundle specs for ``validate`` (issue 11, item 3), and their timing.

    PYTHONPATH=src:. python -m bench.validate_worst [--rounds N] [--compare SRC] [--write]

Each generator returns the bytes of a spec built to hit one costly path: "did you mean" over
thousands of names for thousands of misspelt link ends, a long colocate chain and a star of
colocations (union-find), thousands of duplicate links or keys, thousands of invalid values,
and a file refused at ``MAX_NODES``. Every case comes in two sizes: the size of the first
measurements (about 370 KB) and just under the 1 MiB limit (``MAX_BUNDLE_BYTES``), with names
long enough that it stays under ``MAX_NODES`` values (a bigger document is refused early).

The timing is ``parse_bundle`` end to end (the same work as ``sovbundle validate``), best of
``--rounds`` runs, each in a fresh worker process (``python -m bench.validate_worst --worker``)
so that one case's garbage does not slow the next. ``--compare SRC`` times another source
tree too (for instance main before a change, ``git worktree add /tmp/base main``), the two
trees alternating run by run; its figures go in the same table. Ratios are to the
correct-links baseline of the same size and tree, measured in the same run; the load average
is read before and after. The target: every case under 2 s (aim: 1 s at 1 MiB).

``--write`` puts the table in its own section of ``bench/RESULTS.md`` (between the
``section:validate_worst`` markers, which a full ``python -m bench`` keeps).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECTION = "validate_worst"
"""Its section of ``bench/RESULTS.md`` (``bench.report.write_section``)."""
LIMIT_BYTES = 1024 * 1024
"""``MAX_BUNDLE_BYTES``, repeated so that the generators run against any source tree."""
LIMIT_VALUES = 100_000
"""``MAX_NODES``, likewise."""
FILL = LIMIT_BYTES - 8 * 1024
"""The 1 MiB cases are fitted to at most this many bytes: just under the limit."""
TIMEOUT_S = 60.0
"""A run slower than this is stopped and shown as such (the quadratic paths of old trees)."""


def _name(prefix: str, i: int, tail: str) -> str:
    return f"{prefix}-{i:05d}{tail}"


def _spec(name: str, components: list[str], links: list[str]) -> bytes:
    lines = ["version: 1", f"name: {name}", "components:", *components]
    if links:
        lines += ["links:", *links]
    return ("\n".join(lines) + "\n").encode()


def correct_links(links: int = 5000, components: int = 2000, tail: str = "") -> bytes:
    """``components`` names and ``links`` links between them, every end spelt right: the
    parsing baseline (the same shape as ``misspelt_links``)."""
    names = [_name("service", i, tail) for i in range(components)]
    rows = []
    for i in range(links):
        a, b = i % components, (i * 7 + 3) % components
        if a == b:
            b = (b + 1) % components
        rows.append(f"  - {{from: {names[a]}, to: {names[b]}, gb_month: {i + 1}}}")
    return _spec("baseline-correct-links", [f"  {n}: {{kind: vm, vcpus: 1}}" for n in names], rows)


def misspelt_links(links: int = 5000, components: int = 2000, tail: str = "") -> bytes:
    """``components`` names and ``links`` links whose two ends are near misses of those names."""
    names = [_name("service", i, tail) for i in range(components)]
    rows = []
    for i in range(links):
        a, b = i % components, (i * 7 + 3) % components
        # Distinct traffic: no two links are the same (duplicates are another error).
        bad_a = names[a].replace("service", "servise", 1)
        rows.append(f"  - {{from: {bad_a}, to: {names[b]}x, gb_month: {i + 1}}}")
    return _spec("worst-did-you-mean", [f"  {n}: {{kind: vm, vcpus: 1}}" for n in names], rows)


MAX_COMPONENTS = 5000
"""The most components a bundle may have (``BundleSpec``): bigger cases reuse names."""


def colocate_chain(links: int = 4999, tail: str = "") -> bytes:
    """A colocate chain through every component (round and round again past
    ``MAX_COMPONENTS``), then an ``apart`` from end to end."""
    count = min(links + 1, MAX_COMPONENTS)
    names = [f"c{i}{tail}" for i in range(count)]
    rows = []
    for i in range(links):
        traffic = f", gb_month: {i + 1}" if i >= count - 1 else ""  # no link repeated
        a, b = names[i % count], names[(i + 1) % count]
        rows.append(f"  - {{from: {a}, to: {b}, colocate: region{traffic}}}")
    rows.append(f"  - {{from: {names[0]}, to: {names[-1]}, apart: provider}}")
    return _spec("worst-colocate-chain", [f"  {n}: {{kind: vm, vcpus: 1}}" for n in names], rows)


def colocate_star(links: int = 4000, tail: str = "") -> bytes:
    """A hub colocated with every other component (``links`` links, names reused past
    ``MAX_COMPONENTS``), each link naming the hub first, then ``links / 4`` ``apart`` checks
    between the hub and a spoke: a union-find without path compression walks a chain as long
    as the links for each of them."""
    count = min(links + 1, MAX_COMPONENTS)
    names = [f"c{i}{tail}" for i in range(count)]
    rows = [
        f"  - {{from: {names[0]}, to: {names[1 + i % (count - 1)]}, colocate: region, "
        f"gb_month: {i + 1}}}"
        for i in range(links)
    ]
    rows += [
        f"  - {{from: {names[0]}, to: {names[-1]}, apart: provider, gb_month: {i + 1}}}"
        for i in range(links // 4)
    ]
    return _spec("worst-colocate-star", [f"  {n}: {{kind: vm, vcpus: 1}}" for n in names], rows)


def duplicate_links(copies: int = 8000, tail: str = "") -> bytes:
    """The same link written ``copies`` times."""
    a, b = f"a{tail}", f"b{tail}"
    rows = [f"  - {{from: {a}, to: {b}, gb_month: 5}}"] * copies
    components = [f"  {a}: {{kind: vm, vcpus: 1}}", f"  {b}: {{kind: vm, vcpus: 1}}"]
    return _spec("worst-duplicate-links", components, rows)


def duplicate_keys(copies: int = 8000, tail: str = "") -> bytes:
    """The same component name written ``copies`` times (a located issue for each copy)."""
    rows = [f"  {_name('twin', 0, tail)}: {{kind: vm, vcpus: {i + 1}}}" for i in range(copies)]
    return _spec("worst-duplicate-keys", rows, [])


def invalid_values(components: int = 5000, tail: str = "") -> bytes:
    """Every component with two invalid values (a pydantic error each)."""
    rows = [
        f"  {_name('bad', i, tail)}: {{kind: vm, vcpus: many, memory_gb: -1}}"
        for i in range(components)
    ]
    return _spec("worst-invalid-values", rows, [])


def node_limit(values: int = 120_000, tail: str = "") -> bytes:
    """A flat list of more values than ``MAX_NODES`` (refused when the limit is reached)."""
    item = f"x{tail}"
    return _spec("worst-node-limit", ["  a: {kind: vm}"], [f"  - [{', '.join([item] * values)}]"])


BASELINE = "correct-links (baseline)"
CASES: dict[str, Callable[..., bytes]] = {
    BASELINE: correct_links,
    "misspelt-links": misspelt_links,
    "colocate-chain": colocate_chain,
    "colocate-star": colocate_star,
    "duplicate-links": duplicate_links,
    "duplicate-keys": duplicate_keys,
    "invalid-values": invalid_values,
    "node-limit (refused)": node_limit,
}
NEW_IN_1MIB = {"colocate-star", "duplicate-keys", "invalid-values", "node-limit (refused)"}
"""Cases added with the 1 MiB sizes; the 370 KB size keeps the four of the first figures."""
TAILS = {
    BASELINE: "-frontend-eu-west",
    "misspelt-links": "-frontend-eu-west",
    "colocate-chain": "-frontend-eu-west-paris-zone-1",
    "colocate-star": "-frontend-eu-west-paris-zone-1",
    "duplicate-links": "-frontend-eu-west-paris-1",
    "duplicate-keys": "-frontend-eu-west-paris-1-with-a-long-name-0123",
    "invalid-values": "-frontend-eu-west-paris-1-with-a-long-name-0123",
    "node-limit (refused)": "",
}
"""Name tails for the 1 MiB cases: long enough to keep them under ``MAX_NODES`` values."""


def _fit(make: Callable[[int], bytes]) -> bytes:
    """``make(n)`` for the largest ``n`` whose bytes fit in ``FILL`` (``make`` grows with n)."""
    low, high = 1, 2
    while len(make(high)) <= FILL:
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if len(make(middle)) <= FILL else (low, middle)
    return make(low)


def generate(case: str, size: str) -> bytes:
    """The bytes of ``case`` at ``size`` ("370KB": the first figures' parameters, or "1MiB")."""
    make = CASES[case]
    if size == "370KB":
        return make()
    tail = TAILS[case]
    return _fit(lambda n: make(n, tail=tail))


def count_values(raw: bytes) -> int:
    """YAML events in ``raw`` (what ``MAX_NODES`` counts), stopping one past the limit."""
    import yaml

    loader = getattr(yaml, "CBaseLoader", None) if yaml.__with_libyaml__ else None
    parser = (loader or yaml.BaseLoader)(raw.decode())
    count = 0
    try:
        while not isinstance(parser.get_event(), yaml.StreamEndEvent) and count <= LIMIT_VALUES:
            count += 1
    finally:
        parser.dispose()
    return count


def time_case(raw: bytes) -> tuple[float, float, int]:
    """Wall and CPU seconds to validate ``raw`` once, and the number of issues shown (with
    the sovbundle this process imports)."""
    from sovbundle.errors import BundleError
    from sovbundle.spec.loader import parse_bundle

    issues = 0
    start, cpu = time.perf_counter(), time.process_time()
    try:
        parse_bundle(raw, "worst.yaml")
    except BundleError as exc:
        issues = len(exc.issues)
    return time.perf_counter() - start, time.process_time() - cpu, issues


def _worker(case: str, size: str) -> int:
    seconds, cpu, issues = time_case(generate(case, size))
    print(json.dumps({"seconds": seconds, "cpu": cpu, "issues": issues}))
    return 0


def _run_worker(src: Path, case: str, size: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOVBUNDLE_")}
    env["PYTHONPATH"] = os.pathsep.join([str(src), str(ROOT)])
    argv = [sys.executable, "-m", "bench.validate_worst", "--worker", case, size]
    try:
        done = subprocess.run(
            argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        return {"seconds": None, "cpu": None, "issues": None}
    if done.returncode != 0:
        raise RuntimeError(f"{case} {size} in {src}: {done.stderr.strip()[-500:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def measure(trees: dict[str, Path], rounds: int) -> dict[str, Any]:
    """Every case at every size in every tree, the trees alternating; best of ``rounds``."""
    rows = []
    for size in ("370KB", "1MiB"):
        for case in CASES:
            if size == "370KB" and case in NEW_IN_1MIB:
                continue
            raw = generate(case, size)
            assert len(raw) < LIMIT_BYTES, (case, size, len(raw))
            values = count_values(raw)
            if case != "node-limit (refused)":
                assert values <= LIMIT_VALUES, (case, size, values)
            row: dict[str, Any] = {"case": case, "size": size, "bytes": len(raw)}
            row["values"] = values
            best: dict[str, float | None] = {}
            cpu: dict[str, float | None] = {}
            for _ in range(rounds):
                for label, src in trees.items():
                    if label in best and best[label] is None:
                        continue  # timed out once: not again
                    got = _run_worker(src, case, size)
                    row[f"issues {label}"] = got["issues"]
                    if got["seconds"] is None:
                        best[label] = cpu[label] = None
                        continue
                    best[label] = min(got["seconds"], best.get(label) or float("inf"))
                    cpu[label] = min(got["cpu"], cpu.get(label) or float("inf"))
            row["seconds"], row["cpu"] = best, cpu
            rows.append(row)
            print(f"{size} {case}: wall {best} cpu {cpu}", file=sys.stderr)
    for row in rows:
        # CPU time: the wall time of two runs minutes apart also measures the load in between.
        base = next(r for r in rows if r["size"] == row["size"] and r["case"] == BASELINE)
        row["ratio"] = {
            label: (s / base["cpu"][label] if s is not None and base["cpu"][label] else None)
            for label, s in row["cpu"].items()
        }
    return {"rows": rows}


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def _seconds(value: float | None) -> str:
    return f"> {TIMEOUT_S:.0f}" if value is None else f"{value:.3f}"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}x"


def markdown(results: dict[str, Any]) -> str:
    labels = list(results["trees"])
    head = "| case | size | bytes | values |"
    rule = "|---|---|---:|---:|"
    for label in labels:
        head += f" {label}: wall (s) | CPU (s) | CPU x baseline | issues |"
        rule += "---:|---:|---:|---:|"
    out = [
        "## `validate` worst cases up to the 1 MiB limit (issue 11, item 3)",
        "",
        f"`{results['command']}` on {results['date']}, {results['machine']}; load average "
        f"(1/5/15 min) {results['load_before']} before and {results['load_after']} after. "
        f"Each figure is the best of {results['rounds']} runs of `parse_bundle` (all that "
        "`sovbundle validate` does), each run in a fresh process, the trees alternating run by "
        "run. *values* are the YAML events `MAX_NODES` counts; the 1 MiB cases are fitted just "
        "under `MAX_BUNDLE_BYTES` with names long enough to stay under `MAX_NODES`. "
        "*CPU* is the process time (best of the same runs; less sensitive to the other work "
        "on the machine than the wall time); *CPU x baseline* is it over the correct-links "
        "case's of the same size and tree, in this run.",
        "",
        *[f"- `{label}`: {desc}" for label, desc in results["trees"].items()],
        "",
        head,
        rule,
    ]
    for row in results["rows"]:
        line = f"| {row['case']} | {row['size']} | {row['bytes']} | {row['values']} |"
        for label in labels:
            issues = row.get(f"issues {label}")
            cpu = row["cpu"][label]
            line += (
                f" {_seconds(row['seconds'][label])} | {'—' if cpu is None else f'{cpu:.3f}'} |"
                f" {_ratio(row['ratio'][label])} | {'—' if issues is None else issues} |"
            )
        out.append(line)
    slowest = max(
        (s for row in results["rows"] for s in [row["seconds"][labels[0]]] if s is not None),
        default=None,
    )
    out += [
        "",
        f"Slowest case in `{labels[0]}`: {_seconds(slowest)} s (target: under 2 s; aim 1 s). "
        "Before the first fix of issue 11 (suggestions for every misspelt end over every "
        "name), a 200 KB misspelt-links spec ran past 150 s.",
    ]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.validate_worst", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--rounds", type=int, default=3, help="runs per case and tree")
    parser.add_argument("--compare", type=Path, help="another source tree (its src/) to time")
    parser.add_argument("--label", default="this tree", help="name of this tree in the table")
    parser.add_argument("--compare-label", default="compared", help="name of the other tree")
    parser.add_argument("--write", action="store_true", help="write its bench/RESULTS.md section")
    parser.add_argument("--worker", nargs=2, metavar=("CASE", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker(*args.worker)
    trees = {args.label: ROOT / "src"}
    described = {args.label: f"{ROOT / 'src'} ({_git_head(ROOT)})"}
    if args.compare:
        src = args.compare.resolve()
        trees[args.compare_label] = src
        described[args.compare_label] = f"{src} ({_git_head(src)})"
    load_before = _load()
    results = measure(trees, args.rounds)
    command = "python -m bench.validate_worst" + (" " + " ".join(argv or sys.argv[1:])).rstrip()
    results.update(
        command=command.replace(str(args.compare or ""), "SRC") if args.compare else command,
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        machine=f"{os.cpu_count()} cores, Python {platform.python_version()}",
        load_before=load_before,
        load_after=_load(),
        rounds=args.rounds,
        trees=described,
    )
    text = markdown(results)
    print(text)
    if args.write:
        from bench.report import write_section

        write_section(ROOT / "bench" / "RESULTS.md", SECTION, text)
    return 0


def _git_head(path: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(path), "log", "-1", "--format=%h"], capture_output=True, text=True
    )
    return done.stdout.strip() or "not a git tree"


if __name__ == "__main__":
    sys.exit(main())
