"""Redaction by rule (issue 11, items 8 and 9) and the plain-http policy (item 10).

The rule: in any URL sovbundle prints, logs or writes, every userinfo is masked whole, and every
query value is masked unless its parameter is one the adapters send themselves with a public
value (``ovhSubsidiary=FR``, ``region=eu-west-2``, ``page=2``...). A URL that fails to parse is
never echoed.
"""

from __future__ import annotations

import pytest

from sovbundle.config import base_url_env, load_config, redact
from sovbundle.errors import UsageError

# The exact leaks of the issue: query names outside the old list of secret-looking names.
LEAKY_QUERIES = ["pass", "jwt", "code", "private", "access", "AWSAccessKeyId"]


@pytest.mark.parametrize("name", LEAKY_QUERIES)
def test_every_query_value_is_masked_whatever_its_name(name: str) -> None:
    url = f"https://mirror.example/ovh/1.0?{name}=SECRETVALUE"
    assert redact(url) == f"https://mirror.example/ovh/1.0?{name}=***"
    assert (
        redact(f"GET {url}: HTTP 500") == f"GET https://mirror.example/ovh/1.0?{name}=***: HTTP 500"
    )


def test_query_values_the_adapters_send_stay_readable() -> None:
    kept = [
        "https://eu.api.ovh.com/1.0/order/catalog/public/cloud?ovhSubsidiary=FR",
        "https://api.eu-west-2.outscale.com/api/v1/ReadPublicCatalog?region=eu-west-2",
        "https://api.scaleway.com/product-catalog/v2alpha1/public-catalog/products"
        "?product_types=instance&page=2&page_size=100",
        "https://api.clever-cloud.com/v4/billing/price-system?zone_id=par&currency=EUR",
    ]
    for url in kept:
        assert redact(url) == url
    # A harmless name with a value that does not look like one is masked all the same.
    assert redact("https://h.example/?region=a%20b%26token%3Dx") == "https://h.example/?region=***"
    assert redact("https://h.example/?page=2&sig=x1&region=fr") == (
        "https://h.example/?page=2&sig=***&region=fr"
    )


def test_fragments_and_valueless_parameters() -> None:
    assert redact("https://h.example/cb#access_token=abc123&state=x") == (
        "https://h.example/cb#access_token=***&state=***"
    )
    assert redact("https://h.example/p?SECRETONLY") == "https://h.example/p?***"


def test_an_unencoded_at_in_a_password_leaks_nothing() -> None:
    shown = redact("https://u:AT@xSECRET@host.example/path")
    assert shown == "https://***@host.example/path"
    assert "SECRET" not in shown and "AT" not in shown


@pytest.mark.parametrize(
    "text",
    ["https//user:PASS@h.example/x", "user:PASS@h.example", "see user:PASS@h for details"],
)
def test_userinfo_of_a_malformed_url_is_masked(text: str) -> None:
    assert "PASS" not in redact(text)


@pytest.mark.parametrize(
    "url", ["https//user:PASS@h.example/x", "user:PASS@h.example", "ftp://user:PASS@h"]
)
def test_a_base_url_that_fails_to_parse_is_never_echoed(url: str) -> None:
    with pytest.raises(UsageError) as info:
        load_config({base_url_env("ovhcloud"): url})
    assert "PASS" not in info.value.message and "user" not in info.value.message
    assert "is not an https URL" in info.value.message


@pytest.mark.parametrize(
    "url",
    [
        "http://mirror.example/ovh",
        "http://10.0.0.1:8080/ovh",
        "http://localhost.evil.example/",
        "http://127.0.0.1.nip.io/",
    ],
)
def test_plain_http_is_refused_except_on_loopback(url: str) -> None:
    with pytest.raises(UsageError) as info:
        load_config({base_url_env("ovhcloud"): url})
    assert info.value.message.startswith(f"{base_url_env('ovhcloud')}: plain http is refused")
    assert "127.0.0.0/8, localhost and ::1" in info.value.message
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/ovh",
        "http://127.1.2.3/ovh",
        "http://localhost:9000",
        "http://[::1]:9000/x",
        "https://mirror.example/ovh",
    ],
)
def test_loopback_http_and_https_are_accepted(url: str) -> None:
    config = load_config({base_url_env("ovhcloud"): url})
    assert config.base_url("ovhcloud", "x") == url.rstrip("/")


def test_the_client_refuses_plain_http_off_loopback() -> None:
    import asyncio

    import httpx

    from sovbundle.refresh.transport import GuardedClient, HttpPolicy, InsecureURL

    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request may leave")

    async def go() -> None:
        async with GuardedClient(HttpPolicy(), transport=httpx.MockTransport(never)) as client:
            await client.get("http://catalog.example/products")

    with pytest.raises(InsecureURL, match=r"plain http refused for catalog\.example"):
        asyncio.run(go())


def test_a_slash_in_an_unencoded_password_is_masked_too() -> None:
    assert redact("https://u:pa/ss@host.example/x") == "https://***@host.example/x"
