"""Transport failures in words, for people: ``could not connect to api.example.com: no answer
(connect timeout)`` rather than httpx's ``ConnectTimeout:`` with an empty message.

A root module (adapters and the refresh both word their failures through it); it imports
httpx, so only code that already has an httpx exception in hand calls it.
"""

from __future__ import annotations

import contextlib
import re

import httpx

__all__ = ["describe_failure"]


def describe_failure(exc: httpx.HTTPError) -> str:
    """A transport failure in words, for people (``ConnectTimeout:`` has an empty message):
    ``could not connect to api.example.com: no answer (connect timeout)``."""
    host = ""
    with contextlib.suppress(RuntimeError):  # an exception raised without its request
        host = exc.request.url.host
    where = f" {host}" if host else " the server"
    detail = str(exc).strip()
    low = detail.lower()
    if not type(exc).__module__.startswith("httpx"):
        return detail  # sovbundle's own (budget spent, redirect refused, too large) say it
    if isinstance(exc, httpx.ConnectTimeout):
        return f"could not connect to{where}: no answer (connect timeout)"
    if isinstance(exc, httpx.ReadTimeout):
        return f"{where.strip()} stopped answering mid-response (read timeout)"
    if isinstance(exc, httpx.WriteTimeout):
        return f"could not send the request to{where} (write timeout)"
    if isinstance(exc, httpx.PoolTimeout):
        return f"no free connection to{where} (pool timeout)"
    if isinstance(exc, httpx.ConnectError):
        if (
            "name or service not known" in low
            or "nodename nor servname" in low
            or ("getaddrinfo" in low or "temporary failure in name resolution" in low)
        ):
            reason = "host name not found (DNS)"
        elif "refused" in low:
            reason = "connection refused"
        elif "certificate" in low or "ssl" in low or "tls" in low:
            reason = "TLS handshake failed (certificate not trusted or invalid)"
        elif "unreachable" in low:
            reason = "network unreachable"
        else:
            reason = detail or "connection failed"
        return f"could not connect to{where}: {reason}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{where.strip()} closed the connection or broke the HTTP protocol" + (
            f" ({detail})" if detail else ""
        )
    if isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.CloseError):
        return f"the connection to{where} failed" + (f" ({detail})" if detail else "")
    if isinstance(exc, httpx.TooManyRedirects):
        return f"too many redirects from{where}"
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", type(exc).__name__).lower()
    return f"{words}: {detail}" if detail else words
