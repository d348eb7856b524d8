"""Every example bundle plans, proven optimal, offline on the packaged snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sovbundle.cli import main
from tests.support.sandbox import use_packaged_data

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "bundles").glob("*.yaml"))


@pytest.fixture(autouse=True)
def packaged_data_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The packaged snapshot only: no user cache, config or override leaks in."""
    use_packaged_data(tmp_path, monkeypatch)


def plan_json(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code = main(["plan", str(path), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    plan = json.loads(out)
    assert isinstance(plan, dict)
    return plan


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_plans_proven_optimal_offline(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = plan_json(path, capsys)
    assert plan["status"] == "optimal"
    assert all(c["source"] == "snapshot" for c in plan["catalogs"])  # type: ignore[attr-defined,index]
    assert all(c["ok"] for c in plan["constraints"])  # type: ignore[attr-defined,index]


def test_one_example_spans_three_providers_with_links(capsys: pytest.CaptureFixture[str]) -> None:
    spans = []
    for path in EXAMPLES:
        plan = plan_json(path, capsys)
        if len(plan["by_provider"]) >= 3 and plan["links"]:  # type: ignore[arg-type]
            spans.append(path.stem)
    assert spans


def test_secnumcloud_example_plans_offline_on_third_party_2020_prices_and_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    plan = plan_json(ROOT / "bundles" / "public-sector-secnumcloud.yaml", capsys)
    rows = plan["placements"]
    assert isinstance(rows, list)
    outscale = [r for r in rows if r["provider"] == "outscale"]
    assert outscale and all(r["region"] == "cloudgouv-eu-west-1" for r in outscale)
    for row in outscale:
        assert row["evidence"]["class"] == "third_party"
        assert row["evidence"]["as_of"] == "2020-08-10"
    warnings = "\n".join(plan["warnings"])  # type: ignore[arg-type]
    assert "prices from third-party data, not from the provider" in warnings
    run_warnings = "\n".join(plan["run"]["warnings"])  # type: ignore[index]
    assert "outscale: " in run_warnings and "2020-08-10" in run_warnings  # age: about the run
    coverage = plan["coverage"]
    assert isinstance(coverage, dict)
    third = [c for c in coverage["by_evidence"] if c["class"] == "third_party"]
    assert third and third[0]["oldest"] == "2020-08-10"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_ends_with_a_coverage_line(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["plan", str(path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    last = out.rstrip().splitlines()[-1]
    assert last.startswith("Prices: ") and " placement" in last and "priced from" in last


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_honours_min_price_evidence(
    path: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.setdefault("policy", {})["min_price_evidence"] = "api"
    strict = tmp_path / path.name
    strict.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    code = main(["plan", str(strict), "--json"])
    out, err = capsys.readouterr()
    if code == 0:
        plan = json.loads(out)
        assert {r["evidence"]["class"] for r in plan["placements"]} == {"api"}
    else:
        assert code == 4, err
        assert "priced from api evidence or better" in err
