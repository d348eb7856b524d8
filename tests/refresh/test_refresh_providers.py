"""Refresh of the real adapters against a local server that answers in each provider's real shape.

Each API provider is pointed at the ``http_server`` fixture through
``SOVBUNDLE_<PROVIDER>_BASE_URL`` and served the small payloads of ``tests/fixtures/<provider>/``
(those the adapter tests read), with one price changed where the packaged snapshot might already
hold the fixture's figure, so the cache can hold it only if the refresh really read it. The
packaged snapshot (``providers/snapshot/``) supplies the curated facts, as it does for users;
the cache lives in the sandbox. Refreshes run through ``sovbundle.cli.main``.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import json
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sovbundle.adapters import outscale, scaleway
from sovbundle.catalog.cache import read_cached
from sovbundle.catalog.files import LoadedCatalog, packaged_data_dir
from sovbundle.cli import main
from sovbundle.config import base_url_env
from sovbundle.models import EvidenceClass, Offer, PriceQuality
from sovbundle.money import unit_price
from tests.support.catalogs import cache_record
from tests.support.http_server import FaultServer, Reply
from tests.support.sandbox import Sandbox

FIXTURES = Path(__file__).parents[1] / "fixtures"
API_PROVIDERS = ("ovhcloud", "scaleway", "clevercloud", "outscale")

OfferKey = tuple[str, str, str]
"""(kind, sku, region)."""


def fixture(provider: str, name: str) -> Any:
    return json.loads((FIXTURES / provider / name).read_text(encoding="utf-8"))


@dataclass
class Api:
    """One provider's API as the server serves it."""

    pid: str
    prefix: str
    """The base URL's path on the server (Outscale's keeps its ``{region}`` placeholder)."""
    routes: dict[str, Any]
    """Server path (with a query where the adapter sends one) -> JSON body."""
    probe: str
    """The route the fault tests break."""
    wrong_shape: Any
    """Valid JSON of the wrong shape for ``probe``, and the error it must cause."""
    wrong_message: str
    prices: dict[OfferKey, Decimal]
    """Unit prices the cache must hold after a refresh."""
    requests: dict[str, int] = field(default_factory=dict)
    """Requests a refresh makes per route (with its query: ``hits`` counts it exactly)."""


def ovhcloud_api() -> Api:
    cloud = fixture("ovhcloud", "cloud_catalog.json")
    for addon in cloud["addons"]:
        if addon["planCode"] == "b3-8.consumption":  # 1234567 x 1e-8, exact in Decimal
            addon["pricings"][0]["price"] = 1234567
    prefix = "/ovh/1.0"
    cloud_route = prefix + "/order/catalog/public/cloud"
    return Api(
        pid="ovhcloud",
        prefix=prefix,
        routes={
            cloud_route: cloud,
            prefix + "/order/catalog/public/eco": fixture("ovhcloud", "eco_catalog.json"),
        },
        probe=cloud_route,
        wrong_shape={"locale": {"currencyCode": "EUR"}, "addons": {"b3-8": {}}},
        wrong_message="addons",
        prices={
            ("vm", "b3-8", "GRA11"): Decimal("0.01234567"),
            ("vm", "b3-8", "EU-WEST-PAR"): Decimal("0.0512"),  # the .3AZ plan, unchanged
            ("vm", "d2-2", "SBG5"): Decimal("0.0104"),
            ("vm", "a100-180", "GRA11"): Decimal("2.75"),
        },
        requests={
            cloud_route + "?ovhSubsidiary=FR": 1,
            prefix + "/order/catalog/public/eco?ovhSubsidiary=FR": 1,
        },
    )


def scaleway_api() -> Api:
    first, second = (
        fixture("scaleway", "products_page1.json"),
        fixture("scaleway", "products_page2.json"),
    )
    for product in first["products"]:
        if product["sku"] == "/compute/basic3_x2c_4g/run_par1":
            product["price"]["retail_price"].update(units=1, nanos=5)  # 1 + 5e-9
    prefix = "/scw"
    types = "product_types=instance&product_types=elastic_metal"
    page = prefix + scaleway.PRODUCTS_PATH + f"?{types}&page={{}}&page_size={scaleway.PAGE_SIZE}"
    return Api(
        pid="scaleway",
        prefix=prefix,
        routes={page.format(1): first, page.format(2): second},
        probe=page.format(2),  # a fault on the second page fails the whole provider
        wrong_shape={"products": {"sku": "x"}, "total_count": 10},
        wrong_message="products",
        prices={
            ("vm", "BASIC3-X2C-4G", "fr-par-1"): Decimal("1.000000005"),
            ("vm", "L4-1-24G", "fr-par-1"): Decimal("0.7875"),  # 0.013125 per minute x 60
            ("vm", "RENDER-S", "fr-par-1"): Decimal("1.221"),  # read from page 2
        },
        requests={page.format(1): 1, page.format(2): 1},
    )


def clevercloud_api() -> Api:
    prefix = "/cc"
    price_system = prefix + "/v4/billing/price-system?zone_id={}&currency=EUR"
    return Api(
        pid="clevercloud",
        prefix=prefix,
        routes={
            prefix + "/v2/products/instances": fixture("clevercloud", "instances.json"),
            prefix + "/v2/products/addonproviders": fixture("clevercloud", "addonproviders.json"),
            prefix + "/v4/products/zones": fixture("clevercloud", "zones.json"),
            price_system.format("par"): fixture("clevercloud", "price_system_par.json"),
            price_system.format("rbxhds"): fixture("clevercloud", "price_system_rbxhds.json"),
            # clevergrid and mtl: no route, so 404, which the API documents as "no price system"
        },
        probe=price_system.format("par"),
        wrong_shape={"zone_id": "par", "currency": "EUR", "runtime": {"apps.XS": 1}},
        wrong_message="runtime",
        prices={
            ("app", "apps.xs", "par"): Decimal("0.0222222222222222"),
            ("app", "apps.xs", "rbxhds"): Decimal("0.03"),  # rbxhds's own price system
            ("app", "apps.xs", "mtl"): Decimal("0.0222222222222222"),  # 404: par's stands in
            ("database", "postgresql.xs_sml", "par"): Decimal("0.0270833333333333"),
        },
        requests={price_system.format(zone): 1 for zone in ("par", "rbxhds", "clevergrid", "mtl")},
    )


def outscale_api() -> Api:
    prefix = "/osc/{region}/api/v1"
    catalog = fixture("outscale", "ReadPublicCatalog_eu-west-2.json")
    vm_types = fixture("outscale", "ReadVmTypes_eu-west-2.json")
    gouv = copy.deepcopy(catalog)
    for entry in gouv["Catalog"]["Entries"]:
        entry["SubregionName"] = "cloudgouv-eu-west-1a"
        entry["UnitPrice"] *= 2
    bodies = {
        "eu-west-2": (catalog, vm_types),
        "cloudgouv-eu-west-1": (gouv, {"VmTypes": []}),
    }
    routes: dict[str, Any] = {}
    for region in outscale.REGIONS:  # Regions outside the two served have an empty catalog
        listed, types = bodies.get(region, ({"Catalog": {"Entries": []}}, {"VmTypes": []}))
        root = prefix.format(region=region)
        routes[root + outscale.CATALOG] = listed
        routes[root + outscale.VM_TYPES] = types
    probe = prefix.format(region="eu-west-2") + outscale.CATALOG
    return Api(
        pid="outscale",
        prefix=prefix,
        routes=routes,
        probe=probe,
        wrong_shape={"Catalog": {"Entries": {"UnitPrice": 1}}},
        wrong_message="Entries",
        prices={
            ("vm", "tinav5.c4r8p1", "eu-west-2"): Decimal("0.200"),  # 4 x 0.04 + 8 x 0.005
            ("vm", "tinav5.c2r4p2", "eu-west-2"): Decimal("0.080"),
            ("vm", "t2.small", "eu-west-2"): Decimal("0.02"),  # BoxUsage, ReadVmTypes specs
            ("vm", "tinav5.c4r8p1", "cloudgouv-eu-west-1"): Decimal("0.400"),
        },
        requests={path: 1 for path in routes},
    )


APIS: dict[str, Callable[[], Api]] = {
    "ovhcloud": ovhcloud_api,
    "scaleway": scaleway_api,
    "clevercloud": clevercloud_api,
    "outscale": outscale_api,
}


def serve(
    server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    api: Api,
    *,
    probe: tuple[Reply, ...] = (),
) -> None:
    """Serve ``api``, with ``probe`` replies first on its probe."""
    for path, body in api.routes.items():
        good = Reply(200, json_body=body)
        server.route(path, *(probe if path == api.probe else ()), good)
    monkeypatch.setenv(base_url_env(api.pid), server.url(api.prefix))


def patch_refresh(
    monkeypatch: pytest.MonkeyPatch, *, sleep: Callable[[float], Awaitable[None]]
) -> None:
    """Make the CLI's refreshes wait through ``sleep`` (``refresh_catalogs``'s own parameter)."""
    from sovbundle.refresh import run as refresh_run

    real = refresh_run.refresh_catalogs

    def with_sleep(*args: Any, **kwargs: Any) -> Any:
        return real(*args, sleep=sleep, **kwargs)

    monkeypatch.setattr(refresh_run, "refresh_catalogs", with_sleep)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def cached(sandbox: Sandbox, pid: str) -> LoadedCatalog:
    loaded = read_cached(sandbox.catalogs, pid)
    assert loaded is not None, f"nothing cached for {pid}"
    return loaded


def by_key(offers: tuple[Offer, ...] | list[Offer]) -> dict[OfferKey, Offer]:
    return {(o.kind, o.sku, o.region): o for o in offers}


@pytest.fixture
def real(sandbox: Sandbox, fast_http: None, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The sandbox, with the packaged snapshot (real curated facts) as its snapshot."""
    monkeypatch.setenv("SOVBUNDLE_SNAPSHOT_DIR", str(packaged_data_dir() / "snapshot"))
    return sandbox


@pytest.mark.parametrize("pid", API_PROVIDERS)
def test_refresh_caches_the_served_prices(
    pid: str,
    real: Sandbox,
    http_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    api = APIS[pid]()
    serve(http_server, monkeypatch, api)
    code, out, err = run(capsys, "catalog", "refresh", pid)
    assert code == 0, err
    assert out.startswith(f"{pid}  updated: ") and "failed" not in out + err

    loaded = cached(real, pid)
    offers = by_key(loaded.data.offers)
    for key, price in api.prices.items():
        assert key in offers, key
        assert offers[key].price.amount == price, key
        assert offers[key].source.kind == "api"
        assert offers[key].source.url.startswith(http_server.base_url)
    curated = {k for k, o in by_key(_snapshot_offers(pid)).items() if o.source.kind == "curated"}
    assert curated <= offers.keys()  # the curated offers survive a refresh
    for path, count in api.requests.items():
        assert http_server.hits(path) == count, path
    meta = cache_record(real.catalogs / f"{pid}.jsonl")
    assert meta["http"] and all(h["status"] in (200, 404) for h in meta["http"])
    assert all(url.startswith(http_server.base_url) for url in meta["sources"])
    # The endpoints are the URLs read, not a template (Outscale's base URL has ``{region}``).
    assert "{region}" not in json.dumps(meta) and "{region}" not in str(loaded.data.endpoints)
    assert list(loaded.data.endpoints) == meta["sources"]
    served = {http_server.url(path.split("?")[0]) for path in api.routes}
    assert {url.split("?")[0] for url in meta["sources"]} == served  # no 404 among them

    code, out, err = run(capsys, "catalog", "status", "--json")
    assert code == 0, err
    sources = {row["provider"]: row["source"] for row in json.loads(out)["catalogs"]}
    assert sources == {p: "cache" if p == pid else "snapshot" for p in sources}

    (kind, sku, region), price = next(iter(api.prices.items()))
    code, out, err = run(capsys, "services", pid, "--kind", kind, "--region", region, "--json")
    assert code == 0, err
    shown = {row["sku"]: row for row in json.loads(out)["offers"]}
    assert Decimal(str(shown[sku]["price"]["amount"])) == unit_price(price)
    assert shown[sku]["source_kind"] == "api"


def test_monthly_plans_and_zone_prices_survive_the_round_trip(
    real: Sandbox,
    http_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """OVHcloud's monthly plan is the monthly price, not hourly x 730, once cached and loaded."""
    serve(http_server, monkeypatch, ovhcloud_api())
    assert run(capsys, "catalog", "refresh", "ovhcloud")[0] == 0
    offers = by_key(cached(real, "ovhcloud").data.offers)
    d2 = offers[("vm", "d2-2", "GRA11")]
    assert (d2.price.amount, d2.monthly) == (Decimal("0.0104"), Decimal("5.71"))
    assert offers[("vm", "a100-180", "GRA11")].monthly == Decimal("1100")


def test_outscale_live_prices_replace_the_third_party_2020_ones(
    real: Sandbox,
    http_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    snapshot = by_key(_snapshot_offers("outscale"))
    before = snapshot[("vm", "tinav5.c4r8p1", "eu-west-2")]
    assert before.price.quality is PriceQuality.STALE and before.source.kind == "curated"
    assert before.evidence is not None and before.evidence.class_ is EvidenceClass.THIRD_PARTY
    serve(http_server, monkeypatch, outscale_api())
    code, _out, err = run(capsys, "catalog", "refresh", "outscale")
    assert code == 0, err
    offers = by_key(cached(real, "outscale").data.offers)
    assert len([k for k in offers if k[0] == "vm"]) >= len(snapshot)
    live = offers[("vm", "tinav5.c4r8p1", "eu-west-2")]
    assert live.price.quality is PriceQuality.CURRENT and live.source.kind == "api"
    assert live.evidence is not None and live.evidence.class_ is EvidenceClass.API
    assert live.certifications == before.certifications  # facts still applied
    # No p3 price in the served catalog: the 2020 third-party price stays, labelled so.
    key = ("vm", "tinav5.c4r8p3", "eu-west-2")
    assert offers[key].source.kind == "curated" and offers[key].evidence == snapshot[key].evidence
    # No prices in the US Regions: still unknown, curated.
    us = offers[("vm", "tinav5.c4r8p1", "us-east-2")]
    assert us.price.amount is None and us.source.kind == "curated"


def _snapshot_offers(pid: str) -> tuple[Offer, ...]:
    from sovbundle.catalog.files import load_catalog_file

    return load_catalog_file(packaged_data_dir() / "snapshot" / f"{pid}.json").data.offers


@pytest.mark.parametrize("pid", API_PROVIDERS)
def test_500_then_success_is_retried(
    pid: str,
    real: Sandbox,
    http_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    api = APIS[pid]()
    serve(http_server, monkeypatch, api, probe=(Reply(500), Reply(503)))
    code, _out, err = run(capsys, "catalog", "refresh", pid)
    assert code == 0, err
    assert http_server.hits(api.probe) == 3
    key, price = next(iter(api.prices.items()))
    assert by_key(cached(real, pid).data.offers)[key].price.amount == price


def test_429_retry_after_is_honoured_by_every_provider_at_once(
    real: Sandbox,
    http_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each provider waits the 1 s asked (read from the waits it makes, not a clock), and the
    four wait at once: each wait returns only when all four are waiting. One after the other,
    the first would wait until its 10 s budget ends it, and the refresh would fail."""
    from sovbundle.refresh import run as refresh_run

    waits: list[float] = []
    all_waiting = asyncio.Event()

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == len(API_PROVIDERS):
            all_waiting.set()
        await all_waiting.wait()

    patch_refresh(monkeypatch, sleep=sleep)
    # No "still waiting" reports: only the providers' own waits go through ``sleep`` here.
    policy = dataclasses.replace(refresh_run.DEFAULT_POLICY, slow_after=0)
    monkeypatch.setattr(refresh_run, "DEFAULT_POLICY", policy)
    apis = [APIS[pid]() for pid in API_PROVIDERS]
    for api in apis:
        serve(http_server, monkeypatch, api, probe=(Reply(429, headers={"Retry-After": "1"}),))
    code, _out, err = run(capsys, "catalog", "refresh", *API_PROVIDERS)
    assert code == 0, err
    for api in apis:
        assert http_server.hits(api.probe) == 2, api.pid
        assert cached(real, api.pid).origin == "cache"
    assert waits == [1.0] * len(API_PROVIDERS)  # the server's wait, not the backoff (< 0.1 s)


TRUNCATED = Reply(200, body=b'{"addons": [{"planCode": "b3-8.consumption", "pri')


@pytest.mark.parametrize("pid", API_PROVIDERS)
@pytest.mark.parametrize("fault", ["truncated-json", "wrong-shape", "persistent-500"])
def test_bad_answer_keeps_the_last_good_data(
    pid: str,
    fault: str,
    real: Sandbox,
    http_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    api = APIS[pid]()
    serve(http_server, monkeypatch, api)
    assert run(capsys, "catalog", "refresh", pid)[0] == 0
    good = (real.catalogs / f"{pid}.jsonl").read_bytes()

    reply, message = {
        "truncated-json": (TRUNCATED, "not valid JSON"),
        "wrong-shape": (Reply(200, json_body=api.wrong_shape), api.wrong_message),
        "persistent-500": (Reply(500), "HTTP 500"),
    }[fault]
    http_server.route(api.probe, reply)
    code, out, err = run(capsys, "catalog", "refresh", pid)
    assert code == 5, err
    (line,) = [line for line in out.splitlines() if line.startswith(pid)]
    assert line.startswith(f"{pid}  failed: ") and message in line, out
    assert "keeping cache, fetched" in line
    assert (real.catalogs / f"{pid}.jsonl").read_bytes() == good

    (kind, sku, region), price = next(iter(api.prices.items()))
    code, out, err = run(capsys, "services", pid, "--kind", kind, "--region", region, "--json")
    assert code == 0, err
    shown = {row["sku"]: row for row in json.loads(out)["offers"]}
    assert Decimal(str(shown[sku]["price"]["amount"])) == unit_price(price)


def test_all_api_providers_refresh_concurrently(
    real: Sandbox,
    http_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The server answers no provider's probe before it has received all four: refreshed one
    after the other, the first would wait at the barrier until it breaks (then every probe is
    a 500). How much faster together than alone is measured in bench/ (the refresh section)."""
    from sovbundle.refresh import run as refresh_run

    policy = dataclasses.replace(refresh_run.DEFAULT_POLICY, read_timeout=90)
    monkeypatch.setattr(refresh_run, "DEFAULT_POLICY", policy)
    all_asked = threading.Barrier(len(API_PROVIDERS), timeout=60)
    apis = [APIS[pid]() for pid in API_PROVIDERS]
    for api in apis:
        serve(http_server, monkeypatch, api)
        http_server.route(api.probe, Reply(200, json_body=api.routes[api.probe], barrier=all_asked))
    code, out, err = run(capsys, "catalog", "refresh")
    assert code == 0, err
    assert not all_asked.broken
    assert "rapidspace   no API: its static catalog stays in use" in out
    for api in apis:
        assert http_server.hits(api.probe) == 1, api.pid
        assert cached(real, api.pid).origin == "cache"
    assert not (real.catalogs / "rapidspace.jsonl").exists()
