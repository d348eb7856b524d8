"""Commands over catalogs: ``providers``, ``services``, ``catalog refresh``, ``catalog status``.

Results go to stdout (a rich table, or JSON with ``--json``); progress, warnings and hints go to
stderr. Module-level imports stay light (``sovbundle --help`` loads this module): the catalog
model, pydantic, httpx and the refresh machinery load inside the commands that use them.
"""

import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import typer

from sovbundle.cli._app import app
from sovbundle.cli._complete import (
    complete_certification,
    complete_kind,
    complete_provider,
    complete_region,
)
from sovbundle.cli._examples import EXAMPLES
from sovbundle.cli._help import Command, Group
from sovbundle.cli._terminal import console as _console
from sovbundle.envelope import envelope
from sovbundle.errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from sovbundle.catalog.query import Catalog
    from sovbundle.config import Config
    from sovbundle.models import Offer

__all__ = ["catalog_app"]

catalog_app = typer.Typer(
    help="Fetch live catalogs into the user cache, or show which data a plan would use.",
    no_args_is_help=True,
    cls=Group,
    epilog=EXAMPLES["catalog"],
)
app.add_typer(catalog_app, name="catalog")

JsonOption = Annotated[
    bool,
    typer.Option("--json", help='Print JSON on stdout: {"format_version", <key>: data}.'),
]


def _now() -> datetime:
    return datetime.now(UTC)


def _resolve(what: str, value: str | None, allowed: Sequence[str]) -> str | None:
    """``value`` as spelt in ``allowed`` (ids are matched case-insensitively: ``gra11`` is
    ``GRA11``, ``HDS`` is ``hds``), or a usage error with the nearest id."""
    from sovbundle.spec.messages import did_you_mean, kind_hint

    if value is None or value in allowed:
        return value
    same = [choice for choice in allowed if choice.lower() == value.lower()]
    if len(same) == 1:
        return same[0]
    hint = kind_hint(value, allowed) if what == "kind" else did_you_mean(value, allowed)
    raise UsageError(f"unknown {what} {value!r}{hint}; valid values: {', '.join(allowed)}")


def _load(config: "Config", providers: Iterable[str] | None = None) -> "Catalog":
    from sovbundle.catalog.select import load_catalogs
    from sovbundle.cli._terminal import options
    from sovbundle.config import redact

    catalog = load_catalogs(providers, cache_dir=config.catalog_dir, now=_now())
    if options().quiet:
        return catalog
    err = _console(stderr=True)
    for warning in catalog.warnings:
        err.print(f"warning: {redact(warning)}", markup=False)
    return catalog


@app.command("providers", cls=Command, epilog=EXAMPLES["providers"])
def providers_cmd(json_out: JsonOption = False) -> None:
    """Providers: legal entity, HQ, jurisdiction, certifications, regions, offers, data age."""
    from sovbundle.cli._terminal import emit
    from sovbundle.config import load_config
    from sovbundle.jsontext import dumps as to_json
    from sovbundle.render.catalog import provider_json, providers_view

    catalog = _load(load_config())
    if json_out:
        now = _now()
        data = [provider_json(catalog.providers[pid], now) for pid in catalog.provider_ids()]
        sys.stdout.write(to_json(envelope("providers", data)))
        return
    emit(providers_view(catalog, _now()))


PROVIDER_CHOICES = "ovhcloud, scaleway, clevercloud, outscale, rapidspace"
KIND_CHOICES = "vm, app, database, object_storage, kubernetes"
CERTIFICATION_CHOICES = (
    "secnumcloud, hds, iso27001, iso27017, iso27018, iso27701, soc2, pci_dss, c5"
)
"""Closed choices as ``--help`` lists them (written out: importing the models at start-up
would slow every ``--help``; tests/cli check them against ``sovbundle.models``)."""


@app.command("services", cls=Command, epilog=EXAMPLES["services"])
def services_cmd(
    provider: Annotated[
        str | None,
        typer.Argument(
            help=f"Only this provider: {PROVIDER_CHOICES}.",
            metavar="PROVIDER",
            show_default=False,
            autocompletion=complete_provider,
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            metavar="KIND",
            help=f"Only this kind: {KIND_CHOICES}.",
            autocompletion=complete_kind,
        ),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            metavar="REGION",
            help="Only this region id (GRA11, fr-par-1, par...; `sovbundle providers` lists "
            "them). OVHcloud's lowercase ids (gra, rbx, sbg) are its dedicated-server "
            "datacentres, its uppercase ones (GRA11, SBG5) Public Cloud regions.",
            autocompletion=complete_region,
        ),
    ] = None,
    country: Annotated[
        str | None,
        typer.Option(
            "--country", metavar="CC", help="Only regions in this ISO 3166-1 country (FR, DE...)."
        ),
    ] = None,
    certification: Annotated[
        str | None,
        typer.Option(
            "--certification",
            metavar="CERT",
            help=f"Only offers holding it: {CERTIFICATION_CHOICES}.",
            autocompletion=complete_certification,
        ),
    ] = None,
    min_vcpus: Annotated[
        float | None,
        typer.Option("--min-vcpus", metavar="N", help="At least this many vCPUs."),
    ] = None,
    min_memory_gb: Annotated[
        float | None,
        typer.Option("--min-memory-gb", metavar="GB", help="At least this much memory (GB)."),
    ] = None,
    gpu: Annotated[
        bool | None,
        typer.Option("--gpu/--no-gpu", help="Only offers with (without) GPUs.", show_default=False),
    ] = None,
    by_gpu: Annotated[
        bool,
        typer.Option(
            "--by-gpu",
            help="One line per GPU model: offers, GPUs per machine, GPU memory, and the "
            "cheapest machine with its provider and region (implies --gpu).",
        ),
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Available services, cheapest monthly price first."""
    from sovbundle.catalog.query import OfferQuery
    from sovbundle.cli._terminal import emit, options
    from sovbundle.config import load_config
    from sovbundle.jsontext import dumps as to_json
    from sovbundle.models import CERTIFICATIONS, KINDS, PROVIDER_IDS
    from sovbundle.render.catalog import (
        gpu_groups,
        gpu_groups_json,
        gpu_table,
        offer_json,
        offers_table,
        region_notes,
    )

    provider = _resolve("provider", provider, PROVIDER_IDS)
    kind = _resolve("kind", kind, KINDS)
    certification = _resolve("certification", certification, list(CERTIFICATIONS))
    if country is not None and not (len(country) == 2 and country.isalpha()):
        raise UsageError(f"--country takes an ISO 3166-1 alpha-2 code such as FR, not {country!r}")
    for flag, value in (("--min-vcpus", min_vcpus), ("--min-memory-gb", min_memory_gb)):
        if value is not None and not (value >= 0 and value != float("inf")):
            raise UsageError(f"{flag} takes a number >= 0, not {value:g}")
    if by_gpu and gpu is False:
        raise UsageError("--by-gpu groups offers with GPUs: it cannot go with --no-gpu")
    catalog = _load(load_config(), [provider] if provider else None)
    if region is not None:
        regions = (catalog.provider(pid).regions for pid in catalog.provider_ids())
        known = sorted({r.id for group in regions for r in group})
        region = _resolve("region", region, known)
    query = OfferQuery(
        provider=provider,
        kind=kind,
        region=region,
        country=country.upper() if country else None,
        certification=certification,
        min_vcpus=Decimal(str(min_vcpus)) if min_vcpus is not None else None,
        min_memory_gb=Decimal(str(min_memory_gb)) if min_memory_gb is not None else None,
        gpu=True if by_gpu else gpu,
    )
    offers = catalog.query(query)
    if by_gpu:
        groups = gpu_groups(offers, catalog)
        if json_out:
            sys.stdout.write(to_json(envelope("gpu_models", gpu_groups_json(groups))))
            return
        if not groups:
            _console(stderr=True).print("no GPU offer matches these filters", markup=False)
            return
        emit(gpu_table(groups))
        return
    if json_out:
        data = [offer_json(offer, catalog) for offer in offers]
        sys.stdout.write(to_json(envelope("offers", data)))
        return
    err = _console(stderr=True)
    if not offers:
        err.print("no offer matches these filters", markup=False)
        return
    emit(offers_table(offers, catalog))
    _unknown_price_hint(offers, err)
    if not options().quiet:
        for note in region_notes(catalog, {(o.provider, o.region) for o in offers}):
            err.print(f"note: {note}", markup=False)
        if gpu and len(offers) > 20:
            err.print(
                f"note: `sovbundle services --by-gpu` groups these {len(offers)} offers "
                "by GPU model",
                markup=False,
            )


def _unknown_price_hint(offers: "Sequence[Offer]", err: "Console") -> None:
    from sovbundle.cli._terminal import options

    if options().quiet:
        return
    unknown = sorted({o.provider for o in offers if o.price.amount is None})
    for pid in unknown:
        count = sum(1 for o in offers if o.provider == pid and o.price.amount is None)
        err.print(
            f"note: {count} {pid} offer(s) have no known price offline; "
            f"`sovbundle catalog refresh {pid}` fetches live prices where the provider has an API",
            markup=False,
        )


@catalog_app.command("status", cls=Command, epilog=EXAMPLES["catalog status"])
def status_cmd(json_out: JsonOption = False) -> None:
    """Per provider: the data a plan would use now (cache or snapshot), its age and sources."""
    from sovbundle.cli._terminal import emit
    from sovbundle.config import load_config
    from sovbundle.jsontext import dumps as to_json
    from sovbundle.render.catalog import status_json, status_table

    config = load_config()
    catalog = _load(config)
    if json_out:
        sys.stdout.write(to_json(envelope("catalogs", status_json(catalog, _now()))))
        return
    emit(status_table(catalog, _now(), config.catalog_dir))


@catalog_app.command("refresh", cls=Command, epilog=EXAMPLES["catalog refresh"])
def refresh_cmd(
    providers: Annotated[
        list[str] | None,
        typer.Argument(
            help="Providers to refresh (default: all): ovhcloud, scaleway, clevercloud, "
            "outscale, rapidspace.",
            metavar="PROVIDER",
            show_default=False,
            autocompletion=complete_provider,
        ),
    ] = None,
    deadline: Annotated[
        float | None,
        typer.Option(
            "--deadline",
            metavar="SECONDS",
            min=1,
            max=3600,
            help="Give up on providers still fetching after this long (default 60, or "
            "$SOVBUNDLE_REFRESH_DEADLINE, or refresh_deadline in the config file).",
        ),
    ] = None,
) -> None:
    """Fetch live catalogs into the user cache; exit 5 when any provider failed.

    One line per provider (a live display on a terminal), the failures in words, then a
    summary line; a provider that fails keeps its last good data.
    """
    from sovbundle.cli._terminal import run_refresh
    from sovbundle.models import PROVIDER_IDS

    resolved = [_resolve("provider", pid, PROVIDER_IDS) or pid for pid in providers or []]
    report = run_refresh(resolved or None, deadline=deadline)
    raise typer.Exit(report.exit_code)
