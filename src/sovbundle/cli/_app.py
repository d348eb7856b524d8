"""The typer app that the command modules register on (``sovbundle.cli`` runs it)."""

from __future__ import annotations

from typing import Annotated

import typer

from sovbundle._version import __version__

__all__ = ["app"]


app = typer.Typer(
    name="sovbundle",
    help="Compose the cheapest sovereign cloud stack across French providers, proven optimal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help: typer's rich help screen costs ~40 ms of imports on every `--help`.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sovbundle {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show a traceback on errors (for bug reports).")
    ] = False,
) -> None:
    """sovbundle: plan a multi-provider sovereign cloud bundle from public catalogs."""
