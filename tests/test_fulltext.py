"""Feeds with full_text: pages fetched once per entry version, matched on their text;
pages are public only (the links are the publisher's) unless their host is allowed."""

from __future__ import annotations

import logging
import socket
from dataclasses import replace
from datetime import UTC, datetime

from bot.match.matcher import Topic
from bot.model import FeedSpec
from tests.conftest import FAST_LIMITS, poll, rss

# The test server is local: its host must be allowed for its pages to be fetched.
LOCAL = replace(FAST_LIMITS, allow_private_hosts=frozenset({"localhost"}))

PAGE = """<html><head><title>Shelters</title></head><body>
<nav>Home | News | Sports</nav>
<article><h1>Shelters in Tijuana brace for returns</h1>
<p>Shelter directors in Tijuana said on Tuesday that they expect hundreds of families to
be sent back across the border in the coming weeks, many of whom have already passed
credible fear interviews with asylum officers in San Diego.</p>
<p>Volunteers are setting up cots in church halls and warehouses, and the city has asked
the state for money to pay for food, water and medical care for the new arrivals.</p>
</article><aside>Most Popular: 1. Weather 2. Sports</aside></body></html>"""


def test_full_text_is_fetched_once_matched_and_falls_back(store, httpserver):
    pages = []

    def page(request):
        from werkzeug import Response

        pages.append(request.path)
        return Response(PAGE, content_type="text/html; charset=utf-8")

    def items(summary):
        return [
            {"title": "Shelters brace", "link": httpserver.url_for("/story/1"), "guid": "s1",
             "description": summary},
            {"title": "Gone story", "link": httpserver.url_for("/story/404"), "guid": "s2",
             "description": "A short summary."},
        ]  # fmt: skip

    httpserver.expect_request("/story/1").respond_with_handler(page)
    httpserver.expect_request("/story/404").respond_with_data("no", status=404)
    httpserver.expect_request("/feed").respond_with_data(
        rss(items("Directors speak.")), content_type="text/xml"
    )
    now = datetime.now(UTC)
    store.sync_feeds([FeedSpec("Local", httpserver.url_for("/feed"), full_text=True)], now)
    topics = [Topic("asylum", '"credible fear" NEAR/5 "asylum officers"')]
    summary = poll(store, topics=topics, limits=LOCAL).as_dict()
    assert summary["new"] == 2
    assert pages == ["/story/1"]
    assert store.stats()["matches"] == {"asylum": 1}  # only the page says "credible fear"
    with store.engine.connect() as conn:
        contents = dict(conn.exec_driver_sql("SELECT title, content FROM articles").all())
    assert "credible fear interviews" in contents["Shelters brace"]
    assert "Most Popular" not in contents["Shelters brace"]
    assert contents["Gone story"] == ""  # the page failed: the summary is what there is

    # The feed changes (another body), the entry does not: its page is not fetched again.
    httpserver.clear()
    httpserver.expect_request("/story/1").respond_with_handler(page)
    httpserver.expect_request("/story/404").respond_with_data("no", status=404)
    httpserver.expect_request("/feed").respond_with_data(
        rss([*items("Directors speak."), {"title": "Other", "guid": "s3"}]),
        content_type="text/xml",
    )
    again = poll(store, topics=topics, limits=LOCAL).as_dict()
    assert (again["new"], again["unchanged"]) == (1, 2)
    assert pages == ["/story/1"]


def contents(store) -> dict[str, tuple[str, str]]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT title, summary, content FROM articles").all()
    return {title: (summary, content) for title, summary, content in rows}


def requested(httpserver) -> list[str]:
    return [request.path for request, _ in httpserver.log]


def test_pages_at_private_addresses_are_not_fetched_and_the_feed_text_is_kept(
    store, httpserver, caplog
):
    """The feed is the operator's (feeds.yaml, fetched from localhost); its links are not:
    one to 127.0.0.1 (not in allow_private_hosts) is never requested, one to localhost
    (allowed) is, and one that redirects from localhost to 127.0.0.1 stops at the hop."""
    private = httpserver.url_for("/page").replace("localhost", "127.0.0.1")
    hop_target = httpserver.url_for("/secret").replace("localhost", "127.0.0.1")
    httpserver.expect_request("/page").respond_with_data(PAGE, content_type="text/html")
    httpserver.expect_request("/secret").respond_with_data(PAGE, content_type="text/html")
    httpserver.expect_request("/story").respond_with_data(PAGE, content_type="text/html")
    httpserver.expect_request("/hop").respond_with_data(
        "", status=302, headers={"Location": hop_target}
    )
    httpserver.expect_request("/feed").respond_with_data(rss([
        {"title": "Internal", "link": private, "guid": "p1", "description": "Feed text one."},
        {"title": "Allowed", "link": httpserver.url_for("/story"), "guid": "p2",
         "description": "Feed text two."},
        {"title": "Redirected", "link": httpserver.url_for("/hop"), "guid": "p3",
         "description": "Feed text three."},
    ]), content_type="text/xml")  # fmt: skip
    store.sync_feeds([FeedSpec("Local", httpserver.url_for("/feed"), full_text=True)],
                     datetime.now(UTC))  # fmt: skip
    with caplog.at_level(logging.INFO, logger="bot.poll"):
        summary = poll(store, limits=LOCAL).as_dict()
    assert summary["new"] == 3  # no article lost
    assert sorted(requested(httpserver)) == ["/feed", "/hop", "/story"]  # never /page, /secret
    stored = contents(store)
    assert stored["Internal"] == ("Feed text one.", "")
    assert stored["Redirected"] == ("Feed text three.", "")
    assert "credible fear interviews" in stored["Allowed"][1]
    refused = [r.getMessage() for r in caplog.records if "not fetched" in r.getMessage()]
    assert len(refused) == 2
    assert all("refused: 127.0.0.1 resolves to a non-public address" in m for m in refused)
    assert all("127.0.0.1 is a loopback address" in m for m in refused)


def test_with_nothing_allowed_local_pages_are_refused(store, httpserver):
    """A feed from feeds.yaml may be local; its pages still may not (the default)."""
    httpserver.expect_request("/story").respond_with_data(PAGE, content_type="text/html")
    httpserver.expect_request("/feed").respond_with_data(
        rss([{"title": "Local", "link": httpserver.url_for("/story"), "guid": "l1",
              "description": "Only this."}]), content_type="text/xml"
    )  # fmt: skip
    store.sync_feeds([FeedSpec("Local", httpserver.url_for("/feed"), full_text=True)],
                     datetime.now(UTC))  # fmt: skip
    assert poll(store).as_dict()["new"] == 1
    assert requested(httpserver) == ["/feed"]
    assert contents(store)["Local"] == ("Only this.", "")


def test_a_page_host_that_rebinds_to_a_private_address_is_refused_after_connecting(
    store, httpserver, monkeypatch, caplog
):
    """DNS rebinding: news.example resolves to a public address when checked, then to
    127.0.0.1 when connecting; the connected address is checked and the answer dropped."""
    real = socket.getaddrinfo
    lookups = []

    def rebinding(host, port, *args, **kwargs):
        if host not in ("news.example", b"news.example"):  # anyio passes bytes
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        address = "93.184.215.14" if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    page = httpserver.url_for("/story").replace("localhost", "news.example")
    httpserver.expect_request("/story").respond_with_data(PAGE, content_type="text/html")
    httpserver.expect_request("/feed").respond_with_data(
        rss([{"title": "Rebound", "link": page, "guid": "r1", "description": "Feed text."}]),
        content_type="text/xml",
    )
    store.sync_feeds([FeedSpec("Local", httpserver.url_for("/feed"), full_text=True)],
                     datetime.now(UTC))  # fmt: skip
    with caplog.at_level(logging.INFO, logger="bot.poll"):
        assert poll(store).as_dict()["new"] == 1
    assert len(lookups) >= 2  # checked, then resolved again to connect
    assert contents(store)["Rebound"] == ("Feed text.", "")
    assert "news.example connected to a non-public address (127.0.0.1 is a loopback" in (
        caplog.text
    )
