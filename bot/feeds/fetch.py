"""HTTP for feeds: keep-alive connections per host, polite limits, conditional GET, hard size caps.

The body is read raw and decompressed here, in bounded steps, so that a gzip bomb is
stopped at the size cap instead of being inflated in memory first.
"""

from __future__ import annotations

import asyncio
import email.utils
import re
import ssl
import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import certifi

from bot import USER_AGENT
from bot.durations import format_duration
from bot.errors import FetchError
from bot.feeds import http1
from bot.feeds.http1 import Response, Target
from bot.feeds.safety import connected_reason, resolve_public

CHUNK = 64 * 1024
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
# Bodies of these types are never feeds; refusing them early saves reading them.
NOT_FEED_TYPES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip")
PERMANENT_REDIRECTS = (301, 308)
REDIRECTS = (301, 302, 303, 307, 308)
MAX_RETRY_AFTER = 24 * 3600.0
# A URL as most feeds' are written: lower-case http(s), a host of letters, digits, dots
# and hyphens, perhaps a port, then printable ASCII. _parse_url splits it here (~8 µs of
# urlsplit a request otherwise); anything else goes through urlsplit and httpx
# (tests/test_poll_http.py holds the two to the same answers).
_PLAIN_URL = re.compile(r"(https?)://([A-Za-z0-9.-]+)(?::([0-9]+))?([/?][!-\"$-~]*)?(?:#[!-~]*)?")


@dataclass(frozen=True)
class FetchLimits:
    max_concurrency: int = 20
    per_host: int = 2
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    # Hosts that feeds added from outside feeds.yaml, and the article pages of full_text
    # feeds, may use although they are not public.
    allow_private_hosts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FetchResult:
    """A successful answer: 200 with a body, or 304 Not Modified (empty body)."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    final_url: str = ""
    moved_to: str | None = None  # set when every redirect hop was permanent (301/308)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class Fetcher:
    """Fetches feed URLs within global and per-host concurrency limits.

    Requests go through bot/feeds/http1.py, a GET-only HTTP/1.1 client that keeps
    connections alive per host: httpx and httpcore cost ~1 ms of CPU for a 304, most of a
    re-poll of unchanged feeds (bench/README.md). Redirects are followed here, each hop
    checked like the first. The TLS context is made when the first https URL comes.
    """

    def __init__(self, limits: FetchLimits = FetchLimits()):
        self.limits = limits
        self._global = asyncio.Semaphore(limits.max_concurrency)
        self._hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(limits.per_host)
        )
        self._pool = http1.Pool(
            connect_timeout=limits.connect_timeout,
            read_timeout=limits.read_timeout,
            max_idle_per_host=limits.per_host,
        )
        self._pool.tls_context_factory = _tls_context

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._pool.aclose()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        public_only: bool = False,
    ) -> FetchResult:
        """GET url conditionally; FetchError says why when there is no usable answer.

        public_only (feeds from OPML or a chat, every full-text page): every hop must
        resolve to and connect to public addresses, unless its host is in
        limits.allow_private_hosts (bot/feeds/safety.py)."""
        current, target = _parse_url(url)  # FetchError when it is not an http(s) URL
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": FEED_ACCEPT,
            "Accept-Encoding": "gzip, deflate",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        # A whole-request deadline: read timeouts reset on every chunk, a slow drip would not.
        deadline = self.limits.connect_timeout + 2 * self.limits.read_timeout
        async with self._hosts[target.host], self._global:
            try:
                async with asyncio.timeout(deadline):
                    return await self._get(current, target, headers, public_only)
            except TimeoutError:
                raise FetchError(
                    f"gave up after {format_duration(deadline)} (server too slow)"
                ) from None
            except http1.ConnectTimeout:
                raise FetchError(
                    f"connect timed out after {format_duration(self.limits.connect_timeout)}"
                ) from None
            except http1.ReadTimeout:
                raise FetchError(
                    f"read timed out after {format_duration(self.limits.read_timeout)}"
                ) from None
            except http1.ConnectError as exc:
                raise FetchError(f"cannot connect: {exc or type(exc).__name__}") from None
            except http1.ProtocolError as exc:
                raise FetchError(f"bad answer: {exc}") from None

    async def _get(
        self, url: str, target: Target, headers: dict[str, str], public_only: bool
    ) -> FetchResult:
        response, final_url, all_permanent = await self._follow(url, target, headers, public_only)
        try:
            status = response.status_code
            moved_to = final_url if all_permanent else None
            if status == 304:
                # Reading the (empty) body lets the pool keep the connection for the next
                # feed of this host; an unread response closes it.
                await _read_capped(response, CHUNK)
                return FetchResult(304, final_url=final_url, moved_to=moved_to)
            if status >= 400 or status < 200 or status in (204, 205):
                raise _status_error(response)
            content_type = response.headers.get("content-type")
            if content_type and content_type.lower().startswith(NOT_FEED_TYPES):
                raise FetchError(f"not a feed: the server sent {content_type.split(';')[0]}")
            body = await _read_capped(response, self.limits.max_bytes)
            return FetchResult(
                status=status,
                body=body,
                content_type=content_type,
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                final_url=final_url,
                moved_to=moved_to,
            )
        finally:
            await response.aclose()

    async def _follow(
        self, current: str, target: Target, headers: dict[str, str], public_only: bool = False
    ) -> tuple[Response, str, bool]:
        """The first answer that is not a redirect, its URL, and whether every hop before
        it was permanent (True when there was at least one hop and all were 301/308)."""
        hops: list[int] = []
        while True:
            if public_only:
                await self._check_host(target)
            response = await self._pool.get(target, headers)
            if public_only:
                await self._check_connected(response, target)
            location = response.headers.get("location")
            if response.status_code not in REDIRECTS or not location:
                return response, current, bool(hops) and set(hops) <= set(PERMANENT_REDIRECTS)
            await response.aclose()
            hops.append(response.status_code)
            if len(hops) > self.limits.max_redirects:
                raise FetchError(
                    f"more than {self.limits.max_redirects} redirects (a redirect loop?)"
                )
            current, target = _parse_url(location, base=current)

    async def _check_host(self, target: Target) -> None:
        allowed = self.limits.allow_private_hosts
        reason = await resolve_public(target.host, target.port, allowed)
        if reason:
            raise FetchError(f"refused: {reason}")

    async def _check_connected(self, response: Response, target: Target) -> None:
        """The address the connection reached, checked again: DNS may have changed its
        answer since _check_host (rebinding). The answer is closed unread."""
        server_addr = response.server_addr[:2] if response.server_addr else None
        reason = connected_reason(server_addr, target.host, self.limits.allow_private_hosts)
        if reason:
            await response.aclose()
            raise FetchError(f"refused: {reason}")


def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())


def _parse_url(text: str, base: str | None = None) -> tuple[str, Target]:
    """An absolute http(s) URL (joined to `base` for a redirect) and where it goes, or
    FetchError naming what is wrong with it. Plain ASCII URLs are split as they are;
    others (spaces, non-ASCII paths, internationalized hosts) are normalized by httpx."""
    try:
        joined = urljoin(base, text.strip()) if base is not None else text.strip()
    except ValueError as exc:  # a redirect to "http://[]": the server's fault, said so
        raise FetchError(f"invalid URL {text!r}: {exc}") from None
    if (plain := _PLAIN_URL.fullmatch(joined)) and (target := _plain_target(*plain.groups())):
        return joined.split("#", 1)[0], target
    try:
        if not joined.isascii() or " " in joined:
            joined = _normalized(joined)
        parts = urlsplit(joined)
        scheme, host, port = parts.scheme.lower(), (parts.hostname or ""), parts.port
    except (ValueError, UnicodeError) as exc:
        raise FetchError(f"invalid URL {text!r}: {exc}") from None
    if scheme not in ("http", "https") or not host:
        what = (
            "redirected to a URL that is not http(s)" if base is not None else "not an http(s) URL"
        )
        raise FetchError(f"{what}: {text!r}")
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    default = 443 if scheme == "https" else 80
    return joined.split("#", 1)[0], Target(scheme, host, port or default, path)


def _plain_target(scheme: str, host: str, port: str | None, rest: str | None) -> Target | None:
    """Where a plainly written URL goes, as urlsplit would split it (None: a port out of
    range, which the general path refuses)."""
    number = int(port) if port else 0
    if number > 65535:
        return None
    path, _, query = (rest or "").partition("?")
    default = 443 if scheme == "https" else 80
    return Target(
        scheme, host.lower(), number or default, (path or "/") + (f"?{query}" if query else "")
    )


def _normalized(url: str) -> str:
    """A URL with spaces or non-ASCII characters as httpx sends it (percent-encoded path,
    IDNA host); ValueError when httpx refuses it."""
    # httpx on first use: most feed URLs are plain ASCII, and its import (~15 ms) was a
    # share of every short `poll` process's start.
    import httpx

    try:
        return str(httpx.URL(url))
    except httpx.InvalidURL as exc:
        raise ValueError(str(exc)) from None


def _status_error(response: Response) -> FetchError:
    status = response.status_code
    reason = response.reason_phrase or ""
    retry_after = None
    if status in (429, 503):
        retry_after = parse_retry_after(response.headers.get("retry-after"))
    message = f"HTTP {status} {reason}".strip()
    if status == 410:
        message += " (the feed was removed)"
    if retry_after is not None:
        message += f"; server asks to wait {format_duration(retry_after)}"
    return FetchError(message, status=status, retry_after=retry_after)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds (delta-seconds or HTTP date), capped at a day."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


async def _read_capped(response: Response, max_bytes: int) -> bytes:
    """Read and decompress the body, never holding more than max_bytes of either form."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"too large: {int(declared)} bytes declared, the limit is {max_bytes}")
    decoder = _decoder(response.headers.get("content-encoding", ""))
    out = bytearray()
    received = 0
    async for chunk in response.aiter_raw(CHUNK):
        received += len(chunk)
        if received > max_bytes:
            raise FetchError(f"too large: more than {max_bytes} bytes")
        out += decoder(chunk, max_bytes - len(out))
    out += decoder(b"", max_bytes - len(out))
    return bytes(out)


def _decoder(encoding: str):
    """A function (chunk, room) → decoded bytes that refuses to produce more than room."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return lambda chunk, room: _check_room(chunk, room)
    if encoding in ("gzip", "x-gzip", "deflate"):
        # 47: gzip or zlib header, detected; raw deflate (a common server bug) falls back below.
        state = {"d": zlib.decompressobj(47), "raw_tried": False}

        def decode(chunk: bytes, room: int) -> bytes:
            try:
                data = state["d"].decompress(chunk, room + 1)
            except zlib.error:
                if encoding != "deflate" or state["raw_tried"]:
                    raise FetchError(f"corrupt {encoding} body") from None
                state["d"], state["raw_tried"] = zlib.decompressobj(-15), True
                data = state["d"].decompress(chunk, room + 1)
            if len(data) > room or state["d"].unconsumed_tail:
                raise FetchError("too large: the body expands past the size limit")
            return data

        return decode
    raise FetchError(f"unsupported Content-Encoding {encoding!r}")


def _check_room(chunk: bytes, room: int) -> bytes:
    if len(chunk) > room:
        raise FetchError("too large: the body is past the size limit")
    return chunk
