"""The address guard behind an HTTP proxy, and against DNS rebinding (issue 23, defect 6).

Real servers on loopback: an origin (`CrawlServer`) and a forward proxy with DNS of its own, as a
company proxy has, that knows names this machine does not. Rebinding is played by a resolver the
test controls, handed to the guard; the connections it leads to are real.
"""

from __future__ import annotations

import asyncio
import http.client
import re
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from crawl_server import CrawlServer, Reply

from hypewatch.config import ConfigError, Crawl, parse_config
from hypewatch.crawler import netguard
from hypewatch.crawler.http import BlockedAddress, ConnectionFailed, Fetcher, FetchError, ProxyError, pinned_transport

PAGE = "<html><head><title>t</title></head><body><p>Hello from inside.</p></body></html>"
FAST = Crawl(per_host_delay_s=0, timeout_s=2.0, retries=1, max_redirects=3)
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
PUBLIC = "93.184.216.34"  # a public address: what a rebinding name answers first


class ForwardProxy:
    """An HTTP forward proxy on 127.0.0.1 (absolute-URI GETs). Its DNS knows `names` besides this
    machine's and drops a trailing dot, as many resolvers do. `requests` lists the URLs asked for."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ForwardProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                proxy.requests.append(self.path)
                target = urlsplit(self.path)
                host = (target.hostname or "").rstrip(".")
                upstream = http.client.HTTPConnection(proxy.names.get(host, host), target.port or 80, timeout=5)
                upstream.request(
                    "GET",
                    target.path + (f"?{target.query}" if target.query else ""),
                    headers={"Host": target.netloc, "User-Agent": self.headers.get("User-Agent", "")},
                )
                answer = upstream.getresponse()
                body = answer.read()
                upstream.close()
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        return Handler


@pytest.fixture
def server() -> Iterator[CrawlServer]:
    with CrawlServer({"/page": Reply(body=PAGE)}) as server:
        yield server


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    with ForwardProxy({"intranet.test": "127.0.0.1"}) as proxy:
        yield proxy


@pytest.fixture
def proxy_env(monkeypatch: pytest.MonkeyPatch, proxy: ForwardProxy) -> ForwardProxy:
    """The company setup: every proxy variable points at the proxy, nothing is exempt."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, proxy.url)
    return proxy


def fetch(url: str, settings: Crawl = FAST, *, allow_private: bool = False, **fetcher_args):
    async def run():
        async with Fetcher(settings, backoff_s=0.01, **fetcher_args) as fetcher:
            return await fetcher.fetch(url, allow_private=allow_private, conditional=False)

    return asyncio.run(run())


def port(server: CrawlServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


# --- environment proxies are not used unless configured ------------------------------------------


def test_proxy_variables_are_ignored_unless_the_config_says_env(server, proxy_env):
    assert fetch(server.url + "/page", allow_private=True).body == PAGE.encode()
    # Names only the proxy's DNS knows: direct, they do not resolve, and the proxy never hears of them.
    for url in (f"http://localhost.:{port(server)}/page", f"http://intranet.test:{port(server)}/page"):
        with pytest.raises((ConnectionFailed, BlockedAddress)):
            fetch(url)
    assert proxy_env.requests == []
    assert server.paths() == ["/robots.txt", "/page"]


def test_the_command_line_ignores_proxy_variables_unless_configured(server, proxy_env, write_config, hypewatch_cmd):
    url = f"http://intranet.test:{port(server)}/page"
    direct = write_config("crawl: {retries: 0}\n")
    run = subprocess.run([*hypewatch_cmd, "--config", str(direct), "extract", url], capture_output=True, text=True)
    assert run.returncode == 1 and '"error": "http://intranet.test:' in run.stdout and proxy_env.requests == []
    # Asked for, the proxy is used: a URL typed by the user may be on the intranet.
    via_env = write_config("crawl: {retries: 0, proxy: env}\n", name="env.yaml")
    run = subprocess.run([*hypewatch_cmd, "--config", str(via_env), "extract", url], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "Hello from inside." in run.stdout and url in proxy_env.requests


# --- behind a configured proxy --------------------------------------------------------------------


def test_behind_a_proxy_a_name_that_does_not_resolve_here_is_refused(server, proxy):
    settings = FAST.model_copy(update={"proxy": proxy.url})
    for host in ("intranet.test", "localhost."):
        with pytest.raises(
            BlockedAddress,
            match=rf"refused: (cannot check {host} behind a proxy: it does not "
            rf"resolve here|host {host} resolves to non-public)",
        ):
            fetch(f"http://{host}:{port(server)}/page", settings)
    assert proxy.requests == [] and server.requests == []


def test_behind_a_proxy_an_allowed_source_goes_through_it(server, proxy):
    settings = FAST.model_copy(update={"proxy": proxy.url})
    assert fetch(server.url + "/page", settings, allow_private=True).body == PAGE.encode()
    intranet = f"http://intranet.test:{port(server)}/page"  # an intranet name only the proxy's DNS knows
    assert fetch(intranet, settings, allow_private=True).body == PAGE.encode()
    assert proxy.requests == [
        server.url + "/robots.txt",
        server.url + "/page",
        intranet.replace("/page", "/robots.txt"),
        intranet,
    ]
    assert server.paths() == ["/robots.txt", "/page", "/robots.txt", "/page"]


def test_a_redirect_behind_a_proxy_is_checked_here(server, proxy):
    # The configured feed is trusted; the intranet name it redirects to is not, and cannot be checked.
    server.routes["/feed"] = Reply(
        302, headers={"Location": f"http://intranet.test:{port(server)}/page"}, content_type=None
    )
    settings = FAST.model_copy(update={"proxy": proxy.url})

    async def run():
        async with Fetcher(settings, backoff_s=0.01) as fetcher:
            return await fetcher.fetch(server.url + "/feed", trusted=True, conditional=False)

    with pytest.raises(
        BlockedAddress,
        match=r"intranet\.test:\d+/page: refused: cannot check intranet\.test "
        r"behind a proxy: it does not resolve here \(linked from .*/feed\)",
    ):
        asyncio.run(run())
    assert all("intranet.test" not in url for url in proxy.requests)
    assert "/page" not in server.paths()


def test_proxy_env_follows_the_variables_and_no_proxy(server, proxy_env, monkeypatch):
    settings = FAST.model_copy(update={"proxy": "env"})
    fetch(server.url + "/page", settings, allow_private=True)
    assert proxy_env.requests == [server.url + "/robots.txt", server.url + "/page"]
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    fetch(server.url + "/page", settings, allow_private=True)
    assert len(proxy_env.requests) == 2 and server.paths().count("/page") == 2


def test_a_socks_proxy_from_the_environment_is_named_not_half_used(proxy_env, monkeypatch):
    monkeypatch.setenv("ALL_PROXY", "socks5://me:secret@127.0.0.1:1080")
    monkeypatch.delenv("HTTP_PROXY")
    with pytest.raises(
        ProxyError,
        match=r"^crawl\.proxy: env: all_proxy=socks5://me:\*\*\*@127\.0\.0\.1:1080 "
        r"is not an http\(s\) proxy$",
    ):
        Fetcher(FAST.model_copy(update={"proxy": "env"}))


@pytest.mark.parametrize(
    "value, error",
    [
        ("env", None),
        ("http://proxy.example:3128", None),
        ("socks5://proxy.example:1080", "must be env or an http(s) proxy URL"),
        ("proxy.example:3128", "must be env or an http(s) proxy URL"),
        ("http://me:secret@proxy.example:3128", "a password must not be in the file"),
    ],
)
def test_crawl_proxy_setting(value, error):
    text = f"crawl:\n  timeout_s: 5\n  proxy: {value!r}\n"
    if error is None:
        assert parse_config(text, base_dir=Path(".")).crawl.proxy == value
    else:
        with pytest.raises(ConfigError, match=rf"^config\.yaml:3: crawl\.proxy: {re.escape(error)}"):
            parse_config(text, base_dir=Path("."))


# --- private spellings, direct and behind a proxy ---------------------------------------------------

SPELLINGS = [
    "127.0.0.1",
    "LOCALHOST",
    "127.1",
    "0x7f.1",
    "2130706433",
    "[::ffff:127.0.0.1]",
    "0.0.0.0",
    "[::1]",
    "[fe80::1]",
    "localhost.",
]


@pytest.mark.parametrize("host", SPELLINGS)
@pytest.mark.parametrize("via_proxy", [False, True], ids=["direct", "proxy"])
def test_private_spellings_are_refused(server, proxy, host, via_proxy):
    settings = FAST.model_copy(update={"proxy": proxy.url if via_proxy else None})
    url = f"http://{host}:{port(server)}/page"
    # localhost. does not resolve on every machine: direct, the connection then fails by itself.
    expected = (BlockedAddress, ConnectionFailed) if host == "localhost." and not via_proxy else BlockedAddress
    with pytest.raises(expected):
        fetch(url, settings)
    assert proxy.requests == [] and server.requests == []


# --- DNS rebinding: the address checked is the address connected to -------------------------------


class Rebinding:
    """A resolver whose answer changes: `first` for the first `times` lookups, then `then`, or the
    real answer."""

    def __init__(self, first: list[str], times: int = 1, then: list[str] | None = None) -> None:
        self.first, self.times, self.then, self.lookups = first, times, then, 0

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups += 1
        if self.lookups <= self.times:
            return self.first
        return self.then if self.then is not None else await netguard.resolve(host, port)


@pytest.mark.parametrize("respect_robots", [False, True])
def test_a_name_rebound_to_loopback_after_the_check_is_refused(server, respect_robots):
    # Each check before the request sees a public address; the next lookup says 127.0.0.1. Without
    # the pin, httpx would look the name up again itself and reach the server.
    lookups_before_connecting = 2 if respect_robots else 1  # the page's check, then its robots.txt's
    resolver = Rebinding([PUBLIC], times=lookups_before_connecting)
    settings = FAST.model_copy(update={"respect_robots": respect_robots})
    url = f"http://localhost:{port(server)}/page"
    with pytest.raises(BlockedAddress, match=rf"^{url}: refused: host localhost resolves to non-public address"):
        fetch(url, settings, resolver=resolver)
    assert server.requests == []
    assert resolver.lookups == lookups_before_connecting + 1  # one lookup at the connection, then no retry


def test_the_connection_goes_to_the_address_that_was_checked():
    # Two servers on the same port: one at the checked address, one at what the name says next.
    with (
        CrawlServer({"/page": Reply(body="trap")}) as trap,
        CrawlServer({"/page": Reply(body=PAGE)}, host="127.0.0.2", port=port(trap)) as checked,
    ):
        resolver = Rebinding(["127.0.0.2"], times=1, then=["127.0.0.1"])
        seen: list[list[str]] = []

        def only_checked(host: str, addresses) -> str | None:
            seen.append(list(addresses))
            return None if list(addresses) == ["127.0.0.2"] else f"host {host} resolves to {', '.join(addresses)}"

        backend = netguard.GuardedBackend(resolver, only_checked)
        url = f"http://rebind.test:{port(trap)}/page"

        async def get() -> httpx.Response:
            async with httpx.AsyncClient(transport=pinned_transport(backend)) as client:
                return await client.get(url)

        response = asyncio.run(get())
        assert response.text == PAGE and checked.requests[0].headers["host"] == f"rebind.test:{port(trap)}"
        with pytest.raises(netguard.AddressRefused, match=r"^host rebind\.test resolves to 127\.0\.0\.1$"):
            asyncio.run(get())  # a new connection: looked up again, checked again, refused
        assert seen == [["127.0.0.2"], ["127.0.0.1"]] and resolver.lookups == 2
        assert trap.requests == []


def test_an_allowed_source_is_not_held_to_the_check(server):
    # allow_private skips the connection check too (a separate pool): an intranet feed still works.
    resolver = Rebinding([PUBLIC], times=1)
    assert fetch(server.url + "/page", allow_private=True, resolver=resolver).body == PAGE.encode()
    assert resolver.lookups == 0
    with pytest.raises(FetchError):
        fetch(server.url + "/page")  # and the same URL from a feed's link is refused


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")
def test_a_pinned_https_connection_still_verifies_the_name(tmp_path):
    # The certificate names pinned.test only (no IP): the handshake succeeds only if TLS is given
    # the name, not the address the guard connected to.
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=pinned.test",
            "-addext",
            "subjectAltName=DNS:pinned.test",
        ],
        check=True,
        capture_output=True,
    )
    server_names: list[str | None] = []
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    tls.sni_callback = lambda sock, name, context: server_names.append(name)
    with CrawlServer({"/page": Reply(body=PAGE)}) as server:
        server._server.socket = tls.wrap_socket(server._server.socket, server_side=True)
        backend = netguard.GuardedBackend(Rebinding(["127.0.0.1"], times=1), lambda host, addresses: None)
        trusting = ssl.create_default_context(cafile=str(cert))

        async def get(name: str) -> httpx.Response:
            async with httpx.AsyncClient(transport=pinned_transport(backend, trusting)) as client:
                return await client.get(f"https://{name}:{port(server)}/page")

        assert asyncio.run(get("pinned.test")).text == PAGE
        assert server_names == ["pinned.test"] and server.requests[0].headers["host"] == f"pinned.test:{port(server)}"
