"""``python -m sovbundle.snapshot --check``: the packaged snapshot keeps its invariants, and the
check catches each kind of violation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from sovbundle.catalog.files import ProviderCatalog, load_catalog_file
from sovbundle.models import PROVIDER_IDS, Certification, Evidence, EvidenceClass, PriceRecord
from sovbundle.refresh.snapshot import check_catalog, check_snapshot, main

SNAPSHOT = Path(__file__).parents[2] / "providers" / "snapshot"
TODAY = datetime.now(UTC).date()


def test_the_packaged_snapshot_passes_the_check() -> None:
    assert check_snapshot(SNAPSHOT, PROVIDER_IDS, TODAY) == []


def test_the_check_command_exits_0_on_the_packaged_snapshot(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--check", "--out", str(SNAPSHOT)]) == 0
    assert "snapshot ok" in capsys.readouterr().out


def _catalog(pid: str = "scaleway") -> ProviderCatalog:
    return load_catalog_file(SNAPSHOT / f"{pid}.json").data


def _with_offer(catalog: ProviderCatalog, index: int, **update: object) -> ProviderCatalog:
    offers = list(catalog.offers)
    offers[index] = offers[index].model_copy(update=update)
    return catalog.model_copy(update={"offers": tuple(offers)})


def _priced(catalog: ProviderCatalog) -> int:
    return next(i for i, o in enumerate(catalog.offers) if o.placeable and o.monthly_amount)


def test_a_price_without_evidence_is_reported() -> None:
    catalog = _catalog()
    found = check_catalog(_with_offer(catalog, _priced(catalog), price_evidence=None), TODAY)
    assert len(found) == 1 and "a price without evidence" in found[0]


def test_a_negative_or_nan_price_is_reported() -> None:
    catalog = _catalog()
    i = _priced(catalog)
    offer = catalog.offers[i]
    evidence = offer.price_evidence
    assert evidence is not None
    bad = PriceRecord(amount=Decimal("-1"), unit=offer.price.unit, evidence=evidence)
    assert (
        "negative or not a number"
        in check_catalog(_with_offer(catalog, i, price_history=(bad,)), TODAY)[0]
    )
    nan = offer.price.model_copy(update={"amount": Decimal("NaN")})
    assert any(
        "not a number" in line for line in check_catalog(_with_offer(catalog, i, price=nan), TODAY)
    )


def test_a_monthly_price_above_hourly_x_730_is_reported_rounding_is_not() -> None:
    catalog = _catalog()
    i = _priced(catalog)
    offer = catalog.offers[i]
    assert offer.price.amount is not None
    rounded = offer.price.amount * 730 + Decimal("0.01")
    assert check_catalog(_with_offer(catalog, i, monthly_amount=rounded), TODAY) == []
    found = check_catalog(_with_offer(catalog, i, monthly_amount=rounded + 1), TODAY)
    assert len(found) == 1 and "above hourly" in found[0]


def test_a_certification_without_a_fact_covering_it_is_reported() -> None:
    catalog = _catalog("outscale")
    i = next(n for n, o in enumerate(catalog.offers) if o.region == "eu-west-2")
    found = check_catalog(_with_offer(catalog, i, certifications=("secnumcloud",)), TODAY)
    assert len(found) == 1 and "secnumcloud not backed" in found[0]
    # The same certification where its fact's scope covers it is fine.
    j = next(n for n, o in enumerate(catalog.offers) if o.region == "cloudgouv-eu-west-1")
    assert catalog.offers[j].certifications == ("secnumcloud",)
    assert check_catalog(catalog, TODAY) == []


def test_a_date_in_the_future_is_reported() -> None:
    catalog = _catalog()
    i = _priced(catalog)
    ahead = Evidence(class_=EvidenceClass.API, source="https://x.test", as_of="2999-01-01")
    found = check_catalog(_with_offer(catalog, i, price_evidence=ahead), TODAY)
    assert len(found) == 1 and "2999-01-01 is in the future" in found[0]
    cert = Certification(
        id="iso27001",
        scope="x",
        source=catalog.provider.source.model_copy(update={"as_of": "2999"}),
    )
    provider = catalog.provider.model_copy(update={"certifications": (cert,)})
    found = check_catalog(catalog.model_copy(update={"provider": provider}), date(2026, 12, 2))
    assert any("certification iso27001: date 2999 is in the future" in f for f in found)


def test_the_check_command_exits_6_naming_each_violation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "scaleway.json").write_text("{}")
    assert main(["--check", "--out", str(tmp_path), "scaleway"]) == 6
    err = capsys.readouterr().err
    assert "scaleway:" in err and "1 snapshot invariant violations" in err
