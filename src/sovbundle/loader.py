"""Read a bundle spec file into a validated ``BundleSpec``, or a BundleError listing every issue."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from sovbundle.errors import BundleError, SpecIssue
from sovbundle.spec import BundleSpec

__all__ = ["LoadedBundle", "load_bundle"]


@dataclass(frozen=True)
class LoadedBundle:
    """A validated bundle spec with the file it came from."""

    spec: BundleSpec
    path: Path
    sha256: str


def load_bundle(path: Path) -> LoadedBundle:
    """Load and validate a bundle spec file."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BundleError([SpecIssue(name, 0, 0, f"cannot read: {exc.strerror or exc}")]) from exc
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise BundleError([SpecIssue(name, 0, 0, f"not valid YAML: {exc}")]) from exc
    try:
        spec = BundleSpec.model_validate(data)
    except ValidationError as exc:
        issues = [
            SpecIssue(name, 0, 0, f"{'.'.join(map(str, err['loc']))}: {err['msg']}")
            for err in exc.errors()
        ]
        raise BundleError(issues) from exc
    return LoadedBundle(spec, path, hashlib.sha256(raw).hexdigest())
