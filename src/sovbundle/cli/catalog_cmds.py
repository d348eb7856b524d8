"""Commands over catalogs: ``providers``, ``services``, ``catalog refresh``, ``catalog status``.

Results go to stdout (a rich table, or JSON with ``--json``); progress, warnings and hints go to
stderr. Module-level imports stay light (``sovbundle --help`` loads this module): the catalog
model, pydantic, httpx and the refresh machinery load inside the commands that use them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import typer

from sovbundle.cli._app import app
from sovbundle.cli._terminal import console as _console
from sovbundle.cli._terminal import run_refresh
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
    from sovbundle.spec.messages import did_you_mean

    if value is None or value in allowed:
        return value
    same = [choice for choice in allowed if choice.lower() == value.lower()]
    if len(same) == 1:
        return same[0]
    raise UsageError(
        f"unknown {what} {value!r}{did_you_mean(value, allowed)}; "
        f"valid values: {', '.join(allowed)}"
    )


def _load(config: Config, providers: Iterable[str] | None = None) -> Catalog:
    from sovbundle.catalog.select import load_catalogs
    from sovbundle.config import redact

    catalog = load_catalogs(providers, cache_dir=config.catalog_dir, now=_now())
    err = _console(stderr=True)
    for warning in catalog.warnings:
        err.print(f"warning: {redact(warning)}", markup=False)
    return catalog


@app.command("providers")
def providers_cmd(json_out: JsonOption = False) -> None:
    """Providers: legal entity, HQ, jurisdiction, certifications, regions, offers, data age."""
    from sovbundle.config import load_config
    from sovbundle.jsontext import dumps as to_json
    from sovbundle.render.catalog import provider_json, providers_view

    catalog = _load(load_config())
    if json_out:
        now = _now()
        data = [provider_json(catalog.providers[pid], now) for pid in catalog.provider_ids()]
        sys.stdout.write(to_json(envelope("providers", data)))
        return
    _console().print(providers_view(catalog, _now()))


@app.command("services")
def services_cmd(
    provider: Annotated[
        str | None,
        typer.Argument(help="Only this provider (ovhcloud, scaleway...).", metavar="PROVIDER"),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option("--kind", help="vm, app, database, object_storage or kubernetes."),
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help="Region id (GRA11...)")] = None,
    country: Annotated[
        str | None, typer.Option("--country", help="ISO country code of the region (FR)")
    ] = None,
    certification: Annotated[
        str | None,
        typer.Option("--certification", help="A certification id: secnumcloud, hds..."),
    ] = None,
    min_vcpus: Annotated[
        float | None, typer.Option("--min-vcpus", min=0, help="At least this many vCPUs.")
    ] = None,
    min_memory_gb: Annotated[
        float | None, typer.Option("--min-memory-gb", min=0, help="At least this much memory.")
    ] = None,
    gpu: Annotated[
        bool | None, typer.Option("--gpu/--no-gpu", help="Only offers with (without) GPUs.")
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Available services, cheapest monthly price first."""
    from sovbundle.catalog.query import OfferQuery
    from sovbundle.config import load_config
    from sovbundle.jsontext import dumps as to_json
    from sovbundle.models import CERTIFICATIONS, KINDS, PROVIDER_IDS
    from sovbundle.render.catalog import offer_json, offers_table

    provider = _resolve("provider", provider, PROVIDER_IDS)
    kind = _resolve("kind", kind, KINDS)
    certification = _resolve("certification", certification, list(CERTIFICATIONS))
    if country is not None and not (len(country) == 2 and country.isalpha()):
        raise UsageError(f"--country takes an ISO 3166-1 alpha-2 code such as FR, not {country!r}")
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
        gpu=gpu,
    )
    offers = catalog.query(query)
    if json_out:
        data = [offer_json(offer, catalog) for offer in offers]
        sys.stdout.write(to_json(envelope("offers", data)))
        return
    err = _console(stderr=True)
    if not offers:
        err.print("no offer matches these filters", markup=False)
        return
    _console().print(offers_table(offers, catalog), soft_wrap=True)
    _unknown_price_hint(offers, err)


def _unknown_price_hint(offers: Sequence[Offer], err: Console) -> None:
    unknown = sorted({o.provider for o in offers if o.price.amount is None})
    for pid in unknown:
        count = sum(1 for o in offers if o.provider == pid and o.price.amount is None)
        err.print(
            f"note: {count} {pid} offer(s) have no known price offline; "
            f"`sovbundle catalog refresh {pid}` fetches live prices where the provider has an API",
            markup=False,
        )


@catalog_app.command("status")
def status_cmd(json_out: JsonOption = False) -> None:
    """Per provider: the data a plan would use now (cache or snapshot), its age and sources."""
    from sovbundle.config import load_config
    from sovbundle.jsontext import dumps as to_json
    from sovbundle.render.catalog import status_json, status_table

    config = load_config()
    catalog = _load(config)
    if json_out:
        sys.stdout.write(to_json(envelope("catalogs", status_json(catalog, _now()))))
        return
    _console().print(status_table(catalog, _now(), config.catalog_dir))


@catalog_app.command("refresh")
def refresh_cmd(
    ctx: typer.Context,
    providers: Annotated[
        list[str] | None,
        typer.Argument(help="Providers to refresh (default: all).", metavar="PROVIDER"),
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
    """Fetch live catalogs into the user cache; exit 5 when any provider failed."""
    from sovbundle.models import PROVIDER_IDS

    resolved = [_resolve("provider", pid, PROVIDER_IDS) or pid for pid in providers or []]
    debug = bool(ctx.find_root().params.get("debug"))
    report = run_refresh(resolved or None, debug=debug, deadline=deadline)
    raise typer.Exit(report.exit_code)
