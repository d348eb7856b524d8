"""How a catalog refresh is shown: a live display on a terminal, one line per provider.

* On a terminal (stderr is a TTY): a rich progress display on stderr while providers are
  fetched, one line each with a spinner and the time spent, cleared when done.
* Piped: no progress display; each provider's line is printed as soon as it finishes.
* Either way, each provider's outcome is printed once, in words (``could not connect to
  api.example.com: no answer (connect timeout); keeping snapshot, fetched 2026-01-23``), then
  one summary line. ``-q`` keeps the failures and the summary; ``-v`` adds what the network
  did (retries, waits) as it happens.

``catalog refresh`` prints the provider lines and the summary on stdout (they are its result);
``plan --refresh`` prints only the summary, on stderr: the failures are the plan's warnings.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from sovbundle.cli._output import console, is_terminal, options
from sovbundle.units import count

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from sovbundle.refresh import ProviderResult, RefreshReport

__all__ = ["outcome", "provider_line", "run_refresh", "summary_line"]


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

    def finished(self, result: ProviderResult) -> None:
        state = "failed" if result.error else "done"
        description = f"{result.provider.ljust(self.width)}  {state}"
        self.progress.update(self.tasks[result.provider], description=description, completed=1)


def run_refresh(providers: Sequence[str] | None, *, for_plan: bool = False) -> RefreshReport:
    """Refresh catalogs (default: every provider) and print how it went, once per provider.

    ``for_plan``: ``plan --refresh``: stdout is the plan's, so only the summary is printed,
    on stderr; the failures reach the plan as warnings.
    """
    from sovbundle.config import load_config
    from sovbundle.models import PROVIDER_IDS
    from sovbundle.refresh import refresh_catalogs

    config = load_config()
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
