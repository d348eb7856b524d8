"""The version every JSON document of sovbundle carries, and the rule for reading one.

Every JSON output is an object whose first key is ``format_version``: a plan file is the object
itself; ``services``, ``providers``, ``catalog status``, ``validate`` and ``diff`` put their data
under one named key (``offers``, ``providers``, ``catalogs``, ``errors``, ``diff``), an
*envelope*. The version is ``MAJOR.MINOR``: a minor version only adds keys, so a reader of
``1.1`` reads ``1.0`` and ``1.7`` alike (ignoring keys it does not know) and refuses any other
major, as Terraform does with its JSON plans.

Light on purpose (no pydantic): the CLI imports it at start-up time.
"""

from __future__ import annotations

import re
from typing import Any, Final

__all__ = ["FORMAT_MAJOR", "FORMAT_VERSION", "envelope", "parse_version"]

FORMAT_VERSION: Final = "1.1"
"""The version of every JSON document this sovbundle writes."""
FORMAT_MAJOR: Final = 1

_VERSION = re.compile(r"(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})")


def envelope(key: str, data: Any, **extra: Any) -> dict[str, Any]:
    """``{"format_version": "1.1", key: data}``, with ``extra`` keys after ``data``."""
    return {"format_version": FORMAT_VERSION, key: data, **extra}


def parse_version(value: object) -> tuple[int, int] | None:
    """``(major, minor)`` of a ``format_version`` value, or ``None`` when it is not one."""
    if not isinstance(value, str):
        return None
    match = _VERSION.fullmatch(value)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2))
