"""Is a URL safe to fetch on a user's behalf? Feeds added from outside feeds.yaml (OPML
imports, chat commands) must not reach loopback, private or link-local addresses."""

from __future__ import annotations

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
    for info in infos:
        reason = non_public_reason(info[4][0])
        if reason:
            return f"{host} resolves to a non-public address ({reason})"
    return None
