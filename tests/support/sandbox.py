"""The folders of an isolated sovbundle environment (see the ``sandbox`` fixture)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pytest import MonkeyPatch


@dataclass(frozen=True)
class Sandbox:
    """Folders of an isolated sovbundle environment."""

    root: Path
    snapshot: Path
    cache: Path

    @property
    def catalogs(self) -> Path:
        return self.cache / "catalogs"


def use_packaged_data(
    tmp_path: Path,
    monkeypatch: MonkeyPatch,
    *,
    keep: tuple[str, ...] = (),
    columns: int | None = None,
) -> None:
    """Plans on the packaged snapshot only: every ``SOVBUNDLE_*`` setting of the caller's
    removed (but the names in ``keep``), an empty user cache and config under ``tmp_path``;
    ``columns`` fixes the terminal width."""
    for name in list(os.environ):
        if name.startswith("SOVBUNDLE_") and name not in keep:
            monkeypatch.delenv(name)
    monkeypatch.setenv("SOVBUNDLE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    if columns is not None:
        monkeypatch.setenv("COLUMNS", str(columns))
