"""Evidence, per-source dates and history as ``services``, ``providers`` and ``catalog status``
print them, on the packaged snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sovbundle.cli import main
from tests.support.sandbox import use_packaged_data


@pytest.fixture(autouse=True)
def packaged_data_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_packaged_data(tmp_path, monkeypatch)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_services_json_carries_evidence_history_and_published_monthly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "services", "scaleway", "--region", "fr-par-1", "--json")
    assert code == 0, err
    by_sku = {o["sku"]: o for o in json.loads(out)["offers"]}
    em = by_sku["EM-A116X-SSD"]
    assert em["price"]["amount"] == 0.077 and em["monthly"] == 27.99 and em["monthly_published"]
    assert em["evidence"]["class"] == "api" and em["evidence"]["as_of"] == "2025-12-02"
    assert "scaleway-cli" in em["evidence"]["note"]  # where the recorded body was kept
    moved = by_sku["STANDARD2-A32C-128G"]
    assert (
        moved["evidence"]["class"] == "third_party" and moved["evidence"]["as_of"] == "2026-08-14"
    )
    (old,) = moved["price_history"]
    assert old["amount"] == 1.1978 and old["evidence"]["as_of"] == "2026-07-30"


def test_status_and_providers_give_each_price_source_its_own_date(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "catalog", "status", "--json")
    assert code == 0, err
    rows = {r["provider"]: r for r in json.loads(out)["catalogs"]}
    scaleway = {(s["class"], s["as_of"]) for s in rows["scaleway"]["price_sources"]}
    assert {("api", "2025-12-02"), ("api", "2026-07-30"), ("api", "2026-08-14")} <= scaleway
    # One provider, several dates: not the oldest stamped on everything.
    assert len({s["as_of"] for s in rows["scaleway"]["price_sources"]}) > 3
    code, out, _ = run(capsys, "providers", "--json")
    data = {p["id"]: p for p in json.loads(out)["providers"]}
    assert data["rapidspace"]["price_api"] is False
    assert [(s["class"], s["as_of"]) for s in data["rapidspace"]["price_sources"]] == [
        ("provider_doc", "2018")
    ]


def test_old_prices_of_a_provider_without_api_are_not_sent_to_refresh(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "catalog", "status")
    assert code == 0
    lines = [line for line in err.splitlines() if line.startswith("warning: rapidspace")]
    assert lines and "2018 provider documentation" in lines[0]
    assert "catalog refresh rapidspace" not in err and "publishes no price API" in err
    assert "run `sovbundle catalog refresh scaleway`" in err.replace("\n", " ")


def test_providers_show_each_certification_status_validity_and_link(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "providers", "--json")
    assert code == 0, err
    data = json.loads(out)
    rows = data["providers"] if isinstance(data, dict) else data
    claims = {(p["id"], c["id"]): c for p in rows for c in p["certifications"]}
    snc = claims[("scaleway", "secnumcloud")]
    assert snc["status"] == "in_progress" and snc["source"].startswith("https://")
    iso = claims[("ovhcloud", "iso27001")]
    assert (iso["status"], iso["confirmed"], iso["regions"]) == ("qualified", False, None)
    assert iso["valid_from"] is None and iso["valid_until"] is None  # no source gives them
    code, out, err = run(capsys, "providers")
    assert code == 0, err
    flat = " ".join(out.split())
    assert "secnumcloud (in progress):" in flat
    assert "https://new.sfeir.com/pages/guide-secnumcloud.html" in flat
