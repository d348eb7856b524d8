"""``bench/RESULTS.md`` from one run's results: machine, command, tables, targets met or not."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def _ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:.0f} ms"


def _s(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds:.2f} s"


def targets(r: dict[str, Any]) -> list[tuple[str, str, bool]]:
    cli = r["cli"]
    found = []
    helped = cli["sovbundle --help"]["x_python_pass"]
    found.append(("`sovbundle --help` within 10x `python -c pass`", f"{helped:.1f}x", helped <= 10))
    plans = {k: v for k, v in cli.items() if k.startswith("sovbundle plan ")}
    worst = max(plans.values(), key=lambda v: v["median_s"])["median_s"]
    found.append(
        ("`plan` on every example bundle under 0.5 s", f"slowest {_ms(worst)}", worst < 0.5)
    )
    for size, limit in ((200, 2.0), (1000, 20.0)):
        row = next((x for x in r["scale"] if x["components"] == size and x["catalog"] == "packaged"), None)  # fmt: skip
        if row is None:
            continue
        ok = "error" not in row and row["status"] == "optimal" and row["total_s"] < limit
        shown = row.get("error") or f"{_s(row['total_s'])} ({row['status']})"
        found.append((f"{size} components, packaged catalog, proven optimal in under {limit:g} s", shown, ok))  # fmt: skip
    peaks = [x["peak_rss_mb"] for x in r["scale"] if "peak_rss_mb" in x]
    if peaks:
        found.append(("memory under 1 GiB (peak RSS of any scale case)", f"{max(peaks):.0f} MiB", max(peaks) < 1024))  # fmt: skip
    load = r["catalog_load"]
    if "cold_s" in load:
        found.append(("snapshot load under 50 ms (cold `load_catalogs()`)", _ms(load["cold_s"]), load["cold_s"] < 0.05))  # fmt: skip
    for ref in r["refresh"]:
        if "ratio" in ref:
            found.append((f"refresh total within 1.3x the slowest provider ({ref['rows_per_provider']} rows each)",
                          f"{ref['ratio']:.2f}x", ref["ratio"] <= 1.3))  # fmt: skip
    brute = r["quality"]["brute_force"]
    found.append(("optimal cost equal to brute force on every small instance",
                  f"{brute['mismatches']} mismatches / {brute['instances']}", brute["mismatches"] == 0))  # fmt: skip
    return found


# -- Sections other scripts own ------------------------------------------------------------
#
# A script that measures one thing writes its part of RESULTS.md between two markers:
#
#     <!-- section:NAME -->
#     ## Its heading
#     ...
#     <!-- /section:NAME -->
#
# (NAME: letters, digits, ``_`` and ``-``; ``write_section`` puts them). The whole suite
# (``python -m bench``) rewrites the file from one run and keeps every such block verbatim, in
# the order they were in. Text outside any block and outside the suite's own report is lost on
# a rewrite, and the suite says so (``lost_headings``). The markers bench/peers.py and
# bench/targets.py write (``<!-- bench.NAME: begin ... -->`` ... ``<!-- bench.NAME: end -->``)
# and bench/sweep.py's (``<!-- NAME:start -->`` ... ``<!-- NAME:end -->``) are kept the same way.

SECTION = re.compile(
    r"<!-- section:(?P<name>[\w-]+) -->\n.*?<!-- /section:(?P=name) -->\n?"
    r"|<!-- (?P<dotted>bench\.[\w-]+): begin.*?<!-- (?P=dotted): end -->\n?"
    r"|<!-- (?P<old>[\w-]+):start -->.*?<!-- (?P=old):end -->\n?",
    re.DOTALL,
)
SECTION_NAME = re.compile(r"[\w-]+", re.ASCII)
HEADING = re.compile(r"^#{1,6} .*$", re.MULTILINE)


def kept_sections(previous: str) -> str:
    """Every block between section markers in ``previous``, verbatim, in order, a blank line
    between two: what a rewrite of ``RESULTS.md`` by the whole suite keeps."""
    blocks = [match.group(0) for match in SECTION.finditer(previous)]
    return "\n".join(block if block.endswith("\n") else block + "\n" for block in blocks)


def rewrite(previous: str, generated: str) -> str:
    """The new ``RESULTS.md``: this run's report, then every section block of ``previous``."""
    kept = kept_sections(previous)
    return generated.rstrip("\n") + "\n" + ("\n" + kept if kept else "")


def lost_headings(previous: str, new: str) -> list[str]:
    """Headings of ``previous`` that ``new`` no longer has: hand-written text outside markers."""
    have = set(HEADING.findall(new))
    return [line for line in HEADING.findall(previous) if line not in have]


def section(name: str, body: str) -> str:
    """``body`` between the markers of section ``name``."""
    if not SECTION_NAME.fullmatch(name):
        raise ValueError(f"section name {name!r}: letters, digits, '_' and '-' only")
    body = body.strip("\n")
    return f"<!-- section:{name} -->\n{body}\n<!-- /section:{name} -->\n"


def write_section(results_md: Path, name: str, body: str) -> None:
    """Put ``body`` in section ``name`` of ``results_md``, replacing that section's block or
    appending it; nothing else in the file changes. Written atomically."""
    block = section(name, body)
    text = results_md.read_text(encoding="utf-8") if results_md.is_file() else ""
    mine = re.compile(rf"<!-- section:{name} -->\n.*?<!-- /section:{name} -->\n?", re.DOTALL)
    if mine.search(text):
        text = mine.sub(lambda _match: block, text, count=1)
    else:
        text = text.rstrip("\n") + ("\n\n" if text.strip() else "") + block
    temp = results_md.with_name(results_md.name + ".tmp")
    temp.write_text(text, encoding="utf-8")
    temp.replace(results_md)


def markdown(r: dict[str, Any]) -> str:
    m = r["machine"]
    out = [
        "# sovbundle benchmark results",
        "",
        f"Produced by `{r['command']}` (from the repository root, `PYTHONPATH=src`) on "
        f"{r['date']}; the whole suite took {r['suite_s']:.0f} s. Ratios are measured side by "
        "side in this one run; times are medians of repeated runs where stated.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']} memory, {m['os']}; "
        f"Python {m['python']}, highspy {m['highspy']}, pydantic {m['pydantic']}, typer {m['typer']}.",
        "",
        "## Targets",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]
    out += [f"| {name} | {value} | {'yes' if ok else '**no**'} |" for name, value, ok in targets(r)]
    out += ["", "## 1. CLI latency (subprocess, median)", "",
            "| command | median | x `python -c pass` | exit |", "|---|---|---|---|"]  # fmt: skip
    for label, row in r["cli"].items():
        out.append(f"| `{label}` | {_ms(row['median_s'])} | {row['x_python_pass']:.1f} | {row['exit']} |")  # fmt: skip
    out += ["", "## 2. Solver scale (generated bundles, fresh process each)", "",
            "Every generated bundle has links, `min_providers` 3, `max_provider_share` 0.6, a budget, "
            "`colocate` (provider and region), `apart` and priced cross-provider traffic "
            "(`bench/generate.py`, seed 1). *Build* is filtering and pricing candidates, *solve* "
            "is pruning, then the exact enumeration of a small problem or the MILP and its "
            "tie-break (the method is in `results.json`); peak memory is `ru_maxrss` of the process "
            "(it includes generating the catalog).", "",
            "| components | catalog (offers) | build | solve | total | status | candidates → kept | variables | rows | peak RSS |",
            "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for x in r["scale"]:
        if "error" in x:
            out.append(f"| {x['components']} | {x['catalog']} | — | — | {x['error']} | — | — | — | — | — |")  # fmt: skip
            continue
        out.append(
            f"| {x['components']} | {x['catalog']} ({x['offers']}) | {_s(x['build_s'])} | {_s(x['solve_s'])} | "
            f"{_s(x['total_s'])} | {x['status']}{'' if x['checks_ok'] else ' (checks FAILED)'}"
            f"{'' if x.get('tie_break_complete', True) else ' (tie-break partial)'} | "
            f"{x['candidates_before_pruning']} → {x['candidates']} | {x['variables']} | {x['constraints']} | "
            f"{x['peak_rss_mb']:.0f} MiB |"
        )  # fmt: skip
    q = r["quality"]
    b = q["brute_force"]
    out += ["", "## 3. Plan quality", "",
            f"Brute force (`tests/support/brute_force.py`'s enumerator) on {b['instances']} seeded "
            f"small instances ({b['feasible']} feasible), each solved by both methods (the default, "
            f"which enumerates small problems, and the MILP alone): **{b['mismatches']} cost "
            f"mismatches**, {b.get('plan_mismatches', 'n/a')} placements differing from the "
            "documented tie-break.", "",
            "Greedy baseline (`bench/greedy.py`: cheapest candidate per component, then one-move "
            "repairs of broken constraints):", "",
            "| bundle | optimal EUR/month | greedy EUR/month | repair moves | saved by the optimiser |",
            "|---|---|---|---|---|"]  # fmt: skip
    for g in q["greedy"]:
        saved = "greedy finds no plan" if g["greedy"] is None and g["optimal"] else (
            "—" if g["saved_pct"] is None else f"{g['saved_pct']:.2f}%")  # fmt: skip
        out.append(f"| {g['case']} | {g['optimal'] or 'infeasible'} | {g['greedy'] or '—'} | {g['repair_moves']} | {saved} |")  # fmt: skip
    load = r["catalog_load"]
    out += ["", "## 4. Catalog", ""]
    if "cold_s" in load:
        out.append(f"`load_catalogs()` of the packaged snapshot ({load['offers']} offers), fresh process: "
                   f"import {_ms(load['import_s'])}, cold {_ms(load['cold_s'])}, warm {_ms(load['warm_s'])} "
                   "(median of 5). `services` on the full catalog: see section 1.")  # fmt: skip
    else:
        out.append(f"load failed: {load['error']}")
    out += ["", "## 5. Refresh (local server on 127.0.0.1, fake adapters)", "",
            "| rows per provider | per-request delay | slowest alone | all together | ratio |",
            "|---|---|---|---|---|"]  # fmt: skip
    for ref in r["refresh"]:
        if "ratio" in ref:
            delays = ", ".join(f"{k} {v:g} s" for k, v in ref["delays_s"].items())
            out.append(f"| {ref['rows_per_provider']} | {delays} | {ref['slowest_provider']} {_s(ref['slowest_alone_s'])} | "
                       f"{_s(ref['together_s'])} | {ref['ratio']:.2f}x |")  # fmt: skip
    notes = Path(__file__).with_name("NOTES.md")
    if notes.is_file():
        out += ["", notes.read_text().strip()]
    return "\n".join(out) + "\n"
