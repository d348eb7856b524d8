"""The normalised model: the 730-hour month, published monthly prices, placeability."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from sovbundle.models import (
    HOURS_PER_MONTH,
    ObjectStorageSpecs,
    Offer,
    Price,
    PriceQuality,
    PriceUnit,
    Source,
    VmSpecs,
)

SRC = Source(kind="api", url="https://example.invalid/catalog", as_of="2026-08-14")


def vm_offer(price: Price, monthly_amount: Decimal | None = None) -> Offer:
    return Offer(
        provider="ovhcloud",
        kind="vm",
        sku="b3-8",
        region="GRA11",
        specs=VmSpecs(vcpus=2, memory_gb=Decimal(8)),
        price=price,
        monthly_amount=monthly_amount,
        source=SRC,
    )


def test_hourly_price_is_730_hours_a_month() -> None:
    offer = vm_offer(Price(amount=Decimal("0.0512"), unit=PriceUnit.HOUR))
    assert HOURS_PER_MONTH == 730
    assert offer.monthly == Decimal("37.376")


def test_published_monthly_price_wins_over_hourly_times_730() -> None:
    # OVHcloud d2-2: 0.0104 EUR/h but 5.71 EUR on the monthly plan (not 7.592).
    offer = vm_offer(Price(amount=Decimal("0.0104"), unit=PriceUnit.HOUR), Decimal("5.71"))
    assert offer.monthly == Decimal("5.71")


def test_unknown_price_is_never_placeable() -> None:
    offer = vm_offer(Price(amount=None, unit=PriceUnit.HOUR, quality=PriceQuality.UNKNOWN))
    assert offer.monthly is None
    assert not offer.placeable


def test_stale_price_is_placeable() -> None:
    offer = vm_offer(Price(amount=Decimal(195), unit=PriceUnit.MONTH, quality=PriceQuality.STALE))
    assert offer.placeable
    assert offer.monthly == Decimal(195)


def test_gb_month_price_is_its_own_monthly_unit_price() -> None:
    offer = Offer(
        provider="scaleway",
        kind="object_storage",
        sku="standard",
        region="fr-par-1",
        specs=ObjectStorageSpecs(egress_price_per_gb=Decimal("0.01")),
        price=Price(amount=Decimal("0.0146"), unit=PriceUnit.GB_MONTH),
        source=SRC,
    )
    assert offer.monthly == Decimal("0.0146")


def test_models_are_frozen_and_reject_unknown_fields() -> None:
    offer = vm_offer(Price(amount=Decimal(1), unit=PriceUnit.HOUR))
    with pytest.raises(ValidationError):
        offer.sku = "other"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Price(amount=Decimal(1), unit=PriceUnit.HOUR, colour="red")  # type: ignore[call-arg]


def test_specs_are_discriminated_by_kind() -> None:
    data = vm_offer(Price(amount=Decimal(1), unit=PriceUnit.HOUR)).model_dump(mode="json")
    again = Offer.model_validate(data)
    assert isinstance(again.specs, VmSpecs)
    assert again == vm_offer(Price(amount=Decimal(1), unit=PriceUnit.HOUR))


def test_certification_ids_are_written_once() -> None:
    from sovbundle.models import CERTIFICATION_IDS, CERTIFICATIONS, PROVIDER_IDS
    from sovbundle.spec.model import CERTIFICATION_IDS as SPEC_CERTIFICATION_IDS
    from sovbundle.spec.model import PROVIDERS

    assert tuple(CERTIFICATIONS) == CERTIFICATION_IDS == SPEC_CERTIFICATION_IDS
    assert PROVIDERS == PROVIDER_IDS
