"""Read a saved plan file back into a ``Plan``, by its ``format_version``.

The rule is Terraform's: a file of major version 1 is read whatever its minor version (keys this
sovbundle does not know, added by a newer minor, are ignored); any other major is refused in one
line (``PlanFileError``, exit 3). Format 1.0 files are mapped onto 1.1: ``solver.time_ms``
becomes ``run.time_ms``; they have no ``body_sha256``, no ``bundle.spec`` and no
``offer_status`` (read as ``ga``).

A 1.1 file whose ``body_sha256`` does not match its body (edited by hand, or by another tool) is
still read, with a note: the plan is what the file says, but it is no longer what sovbundle
computed.

This is the one reader of plan files: ``show``, ``diff``, ``plan --compare-to`` and
``export tofu`` all read through ``read_plan``, so a file they cannot use fails the same way in
each (exit 3, one line). A UTF-8 byte order mark (which some Windows editors write) is skipped.
"""

from __future__ import annotations

import json
import stat
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Final, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from sovbundle.envelope import FORMAT_MAJOR, FORMAT_VERSION, parse_version
from sovbundle.errors import PlanFileError
from sovbundle.plan import Plan, body_sha256

__all__ = ["MAX_PLAN_BYTES", "SavedPlan", "parse_plan", "read_plan"]

MAX_PLAN_BYTES: Final = 64 * 1024 * 1024
"""Largest plan file read (64 MiB; a plan of 1000 components is about 1 MiB)."""


@dataclass(frozen=True)
class SavedPlan:
    """A plan read from a file, with the file's own text and what was noticed reading it."""

    plan: Plan
    name: str
    """The file as named on the command line."""
    text: str
    """The file's text, as read."""
    version: tuple[int, int]
    raw: bytes
    """The file's bytes, as read (``export tofu`` records their sha256)."""
    notes: list[str] = field(default_factory=list)
    """Warnings about the file (a body that does not match its hash, a newer minor version)."""


def read_plan(path: Path) -> SavedPlan:
    """Read and check a plan file; raise PlanFileError (exit 3) when it cannot be used."""
    name = str(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise PlanFileError(f"{name}: is a directory, not a plan file")
        if not stat.S_ISREG(info.st_mode):
            raise PlanFileError(f"{name}: not a regular file")
        if info.st_size > MAX_PLAN_BYTES:
            raise PlanFileError(f"{name}: too large for a plan file ({info.st_size} bytes)")
        with path.open("rb") as handle:
            raw = handle.read(MAX_PLAN_BYTES + 1)
    except FileNotFoundError as exc:
        raise PlanFileError(f"{name}: no such file") from exc
    except PermissionError as exc:
        raise PlanFileError(f"{name}: cannot read: permission denied") from exc
    except OSError as exc:
        raise PlanFileError(f"{name}: cannot read: {exc.strerror or exc}") from exc
    if len(raw) > MAX_PLAN_BYTES:
        raise PlanFileError(f"{name}: too large for a plan file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlanFileError(f"{name}: not UTF-8 text (byte {exc.start})") from exc
    return parse_plan(text.removeprefix("\ufeff"), name, raw=raw)


def parse_plan(text: str, name: str = "<plan>", *, raw: bytes | None = None) -> SavedPlan:
    """A plan from the text of a plan file (``raw``: its bytes, by default the text's UTF-8).

    Raise PlanFileError when it cannot be used.
    """
    try:
        # Decimal keeps every number's text, so the body re-encodes to the same bytes.
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise PlanFileError(
            f"{name}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    except RecursionError as exc:
        raise PlanFileError(f"{name}: not a sovbundle plan (nested too deeply)") from exc
    if not isinstance(data, dict) or "format_version" not in data:
        raise PlanFileError(f"{name}: not a sovbundle plan file (no format_version)")
    found = data["format_version"]
    version = parse_version(found)
    if version is None:
        raise PlanFileError(f"{name}: format_version {found!r} is not of the form MAJOR.MINOR")
    if version[0] != FORMAT_MAJOR:
        raise PlanFileError(
            f"{name}: plan format_version {found} cannot be read by this sovbundle, which reads "
            f"{FORMAT_MAJOR}.x (written by another major version of sovbundle)"
        )
    notes = []
    if version > parse_version(FORMAT_VERSION):  # type: ignore[operator]
        notes.append(
            f"{name}: plan format_version {found} is newer than this sovbundle's "
            f"{FORMAT_VERSION}; keys it does not know are ignored"
        )
    if version >= (1, 1):
        recorded = data.get("body_sha256")
        if isinstance(recorded, str) and recorded != body_sha256(data):
            notes.append(
                f"{name}: body_sha256 does not match the plan's content (the file was edited "
                "after sovbundle wrote it)"
            )
    mapped = _from_1_0(data) if version == (1, 0) else data
    try:
        plan = Plan.model_validate(_prune(Plan, mapped))
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        raise PlanFileError(f"{name}: not a valid sovbundle plan: {where}: {error['msg']}") from exc
    file_bytes = text.encode("utf-8") if raw is None else raw
    return SavedPlan(plan, name, text, version, file_bytes, notes)


def _from_1_0(data: dict[str, Any]) -> dict[str, Any]:
    """A 1.0 document in 1.1's shape (``solver.time_ms`` -> ``run.time_ms``)."""
    mapped = dict(data)
    solver = data.get("solver")
    if isinstance(solver, dict) and "time_ms" in solver:
        mapped["solver"] = {k: v for k, v in solver.items() if k != "time_ms"}
        mapped["run"] = {"time_ms": solver["time_ms"]}
    return mapped


def _prune(model: type[BaseModel], data: Any) -> Any:
    """``data`` with only the keys ``model`` knows, recursively (a newer minor adds keys)."""
    if not isinstance(data, dict):
        return data
    kept: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key in data:
            kept[key] = _prune_value(info.annotation, data[key])
    return kept


def _prune_value(annotation: Any, value: Any) -> Any:
    inner = _model_in(annotation)
    if inner is None:
        return value
    if isinstance(value, list):
        return [_prune(inner, item) for item in value]
    return _prune(inner, value)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model type of a field (``Row``, ``Row | None``, ``tuple[Row, ...]``), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = get_origin(annotation)
    if origin in (tuple, list, Union, UnionType):
        for arg in get_args(annotation):
            if arg is not NoneType and arg is not Ellipsis:
                found = _model_in(arg)
                if found is not None:
                    return found
    return None
