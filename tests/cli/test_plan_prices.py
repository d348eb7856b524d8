"""``plan --prices`` and ``--csv``: the planner optimises on the prices paid, the plan shows
list prices next to them and records the book's digest; the CSV is a price schedule."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from sovbundle.catalog import select as catalog_module
from sovbundle.catalog.pricing import apply_price_book, list_unit_price
from sovbundle.cli import main
from sovbundle.render.schedule import COLUMNS
from sovbundle.spec.pricebook import LoadedPriceBook, PriceBook
from tests.cli.test_plan_cmds import synthetic_catalog, write_bundle
from tests.support.synthetic import catalog, database, provider, storage

BOOK = """\
version: 1
name: deal
channel: framework X
valid_until: 2099-12-31
rules:
  - {provider: scaleway, kind: database, monthly_price: 20, channel: negotiated}
  - {provider: ovhcloud, sku: "b3-*", discount_percent: 10}
"""


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("SOVBUNDLE_CONFIG", raising=False)
    monkeypatch.delenv("SOVBUNDLE_PRICES", raising=False)
    monkeypatch.setattr(catalog_module, "load_catalogs", lambda *a, **k: synthetic_catalog())


def book(tmp_path: Path, text: str = BOOK, name: str = "book.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def plan(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(["plan", *args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data, dict)
    return data


def test_the_plan_is_optimised_on_the_prices_paid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = str(write_bundle(tmp_path))
    listed = plan([bundle], capsys)
    # At list prices: api on scaleway (2 x 32), db on ovhcloud (40).
    assert listed["total_monthly"] == 104.0 and "pricing" not in listed
    assert "channel" not in listed["placements"][0]  # type: ignore[index]
    path = book(tmp_path)
    paid = plan([bundle, "--prices", str(path)], capsys)
    # Paid: api on ovhcloud (2 x 27, 10% off 30), db on scaleway (20 negotiated).
    assert paid["total_monthly"] == 74.0
    rows = {r["component"]: r for r in paid["placements"]}  # type: ignore[attr-defined]
    assert rows["api"]["provider"] == "ovhcloud" and rows["db"]["provider"] == "scaleway"
    assert rows["api"]["unit_price"] == 27.0 and rows["api"]["list_unit_price"] == 30.0
    assert rows["api"]["monthly"] == 54.0 and rows["api"]["list_monthly"] == 60.0
    assert rows["api"]["channel"] == "framework X"
    assert rows["db"]["monthly"] == 20.0 and rows["db"]["list_monthly"] == 45.0
    assert rows["db"]["channel"] == "negotiated"
    pricing = paid["pricing"]
    assert pricing == {  # type: ignore[comparison-overlap]
        "book": {
            "name": "deal",
            "path": str(path),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "channel": "framework X",
            "valid_from": None,
            "valid_until": "2099-12-31",
        },
        "paid_total_monthly": 74.0,
        "list_total_monthly": 105.0,
    }
    assert paid["format_version"] == "1.1"


def test_the_terminal_shows_both_prices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(write_bundle(tmp_path)), "--prices", str(book(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "list EUR/month" in out and "negotiated" in out
    assert "paid 74.00 EUR/month, list 105.00 EUR/month" in out


def test_the_config_gives_a_default_book(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('prices = "book.yaml"\n')  # relative to the config file
    book(tmp_path)
    monkeypatch.setenv("SOVBUNDLE_CONFIG", str(config))
    assert plan([str(write_bundle(tmp_path))], capsys)["total_monthly"] == 74.0
    dearer = book(tmp_path, BOOK.replace("20,", "44,"), "dearer.yaml")
    monkeypatch.setenv("SOVBUNDLE_PRICES", str(dearer))
    # The environment wins over the file: api on ovhcloud 54 + db on scaleway 44.
    assert plan([str(write_bundle(tmp_path))], capsys)["total_monthly"] == 98.0
    # --prices wins over both.
    assert (
        plan([str(write_bundle(tmp_path)), "--prices", str(book(tmp_path))], capsys)[
            "total_monthly"
        ]
        == 74.0
    )


def test_an_expired_book_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = book(tmp_path, BOOK.replace("2099-12-31", "2020-01-31"))
    assert main(["plan", str(write_bundle(tmp_path)), "--prices", str(path)]) == 3
    err = capsys.readouterr().err
    assert f"{path}:4:14: price book 'deal' expired on 2020-01-31" in err
    assert "Traceback" not in err


def test_csv_price_schedule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "schedule.csv"
    target.parent.mkdir()  # a missing parent is an error, not created (-o rules)
    bundle = str(write_bundle(tmp_path))
    args = [bundle, "--prices", str(book(tmp_path)), "--csv", str(target)]
    data = plan(args, capsys)
    raw = target.read_bytes()
    assert raw.endswith(b"\r\n") and sorted(p.name for p in target.parent.iterdir()) == [
        "schedule.csv"
    ]
    rows = list(csv.DictReader(io.StringIO(raw.decode())))
    assert tuple(rows[0]) == COLUMNS
    lines, total = rows[:-1], rows[-1]
    assert [(r["component"], r["channel"]) for r in lines] == [
        ("api", "framework X"),
        ("db", "negotiated"),
    ]
    for row in lines:
        paid = Decimal(row["unit_price_eur"]) * Decimal(row["quantity"])
        assert paid == Decimal(row["monthly_eur"])
    assert Decimal(total["monthly_eur"]) == Decimal(str(data["total_monthly"]))
    assert total["list_monthly_eur"] == "105.00"
    # Same inputs, same bytes.
    plan(args, capsys)
    assert target.read_bytes() == raw


def test_csv_refuses_the_bundle_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = write_bundle(tmp_path)
    assert main(["plan", str(bundle), "--csv", str(bundle)]) == 2
    assert "refusing to overwrite the bundle" in capsys.readouterr().err


def _loaded(rules: list[dict[str, object]]) -> LoadedPriceBook:
    data = {"version": 1, "name": "b", "channel": "c", "valid_until": "2099-01-01"}
    return LoadedPriceBook(
        PriceBook.model_validate({**data, "rules": rules}), Path("b.yaml"), "0" * 64
    )


def test_a_discount_scales_every_price_of_an_offer() -> None:
    cat = catalog(
        [provider("ovhcloud", {"GRA": "FR"})],
        [
            database("ovhcloud", "GRA", "pg", "40", extra_storage_gb_month=Decimal("0.2")),
            storage("ovhcloud", "GRA", "std", "0.01", egress="0.02"),
        ],
    )
    priced = apply_price_book(cat, _loaded([{"provider": "ovhcloud", "discount_percent": 25}]))
    db, bucket = sorted(priced.catalog.offers(), key=lambda o: o.kind)
    assert db.monthly == Decimal(30)
    assert list_unit_price("extra_storage", db) == Decimal("0.15")
    assert list_unit_price("storage", bucket) == Decimal("0.0075")
    assert list_unit_price("egress", bucket) == Decimal("0.015")
    listed, channel = priced.lookup(db)
    assert channel == "c" and listed is not None and listed.monthly == Decimal(40)


def test_first_matching_rule_wins_and_unmatched_offers_stay_listed() -> None:
    cat = synthetic_catalog()
    priced = apply_price_book(
        cat,
        _loaded(
            [
                {"provider": "ovhcloud", "kind": "vm", "sku": "b3-*", "monthly_price": 1},
                {"provider": "ovhcloud", "discount_percent": 50},
            ]
        ),
    )
    by = {(o.provider, o.kind): o for o in priced.catalog.offers()}
    assert by["ovhcloud", "vm"].monthly == Decimal(1)
    assert by["ovhcloud", "database"].monthly == Decimal(20)
    assert by["scaleway", "vm"].monthly == Decimal(32)
    assert priced.lookup(by["scaleway", "vm"])[1] == "list"
    assert priced.paid["ovhcloud", "vm", "GRA", "b3-8"].rule == 0
