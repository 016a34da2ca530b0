"""Is a URL safe to fetch on a user's behalf? Feeds added from outside feeds.yaml (OPML
imports, chat commands) must not reach loopback, private or link-local addresses.

Two checks, because one is not enough: before a request the host's addresses are
resolved and every one must be public (so no request is ever sent to an internal
address in the normal case); after connecting, the address the connection actually
reached is checked again (a DNS answer that changes between the two, "DNS rebinding",
is caught there and the answer is thrown away unread). Every redirect hop is a new
host and gets both checks (bot/feeds/fetch.py).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit


def non_public_reason(address: str) -> str | None:
    """Why an IP address is not a public one, or None when it is."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for label in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{label}"):
            return f"{ip} is a {label.replace('_', '-')} address"
    if not ip.is_global:
        return f"{ip} is not a public address"
    return None


def check_public_url(url: str, allowed_hosts: frozenset[str] = frozenset()) -> str | None:
    """None when the URL may be fetched; otherwise the reason it may not."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return "only http and https URLs are allowed"
    host = (parts.hostname or "").lower()
    if not host:
        return "the URL has no host"
    if host in allowed_hosts:
        return None
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        return f"cannot resolve {host}: {exc}"
    return _non_public_answer(host, infos)


async def resolve_public(host: str, port: int, allowed_hosts: frozenset[str]) -> str | None:
    """None when every address `host` resolves to is public (or the host is allowed);
    otherwise the reason. Resolved by the event loop, so nothing blocks."""
    host = host.lower().strip("[]")
    if host in allowed_hosts:
        return None
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        return f"cannot resolve {host}: {exc}"
    return _non_public_answer(host, infos)


def connected_reason(server_addr: object, host: str, allowed_hosts: frozenset[str]) -> str | None:
    """Why the address a connection reached (httpcore's `server_addr`, a (ip, port)
    tuple) is not acceptable for `host`, or None. Unknown addresses are refused: a check
    that cannot be made is not passed."""
    if host.lower().strip("[]") in allowed_hosts:
        return None
    if not isinstance(server_addr, tuple) or not server_addr:
        return f"{host}: the connected address could not be checked"
    try:
        reason = non_public_reason(str(server_addr[0]))
    except ValueError:
        return f"{host}: the connected address {server_addr[0]!r} is not an IP address"
    return f"{host} connected to a non-public address ({reason})" if reason else None


def _non_public_answer(host: str, infos) -> str | None:
    """The reason the first non-public address among getaddrinfo's answers is refused."""
    for info in infos:
        reason = non_public_reason(info[4][0])
        if reason:
            return f"{host} resolves to a non-public address ({reason})"
    return None
