"""The folders of an isolated sovbundle environment (see the ``sandbox`` fixture)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Sandbox:
    """Folders of an isolated sovbundle environment."""

    root: Path
    snapshot: Path
    cache: Path

    @property
    def catalogs(self) -> Path:
        return self.cache / "catalogs"
