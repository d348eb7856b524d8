"""The README stays true to the code: every command documented, its bundle example valid."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sovbundle.cli import app
from sovbundle.errors import (
    PLANS_DIFFER,
    BundleError,
    CatalogError,
    InfeasibleError,
    PlanFileError,
    ProviderError,
    SovbundleError,
    UsageError,
)
from sovbundle.spec.loader import parse_bundle

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def command_paths() -> list[str]:
    paths = [
        command.name or (command.callback.__name__ if command.callback else "")
        for command in app.registered_commands
    ]
    for group in app.registered_groups:
        assert group.typer_instance is not None
        paths += [f"{group.name} {c.name}" for c in group.typer_instance.registered_commands]
    return sorted(paths)


def test_there_are_commands() -> None:
    assert {"validate", "schema", "providers", "services"} <= set(command_paths())


@pytest.mark.parametrize("path", command_paths())
def test_every_command_is_in_the_readme(path: str) -> None:
    assert f"`sovbundle {path}" in README, f"README does not document `sovbundle {path}`"


def test_the_readme_bundle_example_is_valid() -> None:
    match = re.search(r"## A bundle\n\n```yaml\n(.*?)```", README, re.S)
    assert match, "README has no bundle example"
    spec = parse_bundle(match.group(1).encode(), "README.md")
    assert spec.components


@pytest.mark.parametrize(
    "error",
    [
        SovbundleError,
        UsageError,
        BundleError,
        PlanFileError,
        InfeasibleError,
        ProviderError,
        CatalogError,
    ],
)
def test_exit_codes_table_matches_the_error_tree(error: type[SovbundleError]) -> None:
    assert re.search(rf"^\| {error.exit_code} \| ", README, re.M)


def test_exit_code_7_is_in_the_table() -> None:
    assert PLANS_DIFFER == 7
    assert re.search(rf"^\| {PLANS_DIFFER} \| the plans differ", README, re.M)
