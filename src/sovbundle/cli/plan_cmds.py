"""``sovbundle plan``: resolve a bundle into the cheapest plan; table, JSON, markdown or a file;
with ``--compare-to``, the diff from a saved plan."""

import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sovbundle.cli._app import app
from sovbundle.cli._examples import EXAMPLES
from sovbundle.cli._help import Command
from sovbundle.cli.formats import (
    FormatOption,
    chosen_format,
    plan_console,
    print_error_document,
)
from sovbundle.errors import SovbundleError, UsageError

if TYPE_CHECKING:
    from decimal import Decimal

    from sovbundle.catalog.query import Catalog
    from sovbundle.plan import Plan
    from sovbundle.spec.model import BundleSpec

__all__ = ["MAX_TIME_LIMIT_S", "plan"]

MAX_TIME_LIMIT_S = 86_400.0
"""The longest ``--time-limit`` accepted (a day)."""


@app.command(cls=Command, epilog=EXAMPLES["plan"])
def plan(
    bundle: Annotated[
        Path,
        typer.Argument(
            help="The bundle spec (YAML); - reads it from standard input.",
            metavar="BUNDLE",
            show_default=False,
        ),
    ],
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Print JSON (stdout holds only the JSON); short for --format json."
        ),
    ] = False,
    output_format: FormatOption = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FILE",
            help="Write the plan JSON to FILE (atomically; `-` for stdout).",
        ),
    ] = None,
    with_explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Show the runner-up per component, what each constraint costs and what the "
            "strict evidence policy costs.",
        ),
    ] = False,
    top: Annotated[
        int,
        typer.Option(
            "--top",
            metavar="N",
            help="With --explain: also the N cheapest placements of each component on their "
            "own, the plan's marked CHOSEN (links and policy can make it not the cheapest).",
        ),
    ] = 0,
    with_exit_report: Annotated[
        bool,
        typer.Option(
            "--exit-report",
            help="Re-solve without each provider used: exit cost, share of spend, lock-ins.",
        ),
    ] = False,
    prices: Annotated[
        Path | None,
        typer.Option(
            "--prices",
            metavar="FILE",
            help="Price book overlaying the catalog (default: `prices` in the config).",
        ),
    ] = None,
    csv_out: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            metavar="FILE",
            help="Write the plan's line items as a price schedule CSV (atomically).",
        ),
    ] = None,
    refresh: Annotated[
        bool,
        typer.Option(
            "--refresh",
            help="Fetch live catalogs first (the only way plan touches the network); a "
            "provider that fails keeps its last good data, with a warning (exit 0).",
        ),
    ] = False,
    compare_to: Annotated[
        Path | None,
        typer.Option(
            "--compare-to",
            metavar="PLAN.json",
            help="Show the diff from this saved plan instead of the plan; exit 7 if they differ.",
        ),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            metavar="SECONDS",
            help="Stop the solver after SECONDS (default 60); a plan not proven optimal by "
            "then is printed as feasible, with how far from proven it is.",
        ),
    ] = None,
) -> None:
    """Find the cheapest placement of BUNDLE that meets every constraint, proven optimal."""
    chosen = chosen_format(as_json, output_format)
    try:
        extras = _Extras(with_exit_report, prices, csv_out)
        code = _plan(
            bundle, chosen, output, with_explain, top, refresh, compare_to, extras, time_limit
        )
    except SovbundleError as exc:
        if chosen == "json":  # a pipeline reading stdout never reads an empty document
            print_error_document(exc)
        raise
    if code:
        raise typer.Exit(code)


@dataclass(frozen=True)
class _Extras:
    """The procurement options of ``plan`` (issue 16)."""

    exit_report: bool
    prices: Path | None
    csv_out: Path | None


def _plan(
    bundle: Path,
    chosen: str,
    output: Path | None,
    with_explain: bool,
    top: int,
    refresh: bool,
    compare_to: Path | None,
    extras: _Extras,
    time_limit: float | None = None,
) -> int:
    # Heavy imports stay here so that `sovbundle --help` does not load the solver.
    import time
    from datetime import UTC, datetime

    from sovbundle.atomic import STDOUT, check_output, write_output
    from sovbundle.catalog import select
    from sovbundle.plan import dump_plan
    from sovbundle.planning.resolve import plan_bundle
    from sovbundle.spec.loader import load_bundle

    if top < 0 or top > 100:
        raise UsageError(f"--top takes a number of candidates from 1 to 100, not {top}")
    if top and not with_explain:
        raise UsageError("--top shows candidates in the explanation: add --explain")
    if time_limit is not None and not 0 < time_limit <= MAX_TIME_LIMIT_S:
        raise UsageError(
            f"--time-limit must be a number of seconds above 0 and at most {MAX_TIME_LIMIT_S:g}"
        )
    csv_out, prices = extras.csv_out, extras.prices
    for target in (output, csv_out):
        if target is not None and _same_file(target, bundle):
            raise UsageError(f"refusing to overwrite the bundle {bundle} with its plan")
    if output is not None and csv_out is not None and _same_file(output, csv_out):
        raise UsageError("-o and --csv name the same file")
    if output is not None:
        check_output(output, "the plan")  # refuse a bad path before any work
    if csv_out is not None:
        check_output(csv_out, "the CSV price schedule")
    saved = None
    if compare_to is not None:
        from sovbundle.plan_file import read_plan

        saved = read_plan(compare_to)  # before -o may replace it with the new plan
    loaded = load_bundle(bundle)
    now = datetime.now(UTC)
    book = None
    if prices is None:
        from sovbundle.config import load_config

        prices = load_config().prices
    if prices is not None:
        from sovbundle.spec.pricebook import load_price_book

        book = load_price_book(prices, now.date())
    refresh_failures: list[str] = []
    if refresh:
        from sovbundle.cli._terminal import run_refresh

        report = run_refresh(None, for_plan=True)
        refresh_failures = [
            f"{r.provider}: live refresh failed ({r.error}); the plan uses its last good data"
            for r in report.failed
        ]
    catalogs = select.load_catalogs()
    catalogs.warnings.extend(refresh_failures)
    result = plan_bundle(
        loaded,
        catalogs,
        now,
        with_explain=with_explain,
        with_exit_report=extras.exit_report,
        prices=book,
        clock=time.perf_counter,
        time_limit=time_limit,
    )
    text = dump_plan(result)
    if output is not None:
        write_output(output, text.encode("utf-8"), "the plan")
    to_stdout = output is not None and str(output) == STDOUT
    if csv_out is not None:
        from sovbundle.render.schedule import price_schedule_csv

        write_output(csv_out, price_schedule_csv(result).encode("utf-8"), "the CSV price schedule")
    if saved is not None:
        from sovbundle.catalog.local import LocalCatalogs
        from sovbundle.cli.review_cmds import print_diff
        from sovbundle.config import load_config

        store = LocalCatalogs(load_config().catalog_dir, extra=catalogs.providers.values())
        new_name = str(output) if output is not None and not to_stdout else f"plan of {bundle}"
        return print_diff(saved, result, new_name, chosen, store, what=f"sovbundle plan {bundle}")
    if to_stdout:
        return 0  # stdout holds only the JSON, once
    if chosen == "json":
        sys.stdout.write(text)
        sys.stdout.flush()
        return 0
    if chosen == "markdown":
        from sovbundle.render.markdown import plan_markdown

        sys.stdout.write(plan_markdown(result, f"sovbundle plan {bundle}"))
        sys.stdout.flush()
        return 0
    from sovbundle.cli._terminal import emit, options
    from sovbundle.render.plan import plan_summary, render_plan

    out = plan_console()
    if options().quiet:
        emit(plan_summary(result), out=out)
        return 0
    emit(render_plan(result), out=out)
    if top:
        from sovbundle.render.plan import candidates_table

        emit(candidates_table(_top_candidates(loaded.spec, catalogs, result, top), top), out=out)
    for written, what in ((output, "plan"), (csv_out, "price schedule")):
        if written is not None:
            out.print(f"{what} written to {written}", markup=False, highlight=False)
    return 0


def _top_candidates(
    spec: "BundleSpec", catalogs: "Catalog", result: "Plan", top: int
) -> "list[tuple[str, str, Decimal, bool]]":
    """Per component, its ``top`` cheapest placements on their own (the planner's canonical
    order), and the plan's own one, marked, wherever it ranks: (component, where, EUR/month,
    chosen) rows."""
    from sovbundle.planning.formulate import CandidateCache, build_problem

    chosen: dict[str, tuple[str, str, str]] = {}
    for name in {row.component for row in result.placements}:
        parts = [r for r in result.placements if r.component == name]
        skus = "+".join(r.sku for r in parts if r.part in _PRICED_BY_OFFER)
        chosen[name] = (parts[0].provider, parts[0].region, skus)
    rows: list[tuple[str, str, Decimal, bool]] = []
    # The plan's own date: certification validity is judged as the plan judged it.
    on = date.fromisoformat(result.generated_at[:10])
    for cc in build_problem(spec, catalogs, cache=CandidateCache(on=on)).components:
        mine = chosen.get(cc.name)
        found = False
        for rank, cand in enumerate(cc.candidates):
            is_chosen = (cand.provider, cand.region, cand.sku) == mine
            if rank < top or is_chosen:
                rows.append((cc.name, cand.label, cand.monthly, is_chosen))
            found = found or is_chosen
            if rank >= top - 1 and found:
                break
    return rows


_PRICED_BY_OFFER = ("instance", "control_plane", "nodes", "storage")


def _same_file(output: Path, bundle: Path) -> bool:
    try:
        return output.resolve() == bundle.resolve() or (
            output.exists() and bundle.exists() and output.samefile(bundle)
        )
    except OSError:
        return False
