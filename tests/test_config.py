"""Configuration sources and their precedence, and redaction of anything credential-like."""

from __future__ import annotations

from pathlib import Path

import pytest

from sovbundle.config import base_url_env, load_config, redact
from sovbundle.errors import UsageError


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("https://user:s3cr3t@host.example/api", "s3cr3t"),
        ("https://tok3nonly@host.example/api", "tok3nonly"),
        ("https://host.example/api?token=s3cr3t&ovhSubsidiary=FR", "s3cr3t"),
        ("https://host.example/api?a=1&api_key=AKIA1234", "AKIA1234"),
        ("https://host.example/?access_token=abc.def-ghi", "abc.def-ghi"),
        ("password: hunter22", "hunter22"),
        ("client_secret=xyz789", "xyz789"),
        ('{"X-Auth-Token": "deadbeef42"}', "deadbeef42"),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload", "eyJhbGciOiJIUzI1NiJ9"),
        ("Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ("sent bearer abcdefgh12345678 to the mirror", "abcdefgh12345678"),
        ("sig=abcdef&other=1", "abcdef"),
    ],
)
def test_redact_masks_credentials(text: str, secret: str) -> None:
    assert secret not in redact(text)
    assert "***" in redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "GET https://eu.api.ovh.com/1.0/order/catalog/public/cloud?ovhSubsidiary=FR: HTTP 500",
        "basic authentication is not needed; Retry-After: 30",
        "ovhcloud: offer b3-8 names unknown region 'GRA99'",
    ],
)
def test_redact_keeps_ordinary_text(text: str) -> None:
    assert redact(text) == text


def test_env_overrides_config_file(tmp_path: Path, sandbox: object) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        'cache_dir = "/from/file"\n'
        "[providers.ovhcloud]\n"
        'base_url = "https://file.example/1.0/"\n'
        "[providers.scaleway]\n"
        'base_url = "https://scw.example"\n'
    )
    env = {
        "SOVBUNDLE_CONFIG": str(config_file),
        base_url_env("ovhcloud"): "https://env.example/1.0",
    }
    config = load_config(env)
    assert config.base_url("ovhcloud", "https://default") == "https://env.example/1.0"
    assert config.base_url("scaleway", "https://default") == "https://scw.example"
    assert config.base_url("outscale", "https://default") == "https://default"
    assert config.cache_dir == Path("/from/file")
    assert config.config_path == config_file
    env["SOVBUNDLE_CACHE_DIR"] = str(tmp_path / "c")
    assert load_config(env).catalog_dir == tmp_path / "c" / "catalogs"


def test_default_cache_dir_is_the_platform_user_cache(sandbox: object) -> None:
    config = load_config({})
    assert config.cache_dir.name == "sovbundle"
    assert config.config_path is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[providers.ovhclod]\nbase_url = 'https://x'\n", "did you mean 'ovhcloud'"),
        ("colour = 'red'\n", "unknown key 'colour'"),
        ("[providers.ovhcloud]\nbase_url = 'ftp://x'\n", "is not an https URL"),
        ("[providers.ovhcloud]\nbase = 'https://x'\n", "takes only base_url"),
        ("not toml at all [", "not valid TOML"),
    ],
)
def test_bad_config_file_is_a_usage_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(content)
    with pytest.raises(UsageError, match=r"config\.toml") as info:
        load_config({"SOVBUNDLE_CONFIG": str(path)})
    assert message in info.value.message
    assert info.value.exit_code == 2


def test_missing_explicit_config_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        load_config({"SOVBUNDLE_CONFIG": str(tmp_path / "nope.toml")})


def test_configured_secret_is_masked_even_out_of_context() -> None:
    load_config({base_url_env("outscale"): "https://me:Zq9%21secret@mirror.example"})
    # An error message may quote the password alone, percent-decoded: still masked.
    assert "Zq9!secret" not in redact("auth failed for password Zq9!secret")
    assert "Zq9%21secret" not in redact("raw Zq9%21secret")
