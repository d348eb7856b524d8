"""Shared adapter helpers: URL joining that keeps a mirror's query string."""

from __future__ import annotations

import httpx
import pytest
from tests.support.mock_fetch import fetch_with

from sovbundle.adapters import scaleway
from sovbundle.adapters.base import join_url


@pytest.mark.parametrize(
    ("base", "path", "expected"),
    [
        (
            "https://eu.api.ovh.com/1.0",
            "/order/catalog/public/cloud?ovhSubsidiary=FR",
            "https://eu.api.ovh.com/1.0/order/catalog/public/cloud?ovhSubsidiary=FR",
        ),
        ("https://eu.api.ovh.com/1.0/", "/order", "https://eu.api.ovh.com/1.0/order"),
        (
            "https://mirror.example/x?token=T",
            "/products?page=2",
            "https://mirror.example/x/products?page=2&token=T",
        ),
        ("http://127.0.0.1:8080", "/v2/products/zones", "http://127.0.0.1:8080/v2/products/zones"),
    ],
)
def test_join_url(base: str, path: str, expected: str) -> None:
    assert join_url(base, path) == expected


def test_a_mirror_url_with_a_query_gets_the_path_in_the_path() -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json={"products": [], "total_count": 0})

    fetch_with(scaleway, handler, "https://mirror.example/scw?token=T")
    assert seen[0].path == "/scw/product-catalog/v2alpha1/public-catalog/products"
    assert seen[0].params["token"] == "T"
    assert seen[0].params["page"] == "1"
