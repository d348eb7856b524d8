"""Turn a plan into OpenTofu/Terraform JSON configuration, driven by the mapping tables.

The code here knows no provider: each provider's table (``maps/<provider>.json``) lists rules,
tried in order for each component, and the first whose ``kind`` and ``match`` patterns fit the
component's plan rows is applied:

* ``match``: regular expressions over the component's facts (``sku``, ``region``,
  ``part.<part>.sku``, ``bundle.<field>``); their named groups become facts (``sku.engine``);
* ``derive``: facts looked up in a table (``{"from": "sku.plan", "map": {...}}``);
* ``checks``: values the provider docs enumerate; a value outside them is exported with a warning;
* ``blocks``: ``data``/``resource`` blocks whose bodies are templates (``{{fact}}`` is replaced;
  a string that is only ``{{fact}}`` takes the fact's type, so counts stay numbers;
  ``{"@repeat": fact, "item": ...}`` repeats a nested block);
* ``part_attrs``: attributes that express a plan part beyond the kind's usual ones
  (a database's ``extra_storage``);
* ``variables``/``uses``, ``endpoint``, ``outputs``, ``links``, ``provider_config``;
* ``notes``: README lines, each shown only when its ``when`` patterns match;
* ``manual``: no resource can express it; the text goes to the README (and ``script`` lines to
  ``slapos-request.sh``), and the placement counts as not exported.

Facts the plan does not carry (an app's runtime, a database engine where the SKU does not name
it, GPUs asked for) come from the bundle the plan names, used only when its sha256 matches.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sovbundle.plan import PlacementRow, Plan
from sovbundle.render.tofu.tables import mapping

__all__ = ["Component", "Config", "Unexpressed", "build_config", "label_for"]

META_ARGS = frozenset({"count", "provider", "depends_on", "lifecycle", "for_each", "//"})
_WHOLE = re.compile(r"^\{\{([^{}]+)\}\}$")
_PLACEHOLDER = re.compile(r"\{\{([^{}]+)\}\}")
PART_ORDER = ("instance", "control_plane", "nodes", "storage", "extra_storage", "egress")
EXPRESSED_PARTS: dict[str, tuple[str, ...]] = {
    "vm": ("instance",),
    "app": ("instance",),
    "database": ("instance",),
    "object_storage": ("storage", "egress"),
    "kubernetes": ("control_plane", "nodes"),
}
"""The plan parts every rule of a kind expresses (egress is usage: nothing to create); a rule
expresses more through ``part_attrs``, and any other part is reported as not exported."""


class MissingFact(Exception):
    """A template names a fact this component does not have."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Unexpressed:
    """A placement no resource expresses, with why and what to do instead."""

    component: str
    provider: str
    reason: str


@dataclass
class Component:
    """One component's plan rows on one provider."""

    name: str
    kind: str
    provider: str
    region: str
    rows: list[PlacementRow]

    @property
    def monthly(self) -> Decimal:
        return sum((row.monthly for row in self.rows), Decimal(0))


@dataclass
class Config:
    """Everything the export writes, before it becomes files."""

    plan: Plan
    plan_sha256: str
    bundle_used: str | None
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    data: dict[str, dict[str, Any]] = field(default_factory=dict)
    providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    provider_configs: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    exported: list[tuple[Component, str]] = field(default_factory=list)
    unexpressed: list[Unexpressed] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    script: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    credentials: dict[str, str] = field(default_factory=dict)


def label_for(name: str) -> str:
    """A Terraform block label for a component name (``small-models`` -> ``small_models``)."""
    return name.replace("-", "_")


def _dns(name: str) -> str:
    return name.replace("_", "-")


def _number(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else format(value, "f")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _group(plan: Plan) -> list[Component]:
    groups: dict[str, Component] = {}
    for row in plan.placements:
        group = groups.get(row.component)
        if group is None:
            group = groups[row.component] = Component(
                row.component, row.kind, row.provider, row.region, []
            )
        group.rows.append(row)
    for group in groups.values():
        group.rows.sort(
            key=lambda r: PART_ORDER.index(r.part) if r.part in PART_ORDER else len(PART_ORDER)
        )
    return [groups[name] for name in sorted(groups)]


def _facts(comp: Component, plan: Plan, bundle: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
    first = comp.rows[0]
    facts: dict[str, Any] = {
        "label": label_for(comp.name),
        "component": comp.name,
        "dns": _dns(comp.name),
        "bundle_name": plan.bundle.name,
        "provider": comp.provider,
        "region": comp.region,
        "region_label": re.sub(r"[^a-z0-9]", "_", comp.region.lower()),
        "sku": first.sku,
        "quantity": _number(first.quantity),
        "price_unit": first.price_unit,
        "monthly": money(comp.monthly),
    }
    for row in comp.rows:
        facts[f"part.{row.part}.sku"] = row.sku
        facts[f"part.{row.part}.quantity"] = _number(row.quantity)
        facts[f"part.{row.part}.price_unit"] = row.price_unit
    if bundle is not None and comp.name in bundle:
        for key, value in bundle[comp.name].items():
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if value is not None:
                facts[f"bundle.{key}"] = value
    return facts


def _match(rule: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any] | None:
    """Facts extended with the patterns' named groups, or None when a pattern fails."""
    found: dict[str, Any] = {}
    for key, pattern in rule.get("match", {}).items():
        if key not in facts:
            return None
        matched = re.search(pattern, _text(facts[key]))
        if matched is None:
            return None
        for group, value in matched.groupdict().items():
            if value is not None:
                found[f"{key}.{group}"] = value
    return {**facts, **found}


def fill(template: Any, facts: dict[str, Any]) -> Any:
    """A template with every ``{{fact}}`` replaced (see the module docstring)."""
    if isinstance(template, str):
        whole = _WHOLE.match(template)
        if whole:
            key = whole.group(1)
            if key not in facts:
                raise MissingFact(key)
            return facts[key]

        def one(found: re.Match[str]) -> str:
            key = found.group(1)
            if key not in facts:
                raise MissingFact(key)
            return _text(facts[key])

        return _PLACEHOLDER.sub(one, template)
    if isinstance(template, list):
        return [fill(item, facts) for item in template]
    if isinstance(template, dict):
        if "@repeat" in template:
            key = template["@repeat"]
            if key not in facts:
                raise MissingFact(key)
            return [fill(template["item"], facts) for _ in range(int(facts[key]))]
        return {fill(k, facts): fill(v, facts) for k, v in template.items()}
    return template


def money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


def _comment(comp: Component) -> str:
    lines = [
        f"{row.component} {row.kind}/{row.part}: {row.provider} {row.region} {row.sku} "
        f"x{format(row.quantity, 'f')} {row.price_unit} = {money(row.monthly)} EUR/month"
        for row in comp.rows
    ]
    return "plan line " + "; ".join(lines)


def _choose(
    comp: Component, facts: dict[str, Any], table: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]] | str:
    """The first rule that fits and its facts, or why none does."""
    missing: set[str] = set()
    for rule in table["rules"]:
        if rule["kind"] != comp.kind:
            continue
        matched = _match(rule, facts)
        if matched is None:
            missing.update(k for k in rule.get("match", {}) if k not in facts)
            continue
        return rule, matched
    skus = ", ".join(sorted({f"{row.part} {row.sku}" for row in comp.rows}))
    why = f"no {comp.provider} mapping rule fits {comp.kind} ({skus}) in {comp.region}"
    bundle_keys = sorted(k for k in missing if k.startswith("bundle."))
    if bundle_keys:
        why += (
            f"; the rules need {', '.join(bundle_keys)} from the bundle, which was not "
            "available (pass --bundle FILE, the bundle the plan was made from)"
        )
    return why


def _derive(rule: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any] | str:
    derived = dict(facts)
    for name, spec in rule.get("derive", {}).items():
        source = spec["from"]
        if source not in derived:
            return f"needs {source}, which is not known for this component"
        value = _text(derived[source])
        if value not in spec["map"]:
            known = ", ".join(sorted(spec["map"]))
            return f"{source} '{value}' has no mapping to {name} (known: {known})"
        derived[f"derive.{name}"] = spec["map"][value]
    return derived


def build_config(
    plan: Plan,
    plan_sha256: str,
    bundle: dict[str, dict[str, Any]] | None,
    bundle_used: str | None,
) -> Config:
    """Apply the mapping tables to every component of the plan."""
    config = Config(plan=plan, plan_sha256=plan_sha256, bundle_used=bundle_used)
    config.variables["name_prefix"] = {
        "type": "string",
        "description": "Prefix of every resource name; bucket names are global, so make it "
        "unique (lowercase letters, digits and '-').",
        "default": _dns(re.sub(r"[^a-z0-9_-]", "-", plan.bundle.name.lower()))[:40],
    }
    labels: dict[str, str] = {}
    comps = _group(plan)
    endpoints: dict[str, str] = {}
    rules_used: dict[str, dict[str, Any]] = {}
    facts_of: dict[str, dict[str, Any]] = {}
    for comp in comps:
        label = label_for(comp.name)
        if label in labels:
            config.unexpressed.append(
                Unexpressed(
                    comp.name,
                    comp.provider,
                    f"its Terraform label '{label}' is also that of component "
                    f"'{labels[label]}'; rename one of them in the bundle",
                )
            )
            continue
        labels[label] = comp.name
        table = mapping(comp.provider)
        if table is None:
            config.unexpressed.append(
                Unexpressed(
                    comp.name, comp.provider, f"sovbundle has no mapping for {comp.provider}"
                )
            )
            continue
        facts = _facts(comp, plan, bundle)
        chosen = _choose(comp, facts, table)
        if isinstance(chosen, str):
            config.unexpressed.append(Unexpressed(comp.name, comp.provider, chosen))
            continue
        rule, matched = chosen
        derived = _derive(rule, matched)
        if isinstance(derived, str):
            config.unexpressed.append(
                Unexpressed(comp.name, comp.provider, f"rule {rule['id']}: {derived}")
            )
            continue
        try:
            _apply(config, comp, rule, derived, table)
        except MissingFact as exc:
            config.unexpressed.append(
                Unexpressed(
                    comp.name,
                    comp.provider,
                    f"rule {rule['id']} needs {exc.key}, which is not known for this component",
                )
            )
            continue
        if "manual" in rule:
            continue
        rules_used[comp.name] = rule
        facts_of[comp.name] = derived
        if "endpoint" in rule:
            endpoints[comp.name] = fill(rule["endpoint"], derived)
    _link(config, comps, rules_used, facts_of, endpoints)
    return config


def _apply(
    config: Config,
    comp: Component,
    rule: dict[str, Any],
    facts: dict[str, Any],
    table: dict[str, Any],
) -> None:
    if "manual" in rule:
        config.unexpressed.append(
            Unexpressed(comp.name, comp.provider, fill(rule["manual"], facts))
        )
        config.script.extend(fill(rule.get("script", []), facts))
        config.credentials.setdefault(comp.provider, table["credentials"])
        return
    # Fill everything first: a missing fact leaves the config untouched.
    blocks = [
        (
            block["block"],
            fill(block["type"], facts),
            fill(block["name"], facts),
            fill(block["body"], facts),
        )
        for block in rule["blocks"]
    ]
    variables = {
        fill(name, facts): fill(spec, facts) for name, spec in rule.get("variables", {}).items()
    }
    outputs = {
        fill(name, facts): fill(spec, facts) for name, spec in rule.get("outputs", {}).items()
    }
    notes = [
        fill(note["text"], facts)
        for note in rule.get("notes", [])
        if all(
            re.search(pat, _text(facts.get(key, ""))) for key, pat in note.get("when", {}).items()
        )
    ]
    provider_config = fill(rule["provider_config"], facts) if "provider_config" in rule else None
    endpoint = fill(rule["endpoint"], facts) if "endpoint" in rule else None
    warnings = _checks(comp, rule, facts)
    part_attrs: dict[str, dict[str, Any]] = {}
    left_out: list[PlacementRow] = []
    for row in comp.rows:
        if row.part in EXPRESSED_PARTS.get(comp.kind, ()):
            continue
        if row.part in rule.get("part_attrs", {}):
            extra = rule["part_attrs"][row.part]
            part_attrs.setdefault(fill(extra["type"], facts), {}).update(
                fill(extra["attributes"], facts)
            )
        else:
            left_out.append(row)

    comment = _comment(comp)
    for kind, block_type, name, body in blocks:
        target = config.resources if kind == "resource" else config.data
        if kind == "resource":
            body = {"//": comment, **body, **part_attrs.get(block_type, {})}
        target.setdefault(block_type, {})[name] = body
    for name in rule.get("uses", []):
        config.variables[name] = table["variables"][name]
    config.variables.update(variables)
    if endpoint is not None:
        config.outputs[f"{facts['label']}_endpoint"] = {
            "description": fill(rule["endpoint_description"], facts),
            "value": endpoint,
        }
    config.outputs.update(outputs)
    config.notes.extend(notes)
    config.warnings.extend(warnings)
    known = {
        table["terraform"]["local_name"]: table["terraform"],
        **table.get("extra_providers", {}),
    }
    for _, block_type, _, _ in blocks:
        local = block_type.split("_", 1)[0]
        config.providers[local] = {
            "source": known[local]["source"],
            "version": known[local]["version"],
        }
    if provider_config is not None:
        local = provider_config["local_name"]
        extra = table["extra_providers"][local]
        config.providers[local] = {"source": extra["source"], "version": extra["version"]}
        config.provider_configs.setdefault(local, {})[provider_config["alias"]] = {
            "alias": provider_config["alias"],
            **provider_config["body"],
        }
    config.credentials.setdefault(comp.provider, table["credentials"])
    config.exported.append((comp, rule["id"]))
    for row in left_out:
        config.unexpressed.append(
            Unexpressed(
                comp.name,
                comp.provider,
                f"its {row.part} line ({format(row.quantity, 'f')} {row.price_unit}, "
                f"{money(row.monthly)} EUR/month) has no attribute in rule {rule['id']}; "
                "the rest of the component is exported",
            )
        )


def _checks(comp: Component, rule: dict[str, Any], facts: dict[str, Any]) -> list[str]:
    warnings = []
    for check in rule.get("checks", []):
        value, by = facts.get(check["value"]), facts.get(check["by"])
        allowed = check["allowed"].get(by)
        if allowed is not None and value not in allowed:
            warnings.append(
                f"{comp.name}: {check['value'].split('.')[-1]} '{value}' is not among the "
                f"values the provider docs list for {by} ({', '.join(allowed)}; "
                f"{check['source']}); the provider may refuse it"
            )
    return warnings


def _link(
    config: Config,
    comps: list[Component],
    rules: dict[str, dict[str, Any]],
    facts: dict[str, dict[str, Any]],
    endpoints: dict[str, str],
) -> None:
    """Same-provider links become dependencies where the provider has them; cross-provider
    links hand one side's endpoint to the other (an environment variable of a PaaS app), or
    are listed with the outputs to use."""
    by_name = {c.name: c for c in comps}
    for link in config.plan.links:
        a, b = link.from_, link.to
        if a not in rules or b not in rules:
            missing = ", ".join(n for n in (a, b) if n not in rules)
            config.links.append(f"{a} -> {b}: not wired ({missing} not exported)")
            continue
        same = by_name[a].provider == by_name[b].provider
        wired = False
        for consumer, producer in ((a, b), (b, a)):
            accepts = rules[consumer].get("links", {})
            provides = rules[producer].get("links", {}).get("provides")
            if same and "accepts" in accepts and provides:
                ref = fill(provides, facts[producer])
                _append(config, rules[consumer], facts[consumer], accepts["accepts"], ref)
                config.links.append(
                    f"{a} -> {b}: {consumer} lists {producer} in its {accepts['accepts']}"
                )
                wired = True
                break
            if not same and "environment" in accepts:
                key = f"{label_for(producer).upper()}_ENDPOINT"
                if producer in endpoints:
                    value = (
                        "${jsonencode(" + endpoints[producer][2:-1] + ")}"
                        if _is_expr(endpoints[producer])
                        else endpoints[producer]
                    )
                    how = f"output {label_for(producer)}_endpoint"
                else:
                    var = f"{label_for(producer)}_endpoint"
                    config.variables[var] = {
                        "type": "string",
                        "description": f"Endpoint of {producer} ({by_name[producer].provider}), "
                        f"handed to {consumer} ({by_name[consumer].provider}).",
                    }
                    value = "${var." + var + "}"
                    how = f"variable {var}"
                _env(config, rules[consumer], facts[consumer], accepts["environment"], key, value)
                config.links.append(
                    f"{a} -> {b} (cross-provider): {consumer} gets {key} from {how}"
                )
                wired = True
                break
        if not wired:
            outs = [f"{label_for(n)}_endpoint" for n in (a, b) if n in endpoints]
            where = (
                f"outputs {', '.join(outs)}" if outs else "no output (the provider exposes none)"
            )
            kind = "same provider" if same else "cross-provider"
            config.links.append(f"{a} -> {b} ({kind}): not wired; use {where}")


def _is_expr(value: str) -> bool:
    return value.startswith("${") and value.endswith("}") and value.count("${") == 1


def _target(config: Config, rule: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
    block = next(b for b in reversed(rule["blocks"]) if b["block"] == "resource")
    body: dict[str, Any] = config.resources[fill(block["type"], facts)][fill(block["name"], facts)]
    return body


def _append(
    config: Config, rule: dict[str, Any], facts: dict[str, Any], attr: str, ref: str
) -> None:
    body = _target(config, rule, facts)
    refs = body.setdefault(attr, [])
    if ref not in refs:
        refs.append(ref)
        refs.sort()


def _env(
    config: Config, rule: dict[str, Any], facts: dict[str, Any], attr: str, key: str, value: str
) -> None:
    body = _target(config, rule, facts)
    env = body.setdefault(attr, {})
    env[key] = value
    body[attr] = dict(sorted(env.items()))


def sha256_hex(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()
