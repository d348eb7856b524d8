"""Golden output of ``show``, ``diff`` and markdown on the example bundles (packaged catalogs).

Plans are made with a fixed clock so that the files do not change with the date; the terminal
views are rendered at 120 columns without colour. Regenerate with ``SOVBUNDLE_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console, RenderableType

from sovbundle.catalog.local import LocalCatalogs
from sovbundle.catalog.select import load_catalogs
from sovbundle.cli import main
from sovbundle.plan import Plan, dump_plan
from sovbundle.plan_file import parse_plan
from sovbundle.planning.diff import diff_plans
from sovbundle.render.diff import diff_markdown, render_diff
from sovbundle.render.markdown import plan_markdown
from sovbundle.render.plan import render_plan
from sovbundle.spec.loader import load_bundle
from tests.support.golden import check_golden
from tests.support.sandbox import use_packaged_data

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "bundles").glob("*.yaml"))
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def packaged_data_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_packaged_data(tmp_path, monkeypatch, keep=("SOVBUNDLE_UPDATE_GOLDEN",))


def text_of(renderable: RenderableType) -> str:
    console = Console(file=io.StringIO(), width=120, color_system=None, legacy_windows=False)
    console.print(renderable)
    output = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(output, str)
    return output


def planned(path: Path) -> Plan:
    from sovbundle.planning.resolve import plan_bundle

    bundle = load_bundle(path.relative_to(ROOT))
    return plan_bundle(bundle, load_catalogs(), NOW)


def saved(plan: Plan, name: str) -> Plan:
    """The plan as ``show`` reads it back from its file."""
    return parse_plan(dump_plan(plan), name).plan


def variant(path: Path, tmp_path: Path) -> Path:
    """The bundle with one more component and the first component's count doubled."""
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    first = data["components"][sorted(data["components"])[0]]
    field = {"vm": "count", "app": "instances", "kubernetes": "nodes"}.get(first["kind"])
    if field is not None:
        first[field] = 2 * int(first.get(field, 1))
    data["components"]["review-extra"] = {"kind": "object_storage", "storage_gb": 100}
    target = tmp_path / path.name
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return target


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_show_and_markdown_golden(path: Path) -> None:
    plan = planned(path)
    back = saved(plan, path.stem)
    shown = text_of(render_plan(back))
    assert shown == text_of(render_plan(plan))  # the view is a function of the JSON alone
    check_golden(f"{path.stem}.show.txt", shown)
    check_golden(f"{path.stem}.plan.md", plan_markdown(back))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_diff_golden(path: Path, tmp_path: Path) -> None:
    from sovbundle.planning.resolve import plan_bundle

    old = saved(planned(path), "old.json")
    changed = load_bundle(variant(path, tmp_path))
    new_plan = plan_bundle(changed, load_catalogs(), NOW)
    new = saved(new_plan.model_copy(update={"bundle": new_plan.bundle.model_copy(
        update={"path": f"variant/{path.name}"})}), "new.json")  # fmt: skip
    result = diff_plans(old, new, LocalCatalogs(tmp_path / "cache"), old_name="old.json",
                        new_name="new.json")  # fmt: skip
    assert not result.equal
    names = {c.component: c for c in result.components}
    assert names["review-extra"].change == "added"
    check_golden(f"{path.stem}.diff.txt", text_of(render_diff(result)))
    check_golden(f"{path.stem}.diff.md", diff_markdown(result))


def test_evidence_diff_golden(tmp_path: Path) -> None:
    """The strict plan of the tolerant example against the tolerant one: the HDS database
    moves from direct evidence at Clever Cloud to an assumption at OVHcloud, because the
    bundle's evidence rule changed."""
    path = ROOT / "bundles" / "health-records-tolerant.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["policy"]
    strict = tmp_path / "health-records-strict.yaml"
    strict.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    from sovbundle.planning.resolve import plan_bundle

    old_plan = plan_bundle(load_bundle(strict), load_catalogs(), NOW)
    old = saved(old_plan.model_copy(update={"bundle": old_plan.bundle.model_copy(
        update={"path": "strict/health-records-tolerant.yaml"})}), "strict.json")  # fmt: skip
    new = saved(planned(path), "tolerant.json")
    result = diff_plans(old, new, LocalCatalogs(tmp_path / "cache"), old_name="strict.json",
                        new_name="tolerant.json")  # fmt: skip
    assert not result.equal
    ((row,),) = [change.rows for change in result.evidence]
    assert (row.old.basis, row.new.basis) == ("direct", "assumed")  # type: ignore[union-attr]
    assert [r.kind for r in row.reasons] == ["spec_changed"]
    check_golden("health-records-tolerant.evidence.diff.txt", text_of(render_diff(result)))
    check_golden("health-records-tolerant.evidence.diff.md", diff_markdown(result))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_show_prints_what_plan_printed(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "plan.json"
    assert main(["plan", str(path), "-o", str(target)]) == 0
    printed = capsys.readouterr().out
    assert main(["show", str(target)]) == 0
    shown = capsys.readouterr().out
    assert printed == shown + f"plan written to {target}\n"
    assert main(["show", str(target), "--json"]) == 0
    assert capsys.readouterr().out == target.read_text(encoding="utf-8")
