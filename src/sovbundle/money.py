"""Money: amounts in EUR as ``Decimal``, rounded half-even to cents or to unit-price precision."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

__all__ = ["CENT", "MICRO", "cents", "money", "unit_price"]


CENT = Decimal("0.01")
MICRO = Decimal("0.000001")


def money(amount: Decimal) -> Decimal:
    """An amount in EUR rounded to cents, half-even."""
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


def cents(amount: Decimal) -> int:
    """An amount in EUR as integer cents (rounded half-even)."""
    return int(money(amount) * 100)


def unit_price(amount: Decimal) -> Decimal:
    """A unit price with 6 decimals, half-even."""
    return amount.quantize(MICRO, rounding=ROUND_HALF_EVEN)
