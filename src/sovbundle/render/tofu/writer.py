"""Write an export folder without ever leaving a half-written one behind.

* DIR absent (or an empty folder): the files are written into a temporary folder beside DIR,
  fsynced, and the folder is renamed into place; DIR appears whole or not at all.
* DIR is a previous sovbundle export (it holds ``.sovbundle-export.json``): each file is
  replaced atomically (temporary file + rename), files of the previous export that the new one
  does not have are removed, and the marker is written last. Every other file is left alone:
  ``terraform.tfvars``, ``.terraform/``, the lock file and the state stay where they are.
* DIR holds anything else: refused (exit 2) unless ``force``, which writes the same way as over
  a previous export (same-named files replaced, nothing else touched or deleted).
* DIR is a file, or its parent cannot be written: UsageError (exit 2).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from sovbundle.atomic import atomic_write_bytes
from sovbundle.errors import UsageError
from sovbundle.render.tofu.emit import MARKER

__all__ = ["write_export"]


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _previous_files(directory: Path) -> list[str] | None:
    """The files a previous export listed, or None when ``directory`` is not one."""
    marker = directory / MARKER
    if not marker.is_file():
        return None
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("generator") != "sovbundle export tofu":
        return None
    files = data.get("files")
    if not isinstance(files, list):
        return []
    return [f for f in files if isinstance(f, str) and "/" not in f and f not in ("", ".", "..")]


def write_export(directory: Path, files: dict[str, bytes], *, force: bool = False) -> str:
    """Write ``files`` into ``directory``; return how (``created`` or ``updated``)."""
    directory = Path(os.path.abspath(directory))  # `-o .` has a name and a parent too
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} exists and is not a folder")
    try:
        entries = sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []
    except OSError as exc:
        raise UsageError(f"cannot read {directory}: {exc.strerror or exc}") from exc
    try:
        if not entries:
            _create(directory, files)
            return "created"
        previous = _previous_files(directory)
        if previous is None and not force:
            raise UsageError(
                f"{directory} is not empty and is not a sovbundle export; choose another "
                "folder or pass --force (which replaces only the files the export writes)"
            )
        _update(directory, files, previous or [])
        return "updated"
    except OSError as exc:
        raise UsageError(f"cannot write {directory}: {exc.strerror or exc}") from exc


def _create(directory: Path, files: dict[str, bytes]) -> None:
    parent = directory.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".tmp", dir=parent))
    try:
        os.chmod(tmp, 0o777 & ~_umask())
        for name in sorted(files):
            with (tmp / name).open("wb") as handle:
                handle.write(files[name])
                handle.flush()
                os.fsync(handle.fileno())
            if name.endswith(".sh"):
                os.chmod(tmp / name, 0o777 & ~_umask())
        _fsync_dir(tmp)
        if directory.is_dir():
            directory.rmdir()  # empty: checked above; fails (and we stop) if it filled meanwhile
        os.rename(tmp, directory)
        _fsync_dir(parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _update(directory: Path, files: dict[str, bytes], previous: list[str]) -> None:
    for name in sorted(files):
        if name == MARKER:
            continue
        atomic_write_bytes(directory / name, files[name])
        if name.endswith(".sh"):
            os.chmod(directory / name, 0o777 & ~_umask())
    for name in sorted(set(previous) - set(files)):
        if name != MARKER:
            (directory / name).unlink(missing_ok=True)
    atomic_write_bytes(directory / MARKER, files[MARKER])
    _fsync_dir(directory)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
