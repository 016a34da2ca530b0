"""Is a URL safe to fetch on a user's behalf? Feeds added from outside feeds.yaml (OPML
imports, chat commands) and the article pages of `full_text` feeds (their links are the
publisher's choice, not the operator's) must not reach loopback, private or link-local
addresses, unless their host is in `allow_private_hosts`.

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

# IPv6 prefixes whose addresses carry an IPv4 address (embedded_ipv4).
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix: the IPv4 itself
NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215 local use
SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")  # RFC 3056: the site's IPv4, bits 16-48
TEREDO = ipaddress.IPv6Network("2001::/32")  # RFC 4380: server and (inverted) client IPv4
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # RFC 4291, deprecated: ::a.b.c.d
IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # RFC 2765 (SIIT)


def non_public_reason(address: str) -> str | None:
    """Why an IP address is not a public one, or None when it is.

    An IPv6 address that carries an IPv4 address (mapped ::ffff:a.b.c.d, NAT64
    64:ff9b::/96 and 64:ff9b:1::/48, 6to4 2002::/16, Teredo 2001::/32, IPv4-compatible
    ::a.b.c.d, SIIT ::ffff:0:a.b.c.d) is refused when that IPv4 is not public: a relay
    or translator would deliver the request there. Mapped and well-known NAT64 addresses
    stand for their IPv4 address, so a public one passes (IPv6-only networks with DNS64
    reach IPv4 sites that way). Teredo tunnels and local-use NAT64 (a private network's
    translator) are refused whatever they carry; 6to4, IPv4-compatible and SIIT forms
    are then judged as IPv6 addresses (the deprecated ::a.b.c.d is refused as reserved)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        for form, ipv4 in embedded_ipv4(ip):
            what = _what(ipv4)
            if what:
                return f"{address} is {form} for {ipv4}, {what}"
        if ip.ipv4_mapped or ip in NAT64:
            return None  # the IPv4 address itself, public: checked above
        if ip in TEREDO:
            return f"{address} is a Teredo tunnel address"
        if ip in NAT64_LOCAL:
            return f"{address} is a local-use NAT64 address"
    what = _what(ip)
    return f"{address} is {what}" if what else None


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[tuple[str, ipaddress.IPv4Address]]:
    """The IPv4 addresses an IPv6 address carries, each with the name of its form.
    (Local-use NAT64 is not read: where it puts the IPv4 depends on the prefix length
    the network chose, and non_public_reason refuses it whole.)"""
    value = int(ip)
    low32 = ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if ip.ipv4_mapped:
        return [("an IPv4-mapped address", ip.ipv4_mapped)]
    if ip in NAT64:
        return [("a NAT64 address", low32)]
    if ip in SIX_TO_FOUR:
        return [("a 6to4 address", ip.sixtofour)]
    if ip in TEREDO:
        server, client = ip.teredo
        return [("a Teredo address", client), ("a Teredo address", server)]
    if ip in IPV4_TRANSLATED:
        return [("an IPv4-translated address", low32)]
    if ip in IPV4_COMPATIBLE and value > 1:  # not :: or ::1, which are themselves
        return [("an IPv4-compatible address", low32)]
    return []


def _what(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """What kind of non-public address ip is ("a loopback address"), None when public."""
    for label in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{label}"):
            label = label.replace("_", "-")
            return f"{'an' if label[0] in 'aeiou' else 'a'} {label} address"
    return None if ip.is_global else "not a public address"


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
