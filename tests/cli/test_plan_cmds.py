"""``sovbundle plan``: exit codes, JSON on stdout only, atomic ``-o`` that spares the bundle."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sovbundle.catalog import select as catalog_module
from sovbundle.catalog.query import Catalog
from sovbundle.cli import main
from tests.support.synthetic import catalog, database, provider, vm

ROOT = Path(__file__).resolve().parents[2]

BUNDLE = """\
version: 1
name: demo
policy:
  min_providers: 2
  max_monthly_eur: {budget}
components:
  api: {{kind: vm, count: 2, vcpus: 2}}
  db: {{kind: database, engine: postgresql}}
"""


def synthetic_catalog() -> Catalog:
    return catalog(
        [provider("ovhcloud", {"GRA": "FR"}), provider("scaleway", {"fr-par": "FR"})],
        [
            vm("ovhcloud", "GRA", "b3-8", "30", vcpus=2),
            vm("scaleway", "fr-par", "POP2", "32", vcpus=2),
            database("ovhcloud", "GRA", "pg", "40"),
            database("scaleway", "fr-par", "pg", "45"),
        ],
    )


@pytest.fixture(autouse=True)
def _offline_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")  # stable tables whatever the shell says
    monkeypatch.setattr(catalog_module, "load_catalogs", lambda *a, **k: synthetic_catalog())


def write_bundle(tmp_path: Path, budget: int = 1000) -> Path:
    path = tmp_path / "bundle.yaml"
    path.write_text(BUNDLE.format(budget=budget))
    return path


def test_plan_prints_a_table_and_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", str(write_bundle(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "ovhcloud" in out and "scaleway" in out
    assert "Plan: 2 components on 2 providers, 104.00 EUR/month, proven optimal" in out


def test_json_holds_only_the_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(write_bundle(tmp_path)), "--json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["status"] == "optimal" and data["total_monthly"] == 104.0
    assert captured.err == ""


def test_json_stdout_is_clean_in_a_fresh_process(tmp_path: Path) -> None:
    # HiGHS prints a banner from C++ on its first use in a process: it must not reach stdout.
    bundle = write_bundle(tmp_path)
    code = textwrap.dedent(
        f"""
        from sovbundle.catalog import select as c
        from tests.cli.test_plan_cmds import synthetic_catalog
        c.load_catalogs = lambda *a, **k: synthetic_catalog()
        from sovbundle.planning import enumeration
        enumeration.ENUMERATION_NODES = 0  # solve with HiGHS, not the small-problem search
        from sovbundle.cli import main
        raise SystemExit(main(["plan", {str(bundle)!r}, "--json", "--explain"]))
        """
    )
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["solver"]["name"] == "highs"
    assert data["explain"]["runner_ups"][0]["component"] == "api"


def test_output_file_is_written_and_matches_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = write_bundle(tmp_path)
    target = tmp_path / "out" / "plan.json"
    target.parent.mkdir()  # -o never creates folders (tests/cli/test_output_rules.py)
    assert main(["plan", str(bundle), "-o", str(target), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    written = json.loads(target.read_text())
    for data in (printed, written):
        data.pop("generated_at"), data.pop("run")
    assert printed == written  # body_sha256 included: the bodies are the same
    assert sorted(p.name for p in target.parent.iterdir()) == ["plan.json"]


def test_output_refuses_to_overwrite_the_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = write_bundle(tmp_path)
    before = bundle.read_bytes()
    assert main(["plan", str(bundle), "-o", str(tmp_path / "." / "bundle.yaml")]) == 2
    assert "refusing to overwrite the bundle" in capsys.readouterr().err
    assert bundle.read_bytes() == before


def test_invalid_bundle_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\nname: bad\ncomponents:\n  api: {kind: vm, colour: blue}\n")
    assert main(["plan", str(path)]) == 3
    captured = capsys.readouterr()
    assert "bad.yaml" in captured.err and "Traceback" not in captured.err


def test_infeasible_exits_4_with_a_diagnosis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", str(write_bundle(tmp_path, budget=50)), "--json"]) == 4
    captured = capsys.readouterr()
    error = json.loads(captured.out)  # a pipeline never reads an empty stdout
    assert error["format_version"] == "1.1"
    assert error["error"]["exit_code"] == 4 and error["error"]["kind"] == "infeasible"
    assert "cheapest relaxation: drop budget -> 104.00 EUR/month" in error["error"]["diagnosis"]
    assert "no plan of bundle 'demo' satisfies every constraint" in captured.err
    assert "cheapest relaxation: drop budget -> 104.00 EUR/month" in captured.err


def test_explain_shows_runner_ups_and_constraint_costs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", str(write_bundle(tmp_path)), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "runner-up per component" in out
    assert "min_providers" in out and "+4.00" in out


def test_output_to_an_unwritable_place_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    assert main(["plan", str(write_bundle(tmp_path)), "-o", str(folder)]) == 2
    assert "refusing to write the plan to" in capsys.readouterr().err


def test_a_full_disk_leaves_no_partial_plan_and_keeps_the_old_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    bundle = write_bundle(tmp_path)
    target = tmp_path / "plan.json"
    target.write_text("previous plan")

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("os.fsync", no_space)
    assert main(["plan", str(bundle), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"cannot write the plan to {target}: disk full" in err
    assert "Traceback" not in err
    assert target.read_text() == "previous plan"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["plan.json", bundle.name])
