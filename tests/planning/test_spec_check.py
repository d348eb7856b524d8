"""``filters.spec_check`` (screening's fast path) agrees with ``spec_failure`` on every offer."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from bench.generate import bundle_spec, synthetic_catalog

from sovbundle.catalog.query import Catalog
from sovbundle.catalog.select import load_catalogs
from sovbundle.planning.filters import spec_check, spec_failure
from sovbundle.spec.model import BundleSpec


def _catalogs() -> list[Catalog]:
    with tempfile.TemporaryDirectory() as empty:
        packaged = load_catalogs(cache_dir=Path(empty))
    return [packaged, synthetic_catalog(600, seed=3)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_spec_check_equals_spec_failure(seed: int) -> None:
    spec: BundleSpec = bundle_spec(60, seed=seed)
    for cat in _catalogs():
        offers = list(cat.offers())
        for component in spec.components.values():
            fits = spec_check(component)
            for offer in offers:
                assert fits(offer) == (spec_failure(offer, component) is None), (offer, component)


def test_spec_check_sees_every_vm_need() -> None:
    """Each VM need alone can reject: arch, dedicated, GPU model and the numeric needs."""
    from sovbundle.spec.model import VmComponent
    from tests.support.synthetic import vm

    offer = vm("ovhcloud", "GRA", "s", "5", vcpus=2)
    for need in (
        {"vcpus": 3},
        {"memory_gb": 1000},
        {"arch": "arm64"},
        {"dedicated": True},
        {"gpu_model": "h100"},
        {"gpus": 1},
        {"disk_gb": 10_000},
    ):
        component = VmComponent(kind="vm", **need)  # type: ignore[arg-type]
        assert spec_failure(offer, component) is not None
        assert spec_check(component)(offer) is False
    assert spec_check(VmComponent(kind="vm", vcpus=2))(offer) is True
