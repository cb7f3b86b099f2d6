"""A real webhook receiver on 127.0.0.1 for the alert-channel tests, recording what it is sent.

with WebhookServer() as hook:                      # answers 200 to every POST
    ... json://127.0.0.1:{hook.port}/hook ...
    [post] = hook.accepted                         # Post(path, headers, body, json)

WebhookServer(statuses=[500, 200]) answers 500 to the first request, then 200 (the last status
repeats); `hook.posts` holds every request, `hook.accepted` those it answered with 2xx.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Post:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    status: int  # what the server answered

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class WebhookServer:
    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [200])
        self.posts: list[Post] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with server._lock:
                    status = server.statuses[min(len(server.posts), len(server.statuses) - 1)]
                    server.posts.append(Post(self.path, {k.lower(): v for k, v in self.headers.items()}, body, status))
                payload = b'{"ok": true}' if status < 300 else b'{"error": "try later"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer((HOST, 0), Handler)
        self.host, self.port = HOST, self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def accepted(self) -> list[Post]:
        return [p for p in self.posts if 200 <= p.status < 300]

    def url(self, path: str = "/hook", scheme: str = "json") -> str:
        return f"{scheme}://{self.host}:{self.port}{path}"

    def __enter__(self) -> WebhookServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
