"""The export's data: one mapping table per provider (``maps/``), one attribute table per
Terraform provider (``schemas/``), both packaged with sovbundle and read-only at run time."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["mapping", "mappings", "schema", "schema_for_type"]

HERE = Path(__file__).resolve().parent

PREFIXES: dict[str, str] = {
    "ovh_": "ovh",
    "scaleway_": "scaleway",
    "clevercloud_": "clevercloud",
    "outscale_": "outscale",
    "aws_": "aws",
}
"""Which attribute table holds a block type, by the type's prefix."""


@cache
def mappings() -> dict[str, dict[str, Any]]:
    """Every provider's mapping table, by sovbundle provider id."""
    tables: dict[str, dict[str, Any]] = {}
    for path in sorted((HERE / "maps").glob("*.json")):
        table = json.loads(path.read_text(encoding="utf-8"))
        tables[table["provider"]] = table
    return tables


def mapping(provider: str) -> dict[str, Any] | None:
    """The mapping table of a provider, or None when sovbundle has none."""
    return mappings().get(provider)


@cache
def schema(name: str) -> dict[str, Any]:
    """The attribute table of one Terraform provider (``ovh``, ``scaleway``...)."""
    path = HERE / "schemas" / f"{name}.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def schema_for_type(block_type: str) -> dict[str, Any] | None:
    """The attribute table that holds ``block_type``, by its prefix."""
    for prefix, name in PREFIXES.items():
        if block_type.startswith(prefix):
            return schema(name)
    return None
