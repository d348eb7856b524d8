"""The typer side of the command line: every command registered on ``app``, and ``run``, where
errors become exit codes in one place.

Command modules register themselves on ``app``; they import heavy modules (the solver, httpx)
inside their functions so that start-up stays light. ``sovbundle.cli.main`` comes here for
every command line that ``sovbundle.cli._quick`` cannot answer without typer.

The modules that declare commands (``_app``, ``*_cmds``) do not use ``from __future__ import
annotations``: typer reads each command's signature with ``typing.get_type_hints``, which
would compile and evaluate every string annotation (each ``typer.Option(...)`` again) on every
run, about 15 ms of each start-up; their helpers quote the annotations that name
``TYPE_CHECKING``-only types. ``tests/cli/test_quick_help.py`` keeps it so.
"""

from __future__ import annotations

import os
import sys

import typer

# Command modules: importing one registers its commands on ``app``.
from sovbundle.cli import bundle_cmds, catalog_cmds, export_cmds, plan_cmds, review_cmds  # noqa: F401
from sovbundle.cli._app import app
from sovbundle.cli._terminal import debug_from_env
from sovbundle.errors import SovbundleError

__all__ = ["app", "run"]


def _debug_requested(argv: list[str]) -> bool:
    return "--debug" in argv or debug_from_env()


def run(args: list[str]) -> int:
    """Run the typer app on ``args``; turn every error into one message on stderr and its exit
    code."""
    debug = _debug_requested(args)
    try:
        # Without standalone mode, a command's ``typer.Exit(code)`` comes back as the return
        # value, not as an exception: it must be passed on, or every exit would be 0.
        code = app(args=args, prog_name="sovbundle", standalone_mode=False)
        return code if isinstance(code, int) else 0
    except SovbundleError as exc:
        if debug:
            _print_traceback()
        _print_error(exc.lines())
        return exc.exit_code
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        _print_error(["error: aborted"])
        return 130
    except typer.TyperException as exc:  # bad options or arguments, as typer reports them
        if debug:
            _print_traceback()
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            _print_error([f"error: {exc.format_message()}"])
        return 2
    except KeyboardInterrupt:
        _print_error(["error: interrupted"])
        return 130
    except BrokenPipeError:
        # The reader went away (``sovbundle plan x | head``): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug: one line, the traceback only on request
        if debug:
            _print_traceback()
            return 1
        _print_error(
            [
                f"error: internal error: {type(exc).__name__}: {exc}",
                "  run again with --debug for the traceback, and report it",
            ]
        )
        return 1


def _print_error(lines: list[str]) -> None:
    from sovbundle.config import redact  # a message may quote a configured URL

    for line in lines:
        sys.stderr.write(f"{redact(line)}\n")
    sys.stderr.flush()


def _print_traceback() -> None:
    """The current exception's traceback, redacted: messages may quote configured URLs."""
    import traceback

    from sovbundle.config import redact

    sys.stderr.write(redact(traceback.format_exc()))
