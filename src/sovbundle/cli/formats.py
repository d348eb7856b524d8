"""Output formats shared by ``plan``, ``show`` and ``diff``, and the JSON error document.

Light (no pydantic, no rich): the CLI imports it at start-up time.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sovbundle.envelope import envelope
from sovbundle.errors import BundleError, InfeasibleError, SovbundleError, SpecIssue, UsageError

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "FORMATS",
    "FormatOption",
    "chosen_format",
    "error_document",
    "issue_json",
    "plan_console",
    "print_error_document",
]

FORMATS = ("table", "json", "markdown")

FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        metavar="FORMAT",
        help="table (the default), json, or markdown (a pull-request comment).",
        show_default=False,
    ),
]


def chosen_format(as_json: bool, value: str | None) -> str:
    """The format asked for by ``--json`` and ``--format``; a usage error when they disagree."""
    if value is None:
        return "json" if as_json else "table"
    chosen = value.lower()
    if chosen not in FORMATS:
        raise UsageError(f"--format takes table, json or markdown, not {value!r}")
    if as_json and chosen != "json":
        raise UsageError(f"--json and --format {chosen} ask for two formats; give one of them")
    return chosen


_SUGGESTION = re.compile(r"\(did you mean '([^']*)'\?\)")


def issue_json(issue: SpecIssue) -> dict[str, Any]:
    """One bundle error as ``validate --json`` prints it (line and column 0: the whole file)."""
    found = _SUGGESTION.search(issue.message)
    return {
        "file": issue.path,
        "line": issue.line,
        "column": issue.column,
        "message": issue.message,
        "suggestion": found.group(1) if found else None,
    }


_KINDS = {
    1: "internal",
    2: "usage",
    3: "invalid_input",
    4: "infeasible",
    5: "provider",
    6: "catalog",
}


def error_document(exc: SovbundleError) -> dict[str, Any]:
    """What ``plan``, ``show`` and ``diff`` print on stdout with ``--json`` when they fail (the
    message goes to stderr too)."""
    data: dict[str, Any] = {
        "exit_code": exc.exit_code,
        "kind": _KINDS.get(exc.exit_code, "internal"),
        "message": exc.message if not isinstance(exc, BundleError) else exc.lines()[-1],
    }
    if isinstance(exc, BundleError):
        data["errors"] = [issue_json(issue) for issue in exc.issues]
    if isinstance(exc, InfeasibleError):
        data["diagnosis"] = list(exc.diagnosis)
    return envelope("error", data)


def print_error_document(exc: SovbundleError) -> None:
    """``error_document`` on stdout (``--json`` commands that fail: stdout is never empty)."""
    import json
    import sys

    sys.stdout.write(json.dumps(error_document(exc), indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def plan_console() -> Console:
    """The console ``plan`` prints on; ``show`` and ``diff`` print on the same, so that ``show``
    prints what ``plan`` printed (print through ``_terminal.emit``: piped, nothing is
    dropped and lines carry no padding)."""
    from sovbundle.cli._terminal import console

    return console()
