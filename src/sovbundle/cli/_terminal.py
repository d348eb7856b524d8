"""What the commands share on a terminal: consoles, the global output options, and how a
catalog refresh is shown.

Output. One rule for all tables: on a real terminal they adapt to its width (descriptive
columns go first, identifiers are never cut); piped or redirected, nothing adapts: every
column, no colour, no padding at the end of lines, no wrapping of identifiers. ``COLUMNS`` is a
terminal setting and is not applied to pipes. The global options (``-q``, ``-v``,
``--no-color``, ``--debug``) are set once per run by the root callback (``set_options``).

Refresh.
* On a terminal (stderr is a TTY): a rich progress display on stderr while providers are
  fetched, one line each with a spinner and the time spent, cleared when done.
* Piped: no progress display; each provider's line is printed as soon as it finishes.
* Either way, each provider's outcome is printed once, in words (``could not connect to
  api.example.com: no answer (connect timeout); keeping snapshot, fetched 2026-01-23``), then
  one summary line. ``-q`` keeps the failures and the summary; ``-v`` adds what the network
  did (retries, waits) as it happens.

``catalog refresh`` prints the provider lines and the summary on stdout (they are its result);
``plan --refresh`` prints only the summary, on stderr: the failures are the plan's warnings.

Module-level imports stay light (``sovbundle --help`` loads this module): rich and the refresh
machinery load inside the functions that use them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from sovbundle.units import count

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from sovbundle.refresh.run import ProviderResult, RefreshReport

__all__ = [
    "PIPE_WIDTH",
    "Options",
    "console",
    "debug_from_env",
    "emit",
    "is_terminal",
    "options",
    "outcome",
    "provider_line",
    "run_refresh",
    "set_options",
    "setup_logging",
    "summary_line",
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


def debug_from_env() -> bool:
    """Whether ``SOVBUNDLE_DEBUG`` asks for debug output (the one place that reads it)."""
    return os.environ.get("SOVBUNDLE_DEBUG", "") not in ("", "0")


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
    wanted = (_options.verbose or _options.debug) and not _options.quiet
    if not wanted and "logging" not in sys.modules:
        return  # no handler of a previous run to remove; spares `sovbundle -q plan --help` logging
    import logging

    logger = logging.getLogger("sovbundle")
    for handler in list(logger.handlers):
        if handler.get_name() == _HANDLER_NAME:  # a previous run's, in the same process
            logger.removeHandler(handler)
            logger.setLevel(logging.NOTSET)
    if not wanted:
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


def outcome(result: ProviderResult) -> str:
    """A provider's refresh outcome in words."""
    if result.error:
        kept = f"; keeping {result.in_use}" if result.in_use else ""
        return f"failed: {result.error}{kept}"
    if result.status.value == "static":
        return "no API: its static catalog stays in use"
    d = result.diff
    changes = [
        f"{count(len(d.added))} added",
        f"{count(len(d.removed))} removed",
        f"{count(len(d.price_changes))} price change{'s' * (len(d.price_changes) != 1)}",
    ]
    return f"updated: {count(result.offers)} offers ({', '.join(changes)}) in {result.seconds:.1f}s"


def provider_line(result: ProviderResult, width: int = 0) -> str:
    return f"{result.provider.ljust(width)}  {outcome(result)}"


def summary_line(report: RefreshReport) -> str:
    total = len(report.results)
    failed = len(report.failed)
    ok = total - failed
    text = f"refreshed {ok} of {total} provider{'s' * (total != 1)} in {report.seconds:.1f}s"
    if failed:
        names = ", ".join(r.provider for r in report.failed)
        text += f"; {failed} failed ({names}) and keep their last good data"
    return text


class _Lines:
    """Piped: each provider's line as soon as it finishes (failures only under ``-q``)."""

    def __init__(self, stream: TextIO | None, width: int) -> None:
        self.stream = stream
        self.width = width

    def __enter__(self) -> _Lines:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def started(self, provider: str) -> None:
        return None

    def finished(self, result: ProviderResult) -> None:
        if self.stream is None or (options().quiet and not result.error):
            return
        self.stream.write(provider_line(result, self.width) + "\n")
        self.stream.flush()

    def slow(self, provider: str, seconds: float, waiting_on: str | None) -> None:
        sys.stderr.write(_slow_line(provider, seconds, waiting_on) + "\n")  # stdout stays clean
        sys.stderr.flush()


def _slow_line(provider: str, seconds: float, waiting_on: str | None) -> str:
    on = f" ({waiting_on})" if waiting_on else ""
    return f"{provider}: still waiting after {seconds:.0f}s{on}"


class _Live:
    """A terminal: a rich progress display on stderr, one line per provider, cleared at the
    end (the outcome lines are printed after it)."""

    def __init__(self, err: Console, width: int) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.width = width
        self.progress: Progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _Live:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def started(self, provider: str) -> None:
        description = f"{provider.ljust(self.width)}  fetching"
        self.tasks[provider] = self.progress.add_task(description, total=1)

    def slow(self, provider: str, seconds: float, waiting_on: str | None) -> None:
        task = self.tasks.get(provider)
        if task is not None:
            self.progress.update(task, description=_slow_line(provider, seconds, waiting_on))

    def finished(self, result: ProviderResult) -> None:
        state = "failed" if result.error else "done"
        description = f"{result.provider.ljust(self.width)}  {state}"
        self.progress.update(self.tasks[result.provider], description=description, completed=1)


def run_refresh(
    providers: Sequence[str] | None, *, for_plan: bool = False, deadline: float | None = None
) -> RefreshReport:
    """Refresh catalogs (default: every provider) and print how it went, once per provider.

    ``for_plan``: ``plan --refresh``: stdout is the plan's, so only the summary is printed,
    on stderr; the failures reach the plan as warnings. ``deadline``: seconds the whole
    refresh may take (default: the config's, else 60 s).
    """
    from sovbundle.config import load_config
    from sovbundle.models import PROVIDER_IDS
    from sovbundle.refresh.run import refresh_catalogs

    config = load_config()
    if deadline is not None:
        import dataclasses

        config = dataclasses.replace(config, refresh_deadline=deadline)
    names = list(providers) if providers else list(PROVIDER_IDS)
    width = max(len(name) for name in names)
    err = console(stderr=True)
    out: TextIO | None = None if for_plan else sys.stdout
    live = err.is_terminal and is_terminal(sys.stderr)
    listener: _Live | _Lines = _Live(err, width) if live else _Lines(out, width)
    with listener:
        report = refresh_catalogs(config, providers, listener=listener)
    if live and out is not None:
        for result in report.results:
            if not (options().quiet and not result.error):
                out.write(provider_line(result, width) + "\n")
    stream = sys.stderr if for_plan else (out or sys.stderr)
    stream.write(summary_line(report) + "\n")
    stream.flush()
    return report
