"""How numbers, sizes and dates read wherever sovbundle shows them to people (never JSON).

Pure and import-light. One style everywhere:

* money: a narrow gap as thousands separator and two decimals (``4 104.22``), the style the
  plan table has always used;
* counts: the same separator (``12 345``);
* sizes: at most two decimals, no binary-fraction artefacts (``0.09765625`` reads ``0.1``,
  ``0.48828125`` reads ``0.49``), trailing zeros dropped (``8``, not ``8.00``);
* dates: ISO 8601 dates (``2026-11-02``), times only where the age matters (``fetched``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

__all__ = ["amount", "count", "iso_date", "size"]

_THOUSANDS = " "


def amount(value: Decimal | None, signed: bool = False) -> str:
    """``1 234.56`` (space as thousands separator), optionally with a sign; ``-`` for None."""
    if value is None:
        return "-"
    text = f"{abs(value):,.2f}".replace(",", _THOUSANDS)
    if signed:
        return f"{'-' if value < 0 else '+'}{text}"
    return f"-{text}" if value < 0 else text


def count(value: int) -> str:
    """``12 345``."""
    return f"{value:,}".replace(",", _THOUSANDS)


def size(value: Decimal | float | int | None) -> str:
    """A quantity (GB, vCPUs) for people: at most two decimals, no trailing zeros,
    thousands separated: ``0.1``, ``0.49``, ``8``, ``2 000``; ``?`` for None."""
    if value is None:
        return "?"
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    rounded = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    if rounded == 0 and exact != 0:  # keep a tiny value visible rather than print 0
        rounded = exact.normalize()
    whole, _, frac = f"{rounded:f}".partition(".")
    frac = frac.rstrip("0")
    sign = "-" if whole.startswith("-") else ""
    grouped = f"{int(whole.lstrip('-') or 0):,}".replace(",", _THOUSANDS)
    return f"{sign}{grouped}.{frac}" if frac else f"{sign}{grouped}"


def iso_date(text: str | None) -> str:
    """The ISO date of a timestamp or date (``2026-11-02T10:00:00Z`` -> ``2026-11-02``)."""
    if not text:
        return "?"
    return text[:10]
