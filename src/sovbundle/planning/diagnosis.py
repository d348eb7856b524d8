"""Which spec field leaves a component without any offer, and the best value on sale.

Pure. ``describe_empty`` (``sovbundle.explain``) reports where a component's offers run out in
the filter funnel (specs, providers, jurisdiction, countries, certifications, price). "No offer
with the specs" says nothing about *which* spec: this module walks the component's spec fields
one by one over the offers its rules allow, names the first field that empties them, and says
what is on sale instead: ``cache: memory_gb 2 matches no redis database offer in FR; largest
redis on sale in FR: 0.49 GB at clevercloud; 8 GB at ovhcloud outside FR``.

The database ``storage_gb`` check mirrors the pricing rule of ``candidates._price`` (included
storage, extensible up to ``max_storage_gb``): an offer that cannot hold the storage is a
storage problem, not a price problem.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from sovbundle.catalog.query import Catalog
from sovbundle.models import (
    AppSpecs,
    DatabaseSpecs,
    KubernetesSpecs,
    ObjectStorageSpecs,
    Offer,
)
from sovbundle.planning.filters import Rules, dec, rule_failure
from sovbundle.spec.model import (
    AppComponent,
    Component,
    DatabaseComponent,
    KubernetesComponent,
    ObjectStorageComponent,
    VmComponent,
)
from sovbundle.units import size

__all__ = ["LinkSide", "blocking_field", "link_conflicts", "rules_text"]


@dataclass(frozen=True)
class _Field:
    """One spec requirement: its name and value as written, a test on an offer, and how to
    describe what the offers have instead."""

    name: str
    wanted: str
    fits: Callable[[Offer], bool]
    measure: Callable[[Offer], Decimal | None] | None = None
    """For a minimum: the offer's value (the largest on sale is shown), with ``unit``."""
    choices: Callable[[Offer], Sequence[str]] | None = None
    """For a closed choice: the values the offers have (all listed)."""
    unit: str = ""


def _at_least(need: float | int | None, have: Decimal | int | None) -> bool:
    return need is None or (have is not None and Decimal(have) >= dec(need))


def _storage_limit(specs: DatabaseSpecs) -> Decimal | None:
    """The most storage a database offer can hold: included, or extended up to its maximum
    (``None``: no limit known)."""
    if specs.extra_storage_gb_month is None:
        return specs.storage_gb or Decimal(0)
    return specs.max_storage_gb


def _db_storage_fits(need: float | None) -> Callable[[Offer], bool]:
    def fits(offer: Offer) -> bool:
        specs = offer.specs
        if need is None or not isinstance(specs, DatabaseSpecs):
            return True
        limit = _storage_limit(specs)
        return limit is None or dec(need) <= limit

    return fits


def _minimum(name: str, need: float | int | None, attr: str, unit: str = "") -> _Field | None:
    if need is None:
        return None

    def have(offer: Offer) -> Decimal | None:
        value = getattr(offer.specs, attr, None)
        return Decimal(value) if value is not None else None

    return _Field(
        name,
        f"{size(dec(need))}{unit}",
        lambda offer: _at_least(need, getattr(offer.specs, attr, None)),
        measure=have,
        unit=unit,
    )


def _fields(component: Component) -> list[_Field]:
    """The component's spec requirements in the order people read them."""
    found: list[_Field | None] = []
    if isinstance(component, VmComponent):
        c = component
        if c.arch is not None:
            arch = c.arch
            found.append(
                _Field(
                    "arch",
                    arch,
                    lambda o: getattr(o.specs, "arch", None) == arch,
                    choices=lambda o: [str(getattr(o.specs, "arch", ""))],
                )
            )
        if c.dedicated is not None:
            dedicated = c.dedicated
            found.append(
                _Field(
                    "dedicated",
                    str(dedicated).lower(),
                    lambda o: getattr(o.specs, "dedicated", None) == dedicated,
                )
            )
        if c.gpu_model is not None:
            model = c.gpu_model.lower()
            found.append(
                _Field(
                    "gpu_model",
                    c.gpu_model,
                    lambda o: model in str(getattr(o.specs, "gpu_model", "") or "").lower(),
                    choices=lambda o: [m] if (m := getattr(o.specs, "gpu_model", None)) else [],
                )
            )
        found += [
            _minimum("gpus", c.gpus or None, "gpus"),
            _minimum("gpu_memory_gb", c.gpu_memory_gb, "gpu_memory_gb", " GB"),
            _minimum("vcpus", c.vcpus, "vcpus"),
            _minimum("memory_gb", c.memory_gb, "memory_gb", " GB"),
            _minimum("disk_gb", c.disk_gb, "disk_gb", " GB"),
        ]
    elif isinstance(component, AppComponent):
        runtime = component.runtime
        found.append(
            _Field(
                "runtime",
                runtime,
                lambda o: isinstance(o.specs, AppSpecs) and runtime in o.specs.runtimes,
                choices=lambda o: list(getattr(o.specs, "runtimes", ())),
            )
        )
        found += [
            _minimum("vcpus", component.vcpus, "vcpus"),
            _minimum("memory_gb", component.memory_gb, "memory_gb", " GB"),
        ]
    elif isinstance(component, DatabaseComponent):
        engine = component.engine
        found.append(
            _Field(
                "engine",
                engine,
                lambda o: str(getattr(o.specs, "engine", "")).lower() == engine,
                choices=lambda o: [str(getattr(o.specs, "engine", "")).lower()],
            )
        )
        if component.high_availability:
            found.append(
                _Field(
                    "high_availability",
                    "true",
                    lambda o: bool(getattr(o.specs, "high_availability", False)),
                )
            )
        found += [
            _minimum("vcpus", component.vcpus, "vcpus"),
            _minimum("memory_gb", component.memory_gb, "memory_gb", " GB"),
        ]
        if component.storage_gb:
            found.append(
                _Field(
                    "storage_gb",
                    f"{size(dec(component.storage_gb))} GB",
                    _db_storage_fits(component.storage_gb),
                    measure=lambda o: (
                        _storage_limit(o.specs) if isinstance(o.specs, DatabaseSpecs) else None
                    ),
                    unit=" GB",
                )
            )
    elif isinstance(component, ObjectStorageComponent):
        storage_class = component.storage_class
        found.append(
            _Field(
                "storage_class",
                storage_class,
                lambda o: getattr(o.specs, "storage_class", None) == storage_class,
                choices=lambda o: [str(getattr(o.specs, "storage_class", ""))],
            )
        )
        if component.egress_gb_month:
            found.append(
                _Field(
                    "egress_gb_month",
                    f"{size(dec(component.egress_gb_month))} GB",
                    lambda o: (
                        isinstance(o.specs, ObjectStorageSpecs)
                        and (
                            o.specs.egress_price_per_gb is not None
                            or o.specs.free_egress_gb_month >= dec(component.egress_gb_month)
                        )
                    ),
                )
            )
    elif isinstance(component, KubernetesComponent):
        if component.high_availability:
            found.append(
                _Field(
                    "high_availability",
                    "true",
                    lambda o: bool(getattr(o.specs, "high_availability", False)),
                )
            )
        nodes = component.nodes
        found.append(
            _Field(
                "nodes",
                str(nodes),
                lambda o: (
                    isinstance(o.specs, KubernetesSpecs)
                    and (o.specs.max_nodes is None or nodes <= o.specs.max_nodes)
                ),
                measure=lambda o: (
                    Decimal(o.specs.max_nodes)
                    if isinstance(o.specs, KubernetesSpecs) and o.specs.max_nodes is not None
                    else None
                ),
            )
        )
    return [f for f in found if f is not None]


def rules_text(rules: Rules) -> str:
    """The component's rules in a few words: ``in FR``, ``in FR with hds``, ``""``."""
    parts = []
    if rules.countries is not None:
        parts.append(f"in {', '.join(sorted(rules.countries))}")
    if rules.certifications:
        parts.append(f"with {', '.join(sorted(rules.certifications))}")
    if rules.providers is not None:
        parts.append(f"at {', '.join(sorted(rules.providers))}")
    if rules.eu_jurisdiction and not parts:
        parts.append("under EU jurisdiction")
    return " ".join(parts)


def _what(component: Component) -> str:
    """``redis database``, ``vm``, ``python app``."""
    kind = component.kind.replace("_", " ")
    if isinstance(component, DatabaseComponent):
        return f"{component.engine} {kind}"
    if isinstance(component, AppComponent):
        return f"{component.runtime} {kind}"
    return kind


def _outside(offer: Offer, rules: Rules, catalog: Catalog, beyond: str = "") -> str:
    """Why an offer is outside the rules, in a few words (``outside FR``, ``without hds``);
    ``beyond``: the words for an offer outside the allowed providers."""
    failure = rule_failure(offer, rules, catalog)
    if failure is None:
        return ""
    stage, reason = failure
    if stage == "countries" and rules.countries is not None:
        return f"outside {', '.join(sorted(rules.countries))}"
    if stage == "certifications":
        if not reason.startswith("lacks "):  # unconfirmed, in progress, expired: say which
            return reason
        return f"without {', '.join(sorted(rules.certifications - set(offer.certifications)))}"
    if stage == "eu_jurisdiction":
        return "outside EU jurisdiction"
    if stage == "providers":
        return beyond or "at a provider not allowed"
    return reason


def _best(field: _Field, offers: Sequence[Offer]) -> tuple[Decimal, Offer] | None:
    assert field.measure is not None
    found = [(v, o) for o in offers if (v := field.measure(o)) is not None]
    if not found:
        return None
    top = max(v for v, _ in found)
    # Among offers of the top value, name the first provider alphabetically (deterministic).
    offer = min((o for v, o in found if v == top), key=lambda o: (o.provider, o.region, o.sku))
    return top, offer


def blocking_field(
    name: str,
    component: Component,
    rules: Rules,
    offers: Sequence[Offer],
    catalog: Catalog,
    beyond: str = "",
) -> str | None:
    """The line naming the spec field that leaves ``component`` no offer within its rules,
    with what is on sale instead; ``None`` when the specs are not what blocks (the rules
    alone, a price, worker nodes).

    ``offers``: the catalog's offers of the component's kind.
    """
    allowed = [o for o in offers if _rule_ok(o, rules, catalog)]
    if not allowed:
        return None  # the rules alone leave nothing: the funnel says which
    where = rules_text(rules)
    what = _what(component)
    kept, anywhere = allowed, list(offers)
    for field in _fields(component):
        passing = [o for o in kept if field.fits(o)]
        if passing:
            kept = passing
            anywhere = [o for o in anywhere if field.fits(o)]
            continue
        head = f"{name}: {field.name} {field.wanted} matches no {what} offer{_sp(where)}"
        return head + _instead(field, what, where, kept, anywhere, rules, catalog, beyond)
    return None


def _sp(text: str) -> str:
    return f" {text}" if text else ""


def _instead(
    field: _Field,
    what: str,
    where: str,
    kept: Sequence[Offer],
    anywhere: Sequence[Offer],
    rules: Rules,
    catalog: Catalog,
    beyond: str = "",
) -> str:
    """What the offers have instead of the field's value, within the rules and beyond."""
    label = what.removesuffix(" database") if what.endswith(" database") else what
    if field.measure is not None:
        best = _best(field, kept)
        text = ""
        if best is not None:
            value, offer = best
            text = (
                f"; largest {label} {_NOUNS.get(field.name, field.name)} on sale{_sp(where)}: "
                f"{size(value)}{field.unit} at {offer.provider}"
            )
        wider = _best(field, [o for o in anywhere if not _rule_ok(o, rules, catalog)])
        if wider is not None and (best is None or wider[0] > best[0]):
            value, offer = wider
            text += (
                f"; {size(value)}{field.unit} at {offer.provider} "
                f"{_outside(offer, rules, catalog, beyond)}"
            )
        return text
    if field.choices is not None:
        inside = sorted({c for o in kept for c in field.choices(o)}, key=str.lower)
        outside = sorted(
            {c for o in anywhere for c in field.choices(o)} - set(inside), key=str.lower
        )
        noun = {"gpu_model": "GPU models", "engine": "engines", "runtime": "runtimes"}.get(
            field.name, f"{field.name} values"
        )
        text = f"; {noun} on sale{_sp(where)}: {', '.join(inside) or 'none'}"
        if outside:
            text += f"; elsewhere: {', '.join(outside)}"
        return text
    elsewhere = [o for o in anywhere if field.fits(o)]
    if elsewhere:
        providers = sorted({o.provider for o in elsewhere})
        why = _outside(elsewhere[0], rules, catalog, beyond)
        return f"; sold {why} by {', '.join(providers)}" if why else ""
    return f"; no {label} offer in any catalog has {field.name} {field.wanted}"


_NOUNS = {
    "memory_gb": "memory",
    "storage_gb": "storage",
    "disk_gb": "disk",
    "vcpus": "vCPU count",
    "gpus": "GPU count",
    "gpu_memory_gb": "GPU memory",
    "nodes": "node limit",
}


def _rule_ok(offer: Offer, rules: Rules, catalog: Catalog) -> bool:
    """The offer passes the component's rules (price evidence and an unknown price are judged
    later: the funnel names them)."""
    failure = rule_failure(offer, rules, catalog)
    return failure is None or failure[0] in ("evidence", "price")


@dataclass(frozen=True)
class LinkSide:
    """One end of a colocated link, for ``link_conflicts``."""

    name: str
    component: Component
    rules: Rules
    places: frozenset[tuple[str, str]]
    """(provider, region) of the component's candidates."""


def link_conflicts(
    links: Sequence[tuple[LinkSide, LinkSide, str]],
    offers_of: Callable[[str], Sequence[Offer]],
    catalog: Catalog,
) -> list[str]:
    """Lines for colocated links whose two ends share no provider (or region): where each end
    can go, and the spec field that keeps one end away from the other's providers.

    ``links``: (from side, to side, level) with level ``provider`` or ``region``.
    """
    lines = []
    for a, b, level in links:
        if level == "provider":
            here, there = {p for p, _ in a.places}, {p for p, _ in b.places}
        else:
            here = {f"{p}/{r}" for p, r in a.places}
            there = {f"{p}/{r}" for p, r in b.places}
        if here & there or not here or not there:
            continue
        lines.append(
            f"link {a.name} -> {b.name} (colocate: {level}): {a.name} can only be at "
            f"{_listing(here)}, {b.name} only at {_listing(there)}"
        )
        for side, other in ((b, a), (a, b)):
            providers = frozenset(p for p, _ in other.places)
            if side.rules.providers is not None:
                providers = providers & side.rules.providers
            narrowed = replace(side.rules, providers=providers)
            why = blocking_field(
                side.name,
                side.component,
                narrowed,
                offers_of(side.component.kind),
                catalog,
                beyond=f"(where {other.name} cannot be)",
            )
            if why is not None:
                lines.append(f"  {why}")
                break
    return lines


def _listing(items: set[str], limit: int = 6) -> str:
    shown = sorted(items)
    text = ", ".join(shown[:limit])
    return text if len(shown) <= limit else f"{text} and {len(shown) - limit} more"
