"""Golden files: compare output with a committed file, or rewrite it on request.

``SOVBUNDLE_UPDATE_GOLDEN=1 pytest tests/...`` rewrites every golden file a test checks (other
branches change plans: regenerate, then review the diff of ``tests/golden/`` like any change).
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


def check_golden(name: str, text: str) -> None:
    """Assert ``text`` equals ``tests/golden/<name>`` (or rewrite it when asked)."""
    path = GOLDEN / name
    if os.environ.get("SOVBUNDLE_UPDATE_GOLDEN", "") not in ("", "0"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"no golden file {path}: run with SOVBUNDLE_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (
        f"output differs from {path}; if the change is intended, regenerate with "
        "SOVBUNDLE_UPDATE_GOLDEN=1 and review the diff"
    )
