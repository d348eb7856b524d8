"""``plan --explain`` prices the strict evidence policy on the packaged snapshot: the HDS
example of ``bundles/health-records-tolerant.yaml``, strict, against the example itself."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sovbundle.cli import main
from tests.support.sandbox import use_packaged_data

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "bundles" / "health-records-tolerant.yaml"
POLICY = "policy:\n  unknown_evidence:\n    certifications: tolerant\n"


@pytest.fixture(autouse=True)
def packaged_data_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_packaged_data(tmp_path, monkeypatch, columns=400)


def _strict(tmp_path: Path, extra: str = "") -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert POLICY in text
    path = tmp_path / "strict.yaml"
    path.write_text(text.replace(POLICY, "") + extra, encoding="utf-8")
    return path


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["plan", *args, "--json"]) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out, parse_float=Decimal)
    return data


def test_strictness_costs_the_difference_of_the_two_example_plans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strict = _json(capsys, str(_strict(tmp_path)), "--explain")
    tolerant = _json(capsys, str(EXAMPLE))
    rows = {row["fact"]: row for row in strict["explain"]["unknown_evidence"]}
    cert = rows["certifications"]
    assert cert["delta_monthly"] == strict["total_monthly"] - tolerant["total_monthly"]
    assert cert["delta_monthly"] > 0
    assert cert["tolerant_total_monthly"] == tolerant["total_monthly"]
    placed = tolerant["placements"]
    assert [(a["provider"], a["region"], a["sku"]) for a in cert["assumptions"]] == [
        (p["provider"], p["region"], p["sku"]) for p in placed
    ]
    assert all("unconfirmed claim" in a["fact"] for a in cert["assumptions"])
    # The example's countries rule on the packaged data: every region's country is known.
    assert rows["countries"]["delta_monthly"] == 0 and rows["countries"]["admitted_offers"] == 0
    # The strict plan itself is unchanged by the what-if.
    assert not [w for w in strict["warnings"] if "assumption" in w]


def test_the_terminal_says_what_strictness_costs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", str(_strict(tmp_path)), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "cost of the evidence policy (policy.unknown_evidence: strict" in out
    assert "tolerating unknown certification evidence would save " in out
    assert "the plan would rest on 1 unconfirmed certification claim" in out
    assert "assumed records at ovhcloud/" in out
    assert main(["plan", str(_strict(tmp_path))]) == 0  # without --explain: not a word of it
    assert "evidence policy" not in capsys.readouterr().out


def test_hds_only_ovhcloud_claims_is_diagnosed_with_the_tolerant_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _strict(tmp_path)
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "    certifications: [hds]\n", "    certifications: [hds]\n    providers: [ovhcloud]\n"
        ),
        encoding="utf-8",
    )
    assert main(["plan", str(path)]) == 4
    err = capsys.readouterr().err
    assert (
        "cheapest relaxation: tolerate unknown certification evidence (policy.unknown_evidence: "
        "{certifications: tolerant}; the plan would rest on 1 assumption: records at ovhcloud/"
    ) in " ".join(err.split())
