"""The one JSON encoder of plans and listings: ``Decimal`` numbers written exactly.

Keys keep their order, indentation is two spaces a level, a ``Decimal`` is a plain JSON number
(``12.30``, ``0.000012``: never an exponent, never a float round-trip) and a float is rounded to
9 decimals and written as a plain decimal too. Text read back with ``json.loads(...,
parse_float=Decimal)`` encodes to the same text (``plan.body_sha256`` relies on it).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

__all__ = ["dumps"]


def dumps(value: Any) -> str:
    """The JSON text of ``value`` (UTF-8, 2-space indent, trailing newline)."""
    return _encode(value, 0) + "\n"


def _number(value: Decimal) -> str:
    """A Decimal as a plain JSON number (never an exponent, never a float round-trip)."""
    text = format(value, "f")
    return "0" if text in ("-0", "") else text


def _encode(value: Any, indent: int) -> str:
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(str(k))}: {_encode(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        items = [f"{inner}{_encode(v, indent + 1)}" for v in value]
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, float):
        return _number(Decimal(repr(round(value, 9))))
    return json.dumps(value, ensure_ascii=False)
