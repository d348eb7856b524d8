"""``sovbundle providers``, ``services``, ``catalog refresh`` and ``catalog status``, end to end."""

from __future__ import annotations

import json
import os
import re

import pytest

from sovbundle.cli import main
from sovbundle.config import base_url_env
from sovbundle.models import PROVIDER_IDS
from tests.support.catalogs import products
from tests.support.http_server import FaultServer, Reply
from tests.support.sandbox import Sandbox


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_providers_json(synthetic: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "providers", "--json")
    assert code == 0, err
    data = json.loads(out)["providers"]
    assert [p["id"] for p in data] == list(PROVIDER_IDS)
    first = data[0]
    assert {
        "id",
        "name",
        "legal_entity",
        "hq_country",
        "eu_jurisdiction",
        "certifications",
        "regions",
        "offers",
        "catalog",
    } <= set(first)
    region = {"id": "r1", "country": "FR", "city": "Paris", "operator": "ovhcloud"}
    assert first["regions"][0] == region
    assert first["offers"] == {
        "vm": 3,
        "app": 0,
        "database": 0,
        "object_storage": 0,
        "kubernetes": 0,
    }
    assert first["catalog"]["source"] == "snapshot"
    assert first["catalog"]["fetched_at"] == "2026-10-01T00:00:00+00:00"
    assert first["certifications"][0]["scope"] == "IaaS in r1"


def test_providers_table(synthetic: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "providers")
    assert code == 0, err
    assert "ovhcloud — Ovhcloud" in out
    assert "Ovhcloud SAS (HQ FR)" in out
    assert "hds (qualified): IaaS in r1 [r1]; source https://" in out
    assert "Frankfurt" in out and "no object storage data" in out
    assert "\x1b[" not in out  # piped: no colour
    assert "days old" in err  # the synthetic data is older than 30 days


def test_services_cheapest_first_json(
    synthetic: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "services", "ovhcloud", "--json")
    assert code == 0
    data = json.loads(out)["offers"]
    assert [o["sku"] for o in data] == ["small", "big", "special"]
    small = data[0]
    assert small["price"] == {
        "amount": 0.01,
        "currency": "EUR",
        "unit": "hour",
        "quality": "current",
        "note": None,
    }
    assert small["monthly"] == 7.30
    assert '"monthly": 7.30' in out and '"amount": 0.010000' in out
    assert small["country"] == "FR" and small["certifications"] == []
    assert small["specs"]["vcpus"] == 2 and small["specs"]["memory_gb"] == 4
    assert {"provider", "kind", "region", "status", "source", "as_of"} <= set(small)
    unknown = data[-1]
    assert unknown["price"]["amount"] is None and unknown["monthly"] is None
    assert unknown["price"]["quality"] == "unknown"


@pytest.mark.parametrize(
    ("args", "skus"),
    [
        (["--region", "r2"], {"big"}),
        (["--country", "de"], {"big"}),
        (["--min-vcpus", "4"], {"big"}),
        (["--min-memory-gb", "16"], {"big"}),
        (["--gpu"], {"big"}),
        (["--no-gpu"], {"small", "special"}),
        (["--kind", "database"], set()),
    ],
)
def test_services_filters(
    synthetic: Sandbox, capsys: pytest.CaptureFixture[str], args: list[str], skus: set[str]
) -> None:
    code, out, _ = run(capsys, "services", "scaleway", *args, "--json")
    assert code == 0
    assert {o["sku"] for o in json.loads(out)["offers"]} == skus


def test_services_across_providers_table(
    synthetic: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "services", "--no-gpu")
    assert code == 0
    assert out.count("small") == len(PROVIDER_IDS)
    assert "7.30 €" in out and "0.01 €/hour" in out and "unknown" in out
    assert "`sovbundle catalog refresh ovhcloud`" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["services", "ovhclod"], "unknown provider 'ovhclod' (did you mean 'ovhcloud'?)"),
        (["services", "--kind", "vms"], "unknown kind 'vms' (did you mean 'vm'?)"),
        (["services", "--certification", "secnum"], "did you mean 'secnumcloud'?"),
        (["services", "--region", "r3"], "unknown region 'r3'"),
        (["services", "--country", "France"], "ISO 3166-1 alpha-2"),
        (["catalog", "refresh", "scalewai"], "did you mean 'scaleway'?"),
        (["services", "ovh"], "unknown provider 'ovh' (did you mean 'ovhcloud'?)"),
    ],
)
def test_unknown_values_are_usage_errors(
    synthetic: Sandbox, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2
    assert message in err
    assert out == "" and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "skus"),
    [
        (["SCALEWAY", "--region", "R2"], {"big"}),
        (["scaleway", "--region", "r2", "--kind", "VM"], {"big"}),
        (["scaleway", "--certification", "HDS"], set()),
    ],
)
def test_services_ids_are_case_insensitive(
    synthetic: Sandbox, capsys: pytest.CaptureFixture[str], args: list[str], skus: set[str]
) -> None:
    # Regression: `--region gra11` was refused (the id is GRA11) and `--certification HDS`
    # got no suggestion, although the bundle spec suggests 'hds' for 'HDS'.
    code, out, err = run(capsys, "services", *args, "--json")
    assert code == 0, err
    assert {o["sku"] for o in json.loads(out)["offers"]} == skus


def test_catalog_status(synthetic: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "catalog", "status", "--json")
    assert code == 0, err
    rows = json.loads(out)["catalogs"]
    assert [r["provider"] for r in rows] == list(PROVIDER_IDS)
    assert rows[0]["source"] == "snapshot" and rows[0]["offers"] == 3
    code, out, _ = run(capsys, "catalog", "status")
    assert code == 0
    assert str(synthetic.catalogs) in out and "snapshot" in out


@pytest.fixture
def served(
    synthetic: Sandbox,
    fake_adapters: object,
    fast_http: None,
    http_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
) -> FaultServer:
    for pid in ("ovhcloud", "scaleway", "clevercloud", "outscale"):
        monkeypatch.setenv(base_url_env(pid), http_server.url(f"/{pid}"))
        body = products(("small", "r1", "0.02"))
        http_server.route(f"/{pid}/products", Reply(200, json_body=body))
    return http_server


def test_catalog_refresh_all_ok(served: FaultServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "catalog", "refresh")
    assert code == 0, err
    lines = out.splitlines()
    # One line each, printed as each provider finishes (so in finishing order).
    assert sorted(line.split()[0] for line in lines[:-1]) == sorted(PROVIDER_IDS)
    assert any(line.startswith("ovhcloud     updated: 2 offers") for line in lines)
    assert "rapidspace   no API: its static catalog stays in use" in lines
    assert lines[-1].startswith("refreshed 5 of 5 providers in ")
    assert err == ""  # piped: no progress display
    code, out, _ = run(capsys, "catalog", "status", "--json")
    sources = {r["provider"]: r["source"] for r in json.loads(out)["catalogs"]}
    assert sources == {pid: "cache" for pid in PROVIDER_IDS if pid != "rapidspace"} | {
        "rapidspace": "snapshot"
    }
    code, out, _ = run(capsys, "services", "ovhcloud", "--json")
    assert [o["sku"] for o in json.loads(out)["offers"]] == ["small", "special"]


def test_catalog_refresh_failure_exits_5(
    served: FaultServer, capsys: pytest.CaptureFixture[str]
) -> None:
    served.route("/outscale/products", Reply(503))
    code, out, err = run(capsys, "catalog", "refresh", "ovhcloud", "outscale")
    assert code == 5
    failed = [line for line in out.splitlines() if "outscale" in line]
    assert len(failed) == 2, out  # its line and the summary: the failure is said once
    assert failed[0].startswith("outscale  failed: HTTP 503") and "keeping snapshot" in failed[0]
    assert failed[1].endswith("1 failed (outscale) and keep their last good data")
    assert "outscale" not in err
    assert served.hits("/outscale/products") == 4  # the default policy: 4 attempts


def test_refresh_never_shows_a_configured_secret(
    served: FaultServer,
    synthetic: Sandbox,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret_url = f"http://user:s3cr3t@127.0.0.1:{served.port}/ovhcloud?token=s3cr3t"
    monkeypatch.setenv(base_url_env("ovhcloud"), secret_url)
    served.route("/ovhcloud/products", Reply(500), Reply(200, json_body=products()))
    code, out, err = run(capsys, "--debug", "catalog", "refresh", "ovhcloud")
    assert code == 5  # an empty product list is refused
    assert "debug: sovbundle.refresh" in err  # the debug log is on...
    assert "s3cr3t" not in out + err  # ...and redacted
    served.route("/ovhcloud/products", Reply(200, json_body=products(("a", "r1", "1"))))
    code, out, err = run(capsys, "--debug", "catalog", "refresh", "ovhcloud")
    assert code == 0
    code, status, _ = run(capsys, "catalog", "status", "--json")
    code, services, _ = run(capsys, "services", "ovhcloud", "--json")
    assert "s3cr3t" not in out + err + status + services
    for path in synthetic.catalogs.iterdir():
        assert "s3cr3t" not in path.read_text()
    # What SECURITY.md says: user information in a configured URL is sent to that host (HTTP
    # Basic, by httpx), so the docs must not claim that nothing ever is.
    sent = {k.lower(): v for r in served.requests for k, v in r.headers.items()}
    assert sent.get("authorization", "").startswith("Basic ")


def test_terminal_progress_renders(served: FaultServer) -> None:
    """The live display used on a terminal goes through a whole refresh without error."""
    import io

    from rich.console import Console

    from sovbundle.cli._terminal import _Live
    from sovbundle.config import load_config
    from sovbundle.refresh.run import refresh_catalogs

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120)
    with _Live(console, 10) as progress:
        report = refresh_catalogs(load_config(), ["ovhcloud", "rapidspace"], listener=progress)
    assert report.exit_code == 0
    assert "ovhcloud    fetching" in buffer.getvalue()


def test_cli_import_does_not_load_httpx() -> None:
    import subprocess
    import sys

    code = "import sys, sovbundle.cli; assert 'httpx' not in sys.modules, 'httpx loaded'"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


BUNDLE = """version: 1
name: refresh-then-plan
components:
  api: {kind: vm, vcpus: 2, memory_gb: 4}
"""


def test_plan_refresh_fetches_then_plans_on_the_fresh_data(
    served: FaultServer, synthetic: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = synthetic.root / "bundle.yaml"
    bundle.write_text(BUNDLE)
    served.route("/ovhcloud/products", Reply(200, json_body=products(("cheap", "r1", "0.001"))))
    code, out, err = run(capsys, "plan", str(bundle), "--refresh", "--json")
    assert code == 0, err
    plan = json.loads(out)  # stdout holds only the plan: the refresh summary went to stderr
    assert [(p["provider"], p["sku"]) for p in plan["placements"]] == [("ovhcloud", "cheap")]
    assert {c["provider"]: c["source"] for c in plan["catalogs"]}["ovhcloud"] == "cache"
    assert err.startswith("refreshed 5 of 5 providers")


def test_plan_refresh_with_a_failed_provider_plans_on_its_last_good_data(
    served: FaultServer, synthetic: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = synthetic.root / "bundle.yaml"
    bundle.write_text(BUNDLE)
    served.route("/outscale/products", Reply(503))
    code, out, err = run(capsys, "plan", str(bundle), "--refresh", "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert {c["provider"]: c["source"] for c in plan["catalogs"]}["outscale"] == "snapshot"
    # A failed refresh is a fact about the run, not about the bundle and catalogs.
    run_warnings = plan["run"]["warnings"]
    assert any(w.startswith("outscale: live refresh failed (HTTP 503") for w in run_warnings), (
        run_warnings
    )
    # The exit rule (README): a plan on last good data, exit 0, the failure a plan warning;
    # stderr holds one summary line, not the failure again.
    assert err.splitlines() == [err.strip()]
    assert err.startswith("refreshed 4 of 5 providers") and "1 failed (outscale)" in err
    assert "error" not in err


def test_verbose_shows_retries_without_tracebacks(
    served: FaultServer, capsys: pytest.CaptureFixture[str]
) -> None:
    served.route("/ovhcloud/products", Reply(503), Reply(200, json_body=products(("a", "r1", "1"))))
    served.route("/outscale/products", Reply(503))
    code, _out, err = run(capsys, "-v", "catalog", "refresh", "ovhcloud", "outscale")
    assert code == 5
    assert re.search(r"^sovbundle: GET \S+/ovhcloud/products: HTTP 503; retry 1 in ", err, re.M)
    assert "Traceback" not in err and "debug:" not in err
    _code, _out, err = run(capsys, "catalog", "refresh", "ovhcloud")
    assert "retry" not in err  # not without -v


def test_quiet_refresh_prints_failures_and_the_summary_only(
    served: FaultServer, capsys: pytest.CaptureFixture[str]
) -> None:
    served.route("/outscale/products", Reply(503))
    code, out, _err = run(capsys, "-q", "catalog", "refresh")
    assert code == 5
    lines = out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("outscale")
    assert lines[1].startswith("refreshed 4 of 5 providers")


def test_refresh_on_a_terminal_shows_a_live_display_and_piped_none(
    served: FaultServer, synthetic: Sandbox
) -> None:
    """A real pseudo-terminal: the rich display (spinner, 'fetching') appears and is cleared;
    the outcome lines follow. Piped (the other tests), stderr stays empty. (The child runs
    the real OVHcloud adapter, whose path the test server does not serve: a failure.)"""
    from tests.support.tty import run_on_tty

    env = {k: v for k, v in os.environ.items() if k.startswith("SOVBUNDLE_")}
    code, screen = run_on_tty(["catalog", "refresh", "ovhcloud", "rapidspace"], env=env)
    assert code == 5, screen
    assert "ovhcloud    fetching" in screen  # the live display was drawn...
    assert "\x1b[?25l" in screen and "\x1b[?25h" in screen  # ...and ended
    assert "ovhcloud    failed: HTTP 404 Not Found" in screen  # once, in words
    assert screen.count("HTTP 404") == 1
    assert "rapidspace  no API: its static catalog stays in use" in screen
    assert "refreshed 1 of 2 providers" in screen


def test_reasons_in_words() -> None:
    import httpx

    from sovbundle.http_words import describe_failure

    request = httpx.Request("GET", "https://api.example.com/x")
    assert (
        describe_failure(httpx.ConnectTimeout("", request=request))
        == "could not connect to api.example.com: no answer (connect timeout)"
    )
    assert describe_failure(
        httpx.ConnectError("[Errno -2] Name or service not known", request=request)
    ) == ("could not connect to api.example.com: host name not found (DNS)")
    assert describe_failure(httpx.ConnectError("[Errno 111] Connection refused", request=request))
    assert "connection refused" in describe_failure(
        httpx.ConnectError("[Errno 111] Connection refused", request=request)
    )
    assert "ConnectTimeout" not in describe_failure(httpx.ConnectTimeout(""))
