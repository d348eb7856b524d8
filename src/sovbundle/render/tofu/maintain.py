"""Regenerate the attribute tables in ``schemas/`` (a maintenance step, never run by the CLI).

    python -m sovbundle.render.tofu.maintain ATTRS_JSON

``ATTRS_JSON`` is the ``attrs.json`` of the IaC reference pack (generated from the four providers'
Go schemas and docs pages at the commits in ``PACK`` below). The tables keep only the block types
the mapping tables in ``maps/`` can emit, merged with ``schemas/supplement.json`` (types and enum
values read by hand from the docs it names). Each table records where its rows come from.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["PACK", "build_tables", "main", "used_types"]

HERE = Path(__file__).resolve().parent

PACK: dict[str, dict[str, str]] = {
    "ovh": {
        "source": "ovh/ovh",
        "repo": "ovh/terraform-provider-ovh",
        "tag": "v2.19.0",
        "tag_commit": "913f92cb66a9a396ff7bb6cbf8f7f1c5cc0a7c21 (2026-08-07)",
        "snapshot_commit": "a1ae5bcee34bfe693ffc152f057b26cdf9160f46 (2026-08-21)",
    },
    "scaleway": {
        "source": "scaleway/scaleway",
        "repo": "scaleway/terraform-provider-scaleway",
        "tag": "v2.81.0",
        "tag_commit": "6018996908fe5bd84f93373de1575be924e3f822 (2026-08-14)",
        "snapshot_commit": "b2d45ed4bd720e127167f80f1e0b86c7833577e6 (2026-08-21)",
    },
    "clevercloud": {
        "source": "CleverCloud/clevercloud",
        "repo": "CleverCloud/terraform-provider-clevercloud",
        "tag": "v2.1.0",
        "tag_commit": "da1c908cb7e63cd606ce6b90cb15ba09f971540e (2026-08-13)",
        "snapshot_commit": "8825202f8ea4fa82784e4754f2f32178ea0060fd (2026-08-19)",
    },
    "outscale": {
        "source": "outscale/outscale",
        "repo": "outscale/terraform-provider-outscale",
        "tag": "v1.8.0",
        "tag_commit": "70f2bbeb2361b374d7cb52504d90ac3e29d70fa7 (2026-08-12)",
        "snapshot_commit": "70f2bbeb2361b374d7cb52504d90ac3e29d70fa7 (2026-08-12)",
    },
    "aws": {
        "source": "hashicorp/aws",
        "repo": "hashicorp/terraform-provider-aws",
        "tag": "(not pinned)",
        "tag_commit": "-",
        "snapshot_commit": "docs page only, see supplement",
    },
}
"""The reference pack's provider snapshots (recorded 2026-12-02)."""

RECORDED = "2026-12-02"


def used_types() -> dict[str, dict[str, set[str]]]:
    """``{schema: {"resource"|"data": {type}}}`` for every block type the maps can emit."""
    used: dict[str, dict[str, set[str]]] = {}
    for path in sorted((HERE / "maps").glob("*.json")):
        table = json.loads(path.read_text(encoding="utf-8"))
        if table["terraform"] is None:
            continue
        schemas = {table["terraform"]["schema"]}
        schemas.update(p["schema"] for p in table.get("extra_providers", {}).values())
        for rule in table["rules"]:
            for block in rule.get("blocks", []):
                types = [block["type"]]
                if block["type"] == "{{derive.type}}":
                    types = sorted({str(v) for v in rule["derive"]["type"]["map"].values()})
                for name in types:
                    schema = "aws" if name.startswith("aws_") else table["terraform"]["schema"]
                    kinds = used.setdefault(schema, {"resource": set(), "data": set()})
                    kinds[block["block"]].add(name)
        for schema in schemas:
            used.setdefault(schema, {"resource": set(), "data": set()})
    return used


def _from_attrs(entry: dict[str, Any]) -> dict[str, Any]:
    attributes = {}
    for name, attr in sorted(entry["attributes"].items()):
        row: dict[str, Any] = {"go": attr["go"], "docs": attr["docs"]}
        if attr.get("nested"):
            row["nested"] = dict(sorted(attr["nested"].items()))
        if attr.get("sensitive"):
            row["sensitive"] = True
        attributes[name] = row
    return {
        "origin": f"{entry['repo']}@{entry['commit']} Go schema ({', '.join(entry['go_files'])})"
        f" and {entry['doc']}",
        "required": sorted(entry["required"]),
        "attributes": attributes,
    }


def _from_supplement(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "origin": entry["doc"],
        "required": sorted(entry["required"]),
        "attributes": dict(sorted(entry["attributes"].items())),
    }


def build_tables(attrs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The per-provider tables, keyed by schema name."""
    supplement = json.loads((HERE / "schemas" / "supplement.json").read_text(encoding="utf-8"))
    tables: dict[str, dict[str, Any]] = {}
    for schema, kinds in sorted(used_types().items()):
        extra = supplement.get(schema, {})
        resources: dict[str, Any] = {}
        for name in sorted(kinds["resource"]):
            if name in extra.get("resources", {}):
                resources[name] = _from_supplement(extra["resources"][name])
            elif name in attrs:
                resources[name] = _from_attrs(attrs[name])
            else:
                raise SystemExit(f"{name}: in no attribute table (attrs.json or supplement)")
        data: dict[str, Any] = {}
        for name in sorted(kinds["data"]):
            if name not in extra.get("data_sources", {}):
                raise SystemExit(f"data {name}: not in supplement.json")
            data[name] = _from_supplement(extra["data_sources"][name])
        tables[schema] = {
            "provenance": {
                **PACK[schema],
                "recorded": RECORDED,
                "generated_by": "python -m sovbundle.render.tofu.maintain ATTRS_JSON",
                "note": "go flags come from the provider's Go schema at snapshot_commit; docs "
                "flags from its docs pages; an attribute added after the tag may be missing "
                "from the released binary",
            },
            "provider_config": extra.get("provider", {}).get("config", []),
            "resources": resources,
            "data_sources": data,
            "enums": dict(sorted(extra.get("enums", {}).items())),
        }
    return tables


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write("usage: python -m sovbundle.render.tofu.maintain ATTRS_JSON\n")
        return 2
    attrs = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    for schema, table in build_tables(attrs).items():
        out = HERE / "schemas" / f"{schema}.json"
        out.write_text(json.dumps(table, indent=1, sort_keys=False) + "\n", encoding="utf-8")
        sys.stdout.write(f"wrote {out.name}: {len(table['resources'])} resources\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
