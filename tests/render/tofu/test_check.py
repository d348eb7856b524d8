"""The offline schema check finds what it claims to find: each mutation of a sound export fails."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sovbundle.render.tofu.check import check_files
from tests.render.tofu.support import export_case, row

Mutation = Callable[[dict[str, Any]], None]


def _sound(tmp_path: Path) -> dict[str, bytes]:
    rows = [
        row("web", "vm", "ovhcloud", "GRA11", "b3-8"),
        row("k", "kubernetes", "scaleway", "fr-par-1", "kapsule-mutualized", part="control_plane"),
        row("k", "kubernetes", "scaleway", "fr-par-1", "PRO2-M", 2, part="nodes"),
    ]
    files = export_case(tmp_path, rows).files
    assert check_files(files) == []
    return files


def _res(main: dict[str, Any], block_type: str, label: str) -> dict[str, Any]:
    body: dict[str, Any] = main["resource"][block_type][label]
    return body


MUTATIONS: dict[str, tuple[Mutation, str]] = {
    "unknown type": (
        lambda m: m["resource"].__setitem__("ovh_cloud_project_nonesuch", {"x": {"//": "c"}}),
        "unknown resource type",
    ),
    "unknown attribute": (
        lambda m: _res(m, "scaleway_k8s_pool", "k").__setitem__("node_count", 2),
        "has no attribute 'node_count'",
    ),
    "read-only attribute": (
        lambda m: _res(m, "scaleway_k8s_cluster", "k").__setitem__("apiserver_url", "x"),
        "is read-only",
    ),
    "missing required": (
        lambda m: _res(m, "scaleway_k8s_cluster", "k").pop("cni"),
        "needs 'cni'",
    ),
    "bad enum": (
        lambda m: _res(m, "ovh_cloud_project_instance", "web").__setitem__(
            "billing_period", "weekly"
        ),
        "is not one of",
    ),
    "unknown nested key": (
        lambda m: _res(m, "ovh_cloud_project_instance", "web").__setitem__(
            "flavor", {"flavor_name": "b3-8"}
        ),
        "has no key 'flavor_name'",
    ),
    "dangling reference": (
        lambda m: _res(m, "scaleway_k8s_pool", "k").__setitem__(
            "cluster_id", "${scaleway_k8s_cluster.other.id}"
        ),
        "reference to undeclared scaleway_k8s_cluster.other",
    ),
    "unknown referenced attribute": (
        lambda m: _res(m, "scaleway_k8s_pool", "k").__setitem__(
            "cluster_id", "${scaleway_k8s_cluster.k.cluster_uuid}"
        ),
        "has no attribute 'cluster_uuid'",
    ),
    "undeclared variable": (
        lambda m: _res(m, "scaleway_k8s_pool", "k").__setitem__("name", "${var.nope}"),
        "undeclared var.nope",
    ),
    "no plan comment": (
        lambda m: _res(m, "scaleway_k8s_pool", "k").pop("//"),
        "no '//' plan-line comment",
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_each_mutation_is_caught(name: str, tmp_path: Path) -> None:
    files = _sound(tmp_path)
    mutate, expected = MUTATIONS[name]
    main = json.loads(files["main.tf.json"])
    mutate(main)
    files = {**files, "main.tf.json": json.dumps(main).encode()}
    problems = check_files(files)
    assert any(expected in p for p in problems), problems


def test_a_sensitive_output_must_be_marked(tmp_path: Path) -> None:
    files = _sound(tmp_path)
    outputs = json.loads(files["outputs.tf.json"])
    outputs["output"]["k_kubeconfig"].pop("sensitive")
    problems = check_files({**files, "outputs.tf.json": json.dumps(outputs).encode()})
    assert any("is sensitive" in p for p in problems)


def test_a_provider_alias_must_be_configured(tmp_path: Path) -> None:
    rows = [row("b", "object_storage", "outscale", "eu-west-2", "oos", 10, part="storage")]
    files = export_case(tmp_path, rows).files
    assert check_files(files) == []
    main = json.loads(files["main.tf.json"])
    main["resource"]["aws_s3_bucket"]["b"]["provider"] = "aws.elsewhere"
    problems = check_files({**files, "main.tf.json": json.dumps(main).encode()})
    assert any("'aws.elsewhere' is not configured" in p for p in problems)


def test_invalid_json_is_caught(tmp_path: Path) -> None:
    files = {**_sound(tmp_path), "main.tf.json": b"{"}
    assert any("not JSON" in p for p in check_files(files))


def test_every_block_type_a_map_can_emit_has_an_attribute_table() -> None:
    from sovbundle.render.tofu.maintain import used_types
    from sovbundle.render.tofu.tables import schema

    for name, kinds in used_types().items():
        table = schema(name)
        assert table["provenance"]["recorded"]
        assert kinds["resource"] <= set(table["resources"]), name
        assert kinds["data"] <= set(table["data_sources"]), name
        for entry in [*table["resources"].values(), *table["data_sources"].values()]:
            assert entry["origin"]
            assert set(entry["required"]) <= set(entry["attributes"])
