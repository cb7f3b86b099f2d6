"""Address safety: a link found in a feed must not make the crawler read internal services.

A hostile (or hijacked) feed can list `http://169.254.169.254/...` or a name that resolves to
`10.0.0.5`. Every URL the crawler follows is therefore checked here first: http/https only, and,
unless the source opts in, every address its host name resolves to must be a public one.
"""
from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")


def is_public_address(address: str) -> bool:
    """Whether `address` (IPv4 or IPv6) is a globally routable unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local)


async def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (an IP literal resolves to itself)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


async def why_blocked(url: str, *, allow_private: bool = False) -> str | None:
    """The reason the crawler must not fetch `url`, or None when it may.

    Checks the scheme, then resolves the host and checks all its addresses: one private address
    among public ones is enough to refuse, since the client may connect to any of them.
    A host that does not resolve is not blocked here; the fetch itself reports it.
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
        addresses = await resolve(parts.hostname, port)
    except (socket.gaierror, UnicodeError):
        return None
    private = [a for a in addresses if not is_public_address(a)]
    if private:
        return f"host {parts.hostname} resolves to non-public address {', '.join(private)}"
    return None
