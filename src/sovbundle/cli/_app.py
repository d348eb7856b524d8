"""The typer app that the command modules register on (``sovbundle.cli`` runs it)."""

from typing import Annotated

import typer

from sovbundle._version import __version__
from sovbundle.cli._examples import EXAMPLES
from sovbundle.cli._help import Group

__all__ = ["app"]


app = typer.Typer(
    name="sovbundle",
    help="Compose the cheapest sovereign cloud stack across French providers, proven optimal.",
    no_args_is_help=True,
    cls=Group,
    epilog=EXAMPLES["sovbundle"],
    # typer's own shell completion: --install-completion, --show-completion.
    add_completion=True,
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
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="Print only the summary line and errors (no tables, warnings)."
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Also say what happens on the network (retries, waits)."
        ),
    ] = False,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="No colour (as NO_COLOR=1 does).")
    ] = False,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Debug logs, and a traceback on errors (for bug reports)."),
    ] = False,
) -> None:
    """sovbundle: plan a multi-provider sovereign cloud bundle from public catalogs."""
    from sovbundle.cli._terminal import Options, debug_from_env, set_options, setup_logging

    if quiet and verbose:
        raise typer.BadParameter("use one of --quiet and --verbose", param_hint="-q/-v")
    debug = debug or debug_from_env()
    set_options(Options(quiet=quiet, verbose=verbose, no_color=no_color, debug=debug))
    setup_logging()
