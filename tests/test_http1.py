"""The feed client's HTTP/1.1 (bot/feeds/http1.py) against a real socket server that
answers exactly what each test scripts: bodies by length, by chunks and to the close,
kept-alive connections reused, stale ones replaced, broken answers named, TLS verified."""

from __future__ import annotations

import asyncio
import socket
import ssl
import subprocess
import threading

import pytest

from bot.errors import FetchError
from bot.feeds.fetch import Fetcher, FetchLimits

LIMITS = FetchLimits(connect_timeout=5, read_timeout=3, max_bytes=200_000)


class ScriptedServer:
    """Answers the n-th request with answers[n] (bytes; `None` closes without answering);
    closes a connection after an answer when close_after says so. Counts connections."""

    def __init__(self, answers, close_after=lambda n: False, tls: ssl.SSLContext | None = None):
        self.answers, self.close_after, self.tls = list(answers), close_after, tls
        self.requests: list[bytes] = []
        self.connections = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def url(self, path="/feed", scheme="http"):
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _connection(self, conn):
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            buffer = b""
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                n = len(self.requests)
                self.requests.append(head)
                answer = self.answers[n] if n < len(self.answers) else None
                if answer is None:
                    return
                conn.sendall(answer)
                if self.close_after(n):
                    return
        except (OSError, ssl.SSLError):
            return
        finally:
            conn.close()

    def close(self):
        self.sock.close()


def fetch_all(urls, **kwargs):
    async def go():
        async with Fetcher(LIMITS) as fetcher:
            return [await fetcher.fetch(url, **kwargs) for url in urls]

    return asyncio.run(go())


def ok(body: bytes, extra: str = "") -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n{extra}"
    return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


NOT_MODIFIED = b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\n\r\n'


def test_kept_alive_connection_serves_the_next_requests():
    server = ScriptedServer([ok(b"<rss>one</rss>", 'ETag: "v1"\r\n'), NOT_MODIFIED, NOT_MODIFIED])
    first, second, third = fetch_all([server.url()] * 3, etag='"v1"')
    assert first.body == b"<rss>one</rss>" and first.etag == '"v1"'
    assert second.not_modified and third.not_modified
    assert server.connections == 1
    assert b'If-None-Match: "v1"' in server.requests[1]
    assert b"Host: 127.0.0.1:" in server.requests[0] and b"GET /feed HTTP/1.1" in server.requests[0]
    server.close()


def test_chunked_and_close_delimited_bodies():
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\n<rss>\r\n7;ext=1\r\nchunked\r\n6\r\n</rss>\r\n0\r\nX-Trailer: y\r\n\r\n"
    )
    to_close = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n<rss>until the end</rss>"
    server = ScriptedServer([chunked, to_close], close_after=lambda n: n == 1)
    first, second = fetch_all([server.url()] * 2)
    assert first.body == b"<rss>chunked</rss>"
    assert second.body == b"<rss>until the end</rss>"
    assert server.connections == 1  # the chunked answer left the connection reusable
    server.close()


def test_a_connection_the_server_closed_while_idle_is_replaced():
    server = ScriptedServer([ok(b"<rss>a</rss>"), ok(b"<rss>b</rss>")], close_after=lambda n: True)
    first, second = fetch_all([server.url()] * 2)
    assert (first.body, second.body) == (b"<rss>a</rss>", b"<rss>b</rss>")
    assert server.connections == 2
    server.close()


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (b"SPDY/3 200 OK\r\n\r\n", "bad answer: not an HTTP/1.x answer"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n<rss>", "short of its Content-Length"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: many\r\n\r\n", "invalid Content-Length"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "invalid chunk size"),
        (None, "closed the connection without answering"),
    ],
)
def test_broken_answers_are_named(answer, message):
    server = ScriptedServer([answer], close_after=lambda n: True)
    with pytest.raises(FetchError, match=message):
        fetch_all([server.url()])
    server.close()


def test_redirect_hops_are_followed_on_the_same_client():
    moved = b"HTTP/1.1 301 Moved\r\nLocation: /new?x=1\r\nContent-Length: 0\r\n\r\n"
    server = ScriptedServer([moved, ok(b"<rss>new</rss>")])
    (result,) = fetch_all([server.url("/old")])
    assert result.body == b"<rss>new</rss>"
    assert result.moved_to == server.url("/new?x=1")
    assert b"GET /new?x=1 HTTP/1.1" in server.requests[1]
    server.close()


def test_https_verifies_certificates_and_plain_http_loads_no_tls(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ScriptedServer([ok(b"<rss/>")] * 2, tls=context)

    async def go():
        async with Fetcher(LIMITS) as fetcher:
            plain = ScriptedServer([ok(b"<rss/>")])
            await fetcher.fetch(plain.url())
            assert fetcher._pool._tls is None  # no certificate bundle loaded for plain http
            plain.close()
            with pytest.raises(FetchError, match=r"cannot connect: .*CERTIFICATE_VERIFY_FAILED"):
                await fetcher.fetch(server.url(scheme="https"))
            tls = fetcher._pool._tls
            assert tls.check_hostname and tls.verify_mode == ssl.CERT_REQUIRED

    asyncio.run(go())
    server.close()
