"""Fuzzing ``normalize`` of clevercloud, outscale and rapidspace: only CatalogError escapes.

Each example takes a valid raw catalog (the small fixtures) and changes one node of one
response: replaces it with another JSON value, or deletes it from its parent.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.support.fuzz import json_values, mutated_json

from sovbundle.adapters import clevercloud, outscale, rapidspace
from sovbundle.adapters.base import RawCatalog
from sovbundle.catalog.facts import ProviderFacts, load_facts
from sovbundle.errors import CatalogError
from sovbundle.models import Offer

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


def fixture(provider: str, name: str) -> Any:
    return json.loads((FIXTURES / provider / name).read_text(encoding="utf-8"))


@st.composite
def mutated(draw: st.DrawFn, responses: dict[str, Any]) -> dict[str, Any]:
    """The responses with one endpoint's body mutated once."""
    key = draw(st.sampled_from(sorted(responses)))
    return {**responses, key: draw(mutated_json(responses[key], max_edits=1))}


def check(module: Any, raw: RawCatalog, facts: ProviderFacts) -> None:
    try:
        offers = module.normalize(raw, facts)
    except CatalogError:
        return
    for offer in offers:  # what does come out is well-formed and never negative
        assert isinstance(offer, Offer)
        if offer.price.amount is not None:
            assert offer.price.amount >= Decimal(0)


CLEVER = {
    "/v2/products/instances": fixture("clevercloud", "instances.json"),
    "/v2/products/addonproviders": fixture("clevercloud", "addonproviders.json"),
    "/v4/products/zones": fixture("clevercloud", "zones.json"),
    "/v4/billing/price-system?zone_id=par&currency=EUR": fixture(
        "clevercloud", "price_system_par.json"
    ),
    "/v4/billing/price-system?zone_id=rbxhds&currency=EUR": fixture(
        "clevercloud", "price_system_rbxhds.json"
    ),
}
CLEVER_FACTS = load_facts(ROOT / "providers" / "clevercloud.yaml")
OUTSCALE = {
    "/ReadPublicCatalog?region=eu-west-2": fixture("outscale", "ReadPublicCatalog_eu-west-2.json"),
    "/ReadVmTypes?region=eu-west-2": fixture("outscale", "ReadVmTypes_eu-west-2.json"),
}
OUTSCALE_FACTS = load_facts(ROOT / "providers" / "outscale.yaml")
RAPIDSPACE_FACTS = load_facts(ROOT / "providers" / "rapidspace.yaml")


def test_fixtures_normalise_cleanly() -> None:
    assert clevercloud.normalize(RawCatalog("clevercloud", "2026", CLEVER), CLEVER_FACTS)
    assert outscale.normalize(RawCatalog("outscale", "2026", OUTSCALE), OUTSCALE_FACTS)


@settings(max_examples=300, deadline=None)
@given(mutated(CLEVER))
def test_clevercloud_normalize_raises_only_catalog_errors(responses: dict[str, Any]) -> None:
    check(clevercloud, RawCatalog("clevercloud", "2026-01-23", responses), CLEVER_FACTS)


@settings(max_examples=300, deadline=None)
@given(mutated(OUTSCALE))
def test_outscale_normalize_raises_only_catalog_errors(responses: dict[str, Any]) -> None:
    raw = RawCatalog("outscale", "2026-11-29", responses, outscale.DEFAULT_BASE_URL)
    check(outscale, raw, OUTSCALE_FACTS)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=20), json_values, max_size=3))
def test_rapidspace_normalize_raises_only_catalog_errors(responses: dict[str, Any]) -> None:
    check(rapidspace, RawCatalog("rapidspace", "2026-11-29", responses), RAPIDSPACE_FACTS)
