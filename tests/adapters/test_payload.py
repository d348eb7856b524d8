"""The shared payload reader: types checked, numbers exact, every error naming its field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sovbundle.adapters._payload import Payload, plain
from sovbundle.errors import CatalogError

READER = Payload("acme", "https://api.example.test/prices")


def error_of(read: Any) -> CatalogError:
    with pytest.raises(CatalogError) as caught:
        read()
    assert caught.value.provider == "acme"
    assert caught.value.endpoint == "https://api.example.test/prices"
    return caught.value


def test_keyed_reads_join_the_path_and_the_key() -> None:
    body = {"plans": [{"price": 0.0512, "cores": 2}]}
    plan = READER.mapping(READER.array(body, "plans", "")[0], "plans[0]")
    assert READER.decimal(plan, "price", "plans[0]") == Decimal("0.0512")
    assert READER.integer(plan, "cores", "plans[0]", minimum=1) == 2
    assert error_of(lambda: READER.get(plan, "memory", "plans[0]")).field == "plans[0].memory"
    assert error_of(lambda: READER.get(body, "zones", "")).field == "zones"
    assert error_of(lambda: READER.obj(body, "plans", "")).field == "plans"
    assert error_of(lambda: READER.string({"a": 1}, "a", "x")).field == "x.a"


def test_a_keyed_read_of_a_non_object_names_the_object() -> None:
    error = error_of(lambda: READER.string([1], "name", "items[0]"))
    assert error.field == "items[0]"
    assert "expected an object, got an array" in error.message


def test_numbers_are_read_exactly_and_never_negative_or_infinite() -> None:
    assert READER.number(0.1, "p") == Decimal("0.1")  # not 0.1000000000000000055511151231257827
    assert READER.number(10**20, "p") == Decimal(10**20)
    for value in (-1, float("inf"), float("nan"), True, None, "0.1", [1]):
        assert error_of(lambda value=value: READER.number(value, "p")).field == "p"
    assert READER.number("0.25", "p", allow_string=True) == Decimal("0.25")
    for value in ("abc", "-1", "Infinity", "", False):
        error = error_of(lambda value=value: READER.number(value, "p", allow_string=True))
        assert error.field == "p"


def test_integers_refuse_bools_floats_and_values_below_the_minimum() -> None:
    for value in (True, 2.0, "2", None):
        assert error_of(lambda value=value: READER.integer({"n": value}, "n", "")).field == "n"
    error = error_of(lambda: READER.integer({"n": 0}, "n", "cpu", minimum=1))
    assert error.field == "cpu.n"
    assert "expected an integer >= 1, got 0" in error.message
    assert READER.integer({"n": 0}, "n", "cpu") == 0


def test_strings_lists_and_optional_reads() -> None:
    assert READER.text("fr-par", "zone") == "fr-par"
    assert error_of(lambda: READER.text("", "zone")).field == "zone"
    assert READER.strings({"tags": ["a", "b"]}, "tags", "[0]") == ["a", "b"]
    assert READER.strings({}, "tags", "[0]", default=[]) == []
    assert READER.strings({}, "tags", "[0]", default=("par",)) == ["par"]
    assert error_of(lambda: READER.strings({}, "tags", "[0]")).field == "[0].tags"
    assert error_of(lambda: READER.strings({"tags": None}, "tags", "", default=[])).field == "tags"
    assert error_of(lambda: READER.strings({"tags": ["a", 3]}, "tags", "[0]")).field == (
        "[0].tags[1]"
    )
    assert READER.optional_string({}, "flag", "e") is None
    assert READER.optional_string({"flag": None}, "flag", "e") is None
    assert READER.optional_string({"flag": ""}, "flag", "e") == ""
    assert error_of(lambda: READER.optional_string({"flag": 1}, "flag", "e")).field == "e.flag"
    assert READER.boolean({}, "enabled", "r", default=True) is True
    assert READER.boolean({"enabled": False}, "enabled", "r", default=True) is False
    assert error_of(lambda: READER.boolean({"enabled": None}, "enabled", "r", default=True)).field
    assert error_of(lambda: READER.boolean({"enabled": 1}, "enabled", "r", default=True)).field


def test_plain_drops_trailing_zeros_and_exponents() -> None:
    assert str(plain(Decimal("0.05120000"))) == "0.0512"
    assert str(plain(Decimal("5E+3"))) == "5000"
    assert str(plain(Decimal("7.00"))) == "7"


def test_require_eur_refuses_other_currencies_naming_the_field() -> None:
    READER.require_eur({"currency": "EUR"}, "currency", "")
    error = error_of(lambda: READER.require_eur({"code": "USD"}, "code", "locale"))
    assert error.field == "locale.code"
    assert "unsupported currency 'USD' (EUR expected)" in error.message
    assert error_of(lambda: READER.require_eur({}, "code", "locale")).field == "locale.code"
