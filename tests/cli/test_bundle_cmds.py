"""``sovbundle validate`` and ``sovbundle schema``: exit codes, output streams, examples, schema."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sovbundle import __version__
from sovbundle.cli import main
from sovbundle.cli.bundle_cmds import schema_bytes

ROOT = Path(__file__).resolve().parents[2]
BUNDLES = sorted(
    path
    for path in (ROOT / "bundles").rglob("*.yaml")
    if path.parent.name != "prices"  # price books (tests/spec/test_pricebook.py)
)
SCHEMA_FILE = ROOT / "schema" / "bundle.schema.json"

GOOD = """\
version: 1
name: tiny
components:
  web: {kind: app, runtime: python}
  db: {kind: database, engine: postgresql}
links:
  - {from: web, to: db, gb_month: 10}
"""


def test_validate_ok_prints_one_line_on_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(GOOD)
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == "ok: 2 components, 1 link\n"
    assert err == ""


def test_validate_invalid_prints_every_issue_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace("python", "pyton").replace("to: db", "to: dbb"))
    assert main(["validate", str(path)]) == 3
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"{path}:4:29: components.web.runtime: unknown runtime 'pyton' (did you mean 'python'?); "
        "allowed: python, node, java, php, go, ruby, rust, dotnet, docker, static, scala, "
        "elixir, haskell",
        f"{path}:7:21: links[0].to: unknown component 'dbb' (did you mean 'db'?); "
        "components are: db, web",
        "2 errors in bundle",
    ]
    assert "Traceback" not in err


def test_missing_file_is_one_line_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.yaml"
    assert main(["validate", str(missing)]) == 3
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{missing}: no such file\n1 error in bundle\n"


def test_debug_shows_the_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.yaml"
    assert main(["--debug", "validate", str(missing)]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert f"{missing}: no such file" in err


def test_validate_without_argument_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "Missing argument" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("bundle", BUNDLES, ids=[path.name for path in BUNDLES])
def test_every_example_bundle_validates(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(bundle)]) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.startswith("ok: ")


def test_examples_exist_and_point_editors_at_the_schema() -> None:
    names = {path.name for path in BUNDLES}
    assert {
        "saas-startup.yaml",
        "health-portal.yaml",
        "public-sector.yaml",
        "gpu-inference.yaml",
        "multi-cloud-resilient.yaml",
    } <= names
    for path in BUNDLES:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        schema = os.path.relpath(ROOT / "schema" / "bundle.schema.json", path.parent)
        assert first == f"# yaml-language-server: $schema={schema}"


def test_committed_schema_is_what_the_command_generates() -> None:
    assert SCHEMA_FILE.read_bytes() == schema_bytes(), "run `make schema` and commit the result"


def test_schema_prints_json_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    schema = json.loads(out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] and schema["title"]
    assert schema["additionalProperties"] is False
    vm = schema["$defs"]["VmComponent"]["properties"]
    assert vm["gpu_memory_gb"]["description"] == "Minimum memory of one GPU, GB."
    link = schema["$defs"]["Link"]["properties"]
    assert "from" in link and "from_" not in link


def test_schema_output_file_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "bundle.schema.json"
    target.parent.mkdir()  # -o never creates folders (tests/cli/test_output_rules.py)
    assert main(["schema", "-o", str(target)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert target.read_bytes() == schema_bytes()
    assert sorted(p.name for p in target.parent.iterdir()) == ["bundle.schema.json"]
    assert str(target) in err


def test_schema_output_into_an_unwritable_place_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["schema", "-o", str(blocker / "schema.json")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("error: cannot write ")
    assert "Traceback" not in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"sovbundle {__version__}\n"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "sovbundle", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_python_m_help_lists_the_commands() -> None:
    result = _run("--help")
    assert result.returncode == 0, result.stderr
    assert "validate" in result.stdout and "schema" in result.stdout


def test_python_m_validate_exit_code(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\nname: x\ncomponents: {a: {kind: vmm}}\n")
    result = _run("validate", str(path))
    assert result.returncode == 3
    assert result.stdout == ""
    assert f"{path}:3:24: components.a.kind: unknown kind 'vmm'" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys; from sovbundle.cli import main; "
        "heavy = {'httpx', 'highspy', 'rich', 'pydantic', 'sovbundle.spec.loader'}; "
        "heavy &= set(sys.modules); "
        "print(sorted(heavy))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == "[]"
