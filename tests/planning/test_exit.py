"""``plan --exit-report``: each provider re-solved away, checked against independent plans of
the bundle with that provider in ``exclude_providers``."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from sovbundle.catalog.query import Catalog
from sovbundle.cli import main
from sovbundle.planning.exit import exit_report
from sovbundle.planning.formulate import build_problem
from sovbundle.planning.solve import solve
from tests.support.sandbox import use_packaged_data
from tests.support.synthetic import bundle, catalog, database, provider, vm

ROOT = Path(__file__).resolve().parents[2]
RESILIENT = ROOT / "bundles" / "multi-cloud-resilient.yaml"


@pytest.fixture
def packaged_data_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_packaged_data(tmp_path, monkeypatch, columns=200)


def _plan(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["plan", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("packaged_data_only")
def test_exit_report_matches_independent_resolves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _plan([str(RESILIENT), "--json", "--exit-report"], capsys)
    assert code == 0, err
    plan = json.loads(out)
    assert plan["format_version"] == "1.1"
    report = plan["exit_report"]
    total = Decimal(str(plan["total_monthly"]))
    used = set(plan["by_provider"])
    assert {row["provider"] for row in report["providers"]} == used
    assert sum(Decimal(str(r["share"])) for r in report["providers"]) == pytest.approx(
        Decimal(1), abs=Decimal("0.001")
    )
    outcomes = set()
    source = yaml.safe_load(RESILIENT.read_text())
    for row in report["providers"]:
        assert Decimal(str(row["monthly"])) == Decimal(str(plan["by_provider"][row["provider"]]))
        modified = json.loads(json.dumps(source))
        constraints = modified.setdefault("constraints", {})
        constraints["exclude_providers"] = [row["provider"]]
        path = tmp_path / f"without-{row['provider']}.yaml"
        path.write_text(yaml.safe_dump(modified, sort_keys=False))
        code, out, err = _plan([str(path), "--json"], capsys)
        outcomes.add(code)
        if row["substitutable"]:
            assert code == 0, err
            other = json.loads(out)
            assert row["provider"] not in other["by_provider"]
            assert other["total_monthly"] == row["substitute_total_monthly"]
            extra = Decimal(str(other["total_monthly"])) - total
            assert Decimal(str(row["exit_extra_monthly"])) == extra
            placed = {(p["component"], p["provider"], p["region"]) for p in other["placements"]}
            for move in row["moves"]:
                prov, region, _ = move["to"].split("/", 2)
                assert (move["component"], prov, region) in placed
        else:
            assert code == 4, out
            assert row["reason"] and row["exit_extra_monthly"] is None
    # Without the flag the plan JSON has no exit section.
    code, out, _ = _plan([str(RESILIENT), "--json"], capsys)
    assert code == 0 and "exit_report" not in json.loads(out)


@pytest.mark.usefixtures("packaged_data_only")
def test_exit_report_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _plan([str(RESILIENT), "--exit-report"], capsys)
    assert code == 0, err
    assert "provider exit" in out and "share" in out


def _demo_catalog() -> Catalog:
    return catalog(
        [
            provider("ovhcloud", {"GRA": "FR"}),
            provider("scaleway", {"fr-par": "FR"}),
            provider("outscale", {"eu-west-2": "FR"}),
        ],
        [
            vm("ovhcloud", "GRA", "b3-8", "30", vcpus=2),
            vm("scaleway", "fr-par", "POP2", "32", vcpus=2),
            vm("outscale", "eu-west-2", "tinav6", "50", vcpus=2),
            database("ovhcloud", "GRA", "pg", "40", certs=("hds",)),
            database("scaleway", "fr-par", "pg", "45"),
        ],
    )


def test_a_component_only_one_provider_hosts_blocks_its_exit() -> None:
    spec = bundle(
        {
            "api": {"kind": "vm", "vcpus": 2},
            "db": {"kind": "database", "engine": "postgresql", "certifications": ["hds"]},
        }
    )
    problem = build_problem(spec, _demo_catalog())
    report = exit_report(problem, solve(problem))
    (row,) = report.providers
    assert row.provider == "ovhcloud" and not row.feasible
    assert row.reason == "only ovhcloud offers a placement meeting the constraints of db"
    assert row.share == Decimal(1) and row.components == ("api", "db")
    assert report.single_provider == (("db", "ovhcloud"),)


def test_exit_cost_of_each_provider_under_min_providers() -> None:
    spec = bundle(
        {"api": {"kind": "vm", "vcpus": 2}, "db": {"kind": "database", "engine": "postgresql"}},
        policy={"min_providers": 2},
    )
    problem = build_problem(spec, _demo_catalog())
    base = solve(problem)
    assert base.total == Decimal("72.00")  # api on scaleway (32), db on ovhcloud (40)
    by = {row.provider: row for row in exit_report(problem, base).providers}
    assert [p for p in by] == ["ovhcloud", "scaleway"]  # dearest share first
    # Without scaleway: db stays on ovhcloud, api must go to outscale (50): 90.00.
    assert by["scaleway"].substitute_total == Decimal("90.00")
    assert by["scaleway"].extra_monthly == Decimal("18.00")
    assert by["scaleway"].moves == (("api", "scaleway/fr-par/POP2", "outscale/eu-west-2/tinav6"),)
    # Without ovhcloud: db on scaleway (45), api on outscale (50): 95.00.
    assert by["ovhcloud"].extra_monthly == Decimal("23.00")
    assert by["ovhcloud"].share == Decimal("0.5556")


def test_too_few_providers_left_is_the_reason() -> None:
    spec = bundle(
        {
            "api": {"kind": "vm", "vcpus": 2},
            "db": {"kind": "database", "engine": "postgresql"},
            "worker": {"kind": "vm", "vcpus": 2},
        },
        policy={"min_providers": 3},
    )
    problem = build_problem(spec, _demo_catalog())
    report = exit_report(problem, solve(problem))
    assert len(report.providers) == 3
    for row in report.providers:
        assert not row.feasible
        assert row.reason is not None
        assert row.reason.startswith("min_providers is 3 and only 2 other providers")


def test_a_budget_is_named_when_the_substitute_is_dearer() -> None:
    spec = bundle(
        {"api": {"kind": "vm", "vcpus": 2}, "db": {"kind": "database", "engine": "postgresql"}},
        policy={"min_providers": 2, "max_monthly_eur": 80},
    )
    problem = build_problem(spec, _demo_catalog())
    by = {row.provider: row for row in exit_report(problem, solve(problem)).providers}
    assert by["scaleway"].reason == (
        "the cheapest plan without scaleway costs 90.00 EUR/month, over the budget of 80.00"
    )
