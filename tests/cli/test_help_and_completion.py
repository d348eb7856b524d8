"""``--help`` screens end with real examples and carry no type artefacts; shell completion
offers ids (issue 15, items 3, 5, 11)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from sovbundle.cli import main
from sovbundle.cli._examples import EXAMPLE_LINES
from sovbundle.cli.catalog_cmds import CERTIFICATION_CHOICES, KIND_CHOICES, PROVIDER_CHOICES
from sovbundle.models import CERTIFICATIONS, KINDS, PROVIDER_IDS

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = list(EXAMPLE_LINES)


def help_of(command: str, capsys: pytest.CaptureFixture[str]) -> str:
    args = [] if command == "sovbundle" else command.split()
    assert main([*args, "--help"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_no_type_artefacts(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of(command, capsys)
    # typer's decorations: {BUNDLE}, <path>, <list[str]>, <float range>, [x>=0], a None metavar
    artefacts = (
        r"\{[A-Z][A-Z_.]*\}",
        r"<(path|str|int|float|text|file|integer|boolean|list)\b",
        r"\bNone\b",
        r"x>=",
        r"list\[",
    )
    for artefact in artefacts:
        assert not re.search(artefact, text), (artefact, text)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_ends_with_real_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of(command, capsys).rstrip()
    lines = text.splitlines()
    examples = EXAMPLE_LINES[command]
    assert 1 <= len(examples) <= 2
    assert [line.strip() for line in lines[-len(examples) :]] == list(examples)
    assert lines[-len(examples) - 2].strip() == "Examples:"


OFFLINE = [
    line
    for lines in EXAMPLE_LINES.values()
    for line in lines
    if "refresh" not in line and "schema -o" not in line
]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder as the examples assume: ``bundles/``, ``plan.json`` and an older ``old.json``."""
    folder = tmp_path_factory.mktemp("examples")
    (folder / "bundles").symlink_to(ROOT / "bundles")
    for name, bundle in (("old.json", "saas-startup"), ("plan.json", "health-portal")):
        done = subprocess.run(
            [sys.executable, "-m", "sovbundle", "plan", f"bundles/{bundle}.yaml", "-o", name],
            cwd=folder,
            capture_output=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode()
    return folder


@pytest.mark.parametrize("line", sorted(set(OFFLINE)))
def test_every_offline_example_runs(line: str, workdir: Path, tmp_path: Path) -> None:
    """The examples are real: each runs (from a folder of the files they name) and exits 0, or
    7 for a diff of two different plans."""
    env = {**os.environ, "SOVBUNDLE_CACHE_DIR": str(tmp_path / "cache")}
    command = line.replace("sovbundle", f"{shlex.quote(sys.executable)} -m sovbundle")
    done = subprocess.run(
        command, shell=True, cwd=workdir, env=env, capture_output=True, timeout=180, check=False
    )
    expected = 7 if " diff " in line else 0
    assert done.returncode == expected, (line, done.stderr.decode())


def test_closed_choices_in_help_match_the_model() -> None:
    assert PROVIDER_CHOICES.split(", ") == list(PROVIDER_IDS)
    assert KIND_CHOICES.split(", ") == list(KINDS)
    assert CERTIFICATION_CHOICES.split(", ") == list(CERTIFICATIONS)


def test_services_help_lists_the_kinds_and_explains_ovh_regions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = " ".join(help_of("services", capsys).split())
    assert "vm, app, database, object_storage, kubernetes" in text
    assert "OVHcloud's lowercase ids (gra, rbx, sbg) are its dedicated-server datacentres" in text


def complete(words: str) -> list[str]:
    env = {
        **os.environ,
        "_SOVBUNDLE_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from sovbundle.cli import main; sys.exit(main())"],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode().split()


def test_completion_of_provider_ids_kinds_and_regions() -> None:
    assert complete("sovbundle services o") == ["ovhcloud", "outscale"]
    assert complete("sovbundle services --kind d") == ["database"]
    assert "GRA11" in complete("sovbundle services --region GR")
    assert complete("sovbundle services --certification se") == ["secnumcloud"]
    assert complete("sovbundle catalog refresh sc") == ["scaleway"]


def test_typer_completion_options_exist(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of("sovbundle", capsys)
    assert "--install-completion" in text and "--show-completion" in text


def test_help_does_not_import_the_heavy_modules() -> None:
    """Completion callbacks and examples load nothing at start-up."""
    code = (
        "import sys\n"
        "from sovbundle.cli import main\n"
        "try:\n    main(['services', '--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('rich', 'httpx', 'highspy', 'pydantic') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()


def test_suggestion_in_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["services", "--kind", "cache"]) == 2
    err = capsys.readouterr().err
    assert "unknown kind 'cache' (did you mean 'kind: database' with 'engine: redis'?)" in err
