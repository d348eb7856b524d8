"""``sovbundle show`` and ``sovbundle diff``: re-render a saved plan, compare two plans.

``show`` prints a plan file exactly as ``plan`` printed it (the terminal view is a function of
the plan JSON alone). ``diff`` exits 7 (``PLANS_DIFFER``) when the two plans differ.
"""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sovbundle.cli._app import app
from sovbundle.cli._examples import EXAMPLES
from sovbundle.cli._help import Command
from sovbundle.cli._terminal import emit
from sovbundle.cli.formats import (
    FormatOption,
    chosen_format,
    plan_console,
    print_error_document,
)
from sovbundle.errors import PLANS_DIFFER, SovbundleError

if TYPE_CHECKING:
    from sovbundle.plan import Plan
    from sovbundle.plan_file import SavedPlan
    from sovbundle.planning.diff import CatalogStore

__all__ = ["diff", "print_diff", "show"]

JsonOption = Annotated[
    bool,
    typer.Option(
        "--json", help="Print JSON (stdout holds only the JSON); short for --format json."
    ),
]
PlanArgument = Annotated[
    Path, typer.Argument(help="A plan file (plan -o or plan --json).", show_default=False)
]


def _read(path: Path) -> "SavedPlan":
    from sovbundle.config import redact
    from sovbundle.plan_file import read_plan

    saved = read_plan(path)
    for note in saved.notes:
        sys.stderr.write(f"warning: {redact(note)}\n")
    return saved


@app.command(cls=Command, epilog=EXAMPLES["show"])
def show(
    plan_file: Annotated[
        Path,
        typer.Argument(
            help="A plan file (plan -o or plan --json).", metavar="PLAN.json", show_default=False
        ),
    ],
    as_json: JsonOption = False,
    output_format: FormatOption = None,
) -> None:
    """Show a saved plan exactly as plan printed it (table, JSON or markdown)."""
    chosen = chosen_format(as_json, output_format)
    try:
        saved = _read(plan_file)
    except SovbundleError as exc:
        if chosen == "json":
            print_error_document(exc)
        raise
    if chosen == "json":
        sys.stdout.write(saved.text)
        sys.stdout.flush()
        return
    if chosen == "markdown":
        from sovbundle.render.markdown import plan_markdown

        sys.stdout.write(plan_markdown(saved.plan, f"sovbundle show {plan_file}"))
        sys.stdout.flush()
        return
    from sovbundle.render.plan import render_plan

    emit(render_plan(saved.plan), out=plan_console())


@app.command(cls=Command, epilog=EXAMPLES["diff"])
def diff(
    old: Annotated[
        Path, typer.Argument(help="The earlier plan file.", metavar="OLD.json", show_default=False)
    ],
    new: Annotated[
        Path, typer.Argument(help="The later plan file.", metavar="NEW.json", show_default=False)
    ],
    as_json: JsonOption = False,
    output_format: FormatOption = None,
) -> None:
    """What moved between two plans, what it costs and why; exit 7 when they differ."""
    from sovbundle.catalog.local import LocalCatalogs
    from sovbundle.config import load_config

    chosen = chosen_format(as_json, output_format)
    try:
        before, after = _read(old), _read(new)
    except SovbundleError as exc:
        if chosen == "json":
            print_error_document(exc)
        raise
    store = LocalCatalogs(load_config().catalog_dir)
    code = print_diff(
        before, after.plan, str(new), chosen, store, what=f"sovbundle diff {old} {new}"
    )
    if code:
        raise typer.Exit(code)


def print_diff(
    saved: "SavedPlan",
    new: "Plan",
    new_name: str,
    chosen: str,
    store: "CatalogStore",
    *,
    what: str,
) -> int:
    """Print the diff from a saved plan to ``new`` in the chosen format; its exit code."""
    from sovbundle.jsontext import dumps
    from sovbundle.planning.diff import diff_plans
    from sovbundle.render.diff import diff_json, diff_markdown, render_diff

    result = diff_plans(saved.plan, new, store, old_name=saved.name, new_name=new_name)
    if chosen == "json":
        sys.stdout.write(dumps(diff_json(result)))
    elif chosen == "markdown":
        sys.stdout.write(diff_markdown(result, what))
    else:
        emit(render_diff(result), out=plan_console())
    sys.stdout.flush()
    return 0 if result.equal else PLANS_DIFFER
