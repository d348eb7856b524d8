"""Turn pydantic's validation errors on a bundle into messages people can act on.

Each error becomes a ``SpecMessage``: the path of the offending key or value in the document,
whether to point at the key or at the value, and a message that says what is allowed, with a
"did you mean" where a near match exists. The loader maps the path to a file position.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from sovbundle.spec.model import (
    COMPONENT_MODELS,
    BundleSpec,
    ComponentConstraints,
    Constraints,
    Link,
    Policy,
    UnknownEvidence,
)
from sovbundle.spec.yamlpos import REFUSED, code_points, shorten

__all__ = [
    "KEY_SYNONYMS",
    "KIND_SYNONYMS",
    "MULTIPLIERS",
    "DataPath",
    "SpecMessage",
    "Suggester",
    "describe_errors",
    "did_you_mean",
    "kind_hint",
    "label",
]

DataPath = tuple[str | int, ...]

_INTEGER_FIELDS = frozenset({"count", "instances", "nodes", "gpus", "min_providers"})
_NOUNS = {
    "providers": "provider",
    "exclude_providers": "provider",
    "certifications": "certification",
    "runtime": "runtime",
    "engine": "engine",
    "arch": "architecture",
    "storage_class": "storage class",
    "colocate": "colocate level",
    "apart": "apart level",
    "kind": "kind",
}
_PATTERN_HINTS = {
    "countries": "must be an ISO 3166-1 alpha-2 country code in capitals, such as FR or DE",
    "name": "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
    "from": "must be a component name",
    "to": "must be a component name",
}
_COMPONENT_NAME_HINT = "must be 1-63 lowercase letters, digits, '_' or '-', starting with a letter"
# Errors the loader reports itself, with better positions.
_SKIPPED_TYPES = frozenset({"link_unknown_component", "link_contradiction"})


@dataclass(frozen=True)
class SpecMessage:
    """One validation problem: where it is in the document, and what to say."""

    path: DataPath
    at: Literal["key", "value"]
    """Point at the key of ``path[-1]`` in its mapping, or at the value."""
    message: str


_SMALL: Final = 100
"""Up to this many choices, every one is compared (difflib); above, only indexed near misses."""
_MAX_WORD: Final = 64
"""Longer words get no suggestion: nothing that long is a typo of a short id."""


def _deletions(word: str) -> set[str]:
    """``word`` and every string one character shorter (the symmetric-delete index keys)."""
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


class Suggester:
    """ "Did you mean" over a fixed set of choices, indexed once; each lookup is bounded.

    Small sets (``_SMALL``, the allowed keys or kinds) are compared whole with difflib. Large
    ones (thousands of component names) are indexed by their one-character deletions: a lookup
    costs about ``2 * len(word)`` dict probes and ranks only the choices within two edits
    (a substitution, insertion, deletion or transposition each way), so a spec with thousands
    of misspelt names validates in linear time.
    """

    def __init__(self, choices: Iterable[str]) -> None:
        self._lowered = {choice.lower(): choice for choice in choices}
        self._index: dict[str, list[str]] | None = None
        if len(self._lowered) > _SMALL:
            self._index = {}
            for low in self._lowered:
                if len(low) <= _MAX_WORD:
                    for key in _deletions(low):
                        self._index.setdefault(key, []).append(low)

    def __call__(self, word: str) -> str:
        """`` (did you mean 'x'?)`` for the nearest choice (case-insensitive), or ``""``."""
        low = word.lower()
        if len(low) > _MAX_WORD:
            return ""
        if self._index is None:
            pool = list(self._lowered)
        else:
            found = {c for key in _deletions(low) for c in self._index.get(key, ())}
            pool = sorted(found)
        near = difflib.get_close_matches(low, pool, n=1, cutoff=0.6)
        if not near and len(low) >= 3 and self._index is None:
            # Abbreviations such as 'ovh' or 'postgres' are prefixes of the real id.
            near = [choice for choice in self._lowered if choice.startswith(low)][:1]
        if not near:
            return ""
        return f" (did you mean {self._lowered[near[0]]!r}?)"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the nearest choice (case-insensitive), or ``""``.

    Builds a ``Suggester`` for one lookup; for many lookups over the same choices, build one.
    """
    return Suggester(choices)(word)


def _unquote(value: Any, pattern: str) -> str:
    """A hint when a quoted string holds what would be valid without the quotes."""
    if isinstance(value, str) and re.fullmatch(pattern, value.strip()):
        return f"; write {value.strip()} without quotes"
    return ""


def label(path: DataPath) -> str:
    """``components.api.vcpus``, ``links[2].to``, ``constraints.countries[0]``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not part.isprintable():
            # A name holding a line break or a control character is shown escaped, so a
            # message stays on one line and says exactly what the file holds.
            text += f"[{shorten(part)!r}]"
        else:
            text += f".{shorten(part)}" if text else shorten(part)
    return text or "the bundle"


def _owner(path: DataPath) -> str:
    if not path:
        return "the bundle"
    if len(path) == 2 and path[0] == "components":
        return f"component {shorten(str(path[1]))!r}"
    return label(path)


def _model_at(path: DataPath, data: Any) -> type[BaseModel] | None:
    """The model that validates the mapping at ``path``, if it has one."""
    fixed: dict[DataPath, type[BaseModel]] = {
        (): BundleSpec,
        ("constraints",): Constraints,
        ("policy",): Policy,
        ("policy", "unknown_evidence"): UnknownEvidence,
    }
    if path in fixed:
        return fixed[path]
    if len(path) == 2 and path[0] == "links":
        return Link
    if len(path) == 2 and path[0] == "components":
        kind = _get(data, (*path, "kind"))
        return COMPONENT_MODELS.get(kind) if isinstance(kind, str) else None
    return None


def _keys(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _get(data: Any, path: DataPath) -> Any:
    for part in path:
        found = isinstance(data, dict) and part in data
        found = found or (isinstance(data, list) and isinstance(part, int) and part < len(data))
        if not found:
            return None
        data = data[part]
    return data


def _num(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def _got(value: Any) -> str:
    """What the user wrote, in words and short."""
    if value is None:
        return "got null, an empty value"
    if isinstance(value, bool):
        return f"got {str(value).lower()}"
    if isinstance(value, str):
        return f"got the string {shorten(value)!r}"
    if isinstance(value, dict):
        return "got a mapping"
    if isinstance(value, list):
        return "got a list"
    if isinstance(value, float):
        # 4.0, not 4: "must be an integer (got 4)" reads as a contradiction (``!!float 4``).
        shown = repr(value) if math.isfinite(value) else _num(value)
        return f"got {shown}, a float" if value.is_integer() else f"got {shown}"
    return f"got {shorten(str(value))}"


def _field(path: DataPath) -> str:
    """The name of the field a path ends in (list indexes skipped)."""
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return ""


_FORMS = ("rule", "facts")
"""Tags of ``policy.unknown_evidence``'s two forms (``spec.model.Policy``)."""


def _normalise(loc: Sequence[str | int]) -> tuple[DataPath, bool]:
    """Drop the discriminator tag pydantic inserts after a component's name.

    Returns the path and whether the error is about a mapping *key* (``[key]``).
    """
    path: list[str | int] = list(loc)
    if len(path) >= 3 and path[0] == "components" and path[2] in COMPONENT_MODELS:
        del path[2]
    if len(path) >= 3 and path[:2] == ["policy", "unknown_evidence"] and path[2] in _FORMS:
        del path[2]  # the tag of its string-or-mapping union
    is_key = bool(path) and path[-1] == "[key]"
    if is_key:
        path.pop()
    return tuple(path), is_key


def describe_errors(errors: Iterable[ErrorDetails], data: Any) -> list[SpecMessage]:
    """Human problems for pydantic's errors on ``data`` (errors on refused values dropped)."""
    problems: list[SpecMessage] = []
    for error in errors:
        if error["type"] in _SKIPPED_TYPES or error.get("input") is REFUSED:
            continue
        path, is_key = _normalise(error["loc"])
        problems.append(_explain_one(error, path, is_key, data))
    return problems


def _explain_one(error: ErrorDetails, path: DataPath, is_key: bool, data: Any) -> SpecMessage:
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    value = error.get("input")
    where = label(path)
    if is_key:
        name = str(path[-1]) if path else ""
        return SpecMessage(
            path,
            "key",
            f"component name {shorten(name)!r}{code_points(name)} {_COMPONENT_NAME_HINT}",
        )
    if kind == "extra_forbidden":
        return SpecMessage(path, "key", _unknown_key(path, data))
    if kind == "missing":
        return _missing(path, data)
    if kind == "union_tag_invalid":
        tag = str(ctx.get("tag", ""))
        allowed = list(COMPONENT_MODELS)
        return SpecMessage(
            (*path, "kind"),
            "value",
            f"{where}.kind: unknown kind {shorten(tag)!r}{kind_hint(tag, allowed)}; "
            f"allowed: {', '.join(allowed)}",
        )
    if kind == "union_tag_not_found":
        return SpecMessage(
            path,
            "key",
            f"{_owner(path)} has no 'kind'; allowed kinds: {', '.join(COMPONENT_MODELS)}",
        )
    if kind == "literal_error":
        return SpecMessage(path, "value", _literal(path, value, str(ctx.get("expected", ""))))
    if kind in ("int_type", "int_parsing", "int_from_float"):
        hint = _unquote(value, r"[-+]?[0-9]+")
        return SpecMessage(path, "value", f"{where}: must be an integer ({_got(value)}){hint}")
    if kind in ("float_type", "float_parsing"):
        hint = _unquote(value, r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")
        return SpecMessage(path, "value", f"{where}: must be a number ({_got(value)}){hint}")
    if kind in ("bool_type", "bool_parsing"):
        hint = _unquote(value, r"true|false")
        return SpecMessage(path, "value", f"{where}: must be true or false ({_got(value)}){hint}")
    if kind == "string_type":
        hint = ""
        if isinstance(value, int | float):  # bool included: `name: true` → "true"
            text = str(value).lower() if isinstance(value, bool) else _num(value)
            hint = f"; quote it if you mean the text '{text}'"
        return SpecMessage(path, "value", f"{where}: must be a string ({_got(value)}){hint}")
    if kind == "finite_number":
        return SpecMessage(path, "value", f"{where}: must be a finite number ({_got(value)})")
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return SpecMessage(path, "value", _bound(path, kind, ctx, value))
    if kind == "string_pattern_mismatch":
        hint = _PATTERN_HINTS.get(_field(path), "has the wrong form")
        suggestion = ""
        if _field(path) == "countries" and isinstance(value, str) and len(value) == 2:
            suggestion = f" (did you mean {value.upper()!r}?)"
        points = code_points(value) if isinstance(value, str) else ""
        return SpecMessage(path, "value", f"{where}: {hint} ({_got(value)}){points}{suggestion}")
    if kind == "string_too_long":
        limit = ctx.get("max_length")
        return SpecMessage(path, "value", f"{where}: must be at most {limit} characters")
    if kind == "string_too_short":
        return SpecMessage(path, "value", f"{where}: must not be empty")
    if kind == "too_short":
        if path == ("components",):
            return SpecMessage(path, "key", "components: at least one component is required")
        if _field(path) in ("countries", "providers"):
            noun = "country" if _field(path) == "countries" else "provider"
            return SpecMessage(
                path,
                "value",
                f"{where}: an empty list allows no {noun} at all; list at least one, "
                f"or remove the key to allow any {noun}",
            )
        return SpecMessage(path, "value", f"{where}: needs at least {ctx.get('min_length')} items")
    if kind == "too_long":
        return SpecMessage(path, "value", f"{where}: has more than {ctx.get('max_length')} items")
    if kind in ("dict_type", "model_type", "model_attributes_type", "mapping_type"):
        return SpecMessage(path, "value", _not_mapping(path, value))
    if kind in ("tuple_type", "list_type"):
        example = " such as [FR, DE]" if _field(path) == "countries" else ""
        return SpecMessage(path, "value", f"{where}: must be a list{example} ({_got(value)})")
    field = ctx.get("field")
    if isinstance(field, str):  # our own model validators name the value at fault
        return SpecMessage((*path, field), "value", f"{where}: {error['msg']}")
    return SpecMessage(path, "value", f"{where}: {error['msg']}")


def _unknown_key(path: DataPath, data: Any) -> str:
    key = str(path[-1])
    owner_path = path[:-1]
    owner = _owner(owner_path)
    model = _model_at(owner_path, data)
    allowed = _keys(model) if model else []
    # Say where a key belongs when it is valid elsewhere; else suggest the nearest key.
    elsewhere = ""
    if not owner_path:
        for section, section_model in (("constraints", Constraints), ("policy", Policy)):
            if key in _keys(section_model):
                elsewhere = f"; {shorten(key)!r} belongs under {section!r}"
    elif len(owner_path) == 2 and owner_path[0] == "components" and model is not None:
        kinds = [k for k, m in COMPONENT_MODELS.items() if key in _keys(m)]
        if kinds:
            elsewhere = f"; {shorten(key)!r} is a key of {' and '.join(kinds)} components"
    message = f"unknown key {shorten(key)!r}{code_points(key)} in {owner}"
    value = _get(data, path)
    kind = _get(data, (*owner_path, "kind")) if model is not None and owner_path else None
    multiplier = _multiplier_hint(key, kind) if isinstance(kind, str) else ""
    synonym = _key_synonym(key, value, allowed)
    if multiplier:
        message += multiplier
    elif synonym:
        message += f" (did you mean {synonym!r}?)"
    else:
        message += elsewhere or did_you_mean(key, allowed)
    if allowed:
        message += f"; allowed: {', '.join(allowed)}"
    return message


KEY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "ha": ("high_availability",),
    "highly_available": ("high_availability",),
    "redundant": ("high_availability",),
    "replicated": ("high_availability",),
    "cpu": ("vcpus",),
    "cpus": ("vcpus",),
    "cores": ("vcpus",),
    "vcpu": ("vcpus",),
    "ram": ("memory_gb",),
    "mem": ("memory_gb",),
    "memory": ("memory_gb",),
    "ram_gb": ("memory_gb",),
    "disk": ("disk_gb", "storage_gb"),
    "storage": ("storage_gb", "disk_gb"),
    "size_gb": ("storage_gb", "disk_gb"),
    "gpu_type": ("gpu_model",),
    "gpu_name": ("gpu_model",),
    "model": ("gpu_model",),
    "gpu_count": ("gpus",),
    "vram": ("gpu_memory_gb",),
    "gpu_memory": ("gpu_memory_gb",),
    "egress": ("egress_gb_month",),
    "traffic": ("egress_gb_month", "gb_month"),
    "bandwidth": ("egress_gb_month", "gb_month"),
    "region": ("countries",),
    "regions": ("countries",),
    "country": ("countries",),
    "location": ("countries",),
    "provider": ("providers",),
    "exclude": ("exclude_providers",),
    "certification": ("certifications",),
    "compliance": ("certifications",),
    "type": ("kind",),
    "language": ("runtime",),
    "lang": ("runtime",),
    "database": ("engine",),
    "budget": ("max_monthly_eur",),
    "architecture": ("arch",),
    "class": ("storage_class",),
    "tier": ("storage_class",),
}
"""Words people write for a key, and the key meant (the first one the model has)."""

MULTIPLIERS: dict[str, str] = {"vm": "count", "app": "instances", "kubernetes": "nodes"}
"""The exact multiplier of each kind: how many identical copies of the specs are placed."""
_MULTIPLIER_WORDS = frozenset({"count", "instances", "nodes", "replicas", "scale", "size"})


def _multiplier_hint(key: str, kind: str) -> str:
    """Why ``count``/``instances``/``nodes`` (or ``replicas``) is not this kind's key."""
    if key not in _MULTIPLIER_WORDS:
        return ""
    word = MULTIPLIERS.get(kind)
    article = "an" if kind[:1] in "aeiou" else "a"
    if word is None:
        return (
            f"; {article} {kind} component is one service and takes no multiplier "
            "(count is for vm, instances for app, nodes for kubernetes)"
        )
    return (
        f" (did you mean {word!r}?): {article} {kind} component's copies are counted by "
        f"{word!r} (count is for vm, instances for app, nodes for kubernetes)"
    )


def _key_synonym(key: str, value: Any, allowed: Sequence[str]) -> str | None:
    """The key meant by a synonym, if the model has it (``gpu: L4`` is a model, ``gpu: 2`` a
    number of GPUs)."""
    low = key.lower()
    if low in ("gpu", "gpus") and "gpu_model" in allowed:
        if isinstance(value, str):
            return "gpu_model"
        return "gpus" if low != "gpus" else None
    for meant in KEY_SYNONYMS.get(low, ()):
        if meant in allowed and meant != key:
            return meant
    return None


KIND_SYNONYMS: dict[str, tuple[str, str | None]] = {
    "cache": ("database", "redis"),
    "redis": ("database", "redis"),
    "valkey": ("database", "redis"),
    "memcached": ("database", "redis"),
    "postgres": ("database", "postgresql"),
    "postgresql": ("database", "postgresql"),
    "pg": ("database", "postgresql"),
    "mysql": ("database", "mysql"),
    "mariadb": ("database", "mysql"),
    "mongodb": ("database", "mongodb"),
    "mongo": ("database", "mongodb"),
    "db": ("database", None),
    "sql": ("database", None),
    "s3": ("object_storage", None),
    "bucket": ("object_storage", None),
    "storage": ("object_storage", None),
    "blob": ("object_storage", None),
    "k8s": ("kubernetes", None),
    "kube": ("kubernetes", None),
    "cluster": ("kubernetes", None),
    "paas": ("app", None),
    "web": ("app", None),
    "webapp": ("app", None),
    "container": ("app", None),
    "server": ("vm", None),
    "instance": ("vm", None),
    "compute": ("vm", None),
    "gpu": ("vm", None),
    "machine": ("vm", None),
    "baremetal": ("vm", None),
}
"""Words people write for a kind: the kind meant and, for a database, its engine."""


def kind_hint(word: str, allowed: Sequence[str]) -> str:
    """`` (did you mean ...?)`` for a kind, through the synonym table first."""
    found = KIND_SYNONYMS.get(word.lower().replace("-", "_").replace(" ", "_"))
    if found is not None and found[0] in allowed:
        kind, engine = found
        if engine is not None:
            return f" (did you mean 'kind: {kind}' with 'engine: {engine}'?)"
        if kind == "vm" and word.lower() == "gpu":
            return " (did you mean 'kind: vm' with 'gpus: 1' and 'gpu_model'?)"
        return f" (did you mean {kind!r}?)"
    return did_you_mean(word, allowed)


def _missing(path: DataPath, data: Any) -> SpecMessage:
    key = str(path[-1])
    owner_path = path[:-1]
    model = _model_at(owner_path, data)
    hint = ""
    if model is not None and issubclass(model, ComponentConstraints):
        kind = _get(data, (*owner_path, "kind"))
        article = "an" if str(kind)[:1] in "aeiou" else "a"
        hint = f" ({article} {kind} component needs it)"
    choices = {"engine": "engines", "runtime": "runtimes"}
    if key in choices and model is not None:
        annotation = model.model_fields[key].annotation
        values = getattr(annotation, "__args__", ())
        hint += f"; allowed {choices[key]}: {', '.join(map(str, values))}"
    at: Literal["key", "value"] = "key" if owner_path else "value"
    return SpecMessage(owner_path, at, f"{_owner(owner_path)}: missing required key {key!r}{hint}")


def _literal(path: DataPath, value: Any, expected: str) -> str:
    allowed = re.findall(r"'([^']*)'", expected) or [expected]
    where = label(path)
    field = _field(path)
    if field == "version":
        return f"version: must be 1, the only bundle spec version ({_got(value)})"
    noun = "rule" if path[:2] == ("policy", "unknown_evidence") else _NOUNS.get(field, "value")
    if isinstance(value, str):
        return (
            f"{where}: unknown {noun} {shorten(value)!r}{code_points(value)}"
            f"{did_you_mean(value, allowed)}; "
            f"allowed: {', '.join(allowed)}"
        )
    return f"{where}: must be one of {', '.join(allowed)} ({_got(value)})"


def _bound(path: DataPath, kind: str, ctx: dict[str, Any], value: Any) -> str:
    symbol, limit = {
        "greater_than_equal": ("≥", ctx.get("ge")),
        "greater_than": (">", ctx.get("gt")),
        "less_than_equal": ("≤", ctx.get("le")),
        "less_than": ("<", ctx.get("lt")),
    }[kind]
    what = "an integer" if _field(path) in _INTEGER_FIELDS else "a number"
    return f"{label(path)}: must be {what} {symbol} {_num(limit)} ({_got(value)})"


def _not_mapping(path: DataPath, value: Any) -> str:
    where = label(path)
    if path == ():
        return (
            "a bundle must be a mapping with keys such as version, name and components "
            f"({_got(value)})"
        )
    if path == ("components",):
        return (
            "components: must be a mapping from component names to components, such as "
            f"'web: {{kind: app, runtime: python}}' ({_got(value)})"
        )
    return f"{where}: must be a mapping of keys to values ({_got(value)})"
