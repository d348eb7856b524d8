"""Terminal rendering of plans: grouped by provider, constraints marked, a one-line summary."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from rich.console import Console

from sovbundle.loader import LoadedBundle
from sovbundle.render import eur, render_plan
from sovbundle.resolve import plan_bundle
from tests.synthetic import bundle, catalog, provider, vm


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
        "Plan: 2 components on 2 providers, 1 300.00 EUR/month, proven optimal"
    )
