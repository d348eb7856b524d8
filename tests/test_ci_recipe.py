"""The README's CI recipe works as written: its sovbundle commands, run offline.

The commands are read from the README block after ``<!-- ci-recipe``; ``--refresh`` runs for
real against a local server that fails every provider (no network in tests), so the plan falls
back on the packaged catalogs, as a job whose refresh fails does.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
from pathlib import Path

import pytest

from sovbundle.cli import main
from sovbundle.config import base_url_env
from tests.support.http_server import FaultServer

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def recipe_commands() -> list[str]:
    block = re.search(r"<!-- ci-recipe[^\n]*\n```yaml\n(.*?)```", README, re.S)
    assert block, "README has no CI recipe block"
    return [
        line.strip()
        for line in block.group(1).splitlines()
        if line.strip().startswith("sovbundle ")
    ]


def commit_command() -> str:
    found = re.search(r"Commit a plan once \(`(sovbundle plan [^`]+)`\)", README)
    assert found, "README does not say how to commit the first plan"
    return found.group(1)


def run(command: str) -> int:
    """One shell line of the recipe: ``sovbundle ARGS [> FILE]``."""
    words = shlex.split(command)
    target = None
    if ">" in words:
        at = words.index(">")
        words, target = words[:at], words[at + 1]
    assert words[0] == "sovbundle"
    if target is None:
        return main(words[1:])
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(words[1:])
    Path(target).write_text(buffer.getvalue(), encoding="utf-8")
    return code


@pytest.fixture
def workdir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, http_server: FaultServer, fast_http: None
) -> Path:
    for name in list(os.environ):
        if name.startswith("SOVBUNDLE_") or name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SOVBUNDLE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for pid in ("ovhcloud", "scaleway", "clevercloud"):
        monkeypatch.setenv(base_url_env(pid), http_server.url(f"/{pid}"))  # 404: refresh fails
    monkeypatch.setenv(base_url_env("outscale"), http_server.url("/outscale/{region}"))
    shutil.copytree(ROOT / "bundles", tmp_path / "bundles")
    (tmp_path / "plans").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_recipe_exits_0_on_an_unchanged_plan_and_7_with_a_comment_when_it_moved(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (scheduled,) = recipe_commands()
    assert "--refresh" in scheduled and "--compare-to" in scheduled
    assert run(commit_command()) == 0
    committed = workdir / "plans" / "health-portal.json"
    assert run(scheduled) == 0  # same catalogs: the committed plan is still the optimum
    capsys.readouterr()
    # The committed plan was made when a placement cost less: the scheduled job sees it moved.
    data = json.loads(committed.read_text())
    data["placements"][0]["monthly"] = 1.0
    committed.write_text(json.dumps(data, indent=2))
    assert run(scheduled) == 7
    comment = (workdir / "comment.md").read_text(encoding="utf-8")
    assert comment.startswith("### sovbundle: health-portal ")
    assert "| provider | old EUR/month | new EUR/month | change |" in comment
    assert "live refresh failed" in comment  # the failed refresh is in the warnings
    assert len(comment) <= 65_536
    assert json.loads((workdir / "new-plan.json").read_text())["format_version"] == "1.1"
