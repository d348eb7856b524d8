"""What a new user trips on in a bundle: synonyms, multipliers, stdin (issue 15, items 3, 6)."""

from __future__ import annotations

import io
import textwrap

import pytest

from sovbundle.cli import main
from sovbundle.errors import BundleError
from sovbundle.spec.loader import parse_bundle


def errors_of(text: str) -> list[str]:
    with pytest.raises(BundleError) as caught:
        parse_bundle(textwrap.dedent(text).encode(), "b.yaml")
    return [issue.message for issue in caught.value.issues]


def one_error(component: str) -> str:
    (message,) = errors_of(f"version: 1\nname: x\ncomponents:\n  c: {component}\n")
    return message


@pytest.mark.parametrize(
    ("component", "expected"),
    [
        ("{kind: database, engine: postgresql, ha: true}", "(did you mean 'high_availability'?)"),
        ("{kind: kubernetes, ha: true}", "(did you mean 'high_availability'?)"),
        ("{kind: vm, gpu: L4}", "(did you mean 'gpu_model'?)"),
        ("{kind: vm, gpu: 2}", "(did you mean 'gpus'?)"),
        ("{kind: vm, ram: 4}", "(did you mean 'memory_gb'?)"),
        ("{kind: vm, storage: 40}", "(did you mean 'disk_gb'?)"),
        ("{kind: database, engine: redis, storage: 40}", "(did you mean 'storage_gb'?)"),
        ("{kind: vm, cores: 4}", "(did you mean 'vcpus'?)"),
        ("{kind: vm, region: FR}", "(did you mean 'countries'?)"),
    ],
)
def test_synonyms_suggest_the_key_meant(component: str, expected: str) -> None:
    assert expected in one_error(component)


def test_cache_kind_points_to_a_redis_database() -> None:
    message = one_error("{kind: cache}")
    assert "(did you mean 'kind: database' with 'engine: redis'?)" in message


@pytest.mark.parametrize(
    ("word", "meant"), [("k8s", "kubernetes"), ("s3", "object_storage"), ("paas", "app")]
)
def test_kind_synonyms(word: str, meant: str) -> None:
    assert f"(did you mean {meant!r}?)" in one_error(f"{{kind: {word}}}")


def test_edit_distance_still_suggests() -> None:
    assert "(did you mean 'vcpus'?)" in one_error("{kind: vm, vcpu: 2}")
    assert "(did you mean 'object_storage'?)" in one_error("{kind: object_storag}")


@pytest.mark.parametrize(
    ("component", "meant"),
    [
        ("{kind: app, runtime: python, count: 2}", "instances"),
        ("{kind: vm, instances: 2}", "count"),
        ("{kind: kubernetes, replicas: 3}", "nodes"),
        ("{kind: app, runtime: python, nodes: 3}", "instances"),
    ],
)
def test_the_three_multipliers_are_explained(component: str, meant: str) -> None:
    message = one_error(component)
    assert f"(did you mean {meant!r}?)" in message
    assert "count is for vm, instances for app, nodes for kubernetes" in message


def test_a_single_service_takes_no_multiplier() -> None:
    message = one_error("{kind: database, engine: postgresql, count: 2}")
    assert "takes no multiplier" in message


BUNDLE = "version: 1\nname: s\ncomponents:\n  web: {kind: vm, vcpus: 1}\n"


def test_dash_reads_the_bundle_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(BUNDLE.encode())))
    assert main(["validate", "-"]) == 0
    assert capsys.readouterr().out == "ok: 1 component, 0 links\n"


def test_stdin_errors_say_stdin_line_col(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = BUNDLE.replace("vcpus", "vcpu")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(bad.encode())))
    assert main(["validate", "-"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("<stdin>:4:19: unknown key 'vcpu'"), err


def test_stdin_over_the_size_limit_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = b"# " + b"x" * (1024 * 1024) + b"\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(huge)))
    assert main(["validate", "-"]) == 3
    assert "<stdin>: file too large" in capsys.readouterr().err


def test_a_real_pipe_into_plan_dash() -> None:
    """``cat b.yaml | sovbundle plan -`` through a real pipe (the bytes path of stdin)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "sovbundle", "plan", "-", "--json"],
        input=BUNDLE.encode(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert b'"path": "<stdin>"' in done.stdout
