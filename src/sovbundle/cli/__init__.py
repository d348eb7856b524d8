"""The ``sovbundle`` command line.

``main`` answers ``--help`` and ``--version`` from text rendered ahead of time
(``sovbundle.cli._quick``), without importing typer: importing typer alone costs several times
``python -c pass``. Every other command line runs the typer app (``sovbundle.cli._run``), whose
command modules import heavy modules (the solver, httpx) inside their functions.

``app`` (the typer app, with every command registered) loads on first access.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing's: importing typing costs every `--help` several ms

if TYPE_CHECKING:
    import typer

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; turn every error into one message on stderr and its exit code."""
    args = sys.argv[1:] if argv is None else argv
    from sovbundle.cli._quick import answer

    quick = answer(args)
    if quick is not None:
        return quick
    from sovbundle.cli._run import run

    return run(args)


def __getattr__(name: str) -> typer.Typer:
    if name == "app":
        from sovbundle.cli._run import app

        return app
    raise AttributeError(f"module 'sovbundle.cli' has no attribute {name!r}")
