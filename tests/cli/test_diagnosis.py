"""Infeasibility names the spec field that blocks, with the best value on sale (issue 15 item 2,
issue 10's storage_gb item): on synthetic catalogs, and on the packaged one end to end."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sovbundle.catalog.query import Catalog
from sovbundle.cli import main
from sovbundle.errors import InfeasibleError
from sovbundle.planning.resolve import plan_bundle
from sovbundle.spec.loader import load_bundle
from tests.support.synthetic import app, catalog, database, provider, vm

ROOT = Path(__file__).resolve().parents[2]


def diagnosis(tmp_path: Path, text: str, cat: Catalog) -> list[str]:
    path = tmp_path / "b.yaml"
    path.write_text(textwrap.dedent(text))
    with pytest.raises(InfeasibleError) as caught:
        plan_bundle(load_bundle(path), cat, datetime(2026, 12, 1, tzinfo=UTC))
    return caught.value.diagnosis


def two_providers(*offers: object) -> Catalog:
    return catalog(
        [provider("clevercloud", {"par": "FR"}), provider("ovhcloud", {"GRA": "FR", "DE1": "DE"})],
        list(offers),  # type: ignore[arg-type]
    )


def test_storage_above_every_offer_is_a_storage_problem(tmp_path: Path) -> None:
    cat = two_providers(
        database("clevercloud", "par", "pg-s", "20", storage_gb=10),
        database("ovhcloud", "GRA", "pg-m", "40", storage_gb=80),
    )
    lines = diagnosis(
        tmp_path,
        """\
        version: 1
        name: s
        constraints: {countries: [FR]}
        components:
          db: {kind: database, engine: postgresql, storage_gb: 500}
        """,
        cat,
    )
    assert lines[0] == (
        "db: storage_gb 500 GB matches no postgresql database offer in FR; "
        "largest postgresql storage on sale in FR: 80 GB at ovhcloud"
    )
    assert not any("price" in line for line in lines)


def test_memory_names_the_best_inside_and_outside_the_rules(tmp_path: Path) -> None:
    cat = two_providers(
        database("clevercloud", "par", "redis.l", "50", engine="redis", memory_gb="0.48828125"),
        database("ovhcloud", "DE1", "redis-8", "40", engine="redis", memory_gb=8),
    )
    lines = diagnosis(
        tmp_path,
        """\
        version: 1
        name: s
        constraints: {countries: [FR]}
        components:
          cache: {kind: database, engine: redis, memory_gb: 2}
        """,
        cat,
    )
    assert lines[0] == (
        "cache: memory_gb 2 GB matches no redis database offer in FR; largest redis memory "
        "on sale in FR: 0.49 GB at clevercloud; 8 GB at ovhcloud outside FR"
    )


def test_high_availability_is_named(tmp_path: Path) -> None:
    cat = two_providers(database("clevercloud", "par", "pg", "20"))
    lines = diagnosis(
        tmp_path,
        """\
        version: 1
        name: s
        components:
          db: {kind: database, engine: postgresql, high_availability: true}
        """,
        cat,
    )
    assert lines[0].startswith("db: high_availability true matches no postgresql database offer")
    assert "no postgresql offer in any catalog has high_availability true" in lines[0]


def test_unknown_gpu_model_lists_the_models_on_sale(tmp_path: Path) -> None:
    cat = two_providers(
        vm("ovhcloud", "GRA", "l40s-1", "900", gpus=1, gpu_model="L40S"),
        vm("ovhcloud", "DE1", "h100-1", "2000", gpus=1, gpu_model="H100"),
    )
    lines = diagnosis(
        tmp_path,
        """\
        version: 1
        name: s
        constraints: {countries: [FR]}
        components:
          gpu: {kind: vm, gpus: 1, gpu_model: L4x}
        """,
        cat,
    )
    assert lines[0] == (
        "gpu: gpu_model L4x matches no vm offer in FR; GPU models on sale in FR: L40S; "
        "elsewhere: H100"
    )


def test_a_colocated_link_names_the_field_that_keeps_its_ends_apart(tmp_path: Path) -> None:
    cat = two_providers(
        app("clevercloud", "par", "apps.S", "30"),
        database("clevercloud", "par", "redis.l", "50", engine="redis", memory_gb="0.48828125"),
        database("ovhcloud", "GRA", "redis-4", "40", engine="redis", memory_gb=4),
    )
    lines = diagnosis(
        tmp_path,
        """\
        version: 1
        name: s
        components:
          web: {kind: app, runtime: python}
          cache: {kind: database, engine: redis, memory_gb: 2}
        links:
          - {from: web, to: cache, colocate: provider}
        """,
        cat,
    )
    assert lines[0] == (
        "link web -> cache (colocate: provider): web can only be at clevercloud, "
        "cache only at ovhcloud"
    )
    assert lines[1] == (
        "  cache: memory_gb 2 GB matches no redis database offer at clevercloud; largest redis "
        "memory on sale at clevercloud: 0.49 GB at clevercloud; 4 GB at ovhcloud "
        "(where web cannot be)"
    )


def test_the_funnel_has_no_empty_labels(tmp_path: Path) -> None:
    """Without countries or certifications, the funnel does not print ``36 in , 36 with ,``."""
    cat = two_providers(database("clevercloud", "par", "pg", None))  # type: ignore[arg-type]
    lines = diagnosis(
        tmp_path,
        """\
        version: 1
        name: s
        components:
          db: {kind: database, engine: postgresql}
        """,
        cat,
    )
    assert " in ," not in lines[0] and " with ," not in lines[0], lines[0]
    assert "with a usable price" in lines[0]


def test_the_french_saas_of_the_issue_on_the_packaged_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 15's scenario, end to end on the packaged snapshot: a Redis larger than any sold at
    the web app's provider is what blocks the colocation, not the link itself; a PostgreSQL
    larger than any on sale is a storage problem. (The packaged data now sells a 2 GB Redis at
    Clever Cloud, so the sizes are the data's limits, not the issue's 2 GB and 100 GB.)"""
    bundle = (ROOT / "bundles" / "fr-saas.yaml").read_text()
    path = tmp_path / "draft.yaml"
    path.write_text(bundle.replace("memory_gb: 0.25", "memory_gb: 100"))
    assert main(["plan", str(path)]) == 4
    err = capsys.readouterr().err
    assert "link web -> cache (colocate: provider): web can only be at clevercloud" in err
    assert "cache: memory_gb 100 GB matches no redis database offer in FR at clevercloud" in err
    assert "largest redis memory on sale in FR at clevercloud: " in err
    assert "(where web cannot be)" in err
    path.write_text(bundle.replace("storage_gb: 40}", "storage_gb: 100000}"))
    assert main(["plan", str(path)]) == 4
    err = capsys.readouterr().err
    assert "db: storage_gb 100 000 GB matches no postgresql database offer in FR; " in err
    assert "largest postgresql storage on sale in FR: " in err
    assert "price" not in err.splitlines()[1]


def test_the_french_saas_example_plans(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(ROOT / "bundles" / "fr-saas.yaml"), "--json"]) == 0
    assert '"status": "optimal"' in capsys.readouterr().out
