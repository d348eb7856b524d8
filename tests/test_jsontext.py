"""jsontext.dumps: the one encoder of plans, checked against the json module itself."""

from __future__ import annotations

import json
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sovbundle.jsontext import dumps

_plain = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(alphabet=st.characters(max_codepoint=126), max_size=6), inner,
                      max_size=4),
    max_leaves=25,
)  # fmt: skip


@given(_plain)
def test_plain_values_read_as_json_dumps_writes_them(value: Any) -> None:
    # ASCII keys and no Decimal: the text is json's own indent=2 rendering, and reads back.
    text = dumps(value)
    assert text == json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    assert json.loads(text) == value


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6))
def test_decimals_are_plain_numbers_that_read_back_exactly(value: Decimal) -> None:
    text = dumps({"amount": value}).strip()
    assert "e" not in text.lower()
    assert json.loads(text, parse_float=Decimal, parse_int=Decimal)["amount"] == value


def test_exact_layout() -> None:
    class Colour(StrEnum):
        RED = "red"

    value = {
        "a": [Decimal("12.30"), Decimal("0.000012"), Decimal("-0"), 0.1 + 0.2],
        "é": 'é\n"',
        "e": {},
        "l": [],
        "t": (True, False, None, 7),
        "c": Colour.RED,
    }
    assert dumps(value) == (
        "{\n"
        '  "a": [\n    12.30,\n    0.000012,\n    0,\n    0.3\n  ],\n'
        '  "\\u00e9": "é\\n\\"",\n'
        '  "e": {},\n'
        '  "l": [],\n'
        '  "t": [\n    true,\n    false,\n    null,\n    7\n  ],\n'
        '  "c": "red"\n'
        "}\n"
    )


def test_non_finite_floats_and_unknown_objects_are_errors() -> None:
    with pytest.raises(ValueError, match="Out of range float"):
        dumps([float("nan")])
    with pytest.raises(TypeError):
        dumps({"x": object()})
