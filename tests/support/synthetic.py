"""Small synthetic catalogs for tests: providers, regions and offers built in a line each."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from sovbundle.catalog.files import LoadedCatalog, ProviderCatalog, dump_catalog
from sovbundle.catalog.query import Catalog
from sovbundle.models import (
    AppSpecs,
    Certification,
    DatabaseSpecs,
    Egress,
    Evidence,
    EvidenceClass,
    KubernetesSpecs,
    ObjectStorageSpecs,
    Offer,
    Price,
    PriceQuality,
    PriceUnit,
    Provider,
    Region,
    Source,
    Specs,
    VmSpecs,
)
from sovbundle.spec.model import BundleSpec

SOURCE = Source(kind="api", url="https://catalog.example.test/v1", as_of="2026-11-20")
FETCHED_AT = "2026-11-20T08:00:00Z"


def provider(
    pid: str,
    regions: dict[str, str] | None = None,
    *,
    eu: bool = True,
    egress: str | None = "0.01",
) -> Provider:
    """A provider with regions ``{region id: country}`` and an egress price per GB."""
    regions = regions or {"r1": "FR"}
    return Provider(
        id=pid,
        name=pid.title(),
        legal_entity=f"{pid.title()} SAS",
        hq_country="FR",
        eu_jurisdiction=eu,
        source=SOURCE,
        regions=tuple(
            Region(provider=pid, id=rid, country=country, operator=pid, source=SOURCE)
            for rid, country in regions.items()
        ),
        egress=Egress(price_per_gb=None if egress is None else Decimal(egress), source=SOURCE),
    )


def offer(
    pid: str,
    region: str,
    sku: str,
    monthly: str | None,
    specs: Specs,
    *,
    certs: tuple[str, ...] = (),
    unit: PriceUnit = PriceUnit.MONTH,
    quality: PriceQuality = PriceQuality.CURRENT,
    note: str | None = None,
    curated: bool = False,
    as_of: str | None = None,
    evidence: EvidenceClass | None = None,
) -> Offer:
    """An offer; ``monthly`` None means the price is unknown.

    A curated offer's price is provider documentation unless ``evidence`` says otherwise; an
    API offer has no ``price_evidence`` (``Offer.evidence`` derives it from the source);
    ``as_of`` dates the source (and the evidence)."""
    if monthly is None:
        quality = PriceQuality.UNKNOWN
    price = Price(
        amount=None if monthly is None else Decimal(monthly),
        unit=unit,
        quality=quality,
        note=note,
    )
    source = (
        Source(kind="curated", url="https://docs.example.test/prices", as_of="2026-06-01")
        if curated
        else SOURCE
    )
    if as_of is not None:
        source = source.model_copy(update={"as_of": as_of})
    price_evidence = None
    if curated or evidence is not None:
        cls = evidence or EvidenceClass.PROVIDER_DOC
        price_evidence = Evidence(class_=cls, source=source.url, as_of=source.as_of)
    return Offer(
        provider=pid,
        kind=specs.kind,
        sku=sku,
        region=region,
        specs=specs,
        price=price,
        certifications=certs,
        source=source,
        price_evidence=price_evidence,
    )


def vm(
    pid: str,
    region: str,
    sku: str,
    monthly: str | None,
    vcpus: int = 2,
    memory: str = "4",
    **kw: object,
) -> Offer:
    specs_kw = {k: kw.pop(k) for k in list(kw) if k in VmSpecs.model_fields}
    return offer(
        pid, region, sku, monthly, VmSpecs(vcpus=vcpus, memory_gb=Decimal(memory), **specs_kw), **kw
    )  # type: ignore[arg-type]


def app(
    pid: str,
    region: str,
    sku: str,
    monthly: str,
    runtimes: tuple[str, ...] = ("python",),
    vcpus: str = "1",
    memory: str = "2",
    **kw: object,
) -> Offer:
    specs = AppSpecs(vcpus=Decimal(vcpus), memory_gb=Decimal(memory), runtimes=runtimes)
    return offer(pid, region, sku, monthly, specs, **kw)  # type: ignore[arg-type]


def database(
    pid: str, region: str, sku: str, monthly: str, engine: str = "postgresql", **kw: object
) -> Offer:
    specs_kw = {k: kw.pop(k) for k in list(kw) if k in DatabaseSpecs.model_fields}
    specs_kw.setdefault("vcpus", Decimal(2))
    specs_kw.setdefault("memory_gb", Decimal(4))
    specs = DatabaseSpecs(engine=engine, **specs_kw)  # type: ignore[arg-type]
    return offer(pid, region, sku, monthly, specs, **kw)  # type: ignore[arg-type]


def storage(
    pid: str, region: str, sku: str, per_gb: str, egress: str | None = "0.01", **kw: object
) -> Offer:
    specs_kw = {k: kw.pop(k) for k in list(kw) if k in ObjectStorageSpecs.model_fields}
    specs = ObjectStorageSpecs(
        egress_price_per_gb=None if egress is None else Decimal(egress),
        **specs_kw,  # type: ignore[arg-type]
    )
    return offer(pid, region, sku, per_gb, specs, unit=PriceUnit.GB_MONTH, **kw)  # type: ignore[arg-type]


def kube(pid: str, region: str, sku: str, monthly: str, **kw: object) -> Offer:
    specs_kw = {k: kw.pop(k) for k in list(kw) if k in KubernetesSpecs.model_fields}
    return offer(pid, region, sku, monthly, KubernetesSpecs(**specs_kw), **kw)  # type: ignore[arg-type]


def catalog(
    providers: list[Provider],
    offers: list[Offer],
    fetched_at: str = FETCHED_AT,
    origin: str = "snapshot",
) -> Catalog:
    """A Catalog as ``load_catalogs`` returns it, offers dispatched to their providers."""
    loaded = []
    for prov in providers:
        data = ProviderCatalog(
            provider=prov,
            fetched_at=fetched_at,
            offers=tuple(o for o in offers if o.provider == prov.id),
        )
        digest = hashlib.sha256(dump_catalog(data)).hexdigest()
        loaded.append(LoadedCatalog(data, origin, None, digest))  # type: ignore[arg-type]
    return Catalog.from_loaded(loaded)


def _tuples(value: object) -> object:
    if isinstance(value, list | tuple):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def bundle(components: dict[str, dict[str, object]], **top: object) -> BundleSpec:
    """A validated BundleSpec from plain Python data (lists become the tuples the model wants)."""
    data: dict[str, object] = {"version": 1, "name": "test-bundle", "components": components}
    data.update(top)
    return BundleSpec.model_validate(_tuples(data))


CLAIM = Source(kind="curated", url="https://claims.example.test/hds", as_of="2026-10-01")
"""The source of the test certification claims of ``claim``."""


def claim(**kw: Any) -> Certification:
    """An ``hds`` claim sourced at ``CLAIM``; ``kw`` sets its other fields."""
    data: dict[str, Any] = {"id": "hds", "scope": "test scope", "source": CLAIM}
    data.update(kw)
    return Certification(**data)


def with_claims(prov: Provider, *claims: Certification) -> Provider:
    """``prov`` holding exactly ``claims``."""
    return prov.model_copy(update={"certifications": claims})
