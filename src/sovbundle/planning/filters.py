"""The hard filters of a placement: which offers may host a component, and why not.

Pure. ``rules_for`` merges the bundle's default constraints with a component's own;
``first_failure`` applies the filters in a fixed order (specs, providers, jurisdiction,
countries, certifications, status, price evidence, price) and names the first one an offer
fails, so that every rejected offer keeps a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal, assert_never

from sovbundle.catalog.facts import covers
from sovbundle.catalog.query import Catalog
from sovbundle.models import (
    AppSpecs,
    Certification,
    DatabaseSpecs,
    EvidenceClass,
    KubernetesSpecs,
    ObjectStorageSpecs,
    Offer,
    OfferStatus,
    VmSpecs,
)
from sovbundle.spec.model import (
    AppComponent,
    BundleSpec,
    Component,
    DatabaseComponent,
    KubernetesComponent,
    ObjectStorageComponent,
    VmComponent,
)

__all__ = [
    "FACTS",
    "STAGES",
    "TOLERANT",
    "Dropped",
    "Rules",
    "Verdict",
    "certification_verdict",
    "country_of",
    "country_verdict",
    "dec",
    "first_failure",
    "operator_failure",
    "operator_verdict",
    "passes",
    "rule_failure",
    "rules_for",
    "spec_check",
    "spec_failure",
    "unknown_fact",
]

STAGES: tuple[str, ...] = (
    "specs",
    "providers",
    "eu_jurisdiction",
    "operators",
    "countries",
    "certifications",
    "status",
    "evidence",
    "price",
)
"""Filter stages in the order they are applied; a rejection names the first one that fails."""

FACTS: tuple[str, ...] = ("certifications", "operators", "countries")
"""The facts ``policy.unknown_evidence`` rules on (``Policy.tolerates``)."""

Outcome = Literal["direct", "unknown", "fails"]


def dec(value: float | int) -> Decimal:
    """A spec number as Decimal through its shortest repr: ``0.1`` stays 0.1, ``80.0`` is 80."""
    exact = Decimal(str(value))
    integral = exact.to_integral_value()
    return integral if exact == integral else exact.normalize()


@dataclass(frozen=True)
class Rules:
    """The constraints that apply to one component once bundle defaults are merged."""

    countries: frozenset[str] | None
    providers: frozenset[str] | None
    exclude_providers: frozenset[str]
    certifications: frozenset[str]
    eu_jurisdiction: bool
    allow_deprecated: bool = False
    """``policy.allow_deprecated``: offers their provider marks deprecated may be placed."""
    operators_eu_only: bool = False
    min_evidence: EvidenceClass | None = None
    """The weakest price evidence allowed (``policy.min_price_evidence``); ``None``: any."""
    tolerate: frozenset[str] = frozenset()
    """The ``FACTS`` that ``policy.unknown_evidence`` lets pass when unknown (tolerant)."""
    on: date | None = None
    """The plan date certification validity is judged on; ``None``: today (UTC)."""

    @property
    def day(self) -> date:
        """``on``, or today (UTC)."""
        return self.on if self.on is not None else datetime.now(UTC).date()


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the evidence says about one fact of one offer: ``direct`` (established by the
    source), ``unknown`` (a claim or fact exists but is not established) or ``fails``."""

    outcome: Outcome
    reason: str
    """Why it is unknown or fails, naming the source; the fact itself when direct."""
    url: str | None = None
    """The evidence link (``Source.url``); ``None`` when there is no source at all."""
    as_of: str | None = None
    valid_until: date | None = None
    fact: str = ""
    """The fact in a few words, without the source (the evidence row shows it); ``""``: the
    reason says it."""


Dropped = frozenset[tuple[str, str, str]]
"""Constraints left out to see what they cost: ``(constraint, component, value)`` triples, where
the component is ``""`` for the bundle's default and the value is a certification id; or
``("unknown_evidence", "", fact)``: the strict evidence policy of ``fact`` (``FACTS``) dropped,
i.e. unknown evidence of that fact tolerated (the priced what-if of ``--explain``)."""


def rules_for(
    spec: BundleSpec, name: str, dropped: Dropped = frozenset(), on: date | None = None
) -> Rules:
    """Merge bundle defaults and a component's own constraints (SPEC §4).

    ``countries``, ``providers`` and ``eu_jurisdiction`` set on the component replace the
    bundle's; ``exclude_providers`` and ``certifications`` add to them. A dropped component
    setting falls back to the bundle's default; a dropped default applies nowhere.
    """
    base = spec.constraints
    comp = spec.components[name]

    def keep(constraint: str, scope: str, value: str = "") -> bool:
        return (constraint, scope, value) not in dropped

    countries = comp.countries if keep("countries", name) else None
    if countries is None and keep("countries", ""):
        countries = base.countries
    providers = comp.providers if keep("providers", name) else None
    if providers is None and keep("providers", ""):
        providers = base.providers
    excluded = set(base.exclude_providers) if keep("providers", "") else set()
    if keep("providers", name):
        excluded.update(comp.exclude_providers)
    eu = comp.eu_jurisdiction if keep("eu_jurisdiction", name) else None
    if eu is None:
        eu = base.eu_jurisdiction and keep("eu_jurisdiction", "")
    operators = comp.operators_eu_only if keep("operators_eu_only", name) else None
    if operators is None:
        operators = base.operators_eu_only and keep("operators_eu_only", "")
    certs = {c for c in base.certifications if keep("certification", "", c)}
    certs.update(c for c in comp.certifications if keep("certification", name, c))
    tolerate = frozenset(fact for fact in FACTS if spec.policy.tolerates(fact))
    if dropped:
        # A strict policy dropped only where a rule consults the fact: the other components
        # keep their rules (and cached candidates); an unknown country fails any rules.
        consulted = {"certifications": bool(certs), "operators": operators, "countries": True}
        tolerate |= {f for f in FACTS if consulted[f] and not keep("unknown_evidence", "", f)}
    return Rules(
        countries=frozenset(countries) if countries is not None else None,
        providers=frozenset(providers) if providers is not None else None,
        exclude_providers=frozenset(excluded),
        certifications=frozenset(certs),
        eu_jurisdiction=eu,
        allow_deprecated=spec.policy.allow_deprecated,
        operators_eu_only=operators,
        min_evidence=EvidenceClass(wanted) if (wanted := spec.policy.min_price_evidence) else None,
        tolerate=tolerate,
        on=on if on is not None else datetime.now(UTC).date(),
    )


TOLERANT = "policy.unknown_evidence: tolerant would accept it"
"""The advice ending every reason that rests on unknown evidence (strict policy)."""


def unknown_fact(verdict: Verdict) -> str:
    """What a verdict says in a few words, without its source or the advice on
    ``policy.unknown_evidence`` (the evidence rows show the source beside it)."""
    return verdict.fact or verdict.reason.removesuffix(f"; {TOLERANT}")


def certification_verdict(catalog: Catalog, offer: Offer, cert: str, on: date) -> Verdict:
    """What the provider's claims say about ``cert`` for this offer on ``on`` (memoised per
    provider, region, kind and date on the catalog: the same for every SKU there).

    * direct: a ``qualified``, confirmed claim covers the offer's region and kind and ``on``
      is within its validity (or the offer itself carries the id and no claim says more:
      then the verdict has no source of its own, the offer's row has it);
    * unknown: the only claim that covers it is unconfirmed (its scope is not established);
    * fails: no claim, ``in_progress`` (never satisfies), ``none``, expired or not yet valid.
    """
    held = cert in offer.certifications
    key = ("certification", offer.provider, offer.region, offer.kind, cert, held, on)
    found = catalog.memo.get(key)
    if found is None:
        provider = catalog.providers[offer.provider].provider
        found = catalog.memo[key] = _certification_verdict(
            provider.certifications, offer, cert, held, on
        )
    assert isinstance(found, Verdict)
    return found


def _claim(cert: Certification, reason: str, outcome: Outcome = "fails", fact: str = "") -> Verdict:
    source = cert.source
    return Verdict(outcome, reason, source.url, source.as_of, cert.valid_until, fact)


def _certification_verdict(
    claims: tuple[Certification, ...], offer: Offer, cert: str, held: bool, on: date
) -> Verdict:
    where = f"{offer.provider} {offer.region}"
    mine = [c for c in claims if c.id == cert and covers(c, offer.region, offer.kind)]
    qualified = [c for c in mine if c.status == "qualified"]
    current = [
        c
        for c in qualified
        if (c.valid_from is None or c.valid_from <= on)
        and (c.valid_until is None or on <= c.valid_until)
    ]
    direct = [c for c in current if c.confirmed]
    if direct:
        return _claim(direct[0], f"{cert} on {where}", "direct")
    for claim in qualified:
        if claim.valid_until is not None and claim.valid_until < on:
            return _claim(
                claim,
                f"{cert} on {where} expired on {claim.valid_until.isoformat()} "
                f"({claim.source.url})",
            )
        if claim.valid_from is not None and on < claim.valid_from:
            return _claim(
                claim,
                f"{cert} on {where} is valid only from {claim.valid_from.isoformat()} "
                f"({claim.source.url})",
            )
    if held:  # carried by the offer (an adapter's tag) with no claim in the provider's facts
        return Verdict("direct", f"{cert} on {where} (the offer's own data; no curated claim)")
    if current:
        claim = current[0]
        fact = f"{cert} on {where} rests on an unconfirmed claim"
        return _claim(
            claim,
            f"{fact} ({claim.source.url}, {claim.source.as_of}); {TOLERANT}",
            "unknown",
            fact,
        )
    for claim in mine:
        if claim.status == "in_progress":
            return _claim(
                claim,
                f"{cert} of {offer.provider} is in progress, not held ({claim.source.url}): "
                "in progress never satisfies a requirement",
            )
        if claim.status == "none":
            return _claim(claim, f"{cert} not held on {where} ({claim.source.url})")
    return Verdict("fails", f"lacks {cert} in {offer.region}")


def operator_verdict(catalog: Catalog, offer: Offer) -> Verdict:
    """Whether an offer's datacentre operator is known to be under EU jurisdiction.

    The operator is the region's curated ``operator``; its jurisdiction is that provider's
    ``eu_jurisdiction``. An operator the facts do not name, or that is no provider of the
    catalog, is unknown (``policy.unknown_evidence`` decides; it is never assumed). Memoised
    per provider and region on the catalog."""
    key = ("operator", offer.provider, offer.region)
    found = catalog.memo.get(key)
    if found is None:
        found = catalog.memo[key] = _operator_verdict(catalog, offer)
    assert isinstance(found, Verdict)
    return found


def _operator_verdict(catalog: Catalog, offer: Offer) -> Verdict:
    region = catalog.providers[offer.provider].provider.region(offer.region)
    operator = region.operator if region is not None else ""
    url = region.source.url if region is not None else None
    as_of = region.source.as_of if region is not None else None
    if not operator or operator == "unknown":
        why = f"operator of region {offer.region} unknown"
        return Verdict("unknown", f"{why}; {TOLERANT}", url, as_of)
    if operator not in catalog.providers:
        why = f"operator {operator} of region {offer.region}: jurisdiction unknown"
        return Verdict("unknown", f"{why}; {TOLERANT}", url, as_of)
    run_by = catalog.provider(operator)
    if not run_by.eu_jurisdiction:
        return Verdict(
            "fails",
            f"operator {operator} of region {offer.region} is not under EU jurisdiction only",
            run_by.source.url,
            run_by.source.as_of,
        )
    return Verdict("direct", f"operator {operator}", url, as_of)


def country_verdict(catalog: Catalog, offer: Offer) -> Verdict:
    """Whether the country of an offer's region is known (the region's curated source)."""
    region = catalog.providers[offer.provider].provider.region(offer.region)
    if region is None or not region.country:
        return Verdict("unknown", f"region {offer.region} has no known country; {TOLERANT}")
    return Verdict("direct", region.country, region.source.url, region.source.as_of)


def operator_failure(catalog: Catalog, offer: Offer) -> str | None:
    """Why an offer's datacentre operator is not known to be under EU jurisdiction, or None
    (``operator_verdict``: an unknown operator fails here, whatever the policy)."""
    verdict = operator_verdict(catalog, offer)
    return None if verdict.outcome == "direct" else verdict.reason


def country_of(catalog: Catalog, offer: Offer) -> str | None:
    """The country of an offer's region, if its provider and region are known."""
    return catalog.country_of(offer) if offer.provider in catalog.providers else None


def first_failure(
    offer: Offer, component: Component, rules: Rules, catalog: Catalog
) -> tuple[str, str] | None:
    """The first filter (stage, reason) an offer fails for a component, or None if it fits."""
    spec_problem = spec_failure(offer, component)
    if spec_problem is not None:
        return ("specs", spec_problem)
    return rule_failure(offer, rules, catalog)


def place_failure(offer: Offer, rules: Rules, catalog: Catalog) -> tuple[str, str] | None:
    """The first stage of ``rule_failure`` that reads only the offer's provider and region
    (providers, jurisdiction, operators, countries) it fails, or None: the same for every
    offer sold there."""
    if rules.providers is not None and offer.provider not in rules.providers:
        return ("providers", f"provider {offer.provider} is not in the allowed providers")
    if offer.provider in rules.exclude_providers:
        return ("providers", f"provider {offer.provider} is excluded")
    provider = catalog.providers[offer.provider].provider
    if rules.eu_jurisdiction and not provider.eu_jurisdiction:
        return ("eu_jurisdiction", f"{offer.provider} is not under EU jurisdiction only")
    if rules.operators_eu_only:
        operator = operator_verdict(catalog, offer)
        if not passes(operator, "operators", rules):
            return ("operators", operator.reason)
    country = country_of(catalog, offer)
    if country is None:
        if "countries" not in rules.tolerate:
            return ("countries", country_verdict(catalog, offer).reason)
    elif rules.countries is not None and country not in rules.countries:
        wanted = ", ".join(sorted(rules.countries))
        return ("countries", f"region {offer.region} is in {country}, not in {wanted}")
    return None


def rule_failure(
    offer: Offer,
    rules: Rules,
    catalog: Catalog,
    places: dict[tuple[str, str], tuple[str, str] | None] | None = None,
) -> tuple[str, str] | None:
    """The first rule stage (providers to price) an offer fails, whatever the component.

    ``places`` memoises the stages that depend on the offer's provider and region alone
    (providers to countries), for one ``rules``: a caller judging every offer of a kind
    passes one dict for all of them."""
    if places is None:
        found = place_failure(offer, rules, catalog)
    else:
        where = (offer.provider, offer.region)
        if where in places:
            found = places[where]
        else:
            found = places[where] = place_failure(offer, rules, catalog)
    if found is not None:
        return found
    if rules.certifications:
        problem = _certification_failure(offer, rules, catalog)
        if problem is not None:
            return ("certifications", problem)
    if offer.status is OfferStatus.DEPRECATED and not rules.allow_deprecated:
        return ("status", "deprecated by its provider (policy.allow_deprecated: true allows it)")
    if rules.min_evidence is not None and offer.placeable:
        evidence = offer.evidence
        if evidence is None or evidence.class_.rank > rules.min_evidence.rank:
            have = evidence.class_.value if evidence is not None else "unknown"
            return (
                "evidence",
                f"price evidence {have} is weaker than policy.min_price_evidence "
                f"{rules.min_evidence.value}",
            )
    if not offer.placeable or offer.monthly is None:
        note = f": {offer.price.note}" if offer.price.note else ""
        return ("price", f"price unknown{note}")
    return None


def passes(verdict: Verdict, fact: str, rules: Rules) -> bool:
    """Whether a verdict on ``fact`` passes under the rules' evidence policy."""
    return verdict.outcome == "direct" or (verdict.outcome == "unknown" and fact in rules.tolerate)


def _certification_failure(offer: Offer, rules: Rules, catalog: Catalog) -> str | None:
    """Why the offer fails its required certifications (no claim first, as ``lacks a, b in
    R``; then the other failures; then unknown claims the policy does not tolerate).

    Memoised on the catalog per provider, region, kind, the offer's own ids and the rules'
    certifications, tolerance and date: the same for every SKU sold there."""
    key = (
        "certifications",
        offer.provider,
        offer.region,
        offer.kind,
        offer.certifications,
        rules.certifications,
        rules.tolerate,
        rules.on,
    )
    memo = catalog.memo
    if key in memo:
        found = memo[key]
        assert found is None or isinstance(found, str)
        return found
    result = memo[key] = _judge_certifications(offer, rules, catalog)
    return result


def _judge_certifications(offer: Offer, rules: Rules, catalog: Catalog) -> str | None:
    if rules.certifications <= set(offer.certifications) and not _dated(offer, catalog):
        return None  # every claim carried by the offer, none with dates: direct
    on = rules.day
    lacking: list[str] = []
    others: list[str] = []
    for cert in sorted(rules.certifications):
        verdict = certification_verdict(catalog, offer, cert, on)
        if passes(verdict, "certifications", rules):
            continue
        if verdict.outcome == "fails" and verdict.url is None:
            lacking.append(cert)
        else:
            others.append(verdict.reason)
    if lacking:
        return f"lacks {', '.join(lacking)} in {offer.region}"
    return others[0] if others else None


def _dated(offer: Offer, catalog: Catalog) -> bool:
    """Whether any claim of the offer's provider has validity dates (memoised)."""
    key = ("dated", offer.provider)
    found = catalog.memo.get(key)
    if found is None:
        claims = catalog.providers[offer.provider].provider.certifications
        found = catalog.memo[key] = any(
            c.valid_from is not None or c.valid_until is not None for c in claims
        )
    return found is True


def _at_least(label: str, have: Decimal | int | None, need: float | int | None) -> str | None:
    if need is None:
        return None
    if have is None:
        return f"{label} unknown ({dec(need)} needed)"
    wanted = dec(need)
    if Decimal(have) < wanted:
        return f"{label} {have} < {wanted}"
    return None


def _first(*checks: str | None) -> str | None:
    return next((check for check in checks if check is not None), None)


def spec_failure(offer: Offer, component: Component) -> str | None:
    """Why an offer's specs cannot host a component (the ``specs`` stage), or None."""
    specs = offer.specs
    if isinstance(component, VmComponent) and isinstance(specs, VmSpecs):
        return _vm_failure(specs, component)
    if isinstance(component, AppComponent) and isinstance(specs, AppSpecs):
        if component.runtime not in specs.runtimes:
            return f"runtime {component.runtime} not offered ({', '.join(specs.runtimes)})"
        return _first(
            _at_least("vCPUs", specs.vcpus, component.vcpus),
            _at_least("memory GB", specs.memory_gb, component.memory_gb),
        )
    if isinstance(component, DatabaseComponent) and isinstance(specs, DatabaseSpecs):
        if specs.engine.lower() != component.engine:
            return f"engine {specs.engine}, not {component.engine}"
        if component.high_availability and not specs.high_availability:
            return "not highly available"
        return _first(
            _at_least("vCPUs", specs.vcpus, component.vcpus),
            _at_least("memory GB", specs.memory_gb, component.memory_gb),
        )
    if isinstance(component, ObjectStorageComponent) and isinstance(specs, ObjectStorageSpecs):
        if specs.storage_class != component.storage_class:
            return f"storage class {specs.storage_class}, not {component.storage_class}"
        return None
    if isinstance(component, KubernetesComponent) and isinstance(specs, KubernetesSpecs):
        if component.high_availability and not specs.high_availability:
            return "control plane not highly available"
        if specs.max_nodes is not None and component.nodes > specs.max_nodes:
            return f"at most {specs.max_nodes} nodes"
        return None
    return f"specs of kind {specs.kind}, not {component.kind}"


def _vm_failure(specs: VmSpecs, component: VmComponent) -> str | None:
    if component.arch is not None and specs.arch != component.arch:
        return f"arch {specs.arch}, not {component.arch}"
    if component.dedicated is not None and specs.dedicated != component.dedicated:
        return "shared, not dedicated" if component.dedicated else "dedicated, not shared"
    if component.gpu_model is not None and (
        specs.gpu_model is None or component.gpu_model.lower() not in specs.gpu_model.lower()
    ):
        return f"GPU {specs.gpu_model or 'none'}, not {component.gpu_model}"
    return _first(
        _at_least("vCPUs", specs.vcpus, component.vcpus),
        _at_least("memory GB", specs.memory_gb, component.memory_gb),
        _at_least("disk GB", specs.disk_gb, component.disk_gb),
        _at_least("GPUs", specs.gpus, component.gpus or None),
        _at_least("GPU memory GB", specs.gpu_memory_gb, component.gpu_memory_gb),
    )


def _needs(*pairs: tuple[str, float | int | None]) -> tuple[tuple[str, Decimal], ...]:
    return tuple((attr, dec(need)) for attr, need in pairs if need is not None)


def _meets(specs: object, needs: tuple[tuple[str, Decimal], ...]) -> bool:
    for attr, wanted in needs:
        have = getattr(specs, attr)
        if have is None or have < wanted:
            return False
    return True


def spec_check(component: Component) -> Callable[[Offer], bool]:
    """A fast ``spec_failure(offer, component) is None``: the component's needs converted once,
    no reason string built (screening asks it of every offer of the kind, for each distinct
    component; the reasons are rebuilt with ``spec_failure`` when shown)."""
    if isinstance(component, VmComponent):
        vm = component
        needs = _needs(
            ("vcpus", vm.vcpus),
            ("memory_gb", vm.memory_gb),
            ("disk_gb", vm.disk_gb),
            ("gpus", vm.gpus or None),
            ("gpu_memory_gb", vm.gpu_memory_gb),
        )
        gpu = vm.gpu_model.lower() if vm.gpu_model is not None else None

        def vm_fits(offer: Offer) -> bool:
            specs = offer.specs
            if not isinstance(specs, VmSpecs):
                return False
            if vm.arch is not None and specs.arch != vm.arch:
                return False
            if vm.dedicated is not None and specs.dedicated != vm.dedicated:
                return False
            if gpu is not None and (specs.gpu_model is None or gpu not in specs.gpu_model.lower()):
                return False
            return _meets(specs, needs)

        return vm_fits
    if isinstance(component, AppComponent):
        app = component
        app_needs = _needs(("vcpus", app.vcpus), ("memory_gb", app.memory_gb))

        def app_fits(offer: Offer) -> bool:
            specs = offer.specs
            return (
                isinstance(specs, AppSpecs)
                and app.runtime in specs.runtimes
                and _meets(specs, app_needs)
            )

        return app_fits
    if isinstance(component, DatabaseComponent):
        db = component
        db_needs = _needs(("vcpus", db.vcpus), ("memory_gb", db.memory_gb))

        def db_fits(offer: Offer) -> bool:
            specs = offer.specs
            return (
                isinstance(specs, DatabaseSpecs)
                and specs.engine.lower() == db.engine
                and (specs.high_availability or not db.high_availability)
                and _meets(specs, db_needs)
            )

        return db_fits
    if isinstance(component, ObjectStorageComponent | KubernetesComponent):
        return lambda offer: spec_failure(offer, component) is None
    assert_never(component)  # a new kind fails type checking here instead of matching nothing
