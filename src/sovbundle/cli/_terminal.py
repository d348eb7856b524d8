"""What the commands share on a terminal: consoles, refresh progress, and the refresh glue.

Module-level imports stay light (``sovbundle --help`` loads this module): rich and the refresh
machinery load inside the functions that use them.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from sovbundle.refresh.run import ProviderResult, RefreshReport

__all__ = ["console", "debug_from_env", "run_refresh"]


def debug_from_env() -> bool:
    """Whether ``SOVBUNDLE_DEBUG`` asks for debug output (the one place that reads it)."""
    return os.environ.get("SOVBUNDLE_DEBUG", "") not in ("", "0")


def console(*, stderr: bool = False) -> Console:
    """A console on stdout or stderr; colour follows the terminal and NO_COLOR (rich reads it)."""
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False, soft_wrap=False)
    if not console.is_terminal:
        # Piped: no 80-column squeeze of wide tables (rich's default without a terminal).
        columns = os.environ.get("COLUMNS", "")
        console.width = int(columns) if columns.isdigit() else 200
    return console


def run_refresh(
    providers: Sequence[str] | None,
    *,
    debug: bool,
    summary_on_stderr: bool = False,
    deadline: float | None = None,
) -> RefreshReport:
    """Refresh catalogs with progress on stderr, then print the summary and any failures.

    ``plan --refresh`` puts the summary on stderr too, so that stdout holds only the plan.
    """
    from sovbundle.config import load_config
    from sovbundle.refresh.run import refresh_catalogs
    from sovbundle.render.catalog import refresh_table

    config = load_config()
    if deadline is not None:
        import dataclasses

        config = dataclasses.replace(config, refresh_deadline=deadline)
    if debug or debug_from_env():
        _debug_logging()
    err = console(stderr=True)
    listener = _TerminalProgress(err) if err.is_terminal else _PlainProgress(err)
    with listener:
        report = refresh_catalogs(config, providers, listener=listener)
    (err if summary_on_stderr else console()).print(refresh_table(report))
    for result in report.failed:
        kept = f"; keeping {result.in_use}" if result.in_use else ""
        err.print(f"error: {result.provider}: {result.error}{kept}", markup=False)
    return report


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        from sovbundle.config import redact

        return redact(super().format(record))


def _debug_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RedactingFormatter("debug: %(name)s: %(message)s"))
    logger = logging.getLogger("sovbundle")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


class _PlainProgress:
    """One line per provider on stderr, for logs and pipes."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def __enter__(self) -> _PlainProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def started(self, provider: str) -> None:
        self.console.print(f"{provider}: fetching", markup=False)

    def finished(self, result: ProviderResult) -> None:
        self.console.print(f"{result.provider}: {_outcome(result)}", markup=False)

    def slow(self, provider: str, seconds: float, waiting_on: str | None) -> None:
        self.console.print(_slow_line(provider, seconds, waiting_on), markup=False)


def _slow_line(provider: str, seconds: float, waiting_on: str | None) -> str:
    on = f" ({waiting_on})" if waiting_on else ""
    return f"{provider}: still waiting after {seconds:.0f}s{on}"


class _TerminalProgress(_PlainProgress):
    """A live rich progress display on a terminal, one line per provider."""

    def __init__(self, console: Console) -> None:
        from rich.progress import (
            Progress,
            SpinnerColumn,
            TaskID,
            TextColumn,
            TimeElapsedColumn,
        )

        super().__init__(console)
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),
            TimeElapsedColumn(),
            console=console,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _TerminalProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def started(self, provider: str) -> None:
        self.tasks[provider] = self.progress.add_task(f"{provider}: fetching", total=1)

    def slow(self, provider: str, seconds: float, waiting_on: str | None) -> None:
        task = self.tasks.get(provider)
        if task is not None:
            self.progress.update(task, description=_slow_line(provider, seconds, waiting_on))

    def finished(self, result: ProviderResult) -> None:
        task = self.tasks[result.provider]
        description = f"{result.provider}: {_outcome(result)}"
        self.progress.update(task, description=description, completed=1)


def _outcome(result: ProviderResult) -> str:
    if result.error:
        return f"failed ({result.error})"
    if result.status.value == "static":
        return "no API, static catalog kept"
    d = result.diff
    return (
        f"{result.offers} offers (+{len(d.added)} -{len(d.removed)} "
        f"~{len(d.price_changes)} prices) in {result.seconds:.1f}s"
    )
