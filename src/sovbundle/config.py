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
import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sovbundle.errors import UsageError
from sovbundle.models import PROVIDER_IDS

__all__ = [
    "CONFIG_ENV",
    "SAFE_QUERY_NAMES",
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
REFRESH_DEADLINE_ENV = "SOVBUNDLE_REFRESH_DEADLINE"
MAX_REFRESH_DEADLINE = 3600.0
MASK = "***"
MAX_CONFIG_BYTES = 1024 * 1024
"""Largest config file read (checked before reading; real ones are a few lines)."""

# Parameter names whose values are credentials (matched as a whole word or as a suffix:
# ``api_key``, ``X-Auth-Token``, ``client_secret``), for text outside URLs.
_SECRET_NAME = (
    r"[\w.-]*(?:token|key|secret|passw(?:or)?d|pwd|passphrase|signature|sig|auth"
    r"|authorization|credentials?|session|cookie)"
)
_NAME_VALUE = re.compile(
    rf"(?P<name>\b{_SECRET_NAME})(?P<sep>\s*[=:]\s*|\"\s*:\s*\"|'\s*:\s*')"
    r"(?P<value>(?:bearer\s+|basic\s+)?[^\s&#\"',;)\]}]+)",
    re.IGNORECASE,
)
# A bearer token quoted out of its header (``Basic`` is caught with its header only: the word
# is too common in prose).
_BEARER = re.compile(r"\b(?P<scheme>bearer)\s+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)

# A URL in free text: a scheme, then anything up to a blank or a quote. Trailing punctuation
# of the sentence (``url: ...``, ``(url).``) is not part of it.
_URL = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<rest>[^\s\"'<>`]*)")
_TRAILING = re.compile(r"[.,:;!?)\]}]+$")
# ``user:password@`` where no scheme precedes it (``https//u:p@h``, ``u:p@h``): up to the last
# ``@`` of the word, so that an unencoded ``@`` in the password leaks nothing either.
_BARE_USERINFO = re.compile(r"(?P<userinfo>[^\s/@:'\"]+:(?!//)[^\s'\"]*)@")

SAFE_QUERY_NAMES = frozenset(
    {"ovhSubsidiary", "region", "zone_id", "currency", "product_types", "page", "page_size"}
)
"""Query parameters whose values are shown: the ones the adapters send, all public."""
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# Secret fragments seen in configured URLs, masked wherever they reappear (an httpx message,
# a percent-decoded URL): the patterns above cannot recognise a secret out of its context.
_known_secrets: set[str] = set()


def register_secret(value: str) -> None:
    """Remember a credential so that ``redact`` masks it wherever it appears, in any form."""
    for form in {value, unquote(value)}:
        if len(form) >= 3:  # shorter fragments would mask ordinary text
            _known_secrets.add(form)


def _split_url(rest: str) -> tuple[str, str, str, str | None, str | None]:
    """``(userinfo, host, path, query, fragment)`` of what follows ``scheme://``."""
    end = len(rest)
    for mark in "/?#":
        found = rest.find(mark)
        if 0 <= found < end:
            end = found
    authority, tail = rest[:end], rest[end:]
    userinfo, _, host = authority.rpartition("@")  # the last @: a password may hold one
    fragment = None
    if "#" in tail:
        tail, fragment = tail.split("#", 1)
    query = None
    if "?" in tail:
        tail, query = tail.split("?", 1)
    return userinfo, host, tail, query, fragment


def _harmless(name: str, value: str) -> bool:
    return name in SAFE_QUERY_NAMES and bool(_SAFE_VALUE.match(value))


def _masked_pairs(text: str) -> str:
    pairs = []
    for pair in text.split("&"):
        name, sep, value = pair.partition("=")
        if not sep:
            pairs.append(pair and MASK)  # a bare value (``?s3cret``) is a value too
        else:
            pairs.append(pair if _harmless(name, value) else f"{name}={MASK}")
    return "&".join(pairs)


def _redact_url(match: re.Match[str]) -> str:
    rest = match["rest"]
    trailing = _TRAILING.search(rest)
    punct = trailing.group(0) if trailing else ""
    rest = rest[: len(rest) - len(punct)]
    userinfo, host, path, query, fragment = _split_url(rest)
    shown = match["scheme"] + (f"{MASK}@" if userinfo else "") + host + path
    if query is not None:
        shown += "?" + _masked_pairs(query)
    if fragment is not None:
        shown += "#" + (_masked_pairs(fragment) if "=" in fragment else fragment)
    return shown + punct


def redact(text: str) -> str:
    """``text`` with every credential-looking part replaced by ``***``.

    The rule for URLs: every userinfo is masked whole, every query (and fragment) value is
    masked unless its parameter is in ``SAFE_QUERY_NAMES`` with a plain value. Outside URLs:
    ``user:password@``, ``name=value`` for secret-like names, bearer tokens, and every
    credential seen in a configured URL.
    """
    text = _URL.sub(_redact_url, text)
    text = _BARE_USERINFO.sub(f"{MASK}@", text)
    text = _NAME_VALUE.sub(lambda m: f"{m['name']}{m['sep']}{MASK}", text)
    text = _BEARER.sub(lambda m: f"{m['scheme']} {MASK}", text)
    for secret in sorted(_known_secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def _register_url_secrets(url: str) -> None:
    scheme_end = url.find("://")
    if scheme_end < 0:
        return
    userinfo, _, _, query, fragment = _split_url(url[scheme_end + 3 :])
    if userinfo:
        register_secret(userinfo)
        if ":" in userinfo:
            register_secret(userinfo.split(":", 1)[1])
    for part in (query, fragment):
        for pair in (part or "").split("&"):
            name, sep, value = pair.partition("=")
            if not _harmless(name, value) if sep else bool(pair):
                register_secret(value if sep else pair)


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
    refresh_deadline: float | None = None
    """Seconds a whole ``catalog refresh`` may take; ``None``: the default (60 s)."""

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
    if os.path.lexists(path):
        data = _read_toml(path)
    elif explicit:
        raise UsageError(f"{CONFIG_ENV} names {path}, which does not exist")
    base_urls, cache_dir = _from_file(path, data)
    deadline = _deadline(data.get("refresh_deadline"), f"config file {path}: refresh_deadline")
    if env.get(REFRESH_DEADLINE_ENV, "").strip():
        deadline = _deadline(env[REFRESH_DEADLINE_ENV].strip(), REFRESH_DEADLINE_ENV)
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
        refresh_deadline=deadline,
    )


def _deadline(value: object, where: str) -> float | None:
    """A refresh deadline in seconds (0 < value <= 3600), from TOML or an environment string."""
    if value is None:
        return None
    try:
        seconds = float(value) if isinstance(value, int | float | str) else float("nan")
    except ValueError:
        seconds = float("nan")
    if isinstance(value, bool) or not 0 < seconds <= MAX_REFRESH_DEADLINE:
        raise UsageError(f"{where}: must be a number of seconds, > 0 and <= 3600")
    return seconds


def _read_toml(path: Path) -> dict[str, object]:
    from sovbundle.atomic import describe_os_error, read_regular

    try:
        return tomllib.loads(read_regular(path, MAX_CONFIG_BYTES).decode("utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {describe_os_error(exc)}") from None
    except UnicodeDecodeError:
        raise UsageError(f"config file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        # The parser's message names line and column, never the value itself.
        raise UsageError(f"config file {path} is not valid TOML: {exc}") from None


def _from_file(path: Path, data: dict[str, object]) -> tuple[dict[str, str], Path | None]:
    unknown = sorted(set(data) - {"cache_dir", "prices", "providers", "refresh_deadline"})
    if unknown:
        raise UsageError(
            f"config file {path}: unknown key {unknown[0]!r} "
            "(allowed: cache_dir, prices, refresh_deadline, [providers.<id>] base_url)"
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


LOOPBACK_HOSTS = "127.0.0.0/8, localhost and ::1"


def is_loopback(host: str) -> bool:
    """``localhost`` or an address in 127.0.0.0/8 or ``::1`` (brackets allowed)."""
    host = host.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _checked_url(url: str, where: str) -> str:
    """``url`` without trailing slashes if it is an https URL (http: loopback only).

    A URL that fails to parse is never echoed, not even redacted: it may hold a credential
    where no rule expects one.
    """
    url = url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018  # raises ValueError on a bad port
    except ValueError:
        parts, host = None, ""
    if parts is None or parts.scheme not in ("http", "https") or not host or " " in url:
        raise UsageError(
            f"{where}: the value is not an https URL (not shown: it may hold a credential)"
        )
    if parts.scheme == "http" and not is_loopback(host):
        raise UsageError(
            f"{where}: plain http is refused for {host} (catalogs are fetched over TLS with "
            f"certificate verification; http is allowed only for {LOOPBACK_HOSTS})"
        )
    return url
