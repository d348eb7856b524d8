"""``sovbundle export tofu PLAN.json -o DIR``: a plan as an OpenTofu/Terraform configuration."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from sovbundle.cli._app import app
from sovbundle.cli._examples import EXAMPLES
from sovbundle.cli._help import Command, Group

__all__ = ["export_app", "tofu"]

export_app = typer.Typer(
    name="export",
    help="Export a plan for a deployment tool.",
    no_args_is_help=True,
    rich_markup_mode=None,
    cls=Group,
    epilog=EXAMPLES["export"],
)
app.add_typer(export_app, name="export")


@export_app.command("tofu", cls=Command, epilog=EXAMPLES["export tofu"])
def tofu(
    plan: Annotated[
        Path,
        typer.Argument(
            help="A plan JSON file (`sovbundle plan BUNDLE -o PLAN.json`).",
            metavar="PLAN.json",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            metavar="DIR",
            help="Folder to write; created whole, or updated if it is a previous export.",
            show_default=False,
        ),
    ],
    bundle: Annotated[
        Path | None,
        typer.Option(
            "--bundle",
            metavar="FILE",
            help="The bundle the plan was made from (default: the path the plan names); "
            "must match the plan's bundle sha256.",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Write into a non-empty folder that is not a previous export "
            "(only the export's own files are replaced).",
        ),
    ] = False,
) -> None:
    """Write PLAN.json as OpenTofu/Terraform JSON configuration in DIR.

    Exit 0 when every placement is in the configuration; 8 when DIR was written but some
    placements could not be expressed (listed in DIR/README.md and on stderr); 3 for a plan file
    that cannot be read; 2 for a plan that places nothing, a bundle that is not the plan's or a
    folder that cannot be used.
    """
    from sovbundle.config import redact
    from sovbundle.render.tofu import PARTIAL_EXIT, export_plan, write_export

    result = export_plan(plan, bundle)
    how = write_export(output, result.files, force=force)
    for line in result.warnings:
        sys.stderr.write(f"warning: {redact(line)}\n")
    exported = len(result.config.exported)
    total = exported + len(result.config.unexpressed)
    sys.stdout.write(
        f"{how} {output}: {len(result.files)} files, {exported} of {total} components exported\n"
    )
    sys.stdout.flush()
    if not result.complete:
        raise typer.Exit(PARTIAL_EXIT)
