"""Run the CLI on a real pseudo-terminal of a chosen size (where a TTY changes the output)."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_on_tty(
    args: Sequence[str],
    *,
    columns: int = 80,
    env: Mapping[str, str] | None = None,
    stderr_too: bool = True,
    timeout: float = 120,
) -> tuple[int, str]:
    """``sovbundle ARGS`` with stdout (and stderr) on a pty of ``columns`` columns; returns the
    exit code and everything the terminal received (``\\r\\n`` made ``\\n``)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    environ.update({"TERM": "xterm-256color", "PYTHONPATH": str(ROOT / "src")})
    environ.update(env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "sovbundle", *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower if stderr_too else subprocess.DEVNULL,
        env=environ,
        close_fds=True,
    )
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    code = process.wait(timeout=timeout)
    return code, b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
