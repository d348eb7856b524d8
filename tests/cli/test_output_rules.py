"""The rules of every ``-o PATH`` (issue 11, item 2 and 13): stdout, symlinks, special files.

``plan -o`` and ``schema -o`` both go through ``sovbundle.atomic.write_output``; each rule is
checked on both commands.
"""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from sovbundle.catalog import select as catalog_module
from sovbundle.cli import main
from tests.cli.test_plan_cmds import synthetic_catalog, write_bundle

Command = Callable[[Path, str], list[str]]


def plan_cmd(tmp_path: Path, out: str) -> list[str]:
    return ["plan", str(write_bundle(tmp_path)), "--json", "-o", out]


def schema_cmd(tmp_path: Path, out: str) -> list[str]:
    return ["schema", "-o", out]


COMMANDS = pytest.mark.parametrize("command", [plan_cmd, schema_cmd], ids=["plan", "schema"])


@pytest.fixture(autouse=True)
def _offline_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog_module, "load_catalogs", lambda *a, **k: synthetic_catalog())


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@COMMANDS
def test_dash_means_stdout_and_writes_no_file(
    command: Command,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(command(tmp_path, "-")) == 0
    out = capfd.readouterr().out
    assert out.lstrip().startswith("{")
    assert not (tmp_path / "-").exists()


@COMMANDS
def test_a_symlink_is_followed_and_its_target_replaced(command: Command, tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert main(command(tmp_path, str(link))) == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text().lstrip().startswith("{")
    assert real.stat().st_mode & 0o777 == 0o640  # the replaced file keeps its mode


@COMMANDS
def test_a_dangling_symlink_creates_its_target(command: Command, tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "target.json")
    assert main(command(tmp_path, str(link))) == 0
    assert link.is_symlink() and (tmp_path / "target.json").is_file()


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


def _socket(tmp_path: Path) -> Path:
    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()
    return path


def _directory(tmp_path: Path) -> Path:
    path = tmp_path / "folder"
    path.mkdir()
    return path


def _link_to_dev_null(tmp_path: Path) -> Path:
    path = tmp_path / "null-link"
    path.symlink_to("/dev/null")
    return path


SPECIALS = {
    "dev-null": (lambda tmp_path: Path("/dev/null"), "a character device"),
    "dev-full": (lambda tmp_path: Path("/dev/full"), "a character device"),
    "link-to-dev-null": (_link_to_dev_null, "a character device"),
    "fifo": (_fifo, "a FIFO"),
    "socket": (_socket, "a socket"),
    "directory": (_directory, "a directory"),
}


@COMMANDS
@pytest.mark.parametrize("special", sorted(SPECIALS))
def test_a_target_that_is_not_a_regular_file_is_refused(
    command: Command, special: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, kind = SPECIALS[special]
    target = make(tmp_path)
    if not os.path.exists(target):
        pytest.skip(f"{target} does not exist here")
    before = os.lstat(target)
    assert main(command(tmp_path, str(target))) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith("error: refusing to write")
    assert f"it is {kind}, not a regular file" in line
    after = os.lstat(target)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)


@COMMANDS
def test_a_missing_folder_is_an_error_and_is_not_created(
    command: Command, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "a" / "b" / "out.json"
    assert main(command(tmp_path, str(target))) == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"directory {tmp_path / 'a' / 'b'} does not exist" in line
    assert not (tmp_path / "a").exists()


@COMMANDS
def test_a_full_disk_names_the_cause_and_keeps_the_old_file(
    command: Command,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = tmp_path / "out.json"
    target.write_text("previous")
    args = command(tmp_path, str(target))
    before = set(tmp_path.iterdir())

    def no_space(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("os.write", no_space)
    assert main(args) == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"cannot write {'the plan' if command is plan_cmd else 'the schema'} to {target}" in line
    assert line.endswith("disk full")
    assert target.read_text() == "previous"
    assert set(tmp_path.iterdir()) == before  # no temporary file left


def test_stdout_on_a_full_disk_is_reported(tmp_path: Path) -> None:
    import subprocess
    import sys

    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with open("/dev/full", "wb") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "sovbundle", "schema", "-o", "-"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert proc.returncode == 2
    assert one_error_line(proc.stderr) == (
        "error: cannot write the schema to standard output: disk full"
    )
