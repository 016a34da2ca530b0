"""Feeds with full_text: pages fetched once per entry version, matched on their text."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.match.matcher import Topic
from bot.model import FeedSpec
from tests.conftest import poll, rss

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
    summary = poll(store, topics=topics).as_dict()
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
    again = poll(store, topics=topics).as_dict()
    assert (again["new"], again["unchanged"]) == (1, 2)
    assert pages == ["/story/1"]
