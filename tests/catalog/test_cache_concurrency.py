"""Two refreshes and a plan's catalog load at once, in three processes (issue 11, item 1).

Each round forks two refreshes of the same provider against two local servers that answer
different catalogs (version A: every price 0.02 and a sku ``only-a``; version B: 0.03 and
``only-b``) and a reader that loads the catalogs as ``plan`` does, over and over, until both
writers are done. Every load must use the cache, warn about nothing, and see one version
whole: a catalog of A with B's record (the failure of the two-file cache) shows as a sha256
mismatch warning, a mixed catalog as a price of one version beside the other's sku.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from multiprocessing.connection import Connection
from typing import Any

import pytest

from sovbundle.catalog.select import load_catalogs
from sovbundle.config import base_url_env, load_config
from sovbundle.refresh.run import refresh_async
from sovbundle.refresh.transport import HttpPolicy
from tests.support.catalogs import products
from tests.support.http_server import FaultServer, Reply
from tests.support.sandbox import Sandbox

ROUNDS = 30
ROWS = 200  # a cache file of ~50 KB per commit
POLICY = HttpPolicy(connect_timeout=5, read_timeout=5, max_attempts=1, provider_budget=30)


def body(version: str, price: str) -> dict[str, Any]:
    rows = [(f"sku-{i}", "r1" if i % 2 else "r2", price) for i in range(ROWS)]
    return products(*rows, (f"only-{version}", "r1", price))


def _refresh(url: str, out: Connection) -> None:
    os.environ[base_url_env("ovhcloud")] = url
    report = asyncio.run(refresh_async(load_config(), ["ovhcloud"], policy=POLICY))
    (result,) = report.results
    out.send((result.status.value, result.error))
    out.close()


def _read(stop: Any, out: Connection) -> None:
    seen: list[str] = []
    problems: list[str] = []
    while True:
        done = stop.is_set()
        catalog = load_catalogs(["ovhcloud"])
        loaded = catalog.providers.get("ovhcloud")
        if catalog.warnings or loaded is None or loaded.origin != "cache":
            problems.append(f"{loaded.origin if loaded else None}: {catalog.warnings}")
        else:
            skus = {o.sku for o in loaded.data.offers}
            prices = {str(o.price.amount) for o in loaded.data.offers if o.sku.startswith("sku")}
            version = "a" if "only-a" in skus else "b"
            if prices != {"0.02" if version == "a" else "0.03"} or {"only-a", "only-b"} <= skus:
                problems.append(f"mixed catalog: {sorted(prices)}")
            seen.append(version)
        if done:
            break
    out.send((seen, problems))
    out.close()


@pytest.mark.timeout(300)
def test_two_refreshes_and_a_plan_at_once_never_see_a_mismatch(
    synthetic: Sandbox, fake_adapters: object
) -> None:
    ctx = multiprocessing.get_context("fork")
    with FaultServer() as one, FaultServer() as two:
        one.route("/ovhcloud/products", Reply(200, json_body=body("a", "0.02")))
        two.route("/ovhcloud/products", Reply(200, json_body=body("b", "0.03")))
        urls = (one.url("/ovhcloud"), two.url("/ovhcloud"))
        # A first cache, so that every read from the start must find one.
        recv, send = ctx.Pipe(duplex=False)
        _refresh(urls[0], send)
        assert recv.recv() == ("updated", None)
        versions: set[str] = set()
        for round_ in range(ROUNDS):
            stop = ctx.Event()
            pipes = [ctx.Pipe(duplex=False) for _ in range(3)]
            reader = ctx.Process(target=_read, args=(stop, pipes[0][1]))
            writers = [
                ctx.Process(target=_refresh, args=(url, pipe[1]))
                for url, pipe in zip(urls, pipes[1:], strict=True)
            ]
            reader.start()
            for writer in writers:
                writer.start()
            outcomes = [pipe[0].recv() for pipe in pipes[1:]]
            for writer in writers:
                writer.join(60)
            stop.set()
            seen, problems = pipes[0][0].recv()
            reader.join(60)
            assert outcomes == [("updated", None)] * 2, (round_, outcomes)
            assert problems == [], (round_, problems[:3])
            assert seen, round_
            versions.update(seen)
            final = load_catalogs(["ovhcloud"])
            assert final.warnings == [] and final.providers["ovhcloud"].origin == "cache"
        # Both writers won some rounds' reads (or the test would not race anything).
        assert versions == {"a", "b"}
