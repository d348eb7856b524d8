"""The Plan model and its canonical JSON export (``format_version`` "1.0", SPEC §6).

Money is a JSON number in EUR: each ``monthly`` is rounded to cents half-even, totals are sums of
the rounded lines, unit prices carry 6 decimals. Keys come in the order of SPEC §6 (the field
order below) and every list is in a canonical order, so the same bundle and catalog always give
the same bytes, apart from ``generated_at`` and ``solver.time_ms`` (wall-clock facts).

A placement row is one priced line: a Kubernetes cluster gives two rows (``part``
``control_plane`` and ``nodes``), a database with extra storage an ``extra_storage`` row, object
storage a ``storage`` and possibly an ``egress`` row; in every row ``quantity`` x ``unit_price`` =
``monthly``. ``part`` is an addition to the SPEC §6 field list.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sovbundle.jsontext import dumps

__all__ = [
    "FORMAT_VERSION",
    "BundleRef",
    "CatalogRef",
    "ConstraintRow",
    "LinkRow",
    "PlacementRow",
    "Plan",
    "SolverInfo",
    "SourceRef",
    "dump_plan",
]

FORMAT_VERSION = "1.0"

TIE_BREAK = (
    "among equal-cost plans, the least sum of canonical ranks (a candidate's position in its "
    "component's order: monthly cost, provider, region, SKU), then, components in name order, "
    "each the lowest rank left"
)
"""The tie-break rule the planner applies (``sovbundle.planning.solve``), printed in every plan."""


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class BundleRef(_Row):
    name: str
    path: str
    sha256: str


class CatalogRef(_Row):
    provider: str
    source: Literal["snapshot", "cache", "live"]
    fetched_at: str
    sha256: str


class SourceRef(_Row):
    """Where an offer's price comes from (``Offer.source``)."""

    kind: Literal["api", "curated"]
    url: str
    as_of: str


class PlacementRow(_Row):
    component: str
    kind: str
    part: str
    provider: str
    region: str
    country: str
    sku: str
    quantity: Decimal
    unit_price: Decimal
    price_unit: str
    monthly: Decimal
    certifications: tuple[str, ...]
    source: SourceRef


class LinkRow(_Row):
    from_: str = Field(alias="from")
    to: str
    cross_provider: bool
    gb_month: Decimal
    monthly: Decimal


class ConstraintRow(_Row):
    name: str
    required: str
    actual: str
    ok: bool


class ModelSize(_Row):
    variables: int
    constraints: int
    nonzeros: int


class SolverInfo(_Row):
    name: str
    status: str
    objective: Decimal | None
    gap: float | None
    time_ms: int
    candidates: int
    pruned: int
    model: ModelSize
    tie_break: str = TIE_BREAK


class RunnerUpRow(_Row):
    component: str
    provider: str | None
    region: str | None
    sku: str | None
    delta_monthly: Decimal | None


class ConstraintCostRow(_Row):
    name: str
    delta_monthly: Decimal


class ExplainInfo(_Row):
    runner_ups: tuple[RunnerUpRow, ...]
    constraint_costs: tuple[ConstraintCostRow, ...]


class Plan(_Row):
    """A resolved bundle: where each component goes, what it costs, and why it is right."""

    format_version: str = FORMAT_VERSION
    sovbundle_version: str
    generated_at: str
    bundle: BundleRef
    catalogs: tuple[CatalogRef, ...]
    status: Literal["optimal", "feasible", "infeasible"]
    currency: Literal["EUR"] = "EUR"
    total_monthly: Decimal
    by_provider: dict[str, Decimal]
    placements: tuple[PlacementRow, ...]
    links: tuple[LinkRow, ...]
    constraints: tuple[ConstraintRow, ...]
    solver: SolverInfo
    warnings: tuple[str, ...]
    explain: ExplainInfo | None = None
    """Only with ``--explain`` (an addition to SPEC §6)."""


def dump_plan(plan: Plan) -> str:
    """The canonical JSON text of a plan (UTF-8, 2-space indent, trailing newline)."""
    data = plan.model_dump(mode="python", by_alias=True, exclude_none=False)
    if data.get("explain") is None:
        data.pop("explain", None)
    return dumps(data)
