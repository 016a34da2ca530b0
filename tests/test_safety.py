"""Which addresses count as public (bot/feeds/safety.py), IPv6 forms that carry an IPv4
address included: 6to4, NAT64, Teredo, IPv4-compatible, mapped and translated."""

from __future__ import annotations

import ipaddress

import pytest

from bot.feeds.safety import check_public_url, connected_reason, embedded_ipv4, non_public_reason


def teredo(server: str, client: str) -> str:
    """A Teredo address (RFC 4380): 2001:0::/32, the server's IPv4, flags and port, then
    the client's IPv4 with every bit inverted."""
    value = (0x2001_0000 << 96) | (int(ipaddress.IPv4Address(server)) << 64)
    value |= 0x8000_63BF << 32  # flags, obfuscated port
    value |= int(ipaddress.IPv4Address(client)) ^ 0xFFFFFFFF
    return str(ipaddress.IPv6Address(value))


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("127.0.0.1", "127.0.0.1 is a loopback address"),
        ("10.1.2.3", "10.1.2.3 is a private address"),
        ("169.254.169.254", "169.254.169.254 is a private address"),  # and link-local
        ("100.64.0.1", "not a public address"),  # carrier-grade NAT
        ("::1", "::1 is a loopback address"),
        ("::", ":: is a private address"),
        ("fe80::1", "fe80::1 is a private address"),
        ("fd00::1", "fd00::1 is a private address"),
        # mapped
        ("::ffff:127.0.0.1", "an IPv4-mapped address for 127.0.0.1, a loopback address"),
        ("::ffff:169.254.169.254", "for 169.254.169.254, a private address"),
        # 6to4: the IPv4 in bits 16-48
        ("2002:7f00:1::", "a 6to4 address for 127.0.0.1, a loopback address"),
        ("2002:a9fe:a9fe::1", "a 6to4 address for 169.254.169.254, a private"),
        ("2002:c0a8:101:1::1", "a 6to4 address for 192.168.1.1, a private address"),
        # NAT64: the well-known prefix carries the IPv4 in the last 32 bits; local use is
        # refused whatever it carries
        ("64:ff9b::7f00:1", "a NAT64 address for 127.0.0.1, a loopback address"),
        ("64:ff9b::10.0.0.1", "a NAT64 address for 10.0.0.1, a private address"),
        ("64:ff9b:1::a9fe:a9fe", "64:ff9b:1::a9fe:a9fe is a local-use NAT64 address"),
        ("64:ff9b:1:7f00:0:100::", "a local-use NAT64 address"),  # RFC 6052's /48 layout
        ("64:ff9b:1::808:808", "a local-use NAT64 address"),
        # Teredo: the client's IPv4 inverted in the last 32 bits, the server's in 32-64
        (teredo("65.54.227.120", "127.0.0.1"), "a Teredo address for 127.0.0.1, a loopback"),
        (teredo("65.54.227.120", "192.168.0.7"), "a Teredo address for 192.168.0.7"),
        (teredo("10.0.0.1", "8.8.8.8"), "a Teredo address for 10.0.0.1, a private address"),
        (teredo("65.54.227.120", "8.8.8.8"), "is a Teredo tunnel address"),
        # IPv4-compatible (deprecated) and IPv4-translated (SIIT)
        ("::127.0.0.1", "an IPv4-compatible address for 127.0.0.1, a loopback address"),
        ("::169.254.169.254", "an IPv4-compatible address for 169.254.169.254"),
        ("::8.8.8.8", "::8.8.8.8 is a reserved address"),
        ("::ffff:0:127.0.0.1", "an IPv4-translated address for 127.0.0.1, a loopback"),
    ],
)
def test_non_public_addresses_are_refused_with_what_they_are(address, says):
    reason = non_public_reason(address)
    assert reason is not None and says in reason
    assert address in reason  # the address as the resolver or the socket gave it


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "93.184.215.14",
        "2606:4700:4700::1111",
        "::ffff:8.8.8.8",  # mapped: the IPv4 address itself
        "64:ff9b::8.8.8.8",  # DNS64/NAT64 on an IPv6-only network: an IPv4 site
        "2002:808:808::1",  # 6to4 of a public IPv4
    ],
)
def test_public_addresses_pass(address):
    assert non_public_reason(address) is None


def test_each_embedding_yields_its_ipv4():
    v4 = ipaddress.IPv4Address
    assert embedded_ipv4(ipaddress.IPv6Address("2002:c000:204::")) == [
        ("a 6to4 address", v4("192.0.2.4"))
    ]
    assert embedded_ipv4(ipaddress.IPv6Address("64:ff9b::c000:204")) == [
        ("a NAT64 address", v4("192.0.2.4"))
    ]
    client, server = embedded_ipv4(ipaddress.IPv6Address(teredo("192.0.2.1", "198.51.100.9")))
    assert (client[1], server[1]) == (v4("198.51.100.9"), v4("192.0.2.1"))
    assert embedded_ipv4(ipaddress.IPv6Address("2606:4700::1")) == []
    assert embedded_ipv4(ipaddress.IPv6Address("::1")) == []  # loopback itself, not 0.0.0.1


def test_the_connected_address_is_judged_the_same_way():
    """What a socket reached (httpcore's server_addr) goes through the same rules, so a
    name that resolves to 6to4 or NAT64 of 127.0.0.1 is refused after connecting too."""
    for address in ("2002:7f00:1::", "64:ff9b::7f00:1", "::ffff:127.0.0.1", "::127.0.0.1"):
        reason = connected_reason((address, 80, 0, 0), "news.example", frozenset())
        assert reason and "news.example connected to a non-public address" in reason
        assert "127.0.0.1, a loopback address" in reason
    assert connected_reason(("2606:4700::1111", 443, 0, 0), "news.example", frozenset()) is None
    # an allowed host is not checked at all
    assert connected_reason(("2002:7f00:1::", 80), "intranet", frozenset({"intranet"})) is None


def test_urls_naming_an_embedding_literal_are_refused():
    assert "a 6to4 address for 127.0.0.1" in check_public_url("http://[2002:7f00:1::]/feed")
    assert "a NAT64 address for 169.254.169.254" in check_public_url(
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/"
    )
    assert check_public_url("http://[2002:7f00:1::]/", frozenset({"[2002:7f00:1::]"})) is not None
    assert check_public_url("http://[2002:7f00:1::]/", frozenset({"2002:7f00:1::"})) is None
