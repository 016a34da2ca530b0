"""A small HTTP/1.1 client for feed polling: GET only, keep-alive per host, asyncio streams.

A poller spends most cycles on unchanged feeds, where a request is all the work there is.
httpx and httpcore cost ~1 ms of CPU for a 304 (cancel scopes, locks, a general pool, h11
events, URL and header objects); this client does what a feed GET needs in a fraction of
that (bench/README.md): one request line and a few headers, a response head parsed in one
pass, bodies by Content-Length, chunks, or to the close. Limits (body size, redirects,
private addresses) stay with the caller, bot/feeds/fetch.py, which reads the body raw.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

MAX_HEAD = 64 * 1024  # a response head (status line and headers) longer than this is refused
MAX_CHUNK_LINE = 4096
NO_BODY = (204, 304)


class ProtocolError(Exception):
    """The server's answer is not HTTP/1.x as this client reads it."""


class ConnectTimeout(Exception):
    """No connection within the connect timeout."""


class ReadTimeout(Exception):
    """The server sent nothing for the read timeout."""


class ConnectError(Exception):
    """The connection could not be made (refused, unreachable, TLS failed)."""


@dataclass(frozen=True)
class Target:
    """Where a request goes: scheme, host (IDNA, lower case), port, and the request target."""

    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent on the request line

    @property
    def origin(self) -> tuple[str, str, int]:
        return self.scheme, self.host, self.port

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


@dataclass
class Response:
    """A response whose body has not been read yet (read it with aiter_raw, then aclose)."""

    status_code: int
    reason_phrase: str
    headers: dict[str, str]  # names in lower case; repeated headers joined with ", "
    server_addr: tuple | None
    _body: AsyncIterator[bytes] | None = None
    _release: object = field(default=None, repr=False)  # callable(reusable: bool)
    _done: bool = False

    async def aiter_raw(self, chunk_size: int) -> AsyncIterator[bytes]:
        """The body as it came (no decoding), in pieces of at most chunk_size bytes."""
        if self._body is not None:
            async for piece in self._body:
                yield piece
        self._finish(reusable=True)

    async def aclose(self) -> None:
        """Give the connection back when the body was read whole, else close it."""
        self._finish(reusable=False)

    def _finish(self, reusable: bool) -> None:
        if not self._done:
            self._done = True
            if self._release is not None:
                self._release(reusable)


class Connection:
    """One TCP (or TLS) connection to an origin, used for one request at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    def close(self) -> None:
        self.writer.close()

    @property
    def server_addr(self) -> tuple | None:
        return self.writer.get_extra_info("peername")


class Pool:
    """Idle keep-alive connections per origin. The caller limits how many requests run per
    host at a time (bot/feeds/fetch.py), so the pool only keeps what comes back."""

    def __init__(self, *, connect_timeout: float, read_timeout: float, max_idle_per_host: int):
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_idle = max_idle_per_host
        self._idle: dict[tuple[str, str, int], list[Connection]] = {}
        self._tls: ssl.SSLContext | None = None
        self.tls_context_factory = None  # () -> SSLContext, set by the caller for https

    async def aclose(self) -> None:
        idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    async def get(self, target: Target, headers: dict[str, str]) -> Response:
        """Send a GET; the response head read, the body left to the caller. A kept-alive
        connection the server had closed meanwhile is replaced once, transparently."""
        idle = self._idle.get(target.origin)
        while idle:
            connection = idle.pop()
            try:
                return await self._exchange(connection, target, headers)
            except (ConnectionError, asyncio.IncompleteReadError, _ClosedBeforeAnswer):
                connection.close()  # stale: the server closed it while it was idle
        connection = await self._connect(target)
        try:
            return await self._exchange(connection, target, headers)
        except _ClosedBeforeAnswer:
            connection.close()
            raise ProtocolError("the server closed the connection without answering") from None
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            connection.close()
            raise ProtocolError(f"the connection broke: {type(exc).__name__}") from None

    async def _connect(self, target: Target) -> Connection:
        tls = None
        if target.scheme == "https":
            if self._tls is None:
                self._tls = self.tls_context_factory() if self.tls_context_factory else None
                self._tls = self._tls or ssl.create_default_context()
            tls = self._tls
        try:
            async with asyncio.timeout(self.connect_timeout):
                reader, writer = await asyncio.open_connection(
                    target.host,
                    target.port,
                    ssl=tls,
                    server_hostname=target.host if tls else None,
                    limit=MAX_HEAD,
                )
        except TimeoutError:
            raise ConnectTimeout() from None
        except (ssl.SSLError, socket.gaierror) as exc:
            raise ConnectError(str(exc) or type(exc).__name__) from None
        except OSError as exc:  # the system's words, as the logs and `health` quote them
            words = f"[Errno {exc.errno}] {os.strerror(exc.errno)}" if exc.errno else str(exc)
            raise ConnectError(words or type(exc).__name__) from None
        return Connection(reader, writer)

    async def _exchange(self, connection: Connection, target: Target, headers: dict) -> Response:
        lines = [f"GET {target.path} HTTP/1.1", f"Host: {target.host_header}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        connection.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        try:
            async with asyncio.timeout(self.read_timeout):
                await connection.writer.drain()
                head = await connection.reader.readuntil(b"\r\n\r\n")
        except TimeoutError:
            connection.close()
            raise ReadTimeout() from None
        except asyncio.IncompleteReadError as exc:
            if not exc.partial:
                raise _ClosedBeforeAnswer() from None
            connection.close()
            raise ProtocolError("the answer ended inside its headers") from None
        except asyncio.LimitOverrunError:
            connection.close()
            raise ProtocolError(f"response headers longer than {MAX_HEAD} bytes") from None
        status, reason, fields, version = _parse_head(head, connection)
        keep_alive = _keep_alive(version, fields)
        try:
            body = self._body(connection, status, fields)
        except ProtocolError:
            connection.close()
            raise
        response = Response(status, reason, fields, connection.server_addr, body)

        def release(reusable: bool) -> None:
            if reusable and keep_alive and body_state["whole"]:
                self._put_back(target.origin, connection)
            else:
                connection.close()

        body_state = {"whole": status in NO_BODY or 100 <= status < 200}
        response._body = self._tracking(body, body_state) if body is not None else None
        response._release = release
        return response

    async def _tracking(self, body: AsyncIterator[bytes], state: dict) -> AsyncIterator[bytes]:
        async for piece in body:
            yield piece
        state["whole"] = True

    def _put_back(self, origin: tuple[str, str, int], connection: Connection) -> None:
        idle = self._idle.setdefault(origin, [])
        if len(idle) < self.max_idle and not connection.reader.at_eof():
            idle.append(connection)
        else:
            connection.close()

    def _body(self, connection: Connection, status: int, fields: dict) -> AsyncIterator | None:
        if status in NO_BODY or 100 <= status < 200:
            return None
        if "chunked" in fields.get("transfer-encoding", "").lower():
            return self._chunked(connection.reader)
        length = fields.get("content-length")
        if length is not None:
            if not length.strip().isdigit():
                raise ProtocolError(f"invalid Content-Length {length!r}")
            return self._sized(connection.reader, int(length))
        return self._to_close(connection.reader)

    async def _read(self, coroutine):
        try:
            async with asyncio.timeout(self.read_timeout):
                return await coroutine
        except TimeoutError:
            raise ReadTimeout() from None

    async def _sized(self, reader: asyncio.StreamReader, length: int) -> AsyncIterator[bytes]:
        left = length
        while left > 0:
            piece = await self._read(reader.read(min(left, 64 * 1024)))
            if not piece:
                raise ProtocolError(f"the body ended {left} bytes short of its Content-Length")
            left -= len(piece)
            yield piece

    async def _to_close(self, reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
        while piece := await self._read(reader.read(64 * 1024)):
            yield piece

    async def _chunked(self, reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
        while True:
            line = await self._read(reader.readline())
            if not line.endswith(b"\n") or len(line) > MAX_CHUNK_LINE:
                raise ProtocolError("a chunk of the body is cut or malformed")
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise ProtocolError(f"invalid chunk size {size_text[:20]!r}") from None
            if size == 0:
                while (trailer := await self._read(reader.readline())) not in (b"\r\n", b"\n"):
                    if not trailer:
                        raise ProtocolError("the body ended inside its trailers")
                return
            left = size
            while left > 0:
                piece = await self._read(reader.read(min(left, 64 * 1024)))
                if not piece:
                    raise ProtocolError("the body ended inside a chunk")
                left -= len(piece)
                yield piece
            if await self._read(reader.readline()) not in (b"\r\n", b"\n"):
                raise ProtocolError("a chunk of the body is not followed by its line end")


class _ClosedBeforeAnswer(Exception):
    """The connection closed before any byte of an answer (a stale keep-alive)."""


def _parse_head(head: bytes, connection: Connection) -> tuple[int, str, dict[str, str], str]:
    try:
        text = head.decode("latin-1")
        status_line, *header_lines = text[:-4].split("\r\n")
        version, _, rest = status_line.partition(" ")
        code, _, reason = rest.partition(" ")
        if not version.startswith("HTTP/1.") or len(code) != 3 or not code.isdigit():
            raise ValueError(status_line[:80])
        fields: dict[str, str] = {}
        for line in header_lines:
            name, colon, value = line.partition(":")
            if not colon or not name or name != name.strip():
                raise ValueError(line[:80])
            name, value = name.lower(), value.strip()
            fields[name] = f"{fields[name]}, {value}" if name in fields else value
    except ValueError as exc:
        connection.close()
        raise ProtocolError(f"not an HTTP/1.x answer: {exc}") from None
    return int(code), reason.strip(), fields, version


def _keep_alive(version: str, fields: dict[str, str]) -> bool:
    tokens = {t.strip().lower() for t in fields.get("connection", "").split(",")}
    if "close" in tokens:
        return False
    return version != "HTTP/1.0" or "keep-alive" in tokens
