"""Bad bundle inputs: each gives exit 3 and one clear, located message, writing nothing.

The committed inputs and what must be said about them are in ``cases.yaml``; inputs that cannot be
committed (several MB, a directory, a missing or unreadable path, a FIFO, a device) are built here.
No wall-clock bound: the inputs whose cost could explode are bounded by what they must say
(alias expansion past 10,000 values, nesting past 32 levels, a file over 1 MiB refused before it
is opened), and ``bench/validate_worst.py`` measures speed. A hang fails at the timeout below.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from sovbundle.cli import main

HERE = Path(__file__).resolve().parent
INPUTS = HERE / "inputs"
CASES: list[dict[str, Any]] = yaml.safe_load((HERE / "cases.yaml").read_text("utf-8"))["cases"]
PARSERS = ["libyaml", "pure"] if yaml.__with_libyaml__ else ["pure"]

pytestmark = pytest.mark.timeout(60)  # a safety net: one validate of a small file, or a hang


@contextmanager
def parser(kind: str) -> Iterator[None]:
    """Read YAML with libyaml or with PyYAML's pure-Python parser."""
    with pytest.MonkeyPatch.context() as patch:
        if kind == "pure":
            patch.setattr(yaml, "__with_libyaml__", False)
        yield


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in folder.rglob("*")
        if path.is_file()
    }


def check(
    path: Path,
    capsys: pytest.CaptureFixture[str],
    *,
    exit_code: int,
    message: str,
    at: str | None,
    unopened: bool = False,
) -> None:
    """Run ``sovbundle validate PATH``; assert one located message and nothing written.

    ``unopened``: the path must be refused from its ``stat`` alone, never opened (opening a FIFO
    blocks until a writer comes, reading a device or a huge file takes as long as it lasts).
    """
    folder = path.parent if path.parent.exists() else INPUTS
    before = snapshot(folder)
    opened: list[Path] = []
    real_open = Path.open

    def watched_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == path:
            opened.append(self)
            if unopened:
                raise AssertionError(f"{path} was opened")
        return real_open(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Path, "open", watched_open)
        code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert code == exit_code, err
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 2, err
    prefix = f"{path}:{at}: " if at else f"{path}: "
    assert lines[0].startswith(prefix), err
    assert message in lines[0], err
    assert lines[1] == "1 error in bundle"
    assert not (unopened and opened), f"{path} was opened"
    assert snapshot(folder) == before


def test_the_corpus_is_large_and_every_input_has_a_case() -> None:
    files = {path.name for path in INPUTS.iterdir()}
    cased = [case["file"] for case in CASES]
    assert len(cased) == len(set(cased))
    assert files == set(cased)
    assert len(files) >= 40


@pytest.mark.parametrize("kind", PARSERS)
@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_bad_input(case: dict[str, Any], kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    with parser(kind):
        check(
            INPUTS / case["file"],
            capsys,
            exit_code=case["exit"],
            message=case["message"],
            at=case["at"],
        )


def test_several_megabytes_are_refused_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.write(b"version: 1\nname: huge\ndescription: ")
        handle.write(b"x" * (5 * 1024 * 1024))
    message = "file too large (5242915 bytes; a bundle may have at most 1 MiB)"
    check(path, capsys, exit_code=3, message=message, at=None, unopened=True)


def test_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "bundle.yaml"
    folder.mkdir()
    message = "is a directory, not a bundle file"
    check(folder, capsys, exit_code=3, message=message, at=None, unopened=True)


def test_a_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    check(tmp_path / "nope.yaml", capsys, exit_code=3, message="no such file", at=None)


def test_a_path_under_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("")
    check(tmp_path / "file" / "b.yaml", capsys, exit_code=3, message="cannot read:", at=None)


def test_an_unreadable_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text("version: 1\n")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            # Root reads anything: make open() fail the way it fails for everyone else.
            real_open = Path.open

            def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
                if self == path:
                    raise PermissionError(13, "Permission denied", str(self))
                return real_open(self, *args, **kwargs)

            monkeypatch.setattr(Path, "open", refuse)
        check(path, capsys, exit_code=3, message="cannot read: permission denied", at=None)
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_not_opened(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    check(fifo, capsys, exit_code=3, message="is not a regular file", at=None, unopened=True)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_an_endless_device(capsys: pytest.CaptureFixture[str]) -> None:
    message = "is not a regular file"
    check(Path("/dev/zero"), capsys, exit_code=3, message=message, at=None, unopened=True)


def test_did_you_mean_work_is_bounded_on_thousands_of_misspelt_names(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11, item 3: suggestions were computed for every misspelt end over every name.

    The generated spec (bench/validate_worst.py) has 300 components and 1,400 misspelt link
    ends. Only the 200 issues shown get a suggestion, each ranking only the names within two
    edits: the number of difflib comparisons stays near one per issue, not ends x names.
    """
    import difflib

    compared = 0
    real = difflib.SequenceMatcher

    class Counting(real):  # type: ignore[misc,valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            nonlocal compared
            compared += 1
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(difflib, "SequenceMatcher", Counting)
    path = HERE / "generated" / "misspelt-links.yaml"
    assert main(["validate", str(path)]) == 3
    err = capsys.readouterr().err.splitlines()
    assert err[0].endswith("showing the first 200 issues; 1200 more hidden")
    assert "(did you mean 'service-00000'?)" in err[1]
    assert err[-1] == "201 errors in bundle"  # the 200 and the line saying how many are hidden
    assert compared <= 2 * 200, compared


def test_a_spec_just_under_1_mib_with_a_star_of_colocations_is_read_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 11, item 3, at the size limit: ``bench/validate_worst.py``'s 1 MiB colocate-star
    (a hub colocated with about 5,000 components, then 1,200 ``apart`` checks; 97,000 values)
    gets every contradiction located. Its union-find walked a chain as long as the links for
    each of them: 20 s of CPU for this file before. The work is counted in
    ``tests/spec/test_work_bounds.py`` (which fails on the old union-find), the time is in
    ``bench/RESULTS.md``."""
    from bench.validate_worst import generate

    from sovbundle.spec.loader import MAX_BUNDLE_BYTES

    raw = generate("colocate-star", "1MiB")
    assert MAX_BUNDLE_BYTES - 16 * 1024 < len(raw) < MAX_BUNDLE_BYTES
    path = tmp_path / "colocate-star-1mib.yaml"
    path.write_bytes(raw)
    checks = raw.count(b"apart: provider")
    assert checks > 1000
    assert main(["validate", str(path)]) == 3
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == ""
    assert lines[0] == f"{path}: showing the first 200 issues; {checks - 200} more hidden"
    assert len(lines) == 202 and lines[-1] == "201 errors in bundle"
    first = lines[1]
    assert first.startswith(f"{path}:") and ": links[" in first, first
    assert "'apart: provider' asks for different providers for 'c0-" in first, first
    assert all("other links colocate them on the same provider" in line for line in lines[1:-1])
