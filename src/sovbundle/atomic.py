"""Every file sovbundle writes goes through here (atomic replacement, the rules of ``-o``),
and every data file it reads from a place a user controls (cache, snapshot folder, config).

``atomic_write_bytes`` is the primitive: the bytes go to a temporary file in the target's
folder, are flushed to disk, and replace the target in one ``rename``; a crash at any instant
leaves the old file or the new one, never a part of either. The folder is fsynced after the
rename so that the new name survives a power cut too.

``write_output`` applies the rules of a user-named output path (``plan -o``, ``schema -o``):

* ``-`` means standard output;
* a symlink is followed and its target, if a regular file, is replaced atomically (the link
  stays a link);
* an existing target that is not a regular file (directory, device, FIFO, socket) is refused;
* a missing parent folder is an error: it is not created;
* a write error names its cause (``disk full`` for ENOSPC).

Each refusal is a ``UsageError`` (exit 2) of one line. ``check_output`` runs the same checks
without writing, so that a command can refuse a bad path before doing its work.

``read_regular`` reads a file only if it is a regular file no larger than a cap, checked
before reading; it opens without blocking, so a FIFO put where a file was expected is refused
at once instead of hanging, and ``/dev/zero`` is refused instead of filling the memory.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from pathlib import Path

from sovbundle.errors import UsageError

__all__ = [
    "STDOUT",
    "FileRefused",
    "atomic_write_bytes",
    "check_output",
    "describe_os_error",
    "fsync_dir",
    "open_regular",
    "read_regular",
    "write_output",
]

STDOUT = "-"
"""The output path that means standard output."""


def _process_umask() -> int:
    # Reading the umask means setting it: done once, at import, before any writer thread runs
    # (toggling it around each write would let a concurrent write see umask 0).
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_UMASK = _process_umask()


def describe_os_error(exc: OSError) -> str:
    """A short cause for an OSError: ``disk full`` for ENOSPC/EDQUOT, else its strerror."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "disk full" if exc.errno == errno.ENOSPC else "disk quota exceeded"
    return exc.strerror or str(exc)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename in it) to disk; best effort where unsupported."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a folder; the rename is still atomic
    finally:
        os.close(fd)


def _write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def atomic_write_bytes(path: Path, payload: bytes, *, mode: int | None = None) -> None:
    """Replace ``path`` by ``payload`` atomically (temporary file, fsync, rename, fsync folder).

    The folder must exist. ``mode`` defaults to what a plain ``open()`` would give (0666 minus
    the umask). Raises OSError; the temporary file never outlives a failure.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        try:
            os.fchmod(fd, (0o666 & ~_UMASK) if mode is None else mode)
            _write_all(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


class FileRefused(OSError):
    """A file that ``read_regular`` will not read; ``strerror`` says why, in words."""


def open_regular(path: Path, max_bytes: int) -> int:
    """A read-only descriptor of ``path`` if it is a regular file of at most ``max_bytes``.

    Opened without blocking (a FIFO is refused, not waited on) and checked on the open file
    itself (no race with a rename). Raises the OSErrors of ``open``, or FileRefused.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileRefused(errno.EINVAL, f"it is {_kind(st.st_mode)}, not a regular file")
        if st.st_size > max_bytes:
            raise FileRefused(
                errno.EFBIG, f"it is {st.st_size} bytes, larger than the {max_bytes}-byte limit"
            )
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular(path: Path, max_bytes: int) -> bytes:
    """The bytes of ``path`` if it is a regular file (symlinks followed) of at most ``max_bytes``.

    Raises FileNotFoundError and the other OSErrors of ``open``, or FileRefused.
    """
    fd = open_regular(path, max_bytes)
    try:
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, max(min(max_bytes + 1 - size, 1 << 20), 1))
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:  # grew while being read
                raise FileRefused(errno.EFBIG, f"it is larger than the {max_bytes}-byte limit")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def check_output(path: Path | str, what: str = "the output") -> Path | None:
    """The file a write to ``path`` replaces (symlinks followed); ``None`` for stdout.

    Raises UsageError when the target exists and is not a regular file, or when its folder
    does not exist.
    """
    if str(path) == STDOUT:
        return None
    given = Path(path)
    target = Path(os.path.realpath(given))  # follows every symlink, dangling ones too
    shown = str(given) if target == given.absolute() else f"{given} (-> {target})"
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise UsageError(f"cannot write {what} to {shown}: {describe_os_error(exc)}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise UsageError(
            f"refusing to write {what} to {shown}: it is {_kind(st.st_mode)}, not a regular file"
        )
    if not target.parent.is_dir():
        raise UsageError(
            f"cannot write {what} to {shown}: directory {target.parent} does not exist"
        )
    return target


def write_output(path: Path | str, payload: bytes, what: str = "the output") -> Path | None:
    """Write ``payload`` to a user-named output path under the rules above; return the file.

    ``None`` is returned for stdout. Every failure is a one-line UsageError naming the cause.
    """
    target = check_output(path, what)
    if target is None:
        try:
            sys.stdout.buffer.write(payload)
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise UsageError(
                f"cannot write {what} to standard output: {describe_os_error(exc)}"
            ) from None
        return None
    mode = None
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise UsageError(f"cannot write {what} to {path}: {describe_os_error(exc)}") from None
    try:
        atomic_write_bytes(target, payload, mode=mode)
    except OSError as exc:
        cause = describe_os_error(exc)
        raise UsageError(f"cannot write {what} to {path}: {cause}") from None
    return target
