"""Address safety: a link found in a feed must not make the crawler read internal services.

A hostile (or hijacked) feed can list `http://169.254.169.254/...` or a name that resolves to
`10.0.0.5`. Every URL the crawler follows is therefore checked: http/https only, and, unless the
source opts in, every address its host name resolves to must be a public one. `refusal` is the one
rule; it is applied twice:

- `why_blocked`, before a request (and before the host's robots.txt is asked), for a plain answer;
- `GuardedBackend`, when a connection is made: it resolves the name once, checks the addresses and
  connects to a checked one. A name whose DNS answers a public address to the first lookup and
  127.0.0.1 to the next (DNS rebinding) is thus refused rather than connected to.

Behind a proxy the proxy resolves the name, with its own DNS, which may know intranet names this
machine does not. The crawler can only check what the name resolves to here: a name that does not
resolve here is refused, one that resolves to a private address too. What the proxy's DNS answers
cannot be checked from here; that gap remains (see the README).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import urlsplit

import httpcore

from hypewatch.errors import HypewatchError

ALLOWED_SCHEMES = ("http", "https")

#: host, port -> its addresses; raises OSError (socket.gaierror) when it does not resolve
Resolver = Callable[[str, int], Awaitable[list[str]]]
#: host, addresses -> the reason to refuse them, or None
Rule = Callable[[str, Iterable[str]], str | None]


class AddressRefused(HypewatchError):
    """The guard refused to connect; the message says which host and why."""


def is_public_address(address: str) -> bool:
    """Whether `address` (IPv4 or IPv6) is a globally routable unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local)


async def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (an IP literal resolves to itself), in the order to try them."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refusal(host: str, addresses: Iterable[str]) -> str | None:
    """The reason not to connect to `host` at `addresses`, or None when all of them are public.

    One private address among public ones is enough to refuse, since a client may use any of them.
    """
    private = [a for a in addresses if not is_public_address(a)]
    if private:
        return f"host {host} resolves to non-public address {', '.join(private)}"
    return None


async def why_blocked(
    url: str, *, allow_private: bool = False, behind_proxy: bool = False, resolver: Resolver = resolve
) -> str | None:
    """The reason the crawler must not fetch `url`, or None when it may.

    Checks the scheme, then resolves the host and checks all its addresses. A host that does not
    resolve is not blocked when the crawler connects itself (the connection fails and says so),
    but is behind a proxy: the proxy's DNS would answer for it, unchecked.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return f"scheme {parts.scheme or '(none)'!r} is not http or https"
    if not parts.hostname:
        return "no host name"
    if allow_private:
        return None
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        return "invalid port"
    try:
        addresses = await resolver(parts.hostname, port)
    except (OSError, UnicodeError):
        if behind_proxy:
            return f"cannot check {parts.hostname} behind a proxy: it does not resolve here"
        return None
    return refusal(parts.hostname, addresses)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses the guard has checked.

    httpcore hands it the URL's host name; it resolves the name once, refuses it by `rule`, and
    connects to the checked addresses themselves, in order, so no second lookup can change them.
    TLS still verifies the name: httpcore passes it to `start_tls` as the server name.
    """

    def __init__(self, resolver: Resolver = resolve, rule: Rule = refusal) -> None:
        self._resolve = resolver
        self._rule = rule
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await self._resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        reason = self._rule(host, addresses)
        if reason:
            raise AddressRefused(reason)
        failure = httpcore.ConnectError(f"{host} resolves to no address")
        for address in addresses:
            try:
                return await self._backend.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused(f"unix socket {path}: the crawler connects over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)
