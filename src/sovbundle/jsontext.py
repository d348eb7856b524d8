"""The one JSON encoder of plans and listings: ``Decimal`` numbers written exactly.

Keys keep their order, indentation is two spaces a level, a ``Decimal`` is a plain JSON number
(``12.30``, ``0.000012``: never an exponent, never a float round-trip) and a float is rounded to
9 decimals and written as a plain decimal too. Text read back with ``json.loads(...,
parse_float=Decimal)`` encodes to the same text (``plan.body_sha256`` relies on it).
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

_key = json.encoder.encode_basestring_ascii
_text = json.encoder.encode_basestring

__all__ = ["dumps"]


def dumps(value: Any) -> str:
    """The JSON text of ``value`` (UTF-8, 2-space indent, trailing newline)."""
    out: list[str] = []
    _encode(value, "\n", out)
    out.append("\n")
    return "".join(out)


def _number(value: Decimal) -> str:
    """A Decimal as a plain JSON number (never an exponent, never a float round-trip)."""
    text = format(value, "f")
    return "0" if text in ("-0", "") else text


def _encode(value: Any, pad: str, out: list[str]) -> None:
    """Append the text of ``value`` to ``out``; ``pad`` is a newline and the current indent.

    Strings are escaped by the ``json`` module's own functions: keys as ``json.dumps`` writes
    them (ASCII), values as ``json.dumps(..., ensure_ascii=False)`` does."""
    if isinstance(value, str):
        out.append(_text(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = pad + "  "
        lead = "{" + inner
        for key, item in value.items():
            out.append(lead)
            out.append(_key(str(key)))
            out.append(": ")
            _encode(item, inner, out)
            lead = "," + inner
        out.append(pad + "}")
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        inner = pad + "  "
        lead = "[" + inner
        for item in value:
            out.append(lead)
            _encode(item, inner, out)
            lead = "," + inner
        out.append(pad + "]")
    elif isinstance(value, Decimal):
        out.append(_number(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, float):
        # A NaN or infinity is a bug to report, never invalid JSON to print.
        if not math.isfinite(value):
            raise ValueError(f"Out of range float value {value!r} in plan JSON")
        out.append(_number(Decimal(repr(round(value, 9)))))
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    else:
        out.append(json.dumps(value, ensure_ascii=False))  # anything else: json's own error
