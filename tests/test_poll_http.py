"""A poll against real local HTTP servers: statuses, validators, redirects, limits."""

from __future__ import annotations

import gzip
import threading
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug import Response

from tests.conftest import add_feeds, feed_state, poll, rss

NOW = datetime.now(UTC)
ITEMS = [
    {"title": "Asylum officers urge court to end MPP", "link": "https://news.example/a1",
     "guid": "a1", "pubDate": NOW - timedelta(hours=2)},
    {"title": "Shelters in Tijuana prepare", "link": "https://news.example/a2",
     "guid": "a2", "pubDate": NOW - timedelta(hours=1)},
]  # fmt: skip


def test_first_poll_stores_articles_and_second_gets_304(store, httpserver):
    calls = []

    def handler(request):
        calls.append(dict(request.headers))
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(rss(ITEMS), headers={"ETag": '"v1"'}, content_type="application/rss+xml")

    httpserver.expect_request("/feed").respond_with_handler(handler)
    add_feeds(store, ("News", httpserver.url_for("/feed")))
    first = poll(store).as_dict()
    assert (first["ok"], first["new"]) == (1, 2)
    second = poll(store).as_dict()
    assert (second["not_modified"], second["new"]) == (1, 0)
    assert calls[1]["If-None-Match"] == '"v1"'
    assert "mpp-monitor-bot" in calls[0]["User-Agent"]
    state = feed_state(store, "News")
    assert state.articles == 2 and state.consecutive_failures == 0


def test_same_body_without_validators_counts_as_not_modified(store, httpserver):
    httpserver.expect_request("/feed").respond_with_data(rss(ITEMS), content_type="text/xml")
    add_feeds(store, ("News", httpserver.url_for("/feed")))
    poll(store)
    again = poll(store).as_dict()
    assert again["not_modified"] == 1 and again["new"] == 0


def test_last_modified_is_sent_back(store, httpserver):
    stamp = "Sat, 21 Nov 2026 10:00:00 GMT"
    seen = []

    def handler(request):
        seen.append(request.headers.get("If-Modified-Since"))
        return Response(rss(ITEMS), headers={"Last-Modified": stamp}, content_type="text/xml")

    httpserver.expect_request("/feed").respond_with_handler(handler)
    add_feeds(store, ("News", httpserver.url_for("/feed")))
    poll(store)
    poll(store)
    assert seen == [None, stamp]


def test_permanent_redirect_updates_the_stored_url(store, httpserver):
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": httpserver.url_for("/new")}
    )
    httpserver.expect_request("/new").respond_with_data(rss(ITEMS), content_type="text/xml")
    add_feeds(store, ("News", httpserver.url_for("/old")))
    assert poll(store).as_dict()["new"] == 2
    assert feed_state(store, "News").url == httpserver.url_for("/new")


def test_308_updates_url_but_temporary_302_does_not(store, httpserver):
    httpserver.expect_request("/p").respond_with_data(
        "", status=308, headers={"Location": httpserver.url_for("/final")}
    )
    httpserver.expect_request("/t").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/final")}
    )
    httpserver.expect_request("/final").respond_with_data(rss(ITEMS), content_type="text/xml")
    add_feeds(store, ("P", httpserver.url_for("/p")), ("T", httpserver.url_for("/t")))
    poll(store)
    assert feed_state(store, "P").url == httpserver.url_for("/final")
    assert feed_state(store, "T").url == httpserver.url_for("/t")


def test_relative_location_and_a_mixed_chain_keep_the_url(store, httpserver):
    # 301 then 302: not every hop is permanent, so the stored URL stays.
    httpserver.expect_request("/start").respond_with_data(
        "", status=301, headers={"Location": "/middle?x=1"}
    )
    httpserver.expect_request("/middle").respond_with_data(
        "", status=302, headers={"Location": "end"}
    )
    httpserver.expect_request("/end").respond_with_data(rss(ITEMS), content_type="text/xml")
    add_feeds(store, ("Chain", httpserver.url_for("/start")))
    assert poll(store).as_dict()["new"] == 2
    assert feed_state(store, "Chain").url == httpserver.url_for("/start")


def test_redirect_to_another_scheme_is_a_clear_error(store, httpserver):
    httpserver.expect_request("/ftp").respond_with_data(
        "", status=302, headers={"Location": "ftp://files.example/feed.xml"}
    )
    add_feeds(store, ("Ftp", httpserver.url_for("/ftp")))
    assert poll(store).as_dict()["failed"] == 1
    error = feed_state(store, "Ftp").last_error
    assert "redirected to a URL that is not http(s)" in error
    assert "ftp://files.example/feed.xml" in error


def test_404_and_500_fail_with_backoff_and_stay_visible(store, httpserver):
    httpserver.expect_request("/missing").respond_with_data("no", status=404)
    httpserver.expect_request("/broken").respond_with_data("oops", status=500)
    add_feeds(store, ("Missing", httpserver.url_for("/missing")),
              ("Broken", httpserver.url_for("/broken")))  # fmt: skip
    summary = poll(store)
    assert summary.as_dict()["failed"] == 2 and summary.exit_code == 1
    poll(store)
    broken = feed_state(store, "Broken")
    assert broken.consecutive_failures == 2
    assert "HTTP 500" in broken.last_error
    assert "HTTP 404" in feed_state(store, "Missing").last_error
    assert broken.next_poll_at > datetime.now(UTC)


def test_one_failing_feed_does_not_stop_the_others(store, httpserver):
    httpserver.expect_request("/bad").respond_with_data("x", status=500)
    httpserver.expect_request("/good").respond_with_data(rss(ITEMS), content_type="text/xml")
    add_feeds(store, ("Bad", httpserver.url_for("/bad")), ("Good", httpserver.url_for("/good")))
    summary = poll(store)
    d = summary.as_dict()
    assert (d["ok"], d["failed"], d["new"]) == (1, 1, 2)
    assert summary.exit_code == 0


def test_410_parks_the_feed_with_a_reason_and_retries_daily(store, httpserver):
    httpserver.expect_request("/gone").respond_with_data("", status=410)
    add_feeds(store, ("Gone", httpserver.url_for("/gone")))
    poll(store)
    state = feed_state(store, "Gone")
    assert "410" in state.parked_reason
    wait = state.next_poll_at - datetime.now(UTC)
    assert timedelta(hours=20) < wait < timedelta(hours=27)


def test_429_retry_after_is_honored(store, httpserver):
    httpserver.expect_request("/busy").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7200"}
    )
    add_feeds(store, ("Busy", httpserver.url_for("/busy")))
    poll(store)
    state = feed_state(store, "Busy")
    assert state.next_poll_at - datetime.now(UTC) > timedelta(minutes=115)
    assert "429" in state.last_error


@pytest.mark.slow
def test_slow_server_times_out(store, httpserver):
    release = threading.Event()

    def slow(request):
        release.wait(10)  # the test server answers one request at a time: free it after
        return Response(rss(ITEMS), content_type="text/xml")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    add_feeds(store, ("Slow", httpserver.url_for("/slow")))
    try:
        poll(store)
    finally:
        release.set()
    assert "timed out" in feed_state(store, "Slow").last_error


def test_oversize_body_is_refused(store, httpserver):
    big = rss([{**ITEMS[0], "description": "x" * 300_000}])
    httpserver.expect_request("/big").respond_with_data(big, content_type="text/xml")
    add_feeds(store, ("Big", httpserver.url_for("/big")))
    poll(store)
    assert "too large" in feed_state(store, "Big").last_error


def test_gzip_bomb_is_stopped_at_the_cap(store, httpserver):
    bomb = gzip.compress(b"<rss>" + b" " * 50_000_000)
    assert len(bomb) < 100_000  # small on the wire, 50 MB inflated
    httpserver.expect_request("/bomb").respond_with_data(
        bomb, content_type="text/xml", headers={"Content-Encoding": "gzip"}
    )
    add_feeds(store, ("Bomb", httpserver.url_for("/bomb")))
    poll(store)
    assert "too large" in feed_state(store, "Bomb").last_error


def test_gzip_body_is_decoded(store, httpserver):
    httpserver.expect_request("/gz").respond_with_data(
        gzip.compress(rss(ITEMS)), content_type="text/xml", headers={"Content-Encoding": "gzip"}
    )
    add_feeds(store, ("Gz", httpserver.url_for("/gz")))
    assert poll(store).as_dict()["new"] == 2


def test_redirect_loop_is_reported(store, httpserver):
    httpserver.expect_request("/a").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/b")}
    )
    httpserver.expect_request("/b").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/a")}
    )
    add_feeds(store, ("Loop", httpserver.url_for("/a")))
    poll(store)
    assert "redirect" in feed_state(store, "Loop").last_error


def test_wrong_content_types(store, httpserver):
    httpserver.expect_request("/png").respond_with_data(b"\x89PNG....", content_type="image/png")
    httpserver.expect_request("/html").respond_with_data(
        "<!DOCTYPE html><html><body>Not here</body></html>", content_type="text/html"
    )
    httpserver.expect_request("/plain").respond_with_data(rss(ITEMS), content_type="text/plain")
    add_feeds(store, ("Png", httpserver.url_for("/png")), ("Html", httpserver.url_for("/html")),
              ("Plain", httpserver.url_for("/plain")))  # fmt: skip
    poll(store)
    assert "image/png" in feed_state(store, "Png").last_error
    assert "HTML page" in feed_state(store, "Html").last_error
    assert feed_state(store, "Plain").articles == 2


def test_non_utf8_encodings_are_decoded(store, httpserver):
    title = "Solicitantes de asilo esperan en Tijuana: ¿qué sigue?"
    body = rss([{"title": title, "link": "https://n.example/x", "guid": "x"}]).replace(
        b'encoding="utf-8"', b'encoding="iso-8859-1"'
    )
    latin = body.decode("utf-8").encode("iso-8859-1")
    cp1251 = "Новости о мигрантах на границе с Мексикой"
    body2 = rss([{"title": cp1251, "link": "https://n.example/y", "guid": "y"}]).replace(
        b'<?xml version="1.0" encoding="utf-8"?>', b""
    )
    httpserver.expect_request("/latin").respond_with_data(latin, content_type="text/xml")
    httpserver.expect_request("/cp1251").respond_with_data(
        body2.decode().encode("windows-1251"), content_type="text/xml; charset=windows-1251"
    )
    add_feeds(store, ("Latin", httpserver.url_for("/latin")),
              ("Cyr", httpserver.url_for("/cp1251")))  # fmt: skip
    poll(store)
    with store.engine.connect() as conn:
        titles = {row[0] for row in conn.exec_driver_sql("SELECT title FROM articles")}
    assert titles == {title, cp1251}


def test_unreachable_host_is_a_clear_failure(store):
    add_feeds(store, ("Nowhere", "http://127.0.0.1:9/feed"))
    poll(store)
    assert "cannot connect" in feed_state(store, "Nowhere").last_error


def test_a_malformed_redirect_is_the_feeds_error_not_an_internal_one(store):
    import http.server
    import threading

    class Redirect(http.server.BaseHTTPRequestHandler):  # headers sent as they are
        def do_GET(self):
            self.send_response(302)
            self.send_header("Location", "http://[]")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        add_feeds(store, ("Odd", f"http://127.0.0.1:{server.server_port}/odd"))
        assert poll(store).as_dict()["failed"] == 1
    finally:
        server.shutdown()
        server.server_close()
    error = feed_state(store, "Odd").last_error
    assert "invalid URL 'http://[]'" in error and "internal" not in error


def _parse_url_in_general(text: str, base: str | None = None):
    """fetch._parse_url as it was before its fast path: urlsplit (httpx for odd URLs)."""
    from urllib.parse import urljoin, urlsplit

    from bot.errors import FetchError
    from bot.feeds.fetch import _normalized
    from bot.feeds.http1 import Target

    try:
        joined = urljoin(base, text.strip()) if base is not None else text.strip()
    except ValueError as exc:
        raise FetchError(f"invalid URL {text!r}: {exc}") from None
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


_URL_CHARS = "aZ09.-/?#:@%&=~_ é\t[]"
_FEED_URLS = st.builds(
    lambda scheme, host, port, rest: f"{scheme}://{host}{port}{rest}",
    st.sampled_from(["http", "https", "HTTP", "ftp"]),
    st.text(alphabet="aZ09.-", min_size=1, max_size=10) | st.text(alphabet="aZ.@:[]é", max_size=6),
    st.sampled_from(["", "", ":8080", ":0", ":080", ":65535", ":65536", ":", ":x"]),
    st.text(alphabet=_URL_CHARS, max_size=14),
)


@given(
    st.one_of(_FEED_URLS, st.text(alphabet=_URL_CHARS)),
    st.sampled_from([None, "https://b.example/x/"]),
)
def test_feed_urls_split_as_urlsplit_splits_them(url, base):
    """fetch._parse_url's fast path for plain URLs gives the general path's answer."""
    from bot.errors import FetchError
    from bot.feeds.fetch import _parse_url

    try:
        expected = _parse_url_in_general(url, base)
    except FetchError as exc:
        with pytest.raises(FetchError) as raised:
            _parse_url(url, base)
        assert str(raised.value) == str(exc)
        return
    assert _parse_url(url, base) == expected
