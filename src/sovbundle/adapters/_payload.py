"""Typed, path-tracking reads of untrusted JSON bodies, for adapters' ``normalize``.

A provider payload is ``Any``: every access goes through a ``Payload`` reader, which checks the
type and raises ``CatalogError`` naming the provider, the endpoint and the JSON path of the
field (``addons[3].pricings[0].price``), so a malformed body never surfaces as a ``KeyError`` or
``TypeError`` and never yields a silently wrong price.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sovbundle.errors import CatalogError

__all__ = ["Payload", "Reader", "plain"]


@dataclass(frozen=True)
class Payload:
    """Reader of one endpoint's parsed body; ``path`` arguments name the field being read."""

    provider: str
    endpoint: str

    def error(self, message: str, path: str | None = None) -> CatalogError:
        """A CatalogError about this endpoint (and field, when given)."""
        return CatalogError(self.provider, message, endpoint=self.endpoint, field=path)

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
        value = self.get(obj, key, path)
        if not isinstance(value, str) or not value:
            raise self.error(f"expected a non-empty string, got {_kind(value)}", _join(path, key))
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

    def decimal(self, obj: Any, key: str, path: str) -> Decimal:
        """A required key of ``obj`` holding a non-negative JSON number, read exactly."""
        value = self.get(obj, key, path)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(f"expected a number, got {_kind(value)}", _join(path, key))
        # str() of a float is its shortest round-trip form: 0.0512, not 0.05120000000000000106.
        number = Decimal(str(value))
        if not number.is_finite() or number < 0:
            raise self.error(f"expected a finite number >= 0, got {value}", _join(path, key))
        return number


@dataclass(frozen=True)
class Reader:
    """Reads one endpoint's payload of one provider; errors name both."""

    provider: str
    endpoint: str

    def error(self, field: str, message: str) -> CatalogError:
        return CatalogError(self.provider, message, endpoint=self.endpoint, field=field)

    def obj(self, value: Any, field: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(field, f"expected an object, got {_kind(value)}")
        return value

    def array(self, value: Any, field: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.error(field, f"expected an array, got {_kind(value)}")
        return value

    def key(self, parent: dict[str, Any], name: str, field: str) -> Any:
        if name not in parent:
            raise self.error(f"{field}.{name}" if field else name, "missing")
        return parent[name]

    def string(self, parent: dict[str, Any], name: str, field: str) -> str:
        return self.text(self.key(parent, name, field), f"{field}.{name}")

    def text(self, value: Any, field: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.error(field, f"expected a non-empty string, got {_kind(value)}")
        return value

    def strings(self, value: Any, field: str) -> list[str]:
        return [self.text(item, f"{field}[{i}]") for i, item in enumerate(self.array(value, field))]

    def opt_string(self, parent: dict[str, Any], name: str, field: str) -> str | None:
        value = parent.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(f"{field}.{name}", f"expected a string, got {_kind(value)}")
        return value

    def boolean(self, parent: dict[str, Any], name: str, field: str, default: bool) -> bool:
        value = parent.get(name, default)
        if not isinstance(value, bool):
            raise self.error(f"{field}.{name}", f"expected a boolean, got {_kind(value)}")
        return value

    def integer(self, parent: dict[str, Any], name: str, field: str) -> int:
        value = self.key(parent, name, field)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.error(
                f"{field}.{name}", f"expected a non-negative integer, got {_kind(value)}"
            )
        return value

    def decimal(self, parent: dict[str, Any], name: str, field: str) -> Decimal:
        """A non-negative finite JSON number, exactly as written."""
        return self.to_decimal(self.key(parent, name, field), f"{field}.{name}")

    def to_decimal(self, value: Any, field: str, *, allow_string: bool = False) -> Decimal:
        """A non-negative finite number; a decimal string only when ``allow_string``."""
        allowed: tuple[type, ...] = (int, float, str) if allow_string else (int, float)
        if isinstance(value, bool) or not isinstance(value, allowed):
            raise self.error(field, f"expected a number, got {_kind(value)}")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise self.error(field, f"expected a number, got {value!r}") from None
        if not number.is_finite() or number < 0:
            raise self.error(field, f"expected a non-negative finite number, got {value!r}")
        return number


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
