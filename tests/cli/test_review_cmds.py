"""``show``, ``diff``, ``--format``, ``validate --json`` and the JSON envelopes: version rules,
byte-stable plan bodies, exit codes."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sovbundle.catalog import select as catalog_module
from sovbundle.cli import main
from sovbundle.jsontext import dumps as encode_json
from sovbundle.plan import body_sha256
from sovbundle.plan_file import parse_plan
from sovbundle.render.markdown import MARKDOWN_LIMIT, fit, plan_markdown
from tests.cli.test_plan_cmds import synthetic_catalog, write_bundle


@pytest.fixture(autouse=True)
def _offline_catalog(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(catalog_module, "load_catalogs", lambda *a, **k: synthetic_catalog())
    monkeypatch.setenv("SOVBUNDLE_CACHE_DIR", str(tmp_path / "cache"))


def saved_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str = "plan") -> Path:
    target = tmp_path / f"{name}.json"
    assert main(["plan", str(write_bundle(tmp_path)), "-o", str(target), "--json"]) == 0
    capsys.readouterr()
    return target


def document(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(), parse_float=Decimal)
    return data


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(encode_json(data))
    return path


def test_the_body_is_byte_stable_and_hashed_as_documented(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = saved_plan(tmp_path, capsys, "a"), saved_plan(tmp_path, capsys, "b")
    one, two = document(first), document(second)
    assert one["body_sha256"] == two["body_sha256"]
    for data in (one, two):
        data.pop("generated_at"), data.pop("run")
    assert one == two
    # body_sha256: sha256 of the canonical text of the document without the run-dependent keys.
    data = document(first)
    body = {k: v for k, v in data.items() if k not in ("generated_at", "body_sha256", "run")}
    assert hashlib.sha256(encode_json(body).encode()).hexdigest() == data["body_sha256"]
    assert first.read_text().count('"time_ms"') == 1  # only in run
    assert "time_ms" in data["run"] and "time_ms" not in data["solver"]


def test_show_reads_a_newer_minor_and_ignores_unknown_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = saved_plan(tmp_path, capsys)
    assert main(["show", str(path)]) == 0
    expected = capsys.readouterr().out
    data = document(path)
    data["format_version"] = "1.7"
    data["future_key"] = {"anything": [1, 2]}
    data["placements"][0]["future_field"] = "x"
    data["solver"]["future"] = True
    data["body_sha256"] = body_sha256(data)  # as the newer sovbundle writes it
    newer = write(tmp_path / "newer.json", data)
    assert main(["show", str(newer)]) == 0
    captured = capsys.readouterr()
    assert captured.out == expected
    assert "format_version 1.7 is newer than this sovbundle's 1.1" in captured.err
    assert "body_sha256 does not match" not in captured.err  # unknown keys are in the body


def test_show_refuses_another_major_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = document(saved_plan(tmp_path, capsys))
    data["format_version"] = "2.0"
    assert main(["show", str(write(tmp_path / "v2.json", data))]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "plan format_version 2.0 cannot be read by this sovbundle, which reads 1.x" in err


def test_a_1_0_plan_is_read_and_diffed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = saved_plan(tmp_path, capsys)
    data = document(path)
    old = {k: v for k, v in data.items() if k not in ("body_sha256", "run")}
    old["format_version"] = "1.0"
    old["bundle"] = {k: v for k, v in data["bundle"].items() if k != "spec"}
    old["solver"] = {**data["solver"], "time_ms": 12}
    old["placements"] = [
        {k: v for k, v in row.items() if k != "offer_status"} for row in data["placements"]
    ]
    legacy = write(tmp_path / "legacy.json", old)
    saved = parse_plan(legacy.read_text(), "legacy.json")
    assert saved.plan.run.time_ms == 12 and saved.plan.bundle.spec is None
    assert main(["show", str(legacy)]) == 0
    assert "Plan: 2 components on 2 providers, 104.00 EUR/month" in capsys.readouterr().out
    assert main(["diff", str(legacy), str(path), "--json"]) == 0
    diff = json.loads(capsys.readouterr().out)["diff"]
    assert diff["equal"] is True
    assert any("format 1.0" in note for note in diff["notes"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON (line 1, column 1"),
        ("[1, 2]", "not a sovbundle plan file (no format_version)"),
        ('{"format_version": "one"}', "is not of the form MAJOR.MINOR"),
        ('{"format_version": "1.1", "status": "optimal"}', "not a valid sovbundle plan:"),
    ],
)
def test_bad_plan_files_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert main(["show", str(path)]) == 3
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1
    assert main(["show", str(tmp_path / "missing.json")]) == 3
    assert "missing.json: no such file" in capsys.readouterr().err


def test_a_hand_edited_body_is_noticed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = saved_plan(tmp_path, capsys)
    data = document(path)
    data["total_monthly"] = Decimal("1.00")
    assert main(["show", str(write(tmp_path / "edited.json", data))]) == 0
    assert "body_sha256 does not match the plan's content" in capsys.readouterr().err


def test_formats_and_their_conflicts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = saved_plan(tmp_path, capsys)
    assert main(["show", str(path), "--format", "json"]) == 0
    assert capsys.readouterr().out == path.read_text()
    assert main(["show", str(path), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("### sovbundle plan demo: 104.00 EUR/month\n")
    assert "| **total** | **104.00** |" in out
    assert main(["plan", str(write_bundle(tmp_path)), "--format", "markdown"]) == 0
    assert capsys.readouterr().out == out
    assert main(["show", str(path), "--json", "--format", "markdown"]) == 2
    assert "ask for two formats" in capsys.readouterr().err
    assert main(["diff", str(path), str(path), "--format", "yaml"]) == 2
    assert "--format takes table, json or markdown, not 'yaml'" in capsys.readouterr().err


def test_diff_of_a_plan_with_itself_is_equal_in_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = saved_plan(tmp_path, capsys)
    for args in ([], ["--json"], ["--format", "markdown"]):
        assert main(["diff", str(path), str(path), *args]) == 0
    out = capsys.readouterr().out
    assert "No change" in out and '"equal": true' in out and "unchanged at 104.00" in out


def test_compare_to_with_output_updates_the_saved_plan_in_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = saved_plan(tmp_path, capsys)
    data = document(path)
    data["placements"][0]["unit_price"] = Decimal("1.000000")
    data["placements"][0]["monthly"] = Decimal("2.00")
    write(path, data)
    bundle = tmp_path / "bundle.yaml"
    assert main(["plan", str(bundle), "--compare-to", str(path), "-o", str(path), "--json"]) == 7
    diff = json.loads(capsys.readouterr().out)["diff"]
    (line,) = diff["components"]
    assert line["change"] == "changed" and line["fields"] == ["price"]
    assert line["reasons"][0]["kind"] == "price_changed"
    assert line["reasons"][0]["certainty"] == "known"
    assert main(["plan", str(bundle), "--compare-to", str(path)]) == 0  # now up to date


def test_validate_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(write_bundle(tmp_path)), "--json"]) == 0
    ok = json.loads(capsys.readouterr().out)
    assert ok == {
        "format_version": "1.1",
        "errors": [],
        "valid": True,
        "components": 2,
        "links": 0,
    }
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: bad\ncomponents:\n  api: {kind: vm, vcpu: 2}\n")
    assert main(["validate", str(bad), "--json"]) == 3
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["valid"] is False and list(data) == ["format_version", "errors", "valid"]
    (error,) = data["errors"]
    assert error["file"] == str(bad) and (error["line"], error["column"]) == (4, 19)
    assert error["suggestion"] == "vcpus" and "unknown key 'vcpu'" in error["message"]
    assert "bad.yaml:4:19" in captured.err


def test_plan_json_on_an_invalid_bundle_prints_an_error_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: bad\ncomponents:\n  api: {kind: vm, vcpu: 2}\n")
    assert main(["plan", str(bad), "--json"]) == 3
    captured = capsys.readouterr()
    error = json.loads(captured.out)["error"]
    assert error["exit_code"] == 3 and error["kind"] == "invalid_input"
    assert error["errors"][0]["suggestion"] == "vcpus"
    assert "bad.yaml:4:19" in captured.err


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (["services", "--json"], "offers"),
        (["providers", "--json"], "providers"),
        (["catalog", "status", "--json"], "catalogs"),
    ],
)
def test_every_json_output_is_an_envelope(
    args: list[str], key: str, synthetic: Any, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.undo()  # the real catalog loader, on the synthetic snapshot
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data)[:2] == ["format_version", key] and data["format_version"] == "1.1"
    assert isinstance(data[key], list) and data[key]


def test_markdown_is_cut_to_a_comments_size_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = parse_plan(saved_plan(tmp_path, capsys).read_text()).plan
    row = plan.placements[0]
    rows = tuple(row.model_copy(update={"component": f"c{n:05d}"}) for n in range(3000))
    big = plan.model_copy(update={"placements": rows})
    text = plan_markdown(big)
    assert len(text) <= MARKDOWN_LIMIT
    assert "> **Truncated:**" in text and "a GitHub comment holds at most 65,536" in text
    assert text.startswith("### sovbundle plan demo")
    lines = ["<details><summary>x</summary>", *(f"| row {n} |" for n in range(20_000))]
    cut = fit(lines, "sovbundle show PLAN.json")
    assert len(cut) <= MARKDOWN_LIMIT and cut.count("</details>") == 1


def test_show_of_an_explained_plan_prints_what_plan_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "explained.json"
    assert main(["plan", str(write_bundle(tmp_path)), "--explain", "-o", str(target)]) == 0
    printed = capsys.readouterr().out
    assert "runner-up per component" in printed
    assert main(["show", str(target)]) == 0
    assert printed == capsys.readouterr().out + f"plan written to {target}\n"
    assert main(["show", str(target), "--format", "markdown"]) == 0
    assert "Runner-ups and constraint costs" in capsys.readouterr().out


def test_show_and_diff_json_on_a_bad_plan_file_print_an_error_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "missing.json")
    for args in (["show", missing, "--json"], ["diff", missing, missing, "--json"]):
        assert main(args) == 3
        captured = capsys.readouterr()
        error = json.loads(captured.out)["error"]
        assert error["exit_code"] == 3 and "missing.json: no such file" in error["message"]
        assert "missing.json: no such file" in captured.err
