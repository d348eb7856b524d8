"""The Plan model and its canonical JSON export (``format_version`` "1.1", SPEC §6).

Money is a JSON number in EUR: each ``monthly`` is rounded to cents half-even, totals are sums of
the rounded lines, unit prices carry 6 decimals. Keys come in the order of SPEC §6 (the field
order below) and every list is in a canonical order.

The *canonical body* is the document without ``generated_at``, ``body_sha256`` and ``run``: the
same bundle and catalogs always give the same body, byte for byte. What depends on the run
rather than on the bundle and the catalogs (when and how fast it was solved, how old the
catalogs were at that moment, a refresh that failed) is in ``run``, which ``diff`` ignores.
``body_sha256`` is the sha256 of the body's canonical text (``plan_body``), so two plans can be
compared by hash.

Format 1.1 adds ``body_sha256``, ``bundle.spec``, ``placements[].offer_status``, ``run``; it
moves ``solver.time_ms`` to ``run.time_ms`` and the warnings about the run to ``run.warnings``
(``sovbundle.plan_file`` reads 1.0 files and maps them). It also adds each placement's
``evidence`` (the class, source and date of its price) and the plan's ``coverage`` (how many
placements are priced from each class of evidence), and each placement constraint's
``evidence`` (per placed offer: direct or assumed, source and date; and the counts). Also in
1.1, only when asked: ``exit_report`` (``--exit-report``), ``explain.unknown_evidence`` (with
``--explain``: what the strict evidence policy costs), ``pricing`` and the placements'
``list_unit_price``, ``list_monthly`` and ``channel`` (with a price book).

A placement row is one priced line: a Kubernetes cluster gives two rows (``part``
``control_plane`` and ``nodes``), a database with extra storage an ``extra_storage`` row, object
storage a ``storage`` and possibly an ``egress`` row; in every row ``quantity`` x ``unit_price`` =
``monthly``. ``part`` is an addition to the SPEC §6 field list.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sovbundle.envelope import FORMAT_VERSION
from sovbundle.jsontext import dumps

__all__ = [
    "BODY_EXCLUDES",
    "FORMAT_VERSION",
    "BundleRef",
    "CatalogRef",
    "ConstraintEvidence",
    "ConstraintRow",
    "Coverage",
    "CoverageRow",
    "EvidenceCostRow",
    "EvidenceRef",
    "EvidenceRow",
    "ExitMoveRow",
    "ExitReportInfo",
    "LinkRow",
    "PlacementRow",
    "Plan",
    "PriceBookRef",
    "PricingInfo",
    "ProviderExitRow",
    "RunInfo",
    "SingleProviderRow",
    "SolverInfo",
    "SourceRef",
    "body_sha256",
    "coverage_line",
    "dump_plan",
    "plan_body",
    "with_body_sha256",
]

BODY_EXCLUDES = ("generated_at", "body_sha256", "run")
"""Top-level keys outside the canonical body: they depend on the run, not on the inputs."""

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
    """As given on the command line."""
    sha256: str
    """Of the bundle file's bytes."""
    spec: dict[str, Any] | None = None
    """The normalised spec (every default filled in, components in name order), so that
    ``diff`` can say which component or constraint changed; ``None`` in 1.0 files."""


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


class EvidenceRef(_Row):
    """The evidence of a placement's price (``Offer.price_evidence``)."""

    class_: Literal["api", "provider_doc", "third_party"] = Field(alias="class")
    source: str
    as_of: str | None


class CoverageRow(_Row):
    """How many placement rows are priced from one class of evidence, and the dates."""

    class_: Literal["api", "provider_doc", "third_party"] = Field(alias="class")
    placements: int
    oldest: str | None
    """The oldest source date of those placements (``None``: all undated)."""
    newest: str | None
    undated: int
    """How many of those placements have an undated source."""


class Coverage(_Row):
    """The evidence behind a plan's prices, in the manner of Infracost's coverage line."""

    placements: int
    by_evidence: tuple[CoverageRow, ...]
    """One row per class that prices at least one placement, best class first."""


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
    offer_status: Literal["ga", "beta", "deprecated"] = "ga"
    """The offer's commercial status in the catalog the plan used (1.1)."""
    list_unit_price: Decimal | None = None
    """With a price book only (1.1): the catalog's unit price (None: unknown)."""
    list_monthly: Decimal | None = None
    channel: str | None = None
    """With a price book only (1.1): ``list``, or the book's channel for this offer."""
    evidence: EvidenceRef | None = None
    """The class, source and date of the price (1.1); ``None`` only in a 1.0 file read back."""


class LinkRow(_Row):
    from_: str = Field(alias="from")
    to: str
    cross_provider: bool
    gb_month: Decimal
    monthly: Decimal


class EvidenceRow(_Row):
    """The evidence one placed offer gives for one constraint (1.1)."""

    component: str
    provider: str
    region: str
    sku: str
    basis: Literal["direct", "assumed"]
    """``direct``: the source establishes the fact; ``assumed``: it does not, and
    ``policy.unknown_evidence: tolerant`` accepted it (the plan warns about it)."""
    fact: str
    """What the source says, or what is unknown."""
    source: str | None
    """The evidence link; ``None`` when there is no source."""
    as_of: str | None
    valid_until: str | None
    """Last day of the certification's validity, where a source states it."""


class ConstraintEvidence(_Row):
    """The evidence behind a placement constraint: how many placed offers rest on direct
    evidence, how many on an assumption, and each one's source and date (1.1)."""

    placements: int
    direct: int
    assumed: int
    rows: tuple[EvidenceRow, ...]


class ConstraintRow(_Row):
    name: str
    required: str
    actual: str
    ok: bool
    evidence: ConstraintEvidence | None = None
    """For countries, eu_jurisdiction, operators_eu_only and each certification (1.1);
    ``None`` for the other constraints and in files written before it."""


class ModelSize(_Row):
    variables: int
    constraints: int
    nonzeros: int


class SolverInfo(_Row):
    name: str
    status: str
    objective: Decimal | None
    gap: float | None
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


class EvidenceCostRow(_Row):
    """What the strict evidence policy of one fact costs (``--explain``, 1.1): the same bundle
    re-solved with that fact's unknown evidence tolerated. A what-if: the plan stays strict."""

    fact: Literal["certifications", "operators", "countries"]
    delta_monthly: Decimal
    """The plan's total minus the tolerant plan's: what strictness costs (0: nothing)."""
    tolerant_total_monthly: Decimal
    admitted_offers: int
    """Offers that qualify for some component only when tolerated (0: the same plan)."""
    assumptions: tuple[EvidenceRow, ...]
    """The tolerant plan's placements that would rest on unknown evidence (basis ``assumed``)."""


class ExplainInfo(_Row):
    runner_ups: tuple[RunnerUpRow, ...]
    constraint_costs: tuple[ConstraintCostRow, ...]
    unknown_evidence: tuple[EvidenceCostRow, ...] = ()
    """Per fact the policy refuses unknown evidence of (1.1; absent in files written before)."""


class RunInfo(_Row):
    """What depends on the run rather than on the bundle and the catalogs; ``diff`` ignores it."""

    time_ms: int = 0
    """Wall-clock time of the solve, milliseconds (``solver.time_ms`` in format 1.0)."""
    warnings: tuple[str, ...] = ()
    """Warnings about the circumstances of the run: catalogs older than 30 days at
    ``generated_at``, a live refresh that failed, a cache file that was ignored."""


class ExitMoveRow(_Row):
    component: str
    from_: str = Field(alias="from")
    to: str


class ProviderExitRow(_Row):
    """One provider of the plan: its share of spend and what leaving it costs."""

    provider: str
    name: str
    legal_entity: str
    hq_country: str
    components: tuple[str, ...]
    functions: tuple[str, ...]
    """Kinds of the components placed there (``database``, ``kubernetes`` ...), sorted."""
    monthly: Decimal
    share: Decimal
    substitutable: bool
    substitute_total_monthly: Decimal | None
    exit_extra_monthly: Decimal | None
    moves: tuple[ExitMoveRow, ...]
    reason: str | None


class SingleProviderRow(_Row):
    component: str
    provider: str


class ExitReportInfo(_Row):
    """``--exit-report``: each provider re-solved away, exactly (format 1.1)."""

    providers: tuple[ProviderExitRow, ...]
    single_provider_components: tuple[SingleProviderRow, ...]


class PriceBookRef(_Row):
    name: str
    path: str
    sha256: str
    channel: str
    valid_from: str | None
    valid_until: str


class PricingInfo(_Row):
    """With ``--prices`` (format 1.1): the book the plan is priced with, totals both ways."""

    book: PriceBookRef
    paid_total_monthly: Decimal
    list_total_monthly: Decimal | None
    """None when a placement has no list price (priced only by the book)."""


class Plan(_Row):
    """A resolved bundle: where each component goes, what it costs, and why it is right."""

    format_version: str = FORMAT_VERSION
    sovbundle_version: str
    generated_at: str
    body_sha256: str | None = None
    """sha256 of ``plan_body`` (recomputed by ``dump_plan``); ``None`` in 1.0 files."""
    bundle: BundleRef
    catalogs: tuple[CatalogRef, ...]
    status: Literal["optimal", "feasible", "infeasible"]
    currency: Literal["EUR"] = "EUR"
    total_monthly: Decimal
    by_provider: dict[str, Decimal]
    placements: tuple[PlacementRow, ...]
    coverage: Coverage | None = None
    """Placements per evidence class (1.1); ``None`` only in a 1.0 file read back."""
    links: tuple[LinkRow, ...]
    constraints: tuple[ConstraintRow, ...]
    solver: SolverInfo
    warnings: tuple[str, ...]
    explain: ExplainInfo | None = None
    """Only with ``--explain`` (an addition to SPEC §6)."""
    pricing: PricingInfo | None = None
    """Only with a price book (1.1)."""
    exit_report: ExitReportInfo | None = None
    """Only with ``--exit-report`` (1.1)."""
    run: RunInfo = RunInfo()

    @property
    def all_warnings(self) -> tuple[str, ...]:
        """The plan's warnings and the run's, sorted: what the terminal plan shows."""
        return tuple(sorted({*self.warnings, *self.run.warnings}))


_PRICED_ROW_KEYS = ("list_unit_price", "list_monthly", "channel")
_CLASS_PHRASES = {
    "api": "from provider APIs",
    "provider_doc": "from provider documentation",
    "third_party": "from third-party data",
}


def coverage_line(coverage: Coverage) -> str:
    """``9 placements: 5 priced from provider APIs of 2026, 2 from provider documentation of
    2018, 2 from third-party data of 2020``."""
    noun = "placement" if coverage.placements == 1 else "placements"
    parts = []
    for number, row in enumerate(coverage.by_evidence):
        years = sorted({d[:4] for d in (row.oldest, row.newest) if d is not None})
        when = f" of {'-'.join(years)}" if years else ""
        if row.undated:
            when += f" ({row.undated} undated)" if years else " (undated)"
        lead = "priced " if number == 0 else ""
        parts.append(f"{row.placements} {lead}{_CLASS_PHRASES[row.class_]}{when}")
    return f"{coverage.placements} {noun}: " + (", ".join(parts) if parts else "none priced")


def _document(plan: Plan) -> dict[str, Any]:
    data = plan.model_dump(mode="python", by_alias=True, exclude_none=False)
    for optional in ("explain", "pricing", "exit_report"):
        if data.get(optional) is None:
            data.pop(optional, None)
    if "pricing" not in data:
        for row in data["placements"]:
            for key in _PRICED_ROW_KEYS:
                row.pop(key, None)
    if data["bundle"].get("spec") is None:
        data["bundle"].pop("spec", None)
    return data


def plan_body(data: dict[str, Any]) -> bytes:
    """The canonical body of a plan document: ``jsontext.dumps`` of it without the keys in
    ``BODY_EXCLUDES``, as UTF-8. ``body_sha256`` is the sha256 of these bytes."""
    body = {key: value for key, value in data.items() if key not in BODY_EXCLUDES}
    return dumps(body).encode("utf-8")


def body_sha256(data: dict[str, Any]) -> str:
    """The hex sha256 of ``plan_body(data)``."""
    return hashlib.sha256(plan_body(data)).hexdigest()


def with_body_sha256(plan: Plan) -> Plan:
    """``plan`` with its ``body_sha256`` filled in."""
    data = _document(plan)
    return plan.model_copy(update={"body_sha256": body_sha256(data)})


def dump_plan(plan: Plan) -> str:
    """The canonical JSON text of a plan (UTF-8, 2-space indent, trailing newline), with its
    ``body_sha256`` computed."""
    data = _document(plan)
    data["body_sha256"] = body_sha256(data)
    return dumps(data)
