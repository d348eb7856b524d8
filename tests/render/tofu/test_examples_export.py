"""Every example bundle's plan exports; two exports are kept as golden files.

Regenerate the golden plans and exports after a deliberate change:

    SOVBUNDLE_UPDATE_GOLDEN=1 pytest tests/render/tofu/test_examples_export.py
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from sovbundle.cli import main
from sovbundle.render.tofu import export_plan
from sovbundle.render.tofu.check import check_files
from tests.support.sandbox import use_packaged_data

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "bundles").glob("*.yaml"))
GOLDEN = ROOT / "tests" / "fixtures" / "render_tofu"
GOLDEN_BUNDLES = ("health-portal", "multi-cloud-resilient")
UPDATE = os.environ.get("SOVBUNDLE_UPDATE_GOLDEN", "") not in ("", "0")
MANUAL_RULES = ("OVHcloud dedicated server", "Rapid.Space")
"""The only placements an example may leave out: the ones no provider resource can order."""


@pytest.fixture(autouse=True)
def packaged_data_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_packaged_data(tmp_path, monkeypatch, keep=("SOVBUNDLE_UPDATE_GOLDEN",))


def _plan(bundle: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    code = main(["plan", str(bundle), "-o", str(out), "--json"])
    _, err = capsys.readouterr()
    assert code == 0, err
    return out


@pytest.mark.parametrize("bundle", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_plan_exports(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = _plan(bundle, tmp_path / "plan.json", capsys)
    first = export_plan(plan, bundle)
    again = export_plan(plan, bundle)
    assert first.files == again.files  # byte-deterministic
    assert check_files(first.files) == []
    readme = first.files["README.md"].decode()
    assert first.config.plan_sha256 in readme
    for item in first.config.unexpressed:
        assert item.reason.startswith(MANUAL_RULES), item
        assert f"**{item.component}**" in readme
    exported = {comp.name for comp, _ in first.config.exported}
    placed = {row.component for row in first.config.plan.placements}
    assert exported | {u.component for u in first.config.unexpressed} == placed
    code = main(["export", "tofu", str(plan), "-o", str(tmp_path / "out"), "--bundle", str(bundle)])
    capsys.readouterr()
    assert code == (0 if first.complete else 8)


@pytest.mark.parametrize("name", GOLDEN_BUNDLES)
def test_golden_exports(
    name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = GOLDEN / name
    if UPDATE:
        case.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / "bundles" / f"{name}.yaml", case / "bundle.yaml")
        monkeypatch.chdir(case)  # the plan records the bundle path as given: keep it relative
        _plan(Path("bundle.yaml"), case / "plan.json", capsys)
        plan = json.loads((case / "plan.json").read_text())
        plan["generated_at"] = "2026-01-01T00:00:00Z"
        plan["solver"]["time_ms"] = 0
        (case / "plan.json").write_text(json.dumps(plan, indent=2) + "\n")
    monkeypatch.chdir(case)
    export = export_plan(Path("plan.json"), None)
    assert export.config.bundle_used == "bundle.yaml"
    expected_dir = case / "expected"
    if UPDATE:
        shutil.rmtree(expected_dir, ignore_errors=True)
        expected_dir.mkdir()
        for file_name, content in export.files.items():
            (expected_dir / file_name).write_bytes(content)
    expected = {p.name: p.read_bytes() for p in expected_dir.iterdir()}
    assert sorted(export.files) == sorted(expected)
    for file_name, content in export.files.items():
        assert content == expected[file_name], (
            f"{name}/{file_name} differs from the golden file; if the change is intended, "
            "regenerate with SOVBUNDLE_UPDATE_GOLDEN=1"
        )
