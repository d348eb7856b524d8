"""Terminal rendering of plans: grouped by provider, constraints marked, a one-line summary."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from rich.console import Console

from sovbundle.planning.resolve import plan_bundle
from sovbundle.render.plan import eur, render_plan
from sovbundle.spec.loader import LoadedBundle
from tests.support.synthetic import bundle, catalog, provider, vm


def test_eur_formats_with_spaces_and_signs() -> None:
    assert eur(Decimal("1234.5")) == "1 234.50"
    assert eur(Decimal("38.4"), signed=True) == "+38.40"
    assert eur(Decimal("-2"), signed=True) == "-2.00"
    assert eur(None) == "-"


def test_plan_renders_plain_when_piped() -> None:
    cat = catalog(
        [provider("ovhcloud", {"GRA": "FR"}), provider("scaleway", {"fr-par": "FR"})],
        [
            vm("ovhcloud", "GRA", "big[red]", "600", vcpus=8),
            vm("scaleway", "fr-par", "s", "700", vcpus=8),
        ],
    )
    spec = bundle(
        {"a": {"kind": "vm", "vcpus": 8}, "b": {"kind": "vm", "vcpus": 8}},
        policy={"min_providers": 2},
    )
    plan = plan_bundle(
        LoadedBundle(spec, Path("b.yaml"), "0" * 64),
        cat,
        datetime(2026, 11, 29, tzinfo=UTC),
        with_explain=True,
    )
    out = io.StringIO()
    Console(file=out, width=120).print(render_plan(plan))  # a file: no terminal, no colour
    text = out.getvalue()
    assert "\x1b[" not in text
    assert "big[red]" in text  # data is never read as markup
    assert "ovhcloud: 600.00 EUR/month" in text and "scaleway: 700.00 EUR/month" in text
    assert "✓" in text and "min_providers" in text
    assert "runner-up per component" in text and "+100.00" in text
    assert text.rstrip().endswith(
        "Plan: 2 components on 2 providers, 1 300.00 EUR/month, proven optimal\n"
        "Prices: 2 placements: 2 priced from provider APIs of 2026"
    )


def test_narrow_terminal_drops_columns_instead_of_cutting_identifiers() -> None:
    # Regression: at 80 columns every placement column shrank, so component names, regions
    # and SKUs were cut with an ellipsis ("postgre…", "fr-north…"): the very ids to act on.
    component, sku, region = "records", "postgresql.l_sml", "fr-north-hds"
    cat = catalog([provider("ovhcloud", {region: "FR"})], [vm("ovhcloud", region, sku, "60")])
    spec = bundle({component: {"kind": "vm", "vcpus": 1}})
    plan = plan_bundle(
        LoadedBundle(spec, Path("b.yaml"), "0" * 64), cat, datetime(2026, 11, 29, tzinfo=UTC)
    )
    wide, narrow = io.StringIO(), io.StringIO()
    Console(file=wide, width=140).print(render_plan(plan))
    Console(file=narrow, width=80).print(render_plan(plan))
    assert "certifications" in wide.getvalue() and "kind" in wide.getvalue()
    text = narrow.getvalue()
    assert "…" not in text
    assert all(len(line) <= 80 for line in text.splitlines())
    # Folded rather than cut when even the essential columns do not fit.
    Console(file=(tiny := io.StringIO()), width=50).print(render_plan(plan))
    assert "…" not in tiny.getvalue() and "postgre" in tiny.getvalue()
    for ident in (component, sku, f"{region} (FR)"):
        assert ident in text
    assert "certifications" not in text
