"""User configuration (API base-URL overrides, cache and snapshot folders) and secret redaction.

Sources, the later winning:

1. the config file: ``$SOVBUNDLE_CONFIG``, else ``<user config dir>/sovbundle/config.toml``::

       cache_dir = "/var/cache/sovbundle"        # optional
       prices = "/etc/sovbundle/ugap-2026.yaml"  # optional: default price book of ``plan``
       [providers.ovhcloud]
       base_url = "https://mirror.example/ovh/1.0"

2. environment variables: ``SOVBUNDLE_<PROVIDER>_BASE_URL`` (``SOVBUNDLE_OVHCLOUD_BASE_URL``),
   ``SOVBUNDLE_CACHE_DIR``, ``SOVBUNDLE_SNAPSHOT_DIR``, ``SOVBUNDLE_PRICES``.

Catalogs never need credentials, but a mirror URL may carry some (``https://user:pw@host``,
``?token=...``). ``redact`` masks anything credential-like, and every URL or configured value
sovbundle shows, logs or writes goes through it.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from sovbundle.errors import UsageError
from sovbundle.models import PROVIDER_IDS

__all__ = [
    "CONFIG_ENV",
    "Config",
    "base_url_env",
    "default_cache_dir",
    "load_config",
    "redact",
    "register_secret",
]

CONFIG_ENV = "SOVBUNDLE_CONFIG"
CACHE_DIR_ENV = "SOVBUNDLE_CACHE_DIR"
SNAPSHOT_DIR_ENV = "SOVBUNDLE_SNAPSHOT_DIR"
PRICES_ENV = "SOVBUNDLE_PRICES"
MASK = "***"

# Parameter names whose values are credentials (matched as a whole word or as a suffix:
# ``api_key``, ``X-Auth-Token``, ``client_secret``).
_SECRET_NAME = (
    r"[\w.-]*(?:token|key|secret|passw(?:or)?d|pwd|passphrase|signature|sig|auth"
    r"|authorization|credentials?|session|cookie)"
)
_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/\s@?#]+)@")
_NAME_VALUE = re.compile(
    rf"(?P<name>\b{_SECRET_NAME})(?P<sep>\s*[=:]\s*|\"\s*:\s*\"|'\s*:\s*')"
    r"(?P<value>(?:bearer\s+|basic\s+)?[^\s&#\"',;)\]}]+)",
    re.IGNORECASE,
)
# A bearer token quoted out of its header (``Basic`` is caught with its header only: the word
# is too common in prose).
_BEARER = re.compile(r"\b(?P<scheme>bearer)\s+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)

# Secret fragments seen in configured URLs, masked wherever they reappear (an httpx message,
# a percent-decoded URL): the patterns above cannot recognise a secret out of its context.
_known_secrets: set[str] = set()


def register_secret(value: str) -> None:
    """Remember a credential so that ``redact`` masks it wherever it appears, in any form."""
    for form in {value, unquote(value)}:
        if len(form) >= 3:  # shorter fragments would mask ordinary text
            _known_secrets.add(form)


def redact(text: str) -> str:
    """``text`` with every credential-looking part replaced by ``***``."""
    text = _URL_USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    text = _NAME_VALUE.sub(lambda m: f"{m['name']}{m['sep']}{MASK}", text)
    text = _BEARER.sub(lambda m: f"{m['scheme']} {MASK}", text)
    for secret in sorted(_known_secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def _register_url_secrets(url: str) -> None:
    match = _URL_USERINFO.search(url)
    if match:
        userinfo = match["userinfo"]
        register_secret(userinfo)
        if ":" in userinfo:
            register_secret(userinfo.split(":", 1)[1])
    for item in _NAME_VALUE.finditer(url):
        register_secret(item["value"])


def base_url_env(provider: str) -> str:
    """The environment variable that overrides a provider's API base URL."""
    return f"SOVBUNDLE_{provider.upper()}_BASE_URL"


def default_cache_dir() -> Path:
    """The platform's user cache folder for sovbundle (``~/.cache/sovbundle`` on Linux)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("sovbundle", appauthor=False))


def _default_config_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("sovbundle", appauthor=False)) / "config.toml"


@dataclass(frozen=True)
class Config:
    """Resolved configuration; ``base_urls`` holds only the overridden providers."""

    cache_dir: Path
    base_urls: Mapping[str, str] = field(default_factory=dict)
    snapshot_dir: Path | None = None
    config_path: Path | None = None
    """The config file that was read, if any."""
    prices: Path | None = None
    """The default price book of ``plan`` (``--prices`` overrides it), if any."""

    def base_url(self, provider: str, default: str) -> str:
        """The API base URL to use for ``provider`` (an override, else the adapter's default)."""
        return self.base_urls.get(provider, default)

    @property
    def catalog_dir(self) -> Path:
        """Where refreshed catalogs and their meta files are written."""
        return self.cache_dir / "catalogs"


def load_config(env: Mapping[str, str] | None = None) -> Config:
    """Read the config file (if any) and the environment; raise UsageError on a bad file."""
    env = os.environ if env is None else env
    explicit = env.get(CONFIG_ENV)
    path = Path(explicit).expanduser() if explicit else _default_config_path()
    data: dict[str, object] = {}
    if path.is_file():
        data = _read_toml(path)
    elif explicit:
        raise UsageError(f"{CONFIG_ENV} names {path}, which does not exist")
    base_urls, cache_dir = _from_file(path, data)
    for pid in PROVIDER_IDS:
        value = env.get(base_url_env(pid), "").strip()
        if value:
            base_urls[pid] = _checked_url(value, base_url_env(pid))
    for url in base_urls.values():
        _register_url_secrets(url)
    if env.get(CACHE_DIR_ENV):
        cache_dir = Path(env[CACHE_DIR_ENV]).expanduser()
    snapshot = env.get(SNAPSHOT_DIR_ENV)
    prices = data.get("prices")
    if prices is not None and not isinstance(prices, str):
        raise UsageError(f"config file {path}: prices must be a string (a price book path)")
    book = Path(prices).expanduser() if prices else None
    if book is not None and not book.is_absolute():
        book = path.parent / book  # a relative path in the file is relative to the file
    if env.get(PRICES_ENV):
        book = Path(env[PRICES_ENV]).expanduser()
    return Config(
        cache_dir=cache_dir or default_cache_dir(),
        base_urls=base_urls,
        snapshot_dir=Path(snapshot).expanduser() if snapshot else None,
        config_path=path if data else None,
        prices=book,
    )


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        # The parser's message names line and column, never the value itself.
        raise UsageError(f"config file {path} is not valid TOML: {exc}") from None


def _from_file(path: Path, data: dict[str, object]) -> tuple[dict[str, str], Path | None]:
    unknown = sorted(set(data) - {"cache_dir", "prices", "providers"})
    if unknown:
        raise UsageError(
            f"config file {path}: unknown key {unknown[0]!r} "
            "(allowed: cache_dir, prices, [providers.<id>] base_url)"
        )
    cache_dir = data.get("cache_dir")
    if cache_dir is not None and not isinstance(cache_dir, str):
        raise UsageError(f"config file {path}: cache_dir must be a string (a folder path)")
    providers = data.get("providers", {})
    if not isinstance(providers, dict):
        raise UsageError(f"config file {path}: [providers] must be a table")
    base_urls: dict[str, str] = {}
    for pid, section in providers.items():
        if pid not in PROVIDER_IDS:
            close = difflib.get_close_matches(pid, PROVIDER_IDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise UsageError(
                f"config file {path}: unknown provider {pid!r}{hint}; "
                f"known providers: {', '.join(PROVIDER_IDS)}"
            )
        if not isinstance(section, dict) or set(section) - {"base_url"}:
            raise UsageError(f"config file {path}: [providers.{pid}] takes only base_url")
        url = section.get("base_url")
        if url is not None:
            if not isinstance(url, str):
                raise UsageError(f"config file {path}: providers.{pid}.base_url must be a string")
            base_urls[pid] = _checked_url(url, f"{path}: providers.{pid}.base_url")
    return base_urls, Path(cache_dir).expanduser() if cache_dir else None


def _checked_url(url: str, where: str) -> str:
    url = url.strip().rstrip("/")
    if not re.match(r"^https?://[^/\s]+", url):
        # Redacted: a malformed URL may still hold a credential.
        raise UsageError(f"{where}: {redact(url)!r} is not an http(s) URL")
    return url
