"""A real HTTP server on 127.0.0.1 for tests: routes map paths to scripted replies and faults.

    server.route("/products", Reply(500), Reply(200, json_body={...}))   # 500, then 200 forever
    server.route("/slow", Reply(200, body=b"{}", delay=2.0))
    server.route("/products?page=2", Reply(200, json_body={...}))   # this query only
    server.url("/products")  ->  "http://127.0.0.1:PORT/products"
    server.hits("/products") ->  how many requests that path received (any query)

A route's replies are served in order and the last one repeats. A route whose key holds a
query (``/path?a=1&b=2``, matched as sent) wins over the route of the bare path. Faults:
``delay`` (before the status line), ``truncate`` (promise more bytes than sent, then close),
``no_length`` (a body delimited by closing the connection), ``drop`` (close without answering),
``trickle`` (one byte of the body every so many seconds).

Orderings by events rather than by time: ``gate`` (a ``threading.Event``: the reply waits until
the test sets it) and ``barrier`` (a ``threading.Barrier``: the reply waits until as many
requests as the barrier has parties are all waiting at it, so none is answered before all were
received; a barrier that breaks, e.g. by its timeout, makes every reply waiting on it a 500).
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Reply:
    """One scripted answer."""

    status: int = 200
    json_body: Any = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    truncate: bool = False
    no_length: bool = False
    drop: bool = False
    trickle: float = 0.0
    """Seconds between bytes of the body (a server sending 1 byte/s has ``trickle=1``)."""
    gate: threading.Event | None = None
    """Answer only once this is set (the test sets it when what it waits for has happened)."""
    barrier: threading.Barrier | None = None
    """Answer only once every party of this barrier is waiting at it."""

    def payload(self) -> bytes:
        if self.body is not None:
            return self.body
        if self.json_body is not None:
            return json.dumps(self.json_body).encode()
        return b""


@dataclass(frozen=True)
class Seen:
    """A request as the server received it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]


class FaultServer:
    """The server; use as a context manager or through the ``http_server`` fixture."""

    def __init__(self) -> None:
        self._routes: dict[str, list[Reply]] = {}
        self._served: dict[str, int] = defaultdict(int)
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # a handler stuck in ``delay`` must not hold us up
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "") -> str:
        return self.base_url + path

    def route(self, path: str, *replies: Reply) -> None:
        """Serve ``replies`` in order on ``path`` (any method); the last one repeats.

        ``path`` may end with ``?query``: then only requests with exactly that query match it.
        """
        with self._lock:
            self._routes[path] = list(replies) or [Reply(404)]
            self._served[path] = 0

    def hits(self, path: str) -> int:
        """Requests received on ``path``; with ``?query``, on that path with that query only."""
        with self._lock:
            if "?" in path:
                return sum(1 for r in self.requests if f"{r.path}?{r.query}" == path)
            return sum(1 for r in self.requests if r.path == path)

    def _next(self, seen: Seen) -> Reply:
        with self._lock:
            self.requests.append(seen)
            key = f"{seen.path}?{seen.query}"
            if key not in self._routes:
                key = seen.path
            replies = self._routes.get(key)
            if not replies:
                return Reply(404, json_body={"error": "no route"})
            index = min(self._served[key], len(replies) - 1)
            self._served[key] += 1
            return replies[index]

    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a client hanging up on a slow reply is part of the tests


def _handler_for(server: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            return None

        def handle_one(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            seen = Seen(self.command, parts.path, parts.query, dict(self.headers.items()))
            reply = server._next(seen)
            if reply.delay and server._stop.wait(reply.delay):
                return
            if reply.gate is not None:
                while not reply.gate.wait(0.05):
                    if server._stop.is_set():
                        return
            if reply.barrier is not None:
                try:
                    reply.barrier.wait()
                except threading.BrokenBarrierError:
                    reply = Reply(500, body=b"barrier broken: the requests did not all arrive")
            if reply.drop:
                self.close_connection = True
                return
            try:
                self._answer(reply)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up: expected
                self.close_connection = True

        def _answer(self, reply: Reply) -> None:
            payload = reply.payload()
            self.send_response(reply.status)
            headers = {"Content-Type": "application/json", **reply.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            if reply.no_length:
                self.send_header("Connection", "close")
                self.close_connection = True
            elif reply.truncate:
                self.send_header("Content-Length", str(len(payload) * 2 + 10))
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if reply.trickle:
                for index in range(len(payload)):
                    self.wfile.write(payload[index : index + 1])
                    self.wfile.flush()
                    if server._stop.wait(reply.trickle):
                        return
                return
            for chunk in _chunks(payload):
                self.wfile.write(chunk)

        do_GET = do_POST = do_HEAD = handle_one

    return Handler


def _chunks(payload: bytes, size: int = 65536) -> Iterator[bytes]:
    for start in range(0, len(payload), size):
        yield payload[start : start + size]
