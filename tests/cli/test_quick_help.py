"""``--help`` and ``--version`` answered without typer print exactly what typer prints.

``sovbundle.cli._help_text`` holds every command's help screen as typer renders it at 80
columns; after a change to an option, a help text or an example, regenerate it with
``SOVBUNDLE_UPDATE_GOLDEN=1 pytest tests/cli/test_quick_help.py``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sovbundle.cli import _quick, main
from sovbundle.cli._help_text import HELP
from sovbundle.cli._run import app, run

ROOT = Path(__file__).resolve().parents[2]
HELP_TEXT = ROOT / "src" / "sovbundle" / "cli" / "_help_text.py"
UPDATE = os.environ.get("SOVBUNDLE_UPDATE_GOLDEN") == "1"
REGENERATE = "regenerate: SOVBUNDLE_UPDATE_GOLDEN=1 pytest tests/cli/test_quick_help.py"


def command_paths() -> list[str]:
    """Every command and group of the typer app, as typed after ``sovbundle`` ("" the root)."""
    import typer.main

    found: list[str] = []

    def walk(command: Any, path: list[str]) -> None:
        found.append(" ".join(path))
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def typer_help(words: list[str], option: str, capsys: pytest.CaptureFixture[str]) -> str:
    """The help screen as typer prints it, at the width the stored screens are laid out at."""
    capsys.readouterr()
    assert run([*words, option]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


@pytest.fixture
def at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", str(_quick.RENDERED_COLUMNS))
    for key in list(os.environ):
        if key.startswith(("_TYPER_", "_SOVBUNDLE_COMPLETE")):
            monkeypatch.delenv(key)


def write_help_text(screens: dict[str, str]) -> None:
    lines = [
        '"""Every command\'s ``--help`` screen as typer prints it at 80 columns (or wider).',
        "",
        "Generated, do not edit: ``SOVBUNDLE_UPDATE_GOLDEN=1 pytest tests/cli/test_quick_help.py``",
        "rewrites it; that test fails when typer would print anything else. Printed by",
        "``sovbundle.cli._quick`` so that ``--help`` does not import typer.",
        '"""',
        "",
        "HELP: dict[str, str] = {",
    ]
    for path, text in screens.items():
        lines.append(f"    {path!r}: (")
        lines += [f"        {line!r}" for line in text.splitlines(keepends=True)]
        lines.append("    ),")
    lines += ["}", '"""Per command path (words after ``sovbundle``, "" the root): its help."""', ""]
    HELP_TEXT.write_text("\n".join(lines), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(HELP_TEXT)], check=True)


def test_stored_help_is_what_typer_prints(
    at_80_columns: None, capsys: pytest.CaptureFixture[str]
) -> None:
    screens = {path: typer_help(path.split(), "--help", capsys) for path in command_paths()}
    if UPDATE:
        write_help_text(screens)
        return
    assert sorted(HELP) == sorted(screens), REGENERATE
    for path, text in screens.items():
        command = " ".join(["sovbundle", *path.split(), "--help"])
        assert HELP[path] == text, f"{command} differs from typer's; {REGENERATE}"


@pytest.mark.parametrize("path", sorted(HELP))
def test_dash_h_is_the_same_screen(
    path: str, at_80_columns: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert typer_help(path.split(), "-h", capsys) == HELP[path]


@pytest.mark.parametrize("path", sorted(HELP))
@pytest.mark.parametrize("option", ["--help", "-h"])
def test_main_prints_the_stored_screen(
    path: str, option: str, at_80_columns: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*path.split(), option]) == 0
    assert capsys.readouterr().out == HELP[path]


@pytest.mark.parametrize(
    "flags", [["-q"], ["--quiet", "--no-color"], ["-v", "--debug"], ["--verbose"], ["-q", "-q"]]
)
@pytest.mark.parametrize("path", ["", "plan", "catalog refresh"])
def test_global_flags_before_the_command_keep_the_screen(
    flags: list[str], path: str, at_80_columns: None, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [*flags, *path.split(), "--help"]
    assert run(args) == 0
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == (HELP[path], "")
    assert _quick.quick_text(args, {"COLUMNS": "80"}) == HELP[path]


def test_version_is_what_typer_prints(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    quick = capsys.readouterr().out
    assert run(["--version"]) == 0
    assert capsys.readouterr().out == quick == f"sovbundle {__import__('sovbundle').__version__}\n"


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["plan"],
        ["plan", "x.yaml", "--help"],  # an argument before --help
        ["--json", "plan", "--help"],  # an option no help screen takes
        ["-q", "-v", "plan", "--help"],  # typer says: use one of --quiet and --verbose
        ["-qv", "plan", "--help"],
        ["plan", "-q", "--help"],
        ["plan --help"],
        ["catalog refresh", "--help"],  # one word holding a space
        ["", "--help"],
        ["nosuchcommand", "--help"],
        ["--version", "--help"],
    ],
)
def test_other_command_lines_go_to_typer(args: list[str]) -> None:
    assert _quick.quick_text(args, {"COLUMNS": "120"}) is None


def test_narrow_terminals_completion_and_typer_switches_go_to_typer() -> None:
    assert _quick.quick_text(["plan", "--help"], {"COLUMNS": "120"}) == HELP["plan"]
    assert _quick.quick_text(["plan", "--help"], {"COLUMNS": "79"}) is None
    assert _quick.quick_text(["plan", "--help"], {"_SOVBUNDLE_COMPLETE": "bash_source"}) is None
    env = {"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    assert _quick.quick_text(["--help"], env) is None


def test_narrow_terminal_gets_typer_layout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    assert main(["plan", "--help"]) == 0
    text = capsys.readouterr().out
    assert text != HELP["plan"]
    assert "  Find the cheapest placement of BUNDLE that meets every\n  constraint," in text


@pytest.mark.parametrize("value", [None, "", "0", "abc", "60", "80", "200"])
def test_columns_agrees_with_shutil(value: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if value is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", value)
    assert _quick.columns(os.environ) == shutil.get_terminal_size().columns


HEAVY = ("rich", "httpx", "pydantic", "yaml", "highspy")


def imported_by(args: list[str], env: dict[str, str] | None = None) -> set[str]:
    """Every module ``python -X importtime -m sovbundle ARGS`` imports (its exit must be 0)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("_TYPER_", "_SOVBUNDLE"))}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sovbundle", *args],
        env={**base, "PYTHONPATH": str(ROOT / "src"), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = [line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line]
    assert "sovbundle.cli" in lines, done.stderr[-2000:]
    return set(lines)


def roots(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


@pytest.mark.parametrize("args", [["--help"], ["plan", "--help"], ["--version"]])
def test_quick_answers_import_no_typer(args: list[str]) -> None:
    found = roots(imported_by(args, {"COLUMNS": "100"})) & {"typer", "typing", *HEAVY}
    assert found == set()


@pytest.mark.parametrize("args", [["plan", "--help"], ["services", "--help"], ["--help"]])
def test_typer_help_imports_no_heavy_module(args: list[str]) -> None:
    """Through typer too (a narrow terminal): no rich, httpx, pydantic, yaml or highspy."""
    modules = imported_by(args, {"COLUMNS": "60"})
    assert "typer" in modules
    assert roots(modules) & set(HEAVY) == set()


def test_importing_the_cli_app_imports_no_heavy_module() -> None:
    code = (
        "import sys\nimport sovbundle.cli._run\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "[]"


def test_the_benchmark_measures_every_help_screen() -> None:
    from bench.cli_help import COMMANDS

    assert sorted(" ".join(words) for words in COMMANDS) == sorted(HELP)


def test_command_modules_keep_their_annotations_evaluated() -> None:
    """typer would evaluate string annotations again on every run (see ``cli/_run.py``)."""
    folder = ROOT / "src" / "sovbundle" / "cli"
    modules = [folder / "_app.py", *sorted(folder.glob("*_cmds.py"))]
    assert len(modules) >= 6
    lazy = [p.name for p in modules if "from __future__ import annotations" in p.read_text()]
    assert lazy == []
