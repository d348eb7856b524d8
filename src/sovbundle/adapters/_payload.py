"""Typed reads from parsed JSON payloads that raise CatalogError naming provider, endpoint, field.

Adapters read untrusted JSON: every access goes through these helpers so a payload of the wrong
shape becomes a ``CatalogError`` that says where it went wrong, never a ``KeyError`` or a
``TypeError``, and every number becomes an exact ``Decimal`` (``Decimal(str(float))``: the
shortest repr of a JSON float, not its binary expansion).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sovbundle.errors import CatalogError

__all__ = ["Reader"]


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


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
