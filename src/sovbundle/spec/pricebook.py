"""Price books: the prices a buyer really pays, over the catalog's list prices.

A price book is a YAML file (``plan --prices FILE``, or ``prices`` in the config)::

    version: 1
    name: ugap-cloud-2026
    channel: UGAP cloud framework 2026   # label of every rule that sets none
    valid_from: 2026-01-01               # optional
    valid_until: 2027-12-31
    rules:                               # the first rule matching an offer applies
      - {provider: ovhcloud, discount_percent: 12}
      - {provider: scaleway, kind: object_storage, discount_percent: 20, channel: negotiated}
      - {provider: outscale, kind: vm, sku: "tinav5.c16r64p1", monthly_price: 410}

A rule matches on ``provider`` and optionally ``kind``, ``region`` and ``sku`` (shell-style
patterns, case-sensitive: ``b3-*``). ``discount_percent`` scales every price of the offer (unit
price, published monthly price, extra storage, object storage egress); ``monthly_price`` sets
the price of one unit per month (per GB-month for object storage) and leaves the other prices as
listed. It is read by the same machinery as bundles: one located ``file:line:col`` message per
problem, no unknown key, and a JSON Schema (``schema/pricebook.schema.json``).

A book outside its validity dates is refused (exit 3): its prices are no longer (or not yet)
the prices paid, and a plan priced on them would be wrong without saying so.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from sovbundle.errors import BundleError, SpecIssue
from sovbundle.models import KINDS, ProviderId
from sovbundle.spec.loader import read_limited, root_node
from sovbundle.spec.messages import did_you_mean, label
from sovbundle.spec.yamlpos import Mark, Node, shorten

__all__ = ["LoadedPriceBook", "PriceBook", "PriceRule", "json_schema", "load_price_book"]

Kind = Literal["vm", "app", "database", "object_storage", "kubernetes"]
assert tuple(Kind.__args__) == KINDS  # type: ignore[attr-defined]

Label = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Pattern = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, use_attribute_docstrings=True
    )


class PriceRule(_Strict):
    """Which offers a rule covers, and what the buyer pays for them."""

    provider: ProviderId
    """The provider whose offers the rule covers."""
    kind: Kind | None = None
    """Only offers of this kind; omitted: every kind."""
    region: Pattern = "*"
    """Region id pattern (``fr-par-*``); omitted: every region."""
    sku: Pattern = "*"
    """SKU pattern (``b3-*``, ``POP2-4C-16G``); omitted: every SKU."""
    discount_percent: (
        Annotated[Decimal, Field(ge=0, lt=100, strict=False, allow_inf_nan=False)] | None
    ) = None
    """Percentage off every list price of the offer (12.5 means 12.5% off)."""
    monthly_price: (
        Annotated[Decimal, Field(ge=0, le=10_000_000, strict=False, allow_inf_nan=False)] | None
    ) = None
    """EUR per unit and month excluding VAT (per GB-month for object storage)."""
    channel: Label | None = None
    """The channel of this rule's prices; omitted: the book's ``channel``."""

    @model_validator(mode="after")
    def _one_price(self) -> Self:
        if (self.discount_percent is None) == (self.monthly_price is None):
            raise ValueError("set exactly one of discount_percent and monthly_price")
        return self


class PriceBook(_Strict):
    """A price book, version 1."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        use_attribute_docstrings=True,
        title="sovbundle price book v1",
    )

    version: Literal[1]
    """Price book version; always 1."""
    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    """Book name: letters, digits, '.', '_' or '-'."""
    channel: Label
    """How these prices are obtained: ``negotiated``, a framework contract's name..."""
    valid_from: Annotated[date, Field(strict=False)] | None = None
    """First day the prices hold (ISO date); omitted: already valid."""
    valid_until: Annotated[date, Field(strict=False)]
    """Last day the prices hold (ISO date)."""
    rules: Annotated[tuple[PriceRule, ...], Field(min_length=1, max_length=10_000, strict=False)]
    """The rules, first match wins."""


def json_schema() -> dict[str, Any]:
    """The JSON Schema of price book files."""
    return PriceBook.model_json_schema()


@dataclass(frozen=True)
class LoadedPriceBook:
    """A validated price book with the file it came from and its digest."""

    book: PriceBook
    path: Path
    sha256: str


_WHAT = "price book"


def load_price_book(path: Path, today: date) -> LoadedPriceBook:
    """Load, validate and date-check a price book; BundleError (exit 3) with located issues."""
    name = str(path)
    try:
        raw = read_limited(path, _WHAT)
        root = root_node(raw, name, _WHAT)
    except BundleError as exc:
        raise BundleError(exc.issues, _WHAT) from exc
    try:
        book = PriceBook.model_validate(root.value)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # pydantic adds "too short" to a list whose items failed: the item errors say it all.
        deeper = {tuple(e["loc"][:1]) for e in errors if len(e["loc"]) > 1}
        errors = [e for e in errors if not (e["type"] == "too_short" and e["loc"] in deeper)]
        issues = [_issue(name, root, error) for error in errors[:200]]
        raise BundleError(sorted(set(issues)), _WHAT) from exc
    if book.valid_until < today:
        mark = _mark(root, ("valid_until",))
        raise BundleError(
            [
                SpecIssue(
                    name,
                    mark.line,
                    mark.column,
                    f"price book {book.name!r} expired on {book.valid_until.isoformat()} "
                    f"(today is {today.isoformat()}): renew its prices or plan without it",
                )
            ],
            _WHAT,
        )
    if book.valid_from is not None and book.valid_from > today:
        mark = _mark(root, ("valid_from",))
        raise BundleError(
            [
                SpecIssue(
                    name,
                    mark.line,
                    mark.column,
                    f"price book {book.name!r} is valid from {book.valid_from.isoformat()} "
                    f"only (today is {today.isoformat()})",
                )
            ],
            _WHAT,
        )
    return LoadedPriceBook(book, path, hashlib.sha256(raw).hexdigest())


def _mark(root: Node, path: Sequence[str | int], key: bool = False) -> Mark:
    node, key_mark = root, None
    for part in path:
        child = node.children.get(part)
        if child is None:
            return key_mark or node.mark
        key_mark = node.key_marks.get(part) if isinstance(part, str) else None
        node = child
    return key_mark if key and key_mark is not None else node.mark


_KEYS = {
    (): sorted(PriceBook.model_fields),
    ("rules",): sorted(PriceRule.model_fields),
}


def _issue(name: str, root: Node, error: Any) -> SpecIssue:
    loc = tuple(part for part in error["loc"] if not isinstance(part, str) or part)
    kind = error["type"]
    if kind == "extra_forbidden":
        owner = tuple(p for p in loc[:-1] if isinstance(p, str))
        key = str(loc[-1])
        allowed = _KEYS.get(owner, [])
        mark = _mark(root, loc, key=True)
        where = f"{label(loc[:-1])}: " if loc[:-1] else ""
        message = (
            f"{where}unknown key {shorten(key)!r}{did_you_mean(key, allowed)}; "
            f"allowed: {', '.join(allowed)}"
        )
        return SpecIssue(name, mark.line, mark.column, message)
    mark = _mark(root, loc)
    text = str(error["msg"]).removeprefix("Value error, ")
    where = label(loc) if loc else "price book"
    if kind == "missing":
        return SpecIssue(name, mark.line, mark.column, f"{where}: required key missing")
    if kind == "model_type" and not loc:
        text = "a price book must be a mapping with keys version, name, channel, valid_until, rules"
    return SpecIssue(name, mark.line, mark.column, f"{where}: {text}")
