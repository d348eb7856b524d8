"""`services` on the packaged snapshot: real prices as recorded, quantity prices not per month."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sovbundle.cli import main
from tests.support.sandbox import use_packaged_data


@pytest.fixture(autouse=True)
def packaged_data_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_packaged_data(tmp_path, monkeypatch)


def services(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(["services", *args, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["offers"]
    assert isinstance(rows, list)
    return rows


def test_scaleway_vm_prices_match_the_recorded_api(capsys: pytest.CaptureFixture[str]) -> None:
    rows = services(capsys, "scaleway", "--kind", "vm", "--region", "fr-par-1")
    by_sku = {r["sku"]: r for r in rows}
    # Product Catalog: BASIC3-X2C-4G at 0.039449 EUR/h; L4-1-24G at 0.013125 EUR/min = 0.7875/h.
    assert by_sku["L4-1-24G"]["price"] == {
        "amount": 0.7875,
        "currency": "EUR",
        "unit": "hour",
        "quality": "current",
        "note": by_sku["L4-1-24G"]["price"]["note"],  # type: ignore[index]
    }
    assert by_sku["L4-1-24G"]["monthly"] == 574.88  # 0.7875 x 730, to the cent
    monthly = [r["monthly"] for r in rows if r["monthly"] is not None]
    assert monthly == sorted(monthly)  # type: ignore[type-var]


def test_per_gb_offers_have_no_monthly_figure(capsys: pytest.CaptureFixture[str]) -> None:
    rows = services(capsys, "--kind", "object_storage")
    assert rows
    assert all(r["monthly"] is None for r in rows)
    assert all(r["price"]["unit"] == "gb_month" for r in rows)  # type: ignore[index]


def test_every_listing_prints_plain_unwrapped_columns(capsys: pytest.CaptureFixture[str]) -> None:
    """One style at any length: aligned columns, one line per offer, nothing wrapped."""
    for args in (["services"], ["services", "rapidspace"]):
        assert main(args) == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines[0].endswith("cheapest first")
        count = int("".join(lines[0].split(" offer")[0].split()))  # "3 948 offers, ..."
        assert lines[1].split()[:3] == ["provider", "kind", "sku"]
        assert len(lines) == count + 2  # one line per offer: nothing wrapped
        assert not any("┃" in line or "│" in line for line in lines)
        assert all(line == line.rstrip() for line in lines)
