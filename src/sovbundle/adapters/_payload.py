"""Typed, path-tracking reads of untrusted JSON bodies, for adapters' ``normalize``.

A provider payload is ``Any``: every access goes through a ``Payload`` reader, which checks the
type and raises ``CatalogError`` naming the provider, the endpoint and the JSON path of the
field (``addons[3].pricings[0].price``), so a malformed body never surfaces as a ``KeyError`` or
``TypeError`` and never yields a silently wrong price.

Two kinds of method:

* keyed reads ``(obj, key, path)``: the ``key`` of the object found at ``path`` (``""`` for the
  body itself); ``obj`` is checked to be an object, and errors name ``path.key``;
* value reads ``(value, path)``: a value already in hand (an array item, a body, a value with
  a caller-chosen default), named ``path`` in errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sovbundle.errors import CatalogError

__all__ = ["Payload", "plain"]


@dataclass(frozen=True)
class Payload:
    """Reader of one endpoint's parsed body; ``path`` arguments name the field being read."""

    provider: str
    endpoint: str

    def error(self, message: str, path: str | None = None) -> CatalogError:
        """A CatalogError about this endpoint (and field, when given)."""
        return CatalogError(self.provider, message, endpoint=self.endpoint, field=path)

    # Value reads -------------------------------------------------------------------------

    def mapping(self, value: Any, path: str) -> dict[str, Any]:
        """``value`` as a JSON object."""
        if not isinstance(value, dict):
            raise self.error(f"expected an object, got {_kind(value)}", path)
        return value

    def sequence(self, value: Any, path: str) -> list[Any]:
        """``value`` as a JSON array."""
        if not isinstance(value, list):
            raise self.error(f"expected an array, got {_kind(value)}", path)
        return value

    def text(self, value: Any, path: str) -> str:
        """``value`` as a non-empty string."""
        if not isinstance(value, str) or not value:
            raise self.error(f"expected a non-empty string, got {_kind(value)}", path)
        return value

    def number(self, value: Any, path: str, *, allow_string: bool = False) -> Decimal:
        """``value`` as a non-negative finite number, read exactly; a decimal string (``"1.5"``)
        only when ``allow_string`` (a bool is never a number)."""
        allowed: tuple[type, ...] = (int, float, str) if allow_string else (int, float)
        if isinstance(value, bool) or not isinstance(value, allowed):
            raise self.error(f"expected a number, got {_kind(value)}", path)
        try:
            # str() of a float is its shortest round-trip form: 0.0512, not 0.0512000000000001.
            number = Decimal(str(value))
        except InvalidOperation:
            raise self.error(f"expected a number, got {value!r}", path) from None
        if not number.is_finite() or number < 0:
            raise self.error(f"expected a finite number >= 0, got {value!r}", path)
        return number

    # Keyed reads -------------------------------------------------------------------------

    def get(self, obj: Any, key: str, path: str) -> Any:
        """A required key of ``obj`` (``path`` is the object's own path)."""
        obj = self.mapping(obj, path)
        if key not in obj:
            raise self.error("missing field", _join(path, key))
        return obj[key]

    def obj(self, obj: Any, key: str, path: str) -> dict[str, Any]:
        """A required key of ``obj`` holding an object."""
        return self.mapping(self.get(obj, key, path), _join(path, key))

    def array(self, obj: Any, key: str, path: str) -> list[Any]:
        """A required key of ``obj`` holding an array."""
        return self.sequence(self.get(obj, key, path), _join(path, key))

    def string(self, obj: Any, key: str, path: str) -> str:
        """A required key of ``obj`` holding a non-empty string."""
        return self.text(self.get(obj, key, path), _join(path, key))

    def strings(
        self, obj: Any, key: str, path: str, *, default: Sequence[str] | None = None
    ) -> list[str]:
        """A key of ``obj`` holding an array of non-empty strings; ``default`` when it is
        absent (required when no default is given)."""
        if default is not None and key not in self.mapping(obj, path):
            return list(default)
        field = _join(path, key)
        items = self.sequence(self.get(obj, key, path), field)
        return [self.text(item, f"{field}[{i}]") for i, item in enumerate(items)]

    def optional_string(self, obj: Any, key: str, path: str) -> str | None:
        """A key of ``obj`` holding a string (possibly empty), or None when absent or null."""
        value = self.mapping(obj, path).get(key)
        if value is not None and not isinstance(value, str):
            raise self.error(f"expected a string, got {_kind(value)}", _join(path, key))
        return value

    def boolean(self, obj: Any, key: str, path: str, *, default: bool) -> bool:
        """A key of ``obj`` holding a boolean, ``default`` when absent (null is refused)."""
        value = self.mapping(obj, path).get(key, default)
        if not isinstance(value, bool):
            raise self.error(f"expected a boolean, got {_kind(value)}", _join(path, key))
        return value

    def integer(self, obj: Any, key: str, path: str, *, minimum: int = 0) -> int:
        """A required key of ``obj`` holding an integer >= ``minimum`` (a float is refused)."""
        value = self.get(obj, key, path)
        # bool is an int subclass; a float here would mean a price or count lost its encoding.
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"expected an integer, got {_kind(value)}", _join(path, key))
        if value < minimum:
            raise self.error(f"expected an integer >= {minimum}, got {value}", _join(path, key))
        return value

    def decimal(self, obj: Any, key: str, path: str, *, allow_string: bool = False) -> Decimal:
        """A required key of ``obj`` holding a non-negative finite number (see ``number``)."""
        return self.number(self.get(obj, key, path), _join(path, key), allow_string=allow_string)

    def require_eur(self, obj: Any, key: str, path: str) -> None:
        """Check that a required key of ``obj`` holds the currency code ``EUR``: prices are
        compared in euros only, and a body in another currency is refused, not converted."""
        currency = self.string(obj, key, path)
        if currency != "EUR":
            raise self.error(f"unsupported currency {currency!r} (EUR expected)", _join(path, key))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "a string" if isinstance(value, str) else type(value).__name__


def plain(number: Decimal) -> Decimal:
    """``number`` without trailing zeros or an exponent (``0.05120000`` -> ``0.0512``)."""
    reduced = number.normalize()
    if reduced != reduced.to_integral_value():
        return reduced
    try:
        return reduced.quantize(Decimal(1))
    except InvalidOperation:  # more digits than the context holds: keep the exponent form
        return reduced
