"""The bundle spec v1: what a team needs (components, constraints, policy, links).

Numbers on components are minimums (an offer with more qualifies), except the counts
(``count``, ``instances``, ``nodes``), which are exact multipliers. Component-level
``countries``, ``providers`` and ``eu_jurisdiction`` replace the bundle's defaults;
``exclude_providers`` and ``certifications`` add to them.

The models are strict (no ``"4"`` for 4, no ``"true"`` for true, no unknown keys) and usable from
Python directly; ``sovbundle.spec.loader`` reads them from YAML with file:line:column errors, and
``json_schema()`` gives the JSON Schema editors use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Final, Literal, TypeVar, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    StringConstraints,
    Tag,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from sovbundle.models import CertificationId, ProviderId

__all__ = [
    "ARCHES",
    "CERTIFICATION_IDS",
    "COMPONENT_MODELS",
    "ENGINES",
    "PROVIDERS",
    "RUNTIMES",
    "SCHEMA_ID",
    "AppComponent",
    "BundleSpec",
    "Component",
    "ComponentConstraints",
    "Constraints",
    "DatabaseComponent",
    "EvidenceRule",
    "KubernetesComponent",
    "Link",
    "ObjectStorageComponent",
    "Policy",
    "UnknownEvidence",
    "VmComponent",
    "json_schema",
    "link_contradictions",
    "unknown_link_ends",
]

SCHEMA_ID: Final = "urn:sovbundle:bundle-spec:v1"
"""The ``$id`` of the bundle JSON Schema."""

Arch = Literal["x86_64", "arm64"]
Runtime = Literal[
    "python",
    "node",
    "java",
    "php",
    "go",
    "ruby",
    "rust",
    "dotnet",
    "docker",
    "static",
    "scala",
    "elixir",
    "haskell",
]
Engine = Literal["postgresql", "mysql", "mongodb", "redis", "elasticsearch"]

PROVIDERS: Final[tuple[str, ...]] = get_args(ProviderId)
CERTIFICATION_IDS: Final[tuple[str, ...]] = get_args(CertificationId)
ARCHES: Final[tuple[str, ...]] = get_args(Arch)
RUNTIMES: Final[tuple[str, ...]] = get_args(Runtime)
ENGINES: Final[tuple[str, ...]] = get_args(Engine)

COMPONENT_NAME_PATTERN: Final = r"^[a-z][a-z0-9_-]{0,62}$"
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
ComponentName = Annotated[str, StringConstraints(pattern=COMPONENT_NAME_PATTERN)]

_T = TypeVar("_T")
# YAML and JSON give lists; the items stay strict, only the container is lax.
Items = Annotated[tuple[_T, ...], Strict(False)]

Count = Annotated[int, Field(ge=1, le=10_000)]
VCpus = Annotated[float, Field(gt=0, le=1024, allow_inf_nan=False)]
MemoryGb = Annotated[float, Field(gt=0, le=32_768, allow_inf_nan=False)]
StorageGb = Annotated[float, Field(ge=0, le=100_000_000, allow_inf_nan=False)]
TrafficGb = Annotated[float, Field(ge=0, le=100_000_000, allow_inf_nan=False)]
Gpus = Annotated[int, Field(ge=0, le=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, use_attribute_docstrings=True
    )


class Constraints(_Strict):
    """Placement constraints that apply to every component (each may narrow them)."""

    countries: Annotated[Items[Country], Field(min_length=1)] | None = None
    """ISO 3166-1 alpha-2 codes (FR, DE...): the region's country must be one of these.

    Omitted: anywhere (an empty list, which would allow nowhere, is refused)."""
    providers: Annotated[Items[ProviderId], Field(min_length=1)] | None = None
    """Allow-list of provider ids; omitted: every provider (an empty list is refused)."""
    exclude_providers: Items[ProviderId] = ()
    """Provider ids never to use."""
    certifications: Items[CertificationId] = ()
    """Every placement must hold all of these certifications in its region."""
    eu_jurisdiction: bool = False
    """Only providers under EU jurisdiction (HQ and control in the EU)."""
    operators_eu_only: bool = False
    """Only regions whose datacentre operator is sourced (curated region facts) and is a
    provider under EU jurisdiction; an unknown operator fails."""


class ComponentConstraints(_Strict):
    """Constraint keys a component may set next to its specs."""

    countries: Annotated[Items[Country], Field(min_length=1)] | None = None
    """Replaces the bundle's ``constraints.countries`` for this component."""
    providers: Annotated[Items[ProviderId], Field(min_length=1)] | None = None
    """Replaces the bundle's ``constraints.providers`` for this component."""
    exclude_providers: Items[ProviderId] = ()
    """Added to the bundle's ``constraints.exclude_providers``."""
    certifications: Items[CertificationId] = ()
    """Added to the bundle's ``constraints.certifications``."""
    eu_jurisdiction: bool | None = None
    """Replaces the bundle's ``constraints.eu_jurisdiction`` for this component."""
    operators_eu_only: bool | None = None
    """Replaces the bundle's ``constraints.operators_eu_only`` for this component."""


EvidenceRule = Literal["strict", "tolerant"]
"""How a placement constraint treats a fact the data does not establish: ``strict`` fails it,
``tolerant`` accepts it with a warning per placement that rests on it."""


class UnknownEvidence(_Strict):
    """``policy.unknown_evidence`` per fact; a fact not named stays ``strict``."""

    certifications: EvidenceRule = "strict"
    """A certification claim whose scope or status is not confirmed (a company-level claim)."""
    operators: EvidenceRule = "strict"
    """A datacentre operator that is unknown, or of unknown jurisdiction (``operators_eu_only``)."""
    countries: EvidenceRule = "strict"
    """A region whose country is not known."""


def _evidence_form(value: object) -> str:
    """``policy.unknown_evidence`` is one rule (a string) or a mapping of rules per fact."""
    return "facts" if isinstance(value, dict | UnknownEvidence) else "rule"


class Policy(_Strict):
    """Global constraints on the whole plan."""

    max_monthly_eur: Annotated[float, Field(gt=0, le=1e9, allow_inf_nan=False)] | None = None
    """Hard cap on the plan's total, EUR per month excluding VAT."""
    min_providers: Annotated[int, Field(ge=1, le=5)] = 1
    """The plan must span at least this many distinct providers."""
    max_provider_share: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] | None = None
    """No provider may take more than this fraction (0-1] of the monthly total."""
    allow_deprecated: bool = False
    """Allow offers their provider marks deprecated (by default they are never placed); beta
    offers are always allowed, with a warning in the plan."""
    min_price_evidence: Literal["api", "provider_doc", "third_party"] | None = None
    """The weakest price evidence a placement may rest on: ``api`` (a provider API response),
    ``provider_doc`` (an API or the provider's own documentation) or ``third_party`` (any);
    offers priced from weaker evidence are left out, with the reason."""
    unknown_evidence: Annotated[
        Annotated[EvidenceRule, Tag("rule")] | Annotated[UnknownEvidence, Tag("facts")],
        Discriminator(_evidence_form),
    ] = "strict"
    """What an unknown fact does to a hard constraint: ``strict`` (the default) fails it with a
    reason naming the fact and its source; ``tolerant`` lets it pass with one warning per
    placement. One value for every fact, or a mapping per fact (``certifications``,
    ``operators``, ``countries``). A fact with no claim at all (no certification record) fails
    in every policy, and ``in_progress`` never satisfies."""

    def tolerates(self, fact: str) -> bool:
        """Whether ``unknown_evidence`` is ``tolerant`` for ``fact``."""
        rule = self.unknown_evidence
        if isinstance(rule, str):
            return rule == "tolerant"
        value: str = getattr(rule, fact)
        return value == "tolerant"


class VmComponent(ComponentConstraints):
    """Virtual (or dedicated) machines, optionally with GPUs."""

    kind: Literal["vm"]
    """Component kind."""
    count: Count = 1
    """Number of identical machines (exact)."""
    vcpus: VCpus | None = None
    """Minimum vCPUs per machine."""
    memory_gb: MemoryGb | None = None
    """Minimum memory per machine, GB."""
    disk_gb: StorageGb | None = None
    """Minimum local disk per machine, GB."""
    arch: Arch | None = None
    """CPU architecture; omitted: any."""
    gpus: Gpus = 0
    """Minimum GPUs per machine (1 when gpu_model or gpu_memory_gb is given)."""
    gpu_model: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = None
    """GPU model the offer must name, such as L4, L40S or H100 (case-insensitive match)."""
    gpu_memory_gb: MemoryGb | None = None
    """Minimum memory of one GPU, GB."""
    dedicated: bool | None = None
    """true: bare metal or dedicated host only; false: shared VMs only; omitted: either."""

    @model_validator(mode="after")
    def _gpu_needs_gpus(self) -> VmComponent:
        wants_gpu = self.gpu_model is not None or self.gpu_memory_gb is not None
        if wants_gpu and self.gpus == 0:
            if "gpus" in self.model_fields_set:
                raise PydanticCustomError(
                    "gpu_conflict",
                    "gpus is 0 but gpu_model or gpu_memory_gb asks for a GPU",
                    {"field": "gpus"},
                )
            object.__setattr__(self, "gpus", 1)
        return self


class AppComponent(ComponentConstraints):
    """PaaS application instances running one runtime."""

    kind: Literal["app"]
    """Component kind."""
    runtime: Runtime
    """Language or packaging the PaaS must run."""
    instances: Count = 1
    """Number of identical instances (exact)."""
    vcpus: VCpus | None = None
    """Minimum vCPUs per instance."""
    memory_gb: MemoryGb | None = None
    """Minimum memory per instance, GB."""


class DatabaseComponent(ComponentConstraints):
    """A managed database."""

    kind: Literal["database"]
    """Component kind."""
    engine: Engine
    """Database engine."""
    vcpus: VCpus | None = None
    """Minimum vCPUs."""
    memory_gb: MemoryGb | None = None
    """Minimum memory, GB."""
    storage_gb: StorageGb | None = None
    """Storage the database must hold, GB (included, or included plus paid extra)."""
    high_availability: bool = False
    """Require a replicated, highly available plan."""


class ObjectStorageComponent(ComponentConstraints):
    """Object storage: GB stored per month, and GB downloaded to the internet per month."""

    kind: Literal["object_storage"]
    """Component kind."""
    storage_gb: StorageGb
    """GB stored (GB-month)."""
    egress_gb_month: TrafficGb = 0
    """GB downloaded to the internet per month."""
    storage_class: Literal["standard", "high_performance", "infrequent", "archive"] = "standard"
    """Storage class: standard, high_performance, infrequent (cold) or archive."""


class KubernetesComponent(ComponentConstraints):
    """A managed Kubernetes cluster: control plane plus ``nodes`` worker VMs of one size."""

    kind: Literal["kubernetes"]
    """Component kind."""
    nodes: Count = 1
    """Number of worker nodes (exact)."""
    vcpus: VCpus | None = None
    """Minimum vCPUs per worker node."""
    memory_gb: MemoryGb | None = None
    """Minimum memory per worker node, GB."""
    arch: Arch | None = None
    """Worker CPU architecture; omitted: any."""
    high_availability: bool = False
    """Require a highly available (multi-master) control plane."""


Component = Annotated[
    VmComponent | AppComponent | DatabaseComponent | ObjectStorageComponent | KubernetesComponent,
    Field(discriminator="kind"),
]

COMPONENT_MODELS: Final[dict[str, type[ComponentConstraints]]] = {
    "vm": VmComponent,
    "app": AppComponent,
    "database": DatabaseComponent,
    "object_storage": ObjectStorageComponent,
    "kubernetes": KubernetesComponent,
}
"""Component model by ``kind``, in the canonical order of kinds."""


class Link(_Strict):
    """Traffic or a placement relation between two components."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        populate_by_name=True,
        use_attribute_docstrings=True,
    )

    from_: ComponentName = Field(alias="from")
    """Name of the component the traffic leaves."""
    to: ComponentName
    """Name of the component the traffic reaches."""
    gb_month: TrafficGb = 0
    """GB per month from ``from`` to ``to``, priced as ``from``'s egress across providers."""
    colocate: Literal["region", "provider"] | None = None
    """Both components must share this: the same region, or the same provider."""
    apart: Literal["region", "provider"] | None = None
    """The components must differ in this: different regions, or different providers."""

    @model_validator(mode="after")
    def _consistent(self) -> Link:
        if self.colocate and self.apart:
            raise PydanticCustomError(
                "link_conflict",
                "a link cannot both colocate and keep apart its components",
                {"field": "apart"},
            )
        if self.from_ == self.to:
            raise PydanticCustomError(
                "link_loop",
                "a link must join two components, not '{name}' to itself",
                {"field": "to", "name": self.to},
            )
        return self


def unknown_link_ends(
    components: Iterable[str], links: Sequence[Mapping[str, Any]]
) -> list[tuple[int, str, str]]:
    """``(index, "from" or "to", name)`` for each link end that names no component."""
    names = set(components)
    found: list[tuple[int, str, str]] = []
    for index, link in enumerate(links):
        for end in ("from", "to"):
            name = link.get(end)
            if isinstance(name, str) and name not in names:
                found.append((index, end, name))
    return found


def link_contradictions(
    links: Sequence[tuple[Any, Any, Any, Any]],
) -> list[tuple[int, str]]:
    """``(index, message)`` for each ``apart`` link that other links' ``colocate`` contradicts.

    ``links`` holds ``(from, to, colocate, apart)``. Colocation is transitive, and a shared
    region implies a shared provider, so ``a`` colocated with ``b`` and ``b`` with ``c`` can
    never be kept apart from ``c``: no catalog could satisfy that, so it is a spec error.
    """
    # Union-find with path halving and union by size: near-constant work per link, whatever
    # the order of the links (a plain chain walk was quadratic for a star of colocations).
    parents: dict[tuple[str, Any], Any] = {}
    sizes: dict[tuple[str, Any], int] = {}

    def find(level: str, name: Any) -> Any:
        parent = parents.get((level, name), name)
        while parent != name:
            grandparent = parents.get((level, parent), parent)
            parents[(level, name)] = grandparent
            name, parent = grandparent, parents.get((level, grandparent), grandparent)
        return name

    def join(level: str, a: Any, b: Any) -> None:
        ra, rb = find(level, a), find(level, b)
        if ra == rb:
            return
        if sizes.get((level, ra), 1) > sizes.get((level, rb), 1):
            ra, rb = rb, ra
        parents[(level, ra)] = rb
        sizes[(level, rb)] = sizes.get((level, rb), 1) + sizes.get((level, ra), 1)

    for start, end, colocate, _ in links:
        if colocate == "region":
            join("region", start, end)
        if colocate in ("region", "provider"):
            join("provider", start, end)
    found = []
    for index, (start, end, colocate, apart) in enumerate(links):
        if apart not in ("region", "provider") or colocate is not None or start == end:
            continue
        if find(apart, start) == find(apart, end):
            found.append(
                (
                    index,
                    f"links[{index}]: 'apart: {apart}' asks for different {apart}s for "
                    f"{start!r} and {end!r}, but other links colocate them on the same {apart}",
                )
            )
    return found


class BundleSpec(_Strict):
    """A bundle spec, version 1: the components a team needs and where they may run."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        use_attribute_docstrings=True,
        title="sovbundle bundle spec v1",
    )

    version: Literal[1]
    """Bundle spec version; always 1."""

    @field_validator("version", mode="before")
    @classmethod
    def _integer_version(cls, value: Any) -> Any:
        # Literal[1] matches 1.0 (equal to 1): a version is written as the integer 1.
        if isinstance(value, float):
            raise PydanticCustomError("literal_error", "Input should be 1", {"expected": "1"})
        return value

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    """Bundle name: letters, digits, '.', '_' or '-', at most 64 characters."""
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    """What the bundle is for, in words."""
    constraints: Constraints = Constraints()
    """Defaults for every component; a component may narrow them."""
    policy: Policy = Policy()
    """Budget and provider diversity of the whole plan."""
    components: Annotated[dict[ComponentName, Component], Field(min_length=1, max_length=5000)]
    """The components, by name (lowercase letters, digits, '_' or '-')."""
    links: Annotated[Items[Link], Field(max_length=20_000)] = ()
    """Traffic and placement relations between components."""

    @model_validator(mode="after")
    def _links_name_components(self) -> BundleSpec:
        ends = unknown_link_ends(
            self.components, [{"from": link.from_, "to": link.to} for link in self.links]
        )
        if ends:
            raise PydanticCustomError(
                "link_unknown_component",
                "{problems}; components are: {names}",
                {
                    "problems": "; ".join(
                        f"links[{i}].{end} names unknown component {name!r}"
                        for i, end, name in ends
                    ),
                    "names": ", ".join(sorted(self.components)),
                },
            )
        conflicts = link_contradictions(
            [(link.from_, link.to, link.colocate, link.apart) for link in self.links]
        )
        if conflicts:
            raise PydanticCustomError(
                "link_contradiction",
                "{problems}",
                {"problems": "; ".join(message for _, message in conflicts)},
            )
        return self


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a bundle spec file, as editors use it."""
    schema = BundleSpec.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }
