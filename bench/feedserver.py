"""The feed server of the poll benchmark: asyncio, one listening socket per loopback address.

It runs in its own process (`start`), generates the feeds itself (so the client process
never holds them), answers GET/HEAD with ETag and Last-Modified, and 304 to a matching
If-None-Match or If-Modified-Since. HTTP/1.1 keep-alive, no chunking, no compression.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import multiprocessing
import resource
import socket
import time
from collections import Counter
from datetime import datetime
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

from synthfeeds import FeedDoc, build_feeds

MAX_HEAD = 16 * 1024  # a request head longer than this is refused
MAX_PIPELINED = 64  # requests handled per read, at most
PORT_TRIES = 20  # attempts at one port free on every address
READY_TIMEOUT = 300.0  # seconds the parent waits for the feeds to be generated
STOP_TIMEOUT = 15.0


def host_for(index: int, hosts: int) -> str:
    """The loopback address that serves feed `index`."""
    return f"127.0.0.{2 + index % hosts}"


def feed_path(index: int, count: int) -> str:
    """The URL path of feed `index` (zero-padded to at least four digits)."""
    return f"/feeds/{index:0{max(4, len(str(count - 1)))}d}.xml"


def bind_all(addresses: list[str]) -> tuple[int, list[socket.socket]]:
    """One listening socket per address, all on the same port; OSError names the culprit."""
    for _ in range(PORT_TRIES):
        sockets: list[socket.socket] = []
        port = 0
        try:
            for address in addresses:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sockets.append(sock)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    sock.bind((address, port))
                except OSError as exc:
                    exc.strerror = f"{address}:{port}: {exc.strerror}"
                    raise
                sock.listen(1024)
                sock.setblocking(False)
                port = sock.getsockname()[1]
            return port, sockets
        except OSError as exc:
            for sock in sockets:
                sock.close()
            if exc.errno != errno.EADDRINUSE or port == 0:
                raise  # the address itself cannot be bound: retrying will not help
    raise OSError(errno.EADDRINUSE, f"no port free on all {len(addresses)} addresses")


class FeedProtocol(asyncio.Protocol):
    """HTTP/1.1 for the feeds: just enough of it, fast."""

    def __init__(self, feeds: dict[str, FeedDoc], stats: Counter):
        self.feeds = feeds
        self.stats = stats
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.stats["connections"] += 1

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        for _ in range(MAX_PIPELINED):
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            if not self.respond(head):
                self.transport.close()
                return
        if len(self.buffer) > MAX_HEAD:
            self.send(431, b"request head too large\n", [], keep_alive=False, head_only=False)
            self.transport.close()

    def respond(self, head: bytes) -> bool:
        """Answer one request; False when the connection is to be closed."""
        lines = head.decode("latin-1").split("\r\n")
        request = lines[0].split(" ")
        if len(request) != 3:
            self.send(400, b"bad request\n", [], keep_alive=False, head_only=False)
            return False
        method, target, version = request
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        connection = headers.get("connection", "").lower()
        keep_alive = "close" not in connection and (
            version == "HTTP/1.1" or "keep-alive" in connection
        )
        if method not in ("GET", "HEAD"):
            self.send(405, b"method not allowed\n", [], keep_alive=False, head_only=False)
            return False
        feed = self.feeds.get(target.split("?", 1)[0])
        if feed is not None and "?" in target:  # bench/scaleout.py: requests per feed and run
            self.stats[f"GET {target}"] += 1
        if feed is None:
            self.send(404, b"not found\n", [], keep_alive, method == "HEAD")
            return keep_alive
        validators = [f"ETag: {feed.etag}", f"Last-Modified: {feed.last_modified}"]
        if not_modified(feed, headers):
            self.send(304, b"", validators, keep_alive, head_only=True)
        else:
            validators.append("Content-Type: application/rss+xml; charset=utf-8")
            self.send(200, feed.body, validators, keep_alive, method == "HEAD")
        return keep_alive

    def send(self, status: int, body: bytes, extra: list[str], keep_alive: bool, head_only: bool):
        """Write a response: status line, headers, and the body unless `head_only`."""
        self.stats[status] += 1
        lines = [
            f"HTTP/1.1 {status} {REASONS[status]}",
            f"Date: {http_date()}",
            "Server: bench-feeds",
            *extra,
            f"Connection: {'keep-alive' if keep_alive else 'close'}",
        ]
        if status != 304:
            lines.append(f"Content-Length: {len(body)}")
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        if body and not head_only:
            self.transport.write(body)
            self.stats["body_bytes"] += len(body)


REASONS = {
    200: "OK",
    304: "Not Modified",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    431: "Request Header Fields Too Large",
}
_date_cache = [0, ""]


def http_date() -> str:
    """The Date header value, formatted once a second."""
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache[:] = [now, formatdate(now, usegmt=True)]
    return _date_cache[1]


def not_modified(feed: FeedDoc, headers: dict[str, str]) -> bool:
    """RFC 9110: If-None-Match decides when present; else If-Modified-Since."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or feed.etag in tags
    since = headers.get("if-modified-since")
    if not since:
        return False
    if since == feed.last_modified:
        return True
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if when.tzinfo is None:
        return False
    return when >= feed.last_modified_at


async def _serve(sockets, feeds: dict[str, FeedDoc], conn, lifetime: float) -> Counter:
    """Serve until the parent says stop (or goes away), or `lifetime` seconds pass."""
    loop = asyncio.get_running_loop()
    stats: Counter = Counter()
    stop = asyncio.Event()
    servers = [
        await loop.create_server(lambda: FeedProtocol(feeds, stats), sock=sock, backlog=1024)
        for sock in sockets
    ]
    loop.add_reader(conn.fileno(), stop.set)  # a message or EOF from the parent
    loop.call_later(lifetime, stop.set)
    conn.send({"ready": True})
    await stop.wait()
    loop.remove_reader(conn.fileno())
    for server in servers:
        server.close()
    return stats


def _main(
    conn, count: int, items: int, hosts: int, seed: int, sample: Path, lifetime: float,
    workload: str,
):  # fmt: skip
    """The server process: bind, generate, report ready, serve, report stats."""
    addresses = [host_for(i, hosts) for i in range(hosts)]
    try:
        port, sockets = bind_all(addresses)
    except OSError as exc:
        conn.send({"error": f"cannot listen on the loopback addresses: {exc}"})
        return
    started = time.perf_counter()
    docs = build_feeds(count, items, seed, datetime.now().astimezone(), workload)
    feeds = {feed_path(i, count): doc for i, doc in enumerate(docs)}
    if docs:
        sample.parent.mkdir(parents=True, exist_ok=True)
        sample.write_bytes(docs[0].body)
    conn.send(
        {
            "port": port,
            "addresses": len(addresses),
            "generate_seconds": round(time.perf_counter() - started, 2),
            "feed_bytes": sum(len(d.body) for d in docs),
            "items": sum(d.items for d in docs),
            "topic_items": sum(d.topic_items for d in docs),
            "spanish_items": sum(d.spanish_items for d in docs),
            "undeclared_feeds": sum(not d.language for d in docs),
        }
    )
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    stats = asyncio.run(_serve(sockets, feeds, conn, lifetime))
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    stats["cpu_seconds"] = round(
        cpu.ru_utime + cpu.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime, 2
    )
    with contextlib.suppress(OSError):  # the parent may be gone already
        if conn.poll(0):
            conn.recv()
        conn.send({"stats": {str(k): v for k, v in stats.items()}})


class FeedServer:
    """The server process, seen from the benchmark: start, URLs, stop (with its stats)."""

    def __init__(
        self, count: int, items: int, hosts: int, seed: int, sample: Path, lifetime,
        workload: str = "real",
    ):  # fmt: skip
        self.count, self.hosts = count, hosts
        self.conn, self._child = multiprocessing.Pipe()
        args = (self._child, count, items, hosts, seed, sample, lifetime, workload)
        self.process = multiprocessing.Process(target=_main, args=args, daemon=True)
        self.info: dict = {}

    def start(self) -> dict:
        """Start the process; wait until it serves. RuntimeError when it cannot."""
        self.process.start()
        self._child.close()  # so that a crashed server reads as EOF here
        for _ in range(2):  # first "port and feed facts", then "ready"
            if not self.conn.poll(READY_TIMEOUT):
                raise RuntimeError(f"the feed server did not start in {READY_TIMEOUT:.0f}s")
            try:
                message = self.conn.recv()
            except EOFError:
                raise RuntimeError("the feed server died while starting") from None
            if "error" in message:
                raise RuntimeError(message["error"])
            self.info.update(message)
        return self.info

    def url(self, index: int) -> str:
        """The URL of feed `index`."""
        host = host_for(index, self.hosts)
        return f"http://{host}:{self.info['port']}{feed_path(index, self.count)}"

    def stop(self) -> dict:
        """Stop the process; its request counts and CPU seconds (empty if it did not say)."""
        stats = {}
        with contextlib.suppress(OSError, EOFError):
            self.conn.send("stop")
            if self.conn.poll(STOP_TIMEOUT):
                stats = self.conn.recv().get("stats", {})
        self.process.join(STOP_TIMEOUT)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(STOP_TIMEOUT)
        return stats
