"""A real HTTP server on 127.0.0.1 for the crawler's tests and benchmark.

    with CrawlServer({"/feed.xml": Reply(body=feed, content_type="application/rss+xml")}) as server:
        fetch(server.url + "/feed.xml")

A route answers with a `Reply`, a list of replies (one per request, the last one repeating) or a
function of the request. Unknown paths get 404. Every request is recorded in `server.requests`.
"""

from __future__ import annotations

import gzip
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Union


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # wait this long before answering
    send_length: bool = True  # False: no Content-Length, the body ends when the connection closes

    def payload(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    host: str


Route = Union[Reply, list[Reply], Callable[[Request], Reply]]


def gzip_bomb(size: int) -> Reply:
    """A small gzip body that inflates to `size` zero bytes, labelled as HTML."""
    return Reply(body=gzip.compress(b"\0" * size, compresslevel=9), headers={"Content-Encoding": "gzip"})


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status=status, headers={"Location": location}, content_type=None)


class CrawlServer:
    def __init__(self, routes: dict[str, Route] | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server = _QuietServer((host, port), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> CrawlServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests]

    def reply_for(self, request: Request) -> Reply:
        route = self.routes.get(request.path) or self.routes.get(request.path.split("?", 1)[0])
        if route is None:
            return Reply(404, "not found", content_type="text/plain")
        if callable(route):
            return route(request)
        if isinstance(route, list):
            with self._lock:
                return route.pop(0) if len(route) > 1 else route[0]
        return route


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A client closing a kept-alive connection is routine; anything else is a bug worth seeing.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler_for(server: CrawlServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            request = Request(
                "GET", self.path, {k.lower(): v for k, v in self.headers.items()}, self.server.server_address[0]
            )
            with server._lock:
                server.requests.append(request)
                server.in_flight += 1
                server.max_in_flight = max(server.max_in_flight, server.in_flight)
            try:
                self._answer(server.reply_for(request))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to answer
            finally:
                with server._lock:
                    server.in_flight -= 1

        def _answer(self, reply: Reply) -> None:
            if reply.delay_s:
                time.sleep(reply.delay_s)
            body = reply.payload()
            self.send_response(reply.status)
            if reply.content_type:
                self.send_header("Content-Type", reply.content_type)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.send_length:
                self.send_header("Content-Length", str(len(body)))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if reply.status != 304:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # keep test output clean

    return Handler
