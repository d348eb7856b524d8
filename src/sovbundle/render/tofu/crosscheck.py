"""Cross-check the attribute tables against SDKs generated from the same providers' schemas.

    pip download --no-deps pulumi-ovh pulumiverse-scaleway cdktf-provider-clevercloud -d WHEELS
    python -m sovbundle.render.tofu.crosscheck WHEELS/*.whl

A maintenance step (the wheels are not a dependency and tests never download them). Each Pulumi
resource has an ``<Name>Args`` class whose ``__init__`` lists the inputs (required ones have no
default); each CDKTF resource a ``<Name>Config`` class that does the same with the Terraform names
(minus the meta-arguments). Both are read with ``ast`` from the wheel, nothing is imported or
run. The script reports, per Terraform type:
attributes our table lets a configuration set that Pulumi does not know, and inputs Pulumi
requires that our table does not require. Pulumi renames a few attributes and makes provider-
defaulted ones (``service_name``, ``project_id``) optional, so a difference is a lead to read,
not a verdict.
"""

from __future__ import annotations

import ast
import sys
import zipfile
from pathlib import Path

from sovbundle.render.tofu.check import _settable
from sovbundle.render.tofu.tables import schema

__all__ = ["CDKTF_CLEVERCLOUD", "PULUMI", "compare", "main"]

PULUMI: dict[str, tuple[str, str, str]] = {
    "ovh_cloud_project_database": ("ovh", "pulumi_ovh/cloudproject/database.py", "Database"),
    "ovh_cloud_project_instance": ("ovh", "pulumi_ovh/cloudproject/instance.py", "Instance"),
    "ovh_cloud_project_kube": ("ovh", "pulumi_ovh/cloudproject/kube.py", "Kube"),
    "ovh_cloud_project_kube_nodepool": (
        "ovh",
        "pulumi_ovh/cloudproject/kube_node_pool.py",
        "KubeNodePool",
    ),
    "ovh_cloud_project_storage": ("ovh", "pulumi_ovh/cloudproject/storage.py", "Storage"),
    "scaleway_instance_server": (
        "scaleway",
        "pulumiverse_scaleway/instance/server.py",
        "Server",
    ),
    "scaleway_baremetal_server": (
        "scaleway",
        "pulumiverse_scaleway/elasticmetal/server.py",
        "Server",
    ),
    "scaleway_rdb_instance": (
        "scaleway",
        "pulumiverse_scaleway/databases/instance.py",
        "Instance",
    ),
    "scaleway_redis_cluster": ("scaleway", "pulumiverse_scaleway/redis/cluster.py", "Cluster"),
    "scaleway_mongodb_instance": (
        "scaleway",
        "pulumiverse_scaleway/mongodb/instance.py",
        "Instance",
    ),
    "scaleway_object_bucket": ("scaleway", "pulumiverse_scaleway/object/bucket.py", "Bucket"),
    "scaleway_k8s_cluster": (
        "scaleway",
        "pulumiverse_scaleway/kubernetes/cluster.py",
        "Cluster",
    ),
    "scaleway_k8s_pool": ("scaleway", "pulumiverse_scaleway/kubernetes/pool.py", "Pool"),
    "scaleway_vpc_private_network": (
        "scaleway",
        "pulumiverse_scaleway/network/private_network.py",
        "PrivateNetwork",
    ),
}
"""Terraform type -> (attribute table, file in the wheel, Pulumi class name): ``<name>Args``."""

CDKTF_CLEVERCLOUD = [
    "nodejs",
    "python",
    "php",
    "go",
    "ruby",
    "rust",
    "docker",
    "dotnet",
    "scala",
    "postgresql",
    "mysql",
    "redis",
    "mongodb",
    "cellar",
    "cellar_bucket",
]
"""Clever Cloud types checked against ``cdktf-provider-clevercloud`` (``<Name>Config``)."""

META_ARGS = frozenset(
    {"connection", "count", "depends_on", "for_each", "lifecycle", "provider", "provisioners"}
)


def _targets() -> dict[str, tuple[str, str, str]]:
    """Terraform type -> (attribute table, file in a wheel, class to read)."""
    targets = {t: (table, path, f"{cls}Args") for t, (table, path, cls) in PULUMI.items()}
    for name in CDKTF_CLEVERCLOUD:
        cls = "".join(part.capitalize() for part in name.split("_"))
        targets[f"clevercloud_{name}"] = (
            "clevercloud",
            f"clevercloud_cdktf_provider_clevercloud/{name}/__init__.py",
            f"{cls}Config",
        )
    return targets


def _params(tree: ast.Module, class_name: str) -> tuple[set[str], set[str]] | None:
    """``(all keyword parameters, those without a default)`` of ``class_name.__init__``."""
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    args = item.args
                    names = [a.arg for a in args.kwonlyargs]
                    required = {
                        a.arg
                        for a, default in zip(args.kwonlyargs, args.kw_defaults, strict=True)
                        if default is None
                    }
                    return set(names), required
    return None


def compare(wheels: list[Path]) -> list[str]:
    """One line per Terraform type: agreement, or the differences found."""
    sources: dict[str, str] = {}
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                if name.endswith(".py"):
                    sources[name] = archive.read(name).decode("utf-8")
    lines = []
    for tf_type, (table_name, path, cls) in sorted(_targets().items()):
        if path not in sources:
            lines.append(f"{tf_type}: {path} not in the wheels given")
            continue
        tree = ast.parse(sources[path])
        found = _params(tree, cls)
        if found is None:
            lines.append(f"{tf_type}: no {cls} in {path}")
            continue
        inputs, required = found[0] - META_ARGS, found[1] - META_ARGS
        table = schema(table_name)["resources"][tf_type]
        settable = {n for n, a in table["attributes"].items() if _settable(a)}
        ours_only = sorted(settable - inputs)
        pulumi_required = sorted(required - set(table["required"]))
        ours_required = sorted(set(table["required"]) - required)
        parts = []
        if ours_only:
            parts.append(f"settable here, not an SDK input: {', '.join(ours_only)}")
        if pulumi_required:
            parts.append(f"required by the SDK only: {', '.join(pulumi_required)}")
        if ours_required:
            parts.append(f"required here only: {', '.join(ours_required)}")
        lines.append(f"{tf_type}: " + ("; ".join(parts) if parts else "agrees"))
    return lines


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        sys.stderr.write("usage: python -m sovbundle.render.tofu.crosscheck WHEEL...\n")
        return 2
    for line in compare([Path(a) for a in args]):
        sys.stdout.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
