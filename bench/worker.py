"""One measurement in a fresh process (``python -m bench.worker KIND ...``), printed as JSON.

A fresh process gives honest cold timings and a peak memory (``ru_maxrss``) of its own.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scale(components: int, catalog_name: str, seed: int) -> dict[str, Any]:
    """Generated bundle of ``components`` against the packaged or a generated catalog."""
    from bench.generate import bundle_spec, synthetic_catalog
    from sovbundle.catalog.select import load_catalogs
    from sovbundle.planning.formulate import build_problem, check_constraints
    from sovbundle.planning.solve import solve

    with tempfile.TemporaryDirectory() as empty:
        if catalog_name == "packaged":
            cat = load_catalogs(cache_dir=Path(empty))
        else:
            cat = synthetic_catalog(int(catalog_name), seed=seed)
    offers = sum(len(p.data.offers) for p in cat.providers.values())
    spec = bundle_spec(components, seed=seed)
    base_rss = _rss_mb()
    start = time.perf_counter()
    problem = build_problem(spec, cat)
    built = time.perf_counter()
    solution = solve(problem, clock=time.perf_counter)
    solved = time.perf_counter()
    checks = check_constraints(spec, cat, problem, solution) if solution.total else []
    return {
        "components": components,
        "catalog": catalog_name,
        "offers": offers,
        "links": len(spec.links),
        "build_s": built - start,
        "solve_s": solved - built,
        "total_s": solved - start,
        "status": solution.status,
        "method": solution.method,
        "tie_break_complete": solution.tie_break_complete,
        "total_monthly": str(solution.total),
        "candidates_before_pruning": solution.candidates + solution.pruned,
        "candidates": solution.candidates,
        "variables": solution.variables,
        "constraints": solution.constraints,
        "nonzeros": solution.nonzeros,
        "gap": solution.gap,
        "checks_ok": bool(checks) and all(c.ok for c in checks),
        "base_rss_mb": base_rss,
        "peak_rss_mb": _rss_mb(),
    }


def load() -> dict[str, Any]:
    """``load_catalogs()`` of the packaged snapshot: cold (first call) and warm (repeats)."""
    with tempfile.TemporaryDirectory() as empty:
        started = time.perf_counter()
        from sovbundle.catalog.select import load_catalogs

        imported = time.perf_counter()
        cat = load_catalogs(cache_dir=Path(empty))
        cold = time.perf_counter() - imported
        warm = []
        for _ in range(5):
            began = time.perf_counter()
            load_catalogs(cache_dir=Path(empty))
            warm.append(time.perf_counter() - began)
    return {
        "import_s": imported - started,
        "cold_s": cold,
        "warm_s": sorted(warm)[len(warm) // 2],
        "offers": sum(len(p.data.offers) for p in cat.providers.values()),
        "peak_rss_mb": _rss_mb(),
    }


REFRESH_DELAYS = {"ovhcloud": 0.40, "scaleway": 0.30, "clevercloud": 0.20, "outscale": 0.10}
"""Per-request latency the local server adds, per provider (Rapid.Space has no API)."""


def _serve(rows: int, ports: Any, stop: Any) -> None:
    """The providers' API in a process of its own, as on the internet: serving the bodies must
    not take the CPU the client needs (an in-process server shares its interpreter lock)."""
    from tests.support.http_server import FaultServer, Reply

    from sovbundle.models import PROVIDER_IDS

    with FaultServer() as server:
        body = {
            "products": [
                {"sku": f"s{i}", "region": "r1", "vcpus": 2, "memory_gb": 4, "hourly": "0.01"}
                for i in range(rows)
            ]
        }
        for pid in PROVIDER_IDS:
            delay = REFRESH_DELAYS.get(pid, 0.0)
            server.route(f"/{pid}/products", Reply(200, json_body=body, delay=delay))
        ports.put(server.port)
        stop.wait()


def refresh(rows: int) -> dict[str, Any]:
    """Every provider against a local server in another process (fake adapters, ``rows``
    products each): each provider alone, then all at once."""
    import asyncio
    import multiprocessing
    import os

    from tests.support.catalogs import FakeAdapter, StaticAdapter, default_offers, write_catalog

    from sovbundle import adapters
    from sovbundle.config import base_url_env, load_config
    from sovbundle.models import PROVIDER_IDS
    from sovbundle.refresh.run import refresh_async
    from sovbundle.refresh.transport import HttpPolicy

    policy = HttpPolicy(connect_timeout=5.0, read_timeout=10.0, provider_budget=60.0)
    fakes = {
        pid: FakeAdapter(pid) if pid != "rapidspace" else StaticAdapter(pid) for pid in PROVIDER_IDS
    }
    adapters.get_adapter = lambda pid: fakes[pid]  # type: ignore[assignment,return-value]
    ports: Any = multiprocessing.Queue()
    stop = multiprocessing.Event()
    serving = multiprocessing.Process(target=_serve, args=(rows, ports, stop), daemon=True)
    serving.start()
    port = ports.get(timeout=30)
    with tempfile.TemporaryDirectory() as root:
        for name in list(os.environ):
            if name.startswith("SOVBUNDLE_") or name.lower().endswith("_proxy"):
                del os.environ[name]
        os.environ["SOVBUNDLE_SNAPSHOT_DIR"] = f"{root}/snapshot"
        os.environ["XDG_CONFIG_HOME"] = f"{root}/config"
        os.environ["SOVBUNDLE_CACHE_DIR"] = f"{root}/cache"
        for pid in PROVIDER_IDS:
            write_catalog(Path(root) / "snapshot", pid, default_offers(pid))
            os.environ[base_url_env(pid)] = f"http://127.0.0.1:{port}/{pid}"

        def run(pids: list[str]) -> tuple[float, dict[str, float], bool]:
            started = time.perf_counter()
            report = asyncio.run(refresh_async(load_config(), pids, policy=policy))
            elapsed = time.perf_counter() - started
            ok = not report.failed
            return elapsed, {r.provider: r.seconds for r in report.results}, ok

        alone = {}
        ok_all = True
        for pid in PROVIDER_IDS:
            elapsed, _, ok = run([pid])
            alone[pid] = elapsed
            ok_all = ok_all and ok
        together, per_provider, ok = run(list(PROVIDER_IDS))
    stop.set()
    serving.join(timeout=10)
    slowest = max(alone, key=lambda pid: alone[pid])
    return {
        "rows_per_provider": rows,
        "delays_s": REFRESH_DELAYS,
        "alone_s": alone,
        "slowest_provider": slowest,
        "slowest_alone_s": alone[slowest],
        "together_s": together,
        "together_per_provider_s": per_provider,
        "ratio": together / alone[slowest],
        "all_ok": ok_all and ok,
    }


def main(argv: list[str]) -> int:
    kind, *args = argv
    if kind == "scale":
        result = scale(int(args[0]), args[1], int(args[2]))
    elif kind == "load":
        result = load()
    elif kind == "refresh":
        result = refresh(int(args[0]))
    else:
        raise SystemExit(f"unknown measurement {kind!r}")
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
