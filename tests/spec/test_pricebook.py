"""Price books: validated like bundles (located one-line errors, no unknown key, a committed
schema), refused outside their validity dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from sovbundle.cli import main
from sovbundle.cli.bundle_cmds import schema_bytes
from sovbundle.errors import BundleError
from sovbundle.spec.pricebook import load_price_book

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "bundles" / "prices" / "example-framework.yaml"
TODAY = date(2026, 12, 2)

GOOD = """\
version: 1
name: book
channel: negotiated
valid_until: 2027-06-30
rules:
  - {provider: ovhcloud, discount_percent: 12.5}
  - provider: scaleway
    kind: vm
    sku: "POP2-*"
    monthly_price: 61.5
    channel: framework X
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "book.yaml"
    path.write_text(text)
    return path


def issues(path: Path) -> list[str]:
    with pytest.raises(BundleError) as caught:
        load_price_book(path, TODAY)
    assert caught.value.lines()[-1].endswith("in price book")
    return [str(issue) for issue in caught.value.issues]


def test_a_good_book_loads_with_its_digest(tmp_path: Path) -> None:
    loaded = load_price_book(write(tmp_path, GOOD), TODAY)
    assert loaded.book.rules[0].discount_percent == Decimal("12.5")
    assert loaded.book.rules[1].monthly_price == Decimal("61.5")
    assert loaded.book.valid_until == date(2027, 6, 30)
    assert len(loaded.sha256) == 64


def test_the_example_book_loads() -> None:
    assert load_price_book(EXAMPLE, TODAY).book.rules


def test_unknown_key_is_located_with_a_hint(tmp_path: Path) -> None:
    text = GOOD.replace("    channel: framework X", "    chanel: framework X")
    (found,) = issues(write(tmp_path, text))
    assert found.startswith(f"{tmp_path / 'book.yaml'}:11:5: rules[1]: unknown key 'chanel'")
    assert "did you mean 'channel'" in found


def test_a_rule_sets_exactly_one_price(tmp_path: Path) -> None:
    text = GOOD.replace("discount_percent: 12.5", "discount_percent: 12.5, monthly_price: 3")
    (found,) = issues(write(tmp_path, text))
    assert ":6:5: rules[0]: set exactly one of discount_percent and monthly_price" in found


def test_bad_values_each_get_a_line(tmp_path: Path) -> None:
    text = GOOD.replace("12.5", "120").replace("provider: scaleway", "provider: aws")
    found = issues(write(tmp_path, text))
    assert len(found) == 2
    assert any(":6:" in f and "discount_percent" in f for f in found)
    assert any(":7:" in f and "rules[1].provider" in f for f in found)


def test_missing_key(tmp_path: Path) -> None:
    (found,) = issues(write(tmp_path, GOOD.replace("valid_until: 2027-06-30\n", "")))
    assert found.endswith(": valid_until: required key missing")


def test_an_expired_book_is_refused(tmp_path: Path) -> None:
    (found,) = issues(write(tmp_path, GOOD.replace("2027-06-30", "2026-11-30")))
    assert ":4:14: price book 'book' expired on 2026-11-30 (today is 2026-12-02)" in found


def test_a_book_not_yet_valid_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("valid_until", "valid_from: 2027-01-01\nvalid_until")
    (found,) = issues(write(tmp_path, text))
    assert "is valid from 2027-01-01 only" in found


def test_not_a_file_and_yaml_errors_are_one_line(tmp_path: Path) -> None:
    assert issues(tmp_path / "none.yaml") == [f"{tmp_path / 'none.yaml'}: no such file"]
    (found,) = issues(write(tmp_path, "version: 1\nversion: 1\n"))
    assert ":2:1:" in found


def test_committed_schema_is_what_the_command_generates(
    capsys: pytest.CaptureFixture[str],
) -> None:
    committed = (ROOT / "schema" / "pricebook.schema.json").read_bytes()
    assert committed == schema_bytes(price_book=True), "run `make schema` and commit the result"
    assert main(["schema", "--price-book"]) == 0
    assert capsys.readouterr().out.encode() == committed
