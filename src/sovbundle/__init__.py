"""sovbundle: the cheapest sovereign cloud bundle across French providers, proven optimal.

The library API, for use from Python::

    from datetime import UTC, datetime
    import sovbundle

    bundle = sovbundle.load_bundle(Path("bundles/health-portal.yaml"))  # a pathlib.Path
    plan = sovbundle.plan_bundle(bundle, sovbundle.load_catalogs(), datetime.now(UTC))
    print(sovbundle.dump_plan(plan))

Names load lazily (PEP 562), so that ``import sovbundle`` and ``sovbundle --help`` stay fast.
"""

from __future__ import annotations

import importlib

from sovbundle._version import __version__

# Not ``from typing import TYPE_CHECKING``: importing typing (and re, enum with it) would cost
# every ``sovbundle --help`` several ms; mypy treats any ``TYPE_CHECKING`` name as true.
TYPE_CHECKING = False

_EXPORTS: dict[str, str] = {
    # the normalised catalog model
    "Certification": "sovbundle.models",
    "Evidence": "sovbundle.models",
    "EvidenceClass": "sovbundle.models",
    "Offer": "sovbundle.models",
    "Price": "sovbundle.models",
    "PriceQuality": "sovbundle.models",
    "PriceUnit": "sovbundle.models",
    "Provider": "sovbundle.models",
    "Region": "sovbundle.models",
    "Source": "sovbundle.models",
    # bundle specs
    "BundleSpec": "sovbundle.spec.model",
    "LoadedBundle": "sovbundle.spec.loader",
    "load_bundle": "sovbundle.spec.loader",
    "parse_bundle": "sovbundle.spec.loader",
    # catalogs
    "Catalog": "sovbundle.catalog.query",
    "OfferQuery": "sovbundle.catalog.query",
    "load_catalogs": "sovbundle.catalog.select",
    "refresh_catalogs": "sovbundle.refresh.run",
    # planning
    "Plan": "sovbundle.plan",
    "dump_plan": "sovbundle.plan",
    "plan_bundle": "sovbundle.planning.resolve",
    # reviewing plans
    "PlanDiff": "sovbundle.plan_diff",
    "diff_plans": "sovbundle.planning.diff",
    "read_plan": "sovbundle.plan_file",
    # errors
    "BundleError": "sovbundle.errors",
    "CatalogError": "sovbundle.errors",
    "InfeasibleError": "sovbundle.errors",
    "PlanFileError": "sovbundle.errors",
    "ProviderError": "sovbundle.errors",
    "SovbundleError": "sovbundle.errors",
    "UsageError": "sovbundle.errors",
}

__all__ = [
    "BundleError",
    "BundleSpec",
    "Catalog",
    "CatalogError",
    "Certification",
    "Evidence",
    "EvidenceClass",
    "InfeasibleError",
    "LoadedBundle",
    "Offer",
    "OfferQuery",
    "Plan",
    "PlanDiff",
    "PlanFileError",
    "Price",
    "PriceQuality",
    "PriceUnit",
    "Provider",
    "ProviderError",
    "Region",
    "Source",
    "SovbundleError",
    "UsageError",
    "__version__",
    "diff_plans",
    "dump_plan",
    "load_bundle",
    "load_catalogs",
    "parse_bundle",
    "plan_bundle",
    "read_plan",
    "refresh_catalogs",
]

if TYPE_CHECKING:
    from typing import Any

    from sovbundle.catalog.query import Catalog, OfferQuery
    from sovbundle.catalog.select import load_catalogs
    from sovbundle.errors import (
        BundleError,
        CatalogError,
        InfeasibleError,
        PlanFileError,
        ProviderError,
        SovbundleError,
        UsageError,
    )
    from sovbundle.models import (
        Certification,
        Evidence,
        EvidenceClass,
        Offer,
        Price,
        PriceQuality,
        PriceUnit,
        Provider,
        Region,
        Source,
    )
    from sovbundle.plan import Plan, dump_plan
    from sovbundle.plan_diff import PlanDiff
    from sovbundle.plan_file import read_plan
    from sovbundle.planning.diff import diff_plans
    from sovbundle.planning.resolve import plan_bundle
    from sovbundle.refresh.run import refresh_catalogs
    from sovbundle.spec.loader import LoadedBundle, load_bundle, parse_bundle
    from sovbundle.spec.model import BundleSpec


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sovbundle' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
