"""The normalised catalog model: Provider, Region, Offer, Price (frozen pydantic, Decimal money).

Every adapter turns its provider's API into these types, and everything after the adapters
(catalog queries, the planner, the plan) reads only these types.

Units are explicit and never implied:

* money is ``Decimal`` in ``currency`` (always EUR in v1), VAT excluded;
* ``Price.unit`` says what one ``amount`` buys (an hour, a month, a GB-month, a GB...);
* a month is ``HOURS_PER_MONTH`` (730) hours; where a provider publishes a monthly price for an
  offer, that is the offer's monthly price, otherwise the hourly price x 730
  (``Offer.monthly``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "CERTIFICATIONS",
    "CERTIFICATION_IDS",
    "HOURS_PER_MONTH",
    "KINDS",
    "PROVIDER_IDS",
    "AppSpecs",
    "Certification",
    "CertificationId",
    "CertificationStatus",
    "DatabaseSpecs",
    "Egress",
    "Evidence",
    "EvidenceClass",
    "KubernetesSpecs",
    "ObjectStorageSpecs",
    "Offer",
    "OfferStatus",
    "Price",
    "PriceQuality",
    "PriceRecord",
    "PriceUnit",
    "Provider",
    "ProviderId",
    "Region",
    "Source",
    "Specs",
    "VmSpecs",
    "evidence_date",
]

HOURS_PER_MONTH = Decimal(730)

ProviderId = Literal["ovhcloud", "scaleway", "clevercloud", "outscale", "rapidspace"]
"""Every provider id, written once: the bundle language and the catalogs both read it."""

CertificationId = Literal[
    "secnumcloud", "hds", "iso27001", "iso27017", "iso27018", "iso27701", "soc2", "pci_dss", "c5"
]
"""Every certification id a bundle may require, written once (``CERTIFICATIONS`` names them)."""

PROVIDER_IDS: tuple[str, ...] = get_args(ProviderId)
"""Every provider sovbundle knows, in the canonical order used in listings."""

KINDS: tuple[str, ...] = ("vm", "app", "database", "object_storage", "kubernetes")
"""Offer kinds; a GPU machine is a ``vm`` (or ``app``) whose specs have ``gpus > 0``."""

CERTIFICATIONS: dict[CertificationId, str] = {
    "secnumcloud": "SecNumCloud (ANSSI qualification)",
    "hds": "HDS (Hébergeur de Données de Santé)",
    "iso27001": "ISO/IEC 27001",
    "iso27017": "ISO/IEC 27017",
    "iso27018": "ISO/IEC 27018",
    "iso27701": "ISO/IEC 27701",
    "soc2": "SOC 2 type II",
    "pci_dss": "PCI DSS",
    "c5": "BSI C5",
}
"""Certification ids a bundle may require, with their display names."""

CERTIFICATION_IDS: tuple[str, ...] = get_args(CertificationId)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(_Frozen):
    """Where a fact or a price comes from and when it was true."""

    kind: Literal["api", "curated"]
    """``api``: read from the provider's public API; ``curated``: from a documented source."""
    url: str
    """The API endpoint, or the documentation page / repository file the fact was read from."""
    as_of: str
    """ISO date (``2026-08-14``) or datetime the fact was fetched or last known true."""
    note: str | None = None


class EvidenceClass(StrEnum):
    """What kind of source a price was read from; ``rank`` orders them, best first."""

    API = "api"
    """A provider API response, fetched live or recorded (a saved response body)."""
    PROVIDER_DOC = "provider_doc"
    """The provider's own published page or document."""
    THIRD_PARTY = "third_party"
    """A dataset compiled by others (a price comparison, a crawler, a test fixture of theirs)."""

    @property
    def rank(self) -> int:
        """0 for the best evidence (``api``), larger for weaker evidence."""
        return _EVIDENCE_RANK[self]


_EVIDENCE_RANK = {EvidenceClass.API: 0, EvidenceClass.PROVIDER_DOC: 1, EvidenceClass.THIRD_PARTY: 2}


class Evidence(_Frozen):
    """Where one price was read: its evidence class, its source and the date of that source."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    class_: EvidenceClass = Field(alias="class")
    """``api``, ``provider_doc`` or ``third_party`` (``class`` in files and JSON)."""
    source: str
    """The endpoint, page, or repository file (with its commit) the figure was read from."""
    as_of: str | None
    """Date of that source itself: when the response was recorded or the page was dated, never
    the date of some other source of the same provider. An ISO date or datetime, or only a year
    or a month (``2018``, ``2020-08``) when the source says no more; ``None`` when the source
    states no date at all (``note`` then says when the figure was collected)."""
    note: str | None = None

    @field_validator("as_of")
    @classmethod
    def _dated(cls, value: str | None) -> str | None:
        if value is not None:
            evidence_date(value)
        return value


def evidence_date(value: str) -> date:
    """The last day an ``Evidence.as_of`` can mean (``2018`` -> 2018-12-31); ValueError if bad.

    The last day, so that an age computed from it is never larger than the truth."""
    if len(value) == 4 and value.isdigit():
        return date(int(value), 12, 31)
    if len(value) == 7 and value[4] == "-":
        year, month = int(value[:4]), int(value[5:])
        following = date(year + month // 12, month % 12 + 1, 1)
        return following - timedelta(days=1)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).date()


class PriceUnit(StrEnum):
    """What one ``Price.amount`` buys."""

    HOUR = "hour"
    MONTH = "month"
    GB_MONTH = "gb_month"
    GB = "gb"
    REQUEST = "request"


class PriceQuality(StrEnum):
    """How far a price can be trusted for planning."""

    CURRENT = "current"
    """Read from the provider's API or a recent documented source."""
    STALE = "stale"
    """Real but old (see ``Price.note``): placed only with a warning."""
    UNKNOWN = "unknown"
    """No sourced figure exists offline: listed, never placed."""


class Price(_Frozen):
    """A unit price, excluding VAT."""

    amount: Decimal | None
    """``None`` exactly when ``quality`` is ``unknown``."""
    currency: Literal["EUR"] = "EUR"
    unit: PriceUnit
    vat: Literal["excluded"] = "excluded"
    quality: PriceQuality = PriceQuality.CURRENT
    note: str | None = None
    """Why a price is stale or unknown, and how to get a live one."""


class PriceRecord(_Frozen):
    """A price an offer had in an older source, kept when a newer primary source replaced it."""

    amount: Decimal
    unit: PriceUnit
    monthly_amount: Decimal | None = None
    evidence: Evidence


CertificationStatus = Literal["qualified", "in_progress", "none"]
"""``qualified``: held (certified, qualified); ``in_progress``: applied for, not held (never
satisfies a requirement); ``none``: the source says it is not held."""


class Certification(_Frozen):
    """A certification or qualification claim, the scope it covers and its source.

    A claim satisfies a requirement directly only when it is ``qualified``, ``confirmed``, its
    scope (``regions``, ``kinds``) covers the offer and the plan date is within its validity.
    An unconfirmed claim is *unknown evidence*: ``policy.unknown_evidence`` decides."""

    id: str
    """One of ``CERTIFICATIONS``."""
    scope: str
    """In words: which service and which datacentres it covers."""
    regions: tuple[str, ...] | None = None
    """Region ids it covers; ``None`` means it is a company-level claim, not tied to regions."""
    kinds: tuple[str, ...] | None = None
    """Offer kinds it covers; ``None`` means every kind sold in ``regions``."""
    status: CertificationStatus = "qualified"
    confirmed: bool = True
    """Whether the source establishes that the claim covers ``regions`` and ``kinds``;
    ``False``: a claim exists (a company-level one, an old page) but its scope for these
    offers is not established, so no offer carries it and the evidence policy decides."""
    valid_from: date | None = None
    """First day of validity, only where a source states it."""
    valid_until: date | None = None
    """Last day of validity, only where a source states it (after it: expired)."""
    source: Source
    """The evidence: ``source.url`` is the link, ``source.as_of`` its date."""


class Region(_Frozen):
    """A provider's region or zone, with the facts no API returns."""

    provider: str
    id: str
    """The provider's own code: ``GRA11``, ``fr-par-1``, ``par``, ``cloudgouv-eu-west-1``."""
    country: str
    """ISO 3166-1 alpha-2."""
    city: str | None = None
    operator: str
    """Who runs the datacentre (a provider id or a company name)."""
    price_zone: str | None = None
    """Adapter-specific tag linking catalog prices to regions (OVHcloud ``3AZ``, ``LZ.EU``...)."""
    source: Source


class Egress(_Frozen):
    """A provider's internet egress policy, used to price links that cross providers."""

    price_per_gb: Decimal | None
    """EUR per GB beyond the free allowance; ``None`` when no source gives it."""
    free_gb_month: Decimal = Decimal(0)
    source: Source
    note: str | None = None


class Provider(_Frozen):
    """A cloud provider and its curated, sourced facts."""

    id: str
    name: str
    legal_entity: str
    hq_country: str
    eu_jurisdiction: bool
    """HQ and control in the EU, with no known extraterritorial exposure."""
    jurisdiction_note: str | None = None
    source: Source
    certifications: tuple[Certification, ...] = ()
    regions: tuple[Region, ...] = ()
    egress: Egress | None = None
    gaps: tuple[str, ...] = ()
    """What the data does not cover, in words shown by ``sovbundle providers``."""
    price_api: bool = True
    """Whether the provider publishes a price API a refresh can read (Rapid.Space does not)."""

    def region(self, region_id: str) -> Region | None:
        """The region with this id, if the provider has it."""
        for region in self.regions:
            if region.id == region_id:
                return region
        return None


class VmSpecs(_Frozen):
    """A virtual or dedicated machine; a GPU machine has ``gpus > 0``."""

    kind: Literal["vm"] = "vm"
    vcpus: int
    memory_gb: Decimal
    disk_gb: Decimal | None = None
    """Local disk included in the price, GB; ``None`` when the offer has none (block storage)."""
    arch: Literal["x86_64", "arm64"] = "x86_64"
    gpus: int = 0
    gpu_model: str | None = None
    gpu_memory_gb: Decimal | None = None
    """Memory of one GPU, GB."""
    dedicated: bool = False
    """Bare metal or dedicated host rather than a shared-hypervisor VM."""


class AppSpecs(_Frozen):
    """A PaaS instance size that runs the listed runtimes."""

    kind: Literal["app"] = "app"
    vcpus: Decimal
    memory_gb: Decimal
    runtimes: tuple[str, ...]
    gpus: int = 0
    gpu_model: str | None = None
    gpu_memory_gb: Decimal | None = None


class DatabaseSpecs(_Frozen):
    """A managed database plan."""

    kind: Literal["database"] = "database"
    engine: str
    """``postgresql``, ``mysql``, ``mongodb``, ``redis``..."""
    vcpus: Decimal | None = None
    memory_gb: Decimal | None = None
    storage_gb: Decimal | None = None
    """Storage included in the price, GB."""
    extra_storage_gb_month: Decimal | None = None
    """EUR per GB-month of storage beyond ``storage_gb``; ``None`` when it cannot be extended."""
    max_storage_gb: Decimal | None = None
    high_availability: bool = False


class ObjectStorageSpecs(_Frozen):
    """An object storage class; ``Offer.price`` is per GB-month stored."""

    kind: Literal["object_storage"] = "object_storage"
    storage_class: Literal["standard", "high_performance", "infrequent", "archive"] = "standard"
    """Canonical class: provider names map onto it (OVHcloud ``infrequent_access`` and Scaleway
    ``onezone_ia`` are ``infrequent``; Scaleway ``glacier`` is ``archive``)."""
    egress_price_per_gb: Decimal | None = None
    """EUR per GB downloaded beyond ``free_egress_gb_month``; ``None`` when unknown."""
    free_egress_gb_month: Decimal = Decimal(0)
    free_storage_gb_month: Decimal = Decimal(0)


class KubernetesSpecs(_Frozen):
    """A managed Kubernetes control plane; nodes are ``vm`` offers of the same region."""

    kind: Literal["kubernetes"] = "kubernetes"
    control_plane: Literal["mutualized", "dedicated"] = "mutualized"
    high_availability: bool = False
    max_nodes: int | None = None


Specs = Annotated[
    VmSpecs | AppSpecs | DatabaseSpecs | ObjectStorageSpecs | KubernetesSpecs,
    Field(discriminator="kind"),
]


class OfferStatus(StrEnum):
    """Commercial status of an offer."""

    GA = "ga"
    BETA = "beta"
    DEPRECATED = "deprecated"


class Offer(_Frozen):
    """Something a provider sells in one region, at one price."""

    provider: str
    kind: str
    """One of ``KINDS``; always equal to ``specs.kind``."""
    sku: str
    """The provider's own product code (``b3-8``, ``GP1-XS``, ``apps.M``)."""
    region: str
    specs: Specs
    price: Price
    monthly_amount: Decimal | None = None
    """The monthly price of one unit when the provider publishes one (OVHcloud monthly plans).

    Read ``Offer.monthly`` rather than this field: it applies the 730-hour rule."""
    certifications: tuple[str, ...] = ()
    """Certification ids that hold for this offer in this region (``Provider.certifications``)."""
    status: OfferStatus = OfferStatus.GA
    source: Source
    price_evidence: Evidence | None = None
    """The class, source and date of ``price`` (and ``monthly_amount``). Every offer of the
    packaged snapshot and of a refreshed catalog has one (``sovbundle.refresh.snapshot --check``);
    ``None`` only for offers built by hand, where ``evidence`` derives it from ``source``."""
    price_history: tuple[PriceRecord, ...] = ()
    """Older prices of this offer from sources a newer one superseded, newest first."""

    @property
    def evidence(self) -> Evidence | None:
        """``price_evidence``, or for an API-sourced offer without it, the API source itself."""
        if self.price_evidence is not None:
            return self.price_evidence
        if self.source.kind == "api":
            return Evidence(
                class_=EvidenceClass.API, source=self.source.url, as_of=self.source.as_of
            )
        return None

    @property
    def monthly(self) -> Decimal | None:
        """Monthly price of one unit in EUR, or ``None`` when unknown or not time-based."""
        if self.price.amount is None:
            return None
        if self.monthly_amount is not None:
            return self.monthly_amount
        if self.price.unit is PriceUnit.MONTH:
            return self.price.amount
        if self.price.unit is PriceUnit.HOUR:
            return self.price.amount * HOURS_PER_MONTH
        if self.price.unit is PriceUnit.GB_MONTH:
            return self.price.amount
        return None

    @property
    def placeable(self) -> bool:
        """Whether the planner may use this offer (its price is known)."""
        return self.price.quality is not PriceQuality.UNKNOWN and self.price.amount is not None

    def sort_key(self) -> tuple[str, str, str, str]:
        """The canonical order of offers: provider, kind, region, sku."""
        return (self.provider, self.kind, self.region, self.sku)
