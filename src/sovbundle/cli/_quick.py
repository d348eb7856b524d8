"""``--help`` and ``--version`` without importing typer.

Importing typer (0.29, with its vendored click) costs several times ``python -c pass`` before
any help is built, so ``sovbundle ... --help`` could not stay within 10x ``python -c pass``
(issue 15) while going through typer. Instead, every command's help screen is rendered by typer
ahead of time into ``sovbundle.cli._help_text`` and printed from there, byte for byte what
typer prints. ``tests/cli/test_quick_help.py`` renders each screen through typer again and fails
when the stored text differs; ``SOVBUNDLE_UPDATE_GOLDEN=1 pytest tests/cli/test_quick_help.py``
rewrites it after a change to any option, help text or example.

Only the exact command lines ``sovbundle [GLOBAL FLAG ...] [COMMAND ...] --help`` (or ``-h``)
and ``sovbundle --version`` are answered here, and only when typer would lay the help out as
stored: help screens are wrapped to ``min(columns, 80) - 2``, so a terminal narrower than 80
columns goes to typer. Shell completion (``_SOVBUNDLE_COMPLETE``) and typer's own test switches
(``_TYPER_*``) always go to typer. Anything else returns ``None``: the caller runs typer.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

__all__ = ["GLOBAL_FLAGS", "HELP_OPTIONS", "RENDERED_COLUMNS", "answer", "columns", "quick_text"]

HELP_OPTIONS = ("--help", "-h")
GLOBAL_FLAGS = {
    "-q": "quiet",
    "--quiet": "quiet",
    "-v": "verbose",
    "--verbose": "verbose",
    "--no-color": "no_color",
    "--debug": "debug",
}
"""The root's flags that may come before the command (``sovbundle -q plan --help``): they set
output options and do not change any help screen."""
RENDERED_COLUMNS = 80
"""The help screens are stored as typer lays them out on a terminal this wide, or wider
(click caps the width at 80 columns)."""


def columns(environ: Mapping[str, str]) -> int:
    """The terminal width as ``shutil.get_terminal_size().columns`` reports it (without
    importing shutil): ``COLUMNS`` if set to a positive number, else stdout's terminal, else 80."""
    try:
        width = int(environ.get("COLUMNS", ""))
    except ValueError:
        width = 0
    if width > 0:
        return width
    try:
        width = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return RENDERED_COLUMNS
    return width or RENDERED_COLUMNS


def quick_text(args: Sequence[str], environ: Mapping[str, str]) -> str | None:
    """What ``sovbundle ARGS`` prints, if it is a help screen or the version; else ``None``."""
    if any(key.startswith(("_SOVBUNDLE_COMPLETE", "_TYPER_")) for key in environ):
        return None
    if list(args) == ["--version"]:
        from sovbundle._version import __version__

        return f"sovbundle {__version__}\n"
    if not args or args[-1] not in HELP_OPTIONS or columns(environ) < RENDERED_COLUMNS:
        return None
    words = list(args[:-1])
    flags: set[str] = set()
    while words and words[0] in GLOBAL_FLAGS:
        flags.add(GLOBAL_FLAGS[words.pop(0)])
    if {"quiet", "verbose"} <= flags:
        return None  # typer's error ("use one of --quiet and --verbose") before a command's help
    if any(not word or word.startswith("-") or " " in word for word in words):
        return None  # options, or words that only look like a command path once joined
    from sovbundle.cli._help_text import HELP

    return HELP.get(" ".join(words))


def answer(args: Sequence[str]) -> int | None:
    """Print the help screen or version ``args`` ask for and return the exit code (0); ``None``
    when typer must run."""
    text = quick_text(args, os.environ)
    if text is None:
        return None
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``sovbundle --help | head -1``): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 0
