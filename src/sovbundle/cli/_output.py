"""How every command writes for people: consoles, verbosity, and piped vs terminal output.

One rule for all tables: on a real terminal they adapt to its width (descriptive columns go
first, identifiers are never cut); piped or redirected, nothing adapts: every column, no
colour, no padding at the end of lines, no wrapping of identifiers. ``COLUMNS`` is a terminal
setting and is not applied to pipes.

The global options (``-q``, ``-v``, ``--no-color``, ``--debug``) are set once per run by the
root callback (``set_options``) and read here. Module-level imports stay light: ``sovbundle
--help`` loads this module, rich loads inside the functions that use it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "PIPE_WIDTH",
    "Options",
    "console",
    "emit",
    "is_terminal",
    "options",
    "set_options",
    "setup_logging",
]

PIPE_WIDTH = 100_000
"""The width tables lay out at when piped: wide enough that nothing is dropped or wrapped."""


@dataclass(frozen=True)
class Options:
    """The global output options of one run."""

    quiet: bool = False
    """``-q``: results' summary line and errors only (no tables, warnings or notes)."""
    verbose: bool = False
    """``-v``: also what happens on the network (retries, waits), without tracebacks."""
    no_color: bool = False
    """``--no-color`` (or ``NO_COLOR`` set to anything non-empty)."""
    debug: bool = False
    """``--debug``: everything ``-v`` shows, debug logs, and tracebacks on errors."""


_options = Options()


def set_options(new: Options) -> None:
    """Set the options of this run (the root callback calls it once per invocation)."""
    global _options
    _options = new


def options() -> Options:
    return _options


def _no_color() -> bool:
    return _options.no_color or os.environ.get("NO_COLOR", "") != ""


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def console(*, stderr: bool = False) -> Console:
    """A console on stdout or stderr: a terminal's own width and colour, or, piped, a width
    that drops nothing and no colour."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    if is_terminal(stream):
        return Console(stderr=stderr, highlight=False, soft_wrap=False, no_color=_no_color())
    return Console(
        stderr=stderr,
        highlight=False,
        soft_wrap=False,
        no_color=True,
        color_system=None,
        width=PIPE_WIDTH,
    )


def emit(renderable: Any, *, stderr: bool = False, out: Console | None = None) -> None:
    """Print a renderable: as rich lays it out on a terminal; piped, with every line's
    trailing padding removed (a table laid out wide has long runs of spaces)."""
    target = out if out is not None else console(stderr=stderr)
    if target.is_terminal:
        target.print(renderable)
        return
    with target.capture() as captured:
        target.print(renderable)
    text = "\n".join(line.rstrip() for line in captured.get().splitlines())
    stream = target.file
    stream.write(text + "\n" if text else "")
    stream.flush()


_HANDLER_NAME = "sovbundle-cli"


def setup_logging() -> None:
    """Show sovbundle's logs on stderr as the options ask: ``-v`` info (retries, waits) as
    ``sovbundle: ...`` lines, ``--debug`` everything with ``debug:``; else nothing."""
    import logging

    logger = logging.getLogger("sovbundle")
    for handler in list(logger.handlers):
        if handler.get_name() == _HANDLER_NAME:  # a previous run's, in the same process
            logger.removeHandler(handler)
            logger.setLevel(logging.NOTSET)
    if not (_options.verbose or _options.debug) or _options.quiet:
        return
    from sovbundle.config import redact  # loads the models: only when logs are wanted

    class Redacting(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return redact(super().format(record))

    class NoTraceback(Redacting):
        """``-v``: the message only, never an exception's traceback."""

        def format(self, record: logging.LogRecord) -> str:
            record.exc_info = None
            record.exc_text = None
            return super().format(record)

    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    if _options.debug:
        handler.setFormatter(Redacting("debug: %(name)s: %(message)s"))
        logger.setLevel(logging.DEBUG)
    else:
        handler.setFormatter(NoTraceback("sovbundle: %(message)s"))
        logger.setLevel(logging.INFO)
    logger.addHandler(handler)
