"""The facts an export needs that a plan does not carry, read from the plan's own bundle.

A plan names its bundle (``bundle.path``, ``bundle.sha256``). The export uses a bundle file only
when its sha256 is the plan's: an edited bundle could name another runtime or engine than the
one the plan was solved for. Without it, rules that need a bundle fact leave their placement
unexported and say so.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sovbundle.errors import SovbundleError, UsageError
from sovbundle.plan import Plan

__all__ = ["FACT_FIELDS", "find_bundle"]

FACT_FIELDS = (
    "runtime",
    "engine",
    "high_availability",
    "storage_class",
    "arch",
    "gpus",
    "gpu_model",
    "disk_gb",
    "storage_gb",
    "dedicated",
)
"""Component fields a mapping rule may read as ``bundle.<field>``."""


def _facts(path: Path) -> dict[str, dict[str, Any]]:
    from sovbundle.spec.loader import load_bundle

    loaded = load_bundle(path)
    facts: dict[str, dict[str, Any]] = {}
    for name, component in loaded.spec.components.items():
        values = {f: getattr(component, f, None) for f in FACT_FIELDS}
        facts[name] = {k: v for k, v in values.items() if v is not None}
    return facts


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def find_bundle(
    plan: Plan, plan_path: Path, explicit: Path | None
) -> tuple[dict[str, dict[str, Any]] | None, str | None, list[str]]:
    """``(facts by component, path used, warnings)``.

    ``explicit`` (``--bundle``) must exist and match the plan's sha256 (else UsageError);
    without it, the plan's ``bundle.path`` is tried as given and beside the plan file, and a
    file whose sha256 differs is skipped with a warning."""
    if explicit is not None:
        digest = _sha256(explicit)
        if digest is None:
            raise UsageError(f"cannot read bundle {explicit}")
        if digest != plan.bundle.sha256:
            raise UsageError(
                f"bundle {explicit} is not the one the plan was made from (its sha256 "
                f"{digest[:12]}... differs from the plan's {plan.bundle.sha256[:12]}...)"
            )
        return _facts(explicit), str(explicit), []
    warnings: list[str] = []
    named = Path(plan.bundle.path)
    candidates = [named] if named.is_absolute() else [named, plan_path.parent / named]
    seen: set[Path] = set()
    for candidate in candidates:
        try:
            key = candidate.resolve()
        except OSError:
            continue
        if key in seen or not candidate.is_file():
            continue
        seen.add(key)
        digest = _sha256(candidate)
        if digest != plan.bundle.sha256:
            warnings.append(
                f"bundle {candidate} changed since the plan was made (sha256 differs): not "
                "used; facts only the bundle holds are unavailable"
            )
            continue
        try:
            return _facts(candidate), str(candidate), warnings
        except SovbundleError as exc:
            warnings.append(f"bundle {candidate} could not be read: {exc.message}")
    if not warnings:
        warnings.append(
            f"bundle {plan.bundle.path} not found (tried as given and beside the plan): facts "
            "only the bundle holds (an app's runtime, some database engines) are unavailable; "
            "pass --bundle FILE"
        )
    return None, None, warnings
