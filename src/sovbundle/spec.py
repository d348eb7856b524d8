"""The bundle spec v1: what a team needs (components, constraints, policy, links).

Numbers on components are minimums (an offer with more qualifies), except the counts
(``count``, ``instances``, ``nodes``), which are exact multipliers. Component-level
``countries``, ``providers`` and ``eu_jurisdiction`` replace the bundle's defaults;
``exclude_providers`` and ``certifications`` add to them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

__all__ = [
    "AppComponent",
    "BundleSpec",
    "Component",
    "ComponentConstraints",
    "Constraints",
    "DatabaseComponent",
    "KubernetesComponent",
    "Link",
    "ObjectStorageComponent",
    "Policy",
    "VmComponent",
]

ProviderId = Literal["ovhcloud", "scaleway", "clevercloud", "outscale", "rapidspace"]
CertificationId = Literal[
    "secnumcloud", "hds", "iso27001", "iso27017", "iso27018", "iso27701", "soc2", "pci_dss", "c5"
]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
ComponentName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,62}$")]

Count = Annotated[int, Field(ge=1, le=10_000)]
VCpus = Annotated[float, Field(gt=0, le=1024, allow_inf_nan=False)]
MemoryGb = Annotated[float, Field(gt=0, le=32_768, allow_inf_nan=False)]
StorageGb = Annotated[float, Field(ge=0, le=100_000_000, allow_inf_nan=False)]
TrafficGb = Annotated[float, Field(ge=0, le=100_000_000, allow_inf_nan=False)]
Gpus = Annotated[int, Field(ge=0, le=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Constraints(_Strict):
    """Placement constraints that apply to every component (each may narrow them)."""

    countries: tuple[Country, ...] | None = None
    """The region's country must be one of these; ``None``: anywhere."""
    providers: tuple[ProviderId, ...] | None = None
    """Allow-list of providers; ``None``: all."""
    exclude_providers: tuple[ProviderId, ...] = ()
    certifications: tuple[CertificationId, ...] = ()
    """Every placement must hold all of these in its region."""
    eu_jurisdiction: bool = False
    """Only providers under EU jurisdiction."""


class ComponentConstraints(_Strict):
    """Constraint keys a component may set next to its specs."""

    countries: tuple[Country, ...] | None = None
    providers: tuple[ProviderId, ...] | None = None
    exclude_providers: tuple[ProviderId, ...] = ()
    certifications: tuple[CertificationId, ...] = ()
    eu_jurisdiction: bool | None = None


class Policy(_Strict):
    """Global constraints on the whole plan."""

    max_monthly_eur: Annotated[float, Field(gt=0, le=1e9, allow_inf_nan=False)] | None = None
    min_providers: Annotated[int, Field(ge=1, le=5)] = 1
    max_provider_share: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] | None = None


class VmComponent(ComponentConstraints):
    """Virtual (or dedicated) machines, optionally with GPUs."""

    kind: Literal["vm"]
    count: Count = 1
    vcpus: VCpus | None = None
    memory_gb: MemoryGb | None = None
    disk_gb: StorageGb | None = None
    arch: Literal["x86_64", "arm64"] | None = None
    gpus: Gpus = 0
    gpu_model: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = None
    gpu_memory_gb: MemoryGb | None = None
    dedicated: bool | None = None

    @model_validator(mode="after")
    def _gpu_needs_gpus(self) -> VmComponent:
        if (self.gpu_model or self.gpu_memory_gb) and self.gpus == 0:
            object.__setattr__(self, "gpus", 1)
        return self


class AppComponent(ComponentConstraints):
    """PaaS application instances running one runtime."""

    kind: Literal["app"]
    runtime: Literal[
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
    instances: Count = 1
    vcpus: VCpus | None = None
    memory_gb: MemoryGb | None = None


class DatabaseComponent(ComponentConstraints):
    """A managed database."""

    kind: Literal["database"]
    engine: Literal["postgresql", "mysql", "mongodb", "redis", "elasticsearch"]
    vcpus: VCpus | None = None
    memory_gb: MemoryGb | None = None
    storage_gb: StorageGb | None = None
    high_availability: bool = False


class ObjectStorageComponent(ComponentConstraints):
    """Object storage: GB stored per month, and GB downloaded to the internet per month."""

    kind: Literal["object_storage"]
    storage_gb: StorageGb
    egress_gb_month: TrafficGb = 0
    storage_class: Literal["standard", "infrequent", "archive"] = "standard"


class KubernetesComponent(ComponentConstraints):
    """A managed Kubernetes cluster: control plane plus ``nodes`` worker VMs of one size."""

    kind: Literal["kubernetes"]
    nodes: Count = 1
    vcpus: VCpus | None = None
    memory_gb: MemoryGb | None = None
    arch: Literal["x86_64", "arm64"] | None = None
    high_availability: bool = False


Component = Annotated[
    VmComponent | AppComponent | DatabaseComponent | ObjectStorageComponent | KubernetesComponent,
    Field(discriminator="kind"),
]


class Link(_Strict):
    """Traffic or a placement relation between two components."""

    from_: ComponentName = Field(alias="from")
    to: ComponentName
    gb_month: TrafficGb = 0
    """GB per month from ``from`` to ``to``, priced as ``from``'s egress across providers."""
    colocate: Literal["region", "provider"] | None = None
    apart: Literal["region", "provider"] | None = None

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _not_both(self) -> Link:
        if self.colocate and self.apart:
            raise ValueError("a link cannot both colocate and keep apart its components")
        if self.from_ == self.to:
            raise ValueError(f"a link must join two components, not {self.to!r} to itself")
        return self


class BundleSpec(_Strict):
    """A bundle spec, version 1."""

    version: Literal[1]
    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    constraints: Constraints = Constraints()
    policy: Policy = Policy()
    components: Annotated[dict[ComponentName, Component], Field(min_length=1, max_length=5000)]
    links: Annotated[tuple[Link, ...], Field(max_length=20_000)] = ()

    @model_validator(mode="after")
    def _links_name_components(self) -> BundleSpec:
        names = set(self.components)
        for index, link in enumerate(self.links):
            for end in (link.from_, link.to):
                if end not in names:
                    raise ValueError(
                        f"links[{index}] names unknown component {end!r}; "
                        f"components are: {', '.join(sorted(names))}"
                    )
        return self
