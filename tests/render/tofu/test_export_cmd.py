"""The command: plan reading, exit codes, the output folder rules, secrets never written."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sovbundle.cli import main
from tests.render.tofu.support import row, write_case

FAKE_SECRET = "s3cr3t-DO-NOT-WRITE-7f3a9c"


def _plan(tmp_path: Path) -> Path:
    plan, _ = write_case(tmp_path, [row("web", "vm", "scaleway", "fr-par-1", "DEV1-S", 2)])
    return plan


def test_complete_export_exits_0_and_writes_every_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["export", "tofu", str(_plan(tmp_path)), "-o", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        ".sovbundle-export.json",
        "README.md",
        "main.tf.json",
        "outputs.tf.json",
        "variables.tf.json",
        "versions.tf.json",
    ]
    assert "created" in capsys.readouterr().out
    assert not list(tmp_path.glob(".out.*"))  # no temporary folder left behind


def test_partial_export_exits_8_and_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan, _ = write_case(
        tmp_path,
        [
            row("web", "vm", "scaleway", "fr-par-1", "DEV1-S"),
            row("box", "vm", "ovhcloud", "gra", "KS-1"),
        ],
    )
    code = main(["export", "tofu", str(plan), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 8
    assert "warning: box (ovhcloud) not exported" in err
    assert "box" in (tmp_path / "out" / "README.md").read_text()


def test_same_plan_same_bytes(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    for out in ("a", "b"):
        assert main(["export", "tofu", str(plan), "-o", str(tmp_path / out)]) == 0
    for path in (tmp_path / "a").iterdir():
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_refuses_a_non_empty_folder_that_is_not_an_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["export", "tofu", str(_plan(tmp_path)), "-o", str(out)]) == 2
    assert "not a sovbundle export" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert main(["export", "tofu", str(_plan(tmp_path)), "-o", str(out), "--force"]) == 0
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "main.tf.json").is_file()


def test_reexport_keeps_the_users_files_and_drops_stale_ones(tmp_path: Path) -> None:
    out = tmp_path / "out"
    rapid, _ = write_case(tmp_path, [row("big", "vm", "rapidspace", "fr", "vps-24c-256g-4tb")])
    assert main(["export", "tofu", str(rapid), "-o", str(out)]) == 8
    assert (out / "slapos-request.sh").is_file()
    (out / "terraform.tfvars").write_text('name_prefix = "x"\n')
    (out / "terraform.tfstate").write_text("{}")
    assert main(["export", "tofu", str(_plan(tmp_path)), "-o", str(out)]) == 0
    assert not (out / "slapos-request.sh").exists()
    assert (out / "terraform.tfvars").read_text() == 'name_prefix = "x"\n'
    assert (out / "terraform.tfstate").read_text() == "{}"
    assert "scaleway_instance_server" in (out / "main.tf.json").read_text()


def test_output_that_is_a_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["export", "tofu", str(_plan(tmp_path)), "-o", str(target)]) == 2
    assert "is not a folder" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json", "plan.json: not JSON (line 1, column 1: Expecting value)"),
        (b"[]", "plan.json: not a sovbundle plan file (no format_version)"),
        (b'{"format_version": "one"}', "plan.json: format_version 'one' is not of the form"),
        (b'{"format_version": "2.0"}', "plan.json: plan format_version 2.0 cannot be read by"),
        (b'{"format_version": "1.0"}', "plan.json: not a valid sovbundle plan: "),
        (b"\xff\xfe", "plan.json: not UTF-8 text (byte 0)"),
        (None, "plan.json: no such file"),
        ("dir", "plan.json: is a directory, not a plan file"),
    ],
)
def test_a_bad_plan_file_exits_3_with_the_line_show_and_diff_print(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | str | None, message: str
) -> None:
    plan = tmp_path / "plan.json"
    if content == "dir":
        plan.mkdir()
    elif isinstance(content, bytes):
        plan.write_bytes(content)
    assert main(["export", "tofu", str(plan), "-o", str(tmp_path / "out")]) == 3
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path}{os.sep}{message}")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()
    # One reader: show and diff fail with the same exit code and the very same line.
    assert main(["show", str(plan)]) == 3
    assert capsys.readouterr().err == err
    good = tmp_path / "good"
    good.mkdir()
    assert main(["diff", str(plan), str(_plan(good))]) == 3
    assert capsys.readouterr().err == err


def test_newer_minor_plan_with_unknown_keys_still_exports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = _plan(tmp_path)
    data = json.loads(plan.read_text())
    data["format_version"] = "1.9"
    data["run"] = {"id": "x"}
    data["body_sha256"] = "0" * 64
    data["placements"][0]["price_book"] = "list"  # a key this sovbundle does not know
    data["solver"]["certificate"] = {"ok": True}
    plan.write_text(json.dumps(data))
    assert main(["export", "tofu", str(plan), "-o", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert f"warning: {plan}: plan format_version 1.9 is newer than this sovbundle's 1.1" in err
    assert f"warning: {plan}: body_sha256 does not match the plan's content" in err


def test_a_plan_with_a_byte_order_mark_is_read_and_its_bytes_hashed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = _plan(tmp_path)
    text = plan.read_text()
    plan.write_bytes(b"\xef\xbb\xbf" + plan.read_bytes())
    assert main(["export", "tofu", str(plan), "-o", str(tmp_path / "out")]) == 0
    digest = hashlib.sha256(plan.read_bytes()).hexdigest()
    assert f"plan sha256: `{digest}`" in (tmp_path / "out" / "README.md").read_text()
    capsys.readouterr()
    assert main(["show", str(plan), "--json"]) == 0
    assert capsys.readouterr().out == text


def test_bundle_whose_hash_differs_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan, bundle = write_case(
        tmp_path,
        [row("web", "app", "clevercloud", "par", "apps.S")],
        {"web": {"kind": "app", "runtime": "python"}},
    )
    assert bundle is not None
    bundle.write_text(bundle.read_text() + "# edited\n")
    code = main(["export", "tofu", str(plan), "-o", str(tmp_path / "o"), "--bundle", str(bundle)])
    assert code == 2
    assert "not the one the plan was made from" in capsys.readouterr().err
    # Found on its own (the path the plan names), an edited bundle is skipped with a warning.
    assert main(["export", "tofu", str(plan), "-o", str(tmp_path / "o")]) == 8
    assert "changed since the plan was made" in capsys.readouterr().err


def test_the_bundle_the_plan_names_is_found_on_its_own(tmp_path: Path) -> None:
    plan, _ = write_case(
        tmp_path,
        [row("web", "app", "clevercloud", "par", "apps.S")],
        {"web": {"kind": "app", "runtime": "python"}},
    )
    assert main(["export", "tofu", str(plan), "-o", str(tmp_path / "o")]) == 0
    assert "clevercloud_python" in (tmp_path / "o" / "main.tf.json").read_text()


def test_secrets_in_the_environment_and_config_never_reach_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "SCW_SECRET_KEY",
        "SCW_ACCESS_KEY",
        "OVH_APPLICATION_SECRET",
        "OVH_CLIENT_SECRET",
        "CC_OAUTH_SECRET",
        "OSC_SECRET_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "TF_VAR_scaleway_database_password",
        "SOVBUNDLE_TOKEN",
    ):
        monkeypatch.setenv(name, FAKE_SECRET)
    config_dir = tmp_path / "xdg" / "sovbundle"
    config_dir.mkdir(parents=True)
    (config_dir / "config.toml").write_text(f'token = "{FAKE_SECRET}"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    plan, _ = write_case(
        tmp_path,
        [
            row("db", "database", "scaleway", "fr-par-1", "DB-PLAY2-PICO"),
            row("app", "app", "clevercloud", "par", "apps.S"),
            row("vm", "vm", "outscale", "eu-west-2", "tinav5.c2r4p2"),
            row("big", "vm", "rapidspace", "fr", "vps-24c-256g-4tb"),
        ],
        {
            "db": {"kind": "database", "engine": "postgresql"},
            "app": {"kind": "app", "runtime": "go"},
            "vm": {"kind": "vm"},
            "big": {"kind": "vm"},
        },
        [{"from": "app", "to": "db"}],
    )
    out = tmp_path / "out"
    assert main(["export", "tofu", str(plan), "-o", str(out)]) == 8
    variables = json.loads((out / "variables.tf.json").read_text())["variable"]
    assert variables["scaleway_database_password"]["sensitive"] is True
    for path in out.iterdir():
        assert FAKE_SECRET not in path.read_text(), path.name
    assert "default" not in variables["scaleway_database_password"]


def test_same_bytes_whatever_the_hash_seed(tmp_path: Path) -> None:
    plan, _ = write_case(
        tmp_path,
        [
            row("web", "app", "clevercloud", "par", "apps.S"),
            row("db", "database", "clevercloud", "par", "postgresql.s_sml"),
            row("k", "kubernetes", "ovhcloud", "GRA11", "mks-free", part="control_plane"),
            row("k", "kubernetes", "ovhcloud", "GRA11", "b3-8", 2, part="nodes"),
        ],
        {
            "web": {"kind": "app", "runtime": "ruby"},
            "db": {"kind": "database", "engine": "postgresql"},
            "k": {"kind": "kubernetes", "nodes": 2},
        },
        [{"from": "web", "to": "db"}, {"from": "web", "to": "k"}],
    )
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        code = [sys.executable, "-m", "sovbundle", "export", "tofu", str(plan), "-o"]
        done = subprocess.run([*code, str(tmp_path / seed)], env=env, check=False)
        assert done.returncode == 0
    for path in (tmp_path / "1").iterdir():
        assert path.read_bytes() == (tmp_path / "2" / path.name).read_bytes(), path.name


def test_output_dot_in_an_empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = _plan(tmp_path)
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    assert main(["export", "tofu", str(plan), "-o", "."]) == 0
    assert (tmp_path / "here" / "main.tf.json").is_file()


def test_a_plan_of_format_1_0_without_evidence_or_coverage_still_exports(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    data = json.loads(plan.read_text())
    data["format_version"] = "1.0"
    data.pop("coverage", None)
    for placement in data["placements"]:
        placement.pop("evidence", None)
    plan.write_text(json.dumps(data))
    assert main(["export", "tofu", str(plan), "-o", str(tmp_path / "out")]) == 0
