"""``sovbundle plan``: resolve a bundle into the cheapest plan; table, JSON or a file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from sovbundle.cli._app import app
from sovbundle.errors import UsageError

__all__ = ["plan"]


@app.command()
def plan(
    ctx: typer.Context,
    bundle: Annotated[
        Path, typer.Argument(help="The bundle spec (YAML).", metavar="BUNDLE", show_default=False)
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the plan as JSON (stdout holds only the JSON).")
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", metavar="FILE", help="Write the plan JSON to FILE (atomically)."
        ),
    ] = None,
    with_explain: Annotated[
        bool,
        typer.Option(
            "--explain", help="Show the runner-up per component and what each constraint costs."
        ),
    ] = False,
    refresh: Annotated[
        bool,
        typer.Option(
            "--refresh",
            help="Fetch live catalogs first (the only way plan touches the network).",
        ),
    ] = False,
) -> None:
    """Find the cheapest placement of BUNDLE that meets every constraint, proven optimal."""
    # Heavy imports stay here so that `sovbundle --help` does not load the solver.
    import time
    from datetime import UTC, datetime

    from sovbundle.atomic import atomic_write_bytes
    from sovbundle.catalog import select
    from sovbundle.plan import dump_plan
    from sovbundle.planning.resolve import plan_bundle
    from sovbundle.spec.loader import load_bundle

    if output is not None and _same_file(output, bundle):
        raise UsageError(f"refusing to overwrite the bundle {bundle} with its plan")
    loaded = load_bundle(bundle)
    refresh_failures: list[str] = []
    if refresh:
        from sovbundle.cli._terminal import run_refresh

        debug = bool(ctx.find_root().params.get("debug"))
        report = run_refresh(None, debug=debug, summary_on_stderr=True)
        refresh_failures = [
            f"{r.provider}: live refresh failed ({r.error}); the plan uses its last good data"
            for r in report.failed
        ]
    catalogs = select.load_catalogs()
    catalogs.warnings.extend(refresh_failures)
    now = datetime.now(UTC)
    result = plan_bundle(loaded, catalogs, now, with_explain=with_explain, clock=time.perf_counter)
    text = dump_plan(result)
    if output is not None:
        try:
            atomic_write_bytes(output, text.encode("utf-8"))
        except OSError as exc:
            raise UsageError(f"cannot write the plan to {output}: {exc.strerror or exc}") from exc
    if as_json:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from rich.console import Console

    from sovbundle.render.plan import render_plan

    console = Console()
    console.print(render_plan(result))
    if output is not None:
        console.print(f"plan written to {output}", markup=False, highlight=False)


def _same_file(output: Path, bundle: Path) -> bool:
    try:
        return output.resolve() == bundle.resolve() or (
            output.exists() and bundle.exists() and output.samefile(bundle)
        )
    except OSError:
        return False
