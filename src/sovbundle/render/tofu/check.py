"""Offline checks of an export against the packaged attribute tables.

``check_files`` returns problems (empty when the export is sound): a block type the provider
does not have, an attribute it does not have or that is read-only, a required attribute
missing, a nested key unknown, a literal outside a documented enum, a reference to a block,
attribute or variable that does not exist, an output of a sensitive attribute not marked
sensitive. The export runs it on every file set it writes; a problem is a bug of the mapping
tables (exit 1), never written out.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sovbundle.render.tofu.build import META_ARGS
from sovbundle.render.tofu.tables import schema, schema_for_type

__all__ = ["check_files"]

SETTABLE = frozenset({"required", "optional", "optional+computed", "block"})
_REF = re.compile(
    r"(?<![\w.])(data\.)?((?:ovh|scaleway|clevercloud|outscale|aws)_[a-z0-9_]+)\.([a-z0-9_]+)"
    r"(?:\[[^\]]*\])?\.([a-z0-9_]+)"
)
_VAR = re.compile(r"(?<![\w.])var\.([a-z0-9_]+)")


def _settable(attr: dict[str, Any]) -> bool:
    go = attr.get("go")
    if go in SETTABLE or (isinstance(go, str) and go.startswith("helper:")):
        return True
    return go in (None, "absent") and attr.get("docs") in ("required", "optional")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k != "//" for s in _strings(v)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _check_body(
    where: str, block_type: str, body: dict[str, Any], table: dict[str, Any], enums: dict[str, Any]
) -> list[str]:
    problems = []
    attrs = table["attributes"]
    for key, value in body.items():
        if key in META_ARGS:
            continue
        attr = attrs.get(key)
        if attr is None:
            problems.append(f"{where}: {block_type} has no attribute {key!r}")
            continue
        if not _settable(attr):
            problems.append(f"{where}: {block_type}.{key} is read-only")
        nested = attr.get("nested")
        if nested:
            items = value if isinstance(value, list) else [value]
            for item in items:
                if not isinstance(item, dict):
                    continue
                for sub in item:
                    if sub not in nested:
                        problems.append(f"{where}: {block_type}.{key} has no key {sub!r}")
                    elif nested[sub] == "computed":
                        problems.append(f"{where}: {block_type}.{key}.{sub} is read-only")
                for sub, flag in nested.items():
                    if flag == "required" and sub not in item:
                        problems.append(f"{where}: {block_type}.{key} needs {sub!r}")
        enum = enums.get(f"{block_type}.{key}") or attr.get("enum")
        values = enum["values"] if isinstance(enum, dict) else enum
        if values and isinstance(value, str) and "${" not in value and value not in values:
            problems.append(f"{where}: {block_type}.{key} = {value!r} is not one of {values}")
    for key in table["required"]:
        if key not in body:
            problems.append(f"{where}: {block_type} needs {key!r}")
    return problems


def check_files(files: dict[str, bytes]) -> list[str]:
    """Every problem found in an export's files (JSON, schema, references)."""
    problems: list[str] = []
    docs: dict[str, Any] = {}
    for name, raw in files.items():
        if name.endswith(".json"):
            try:
                docs[name] = json.loads(raw)
            except ValueError as exc:
                problems.append(f"{name}: not JSON: {exc}")
    if problems:
        return problems
    main = docs.get("main.tf.json", {})
    variables = docs.get("variables.tf.json", {}).get("variable", {})
    outputs = docs.get("outputs.tf.json", {}).get("output", {})
    required = docs.get("versions.tf.json", {}).get("terraform", {}).get("required_providers", {})
    blocks: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, section in (("resource", "resources"), ("data", "data_sources")):
        for block_type, named in main.get(kind, {}).items():
            table_all = schema_for_type(block_type)
            table = table_all.get(section, {}).get(block_type) if table_all else None
            if table is None or table_all is None:
                problems.append(f"main.tf.json: unknown {kind} type {block_type!r}")
                continue
            local = block_type.split("_", 1)[0]
            if local not in required:
                problems.append(f"main.tf.json: {block_type} needs provider {local!r} required")
            for label, body in named.items():
                where = f"main.tf.json {kind}.{block_type}.{label}"
                if kind == "resource" and "//" not in body:
                    problems.append(f"{where}: no '//' plan-line comment")
                problems.extend(_check_body(where, block_type, body, table, table_all["enums"]))
                prefix = "data." if kind == "data" else ""
                blocks[(prefix + block_type, label)] = table
    aliases = {
        f"{local}.{config.get('alias')}"
        for local, configs in main.get("provider", {}).items()
        for config in configs
    }
    for block_type, named in main.get("resource", {}).items():
        for label, body in named.items():
            if "provider" in body and body["provider"] not in aliases:
                problems.append(
                    f"main.tf.json resource.{block_type}.{label}: provider "
                    f"{body['provider']!r} is not configured"
                )
    for local, configs in main.get("provider", {}).items():
        allowed = schema(local)["provider_config"] if local == "aws" else []
        for config in configs:
            for key in config:
                if key not in allowed:
                    problems.append(f"main.tf.json provider.{local}: unknown argument {key!r}")
    texts = [("main.tf.json", s) for s in _strings(main.get("resource", {}))]
    texts += [("main.tf.json", s) for s in _strings(main.get("data", {}))]
    texts += [("outputs.tf.json", s) for s in _strings(outputs)]
    for where, text in texts:
        for data, block_type, label, attr in _REF.findall(text):
            table = blocks.get((data + block_type, label))
            if table is None:
                problems.append(f"{where}: reference to undeclared {data}{block_type}.{label}")
            elif attr not in table["attributes"]:
                problems.append(f"{where}: {block_type} has no attribute {attr!r} ({text})")
        for name in _VAR.findall(text):
            if name not in variables:
                problems.append(f"{where}: reference to undeclared var.{name}")
    for name, output in outputs.items():
        for data, block_type, label, attr in _REF.findall(str(output.get("value", ""))):
            table = blocks.get((data + block_type, label))
            sensitive = table is not None and table["attributes"].get(attr, {}).get("sensitive")
            if sensitive and not output.get("sensitive"):
                problems.append(f"outputs.tf.json {name}: {block_type}.{attr} is sensitive")
    for name, spec in variables.items():
        if not spec.get("description"):
            problems.append(f"variables.tf.json {name}: no description")
    return problems
