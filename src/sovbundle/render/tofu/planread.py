"""Read a plan JSON file for export: tolerant of added keys, strict about the major version.

Plans of any ``1.x`` format are read through the ``Plan`` model; keys the model does not know
(a later minor version's additions, such as evidence or a run object) are dropped before
validation, at every level, so a newer 1.x plan still exports. Another major version, a file that
is not JSON or a document the model refuses is a ``UsageError`` (exit 2) with one line saying why.
"""

from __future__ import annotations

import json
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sovbundle.errors import UsageError
from sovbundle.plan import Plan

__all__ = ["MAX_PLAN_BYTES", "read_plan", "read_plan_file"]

MAX_PLAN_BYTES = 64 * 1024 * 1024
"""Largest plan file read (64 MiB; a 1,000-component plan is well under 2 MiB)."""

SUPPORTED_MAJOR = "1"


def read_plan_file(path: Path) -> tuple[Plan, bytes]:
    """The plan in ``path`` and its raw bytes (whose sha256 the export records)."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_PLAN_BYTES + 1)
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a plan file") from None
    except OSError as exc:
        raise UsageError(f"cannot read plan {path}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_PLAN_BYTES:
        raise UsageError(f"{path}: larger than {MAX_PLAN_BYTES // (1024 * 1024)} MiB, not a plan")
    return read_plan(raw, str(path)), raw


def read_plan(raw: bytes, source: str) -> Plan:
    """Validate plan JSON bytes into a ``Plan``, ignoring keys the model does not know."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise UsageError(f"{source}: not UTF-8 text, not a plan file") from None
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{source}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg}); "
            "export reads the output of `sovbundle plan BUNDLE --json`"
        ) from None
    if not isinstance(data, dict):
        raise UsageError(f"{source}: a plan is a JSON object, found {type(data).__name__}")
    version = data.get("format_version")
    if not isinstance(version, str) or not version:
        raise UsageError(f"{source}: no format_version: not a sovbundle plan")
    if version.split(".", 1)[0] != SUPPORTED_MAJOR:
        raise UsageError(
            f"{source}: plan format {version} is not supported "
            f"(this sovbundle reads format {SUPPORTED_MAJOR}.x)"
        )
    try:
        return Plan.model_validate(_known(Plan, data))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise UsageError(f"{source}: not a valid plan: {where}: {first['msg']}") from None


def _known(model: type[BaseModel], data: Any) -> Any:
    """``data`` with only the keys ``model`` declares (by alias), recursively."""
    if not isinstance(data, dict):
        return data
    kept: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key in data:
            kept[key] = _shape(field.annotation, data[key])
    return kept


def _shape(annotation: Any, value: Any) -> Any:
    """Apply ``_known`` through the models an annotation holds (tuples, optionals, dicts)."""
    for model in _models(annotation):
        if isinstance(value, dict):
            return _known(model, value)
        if isinstance(value, list):
            return [_known(model, item) for item in value]
    return value


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin in (tuple, list, typing.Union, types.UnionType):
        found: list[type[BaseModel]] = []
        for arg in typing.get_args(annotation):
            found.extend(_models(arg))
        return found
    return []
